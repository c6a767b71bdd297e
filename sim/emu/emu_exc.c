/* Exception entry and return on the Unicorn CPU (ARMv7-M B1.5.6-B1.5.8), done by the
 * emulator: Unicorn runs the instructions, but takes no M-profile exception itself.
 *
 * Entry: the 8-word frame (26 with the FP context when CONTROL.FPCA is set) on the
 * active stack, 8-byte aligned (xPSR bit 9 records the padding), EXC_RETURN in LR,
 * handler mode on MSP, PC from the vector table at VTOR. Return: a branch to an
 * EXC_RETURN value in handler mode, which Unicorn reports as its exception-exit
 * interrupt (number 8); the frame is unstacked from the stack EXC_RETURN names.
 * Tail-chaining is not modelled: a pending exception is taken after the return,
 * as a new entry (the same handlers run in the same order; only the cycle count of
 * the sequence differs from silicon). */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <unicorn/unicorn.h>

#include "emu_cpu.h"

static uint32_t reg(uc_engine *uc, int r)
{
    uint32_t v = 0;
    uc_reg_read(uc, r, &v);
    return v;
}

static void set_reg(uc_engine *uc, int r, uint32_t v)
{
    uc_reg_write(uc, r, &v);
}

static bool in_sram(uint32_t addr, uint32_t len)
{
    return addr >= WF_EMU_SRAM_BASE && addr - WF_EMU_SRAM_BASE <= WF_EMU_SRAM_SIZE - len;
}

static bool read_word(struct wf_emu *b, uint32_t addr, uint32_t *v)
{
    const uint8_t *p = NULL;
    if (addr >= WF_EMU_FLASH_BASE && addr - WF_EMU_FLASH_BASE <= WF_EMU_FLASH_SIZE - 4) {
        p = b->flash + (addr - WF_EMU_FLASH_BASE);
    } else if (in_sram(addr, 4)) {
        p = b->sram + (addr - WF_EMU_SRAM_BASE);
    }
    if (p == NULL) {
        return false;
    }
    memcpy(v, p, 4);
    return true;
}

bool wf_emu_exc_is_default_handler(struct wf_emu_cpu *e, uint32_t addr)
{
    uint32_t w;
    /* `b .` (0xE7FE), the infinite loop of every vendor's Default_Handler. */
    return read_word(e->b, addr & ~1u, &w) && (w & 0xFFFFu) == 0xE7FEu;
}

