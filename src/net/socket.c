/*
 * BSD-shaped sockets over the chip's hardware sockets. This file holds the
 * policy (states, deadlines, errno mapping); every register access goes through
 * the chip engine (chip.h).
 */
#include "wizfetch/socket.h"

#include "common/bytes.h"

#include <assert.h>
#include <string.h>

#include "common/wait.h"
#include "wizfetch/error.h"

enum sock_state {
    ST_IDLE,       /* allocated, chip socket not opened */
    ST_UDP,        /* UDP socket open on the chip */
    ST_CONNECTING, /* CONNECT issued */
    ST_CONNECTED,  /* ESTABLISHED (or CLOSE_WAIT) */
    ST_DEAD,       /* connection over: see reason */
};

enum sock_flag {
    F_BOUND = 0x01,
    F_SHUT_WR = 0x02,
    F_SHUT_RD = 0x04,
    F_PEER_FIN = 0x08,
    F_SEND_PENDING = 0x10, /* a SEND was issued and its SEND_OK not yet seen */
    F_SAW_SYNSENT = 0x20,  /* the SYN went out, so ARP had succeeded */
};

enum { UDP_HEADER_LEN = 8 };

/* ---- helpers ------------------------------------------------------------- */

static struct wf_net_sock *sock_get(wf_net_t *net, int fd)
{
    assert(net != NULL && net->chip != NULL);
    if (fd < 0 || fd >= net->chip->sockets || net->socks[fd].type == 0) {
        return NULL;
    }
    return &net->socks[fd];
}

static uint8_t sn_of(int fd)
{
    return (uint8_t)fd;
}

static void wait_start(const wf_net_t *net, struct wf_wait *w, uint32_t timeout_ms)
{
    wf_wait_start(w, net->chip->port, timeout_ms);
}

static bool addr_usable(const wf_sockaddr_t *a)
{
    static const uint8_t any[4] = {0, 0, 0, 0};
    static const uint8_t bcast[4] = {255, 255, 255, 255};
    return a->port != 0 && memcmp(a->ip, any, 4) != 0 && memcmp(a->ip, bcast, 4) != 0;
}

static bool port_in_use(const wf_net_t *net, uint16_t port, uint8_t type)
{
    for (uint8_t i = 0; i < net->chip->sockets; i++) {
        const struct wf_net_sock *s = &net->socks[i];
        if (s->type == type && (s->flags & F_BOUND) && s->local_port == port) {
            return true;
        }
    }
    return false;
}

static uint16_t ephemeral_port(wf_net_t *net, uint8_t type)
{
    const uint32_t span = 65536u - WF_NET_EPHEMERAL_MIN;
    for (;;) {
        uint16_t port = net->next_port;
        net->next_port = (uint16_t)(WF_NET_EPHEMERAL_MIN + ((port - WF_NET_EPHEMERAL_MIN + 1u) % span));
        /* At most WF_CHIP_MAX_SOCKETS ports are taken, so this ends quickly. */
        if (!port_in_use(net, port, type)) {
            return port;
        }
    }
}

static int read_status(wf_net_t *net, int fd, uint8_t *sr)
{
    return wf_chip_sock_read8(net->chip, sn_of(fd), WF_SN_SR, sr);
}

static int clear_irq(wf_net_t *net, int fd, uint8_t bits)
{
    return wf_chip_sock_write8(net->chip, sn_of(fd), WF_SN_IR, bits);
}

/* The connection is over; remember why so every later call says the same. */
static int mark_dead(struct wf_net_sock *s, int reason)
{
    s->state = ST_DEAD;
    s->reason = (int8_t)reason;
    s->flags &= (uint8_t)~F_SEND_PENDING;
    if (reason < 0) {
        s->error = (int8_t)reason;
    }
    return reason;
}

/* Sn_SR went CLOSED under an established connection: find out why. */
static int connection_lost(wf_net_t *net, int fd, struct wf_net_sock *s)
{
    uint8_t ir;
    int rc = wf_chip_sock_read8(net->chip, sn_of(fd), WF_SN_IR, &ir);
    if (rc < 0) {
        return mark_dead(s, rc);
    }
    (void)clear_irq(net, fd, ir & (WF_SN_IR_TIMEOUT | WF_SN_IR_DISCON));
    if (ir & WF_SN_IR_TIMEOUT) {
        return mark_dead(s, WF_ETIMEDOUT);
    }
    if ((ir & WF_SN_IR_DISCON) || (s->flags & F_PEER_FIN)) {
        s->flags |= F_PEER_FIN;
        return mark_dead(s, 0);
    }
    /* Closed without FIN or timeout: the peer sent RST. */
    return mark_dead(s, WF_ECONNRESET);
}

static bool chip_keepalive_timer(const wf_net_t *net)
{
    return net->chip->variant->keepalive_timer;
}

