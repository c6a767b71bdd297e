/* Socket layer over the W5100 driver and the chip model, against real kernel
 * peers on loopback: data paths, every fault with its error code, exhaustion. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "peer.h"

#define MIB (1024u * 1024u)

static uint32_t now_ms(void)
{
    return wf_port_sim_millis(NULL);
}

static void test_tcp_echo_with_wraparound(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_ECHO, 0);
    assert_non_null(peer);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    /* 20 KiB through 2 KiB rings in odd-sized pieces: pointers wrap many times. */
    static uint8_t out[20000], in[20000];
    wf_fix_echo_pattern(f, fd, out, in, sizeof out);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    struct wf_peer_result r = wf_peer_stop(peer);
    assert_int_equal(r.received, sizeof out);
}

static double spi_per_payload(const struct wf_sim_chip_stats *st, size_t payload)
{
    return (double)st->bytes / (double)payload;
}

static void use_one_big_socket(struct wf_fixture *f)
{
    const uint8_t big[4] = {8, 0, 0, 0};
    assert_int_equal(wf_chip_set_buffer_sizes(&f->chip, big, big), 0);
}

static void test_tcp_receive_1mib(void **state)
{
    struct wf_fixture *f = *state;
    use_one_big_socket(f);
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_SOURCE, MIB);
    assert_non_null(peer);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    wf_sim_chip_stats_reset(f->model);
    int last = 1;
    size_t total = wf_fix_recv_pattern(f, fd, &last);
    const struct wf_sim_chip_stats *st = wf_sim_chip_stats(f->model);
    print_message("# TCP receive 1 MiB: %llu SPI bytes, %.3f SPI bytes per payload byte, %llu torn reads, "
                  "%u driver re-reads\n",
                  (unsigned long long)st->bytes, spi_per_payload(st, total),
                  (unsigned long long)st->torn_reads, (unsigned)f->chip.stats.stable_rereads);
    /* The model tore RX_RSR reads during the transfer and the driver coped. */
    assert_true(st->torn_reads > 0);
    assert_true(f->chip.stats.stable_rereads >= st->torn_reads);
    assert_int_equal(last, 0);
    assert_int_equal(total, MIB);
    assert_int_equal(st->rx_mem_reads, MIB);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

/* A port whose long reads run "in the background" as the board's DMA does: the start
 * only records the read (and scribbles on the buffer, as a transfer in progress
 * would), the bytes arrive at spi_wait or when any other SPI call ends the read. */
static struct {
    struct wf_port_sim *host;
    bool pending;
    uint8_t hdr[8];
    size_t hdr_len, len;
    uint8_t *rx;
    int outcome;
    unsigned starts, ended_by_other;
    uint8_t tx[8 + 8192], in[8 + 8192];
} bg;

static int bg_end(void)
{
    bg.pending = false;
    memcpy(bg.tx, bg.hdr, bg.hdr_len);
    memset(bg.tx + bg.hdr_len, 0, bg.len);
    int rc = wf_sim_chip_spi_frame(bg.host->model, bg.tx, bg.in, bg.hdr_len + bg.len);
    memcpy(bg.rx, bg.in + bg.hdr_len, bg.len);
    return rc;
}

static int bg_frame(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len)
{
    if (bg.pending) {
        bg.outcome = bg_end();
        bg.ended_by_other++;
    }
    return wf_sim_chip_spi_frame(((struct wf_port_sim *)ctx)->model, tx, rx, len);
}

static int bg_read_start(void *ctx, const uint8_t *hdr, size_t hdr_len, uint8_t *rx, size_t len)
{
    (void)ctx;
    assert_true(hdr_len <= sizeof bg.hdr && len <= sizeof bg.tx - hdr_len);
    if (bg.pending) {
        bg.outcome = bg_end();
    }
    memcpy(bg.hdr, hdr, hdr_len);
    bg.hdr_len = hdr_len;
    bg.len = len;
    bg.rx = rx;
    memset(rx, 0xEE, len);
    bg.pending = true;
    bg.starts++;
    return 0;
}

static int bg_wait(void *ctx)
{
    (void)ctx;
    int rc = bg.pending ? bg_end() : bg.outcome;
    bg.outcome = 0;
    return rc;
}

/* W5500 with reads that run beside the caller (wf_chip_sock_rx_read_start) and the
 * socket layer's RX prefetch: every byte arrives, in order, as with the CPU path
 * (test_tcp_receive_1mib); reads alternate 5 bytes and 3000 as TLS's header and body. */
