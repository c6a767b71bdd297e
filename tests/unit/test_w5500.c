/*
 * The W5500: its model driven by raw VDM frames (the helpers below are the
 * whole "driver"), then the real driver over the model: detection and
 * auto-detection (also against the W5100 model), TCP/UDP through real
 * loopback peers, 1 MiB each way with the bus cost per payload byte, the link
 * bit, and all 8 sockets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixture.h"
#include "peer.h"

#define MIB (1024u * 1024u)

/* W5500 map, spelled out here on purpose (the test must not trust the model). */
enum {
    BSB_COMMON = 0,
    CTL_WRITE = 0x04,
    MR = 0x0000,
    GAR = 0x0001,
    RTR = 0x0019,
    RCR = 0x001B,
    PHYCFGR = 0x002E,
    VERSIONR = 0x0039,
    Sn_MR = 0x00,
    Sn_CR = 0x01,
    Sn_IR = 0x02,
    Sn_SR = 0x03,
    Sn_PORT = 0x04,
    Sn_DIPR = 0x0C,
    Sn_RXBUF = 0x1E,
    Sn_TXBUF = 0x1F,
    Sn_TX_FSR = 0x20,
    Sn_TX_WR = 0x24,
    Sn_RX_RSR = 0x26,
    Sn_RX_RD = 0x28,
    UDP = 0x02,
    OPEN = 0x01,
    SEND = 0x20,
    IR_SEND_OK = 0x10,
    S_UDP = 0x22,
};

static uint8_t sock_bsb(unsigned sn, unsigned kind) /* kind: 1 regs, 2 TX, 3 RX */
{
    return (uint8_t)(kind + 4 * sn);
}

/* ---- raw frames ------------------------------------------------------------ */

static struct wf_sim_chip *raw;

static void xfer(uint8_t bsb, uint16_t off, bool write, uint8_t *data, size_t n)
{
    uint8_t tx[3 + 64], rx[3 + 64];
    assert_true(n <= 64);
    tx[0] = (uint8_t)(off >> 8);
    tx[1] = (uint8_t)off;
    tx[2] = (uint8_t)(bsb << 3 | (write ? CTL_WRITE : 0));
    if (write) {
        memcpy(tx + 3, data, n);
    } else {
        memset(tx + 3, 0, n);
    }
    assert_int_equal(wf_sim_chip_spi_frame(raw, tx, rx, 3 + n), 0);
    if (!write) {
        memcpy(data, rx + 3, n);
    }
}

static uint8_t rd8(uint8_t bsb, uint16_t off)
{
    uint8_t v;
    xfer(bsb, off, false, &v, 1);
    return v;
}

static void wr8(uint8_t bsb, uint16_t off, uint8_t v)
{
    xfer(bsb, off, true, &v, 1);
}

static uint16_t rd16_raw(uint8_t bsb, uint16_t off)
{
    uint8_t b[2];
    xfer(bsb, off, false, b, 2); /* one burst */
    return (uint16_t)((b[0] << 8) | b[1]);
}

/* The double-read rule still applies to a burst (docs/w5100-w5500.md §6.4). */
static uint16_t rd16(uint8_t bsb, uint16_t off)
{
    uint16_t a = rd16_raw(bsb, off), b;
    while ((b = rd16_raw(bsb, off)) != a) {
        a = b;
    }
    return a;
}

static void wr16(uint8_t bsb, uint16_t off, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    xfer(bsb, off, true, b, 2);
}

static void raw_cmd(unsigned sn, uint8_t c)
{
    wr8(sock_bsb(sn, 1), Sn_CR, c);
    int polls = 0;
    while (rd8(sock_bsb(sn, 1), Sn_CR) != 0) {
        assert_true(++polls < 20);
    }
}

static bool violation_mentions(const struct wf_sim_chip *m, const char *needle)
{
    for (size_t i = 0; i < wf_sim_chip_violation_count(m) && i < 64; i++) {
        if (strstr(wf_sim_chip_violation(m, i)->what, needle) != NULL) {
            return true;
        }
    }
    return false;
}

static void expect_violation(const char *what)
{
    if (!violation_mentions(raw, what)) {
        fprintf(stderr, "expected violation \"%s\", got:\n", what);
        wf_sim_chip_print_violations(raw, stderr);
    }
    assert_true(violation_mentions(raw, what));
    wf_sim_chip_clear_violations(raw);
}

static void expect_no_violations(const struct wf_sim_chip *m)
{
    if (wf_sim_chip_violation_count(m) != 0) {
        wf_sim_chip_print_violations(m, stderr);
    }
    assert_int_equal(wf_sim_chip_violation_count(m), 0);
}

