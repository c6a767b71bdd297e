/* The pure parts of the STM32F4 board code: clock/bus/baud/watchdog arithmetic,
 * the entropy health tests and conditioner, and the seed record format. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../ports/stm32f4/board_math.h"
#include "wizfetch/error.h"

#define HSI 16000000u

/* ------------------------------------------------------------------ clocks */

static void check_pll_from(uint32_t in_hz, uint32_t target)
{
    struct stm32f4_pll_cfg c;
    assert_int_equal(stm32f4_pll_config(in_hz, target, &c), 0);
    /* Every range of RM0383 RCC_PLLCFGR. */
    assert_in_range(c.m, 2, 63);
    assert_in_range(c.n, 50, 432);
    assert_true(c.p == 2 || c.p == 4 || c.p == 6 || c.p == 8);
    assert_in_range(c.q, 2, 15);
    assert_int_equal(c.vco_in_hz, in_hz / c.m);
    assert_int_equal(in_hz % c.m, 0);
    assert_in_range(c.vco_in_hz, 1000000, 2000000);
    assert_int_equal(c.vco_hz, c.vco_in_hz * c.n);
    assert_in_range(c.vco_hz, 100000000, 432000000);
    assert_true(c.vco_hz / c.q <= 48000000u);
    /* The result is exactly the target. */
    assert_int_equal(c.vco_hz % c.p, 0);
    assert_int_equal(c.vco_hz / c.p, target);
    assert_int_equal(c.sysclk_hz, target);
}

static void check_pll(uint32_t target)
{
    check_pll_from(HSI, target);
}

/* The Black Pill's 25 MHz HSE crystal: 25 / 16 * 128 / 2 = 100 MHz (the highest
 * VCO input in 1..2 MHz, 1.5625 MHz, as for the HSI). */
static void test_pll_from_25mhz_hse(void **state)
{
    (void)state;
    struct stm32f4_pll_cfg c;
    check_pll_from(25000000u, 100000000u);
    check_pll_from(25000000u, 84000000u);
    assert_int_equal(stm32f4_pll_config(25000000u, 100000000u, &c), 0);
    assert_int_equal(c.m, 16);
    assert_int_equal(c.n, 128);
    assert_int_equal(c.p, 2);
}

static void test_pll_84_and_100(void **state)
{
    (void)state;
    struct stm32f4_pll_cfg c;
    check_pll(84000000u);
    check_pll(100000000u);
    /* The preferred factors: 2 MHz VCO input, lowest VCO. */
    assert_int_equal(stm32f4_pll_config(HSI, 100000000u, &c), 0);
    assert_int_equal(c.m, 8);
    assert_int_equal(c.n, 100);
    assert_int_equal(c.p, 2);
    assert_int_equal(stm32f4_pll_config(HSI, 84000000u, &c), 0);
    assert_int_equal(c.m, 8);
    assert_int_equal(c.n, 84);
    assert_int_equal(c.p, 2);
    /* Every whole MHz from 13 to 100 that the PLL can make is in range. */
    for (uint32_t mhz = 13; mhz <= 100; mhz++) {
        if (stm32f4_pll_config(HSI, mhz * 1000000u, &c) == 0) {
            check_pll(mhz * 1000000u);
        }
    }
    /* Above the F411's maximum, or not reachable exactly. */
    assert_int_equal(stm32f4_pll_config(HSI, 120000000u, &c), WF_EINVAL);
    assert_int_equal(stm32f4_pll_config(HSI, 84000001u, &c), WF_EINVAL);
    assert_int_equal(stm32f4_pll_config(HSI, 0, &c), WF_EINVAL);
}

static void test_flash_latency_and_vos(void **state)
{
    (void)state;
    assert_int_equal(stm32f4_flash_latency(16000000u), 0);
    assert_int_equal(stm32f4_flash_latency(30000000u), 0);
    assert_int_equal(stm32f4_flash_latency(30000001u), 1);
    assert_int_equal(stm32f4_flash_latency(64000000u), 1);
    assert_int_equal(stm32f4_flash_latency(84000000u), 2);
    assert_int_equal(stm32f4_flash_latency(90000000u), 2);
    assert_int_equal(stm32f4_flash_latency(90000001u), 3);
    assert_int_equal(stm32f4_flash_latency(100000000u), 3);
    assert_int_equal(stm32f4_flash_latency(100000001u), -1);

    assert_int_equal(stm32f4_vos_field(64000000u), 1);  /* scale 3 */
    assert_int_equal(stm32f4_vos_field(84000000u), 2);  /* scale 2 */
    assert_int_equal(stm32f4_vos_field(100000000u), 3); /* scale 1 */
    assert_int_equal(stm32f4_vos_field(100000001u), -1);
}

