/* RCC (RM0383 section 6.3) and PWR (section 5.4): the clock tree and its rules. */
#include "board.h"

#define CR_HSION (1u << 0)
#define CR_HSIRDY (1u << 1)
#define CR_HSEON (1u << 16)
#define CR_HSERDY (1u << 17)
#define CR_HSEBYP (1u << 18)
#define CR_PLLON (1u << 24)
#define CR_PLLRDY (1u << 25)
#define CR_PLLI2SON (1u << 26)
#define CR_PLLI2SRDY (1u << 27)
#define CR_WRITABLE (CR_HSION | (0x1Fu << 3) | CR_HSEON | CR_HSEBYP | (1u << 19) | CR_PLLON | CR_PLLI2SON)

#define PLL_LOCK_PS 100000000ull /* ~100 us PLL lock time (datasheet: 75 typ, 200 max) */
#define HSE_READY_PS 50000000ull /* HSE bypass from the ST-LINK MCO: ready almost at once */

void wf_rcc_reset(struct wf_board *b, bool power_on, uint32_t cause_flag)
{
    struct wf_rcc *r = &b->rcc;
    uint32_t flags = power_on ? (WF_RCC_CSR_PORRSTF | WF_RCC_CSR_PINRSTF | WF_RCC_CSR_BORRSTF)
                              : ((r->csr & 0xFF000000u) | cause_flag | WF_RCC_CSR_PINRSTF);
    *r = (struct wf_rcc){0};
    r->cr = 0x00005A83u; /* HSION, HSIRDY, HSITRIM = 16, HSICAL (factory) */
    r->pllcfgr = 0x24003010u;
    r->plli2scfgr = 0x24003000u;
    r->csr = flags & ~WF_RCC_CSR_RMVF;
}

/* RM0383 Table 6 (VDD 2.7 V - 3.6 V): maximum HCLK per flash wait-state count. */
static uint32_t max_hclk_for_latency(uint32_t ws)
{
    static const uint32_t max[] = {30000000u, 64000000u, 90000000u, 100000000u};
    return ws < 4 ? max[ws] : 100000000u;
}

/* The rules the clock tree must satisfy whenever it changes. */
int wf_rcc_check(struct wf_board *b)
{
    uint32_t hclk = wf_board_hclk(b), ws = b->fl.acr & 0xFu;
    if (hclk > max_hclk_for_latency(ws)) {
        return wf_board_stop(
            b, WF_STOP_RULE,
            "HCLK %u Hz with FLASH_ACR.LATENCY = %u wait states: RM0383 Table 6 allows at most %u "
            "Hz (set LATENCY before raising the clock) (PC 0x%08X)",
            hclk, ws, max_hclk_for_latency(ws), b->pc);
    }
    if (hclk > 100000000u) {
        return wf_board_stop(b, WF_STOP_RULE, "HCLK %u Hz exceeds the STM32F411's 100 MHz (PC 0x%08X)", hclk,
                             b->pc);
    }
    if (b->rcc.sws == 2) {
        static const uint32_t vos_max[4] = {64000000u, 64000000u, 84000000u, 100000000u};
        uint32_t vos = (b->pwr.cr >> 14) & 3u;
        if (hclk > vos_max[vos]) {
            return wf_board_stop(
                b, WF_STOP_RULE,
                "HCLK %u Hz above the %u Hz that PWR_CR.VOS = %u allows (RM0383 5.4.1) (PC 0x%08X)", hclk,
                vos_max[vos], vos, b->pc);
        }
    }
    if (wf_board_pclk1(b) > 50000000u) {
        return wf_board_stop(b, WF_STOP_RULE, "APB1 clock %u Hz exceeds 50 MHz (RCC_CFGR.PPRE1) (PC 0x%08X)",
                             wf_board_pclk1(b), b->pc);
    }
    return 0;
}

static bool pll_ready(struct wf_board *b)
{
    return (b->rcc.cr & CR_PLLON) && wf_board_time_ps(b) >= b->rcc.pll_ready_ps;
}

static bool hse_ready(struct wf_board *b)
{
    return (b->rcc.cr & CR_HSEON) && wf_board_time_ps(b) >= b->rcc.hse_ready_ps;
}

/* CFGR.SW takes effect when the requested source is ready (RM0383 6.2.6). */
static int update_sws(struct wf_board *b)
{
    uint32_t sw = b->rcc.cfgr & 3u;
    bool ready = sw == 0 || (sw == 1 && hse_ready(b)) || (sw == 2 && pll_ready(b));
    if (ready && sw != b->rcc.sws) {
        wf_board_clock_will_change(b);
        b->rcc.sws = sw;
        return wf_rcc_check(b);
    }
    return 0;
}

