/**
 * @file port_host.h
 * @brief The host (POSIX) port: CLOCK_MONOTONIC, nanosleep, getrandom, stdout,
 * and an SPI bus whose only slave is the W5100 chip model (sim/chip).
 */
#ifndef WF_PORT_HOST_H
#define WF_PORT_HOST_H

#include "wf_sim_chip.h"
#include "wizfetch/port.h"

/** Host port state; `port` is what the core is given. */
struct wf_port_host {
    struct wf_port port;
    struct wf_sim_chip *model; /**< the chip on the SPI bus (not owned) */
};

/** Fill `ph` so that `&ph->port` drives `model`. Cannot fail. */
void wf_port_host_init(struct wf_port_host *ph, struct wf_sim_chip *model);

/** CLOCK_MONOTONIC in ms (also usable as the model's clock). */
uint32_t wf_port_host_millis(void *ctx);

#endif
