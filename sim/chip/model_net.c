/*
 * Chip model, network side, shared by the W5100 and W5500 variants: Sn_CR
 * commands, the socket state machine, time (ARP/TCP timeouts), the link, and
 * the real non-blocking host sockets that carry the traffic. Everything here
 * runs either when a command is accepted or when the host polls a status
 * register (sim_pump), never on payload memory frames.
 *
 * Wrong-state commands (SEND, RECV, DISCON) are only violations when the host
 * could have known better: if the network changed Sn_SR since the host last
 * read it (peer RST/FIN, timeout), the race is inherent and the real chip just
 * ignores the command, so the model ignores it too.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "model_internal.h"

/* ---- socket life cycle -------------------------------------------------- */

void sim_sock_init(struct sim_sock *s)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    memset(&s->reg[SIM_Sn_DHAR], 0xFF, 6);
    s->reg[SIM_Sn_TTL] = 0x80;
}

void sim_sock_release(struct sim_sock *s)
{
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
}

uint16_t sim_tx_fsr(const struct wf_sim_chip *m, unsigned sn)
{
    const struct sim_sock *s = &m->sock[sn];
    uint16_t size = sim_tx_size(m, sn);
    uint16_t used = (uint16_t)(s->tx_end - s->tx_ack);
    return used > size ? 0 : (uint16_t)(size - used);
}

static bool is_tcp(const struct sim_sock *s)
{
    return (s->reg[SIM_Sn_MR] & SIM_Sn_MR_PROTO) == SIM_Sn_MR_TCP;
}

static void set_state(struct sim_sock *s, uint8_t sr, bool by_network)
{
    s->sr = sr;
    if (by_network) {
        s->net_changed = true;
    }
}

/* Drop the host side of the connection and everything in flight with it. */
static void close_host(struct sim_sock *s)
{
    sim_sock_release(s);
    s->stage_off = s->stage_len = 0;
    s->eof_pending = s->eof_done = false;
    s->fin_pending = s->shut_wr = false;
    s->timer_on = false;
    s->send_busy = false;
    s->on_wire = false;
    s->reset_armed = false;
    s->data_seen = false;
    s->ka_probe = false;
    s->ka_timer_on = false;
}

/* The network closed the socket; `flags` (TIMEOUT or 0) go to Sn_IR. */
static void net_closed(struct sim_sock *s, uint8_t flags)
{
    close_host(s);
    s->ir |= flags;
    set_state(s, SIM_SOCK_CLOSED, true);
}

/* ---- time (docs/w5100-w5500.md §5.4) ------------------------------------ */

static void arm(struct wf_sim_chip *m, struct sim_sock *s, uint32_t ms)
{
    s->timer_on = true;
    s->deadline = sim_now(m) + ms;
}

static bool expired(const struct wf_sim_chip *m, const struct sim_sock *s)
{
    return s->timer_on && (int32_t)(sim_now(m) - s->deadline) >= 0;
}

static uint32_t ticks_to_ms(uint64_t ticks)
{
    return (uint32_t)((ticks + 9) / 10); /* ticks are 100 us */
}

/* ARPTO: RCR+1 requests at a fixed RTR interval. */
static uint32_t arpto_ms(const struct wf_sim_chip *m)
{
    uint64_t rtr = sim_be16(&m->common[m->var->rtr]);
    return ticks_to_ms(rtr * (m->common[m->var->rcr] + 1u));
}

/* TCPTO: RCR+1 intervals RTR, 2RTR, 4RTR, ... doubling while it stays <= 65535. */
static uint32_t tcpto_ms(const struct wf_sim_chip *m)
{
    uint64_t interval = sim_be16(&m->common[m->var->rtr]), total = 0;
    for (unsigned i = 0; i <= m->common[m->var->rcr]; i++) {
        total += interval;
        if (interval * 2 <= 0xFFFF) {
            interval *= 2;
        }
    }
    return ticks_to_ms(total);
}

/* ---- the wire ------------------------------------------------------------ */

/* Per frame: Ethernet header 14 + FCS 4 + preamble/SFD 8 + inter-frame gap 12. */
#define WIRE_ETH_OVERHEAD 38u
#define WIRE_IP_HEADER 20u
#define WIRE_TCP_HEADER 20u
#define WIRE_UDP_HEADER 8u
#define WIRE_MIN_FRAME 84u /* 64-byte minimum frame + preamble/SFD + IFG */
#define WIRE_TCP_MSS 1460u
#define WIRE_UDP_MAX 1472u

/* Bytes on the wire for `n` payload bytes cut into frames of at most `per`. */
static uint64_t wire_bytes(uint32_t n, uint32_t per, uint32_t header)
{
    uint64_t total = 0;
    do {
        uint32_t p = n < per ? n : per;
        uint32_t f = p + header + WIRE_ETH_OVERHEAD + WIRE_IP_HEADER;
        total += f < WIRE_MIN_FRAME ? WIRE_MIN_FRAME : f;
        n -= p;
    } while (n > 0);
    return total;
}

