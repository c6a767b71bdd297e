/* Pure arithmetic of the STM32F4 board code (see board_math.h). No registers. */
#include "board_math.h"

#include "wizfetch/error.h"

int stm32f4_pll_config(uint32_t in_hz, uint32_t target_hz, struct stm32f4_pll_cfg *cfg)
{
    static const uint32_t p_values[] = {2, 4, 6, 8};
    if (cfg == 0 || in_hz == 0 || target_hz == 0 || target_hz > STM32F4_SYSCLK_MAX_HZ) {
        return WF_EINVAL;
    }
    /* Smallest M first: the highest VCO input within 1..2 MHz has the least jitter. */
    for (uint32_t m = 2; m <= 63; m++) {
        uint32_t vco_in = in_hz / m;
        if (in_hz % m != 0 || vco_in > STM32F4_PLL_VCO_IN_MAX_HZ) {
            continue;
        }
        if (vco_in < STM32F4_PLL_VCO_IN_MIN_HZ) {
            break; /* only gets smaller */
        }
        /* Smallest P first: the lowest VCO frequency that works draws the least power. */
        for (unsigned i = 0; i < sizeof p_values / sizeof p_values[0]; i++) {
            uint64_t vco = (uint64_t)target_hz * p_values[i];
            if (vco < STM32F4_PLL_VCO_OUT_MIN_HZ || vco > STM32F4_PLL_VCO_OUT_MAX_HZ || vco % vco_in != 0) {
                continue;
            }
            uint32_t n = (uint32_t)(vco / vco_in);
            if (n < 50 || n > 432) {
                continue;
            }
            cfg->m = m;
            cfg->n = n;
            cfg->p = p_values[i];
            /* Q only clocks USB/SDIO (unused); keep that domain at or below 48 MHz. */
            uint32_t q = (uint32_t)((vco + 47999999u) / 48000000u);
            cfg->q = q < 2 ? 2 : (q > 15 ? 15 : q);
            cfg->vco_in_hz = vco_in;
            cfg->vco_hz = (uint32_t)vco;
            cfg->sysclk_hz = (uint32_t)(vco / p_values[i]);
            return 0;
        }
    }
    return WF_EINVAL;
}

int stm32f4_flash_latency(uint32_t hclk_hz)
{
    if (hclk_hz <= 30000000u) {
        return 0;
    }
    if (hclk_hz <= 64000000u) {
        return 1;
    }
    if (hclk_hz <= 90000000u) {
        return 2;
    }
    if (hclk_hz <= 100000000u) {
        return 3;
    }
    return -1;
}

int stm32f4_vos_field(uint32_t hclk_hz)
{
    if (hclk_hz <= 64000000u) {
        return 1;
    }
    if (hclk_hz <= 84000000u) {
        return 2;
    }
    if (hclk_hz <= 100000000u) {
        return 3;
    }
    return -1;
}

uint32_t stm32f4_apb_divider(uint32_t hclk_hz, uint32_t max_hz)
{
    for (uint32_t div = 1; div <= 16; div *= 2) {
        if ((uint64_t)hclk_hz <= (uint64_t)max_hz * div) {
            return div;
        }
    }
    return 0;
}

int stm32f4_ppre_field(uint32_t div)
{
    switch (div) {
    case 1:
        return 0;
    case 2:
        return 4;
    case 4:
        return 5;
    case 8:
        return 6;
    case 16:
        return 7;
    default:
        return -1;
    }
}

int stm32f4_spi_prescaler(uint32_t pclk_hz, uint32_t max_hz)
{
    for (int br = 0; br <= 7; br++) {
        /* Compare without division so a remainder never rounds the clock under the limit. */
        if ((uint64_t)pclk_hz <= (uint64_t)max_hz << (br + 1)) {
            return br;
        }
    }
    return -1;
}

