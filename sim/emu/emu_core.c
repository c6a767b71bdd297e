/* The Cortex-M4 private peripheral bus (ARMv7-M architecture, part B3 and C1):
 * SysTick (with its interrupt), SCB (CPUID, ICSR, VTOR, AIRCR, CCR, SHPR1-3, SHCSR,
 * the fault status and address registers, CPACR), NVIC (ISER/ICER/ISPR/ICPR/IABR/IPR,
 * STIR; the state lives in struct emu_nvic, emu_nvic.c), MPU registers (stored only),
 * CoreDebug (DHCSR, DEMCR), DWT (CTRL, CYCCNT) and the FPU's FPCCR/FPCAR/FPDSCR.
 *
 * DWT CYCCNT and SysTick count the board's cycles: instructions executed at an
 * assumed CPI of 1, plus the cycles the CPU stalled on flash operations. */
#include <string.h>

#include "emu_machine.h"

#define ST_ENABLE (1u << 0)
#define ST_TICKINT (1u << 1)
#define ST_CLKSOURCE (1u << 2)
#define ST_COUNTFLAG (1u << 16)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CYCCNTENA (1u << 0)

enum {
    NVIC_ISER,
    NVIC_ICER,
    NVIC_ISPR,
    NVIC_ICPR,
    NVIC_IABR,
    NVIC_IPR,
    MPU_TYPE,
    MPU_REGS,
    DWT_CTRL,
    DWT_CYCCNT,
    DWT_LAR,
    DWT_LSR,
    ICTR,
    ACTLR,
    STK_CSR,
    STK_RVR,
    STK_CVR,
    STK_CALIB,
    CPUID,
    ICSR,
    VTOR,
    AIRCR,
    SCR,
    CCR,
    SHPR1,
    SHPR2,
    SHPR3,
    SHCSR,
    CFSR,
    HFSR,
    DFSR,
    MMFAR,
    BFAR,
    AFSR,
    CPACR,
    DHCSR,
    DEMCR,
    FPCCR,
    FPCAR,
    FPDSCR,
    MVFR0,
    MVFR1,
    STIR,
    CORE_NREGS
};

static void systick_advance(struct wf_emu *b);
static int nvic_bank_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int nvic_bank_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int ipr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int ipr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int icsr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int shpr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int shcsr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int shcsr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int w1c_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int stir_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int dwt_ctrl_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int cyccnt_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int cyccnt_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int stk_csr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int stk_csr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int stk_rvr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int stk_cvr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int stk_cvr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int icsr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int aircr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int ccr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int cpacr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int demcr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);

/* Offsets from 0xE0000000. NVIC banks: their state is struct emu_nvic (lines
 * above EMU_IRQ_LINES read 0, writes to them are ignored). MPU registers: accepted
 * and ignored (the emulator checks the stack guard itself). */
