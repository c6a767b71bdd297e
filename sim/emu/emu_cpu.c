/* Unicorn glue: memory map, hooks, run loop, resets, register dumps. Exceptions:
 * the hooks record what happened (an exception due, an SVC, an exception return, a
 * fault) and stop the CPU; the run loop carries it out (emu_exc.c) and resumes. */
#include "emu_cpu.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#define SLICE 200000u

/* LeakSanitizer (sanitizer builds): libunicorn keeps some translation-cache
 * allocations until process exit; they are not ours to fix. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libunicorn.so\n";
} /* instructions between checks of time limits and the watchdog */

/* QEMU's ARM exception numbers as Unicorn reports them in UC_HOOK_INTR. */
static const char *excp_name(uint32_t n)
{
    switch (n) {
    case 1:
        return "undefined instruction (UsageFault UNDEFINSTR)";
    case 2:
        return "svc";
    case 3:
        return "prefetch abort (instruction fetch fault)";
    case 4:
        return "data abort (bus fault)";
    case 7:
        return "breakpoint";
    case 8:
        return "exception return";
    case 17:
        return "coprocessor instruction with the coprocessor disabled (UsageFault NOCP)";
    case 18:
        return "invalid state (UsageFault INVSTATE: Thumb bit clear?)";
    case 19:
        return "stack limit";
    case 22:
        return "unaligned access (UsageFault UNALIGNED: LDRD/STRD/LDM/STM need alignment)";
    default:
        return "CPU exception";
    }
}

static uint8_t *mem_ptr(struct wf_emu *b, uint32_t addr, uint32_t len)
{
    if (addr >= WF_EMU_FLASH_BASE && addr - WF_EMU_FLASH_BASE <= WF_EMU_FLASH_SIZE - len) {
        return b->flash + (addr - WF_EMU_FLASH_BASE);
    }
    if (addr >= WF_EMU_SRAM_BASE && addr - WF_EMU_SRAM_BASE <= WF_EMU_SRAM_SIZE - len) {
        return b->sram + (addr - WF_EMU_SRAM_BASE);
    }
    return NULL;
}

static bool mem_u16(struct wf_emu *b, uint32_t addr, uint16_t *v)
{
    const uint8_t *p = mem_ptr(b, addr, 2);
    if (p == NULL) {
        return false;
    }
    *v = (uint16_t)(p[0] | (p[1] << 8));
    return true;
}

static bool mem_u32(struct wf_emu *b, uint32_t addr, uint32_t *v)
{
    const uint8_t *p = mem_ptr(b, addr, 4);
    if (p == NULL) {
        return false;
    }
    *v = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    return true;
}

/* ---- hooks ---- */

/* Whether the debugger wants the CPU halted before the instruction at `pc`. */
static bool debug_halts(struct wf_emu_cpu *e, uint32_t pc)
{
    uint64_t n = e->b->icount;
    if (e->step_until != 0 && n >= e->step_until) {
        e->debug_halt = true;
        return true;
    }
    if (pc == e->resume_pc && n == e->resume_icount) {
        return false; /* resuming at a breakpoint: its instruction runs */
    }
    for (unsigned i = 0; i < e->nbreakpoints; i++) {
        if (e->breakpoints[i] == pc) {
            e->debug_halt = true;
            return true;
        }
    }
    return false;
}

