/**
 * @file fw_superloop.h
 * @brief The superloop mode of the firmware (WF_FW_SUPERLOOP=1; docs/firmware.md,
 * "Superloop mode"): one main loop that runs a fixed 1 kHz job and drives the
 * fetch (and, with WF_FW_REPORT_S, telemetry reports at the same time, each on
 * its own socket and TLS context) with wf_fetch_start/wf_fetch_poll, never
 * waiting for the network. Each iteration begins with a call of
 * wf_superloop_iteration(), the mark the emulator measures the loop's longest
 * gap by (sim/emu/emu_loopgap.h).
 */
#ifndef WF_FW_SUPERLOOP_H
#define WF_FW_SUPERLOOP_H

#include <stdarg.h>

#include "wizfetch/chip.h"
#include "wizfetch/fetch.h"
#include "wizfetch/socket.h"
#include "wizfetch/tls.h"

/** What main.c brought up before the loop (chip started, TLS contexts set up). */
struct fw_superloop_env {
    const struct wf_port *port;
    wf_chip_t *chip;
    wf_net_t *net;                              /**< the chip's sockets, every transfer's */
    wf_tls_t *tls;                              /**< the GET's TLS context */
    wf_tls_t *report_tls;                       /**< the reports' (WF_FW_REPORT_S > 0), else NULL */
    struct wf_fetch_options *options;           /**< the GET: URL, timeouts (the DNS servers are set here) */
    const struct wf_fetch_callbacks *callbacks; /**< the GET's */
    void (*say)(const char *fmt, ...);          /**< a console line (at most 159 bytes) */
    void (*console)(const char *text, size_t len); /**< console text as it is */
    void (*say_memory)(void);                      /**< the memory figures */
};

/** The mark of one iteration: called first in every iteration (never inlined). */
void wf_superloop_iteration(void);

/** Run the loop until the GET and the reports are over, then wf_board_exit(). Never returns. */
_Noreturn void fw_superloop_run(const struct fw_superloop_env *env);

#endif
