/* The Cortex-M4 private peripheral bus (ARMv7-M architecture, part B3 and C1):
 * SysTick, SCB (CPUID, VTOR, AIRCR, CCR, CPACR), NVIC (read as idle; enabling an
 * interrupt stops the run: the firmware is polled), MPU registers (stored only),
 * CoreDebug (DHCSR, DEMCR), DWT (CTRL, CYCCNT) and the FPU's FPCCR/FPCAR/FPDSCR.
 *
 * DWT CYCCNT and SysTick count the board's cycles: instructions executed at an
 * assumed CPI of 1, plus the cycles the CPU stalled on flash operations. */
#include "board.h"

#define ST_ENABLE (1u << 0)
#define ST_TICKINT (1u << 1)
#define ST_CLKSOURCE (1u << 2)
#define ST_COUNTFLAG (1u << 16)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CYCCNTENA (1u << 0)

void wf_core_reset(struct wf_board *b)
{
    uint64_t now = wf_board_cycles(b);
    b->systick = (struct wf_systick){.last_cycles = now};
    b->dwt = (struct wf_dwt){.ctrl = 0x40000000u, .last_cycles = now}; /* NUMCOMP = 4 */
    b->scb = (struct wf_scb){.ccr = 0x00000200u, .fpccr = 0xC0000000u};
}

/* ---- SysTick (ARMv7-M B3.3) ---- */

static void systick_advance(struct wf_board *b)
{
    struct wf_systick *t = &b->systick;
    uint64_t now = wf_board_cycles(b);
    uint64_t n = (t->csr & ST_CLKSOURCE) ? now - t->last_cycles : now / 8 - t->last_cycles / 8;
    t->last_cycles = now;
    if (!(t->csr & ST_ENABLE) || n == 0) {
        return;
    }
    uint64_t rvr = t->rvr & 0xFFFFFFu, v = t->cvr;
    if (v == 0) { /* the tick after 0 reloads */
        v = rvr;
        n--;
    }
    if (n < v) {
        t->cvr = (uint32_t)(v - n);
        return;
    }
    if (v > 0) {
        t->csr |= ST_COUNTFLAG; /* counted from 1 to 0 */
    }
    n -= v;
    if (n == 0 || rvr == 0) {
        t->cvr = 0;
        return;
    }
    t->cvr = (uint32_t)(rvr - (n - 1) % (rvr + 1));
}

/* ---- DWT ---- */

static bool dwt_counting(const struct wf_board *b)
{
    return (b->dwt.ctrl & DWT_CYCCNTENA) && (b->scb.demcr & DEMCR_TRCENA);
}

static void dwt_settle(struct wf_board *b)
{
    uint64_t now = wf_board_cycles(b);
    if (dwt_counting(b)) {
        b->dwt.cyccnt += (uint32_t)(now - b->dwt.last_cycles);
    }
    b->dwt.last_cycles = now;
}

static int no_interrupts(struct wf_board *b, const char *what)
{
    return wf_board_stop(b, WF_STOP_RULE,
                         "%s: the firmware must stay polled, no interrupt controller is modelled (PC 0x%08X)",
                         what, b->pc);
}