static void hook_code(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    struct wf_emu_cpu *e = user;
    struct wf_emu *b = e->b;
    (void)size;
    if (e->debug && debug_halts(e, (uint32_t)address)) {
        b->pc = (uint32_t)address;
        uc_emu_stop(uc); /* not executed: the debugger sees the CPU before it */
        return;
    }
    if (b->icount >= e->check_at) {
        /* The slow path: the slice's end, or an exception may be due. The instruction
         * at `address` does not execute (not counted): the run loop acts, then resumes. */
        if (b->icount >= e->slice_end || (e->take = wf_emu_exc_poll(e)) != 0) {
            uc_emu_stop(uc);
            return;
        }
    }
    if (b->core.nvic.div0_trap) {
        /* SDIV/UDIV (T32: FB90/FBB0 Rn, F0F0 Rd Rm) by zero with CCR.DIV_0_TRP. */
        uint16_t h1, h2;
        uint32_t rm = 1;
        if (mem_u16(b, (uint32_t)address, &h1) && (h1 & 0xFFD0u) == 0xFB90u &&
            mem_u16(b, (uint32_t)address + 2, &h2) && (h2 & 0xF0F0u) == 0xF0F0u &&
            uc_reg_read(uc, UC_ARM_REG_R0 + (h2 & 0xFu), &rm) == UC_ERR_OK && rm == 0) {
            e->fault.exc = EMU_EXC_USAGEFAULT;
            e->fault.cfsr = 1u << 25; /* DIVBYZERO */
            snprintf(e->fault.what, sizeof e->fault.what, "%s by zero at 0x%08" PRIx64,
                     (h1 & 0x20u) ? "UDIV" : "SDIV", address);
            b->pc = (uint32_t)address;
            uc_emu_stop(uc);
            return;
        }
    }
    b->icount++;
    b->pc = (uint32_t)address;
    if (e->prof) {
        wf_emu_prof_insn(e->prof, (uint32_t)address, b->phase_seq, b->phases[b->nphases - 1].name);
    }
    e->last_hook_pc = (uint32_t)address;
    if (!b->fpu_enabled) {
        /* ARMv7-M A5.3.18: coprocessor space is hw1[15:10] = 111011 or 111111; cp10/cp11
         * are the FPU. Unicorn executes them whatever CPACR says; silicon raises NOCP. */
        uint16_t hw1, hw2;
        if (mem_u16(b, (uint32_t)address, &hw1) && (hw1 & 0xEC00u) == 0xEC00u &&
            mem_u16(b, (uint32_t)address + 2, &hw2) && ((hw2 >> 9) & 7u) == 5u) {
            e->fault.exc = EMU_EXC_USAGEFAULT;
            e->fault.cfsr = 1u << 19; /* NOCP */
            snprintf(e->fault.what, sizeof e->fault.what,
                     "floating-point instruction at 0x%08" PRIx64
                     " with the FPU disabled (CPACR CP10/CP11 = 0)",
                     address);
            b->icount--; /* it does not execute */
            uc_emu_stop(uc);
        }
    }
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
    struct wf_emu_cpu *e = user;
    struct wf_emu *b = e->b;
    uint32_t pc = 0, r0 = 0;
    uc_reg_read(uc, UC_ARM_REG_PC, &pc);
    uc_reg_read(uc, UC_ARM_REG_R0, &r0);
    uint16_t insn = 0;
    if (intno == 7 && mem_u16(b, pc & ~1u, &insn) && insn == 0xBEABu) {
        b->stop = WF_EMU_STOP_EXIT;
        b->exit_code = (int)r0;
        snprintf(b->stop_msg, sizeof b->stop_msg, "firmware exit (bkpt #0xAB) with code %u", r0);
    } else if (intno == 7) {
        wf_emu_stop(b, WF_EMU_STOP_FAULT,
                    "breakpoint instruction 0x%04X at 0x%08X (no debugger; HardFault on a board)", insn, pc);
    } else if (intno == 2) {
        e->svc = true; /* PC is past the SVC: the return address */
    } else if (intno == 8) {
        e->exc_return = pc | 1u; /* Unicorn reports the EXC_RETURN value with bit 0 clear */
    } else if (intno == 1 || intno == 17 || intno == 18 || intno == 22) {
        /* UsageFault UNDEFINSTR, NOCP, INVSTATE, UNALIGNED; PC is the instruction's */
        e->fault.exc = EMU_EXC_USAGEFAULT;
        e->fault.cfsr = intno == 1 ? 1u << 16 : intno == 17 ? 1u << 19 : intno == 18 ? 1u << 17 : 1u << 24;
        snprintf(e->fault.what, sizeof e->fault.what, "%s at 0x%08X", excp_name(intno), b->pc);
    } else {
        wf_emu_stop(b, WF_EMU_STOP_FAULT, "%s at 0x%08X (exception %u)", excp_name(intno), pc, intno);
    }
    uc_emu_stop(uc);
}

