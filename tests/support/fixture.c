#include "fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "peer.h"

wf_sockaddr_t wf_fix_addr(uint32_t ip, uint16_t port)
{
    wf_sockaddr_t a = {{(uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip}, port};
    return a;
}

wf_sockaddr_t wf_fix_server(uint16_t port)
{
    return wf_fix_addr(WF_FIX_SERVER_IP, port);
}

struct wf_fixture *wf_fixture_new_variant(uint64_t seed, enum wf_sim_variant variant)
{
    struct wf_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->model = wf_sim_chip_new_variant(seed, variant);
    assert_non_null(f->model);
    assert_int_equal(wf_sim_chip_map(f->model, WF_FIX_SERVER_IP, 0, 0x7F000001u, 0), 0);
    wf_port_sim_init(&f->host, f->model);
    /* The driver finds the chip by itself, as a board with either shield does. */
    assert_int_equal(wf_chip_detect(&f->chip, &f->host.port), 0);
    assert_ptr_equal(f->chip.variant, variant == WF_SIM_W5500 ? &wf_chip_w5500 : &wf_chip_w5100);
    wf_fixture_restart(f);
    return f;
}

struct wf_fixture *wf_fixture_new(uint64_t seed)
{
    return wf_fixture_new_variant(seed, WF_SIM_W5100);
}

void wf_fixture_restart(struct wf_fixture *f)
{
    const struct wf_chip_netcfg cfg = {
        .mac = {0x02, 0x00, 0x5E, 0x10, 0x00, 0x02},
        .ip = {10, 0, 0, 2},
        .mask = {255, 255, 255, 0},
        .gateway = {10, 0, 0, 254},
    };
    assert_int_equal(wf_chip_start(&f->chip), 0);
    assert_int_equal(wf_chip_set_netcfg(&f->chip, &cfg), 0);
    assert_int_equal(wf_chip_set_retry(&f->chip, WF_FIX_RTR, WF_FIX_RCR), 0);
    wf_net_init(&f->net, &f->chip);
}

void wf_fixture_free_unchecked(struct wf_fixture *f)
{
    if (f == NULL) {
        return;
    }
    wf_net_free(&f->net);
    wf_sim_chip_free(f->model);
    free(f);
}

void wf_fixture_free(struct wf_fixture *f)
{
    if (f == NULL) {
        return;
    }
    wf_net_free(&f->net);
    size_t violations = wf_sim_chip_violation_count(f->model);
    if (violations != 0) {
        wf_sim_chip_print_violations(f->model, stderr);
    }
    wf_sim_chip_free(f->model);
    free(f);
    assert_int_equal(violations, 0);
}

static uint64_t test_seed(void)
{
    const char *env = getenv("WF_TEST_SEED");
    static uint64_t counter;
    uint64_t seed = env ? strtoull(env, NULL, 0) : 0x5EED0000u + counter++;
    return seed;
}

int wf_fixture_setup(void **state)
{
    uint64_t seed = test_seed();
    *state = wf_fixture_new(seed);
    return 0;
}

int wf_fixture_teardown(void **state)
{
    wf_fixture_free(*state);
    return 0;
}

int wf_fix_tcp_connect(struct wf_fixture *f, uint16_t port)
{
    int fd = wf_net_socket(&f->net, WF_SOCK_STREAM);
    assert_true(fd >= 0);
    wf_sockaddr_t a = wf_fix_server(port);
    assert_int_equal(wf_net_connect(&f->net, fd, &a), 0);
    return fd;
}

void wf_fix_echo_pattern(struct wf_fixture *f, int fd, uint8_t *out, uint8_t *in, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[i] = wf_peer_pattern(i);
    }
    /* Odd-sized pieces, so the ring pointers wrap at every possible offset. */
    size_t sent = 0, got = 0;
    while (got < len) {
        if (sent < len) {
            size_t piece = len - sent < 777 ? len - sent : 777;
            assert_int_equal(wf_net_send(&f->net, fd, out + sent, piece), (int)piece);
            sent += piece;
        }
        int n = wf_net_recv(&f->net, fd, in + got, len - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_memory_equal(in, out, len);
}

size_t wf_fix_recv_pattern(struct wf_fixture *f, int fd, int *last_rc)
{
    static uint8_t buf[3000];
    size_t total = 0;
    for (;;) {
        int n = wf_net_recv(&f->net, fd, buf, sizeof buf);
        if (n <= 0) {
            *last_rc = n;
            return total;
        }
        for (int i = 0; i < n; i++) {
            if (buf[i] != wf_peer_pattern(total + (size_t)i)) {
                fail_msg("pattern mismatch at byte %zu", total + (size_t)i);
            }
        }
        total += (size_t)n;
    }
}

void wf_fix_send_pattern(struct wf_fixture *f, int fd, size_t len)
{
    static uint8_t chunk[4096];
    for (size_t off = 0; off < len; off += sizeof chunk) {
        size_t n = len - off < sizeof chunk ? len - off : sizeof chunk;
        for (size_t i = 0; i < n; i++) {
            chunk[i] = wf_peer_pattern(off + i);
        }
        assert_int_equal(wf_net_send(&f->net, fd, chunk, n), (int)n);
    }
}