int wf_core_read(struct wf_board *b, uint32_t addr, uint32_t *v)
{
    struct wf_scb *s = &b->scb;
    if (addr >= 0xE000E100u && addr < 0xE000E4F0u) {
        *v = 0; /* NVIC: nothing enabled, pending or active; priorities read 0 */
        return 0;
    }
    if (addr >= 0xE000ED90u && addr <= 0xE000EDB8u) {
        *v = addr == 0xE000ED90u ? 0x00000800u : 0; /* MPU_TYPE: 8 regions; the rest read 0 */
        return 0;
    }
    switch (addr) {
    case 0xE0001000u:
        *v = b->dwt.ctrl;
        return 0;
    case 0xE0001004u:
        dwt_settle(b);
        *v = b->dwt.cyccnt;
        return 0;
    case 0xE0001FB4u:
        *v = 0;
        return 0; /* DWT LSR: no lock */
    case 0xE000E004u:
        *v = 2;
        return 0; /* ICTR: up to 96 interrupts */
    case 0xE000E008u:
        *v = 0;
        return 0; /* ACTLR */
    case 0xE000E010u:
        systick_advance(b);
        *v = b->systick.csr;
        b->systick.csr &= ~ST_COUNTFLAG;
        return 0;
    case 0xE000E014u:
        *v = b->systick.rvr;
        return 0;
    case 0xE000E018u:
        systick_advance(b);
        *v = b->systick.cvr;
        return 0;
    case 0xE000E01Cu:
        *v = 0xC0000000u;
        return 0; /* CALIB: NOREF, SKEW, no TENMS value */
    case 0xE000ED00u:
        *v = 0x410FC241u;
        return 0; /* CPUID: Cortex-M4 r0p1 */
    case 0xE000ED04u:
        *v = 0;
        return 0; /* ICSR: thread mode, nothing pending */
    case 0xE000ED08u:
        *v = s->vtor;
        return 0;
    case 0xE000ED0Cu:
        *v = 0xFA050000u | (s->aircr & 0x700u);
        return 0;
    case 0xE000ED10u:
        *v = s->scr;
        return 0;
    case 0xE000ED14u:
        *v = s->ccr;
        return 0;
    case 0xE000ED18u:
    case 0xE000ED1Cu:
    case 0xE000ED20u:
        *v = s->shpr[(addr - 0xE000ED18u) / 4];
        return 0;
    case 0xE000ED24u:
        *v = s->shcsr;
        return 0;
    case 0xE000ED28u:
    case 0xE000ED2Cu:
    case 0xE000ED30u:
    case 0xE000ED34u:
    case 0xE000ED38u:
    case 0xE000ED3Cu:
        *v = 0;
        return 0; /* fault status/address: no fault is ever handled */
    case 0xE000ED88u:
        *v = s->cpacr;
        return 0;
    case 0xE000EDF0u:
        *v = 0x00000001u;
        return 0; /* DHCSR.C_DEBUGEN: "a debugger" (the emulator) is attached */
    case 0xE000EDFCu:
        *v = s->demcr;
        return 0;
    case 0xE000EF34u:
        *v = s->fpccr;
        return 0;
    case 0xE000EF38u:
        *v = s->fpcar;
        return 0;
    case 0xE000EF3Cu:
        *v = s->fpdscr;
        return 0;
    case 0xE000EF40u:
        *v = 0x10110021u;
        return 0; /* MVFR0: single precision */
    case 0xE000EF44u:
        *v = 0x11000011u;
        return 0; /* MVFR1 */
    default:
        return wf_board_reserved(b);
    }
}

static uint32_t merge(uint32_t old, uint32_t v, uint32_t mask)
{
    return (old & ~mask) | (v & mask);
}