static const struct emu_reg core_regs[CORE_NREGS] = {
    [NVIC_ISER] = {0xE100, "NVIC_ISER", 0, 0, nvic_bank_read, nvic_bank_write, 8},
    [NVIC_ICER] = {0xE180, "NVIC_ICER", 0, 0, nvic_bank_read, nvic_bank_write, 8},
    [NVIC_ISPR] = {0xE200, "NVIC_ISPR", 0, 0, nvic_bank_read, nvic_bank_write, 8},
    [NVIC_ICPR] = {0xE280, "NVIC_ICPR", 0, 0, nvic_bank_read, nvic_bank_write, 8},
    [NVIC_IABR] = {0xE300, "NVIC_IABR", 0, 0, nvic_bank_read, NULL, 8}, /* read-only */
    [NVIC_IPR] = {0xE400, "NVIC_IPR", 0, 0, ipr_read, ipr_write, 60},
    [MPU_TYPE] = {0xED90, "MPU_TYPE", 0x00000800u, 0, NULL, emu_write_unmodelled}, /* 8 regions */
    [MPU_REGS] = {0xED94, "MPU_CTRL..MPU_RASR_A3", 0, 0, NULL, NULL, 10},
    [DWT_CTRL] = {0x1000, "DWT_CTRL", 0x40000000u, 0x007F1FFFu, NULL, dwt_ctrl_write}, /* NUMCOMP = 4 */
    [DWT_CYCCNT] = {0x1004, "DWT_CYCCNT", 0, 0xFFFFFFFFu, cyccnt_read, cyccnt_write},
    [DWT_LAR] = {0x1FB0, "DWT_LAR", 0, 0},
    [DWT_LSR] = {0x1FB4, "DWT_LSR", 0, 0, NULL, emu_write_unmodelled}, /* no lock */
    [ICTR] = {0xE004, "ICTR", 2, 0, NULL, emu_write_unmodelled},       /* up to 96 interrupts */
    [ACTLR] = {0xE008, "ACTLR", 0, 0},
    [STK_CSR] = {0xE010, "SYST_CSR", 0, ST_ENABLE | ST_TICKINT | ST_CLKSOURCE, stk_csr_read, stk_csr_write},
    [STK_RVR] = {0xE014, "SYST_RVR", 0, 0x00FFFFFFu, NULL, stk_rvr_write},
    [STK_CVR] = {0xE018, "SYST_CVR", 0, 0, stk_cvr_read, stk_cvr_write},
    [STK_CALIB] = {0xE01C, "SYST_CALIB", 0xC0000000u, 0, NULL, emu_write_unmodelled}, /* NOREF, SKEW */
    [CPUID] = {0xED00, "CPUID", 0x410FC241u, 0, NULL, emu_write_unmodelled},          /* Cortex-M4 r0p1 */
    [ICSR] = {0xED04, "ICSR", 0, 0, icsr_read, icsr_write},
    [VTOR] = {0xED08, "VTOR", 0, 0xFFFFFF80u},
    [AIRCR] = {0xED0C, "AIRCR", 0xFA050000u, 0, NULL, aircr_write},
    [SCR] = {0xED10, "SCR", 0, 0x16u},
    [CCR] = {0xED14, "CCR", 0x00000200u, 0x31Bu, NULL, ccr_write},
    /* 4 priority bits: the upper nibble of each implemented byte */
    [SHPR1] = {0xED18, "SHPR1", 0, 0x00F0F0F0u, NULL, shpr_write}, /* MemManage, BusFault, UsageFault */
    [SHPR2] = {0xED1C, "SHPR2", 0, 0xF0000000u, NULL, shpr_write}, /* SVCall */
    [SHPR3] = {0xED20, "SHPR3", 0, 0xF0F000F0u, NULL, shpr_write}, /* DebugMon, PendSV, SysTick */
    [SHCSR] = {0xED24, "SHCSR", 0, 0x00070000u, shcsr_read, shcsr_write}, /* fault enables */
    [CFSR] = {0xED28, "CFSR", 0, 0, NULL, w1c_write},
    [HFSR] = {0xED2C, "HFSR", 0, 0, NULL, w1c_write},
    [DFSR] = {0xED30, "DFSR", 0, 0, NULL, emu_write_unmodelled},
    [MMFAR] = {0xED34, "MMFAR", 0, 0xFFFFFFFFu},
    [BFAR] = {0xED38, "BFAR", 0, 0xFFFFFFFFu},
    [AFSR] = {0xED3C, "AFSR", 0, 0, NULL, emu_write_unmodelled},
    [CPACR] = {0xED88, "CPACR", 0, 0x00F00000u, NULL, cpacr_write},
    [DHCSR] = {0xEDF0, "DHCSR", 0x00000001u, 0, NULL, emu_write_unmodelled}, /* C_DEBUGEN: the emulator */
    [DEMCR] = {0xEDFC, "DEMCR", 0, 0x010F07F1u, NULL, demcr_write},
    [FPCCR] = {0xEF34, "FPCCR", 0xC0000000u, 0xC00001FBu},
    [FPCAR] = {0xEF38, "FPCAR", 0, 0xFFFFFFF8u},
    [FPDSCR] = {0xEF3C, "FPDSCR", 0, 0x07C00000u},
    [MVFR0] = {0xEF40, "MVFR0", 0x10110021u, 0, NULL, emu_write_unmodelled}, /* single precision */
    [MVFR1] = {0xEF44, "MVFR1", 0x11000011u, 0, NULL, emu_write_unmodelled},
    [STIR] = {0xEF00, "STIR", 0, 0, NULL, stir_write},
};

