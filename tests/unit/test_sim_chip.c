/*
 * Tests of the W5100 model (sim/chip), driven by raw 4-byte SPI frames.
 * Independent of the driver in src/: the helpers below are the whole "driver".
 * Real loopback sockets owned by this process play the network peers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wf_sim_chip.h"

/* Register map, spelled out here on purpose (the test must not trust the model). */
enum {
    MR = 0x0000,
    IR = 0x0015,
    RTR = 0x0017,
    RCR = 0x0019,
    RMSR = 0x001A,
    TMSR = 0x001B,
    PTIMER = 0x0028,
    Sn_MR = 0x00,
    Sn_CR = 0x01,
    Sn_IR = 0x02,
    Sn_SR = 0x03,
    Sn_PORT = 0x04,
    Sn_DHAR = 0x06,
    Sn_DIPR = 0x0C,
    Sn_DPORT = 0x10,
    Sn_TTL = 0x16,
    Sn_TX_FSR = 0x20,
    Sn_TX_RD = 0x22,
    Sn_TX_WR = 0x24,
    Sn_RX_RSR = 0x26,
    Sn_RX_RD = 0x28,
    TCP = 0x01,
    UDP = 0x02,
    OPEN = 0x01,
    LISTEN = 0x02,
    CONNECT = 0x04,
    DISCON = 0x08,
    CLOSE = 0x10,
    SEND = 0x20,
    RECV = 0x40,
    IR_CON = 0x01,
    IR_DISCON = 0x02,
    IR_RECV = 0x04,
    IR_TIMEOUT = 0x08,
    IR_SEND_OK = 0x10,
    S_CLOSED = 0x00,
    S_ARP = 0x01,
    S_INIT = 0x13,
    S_SYNSENT = 0x15,
    S_ESTABLISHED = 0x17,
    S_FIN_WAIT = 0x18,
    S_CLOSE_WAIT = 0x1C,
    S_UDP = 0x22,
    TX_MEM = 0x4000,
    RX_MEM = 0x6000,
    RING = 2048,
    MASK = RING - 1,
};

#define VIP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define LOOPBACK VIP(127, 0, 0, 1)

static struct wf_sim_chip *chip;
static uint32_t fake_ms;

static uint32_t fake_clock(void *ctx)
{
    (void)ctx;
    return fake_ms;
}

static uint64_t fake_us;

static uint64_t fake_clock_us(void *ctx)
{
    (void)ctx;
    return fake_us;
}

/* ---- SPI helpers ---------------------------------------------------------- */

static void frame(uint8_t op, uint16_t addr, uint8_t data, uint8_t rx[4])
{
    const uint8_t tx[4] = {op, (uint8_t)(addr >> 8), (uint8_t)addr, data};
    assert_int_equal(wf_sim_chip_spi_frame(chip, tx, rx, 4), 0);
}

static void wr8(uint16_t addr, uint8_t v)
{
    uint8_t rx[4];
    frame(0xF0, addr, v, rx);
    assert_true(rx[0] == 0 && rx[1] == 1 && rx[2] == 2 && rx[3] == 3);
}

static uint8_t rd8(uint16_t addr)
{
    uint8_t rx[4];
    frame(0x0F, addr, 0, rx);
    assert_true(rx[0] == 0 && rx[1] == 1 && rx[2] == 2);
    return rx[3];
}

static void wr16(uint16_t addr, uint16_t v)
{
    wr8(addr, (uint8_t)(v >> 8));
    wr8((uint16_t)(addr + 1), (uint8_t)v);
}

static uint16_t rd16_raw(uint16_t addr)
{
    uint16_t h = rd8(addr);
    return (uint16_t)((h << 8) | rd8((uint16_t)(addr + 1)));
}

/* The double-read rule (docs/w5100-w5500.md §5.1). */
static uint16_t rd16(uint16_t addr)
{
    uint16_t a = rd16_raw(addr), b;
    while ((b = rd16_raw(addr)) != a) {
        a = b;
    }
    return a;
}

static uint16_t sreg(unsigned sn, uint8_t off)
{
    return (uint16_t)(0x0400 + sn * 0x100 + off);
}

static void wr32(uint16_t addr, uint32_t v)
{
    wr16(addr, (uint16_t)(v >> 16));
    wr16((uint16_t)(addr + 2), (uint16_t)v);
}

/* Issue a command and poll Sn_CR; returns the number of polls. */
static int cmd(unsigned sn, uint8_t c)
{
    wr8(sreg(sn, Sn_CR), c);
    int polls = 1;
    while (rd8(sreg(sn, Sn_CR)) != 0) {
        polls++;
        assert_true(polls < 20);
    }
    return polls;
}

static void open_socket(unsigned sn, uint8_t proto, uint16_t port)
{
    wr8(sreg(sn, Sn_MR), proto);
    wr16(sreg(sn, Sn_PORT), port);
    wr8(sreg(sn, Sn_IR), 0xFF);
    cmd(sn, OPEN);
}

static void set_peer(unsigned sn, uint32_t ip, uint16_t port)
{
    wr32(sreg(sn, Sn_DIPR), ip);
    wr16(sreg(sn, Sn_DPORT), port);
}

/* Socket 0 with the default 2 KiB rings at TX 0x4000 / RX 0x6000. */
static void tx_put(const uint8_t *p, uint16_t n)
{
    uint16_t ptr = rd16(sreg(0, Sn_TX_WR));
    for (uint16_t i = 0; i < n; i++) {
        wr8((uint16_t)(TX_MEM + ((ptr + i) & MASK)), p[i]);
    }
    wr16(sreg(0, Sn_TX_WR), (uint16_t)(ptr + n));
}

static void rx_get(uint8_t *p, uint16_t n)
{
    uint16_t ptr = rd16(sreg(0, Sn_RX_RD));
    for (uint16_t i = 0; i < n; i++) {
        p[i] = rd8((uint16_t)(RX_MEM + ((ptr + i) & MASK)));
    }
    wr16(sreg(0, Sn_RX_RD), (uint16_t)(ptr + n));
    cmd(0, RECV);
}

static void expect_violation(const char *what)
{
    size_t n = wf_sim_chip_violation_count(chip);
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        const struct wf_sim_chip_violation *v = wf_sim_chip_violation(chip, i);
        if (v != NULL && strstr(v->what, what) != NULL) {
            found = true;
        }
    }
    if (!found) {
        fprintf(stderr, "expected violation \"%s\", got:\n", what);
        wf_sim_chip_print_violations(chip, stderr);
    }
    assert_true(found);
    wf_sim_chip_clear_violations(chip);
}

static void expect_no_violations(void)
{
    if (wf_sim_chip_violation_count(chip) != 0) {
        wf_sim_chip_print_violations(chip, stderr);
    }
    assert_int_equal(wf_sim_chip_violation_count(chip), 0);
}

/* ---- host peers ----------------------------------------------------------- */