/* W5500: the interval in the chip's 5 s units (rounded up, at most 255). */
static uint8_t keepalive_units(uint16_t interval_s)
{
    uint32_t units = (interval_s + 4u) / 5u;
    return (uint8_t)(units > 255u ? 255u : units);
}

/*
 * W5100 keep-alive: the chip has no timer, so a probe (SEND_KEEP) goes out
 * from here once the interval has passed since the last one. Not while a SEND
 * is in flight: its retransmissions test the peer anyway. An unanswered probe
 * shows later as Sn_SR CLOSED with TIMEOUT (connection_lost: WF_ETIMEDOUT).
 */
static void keepalive_tick(wf_net_t *net, int fd, struct wf_net_sock *s)
{
    if (s->keepalive_s == 0 || chip_keepalive_timer(net) || (s->flags & F_SEND_PENDING)) {
        return;
    }
    uint32_t now = wf_port_millis(net->chip->port);
    if ((uint32_t)(now - s->keepalive_at) < (uint32_t)s->keepalive_s * 1000u) {
        return;
    }
    s->keepalive_at = now;
    (void)wf_chip_sock_command(net->chip, sn_of(fd), WF_SN_CR_SEND_KEEP);
}

/*
 * Refresh a connected TCP socket from Sn_SR. Returns 0 while the connection
 * can carry data, the death reason (0 = FIN) once it is over, or a bus error.
 * `*alive` tells which.
 */
static int tcp_refresh(wf_net_t *net, int fd, struct wf_net_sock *s, bool *alive)
{
    *alive = false;
    if (s->state != ST_CONNECTED) {
        return s->reason;
    }
    uint8_t sr;
    int rc = read_status(net, fd, &sr);
    if (rc < 0) {
        return mark_dead(s, rc);
    }
    switch (sr) {
    case WF_SN_SR_ESTABLISHED:
        *alive = true;
        keepalive_tick(net, fd, s);
        return 0;
    case WF_SN_SR_CLOSE_WAIT:
        s->flags |= F_PEER_FIN;
        *alive = true;
        keepalive_tick(net, fd, s);
        return 0;
    case WF_SN_SR_FIN_WAIT:
    case WF_SN_SR_CLOSING:
        /* We sent FIN (shutdown WR); the peer may still send. */
        *alive = true;
        return 0;
    case WF_SN_SR_TIME_WAIT:
    case WF_SN_SR_LAST_ACK:
        s->flags |= F_PEER_FIN;
        return mark_dead(s, 0);
    case WF_SN_SR_CLOSED:
        return connection_lost(net, fd, s);
    default:
        return mark_dead(s, WF_EIO);
    }
}

/* ---- lifecycle ----------------------------------------------------------- */

void wf_net_init(wf_net_t *net, wf_chip_t *chip)
{
    assert(net != NULL && chip != NULL);
    memset(net, 0, sizeof *net);
    net->chip = chip;
    uint8_t rnd[4] = {0, 0, 0, 0};
    const struct wf_port *port = chip->port;
    (void)port->entropy(port->ctx, rnd, sizeof rnd);
    net->next_port = wf_net_ephemeral_port(wf_be32(rnd));
}

uint16_t wf_net_ephemeral_port(uint32_t random)
{
    /* 32 random bits onto the range: the modulo bias is below 2^-16. */
    return (uint16_t)(WF_NET_EPHEMERAL_MIN + random % (65536u - WF_NET_EPHEMERAL_MIN));
}

void wf_net_free(wf_net_t *net)
{
    if (net == NULL || net->chip == NULL) {
        return;
    }
    for (int fd = 0; fd < net->chip->sockets; fd++) {
        if (net->socks[fd].type != 0) {
            net->socks[fd].timeout_ms = 0; /* no graceful wait */
            (void)wf_net_close(net, fd);
        }
    }
}

int wf_net_socket(wf_net_t *net, enum wf_sock_type type)
{
    if (type != WF_SOCK_STREAM && type != WF_SOCK_DGRAM) {
        return WF_EINVAL;
    }
    if (!net->chip->ready) {
        return WF_ENETDOWN;
    }
    for (int fd = 0; fd < net->chip->sockets; fd++) {
        struct wf_net_sock *s = &net->socks[fd];
        bool has_memory = net->chip->tx_kb[fd] != 0 && net->chip->rx_kb[fd] != 0;
        if (s->type == 0 && has_memory) {
            *s = (struct wf_net_sock){
                .type = (uint8_t)type, .state = ST_IDLE, .timeout_ms = WF_NET_DEFAULT_TIMEOUT_MS};
            return fd;
        }
    }
    return WF_EMFILE;
}

int wf_net_set_timeout(wf_net_t *net, int fd, uint32_t timeout_ms)
{
    struct wf_net_sock *s = sock_get(net, fd);
    if (s == NULL) {
        return WF_EBADF;
    }
    s->timeout_ms = timeout_ms;
    return 0;
}