static void test_apb_dividers(void **state)
{
    (void)state;
    assert_int_equal(stm32f4_apb_divider(100000000u, 50000000u), 2);
    assert_int_equal(stm32f4_apb_divider(84000000u, 50000000u), 2);
    assert_int_equal(stm32f4_apb_divider(50000000u, 50000000u), 1);
    assert_int_equal(stm32f4_apb_divider(16000000u, 50000000u), 1);
    assert_int_equal(stm32f4_apb_divider(100000000u, 100000000u), 1);
    assert_int_equal(stm32f4_apb_divider(100000001u, 50000000u), 4); /* 50.0000005 MHz would be too fast */
    assert_int_equal(stm32f4_apb_divider(1000000000u, 50000000u), 0);
    assert_int_equal(stm32f4_ppre_field(1), 0);
    assert_int_equal(stm32f4_ppre_field(2), 4);
    assert_int_equal(stm32f4_ppre_field(16), 7);
    assert_int_equal(stm32f4_ppre_field(3), -1);
}

/* ------------------------------------------------------------------ SPI */

static void test_spi_prescaler(void **state)
{
    (void)state;
    /* The board: APB2 = 100 MHz -> /8 = 12.5 MHz; 84 MHz -> /8 = 10.5 MHz. */
    assert_int_equal(stm32f4_spi_prescaler(100000000u, 14000000u), 2);
    assert_int_equal(stm32f4_spi_clock(100000000u, 2), 12500000u);
    assert_int_equal(stm32f4_spi_prescaler(84000000u, 14000000u), 2);
    assert_int_equal(stm32f4_spi_clock(84000000u, 2), 10500000u);
    assert_int_equal(stm32f4_spi_prescaler(16000000u, 14000000u), 0); /* HSI fallback: 8 MHz */

    /* Never above the limit, and the next faster setting would be. */
    const uint32_t pclks[] = {16000000u, 42000000u, 50000000u, 84000000u, 100000000u};
    const uint32_t limits[] = {100000u, 1000000u, 8000000u, 10500000u, 12500000u, 14000000u, 50000000u};
    for (size_t i = 0; i < sizeof pclks / sizeof pclks[0]; i++) {
        for (size_t j = 0; j < sizeof limits / sizeof limits[0]; j++) {
            int br = stm32f4_spi_prescaler(pclks[i], limits[j]);
            if (pclks[i] / 256u > limits[j]) {
                assert_int_equal(br, -1); /* even /256 is too fast */
                continue;
            }
            assert_in_range(br, 0, 7);
            assert_true(stm32f4_spi_clock(pclks[i], br) <= limits[j]);
            if (br > 0) {
                assert_true((uint64_t)pclks[i] > (uint64_t)limits[j] << br); /* br-1 too fast */
            }
        }
    }
    assert_int_equal(stm32f4_spi_prescaler(100000000u, 100000u), -1); /* /256 = 390 kHz */
    /* A limit a hair under pclk/2: /2 would exceed it by a remainder. */
    assert_int_equal(stm32f4_spi_prescaler(100000001u, 50000000u), 1);
}

/* ------------------------------------------------------------------ USART */

static double baud_error(uint32_t pclk, uint32_t baud, uint32_t brr, bool over8)
{
    double actual = over8 ? 2.0 * pclk / ((brr >> 4) * 8.0 + (brr & 7u)) : (double)pclk / brr;
    return (actual - baud) / baud;
}

static void test_usart_brr(void **state)
{
    (void)state;
    /* 50 MHz (APB1 at SYSCLK 100): USARTDIV 27.127 -> 27 + 2/16 -> 0x1B2. */
    uint32_t brr = stm32f4_usart_brr(50000000u, 115200u, false);
    assert_int_equal(brr, 0x1B2);
    assert_true(baud_error(50000000u, 115200u, brr, false) < 0.0002 &&
                baud_error(50000000u, 115200u, brr, false) > -0.0002);
    assert_int_equal(stm32f4_usart_actual_baud(50000000u, brr, false), 115207u);
    /* 42 MHz (APB1 at SYSCLK 84): USARTDIV 22.786 -> 22 + 13/16 -> 0x16D. */
    brr = stm32f4_usart_brr(42000000u, 115200u, false);
    assert_int_equal(brr, 0x16D);
    double e = baud_error(42000000u, 115200u, brr, false);
    assert_true(e < 0.02 && e > -0.02);
    assert_true(e < 0.002 && e > -0.002); /* in fact -0.11 % */
    /* HSI fallback (16 MHz): 0x8B -> 115108 Bd. */
    brr = stm32f4_usart_brr(16000000u, 115200u, false);
    assert_int_equal(brr, 0x8B);
    e = baud_error(16000000u, 115200u, brr, false);
    assert_true(e < 0.02 && e > -0.02);

    /* A fraction that rounds up to 16 carries into the mantissa. */
    brr = stm32f4_usart_brr(16000000u, 1000000u, false); /* exactly 16 */
    assert_int_equal(brr, 0x10);
    brr = stm32f4_usart_brr(1599u * 1000u, 100000u, false); /* 15.99 -> 16 */
    assert_int_equal(brr, 0x10);

    /* OVER8 = 1: 3 fraction bits, BRR[3] clear. */
    brr = stm32f4_usart_brr(50000000u, 115200u, true);
    assert_int_equal(brr & 0x8u, 0);
    e = baud_error(50000000u, 115200u, brr, true);
    assert_true(e < 0.02 && e > -0.02);
    assert_int_equal(brr, (108u << 4) | 4u); /* 8 * USARTDIV = 868.06 -> 868 = 108 * 8 + 4 */

    /* Out of range. */
    assert_int_equal(stm32f4_usart_brr(16000000u, 2000000u, false), 0); /* mantissa 0 */
    assert_int_equal(stm32f4_usart_brr(100000000u, 1000u, false), 0);   /* mantissa > 4095 */
    assert_int_equal(stm32f4_usart_brr(16000000u, 0, false), 0);
}

