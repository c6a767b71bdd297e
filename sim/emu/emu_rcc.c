/* RCC (RM0383 section 6.3) and PWR (section 5.4): the clock tree and its rules.
 * HSE: the board's crystal (wf_emu_board.hse_hz); without one HSERDY never rises. */
#include "emu_machine.h"

#define CR_HSION (1u << 0)
#define CR_HSIRDY (1u << 1)
#define CR_HSEON (1u << 16)
#define CR_HSERDY (1u << 17)
#define CR_HSEBYP (1u << 18)
#define CR_PLLON (1u << 24)
#define CR_PLLRDY (1u << 25)
#define CR_PLLI2SON (1u << 26)
#define CR_PLLI2SRDY (1u << 27)
#define PLLCFGR_PLLSRC (1u << 22)

#define PLL_LOCK_PS 100000000ull   /* ~100 us PLL lock time (datasheet: 75 typ, 200 max) */
#define HSE_READY_PS 2000000000ull /* crystal start-up, 2 ms (datasheet tSU(HSE) typical) */

static int cr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int cr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int pllcfgr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int cfgr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int cfgr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int cir_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int rstr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int csr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int sync_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);

/* HSICAL (bits 15:8) reads a factory value; SWS is computed; the ready bits are computed. */
static const struct emu_reg rcc_regs[RCC_NREGS] = {
    [RCC_CR] = {0x00, "RCC_CR", 0x00005A83u, 0x010D00F9u | CR_PLLI2SON, cr_read, cr_write},
    [RCC_PLLCFGR] = {0x04, "RCC_PLLCFGR", 0x24003010u, 0x0F437FFFu, sync_read, pllcfgr_write},
    [RCC_CFGR] = {0x08, "RCC_CFGR", 0, 0xFFFFFCF3u, cfgr_read, cfgr_write},
    [RCC_CIR] = {0x0C, "RCC_CIR", 0, 0x00003F00u, NULL, cir_write},
    [RCC_AHB1RSTR] = {0x10, "RCC_AHB1RSTR", 0, 0x0060109Fu, NULL, rstr_write},
    [RCC_AHB2RSTR] = {0x14, "RCC_AHB2RSTR", 0, 0x00000080u},
    [RCC_APB1RSTR] = {0x20, "RCC_APB1RSTR", 0, 0x10E2C80Fu, NULL, rstr_write},
    [RCC_APB2RSTR] = {0x24, "RCC_APB2RSTR", 0, 0x00177931u, NULL, rstr_write},
    [RCC_AHB1ENR] = {0x30, "RCC_AHB1ENR", 0, 0x0060109Fu},
    [RCC_AHB2ENR] = {0x34, "RCC_AHB2ENR", 0, 0x00000080u},
    [RCC_APB1ENR] = {0x40, "RCC_APB1ENR", 0, 0x10E2C80Fu},
    [RCC_APB2ENR] = {0x44, "RCC_APB2ENR", 0, 0x00177931u},
    [RCC_AHB1LPENR] = {0x50, "RCC_AHB1LPENR", 0x0061900Fu, 0x0061909Fu},
    [RCC_AHB2LPENR] = {0x54, "RCC_AHB2LPENR", 0x00000080u, 0x00000080u},
    [RCC_APB1LPENR] = {0x60, "RCC_APB1LPENR", 0x10E2C80Fu, 0x10E2C80Fu},
    [RCC_APB2LPENR] = {0x64, "RCC_APB2LPENR", 0x00077930u, 0x00177931u},
    [RCC_BDCR] = {0x70, "RCC_BDCR", 0, 0x0001830Du},
    [RCC_CSR] = {0x74, "RCC_CSR", 0x0E000000u, EMU_RCC_CSR_LSION | EMU_RCC_CSR_RMVF, NULL, csr_write},
    [RCC_SSCGR] = {0x80, "RCC_SSCGR", 0, 0xCFFFFFFFu},
    [RCC_PLLI2SCFGR] = {0x84, "RCC_PLLI2SCFGR", 0x24003000u, 0x70007FFFu},
    [RCC_DCKCFGR] = {0x8C, "RCC_DCKCFGR", 0, 0x01000000u},
};