static void test_tcp_receive_prefetch_w5500(void **state)
{
    (void)state;
    enum { TOTAL = 256 * 1024 };
    struct wf_fixture *f = wf_fixture_new_variant(7, WF_SIM_W5500);
    memset(&bg, 0, sizeof bg);
    bg.host = &f->host;
    f->host.port.spi_frame = bg_frame;
    f->host.port.spi_read_start = bg_read_start;
    f->host.port.spi_wait = bg_wait;
    const uint8_t big[WF_CHIP_MAX_SOCKETS] = {8};
    assert_int_equal(wf_chip_set_buffer_sizes(&f->chip, big, big), 0);
    static uint8_t prefetch[4096];
    wf_net_set_rx_prefetch(&f->net, prefetch, sizeof prefetch);
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_SOURCE, TOTAL);
    assert_non_null(peer);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    static uint8_t buf[3000];
    size_t total = 0;
    for (unsigned k = 0;; k++) {
        int n = wf_net_recv(&f->net, fd, buf, k % 2 ? sizeof buf : 5);
        if (n <= 0) {
            assert_int_equal(n, 0);
            break;
        }
        for (int i = 0; i < n; i++) {
            if (buf[i] != wf_peer_pattern(total + (size_t)i)) {
                fail_msg("pattern mismatch at byte %zu", total + (size_t)i);
            }
        }
        total += (size_t)n;
    }
    print_message("# prefetch: %u reads started, %u ended by another SPI access\n", bg.starts,
                  bg.ended_by_other);
    assert_int_equal(total, TOTAL);
    assert_int_equal(wf_sim_chip_stats(f->model)->rx_mem_reads, TOTAL); /* each byte read once */
    assert_true(bg.starts > 0);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
    wf_fixture_free(f);
}

static void test_tcp_send_1mib(void **state)
{
    struct wf_fixture *f = *state;
    use_one_big_socket(f);
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_SINK, 0);
    assert_non_null(peer);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    wf_sim_chip_stats_reset(f->model);
    wf_fix_send_pattern(f, fd, MIB);
    const struct wf_sim_chip_stats *st = wf_sim_chip_stats(f->model);
    print_message("# TCP send 1 MiB: %llu SPI bytes, %.3f SPI bytes per payload byte\n",
                  (unsigned long long)st->bytes, spi_per_payload(st, MIB));
    assert_int_equal(st->tx_mem_writes, MIB);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    /* The peer sees every byte, in order, once our FIN reaches it. */
    struct wf_peer_result r = wf_peer_stop(peer);
    assert_int_equal(r.received, MIB);
    assert_int_equal(r.pattern_errors, 0);
}

static void test_eof_after_data(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_SOURCE, 5000);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    int last = 1;
    assert_int_equal(wf_fix_recv_pattern(f, fd, &last), 5000);
    assert_int_equal(last, 0);
    uint8_t b;
    assert_int_equal(wf_net_recv(&f->net, fd, &b, 1), 0); /* EOF stays EOF */
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

/* The same stack against an independent program: socat as the TCP echo peer. */
extern char **environ;