static int host_socket(int type, uint16_t *port)
{
    int fd = socket(AF_INET, type | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void pause_briefly(void)
{
    usleep(100);
}

/* Poll Sn_SR (servicing `accept_from` if given) until it reads `want`. */
static void wait_sr(unsigned sn, uint8_t want, int lfd, int *afd)
{
    for (int i = 0; i < 30000; i++) {
        if (lfd >= 0 && *afd < 0) {
            *afd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
        }
        if (rd8(sreg(sn, Sn_SR)) == want) {
            return;
        }
        pause_briefly();
    }
    fail_msg("Sn_SR never became 0x%02x (is 0x%02x)", want, wf_sim_chip_peek_status(chip, sn));
}

static uint8_t wait_ir(unsigned sn, uint8_t mask)
{
    for (int i = 0; i < 30000; i++) {
        uint8_t ir = rd8(sreg(sn, Sn_IR));
        if (ir & mask) {
            wr8(sreg(sn, Sn_IR), ir & mask);
            return ir;
        }
        pause_briefly();
    }
    fail_msg("Sn_IR never had 0x%02x", mask);
    return 0;
}

/* A TCP connection from socket 0 to a listener of ours; returns the accepted fd. */
static int tcp_connect(uint32_t vip, uint16_t vport, int *lfd_out)
{
    uint16_t port;
    int lfd = host_socket(SOCK_STREAM, &port);
    assert_int_equal(listen(lfd, 4), 0);
    assert_int_equal(wf_sim_chip_map(chip, vip, vport, LOOPBACK, port), 0);
    open_socket(0, TCP, 40000);
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_INIT);
    set_peer(0, vip, vport);
    cmd(0, CONNECT);
    int afd = -1;
    wait_sr(0, S_ESTABLISHED, lfd, &afd);
    while (afd < 0) {
        afd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
        pause_briefly();
    }
    *lfd_out = lfd;
    return afd;
}

/* ---- fixtures ------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    const char *seed = getenv("WF_SIM_SEED"); /* stress runs vary the seed */
    chip = wf_sim_chip_new(seed ? strtoull(seed, NULL, 0) : 42);
    fake_ms = 1000;
    return chip ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    wf_sim_chip_free(chip);
    chip = NULL;
    return 0;
}

/* ---- framing, reset, faults ----------------------------------------------- */

static void test_echo(void **state)
{
    (void)state;
    uint8_t rx[4];
    frame(0xF0, RTR, 0x12, rx);
    assert_memory_equal(rx, ((uint8_t[]){0, 1, 2, 3}), 4);
    frame(0x0F, RTR, 0x00, rx);
    assert_memory_equal(rx, ((uint8_t[]){0, 1, 2, 0x12}), 4);
    expect_no_violations();
}

static void test_reset_values(void **state)
{
    (void)state;
    assert_int_equal(rd8(MR), 0);
    assert_int_equal(rd16(RTR), 0x07D0);
    assert_int_equal(rd8(RCR), 0x08);
    assert_int_equal(rd8(RMSR), 0x55);
    assert_int_equal(rd8(TMSR), 0x55);
    assert_int_equal(rd8(PTIMER), 0x28);
    for (unsigned sn = 0; sn < 4; sn++) {
        assert_int_equal(rd16(sreg(sn, Sn_TX_FSR)), 0x0800);
        assert_int_equal(rd8(sreg(sn, Sn_TTL)), 0x80);
        assert_int_equal(rd8(sreg(sn, Sn_DHAR)), 0xFF);
        assert_int_equal(rd8(sreg(sn, Sn_DHAR + 5)), 0xFF);
        assert_int_equal(rd8(sreg(sn, Sn_SR)), S_CLOSED);
        assert_int_equal(rd16(sreg(sn, Sn_RX_RSR)), 0);
    }
    expect_no_violations();
}

static void test_mr_reset_self_clears(void **state)
{
    (void)state;
    wr16(RTR, 0x1234);
    wr8(TMSR, 0x03);
    wr8(MR, 0x80);
    int frames = 0;
    while (rd8(MR) & 0x80) {
        frames++;
        assert_true(frames < 10);
    }
    assert_true(frames >= 1); /* not instantly */
    assert_int_equal(rd16(RTR), 0x07D0);
    assert_int_equal(rd8(TMSR), 0x55);
    expect_no_violations();
}

static void test_frame_length_violations(void **state)
{
    (void)state;
    uint8_t tx[8] = {0x0F, 0x00, 0x19, 0, 0x0F, 0x00, 0x19, 0}, rx[8];
    wf_sim_chip_spi_frame(chip, tx, rx, 8);
    assert_int_equal(rx[3], 0x08); /* the first frame still counts */
    for (int i = 4; i < 8; i++) {
        assert_int_equal(rx[i], 0xFF);
    }
    expect_violation("CS held across frames");
    wf_sim_chip_spi_frame(chip, tx, rx, 3);
    assert_memory_equal(rx, ((uint8_t[]){0, 1, 2}), 3);
    expect_violation("short frame");
    tx[0] = 0x55;
    wf_sim_chip_spi_frame(chip, tx, rx, 4);
    expect_violation("unknown SPI opcode");
    assert_int_equal(wf_sim_chip_stats(chip)->frames, 3);
    assert_int_equal(wf_sim_chip_stats(chip)->bytes, 15);
}

/* A chip-select pulse with no clock shifts no bit: neither chip can see it
 * (ioLibrary's W5100 port sends one for a 0-byte read). 1..3 bytes stay short. */
static void test_zero_byte_frame_ignored(void **state)
{
    (void)state;
    struct wf_sim_chip *w55 = wf_sim_chip_new_variant(42, WF_SIM_W5500);
    struct wf_sim_chip *both[2] = {chip, w55};
    for (int c = 0; c < 2; c++) {
        struct wf_sim_chip *m = both[c];
        uint8_t tx[3] = {0x0F, 0x00, 0x19}, rx[3];
        wf_sim_chip_spi_select(m);
        wf_sim_chip_spi_deselect(m);
        assert_int_equal(wf_sim_chip_spi_frame(m, tx, rx, 0), 0);
        assert_int_equal(wf_sim_chip_violation_count(m), 0);
        for (size_t len = 1; len <= 3; len++) {
            wf_sim_chip_spi_frame(m, tx, rx, len);
            assert_int_equal(wf_sim_chip_violation_count(m), 1);
            assert_non_null(strstr(wf_sim_chip_violation(m, 0)->what, "short frame"));
            wf_sim_chip_clear_violations(m);
        }
    }
    /* Nothing was decoded: the next real frame works as usual. */
    assert_int_equal(rd8(RCR), 0x08);
    expect_no_violations();
    wf_sim_chip_free(w55);
}

