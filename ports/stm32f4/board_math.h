/**
 * @file board_math.h
 * @brief The arithmetic of the STM32F4 board code as pure functions: PLL factors,
 * flash wait states, voltage scale, bus prescalers, SPI baud prescaler, USART
 * BRR, IWDG prescaler/reload, ADC prescaler, flash sector map.
 *
 * Nothing here touches a register, so the same file is compiled into the
 * firmware and into the host unit test (tests/unit/test_board_math.c). The
 * limits are those of RM0383 (STM32F411) at VDD 2.7-3.6 V (the Nucleo runs at
 * 3.3 V).
 */
#ifndef STM32F4_BOARD_MATH_H
#define STM32F4_BOARD_MATH_H

#include <stdbool.h>
#include <stdint.h>

/** Highest SYSCLK/HCLK of the STM32F411 (datasheet). */
#define STM32F4_SYSCLK_MAX_HZ 100000000u
/** APB1 (PCLK1) limit. */
#define STM32F4_PCLK1_MAX_HZ 50000000u
/** APB2 (PCLK2) limit. */
#define STM32F4_PCLK2_MAX_HZ 100000000u
/** ADC clock limit at VDDA >= 2.4 V. */
#define STM32F4_ADCCLK_MAX_HZ 36000000u

/** PLL input (after /M) range, RM0383 RCC_PLLCFGR: 1..2 MHz (2 MHz preferred: less jitter). */
#define STM32F4_PLL_VCO_IN_MIN_HZ 1000000u
#define STM32F4_PLL_VCO_IN_MAX_HZ 2000000u
/** PLL VCO output range. */
#define STM32F4_PLL_VCO_OUT_MIN_HZ 100000000u
#define STM32F4_PLL_VCO_OUT_MAX_HZ 432000000u

/** Main PLL factors: SYSCLK = in / m * n / p; the 48 MHz domain = in / m * n / q. */
struct stm32f4_pll_cfg {
    uint32_t m;         /**< 2..63 */
    uint32_t n;         /**< 50..432 */
    uint32_t p;         /**< 2, 4, 6 or 8 */
    uint32_t q;         /**< 2..15 (USB is unused; chosen so the 48 MHz domain is <= 48 MHz) */
    uint32_t vco_in_hz; /**< in / m */
    uint32_t vco_hz;    /**< in / m * n */
    uint32_t sysclk_hz; /**< vco / p, equal to the requested target */
};

/**
 * @brief PLL factors that give exactly `target_hz` from `in_hz` (the HSI: 16 MHz).
 * Prefers the highest VCO input (smallest M: lowest jitter), then the lowest VCO
 * frequency (lowest power). Returns 0, or WF_EINVAL if no factors give the
 * target exactly within every range (or the target is above 100 MHz).
 */
int stm32f4_pll_config(uint32_t in_hz, uint32_t target_hz, struct stm32f4_pll_cfg *cfg);

/**
 * @brief Flash wait states for HCLK at 2.7-3.6 V (RM0383 table 6): 0 up to 30 MHz,
 * 1 up to 64, 2 up to 90, 3 up to 100. Returns -1 above 100 MHz.
 */
int stm32f4_flash_latency(uint32_t hclk_hz);

/**
 * @brief The PWR_CR.VOS field value for HCLK: 1 (scale 3, <= 64 MHz), 2 (scale 2,
 * <= 84 MHz), 3 (scale 1, <= 100 MHz). Returns -1 above 100 MHz.
 */
int stm32f4_vos_field(uint32_t hclk_hz);

/**
 * @brief Smallest APB divider (1, 2, 4, 8, 16) that keeps `hclk_hz / div <= max_hz`.
 * Returns the divider, or 0 if even /16 is too fast.
 */
uint32_t stm32f4_apb_divider(uint32_t hclk_hz, uint32_t max_hz);

/** @brief The RCC_CFGR PPREx field value for an APB divider (1 -> 0, 2 -> 4, ... 16 -> 7); -1 if invalid. */
int stm32f4_ppre_field(uint32_t div);

/**
 * @brief SPI_CR1.BR (0..7, clock = pclk / 2^(BR+1)) giving the fastest SCK that is
 * <= `max_hz`. Returns -1 if even pclk/256 is faster than `max_hz`.
 */
int stm32f4_spi_prescaler(uint32_t pclk_hz, uint32_t max_hz);

/** @brief SCK frequency for a BR field value. */
uint32_t stm32f4_spi_clock(uint32_t pclk_hz, int br);

/**
 * @brief USART_BRR for `baud` at `pclk_hz`, rounded to the nearest step.
 * OVER8 = 0: USARTDIV = pclk / (16 * baud), BRR = mantissa << 4 | fraction (4
 * bits), which is round(pclk / baud). OVER8 = 1: fraction has 3 bits and bit 3
 * stays clear. Returns 0 if the divider does not fit (mantissa 0 or > 4095).
 */
uint32_t stm32f4_usart_brr(uint32_t pclk_hz, uint32_t baud, bool oversampling8);

/** @brief The baud rate a BRR value actually gives (to check the error). */
uint32_t stm32f4_usart_actual_baud(uint32_t pclk_hz, uint32_t brr, bool oversampling8);

/**
 * @brief IWDG prescaler (PR 0..6: /4 .. /256) and reload (RLR 0..4095) for a
 * timeout of `timeout_ms` with the LSI at `lsi_hz` (nominal 32 kHz; the real
 * LSI of the F411 is anywhere in 17..47 kHz, so the real timeout is -32 %/+88 %
 * off; choose the timeout with that in mind). Picks the smallest prescaler
 * (finest resolution). Timeout = 4 * 2^PR * (RLR + 1) / lsi_hz.
 * Returns 0, or WF_ERANGE if the timeout is 0 or longer than /256 x 4096 allows.
 */
int stm32f4_iwdg_config(uint32_t timeout_ms, uint32_t lsi_hz, uint32_t *pr, uint32_t *rlr);

/** @brief Timeout in ms that a PR/RLR pair gives at `lsi_hz`. */
uint32_t stm32f4_iwdg_timeout_ms(uint32_t pr, uint32_t rlr, uint32_t lsi_hz);

/** @brief ADC_CCR.ADCPRE (0..3: PCLK2 /2, /4, /6, /8) for the fastest ADC clock <= 36 MHz; -1 if none. */
int stm32f4_adc_prescaler(uint32_t pclk2_hz);

/**
 * @brief Flash sector of an address in the STM32F411xE main memory (sectors 0-3:
 * 16 KiB, 4: 64 KiB, 5-7: 128 KiB from 0x08000000). Fills base and size and
 * returns the sector number, or -1 outside the 512 KiB.
 */
int stm32f4_flash_sector_of(uint32_t addr, uint32_t *base, uint32_t *size);

#endif