/* System memory: the 96-bit unique device ID and the flash size (RM0383 24.1, 24.2). */
static const struct emu_reg sysmem_regs[] = {
    {0xA10, "U_ID[31:0]", 0x00330041u, 0, NULL, emu_write_unmodelled},
    {0xA14, "U_ID[63:32]", 0x3137510Bu, 0, NULL, emu_write_unmodelled},
    {0xA18, "U_ID[95:64]", 0x34383538u, 0, NULL, emu_write_unmodelled},
    {0xA20, "F_SIZE", 0x02000000u, 0, NULL, emu_write_unmodelled}, /* F_SIZE at 0x1FFF7A22 = 512 (KiB) */
};

void emu_core_init(struct wf_emu *b)
{
    emu_dev_init(&b->core.dev, "PPB", 0xE0000000u, 0x100000u, core_regs, CORE_NREGS, EMU_GATE_NONE, 0, 0);
    emu_dev_init(&b->sysmem, "system memory", 0x1FFF7000u, 0x1000u, sysmem_regs,
                 sizeof sysmem_regs / sizeof sysmem_regs[0], EMU_GATE_NONE, 0, 0);
    wf_emu_attach(b, &b->core.dev);
    wf_emu_attach(b, &b->sysmem);
}

void emu_core_reset(struct wf_emu *b)
{
    uint64_t now = wf_emu_cycles(b);
    emu_dev_reset(&b->core.dev);
    memset(&b->core.nvic, 0, sizeof b->core.nvic);
    b->core.st_last_cycles = now;
    b->core.dwt_cyccnt = 0;
    b->core.dwt_last_cycles = now;
}

/* ---- SysTick (ARMv7-M B3.3) ---- */

static void systick_advance(struct wf_emu *b)
{
    struct emu_core *c = &b->core;
    uint32_t *r = c->dev.r;
    uint64_t now = wf_emu_cycles(b);
    uint64_t n = (r[STK_CSR] & ST_CLKSOURCE) ? now - c->st_last_cycles : now / 8 - c->st_last_cycles / 8;
    c->st_last_cycles = now;
    if (!(r[STK_CSR] & ST_ENABLE) || n == 0) {
        return;
    }
    uint64_t rvr = r[STK_RVR] & 0xFFFFFFu, v = r[STK_CVR];
    if (v == 0) { /* the tick after 0 reloads */
        v = rvr;
        n--;
    }
    if (n < v) {
        r[STK_CVR] = (uint32_t)(v - n);
        return;
    }
    if (v > 0) {
        r[STK_CSR] |= ST_COUNTFLAG; /* counted from 1 to 0 */
        if (r[STK_CSR] & ST_TICKINT) {
            emu_exc_set_pending(b, EMU_EXC_SYSTICK);
        }
    }
    n -= v;
    if (n == 0 || rvr == 0) {
        r[STK_CVR] = 0;
        return;
    }
    r[STK_CVR] = (uint32_t)(rvr - (n - 1) % (rvr + 1));
}

static int stk_csr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)off;
    systick_advance(b);
    *v = d->r[STK_CSR];
    d->r[STK_CSR] &= ~ST_COUNTFLAG;
    return 0;
}

static int stk_csr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    systick_advance(b);
    w->val = (d->r[STK_CSR] & ST_COUNTFLAG) | (w->val & (ST_ENABLE | ST_TICKINT | ST_CLKSOURCE));
    b->core.nvic.check = true; /* the CPU recomputes when the next tick is due */
    return 0;
}

uint64_t emu_systick_next_irq(struct wf_emu *b)
{
    systick_advance(b);
    const uint32_t *r = b->core.dev.r;
    if ((r[STK_CSR] & (ST_ENABLE | ST_TICKINT)) != (ST_ENABLE | ST_TICKINT) ||
        (r[STK_RVR] & 0xFFFFFFu) == 0) {
        return UINT64_MAX;
    }
    /* Ticks until the counter next goes from 1 to 0: CVR of them, or after a reload. */
    uint64_t v = r[STK_CVR], ticks = v ? v : (r[STK_RVR] & 0xFFFFFFu) + 1u;
    uint64_t now = b->core.st_last_cycles;
    if (r[STK_CSR] & ST_CLKSOURCE) {
        return now + ticks;
    }
    return (now / 8 + ticks) * 8; /* the external reference: HCLK / 8 */
}