static bool hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user)
{
    struct wf_emu_cpu *e = user;
    (void)uc;
    (void)value;
    if (type == UC_MEM_FETCH_UNMAPPED && e->b->core.nvic.ipsr == 0 && (addr & 0xFFFFFFE0u) == 0xFFFFFFE0u) {
        wf_emu_stop(e->b, WF_EMU_STOP_FAULT,
                    "branch to the EXC_RETURN value 0x%08" PRIx64 " in thread mode (after PC 0x%08X)", addr,
                    e->b->pc);
    } else if (type == UC_MEM_FETCH_UNMAPPED) {
        /* BusFault IBUSERR, taken when the instruction would execute; the return
         * address is the unfetchable one. */
        e->fault.exc = EMU_EXC_BUSFAULT;
        e->fault.cfsr = 1u << 8;
        e->fault.addr = (uint32_t)addr;
        snprintf(e->fault.what, sizeof e->fault.what,
                 "instruction fetch from unmapped address 0x%08" PRIx64 " (after PC 0x%08X)", addr, e->b->pc);
        e->b->pc = (uint32_t)addr;
    } else if (!wf_emu_is_mmio((uint32_t)addr)) {
        /* Nothing on the bus there: a precise BusFault with BFAR. */
        e->fault.exc = EMU_EXC_BUSFAULT;
        e->fault.cfsr = (1u << 9) | (1u << 15); /* PRECISERR, BFARVALID */
        e->fault.addr = (uint32_t)addr;
        snprintf(e->fault.what, sizeof e->fault.what,
                 "%s of %d byte%s at unmapped address 0x%08" PRIx64 " (PC 0x%08X)",
                 type == UC_MEM_WRITE_UNMAPPED ? "write" : "read", size, size == 1 ? "" : "s", addr,
                 e->b->pc);
    } else {
        wf_emu_stop(e->b, WF_EMU_STOP_UNMODELLED, "unmodelled %s of %d byte%s at 0x%08" PRIx64 " (PC 0x%08X)",
                    type == UC_MEM_WRITE_UNMAPPED ? "write" : "read", size, size == 1 ? "" : "s", addr,
                    e->b->pc);
    }
    return false;
}

/* A store to flash memory: the FLASH interface decides (programming rules). Unicorn
 * performs the raw store after this hook, which equals the programmed value whenever
 * the program was legal; otherwise the old bytes are put back after the slice. */
static bool hook_flash_write(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                             void *user)
{
    struct wf_emu_cpu *e = user;
    (void)type;
    uint32_t off = (uint32_t)addr - WF_EMU_FLASH_BASE;
    if (e->nrestore < 4 && size <= 8 && off + (uint32_t)size <= WF_EMU_FLASH_SIZE) {
        e->restore[e->nrestore].off = off;
        e->restore[e->nrestore].n = (unsigned)size;
        memcpy(e->restore[e->nrestore].bytes, e->b->flash + off, (size_t)size);
    }
    int rc = size <= 4
                 ? wf_emu_flash_write(e->b, (uint32_t)addr, (unsigned)size, (uint32_t)value)
                 : wf_emu_stop(e->b, WF_EMU_STOP_RULE,
                               "%d-byte store to flash at 0x%08" PRIx64 " (PC 0x%08X)", size, addr, e->b->pc);
    if (rc != 0) {
        /* Unicorn stores the whole value after this hook: put back what the flash
         * model holds now: the old bytes (a refused write), or the torn word of a
         * power cut (half of it programmed). */
        if (e->nrestore < 4 && size <= 8 && off + (uint32_t)size <= WF_EMU_FLASH_SIZE) {
            memcpy(e->restore[e->nrestore].bytes, e->b->flash + off, (size_t)size);
        }
        e->nrestore += e->nrestore < 4;
        uc_emu_stop(uc);
    }
    return true;
}

static void hook_guard(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user)
{
    struct wf_emu_cpu *e = user;
    (void)type;
    (void)value;
    uint32_t sp = 0;
    uc_reg_read(uc, UC_ARM_REG_SP, &sp);
    wf_emu_stop(e->b, WF_EMU_STOP_FAULT,
                "stack overflow: %d-byte write at 0x%08" PRIx64
                " inside the stack guard [0x%08X, 0x%08X) (SP 0x%08X, "
                "PC 0x%08X)",
                size, addr, e->guard_lo, e->guard_hi, sp, e->b->pc);
    uc_emu_stop(uc);
}

