/**
 * @file emu_report.h
 * @brief The end-of-run table: instructions per phase, peak stack, SPI cost and an
 * estimate of the wall time on the real board, as text and as JSON.
 */
#ifndef WF_EMU_REPORT_H
#define WF_EMU_REPORT_H

#include <stdio.h>

#include "emu_cpu.h"
#include "emu_loopgap.h"

struct wf_emu_report_opts {
    double cpi;                           /**< assumed cycles per instruction on the board (estimate only) */
    const struct wf_emu_loopgap *loopgap; /**< the main loop's longest gap (NULL or inactive: none) */
};

/** Print the table to `out`. */
void wf_emu_report_print(struct wf_emu_cpu *e, const struct wf_emu_report_opts *o, FILE *out);
/** Write the same figures as JSON to `path`. Returns 0 or -1. */
int wf_emu_report_json(struct wf_emu_cpu *e, const struct wf_emu_report_opts *o, const char *path);

#endif