static int raw_setup(void **state)
{
    (void)state;
    raw = wf_sim_chip_new_variant(7, WF_SIM_W5500);
    return raw ? 0 : -1;
}

static int raw_teardown(void **state)
{
    (void)state;
    wf_sim_chip_free(raw);
    raw = NULL;
    return 0;
}

static void test_raw_reset_values(void **state)
{
    (void)state;
    assert_string_equal(wf_sim_chip_name(raw), "W5500");
    assert_int_equal(rd8(BSB_COMMON, VERSIONR), 0x04);
    assert_int_equal(rd16(BSB_COMMON, RTR), 0x07D0);
    assert_int_equal(rd8(BSB_COMMON, RCR), 0x08);
    for (unsigned sn = 0; sn < 8; sn++) {
        uint8_t sizes[2];
        xfer(sock_bsb(sn, 1), Sn_RXBUF, false, sizes, 2);
        assert_int_equal(sizes[0], 2);
        assert_int_equal(sizes[1], 2);
        assert_int_equal(rd16(sock_bsb(sn, 1), Sn_TX_FSR), 0x0800);
        assert_int_equal(rd8(sock_bsb(sn, 1), Sn_SR), 0);
    }
    expect_no_violations(raw);
}

/* A burst write then a burst read of GAR..SIPR (18 bytes, auto-increment). */
static void test_raw_burst_echo(void **state)
{
    (void)state;
    uint8_t out[18], in[18];
    for (size_t i = 0; i < sizeof out; i++) {
        out[i] = (uint8_t)(0xA0 + i);
    }
    wf_sim_chip_stats_reset(raw);
    xfer(BSB_COMMON, GAR, true, out, sizeof out);
    xfer(BSB_COMMON, GAR, false, in, sizeof in);
    assert_memory_equal(in, out, sizeof out);
    const struct wf_sim_chip_stats *st = wf_sim_chip_stats(raw);
    assert_int_equal(st->frames, 2);
    assert_int_equal(st->bytes, 2 * (3 + 18)); /* what was clocked */
    expect_no_violations(raw);
}

/* The byte interface is the frame decoder: MISO of each data byte is there as
 * the byte is clocked, and a write takes effect byte by byte. */
static void test_raw_byte_interface(void **state)
{
    (void)state;
    assert_int_equal(wf_sim_chip_spi_byte(raw, 0x00), 0xFF); /* not selected: ignored */
    assert_int_equal(wf_sim_chip_stats(raw)->bytes, 0);
    wf_sim_chip_spi_select(raw);
    wf_sim_chip_spi_byte(raw, 0x00);
    wf_sim_chip_spi_byte(raw, (uint8_t)RTR);
    wf_sim_chip_spi_byte(raw, CTL_WRITE);
    wf_sim_chip_spi_byte(raw, 0x12);
    wf_sim_chip_spi_byte(raw, 0x34);
    wf_sim_chip_spi_deselect(raw);
    wf_sim_chip_spi_select(raw);
    wf_sim_chip_spi_byte(raw, 0x00);
    wf_sim_chip_spi_byte(raw, (uint8_t)RTR);
    wf_sim_chip_spi_byte(raw, 0x00);
    assert_int_equal(wf_sim_chip_spi_byte(raw, 0x00), 0x12);
    assert_int_equal(wf_sim_chip_spi_byte(raw, 0x00), 0x34);
    assert_int_equal(wf_sim_chip_spi_byte(raw, 0x00), 0x08); /* RCR follows */
    wf_sim_chip_spi_deselect(raw);
    wf_sim_chip_spi_deselect(raw); /* already high: nothing */
    assert_int_equal(wf_sim_chip_stats(raw)->frames, 2);
    assert_int_equal(wf_sim_chip_stats(raw)->bytes, 11);
    expect_no_violations(raw);
    assert_int_equal(rd16(BSB_COMMON, RTR), 0x1234);
}

static void test_raw_phycfgr_link(void **state)
{
    (void)state;
    uint8_t phy = rd8(BSB_COMMON, PHYCFGR);
    assert_int_equal(phy & 0x01, 1);
    assert_int_equal(phy & 0xF8, 0xB8); /* 10111xxx (docs/w5100-w5500.md §6.3) */
    wf_sim_chip_set_link(raw, false);
    assert_int_equal(rd8(BSB_COMMON, PHYCFGR) & 0x01, 0);
    wf_sim_chip_set_link(raw, true);
    assert_int_equal(rd8(BSB_COMMON, PHYCFGR) & 0x01, 1);
    expect_no_violations(raw);
}