static int check_pll_config(struct wf_board *b, uint32_t cfg)
{
    uint32_t m = cfg & 0x3Fu, n = (cfg >> 6) & 0x1FFu, p = 2u * (((cfg >> 16) & 3u) + 1u),
             q = (cfg >> 24) & 0xFu;
    uint32_t in = (cfg & (1u << 22)) ? WF_BOARD_HSE_HZ : WF_BOARD_HSI_HZ;
    if ((cfg & (1u << 22)) && !(b->rcc.cr & CR_HSEON)) {
        return wf_board_stop(b, WF_STOP_RULE, "PLL enabled with source HSE while HSE is off (PC 0x%08X)",
                             b->pc);
    }
    if (m < 2) {
        return wf_board_stop(b, WF_STOP_RULE, "RCC_PLLCFGR.PLLM = %u: must be 2..63 (PC 0x%08X)", m, b->pc);
    }
    uint32_t vin = in / m;
    uint64_t vco = (uint64_t)vin * n;
    if (vin < 950000u || vin > 2100000u) {
        return wf_board_stop(b, WF_STOP_RULE,
                             "PLL input %u Hz outside 0.95..2.1 MHz (RCC_PLLCFGR.PLLM) (PC 0x%08X)", vin,
                             b->pc);
    }
    if (n < 50 || n > 432 || vco < 100000000u || vco > 432000000u) {
        return wf_board_stop(b, WF_STOP_RULE,
                             "PLL VCO %llu Hz (PLLN %u): must be 100..432 MHz with PLLN 50..432 (PC 0x%08X)",
                             (unsigned long long)vco, n, b->pc);
    }
    if (vco / p > 100000000u) {
        return wf_board_stop(b, WF_STOP_RULE, "PLL output %llu Hz exceeds 100 MHz (PC 0x%08X)",
                             (unsigned long long)(vco / p), b->pc);
    }
    if (q < 2) {
        return wf_board_stop(b, WF_STOP_RULE, "RCC_PLLCFGR.PLLQ = %u: must be 2..15 (PC 0x%08X)", q, b->pc);
    }
    return 0;
}

static uint32_t *enr_reg(struct wf_rcc *r, uint32_t off)
{
    switch (off) {
    case 0x10:
        return &r->ahb1rstr;
    case 0x14:
        return &r->ahb2rstr;
    case 0x20:
        return &r->apb1rstr;
    case 0x24:
        return &r->apb2rstr;
    case 0x30:
        return &r->ahb1enr;
    case 0x34:
        return &r->ahb2enr;
    case 0x40:
        return &r->apb1enr;
    case 0x44:
        return &r->apb2enr;
    case 0x50:
        return &r->ahb1lpenr;
    case 0x54:
        return &r->ahb2lpenr;
    case 0x60:
        return &r->apb1lpenr;
    case 0x64:
        return &r->apb2lpenr;
    case 0x70:
        return &r->bdcr;
    case 0x80:
        return &r->sscgr;
    case 0x84:
        return &r->plli2scfgr;
    case 0x8C:
        return &r->dckcfgr;
    default:
        return NULL;
    }
}

int wf_rcc_read(struct wf_board *b, uint32_t off, uint32_t *v)
{
    struct wf_rcc *r = &b->rcc;
    if (update_sws(b) != 0) {
        return -1;
    }
    switch (off) {
    case 0x00: {
        uint32_t cr = r->cr & ~(CR_HSERDY | CR_PLLRDY | CR_PLLI2SRDY);
        cr |= hse_ready(b) ? CR_HSERDY : 0;
        cr |= pll_ready(b) ? CR_PLLRDY : 0;
        cr |= (r->cr & CR_PLLI2SON) ? CR_PLLI2SRDY : 0;
        *v = cr;
        return 0;
    }
    case 0x04:
        *v = r->pllcfgr;
        return 0;
    case 0x08:
        *v = (r->cfgr & ~0xCu) | (r->sws << 2);
        return 0;
    case 0x0C:
        *v = r->cir;
        return 0;
    case 0x74:
        *v = r->csr;
        return 0;
    default: {
        uint32_t *p = enr_reg(r, off);
        if (p == NULL) {
            return wf_board_reserved(b);
        }
        *v = *p;
        return 0;
    }
    }
}

static void peripheral_resets(struct wf_board *b, uint32_t off, uint32_t set)
{
    if (off == 0x10 && (set & 7u)) {
        wf_gpio_reset(b); /* any of GPIOA/B/C: the model resets the three together */
    } else if (off == 0x20 && (set & (1u << 17))) {
        wf_usart_reset(b);
    } else if (off == 0x24 && (set & (1u << 12))) {
        wf_spi_reset(b);
    } else if (off == 0x24 && (set & (1u << 8))) {
        wf_adc_reset(b);
    }
}

