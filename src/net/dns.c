/*
 * Stub resolver (RFC 1035): query encoding, strict reply parsing and the
 * retry/server loop over UDP sockets. The parser trusts nothing in a reply: it
 * is the one place where bytes from the network are interpreted before TLS, so
 * every offset is checked against the datagram length before it is read.
 */
#include "wizfetch/dns.h"

#include <assert.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "common/bytes.h"
#include "common/wait.h"
#include "net/udp_query.h"
#include "wizfetch/error.h"

enum {
    HEADER_LEN = 12,
    RR_FIXED_LEN = 10, /* TYPE, CLASS, TTL, RDLENGTH after the owner name */
    NAME_WIRE_MAX = 255,
    HOST_TEXT_MAX = 253, /* 255 on the wire = 253 characters without the trailing dot */
    LABEL_MAX = 63,
    TYPE_A = 1,
    TYPE_CNAME = 5,
    CLASS_IN = 1,
    FLAG_QR = 0x8000,
    FLAG_TC = 0x0200,
    FLAG_RD = 0x0100,
    RCODE_SERVFAIL = 2,
    RCODE_NXDOMAIN = 3,
};

_Static_assert(WF_DNS_QUERY_MAX == HEADER_LEN + NAME_WIRE_MAX + 4, "query size");

/* ASCII only: DNS case-insensitivity is defined on ASCII (RFC 4343), and
 * locale-dependent tolower() has no place in a parser on a microcontroller. */
static uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* ---- host names ---------------------------------------------------------- */

static bool host_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Validate `host`; on success store its length without the trailing dot. */
static int host_check(const char *host, size_t *text_len)
{
    size_t n = strlen(host);
    if (n > 0 && host[n - 1] == '.') {
        n--;
    }
    if (n == 0 || n > HOST_TEXT_MAX) {
        return WF_EDNS_BADNAME;
    }
    size_t label_start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && host[i] != '.') {
            if (!host_char_ok(host[i])) {
                return WF_EDNS_BADNAME;
            }
            continue;
        }
        size_t label_len = i - label_start;
        if (label_len == 0 || label_len > LABEL_MAX || host[label_start] == '-' || host[i - 1] == '-') {
            return WF_EDNS_BADNAME;
        }
        label_start = i + 1;
    }
    *text_len = n;
    return 0;
}

/*
 * 1: a dotted-quad literal, stored in `ip`. 0: not numeric, a name to look
 * up. WF_EDNS_BADNAME: only digits and dots but not a canonical dotted quad;
 * such a string would otherwise go out as a query for a numeric TLD.
 */
static int ipv4_literal(const char *host, uint8_t ip[4])
{
    for (const char *p = host; *p != '\0'; p++) {
        if (!((*p >= '0' && *p <= '9') || *p == '.')) {
            return 0;
        }
    }
    const char *p = host;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (*p != '.') {
                return WF_EDNS_BADNAME;
            }
            p++;
        }
        unsigned v = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9') {
            if (digits == 3) {
                return WF_EDNS_BADNAME;
            }
            v = v * 10u + (unsigned)(*p - '0');
            digits++;
            p++;
        }
        if (digits == 0 || v > 255 || (digits > 1 && p[-digits] == '0')) {
            return WF_EDNS_BADNAME;
        }
        ip[part] = (uint8_t)v;
    }
    return *p == '\0' ? 1 : WF_EDNS_BADNAME;
}

/* ---- query --------------------------------------------------------------- */

int wf_dns_query_build(uint8_t *buf, size_t cap, uint16_t id, const char *host)
{
    assert(buf != NULL && host != NULL);
    size_t n;
    int rc = host_check(host, &n);
    if (rc < 0) {
        return rc;
    }
    /* The text "a.bc" becomes 1 'a' 2 'b' 'c' 0: two bytes longer. */
    size_t total = HEADER_LEN + n + 2 + 4;
    if (cap < total) {
        return WF_ENOMEM;
    }
    memset(buf, 0, HEADER_LEN);
    wf_put_be16(&buf[0], id);
    wf_put_be16(&buf[2], FLAG_RD);
    wf_put_be16(&buf[4], 1);
    uint8_t *out = &buf[HEADER_LEN];
    size_t label_start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || host[i] == '.') {
            *out++ = (uint8_t)(i - label_start);
            memcpy(out, &host[label_start], i - label_start);
            out += i - label_start;
            label_start = i + 1;
        }
    }
    *out++ = 0;
    wf_put_be16(out, TYPE_A);
    wf_put_be16(out + 2, CLASS_IN);
    return (int)total;
}