static int stop_report(struct wf_emu_cpu *e, unsigned exc, uint32_t handler, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int stop_report(struct wf_emu_cpu *e, unsigned exc, uint32_t handler, const char *fmt, ...)
{
    struct wf_emu *b = e->b;
    e->report.valid = true;
    e->report.exc = exc;
    e->report.handler = handler;
    va_list ap;
    va_start(ap, fmt);
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return wf_emu_stop(b, WF_EMU_STOP_UNHANDLED, "%s", msg);
}

int wf_emu_exc_enter(struct wf_emu_cpu *e, unsigned exc, uint32_t ret_pc)
{
    uc_engine *uc = e->uc;
    struct wf_emu *b = e->b;
    char name[32];
    uint32_t control = reg(uc, UC_ARM_REG_CONTROL), xpsr = reg(uc, UC_ARM_REG_XPSR);
    bool thread = b->core.nvic.ipsr == 0;
    bool psp = thread && (control & 2u);
    bool fp = (control & 4u) != 0;
    uint32_t sp = reg(uc, UC_ARM_REG_SP), size = fp ? EMU_FRAME_FP : EMU_FRAME_BASIC;
    bool aligner;
    uint32_t f = emu_exc_frame_addr(sp, fp, &aligner);
    if (!in_sram(f, size)) {
        e->report.frame_addr = 0;
        emu_core_fault_status(b, 1u << 12, 1u << 30, 0, 0); /* STKERR, escalated: FORCED */
        return stop_report(
            e, exc, 0, "%s: stacking its frame at 0x%08X (SP 0x%08X) fails: not in SRAM (lockup on silicon)",
            emu_exc_name(exc, name, sizeof name), f, sp);
    }
    if (e->guard_hi && f < e->guard_hi && f + size > e->guard_lo) {
        return wf_emu_stop(
            b, WF_EMU_STOP_FAULT,
            "stack overflow: the %s frame at 0x%08X reaches into the stack guard [0x%08X, 0x%08X) "
            "(SP 0x%08X, PC 0x%08X)",
            emu_exc_name(exc, name, sizeof name), f, e->guard_lo, e->guard_hi, sp, ret_pc);
    }
    uint32_t w[26] = {0};
    static const int core[6] = {UC_ARM_REG_R0, UC_ARM_REG_R1,  UC_ARM_REG_R2,
                                UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR};
    for (int i = 0; i < 6; i++) {
        w[i] = reg(uc, core[i]);
    }
    w[6] = ret_pc & ~1u;
    w[7] = (xpsr & ~(1u << 9)) | (aligner ? 1u << 9 : 0) | 0x01000000u; /* T: Thumb state */
    if (fp) {
        for (int i = 0; i < 16; i++) {
            w[8 + i] = reg(uc, UC_ARM_REG_S0 + i);
        }
        w[24] = reg(uc, UC_ARM_REG_FPSCR);
    }
    memcpy(b->sram + (f - WF_EMU_SRAM_BASE), w, size);
    uint32_t vector = 0;
    read_word(b, emu_core_vtor(b) + 4u * exc, &vector);
    /* The active stack drops by the frame; then handler mode on MSP. */
    set_reg(uc, UC_ARM_REG_SP, f);
    set_reg(uc, UC_ARM_REG_CONTROL, control & ~6u);
    set_reg(uc, UC_ARM_REG_XPSR, 0x01000000u | exc);
    uint32_t exc_ret = 0xFFFFFFE1u | (thread ? 8u : 0) | (psp ? 4u : 0) | (fp ? 0 : 0x10u);
    set_reg(uc, UC_ARM_REG_LR, exc_ret);
    emu_exc_activate(b, exc);
    set_reg(uc, UC_ARM_REG_PC, vector & ~1u);
    if (e->prof) {
        wf_emu_prof_exception(e->prof, exc, ret_pc & ~1u);
    }
    uint32_t insn;
    bool code = read_word(b, vector & ~1u, &insn); /* the handler is in flash or SRAM */
    if (!(vector & 1u) || !code || wf_emu_exc_is_default_handler(e, vector)) {
        e->report.frame_addr = f;
        memcpy(e->report.frame, w, sizeof e->report.frame);
        e->report.exc_return = exc_ret;
        const char *why = !(vector & 1u) ? "its vector has the Thumb bit clear"
                          : !code        ? "its vector points outside flash and SRAM"
                                         : "it reached a default handler (`b .`)";
        return stop_report(e, exc, vector, "%s%s%s%s: %s (vector 0x%08X, PC 0x%08X)",
                           emu_exc_name(exc, name, sizeof name), e->report.what[0] ? " (raised by: " : "",
                           e->report.what, e->report.what[0] ? ")" : "", why, vector, ret_pc & ~1u);
    }
    e->report.what[0] = '\0'; /* handled: the next report starts afresh */
    return 0;
}

int wf_emu_exc_return(struct wf_emu_cpu *e, uint32_t exc_return)
{
    uc_engine *uc = e->uc;
    struct wf_emu *b = e->b;
    unsigned exc = b->core.nvic.ipsr;
    unsigned low = exc_return & 0x1Fu;
    if (exc == 0 || (exc_return & 0xFFFFFFE0u) != 0xFFFFFFE0u ||
        ((low & 0xFu) != 1u && (low & 0xFu) != 9u && (low & 0xFu) != 0xDu)) {
        return wf_emu_stop(
            b, WF_EMU_STOP_FAULT,
            "exception return with EXC_RETURN 0x%08X in %s: invalid (UsageFault INVPC on silicon)",
            exc_return, exc ? "handler mode" : "thread mode");
    }
    bool to_thread = exc_return & 8u, to_psp = exc_return & 4u, fp = !(exc_return & 0x10u);
    if (to_thread && emu_exc_active_count(b) > 1) {
        return wf_emu_stop(b, WF_EMU_STOP_FAULT,
                           "exception return to thread mode with other exceptions still active "
                           "(EXC_RETURN 0x%08X; UsageFault INVPC on silicon)",
                           exc_return);
    }
    uint32_t f = to_psp ? reg(uc, UC_ARM_REG_PSP) : reg(uc, UC_ARM_REG_MSP);
    uint32_t size = fp ? EMU_FRAME_FP : EMU_FRAME_BASIC, w[26];
    if (!in_sram(f, size)) {
        return wf_emu_stop(b, WF_EMU_STOP_FAULT,
                           "exception return: the frame at 0x%08X is not in SRAM (UNSTKERR on silicon)", f);
    }
    memcpy(w, b->sram + (f - WF_EMU_SRAM_BASE), size);
    uint32_t new_sp = f + size + ((w[7] >> 9) & 1u) * 4u;
    emu_exc_deactivate(b, exc, to_thread ? 0 : w[7] & 0x1FFu);
    emu_irq_update(b); /* a line still asserted pends its interrupt again */
    static const int core[6] = {UC_ARM_REG_R0, UC_ARM_REG_R1,  UC_ARM_REG_R2,
                                UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR};
    for (int i = 0; i < 6; i++) {
        set_reg(uc, core[i], w[i]);
    }
    if (fp) {
        for (int i = 0; i < 16; i++) {
            set_reg(uc, UC_ARM_REG_S0 + i, w[8 + i]);
        }
        set_reg(uc, UC_ARM_REG_FPSCR, w[24]);
    }
    if (!to_psp) {
        set_reg(uc, UC_ARM_REG_MSP, new_sp);
    }
    set_reg(uc, UC_ARM_REG_XPSR,
            (w[7] & ~(1u << 9) & ~0x1FFu) | (to_thread ? 0 : w[7] & 0x1FFu) | 0x01000000u);
    uint32_t control = reg(uc, UC_ARM_REG_CONTROL) & ~6u;
    set_reg(uc, UC_ARM_REG_CONTROL, control | (to_thread && to_psp ? 2u : 0) | (fp ? 4u : 0));
    if (to_psp) {
        set_reg(uc, UC_ARM_REG_PSP, new_sp);
    }
    if (exc != EMU_EXC_NMI) {
        set_reg(uc, UC_ARM_REG_FAULTMASK, 0);
    }
    set_reg(uc, UC_ARM_REG_PC, w[6] & ~1u);
    if (e->prof) {
        wf_emu_prof_exception_return(e->prof);
    }
    return 0;
}

/* Whether exception `exc` can preempt now. */
static bool can_preempt(struct wf_emu_cpu *e, unsigned exc)
{
    uc_engine *uc = e->uc;
    int exec = emu_exc_exec_priority(e->b, reg(uc, UC_ARM_REG_PRIMASK), reg(uc, UC_ARM_REG_BASEPRI),
                                     reg(uc, UC_ARM_REG_FAULTMASK));
    return emu_exc_group(e->b, emu_exc_priority(e->b, exc)) < exec;
}

int wf_emu_exc_fault(struct wf_emu_cpu *e, unsigned exc, uint32_t cfsr, uint32_t addr, uint32_t pc,
                     const char *what)
{
    struct wf_emu *b = e->b;
    uint32_t hfsr = 0;
    snprintf(e->report.what, sizeof e->report.what, "%s", what);
    bool bfar = cfsr & (1u << 15), mmfar = cfsr & (1u << 7);
    /* A configurable fault that is disabled or cannot preempt escalates (B1.5.4). */
    if (exc != EMU_EXC_HARDFAULT && (!emu_exc_enabled(b, exc) || !can_preempt(e, exc))) {
        exc = EMU_EXC_HARDFAULT;
        hfsr = 1u << 30; /* FORCED */
    }
    emu_core_fault_status(b, cfsr, hfsr, mmfar ? addr : 0, bfar ? addr : 0);
    if (exc == EMU_EXC_HARDFAULT && !can_preempt(e, exc)) {
        e->report.frame_addr = 0;
        return stop_report(e, exc, 0,
                           "%s at 0x%08X while the execution priority is HardFault's or higher: lockup", what,
                           pc);
    }
    b->core.nvic.pending[exc / 32] |= 1u << (exc % 32);
    return wf_emu_exc_enter(e, exc, pc);
}

int wf_emu_exc_svc(struct wf_emu_cpu *e, uint32_t pc)
{
    struct wf_emu *b = e->b;
    if (!can_preempt(e, EMU_EXC_SVCALL)) {
        /* SVC where SVCall cannot preempt (in a handler of higher or equal priority, or
         * masked): HardFault, FORCED (ARMv7-M B1.5.4). */
        emu_core_fault_status(b, 0, 1u << 30, 0, 0);
        return wf_emu_exc_fault(e, EMU_EXC_HARDFAULT, 0, 0, pc, "SVC while SVCall cannot preempt");
    }
    emu_exc_set_pending(b, EMU_EXC_SVCALL);
    /* The highest-priority pending exception first (SVCall, or one above it). */
    unsigned exc = wf_emu_exc_poll(e);
    return wf_emu_exc_enter(e, exc ? exc : EMU_EXC_SVCALL, pc);
}

unsigned wf_emu_exc_poll(struct wf_emu_cpu *e)
{
    struct wf_emu *b = e->b;
    uc_engine *uc = e->uc;
    b->core.nvic.check = false;
    uint64_t tick = emu_systick_next_irq(b); /* sets SysTick pending on a wrap */
    uint64_t at = e->slice_end;
    if (tick != UINT64_MAX) {
        uint64_t idle = wf_emu_cycles(b) - b->icount; /* stalls and sleeps: cycles without instructions */
        uint64_t icount_at = tick > idle ? tick - idle : 0;
        if (icount_at < at) {
            at = icount_at > b->icount ? icount_at : b->icount + 1;
        }
    }
    unsigned exc = 0;
    if (emu_exc_next(b, EMU_PRIO_THREAD + 1) != 0) { /* something pending and enabled */
        int exec = emu_exc_exec_priority(b, reg(uc, UC_ARM_REG_PRIMASK), reg(uc, UC_ARM_REG_BASEPRI),
                                         reg(uc, UC_ARM_REG_FAULTMASK));
        exc = emu_exc_next(b, exec);
        uint32_t xpsr = reg(uc, UC_ARM_REG_XPSR);
        if (exc != 0 && ((xpsr & 0x0600FC00u) != 0)) {
            exc = 0; /* inside an IT block: taken after it */
        }
        if (exc == 0 && b->icount + 8 < at) {
            at = b->icount + 8; /* masked: look again soon (PRIMASK/BASEPRI change without a hook) */
        }
    }
    e->check_at = at;
    return exc;
}

bool wf_emu_exc_sleep(struct wf_emu_cpu *e)
{
    struct wf_emu *b = e->b;
    uint32_t pc = 0;
    uint16_t insn = 0;
    uc_reg_read((uc_engine *)e->uc, UC_ARM_REG_PC, &pc);
    uint32_t w;
    if (pc < 2 || !read_word(b, (pc - 2) & ~3u, &w)) {
        return false;
    }
    insn = (uint16_t)(((pc - 2) & 2u) ? w >> 16 : w);
    if (insn != 0xBF30u && insn != 0xBF20u) { /* WFI, WFE: Unicorn returns after them */
        return false;
    }
    if (emu_exc_next(b, EMU_PRIO_THREAD + 1) != 0) {
        return true; /* an interrupt is pending (masked or not): WFI returns at once */
    }
    uint64_t now = wf_emu_cycles(b), until = now + wf_emu_hclk(b) / 1000u; /* at most 1 ms per look */
    uint64_t tick = emu_systick_next_irq(b);
    if (tick < until) {
        until = tick;
    }
    if (until > now) {
        b->sleep_cycles += until - now;
        b->sleeps++;
    }
    return true;
}

/* ---- the report ---- */

static void bits(FILE *out, uint32_t v, const char *const *names, unsigned first, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (names[i] && (v >> (first + i)) & 1u) {
            fprintf(out, " %s", names[i]);
        }
    }
}