int wf_rcc_write(struct wf_board *b, uint32_t off, uint32_t v, uint32_t mask)
{
    struct wf_rcc *r = &b->rcc;
    if (update_sws(b) != 0) {
        return -1;
    }
    switch (off) {
    case 0x00: {
        uint32_t nv = (r->cr & ~mask) | (v & mask);
        nv = (nv & CR_WRITABLE) | (r->cr & 0xFF00u); /* HSICAL read-only */
        bool pll_was = r->cr & CR_PLLON, pll_now = nv & CR_PLLON;
        if (!(nv & CR_HSION) && (r->sws == 0 || (r->sws == 2 && !(r->pllcfgr & (1u << 22))))) {
            nv |= CR_HSION; /* hardware keeps HSI on while it clocks the system */
        }
        if (pll_was && !pll_now && r->sws == 2) {
            return wf_board_stop(b, WF_STOP_RULE,
                                 "PLLON cleared while the PLL is the system clock (PC 0x%08X)", b->pc);
        }
        if (!pll_was && pll_now) {
            if (check_pll_config(b, r->pllcfgr) != 0) {
                return -1;
            }
            r->pll_ready_ps = wf_board_time_ps(b) + PLL_LOCK_PS;
        }
        if (!(r->cr & CR_HSEON) && (nv & CR_HSEON)) {
            r->hse_ready_ps = wf_board_time_ps(b) + HSE_READY_PS;
        }
        r->cr = nv | CR_HSIRDY;
        return update_sws(b);
    }
    case 0x04:
        if (r->cr & CR_PLLON) {
            return wf_board_stop(b, WF_STOP_RULE,
                                 "RCC_PLLCFGR written while PLLON = 1 (RM0383 6.3.2: write only with the PLL "
                                 "disabled) (PC 0x%08X)",
                                 b->pc);
        }
        r->pllcfgr = ((r->pllcfgr & ~mask) | (v & mask)) & 0x0F437FFFu;
        return 0;
    case 0x08: {
        uint32_t nv = ((r->cfgr & ~mask) | (v & mask)) & ~0xCu;
        if ((nv & 3u) == 3u) {
            return wf_board_stop(b, WF_STOP_RULE, "RCC_CFGR.SW = 11 (not allowed) (PC 0x%08X)", b->pc);
        }
        wf_board_clock_will_change(b);
        r->cfgr = nv;
        if (update_sws(b) != 0) {
            return -1;
        }
        return wf_rcc_check(b);
    }
    case 0x0C:
        r->cir = (r->cir & ~mask) | (v & mask & 0x00003F00u);
        if (r->cir & 0x3F00u) {
            return wf_board_stop(b, WF_STOP_RULE,
                                 "RCC clock interrupts enabled (RCC_CIR): the board is polled, no interrupt "
                                 "controller is modelled (PC 0x%08X)",
                                 b->pc);
        }
        return 0;
    case 0x74: {
        uint32_t nv = (r->csr & ~mask) | (v & mask);
        if (nv & WF_RCC_CSR_RMVF) {
            r->csr &= 0x00FFFFFFu; /* clears the reset flags */
        }
        r->csr = (r->csr & 0xFF000000u) | (nv & WF_RCC_CSR_LSION) |
                 ((nv & WF_RCC_CSR_LSION) ? WF_RCC_CSR_LSIRDY : 0);
        return 0;
    }
    default: {
        uint32_t *p = enr_reg(r, off);
        if (p == NULL) {
            return wf_board_reserved(b);
        }
        uint32_t nv = (*p & ~mask) | (v & mask);
        uint32_t set = nv & ~*p;
        *p = nv;
        if (off == 0x10 || off == 0x20 || off == 0x24) {
            peripheral_resets(b, off, set);
        }
        return 0;
    }
    }
}

/* ---- PWR ---- */

int wf_pwr_read(struct wf_board *b, uint32_t off, uint32_t *v)
{
    switch (off) {
    case 0x00:
        *v = b->pwr.cr;
        return 0;
    case 0x04:
        *v = b->pwr.csr | (1u << 14);
        return 0; /* VOSRDY */
    default:
        return wf_board_reserved(b);
    }
}

int wf_pwr_write(struct wf_board *b, uint32_t off, uint32_t v, uint32_t mask)
{
    switch (off) {
    case 0x00: {
        uint32_t nv = (b->pwr.cr & ~mask) | (v & mask);
        if (((nv ^ b->pwr.cr) & 0xC000u) && (b->rcc.cr & CR_PLLON)) {
            return wf_board_stop(
                b, WF_STOP_RULE,
                "PWR_CR.VOS changed while the PLL is on (RM0383 5.4.1: only with the PLL off) (PC "
                "0x%08X)",
                b->pc);
        }
        if ((nv & 0xC000u) == 0) {
            return wf_board_stop(b, WF_STOP_RULE, "PWR_CR.VOS = 00 is reserved (PC 0x%08X)", b->pc);
        }
        b->pwr.cr = nv & 0x00303FFFu;
        b->pwr.cr |= nv & 0xC000u;
        return wf_rcc_check(b);
    }
    case 0x04:
        b->pwr.csr = (b->pwr.csr & ~(mask & 0x300u)) | (v & mask & 0x300u);
        return 0;
    default:
        return wf_board_reserved(b);
    }
}