static uint64_t mmio_read(uc_engine *uc, uint64_t base, uint64_t offset, unsigned size, struct wf_emu_cpu *e)
{
    uint32_t addr = (uint32_t)(base + offset), v = 0;
    if (size == 8) {
        uint32_t hi = 0;
        if (wf_emu_read(e->b, addr, 4, &v) != 0 || wf_emu_read(e->b, addr + 4, 4, &hi) != 0) {
            uc_emu_stop(uc);
        }
        return v | ((uint64_t)hi << 32);
    }
    if (wf_emu_read(e->b, addr, size, &v) != 0) {
        uc_emu_stop(uc);
    }
    if (e->b->core.nvic.check) {
        e->check_at = e->b->icount; /* a read that moved an interrupt line */
    }
    if (e->trace) {
        fprintf(stderr, "[mmio] %08X: read%u  0x%08X -> 0x%08X\n", e->b->pc, size * 8, addr, v);
    }
    return v;
}

static void mmio_write(uc_engine *uc, uint64_t base, uint64_t offset, unsigned size, uint64_t value,
                       struct wf_emu_cpu *e)
{
    uint32_t addr = (uint32_t)(base + offset);
    if (e->trace) {
        fprintf(stderr, "[mmio] %08X: write%u 0x%08X <- 0x%08" PRIX64 "\n", e->b->pc, size * 8, addr, value);
    }
    int rc = size == 8 ? (wf_emu_write(e->b, addr, 4, (uint32_t)value) ||
                          wf_emu_write(e->b, addr + 4, 4, (uint32_t)(value >> 32)))
                       : wf_emu_write(e->b, addr, size, (uint32_t)value);
    if (e->b->core.nvic.check) {
        e->check_at = e->b->icount; /* the next instruction looks: an exception may be due */
    }
    if (rc != 0 || e->b->reset_request) {
        uc_emu_stop(uc);
    }
}

#define WINDOW(name, base)                                                                                   \
    static uint64_t name##_r(uc_engine *uc, uint64_t off, unsigned size, void *u)                            \
    {                                                                                                        \
        return mmio_read(uc, base, off, size, u);                                                            \
    }                                                                                                        \
    static void name##_w(uc_engine *uc, uint64_t off, unsigned size, uint64_t v, void *u)                    \
    {                                                                                                        \
        mmio_write(uc, base, off, size, v, u);                                                               \
    }
WINDOW(periph, 0x40000000u)
WINDOW(ppb, 0xE0000000u)
WINDOW(sysmem, 0x1FFF7000u)

static void flash_changed(void *ctx, uint32_t addr, uint32_t len)
{
    struct wf_emu_cpu *e = ctx;
    uc_ctl_remove_cache((uc_engine *)e->uc, addr, (uint64_t)addr + len);
}

int wf_emu_cpu_open(struct wf_emu_cpu *e, struct wf_emu *b)
{
    memset(e, 0, sizeof *e);
    e->b = b;
    uc_engine *uc;
    uc_err err = uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, &uc);
    if (err != UC_ERR_OK) {
        fprintf(stderr, "wf-board-emu: uc_open: %s\n", uc_strerror(err));
        return -1;
    }
    e->uc = uc;
    uc_hook h;
    if ((err = uc_ctl_set_cpu_model(uc, UC_CPU_ARM_CORTEX_M4)) != UC_ERR_OK ||
        (err = uc_mem_map_ptr(uc, WF_EMU_FLASH_BASE, WF_EMU_FLASH_SIZE, UC_PROT_READ | UC_PROT_EXEC,
                              b->flash)) != UC_ERR_OK ||
        (err = uc_mem_map_ptr(uc, WF_EMU_SRAM_BASE, WF_EMU_SRAM_SIZE, UC_PROT_ALL, b->sram)) != UC_ERR_OK ||
        (err = uc_mmio_map(uc, 0x40000000u, 0x80000u, periph_r, e, periph_w, e)) != UC_ERR_OK ||
        (err = uc_mmio_map(uc, 0xE0000000u, 0x100000u, ppb_r, e, ppb_w, e)) != UC_ERR_OK ||
        (err = uc_mmio_map(uc, 0x1FFF7000u, 0x1000u, sysmem_r, e, sysmem_w, e)) != UC_ERR_OK ||
        (err = uc_hook_add(uc, &h, UC_HOOK_CODE, (void *)hook_code, e, 1, 0)) != UC_ERR_OK ||
        (err = uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)hook_intr, e, 1, 0)) != UC_ERR_OK ||
        (err = uc_hook_add(uc, &h, UC_HOOK_MEM_UNMAPPED, (void *)hook_unmapped, e, 1, 0)) != UC_ERR_OK ||
        (err = uc_hook_add(uc, &h, UC_HOOK_MEM_WRITE_PROT, (void *)hook_flash_write, e, WF_EMU_FLASH_BASE,
                           WF_EMU_FLASH_BASE + WF_EMU_FLASH_SIZE - 1)) != UC_ERR_OK) {
        fprintf(stderr, "wf-board-emu: unicorn set-up: %s\n", uc_strerror(err));
        uc_close(uc);
        e->uc = NULL;
        return -1;
    }
    b->flash_changed = flash_changed;
    b->flash_changed_ctx = e;
    return 0;
}