/* ---- names inside a message ---------------------------------------------- */

/*
 * Reads the labels of one (possibly compressed) name. Loop safety: a pointer
 * must target an offset below `floor`, the start of the run of labels being
 * read; after the jump `floor` becomes the target. Offsets therefore strictly
 * decrease with every jump, so no sequence of pointers can revisit a byte, and
 * real compressors only ever point at an earlier name, so nothing legal is
 * refused. Pointers into the header (below 12) are refused: no name lives
 * there. The 255-byte limit on the expanded name would end a loop as well,
 * but only after reading up to 255 bytes of it; this rule ends it at once.
 */
struct name_cur {
    const uint8_t *msg;
    size_t len;
    size_t pos;   /* next byte to read */
    size_t floor; /* pointers must target below this */
    size_t end;   /* offset just after the name where it was found */
    size_t wire;  /* uncompressed length so far, for the 255-byte limit */
    bool jumped;
};

static void name_start(struct name_cur *c, const uint8_t *msg, size_t len, size_t off)
{
    c->msg = msg;
    c->len = len;
    c->pos = off;
    c->floor = off;
    c->end = 0;
    c->wire = 0;
    c->jumped = false;
}

/* 1 and the next label, 0 at the end of the name, or WF_EDNS_BADREPLY. */
static int name_next(struct name_cur *c, const uint8_t **label, uint8_t *label_len)
{
    for (;;) {
        if (c->pos >= c->len) {
            return WF_EDNS_BADREPLY;
        }
        uint8_t b = c->msg[c->pos];
        if ((b & 0xC0) == 0xC0) {
            if (c->len - c->pos < 2) {
                return WF_EDNS_BADREPLY;
            }
            size_t target = ((size_t)(b & 0x3F) << 8) | c->msg[c->pos + 1];
            if (target < HEADER_LEN || target >= c->floor) {
                return WF_EDNS_BADREPLY;
            }
            if (!c->jumped) {
                c->end = c->pos + 2;
                c->jumped = true;
            }
            c->floor = target;
            c->pos = target;
            continue;
        }
        /* 0x40 and 0x80 prefixes: extended label types (RFC 6891 made them
         * obsolete) or, read as a length, a label over 63 bytes. */
        if ((b & 0xC0) != 0) {
            return WF_EDNS_BADREPLY;
        }
        c->wire += 1u + b;
        if (c->wire > NAME_WIRE_MAX) {
            return WF_EDNS_BADREPLY;
        }
        if (b == 0) {
            if (!c->jumped) {
                c->end = c->pos + 1;
            }
            return 0;
        }
        if (b > c->len - c->pos - 1) {
            return WF_EDNS_BADREPLY;
        }
        *label = &c->msg[c->pos + 1];
        *label_len = b;
        c->pos += 1u + b;
        return 1;
    }
}

/* Walk a whole name; the offset after it (in place) goes to `*end`. */
static int name_skip(const uint8_t *msg, size_t len, size_t off, size_t *end)
{
    struct name_cur c;
    name_start(&c, msg, len, off);
    const uint8_t *label;
    uint8_t label_len;
    int rc;
    while ((rc = name_next(&c, &label, &label_len)) == 1) {
    }
    if (rc < 0) {
        return rc;
    }
    *end = c.end;
    return 0;
}