/*
 * A SEND of `n` bytes goes on the wire: its frames leave after those already
 * queued (one wire for all sockets); SEND_OK may be raised from wire_done_us.
 */
static void wire_queue(struct wf_sim_chip *m, struct sim_sock *s, uint32_t n, bool tcp)
{
    uint64_t now = sim_now_us(m);
    uint64_t start = m->wire_free_us > now ? m->wire_free_us : now;
    uint64_t us = 0;
    if (m->wire_bps != 0) {
        uint64_t bytes =
            tcp ? wire_bytes(n, WIRE_TCP_MSS, WIRE_TCP_HEADER) : wire_bytes(n, WIRE_UDP_MAX, WIRE_UDP_HEADER);
        us = (bytes * 8u * 1000000u + m->wire_bps - 1) / m->wire_bps;
    }
    s->on_wire = true;
    s->wire_done_us = start + us;
    m->wire_free_us = s->wire_done_us;
}

static bool wire_done(const struct wf_sim_chip *m, const struct sim_sock *s)
{
    return s->on_wire && sim_now_us(m) >= s->wire_done_us;
}

/* TCP: SEND_OK once all of the SEND was handed over and its frames have left
 * (whether the peer ACKs them is TX_FSR's business, not SEND_OK's). */
static void tcp_send_ok(struct wf_sim_chip *m, struct sim_sock *s)
{
    if (s->send_busy && s->tx_rd == s->tx_end && wire_done(m, s)) {
        s->send_busy = false;
        s->on_wire = false;
        s->ir |= SIM_Sn_IR_SEND_OK;
    }
}

/* ---- network map -------------------------------------------------------- */

static bool ip_listed(const uint32_t *list, size_t n, uint32_t ip)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == ip) {
            return true;
        }
    }
    return false;
}

static struct sockaddr_in host_addr(uint32_t ip, uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(ip);
    a.sin_port = htons(port);
    return a;
}

static struct sockaddr_in map_forward(const struct wf_sim_chip *m, uint32_t vip, uint16_t vport)
{
    for (size_t i = m->nrules; i-- > 0;) {
        const struct sim_rule *r = &m->rules[i];
        if (r->vip == vip && (r->vport == 0 || r->vport == vport)) {
            return host_addr(r->host_ip, r->host_port ? r->host_port : vport);
        }
    }
    return host_addr(vip, vport);
}

/*
 * Host source -> virtual source for the UDP header. A rule "any port -> one
 * host port" cannot tell which virtual port was meant; the socket's current
 * DPORT is the best guess when DIPR is that virtual address.
 */
static void map_reverse(const struct wf_sim_chip *m, const struct sim_sock *s, const struct sockaddr_in *from,
                        uint32_t *vip, uint16_t *vport)
{
    uint32_t hip = ntohl(from->sin_addr.s_addr);
    uint16_t hport = ntohs(from->sin_port);
    for (size_t i = m->nrules; i-- > 0;) {
        const struct sim_rule *r = &m->rules[i];
        if (r->host_ip != hip) {
            continue;
        }
        if (r->host_port == 0) {
            if (r->vport != 0 && r->vport != hport) {
                continue;
            }
            *vport = hport;
        } else {
            if (r->host_port != hport) {
                continue;
            }
            bool same = sim_be32(&s->reg[SIM_Sn_DIPR]) == r->vip;
            *vport = r->vport ? r->vport : same ? sim_be16(&s->reg[SIM_Sn_DPORT]) : hport;
        }
        *vip = r->vip;
        return;
    }
    *vip = hip;
    *vport = hport;
}

/* ---- RX ring ------------------------------------------------------------ */

/* Append `n` bytes (the caller checked the room) after the received data. */
static void ring_put(struct wf_sim_chip *m, unsigned sn, const uint8_t *p, uint16_t n)
{
    struct sim_sock *s = &m->sock[sn];
    uint16_t size = sim_rx_size(m, sn), base = sim_rx_base(m, sn);
    uint16_t off = (uint16_t)((s->rx_done + s->rsr) & (size - 1));
    uint16_t first = n < size - off ? n : (uint16_t)(size - off);
    memcpy(&m->rx_mem[base + off], p, first);
    memcpy(&m->rx_mem[base], p + first, (size_t)(n - first));
    s->rsr = (uint16_t)(s->rsr + n);
    if (n > 0) {
        s->ir |= SIM_Sn_IR_RECV;
    }
}

static uint16_t rx_room(const struct wf_sim_chip *m, unsigned sn)
{
    return (uint16_t)(sim_rx_size(m, sn) - m->sock[sn].rsr);
}