static uint32_t read_lr(void *ctx)
{
    uint32_t lr = 0;
    uc_reg_read((uc_engine *)ctx, UC_ARM_REG_LR, &lr);
    return lr;
}

int wf_emu_cpu_profile(struct wf_emu_cpu *e, const struct wf_emu_elf *elf)
{
    e->prof = wf_emu_prof_new(elf, read_lr, e->uc);
    return e->prof ? 0 : -1;
}

void wf_emu_cpu_close(struct wf_emu_cpu *e)
{
    wf_emu_prof_free(e->prof);
    e->prof = NULL;
    if (e->uc) {
        uc_close(e->uc);
        e->uc = NULL;
    }
    if (e->b) {
        e->b->flash_changed = NULL;
    }
}

int wf_emu_cpu_set_guard(struct wf_emu_cpu *e, uint32_t lo, uint32_t hi)
{
    uc_hook h;
    if (hi <= lo || uc_hook_add((uc_engine *)e->uc, &h, UC_HOOK_MEM_WRITE, (void *)hook_guard, e, lo,
                                hi - 1) != UC_ERR_OK) {
        return -1;
    }
    e->guard_lo = lo;
    e->guard_hi = hi;
    return 0;
}

static bool sym(const struct wf_emu_elf *elf, const char *const *names, uint32_t *v)
{
    for (; *names; names++) {
        if (wf_emu_elf_lookup(elf, *names, v)) {
            return true;
        }
    }
    return false;
}

void wf_emu_cpu_use_symbols(struct wf_emu_cpu *e, const struct wf_emu_elf *elf)
{
    static const char *const guard_lo[] = {"_stack_guard_start", "__stack_guard_start", NULL};
    static const char *const guard_hi[] = {"_stack_guard_end", "__stack_guard_end", NULL};
    static const char *const stack_lo[] = {"_stack_guard_end", "_sstack",       "_stack_start",
                                           "__stack_start__",  "_stack_bottom", NULL};
    static const char *const stack_hi[] = {"_estack", "__stack_end__", "_stack_end", "__StackTop", NULL};
    e->elf = elf;
    uint32_t lo, hi;
    if (sym(elf, guard_lo, &lo) && sym(elf, guard_hi, &hi) && hi > lo) {
        wf_emu_cpu_set_guard(e, lo, hi);
    }
    if (sym(elf, stack_lo, &lo) && sym(elf, stack_hi, &hi) && hi > lo) {
        e->stack_lo = lo;
        e->stack_hi = hi;
    }
}

