/**
 * @file emu_gdb.h
 * @brief A GDB remote serial protocol stub for the board emulator
 * (`wf-board-emu --gdb PORT`), on 127.0.0.1 only, one debugger connection.
 *
 * Packets: qSupported (PacketSize, qXfer:features:read, swbreak, hwbreak), the
 * target description (org.gnu.gdb.arm.m-profile r0-r12 sp lr pc xpsr,
 * org.gnu.gdb.arm.vfp d0-d15 fpscr, org.gnu.gdb.arm.m-system msp psp primask
 * basepri faultmask control), g/G, p/P, m/M/X (flash and SRAM only: reading a
 * peripheral register would have side effects; flash writes are direct, like a
 * debugger's flash loader), Z0/z0 and Z1/z1 (address hooks in the emulator, the
 * image is never patched), Z2/Z3/Z4 watchpoints (write/read/access memory hooks),
 * s, c, Ctrl-C (0x03, seen between slices of the run), ?, k, D, and the thread
 * queries gdb sends (one thread). Anything else gets the empty reply (unsupported).
 *
 * Stop replies: T05 (breakpoint, step, interrupt: SIGTRAP), T05watch/rwatch/awatch
 * with the address, T0B (SIGSEGV) when the run stopped on a fault or unmodelled
 * access (registers and memory stay readable), W<code> when the firmware exited;
 * continuing after a stop that ends the run answers W with the run's exit code.
 */
#ifndef WF_EMU_GDB_H
#define WF_EMU_GDB_H

#include <stdint.h>

#include "emu_cpu.h"

/** Exit code of a run ended by gdb's `kill`. */
#define WF_EMU_EXIT_GDB_KILL 0x76

/**
 * Listen on 127.0.0.1:`port`, wait for gdb, and serve it until it detaches (the
 * run then goes on without it), kills the run, or the run ends and gdb has been
 * told. `e` is reset and ready to run. Returns 0, or -1 when the port cannot be
 * served (message on stderr). After it returns, b->stop says how the run ended
 * (WF_EMU_STOP_NONE after a detach: call wf_emu_cpu_run to finish).
 */
int wf_emu_gdb_serve(struct wf_emu_cpu *e, uint16_t port);

/** Exit code of the run as gdb's W packet gives it (the emulator's exit code rules). */
int wf_emu_gdb_exit_code(const struct wf_emu *b);

#endif
