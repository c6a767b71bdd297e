/**
 * @file udp_query.h
 * @brief The shared shape of the one-datagram UDP clients (DNS, SNTP): a
 * fresh random source port, one request to one server, then a wait until a
 * deadline for the one reply that comes from exactly that server and that the
 * protocol's parser accepts; and the loop over servers and rounds around such
 * attempts. Plus the entropy wrapper the net clients (DHCP too) share.
 * Internal header.
 *
 * A client, as written on top of it:
 * @code
 *   wf_udpq_rounds(&{servers, rounds, no_answer, bad_reply, refusal, attempt})
 *   attempt(ctx, s, ignored):
 *     draw the ID/nonce (wf_udpq_entropy), encode the request in buf
 *     int fd = wf_udpq_open(net);            // random source port
 *     if (fd < 0) return fd;
 *     return wf_udpq_exchange(net, fd, &{server, buf, deadline, judge...}, ignored);
 * @endcode
 * The protocol keeps its parser, its error codes and its deadline policy: the
 * caller says when the attempt's deadline is (DNS: from before the ID is
 * drawn; SNTP: from the send, which also starts its round trip).
 */
#ifndef WF_NET_UDP_QUERY_H
#define WF_NET_UDP_QUERY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wizfetch/dns.h"
#include "wizfetch/socket.h"

/**
 * Returned by a judge for a datagram that is not the answer (malformed, wrong
 * ID or nonce): the datagram counts as ignored and the wait goes on. Distinct
 * from every WF_E* code and from every success value.
 */
enum { WF_UDPQ_IGNORE = INT_MIN };

/**
 * Decides about one datagram from the server: returns the attempt's final
 * result (success >= 0, or a negative WF_E* code), or WF_UDPQ_IGNORE.
 * `msg`/`len` is the whole datagram (it fitted the reply buffer); `arrived_ms`
 * is the port's millisecond clock read just after it was received.
 */
typedef int (*wf_udpq_judge_fn)(void *ctx, const uint8_t *msg, size_t len, uint32_t arrived_ms);

/** One request/reply exchange; filled by the caller, not changed. */
struct wf_udpq {
    const wf_sockaddr_t *server; /**< the one address and port asked and believed */
    uint8_t *buf;                /**< holds the request on entry, then receives the replies */
    size_t cap;                  /**< size of `buf`; longer datagrams are ignored */
    size_t query_len;            /**< length of the request at the start of `buf` */
    uint32_t timeout_ms;         /**< bound on the send (ARP for the server included) */
    uint32_t deadline;           /**< port clock (ms) at which the wait for a reply ends */
    int no_answer;               /**< returned when nothing acceptable arrived in time */
    bool last;                   /**< `deadline` is the whole call's end: WF_ETIMEDOUT, not `no_answer` */
    wf_udpq_judge_fn judge;
    void *ctx; /**< passed to `judge` */
};

/* struct wf_udpq_budget (wizfetch/dns.h): the bound on a whole client call
 * (all servers, rounds and, for DNS, CNAME restarts), set by
 * wf_udpq_budget_start. */

/** @brief Start a budget of `total_ms` from now (0 = unbounded; capped at 2^31 - 1 ms). */
void wf_udpq_budget_start(struct wf_udpq_budget *b, const struct wf_port *port, uint32_t total_ms);

/**
 * @brief The time an attempt starting now may take: `timeout_ms`, or what is
 * left of the budget if that is less (then `*last` is set: when it passes,
 * the whole call has run out of time).
 * @return the attempt's timeout in ms, 0 when the budget is spent.
 */
uint32_t wf_udpq_budget_attempt(const struct wf_udpq_budget *b, const struct wf_port *port,
                                uint32_t timeout_ms, bool *last);

/** Largest server list wf_udpq_rounds can track. */
enum { WF_UDPQ_MAX_SERVERS = 32 };

