/**
 * @file session_cache.h
 * @brief Internal: the policy of the TLS session cache kept in a wf_tls_t
 * (struct wf_tls_session_cache, see tls.h): which kept session may be offered
 * to which server, for how long, and which one goes when the cache is full.
 *
 * An entry is keyed by the server name (compared whole, byte for byte:
 * "example.test", "www.example.test." and "WWW.example.test" are not
 * "www.example.test"; mbedTLS 3.6 itself refuses a TLS 1.3 ticket under a name
 * that differs in case, and wf_url lowercases names) and the port (0 = not
 * known; then it only matches 0). Its payload is opaque bytes
 * (tls.c stores the serialized mbedTLS session and what it needs to describe
 * and re-check a resumed connection). Name and payload live in one block from
 * the mbedTLS heap (mbedtls_calloc), RAM only; every block is zeroised with
 * mbedtls_platform_zeroize before it is freed.
 *
 * Times are the port's millisecond clock (wf_port_millis, free-running,
 * wrap-safe). An entry is expired once `now - stored >= lifetime`; expired
 * entries are dropped when found, never returned.
 */
#ifndef WF_TLS_SESSION_CACHE_H
#define WF_TLS_SESSION_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wizfetch/tls.h"

/** Session kinds, for wf_tls_session_lifetime_s. */
enum wf_tls_session_kind {
    WF_TLS_SESSION_TLS12_ID,     /**< TLS 1.2 session ID (the server's cache; no lifetime given) */
    WF_TLS_SESSION_TLS12_TICKET, /**< TLS 1.2 ticket (RFC 5077; hint 0 = not given) */
    WF_TLS_SESSION_TLS13_TICKET, /**< TLS 1.3 NewSessionTicket (hint 0 = do not keep) */
};

/**
 * @brief How long to keep a session, in seconds (0 = do not keep): the
 * server's lifetime hint where there is one, never beyond
 * WF_TLS_TICKET_MAX_LIFETIME_S (7 days, RFC 8446's limit); a TLS 1.2 session
 * ID, or a TLS 1.2 ticket without a hint, WF_TLS_SESSION_ID_LIFETIME_S.
 */
uint32_t wf_tls_session_lifetime_s(enum wf_tls_session_kind kind, uint32_t hint_s);

/** @brief Empty cache (does not free: use wf_tls_sessions_clear on a used one). */
void wf_tls_sessions_init(struct wf_tls_session_cache *c);

/**
 * @brief The live entry for exactly `host` and `port`, or NULL. An expired
 * entry for them is dropped (zeroised, freed) and NULL returned; so is one
 * made by a handshake that could not check the certificate's dates (the time
 * was unknown) once `dates_checked_now` says the time is known: resumed then,
 * the connection would pass for one whose certificate was checked against a
 * known time (wf_tls_dates_checked). While the time is still unknown it may
 * be offered: the resumed connection says its dates were not checked, and a
 * new handshake would check no more. The entry stays owned by the cache
 * (valid until the next put/drop/clear).
 */
const struct wf_tls_session_entry *wf_tls_sessions_find(struct wf_tls_session_cache *c, const char *host,
                                                        uint16_t port, uint32_t now_ms,
                                                        bool dates_checked_now);

/** @brief The payload of an entry returned by wf_tls_sessions_find. */
const uint8_t *wf_tls_session_payload(const struct wf_tls_session_entry *e, size_t *len);

/**
 * @brief Make the entry of `host`:`port` with room for a `len`-byte payload
 * (zeroed; the caller fills it through `*payload`, valid until the next
 * put/drop/clear), kept for `lifetime_ms` from `now_ms`; `dates_checked`:
 * whether the handshake that made it checked the certificate's dates against
 * a known time (see wf_tls_sessions_find). It replaces the entry
 * of the same key; in a full cache the oldest entry (an expired one first) is
 * dropped. lifetime_ms 0 only drops the existing entry (`*payload` = NULL).
 * The host name must be 1..WF_TLS_SESSION_HOST_MAX characters.
 * @return 0; WF_EINVAL for a bad name or len 0; WF_ENOMEM if the heap has no
 * room (the old entry of the key is dropped anyway).
 */
int wf_tls_sessions_put(struct wf_tls_session_cache *c, const char *host, uint16_t port, size_t len,
                        uint32_t now_ms, uint32_t lifetime_ms, bool dates_checked, uint8_t **payload);

/** @brief Drop the entry of `host`:`port` if there is one. */
void wf_tls_sessions_drop(struct wf_tls_session_cache *c, const char *host, uint16_t port);

/** @brief Drop every entry (zeroised, freed). Accepts an initialised or zeroed cache. */
void wf_tls_sessions_clear(struct wf_tls_session_cache *c);

/** @brief Entries held, and the heap bytes their blocks take (payloads + names). */
size_t wf_tls_sessions_count(const struct wf_tls_session_cache *c);
size_t wf_tls_sessions_bytes(const struct wf_tls_session_cache *c);

#endif
