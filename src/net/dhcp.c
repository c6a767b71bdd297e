/*
 * DHCP client (RFC 2131; options RFC 2132): message encoding, a strict parser
 * for server messages, and a poll-driven state machine over one UDP socket.
 * Like the DNS parser, the parser is the place where bytes from the network
 * are first interpreted, so every offset is checked before it is read.
 */
#include "wizfetch/dhcp.h"

#include <assert.h>
#include <string.h>

#include "common/bytes.h"
#include "net/udp_query.h"
#include "wizfetch/error.h"

enum {
    OFF_OP = 0,
    OFF_HTYPE = 1,
    OFF_HLEN = 2,
    OFF_XID = 4,
    OFF_SECS = 8,
    OFF_FLAGS = 10,
    OFF_CIADDR = 12,
    OFF_YIADDR = 16,
    OFF_CHADDR = 28,
    OFF_SNAME = 44,
    OFF_FILE = 108,
    OFF_COOKIE = 236,
    OFF_OPTIONS = 240,
    SNAME_LEN = 64,
    FILE_LEN = 128,
    BOOTREQUEST = 1,
    BOOTREPLY = 2,
    HTYPE_ETHERNET = 1,
    FLAG_BROADCAST = 0x8000,
    BOOTP_MIN_LEN = 300,

    OPT_PAD = 0,
    OPT_MASK = 1,
    OPT_ROUTER = 3,
    OPT_DNS = 6,
    OPT_NTP = 42,
    OPT_REQUESTED_IP = 50,
    OPT_LEASE = 51,
    OPT_OVERLOAD = 52,
    OPT_MSG_TYPE = 53,
    OPT_SERVER_ID = 54,
    OPT_PARAM_LIST = 55,
    OPT_MAX_SIZE = 57,
    OPT_T1 = 58,
    OPT_T2 = 59,
    OPT_END = 255,

    MAX_DRAIN = 8,             /* datagrams taken per poll */
    MAX_WAIT_MS = 0x40000000u, /* retransmission waits are clamped (deadlines compare as int32) */
};

static const uint8_t magic_cookie[4] = {99, 130, 83, 99};
static const uint8_t param_list[] = {OPT_MASK,  OPT_ROUTER,    OPT_DNS, OPT_NTP,
                                     OPT_LEASE, OPT_SERVER_ID, OPT_T1,  OPT_T2};
static const uint8_t broadcast_ip[4] = {255, 255, 255, 255};

static bool ip_zero(const uint8_t ip[4])
{
    return (ip[0] | ip[1] | ip[2] | ip[3]) == 0;
}

/* ---- parser -------------------------------------------------------------- */

/* The options a reply is read for, with the length each must have; any of
 * them twice in one reply is refused (its index is its bit in `seen`). Other
 * options are skipped. */
enum opt_shape {
    SHAPE_ADDR,      /* exactly 4 bytes: an address or a 32-bit number */
    SHAPE_ADDR_LIST, /* 4 * n bytes, n >= 1 */
    SHAPE_BYTE,      /* exactly 1 byte */
};

static const struct opt_rule {
    uint8_t code;
    uint8_t shape;
} opt_rules[] = {
    {OPT_MASK, SHAPE_ADDR},     {OPT_ROUTER, SHAPE_ADDR_LIST}, {OPT_DNS, SHAPE_ADDR_LIST},
    {OPT_NTP, SHAPE_ADDR_LIST}, {OPT_LEASE, SHAPE_ADDR},       {OPT_OVERLOAD, SHAPE_BYTE},
    {OPT_MSG_TYPE, SHAPE_BYTE}, {OPT_SERVER_ID, SHAPE_ADDR},   {OPT_T1, SHAPE_ADDR},
    {OPT_T2, SHAPE_ADDR},
};

static const struct opt_rule *opt_rule(uint8_t code, uint16_t *bit)
{
    for (size_t i = 0; i < sizeof opt_rules / sizeof opt_rules[0]; i++) {
        if (opt_rules[i].code == code) {
            *bit = (uint16_t)(1u << i);
            return &opt_rules[i];
        }
    }
    return NULL;
}

static bool shape_ok(uint8_t shape, uint8_t len)
{
    switch (shape) {
    case SHAPE_ADDR:
        return len == 4;
    case SHAPE_ADDR_LIST:
        return len != 0 && len % 4 == 0;
    default:
        return len == 1;
    }
}