/* Network-map rules as the host programs and the emulator take them (--map). */
static void test_map_rule(void **state)
{
    (void)state;
    uint32_t ip;
    uint16_t port;
    assert_int_equal(wf_sim_chip_map_rule(chip, "10.0.0.1:443=127.0.0.1:8443"), 0);
    assert_int_equal(wf_sim_chip_map_rule(chip, "10.0.0.53=127.0.0.1:5353"), 0);
    assert_int_equal(wf_sim_chip_map_rule(chip, "10.0.0.1:443"), -1);       /* no '=' */
    assert_int_equal(wf_sim_chip_map_rule(chip, "10.0.0.1=127.0.0.1"), -1); /* host port required */
    assert_int_equal(wf_sim_chip_map_rule(chip, "10.0.0.256=127.0.0.1:1"), -1);
    assert_int_equal(wf_sim_chip_map_rule(chip, "10.0.0.1:0=127.0.0.1:1"), -1);
    assert_int_equal(wf_sim_chip_map_rule(chip, "10.0.0.1=127.0.0.1:65536"), -1);
    assert_int_equal(wf_sim_chip_map_rule(chip, "10.0.0=127.0.0.1:1"), -1);
    assert_true(wf_sim_chip_parse_endpoint("192.168.1.2:80", false, &ip, &port));
    assert_int_equal(ip, 0xC0A80102u);
    assert_int_equal(port, 80);
    assert_true(wf_sim_chip_parse_endpoint("192.168.1.2", true, &ip, &port));
    assert_int_equal(port, 0);
    assert_false(wf_sim_chip_parse_endpoint("192.168.1.2", false, &ip, &port));
    assert_false(wf_sim_chip_parse_port("+80", &port));
    assert_true(wf_sim_chip_parse_ipv4("1.2.3.4xyz", 7, &ip));
    assert_int_equal(ip, 0x01020304u);
}

static void test_absent_and_reset_pin(void **state)
{
    (void)state;
    const uint8_t tx[4] = {0x0F, 0x00, 0x19, 0};
    uint8_t rx[4];
    wf_sim_chip_fault_absent(chip, true, 0xFF);
    wf_sim_chip_spi_frame(chip, tx, rx, 4);
    assert_memory_equal(rx, ((uint8_t[]){0xFF, 0xFF, 0xFF, 0xFF}), 4);
    wf_sim_chip_fault_absent(chip, true, 0x00);
    wf_sim_chip_spi_frame(chip, tx, rx, 4);
    assert_memory_equal(rx, ((uint8_t[]){0, 0, 0, 0}), 4);
    wf_sim_chip_fault_absent(chip, false, 0);
    wr8(RCR, 3);
    wf_sim_chip_reset_pin(chip, true);
    wf_sim_chip_spi_frame(chip, tx, rx, 4);
    assert_memory_equal(rx, ((uint8_t[]){0, 0, 0, 0}), 4);
    wf_sim_chip_reset_pin(chip, false);
    assert_int_equal(rd8(RCR), 8);
    /* An open socket is closed by the reset (its host socket released). */
    open_socket(1, UDP, 5000);
    assert_int_equal(rd8(sreg(1, Sn_SR)), S_UDP);
    wf_sim_chip_reset_pin(chip, true);
    wf_sim_chip_reset_pin(chip, false);
    assert_int_equal(rd8(sreg(1, Sn_SR)), S_CLOSED);
    assert_int_equal(rd16(sreg(1, Sn_PORT)), 0);
    expect_no_violations();
}

static void test_reserved_and_read_only(void **state)
{
    (void)state;
    rd8(0x0030);
    expect_violation("reserved address");
    wr8(0x0900, 1);
    expect_violation("reserved address");
    rd8(0x0014);
    expect_violation("reserved address");
    rd8(sreg(1, 0x2A)); /* Sn_RX_WR: uncertain on the W5100, treated as reserved (docs/w5100-w5500.md §3.1) */
    expect_violation("reserved socket register");
    static const uint8_t ro[] = {Sn_SR, Sn_TX_FSR, Sn_TX_FSR + 1, Sn_TX_RD, Sn_RX_RSR};
    for (size_t i = 0; i < sizeof ro; i++) {
        wr8(sreg(0, ro[i]), 1);
        expect_violation("read-only socket register");
    }
    wr8(0x002A, 1); /* UIPR */
    expect_violation("read-only common register");
    wr8(0x001C, 1); /* PATR */
    expect_violation("read-only common register");
    wr8(RX_MEM, 1);
    expect_violation("write to RX memory");
}

static void test_cr_accepted_after_polls(void **state)
{
    (void)state;
    int min = 100, max = 0;
    for (int i = 0; i < 40; i++) {
        open_socket(0, TCP, 1000);
        int polls = cmd(0, CLOSE);
        min = polls < min ? polls : min;
        max = polls > max ? polls : max;
    }
    assert_true(min >= 2); /* the first poll always sees the command */
    assert_true(max <= 5);
    assert_true(max > min);
    expect_no_violations();
}

/* ---- UDP ------------------------------------------------------------------ */

static void test_udp_round_trip(void **state)
{
    (void)state;
    uint16_t port;
    int echo = host_socket(SOCK_DGRAM, &port);
    assert_int_equal(wf_sim_chip_map(chip, VIP(10, 0, 0, 2), 53, LOOPBACK, port), 0);
    open_socket(0, UDP, 5000);
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_UDP);
    set_peer(0, VIP(10, 0, 0, 2), 53);
    const uint8_t msg[] = "hello, udp";
    tx_put(msg, sizeof msg);
    cmd(0, SEND);
    wait_ir(0, IR_SEND_OK);

    uint8_t buf[64];
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ssize_t n = -1;
    for (int i = 0; i < 20000 && n < 0; i++) {
        n = recvfrom(echo, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
        pause_briefly();
    }
    assert_int_equal(n, sizeof msg);
    assert_memory_equal(buf, msg, sizeof msg);
    assert_int_equal(sendto(echo, buf, (size_t)n, 0, (struct sockaddr *)&from, flen), n);

    uint16_t rsr = 0;
    for (int i = 0; i < 20000 && rsr == 0; i++) {
        rsr = rd16(sreg(0, Sn_RX_RSR));
        pause_briefly();
    }
    assert_int_equal(rsr, 8 + sizeof msg);
    assert_true(rd8(sreg(0, Sn_IR)) & IR_RECV);
    uint8_t hdr[8], data[sizeof msg];
    rx_get(hdr, 8);
    assert_memory_equal(hdr, ((uint8_t[]){10, 0, 0, 2, 0, 53, 0, sizeof msg}), 8);
    rx_get(data, sizeof msg);
    assert_memory_equal(data, msg, sizeof msg);
    assert_int_equal(rd16(sreg(0, Sn_RX_RSR)), 0);
    cmd(0, CLOSE);
    close(echo);
    expect_no_violations();
}

static void test_udp_unreachable_times_out(void **state)
{
    (void)state;
    wf_sim_chip_set_clock(chip, fake_clock, NULL);
    wr16(RTR, 100);
    wr8(RCR, 2);
    wf_sim_chip_fault_unreachable(chip, VIP(10, 0, 0, 9));
    open_socket(0, UDP, 5000);
    set_peer(0, VIP(10, 0, 0, 9), 9);
    tx_put((const uint8_t *)"x", 1);
    cmd(0, SEND);
    fake_ms += 29;
    assert_int_equal(rd8(sreg(0, Sn_IR)) & (IR_TIMEOUT | IR_SEND_OK), 0);
    fake_ms += 1;
    assert_int_equal(rd8(sreg(0, Sn_IR)) & (IR_TIMEOUT | IR_SEND_OK), IR_TIMEOUT);
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_UDP);
    assert_int_equal(rd16(sreg(0, Sn_TX_FSR)), RING);
    expect_no_violations();
}