/* Slow-peer fault: a token bucket refilled at rx_rate bytes per ms. */
static uint32_t rate_budget(struct wf_sim_chip *m)
{
    if (m->rx_rate == 0) {
        return UINT32_MAX;
    }
    uint32_t now = sim_now(m);
    uint64_t tokens = m->rx_tokens + (uint64_t)(now - m->rx_rate_ms) * m->rx_rate;
    uint64_t cap = (uint64_t)m->rx_rate * 4; /* no big burst after an idle spell */
    m->rx_tokens = (uint32_t)(tokens > cap ? cap : tokens);
    m->rx_rate_ms = now;
    return m->rx_tokens;
}

static uint16_t min16(uint32_t a, uint32_t b)
{
    return (uint16_t)(a < b ? a : b);
}

/* The reset_after fault fires: the peer sees RST (SO_LINGER 0), SR -> CLOSED. */
static void inject_reset(struct sim_sock *s)
{
    struct linger lg = {1, 0};
    if (s->fd >= 0) {
        setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    net_closed(s, 0);
}

/* ---- TCP data path -------------------------------------------------------- */

/* Has the wire had time to bring the next segment (SIM_SEGMENT_SPI_BYTES)? */
static bool segment_due(const struct wf_sim_chip *m, const struct sim_sock *s)
{
    return m->spi_bytes - s->seg_spi_bytes >= SIM_SEGMENT_SPI_BYTES;
}

static void tcp_flush_stage(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    uint16_t k = min16((uint32_t)(s->stage_len - s->stage_off), rx_room(m, sn));
    k = min16(k, SIM_TCP_SEGMENT);
    k = min16(k, rate_budget(m));
    if (s->reset_armed) {
        k = min16(k, s->reset_left);
    }
    ring_put(m, sn, &s->stage[s->stage_off], k);
    if (k > 0) {
        s->seg_spi_bytes = m->spi_bytes;
        s->data_seen = true;
    }
    s->stage_off = (uint16_t)(s->stage_off + k);
    if (m->rx_rate) {
        m->rx_tokens -= k;
    }
    if (s->stage_off == s->stage_len) {
        s->stage_off = s->stage_len = 0;
    }
    if (s->reset_armed) {
        s->reset_left -= k;
        if (s->reset_left == 0) {
            inject_reset(s);
        }
    }
}

/* Take from the host socket only what the ring can hold (flow control). */
static void tcp_fill_stage(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    uint16_t room = rx_room(m, sn);
    if (s->fd < 0 || s->eof_pending || s->eof_done || s->stage_len || room == 0) {
        return;
    }
    ssize_t r = recv(s->fd, s->stage, room, MSG_DONTWAIT);
    if (r > 0) {
        s->stage_len = (uint16_t)r;
    } else if (r == 0) {
        s->eof_pending = true;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        net_closed(s, 0); /* ECONNRESET: RST from the peer, no flag (docs/w5100-w5500.md §5.3) */
    }
}

/* The peer's FIN, once all data before it is in the ring. */
static void tcp_apply_eof(struct wf_sim_chip *m, struct sim_sock *s)
{
    if (!s->eof_pending || s->stage_len) {
        return;
    }
    s->eof_pending = false;
    s->eof_done = true;
    s->ir |= SIM_Sn_IR_DISCON;
    if (s->sr == SIM_SOCK_ESTABLISHED) {
        set_state(s, SIM_SOCK_CLOSE_WAIT, true);
    } else if (s->sr == SIM_SOCK_FIN_WAIT) {
        set_state(s, SIM_SOCK_TIME_WAIT, true);
        arm(m, s, SIM_BRIEF_MS);
    }
}

/* Hand TX_RD..tx_end to the host socket as far as it takes it. */
static void tcp_send_pending(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    uint16_t size = sim_tx_size(m, sn), base = sim_tx_base(m, sn);
    while (s->fd >= 0 && !s->shut_wr && s->tx_rd != s->tx_end) {
        uint16_t off = (uint16_t)(s->tx_rd & (size - 1));
        uint16_t n = min16((uint16_t)(s->tx_end - s->tx_rd), (uint32_t)(size - off));
        ssize_t r = send(s->fd, &m->tx_mem[base + off], n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                net_closed(s, 0); /* EPIPE / ECONNRESET */
            }
            return;
        }
        s->tx_rd = (uint16_t)(s->tx_rd + r);
        s->data_seen = s->data_seen || r > 0;
        if (r < n) {
            return;
        }
    }
}

static void tcp_tx_step(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    s->tx_ack = s->tx_rd; /* what was handed over last time is acknowledged now */
    tcp_send_pending(m, sn);
    if (s->sr == SIM_SOCK_CLOSED || s->tx_rd != s->tx_end) {
        return;
    }
    tcp_send_ok(m, s);
    if (s->fin_pending && !s->send_busy && s->fd >= 0) {
        shutdown(s->fd, SHUT_WR);
        s->fin_pending = false;
        s->shut_wr = true;
    }
}

