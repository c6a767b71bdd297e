/*
 * SNTPv4 client (RFC 4330; packet format RFC 5905 section 7.3): request
 * encoding, strict reply checks, NTP era arithmetic and the server loop.
 */
#include "wizfetch/sntp.h"

#include <assert.h>
#include <string.h>

#include "wizfetch/error.h"

enum {
    OFF_FLAGS = 0, /* LI (2 bits), VN (3), mode (3) */
    OFF_STRATUM = 1,
    OFF_REFID = 12,
    OFF_ORIGINATE = 24,
    OFF_TRANSMIT = 40,
    MODE_CLIENT = 3,
    MODE_SERVER = 4,
    VERSION = 4,
    LEAP_UNSYNC = 3,
    STRATUM_MAX = 15,
    PORT_SPAN_MASK = 0x3FFF,
    PORT_BASE = 49152,
    BIND_TRIES = 4,
    RECV_BUF = 128, /* 48 + room for extension fields; longer datagrams are ignored */
};

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int wf_sntp_build(uint8_t *buf, size_t cap, const uint8_t nonce[8])
{
    assert(buf != NULL && nonce != NULL);
    if (cap < WF_SNTP_PACKET_LEN) {
        return WF_ENOMEM;
    }
    memset(buf, 0, WF_SNTP_PACKET_LEN);
    buf[OFF_FLAGS] = (uint8_t)((VERSION << 3) | MODE_CLIENT);
    memcpy(&buf[OFF_TRANSMIT], nonce, 8);
    return WF_SNTP_PACKET_LEN;
}

int64_t wf_sntp_ntp_to_unix(uint32_t ntp_secs)
{
    int64_t s = (int64_t)ntp_secs;
    if (!(ntp_secs & 0x80000000u)) {
        s += (int64_t)1 << 32; /* era 1: after 2036-02-07 06:28:16 UTC */
    }
    return s - (int64_t)WF_SNTP_UNIX_OFFSET;
}