static bool label_equal(const uint8_t *a, const uint8_t *b, uint8_t n)
{
    for (uint8_t i = 0; i < n; i++) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

/* 1 if the names at `a` and `b` are equal, 0 if not, or WF_EDNS_BADREPLY. */
static int name_equal(const uint8_t *msg, size_t len, size_t a, size_t b)
{
    struct name_cur ca, cb;
    name_start(&ca, msg, len, a);
    name_start(&cb, msg, len, b);
    for (;;) {
        const uint8_t *la = NULL, *lb = NULL;
        uint8_t na = 0, nb = 0;
        int ra = name_next(&ca, &la, &na);
        int rb = name_next(&cb, &lb, &nb);
        if (ra < 0 || rb < 0) {
            return WF_EDNS_BADREPLY;
        }
        if (ra != rb || na != nb || (ra == 1 && !label_equal(la, lb, na))) {
            return 0;
        }
        if (ra == 0) {
            return 1;
        }
    }
}

/* Compare the name at `off` with host text (validated, `n` chars, no trailing
 * dot). 1 equal, 0 not, WF_EDNS_BADREPLY malformed; `*end` as in name_skip. */
static int name_equal_host(const uint8_t *msg, size_t len, size_t off, const char *host, size_t n,
                           size_t *end)
{
    struct name_cur c;
    name_start(&c, msg, len, off);
    size_t hpos = 0;
    bool equal = true;
    for (;;) {
        const uint8_t *label = NULL;
        uint8_t label_len = 0;
        int rc = name_next(&c, &label, &label_len);
        if (rc < 0) {
            return rc;
        }
        if (rc == 0) {
            *end = c.end;
            return equal && hpos > n;
        }
        if (!equal || hpos > n) {
            equal = false;
            continue; /* keep walking: a malformed tail must still be reported */
        }
        size_t hlen = 0;
        while (hpos + hlen < n && host[hpos + hlen] != '.') {
            hlen++;
        }
        if (hlen != label_len || !label_equal(label, (const uint8_t *)&host[hpos], label_len)) {
            equal = false;
        }
        hpos += hlen + 1;
    }
}

/* ---- answer -------------------------------------------------------------- */

struct rr {
    size_t owner; /* offset of the owner name */
    uint16_t type;
    uint16_t klass;
    size_t rdata; /* offset of RDATA */
    uint16_t rdlen;
};

/* Read the record at `*off` and advance past it. */
static int rr_read(const uint8_t *msg, size_t len, size_t *off, struct rr *rr)
{
    size_t p;
    int rc = name_skip(msg, len, *off, &p);
    if (rc < 0) {
        return rc;
    }
    if (len - p < RR_FIXED_LEN) {
        return WF_EDNS_BADREPLY;
    }
    rr->owner = *off;
    rr->type = wf_be16(&msg[p]);
    rr->klass = wf_be16(&msg[p + 2]);
    rr->rdlen = wf_be16(&msg[p + 8]);
    rr->rdata = p + RR_FIXED_LEN;
    if (rr->rdlen > len - rr->rdata) {
        return WF_EDNS_BADREPLY;
    }
    *off = rr->rdata + rr->rdlen;
    return 0;
}

/* Every answer record complete and its RDATA well-formed where we use it. */
static int answers_validate(const uint8_t *msg, size_t len, size_t off, uint16_t count)
{
    for (uint16_t i = 0; i < count; i++) {
        struct rr rr;
        int rc = rr_read(msg, len, &off, &rr);
        if (rc < 0) {
            return rc;
        }
        if (rr.klass != CLASS_IN) {
            continue;
        }
        if (rr.type == TYPE_A && rr.rdlen != 4) {
            return WF_EDNS_BADREPLY;
        }
        if (rr.type == TYPE_CNAME) {
            /* The target must be exactly the RDATA (its uncompressed part). */
            size_t end;
            rc = name_skip(msg, len, rr.rdata, &end);
            if (rc < 0 || end != rr.rdata + rr.rdlen) {
                return WF_EDNS_BADREPLY;
            }
        }
    }
    return 0;
}

/* RDATA offset of the first IN CNAME owned by the name at `name`, 0 if none
 * (0 is never a valid RDATA offset: it lies in the header). */
static int cname_find(const uint8_t *msg, size_t len, size_t off, uint16_t count, size_t name, size_t *target)
{
    *target = 0;
    for (uint16_t i = 0; i < count; i++) {
        struct rr rr;
        int rc = rr_read(msg, len, &off, &rr);
        if (rc < 0) {
            return rc;
        }
        if (rr.klass != CLASS_IN || rr.type != TYPE_CNAME) {
            continue;
        }
        rc = name_equal(msg, len, rr.owner, name);
        if (rc < 0) {
            return rc;
        }
        if (rc == 1) {
            *target = rr.rdata;
            return 0;
        }
    }
    return 0;
}

/* Where the CNAME chain of an answer ended: `links` followed, ending at the
 * name at offset `name` (HEADER_LEN: the question's name, no chain). */
struct chain {
    int links;
    size_t name;
};

static int answer_parse(const uint8_t *msg, size_t len, uint16_t id, const char *host, uint8_t (*addrs)[4],
                        size_t max, struct chain *chain)
{
    size_t host_len;
    int rc = host_check(host, &host_len);
    if (rc < 0) {
        return rc;
    }
    if (len < HEADER_LEN) {
        return WF_EDNS_BADREPLY;
    }
    uint16_t flags = wf_be16(&msg[2]);
    if (wf_be16(&msg[0]) != id || !(flags & FLAG_QR) || ((flags >> 11) & 0xF) != 0 || wf_be16(&msg[4]) != 1) {
        return WF_EDNS_BADREPLY;
    }
    size_t off;
    rc = name_equal_host(msg, len, HEADER_LEN, host, host_len, &off);
    if (rc != 1) {
        return WF_EDNS_BADREPLY;
    }
    if (len - off < 4 || wf_be16(&msg[off]) != TYPE_A || wf_be16(&msg[off + 2]) != CLASS_IN) {
        return WF_EDNS_BADREPLY;
    }
    off += 4;
    /* The RCODE is read before TC: a truncated reply still has a whole header,
     * and "no such name" stays true however little of the rest arrived. */
    switch (flags & 0xF) {
    case 0:
        break;
    case RCODE_NXDOMAIN:
        return WF_EDNS_NXDOMAIN;
    case RCODE_SERVFAIL:
        return WF_EDNS_SERVFAIL;
    default:
        return WF_EDNS_REFUSED;
    }
    if (flags & FLAG_TC) {
        return WF_EDNS_TRUNCATED;
    }
    uint16_t ancount = wf_be16(&msg[6]);
    rc = answers_validate(msg, len, off, ancount);
    if (rc < 0) {
        return rc;
    }
    /* Follow the chain from the question's name. Records may come in any
     * order, so each link is looked up over the whole section; the bound also
     * ends CNAME loops. */
    size_t name = HEADER_LEN;
    for (int links = 0;; links++) {
        size_t next;
        rc = cname_find(msg, len, off, ancount, name, &next);
        if (rc < 0) {
            return rc;
        }
        if (next == 0) {
            break;
        }
        if (links == WF_DNS_MAX_CNAME) {
            return WF_EDNS_BADREPLY;
        }
        name = next;
        chain->links = links + 1;
        chain->name = name;
    }
    size_t stored = 0;
    for (uint16_t i = 0; i < ancount && stored < max; i++) {
        struct rr rr;
        rc = rr_read(msg, len, &off, &rr);
        if (rc < 0) {
            return rc;
        }
        if (rr.klass != CLASS_IN || rr.type != TYPE_A) {
            continue;
        }
        rc = name_equal(msg, len, rr.owner, name);
        if (rc < 0) {
            return rc;
        }
        if (rc == 1) {
            memcpy(addrs[stored++], &msg[rr.rdata], 4);
        }
    }
    return stored > 0 ? (int)stored : WF_EDNS_NODATA;
}

int wf_dns_answer_parse(const uint8_t *msg, size_t len, uint16_t id, const char *host, uint8_t (*addrs)[4],
                        size_t max)
{
    assert((msg != NULL || len == 0) && host != NULL && addrs != NULL && max >= 1);
    struct chain chain = {0, HEADER_LEN};
    return answer_parse(msg, len, id, host, addrs, max, &chain);
}

/* The name at `off` as host text (no trailing dot) in `out` (HOST_TEXT_MAX +
 * 1 bytes): 0, or WF_EDNS_BADNAME if it is not a valid host name. */
static int name_text(const uint8_t *msg, size_t len, size_t off, char *out)
{
    struct name_cur c;
    name_start(&c, msg, len, off);
    size_t n = 0;
    const uint8_t *label;
    uint8_t label_len;
    int rc;
    while ((rc = name_next(&c, &label, &label_len)) == 1) {
        if (n + (n > 0) + label_len > HOST_TEXT_MAX) {
            return WF_EDNS_BADNAME;
        }
        if (n > 0) {
            out[n++] = '.';
        }
        for (uint8_t i = 0; i < label_len; i++) {
            if (!host_char_ok((char)label[i])) {
                return WF_EDNS_BADNAME;
            }
            out[n++] = (char)label[i];
        }
    }
    out[n] = '\0';
    size_t checked;
    return rc < 0 ? rc : host_check(out, &checked);
}

/* ---- resolver ------------------------------------------------------------ */

void wf_dns_config_default(struct wf_dns_config *cfg)
{
    assert(cfg != NULL);
    memset(cfg, 0, sizeof *cfg);
    cfg->timeout_ms = 2000;
    cfg->attempts = 2;
}

/* An attempt's result meaning "the answer is a CNAME chain without the
 * address of its end: ask again for r->canonical". Distinct from every WF_E*
 * code, from success and from WF_UDPQ_IGNORE. */
enum { DNS_RESTART = INT_MIN + 1 };

static int dns_judge(void *ctx, const uint8_t *msg, size_t len, uint32_t arrived_ms)
{
    (void)arrived_ms;
    struct wf_dns_query *q = ctx;
    struct chain chain = {0, HEADER_LEN};
    int rc = answer_parse(msg, len, q->id, q->host, q->addrs, q->max, &chain);
    /* Not our answer (or mangled): possibly forged, the real one may still come. */
    if (rc == WF_EDNS_BADREPLY) {
        return WF_UDPQ_IGNORE;
    }
    /* A chain whose end has no address in this answer (e.g. dnsmasq's local
     * aliases): RFC 1034 section 5.3.3 restarts the query at the canonical
     * name. The links count towards WF_DNS_MAX_CNAME over all restarts. */
    if (rc == WF_EDNS_NODATA && chain.links > 0) {
        if (q->links + chain.links > WF_DNS_MAX_CNAME) {
            return WF_EDNS_BADREPLY; /* a chain too long, or a loop across answers */
        }
        if (name_text(msg, len, chain.name, q->canonical) < 0) {
            return WF_EDNS_NODATA; /* an end that is no host name has no A record we could ask for */
        }
        q->links += chain.links;
        return DNS_RESTART;
    }
    return rc;
}

/* The exchange of the attempt under way, as udp_query sees it. */
static struct wf_udpq exchange_of(struct wf_dns_query *q, size_t query_len, uint32_t timeout_ms)
{
    return (struct wf_udpq){
        .server = &q->cfg->servers[q->rounds.server],
        .buf = q->buf,
        .cap = q->cap,
        .query_len = query_len,
        .timeout_ms = timeout_ms,
        .deadline = q->deadline,
        .no_answer = WF_EDNS_NOSERVER,
        .last = q->last,
        .judge = dns_judge,
        .ctx = q,
    };
}

/*
 * Send one query to server q->rounds.server with its own deadline, counted
 * from before the ID is drawn so the whole attempt (socket setup and ARP
 * included) fits in it. Returns 0 (sent: the answer is awaited on q->fd), or
 * the attempt's result: WF_EDNS_NOSERVER when the query could not go out (as
 * if lost), or a socket/chip/entropy error.
 */
static int attempt_start(struct wf_dns_query *q)
{
    wf_net_t *net = q->net;
    const uint32_t timeout_ms =
        wf_udpq_budget_attempt(&q->budget, net->chip->port, q->cfg->timeout_ms, &q->last);
    if (timeout_ms == 0) {
        return WF_ETIMEDOUT; /* the whole call's time is up */
    }
    q->deadline = wf_port_millis(net->chip->port) + timeout_ms;
    uint8_t rnd[2];
    int rc = wf_udpq_entropy(net, rnd, sizeof rnd);
    if (rc < 0) {
        return rc;
    }
    q->id = wf_be16(rnd);
    int len = wf_dns_query_build(q->buf, q->cap, q->id, q->host);
    if (len < 0) {
        return len;
    }
    int fd = wf_udpq_open(net);
    if (fd < 0) {
        return fd;
    }
    const struct wf_udpq uq = exchange_of(q, (size_t)len, timeout_ms);
    rc = wf_udpq_send(net, fd, &uq);
    if (rc != 0) {
        (void)wf_net_close(net, fd);
        return rc;
    }
    q->fd = fd;
    return 0;
}

/* NXDOMAIN and NODATA are not refusals: they are final by definition (the
 * data is authoritative for the name). */
static bool refusal(int rc)
{
    return rc == WF_EDNS_SERVFAIL || rc == WF_EDNS_REFUSED || rc == WF_EDNS_TRUNCATED;
}

_Static_assert(WF_DNS_MAX_SERVERS <= WF_UDPQ_MAX_SERVERS, "server list");
_Static_assert(WF_DNS_HOST_MAX == HOST_TEXT_MAX, "host name text");

static const struct wf_udpq_rounds *rounds_of(const struct wf_dns_query *q, struct wf_udpq_rounds *r)
{
    *r = (struct wf_udpq_rounds){
        .servers = q->cfg->server_count,
        .rounds = q->cfg->attempts,
        .no_answer = WF_EDNS_NOSERVER,
        .bad_reply = WF_EDNS_BADREPLY,
        .refusal = refusal,
    };
    return r;
}

int wf_dns_start(struct wf_dns_query *q, wf_net_t *net, const struct wf_dns_config *cfg, const char *host,
                 uint8_t (*addrs)[4], size_t max, uint8_t *buf, size_t cap)
{
    assert(q != NULL && net != NULL && net->chip != NULL && cfg != NULL && host != NULL && addrs != NULL &&
           max >= 1 && buf != NULL);
    q->fd = -1;
    uint8_t literal[4];
    int rc = ipv4_literal(host, literal);
    if (rc == 1) {
        memcpy(addrs[0], literal, 4);
    }
    size_t host_len;
    if (rc == 0) {
        rc = host_check(host, &host_len);
    }
    if (rc == 0 && (cfg->server_count > WF_DNS_MAX_SERVERS || cfg->attempts == 0 || cfg->timeout_ms == 0 ||
                    cap < WF_DNS_UDP_MAX)) {
        rc = WF_EINVAL;
    }
    q->result = rc;
    if (rc != 0) {
        return rc;
    }
    q->net = net;
    q->cfg = cfg;
    q->host = host;
    q->addrs = addrs;
    q->max = max;
    q->buf = buf;
    q->cap = cap;
    q->links = 0;
    q->result = WF_EAGAIN;
    wf_udpq_budget_start(&q->budget, net->chip->port, cfg->total_ms);
    wf_udpq_progress_start(&q->rounds);
    return 0;
}

/* An attempt ended with rc: the next attempt (WF_EAGAIN), a restart at the
 * canonical name (fresh rounds), or the final result. */
static int attempt_end(struct wf_dns_query *q, int rc)
{
    struct wf_udpq_rounds r;
    rc = wf_udpq_progress_judge(rounds_of(q, &r), &q->rounds, rc);
    if (rc == DNS_RESTART) {
        memcpy(q->asked, q->canonical, sizeof q->asked);
        q->host = q->asked;
        wf_udpq_progress_start(&q->rounds);
        return WF_EAGAIN;
    }
    return rc;
}

int wf_dns_poll(struct wf_dns_query *q)
{
    while (q->result == WF_EAGAIN) {
        int rc;
        if (q->fd < 0) {
            struct wf_udpq_rounds r;
            if (!wf_udpq_progress_next(rounds_of(q, &r), &q->rounds)) {
                q->result = wf_udpq_progress_end(&r, &q->rounds);
                break;
            }
            rc = attempt_start(q);
            if (rc == 0) {
                continue; /* sent */
            }
        } else {
            const struct wf_udpq uq = exchange_of(q, 0, 0);
            rc = wf_udpq_receive(q->net, q->fd, &uq, &q->rounds.ignored);
            if (rc == WF_EAGAIN) {
                return rc;
            }
            (void)wf_net_close(q->net, q->fd);
            q->fd = -1;
        }
        q->result = attempt_end(q, rc);
    }
    return q->result;
}

void wf_dns_abort(struct wf_dns_query *q)
{
    if (q->fd >= 0) {
        (void)wf_net_close(q->net, q->fd);
        q->fd = -1;
    }
    q->result = WF_EINVAL;
}

int wf_dns_resolve(wf_net_t *net, const struct wf_dns_config *cfg, const char *host, uint8_t (*addrs)[4],
                   size_t max)
{
    struct wf_dns_query q;
    uint8_t msg[WF_DNS_UDP_MAX];
    int rc = wf_dns_start(&q, net, cfg, host, addrs, max, msg, sizeof msg);
    if (rc != 0) {
        return rc;
    }
    struct wf_wait w;
    wf_wait_start(&w, net->chip->port, INT32_MAX); /* only for its pauses: the look-up keeps its own time */
    while ((rc = wf_dns_poll(&q)) == WF_EAGAIN) {
        (void)wf_wait_again(&w);
    }
    return rc;
}