static void tcp_timers(struct wf_sim_chip *m, struct sim_sock *s)
{
    if (!expired(m, s)) {
        return;
    }
    if (s->sr == SIM_SOCK_FIN_WAIT) {
        net_closed(s, SIM_Sn_IR_TIMEOUT); /* the FIN was never answered */
    } else if (s->sr == SIM_SOCK_TIME_WAIT || s->sr == SIM_SOCK_LAST_ACK) {
        net_closed(s, 0);
    }
}

static void pump_tcp(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    tcp_tx_step(m, sn);
    if (s->sr != SIM_SOCK_CLOSED && (!m->counter_pump || segment_due(m, s))) {
        s->early_used = false;
        tcp_flush_stage(m, sn);
    }
    if (s->sr != SIM_SOCK_CLOSED) {
        tcp_apply_eof(m, s);
        tcp_fill_stage(m, sn);
    }
    if (s->sr != SIM_SOCK_CLOSED) {
        tcp_timers(m, s);
    }
}

/* ---- keep-alive ----------------------------------------------------------- */

/* A peer that a blackhole fault made silent after the connection was set up. */
static bool peer_silent(const struct wf_sim_chip *m, const struct sim_sock *s)
{
    return ip_listed(m->blackhole, m->nblackhole, sim_be32(&s->reg[SIM_Sn_DIPR]));
}

/* Send a keep-alive probe (a 1-byte segment the peer must ACK). Only after the
 * connection carried data (W5500 datasheet, Sn_KPALVTR); an unanswered probe is
 * retransmitted like data and ends in TIMEOUT + CLOSED after TCPTO. */
static void keepalive_probe(struct wf_sim_chip *m, struct sim_sock *s)
{
    if (s->data_seen && !s->ka_probe) {
        s->ka_probe = true;
        s->ka_deadline = sim_now(m) + tcpto_ms(m);
    }
}

/* ESTABLISHED / CLOSE_WAIT: the automatic timer and the fate of a probe. */
static void keepalive_pump(struct wf_sim_chip *m, struct sim_sock *s)
{
    uint8_t units = s->reg[SIM_Sn_KPALVTR]; /* always 0 on the W5100 (reserved there) */
    uint32_t now = sim_now(m);
    if (units == 0 || !s->data_seen) {
        s->ka_timer_on = false;
    } else if (!s->ka_timer_on) {
        s->ka_timer_on = true;
        s->ka_next = now + units * 5000u;
    } else if ((int32_t)(now - s->ka_next) >= 0) {
        keepalive_probe(m, s);
        s->ka_next += units * 5000u; /* keep the cadence; after a long gap, restart it */
        if ((int32_t)(now - s->ka_next) >= 0) {
            s->ka_next = now + units * 5000u;
        }
    }
    if (!s->ka_probe) {
        return;
    }
    if (m->link && !peer_silent(m, s) && s->fd >= 0) {
        s->ka_probe = false; /* answered */
    } else if ((int32_t)(now - s->ka_deadline) >= 0) {
        net_closed(s, SIM_Sn_IR_TIMEOUT);
    }
}

/* ---- TCP connection set-up ------------------------------------------------ */

static void connect_failed(struct sim_sock *s, int err)
{
    /* RST instead of SYN/ACK: CLOSED without TIMEOUT (docs/w5100-w5500.md §5.3). */
    net_closed(s, err == ECONNREFUSED ? 0 : SIM_Sn_IR_TIMEOUT);
}

static void established(struct wf_sim_chip *m, struct sim_sock *s)
{
    s->timer_on = false;
    s->ir |= SIM_Sn_IR_CON;
    set_state(s, SIM_SOCK_ESTABLISHED, true);
    if (m->reset_after_armed) {
        m->reset_after_armed = false;
        s->reset_armed = true;
        s->reset_left = m->reset_after;
    }
}

static void start_syn(struct wf_sim_chip *m, struct sim_sock *s)
{
    set_state(s, SIM_SOCK_SYNSENT, true);
    arm(m, s, tcpto_ms(m));
    if (s->blackhole) {
        return; /* the SYN goes nowhere */
    }
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        net_closed(s, SIM_Sn_IR_TIMEOUT);
        return;
    }
    /* The chip transmits each SEND at once; the host's Nagle algorithm would
     * instead hold small segments back for an ACK (40 ms with delayed ACKs). */
    int one = 1;
    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    /* The chip's TX memory is all the buffer a real chip has between the
     * driver and the network: its free space (TX_FSR) comes back only as the
     * peer acknowledges. A host send buffer left to grow (to megabytes) would
     * let the modelled chip take data long after the receiver stopped
     * reading; a fixed small one (the kernel doubles it) keeps that short. */
    int sndbuf = SIM_HOST_SNDBUF;
    setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    struct sockaddr_in to = map_forward(m, sim_be32(&s->reg[SIM_Sn_DIPR]), sim_be16(&s->reg[SIM_Sn_DPORT]));
    if (connect(s->fd, (const struct sockaddr *)&to, sizeof to) < 0 && errno != EINPROGRESS) {
        connect_failed(s, errno);
    }
}