int wf_emu_cpu_reset(struct wf_emu_cpu *e)
{
    uc_engine *uc = e->uc;
    uint32_t sp, pc, zero = 0, lr = 0xFFFFFFFFu, xpsr = 0x01000000u;
    if (!mem_u32(e->b, WF_EMU_FLASH_BASE, &sp) || !mem_u32(e->b, WF_EMU_FLASH_BASE + 4, &pc)) {
        return -1;
    }
    for (int r = UC_ARM_REG_R0; r <= UC_ARM_REG_R12; r++) {
        uc_reg_write(uc, r, &zero);
    }
    uc_reg_write(uc, UC_ARM_REG_CONTROL, &zero);
    uc_reg_write(uc, UC_ARM_REG_PRIMASK, &zero);
    uc_reg_write(uc, UC_ARM_REG_BASEPRI, &zero);
    uc_reg_write(uc, UC_ARM_REG_FAULTMASK, &zero);
    uc_reg_write(uc, UC_ARM_REG_PSP, &zero);
    e->take = 0; /* nothing the hooks recorded survives a reset */
    e->svc = false;
    e->exc_return = 0;
    e->fault.exc = 0;
    uc_reg_write(uc, UC_ARM_REG_MSP, &sp);
    uc_reg_write(uc, UC_ARM_REG_SP, &sp);
    uc_reg_write(uc, UC_ARM_REG_LR, &lr);
    uc_reg_write(uc, UC_ARM_REG_XPSR, &xpsr);
    uc_reg_write(uc, UC_ARM_REG_FPSCR, &zero);
    if (!(pc & 1u)) {
        return wf_emu_stop(e->b, WF_EMU_STOP_FAULT,
                           "reset vector 0x%08X has the Thumb bit clear: INVSTATE on the first instruction",
                           pc);
    }
    if ((sp & 3u) || mem_ptr(e->b, sp - 4, 4) == NULL) {
        return wf_emu_stop(e->b, WF_EMU_STOP_FAULT,
                           "initial stack pointer 0x%08X is not in SRAM or not aligned", sp);
    }
    pc &= ~1u;
    uc_reg_write(uc, UC_ARM_REG_PC, &pc);
    if (e->prof) {
        wf_emu_prof_reset(e->prof);
    }
    return 0;
}

static void apply_restores(struct wf_emu_cpu *e)
{
    for (unsigned i = 0; i < e->nrestore; i++) {
        memcpy(e->b->flash + e->restore[i].off, e->restore[i].bytes, e->restore[i].n);
    }
    e->nrestore = 0;
}

/* After the CPU stopped: what the hooks recorded (a fault, an SVC, an exception
 * return, an exception to take) is carried out. 1 if the CPU state changed. */
static int run_exceptions(struct wf_emu_cpu *e)
{
    int acted = 0;
    if (e->fault.exc) {
        unsigned exc = e->fault.exc;
        e->fault.exc = 0;
        uint32_t pc = e->b->pc;
        uc_reg_write(e->uc, UC_ARM_REG_PC, &pc);
        (void)wf_emu_exc_fault(e, exc, e->fault.cfsr, e->fault.addr, pc, e->fault.what);
        acted = 1;
    } else if (e->svc) {
        e->svc = false;
        uint32_t pc = 0;
        uc_reg_read(e->uc, UC_ARM_REG_PC, &pc);
        (void)wf_emu_exc_svc(e, pc);
        acted = 1;
    } else if (e->exc_return) {
        uint32_t v = e->exc_return;
        e->exc_return = 0;
        (void)wf_emu_exc_return(e, v);
        acted = 1;
    }
    if (e->take && e->b->stop == WF_EMU_STOP_NONE) {
        unsigned exc = e->take;
        e->take = 0;
        uint32_t pc = 0;
        uc_reg_read(e->uc, UC_ARM_REG_PC, &pc);
        (void)wf_emu_exc_enter(e, exc, pc);
        acted = 1;
    }
    e->take = 0;
    return acted && e->b->stop == WF_EMU_STOP_NONE;
}

