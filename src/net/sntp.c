/*
 * SNTPv4 client (RFC 4330; packet format RFC 5905 section 7.3): request
 * encoding, strict reply checks, NTP era arithmetic and the server loop.
 */
#include "wizfetch/sntp.h"

#include <assert.h>
#include <string.h>

#include "common/bytes.h"
#include "net/udp_query.h"
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
    RECV_BUF = 128, /* 48 + room for extension fields; longer datagrams are ignored */
};

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
    out->tx_secs = wf_be32(&msg[OFF_TRANSMIT]);
    out->tx_frac = wf_be32(&msg[OFF_TRANSMIT + 4]);
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

/* One query: what every attempt needs. */
struct query {
    wf_net_t *net;
    const struct wf_sntp_config *cfg;
    struct wf_sntp_result *res;
    struct wf_udpq_budget budget;
};

/* One attempt's judge: the nonce to recognise the answer, the send time for
 * the round trip, and where the result goes. */
struct sntp_judge {
    uint8_t nonce[8];
    uint32_t sent;
    int64_t floor; /* Unix seconds; 0 = none */
    struct wf_sntp_result *res;
};

static int sntp_judge(void *ctx, const uint8_t *msg, size_t len, uint32_t arrived)
{
    const struct sntp_judge *j = ctx;
    struct wf_sntp_reply rep;
    int rc = wf_sntp_parse(msg, len, j->nonce, &rep);
    if (rc == WF_ESNTP_BADREPLY) {
        return WF_UDPQ_IGNORE; /* not the reply to our request: possibly forged */
    }
    if (rc == 0) {
        /* A time before the floor is certainly wrong, and believing it would
         * make certificates that expired since valid again. */
        int64_t unix_ms = rep.unix_ms + (int64_t)((arrived - j->sent) / 2);
        if (j->floor > 0 && unix_ms < j->floor * 1000) {
            return WF_ESNTP_BEFORE_FLOOR;
        }
        struct wf_sntp_result *res = j->res;
        res->rtt_ms = arrived - j->sent;
        res->millis = arrived;
        res->unix_ms = unix_ms;
        res->stratum = rep.stratum;
    }
    return rc;
}

/*
 * One request to server `s`. Returns 0 (answer in *res), WF_ESNTP_KOD /
 * WF_ESNTP_UNSYNC, WF_ESNTP_NOSERVER (nothing acceptable in time; *ignored
 * says whether anything arrived), or a local error.
 */
static int attempt(void *ctx, uint8_t s, bool *ignored)
{
    const struct query *qy = ctx;
    wf_net_t *net = qy->net;
    struct sntp_judge j = {.res = qy->res, .floor = qy->cfg->floor};
    int rc = wf_udpq_entropy(net, j.nonce, sizeof j.nonce);
    if (rc < 0) {
        return rc;
    }
    uint8_t msg[RECV_BUF];
    int len = wf_sntp_build(msg, sizeof msg, j.nonce);
    wf_sockaddr_t server = qy->cfg->servers[s];
    if (server.port == 0) {
        server.port = WF_SNTP_PORT;
    }
    int fd = wf_udpq_open(net);
    if (fd < 0) {
        return fd;
    }
    bool last;
    uint32_t timeout_ms = wf_udpq_budget_attempt(&qy->budget, net->chip->port, qy->cfg->timeout_ms, &last);
    if (timeout_ms == 0) {
        (void)wf_net_close(net, fd);
        return WF_ETIMEDOUT; /* the whole call's time is up */
    }
    /* The clock starts after the socket setup: it would inflate the round
     * trip, and half of that goes into the time. */
    j.sent = wf_port_millis(net->chip->port);
    const struct wf_udpq q = {
        .server = &server,
        .buf = msg,
        .cap = sizeof msg,
        .query_len = (size_t)len,
        .timeout_ms = timeout_ms,
        .deadline = j.sent + timeout_ms,
        .no_answer = WF_ESNTP_NOSERVER,
        .last = last,
        .judge = sntp_judge,
        .ctx = &j,
    };
    rc = wf_udpq_exchange(net, fd, &q, ignored);
    if (rc == 0) {
        qy->res->server = s;
    }
    return rc;
}

/* RFC 4330: a KoD server must not be asked again; an unsynchronised one has
 * nothing better to say in the next round, nor has one whose time is before
 * the floor (another server may know better). */
static bool refusal(int rc)
{
    return rc == WF_ESNTP_KOD || rc == WF_ESNTP_UNSYNC || rc == WF_ESNTP_BEFORE_FLOOR;
}

_Static_assert(WF_SNTP_MAX_SERVERS <= WF_UDPQ_MAX_SERVERS, "server list");

int wf_sntp_query(wf_net_t *net, const struct wf_sntp_config *cfg, struct wf_sntp_result *res)
{
    assert(net != NULL && net->chip != NULL && cfg != NULL && res != NULL);
    if (cfg->server_count > WF_SNTP_MAX_SERVERS || cfg->attempts == 0 || cfg->timeout_ms == 0) {
        return WF_EINVAL;
    }
    struct query qy = {.net = net, .cfg = cfg, .res = res};
    wf_udpq_budget_start(&qy.budget, net->chip->port, cfg->total_ms);
    const struct wf_udpq_rounds rounds = {
        .servers = cfg->server_count,
        .rounds = cfg->attempts,
        .no_answer = WF_ESNTP_NOSERVER,
        .bad_reply = WF_ESNTP_BADREPLY,
        .refusal = refusal,
        .attempt = attempt,
        .ctx = &qy,
    };
    return wf_udpq_rounds(&rounds);
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