int wf_net_bind(wf_net_t *net, int fd, uint16_t port)
{
    struct wf_net_sock *s = sock_get(net, fd);
    if (s == NULL) {
        return WF_EBADF;
    }
    if (s->flags & F_BOUND) {
        return WF_EINVAL;
    }
    if (port == 0) {
        port = ephemeral_port(net, s->type);
    } else if (port_in_use(net, port, s->type)) {
        return WF_EINVAL;
    }
    if (s->type == WF_SOCK_DGRAM) {
        int rc = wf_chip_sock_open(net->chip, sn_of(fd), WF_SN_MR_UDP, port);
        if (rc < 0) {
            return rc;
        }
        s->state = ST_UDP;
    }
    s->local_port = port;
    s->flags |= F_BOUND;
    return 0;
}

/* ---- TCP ----------------------------------------------------------------- */

/* Advance a CONNECTING socket: 0 once connected, WF_EINPROGRESS meanwhile. */
static int connect_progress(wf_net_t *net, int fd, struct wf_net_sock *s)
{
    uint8_t sr;
    int rc = read_status(net, fd, &sr);
    if (rc < 0) {
        return mark_dead(s, rc);
    }
    switch (sr) {
    case WF_SN_SR_SYNSENT:
        s->flags |= F_SAW_SYNSENT;
        return WF_EINPROGRESS;
    case WF_SN_SR_ESTABLISHED:
    case WF_SN_SR_CLOSE_WAIT:
        s->state = ST_CONNECTED;
        if (sr == WF_SN_SR_CLOSE_WAIT) {
            s->flags |= F_PEER_FIN;
        }
        rc = clear_irq(net, fd, WF_SN_IR_CON);
        return rc < 0 ? mark_dead(s, rc) : 0;
    case WF_SN_SR_CLOSED: {
        uint8_t ir = 0;
        rc = wf_chip_sock_read8(net->chip, sn_of(fd), WF_SN_IR, &ir);
        if (rc < 0) {
            return mark_dead(s, rc);
        }
        (void)clear_irq(net, fd, ir);
        if (ir & WF_SN_IR_TIMEOUT) {
            /* The W5100 raises the same TIMEOUT for ARP and for SYN retries;
             * a socket that never reached SYNSENT never got an ARP reply. */
            return mark_dead(s, (s->flags & F_SAW_SYNSENT) ? WF_ETIMEDOUT : WF_EHOSTUNREACH);
        }
        return mark_dead(s, WF_ECONNREFUSED);
    }
    default: /* ARP, INIT (CONNECT not yet started) */
        return WF_EINPROGRESS;
    }
}

static void abort_chip_socket(wf_net_t *net, int fd)
{
    (void)wf_chip_sock_command(net->chip, sn_of(fd), WF_SN_CR_CLOSE);
}

int wf_net_connect(wf_net_t *net, int fd, const wf_sockaddr_t *addr)
{
    struct wf_net_sock *s = sock_get(net, fd);
    if (s == NULL) {
        return WF_EBADF;
    }
    if (s->type != WF_SOCK_STREAM) {
        return WF_ENOTSUP;
    }
    if (s->state == ST_CONNECTED) {
        return WF_EISCONN;
    }
    if (s->state == ST_CONNECTING) {
        return WF_EALREADY;
    }
    if (!addr_usable(addr)) {
        return WF_EADDRNOTAVAIL;
    }
    if (!(s->flags & F_BOUND)) {
        int rc = wf_net_bind(net, fd, 0);
        if (rc < 0) {
            return rc;
        }
    }
    int rc = wf_chip_sock_open(net->chip, sn_of(fd), WF_SN_MR_TCP | WF_SN_MR_ND, s->local_port);
    if (rc == 0) {
        rc = wf_chip_sock_set_peer(net->chip, sn_of(fd), addr->ip, addr->port);
    }
    if (rc == 0 && s->keepalive_s != 0 && chip_keepalive_timer(net)) {
        rc = wf_chip_sock_set_keepalive(net->chip, sn_of(fd), keepalive_units(s->keepalive_s));
    }
    if (rc == 0) {
        rc = wf_chip_sock_command(net->chip, sn_of(fd), WF_SN_CR_CONNECT);
    }
    if (rc < 0) {
        return rc;
    }
    s->state = ST_CONNECTING;
    s->flags &= (uint8_t)(F_BOUND);
    s->reason = 0;
    s->error = 0;
    s->keepalive_at = wf_port_millis(net->chip->port);
    if (s->timeout_ms == 0) {
        return WF_EINPROGRESS;
    }
    struct wf_wait w;
    wait_start(net, &w, s->timeout_ms);
    do {
        rc = connect_progress(net, fd, s);
        if (rc != WF_EINPROGRESS) {
            if (rc < 0) {
                s->error = 0; /* reported by this call, not pending */
            }
            return rc;
        }
    } while (wf_wait_again(&w));
    abort_chip_socket(net, fd);
    mark_dead(s, WF_ETIMEDOUT);
    s->error = 0;
    return WF_ETIMEDOUT;
}