void wf_emu_exc_report(struct wf_emu_cpu *e, FILE *out)
{
    char name[32];
    uint32_t cfsr, hfsr, mmfar, bfar;
    emu_core_fault_regs(e->b, &cfsr, &hfsr, &mmfar, &bfar);
    const struct wf_emu_fault_report *r = &e->report;
    fprintf(out, "fault report:\n");
    fprintf(out, "  exception: %s (%u)", emu_exc_name(r->exc, name, sizeof name), r->exc);
    if (r->what[0]) {
        fprintf(out, ", raised by: %s", r->what);
    }
    fprintf(out, "\n");
    if (r->handler) {
        fprintf(out, "  handler: ");
        wf_emu_cpu_print_addr(e, out, r->handler);
    }
    if (r->frame_addr) {
        static const char *const fn[8] = {"r0", "r1", "r2", "r3", "r12", "lr", "pc", "xpsr"};
        fprintf(out, "  faulting pc: ");
        wf_emu_cpu_print_addr(e, out, r->frame[6]);
        fprintf(out, "  lr:          ");
        wf_emu_cpu_print_addr(e, out, r->frame[5]);
        fprintf(out, "  stacked frame at 0x%08X (EXC_RETURN 0x%08X):\n   ", r->frame_addr, r->exc_return);
        for (int i = 0; i < 8; i++) {
            fprintf(out, " %s 0x%08X", fn[i], r->frame[i]);
        }
        fprintf(out, "\n");
    }
    static const char *const mm[8] = {"IACCVIOL", "DACCVIOL", NULL, "MUNSTKERR",
                                      "MSTKERR",  "MLSPERR",  NULL, "MMARVALID"};
    static const char *const bf[8] = {"IBUSERR", "PRECISERR", "IMPRECISERR", "UNSTKERR",
                                      "STKERR",  "LSPERR",    NULL,          "BFARVALID"};
    static const char *const uf[10] = {"UNDEFINSTR", "INVSTATE", "INVPC", "NOCP",      NULL,
                                       NULL,         NULL,       NULL,    "UNALIGNED", "DIVBYZERO"};
    static const char *const hf[32] = {[1] = "VECTTBL", [30] = "FORCED", [31] = "DEBUGEVT"};
    fprintf(out, "  CFSR 0x%08X:", cfsr);
    bits(out, cfsr, mm, 0, 8);
    bits(out, cfsr, bf, 8, 8);
    bits(out, cfsr, uf, 16, 10);
    fprintf(out, "\n  HFSR 0x%08X:", hfsr);
    bits(out, hfsr, hf, 0, 32);
    fprintf(out, "\n  MMFAR 0x%08X%s  BFAR 0x%08X%s\n", mmfar, (cfsr & (1u << 7)) ? "" : " (not valid)", bfar,
            (cfsr & (1u << 15)) ? "" : " (not valid)");
    if (r->frame_addr) {
        fprintf(
            out,
            "backtrace (the faulting PC, LR, then return addresses found on the stack above the frame):\n");
        uint32_t size = (r->exc_return & 0x10u) ? EMU_FRAME_BASIC : EMU_FRAME_FP;
        wf_emu_cpu_backtrace(e, out, r->frame[6], r->frame[5],
                             r->frame_addr + size + ((r->frame[7] >> 9) & 1u) * 4u);
    }
}