struct opt_state {
    uint16_t seen;
    uint8_t overload;
    bool has_t1, has_t2;
    struct wf_dhcp_reply *out;
};

/* Store up to `max` addresses of a list option; the length was checked. */
static uint8_t take_list(uint8_t (*dst)[4], size_t max, const uint8_t *v, uint8_t len)
{
    uint8_t n = 0;
    for (uint8_t off = 0; off < len && n < max; off += 4) {
        memcpy(dst[n++], &v[off], 4);
    }
    return n;
}

static bool mask_ok(const uint8_t m[4])
{
    uint32_t inv = ~wf_be32(m);
    return inv != 0xFFFFFFFFu && (inv & (inv + 1u)) == 0;
}

static int opt_one(struct opt_state *st, uint8_t code, const uint8_t *v, uint8_t len)
{
    uint16_t bit = 0;
    const struct opt_rule *rule = opt_rule(code, &bit);
    if (rule == NULL) {
        return 0; /* not ours: skipped */
    }
    if ((st->seen & bit) || !shape_ok(rule->shape, len)) {
        return WF_EDHCP_BADREPLY;
    }
    st->seen |= bit;
    struct wf_dhcp_reply *o = st->out;
    struct wf_dhcp_lease *l = &o->lease;
    switch (code) {
    case OPT_MASK:
        if (!mask_ok(v)) {
            return WF_EDHCP_BADREPLY;
        }
        memcpy(l->mask, v, 4);
        o->has_mask = true;
        break;
    case OPT_ROUTER:
        memcpy(l->router, v, 4);
        break;
    case OPT_DNS:
        l->dns_count = take_list(l->dns, WF_DNS_MAX_SERVERS, v, len);
        break;
    case OPT_NTP:
        l->ntp_count = take_list(l->ntp, WF_DHCP_MAX_NTP, v, len);
        break;
    case OPT_LEASE:
        l->lease_s = wf_be32(v);
        o->has_lease = true;
        break;
    case OPT_SERVER_ID:
        memcpy(l->server_id, v, 4);
        o->has_server_id = true;
        break;
    case OPT_T1:
        l->t1_s = wf_be32(v);
        st->has_t1 = true;
        break;
    case OPT_T2:
        l->t2_s = wf_be32(v);
        st->has_t2 = true;
        break;
    case OPT_MSG_TYPE:
        if (v[0] < WF_DHCP_DISCOVER || v[0] > WF_DHCP_INFORM) {
            return WF_EDHCP_BADREPLY;
        }
        o->type = v[0];
        break;
    case OPT_OVERLOAD:
        if (v[0] < 1 || v[0] > 3) {
            return WF_EDHCP_BADREPLY;
        }
        st->overload = v[0];
        break;
    default:
        break;
    }
    return 0;
}

/* Walk one option area [p, p+len); it must end with END. */
static int opt_area(struct opt_state *st, const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t code = p[i++];
        if (code == OPT_PAD) {
            continue;
        }
        if (code == OPT_END) {
            return 0;
        }
        if (i >= len) {
            return WF_EDHCP_BADREPLY; /* no length byte */
        }
        uint8_t olen = p[i++];
        if (olen > len - i) {
            return WF_EDHCP_BADREPLY;
        }
        int rc = opt_one(st, code, &p[i], olen);
        if (rc < 0) {
            return rc;
        }
        i += olen;
    }
    return WF_EDHCP_BADREPLY; /* no END */
}

static bool unicast_ok(const uint8_t ip[4])
{
    return ip[0] != 0 && ip[0] != 127 && ip[0] < 224;
}

static void classful_mask(const uint8_t ip[4], uint8_t mask[4])
{
    uint8_t bytes = ip[0] < 128 ? 1 : ip[0] < 192 ? 2 : 3;
    for (uint8_t i = 0; i < 4; i++) {
        mask[i] = i < bytes ? 255 : 0;
    }
}