static void pump_arp(struct wf_sim_chip *m, struct sim_sock *s)
{
    if (!expired(m, s)) {
        return;
    }
    if (s->unreachable || !m->link) {
        net_closed(s, SIM_Sn_IR_TIMEOUT);
    } else {
        start_syn(m, s);
    }
}

static void pump_synsent(struct wf_sim_chip *m, struct sim_sock *s)
{
    if (s->fd >= 0) {
        struct pollfd p = {.fd = s->fd, .events = POLLOUT};
        if (poll(&p, 1, 0) > 0) {
            int err = 0;
            socklen_t len = sizeof err;
            if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
                err = errno;
            }
            if (err == 0) {
                established(m, s);
            } else {
                connect_failed(s, err);
            }
            return;
        }
    }
    if (expired(m, s)) {
        net_closed(s, SIM_Sn_IR_TIMEOUT); /* no SYN/ACK within TCPTO */
    }
}

/* ---- UDP ---------------------------------------------------------------- */

static void udp_fill_stage(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    if (s->fd < 0 || s->stage_len) {
        return;
    }
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    size_t cap = sizeof s->stage - SIM_UDP_HEADER;
    ssize_t r = recvfrom(s->fd, &s->stage[SIM_UDP_HEADER], cap, MSG_DONTWAIT | MSG_TRUNC,
                         (struct sockaddr *)&from, &flen);
    if (r < 0) {
        return;
    }
    if (m->udp_drop_rx) {
        m->udp_drop_rx--;
        return;
    }
    if ((size_t)r > cap || (size_t)r + SIM_UDP_HEADER > rx_room(m, sn)) {
        m->stats.udp_rx_dropped++;
        return;
    }
    uint32_t vip;
    uint16_t vport;
    map_reverse(m, s, &from, &vip, &vport);
    uint8_t *h = s->stage;
    h[0] = (uint8_t)(vip >> 24);
    h[1] = (uint8_t)(vip >> 16);
    h[2] = (uint8_t)(vip >> 8);
    h[3] = (uint8_t)vip;
    h[4] = (uint8_t)(vport >> 8);
    h[5] = (uint8_t)vport;
    h[6] = (uint8_t)(r >> 8);
    h[7] = (uint8_t)r;
    s->stage_len = (uint16_t)(r + SIM_UDP_HEADER);
}

/* A staged datagram always fits: the room was checked and only grows since. */
static void udp_flush_stage(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    if (s->stage_len) {
        ring_put(m, sn, s->stage, s->stage_len);
        s->stage_len = 0;
    }
}

/* The datagram is on the wire: TX_RD catches up, SEND_OK once it has left. */
static void udp_send_done(struct wf_sim_chip *m, struct sim_sock *s, uint16_t len)
{
    s->tx_rd = s->tx_end;
    wire_queue(m, s, len, false);
}

/* One datagram TX_RD..TX_WR to DIPR:DPORT, at SEND acceptance. */
static void udp_send(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    uint32_t vip = sim_be32(&s->reg[SIM_Sn_DIPR]);
    uint16_t vport = sim_be16(&s->reg[SIM_Sn_DPORT]);
    if (ip_listed(m->unreachable, m->nunreachable, vip) || !m->link) {
        arm(m, s, arpto_ms(m)); /* TIMEOUT after ARPTO; the socket stays UDP */
        return;
    }
    if (ip_listed(m->blackhole, m->nblackhole, vip) || m->udp_drop_tx) {
        if (!ip_listed(m->blackhole, m->nblackhole, vip)) {
            m->udp_drop_tx--;
        }
        udp_send_done(m, s, (uint16_t)(s->tx_end - s->tx_rd)); /* the wire ate it */
        return;
    }
    uint16_t size = sim_tx_size(m, sn), base = sim_tx_base(m, sn);
    uint16_t len = (uint16_t)(s->tx_end - s->tx_rd);
    uint8_t buf[SIM_MEM_MAX];
    for (uint16_t i = 0; i < len; i++) {
        buf[i] = m->tx_mem[base + ((s->tx_rd + i) & (size - 1))];
    }
    struct sockaddr_in to = map_forward(m, vip, vport);
    ssize_t r = sendto(s->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT, (const struct sockaddr *)&to, sizeof to);
    bool lost = r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS);
    if (r < 0 && !lost && vip != 0xFFFFFFFFu) {
        /* The host cannot route it: what the chip sees as an unanswered ARP. */
        arm(m, s, arpto_ms(m));
        return;
    }
    udp_send_done(m, s, len);
}

static void pump_udp(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    s->tx_ack = s->tx_rd;
    if (s->send_busy && expired(m, s)) {
        s->timer_on = false;
        s->send_busy = false;
        s->tx_rd = s->tx_ack = s->tx_end; /* the datagram is discarded */
        s->ir |= SIM_Sn_IR_TIMEOUT;
    }
    if (s->send_busy && wire_done(m, s)) {
        s->send_busy = false;
        s->on_wire = false;
        s->ir |= SIM_Sn_IR_SEND_OK;
    }
    udp_flush_stage(m, sn);
    udp_fill_stage(m, sn);
}

