/**
 * @file fetch_multi.h
 * @brief Several fetches at once under one main loop: a small round-robin
 * set of started fetches on one wf_net_t.
 *
 * The caller starts each fetch (wf_fetch_start or wf_fetch_session_start:
 * its own wf_fetch_t, and for https its own wf_tls_t; see fetch.h on
 * transfers at once), adds it, and calls wf_fetch_multi_poll from its loop;
 * each call polls every fetch in the set once, never waiting, and hands back
 * the first that is over. Nothing is allocated; the set only holds pointers.
 * Polling the fetches one by one with wf_fetch_poll does the same: the set
 * adds the bound on their number and the order.
 *
 * Example:
 *   wf_fetch_multi_init(&m, &net);
 *   wf_fetch_start(&f[0], &net, &tls[0], &o[0], &cb[0], &r[0]); wf_fetch_multi_add(&m, &f[0]);
 *   wf_fetch_start(&f[1], &net, &tls[1], &o[1], &cb[1], &r[1]); wf_fetch_multi_add(&m, &f[1]);
 *   while (m.count > 0) {
 *       wf_fetch_t *done;
 *       int rc = wf_fetch_multi_poll(&m, &done);
 *       if (rc != WF_EAGAIN) { ... done is over with rc ... }
 *       else if (!m.progressed) { other work, or sleep 1 ms }
 *   }
 */
#ifndef WIZFETCH_FETCH_MULTI_H
#define WIZFETCH_FETCH_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wizfetch/fetch.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The fetches in progress (caller-owned, a few dozen bytes). Fields are read-only for the caller. */
typedef struct wf_fetch_multi {
    wf_net_t *net;
    wf_fetch_t *fetch[WF_FETCH_MAX_TRANSFERS]; /**< in progress, in the order added */
    uint8_t count;                             /**< entries of `fetch` in use */
    uint8_t next;                              /**< internal: the entry polled first by the next poll */
    bool progressed;                           /**< the last wf_fetch_multi_poll moved a fetch on */
} wf_fetch_multi_t;

/** @brief An empty set for fetches on `net`. Cannot fail. */
void wf_fetch_multi_init(wf_fetch_multi_t *m, wf_net_t *net);

/** @brief How many fetches the set takes at once: min(WF_FETCH_MAX_TRANSFERS,
 *  the chip's hardware sockets). */
size_t wf_fetch_multi_capacity(const wf_fetch_multi_t *m);

/**
 * @brief Add a fetch that was started on the set's net (wf_fetch_start or
 * wf_fetch_session_start returned 0) and is not in another set. 0, or
 * WF_EMFILE when the set holds wf_fetch_multi_capacity() fetches already
 * (finish or abort one first), WF_EINVAL when `f` is on another net or
 * already in the set. On an error `f` is untouched (still the caller's to
 * poll or abort).
 */
int wf_fetch_multi_add(wf_fetch_multi_t *m, wf_fetch_t *f);

/**
 * @brief Poll each fetch of the set once (wf_fetch_poll), starting after the
 * one polled first last time, until one is over: that one leaves the set,
 * `*done` gets it and its result is returned (0 or a WF_E* code, as
 * wf_fetch_poll). WF_EAGAIN: none is over yet (`*done` NULL; `progressed`
 * says whether any moved on). WF_EINVAL: the set is empty. Never waits
 * (beyond what wf_fetch_poll may).
 */
int wf_fetch_multi_poll(wf_fetch_multi_t *m, wf_fetch_t **done);

/** @brief wf_fetch_abort(f) and take it out of the set (its socket, DNS
 *  query and TLS session are released at once). Harmless if `f` is not in it. */
void wf_fetch_multi_abort(wf_fetch_multi_t *m, wf_fetch_t *f);

#ifdef __cplusplus
}
#endif
#endif