/* ---- TCP ------------------------------------------------------------------ */

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(i * 7 + seed);
    }
}

static void tcp_send_round(int afd, unsigned round, uint16_t n)
{
    uint8_t out[1500], in[1500];
    fill(out, n, round);
    while (rd16(sreg(0, Sn_TX_FSR)) < n) {
        pause_briefly();
    }
    tx_put(out, n);
    cmd(0, SEND);
    wait_ir(0, IR_SEND_OK);
    size_t got = 0;
    for (int i = 0; i < 20000 && got < n; i++) {
        ssize_t r = recv(afd, in + got, n - got, 0);
        got += r > 0 ? (size_t)r : 0;
        rd8(sreg(0, Sn_SR));
        pause_briefly();
    }
    assert_int_equal(got, n);
    assert_memory_equal(in, out, n);
}

static void tcp_receive(int afd, size_t total)
{
    static uint8_t out[5000], in[5000];
    fill(out, total, 99);
    assert_int_equal(send(afd, out, total, 0), (ssize_t)total);
    size_t got = 0;
    for (int i = 0; i < 30000 && got < total; i++) {
        uint16_t rsr = rd16(sreg(0, Sn_RX_RSR));
        assert_true(rsr <= RING);
        uint16_t n = rsr < 700 ? rsr : 700;
        if (n) {
            rx_get(in + got, n);
            got += n;
        } else {
            pause_briefly();
        }
    }
    assert_int_equal(got, total);
    assert_memory_equal(in, out, total);
}

static void test_tcp_connect_send_receive_wrap(void **state)
{
    (void)state;
    int lfd;
    int afd = tcp_connect(VIP(10, 0, 0, 3), 80, &lfd);
    assert_true(rd8(sreg(0, Sn_IR)) & IR_CON);
    for (unsigned round = 0; round < 3; round++) {
        tcp_send_round(afd, round, 1500); /* 1500 + 3000 cross the 2 KiB ring end */
    }
    tcp_receive(afd, 5000); /* more than the ring: flow control + wrap */
    close(afd);
    wait_sr(0, S_CLOSE_WAIT, -1, NULL);
    assert_true(rd8(sreg(0, Sn_IR)) & IR_DISCON);
    cmd(0, DISCON);
    wait_sr(0, S_CLOSED, -1, NULL);
    assert_int_equal(rd8(sreg(0, Sn_IR)) & IR_TIMEOUT, 0);
    close(lfd);
    expect_no_violations();
}

static void test_tcp_active_close(void **state)
{
    (void)state;
    int lfd;
    int afd = tcp_connect(VIP(10, 0, 0, 3), 80, &lfd);
    cmd(0, DISCON);
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_FIN_WAIT);
    uint8_t b;
    ssize_t r = -1;
    for (int i = 0; i < 20000 && r != 0; i++) {
        r = recv(afd, &b, 1, 0);
        rd8(sreg(0, Sn_SR));
        pause_briefly();
    }
    assert_int_equal(r, 0); /* the peer saw our FIN */
    close(afd);
    wait_sr(0, S_CLOSED, -1, NULL);
    assert_int_equal(rd8(sreg(0, Sn_IR)) & (IR_DISCON | IR_TIMEOUT), IR_DISCON);
    close(lfd);
    expect_no_violations();
}

static void test_tcp_connect_refused(void **state)
{
    (void)state;
    uint16_t port;
    close(host_socket(SOCK_STREAM, &port)); /* a port nobody listens on */
    wf_sim_chip_map(chip, VIP(10, 0, 0, 4), 81, LOOPBACK, port);
    open_socket(0, TCP, 40001);
    set_peer(0, VIP(10, 0, 0, 4), 81);
    cmd(0, CONNECT);
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_ARP);
    wait_sr(0, S_CLOSED, -1, NULL);
    assert_int_equal(rd8(sreg(0, Sn_IR)) & (IR_TIMEOUT | IR_CON), 0);
    expect_no_violations();
}

static void test_tcp_unreachable_arp_timeout(void **state)
{
    (void)state;
    wf_sim_chip_set_clock(chip, fake_clock, NULL);
    wr16(RTR, 100); /* 10 ms */
    wr8(RCR, 2);    /* ARPTO = 3 x 10 ms */
    wf_sim_chip_fault_unreachable(chip, VIP(10, 0, 0, 5));
    open_socket(0, TCP, 40002);
    set_peer(0, VIP(10, 0, 0, 5), 80);
    cmd(0, CONNECT);
    fake_ms += 29;
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_ARP);
    fake_ms += 1;
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_CLOSED);
    assert_int_equal(rd8(sreg(0, Sn_IR)) & IR_TIMEOUT, IR_TIMEOUT);
    expect_no_violations();
}

static void test_tcp_blackhole_timeout(void **state)
{
    (void)state;
    wf_sim_chip_set_clock(chip, fake_clock, NULL);
    wr16(RTR, 100);
    wr8(RCR, 2); /* TCPTO = 10 + 20 + 40 ms */
    wf_sim_chip_fault_blackhole(chip, VIP(10, 0, 0, 6));
    open_socket(0, TCP, 40003);
    set_peer(0, VIP(10, 0, 0, 6), 80);
    cmd(0, CONNECT);
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_ARP);
    fake_ms += 2;
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_SYNSENT);
    fake_ms += 69;
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_SYNSENT);
    assert_int_equal(rd8(sreg(0, Sn_IR)) & IR_TIMEOUT, 0);
    fake_ms += 1;
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_CLOSED);
    assert_int_equal(rd8(sreg(0, Sn_IR)) & IR_TIMEOUT, IR_TIMEOUT);
    expect_no_violations();
}

static void test_tcp_reset_after(void **state)
{
    (void)state;
    wf_sim_chip_fault_reset_after(chip, 100);
    int lfd;
    int afd = tcp_connect(VIP(10, 0, 0, 3), 80, &lfd);
    uint8_t out[1000];
    fill(out, sizeof out, 1);
    assert_int_equal(send(afd, out, sizeof out, 0), (ssize_t)sizeof out);
    wait_sr(0, S_CLOSED, -1, NULL);
    assert_int_equal(rd8(sreg(0, Sn_IR)) & (IR_TIMEOUT | IR_DISCON), 0);
    assert_int_equal(rd16(sreg(0, Sn_RX_RSR)), 100);
    uint8_t in[100];
    rx_get(in, 100); /* data left in the ring stays readable after the RST */
    assert_memory_equal(in, out, 100);
    uint8_t b;
    ssize_t r;
    while ((r = recv(afd, &b, 1, 0)) < 0 && errno == EAGAIN) {
        pause_briefly();
    }
    assert_int_equal(r, -1);
    assert_int_equal(errno, ECONNRESET);
    close(afd);
    close(lfd);
    expect_no_violations();
}