enum wf_emu_stop wf_emu_cpu_run(struct wf_emu_cpu *e)
{
    struct wf_emu *b = e->b;
    uc_engine *uc = e->uc;
    /* Unicorn runs VFP instructions regardless; FPEXC.EN as on a core with the FPU on.
     * CPACR is enforced by the code hook. */
    uint32_t fpexc = 0x40000000u;
    uc_reg_write(uc, UC_ARM_REG_FPEXC, &fpexc);
    while (b->stop == WF_EMU_STOP_NONE && !e->debug_halt) {
        if (e->debug_poll && e->debug_poll(e->debug_ctx)) {
            e->debug_halt = true;
            break;
        }
        if (b->reset_request) {
            bool wd = b->reset_cause && strcmp(b->reset_cause, "watchdog reset") == 0;
            fprintf(stderr, "wf-board-emu: %s at %.3f s (emulated); restarting the image\n", b->reset_cause,
                    (double)wf_emu_time_ps(b) / 1e12);
            wf_emu_reset(b, false, wd ? EMU_RCC_CSR_IWDGRSTF : EMU_RCC_CSR_SFTRSTF);
            if (wd) {
                b->watchdog_resets++;
            }
            if (wf_emu_cpu_reset(e) != 0) {
                break;
            }
        }
        uint64_t slice = SLICE;
        if (e->max_instructions && e->max_instructions - b->icount < slice) {
            slice = e->max_instructions - b->icount;
        }
        e->slice_end = b->icount + slice;
        e->check_at = b->icount; /* the first instruction looks for a due exception */
        uint32_t pc = 0;
        uc_reg_read(uc, UC_ARM_REG_PC, &pc);
        e->last_hook_pc = 0xFFFFFFFFu;
        uc_err err = uc_emu_start(uc, pc | 1u, 0, 0, 0);
        apply_restores(e);
        if (b->stop == WF_EMU_STOP_NONE && e->fault.exc == 0 &&
            (err == UC_ERR_INSN_INVALID || err == UC_ERR_READ_UNALIGNED || err == UC_ERR_WRITE_UNALIGNED)) {
            uint16_t h1 = 0, h2 = 0;
            mem_u16(b, b->pc, &h1);
            mem_u16(b, b->pc + 2, &h2);
            e->fault.exc = EMU_EXC_USAGEFAULT;
            e->fault.cfsr = err == UC_ERR_INSN_INVALID ? 1u << 16 : 1u << 24; /* UNDEFINSTR, UNALIGNED */
            snprintf(e->fault.what, sizeof e->fault.what, "%s at 0x%08X (%04X %04X)",
                     err == UC_ERR_INSN_INVALID ? "undefined instruction" : "unaligned access", b->pc, h1,
                     h2);
        }
        if (b->stop == WF_EMU_STOP_NONE && run_exceptions(e) != 0) {
            continue; /* an exception was entered or returned from: resume there */
        }
        if (e->debug_halt) {
            break; /* the debugger takes over (an error from a halted TB is not the CPU's) */
        }
        if (err == UC_ERR_OK && b->stop == WF_EMU_STOP_NONE && !b->reset_request &&
            b->icount < e->slice_end) {
            (void)wf_emu_exc_sleep(e); /* WFI/WFE: time runs on without instructions */
        }
        if (err != UC_ERR_OK && b->stop == WF_EMU_STOP_NONE) {
            uint16_t h1 = 0, h2 = 0;
            mem_u16(b, b->pc, &h1);
            mem_u16(b, b->pc + 2, &h2);
            if (err == UC_ERR_INSN_INVALID) {
                wf_emu_stop(b, WF_EMU_STOP_FAULT,
                            "undefined instruction at 0x%08X (%04X %04X): UsageFault UNDEFINSTR on silicon",
                            b->pc, h1, h2);
            } else if (err == UC_ERR_READ_UNALIGNED || err == UC_ERR_WRITE_UNALIGNED) {
                wf_emu_stop(b, WF_EMU_STOP_FAULT,
                            "unaligned access by the instruction at 0x%08X: UsageFault UNALIGNED", b->pc);
            } else {
                wf_emu_stop(b, WF_EMU_STOP_FAULT, "%s at PC 0x%08X", uc_strerror(err), b->pc);
            }
        }
        if (b->stop != WF_EMU_STOP_NONE) {
            break;
        }
        wf_emu_tick(b);
        if (e->max_ps && wf_emu_time_ps(b) >= e->max_ps) {
            wf_emu_stop(b, WF_EMU_STOP_TIMEOUT, "emulated time limit of %.3f s reached",
                        (double)e->max_ps / 1e12);
        } else if (e->max_instructions && b->icount >= e->max_instructions) {
            wf_emu_stop(b, WF_EMU_STOP_TIMEOUT, "instruction budget of %" PRIu64 " reached",
                        e->max_instructions);
        }
    }
    return b->stop;
}

/* ---- fault report ---- */

void wf_emu_cpu_print_addr(struct wf_emu_cpu *e, FILE *out, uint32_t addr)
{
    uint32_t off = 0;
    const struct wf_emu_elf_sym *s = e->elf ? wf_emu_elf_func_at(e->elf, addr, &off) : NULL;
    if (s) {
        fprintf(out, "0x%08X  %s+0x%X\n", addr & ~1u, s->name, off);
    } else {
        fprintf(out, "0x%08X  ?\n", addr & ~1u);
    }
}