static void test_raw_violations(void **state)
{
    (void)state;
    uint8_t tx[4] = {0x00, 0x00, 0x20, 0}, rx[4]; /* BSB 4: reserved */
    wf_sim_chip_spi_frame(raw, tx, rx, 4);
    expect_violation("reserved block");
    tx[2] = 0x01; /* common block, OM = 01 (fixed length 1) */
    wf_sim_chip_spi_frame(raw, tx, rx, 4);
    expect_violation("OM != 00");
    wf_sim_chip_spi_frame(raw, tx, rx, 3);
    expect_violation("short frame");
    wr8(BSB_COMMON, VERSIONR, 0x05);
    expect_violation("read-only common register");
    assert_int_equal(rd8(BSB_COMMON, VERSIONR), 0x04);
    wr8(sock_bsb(0, 1), Sn_SR, 0x17);
    expect_violation("read-only socket register");
    rd8(BSB_COMMON, 0x0040);
    expect_violation("reserved address");
    wr8(sock_bsb(0, 1), Sn_RXBUF, 3);
    expect_violation("buffer size not");
    wr8(sock_bsb(0, 3), 0, 1);
    expect_violation("write to RX memory");
    /* Sizes over 16 KiB: harmless until a socket is opened with them. */
    wr8(sock_bsb(0, 1), Sn_RXBUF, 16);
    expect_no_violations(raw);
    wr8(sock_bsb(0, 1), Sn_MR, UDP);
    raw_cmd(0, OPEN);
    expect_violation("summing past 16 KiB");
    assert_int_equal(rd8(sock_bsb(0, 1), Sn_SR), 0);
}

/* A datagram from a host socket, then one burst reading past RX_RSR: every
 * byte beyond the received data is a violation, inside the same frame. */
/* A UDP socket on 127.0.0.1 (an ephemeral port, in *port) for the chip's socket to talk to. */
static int udp_peer(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void test_raw_rx_read_past_rsr_in_burst(void **state)
{
    (void)state;
    uint16_t hport;
    int hfd = udp_peer(&hport);

    const uint8_t s0 = sock_bsb(0, 1);
    wr8(s0, Sn_MR, UDP);
    wr16(s0, Sn_PORT, 5000);
    wr8(s0, Sn_IR, 0xFF);
    raw_cmd(0, OPEN);
    assert_int_equal(rd8(s0, Sn_SR), S_UDP);
    uint8_t peer[6] = {127, 0, 0, 1, (uint8_t)(hport >> 8), (uint8_t)hport};
    xfer(s0, Sn_DIPR, true, peer, sizeof peer); /* DIPR + DPORT in one burst */
    uint8_t hello[5] = {'h', 'e', 'l', 'l', 'o'};
    uint16_t wr = rd16(s0, Sn_TX_WR);
    xfer(sock_bsb(0, 2), wr, true, hello, sizeof hello); /* raw pointer: the chip wraps */
    wr16(s0, Sn_TX_WR, (uint16_t)(wr + sizeof hello));
    raw_cmd(0, SEND);
    int polls = 0;
    while (!(rd8(s0, Sn_IR) & IR_SEND_OK)) {
        assert_true(++polls < 10000);
        usleep(100);
    }
    wr8(s0, Sn_IR, IR_SEND_OK);

    struct pollfd p = {.fd = hfd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 2000), 1);
    uint8_t buf[16];
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    assert_int_equal(recvfrom(hfd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen), 5);
    assert_memory_equal(buf, hello, 5);
    assert_int_equal(sendto(hfd, "world", 5, 0, (struct sockaddr *)&from, flen), 5);

    polls = 0;
    while (rd16(s0, Sn_RX_RSR) < 13) {
        assert_true(++polls < 20000);
        usleep(100);
    }
    uint8_t in[20];
    xfer(sock_bsb(0, 3), rd16(s0, Sn_RX_RD), false, in, sizeof in);
    assert_int_equal(in[0], 127);
    assert_int_equal((in[4] << 8) | in[5], hport);
    assert_int_equal((in[6] << 8) | in[7], 5);
    assert_memory_equal(in + 8, "world", 5);
    assert_int_equal(wf_sim_chip_violation_count(raw), sizeof in - 13);
    expect_violation("RX read past RX_RSR");
    close(hfd);
}