static int stk_rvr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d, (void)w;
    systick_advance(b);
    b->core.nvic.check = true;
    return 0;
}

static int stk_cvr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)off;
    systick_advance(b);
    *v = d->r[STK_CVR];
    return 0;
}

static int stk_cvr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    systick_advance(b);
    w->val = 0; /* any write clears the counter and COUNTFLAG */
    d->r[STK_CSR] &= ~ST_COUNTFLAG;
    b->core.nvic.check = true;
    return 0;
}

/* ---- DWT ---- */

static bool dwt_counting(const struct wf_emu *b)
{
    return (b->core.dev.r[DWT_CTRL] & DWT_CYCCNTENA) && (b->core.dev.r[DEMCR] & DEMCR_TRCENA);
}

static void dwt_settle(struct wf_emu *b)
{
    uint64_t now = wf_emu_cycles(b);
    if (dwt_counting(b)) {
        b->core.dwt_cyccnt += (uint32_t)(now - b->core.dwt_last_cycles);
    }
    b->core.dwt_last_cycles = now;
}

static int dwt_ctrl_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    if (!(d->r[DEMCR] & DEMCR_TRCENA) && (w->val & DWT_CYCCNTENA)) {
        return wf_emu_stop(
            b, WF_EMU_STOP_RULE,
            "DWT_CTRL.CYCCNTENA set while DEMCR.TRCENA = 0: the DWT is disabled, CYCCNT would not "
            "count (PC 0x%08X)",
            b->pc);
    }
    if (w->val & 0x007F1000u) {
        return wf_emu_stop(b, WF_EMU_STOP_UNMODELLED, "DWT_CTRL event counters are not modelled (PC 0x%08X)",
                           b->pc);
    }
    dwt_settle(b);
    return 0;
}

static int cyccnt_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)d, (void)off;
    dwt_settle(b);
    *v = b->core.dwt_cyccnt;
    return 0;
}

static int cyccnt_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    dwt_settle(b);
    b->core.dwt_cyccnt = (b->core.dwt_cyccnt & ~w->mask) | w->raw;
    return 0;
}

static int demcr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d, (void)w;
    dwt_settle(b); /* counting may start or stop */
    return 0;
}

/* ---- NVIC, SCB ---- */

/* ISER/ICER/ISPR/ICPR/IABR: 8 words each, bit n of word k = IRQ 32k + n. */
static int nvic_bank_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)d;
    const struct emu_nvic *n = &b->core.nvic;
    unsigned bank = (off - 0xE100u) / 0x80u, word = (off & 0x7Fu) / 4u;
    *v = 0;
    for (unsigned i = 0; i < 32; i++) {
        unsigned irq = word * 32u + i;
        if (irq >= EMU_IRQ_LINES) {
            break;
        }
        bool on = bank <= 1   ? ((n->irq_enabled[irq / 32] >> (irq % 32)) & 1u)
                  : bank <= 3 ? emu_exc_is_pending(b, EMU_EXC_IRQ0 + irq)
                              : emu_exc_is_active(b, EMU_EXC_IRQ0 + irq);
        *v |= (uint32_t)on << i;
    }
    return 0;
}

static int nvic_bank_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    struct emu_nvic *n = &b->core.nvic;
    unsigned bank = (w->off - 0xE100u) / 0x80u, word = (w->off & 0x7Fu) / 4u;
    for (unsigned i = 0; i < 32; i++) {
        unsigned irq = word * 32u + i;
        if (irq >= EMU_IRQ_LINES || !((w->raw >> i) & 1u)) {
            continue;
        }
        if (bank == 0) {
            n->irq_enabled[irq / 32] |= 1u << (irq % 32);
        } else if (bank == 1) {
            n->irq_enabled[irq / 32] &= ~(1u << (irq % 32));
        } else if (bank == 2) {
            emu_exc_set_pending(b, EMU_EXC_IRQ0 + irq);
        } else {
            emu_exc_clear_pending(b, EMU_EXC_IRQ0 + irq);
        }
    }
    n->check = true;
    return 0;
}

