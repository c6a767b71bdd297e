/* Losing the chip or the link in the middle of a transfer, on both chip
 * variants: the failure is detected with a clear code and within a bound, no
 * socket leaks, and re-initialising the chip brings everything back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "fixture.h"
#include "peer.h"

#define BIG (512u * 1024u)

static int setup_w5100(void **state)
{
    *state = wf_fixture_new_variant(0x4EC0u, WF_SIM_W5100);
    return 0;
}

static int setup_w5500(void **state)
{
    *state = wf_fixture_new_variant(0x4EC1u, WF_SIM_W5500);
    return 0;
}

static int connect_to(struct wf_fixture *f, struct wf_peer *peer)
{
    int fd = wf_net_socket(&f->net, WF_SOCK_STREAM);
    assert_true(fd >= 0);
    wf_sockaddr_t a = wf_fix_server(wf_peer_port(peer));
    assert_int_equal(wf_net_connect(&f->net, fd, &a), 0);
    assert_int_equal(wf_net_set_timeout(&f->net, fd, 1000), 0);
    return fd;
}

/* Receive until `stop_after` bytes or an error/EOF; returns the last result. */
static int receive(struct wf_fixture *f, int fd, size_t stop_after, size_t *total)
{
    static uint8_t buf[2048];
    *total = 0;
    for (;;) {
        int n = wf_net_recv(&f->net, fd, buf, sizeof buf);
        if (n <= 0) {
            return n;
        }
        *total += (size_t)n;
        if (*total >= stop_after) {
            return n;
        }
    }
}

static void all_sockets_free(struct wf_fixture *f)
{
    int fds[WF_CHIP_MAX_SOCKETS];
    unsigned n = f->chip.sockets;
    for (unsigned i = 0; i < n; i++) {
        fds[i] = wf_net_socket(&f->net, WF_SOCK_DGRAM);
        assert_int_equal(fds[i], (int)i);
    }
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(wf_net_close(&f->net, fds[i]), 0);
    }
}

/* The chip stops answering mid-transfer (MISO stuck high: unplugged shield). */
static void test_chip_lost_mid_transfer(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_SOURCE, BIG);
    assert_non_null(peer);
    int fd = connect_to(f, peer);
    size_t got = 0;
    assert_true(receive(f, fd, 64 * 1024, &got) > 0);

    wf_sim_chip_fault_absent(f->model, true, 0xFF);
    uint32_t t0 = wf_port_sim_millis(NULL);
    int rc = receive(f, fd, BIG, &got);
    /* The W5100 fails its SPI echo check at once; the W5500 (no echo) reads
     * 0xFF registers, an impossible socket state. Either is a clear error. */
    assert_true(rc == WF_ENODEV || rc == WF_EIO);
    assert_true(wf_port_sim_millis(NULL) - t0 < 2000);
    (void)wf_net_close(&f->net, fd); /* the chip cannot confirm, but the descriptor is freed */
    assert_int_equal(wf_chip_start(&f->chip), WF_ENODEV);

    /* The shield is back: re-initialise and everything works again. */
    wf_sim_chip_fault_absent(f->model, false, 0);
    wf_fixture_restart(f);
    all_sockets_free(f);
    fd = connect_to(f, peer);
    wf_peer_stop(peer);
    (void)wf_net_close(&f->net, fd);
}

/* The cable is pulled mid-transfer: the transfer stalls and hits its deadline
 * (W5100: the only sign is the timeout; W5500: also PHYCFGR's link bit). */
static void test_link_lost_mid_transfer(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_peer *peer = wf_peer_start(WF_PEER_TCP_SOURCE, BIG);
    assert_non_null(peer);
    int fd = connect_to(f, peer);
    size_t got = 0;
    assert_true(receive(f, fd, 64 * 1024, &got) > 0);

    wf_sim_chip_set_link(f->model, false);
    int link = wf_chip_link_up(&f->chip);
    assert_int_equal(link, f->chip.variant == &wf_chip_w5500 ? WF_CHIP_LINK_DOWN : WF_CHIP_LINK_UNKNOWN);
    uint32_t t0 = wf_port_sim_millis(NULL);
    int rc = receive(f, fd, BIG, &got);
    assert_true(rc == WF_ETIMEDOUT || rc == WF_ECONNRESET);
    assert_true(wf_port_sim_millis(NULL) - t0 < 3000);
    /* Closing cannot be graceful without a link; it must still be bounded. */
    t0 = wf_port_sim_millis(NULL);
    rc = wf_net_close(&f->net, fd);
    assert_true(rc == 0 || rc == WF_ETIMEDOUT);
    assert_true(wf_port_sim_millis(NULL) - t0 <= WF_NET_CLOSE_TIMEOUT_MS + 500);

    /* Cable back: re-initialise, no socket leaked, a new transfer completes. */
    wf_sim_chip_set_link(f->model, true);
    wf_net_free(&f->net);
    wf_fixture_restart(f);
    all_sockets_free(f);
    fd = connect_to(f, peer);
    assert_int_equal(receive(f, fd, BIG + 1, &got), 0);
    assert_int_equal(got, BIG);
    assert_int_equal(wf_net_close(&f->net, fd), 0);
    wf_peer_stop(peer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chip_lost_mid_transfer, setup_w5100, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_chip_lost_mid_transfer, setup_w5500, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_link_lost_mid_transfer, setup_w5100, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_link_lost_mid_transfer, setup_w5500, wf_fixture_teardown),
    };
    return cmocka_run_group_tests_name("recovery", tests, NULL, NULL);
}