/* What a send on a socket that cannot send returns. */
static int send_refusal(const struct wf_net_sock *s)
{
    if (s->state == ST_CONNECTING) {
        return WF_ENOTCONN;
    }
    if (s->state == ST_DEAD) {
        return s->reason < 0 ? s->reason : WF_EPIPE;
    }
    return WF_ENOTCONN;
}

/* Collect SEND_OK of the previous SEND. 0 = done, WF_EAGAIN = still sending. */
static int previous_send_done(wf_net_t *net, int fd, struct wf_net_sock *s)
{
    if (!(s->flags & F_SEND_PENDING)) {
        return 0;
    }
    uint8_t ir;
    int rc = wf_chip_sock_read8(net->chip, sn_of(fd), WF_SN_IR, &ir);
    if (rc < 0) {
        return mark_dead(s, rc);
    }
    if (ir & WF_SN_IR_SEND_OK) {
        s->flags &= (uint8_t)~F_SEND_PENDING;
        rc = clear_irq(net, fd, WF_SN_IR_SEND_OK);
        return rc < 0 ? mark_dead(s, rc) : 0;
    }
    return WF_EAGAIN;
}

/*
 * Queue as much of `data` as the chip has room for and SEND it. Returns the
 * count queued (possibly 0 = no room yet, or the previous SEND still running)
 * or an error. The SEND is not awaited: its SEND_OK is collected before the
 * next one, so copying the next chunk overlaps the transmission of this one.
 */
static int tcp_send_some(wf_net_t *net, int fd, struct wf_net_sock *s, const uint8_t *data, size_t len)
{
    bool alive;
    int rc = tcp_refresh(net, fd, s, &alive);
    if (!alive) {
        return rc < 0 ? rc : WF_EPIPE;
    }
    rc = previous_send_done(net, fd, s);
    if (rc == WF_EAGAIN) {
        return 0;
    }
    if (rc < 0) {
        return rc;
    }
    uint16_t room;
    rc = wf_chip_sock_tx_free(net->chip, sn_of(fd), &room);
    if (rc < 0) {
        return mark_dead(s, rc);
    }
    uint16_t n = (uint16_t)(len < room ? len : room);
    if (n == 0) {
        return 0;
    }
    rc = wf_chip_sock_tx_queue(net->chip, sn_of(fd), data, n);
    if (rc == 0) {
        rc = wf_chip_sock_command(net->chip, sn_of(fd), WF_SN_CR_SEND);
    }
    if (rc < 0) {
        return mark_dead(s, rc);
    }
    s->flags |= F_SEND_PENDING;
    return n;
}

int wf_net_send(wf_net_t *net, int fd, const void *buf, size_t len)
{
    struct wf_net_sock *s = sock_get(net, fd);
    if (s == NULL) {
        return WF_EBADF;
    }
    if (s->type != WF_SOCK_STREAM) {
        return WF_ENOTSUP;
    }
    if (s->flags & F_SHUT_WR) {
        return WF_EPIPE;
    }
    if (s->state != ST_CONNECTED) {
        return send_refusal(s);
    }
    if (len > (size_t)INT32_MAX) {
        len = INT32_MAX;
    }
    const uint8_t *data = buf;
    size_t sent = 0;
    struct wf_wait w;
    wait_start(net, &w, s->timeout_ms);
    while (sent < len) {
        int n = tcp_send_some(net, fd, s, data + sent, len - sent);
        if (n < 0) {
            if (sent == 0) {
                s->error = 0;
                return n;
            }
            break; /* report what was queued; the error stays pending */
        }
        sent += (size_t)n;
        if (n == 0 && !wf_wait_again(&w)) {
            break;
        }
    }
    if (sent == 0 && len > 0) {
        return s->timeout_ms == 0 ? WF_EAGAIN : WF_ETIMEDOUT;
    }
    return (int)sent;
}

/* One attempt at receiving: count, 0 = end of stream, WF_EAGAIN = nothing yet. */
/* ---- the RX prefetch (wf_net_set_rx_prefetch) ---- */

enum { PF_NONE = 0, PF_READING = 1, PF_READ = 2 };

static bool prefetch_holds(const wf_net_t *net, int fd)
{
    return net->pf_state != PF_NONE && net->pf_fd == fd;
}

/* Hand out prefetched bytes of `fd` (the read ended first: waiting, and the bytes
 * released in the chip). */
static int prefetch_take(wf_net_t *net, struct wf_net_sock *s, uint8_t *buf, size_t len)
{
    if (net->pf_state == PF_READING) {
        int rc = wf_chip_sock_rx_read_finish(net->chip);
        if (rc < 0) {
            net->pf_state = PF_NONE;
            s->rx_known = 0;
            return mark_dead(s, rc);
        }
        net->pf_state = PF_READ;
    }
    uint16_t left = (uint16_t)(net->pf_len - net->pf_off);
    uint16_t n = len < left ? (uint16_t)len : left;
    memcpy(buf, net->rx_prefetch + net->pf_off, n);
    net->pf_off = (uint16_t)(net->pf_off + n);
    if (net->pf_off == net->pf_len) {
        net->pf_state = PF_NONE;
    }
    return n;
}