/**
 * The server loop of a client: `rounds` passes over `servers` servers, one
 * attempt each. A server whose answer `refusal` accepts (it said no, e.g.
 * SERVFAIL or a kiss-o'-death) is not asked again in later rounds: those are
 * for lost datagrams.
 */
struct wf_udpq_rounds {
    uint8_t servers; /**< how many, at most WF_UDPQ_MAX_SERVERS */
    uint8_t rounds;  /**< passes over the list */
    int no_answer;   /**< what an attempt returns when nothing acceptable came */
    int bad_reply;   /**< the result when only ignored datagrams came */
    bool (*refusal)(int rc);
    /** One attempt at server number `server`; sets `*ignored` as wf_udpq_exchange does. */
    int (*attempt)(void *ctx, uint8_t server, bool *ignored);
    void *ctx; /**< passed to `attempt` */
};

/**
 * @brief Run the server loop.
 * @return the first attempt result that is neither `no_answer` nor a refusal
 * (success, a final answer, or a local failure); else the last refusal; else
 * `bad_reply` if any datagram was ignored; else `no_answer`.
 */
int wf_udpq_rounds(const struct wf_udpq_rounds *r);

/** @brief The server loop in steps: start it (`p` is the caller's). */
void wf_udpq_progress_start(struct wf_udpq_progress *p);

/**
 * @brief The next attempt: true with p->server set, false once every round
 * is over (then wf_udpq_progress_end gives the result).
 */
bool wf_udpq_progress_next(const struct wf_udpq_rounds *r, struct wf_udpq_progress *p);

/**
 * @brief An attempt at p->server ended with `rc`: WF_EAGAIN to go on with
 * the next attempt, or the loop's final result (as wf_udpq_rounds).
 */
int wf_udpq_progress_judge(const struct wf_udpq_rounds *r, struct wf_udpq_progress *p, int rc);

/** @brief The result once every round is over (as wf_udpq_rounds). */
int wf_udpq_progress_end(const struct wf_udpq_rounds *r, const struct wf_udpq_progress *p);

/**
 * @brief Fill `buf` from the port's entropy source.
 * @return 0, or WF_ENOENTROPY if the source failed.
 */
int wf_udpq_entropy(wf_net_t *net, uint8_t *buf, size_t len);

/**
 * @brief A UDP socket bound to a random port in 49152..65535 drawn from the
 * port's entropy source (a port another socket holds is redrawn, a few times).
 * @return the descriptor, or WF_ENOENTROPY, WF_EMFILE or another socket error
 * (no socket is left open on failure).
 */
int wf_udpq_open(wf_net_t *net);

/**
 * @brief Send the request in `q->buf` from `fd` to `q->server`, then wait until
 * `q->deadline` for an answer. Datagrams from any other address or port,
 * longer than the reply buffer, or that the judge ignores set `*ignored` (it
 * is never cleared, so one flag can span several attempts) and the wait goes
 * on: they may be forgeries and the real answer may still come.
 *
 * Takes ownership of `fd`: it is closed on every path.
 *
 * @return the judge's final result; `q->no_answer` when the deadline passed,
 * or the send failed for want of ARP (WF_EHOSTUNREACH/WF_ETIMEDOUT: as if the
 * datagram were lost), but WF_ETIMEDOUT instead when `q->last` is set and the
 * deadline has passed; or another socket/chip error.
 */
int wf_udpq_exchange(wf_net_t *net, int fd, const struct wf_udpq *q, bool *ignored);

/**
 * @brief wf_udpq_exchange in steps. wf_udpq_send sends the request: 0, or
 * the exchange's result (as wf_udpq_exchange). Then wf_udpq_receive takes
 * what has arrived without waiting: WF_EAGAIN while nothing acceptable has
 * and the deadline has not passed, else the result. Neither closes `fd`.
 */
int wf_udpq_send(wf_net_t *net, int fd, const struct wf_udpq *q);
int wf_udpq_receive(wf_net_t *net, int fd, const struct wf_udpq *q, bool *ignored);

#endif