static void test_torn_reads(void **state)
{
    (void)state;
    wf_sim_chip_set_tear_rate(chip, 100);
    int lfd;
    int afd = tcp_connect(VIP(10, 0, 0, 3), 80, &lfd);
    uint8_t out[300];
    fill(out, sizeof out, 3);
    wf_sim_chip_stats_reset(chip);
    assert_int_equal(send(afd, out, sizeof out, 0), (ssize_t)sizeof out);
    uint16_t raw = 0;
    for (int i = 0; i < 20000 && raw == 0; i++) {
        raw = rd16_raw(sreg(0, Sn_RX_RSR));
        pause_briefly();
    }
    /* MSB of the old value (0) with the LSB of the new one (300 = 0x012C). */
    assert_int_equal(raw, 0x002C);
    assert_int_equal(wf_sim_chip_stats(chip)->torn_reads, 1);
    assert_int_equal(rd16(sreg(0, Sn_RX_RSR)), 300);
    close(afd);
    close(lfd);
    expect_no_violations();
}

static void test_udp_drop_fault(void **state)
{
    (void)state;
    uint16_t port;
    int peer = host_socket(SOCK_DGRAM, &port);
    wf_sim_chip_map(chip, VIP(10, 0, 0, 2), 0, LOOPBACK, 0); /* any port, keep the port */
    wf_sim_chip_fault_udp_drop(chip, 1, 1);
    open_socket(0, UDP, 5000);
    set_peer(0, VIP(10, 0, 0, 2), port);
    tx_put((const uint8_t *)"a", 1);
    cmd(0, SEND);
    wait_ir(0, IR_SEND_OK); /* dropped on the wire, still SEND_OK */
    tx_put((const uint8_t *)"b", 1);
    cmd(0, SEND);
    wait_ir(0, IR_SEND_OK);
    uint8_t b = 0;
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ssize_t n = -1;
    for (int i = 0; i < 20000 && n < 0; i++) {
        n = recvfrom(peer, &b, 1, 0, (struct sockaddr *)&from, &flen);
        pause_briefly();
    }
    assert_int_equal(n, 1);
    assert_int_equal(b, 'b');
    sendto(peer, "x", 1, 0, (struct sockaddr *)&from, flen); /* dropped */
    sendto(peer, "y", 1, 0, (struct sockaddr *)&from, flen);
    uint16_t rsr = 0;
    for (int i = 0; i < 20000 && rsr == 0; i++) {
        rsr = rd16(sreg(0, Sn_RX_RSR));
        pause_briefly();
    }
    assert_int_equal(rsr, 9);
    uint8_t dgram[9];
    rx_get(dgram, 9);
    assert_memory_equal(dgram, ((uint8_t[]){10, 0, 0, 2, port >> 8, port & 0xFF, 0, 1, 'y'}), 9);
    close(peer);
    expect_no_violations();
}

static void test_rx_rate_fault(void **state)
{
    (void)state;
    wf_sim_chip_set_clock(chip, fake_clock, NULL);
    int lfd, afd = -1;
    uint16_t port;
    lfd = host_socket(SOCK_STREAM, &port);
    assert_int_equal(listen(lfd, 1), 0);
    wf_sim_chip_map(chip, VIP(10, 0, 0, 3), 80, LOOPBACK, port);
    open_socket(0, TCP, 40000);
    set_peer(0, VIP(10, 0, 0, 3), 80);
    cmd(0, CONNECT);
    fake_ms += 2; /* ARP resolves */
    wait_sr(0, S_ESTABLISHED, lfd, &afd);
    while (afd < 0) {
        afd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
    }
    wf_sim_chip_set_tear_rate(chip, 0);
    wf_sim_chip_fault_rx_rate(chip, 100);
    uint8_t out[1000];
    fill(out, sizeof out, 5);
    assert_int_equal(send(afd, out, sizeof out, 0), (ssize_t)sizeof out);
    for (int i = 0; i < 50; i++) {
        rd16(sreg(0, Sn_RX_RSR));
        pause_briefly();
    }
    assert_int_equal(rd16(sreg(0, Sn_RX_RSR)), 0); /* no time has passed */
    fake_ms += 3;
    rd16(sreg(0, Sn_RX_RSR));
    assert_int_equal(rd16(sreg(0, Sn_RX_RSR)), 300);
    close(afd);
    close(lfd);
    expect_no_violations();
}

/* ---- SEND timing: SEND_OK once the frames have left the wire ---------------- */

static uint8_t send_flags(unsigned sn)
{
    return rd8(sreg(sn, Sn_IR)) & (IR_SEND_OK | IR_TIMEOUT);
}

/* Advance the fake clock to `at_us` after `t0` and check SEND_OK is still off
 * one microsecond before and on at that time. */
static void expect_send_ok_at(unsigned sn, uint64_t t0, uint64_t at_us)
{
    fake_us = t0 + at_us - 1;
    assert_int_equal(send_flags(sn), 0);
    fake_us = t0 + at_us;
    assert_int_equal(send_flags(sn), IR_SEND_OK);
    wr8(sreg(sn, Sn_IR), IR_SEND_OK);
}

static void test_send_ok_after_wire_time(void **state)
{
    (void)state;
    assert_int_equal(wf_sim_chip_wire_rate(chip), 100000000u);
    int lfd;
    int afd = tcp_connect(VIP(10, 0, 0, 3), 80, &lfd);
    fake_us = 5000000;
    wf_sim_chip_set_clock_us(chip, fake_clock_us, NULL);
    uint8_t out[1460], in[1460];
    fill(out, sizeof out, 7);

    /* A full segment: (1460 + 78) bytes x 8 / 100 Mbit/s = 123.04 us. */
    uint64_t t0 = fake_us;
    tx_put(out, 1460);
    cmd(0, SEND);
    assert_int_equal(send_flags(0), 0);
    cmd(0, SEND); /* the previous SEND is still on the wire */
    expect_violation("SEND before the previous SEND completed");
    expect_send_ok_at(0, t0, 124);
    size_t got = 0;
    for (int i = 0; i < 20000 && got < sizeof in; i++) {
        ssize_t r = recv(afd, in + got, sizeof in - got, 0);
        got += r > 0 ? (size_t)r : 0;
        pause_briefly();
    }
    assert_int_equal(got, sizeof in);
    assert_memory_equal(in, out, sizeof in);

    /* One byte: padded to the 64-byte minimum frame, 84 x 8 / 100 = 6.72 us. */
    t0 = fake_us;
    tx_put(out, 1);
    cmd(0, SEND);
    expect_send_ok_at(0, t0, 7);

    /* Two segments (1460 + 540): (1538 + 618) x 8 / 100 = 172.48 us. */
    t0 = fake_us;
    tx_put(out, 1460);
    tx_put(out, 540);
    cmd(0, SEND);
    expect_send_ok_at(0, t0, 173);

    /* 10 Mbit/s: ten times as long. */
    wf_sim_chip_set_wire_rate(chip, 10000000u);
    t0 = fake_us;
    tx_put(out, 1460);
    cmd(0, SEND);
    expect_send_ok_at(0, t0, 1231);

    /* Rate 0: no wire time, SEND_OK at the first poll. */
    wf_sim_chip_set_wire_rate(chip, 0);
    tx_put(out, 1460);
    cmd(0, SEND);
    assert_int_equal(send_flags(0), IR_SEND_OK);
    close(afd);
    close(lfd);
    expect_no_violations();
}

