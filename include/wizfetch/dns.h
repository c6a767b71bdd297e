/**
 * @file dns.h
 * @brief A small stub resolver: host name -> IPv4 addresses (A records) over
 * UDP, shaped like getaddrinfo but without allocation.
 *
 * ## What it does
 * wf_dns_resolve sends one standard query (QTYPE A, QCLASS IN, RD set) per
 * attempt to a recursive server and reads the answer section, following a
 * CNAME chain to the A records of the name the chain leads to. There is no
 * cache (TTLs are ignored), no search list, no AAAA, no EDNS(0) and **no TCP
 * fallback**: an answer with the TC bit set is reported as WF_EDNS_TRUNCATED.
 * Replies are limited to WF_DNS_UDP_MAX (512) bytes, as RFC 1035 allows for
 * UDP without EDNS; a larger datagram is ignored.
 *
 * ## Spoofing resistance
 * Every attempt uses a fresh 16-bit query ID and a fresh source port in
 * 49152..65535 (14 bits), both drawn from the port's entropy source; if that
 * source fails the call fails with WF_ENOENTROPY rather than use a predictable
 * value. A datagram is accepted only if it comes from the address and port
 * the query went to, carries the query's ID and repeats the query's question;
 * anything else (including malformed datagrams) is ignored and the wait for
 * the real answer goes on until the attempt's deadline.
 *
 * ## Host names
 * A host name is accepted if, after removing one optional trailing dot, it is
 * 1..253 characters of labels separated by single dots, every label 1..63
 * characters of ASCII letters, digits, '-' and '_', not starting or ending with
 * '-'. The underscore is allowed on purpose: it is not valid in host names
 * (RFC 952/1123) but does occur in real DNS names (RFC 2181 section 11 lets any
 * octet appear) and refusing it would only make such hosts unreachable.
 * Names are compared case-insensitively (ASCII), as RFC 1035 requires.
 *
 * ## Memory
 * No allocation. wf_dns_resolve needs about 1.6 KiB of stack in all (a 512-byte
 * message buffer, its wf_dns_query of about 560 bytes, plus the socket layer's
 * frames); the parser under 300 bytes. The caller owns every buffer passed
 * in; nothing is retained after a call (wf_dns_start's arguments: until the
 * look-up is over).
 */
#ifndef WIZFETCH_DNS_H
#define WIZFETCH_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "wizfetch/config.h"
#include "wizfetch/socket.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Number of servers a wf_dns_config can hold. */
#ifndef WF_DNS_MAX_SERVERS
#define WF_DNS_MAX_SERVERS 3
#endif

/** Most CNAME links followed for one name, in one answer and over the queries
 * restarted at a chain's end (RFC 1034 advises a bound). */
#ifndef WF_DNS_MAX_CNAME
#define WF_DNS_MAX_CNAME 8
#endif

#if WF_DNS_MAX_SERVERS < 1 || WF_DNS_MAX_SERVERS > 255
#error "WF_DNS_MAX_SERVERS must be 1..255 (server_count is a uint8_t)"
#endif
#if WF_DNS_MAX_CNAME < 0 || WF_DNS_MAX_CNAME > 64
#error "WF_DNS_MAX_CNAME must be 0..64"
#endif

/** Largest DNS message over UDP without EDNS(0) (RFC 1035 section 4.2.1). */
#define WF_DNS_UDP_MAX 512

/** Largest query wf_dns_query_build can produce: header 12 + name 255 + QTYPE/QCLASS 4. */
#define WF_DNS_QUERY_MAX 271

/** The conventional DNS server port. */
#define WF_DNS_PORT 53

/** Resolver settings; plain data, owned by the caller. */
struct wf_dns_config {
    wf_sockaddr_t servers[WF_DNS_MAX_SERVERS]; /**< recursive servers, tried in this order */
    uint8_t server_count;                      /**< entries of `servers` in use, 0..WF_DNS_MAX_SERVERS */
    uint32_t timeout_ms; /**< deadline of one attempt (one query to one server), ms, > 0 */
    uint8_t attempts;    /**< rounds over the server list, >= 1 */
    uint32_t total_ms;   /**< bound on the whole call (every server, round and CNAME restart), ms; 0 = none */
};

/**
 * @brief Fill `cfg` with the defaults: no servers, 2000 ms per attempt, 2
 * rounds, no bound on the whole call. The caller then adds servers (e.g. {{10,0,0,1}, WF_DNS_PORT}).
 */
void wf_dns_config_default(struct wf_dns_config *cfg);