/* INTn: low while a socket enabled in SIMR has a Sn_IR bit its Sn_IMR enables. */
static void test_raw_intn(void **state)
{
    (void)state;
    uint16_t hport;
    int hfd = udp_peer(&hport);
    const uint8_t s0 = sock_bsb(0, 1);
    assert_int_equal(rd8(s0, 0x2C), 0xFF);         /* Sn_IMR resets to all enabled */
    assert_int_equal(rd8(BSB_COMMON, 0x18), 0x00); /* SIMR */
    wr8(s0, Sn_MR, UDP);
    wr16(s0, Sn_PORT, 5000);
    raw_cmd(0, OPEN);
    uint8_t peer[6] = {127, 0, 0, 1, (uint8_t)(hport >> 8), (uint8_t)hport};
    xfer(s0, Sn_DIPR, true, peer, sizeof peer);
    uint16_t wr = rd16(s0, Sn_TX_WR);
    xfer(sock_bsb(0, 2), wr, true, (uint8_t *)"x", 1);
    wr16(s0, Sn_TX_WR, (uint16_t)(wr + 1));
    raw_cmd(0, SEND);
    int polls = 0;
    while (!(rd8(s0, Sn_IR) & IR_SEND_OK)) {
        assert_true(++polls < 10000);
        usleep(100);
    }
    assert_false(wf_sim_chip_int_asserted(raw)); /* SIMR = 0: the socket may not interrupt */
    wr8(BSB_COMMON, 0x18, 0x01);
    assert_true(wf_sim_chip_int_asserted(raw));
    wr8(s0, 0x2C, (uint8_t)~IR_SEND_OK); /* Sn_IMR masks SEND_OK */
    assert_false(wf_sim_chip_int_asserted(raw));
    wr8(s0, 0x2C, 0xFF);
    assert_true(wf_sim_chip_int_asserted(raw));
    wr8(s0, Sn_IR, IR_SEND_OK); /* cleared: INTn goes high */
    assert_false(wf_sim_chip_int_asserted(raw));
    wf_sim_chip_reset_pin(raw, true);
    assert_false(wf_sim_chip_int_asserted(raw));
    expect_no_violations(raw);
    close(hfd);
}

/* ---- the driver over the model ------------------------------------------------ */

static uint64_t next_seed(void)
{
    const char *env = getenv("WF_TEST_SEED");
    static uint64_t counter;
    return env ? strtoull(env, NULL, 0) : 0x55000000u + counter++;
}

static struct wf_fixture *fix_new(enum wf_sim_variant variant)
{
    return wf_fixture_new_variant(next_seed(), variant);
}

static int w5500_setup(void **state)
{
    *state = fix_new(WF_SIM_W5500);
    return 0;
}

static int w5100_setup(void **state)
{
    *state = fix_new(WF_SIM_W5100);
    return 0;
}

static void test_start_and_settings(void **state)
{
    struct wf_fixture *f = *state;
    assert_true(f->chip.ready);
    assert_int_equal(f->chip.variant->sockets, 8);
    struct wf_chip_netcfg got;
    assert_int_equal(wf_chip_get_netcfg(&f->chip, &got), 0);
    const uint8_t ip[4] = {10, 0, 0, 2}, gw[4] = {10, 0, 0, 254};
    assert_memory_equal(got.ip, ip, 4);
    assert_memory_equal(got.gateway, gw, 4);
    for (uint8_t sn = 0; sn < 8; sn++) {
        assert_int_equal(wf_chip_tx_size(&f->chip, sn), 2048);
        assert_int_equal(wf_chip_rx_size(&f->chip, sn), 2048);
    }
    /* Every frame went through the model; none longer than 3 + 256 bytes. */
    const struct wf_sim_chip_stats *st = wf_sim_chip_stats(f->model);
    assert_int_equal(st->frames, f->chip.stats.spi_frames);
    assert_true(st->bytes >= 4 * st->frames && st->bytes <= (3 + 256) * st->frames);
    assert_int_equal(wf_chip_link_up(&f->chip), WF_CHIP_LINK_UP);
    wf_sim_chip_set_link(f->model, false);
    assert_int_equal(wf_chip_link_up(&f->chip), WF_CHIP_LINK_DOWN);
    wf_sim_chip_set_link(f->model, true);
}

/* The same auto-detection against the W5100 model picks the W5100 (the
 * fixture asserted it), and its W5500 probe frames cost no violation. */
static void test_autodetect_w5100(void **state)
{
    struct wf_fixture *f = *state;
    assert_true(f->chip.ready);
    assert_true(wf_sim_chip_stats(f->model)->foreign_frames > 0);
    assert_int_equal(wf_chip_link_up(&f->chip), WF_CHIP_LINK_UNKNOWN);
    expect_no_violations(f->model);
}

