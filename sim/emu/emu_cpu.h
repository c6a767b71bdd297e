/**
 * @file emu_cpu.h
 * @brief The CPU side of the board emulator: a Cortex-M4F on Unicorn 2 wired to
 * the machine models (emu_machine.h).
 *
 * Memory map: flash (read/execute; writes go to the FLASH interface's programming
 * rules), SRAM, and three MMIO windows decoded by the board: peripherals
 * 0x40000000-0x4007FFFF, the private peripheral bus 0xE0000000-0xE00FFFFF and the
 * system-memory page with the unique ID 0x1FFF7000-0x1FFF7FFF. Everything else is
 * unmapped: an access there is a BusFault (precise, BFAR; an instruction fetch:
 * IBUSERR), taken as on silicon or ending in the fault report (emu_exc.c,
 * docs/emulator.md). The flash alias at address 0 is not mapped either, so a NULL
 * dereference faults (silicon would read the boot alias).
 *
 * Exit convention: `bkpt #0xAB` with r0 = exit code ends the run (WF_EMU_STOP_EXIT).
 * DHCSR.C_DEBUGEN reads 1 in the emulator, so a firmware can guard the bkpt with
 * it (on a board without a debugger a bkpt would fault).
 */
#ifndef WF_EMU_CPU_H
#define WF_EMU_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "emu_machine.h"
#include "emu_elf.h"
#include "emu_prof.h"

struct wf_emu_cpu {
    void *uc; /**< uc_engine */
    struct wf_emu *b;
    const struct wf_emu_elf *elf; /**< symbols (may be NULL) */
    uint32_t guard_lo, guard_hi;  /**< stack guard [lo, hi): writes there are a fault; 0,0 = none */
    uint32_t stack_lo, stack_hi;  /**< painted stack [lo, hi) for the peak measurement; 0,0 = none */
    uint64_t max_instructions;    /**< 0 = no limit */
    uint64_t max_ps;              /**< emulated-time limit, 0 = none */
    bool trace;                   /**< log every device-register access to stderr */
    uint64_t slice_end;
    uint32_t last_hook_pc;
    struct {
        uint32_t off;
        uint8_t bytes[8];
        unsigned n;
    } restore[4];
    unsigned nrestore;
    uint64_t last_rx_poll;
    struct wf_emu_prof *prof; /**< --profile: NULL when not profiling (no cost then) */

    /* exceptions (emu_exc.c) */
    uint64_t check_at;   /**< icount at which the code hook takes its slow path (slice end, SysTick, ...) */
    unsigned take;       /**< an exception the run loop enters before restarting the CPU (0: none) */
    bool svc;            /**< an SVC instruction executed (PC is past it) */
    uint32_t exc_return; /**< a branch to this EXC_RETURN value in handler mode; 0: none */
    struct {             /**< a synchronous fault raised by an instruction, to be taken */
        unsigned exc;    /**< EMU_EXC_BUSFAULT, ... ; 0: none */
        uint32_t cfsr, addr;
        char what[160];
    } fault;
    /* a debugger (emu_gdb.c); none of this costs anything while `debug` is false */
    bool debug;      /**< a debugger is attached: breakpoints and steps are checked */
    bool debug_halt; /**< the run returns to the debugger (breakpoint, step, watchpoint, interrupt) */
    uint32_t debug_watch_addr; /**< the watchpoint hit (with debug_watch_kind 2/3/4), else 0 kind */
    unsigned debug_watch_kind;
    uint64_t step_until; /**< halt before executing instruction number step_until; 0: not stepping */
    uint32_t resume_pc;  /**< the instruction resumed at: its breakpoint does not halt at once */
    uint64_t resume_icount;
    uint32_t breakpoints[32];
    unsigned nbreakpoints;
    bool (*debug_poll)(void *ctx); /**< called between slices: true = halt (Ctrl-C) */
    void *debug_ctx;
    struct wf_emu_fault_report {
        bool valid;
        unsigned exc;        /**< the exception that reached a default handler */
        uint32_t handler;    /**< its handler's address */
        uint32_t frame_addr; /**< where the frame was stacked */
        uint32_t frame[8];   /**< r0 r1 r2 r3 r12 lr pc xpsr as stacked */
        uint32_t exc_return; /**< LR at the handler */
        char what[160];      /**< what raised it */
    } report;
};

