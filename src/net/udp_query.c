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
#include "common/wait.h"
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

int wf_udpq_send(wf_net_t *net, int fd, const struct wf_udpq *q)
{
    assert(q != NULL && q->server != NULL && q->buf != NULL && q->judge != NULL);
    int rc = wf_net_set_timeout(net, fd, q->timeout_ms);
    if (rc == 0) {
        rc = wf_net_sendto(net, fd, q->buf, q->query_len, q->server);
    }
    if (rc == WF_EHOSTUNREACH || rc == WF_ETIMEDOUT) {
        return no_answer(q,
                         net->chip->port); /* as if the request were lost: the caller tries the next server */
    }
    return rc < 0 ? rc : 0;
}

int wf_udpq_receive(wf_net_t *net, int fd, const struct wf_udpq *q, bool *ignored)
{
    const struct wf_port *port = net->chip->port;
    int rc = wf_net_set_timeout(net, fd, 0);
    if (rc < 0) {
        return rc;
    }
    for (;;) {
        /* Only what arrived before the deadline counts, so stray datagrams
         * cannot stretch the attempt. */
        if ((int32_t)(q->deadline - wf_port_millis(port)) <= 0) {
            return no_answer(q, port);
        }
        wf_sockaddr_t from;
        size_t dlen = 0;
        int n = wf_net_recvfrom(net, fd, q->buf, q->cap, &from, &dlen);
        uint32_t arrived = wf_port_millis(port); /* before any parsing: SNTP's RTT */
        if (n < 0) {
            return n; /* WF_EAGAIN: nothing yet */
        }
        /* Wrong sender, oversize or not our answer: possibly forged; the real
         * answer may still come, so keep listening. */
        if (!same_addr(&from, q->server) || dlen > q->cap) {
            *ignored = true;
            continue;
        }
        rc = q->judge(q->ctx, q->buf, (size_t)n, arrived);
        if (rc != WF_UDPQ_IGNORE) {
            return rc;
        }
        *ignored = true;
    }
}

int wf_udpq_exchange(wf_net_t *net, int fd, const struct wf_udpq *q, bool *ignored)
{
    int rc = wf_udpq_send(net, fd, q);
    if (rc == 0) {
        struct wf_wait w;
        wf_wait_start(&w, net->chip->port, q->timeout_ms);
        while ((rc = wf_udpq_receive(net, fd, q, ignored)) == WF_EAGAIN) {
            (void)wf_wait_again(&w); /* a pause; wf_udpq_receive watches the deadline */
        }
    }
    (void)wf_net_close(net, fd);
    return rc;
}

void wf_udpq_progress_start(struct wf_udpq_progress *p)
{
    memset(p, 0, sizeof *p);
}

bool wf_udpq_progress_next(const struct wf_udpq_rounds *r, struct wf_udpq_progress *p)
{
    assert(r != NULL && r->servers <= WF_UDPQ_MAX_SERVERS && r->refusal != NULL);
    for (; p->round < r->rounds; p->round++, p->server = 0) {
        for (; p->server < r->servers; p->server++) {
            if (!(p->refused & (UINT32_C(1) << p->server))) {
                return true;
            }
        }
    }
    return false;
}

int wf_udpq_progress_judge(const struct wf_udpq_rounds *r, struct wf_udpq_progress *p, int rc)
{
    if (rc != r->no_answer) {
        if (!r->refusal(rc)) {
            return rc;
        }
        p->refused |= UINT32_C(1) << p->server;
        p->last_error = rc;
    }
    p->server++;
    return WF_EAGAIN;
}

int wf_udpq_progress_end(const struct wf_udpq_rounds *r, const struct wf_udpq_progress *p)
{
    if (p->last_error != 0) {
        return p->last_error;
    }
    return p->ignored ? r->bad_reply : r->no_answer;
}

int wf_udpq_rounds(const struct wf_udpq_rounds *r)
{
    assert(r != NULL && r->attempt != NULL);
    struct wf_udpq_progress p;
    wf_udpq_progress_start(&p);
    while (wf_udpq_progress_next(r, &p)) {
        int rc = wf_udpq_progress_judge(r, &p, r->attempt(r->ctx, p.server, &p.ignored));
        if (rc != WF_EAGAIN) {
            return rc;
        }
    }
    return wf_udpq_progress_end(r, &p);
}
