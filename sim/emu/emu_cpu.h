/**
 * @file emu_cpu.h
 * @brief The CPU side of the board emulator: a Cortex-M4F on Unicorn 2 wired to
 * the machine models (emu_machine.h).
 *
 * Memory map: flash (read/execute; writes go to the FLASH interface's programming
 * rules), SRAM, and three MMIO windows decoded by the board: peripherals
 * 0x40000000-0x4007FFFF, the private peripheral bus 0xE0000000-0xE00FFFFF and the
 * system-memory page with the unique ID 0x1FFF7000-0x1FFF7FFF. Everything else is
 * unmapped: any access stops the run (WF_EMU_STOP_UNMODELLED; an instruction fetch
 * there is a WF_EMU_STOP_FAULT). The flash alias at address 0 is not mapped either, so a
 * NULL dereference stops the run (silicon would read the boot alias).
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