static const struct emu_reg pwr_regs[PWR_NREGS];

void emu_rcc_init(struct wf_emu *b)
{
    emu_dev_init(&b->rcc.dev, "RCC", 0x40023800u, 0x400, rcc_regs, RCC_NREGS, EMU_GATE_NONE, 0, 0);
    emu_dev_init(&b->pwr, "PWR", 0x40007000u, 0x400, pwr_regs, PWR_NREGS, EMU_GATE_APB1, 1u << 28, 0);
    wf_emu_attach(b, &b->rcc.dev);
    wf_emu_attach(b, &b->pwr);
}

void emu_rcc_reset(struct wf_emu *b, bool power_on, uint32_t cause_flag)
{
    struct emu_rcc *r = &b->rcc;
    uint32_t flags = power_on ? (EMU_RCC_CSR_PORRSTF | EMU_RCC_CSR_PINRSTF | EMU_RCC_CSR_BORRSTF)
                              : ((r->dev.r[RCC_CSR] & 0xFF000000u) | cause_flag | EMU_RCC_CSR_PINRSTF);
    emu_dev_reset(&r->dev);
    emu_dev_reset(&b->pwr);
    r->pll_ready_ps = r->hse_ready_ps = 0;
    r->sws = 0;
    r->dev.r[RCC_CSR] = flags & ~EMU_RCC_CSR_RMVF;
}

/* RM0383 Table 6 (VDD 2.7 V - 3.6 V): maximum HCLK per flash wait-state count. */
static uint32_t max_hclk_for_latency(uint32_t ws)
{
    static const uint32_t max[] = {30000000u, 64000000u, 90000000u, 100000000u};
    return ws < 4 ? max[ws] : 100000000u;
}

/* The rules the clock tree must satisfy whenever it changes. */
int emu_rcc_check(struct wf_emu *b)
{
    uint32_t hclk = wf_emu_hclk(b), ws = b->fl.dev.r[FLASH_ACR] & 0xFu;
    if (hclk > max_hclk_for_latency(ws)) {
        return wf_emu_stop(
            b, WF_EMU_STOP_RULE,
            "HCLK %u Hz with FLASH_ACR.LATENCY = %u wait states: RM0383 Table 6 allows at most %u "
            "Hz (set LATENCY before raising the clock) (PC 0x%08X)",
            hclk, ws, max_hclk_for_latency(ws), b->pc);
    }
    if (hclk > 100000000u) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "HCLK %u Hz exceeds the STM32F411's 100 MHz (PC 0x%08X)",
                           hclk, b->pc);
    }
    if (b->rcc.sws == 2) {
        static const uint32_t vos_max[4] = {64000000u, 64000000u, 84000000u, 100000000u};
        uint32_t vos = (b->pwr.r[PWR_CR] >> 14) & 3u;
        if (hclk > vos_max[vos]) {
            return wf_emu_stop(
                b, WF_EMU_STOP_RULE,
                "HCLK %u Hz above the %u Hz that PWR_CR.VOS = %u allows (RM0383 5.4.1) (PC 0x%08X)", hclk,
                vos_max[vos], vos, b->pc);
        }
    }
    if (wf_emu_pclk1(b) > 50000000u) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "APB1 clock %u Hz exceeds 50 MHz (RCC_CFGR.PPRE1) (PC 0x%08X)", wf_emu_pclk1(b),
                           b->pc);
    }
    return 0;
}

/* HSERDY: HSEON set, a crystal fitted, and its start-up time over. */
static bool hse_ready(struct wf_emu *b)
{
    return (b->rcc.dev.r[RCC_CR] & CR_HSEON) && b->board->hse_hz != 0 &&
           wf_emu_time_ps(b) >= b->rcc.hse_ready_ps;
}

/* PLLRDY: PLLON, the lock time over, and its source running. */
static bool pll_ready(struct wf_emu *b)
{
    const struct emu_rcc *r = &b->rcc;
    return (r->dev.r[RCC_CR] & CR_PLLON) && wf_emu_time_ps(b) >= r->pll_ready_ps &&
           (!(r->dev.r[RCC_PLLCFGR] & PLLCFGR_PLLSRC) || hse_ready(b));
}

