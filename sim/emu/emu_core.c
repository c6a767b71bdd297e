/* The Cortex-M4 private peripheral bus (ARMv7-M architecture, part B3 and C1):
 * SysTick, SCB (CPUID, VTOR, AIRCR, CCR, CPACR), NVIC (read as idle; enabling an
 * interrupt stops the run: the firmware is polled), MPU registers (stored only),
 * CoreDebug (DHCSR, DEMCR), DWT (CTRL, CYCCNT) and the FPU's FPCCR/FPCAR/FPDSCR.
 *
 * DWT CYCCNT and SysTick count the board's cycles: instructions executed at an
 * assumed CPI of 1, plus the cycles the CPU stalled on flash operations. */
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
    CORE_NREGS
};

static int iser_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int ispr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
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

/* Offsets from 0xE0000000. NVIC: nothing enabled, pending or active; priorities
 * read 0. MPU registers: accepted and ignored (the emulator checks the stack guard
 * itself). Fault status/address registers: no fault is ever handled. */
static const struct emu_reg core_regs[CORE_NREGS] = {
    [NVIC_ISER] = {0xE100, "NVIC_ISER", 0, 0, NULL, iser_write, 8},
    [NVIC_ICER] = {0xE180, "NVIC_ICER", 0, 0, NULL, NULL, 8}, /* disabling is fine */
    [NVIC_ISPR] = {0xE200, "NVIC_ISPR", 0, 0, NULL, ispr_write, 8},
    [NVIC_ICPR] = {0xE280, "NVIC_ICPR", 0, 0, NULL, NULL, 8},
    [NVIC_IABR] = {0xE300, "NVIC_IABR", 0, 0, NULL, emu_write_unmodelled, 8},
    [NVIC_IPR] = {0xE400, "NVIC_IPR", 0, 0, NULL, NULL, 60},
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
    [ICSR] = {0xED04, "ICSR", 0, 0, NULL, icsr_write}, /* thread mode, nothing pending */
    [VTOR] = {0xED08, "VTOR", 0, 0xFFFFFF80u},
    [AIRCR] = {0xED0C, "AIRCR", 0xFA050000u, 0, NULL, aircr_write},
    [SCR] = {0xED10, "SCR", 0, 0x16u},
    [CCR] = {0xED14, "CCR", 0x00000200u, 0x31Bu, NULL, ccr_write},
    [SHPR1] = {0xED18, "SHPR1", 0, 0xFFFFFFFFu},
    [SHPR2] = {0xED1C, "SHPR2", 0, 0xFFFFFFFFu},
    [SHPR3] = {0xED20, "SHPR3", 0, 0xFFFFFFFFu},
    [SHCSR] = {0xED24, "SHCSR", 0, 0x00070000u}, /* fault enables */
    [CFSR] = {0xED28, "CFSR", 0, 0},             /* write-1-to-clear, nothing set */
    [HFSR] = {0xED2C, "HFSR", 0, 0},
    [DFSR] = {0xED30, "DFSR", 0, 0, NULL, emu_write_unmodelled},
    [MMFAR] = {0xED34, "MMFAR", 0, 0, NULL, emu_write_unmodelled},
    [BFAR] = {0xED38, "BFAR", 0, 0, NULL, emu_write_unmodelled},
    [AFSR] = {0xED3C, "AFSR", 0, 0, NULL, emu_write_unmodelled},
    [CPACR] = {0xED88, "CPACR", 0, 0x00F00000u, NULL, cpacr_write},
    [DHCSR] = {0xEDF0, "DHCSR", 0x00000001u, 0, NULL, emu_write_unmodelled}, /* C_DEBUGEN: the emulator */
    [DEMCR] = {0xEDFC, "DEMCR", 0, 0x010F07F1u, NULL, demcr_write},
    [FPCCR] = {0xEF34, "FPCCR", 0xC0000000u, 0xC00001FBu},
    [FPCAR] = {0xEF38, "FPCAR", 0, 0xFFFFFFF8u},
    [FPDSCR] = {0xEF3C, "FPDSCR", 0, 0x07C00000u},
    [MVFR0] = {0xEF40, "MVFR0", 0x10110021u, 0, NULL, emu_write_unmodelled}, /* single precision */
    [MVFR1] = {0xEF44, "MVFR1", 0x11000011u, 0, NULL, emu_write_unmodelled},
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
    if (w->val & ST_TICKINT) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "SysTick TICKINT set: the firmware must stay polled, no interrupt controller is "
                           "modelled (PC 0x%08X)",
                           b->pc);
    }
    w->val = (d->r[STK_CSR] & ST_COUNTFLAG) | (w->val & (ST_ENABLE | ST_CLKSOURCE));
    return 0;
}

static int stk_rvr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d, (void)w;
    systick_advance(b);
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

static int no_interrupts(struct wf_emu *b, const char *what)
{
    return wf_emu_stop(b, WF_EMU_STOP_RULE,
                       "%s: the firmware must stay polled, no interrupt controller is modelled (PC 0x%08X)",
                       what, b->pc);
}

static int iser_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    return w->raw ? no_interrupts(b, "NVIC_ISER: an interrupt enabled") : 0;
}

static int ispr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    return w->raw ? no_interrupts(b, "NVIC_ISPR: an interrupt set pending") : 0;
}

static int icsr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    return (w->raw & 0x9E000000u) ? no_interrupts(b, "SCB_ICSR: an exception set pending") : 0;
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
    if (w->raw & 4u) {
        b->reset_request = true;
        b->reset_cause = "software reset (SCB_AIRCR.SYSRESETREQ)";
    }
    return 0;
}

static int ccr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    if (w->val & 0x18u) {
        return wf_emu_stop(b, WF_EMU_STOP_UNMODELLED,
                           "SCB_CCR DIV_0_TRP/UNALIGN_TRP: the emulator's CPU cannot trap these (PC 0x%08X)",
                           b->pc);
    }
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