int wf_dhcp_parse(const uint8_t *msg, size_t len, uint32_t xid, const uint8_t mac[6],
                  struct wf_dhcp_reply *out)
{
    assert((msg != NULL || len == 0) && mac != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    if (len < WF_DHCP_MSG_MIN || msg[OFF_OP] != BOOTREPLY || msg[OFF_HTYPE] != HTYPE_ETHERNET ||
        msg[OFF_HLEN] != 6 || wf_be32(&msg[OFF_XID]) != xid || memcmp(&msg[OFF_CHADDR], mac, 6) != 0 ||
        memcmp(&msg[OFF_COOKIE], magic_cookie, 4) != 0) {
        return WF_EDHCP_BADREPLY;
    }
    struct opt_state st = {.out = out};
    int rc = opt_area(&st, &msg[OFF_OPTIONS], len - OFF_OPTIONS);
    /* Overloaded fields are read after the options field, file before sname
     * (RFC 2131 section 4.1). */
    if (rc == 0 && (st.overload & 1)) {
        rc = opt_area(&st, &msg[OFF_FILE], FILE_LEN);
    }
    if (rc == 0 && (st.overload & 2)) {
        rc = opt_area(&st, &msg[OFF_SNAME], SNAME_LEN);
    }
    if (rc < 0 || out->type == 0) {
        return WF_EDHCP_BADREPLY;
    }
    memcpy(out->ip, &msg[OFF_YIADDR], 4);
    struct wf_dhcp_lease *l = &out->lease;
    memcpy(l->ip, out->ip, 4);
    switch (out->type) {
    case WF_DHCP_OFFER:
    case WF_DHCP_ACK:
        if (!out->has_server_id || !out->has_lease || l->lease_s == 0 || !unicast_ok(out->ip) ||
            memcmp(out->ip, broadcast_ip, 4) == 0) {
            return WF_EDHCP_BADREPLY;
        }
        break;
    case WF_DHCP_NAK:
        if (!out->has_server_id) {
            return WF_EDHCP_BADREPLY;
        }
        return out->type;
    default:
        return out->type;
    }
    if (!out->has_mask) {
        classful_mask(out->ip, l->mask);
    }
    uint32_t lease = l->lease_s;
    bool given_ok = (!st.has_t1 || l->t1_s <= lease) && (!st.has_t2 || l->t2_s <= lease) &&
                    (!st.has_t1 || !st.has_t2 || l->t1_s <= l->t2_s);
    uint32_t t2_default = lease == WF_DHCP_INFINITE ? lease : (uint32_t)((uint64_t)lease * 7u / 8u);
    uint32_t t1_default = lease == WF_DHCP_INFINITE ? lease : lease / 2u;
    if (!given_ok) {
        st.has_t1 = st.has_t2 = false;
    }
    if (!st.has_t2) {
        l->t2_s = t2_default;
        if (st.has_t1 && l->t1_s > l->t2_s) {
            l->t2_s = l->t1_s;
        }
    }
    if (!st.has_t1) {
        l->t1_s = t1_default < l->t2_s ? t1_default : l->t2_s;
    }
    return out->type;
}

/* ---- encoder ------------------------------------------------------------- */

int wf_dhcp_build(uint8_t *buf, size_t cap, const struct wf_dhcp_request *r)
{
    assert(buf != NULL && r != NULL);
    if (r->type != WF_DHCP_DISCOVER && r->type != WF_DHCP_REQUEST) {
        return WF_EINVAL;
    }
    if (cap < BOOTP_MIN_LEN) {
        return WF_ENOMEM;
    }
    memset(buf, 0, BOOTP_MIN_LEN);
    buf[OFF_OP] = BOOTREQUEST;
    buf[OFF_HTYPE] = HTYPE_ETHERNET;
    buf[OFF_HLEN] = 6;
    wf_put_be32(&buf[OFF_XID], r->xid);
    wf_put_be16(&buf[OFF_SECS], r->secs);
    if (r->broadcast) {
        buf[OFF_FLAGS] = (uint8_t)(FLAG_BROADCAST >> 8);
    }
    memcpy(&buf[OFF_CIADDR], r->ciaddr, 4);
    memcpy(&buf[OFF_CHADDR], r->mac, 6);
    memcpy(&buf[OFF_COOKIE], magic_cookie, 4);
    uint8_t *o = &buf[OFF_OPTIONS];
    *o++ = OPT_MSG_TYPE;
    *o++ = 1;
    *o++ = r->type;
    if (!ip_zero(r->requested)) {
        *o++ = OPT_REQUESTED_IP;
        *o++ = 4;
        memcpy(o, r->requested, 4);
        o += 4;
    }
    if (!ip_zero(r->server_id)) {
        *o++ = OPT_SERVER_ID;
        *o++ = 4;
        memcpy(o, r->server_id, 4);
        o += 4;
    }
    *o++ = OPT_PARAM_LIST;
    *o++ = (uint8_t)sizeof param_list;
    memcpy(o, param_list, sizeof param_list);
    o += sizeof param_list;
    *o++ = OPT_MAX_SIZE;
    *o++ = 2;
    wf_put_be16(o, WF_DHCP_MSG_MAX);
    o += 2;
    *o++ = OPT_END;
    /* At most 240 + 3 + 6 + 6 + 10 + 4 + 1 = 270 bytes: inside the 300. */
    return BOOTP_MIN_LEN;
}

/* ---- client -------------------------------------------------------------- */

void wf_dhcp_config_default(struct wf_dhcp_config *cfg, const uint8_t mac[6])
{
    assert(cfg != NULL && mac != NULL);
    memset(cfg, 0, sizeof *cfg);
    memcpy(cfg->mac, mac, 6);
    cfg->retry_initial_ms = 4000;
    cfg->retry_max_ms = 64000;
    cfg->retry_jitter_ms = 1000;
    cfg->request_tries = 4;
    cfg->renew_retry_min_ms = 60000;
}

void wf_dhcp_init(wf_dhcp_t *d, wf_net_t *net, const struct wf_dhcp_config *cfg)
{
    assert(d != NULL && net != NULL && cfg != NULL);
    memset(d, 0, sizeof *d);
    d->net = net;
    d->cfg = *cfg;
    if (d->cfg.request_tries == 0) {
        d->cfg.request_tries = 1;
    }
    d->fd = -1;
    d->state = WF_DHCP_STATE_INIT;
}

static void close_sock(wf_dhcp_t *d)
{
    if (d->fd >= 0) {
        (void)wf_net_close(d->net, d->fd);
        d->fd = -1;
    }
}

void wf_dhcp_free(wf_dhcp_t *d)
{
    if (d == NULL || d->net == NULL) {
        return;
    }
    close_sock(d);
}

const struct wf_dhcp_lease *wf_dhcp_lease(const wf_dhcp_t *d)
{
    return d->have_lease ? &d->lease : NULL;
}

static bool due(uint32_t now, uint32_t at)
{
    return (int32_t)(now - at) >= 0;
}

/* `base` +- jitter, at least 1 ms. */
static int jittered(wf_dhcp_t *d, uint32_t base, uint32_t *out)
{
    uint32_t j = d->cfg.retry_jitter_ms;
    uint8_t r[4];
    int rc = wf_udpq_entropy(d->net, r, sizeof r);
    if (rc < 0) {
        return rc;
    }
    int64_t v = (int64_t)base;
    if (j != 0) {
        v += (int64_t)(wf_be32(r) % (2u * (uint64_t)j + 1u)) - (int64_t)j;
    }
    *out = v < 1 ? 1 : v > MAX_WAIT_MS ? MAX_WAIT_MS : (uint32_t)v;
    return 0;
}

/* The chip without an address: SIPR = SUBR = GAR = 0.0.0.0 (ARP erratum: SUBR
 * must be 0.0.0.0 whenever SIPR is), SHAR = our MAC. */
static int chip_unconfigure(wf_dhcp_t *d)
{
    struct wf_chip_netcfg c;
    memset(&c, 0, sizeof c);
    memcpy(c.mac, d->cfg.mac, 6);
    return wf_chip_set_netcfg(d->net->chip, &c);
}

static int open_sock(wf_dhcp_t *d)
{
    if (d->fd >= 0) {
        return 0;
    }
    int fd = wf_net_socket(d->net, WF_SOCK_DGRAM);
    if (fd < 0) {
        return fd;
    }
    int rc = wf_net_bind(d->net, fd, WF_DHCP_CLIENT_PORT);
    if (rc == 0) {
        rc = wf_net_set_timeout(d->net, fd, 0); /* polls never wait */
    }
    if (rc < 0) {
        (void)wf_net_close(d->net, fd);
        return rc;
    }
    d->fd = (int8_t)fd;
    return 0;
}

/* Build and send the message the current state calls for. */
static int transmit(wf_dhcp_t *d, uint32_t now)
{
    struct wf_dhcp_request r;
    memset(&r, 0, sizeof r);
    r.xid = d->xid;
    uint32_t secs = (now - d->exchange_ms) / 1000u;
    r.secs = (uint16_t)(secs > 0xFFFF ? 0xFFFF : secs);
    memcpy(r.mac, d->cfg.mac, 6);
    wf_sockaddr_t to = {{255, 255, 255, 255}, WF_DHCP_SERVER_PORT};
    switch (d->state) {
    case WF_DHCP_STATE_SELECTING:
        r.type = WF_DHCP_DISCOVER;
        r.broadcast = true;
        break;
    case WF_DHCP_STATE_REQUESTING:
        r.type = WF_DHCP_REQUEST;
        r.broadcast = true;
        memcpy(r.requested, d->offer_ip, 4);
        memcpy(r.server_id, d->offer_server, 4);
        break;
    case WF_DHCP_STATE_RENEWING:
        r.type = WF_DHCP_REQUEST;
        memcpy(r.ciaddr, d->lease.ip, 4);
        memcpy(to.ip, d->lease.server_id, 4);
        break;
    default: /* REBINDING */
        r.type = WF_DHCP_REQUEST;
        memcpy(r.ciaddr, d->lease.ip, 4);
        break;
    }
    uint8_t buf[WF_DHCP_MSG_MAX];
    int len = wf_dhcp_build(buf, sizeof buf, &r);
    int rc = open_sock(d);
    if (rc == 0) {
        rc = wf_net_sendto(d->net, d->fd, buf, (size_t)len, &to);
    }
    d->tries++;
    /* A unicast renewal whose ARP fails is a lost datagram: resent later. */
    return rc == WF_EHOSTUNREACH || rc == WF_ETIMEDOUT ? 0 : rc < 0 ? rc : 0;
}

/* Schedule the next retransmission of SELECTING/REQUESTING: 4, 8, ... 64 s. */
static int schedule_backoff(wf_dhcp_t *d, uint32_t now)
{
    uint32_t wait;
    int rc = jittered(d, d->backoff_ms, &wait);
    if (rc < 0) {
        return rc;
    }
    d->next_ms = now + wait;
    uint64_t next = (uint64_t)d->backoff_ms * 2u;
    d->backoff_ms = (uint32_t)(next > d->cfg.retry_max_ms ? d->cfg.retry_max_ms : next);
    return 0;
}

/* RENEWING/REBINDING: half the time left until `until_s`, at least the minimum. */
static void schedule_renew(wf_dhcp_t *d, uint32_t now, uint32_t until_s)
{
    uint64_t until_ms = (uint64_t)until_s * 1000u;
    uint64_t wait = until_ms > d->age_ms ? (until_ms - d->age_ms) / 2u : 0;
    if (wait < d->cfg.renew_retry_min_ms) {
        wait = d->cfg.renew_retry_min_ms;
    }
    d->next_ms = now + (uint32_t)(wait > MAX_WAIT_MS ? MAX_WAIT_MS : wait);
}

static int new_exchange(wf_dhcp_t *d, uint32_t now)
{
    uint8_t r[4];
    int rc = wf_udpq_entropy(d->net, r, sizeof r);
    if (rc < 0) {
        return rc;
    }
    d->xid = wf_be32(r);
    d->exchange_ms = now;
    d->tries = 0;
    d->backoff_ms = d->cfg.retry_initial_ms;
    return 0;
}

/* Back to INIT (address removed), the next DISCOVER after `hold_ms`. */
static int restart(wf_dhcp_t *d, uint32_t now, uint32_t hold_ms)
{
    close_sock(d);
    d->have_lease = false;
    d->state = WF_DHCP_STATE_INIT;
    d->hold = hold_ms != 0;
    d->next_ms = now + hold_ms;
    return chip_unconfigure(d);
}

static int start_discover(wf_dhcp_t *d, uint32_t now)
{
    if (d->hold && !due(now, d->next_ms)) {
        return 0;
    }
    d->hold = false;
    int rc = new_exchange(d, now);
    if (rc == 0) {
        rc = chip_unconfigure(d);
    }
    if (rc == 0) {
        d->state = WF_DHCP_STATE_SELECTING;
        rc = transmit(d, now);
    }
    if (rc == 0) {
        rc = schedule_backoff(d, now);
    }
    if (rc < 0) {
        /* Try again after the first retransmission wait. */
        close_sock(d);
        d->state = WF_DHCP_STATE_INIT;
        d->hold = true;
        d->next_ms = now + (d->cfg.retry_initial_ms ? d->cfg.retry_initial_ms : 1u);
    }
    return rc;
}

static int bind_lease(wf_dhcp_t *d, const struct wf_dhcp_reply *rep, uint32_t now)
{
    close_sock(d);
    d->lease = rep->lease;
    d->lease.obtained_ms = now;
    d->age_ms = 0;
    d->have_lease = true;
    d->saw_nak = false;
    d->state = WF_DHCP_STATE_BOUND;
    struct wf_chip_netcfg c;
    memcpy(c.mac, d->cfg.mac, 6);
    memcpy(c.ip, d->lease.ip, 4);
    memcpy(c.mask, d->lease.mask, 4);
    memcpy(c.gateway, d->lease.router, 4);
    int rc = wf_chip_set_netcfg(d->net->chip, &c);
    return rc < 0 ? rc : WF_DHCP_EV_BOUND;
}

static int on_nak(wf_dhcp_t *d, uint32_t now)
{
    int rc = restart(d, now, d->cfg.retry_initial_ms);
    d->saw_nak = true;
    return rc < 0 ? rc : WF_DHCP_EV_NAK;
}

/* React to one parsed reply; 0 = keep waiting. */
static int on_reply(wf_dhcp_t *d, const struct wf_dhcp_reply *rep, uint32_t now)
{
    switch (d->state) {
    case WF_DHCP_STATE_SELECTING:
        if (rep->type != WF_DHCP_OFFER) {
            return 0;
        }
        d->saw_offer = true;
        memcpy(d->offer_ip, rep->ip, 4);
        memcpy(d->offer_server, rep->lease.server_id, 4);
        d->state = WF_DHCP_STATE_REQUESTING;
        d->tries = 0;
        d->backoff_ms = d->cfg.retry_initial_ms;
        {
            int rc = transmit(d, now);
            return rc < 0 ? rc : schedule_backoff(d, now);
        }
    case WF_DHCP_STATE_REQUESTING:
        if (memcmp(rep->lease.server_id, d->offer_server, 4) != 0) {
            return 0; /* another server's answer to our broadcast REQUEST */
        }
        if (rep->type == WF_DHCP_NAK) {
            return on_nak(d, now);
        }
        if (rep->type == WF_DHCP_ACK && memcmp(rep->ip, d->offer_ip, 4) == 0) {
            return bind_lease(d, rep, now);
        }
        return 0;
    default: /* RENEWING, REBINDING */
        if (d->state == WF_DHCP_STATE_RENEWING && memcmp(rep->lease.server_id, d->lease.server_id, 4) != 0) {
            return 0;
        }
        if (rep->type == WF_DHCP_NAK) {
            return on_nak(d, now);
        }
        if (rep->type == WF_DHCP_ACK) {
            return bind_lease(d, rep, now);
        }
        return 0;
    }
}

/* Take the datagrams waiting on the socket, without waiting for more. */
static int receive(wf_dhcp_t *d, uint32_t now)
{
    for (int i = 0; i < MAX_DRAIN && d->fd >= 0; i++) {
        uint8_t buf[WF_DHCP_MSG_MAX];
        wf_sockaddr_t from;
        size_t dlen = 0;
        int n = wf_net_recvfrom(d->net, d->fd, buf, sizeof buf, &from, &dlen);
        if (n == WF_EAGAIN) {
            return 0;
        }
        if (n < 0) {
            return n;
        }
        /* Broadcast replies to other clients are normal traffic on port 68:
         * only a message naming our xid and MAC counts as a bad answer. */
        bool ours = n >= OFF_CHADDR + 6 && wf_be32(&buf[OFF_XID]) == d->xid &&
                    memcmp(&buf[OFF_CHADDR], d->cfg.mac, 6) == 0;
        struct wf_dhcp_reply rep;
        int type = WF_EDHCP_BADREPLY;
        if (from.port == WF_DHCP_SERVER_PORT && dlen <= sizeof buf) {
            type = wf_dhcp_parse(buf, (size_t)n, d->xid, d->cfg.mac, &rep);
        }
        if (type < 0) {
            d->saw_bad = d->saw_bad || ours;
            continue;
        }
        int rc = on_reply(d, &rep, now);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Where the lease stands at `age_ms`; may change state. */
static int lease_timeline(wf_dhcp_t *d, uint32_t now)
{
    const struct wf_dhcp_lease *l = &d->lease;
    if (l->lease_s == WF_DHCP_INFINITE) {
        return 0;
    }
    if (d->age_ms >= (uint64_t)l->lease_s * 1000u) {
        int rc = restart(d, now, 0);
        d->saw_nak = false;
        return rc < 0 ? rc : WF_DHCP_EV_EXPIRED;
    }
    if (d->state == WF_DHCP_STATE_BOUND && d->age_ms >= (uint64_t)l->t1_s * 1000u) {
        int rc = new_exchange(d, now);
        if (rc < 0) {
            return rc;
        }
        d->state = WF_DHCP_STATE_RENEWING;
        d->next_ms = now; /* send at once, below */
    }
    if (d->state == WF_DHCP_STATE_RENEWING && d->age_ms >= (uint64_t)l->t2_s * 1000u) {
        d->state = WF_DHCP_STATE_REBINDING;
        d->next_ms = now;
    }
    return 0;
}

int wf_dhcp_poll(wf_dhcp_t *d, uint32_t now)
{
    assert(d != NULL && d->net != NULL);
    if (d->have_lease) {
        d->age_ms += (uint32_t)(now - d->last_ms);
    }
    d->last_ms = now;
    if (d->state == WF_DHCP_STATE_INIT) {
        return start_discover(d, now);
    }
    int rc = receive(d, now);
    if (rc != 0) {
        return rc;
    }
    if (d->have_lease) {
        rc = lease_timeline(d, now);
        if (rc != 0 || d->state == WF_DHCP_STATE_BOUND || d->state == WF_DHCP_STATE_INIT) {
            return rc;
        }
    }
    if (!due(now, d->next_ms)) {
        return 0;
    }
    switch (d->state) {
    case WF_DHCP_STATE_SELECTING:
        rc = transmit(d, now);
        return rc < 0 ? rc : schedule_backoff(d, now);
    case WF_DHCP_STATE_REQUESTING:
        if (d->tries >= d->cfg.request_tries) {
            rc = restart(d, now, 0); /* no answer to the REQUEST: start over */
            return rc < 0 ? rc : 0;
        }
        rc = transmit(d, now);
        return rc < 0 ? rc : schedule_backoff(d, now);
    case WF_DHCP_STATE_RENEWING:
        rc = transmit(d, now);
        schedule_renew(d, now, d->lease.t2_s);
        return rc;
    default: /* REBINDING */
        rc = transmit(d, now);
        schedule_renew(d, now, d->lease.lease_s);
        return rc;
    }
}

int wf_dhcp_acquire(wf_dhcp_t *d, uint32_t timeout_ms)
{
    assert(d != NULL && d->net != NULL);
    const struct wf_port *port = d->net->chip->port;
    const uint32_t deadline = wf_port_millis(port) + timeout_ms;
    if (d->state == WF_DHCP_STATE_BOUND) {
        return 0;
    }
    for (;;) {
        int rc = wf_dhcp_poll(d, wf_port_millis(port));
        if (rc == WF_DHCP_EV_BOUND) {
            return 0;
        }
        if (rc < 0) {
            close_sock(d);
            return rc;
        }
        if (wf_port_expired(port, deadline)) {
            break;
        }
        port->delay_ms(port->ctx, 1);
    }
    /* Give the socket back; the next poll starts a fresh exchange. */
    if (!d->have_lease) {
        close_sock(d);
        d->state = WF_DHCP_STATE_INIT;
        d->hold = false;
    }
    if (d->saw_nak) {
        return WF_EDHCP_NAK;
    }
    return d->saw_bad && !d->saw_offer ? WF_EDHCP_BADREPLY : WF_EDHCP_NOSERVER;
}