uint32_t stm32f4_spi_clock(uint32_t pclk_hz, int br)
{
    if (br < 0 || br > 7) {
        return 0;
    }
    return pclk_hz >> (br + 1);
}

uint32_t stm32f4_usart_brr(uint32_t pclk_hz, uint32_t baud, bool oversampling8)
{
    if (baud == 0) {
        return 0;
    }
    if (!oversampling8) {
        /* 16 * USARTDIV = pclk / baud; its 4 low bits are the fraction, so BRR is
         * simply that quotient rounded (a fraction rounding to 16 carries itself). */
        uint32_t brr = (uint32_t)(((uint64_t)pclk_hz + baud / 2) / baud);
        if ((brr >> 4) == 0 || (brr >> 4) > 0xFFFu) {
            return 0;
        }
        return brr;
    }
    /* 8 * USARTDIV = 2 * pclk / baud; 3 fraction bits, BRR[3] must stay 0. */
    uint32_t div8 = (uint32_t)(((uint64_t)pclk_hz * 2 + baud / 2) / baud);
    uint32_t mant = div8 >> 3;
    if (mant == 0 || mant > 0xFFFu) {
        return 0;
    }
    return (mant << 4) | (div8 & 0x7u);
}

uint32_t stm32f4_usart_actual_baud(uint32_t pclk_hz, uint32_t brr, bool oversampling8)
{
    if (!oversampling8) {
        return brr == 0 ? 0 : (uint32_t)(((uint64_t)pclk_hz + brr / 2) / brr);
    }
    uint32_t div8 = ((brr >> 4) << 3) | (brr & 0x7u);
    return div8 == 0 ? 0 : (uint32_t)(((uint64_t)pclk_hz * 2 + div8 / 2) / div8);
}

int stm32f4_iwdg_config(uint32_t timeout_ms, uint32_t lsi_hz, uint32_t *pr, uint32_t *rlr)
{
    if (timeout_ms == 0 || lsi_hz == 0 || pr == 0 || rlr == 0) {
        return WF_ERANGE;
    }
    for (uint32_t p = 0; p <= 6; p++) {
        uint64_t div = 4ull << p;
        /* counter ticks = timeout * lsi / div, rounded */
        uint64_t ticks = ((uint64_t)timeout_ms * lsi_hz + div * 500) / (div * 1000);
        if (ticks == 0) {
            ticks = 1;
        }
        if (ticks <= 4096) {
            *pr = p;
            *rlr = (uint32_t)(ticks - 1);
            return 0;
        }
    }
    return WF_ERANGE;
}

uint32_t stm32f4_iwdg_timeout_ms(uint32_t pr, uint32_t rlr, uint32_t lsi_hz)
{
    if (lsi_hz == 0 || pr > 6 || rlr > 0xFFFu) {
        return 0;
    }
    return (uint32_t)(((uint64_t)(4u << pr) * (rlr + 1) * 1000 + lsi_hz / 2) / lsi_hz);
}

int stm32f4_adc_prescaler(uint32_t pclk2_hz)
{
    for (int pre = 0; pre <= 3; pre++) {
        uint32_t div = 2u * (uint32_t)(pre + 1);
        if ((uint64_t)pclk2_hz <= (uint64_t)STM32F4_ADCCLK_MAX_HZ * div) {
            return pre;
        }
    }
    return -1;
}

int stm32f4_flash_sector_of(uint32_t addr, uint32_t *base, uint32_t *size)
{
    static const uint32_t sizes[8] = {16u << 10, 16u << 10,  16u << 10,  16u << 10,
                                      64u << 10, 128u << 10, 128u << 10, 128u << 10};
    uint32_t start = 0x08000000u;
    if (addr < start) {
        return -1;
    }
    for (int s = 0; s < 8; s++) {
        if (addr - start < sizes[s]) {
            if (base != 0) {
                *base = start;
            }
            if (size != 0) {
                *size = sizes[s];
            }
            return s;
        }
        start += sizes[s];
    }
    return -1;
}