/* CFGR.SW takes effect when the requested source is ready (RM0383 6.2.6). */
int emu_rcc_update(struct wf_emu *b)
{
    uint32_t sw = b->rcc.dev.r[RCC_CFGR] & 3u;
    bool ready = sw == 0 || (sw == 1 && hse_ready(b)) || (sw == 2 && pll_ready(b));
    if (ready && sw != b->rcc.sws) {
        wf_emu_clock_will_change(b);
        b->rcc.sws = sw;
        return emu_rcc_check(b);
    }
    return 0;
}

static int sync_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)d, (void)off, (void)v;
    return emu_rcc_update(b);
}

static int check_pll_config(struct wf_emu *b, uint32_t cfg)
{
    uint32_t m = cfg & 0x3Fu, n = (cfg >> 6) & 0x1FFu, p = 2u * (((cfg >> 16) & 3u) + 1u),
             q = (cfg >> 24) & 0xFu;
    bool hse = (cfg & PLLCFGR_PLLSRC) != 0;
    uint32_t in = hse ? b->board->hse_hz : WF_EMU_HSI_HZ;
    if (hse && !(b->rcc.dev.r[RCC_CR] & CR_HSEON)) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "PLL enabled with source HSE while HSE is off (PC 0x%08X)",
                           b->pc);
    }
    if (hse && in == 0) {
        return 0; /* no crystal on this board: the PLL never locks (PLLRDY stays 0) */
    }
    if (m < 2) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "RCC_PLLCFGR.PLLM = %u: must be 2..63 (PC 0x%08X)", m, b->pc);
    }
    uint32_t vin = in / m;
    uint64_t vco = (uint64_t)vin * n;
    if (vin < 950000u || vin > 2100000u) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "PLL input %u Hz outside 0.95..2.1 MHz (RCC_PLLCFGR.PLLM) (PC 0x%08X)", vin,
                           b->pc);
    }
    if (n < 50 || n > 432 || vco < 100000000u || vco > 432000000u) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "PLL VCO %llu Hz (PLLN %u): must be 100..432 MHz with PLLN 50..432 (PC 0x%08X)",
                           (unsigned long long)vco, n, b->pc);
    }
    if (vco / p > 100000000u) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "PLL output %llu Hz exceeds 100 MHz (PC 0x%08X)",
                           (unsigned long long)(vco / p), b->pc);
    }
    if (q < 2) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "RCC_PLLCFGR.PLLQ = %u: must be 2..15 (PC 0x%08X)", q, b->pc);
    }
    return 0;
}

static int cr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)d, (void)off;
    if (emu_rcc_update(b) != 0) {
        return -1;
    }
    *v |= CR_HSIRDY | (hse_ready(b) ? CR_HSERDY : 0) | (pll_ready(b) ? CR_PLLRDY : 0) |
          ((*v & CR_PLLI2SON) ? CR_PLLI2SRDY : 0);
    return 0;
}

static int cr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    struct emu_rcc *r = &b->rcc;
    (void)d;
    if (emu_rcc_update(b) != 0) {
        return -1;
    }
    bool pll_was = w->old & CR_PLLON, pll_now = w->val & CR_PLLON;
    bool pll_on_hsi = !(r->dev.r[RCC_PLLCFGR] & PLLCFGR_PLLSRC);
    if (!(w->val & CR_HSION) && (r->sws == 0 || (r->sws == 2 && pll_on_hsi))) {
        w->val |= CR_HSION; /* hardware keeps HSI on while it clocks the system */
    }
    if (pll_was && !pll_now && r->sws == 2) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "PLLON cleared while the PLL is the system clock (PC 0x%08X)",
                           b->pc);
    }
    if ((w->old & CR_HSEON) && !(w->val & CR_HSEON) && (r->sws == 1 || (r->sws == 2 && !pll_on_hsi))) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "HSEON cleared while the HSE clocks the system (PC 0x%08X)",
                           b->pc);
    }
    if (!pll_was && pll_now) {
        if (check_pll_config(b, r->dev.r[RCC_PLLCFGR]) != 0) {
            return -1;
        }
        r->pll_ready_ps = wf_emu_time_ps(b) + PLL_LOCK_PS;
    }
    if (!(w->old & CR_HSEON) && (w->val & CR_HSEON)) {
        r->hse_ready_ps = wf_emu_time_ps(b) + HSE_READY_PS;
    }
    r->dev.r[RCC_CR] = w->val; /* the switch below sees the new value */
    return emu_rcc_update(b);
}