/* UDP: one frame per datagram (1472 + 66 bytes); all sockets share the wire. */
static void test_send_wire_shared_udp(void **state)
{
    (void)state;
    uint16_t port;
    int peer = host_socket(SOCK_DGRAM, &port);
    wf_sim_chip_map(chip, VIP(10, 0, 0, 2), 0, LOOPBACK, 0);
    fake_us = 7000000;
    wf_sim_chip_set_clock_us(chip, fake_clock_us, NULL);
    open_socket(0, UDP, 5000);
    open_socket(1, UDP, 5001);
    set_peer(0, VIP(10, 0, 0, 2), port);
    set_peer(1, VIP(10, 0, 0, 2), port);
    static uint8_t big[1472];
    fill(big, sizeof big, 1);
    uint64_t t0 = fake_us;
    tx_put(big, sizeof big);
    cmd(0, SEND);
    uint16_t p1 = rd16(sreg(1, Sn_TX_WR)); /* socket 1's ring: TX 0x4800 */
    for (uint16_t i = 0; i < 100; i++) {
        wr8((uint16_t)(TX_MEM + RING + ((p1 + i) & MASK)), big[i]);
    }
    wr16(sreg(1, Sn_TX_WR), (uint16_t)(p1 + 100));
    cmd(1, SEND);
    /* Socket 0: 1538 x 8 / 100 = 123.04 us; socket 1 waits for it, then
     * 166 x 8 / 100 = 13.28 us more. */
    fake_us = t0 + 123;
    assert_int_equal(send_flags(0) | send_flags(1), 0);
    fake_us = t0 + 124;
    assert_int_equal(send_flags(0), IR_SEND_OK);
    assert_int_equal(send_flags(1), 0);
    fake_us = t0 + 137;
    assert_int_equal(send_flags(1), 0);
    fake_us = t0 + 138;
    assert_int_equal(send_flags(1), IR_SEND_OK);
    close(peer);
    expect_no_violations();
}

/* ---- keep-alive: SEND_KEEP (both chips), Sn_KPALVTR (W5500) ------------------ */

/* Connected socket 0 on the fake millisecond clock, after one data exchange
 * each way (a chip sends keep-alives only once the connection carried data). */
static int keepalive_connection(int *lfd, bool with_data)
{
    int afd = tcp_connect(VIP(10, 0, 0, 3), 80, lfd);
    wf_sim_chip_set_clock(chip, fake_clock, NULL);
    wr16(RTR, 100); /* TCPTO = 10 + 20 + 40 ms */
    wr8(RCR, 2);
    if (with_data) {
        uint8_t b[4] = {0};
        tx_put((const uint8_t *)"ping", 4);
        cmd(0, SEND);
        fake_ms += 1; /* SEND_OK on a millisecond clock: the next millisecond */
        wait_ir(0, IR_SEND_OK);
        ssize_t r = -1;
        for (int i = 0; i < 20000 && r != 4; i++) {
            r = recv(afd, b, sizeof b, 0);
            pause_briefly();
        }
        assert_int_equal(r, 4);
    }
    return afd;
}

static void test_send_keep_finds_dead_peer(void **state)
{
    (void)state;
    int lfd;
    int afd = keepalive_connection(&lfd, true);
    /* A live peer answers: nothing happens. */
    cmd(0, 0x22); /* SEND_KEEP */
    fake_ms += 100;
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_ESTABLISHED);
    assert_int_equal(rd8(sreg(0, Sn_IR)) & IR_TIMEOUT, 0);
    /* The peer vanishes without a word: the probe goes unanswered. */
    wf_sim_chip_fault_blackhole(chip, VIP(10, 0, 0, 3));
    fake_ms += 1000; /* an idle dead connection looks alive until probed */
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_ESTABLISHED);
    cmd(0, 0x22);
    fake_ms += 69;
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_ESTABLISHED);
    fake_ms += 1;
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_CLOSED);
    assert_int_equal(rd8(sreg(0, Sn_IR)) & IR_TIMEOUT, IR_TIMEOUT);
    /* SEND_KEEP outside a connection is a driver bug. */
    open_socket(0, TCP, 40000);
    cmd(0, 0x22);
    expect_violation("SEND_KEEP in wrong state");
    close(afd);
    close(lfd);
    expect_no_violations();
}

static void test_send_keep_needs_data_first(void **state)
{
    (void)state;
    int lfd;
    int afd = keepalive_connection(&lfd, false);
    wf_sim_chip_fault_blackhole(chip, VIP(10, 0, 0, 3));
    cmd(0, 0x22); /* no data yet: the chip sends no probe */
    fake_ms += 1000;
    assert_int_equal(rd8(sreg(0, Sn_SR)), S_ESTABLISHED);
    rd8(sreg(0x01, 0x2F) - 0x0100); /* Sn_KPALVTR: reserved on the W5100 */
    expect_violation("reserved socket register");
    close(afd);
    close(lfd);
    expect_no_violations();
}

/* W5500 frames for the Sn_KPALVTR test: offset, control BSB << 3 | RWB << 2. */
static void w55_xfer(struct wf_sim_chip *m, uint8_t bsb, uint16_t off, bool write, uint8_t *data, size_t n)
{
    uint8_t tx[3 + 16], rx[3 + 16];
    assert_true(n <= 16);
    tx[0] = (uint8_t)(off >> 8);
    tx[1] = (uint8_t)off;
    tx[2] = (uint8_t)(bsb << 3 | (write ? 0x04 : 0));
    memcpy(tx + 3, data, n);
    assert_int_equal(wf_sim_chip_spi_frame(m, tx, rx, 3 + n), 0);
    memcpy(data, rx + 3, n);
}

static uint8_t w55_rd8(struct wf_sim_chip *m, uint8_t bsb, uint16_t off)
{
    uint8_t v = 0;
    w55_xfer(m, bsb, off, false, &v, 1);
    return v;
}

static void w55_wr(struct wf_sim_chip *m, uint8_t bsb, uint16_t off, const void *p, size_t n)
{
    uint8_t b[16];
    memcpy(b, p, n);
    w55_xfer(m, bsb, off, true, b, n);
}

static void w55_cmd(struct wf_sim_chip *m, uint8_t c)
{
    w55_wr(m, 1, Sn_CR, &c, 1);
    for (int i = 0; w55_rd8(m, 1, Sn_CR) != 0; i++) {
        assert_true(i < 20);
    }
}

static uint16_t w55_rd16(struct wf_sim_chip *m, uint8_t bsb, uint16_t off)
{
    for (;;) {
        uint8_t a[2] = {0}, b[2] = {0};
        w55_xfer(m, bsb, off, false, a, 2);
        w55_xfer(m, bsb, off, false, b, 2);
        if (memcmp(a, b, 2) == 0) {
            return (uint16_t)(a[0] << 8 | a[1]);
        }
    }
}

/* W5500 socket 0 connected to a listener of ours, on the fake clock, with 4
 * bytes sent; returns the accepted fd. */
