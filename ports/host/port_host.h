/**
 * @file port_host.h
 * @brief The host (POSIX) port: CLOCK_MONOTONIC, nanosleep, getrandom, stdout,
 * and an SPI bus whose only slave is the W5100 chip model (sim/chip).
 */
#ifndef WF_PORT_HOST_H
#define WF_PORT_HOST_H

#include "wf_sim_chip.h"
#include "wizfetch/port.h"

#include <stdbool.h>
#include <stdint.h>

/** Host port state; `port` is what the core is given. */
struct wf_port_host {
    struct wf_port port;
    struct wf_sim_chip *model; /**< the chip on the SPI bus (not owned) */
    /* Wall clock source (see wf_port_host_set_clock_unknown). */
    bool clock_unknown; /**< no system clock: unix_time is -1 until set */
    bool clock_set;     /**< wf_port_host_set_unix_time was called */
    int64_t set_secs;   /**< the time given to it ... */
    uint32_t set_ms;    /**< ... and the monotonic ms when it was given */
};

/** Fill `ph` so that `&ph->port` drives `model`. Cannot fail. */
void wf_port_host_init(struct wf_port_host *ph, struct wf_sim_chip *model);

/**
 * Wall clock policy of the host port. By default `port.unix_time` is the
 * system's time(NULL). With `unknown` set it behaves like a board without a
 * battery-backed clock: it reports -1 ("time not known") until
 * wf_port_host_set_unix_time gives it a time (e.g. from SNTP).
 */
void wf_port_host_set_clock_unknown(struct wf_port_host *ph, bool unknown);

/**
 * Set the wall clock: from now on `port.unix_time` returns `secs` plus the
 * whole seconds elapsed (CLOCK_MONOTONIC) since this call, whatever the
 * system clock says.
 */
void wf_port_host_set_unix_time(struct wf_port_host *ph, int64_t secs);

/** CLOCK_MONOTONIC in ms (also usable as the model's clock). */
uint32_t wf_port_host_millis(void *ctx);

#endif