/* After a receive on `fd` that left bytes known in the ring: start reading them. */
static void prefetch_start(wf_net_t *net, int fd, struct wf_net_sock *s)
{
    if (net->pf_ops == NULL || net->pf_state != PF_NONE || s->rx_known == 0 || s->state != ST_CONNECTED) {
        return;
    }
    uint16_t want = s->rx_known < net->prefetch_size ? s->rx_known : net->prefetch_size;
    int rc = wf_chip_sock_rx_read_start(net->chip, sn_of(fd), net->rx_prefetch, want);
    if (rc == WF_ENOTSUP) {
        net->pf_ops = NULL; /* this port or chip cannot: never again */
    }
    if (rc <= 0) {
        return; /* a bus error shows again at the next receive */
    }
    net->pf_fd = (uint8_t)fd;
    net->pf_len = (uint16_t)rc;
    net->pf_off = 0;
    net->pf_state = PF_READING;
    s->rx_known = (uint16_t)(s->rx_known - rc);
}

/* Before `fd` is closed: end a prefetch of its bytes (they are dropped). */
static void prefetch_drop(wf_net_t *net, int fd)
{
    if (prefetch_holds(net, fd)) {
        if (net->pf_state == PF_READING) {
            (void)wf_chip_sock_rx_read_finish(net->chip);
        }
        net->pf_state = PF_NONE;
    }
}

/* Reached only through the pointer wf_net_set_rx_prefetch stores: a program that never
 * sets a prefetch links none of it (nor the chip's started reads). */
struct wf_net_prefetch {
    int (*take)(wf_net_t *net, struct wf_net_sock *s, uint8_t *buf, size_t len);
    void (*start)(wf_net_t *net, int fd, struct wf_net_sock *s);
    void (*drop)(wf_net_t *net, int fd);
};

static const struct wf_net_prefetch prefetch_ops = {prefetch_take, prefetch_start, prefetch_drop};

bool wf_net_rx_prefetches(const wf_net_t *net)
{
    return net->pf_ops != NULL && net->chip->variant != NULL && net->chip->variant->read_start != NULL &&
           net->chip->port->spi_read_start != NULL;
}

void wf_net_set_rx_prefetch(wf_net_t *net, uint8_t *buf, uint16_t size)
{
    assert(net->pf_state == PF_NONE);
    net->pf_ops = buf != NULL && size > 0 ? &prefetch_ops : NULL;
    net->rx_prefetch = buf;
    net->prefetch_size = size;
}

static int tcp_recv_some(wf_net_t *net, int fd, struct wf_net_sock *s, uint8_t *buf, size_t len)
{
    if (prefetch_holds(net, fd)) {
        return net->pf_ops->take(net, s, buf, len);
    }
    /* Bytes still known to be in the ring (from the last size read) are read without
     * asking the chip for its status and size again: received data stays readable,
     * so nothing can be missed; the next call that finds none left asks again. */
    if (s->rx_known > 0 && s->state == ST_CONNECTED) {
        uint16_t n = (uint16_t)(len < s->rx_known ? len : s->rx_known);
        int rc = wf_chip_sock_rx_read(net->chip, sn_of(fd), buf, n);
        if (rc < 0) {
            s->rx_known = 0;
            return mark_dead(s, rc);
        }
        s->rx_known = (uint16_t)(s->rx_known - n);
        return n;
    }
    /* Status first, data second: data that preceded a FIN is in the ring by
     * the time Sn_SR shows the FIN, so nothing is lost to a race. */
    bool alive;
    int verdict = tcp_refresh(net, fd, s, &alive);
    uint16_t avail;
    int rc = wf_chip_sock_rx_avail(net->chip, sn_of(fd), &avail);
    if (rc < 0) {
        return mark_dead(s, rc);
    }
    if (avail > 0) {
        uint16_t n = (uint16_t)(len < avail ? len : avail);
        rc = wf_chip_sock_rx_read(net->chip, sn_of(fd), buf, n);
        if (rc < 0) {
            return mark_dead(s, rc);
        }
        s->rx_known = (uint16_t)(avail - n);
        return n;
    }
    if (!alive) {
        return verdict;
    }
    return (s->flags & F_PEER_FIN) ? 0 : WF_EAGAIN;
}