static int w55_connection(struct wf_sim_chip *m, int *lfd)
{
    uint16_t port;
    *lfd = host_socket(SOCK_STREAM, &port);
    assert_int_equal(listen(*lfd, 1), 0);
    wf_sim_chip_map(m, VIP(10, 0, 0, 3), 80, LOOPBACK, port);
    wf_sim_chip_set_clock(m, fake_clock, NULL);
    w55_wr(m, 0, 0x0019, (uint8_t[]){0x00, 0x64, 0x02}, 3); /* RTR 10 ms, RCR 2 */
    w55_wr(m, 1, Sn_MR, (uint8_t[]){TCP}, 1);
    w55_wr(m, 1, Sn_PORT, (uint8_t[]){0x9C, 0x40}, 2);
    w55_cmd(m, OPEN);
    w55_wr(m, 1, Sn_DIPR, (uint8_t[]){10, 0, 0, 3, 0, 80}, 6);
    w55_cmd(m, CONNECT);
    int afd = -1;
    for (int i = 0; i < 30000 && w55_rd8(m, 1, Sn_SR) != S_ESTABLISHED; i++) {
        fake_ms += 1;
        pause_briefly();
    }
    assert_int_equal(w55_rd8(m, 1, Sn_SR), S_ESTABLISHED);
    while (afd < 0) {
        afd = accept4(*lfd, NULL, NULL, SOCK_NONBLOCK);
        pause_briefly();
    }
    uint16_t wr = w55_rd16(m, 1, Sn_TX_WR);
    w55_wr(m, 2, wr, "ping", 4);
    wr = (uint16_t)(wr + 4);
    w55_wr(m, 1, Sn_TX_WR, (uint8_t[]){(uint8_t)(wr >> 8), (uint8_t)wr}, 2);
    w55_cmd(m, SEND);
    fake_ms += 1;
    for (int i = 0; i < 30000 && !(w55_rd8(m, 1, Sn_IR) & IR_SEND_OK); i++) {
        pause_briefly();
    }
    w55_wr(m, 1, Sn_IR, (uint8_t[]){IR_SEND_OK}, 1);
    char buf[4];
    ssize_t r = -1;
    for (int i = 0; i < 30000 && r != 4; i++) {
        r = recv(afd, buf, sizeof buf, 0);
        pause_briefly();
    }
    assert_int_equal(r, 4);
    return afd;
}

static void test_w5500_automatic_keepalive(void **state)
{
    (void)state;
    struct wf_sim_chip *m = wf_sim_chip_new_variant(42, WF_SIM_W5500);
    int lfd;
    int afd = w55_connection(m, &lfd);
    w55_wr(m, 1, 0x2F, (uint8_t[]){2}, 1); /* Sn_KPALVTR: every 10 s */
    assert_int_equal(w55_rd8(m, 1, 0x2F), 2);
    w55_rd8(m, 1, Sn_SR); /* the timer starts */
    fake_ms += 12000;     /* a probe went out at 10 s and the live peer answered */
    assert_int_equal(w55_rd8(m, 1, Sn_SR), S_ESTABLISHED);
    /* Manual SEND_KEEP is ignored while the automatic one is on. */
    wf_sim_chip_fault_blackhole(m, VIP(10, 0, 0, 3));
    w55_cmd(m, 0x22);
    fake_ms += 1000;
    assert_int_equal(w55_rd8(m, 1, Sn_SR), S_ESTABLISHED);
    /* The next automatic probe (at 20 s) goes unanswered: TIMEOUT 70 ms later. */
    fake_ms += 7000 - 1;
    assert_int_equal(w55_rd8(m, 1, Sn_SR), S_ESTABLISHED);
    fake_ms += 1;
    assert_int_equal(w55_rd8(m, 1, Sn_SR), S_ESTABLISHED); /* probe sent now */
    fake_ms += 69;
    assert_int_equal(w55_rd8(m, 1, Sn_SR), S_ESTABLISHED);
    fake_ms += 1;
    assert_int_equal(w55_rd8(m, 1, Sn_SR), S_CLOSED);
    assert_int_equal(w55_rd8(m, 1, Sn_IR) & IR_TIMEOUT, IR_TIMEOUT);
    assert_int_equal(wf_sim_chip_violation_count(m), 0);
    close(afd);
    close(lfd);
    wf_sim_chip_free(m);
    expect_no_violations();
}

/* WIZnet's own W5500 driver after SEND_KEEP: it reads Sn_IR while it polls
 * Sn_CR. A read changes nothing on the chip: no violation. Clearing Sn_IR
 * (a write) before Sn_CR reads 0 still is one. */
static void test_w5500_read_ir_while_command_pending(void **state)
{
    (void)state;
    struct wf_sim_chip *m = wf_sim_chip_new_variant(42, WF_SIM_W5500);
    int lfd;
    int afd = w55_connection(m, &lfd);
    w55_wr(m, 1, Sn_CR, (uint8_t[]){0x22}, 1); /* SEND_KEEP */
    int polls = 0;
    do {
        (void)w55_rd8(m, 1, Sn_IR);
        assert_true(++polls < 20);
    } while (w55_rd8(m, 1, Sn_CR) != 0);
    assert_int_equal(wf_sim_chip_violation_count(m), 0);
    w55_wr(m, 1, Sn_CR, (uint8_t[]){0x22}, 1);
    w55_wr(m, 1, Sn_IR, (uint8_t[]){IR_SEND_OK}, 1);
    assert_int_equal(wf_sim_chip_violation_count(m), 1);
    assert_non_null(strstr(wf_sim_chip_violation(m, 0)->what, "socket register write before Sn_CR cleared"));
    close(afd);
    close(lfd);
    wf_sim_chip_free(m);
    expect_no_violations();
}

/* ---- SPI clock glitch: a bit slip inside a W5500 data phase ----------------- */

