/* W5100 driver over the chip model: bring-up, detection, settings, and the
 * model catching deliberately wrong driver calls. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"

static void test_start_and_netcfg_roundtrip(void **state)
{
    struct wf_fixture *f = *state;
    assert_true(f->chip.ready);
    struct wf_chip_netcfg got;
    assert_int_equal(wf_chip_get_netcfg(&f->chip, &got), 0);
    const uint8_t ip[4] = {10, 0, 0, 2}, mask[4] = {255, 255, 255, 0}, gw[4] = {10, 0, 0, 254};
    assert_memory_equal(got.ip, ip, 4);
    assert_memory_equal(got.mask, mask, 4);
    assert_memory_equal(got.gateway, gw, 4);
    assert_int_equal(got.mac[0], 0x02);
    /* Default split: 2 KiB per socket and direction. */
    for (uint8_t sn = 0; sn < 4; sn++) {
        assert_int_equal(wf_chip_tx_size(&f->chip, sn), 2048);
        assert_int_equal(wf_chip_rx_size(&f->chip, sn), 2048);
    }
}

static void test_every_frame_is_four_bytes(void **state)
{
    struct wf_fixture *f = *state;
    /* Count from here: the fixture's auto-detection also sent the W5500 probe. */
    wf_sim_chip_stats_reset(f->model);
    f->chip.stats.spi_frames = 0;
    struct wf_chip_netcfg cfg;
    assert_int_equal(wf_chip_get_netcfg(&f->chip, &cfg), 0);
    const struct wf_sim_chip_stats *st = wf_sim_chip_stats(f->model);
    assert_int_equal(st->frames, 18); /* MAC 6 + gateway 4 + mask 4 + IP 4: one frame per byte */
    assert_int_equal(st->bytes, 4 * st->frames);
    assert_int_equal(st->frames, f->chip.stats.spi_frames);
}

static void expect_absent(uint8_t miso)
{
    struct wf_sim_chip *model = wf_sim_chip_new(1);
    assert_non_null(model);
    wf_sim_chip_fault_absent(model, true, miso);
    struct wf_port_sim host;
    wf_port_sim_init(&host, model);
    wf_chip_t chip;
    wf_chip_init(&chip, &host.port, &wf_chip_w5100);
    uint32_t t0 = wf_port_sim_millis(NULL);
    assert_int_equal(wf_chip_start(&chip), WF_ENODEV);
    assert_true(wf_port_sim_millis(NULL) - t0 < 1000);
    assert_false(chip.ready);
    /* Nothing else works on a chip that is not there, and says so. */
    wf_net_t net;
    wf_net_init(&net, &chip);
    assert_int_equal(wf_net_socket(&net, WF_SOCK_STREAM), WF_ENETDOWN);
    wf_sim_chip_free(model);
}

static void test_absent_chip_miso_low(void **state)
{
    (void)state;
    expect_absent(0x00);
}

static void test_absent_chip_miso_high(void **state)
{
    (void)state;
    expect_absent(0xFF);
}

static void test_chip_lost_after_start(void **state)
{
    struct wf_fixture *f = *state;
    wf_sim_chip_fault_absent(f->model, true, 0xFF);
    struct wf_chip_netcfg cfg;
    assert_int_equal(wf_chip_get_netcfg(&f->chip, &cfg), WF_ENODEV);
    wf_sim_chip_fault_absent(f->model, false, 0);
    assert_int_equal(wf_chip_start(&f->chip), 0);
}