/* A return address is odd (Thumb) and follows a BL or BLX. */
static bool after_call(struct wf_emu *b, uint32_t ret)
{
    uint16_t h1, h2, h;
    uint32_t a = ret & ~1u;
    if (mem_u16(b, a - 4, &h1) && mem_u16(b, a - 2, &h2) && (h1 & 0xF800u) == 0xF000u &&
        (h2 & 0xD000u) == 0xD000u) {
        return true; /* BL imm */
    }
    return mem_u16(b, a - 2, &h) && (h & 0xFF87u) == 0x4780u; /* BLX Rm */
}

void wf_emu_cpu_dump(struct wf_emu_cpu *e, FILE *out)
{
    uc_engine *uc = e->uc;
    static const char *const names[] = {"r0", "r1", "r2", "r3",  "r4",  "r5", "r6",
                                        "r7", "r8", "r9", "r10", "r11", "r12"};
    uint32_t r[13], sp, lr, pc, xpsr;
    for (int i = 0; i < 13; i++) {
        uc_reg_read(uc, UC_ARM_REG_R0 + i, &r[i]);
    }
    uc_reg_read(uc, UC_ARM_REG_SP, &sp);
    uc_reg_read(uc, UC_ARM_REG_LR, &lr);
    uc_reg_read(uc, UC_ARM_REG_PC, &pc);
    uc_reg_read(uc, UC_ARM_REG_XPSR, &xpsr);
    fprintf(out, "registers:\n");
    for (int i = 0; i < 13; i++) {
        fprintf(out, "  %-3s 0x%08X%s", names[i], r[i], (i % 4 == 3) ? "\n" : "");
    }
    fprintf(out, "  sp  0x%08X  lr  0x%08X  pc   0x%08X  xpsr 0x%08X\n", sp, lr, pc, xpsr);
    fprintf(out, "  instruction at the stop: 0x%08X; instructions executed: %" PRIu64 "\n", e->b->pc,
            e->b->icount);
    fprintf(out, "backtrace (best effort: PC, LR, then stack words that look like return addresses):\n");
    wf_emu_cpu_backtrace(e, out, e->b->pc, lr, sp);
}

void wf_emu_cpu_backtrace(struct wf_emu_cpu *e, FILE *out, uint32_t pc, uint32_t lr, uint32_t sp)
{
    fprintf(out, "  #0 ");
    wf_emu_cpu_print_addr(e, out, pc);
    fprintf(out, "  #1 ");
    wf_emu_cpu_print_addr(e, out, lr);
    unsigned frame = 2;
    uint32_t top = e->stack_hi ? e->stack_hi : WF_EMU_SRAM_BASE + WF_EMU_SRAM_SIZE;
    for (uint32_t a = sp & ~3u; a + 4 <= top && frame < 24; a += 4) {
        uint32_t w;
        if (!mem_u32(e->b, a, &w) || !(w & 1u) || w == lr) {
            continue;
        }
        uint32_t off;
        if (e->elf && wf_emu_elf_func_at(e->elf, w, &off) && after_call(e->b, w)) {
            fprintf(out, "  #%u ", frame++);
            wf_emu_cpu_print_addr(e, out, w);
        }
    }
}

long wf_emu_cpu_stack_peak(const struct wf_emu_cpu *e, uint32_t *paint)
{
    if (e->stack_hi == 0) {
        return -1;
    }
    /* The paint word is whatever the lowest stack words hold, provided that the
     * startup painted them (SRAM starts random: four equal words are no accident). */
    uint32_t lo = (e->stack_lo + 3u) & ~3u, p0, w;
    if (!mem_u32(e->b, lo, &p0)) {
        return -1;
    }
    for (uint32_t a = lo + 4; a < lo + 16; a += 4) {
        if (!mem_u32(e->b, a, &w) || w != p0) {
            return -1;
        }
    }
    if (paint) {
        *paint = p0;
    }
    for (uint32_t a = lo; a + 4 <= e->stack_hi; a += 4) {
        if (!mem_u32(e->b, a, &w)) {
            return -1;
        }
        if (w != p0) {
            return (long)(e->stack_hi - a);
        }
    }
    return 0;
}