int wf_core_write(struct wf_board *b, uint32_t addr, uint32_t v, uint32_t mask)
{
    struct wf_scb *s = &b->scb;
    uint32_t w = v & mask;
    if (addr >= 0xE000E100u && addr < 0xE000E120u) {
        return w ? no_interrupts(b, "NVIC_ISER: an interrupt enabled") : 0;
    }
    if (addr >= 0xE000E180u && addr < 0xE000E1A0u) {
        return 0; /* ICER: disabling is fine */
    }
    if (addr >= 0xE000E200u && addr < 0xE000E220u) {
        return w ? no_interrupts(b, "NVIC_ISPR: an interrupt set pending") : 0;
    }
    if ((addr >= 0xE000E280u && addr < 0xE000E2A0u) || (addr >= 0xE000E400u && addr < 0xE000E4F0u)) {
        return 0; /* ICPR, IPR: accepted, nothing to do */
    }
    if (addr >= 0xE000ED94u && addr <= 0xE000EDB8u) {
        return 0; /* MPU: accepted and ignored (the emulator checks the stack guard itself) */
    }
    switch (addr) {
    case 0xE0001000u:
        if (!(s->demcr & DEMCR_TRCENA) && (w & DWT_CYCCNTENA)) {
            return wf_board_stop(
                b, WF_STOP_RULE,
                "DWT_CTRL.CYCCNTENA set while DEMCR.TRCENA = 0: the DWT is disabled, CYCCNT would not "
                "count (PC 0x%08X)",
                b->pc);
        }
        dwt_settle(b);
        b->dwt.ctrl = (b->dwt.ctrl & ~0x007F1FFFu) | (merge(b->dwt.ctrl, v, mask) & 0x007F1FFFu);
        if (b->dwt.ctrl & 0x007F1000u) {
            return wf_board_stop(b, WF_STOP_UNMODELLED,
                                 "DWT_CTRL event counters are not modelled (PC 0x%08X)", b->pc);
        }
        return 0;
    case 0xE0001004u:
        dwt_settle(b);
        b->dwt.cyccnt = merge(b->dwt.cyccnt, v, mask);
        return 0;
    case 0xE0001FB0u:
        return 0; /* DWT LAR: accepted */
    case 0xE000E008u:
        return 0; /* ACTLR */
    case 0xE000E010u: {
        systick_advance(b);
        uint32_t nv = merge(b->systick.csr, v, mask);
        if (nv & ST_TICKINT) {
            return no_interrupts(b, "SysTick TICKINT set");
        }
        b->systick.csr = (b->systick.csr & ST_COUNTFLAG) | (nv & (ST_ENABLE | ST_CLKSOURCE));
        return 0;
    }
    case 0xE000E014u:
        systick_advance(b);
        b->systick.rvr = merge(b->systick.rvr, v, mask) & 0xFFFFFFu;
        return 0;
    case 0xE000E018u:
        systick_advance(b);
        b->systick.cvr = 0; /* any write clears the counter and COUNTFLAG */
        b->systick.csr &= ~ST_COUNTFLAG;
        return 0;
    case 0xE000ED04u:
        return w & 0x9E000000u ? no_interrupts(b, "SCB_ICSR: an exception set pending") : 0;
    case 0xE000ED08u:
        s->vtor = merge(s->vtor, v, mask) & 0xFFFFFF80u;
        return 0;
    case 0xE000ED0Cu:
        if (mask != 0xFFFFFFFFu || (v >> 16) != 0x05FAu) {
            return wf_board_stop(
                b, WF_STOP_RULE,
                "SCB_AIRCR written without VECTKEY 0x05FA in a word write (0x%08X): silicon ignores "
                "it (PC 0x%08X)",
                v, b->pc);
        }
        if (v & 1u) {
            return wf_board_stop(b, WF_STOP_RULE, "SCB_AIRCR.VECTRESET is for debuggers only (PC 0x%08X)",
                                 b->pc);
        }
        s->aircr = v & 0x700u;
        if (v & 4u) {
            b->reset_request = true;
            b->reset_cause = "software reset (SCB_AIRCR.SYSRESETREQ)";
        }
        return 0;
    case 0xE000ED10u:
        s->scr = merge(s->scr, v, mask) & 0x16u;
        return 0;
    case 0xE000ED14u: {
        uint32_t nv = merge(s->ccr, v, mask) & 0x31Bu;
        if (nv & 0x18u) {
            return wf_board_stop(
                b, WF_STOP_UNMODELLED,
                "SCB_CCR DIV_0_TRP/UNALIGN_TRP: the emulator's CPU cannot trap these (PC 0x%08X)", b->pc);
        }
        s->ccr = nv;
        return 0;
    }
    case 0xE000ED18u:
    case 0xE000ED1Cu:
    case 0xE000ED20u:
        s->shpr[(addr - 0xE000ED18u) / 4] = merge(s->shpr[(addr - 0xE000ED18u) / 4], v, mask);
        return 0;
    case 0xE000ED24u:
        s->shcsr = merge(s->shcsr, v, mask) & 0x00070000u;
        return 0; /* fault enables */
    case 0xE000ED28u:
    case 0xE000ED2Cu:
        return 0; /* CFSR/HFSR: write-1-to-clear, nothing set */
    case 0xE000ED88u: {
        uint32_t nv = merge(s->cpacr, v, mask) & 0x00F00000u;
        unsigned cp10 = (nv >> 20) & 3u, cp11 = (nv >> 22) & 3u;
        if (cp10 != cp11 || cp10 == 2u) {
            return wf_board_stop(
                b, WF_STOP_RULE,
                "CPACR CP10 = %u, CP11 = %u: both must be equal and not 10b (ARMv7-M B3.2.20) (PC "
                "0x%08X)",
                cp10, cp11, b->pc);
        }
        s->cpacr = nv;
        b->fpu_enabled = cp10 != 0;
        return 0;
    }
    case 0xE000EDFCu:
        dwt_settle(b);
        s->demcr = merge(s->demcr, v, mask) & 0x010F07F1u;
        return 0;
    case 0xE000EF34u:
        s->fpccr = merge(s->fpccr, v, mask) & 0xC00001FBu;
        return 0;
    case 0xE000EF38u:
        s->fpcar = merge(s->fpcar, v, mask) & ~7u;
        return 0;
    case 0xE000EF3Cu:
        s->fpdscr = merge(s->fpdscr, v, mask) & 0x07C00000u;
        return 0;
    default:
        return wf_board_reserved(b);
    }
}