int wf_net_recv(wf_net_t *net, int fd, void *buf, size_t len)
{
    struct wf_net_sock *s = sock_get(net, fd);
    if (s == NULL) {
        return WF_EBADF;
    }
    if (s->type != WF_SOCK_STREAM) {
        return WF_ENOTSUP;
    }
    if (s->flags & F_SHUT_RD) {
        return 0;
    }
    if (s->state != ST_CONNECTED && s->state != ST_DEAD) {
        return WF_ENOTCONN;
    }
    if (len == 0) {
        return 0;
    }
    if (len > (size_t)INT32_MAX) {
        len = INT32_MAX;
    }
    struct wf_wait w;
    wait_start(net, &w, s->timeout_ms);
    for (;;) {
        int rc = tcp_recv_some(net, fd, s, buf, len);
        if (rc > 0) {
            if (net->pf_ops != NULL) {
                net->pf_ops->start(net, fd, s);
            }
        }
        if (rc != WF_EAGAIN) {
            if (rc < 0) {
                s->error = 0;
            }
            return rc;
        }
        if (s->timeout_ms == 0) {
            return WF_EAGAIN;
        }
        if (!wf_wait_again(&w)) {
            return WF_ETIMEDOUT;
        }
    }
}

int wf_net_shutdown(wf_net_t *net, int fd, enum wf_shutdown_how how)
{
    struct wf_net_sock *s = sock_get(net, fd);
    if (s == NULL) {
        return WF_EBADF;
    }
    if (s->type != WF_SOCK_STREAM) {
        return WF_ENOTSUP;
    }
    if (s->state != ST_CONNECTED && s->state != ST_DEAD) {
        return WF_ENOTCONN;
    }
    if (how & WF_SHUT_RD) {
        s->flags |= F_SHUT_RD;
    }
    if ((how & WF_SHUT_WR) && !(s->flags & F_SHUT_WR)) {
        s->flags |= F_SHUT_WR;
        bool alive;
        int rc = tcp_refresh(net, fd, s, &alive);
        if (alive) {
            rc = wf_chip_sock_command(net->chip, sn_of(fd), WF_SN_CR_DISCON);
        }
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* ---- UDP ----------------------------------------------------------------- */

/* UDP waits are bounded even on non-blocking sockets: a datagram, once
 * handed over, must be seen through (SEND_OK or ARP timeout). */
static uint32_t udp_send_timeout(const struct wf_net_sock *s)
{
    return s->timeout_ms != 0 ? s->timeout_ms : WF_NET_DEFAULT_TIMEOUT_MS;
}

/*
 * Wait for the outcome of a UDP SEND. W5100 erratum 1: a SEND issued while a
 * datagram arrives may never complete; the only cure is to reopen the socket.
 */
static int udp_send_outcome(wf_net_t *net, int fd, struct wf_net_sock *s)
{
    struct wf_wait w;
    wait_start(net, &w, udp_send_timeout(s));
    do {
        uint8_t ir;
        int rc = wf_chip_sock_read8(net->chip, sn_of(fd), WF_SN_IR, &ir);
        if (rc < 0) {
            return rc;
        }
        if (ir & (WF_SN_IR_SEND_OK | WF_SN_IR_TIMEOUT)) {
            rc = clear_irq(net, fd, ir & (WF_SN_IR_SEND_OK | WF_SN_IR_TIMEOUT));
            if (rc < 0) {
                return rc;
            }
            return (ir & WF_SN_IR_SEND_OK) ? 0 : WF_EHOSTUNREACH;
        }
    } while (wf_wait_again(&w));
    int rc = wf_chip_sock_open(net->chip, sn_of(fd), WF_SN_MR_UDP, s->local_port);
    return rc < 0 ? rc : WF_ETIMEDOUT;
}

int wf_net_sendto(wf_net_t *net, int fd, const void *buf, size_t len, const wf_sockaddr_t *to)
{
    struct wf_net_sock *s = sock_get(net, fd);
    if (s == NULL) {
        return WF_EBADF;
    }
    if (s->type != WF_SOCK_DGRAM) {
        return WF_ENOTSUP;
    }
    if (len == 0) {
        return WF_EINVAL;
    }
    if (len > wf_chip_tx_size(net->chip, sn_of(fd))) {
        return WF_EMSGSIZE;
    }
    if (to->port == 0 || memcmp(to->ip, (const uint8_t[4]){0, 0, 0, 0}, 4) == 0) {
        return WF_EADDRNOTAVAIL;
    }
    if (!(s->flags & F_BOUND)) {
        int rc = wf_net_bind(net, fd, 0);
        if (rc < 0) {
            return rc;
        }
    }
    struct wf_wait w;
    wait_start(net, &w, s->timeout_ms);
    for (;;) {
        uint16_t room;
        int rc = wf_chip_sock_tx_free(net->chip, sn_of(fd), &room);
        if (rc < 0) {
            return rc;
        }
        if (room >= len) {
            break;
        }
        if (s->timeout_ms == 0) {
            return WF_EAGAIN;
        }
        if (!wf_wait_again(&w)) {
            return WF_ETIMEDOUT;
        }
    }
    int rc = wf_chip_sock_set_peer(net->chip, sn_of(fd), to->ip, to->port);
    if (rc == 0) {
        rc = wf_chip_sock_tx_queue(net->chip, sn_of(fd), buf, (uint16_t)len);
    }
    if (rc == 0) {
        rc = wf_chip_sock_command(net->chip, sn_of(fd), WF_SN_CR_SEND);
    }
    if (rc == 0) {
        rc = udp_send_outcome(net, fd, s);
    }
    return rc < 0 ? rc : (int)len;
}

/* Parse the chip's 8-byte datagram header: peer IP, peer port, payload length. */
static uint16_t udp_header_parse(const uint8_t h[UDP_HEADER_LEN], wf_sockaddr_t *from)
{
    if (from != NULL) {
        memcpy(from->ip, h, 4);
        from->port = (uint16_t)((h[4] << 8) | h[5]);
    }
    return (uint16_t)((h[6] << 8) | h[7]);
}

/* One attempt: bytes copied, or WF_EAGAIN when no whole datagram is there. */
static int udp_recv_some(wf_net_t *net, int fd, uint8_t *buf, size_t len, wf_sockaddr_t *from,
                         size_t *dlen_out)
{
    uint16_t avail;
    int rc = wf_chip_sock_rx_avail(net->chip, sn_of(fd), &avail);
    if (rc < 0) {
        return rc;
    }
    if (avail < UDP_HEADER_LEN) {
        return WF_EAGAIN;
    }
    uint8_t header[UDP_HEADER_LEN];
    rc = wf_chip_sock_rx_peek(net->chip, sn_of(fd), 0, header, sizeof header);
    if (rc < 0) {
        return rc;
    }
    uint16_t dlen = udp_header_parse(header, from);
    if ((uint32_t)dlen + UDP_HEADER_LEN > avail) {
        /* The chip stores whole datagrams: a header promising more than is
         * there means the ring is out of step. Reopening resynchronises it. */
        struct wf_net_sock *s = &net->socks[fd];
        rc = wf_chip_sock_open(net->chip, sn_of(fd), WF_SN_MR_UDP, s->local_port);
        return rc < 0 ? rc : WF_EIO;
    }
    uint16_t n = (uint16_t)(len < dlen ? len : dlen);
    if (n > 0) {
        rc = wf_chip_sock_rx_peek(net->chip, sn_of(fd), UDP_HEADER_LEN, buf, n);
    }
    if (rc == 0) {
        rc = wf_chip_sock_rx_release(net->chip, sn_of(fd), (uint16_t)(UDP_HEADER_LEN + dlen));
    }
    if (rc < 0) {
        return rc;
    }
    if (dlen_out != NULL) {
        *dlen_out = dlen;
    }
    return n;
}

int wf_net_recvfrom(wf_net_t *net, int fd, void *buf, size_t len, wf_sockaddr_t *from, size_t *datagram_len)
{
    struct wf_net_sock *s = sock_get(net, fd);
    if (s == NULL) {
        return WF_EBADF;
    }
    if (s->type != WF_SOCK_DGRAM) {
        return WF_ENOTSUP;
    }
    if (s->state != ST_UDP) {
        return WF_ENOTCONN;
    }
    struct wf_wait w;
    wait_start(net, &w, s->timeout_ms);
    for (;;) {
        int rc = udp_recv_some(net, fd, buf, len, from, datagram_len);
        if (rc != WF_EAGAIN) {
            return rc;
        }
        if (s->timeout_ms == 0) {
            return WF_EAGAIN;
        }
        if (!wf_wait_again(&w)) {
            return WF_ETIMEDOUT;
        }
    }
}

/* ---- keep-alive ----------------------------------------------------------- */

int wf_net_set_keepalive(wf_net_t *net, int fd, uint16_t interval_s)
{
    struct wf_net_sock *s = sock_get(net, fd);
    if (s == NULL) {
        return WF_EBADF;
    }
    if (s->type != WF_SOCK_STREAM) {
        return WF_ENOTSUP;
    }
    s->keepalive_s = interval_s;
    s->keepalive_at = wf_port_millis(net->chip->port);
    if (chip_keepalive_timer(net) && (s->state == ST_CONNECTING || s->state == ST_CONNECTED)) {
        int rc = wf_chip_sock_set_keepalive(net->chip, sn_of(fd), keepalive_units(interval_s));
        return rc < 0 ? mark_dead(s, rc) : 0;
    }
    return 0;
}

/* ---- close, poll, error --------------------------------------------------- */

static int tcp_graceful_close(wf_net_t *net, int fd, struct wf_net_sock *s)
{
    bool alive;
    int rc = tcp_refresh(net, fd, s, &alive);
    if (alive && !(s->flags & F_SHUT_WR)) {
        rc = wf_chip_sock_command(net->chip, sn_of(fd), WF_SN_CR_DISCON);
    }
    if (rc < 0 || !alive) {
        return rc < 0 ? rc : 0;
    }
    /* Non-blocking sockets get the close timeout too: the slot is reused at
     * once, so the FIN handshake cannot be left running in the background. */
    uint32_t limit = WF_NET_CLOSE_TIMEOUT_MS;
    if (s->timeout_ms != 0 && s->timeout_ms < limit) {
        limit = s->timeout_ms;
    }
    struct wf_wait w;
    wait_start(net, &w, limit);
    do {
        uint8_t sr;
        rc = read_status(net, fd, &sr);
        if (rc < 0 || sr == WF_SN_SR_CLOSED) {
            return rc;
        }
    } while (wf_wait_again(&w));
    return WF_ETIMEDOUT;
}

int wf_net_close(wf_net_t *net, int fd)
{
    struct wf_net_sock *s = sock_get(net, fd);
    if (s == NULL) {
        return WF_EBADF;
    }
    int rc = 0;
    if (net->pf_ops != NULL) {
        net->pf_ops->drop(net, fd);
    }
    if (s->state == ST_CONNECTED) {
        rc = tcp_graceful_close(net, fd, s);
    }
    if (s->state != ST_IDLE) {
        uint8_t sr = WF_SN_SR_CLOSED;
        int rc2 = read_status(net, fd, &sr);
        if (rc2 == 0 && sr != WF_SN_SR_CLOSED) {
            rc2 = wf_chip_sock_command(net->chip, sn_of(fd), WF_SN_CR_CLOSE);
        }
        if (rc == 0) {
            rc = rc2;
        }
    }
    memset(s, 0, sizeof *s);
    return rc;
}

static uint8_t tcp_readiness(wf_net_t *net, int fd, struct wf_net_sock *s)
{
    if (s->state == ST_CONNECTING) {
        int rc = connect_progress(net, fd, s);
        if (rc == WF_EINPROGRESS) {
            return 0;
        }
        return rc == 0 ? WF_POLLOUT : (uint8_t)(WF_POLLERR | WF_POLLHUP);
    }
    if (s->state != ST_CONNECTED && s->state != ST_DEAD) {
        return 0;
    }
    bool alive;
    (void)tcp_refresh(net, fd, s, &alive);
    uint8_t ev = 0;
    uint16_t avail = 0;
    if (prefetch_holds(net, fd) || (wf_chip_sock_rx_avail(net->chip, sn_of(fd), &avail) == 0 && avail > 0)) {
        ev |= WF_POLLIN;
    }
    if (!alive) {
        ev |= WF_POLLIN | WF_POLLHUP | (s->reason < 0 ? WF_POLLERR : 0);
    } else if (s->flags & F_PEER_FIN) {
        ev |= WF_POLLIN | WF_POLLHUP;
    }
    uint16_t room = 0;
    if (alive && !(s->flags & F_SHUT_WR) && previous_send_done(net, fd, s) == 0 &&
        wf_chip_sock_tx_free(net->chip, sn_of(fd), &room) == 0 && room > 0) {
        ev |= WF_POLLOUT;
    }
    return ev;
}

static uint8_t udp_readiness(wf_net_t *net, int fd, const struct wf_net_sock *s)
{
    if (s->state != ST_UDP) {
        return 0;
    }
    uint8_t ev = 0;
    uint16_t n = 0;
    if (wf_chip_sock_rx_avail(net->chip, sn_of(fd), &n) == 0 && n >= UDP_HEADER_LEN) {
        ev |= WF_POLLIN;
    }
    if (wf_chip_sock_tx_free(net->chip, sn_of(fd), &n) == 0 && n > 0) {
        ev |= WF_POLLOUT;
    }
    return ev;
}

static uint8_t readiness(wf_net_t *net, struct wf_pollfd *p)
{
    struct wf_net_sock *s = sock_get(net, p->fd);
    if (s == NULL) {
        return WF_POLLERR;
    }
    uint8_t ev = s->type == WF_SOCK_STREAM ? tcp_readiness(net, p->fd, s) : udp_readiness(net, p->fd, s);
    return ev & (uint8_t)(p->events | WF_POLLERR | WF_POLLHUP);
}

int wf_net_poll(wf_net_t *net, struct wf_pollfd *fds, size_t nfds, uint32_t timeout_ms)
{
    struct wf_wait w;
    wait_start(net, &w, timeout_ms);
    for (;;) {
        int ready = 0;
        for (size_t i = 0; i < nfds; i++) {
            fds[i].revents = readiness(net, &fds[i]);
            ready += fds[i].revents != 0;
        }
        if (ready > 0 || timeout_ms == 0 || !wf_wait_again(&w)) {
            return ready;
        }
    }
}

int wf_net_socket_error(wf_net_t *net, int fd)
{
    struct wf_net_sock *s = sock_get(net, fd);
    if (s == NULL) {
        return WF_EBADF;
    }
    int err = s->error;
    s->error = 0;
    return err;
}

int wf_net_local_port(wf_net_t *net, int fd)
{
    struct wf_net_sock *s = sock_get(net, fd);
    if (s == NULL) {
        return WF_EBADF;
    }
    return (s->flags & F_BOUND) ? s->local_port : WF_ENOTCONN;
}