/**
 * @brief Resolve `host` to up to `max` IPv4 addresses.
 *
 * An IPv4 literal in dotted-decimal form ("10.0.0.1": four decimal numbers
 * 0..255 without leading zeros) is returned as-is without a query. Any other
 * string made only of digits and dots ("1.2.3", "010.0.0.1", "1.2.3.4.") is
 * WF_EDNS_BADNAME (an all-numeric top-level label is never a host name, and
 * leading zeros are octal to some parsers).
 *
 * Order of work: round 1 asks servers[0], servers[1], ... each with its own
 * query and deadline of `timeout_ms`, then round 2 does the same, up to
 * `attempts` rounds. A server that answered with SERVFAIL, REFUSED (or another
 * error RCODE) or TC is not asked again; the next server is. An answer with
 * addresses, NXDOMAIN or NODATA ends the call at once (the other servers are
 * not asked). Worst case duration: attempts * server_count * timeout_ms, plus
 * a few ms per attempt for the socket calls; with `total_ms` set, never more
 * than `total_ms` (an attempt gets only what is left of it).
 *
 * An answer whose CNAME chain ends at a name without an A record in the same
 * answer (dnsmasq answers its local aliases so) restarts the query at that
 * canonical name (RFC 1034 section 5.3.3), with fresh rounds over the servers,
 * under the same `total_ms`; at most WF_DNS_MAX_CNAME links in all.
 *
 * One hardware socket is taken per attempt and closed again on every path, so
 * a call needs one free socket (of 4 on the W5100).
 *
 * @param net   a socket layer bound to a started, configured chip
 * @param cfg   servers, timeout and rounds (not modified, not retained)
 * @param host  NUL-terminated host name (see the file comment) or IPv4 literal
 * @param addrs receives the addresses, network byte order, in answer order
 * @param max   capacity of `addrs`, >= 1
 * @return the number of addresses stored (1..max; extra records are dropped),
 *   or:
 *   - WF_EDNS_BADNAME: `host` is not a valid name (no query sent);
 *   - WF_EDNS_NXDOMAIN: the name does not exist (RCODE 3);
 *   - WF_EDNS_NODATA: the name exists but has no A record (NOERROR, no A for
 *     the name, after CNAMEs);
 *   - WF_EDNS_SERVFAIL / WF_EDNS_REFUSED / WF_EDNS_TRUNCATED: every server that
 *     answered failed this way (the last such answer is reported);
 *   - WF_EDNS_BADREPLY: datagrams arrived but none was an acceptable answer
 *     (wrong source, wrong ID or question, malformed), or a CNAME chain
 *     longer than WF_DNS_MAX_CNAME (over restarts too);
 *   - WF_EDNS_NOSERVER: nothing arrived from any server before the deadlines,
 *     or `cfg->server_count` is 0;
 *   - WF_ETIMEDOUT: `total_ms` ran out before an answer was decided;
 *   - WF_ENOENTROPY: the entropy source failed (no query sent with a weak ID);
 *   - WF_EINVAL: `server_count` > WF_DNS_MAX_SERVERS, `attempts` or
 *     `timeout_ms` is 0;
 *   - WF_EMFILE: no free socket; chip errors (WF_ENODEV, WF_EIO, ...) as
 *     returned by the socket layer.
 */
int wf_dns_resolve(wf_net_t *net, const struct wf_dns_config *cfg, const char *host, uint8_t (*addrs)[4],
                   size_t max);

/** Where the loop over servers and rounds of a one-datagram client (DNS,
 *  SNTP: src/net/udp_query.h) is. Internal; plain data. */
struct wf_udpq_progress {
    uint8_t round;    /**< pass over the server list */
    uint8_t server;   /**< the server of the current (or next) attempt */
    uint32_t refused; /**< bit s: server s said no (not asked again) */
    bool ignored;     /**< a datagram was ignored (forged, malformed, not ours) */
    int last_error;   /**< the last refusal, 0 if none */
};

/** The bound on a whole client call (src/net/udp_query.h). Internal; plain data. */
struct wf_udpq_budget {
    bool bounded; /**< false: no bound beyond the per-attempt deadlines */
    uint32_t end; /**< port clock (ms) at which the call must be over */
};

/** Longest host name text (without the trailing dot). */
#define WF_DNS_HOST_MAX 253

/** A look-up in steps (wf_dns_start, wf_dns_poll). Caller-owned; fields internal. */
struct wf_dns_query {
    wf_net_t *net;
    const struct wf_dns_config *cfg;
    const char *host; /**< the name asked now: the caller's, or `asked` after a CNAME restart */
    uint8_t (*addrs)[4];
    size_t max;
    uint8_t *buf; /**< the query, then each datagram (the caller's, `cap` bytes) */
    size_t cap;
    struct wf_udpq_budget budget;
    struct wf_udpq_progress rounds;
    int links;         /**< CNAME links followed so far, over all restarts */
    int fd;            /**< the socket of the attempt under way, -1 when none */
    int result;        /**< WF_EAGAIN while in progress, then the final result */
    uint16_t id;       /**< the query ID of the attempt under way */
    bool last;         /**< the attempt's deadline is the end of the whole look-up */
    uint32_t deadline; /**< port clock: end of the attempt under way */
    char asked[WF_DNS_HOST_MAX + 1];
    char canonical[WF_DNS_HOST_MAX + 1];
};