int wf_sntp_parse(const uint8_t *msg, size_t len, const uint8_t nonce[8], struct wf_sntp_reply *out)
{
    assert((msg != NULL || len == 0) && nonce != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    if (len < WF_SNTP_PACKET_LEN) {
        return WF_ESNTP_BADREPLY;
    }
    uint8_t flags = msg[OFF_FLAGS];
    out->leap = (uint8_t)(flags >> 6);
    out->version = (uint8_t)((flags >> 3) & 7);
    out->stratum = msg[OFF_STRATUM];
    if ((flags & 7) != MODE_SERVER || (out->version != 3 && out->version != 4) ||
        memcmp(&msg[OFF_ORIGINATE], nonce, 8) != 0) {
        return WF_ESNTP_BADREPLY;
    }
    /* Only now, with the nonce echoed, are KoD and the status worth believing. */
    if (out->stratum == 0) {
        for (int i = 0; i < 4; i++) {
            uint8_t c = msg[OFF_REFID + i];
            out->kiss[i] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
        }
        return WF_ESNTP_KOD;
    }
    if (out->stratum > STRATUM_MAX || out->leap == LEAP_UNSYNC) {
        return WF_ESNTP_UNSYNC;
    }
    out->tx_secs = be32(&msg[OFF_TRANSMIT]);
    out->tx_frac = be32(&msg[OFF_TRANSMIT + 4]);
    if (out->tx_secs == 0 && out->tx_frac == 0) {
        return WF_ESNTP_BADREPLY;
    }
    out->unix_ms =
        wf_sntp_ntp_to_unix(out->tx_secs) * 1000 + (int64_t)(((uint64_t)out->tx_frac * 1000u) >> 32);
    return 0;
}

/* ---- client -------------------------------------------------------------- */

void wf_sntp_config_default(struct wf_sntp_config *cfg)
{
    assert(cfg != NULL);
    memset(cfg, 0, sizeof *cfg);
    cfg->timeout_ms = 2000;
    cfg->attempts = 2;
}

static int entropy(wf_net_t *net, uint8_t *buf, size_t len)
{
    const struct wf_port *port = net->chip->port;
    return port->entropy(port->ctx, buf, len) == 0 ? 0 : WF_ENOENTROPY;
}

static int open_random_port(wf_net_t *net)
{
    int fd = wf_net_socket(net, WF_SOCK_DGRAM);
    if (fd < 0) {
        return fd;
    }
    int rc = WF_EINVAL;
    for (int i = 0; i < BIND_TRIES && rc == WF_EINVAL; i++) {
        uint8_t r[2];
        rc = entropy(net, r, sizeof r);
        if (rc == 0) {
            rc = wf_net_bind(net, fd, (uint16_t)(PORT_BASE + (((r[0] << 8) | r[1]) & PORT_SPAN_MASK)));
        }
    }
    if (rc < 0) {
        (void)wf_net_close(net, fd);
        return rc;
    }
    return fd;
}

/*
 * One request to one server. Returns 0 (answer in *res), WF_ESNTP_KOD /
 * WF_ESNTP_UNSYNC, WF_ESNTP_NOSERVER (nothing acceptable in time; *ignored
 * says whether anything arrived), or a local error.
 */
static int attempt(wf_net_t *net, const wf_sockaddr_t *server, uint32_t timeout_ms,
                   struct wf_sntp_result *res, bool *ignored)
{
    const struct wf_port *port = net->chip->port;
    uint8_t nonce[8];
    int rc = entropy(net, nonce, sizeof nonce);
    if (rc < 0) {
        return rc;
    }
    uint8_t msg[RECV_BUF];
    int len = wf_sntp_build(msg, sizeof msg, nonce);
    int fd = open_random_port(net);
    if (fd < 0) {
        return fd;
    }
    const uint32_t sent = wf_port_millis(port);
    const uint32_t deadline = sent + timeout_ms;
    rc = wf_net_set_timeout(net, fd, timeout_ms);
    if (rc == 0) {
        rc = wf_net_sendto(net, fd, msg, (size_t)len, server);
    }
    if (rc == WF_EHOSTUNREACH || rc == WF_ETIMEDOUT) {
        rc = WF_ESNTP_NOSERVER;
    }
    while (rc >= 0) {
        int32_t left = (int32_t)(deadline - wf_port_millis(port));
        if (left <= 0) {
            rc = WF_ESNTP_NOSERVER;
            break;
        }
        rc = wf_net_set_timeout(net, fd, (uint32_t)left);
        if (rc < 0) {
            break;
        }
        wf_sockaddr_t from;
        size_t dlen = 0;
        int n = wf_net_recvfrom(net, fd, msg, sizeof msg, &from, &dlen);
        uint32_t arrived = wf_port_millis(port);
        if (n == WF_ETIMEDOUT) {
            rc = WF_ESNTP_NOSERVER;
            break;
        }
        if (n < 0) {
            rc = n;
            break;
        }
        if (from.port != server->port || memcmp(from.ip, server->ip, 4) != 0 || dlen > sizeof msg) {
            *ignored = true;
            continue;
        }
        struct wf_sntp_reply rep;
        rc = wf_sntp_parse(msg, (size_t)n, nonce, &rep);
        if (rc == WF_ESNTP_BADREPLY) {
            *ignored = true;
            rc = 0;
            continue;
        }
        if (rc == 0) {
            res->rtt_ms = arrived - sent;
            res->millis = arrived;
            res->unix_ms = rep.unix_ms + res->rtt_ms / 2;
            res->stratum = rep.stratum;
        }
        break;
    }
    (void)wf_net_close(net, fd);
    return rc;
}

int wf_sntp_query(wf_net_t *net, const struct wf_sntp_config *cfg, struct wf_sntp_result *res)
{
    assert(net != NULL && net->chip != NULL && cfg != NULL && res != NULL);
    if (cfg->server_count > WF_SNTP_MAX_SERVERS || cfg->attempts == 0 || cfg->timeout_ms == 0) {
        return WF_EINVAL;
    }
    bool refused[WF_SNTP_MAX_SERVERS] = {false};
    bool ignored = false;
    int last_error = 0;
    for (uint8_t round = 0; round < cfg->attempts; round++) {
        for (uint8_t s = 0; s < cfg->server_count; s++) {
            if (refused[s]) {
                continue;
            }
            wf_sockaddr_t server = cfg->servers[s];
            if (server.port == 0) {
                server.port = WF_SNTP_PORT;
            }
            int rc = attempt(net, &server, cfg->timeout_ms, res, &ignored);
            if (rc == 0) {
                res->server = s;
                return 0;
            }
            if (rc == WF_ESNTP_KOD || rc == WF_ESNTP_UNSYNC) {
                refused[s] = true; /* RFC 4330: a KoD server must not be asked again */
                last_error = rc;
            } else if (rc != WF_ESNTP_NOSERVER) {
                return rc;
            }
        }
    }
    if (last_error != 0) {
        return last_error;
    }
    return ignored ? WF_ESNTP_BADREPLY : WF_ESNTP_NOSERVER;
}

void wf_sntp_clock_set(struct wf_sntp_clock *c, const struct wf_sntp_result *res)
{
    assert(c != NULL && res != NULL);
    c->valid = true;
    c->unix_ms = res->unix_ms;
    c->millis = res->millis;
}

int64_t wf_sntp_clock_unix(const struct wf_sntp_clock *c, uint32_t now_ms)
{
    if (c == NULL || !c->valid) {
        return -1;
    }
    int64_t ms = c->unix_ms + (int64_t)(uint32_t)(now_ms - c->millis);
    return ms < 0 ? -1 : ms / 1000;
}
