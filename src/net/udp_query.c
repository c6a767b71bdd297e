/*
 * One UDP request/reply exchange and the server loop around it, shared by the
 * DNS and SNTP clients. Both rely on the same two defences against off-path
 * forgery besides their own ID/nonce: a source port nobody can predict, and
 * believing only the server that was asked.
 */
#include "net/udp_query.h"

#include <assert.h>
#include <string.h>

#include "common/bytes.h"
#include "wizfetch/error.h"

enum {
    BIND_TRIES = 4,
};

int wf_udpq_entropy(wf_net_t *net, uint8_t *buf, size_t len)
{
    const struct wf_port *port = net->chip->port;
    return port->entropy(port->ctx, buf, len) == 0 ? 0 : WF_ENOENTROPY;
}

/* A random port of the configured ephemeral range (WF_NET_EPHEMERAL_MIN..65535);
 * a port another socket holds is redrawn (a few of thousands are taken, so
 * this practically never loops). */
int wf_udpq_open(wf_net_t *net)
{
    int fd = wf_net_socket(net, WF_SOCK_DGRAM);
    if (fd < 0) {
        return fd;
    }
    int rc = WF_EINVAL;
    for (int i = 0; i < BIND_TRIES && rc == WF_EINVAL; i++) {
        uint8_t r[4];
        rc = wf_udpq_entropy(net, r, sizeof r);
        if (rc == 0) {
            rc = wf_net_bind(net, fd, wf_net_ephemeral_port(wf_be32(r)));
        }
    }
    if (rc < 0) {
        (void)wf_net_close(net, fd);
        return rc;
    }
    return fd;
}

void wf_udpq_budget_start(struct wf_udpq_budget *b, const struct wf_port *port, uint32_t total_ms)
{
    b->bounded = total_ms != 0;
    b->end = wf_port_millis(port) + (total_ms < (uint32_t)INT32_MAX ? total_ms : (uint32_t)INT32_MAX);
}

uint32_t wf_udpq_budget_attempt(const struct wf_udpq_budget *b, const struct wf_port *port,
                                uint32_t timeout_ms, bool *last)
{
    *last = false;
    if (!b->bounded) {
        return timeout_ms;
    }
    int32_t left = (int32_t)(b->end - wf_port_millis(port)); /* wrap-safe */
    if (left <= 0) {
        *last = true;
        return 0;
    }
    if ((uint32_t)left <= timeout_ms) {
        *last = true;
        return (uint32_t)left;
    }
    return timeout_ms;
}

/* Nothing acceptable came before the deadline: a lost datagram, unless the
 * deadline was the end of the whole call. */
static int no_answer(const struct wf_udpq *q, const struct wf_port *port)
{
    return q->last && (int32_t)(q->deadline - wf_port_millis(port)) <= 0 ? WF_ETIMEDOUT : q->no_answer;
}

static bool same_addr(const wf_sockaddr_t *a, const wf_sockaddr_t *b)
{
    return a->port == b->port && memcmp(a->ip, b->ip, 4) == 0;
}

int wf_udpq_exchange(wf_net_t *net, int fd, const struct wf_udpq *q, bool *ignored)
{
    assert(q != NULL && q->server != NULL && q->buf != NULL && q->judge != NULL && ignored != NULL);
    const struct wf_port *port = net->chip->port;
    int rc = wf_net_set_timeout(net, fd, q->timeout_ms);
    if (rc == 0) {
        rc = wf_net_sendto(net, fd, q->buf, q->query_len, q->server);
    }
    if (rc == WF_EHOSTUNREACH || rc == WF_ETIMEDOUT) {
        rc = no_answer(q, port); /* as if the request were lost: the caller tries the next server */
    }
    while (rc >= 0) {
        /* Each receive gets only what is left, so stray datagrams cannot
         * stretch the attempt. */
        int32_t left = (int32_t)(q->deadline - wf_port_millis(port));
        if (left <= 0) {
            rc = no_answer(q, port);
            break;
        }
        rc = wf_net_set_timeout(net, fd, (uint32_t)left);
        if (rc < 0) {
            break;
        }
        wf_sockaddr_t from;
        size_t dlen = 0;
        int n = wf_net_recvfrom(net, fd, q->buf, q->cap, &from, &dlen);
        uint32_t arrived = wf_port_millis(port); /* before any parsing: SNTP's RTT */
        if (n == WF_ETIMEDOUT) {
            rc = 0;
            continue; /* the check above decides, on the same clock as the deadline */
        }
        if (n < 0) {
            rc = n;
            break;
        }
        /* Wrong sender, oversize or not our answer: possibly forged; the real
         * answer may still come, so keep listening. */
        if (!same_addr(&from, q->server) || dlen > q->cap) {
            *ignored = true;
            continue;
        }
        rc = q->judge(q->ctx, q->buf, (size_t)n, arrived);
        if (rc == WF_UDPQ_IGNORE) {
            *ignored = true;
            rc = 0;
            continue;
        }
        break;
    }
    (void)wf_net_close(net, fd);
    return rc;
}

int wf_udpq_rounds(const struct wf_udpq_rounds *r)
{
    assert(r != NULL && r->servers <= WF_UDPQ_MAX_SERVERS && r->refusal != NULL && r->attempt != NULL);
    uint32_t refused = 0; /* bit s: server s already said no */
    bool ignored = false;
    int last_error = 0;
    for (uint8_t round = 0; round < r->rounds; round++) {
        for (uint8_t s = 0; s < r->servers; s++) {
            if (refused & (UINT32_C(1) << s)) {
                continue;
            }
            int rc = r->attempt(r->ctx, s, &ignored);
            if (rc == r->no_answer) {
                continue;
            }
            if (!r->refusal(rc)) {
                return rc;
            }
            refused |= UINT32_C(1) << s;
            last_error = rc;
        }
    }
    if (last_error != 0) {
        return last_error;
    }
    return ignored ? r->bad_reply : r->no_answer;
}
