/**
 * @file emu_loopgap.h
 * @brief The longest gap between two iterations of a firmware's main loop.
 *
 * A firmware whose main loop must never be held up (the superloop image,
 * apps/firmware/fw_superloop.c) calls a function named
 * WF_EMU_LOOPGAP_SYMBOL once per iteration. When the ELF has a function of that
 * name, the emulator hooks its first instruction (a Unicorn code hook bounded to
 * that one address: no cost anywhere else) and measures, between two consecutive
 * calls, the instructions executed (interrupt handlers included; none while the
 * CPU sleeps in WFI, since sleeping is the loop having nothing to do). The
 * longest such gap is reported with the phase (the console's "[phase] NAME"
 * markers) current at its start (where the work that held the loop began) and
 * at its end, and as an estimated time on the
 * board: instructions x CPI / HCLK at that moment. An image without the symbol
 * has no loop-gap figures.
 */
#ifndef WF_EMU_LOOPGAP_H
#define WF_EMU_LOOPGAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "emu_cpu.h"
#include "emu_elf.h"

/** The function a firmware calls at the top of each iteration of its main loop. */
#define WF_EMU_LOOPGAP_SYMBOL "wf_superloop_iteration"

struct wf_emu_loopgap {
    bool active;           /**< the ELF has the symbol and the hook is in */
    uint32_t addr;         /**< its first instruction (Thumb bit clear) */
    struct wf_emu *b;      /**< the machine (icount, phases, HCLK) */
    uint64_t iterations;   /**< calls seen */
    uint64_t last_icount;  /**< icount at the previous call */
    char last_phase[24];   /**< the phase at the previous call */
    uint64_t longest;      /**< instructions between two calls, the most seen */
    uint64_t longest_end;  /**< the iteration that ended it (1-based) */
    uint32_t longest_hclk; /**< HCLK (Hz) when it ended */
    char longest_from[24]; /**< phase at its start */
    char longest_to[24];   /**< phase at its end */
};

/**
 * Find WF_EMU_LOOPGAP_SYMBOL in `elf` and hook it on `e`'s CPU. Not found:
 * inactive, 0. Returns -1 (message on stderr) only if the hook cannot be added.
 */
int wf_emu_loopgap_attach(struct wf_emu_loopgap *g, struct wf_emu_cpu *e, const struct wf_emu_elf *elf);

/** The longest gap's estimated time on the board in ms at `cpi` cycles per instruction. */
double wf_emu_loopgap_board_ms(const struct wf_emu_loopgap *g, double cpi);

/** One "loop gap: ..." line (nothing when inactive). */
void wf_emu_loopgap_print(const struct wf_emu_loopgap *g, double cpi, FILE *out);

/** The JSON member "loop_gap": {...} followed by ",\n" (nothing when inactive). */
void wf_emu_loopgap_json(const struct wf_emu_loopgap *g, double cpi, FILE *f);

#endif