static void test_detect_absent(void **state)
{
    (void)state;
    static const uint8_t miso[] = {0x00, 0xFF};
    for (size_t i = 0; i < sizeof miso; i++) {
        struct wf_sim_chip *m = wf_sim_chip_new_variant(1, WF_SIM_W5500);
        wf_sim_chip_fault_absent(m, true, miso[i]);
        struct wf_port_sim host;
        wf_port_sim_init(&host, m);
        wf_chip_t chip;
        assert_int_equal(wf_chip_detect(&chip, &host.port), WF_ENODEV);
        /* Bound to the W5500 explicitly, start fails too, and quickly. */
        wf_chip_init(&chip, &host.port, &wf_chip_w5500);
        uint32_t t0 = wf_port_sim_millis(NULL);
        assert_int_equal(wf_chip_start(&chip), WF_ENODEV);
        assert_true(wf_port_sim_millis(NULL) - t0 < 1000);
        wf_sim_chip_free(m);
    }
}

/* The W5500 driver on a W5100 is refused by detect (no VERSIONR). */
static void test_w5500_driver_rejects_w5100(void **state)
{
    (void)state;
    struct wf_sim_chip *m = wf_sim_chip_new(3);
    struct wf_port_sim host;
    wf_port_sim_init(&host, m);
    wf_chip_t chip;
    wf_chip_init(&chip, &host.port, &wf_chip_w5500);
    assert_int_equal(chip.variant->probe(&chip), WF_ENODEV);
    expect_no_violations(m);
    wf_sim_chip_free(m);
}

static void test_buffer_sizes(void **state)
{
    struct wf_fixture *f = *state;
    const uint8_t one[8] = {16};
    assert_int_equal(wf_chip_set_buffer_sizes(&f->chip, one, one), 0);
    assert_int_equal(wf_chip_tx_size(&f->chip, 0), 16384);
    assert_int_equal(wf_net_socket(&f->net, WF_SOCK_STREAM), 0);
    assert_int_equal(wf_net_socket(&f->net, WF_SOCK_STREAM), WF_EMFILE);
    assert_int_equal(wf_net_close(&f->net, 0), 0);
    const uint8_t too_much[8] = {8, 8, 1};
    const uint8_t not_pow2[8] = {3, 1, 1, 1};
    const uint8_t mixed[8] = {8, 4, 2, 1, 1};
    assert_int_equal(wf_chip_set_buffer_sizes(&f->chip, too_much, mixed), WF_ERANGE);
    assert_int_equal(wf_chip_set_buffer_sizes(&f->chip, not_pow2, mixed), WF_ERANGE);
    assert_int_equal(wf_chip_set_buffer_sizes(&f->chip, mixed, mixed), 0);
    assert_int_equal(wf_chip_rx_size(&f->chip, 1), 4096);
}

static void test_tcp_echo(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_ECHO, 0);
    assert_non_null(peer);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    /* 70000 bytes through 2 KiB rings in odd pieces: the 16-bit pointers pass
     * 0xFFFF, where the driver starts a new burst at offset 0. */
    static uint8_t out[70000], in[70000];
    wf_fix_echo_pattern(f, fd, out, in, sizeof out);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    assert_int_equal(wf_peer_stop(peer).received, sizeof out);
}

/* Echo `n` bytes of `out` and wait until all of the echo is in the chip. */
static void echo_and_wait(struct wf_fixture *f, int fd, const uint8_t *out, size_t n)
{
    assert_int_equal(wf_net_send(&f->net, fd, out, n), (int)n);
    uint16_t avail = 0;
    for (int i = 0; i < 20000 && avail < n; i++) {
        assert_int_equal(wf_chip_sock_rx_avail(&f->chip, (uint8_t)fd, &avail), 0);
        usleep(50);
    }
    assert_int_equal(avail, n);
}

/*
 * A bit slip in the W5500's SPI data phase (the W5500 has no echo bytes): what
 * the driver catches and what it cannot. A slip in a 16-bit counter read is
 * caught by the read-until-two-agree rule; a slip in payload is delivered as
 * is (only an end-to-end check, e.g. TLS's record MAC, can see it).
 */