static void test_w5500_bit_slip(void **state)
{
    (void)state;
    struct wf_sim_chip *m = wf_sim_chip_new_variant(42, WF_SIM_W5500);
    wf_sim_chip_set_tear_rate(m, 0);
    /* Register read (socket 1 Sn_TX_FSR = 0x0800), slip at the first data byte:
     * the MSB is sampled twice. The next read is clean again. */
    wf_sim_chip_fault_bit_slip(m, WF_SIM_SLIP_REG_READ, 0);
    uint8_t b[8] = {0};
    w55_xfer(m, 5, Sn_TX_FSR, false, b, 2);
    assert_memory_equal(b, ((uint8_t[]){0x04, 0x00}), 2);
    assert_int_equal(w55_rd16(m, 5, Sn_TX_FSR), 0x0800);
    /* Register write (socket 1 Sn_PORT = 0x1234), slip at byte 0: the chip takes
     * 0x12 << 1 | 0x34 >> 7 = 0x24, and the last byte never completes. */
    wf_sim_chip_fault_bit_slip(m, WF_SIM_SLIP_REG_WRITE, 0);
    w55_wr(m, 5, Sn_PORT, (uint8_t[]){0x12, 0x34}, 2);
    assert_int_equal(w55_rd16(m, 5, Sn_PORT), 0x2400);

    int lfd;
    int afd = w55_connection(m, &lfd);
    /* TX write of 8 bytes, slip at byte 3: bytes 0..2 intact, 3..6 shifted, 7
     * not written (still 0). Read back from the TX block. */
    const uint8_t h[8] = {0x41, 0x42, 0x43, 0xC4, 0x45, 0x46, 0x47, 0x48};
    uint16_t wr = w55_rd16(m, 1, Sn_TX_WR);
    wf_sim_chip_fault_bit_slip(m, WF_SIM_SLIP_TX_WRITE, 3);
    w55_wr(m, 2, wr, h, 8);
    memset(b, 0, sizeof b);
    w55_xfer(m, 2, wr, false, b, 8);
    uint8_t want[8] = {0x41, 0x42, 0x43, 0, 0, 0, 0, 0};
    for (int j = 3; j < 7; j++) {
        want[j] = (uint8_t)(h[j] << 1 | h[j + 1] >> 7);
    }
    assert_memory_equal(b, want, 8);
    /* RX read of 8 bytes, slip at byte 2. */
    assert_int_equal(send(afd, h, 8, 0), 8);
    for (int i = 0; i < 30000 && w55_rd16(m, 1, Sn_RX_RSR) < 8; i++) {
        pause_briefly();
    }
    uint16_t rd = w55_rd16(m, 1, Sn_RX_RD);
    wf_sim_chip_fault_bit_slip(m, WF_SIM_SLIP_RX_READ, 2);
    memset(b, 0, sizeof b);
    w55_xfer(m, 3, rd, false, b, 8);
    memcpy(want, h, 2);
    want[2] = (uint8_t)((h[2] & 0x80) | h[2] >> 1);
    for (int j = 3; j < 8; j++) {
        want[j] = (uint8_t)((h[j - 1] & 1) << 7 | h[j] >> 1);
    }
    assert_memory_equal(b, want, 8);
    w55_xfer(m, 3, rd, false, b, 8); /* the data itself is intact in the chip */
    assert_memory_equal(b, h, 8);
    assert_int_equal(wf_sim_chip_stats(m)->bit_slips, 4);
    assert_int_equal(wf_sim_chip_violation_count(m), 0); /* the chip cannot tell */
    /* A W5100 model ignores the fault. */
    wf_sim_chip_fault_bit_slip(chip, WF_SIM_SLIP_REG_READ, 0);
    assert_int_equal(rd16(RTR), 0x07D0);
    assert_int_equal(wf_sim_chip_stats(chip)->bit_slips, 0);
    close(afd);
    close(lfd);
    wf_sim_chip_free(m);
    expect_no_violations();
}

/* ---- violations ------------------------------------------------------------ */

static void test_violation_rx_read_past_rsr(void **state)
{
    (void)state;
    open_socket(0, UDP, 5000);
    rd8(RX_MEM);
    expect_violation("RX read past RX_RSR");
}

static void test_violation_tx_write_past_fsr(void **state)
{
    (void)state;
    wf_sim_chip_fault_unreachable(chip, VIP(10, 0, 0, 9)); /* keeps the SEND pending */
    open_socket(0, UDP, 5000);
    set_peer(0, VIP(10, 0, 0, 9), 9);
    wr16(sreg(0, Sn_TX_WR), 2000);
    cmd(0, SEND);
    assert_int_equal(rd16(sreg(0, Sn_TX_FSR)), 48);
    wr8((uint16_t)(TX_MEM + ((2000 + 47) & MASK)), 1); /* last free byte: fine */
    expect_no_violations();
    wr8((uint16_t)(TX_MEM + ((2000 + 48) & MASK)), 1);
    expect_violation("TX write past TX_FSR");
    cmd(0, SEND);
    expect_violation("SEND before the previous SEND completed");
}

static void test_violation_tx_wr_beyond_fsr(void **state)
{
    (void)state;
    open_socket(0, UDP, 5000);
    set_peer(0, VIP(127, 0, 0, 1), 9);
    wr16(sreg(0, Sn_TX_WR), RING + 1);
    cmd(0, SEND);
    expect_violation("TX_WR advanced beyond TX_FSR");
}

static void test_violation_rx_rd_beyond_data(void **state)
{
    (void)state;
    open_socket(0, UDP, 5000);
    wr16(sreg(0, Sn_RX_RD), 10);
    cmd(0, RECV);
    expect_violation("RX_RD advanced beyond received data");
}

static void test_violation_command_while_busy(void **state)
{
    (void)state;
    wr8(sreg(0, Sn_MR), UDP);
    wr8(sreg(0, Sn_CR), OPEN);
    wr8(sreg(0, Sn_CR), CLOSE);
    expect_violation("command while Sn_CR busy");
    while (rd8(sreg(0, Sn_CR)) != 0) {
    }
    /* Reads while a command is pending change nothing: allowed. */
    wr8(sreg(0, Sn_CR), CLOSE);
    rd8(sreg(0, Sn_SR));
    rd8(sreg(0, Sn_IR));
    expect_no_violations();
    while (rd8(sreg(0, Sn_CR)) != 0) {
    }
    /* A write is not. */
    wr8(sreg(0, Sn_CR), CLOSE);
    wr8(sreg(0, Sn_IR), 0xFF);
    expect_violation("socket register write before Sn_CR cleared");
}

static void test_violation_wrong_state(void **state)
{
    (void)state;
    open_socket(0, TCP, 40000);
    cmd(0, SEND);
    expect_violation("SEND in wrong state");
    cmd(0, RECV);
    expect_violation("RECV in wrong state");
    cmd(0, OPEN);
    expect_violation("OPEN while socket not CLOSED");
    cmd(0, LISTEN); /* TCP servers are out of scope */
    expect_violation("command not modelled");
    cmd(0, CLOSE);
    cmd(0, CONNECT);
    expect_violation("CONNECT not from INIT");
    wr8(sreg(0, Sn_MR), 0x03); /* IPRAW */
    cmd(0, OPEN);
    expect_violation("mode not modelled");
}

static void test_violation_open_without_memory(void **state)
{
    (void)state;
    wr8(TMSR, 0x03); /* 8 KiB to socket 0, nothing left */
    assert_int_equal(rd16(sreg(1, Sn_TX_FSR)), 0);
    open_socket(1, TCP, 40000);
    expect_violation("without buffer memory");
    assert_int_equal(rd8(sreg(1, Sn_SR)), S_CLOSED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mr_reset_self_clears, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frame_length_violations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_byte_frame_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_absent_and_reset_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_and_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cr_accepted_after_polls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_unreachable_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_connect_send_receive_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_active_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_connect_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_unreachable_arp_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_blackhole_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_reset_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_drop_fault, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_rate_fault, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_ok_after_wire_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_wire_shared_udp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_keep_finds_dead_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_keep_needs_data_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_w5500_automatic_keepalive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_w5500_read_ir_while_command_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_w5500_bit_slip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_violation_rx_read_past_rsr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_violation_tx_write_past_fsr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_violation_tx_wr_beyond_fsr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_violation_rx_rd_beyond_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_violation_command_while_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_violation_wrong_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_violation_open_without_memory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