static void test_buffer_sizes(void **state)
{
    struct wf_fixture *f = *state;
    const uint8_t one[4] = {8, 0, 0, 0};
    assert_int_equal(wf_chip_set_buffer_sizes(&f->chip, one, one), 0);
    assert_int_equal(wf_chip_tx_size(&f->chip, 0), 8192);
    assert_int_equal(wf_chip_rx_size(&f->chip, 1), 0);
    /* Only socket 0 has memory now: the socket layer hands out just that one. */
    assert_int_equal(wf_net_socket(&f->net, WF_SOCK_STREAM), 0);
    assert_int_equal(wf_net_socket(&f->net, WF_SOCK_STREAM), WF_EMFILE);
    assert_int_equal(wf_net_close(&f->net, 0), 0);

    const uint8_t too_much[4] = {4, 4, 2, 0};
    const uint8_t not_pow2[4] = {3, 1, 1, 1};
    const uint8_t hole[4] = {0, 8, 0, 0};
    const uint8_t two[4] = {4, 4, 0, 0};
    assert_int_equal(wf_chip_set_buffer_sizes(&f->chip, too_much, two), WF_ERANGE);
    assert_int_equal(wf_chip_set_buffer_sizes(&f->chip, not_pow2, two), WF_ERANGE);
    assert_int_equal(wf_chip_set_buffer_sizes(&f->chip, hole, two), WF_ERANGE);
    assert_int_equal(wf_chip_set_buffer_sizes(&f->chip, two, two), 0);
    assert_int_equal(wf_chip_rx_size(&f->chip, 1), 4096);
}

static void test_retry_rejects_zero(void **state)
{
    struct wf_fixture *f = *state;
    assert_int_equal(wf_chip_set_retry(&f->chip, 0, 3), WF_EINVAL);
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

/* A driver bug the model must catch: reading received data that is not there. */
static void test_model_catches_rx_overread(void **state)
{
    struct wf_fixture *f = *state;
    assert_int_equal(wf_chip_sock_open(&f->chip, 0, WF_SN_MR_UDP, 40000), 0);
    uint8_t buf[8];
    assert_int_equal(wf_chip_sock_rx_peek(&f->chip, 0, 0, buf, sizeof buf), 0);
    assert_true(wf_sim_chip_violation_count(f->model) > 0);
    assert_true(violation_mentions(f->model, "RX_RSR"));
    wf_sim_chip_clear_violations(f->model);
}

/* Another: a second command before the chip accepted the first. */
static void test_model_catches_command_while_busy(void **state)
{
    struct wf_fixture *f = *state;
    assert_int_equal(wf_chip_sock_write8(&f->chip, 1, WF_SN_MR, WF_SN_MR_UDP), 0);
    assert_int_equal(wf_chip_sock_write8(&f->chip, 1, WF_SN_CR, WF_SN_CR_OPEN), 0);
    assert_int_equal(wf_chip_sock_write8(&f->chip, 1, WF_SN_CR, WF_SN_CR_CLOSE), 0);
    assert_true(violation_mentions(f->model, "CR"));
    wf_sim_chip_clear_violations(f->model);
}

/* And: queueing (and sending) more TX data than TX_FSR allows. */
static void test_model_catches_tx_overrun(void **state)
{
    struct wf_fixture *f = *state;
    assert_int_equal(wf_chip_sock_open(&f->chip, 2, WF_SN_MR_UDP, 40002), 0);
    const uint8_t peer[4] = {10, 0, 0, 1};
    assert_int_equal(wf_chip_sock_set_peer(&f->chip, 2, peer, 9), 0);
    static uint8_t big[2100];
    assert_int_equal(wf_chip_sock_tx_queue(&f->chip, 2, big, sizeof big), 0);
    assert_int_equal(wf_chip_sock_command(&f->chip, 2, WF_SN_CR_SEND), 0);
    assert_true(violation_mentions(f->model, "TX_WR advanced beyond TX_FSR"));
    wf_sim_chip_clear_violations(f->model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_and_netcfg_roundtrip, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_every_frame_is_four_bytes, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test(test_absent_chip_miso_low),
        cmocka_unit_test(test_absent_chip_miso_high),
        cmocka_unit_test_setup_teardown(test_chip_lost_after_start, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_buffer_sizes, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_retry_rejects_zero, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_model_catches_rx_overread, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_model_catches_command_while_busy, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_model_catches_tx_overrun, wf_fixture_setup, wf_fixture_teardown),
    };
    return cmocka_run_group_tests_name("chip", tests, NULL, NULL);
}