/* IPR: one byte per IRQ, the upper nibble implemented. */
static int ipr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)d;
    unsigned first = off - 0xE400u;
    *v = 0;
    for (unsigned i = 0; i < 4 && first + i < EMU_IRQ_LINES; i++) {
        *v |= (uint32_t)b->core.nvic.prio[EMU_EXC_IRQ0 + first + i] << (8 * i);
    }
    return 0;
}

static int ipr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    unsigned first = w->off - 0xE400u;
    for (unsigned i = 0; i < 4 && first + i < EMU_IRQ_LINES; i++) {
        if ((w->mask >> (8 * i)) & 0xFFu) {
            b->core.nvic.prio[EMU_EXC_IRQ0 + first + i] = (uint8_t)((w->raw >> (8 * i)) & 0xF0u);
        }
    }
    b->core.nvic.check = true;
    return 0;
}

/* SHPR1-3: the priority bytes of exceptions 4-15. */
static int shpr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    unsigned first = 4u + (w->off - 0xED18u); /* SHPR1: exceptions 4-7, SHPR2: 8-11, SHPR3: 12-15 */
    for (unsigned i = 0; i < 4; i++) {
        b->core.nvic.prio[first + i] = (uint8_t)(w->val >> (8 * i));
    }
    b->core.nvic.check = true;
    return 0;
}

/* SHCSR: the enables are stored; active and pended bits reflect the exception state. */
static int shcsr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)d, (void)off;
    static const struct {
        unsigned exc, act, pend;
    } map[] = {{EMU_EXC_MEMMANAGE, 0, 13}, {EMU_EXC_BUSFAULT, 1, 14}, {EMU_EXC_USAGEFAULT, 3, 12},
               {EMU_EXC_SVCALL, 7, 15},    {EMU_EXC_PENDSV, 10, 32},  {EMU_EXC_SYSTICK, 11, 32}};
    *v = b->core.nvic.shcsr_ena;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        *v |= emu_exc_is_active(b, map[i].exc) ? 1u << map[i].act : 0;
        if (map[i].pend < 32 && emu_exc_is_pending(b, map[i].exc)) {
            *v |= 1u << map[i].pend;
        }
    }
    return 0;
}

static int shcsr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    if (w->raw & 0xFD8Bu) {
        return wf_emu_stop(b, WF_EMU_STOP_UNMODELLED,
                           "SHCSR active/pended bits written (0x%08X): only the fault enables are modelled "
                           "(PC 0x%08X)",
                           w->raw, b->pc);
    }
    b->core.nvic.shcsr_ena = w->val & 0x00070000u;
    b->core.nvic.check = true;
    return 0;
}

/* CFSR, HFSR: write 1 to clear. */
static int w1c_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)b, (void)d;
    w->val = w->old & ~w->raw;
    return 0;
}

static int stir_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    if ((w->raw & 0x1FFu) < EMU_IRQ_LINES) {
        emu_exc_set_pending(b, EMU_EXC_IRQ0 + (w->raw & 0x1FFu));
    }
    return 0;
}

/* ICSR (ARMv7-M B3.2.4): VECTACTIVE, RETTOBASE, VECTPENDING, ISRPENDING and the
 * PendSV/SysTick/NMI pend bits. */
static int icsr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)d, (void)off;
    systick_advance(b); /* PENDSTSET from a wrap since the last look */
    const struct emu_nvic *n = &b->core.nvic;
    unsigned pend = emu_exc_next(b, EMU_PRIO_THREAD + 1);
    bool isr = false;
    for (unsigned irq = 0; irq < EMU_IRQ_LINES; irq++) {
        isr |= emu_exc_is_pending(b, EMU_EXC_IRQ0 + irq);
    }
    *v = (n->ipsr & 0x1FFu) | (emu_exc_active_count(b) <= 1 ? 1u << 11 : 0) | ((pend & 0x1FFu) << 12) |
         (isr ? 1u << 22 : 0) | (emu_exc_is_pending(b, EMU_EXC_SYSTICK) ? 1u << 26 : 0) |
         (emu_exc_is_pending(b, EMU_EXC_PENDSV) ? 1u << 28 : 0) |
         (emu_exc_is_pending(b, EMU_EXC_NMI) ? 1u << 31 : 0);
    return 0;
}