/**
 * @brief wf_dns_resolve in steps, for a caller that must not wait: start
 * the look-up (no I/O yet). `host`, `cfg`, `addrs` and `buf` (at least
 * WF_DNS_UDP_MAX bytes, for the query and each answer) are the caller's and
 * must stay valid until the look-up is over. Returns 0, or at once the final
 * result (an IPv4 literal: 1; the errors of wf_dns_resolve that need no
 * query: WF_EDNS_BADNAME, WF_EINVAL).
 */
int wf_dns_start(struct wf_dns_query *q, wf_net_t *net, const struct wf_dns_config *cfg, const char *host,
                 uint8_t (*addrs)[4], size_t max, uint8_t *buf, size_t cap);

/**
 * @brief Move the look-up on without waiting for an answer: WF_EAGAIN while
 * it is in progress, then the result wf_dns_resolve would give (and the same
 * again on later calls). Each query's socket is taken when the query is sent
 * and closed when its attempt ends. The one wait left is the send of a query
 * (the chip's ARP for the server, bounded by its retry timers).
 */
int wf_dns_poll(struct wf_dns_query *q);

/** @brief Give the look-up up: its socket, if any, is closed. Harmless when over. */
void wf_dns_abort(struct wf_dns_query *q);

/**
 * @brief Encode a standard query for the A records of `host` (no I/O).
 *
 * Header: ID `id`, flags 0x0100 (QR=0, OPCODE=0, RD=1), QDCOUNT=1, other
 * counts 0; then QNAME (lower/upper case kept as given, trailing dot
 * dropped), QTYPE=1 (A), QCLASS=1 (IN).
 *
 * @param buf  output buffer, at least WF_DNS_QUERY_MAX bytes always suffices
 * @param cap  size of `buf` in bytes
 * @param id   query ID (the resolver draws it from the entropy source)
 * @param host NUL-terminated host name (see the file comment)
 * @return the query length in bytes (18..271), WF_EDNS_BADNAME if `host` is
 *   not a valid name, WF_ENOMEM if `cap` is too small.
 */
int wf_dns_query_build(uint8_t *buf, size_t cap, uint16_t id, const char *host);

/**
 * @brief Check a reply to the query (`id`, `host`, type A, class IN) and
 * extract the A records of `host` or of the name its CNAME chain leads to
 * (no I/O; safe on arbitrary input, which is only read within `len`).
 *
 * Checks, in order: header present, ID equal, QR set, OPCODE 0, QDCOUNT 1,
 * question equal to (host, A, IN); then RCODE (3 -> WF_EDNS_NXDOMAIN, 2 ->
 * WF_EDNS_SERVFAIL, any other non-zero -> WF_EDNS_REFUSED); then TC
 * (WF_EDNS_TRUNCATED); then every answer record must be complete and
 * well-formed. Names may be compressed, but every pointer must point
 * backwards, before the start of the labels being read (which rules out
 * loops) and at or after the header; labels longer than 63 and names longer
 * than 255 bytes are malformed. A records (class IN) must have RDLENGTH 4.
 * Records for other names are ignored, as are other types and the authority
 * and additional sections (not read at all).
 *
 * @param msg   the reply datagram
 * @param len   its length in bytes
 * @param id    the ID the query was sent with
 * @param host  the name the query asked for (trailing dot optional)
 * @param addrs receives up to `max` addresses, network byte order
 * @param max   capacity of `addrs`, >= 1
 * @return the number of addresses stored (1..max), or WF_EDNS_BADREPLY
 *   (malformed, or not the reply to this query: ID, question, QR, OPCODE,
 *   CNAME chain longer than WF_DNS_MAX_CNAME or looping),
 *   WF_EDNS_NXDOMAIN, WF_EDNS_SERVFAIL, WF_EDNS_REFUSED, WF_EDNS_TRUNCATED,
 *   WF_EDNS_NODATA (NOERROR and no A record for the name), or
 *   WF_EDNS_BADNAME (`host` not valid).
 */
int wf_dns_answer_parse(const uint8_t *msg, size_t len, uint16_t id, const char *host, uint8_t (*addrs)[4],
                        size_t max);

#ifdef __cplusplus
}
#endif
#endif