static void test_tcp_echo_socat(void **state)
{
    struct wf_fixture *f = *state;
    uint16_t port = wf_peer_closed_port();
    char listen_arg[64];
    snprintf(listen_arg, sizeof listen_arg, "TCP-LISTEN:%u,bind=127.0.0.1,reuseaddr", port);
    char *argv[] = {"socat", "-T5", listen_arg, "PIPE", NULL};
    pid_t pid;
    assert_int_equal(posix_spawnp(&pid, "socat", NULL, NULL, argv, environ), 0);
    /* socat needs a moment to listen; retry the connect for up to 3 s. */
    int fd = wf_net_socket(&f->net, WF_SOCK_STREAM);
    wf_sockaddr_t a = wf_fix_server(port);
    int rc = WF_ECONNREFUSED;
    for (int i = 0; i < 30 && rc == WF_ECONNREFUSED; i++) {
        usleep(100 * 1000);
        rc = wf_net_connect(&f->net, fd, &a);
    }
    assert_int_equal(rc, 0);
    static const char msg[] = "echo through a modelled W5100 and socat";
    assert_int_equal(wf_net_send(&f->net, fd, msg, sizeof msg), (int)sizeof msg);
    char buf[sizeof msg];
    size_t got = 0;
    while (got < sizeof msg) {
        int n = wf_net_recv(&f->net, fd, buf + got, sizeof buf - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_memory_equal(buf, msg, sizeof msg);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    int status;
    kill(pid, SIGTERM);
    assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void test_connect_refused(void **state)
{
    struct wf_fixture *f = *state;
    int fd = wf_net_socket(&f->net, WF_SOCK_STREAM);
    wf_sockaddr_t a = wf_fix_server(wf_peer_closed_port());
    assert_int_equal(wf_net_connect(&f->net, fd, &a), WF_ECONNREFUSED);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
}

static void test_connect_host_unreachable(void **state)
{
    struct wf_fixture *f = *state;
    wf_sim_chip_fault_unreachable(f->model, 0x0A000009u);
    int fd = wf_net_socket(&f->net, WF_SOCK_STREAM);
    wf_sockaddr_t a = wf_fix_addr(0x0A000009u, 80);
    uint32_t t0 = now_ms();
    assert_int_equal(wf_net_connect(&f->net, fd, &a), WF_EHOSTUNREACH);
    assert_true(now_ms() - t0 < 2000);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
}

static void test_connect_peer_never_answers(void **state)
{
    struct wf_fixture *f = *state;
    wf_sim_chip_fault_blackhole(f->model, WF_FIX_SERVER_IP);
    int fd = wf_net_socket(&f->net, WF_SOCK_STREAM);
    wf_sockaddr_t a = wf_fix_server(443);
    uint32_t t0 = now_ms();
    /* RTR 10 ms, RCR 2: the chip gives up after 10+20+40 ms. */
    assert_int_equal(wf_net_connect(&f->net, fd, &a), WF_ETIMEDOUT);
    uint32_t took = now_ms() - t0;
    assert_true(took >= 60 && took < 2000);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
}

static void test_connect_deadline_before_chip_gives_up(void **state)
{
    struct wf_fixture *f = *state;
    assert_int_equal(wf_chip_set_retry(&f->chip, 2000, 8), 0); /* chip default: 31.8 s */
    wf_sim_chip_fault_blackhole(f->model, WF_FIX_SERVER_IP);
    int fd = wf_net_socket(&f->net, WF_SOCK_STREAM);
    assert_int_equal(wf_net_set_timeout(&f->net, fd, 150), 0);
    wf_sockaddr_t a = wf_fix_server(443);
    uint32_t t0 = now_ms();
    assert_int_equal(wf_net_connect(&f->net, fd, &a), WF_ETIMEDOUT);
    uint32_t took = now_ms() - t0;
    assert_true(took >= 150 && took < 1500);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
}

static void test_peer_reset_mid_stream(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_RST_AFTER, 1500);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    int last = 1;
    size_t got = wf_fix_recv_pattern(f, fd, &last);
    assert_true(got <= 1500);
    assert_int_equal(last, WF_ECONNRESET);
    assert_int_equal(wf_net_send(&f->net, fd, "x", 1), WF_ECONNRESET);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

static void test_model_reset_fault(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_SOURCE, 100000);
    wf_sim_chip_fault_reset_after(f->model, 3000);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    int last = 1;
    size_t got = wf_fix_recv_pattern(f, fd, &last);
    assert_true(got >= 3000 && got < 100000);
    assert_int_equal(last, WF_ECONNRESET);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

static void test_send_after_shutdown_is_epipe(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_ECHO, 0);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    assert_int_equal(wf_net_send(&f->net, fd, "hello", 5), 5);
    assert_int_equal(wf_net_shutdown(&f->net, fd, WF_SHUT_WR), 0);
    assert_int_equal(wf_net_send(&f->net, fd, "x", 1), WF_EPIPE);
    /* Half-close: the echo still arrives, then the peer's FIN. */
    char buf[16];
    size_t got = 0;
    int n;
    while ((n = wf_net_recv(&f->net, fd, buf + got, sizeof buf - got)) > 0) {
        got += (size_t)n;
    }
    assert_int_equal(n, 0);
    assert_int_equal(got, 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

static void test_send_after_peer_close_is_epipe(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_CLOSE_NOW, 0);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    uint8_t b;
    assert_int_equal(wf_net_recv(&f->net, fd, &b, 1), 0);
    /* The peer is gone: the first send may still be accepted (half-closed
     * CLOSE_WAIT), then its RST closes the connection and sends fail. */
    int rc = 0;
    uint32_t t0 = now_ms();
    while (rc >= 0 && now_ms() - t0 < 3000) {
        rc = wf_net_send(&f->net, fd, "data", 4);
    }
    assert_int_equal(rc, WF_EPIPE);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

/* The chip is still transmitting (a slow 100 kbit/s wire: 1000 bytes take
 * 86 ms): a second send must not issue SEND before SEND_OK (the model would
 * record it), a non-blocking send says busy, a deadline passes meanwhile, and
 * poll reports POLLOUT once SEND_OK is in. */
static void test_send_while_chip_sending(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_SINK, 0);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    wf_sim_chip_set_wire_rate(f->model, 100000u);
    static uint8_t data[1010];
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = wf_peer_pattern(i);
    }
    assert_int_equal(wf_net_set_timeout(&f->net, fd, 0), 0);
    uint32_t t0 = now_ms();
    assert_int_equal(wf_net_send(&f->net, fd, data, 1000), 1000);
    assert_int_equal(wf_net_send(&f->net, fd, data + 1000, 10), WF_EAGAIN);
    struct wf_pollfd p = {.fd = fd, .events = WF_POLLOUT};
    assert_int_equal(wf_net_poll(&f->net, &p, 1, 0), 0);
    assert_int_equal(wf_net_set_timeout(&f->net, fd, 20), 0);
    assert_int_equal(wf_net_send(&f->net, fd, data + 1000, 10), WF_ETIMEDOUT);
    assert_true(now_ms() - t0 < 86); /* all of that while the chip was sending */
    assert_int_equal(wf_net_poll(&f->net, &p, 1, 1000), 1);
    assert_int_equal(p.revents, WF_POLLOUT);
    assert_true(now_ms() - t0 >= 86);
    assert_int_equal(wf_net_set_timeout(&f->net, fd, 1000), 0); /* the close waits for the FIN */
    assert_int_equal(wf_net_send(&f->net, fd, data + 1000, 10), 10);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    struct wf_peer_result r = wf_peer_stop(peer);
    assert_int_equal(r.received, sizeof data);
    assert_int_equal(r.pattern_errors, 0);
}

/* The model's clock can run ahead of the driver's (the port's real time): a
 * W5500 keep-alive period passes for the chip without the test waiting. */
static uint64_t model_skew_us;

static uint64_t skewed_clock_us(void *ctx)
{
    (void)ctx;
    return (uint64_t)wf_port_sim_millis(NULL) * 1000u + model_skew_us;
}

/* An echo connection that has carried data (keep-alives need that). */
static int kept_connection(struct wf_fixture *f, struct wf_peer *peer)
{
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    char b[4];
    assert_int_equal(wf_net_send(&f->net, fd, "ping", 4), 4);
    size_t got = 0;
    while (got < 4) {
        int n = wf_net_recv(&f->net, fd, b + got, 4 - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    return fd;
}

/* The peer vanishes silently: the connection is idle, so only a keep-alive
 * can tell. W5100: the socket layer sends SEND_KEEP from wf_net_poll. */
static void test_keepalive_finds_dead_peer_w5100(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_ECHO, 0);
    int fd = kept_connection(f, peer);
    assert_int_equal(wf_net_set_keepalive(&f->net, fd, 1), 0);
    struct wf_pollfd p = {.fd = fd, .events = WF_POLLIN};
    /* A live peer answers the probe (sent after 1 s): nothing to report. */
    assert_int_equal(wf_net_poll(&f->net, &p, 1, 1200), 0);
    wf_sim_chip_fault_blackhole(f->model, WF_FIX_SERVER_IP);
    uint32_t t0 = now_ms();
    assert_int_equal(wf_net_poll(&f->net, &p, 1, 3000), 1);
    assert_int_equal(p.revents, WF_POLLIN | WF_POLLHUP | WF_POLLERR);
    assert_true(now_ms() - t0 < 1500); /* next probe at 2 s + TCPTO 70 ms */
    uint8_t b;
    assert_int_equal(wf_net_recv(&f->net, fd, &b, 1), WF_ETIMEDOUT);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

/* W5500: the chip's own timer (Sn_KPALVTR, 5 s units); set before connect. */
static void test_keepalive_finds_dead_peer_w5500(void **state)
{
    (void)state;
    struct wf_fixture *f = wf_fixture_new_variant(11, WF_SIM_W5500);
    model_skew_us = 0;
    wf_sim_chip_set_clock_us(f->model, skewed_clock_us, NULL);
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_ECHO, 0);
    int fd = wf_net_socket(&f->net, WF_SOCK_STREAM);
    assert_true(fd >= 0);
    assert_int_equal(wf_net_set_keepalive(&f->net, fd, 7), 0); /* -> 10 s */
    wf_sockaddr_t a = wf_fix_server(wf_peer_port(peer));
    assert_int_equal(wf_net_connect(&f->net, fd, &a), 0);
    assert_int_equal(wf_net_send(&f->net, fd, "ping", 4), 4);
    char b[4];
    size_t got = 0;
    while (got < 4) {
        int n = wf_net_recv(&f->net, fd, b + got, 4 - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    struct wf_pollfd p = {.fd = fd, .events = WF_POLLIN};
    assert_int_equal(wf_net_poll(&f->net, &p, 1, 0), 0); /* the chip's timer starts */
    model_skew_us += 9000000;                            /* 9 s: no probe yet */
    wf_sim_chip_fault_blackhole(f->model, WF_FIX_SERVER_IP);
    assert_int_equal(wf_net_poll(&f->net, &p, 1, 200), 0);
    model_skew_us += 1000000; /* 10 s: the probe goes unanswered */
    assert_int_equal(wf_net_poll(&f->net, &p, 1, 2000), 1);
    assert_int_equal(p.revents, WF_POLLIN | WF_POLLHUP | WF_POLLERR);
    assert_int_equal(wf_net_recv(&f->net, fd, b, 1), WF_ETIMEDOUT);
    assert_int_equal(wf_net_set_keepalive(&f->net, wf_net_socket(&f->net, WF_SOCK_DGRAM), 5), WF_ENOTSUP);
    wf_peer_stop(peer);
    wf_fixture_free(f);
}

static void test_recv_deadline_on_silent_peer(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_SILENT, 0);
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    assert_int_equal(wf_net_set_timeout(&f->net, fd, 100), 0);
    uint8_t buf[8];
    uint32_t t0 = now_ms();
    assert_int_equal(wf_net_recv(&f->net, fd, buf, sizeof buf), WF_ETIMEDOUT);
    uint32_t took = now_ms() - t0;
    assert_true(took >= 100 && took < 1000);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

static void test_slow_peer(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_SLOW, 2000);
    wf_sim_chip_fault_rx_rate(f->model, 4); /* and a slow chip-side link: 4 bytes/ms */
    int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
    uint32_t t0 = now_ms();
    int last = 1;
    assert_int_equal(wf_fix_recv_pattern(f, fd, &last), 2000);
    assert_int_equal(last, 0);
    assert_true(now_ms() - t0 >= 150); /* 2000 bytes at 64 B / 5 ms */
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

static void test_nonblocking_connect_and_poll(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *echo = wf_peer_start(WF_PEER_TCP_ECHO, 0);
    struct wf_peer *silent = wf_peer_start(WF_PEER_TCP_SILENT, 0);
    int a = wf_net_socket(&f->net, WF_SOCK_STREAM);
    int b = wf_net_socket(&f->net, WF_SOCK_STREAM);
    assert_int_equal(wf_net_set_timeout(&f->net, a, 0), 0);
    assert_int_equal(wf_net_set_timeout(&f->net, b, 0), 0);
    wf_sockaddr_t ea = wf_fix_server(wf_peer_port(echo)), sa = wf_fix_server(wf_peer_port(silent));
    assert_int_equal(wf_net_connect(&f->net, a, &ea), WF_EINPROGRESS);
    assert_int_equal(wf_net_connect(&f->net, b, &sa), WF_EINPROGRESS);
    assert_int_equal(wf_net_connect(&f->net, a, &ea), WF_EALREADY);
    struct wf_pollfd p[2] = {{a, WF_POLLOUT, 0}, {b, WF_POLLOUT, 0}};
    unsigned connected = 0; /* bit i: p[i] reported writable */
    for (int round = 0; round < 20 && connected != 3u; round++) {
        assert_true(wf_net_poll(&f->net, p, 2, 500) >= 0);
        for (unsigned i = 0; i < 2; i++) {
            assert_int_equal(p[i].revents & WF_POLLERR, 0);
            if (p[i].revents & WF_POLLOUT) {
                connected |= 1u << i;
                p[i].events = 0;
            }
        }
    }
    assert_int_equal(connected, 3u);
    assert_int_equal(wf_net_socket_error(&f->net, a), 0);
    assert_int_equal(wf_net_connect(&f->net, a, &ea), WF_EISCONN);

    uint8_t buf[8];
    assert_int_equal(wf_net_recv(&f->net, b, buf, sizeof buf), WF_EAGAIN);
    assert_int_equal(wf_net_send(&f->net, a, "ping", 4), 4);
    struct wf_pollfd in[2] = {{a, WF_POLLIN, 0}, {b, WF_POLLIN, 0}};
    assert_int_equal(wf_net_poll(&f->net, in, 2, 2000), 1);
    assert_true(in[0].revents & WF_POLLIN);
    assert_int_equal(in[1].revents, 0);
    assert_int_equal(wf_net_recv(&f->net, a, buf, sizeof buf), 4);
    assert_memory_equal(buf, "ping", 4);
    /* Nothing ready: poll waits its whole timeout and reports 0. */
    uint32_t t0 = now_ms();
    assert_int_equal(wf_net_poll(&f->net, &in[1], 1, 50), 0);
    assert_true(now_ms() - t0 >= 50);
    assert_int_equal(wf_net_close(&f->net, a), 0);
    (void)wf_net_close(&f->net, b); /* the silent peer never closes: forced */
    wf_peer_stop(echo);
    wf_peer_stop(silent);
}

static void test_nonblocking_connect_refused_via_poll(void **state)
{
    struct wf_fixture *f = *state;
    int fd = wf_net_socket(&f->net, WF_SOCK_STREAM);
    assert_int_equal(wf_net_set_timeout(&f->net, fd, 0), 0);
    wf_sockaddr_t a = wf_fix_server(wf_peer_closed_port());
    assert_int_equal(wf_net_connect(&f->net, fd, &a), WF_EINPROGRESS);
    struct wf_pollfd p = {fd, WF_POLLOUT, 0};
    assert_int_equal(wf_net_poll(&f->net, &p, 1, 2000), 1);
    assert_true(p.revents & WF_POLLERR);
    assert_int_equal(wf_net_socket_error(&f->net, fd), WF_ECONNREFUSED);
    assert_int_equal(wf_net_socket_error(&f->net, fd), 0);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
}

static void test_socket_exhaustion_and_return(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_ECHO, 0);
    int fds[4];
    for (int i = 0; i < 4; i++) {
        fds[i] = wf_net_socket(&f->net, i % 2 ? WF_SOCK_DGRAM : WF_SOCK_STREAM);
        assert_int_equal(fds[i], i);
    }
    assert_int_equal(wf_net_socket(&f->net, WF_SOCK_STREAM), WF_EMFILE);
    assert_int_equal(wf_net_socket(&f->net, WF_SOCK_DGRAM), WF_EMFILE);
    /* A failed connect keeps the descriptor; close returns it to the pool. */
    wf_sockaddr_t refused = wf_fix_server(wf_peer_closed_port());
    assert_int_equal(wf_net_connect(&f->net, fds[0], &refused), WF_ECONNREFUSED);
    assert_int_equal(wf_net_socket(&f->net, WF_SOCK_STREAM), WF_EMFILE);
    assert_int_equal(wf_net_close(&f->net, fds[0]), 0);
    assert_int_equal(wf_net_socket(&f->net, WF_SOCK_STREAM), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(wf_net_close(&f->net, i), 0);
    }
    assert_int_equal(wf_net_close(&f->net, 2), WF_EBADF);
    /* All four usable again, at once. */
    for (int i = 0; i < 4; i++) {
        int fd = wf_fix_tcp_connect(f, wf_peer_port(peer));
        assert_int_equal(fd, i);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(wf_net_close(&f->net, i), 0);
    }
    wf_peer_stop(peer);
}

static void test_bad_arguments(void **state)
{
    struct wf_fixture *f = *state;
    uint8_t b;
    assert_int_equal(wf_net_socket(&f->net, (enum wf_sock_type)9), WF_EINVAL);
    assert_int_equal(wf_net_recv(&f->net, 3, &b, 1), WF_EBADF);
    assert_int_equal(wf_net_send(&f->net, -1, &b, 1), WF_EBADF);
    int fd = wf_net_socket(&f->net, WF_SOCK_STREAM);
    wf_sockaddr_t any = wf_fix_addr(0, 80), bcast = wf_fix_addr(0xFFFFFFFFu, 80), port0 = wf_fix_server(0);
    assert_int_equal(wf_net_connect(&f->net, fd, &any), WF_EADDRNOTAVAIL);
    assert_int_equal(wf_net_connect(&f->net, fd, &bcast), WF_EADDRNOTAVAIL);
    assert_int_equal(wf_net_connect(&f->net, fd, &port0), WF_EADDRNOTAVAIL);
    assert_int_equal(wf_net_recv(&f->net, fd, &b, 1), WF_ENOTCONN);
    assert_int_equal(wf_net_send(&f->net, fd, &b, 1), WF_ENOTCONN);
    assert_int_equal(wf_net_sendto(&f->net, fd, &b, 1, &port0), WF_ENOTSUP);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
}

/* ---- UDP ------------------------------------------------------------------ */

static int udp_socket(struct wf_fixture *f)
{
    int fd = wf_net_socket(&f->net, WF_SOCK_DGRAM);
    assert_true(fd >= 0);
    assert_int_equal(wf_net_bind(&f->net, fd, 0), 0);
    assert_true(wf_net_local_port(&f->net, fd) >= (int)WF_NET_EPHEMERAL_MIN);
    assert_int_equal(wf_net_set_timeout(&f->net, fd, 1000), 0);
    return fd;
}

static void test_udp_echo(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_UDP_ECHO, 0);
    int fd = udp_socket(f);
    wf_sockaddr_t to = wf_fix_server(wf_peer_port(peer));
    for (int round = 0; round < 20; round++) {
        uint8_t out[300], in[300];
        size_t len = 1 + (size_t)round * 13;
        for (size_t i = 0; i < len; i++) {
            out[i] = wf_peer_pattern(i + (size_t)round);
        }
        assert_int_equal(wf_net_sendto(&f->net, fd, out, len, &to), (int)len);
        wf_sockaddr_t from;
        size_t dlen = 0;
        assert_int_equal(wf_net_recvfrom(&f->net, fd, in, sizeof in, &from, &dlen), (int)len);
        assert_int_equal(dlen, len);
        assert_memory_equal(in, out, len);
        /* The reply comes from the virtual address the firmware used. */
        assert_memory_equal(from.ip, to.ip, 4);
        assert_int_equal(from.port, to.port);
    }
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    struct wf_peer_result r = wf_peer_stop(peer);
    assert_int_equal(r.datagrams, 20);
}

static void test_udp_truncation(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_UDP_ECHO, 0);
    int fd = udp_socket(f);
    wf_sockaddr_t to = wf_fix_server(wf_peer_port(peer));
    uint8_t big[500], small[10], in[64];
    memset(big, 0xAB, sizeof big);
    assert_int_equal(wf_net_sendto(&f->net, fd, big, sizeof big, &to), (int)sizeof big);
    size_t dlen = 0;
    assert_int_equal(wf_net_recvfrom(&f->net, fd, small, sizeof small, NULL, &dlen), (int)sizeof small);
    assert_int_equal(dlen, sizeof big);
    /* The rest of the big datagram was discarded: the next one is intact. */
    assert_int_equal(wf_net_sendto(&f->net, fd, "next", 4, &to), 4);
    assert_int_equal(wf_net_recvfrom(&f->net, fd, in, sizeof in, NULL, &dlen), 4);
    assert_memory_equal(in, "next", 4);
    /* A datagram that can never fit the TX buffer is refused up front. */
    static uint8_t huge[4096];
    assert_int_equal(wf_net_sendto(&f->net, fd, huge, sizeof huge, &to), WF_EMSGSIZE);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

static void test_udp_loss_then_recovery(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_UDP_ECHO, 0);
    int fd = udp_socket(f);
    assert_int_equal(wf_net_set_timeout(&f->net, fd, 100), 0);
    wf_sockaddr_t to = wf_fix_server(wf_peer_port(peer));
    uint8_t in[16];
    wf_sim_chip_fault_udp_drop(f->model, 1, 0); /* the reply is lost */
    assert_int_equal(wf_net_sendto(&f->net, fd, "q1", 2, &to), 2);
    assert_int_equal(wf_net_recvfrom(&f->net, fd, in, sizeof in, NULL, NULL), WF_ETIMEDOUT);
    wf_sim_chip_fault_udp_drop(f->model, 0, 1); /* the query is lost */
    assert_int_equal(wf_net_sendto(&f->net, fd, "q2", 2, &to), 2);
    assert_int_equal(wf_net_recvfrom(&f->net, fd, in, sizeof in, NULL, NULL), WF_ETIMEDOUT);
    assert_int_equal(wf_net_sendto(&f->net, fd, "q3", 2, &to), 2);
    assert_int_equal(wf_net_recvfrom(&f->net, fd, in, sizeof in, NULL, NULL), 2);
    assert_memory_equal(in, "q3", 2);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

static void test_udp_unreachable_keeps_socket(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_UDP_ECHO, 0);
    wf_sim_chip_fault_unreachable(f->model, 0x0A000063u);
    int fd = udp_socket(f);
    wf_sockaddr_t dead = wf_fix_addr(0x0A000063u, 53);
    assert_int_equal(wf_net_sendto(&f->net, fd, "x", 1, &dead), WF_EHOSTUNREACH);
    wf_sockaddr_t to = wf_fix_server(wf_peer_port(peer));
    uint8_t in[4];
    assert_int_equal(wf_net_sendto(&f->net, fd, "ok", 2, &to), 2);
    assert_int_equal(wf_net_recvfrom(&f->net, fd, in, sizeof in, NULL, NULL), 2);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

static void test_udp_nonblocking_recv(void **state)
{
    struct wf_fixture *f = *state;
    int fd = udp_socket(f);
    assert_int_equal(wf_net_set_timeout(&f->net, fd, 0), 0);
    uint8_t in[4];
    assert_int_equal(wf_net_recvfrom(&f->net, fd, in, sizeof in, NULL, NULL), WF_EAGAIN);
    struct wf_pollfd p = {fd, WF_POLLIN | WF_POLLOUT, 0};
    assert_int_equal(wf_net_poll(&f->net, &p, 1, 0), 1);
    assert_int_equal(p.revents, WF_POLLOUT);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
}

/* Random numbers map onto the whole configured ephemeral range, and only onto it. */
static void test_ephemeral_port_range(void **state)
{
    (void)state;
    assert_int_equal(wf_net_ephemeral_port(0), WF_NET_EPHEMERAL_MIN);
    assert_int_equal(wf_net_ephemeral_port(65535u - WF_NET_EPHEMERAL_MIN), 65535);
    assert_int_equal(wf_net_ephemeral_port(65536u - WF_NET_EPHEMERAL_MIN), WF_NET_EPHEMERAL_MIN);
    for (uint32_t r = 0xFFFFFF00u; r != 0; r++) {
        uint16_t p = wf_net_ephemeral_port(r);
        assert_true(p >= WF_NET_EPHEMERAL_MIN);
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, wf_fixture_setup, wf_fixture_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ephemeral_port_range),
        cmocka_unit_test(test_tcp_receive_prefetch_w5500),
        T(test_tcp_echo_with_wraparound),
        T(test_tcp_receive_1mib),
        T(test_tcp_send_1mib),
        T(test_eof_after_data),
        T(test_tcp_echo_socat),
        T(test_connect_refused),
        T(test_connect_host_unreachable),
        T(test_connect_peer_never_answers),
        T(test_connect_deadline_before_chip_gives_up),
        T(test_peer_reset_mid_stream),
        T(test_model_reset_fault),
        T(test_send_after_shutdown_is_epipe),
        T(test_send_after_peer_close_is_epipe),
        T(test_send_while_chip_sending),
        T(test_keepalive_finds_dead_peer_w5100),
        cmocka_unit_test(test_keepalive_finds_dead_peer_w5500),
        T(test_recv_deadline_on_silent_peer),
        T(test_slow_peer),
        T(test_nonblocking_connect_and_poll),
        T(test_nonblocking_connect_refused_via_poll),
        T(test_socket_exhaustion_and_return),
        T(test_bad_arguments),
        T(test_udp_echo),
        T(test_udp_truncation),
        T(test_udp_loss_then_recovery),
        T(test_udp_unreachable_keeps_socket),
        T(test_udp_nonblocking_recv),
    };
#undef T
    return cmocka_run_group_tests_name("socket", tests, NULL, NULL);
}