/* ------------------------------------------------------------------ IWDG */

static void test_iwdg(void **state)
{
    (void)state;
    uint32_t pr, rlr;
    const uint32_t timeouts[] = {1, 10, 100, 512, 1000, 2000, 8000, 16000, 32000, 32768};
    for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
        assert_int_equal(stm32f4_iwdg_config(timeouts[i], 32000u, &pr, &rlr), 0);
        assert_in_range(pr, 0, 6);
        assert_in_range(rlr, 0, 4095);
        uint32_t got = stm32f4_iwdg_timeout_ms(pr, rlr, 32000u);
        /* Within one counter tick (4 << pr LSI periods) of the request. */
        uint32_t tick_ms = ((4u << pr) * 1000u + 31999u) / 32000u;
        assert_true(got + tick_ms >= timeouts[i] && got <= timeouts[i] + tick_ms);
        /* The finest prescaler that fits. */
        if (pr > 0) {
            assert_true((uint64_t)timeouts[i] * 32000u / ((4u << (pr - 1)) * 1000u) > 4096u);
        }
    }
    assert_int_equal(stm32f4_iwdg_config(8000, 32000u, &pr, &rlr), 0);
    assert_int_equal(pr, 4); /* /64: 2 ms per tick */
    assert_int_equal(rlr, 3999);
    assert_int_equal(stm32f4_iwdg_config(512, 32000u, &pr, &rlr), 0);
    assert_int_equal(pr, 0);
    assert_int_equal(rlr, 4095); /* the reset configuration */
    assert_int_equal(stm32f4_iwdg_config(0, 32000u, &pr, &rlr), WF_ERANGE);
    assert_int_equal(stm32f4_iwdg_config(32769 + 8, 32000u, &pr, &rlr), WF_ERANGE);
}

static void test_adc_prescaler_and_sectors(void **state)
{
    (void)state;
    assert_int_equal(stm32f4_adc_prescaler(100000000u), 1); /* /4 = 25 MHz */
    assert_int_equal(stm32f4_adc_prescaler(84000000u), 1);  /* /4 = 21 MHz */
    assert_int_equal(stm32f4_adc_prescaler(16000000u), 0);  /* /2 = 8 MHz */
    assert_int_equal(stm32f4_adc_prescaler(72000000u), 0);  /* /2 = 36 MHz, the limit */
    assert_int_equal(stm32f4_adc_prescaler(400000000u), -1);

    uint32_t base, size;
    assert_int_equal(stm32f4_flash_sector_of(0x08000000u, &base, &size), 0);
    assert_int_equal(size, 16384);
    assert_int_equal(stm32f4_flash_sector_of(0x08010000u, &base, &size), 4);
    assert_int_equal(base, 0x08010000u);
    assert_int_equal(size, 65536);
    assert_int_equal(stm32f4_flash_sector_of(0x08060000u, &base, &size), 7);
    assert_int_equal(base, 0x08060000u);
    assert_int_equal(size, 131072);
    assert_int_equal(stm32f4_flash_sector_of(0x0807FFFFu, &base, &size), 7);
    assert_int_equal(stm32f4_flash_sector_of(0x08080000u, &base, &size), -1);
    assert_int_equal(stm32f4_flash_sector_of(0x07FFFFFFu, &base, &size), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pll_84_and_100),
        cmocka_unit_test(test_pll_from_25mhz_hse),
        cmocka_unit_test(test_flash_latency_and_vos),
        cmocka_unit_test(test_apb_dividers),
        cmocka_unit_test(test_spi_prescaler),
        cmocka_unit_test(test_usart_brr),
        cmocka_unit_test(test_iwdg),
        cmocka_unit_test(test_adc_prescaler_and_sectors),
    };
    return cmocka_run_group_tests_name("board_math", tests, NULL, NULL);
}