/** Open the CPU and map memory and devices onto `b`. Returns 0 or -1 (message on stderr). */
int wf_emu_cpu_open(struct wf_emu_cpu *e, struct wf_emu *b);
void wf_emu_cpu_close(struct wf_emu_cpu *e);
/** Take the stack guard and painted stack from the symbols of `elf` (names in emu.c). */
void wf_emu_cpu_use_symbols(struct wf_emu_cpu *e, const struct wf_emu_elf *elf);
/** Writes into [lo, hi) stop the run as a stack overflow. Returns 0 or -1. */
int wf_emu_cpu_set_guard(struct wf_emu_cpu *e, uint32_t lo, uint32_t hi);
/** Profile the run (emu_prof.h) with the functions of `elf`. Returns 0 or -1 (message on stderr). */
int wf_emu_cpu_profile(struct wf_emu_cpu *e, const struct wf_emu_elf *elf);
/** Reset the CPU: SP and PC from the vector table at the start of flash. */
int wf_emu_cpu_reset(struct wf_emu_cpu *e);
/** Run until the board stops (exit, fault, unmodelled access, rule, time limit). */
enum wf_emu_stop wf_emu_cpu_run(struct wf_emu_cpu *e);
/* ---- exceptions (emu_exc.c) ---- */
/** Enter exception `exc` (stacking, EXC_RETURN in LR, the vector from VTOR); `ret_pc` is
 * the stacked return address. 0, or -1 having stopped the run (stacking error, default
 * handler: see wf_emu_exc_report). */
int wf_emu_exc_enter(struct wf_emu_cpu *e, unsigned exc, uint32_t ret_pc);
/** Return from the current exception with EXC_RETURN `exc_return`: unstacking. 0 or -1. */
int wf_emu_exc_return(struct wf_emu_cpu *e, uint32_t exc_return);
/** A synchronous fault (`exc` BusFault, UsageFault, MemManage or HardFault) at the
 * instruction `pc`: taken, escalated to HardFault, or the run stops (lockup). */
int wf_emu_exc_fault(struct wf_emu_cpu *e, unsigned exc, uint32_t cfsr, uint32_t addr, uint32_t pc,
                     const char *what);
/** An SVC executed; `pc` is the instruction after it. 0 or -1 (stopped). */
int wf_emu_exc_svc(struct wf_emu_cpu *e, uint32_t pc);
/** The code hook's slow path: SysTick brought up to date; the exception to take now (0: none);
 * sets e->check_at for the next look. */
unsigned wf_emu_exc_poll(struct wf_emu_cpu *e);
/** After the CPU returned: if it stopped after a WFI/WFE, sleep (emulated time runs to
 * the next SysTick interrupt, 1 ms at most; nothing when one is pending). True if so. */
bool wf_emu_exc_sleep(struct wf_emu_cpu *e);
/** Whether the handler at `addr` is a default one: its first instruction is `b .`. */
bool wf_emu_exc_is_default_handler(struct wf_emu_cpu *e, uint32_t addr);
/** The fault report (faulting PC, LR, frame, CFSR/HFSR/MMFAR/BFAR decoded, backtrace). */
void wf_emu_exc_report(struct wf_emu_cpu *e, FILE *out);

/** "0xADDR  function+0xOFF" and a newline. */
void wf_emu_cpu_print_addr(struct wf_emu_cpu *e, FILE *out, uint32_t addr);
/** A best-effort backtrace: `pc`, `lr`, then stack words from `sp` up that look like return addresses. */
void wf_emu_cpu_backtrace(struct wf_emu_cpu *e, FILE *out, uint32_t pc, uint32_t lr, uint32_t sp);
/** Registers and a best-effort backtrace to `out`. */
void wf_emu_cpu_dump(struct wf_emu_cpu *e, FILE *out);
/**
 * Peak stack use in bytes: the distance from the stack top to the lowest word that
 * no longer holds the paint. The paint word is read from the bottom of the stack
 * region (the startup paints it with any constant; four equal words required), so
 * no pattern needs agreeing on. -1 when unknown (no symbols, or not painted).
 */
long wf_emu_cpu_stack_peak(const struct wf_emu_cpu *e, uint32_t *paint);

#endif