static void test_bit_slip_what_the_driver_sees(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_ECHO, 0);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    wf_sim_chip_set_tear_rate(f->model, 0);
    uint8_t out[300], in[300];
    for (size_t i = 0; i < sizeof out; i++) {
        out[i] = (uint8_t)(i * 13 + 1);
    }
    /* RX_RSR (300 = 0x012C) read with a slip in its LSB: 0x0196 once, then the
     * re-reads agree on 300. */
    echo_and_wait(f, fd, out, sizeof out);
    uint32_t rereads = f->chip.stats.stable_rereads;
    wf_sim_chip_fault_bit_slip(f->model, WF_SIM_SLIP_REG_READ, 1); /* first 2-byte register read */
    assert_int_equal(wf_net_recv(&f->net, fd, in, sizeof in), (int)sizeof in);
    assert_int_equal(wf_sim_chip_stats(f->model)->bit_slips, 1);
    assert_true(f->chip.stats.stable_rereads > rereads);
    assert_memory_equal(in, out, sizeof in);
    /* A slip in the payload burst: the bytes from the slip on arrive shifted and
     * the driver has no way to know. */
    echo_and_wait(f, fd, out, 100);
    wf_sim_chip_fault_bit_slip(f->model, WF_SIM_SLIP_RX_READ, 10);
    assert_int_equal(wf_net_recv(&f->net, fd, in, 100), 100);
    assert_int_equal(wf_sim_chip_stats(f->model)->bit_slips, 2);
    assert_memory_equal(in, out, 10);
    assert_memory_not_equal(in + 10, out + 10, 90);
    assert_int_equal(in[11], (uint8_t)((out[10] & 1) << 7 | out[11] >> 1));
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

static void use_one_big_socket(struct wf_fixture *f)
{
    uint8_t big[8] = {0};
    big[0] = (uint8_t)(f->chip.variant->tx_total_kb);
    assert_int_equal(wf_chip_set_buffer_sizes(&f->chip, big, big), 0);
}

static double receive_1mib(struct wf_fixture *f)
{
    use_one_big_socket(f);
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_SOURCE, MIB);
    assert_non_null(peer);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    wf_sim_chip_stats_reset(f->model);
    uint32_t rereads0 = f->chip.stats.stable_rereads;
    int n = 1;
    size_t total = wf_fix_recv_pattern(f, fd, &n); /* 3000-byte reads, as in test_socket */
    assert_int_equal(n, 0);
    assert_int_equal(total, MIB);
    const struct wf_sim_chip_stats *st = wf_sim_chip_stats(f->model);
    double ratio = (double)st->bytes / (double)total;
    print_message("# %s TCP receive 1 MiB: %llu SPI bytes in %llu frames, %.3f SPI bytes per payload "
                  "byte, %llu torn reads, %u driver re-reads\n",
                  f->chip.variant->name, (unsigned long long)st->bytes, (unsigned long long)st->frames, ratio,
                  (unsigned long long)st->torn_reads, (unsigned)(f->chip.stats.stable_rereads - rereads0));
    assert_int_equal(st->rx_mem_reads, MIB);
    /* The model tore RX_RSR reads (inside 2-byte bursts on the W5500) and the
     * driver's double read coped. */
    assert_true(st->torn_reads > 0);
    assert_true(f->chip.stats.stable_rereads - rereads0 >= st->torn_reads);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
    return ratio;
}

static double send_1mib(struct wf_fixture *f)
{
    use_one_big_socket(f);
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_SINK, 0);
    assert_non_null(peer);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    wf_sim_chip_stats_reset(f->model);
    wf_fix_send_pattern(f, fd, MIB);
    const struct wf_sim_chip_stats *st = wf_sim_chip_stats(f->model);
    double ratio = (double)st->bytes / (double)MIB;
    print_message("# %s TCP send 1 MiB: %llu SPI bytes in %llu frames, %.3f SPI bytes per payload byte\n",
                  f->chip.variant->name, (unsigned long long)st->bytes, (unsigned long long)st->frames,
                  ratio);
    assert_int_equal(st->tx_mem_writes, MIB);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    struct wf_peer_result r = wf_peer_stop(peer);
    assert_int_equal(r.received, MIB);
    assert_int_equal(r.pattern_errors, 0);
    return ratio;
}

static void test_receive_1mib(void **state)
{
    double ratio = receive_1mib(*state);
    assert_true(ratio > 1.0 && ratio < 1.15);
}

static void test_send_1mib(void **state)
{
    double ratio = send_1mib(*state);
    assert_true(ratio > 1.0 && ratio < 1.15);
}

/* The same two transfers on the W5100, for the comparison (about 4x + polling). */
static void test_w5100_1mib_for_comparison(void **state)
{
    assert_true(receive_1mib(*state) > 4.0);
    assert_true(send_1mib(*state) > 4.0);
}