/* ---- link down ------------------------------------------------------------ */

/*
 * No frame leaves or arrives: the host sockets are left alone (TCP data
 * waits in the kernel, as a retransmitting peer would resend it), timers run.
 * A SEND that is not acknowledged ends like the chip's retransmissions do.
 */
static void pump_link_down(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    switch (s->sr) {
    case SIM_SOCK_ARP:
        pump_arp(m, s);
        break;
    case SIM_SOCK_SYNSENT:
        if (expired(m, s)) {
            net_closed(s, SIM_Sn_IR_TIMEOUT);
        }
        break;
    case SIM_SOCK_ESTABLISHED:
    case SIM_SOCK_CLOSE_WAIT:
        tcp_send_ok(m, s); /* frames that went out before the link went */
        if (s->send_busy && !s->timer_on) {
            arm(m, s, tcpto_ms(m));
        } else if (s->send_busy && expired(m, s)) {
            net_closed(s, SIM_Sn_IR_TIMEOUT);
        }
        if (s->sr != SIM_SOCK_CLOSED) {
            keepalive_pump(m, s);
        }
        break;
    case SIM_SOCK_FIN_WAIT:
    case SIM_SOCK_TIME_WAIT:
    case SIM_SOCK_LAST_ACK:
        tcp_timers(m, s);
        break;
    case SIM_SOCK_UDP: {
        uint8_t sink[64];
        while (s->fd >= 0 && recv(s->fd, sink, sizeof sink, MSG_DONTWAIT | MSG_TRUNC) >= 0) {
            /* lost on the dead wire */
        }
        if (s->send_busy && expired(m, s)) {
            s->timer_on = false;
            s->send_busy = false;
            s->tx_rd = s->tx_ack = s->tx_end;
            s->ir |= SIM_Sn_IR_TIMEOUT;
        }
        break;
    }
    default:
        break;
    }
}

/* ---- pump and tear ------------------------------------------------------ */

void sim_pump(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    bool connected = s->sr >= SIM_SOCK_ESTABLISHED && s->sr <= SIM_SOCK_LAST_ACK;
    if (!m->link || (connected && peer_silent(m, s))) {
        pump_link_down(m, sn); /* nothing passes */
        return;
    }
    switch (s->sr) {
    case SIM_SOCK_ARP:
        pump_arp(m, s);
        break;
    case SIM_SOCK_SYNSENT:
        pump_synsent(m, s);
        break;
    case SIM_SOCK_ESTABLISHED:
    case SIM_SOCK_CLOSE_WAIT:
        s->timer_on = false; /* a link-down retransmission timer, if any */
        pump_tcp(m, sn);
        if (s->sr == SIM_SOCK_ESTABLISHED || s->sr == SIM_SOCK_CLOSE_WAIT) {
            keepalive_pump(m, s);
        }
        break;
    case SIM_SOCK_FIN_WAIT:
    case SIM_SOCK_TIME_WAIT:
    case SIM_SOCK_LAST_ACK:
        pump_tcp(m, sn);
        break;
    case SIM_SOCK_UDP:
        pump_udp(m, sn);
        break;
    default:
        break;
    }
}

/* Between the MSB and LSB of a counter: make staged data / pending ACKs visible. */
void sim_tear(struct wf_sim_chip *m, unsigned sn, bool rx)
{
    struct sim_sock *s = &m->sock[sn];
    if (!m->link) {
        return;
    }
    if (!rx) {
        s->tx_ack = s->tx_rd;
    } else if (s->sr == SIM_SOCK_UDP) {
        udp_flush_stage(m, sn);
    } else if (s->stage_len) {
        bool due = segment_due(m, s);
        if (due || !s->early_used) {
            s->early_used = !due;
            tcp_flush_stage(m, sn);
        }
    }
}

/* ---- commands ----------------------------------------------------------- */

static uint32_t cr_addr(const struct wf_sim_chip *m, unsigned sn)
{
    return sim_sock_addr(m, sn, SIM_Sn_CR);
}

/* A command the current state does not allow; see the race note at the top. */
static void wrong_state(struct wf_sim_chip *m, unsigned sn, const char *what)
{
    if (!m->sock[sn].net_changed) {
        sim_violation(m, cr_addr(m, sn), m->sock[sn].sr, "%s", what);
    }
}

static bool open_udp(struct sim_sock *s)
{
    /* DHCP/SNTP: broadcast-capable, privileged port when allowed (model_udp_host.c). */
    s->fd = sim_udp_host_socket(sim_be16(&s->reg[SIM_Sn_PORT]));
    return s->fd >= 0;
}

