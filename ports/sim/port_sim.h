/**
 * @file port_sim.h
 * @brief The simulation port: the host's CLOCK_MONOTONIC, nanosleep,
 * getrandom and stdout, and an SPI bus whose only slave is the chip model
 * (sim/chip, W5100 or W5500). Every host program and test runs the portable
 * stack through it.
 *
 * A real host port (Linux spidev driving a real W5500 through a USB-SPI
 * bridge or a Raspberry Pi's SPI) would sit beside it as ports/linux-spidev:
 * see docs/porting.md.
 */
#ifndef WF_PORT_SIM_H
#define WF_PORT_SIM_H

#include "wf_sim_chip.h"
#include "wizfetch/port.h"

#include <stdbool.h>
#include <stdint.h>

/** Simulation port state; `port` is what the core is given. */
struct wf_port_sim {
    struct wf_port port;
    struct wf_sim_chip *model; /**< the chip on the SPI bus (not owned) */
    /* Wall clock source (see wf_port_sim_set_clock_unknown). */
    bool clock_unknown; /**< no system clock: unix_time is -1 until set */
    bool clock_set;     /**< wf_port_sim_set_unix_time was called */
    int64_t set_secs;   /**< the time given to it ... */
    uint32_t set_ms;    /**< ... and the monotonic ms when it was given */
};

/** Fill `ph` so that `&ph->port` drives `model`. Cannot fail. */
void wf_port_sim_init(struct wf_port_sim *ph, struct wf_sim_chip *model);

/**
 * Wall clock policy of the host port. By default `port.unix_time` is the
 * system's time(NULL). With `unknown` set it behaves like a board without a
 * battery-backed clock: it reports -1 ("time not known") until
 * wf_port_sim_set_unix_time gives it a time (e.g. from SNTP).
 */
void wf_port_sim_set_clock_unknown(struct wf_port_sim *ph, bool unknown);

/**
 * Set the wall clock: from now on `port.unix_time` returns `secs` plus the
 * whole seconds elapsed (CLOCK_MONOTONIC) since this call, whatever the
 * system clock says.
 */
void wf_port_sim_set_unix_time(struct wf_port_sim *ph, int64_t secs);

/** CLOCK_MONOTONIC in ms (also usable as the model's clock). */
uint32_t wf_port_sim_millis(void *ctx);

#endif