static void test_udp_echo(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_UDP_ECHO, 0);
    assert_non_null(peer);
    int fd = wf_net_socket(&f->net, WF_SOCK_DGRAM);
    assert_true(fd >= 0);
    wf_sockaddr_t to = wf_fix_server(wf_peer_port(peer));
    static uint8_t msg[1400], back[1400];
    for (int round = 0; round < 20; round++) {
        size_t len = 1 + (size_t)round * 70;
        for (size_t i = 0; i < len; i++) {
            msg[i] = (uint8_t)(round + i);
        }
        assert_int_equal(wf_net_sendto(&f->net, fd, msg, len, &to), (int)len);
        wf_sockaddr_t from;
        size_t dlen = 0;
        assert_int_equal(wf_net_recvfrom(&f->net, fd, back, sizeof back, &from, &dlen), (int)len);
        assert_int_equal(dlen, len);
        assert_memory_equal(back, msg, len);
        assert_memory_equal(from.ip, to.ip, 4);
        assert_int_equal(from.port, to.port);
    }
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    assert_int_equal(wf_peer_stop(peer).datagrams, 20);
}

/* The wake-up source (wf_chip_wake_enable/rearm): INTn falls when a datagram
 * arrives (RECV), not for the send's SEND_OK; rearming clears RECV, so INTn rises
 * and the next arrival makes a new edge; the data stay readable; a chip without
 * per-socket masks (W5100) says WF_ENOTSUP. */
static void test_wake_intn(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_UDP_ECHO, 0);
    assert_non_null(peer);
    assert_int_equal(wf_chip_wake_enable(&f->chip), 0);
    int fd = wf_net_socket(&f->net, WF_SOCK_DGRAM);
    assert_true(fd >= 0);
    wf_sockaddr_t to = wf_fix_server(wf_peer_port(peer));
    assert_false(wf_sim_chip_int_asserted(f->model));
    for (int round = 0; round < 2; round++) {
        assert_int_equal(wf_net_sendto(&f->net, fd, "ping", 4, &to), 4);
        int polls = 0;
        while (!wf_sim_chip_int_asserted(f->model)) { /* the echo arrives: RECV drives INTn low */
            assert_true(++polls < 20000);
            usleep(50);
        }
        assert_int_equal(wf_chip_wake_rearm(&f->chip), 0);
        assert_false(wf_sim_chip_int_asserted(f->model)); /* high again: the next arrival is an edge */
        uint8_t back[8];
        wf_sockaddr_t from;
        size_t dlen = 0;
        assert_int_equal(wf_net_recvfrom(&f->net, fd, back, sizeof back, &from, &dlen), 4);
        assert_memory_equal(back, "ping", 4);
    }
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    assert_int_equal(wf_peer_stop(peer).datagrams, 2);

    struct wf_fixture *w5100 = fix_new(WF_SIM_W5100);
    assert_int_equal(wf_chip_wake_enable(&w5100->chip), WF_ENOTSUP);
    assert_int_equal(wf_chip_wake_rearm(&w5100->chip), WF_ENOTSUP);
    wf_fixture_free(w5100);
}

/* All 8 sockets at once, each with its own datagram, then WF_EMFILE. */
static void test_eight_sockets_then_emfile(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_UDP_ECHO, 0);
    assert_non_null(peer);
    wf_sockaddr_t to = wf_fix_server(wf_peer_port(peer));
    int fds[8];
    for (int i = 0; i < 8; i++) {
        fds[i] = wf_net_socket(&f->net, WF_SOCK_DGRAM);
        assert_int_equal(fds[i], i);
        assert_int_equal(wf_net_bind(&f->net, fds[i], 0), 0);
    }
    assert_int_equal(wf_net_socket(&f->net, WF_SOCK_DGRAM), WF_EMFILE);
    assert_int_equal(wf_net_socket(&f->net, WF_SOCK_STREAM), WF_EMFILE);
    for (int i = 0; i < 8; i++) {
        char msg[16];
        int len = snprintf(msg, sizeof msg, "socket %d", i);
        assert_int_equal(wf_net_sendto(&f->net, fds[i], msg, (size_t)len, &to), len);
    }
    for (int i = 0; i < 8; i++) {
        char want[16], got[16];
        int len = snprintf(want, sizeof want, "socket %d", i);
        assert_int_equal(wf_net_recvfrom(&f->net, fds[i], got, sizeof got, NULL, NULL), len);
        assert_memory_equal(got, want, (size_t)len);
    }
    assert_int_equal(wf_net_close(&f->net, fds[3]), 0);
    assert_int_equal(wf_net_socket(&f->net, WF_SOCK_STREAM), 3);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(wf_net_close(&f->net, fds[i]), 0);
    }
    wf_peer_stop(peer);
}

