/**
 * @file wait.h
 * @brief The one way the core waits for the chip: a deadline from the port's
 * millisecond clock, a few fast polls, then 1 ms pauses between polls (so a
 * long wait does not flood the SPI bus and a firmware can feed its watchdog in
 * delay_ms). Internal header.
 */
#ifndef WF_COMMON_WAIT_H
#define WF_COMMON_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "wizfetch/config.h"
#include "wizfetch/port.h"

struct wf_wait {
    const struct wf_port *port;
    uint32_t deadline;
    uint32_t polls;
};

/** Start a wait that ends `timeout_ms` from now. */
static inline void wf_wait_start(struct wf_wait *w, const struct wf_port *port, uint32_t timeout_ms)
{
    w->port = port;
    w->deadline = wf_port_millis(port) + timeout_ms;
    w->polls = 0;
}

/** True once the deadline has passed. */
static inline bool wf_wait_expired(const struct wf_wait *w)
{
    return wf_port_expired(w->port, w->deadline);
}

/**
 * Call between two polls: returns false once the deadline has passed (stop
 * waiting), otherwise pauses as appropriate and returns true.
 */
static inline bool wf_wait_again(struct wf_wait *w)
{
    if (wf_wait_expired(w)) {
        return false;
    }
    if (++w->polls > WF_NET_SPIN_POLLS) {
        w->port->delay_ms(w->port->ctx, 1);
    }
    return true;
}

#endif
