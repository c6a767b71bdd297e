/**
 * @file sntp.h
 * @brief An SNTPv4 client (RFC 4330, packet format RFC 5905): the time of day
 * from an NTP server, for checking certificate dates on a board without a
 * battery-backed clock.
 *
 * ## The request
 * 48 bytes: LI 0, VN 4, mode 3 (client), every field zero except the transmit
 * timestamp, which holds 8 random bytes from the port's entropy source. RFC
 * 5905 (and draft-ietf-ntp-data-minimization) recommend exactly that: the
 * client's clock is not revealed, and the server's echo of those bytes in the
 * originate timestamp proves the reply answers this request (an off-path
 * attacker would have to guess 64 bits). The source port is random as well
 * (49152..65535), as in the resolver.
 *
 * ## Checks on the reply (wf_sntp_parse, in this order)
 * length >= 48 (extension fields and MAC after it are ignored); mode 4
 * (server); version 3 or 4; originate timestamp == our nonce; then stratum 0
 * = kiss-o'-death (WF_ESNTP_KOD, the kiss code is kept); stratum 16 or more,
 * or leap indicator 3 = not synchronised (WF_ESNTP_UNSYNC); transmit
 * timestamp non-zero. The client also requires the reply to come from the
 * address and port it asked, and refuses a time before its `floor`
 * (WF_ESNTP_BEFORE_FLOOR): a rogue server (one named by a rogue DHCP server,
 * say) must not turn the clock back so that expired certificates pass.
 *
 * ## The result
 * Server transmit time + half the measured round trip (the usual SNTP
 * estimate when the client's own timestamps are not sent), as Unix time in
 * ms. NTP seconds count from 1900 and wrap every 2^32 s (the first wrap is on
 * 2036-02-07); a 32-bit value is placed in the era that makes it fall between
 * 1968-01-20 and 2104-02-26 (the pivot: values with the top bit set are in
 * era 0, the others in era 1), which is right for any clock that reads later
 * than 1968 and earlier than 2104.
 *
 * ## Keeping the time
 * struct wf_sntp_clock turns one result into a wall clock: Unix time =
 * result + (millis now - millis at the result). A port's unix_time can read
 * it (see ports/sim for the host's version of that policy).
 */
#ifndef WIZFETCH_SNTP_H
#define WIZFETCH_SNTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wizfetch/socket.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Servers a wf_sntp_config holds. */
#ifndef WF_SNTP_MAX_SERVERS
#define WF_SNTP_MAX_SERVERS 3
#endif
#if WF_SNTP_MAX_SERVERS < 1 || WF_SNTP_MAX_SERVERS > 255
#error "WF_SNTP_MAX_SERVERS must be 1..255"
#endif

/** The NTP port. */
#define WF_SNTP_PORT 123
/** NTP packet without extension fields. */
#define WF_SNTP_PACKET_LEN 48
/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch). */
#define WF_SNTP_UNIX_OFFSET 2208988800u

/** What wf_sntp_parse found. */
struct wf_sntp_reply {
    uint8_t leap;     /**< leap indicator 0..2 (3 is refused) */
    uint8_t version;  /**< 3 or 4 */
    uint8_t stratum;  /**< 1..15; 0 with WF_ESNTP_KOD */
    char kiss[5];     /**< stratum 0: the kiss code (refid as ASCII, e.g. "RATE"), else "" */
    uint32_t tx_secs; /**< server transmit timestamp, NTP seconds */
    uint32_t tx_frac; /**< and its fraction (2^-32 s) */
    int64_t unix_ms;  /**< the transmit timestamp as Unix time in ms (era resolved) */
};

/**
 * @brief Encode a client request (no I/O): 0x23 (LI 0, VN 4, mode 3), zeros,
 * transmit timestamp = `nonce`.
 * @return 48, or WF_ENOMEM if `cap` < 48.
 */
int wf_sntp_build(uint8_t *buf, size_t cap, const uint8_t nonce[8]);

/**
 * @brief Check a server reply against the request's `nonce` and decode it (no
 * I/O; safe on arbitrary input). See the file comment for the checks.
 * @return 0 with `*out` filled; WF_ESNTP_BADREPLY (malformed, not a server
 *   reply, or not the reply to this request), WF_ESNTP_KOD (out->kiss set),
 *   WF_ESNTP_UNSYNC.
 */
int wf_sntp_parse(const uint8_t *msg, size_t len, const uint8_t nonce[8], struct wf_sntp_reply *out);

/**
 * @brief NTP timestamp seconds -> Unix seconds, with the era pivot of the
 * file comment: 0x80000000..0xFFFFFFFF -> era 0 (1968..2036), 0..0x7FFFFFFF
 * -> era 1 (2036..2104).
 */
int64_t wf_sntp_ntp_to_unix(uint32_t ntp_secs);

/** Client settings; plain data. */
struct wf_sntp_config {
    wf_sockaddr_t servers[WF_SNTP_MAX_SERVERS]; /**< tried in order (port 0 = 123) */
    uint8_t server_count;
    uint32_t timeout_ms; /**< deadline of one attempt (one request to one server), > 0 */
    uint8_t attempts;    /**< rounds over the server list, >= 1 */
    uint32_t total_ms;   /**< bound on the whole call (every server and round), ms; 0 = none */
    int64_t floor; /**< Unix time (s) known to have passed (the build time): earlier answers are refused */
};

/** Defaults: no servers, 2000 ms per attempt, 2 rounds, no bound on the whole call, no floor. */
void wf_sntp_config_default(struct wf_sntp_config *cfg);

/** The outcome of wf_sntp_query. */
struct wf_sntp_result {
    int64_t unix_ms; /**< estimated Unix time in ms at `millis` */
    uint32_t millis; /**< port clock when the reply arrived */
    uint32_t rtt_ms; /**< measured round trip */
    uint8_t stratum;
    uint8_t server; /**< index of the server that answered */
};

/**
 * @brief Ask the servers in turn (each attempt with its own socket, random
 * port and nonce, and deadline `timeout_ms`) until one gives an acceptable
 * answer; `attempts` rounds. A server that answered with KoD, "not
 * synchronised" or a time before `floor` is not asked again. Worst case:
 * attempts * servers * timeout_ms, and never more than `total_ms` if set.
 * Needs one free socket.
 * @return 0 with `*res` filled; WF_ESNTP_KOD / WF_ESNTP_UNSYNC /
 *   WF_ESNTP_BEFORE_FLOOR (every server that answered said so; the last is
 *   reported), WF_ESNTP_BADREPLY (only unacceptable datagrams arrived),
 *   WF_ESNTP_NOSERVER (nothing arrived, or no servers), WF_ETIMEDOUT
 *   (`total_ms` ran out), WF_EINVAL (bad config), WF_ENOENTROPY, socket/chip
 *   errors.
 */
int wf_sntp_query(wf_net_t *net, const struct wf_sntp_config *cfg, struct wf_sntp_result *res);

/** A wall clock set from SNTP: plain data, zero = unknown. */
struct wf_sntp_clock {
    bool valid;
    int64_t unix_ms; /**< at `millis` */
    uint32_t millis;
};

/** @brief Set the clock from a query result. */
void wf_sntp_clock_set(struct wf_sntp_clock *c, const struct wf_sntp_result *res);

/**
 * @brief Unix seconds at port-clock time `now_ms`, or -1 while unknown. The
 * millisecond clock may wrap once between set and read (49 days); re-sync
 * more often than that.
 */
int64_t wf_sntp_clock_unix(const struct wf_sntp_clock *c, uint32_t now_ms);

#ifdef __cplusplus
}
#endif
#endif