static int icsr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    if (w->raw & (1u << 31)) {
        emu_exc_set_pending(b, EMU_EXC_NMI);
    }
    if (w->raw & (1u << 28)) {
        emu_exc_set_pending(b, EMU_EXC_PENDSV);
    } else if (w->raw & (1u << 27)) {
        emu_exc_clear_pending(b, EMU_EXC_PENDSV);
    }
    if (w->raw & (1u << 26)) {
        emu_exc_set_pending(b, EMU_EXC_SYSTICK);
    } else if (w->raw & (1u << 25)) {
        emu_exc_clear_pending(b, EMU_EXC_SYSTICK);
    }
    w->val = 0;
    return 0;
}

void emu_core_fault_status(struct wf_emu *b, uint32_t cfsr, uint32_t hfsr, uint32_t mmfar, uint32_t bfar)
{
    uint32_t *r = b->core.dev.r;
    r[CFSR] |= cfsr;
    r[HFSR] |= hfsr;
    if (cfsr & (1u << 7)) { /* MMARVALID */
        r[MMFAR] = mmfar;
    }
    if (cfsr & (1u << 15)) { /* BFARVALID */
        r[BFAR] = bfar;
    }
}

void emu_core_fault_regs(const struct wf_emu *b, uint32_t *cfsr, uint32_t *hfsr, uint32_t *mmfar,
                         uint32_t *bfar)
{
    const uint32_t *r = b->core.dev.r;
    *cfsr = r[CFSR];
    *hfsr = r[HFSR];
    *mmfar = r[MMFAR];
    *bfar = r[BFAR];
}

uint32_t emu_core_vtor(const struct wf_emu *b)
{
    /* VTOR 0 (reset): the boot alias at address 0 is the flash (BOOT0 low). */
    uint32_t v = b->core.dev.r[VTOR];
    return v < WF_EMU_FLASH_SIZE ? WF_EMU_FLASH_BASE + v : v;
}

static int aircr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    if (w->mask != 0xFFFFFFFFu || (w->raw >> 16) != 0x05FAu) {
        return wf_emu_stop(
            b, WF_EMU_STOP_RULE,
            "SCB_AIRCR written without VECTKEY 0x05FA in a word write (0x%08X): silicon ignores "
            "it (PC 0x%08X)",
            w->raw, b->pc);
    }
    if (w->raw & 1u) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "SCB_AIRCR.VECTRESET is for debuggers only (PC 0x%08X)",
                           b->pc);
    }
    w->val = 0xFA050000u | (w->raw & 0x700u); /* reads VECTKEYSTAT and PRIGROUP */
    b->core.nvic.prigroup = (w->raw >> 8) & 7u;
    b->core.nvic.check = true;
    if (w->raw & 4u) {
        b->reset_request = true;
        b->reset_cause = "software reset (SCB_AIRCR.SYSRESETREQ)";
    }
    return 0;
}

static int ccr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    if (w->val & 0x8u) {
        return wf_emu_stop(
            b, WF_EMU_STOP_UNMODELLED,
            "SCB_CCR UNALIGN_TRP: the emulator's CPU cannot trap unaligned accesses (PC 0x%08X)", b->pc);
    }
    b->core.nvic.div0_trap = (w->val & 0x10u) != 0;
    return 0;
}

static int cpacr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    unsigned cp10 = (w->val >> 20) & 3u, cp11 = (w->val >> 22) & 3u;
    if (cp10 != cp11 || cp10 == 2u) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "CPACR CP10 = %u, CP11 = %u: both must be equal and not 10b (ARMv7-M B3.2.20) (PC "
                           "0x%08X)",
                           cp10, cp11, b->pc);
    }
    b->fpu_enabled = cp10 != 0;
    return 0;
}