static int pllcfgr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d, (void)w;
    if (b->rcc.dev.r[RCC_CR] & CR_PLLON) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "RCC_PLLCFGR written while PLLON = 1 (RM0383 6.3.2: write only with the PLL "
                           "disabled) (PC 0x%08X)",
                           b->pc);
    }
    return 0;
}

static int cfgr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)d, (void)off;
    if (emu_rcc_update(b) != 0) {
        return -1;
    }
    *v |= b->rcc.sws << 2;
    return 0;
}

static int cfgr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    if (emu_rcc_update(b) != 0) {
        return -1;
    }
    if ((w->val & 3u) == 3u) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "RCC_CFGR.SW = 11 (not allowed) (PC 0x%08X)", b->pc);
    }
    wf_emu_clock_will_change(b);
    b->rcc.dev.r[RCC_CFGR] = w->val;
    if (emu_rcc_update(b) != 0) {
        return -1;
    }
    return emu_rcc_check(b);
}

static int cir_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    if (w->val & 0x3F00u) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "RCC clock interrupts enabled (RCC_CIR): the board is polled, no interrupt "
                           "controller is modelled (PC 0x%08X)",
                           b->pc);
    }
    return 0;
}

/* Peripheral reset bits: the models of what they reset go back to their reset values. */
static int rstr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    uint32_t set = w->val & ~w->old;
    if (w->off == 0x10 && (set & 7u)) {
        emu_gpio_reset(b); /* any of GPIOA/B/C: the model resets the three together */
    } else if (w->off == 0x20 && (set & (1u << 17)) && b->board->console_usart == 2) {
        emu_usart_reset(b);
    } else if (w->off == 0x24 && (set & (1u << 4)) && b->board->console_usart == 1) {
        emu_usart_reset(b);
    } else if (w->off == 0x24 && (set & (1u << 12))) {
        emu_spi_reset(b);
    } else if (w->off == 0x24 && (set & (1u << 8))) {
        emu_adc_reset(b);
    }
    return 0;
}

static int csr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)b, (void)d;
    uint32_t flags = (w->val & EMU_RCC_CSR_RMVF) ? 0 : (w->old & 0xFF000000u); /* RMVF clears the flags */
    w->val = flags | (w->val & EMU_RCC_CSR_LSION) | ((w->val & EMU_RCC_CSR_LSION) ? EMU_RCC_CSR_LSIRDY : 0);
    return 0;
}

/* ---- PWR ---- */

static int pwr_cr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    if (((w->val ^ w->old) & 0xC000u) && (b->rcc.dev.r[RCC_CR] & CR_PLLON)) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "PWR_CR.VOS changed while the PLL is on (RM0383 5.4.1: only with the PLL off) (PC "
                           "0x%08X)",
                           b->pc);
    }
    if ((w->val & 0xC000u) == 0) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "PWR_CR.VOS = 00 is reserved (PC 0x%08X)", b->pc);
    }
    d->r[PWR_CR] = w->val;
    return emu_rcc_check(b);
}

static int pwr_csr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)b, (void)d, (void)off;
    *v |= 1u << 14; /* VOSRDY */
    return 0;
}

static const struct emu_reg pwr_regs[PWR_NREGS] = {
    [PWR_CR] = {0x00, "PWR_CR", 0x0000C000u, 0x0030FFFFu, NULL, pwr_cr_write}, /* VOS = 11 */
    [PWR_CSR] = {0x04, "PWR_CSR", 0, 0x00000300u, pwr_csr_read},
};