static void cmd_open(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    uint8_t proto = s->reg[SIM_Sn_MR] & SIM_Sn_MR_PROTO;
    if (s->sr != SIM_SOCK_CLOSED) {
        sim_violation(m, cr_addr(m, sn), s->sr, "OPEN while socket not CLOSED");
        return;
    }
    if (proto != SIM_Sn_MR_TCP && proto != SIM_Sn_MR_UDP) {
        sim_violation(m, sim_sock_addr(m, sn, SIM_Sn_MR), s->reg[SIM_Sn_MR], "Sn_MR mode not modelled");
        return;
    }
    const char *refusal = m->var->open_check ? m->var->open_check(m) : NULL;
    if (refusal != NULL) {
        sim_violation(m, cr_addr(m, sn), sn, "%s", refusal);
        return;
    }
    if (sim_tx_size(m, sn) == 0 || sim_rx_size(m, sn) == 0) {
        sim_violation(m, cr_addr(m, sn), sn, "OPEN of a socket without buffer memory");
        return;
    }
    close_host(s);
    s->tx_wr = s->tx_end = s->tx_rd = s->tx_ack = 0;
    s->rx_rd = s->rx_done = s->rsr = 0;
    s->net_changed = false;
    if (proto == SIM_Sn_MR_TCP) {
        s->sr = SIM_SOCK_INIT;
    } else if (open_udp(s)) {
        s->sr = SIM_SOCK_UDP;
    } else {
        fprintf(stderr, "wf_sim_chip: cannot open a host UDP socket\n");
    }
}

static void cmd_connect(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    uint32_t vip = sim_be32(&s->reg[SIM_Sn_DIPR]);
    uint16_t vport = sim_be16(&s->reg[SIM_Sn_DPORT]);
    if (!is_tcp(s) || s->sr != SIM_SOCK_INIT) {
        sim_violation(m, cr_addr(m, sn), s->sr, "CONNECT not from INIT");
        return;
    }
    if (vip == 0 || vip == 0xFFFFFFFFu || vport == 0) {
        sim_violation(m, sim_sock_addr(m, sn, SIM_Sn_DIPR), vip, "CONNECT to invalid address");
        return;
    }
    s->unreachable = ip_listed(m->unreachable, m->nunreachable, vip) || !m->link;
    s->blackhole = ip_listed(m->blackhole, m->nblackhole, vip);
    s->sr = SIM_SOCK_ARP;
    arm(m, s, s->unreachable ? arpto_ms(m) : SIM_BRIEF_MS);
}

static void cmd_discon(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    switch (s->sr) {
    case SIM_SOCK_ESTABLISHED:
        s->sr = SIM_SOCK_FIN_WAIT;
        s->fin_pending = true; /* FIN after any unsent data */
        arm(m, s, tcpto_ms(m));
        break;
    case SIM_SOCK_CLOSE_WAIT:
        s->sr = SIM_SOCK_LAST_ACK;
        s->fin_pending = true;
        arm(m, s, SIM_BRIEF_MS);
        break;
    case SIM_SOCK_ARP:
    case SIM_SOCK_SYNSENT:
        close_host(s); /* abort the attempt */
        s->sr = SIM_SOCK_CLOSED;
        break;
    case SIM_SOCK_FIN_WAIT:
    case SIM_SOCK_TIME_WAIT:
    case SIM_SOCK_LAST_ACK:
    case SIM_SOCK_CLOSED:
        break; /* already closing/closed: harmless */
    default:
        /* INIT/UDP: the driver would wait for a CLOSED that never comes. */
        wrong_state(m, sn, "DISCON in wrong state");
        break;
    }
}

static void cmd_close(struct sim_sock *s)
{
    close_host(s);
    s->sr = SIM_SOCK_CLOSED;
    s->net_changed = false;
}

static void cmd_send(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    bool udp = s->sr == SIM_SOCK_UDP;
    bool ok = udp || (is_tcp(s) && (s->sr == SIM_SOCK_ESTABLISHED || s->sr == SIM_SOCK_CLOSE_WAIT));
    if (!ok) {
        wrong_state(m, sn, "SEND in wrong state");
        return;
    }
    if (s->send_busy) {
        sim_violation(m, cr_addr(m, sn), s->sr, "SEND before the previous SEND completed");
        return;
    }
    uint16_t adv = (uint16_t)(s->tx_wr - s->tx_end);
    if (adv > sim_tx_fsr(m, sn)) {
        sim_violation(m, sim_sock_addr(m, sn, SIM_Sn_TX_WR), s->tx_wr, "TX_WR advanced beyond TX_FSR");
        return;
    }
    if (udp && (sim_be32(&s->reg[SIM_Sn_DIPR]) == 0 || sim_be16(&s->reg[SIM_Sn_DPORT]) == 0)) {
        sim_violation(m, sim_sock_addr(m, sn, SIM_Sn_DIPR), sim_be32(&s->reg[SIM_Sn_DIPR]),
                      "UDP SEND to 0.0.0.0 or port 0");
        return;
    }
    s->tx_end = s->tx_wr;
    s->send_busy = true;
    if (udp) {
        udp_send(m, sn);
    } else {
        wire_queue(m, s, adv, true);
    }
}