/* Link down: ARP goes unanswered, so CONNECT times out, boundedly. */
static void test_link_down_connect_times_out(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_ECHO, 0);
    assert_non_null(peer);
    wf_sim_chip_set_link(f->model, false);
    assert_int_equal(wf_chip_link_up(&f->chip), WF_CHIP_LINK_DOWN);
    int fd = wf_net_socket(&f->net, WF_SOCK_STREAM);
    wf_sockaddr_t a = wf_fix_server(wf_peer_port(peer));
    uint32_t t0 = wf_port_sim_millis(NULL);
    assert_int_equal(wf_net_connect(&f->net, fd, &a), WF_ETIMEDOUT);
    assert_true(wf_port_sim_millis(NULL) - t0 < 2000);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    /* Link back: the same connect works. */
    wf_sim_chip_set_link(f->model, true);
    fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

/* Link down under a connection: data stalls (recv hits its deadline) and
 * flows again when the link returns, within the retransmission time. */
static void test_link_down_data_stalls(void **state)
{
    struct wf_fixture *f = *state;
    assert_int_equal(wf_chip_set_retry(&f->chip, 2000, 8), 0); /* TCPTO 31.8 s */
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_ECHO, 0);
    assert_non_null(peer);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    assert_int_equal(wf_net_set_timeout(&f->net, fd, 200), 0);
    char buf[8];
    wf_sim_chip_set_link(f->model, false);
    assert_int_equal(wf_net_send(&f->net, fd, "stalled", 7), 7);
    uint32_t t0 = wf_port_sim_millis(NULL);
    assert_int_equal(wf_net_recv(&f->net, fd, buf, sizeof buf), WF_ETIMEDOUT);
    assert_true(wf_port_sim_millis(NULL) - t0 >= 200);
    wf_sim_chip_set_link(f->model, true);
    size_t got = 0;
    while (got < 7) {
        int n = wf_net_recv(&f->net, fd, buf + got, sizeof buf - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_memory_equal(buf, "stalled", 7);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

/* Link down long enough: the unacknowledged SEND ends in the chip's TCP
 * timeout (fixture RTR/RCR: 10+20+40 ms) and the connection is gone. */
static void test_link_down_send_times_out(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_ECHO, 0);
    assert_non_null(peer);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    assert_int_equal(wf_net_set_timeout(&f->net, fd, 2000), 0);
    wf_sim_chip_set_link(f->model, false);
    assert_int_equal(wf_net_send(&f->net, fd, "lost", 4), 4);
    char buf[4];
    assert_int_equal(wf_net_recv(&f->net, fd, buf, sizeof buf), WF_ETIMEDOUT);
    assert_int_equal(wf_net_send(&f->net, fd, "more", 4), WF_ETIMEDOUT);
    wf_sim_chip_set_link(f->model, true);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_raw_reset_values, raw_setup, raw_teardown),
        cmocka_unit_test_setup_teardown(test_raw_burst_echo, raw_setup, raw_teardown),
        cmocka_unit_test_setup_teardown(test_raw_byte_interface, raw_setup, raw_teardown),
        cmocka_unit_test_setup_teardown(test_raw_phycfgr_link, raw_setup, raw_teardown),
        cmocka_unit_test_setup_teardown(test_raw_violations, raw_setup, raw_teardown),
        cmocka_unit_test_setup_teardown(test_raw_rx_read_past_rsr_in_burst, raw_setup, raw_teardown),
        cmocka_unit_test_setup_teardown(test_raw_intn, raw_setup, raw_teardown),
        cmocka_unit_test_setup_teardown(test_start_and_settings, w5500_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_autodetect_w5100, w5100_setup, wf_fixture_teardown),
        cmocka_unit_test(test_detect_absent),
        cmocka_unit_test(test_w5500_driver_rejects_w5100),
        cmocka_unit_test_setup_teardown(test_buffer_sizes, w5500_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tcp_echo, w5500_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bit_slip_what_the_driver_sees, w5500_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_receive_1mib, w5500_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_send_1mib, w5500_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_w5100_1mib_for_comparison, w5100_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_udp_echo, w5500_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_wake_intn, w5500_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_eight_sockets_then_emfile, w5500_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_link_down_connect_times_out, w5500_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_link_down_data_stalls, w5500_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_link_down_send_times_out, w5500_setup, wf_fixture_teardown),
    };
    return cmocka_run_group_tests_name("w5500", tests, NULL, NULL);
}