/*
 * SEND_KEEP (manual keep-alive). Ignored by the chip while the W5500's
 * automatic keep-alive is on (Sn_KPALVTR > 0) and before the connection has
 * carried data (W5500 datasheet, Sn_KPALVTR; the model applies the same to the
 * W5100).
 */
static void cmd_send_keep(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    if (!is_tcp(s) || (s->sr != SIM_SOCK_ESTABLISHED && s->sr != SIM_SOCK_CLOSE_WAIT)) {
        wrong_state(m, sn, "SEND_KEEP in wrong state");
        return;
    }
    if (s->reg[SIM_Sn_KPALVTR] == 0) {
        keepalive_probe(m, s);
    }
}

static bool rx_state(const struct sim_sock *s)
{
    switch (s->sr) {
    case SIM_SOCK_ESTABLISHED:
    case SIM_SOCK_CLOSE_WAIT:
    case SIM_SOCK_FIN_WAIT:
    case SIM_SOCK_TIME_WAIT:
    case SIM_SOCK_LAST_ACK:
    case SIM_SOCK_UDP:
        return true;
    case SIM_SOCK_CLOSED:
        return s->rsr > 0; /* data left behind by a close can still be consumed */
    default:
        return false;
    }
}

static void cmd_recv(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    if (!rx_state(s)) {
        wrong_state(m, sn, "RECV in wrong state");
        return;
    }
    uint16_t adv = (uint16_t)(s->rx_rd - s->rx_done);
    if (adv > s->rsr) {
        sim_violation(m, sim_sock_addr(m, sn, SIM_Sn_RX_RD), adv, "RX_RD advanced beyond received data");
        return;
    }
    s->rx_done = s->rx_rd;
    s->rsr = (uint16_t)(s->rsr - adv);
}

void sim_accept_command(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    uint8_t cmd = s->cr;
    s->cr = 0;
    m->stats.commands++;
    switch (cmd) {
    case SIM_Sn_CR_OPEN:
        cmd_open(m, sn);
        break;
    case SIM_Sn_CR_CONNECT:
        cmd_connect(m, sn);
        break;
    case SIM_Sn_CR_DISCON:
        cmd_discon(m, sn);
        break;
    case SIM_Sn_CR_CLOSE:
        cmd_close(s);
        break;
    case SIM_Sn_CR_SEND:
        cmd_send(m, sn);
        break;
    case SIM_Sn_CR_RECV:
        cmd_recv(m, sn);
        break;
    case SIM_Sn_CR_SEND_KEEP:
        cmd_send_keep(m, sn);
        break;
    case SIM_Sn_CR_LISTEN:
    case SIM_Sn_CR_SEND_MAC:
        sim_violation(m, cr_addr(m, sn), cmd, "command not modelled");
        break;
    default:
        sim_violation(m, cr_addr(m, sn), cmd, "unknown Sn_CR command");
        break;
    }
}

/* ---- network-map rules from a command line ---- */

bool wf_sim_chip_parse_ipv4(const char *s, size_t len, uint32_t *ip)
{
    uint32_t v = 0;
    size_t i = 0;
    for (unsigned part = 0; part < 4; part++) {
        unsigned octet = 0, digits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
            octet = octet * 10 + (unsigned)(s[i++] - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || octet > 255) {
            return false;
        }
        v = (v << 8) | octet;
        if (part < 3) {
            if (i >= len || s[i] != '.') {
                return false;
            }
            i++;
        }
    }
    *ip = v;
    return i == len;
}

bool wf_sim_chip_parse_port(const char *s, uint16_t *port)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 65535 || s[0] == '-' || s[0] == '+') {
        return false;
    }
    *port = (uint16_t)v;
    return true;
}

bool wf_sim_chip_parse_endpoint(const char *s, bool port_optional, uint32_t *ip, uint16_t *port)
{
    const char *colon = strchr(s, ':');
    *port = 0;
    if (colon == NULL) {
        return port_optional && wf_sim_chip_parse_ipv4(s, strlen(s), ip);
    }
    return wf_sim_chip_parse_ipv4(s, (size_t)(colon - s), ip) && wf_sim_chip_parse_port(colon + 1, port);
}

int wf_sim_chip_map_rule(struct wf_sim_chip *m, const char *rule)
{
    char left[64];
    const char *eq = strchr(rule, '=');
    if (eq == NULL || (size_t)(eq - rule) >= sizeof left) {
        return -1;
    }
    memcpy(left, rule, (size_t)(eq - rule));
    left[eq - rule] = '\0';
    uint32_t vip, hip;
    uint16_t vport, hport;
    if (!wf_sim_chip_parse_endpoint(left, true, &vip, &vport) ||
        !wf_sim_chip_parse_endpoint(eq + 1, false, &hip, &hport)) {
        return -1;
    }
    return wf_sim_chip_map(m, vip, vport, hip, hport);
}
