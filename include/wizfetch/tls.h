/**
 * @file tls.h
 * @brief TLS 1.2/1.3 client over a wizfetch TCP socket, on mbedTLS 3.6.
 *
 * Secure by default: the server certificate chain is verified against the
 * trust anchors added with wf_tls_add_ca_store / wf_tls_add_builtin_cas /
 * wf_tls_add_ca_pem, the
 * host name is checked (and sent as SNI), and validity dates are checked with
 * the port's wall clock. If the port does not know the time, the handshake
 * fails with WF_ETLS_CLOCK unless `accept_unknown_time` is set. Then:
 *  - with `time_floor` set (e.g. the firmware's build time, a moment that has
 *    certainly passed), "expired" is still checked against that floor, and
 *    only "not yet valid" is skipped;
 *  - without it, both date checks are skipped.
 * A known time is never believed below `time_floor` either: dates are always
 * checked against max(now, floor), so a clock set back cannot make an expired
 * certificate valid again.
 * wf_tls_dates_checked() tells whether the full date checks ran.
 * `insecure` skips verification entirely and is never the default.
 *
 * Life cycle (mbedTLS-like; every context is owned by the caller):
 *   wf_tls_platform_init(port, pool)   once per program: entropy, clocks, heap pool
 *   wf_tls_init(t)                     cannot fail
 *   wf_tls_add_ca_store(t, store)      repeatable; or wf_tls_add_builtin_cas(t),
 *                                      or wf_tls_add_ca_pem(t, ...) (parsed into the heap)
 *   wf_tls_setup(t, &options)          seeds the DRBG, builds the configuration
 *   wf_tls_connect(t, net, fd, host)   handshake on a connected TCP socket
 *   wf_tls_read / wf_tls_write
 *   wf_tls_disconnect(t, timeout_ms)   close_notify; the socket stays open
 *   (connect again, e.g. after a redirect)
 *   wf_tls_free(t)                     accepts a zeroed or initialised context
 *
 * Session resumption (on by default, `no_session_cache` turns it off): after
 * a handshake that verified the chain and the host name (and matched the pins,
 * if any), the session is kept in the context, in RAM, for that exact server
 * name (and port, with wf_tls_connect_port): TLS 1.2 at the end of the
 * handshake (session ID or ticket), TLS 1.3 when the server's NewSessionTicket
 * arrives (wf_tls_read / wf_tls_read_nowait take it in passing). The next
 * wf_tls_connect to the same name offers it and the server may resume instead
 * of running a full handshake (wf_tls_resumed). A session is never offered to
 * another name, never kept from an `insecure` handshake, never offered once
 * the time is known if it was made while the time was unknown (its
 * certificate's dates were not checked), kept no longer than
 * the server's lifetime hint (TLS 1.2 session IDs: WF_TLS_SESSION_ID_LIFETIME_S,
 * any session at most WF_TLS_TICKET_MAX_LIFETIME_S), at most
 * WF_TLS_SESSION_CACHE_ENTRIES sessions (the oldest goes), never written to
 * flash; wf_tls_setup, wf_tls_forget_sessions and wf_tls_free zeroise and
 * free them. A resumed connection re-checks the pins against the key of the
 * handshake that made the session. See docs/security.md.
 *
 * Errors: WF_ETLS_CERT_* say which certificate check failed (expired, not yet
 * valid, name mismatch, untrusted CA, bad signature, a CA certificate as the
 * server's, a certificate this build cannot parse). Beyond mbedTLS's checks:
 * an IP host matches only iPAddress entries, no "*.tld" wildcard, and the
 * intermediates may come in any order (src/tls/peer_check.h), WF_ETLS_ALERT a fatal
 * alert from the peer, WF_ETLS_HANDSHAKE any other handshake failure
 * (no common version or cipher suite), WF_ETIMEDOUT the deadline, and the
 * socket's own codes (WF_ECONNRESET, ...) when the connection failed.
 */
#ifndef WIZFETCH_TLS_H
#define WIZFETCH_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "wizfetch/ca_store.h"
#include "wizfetch/port.h"
#include "wizfetch/socket.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Size of the certificate summary text kept after a handshake. */
#ifndef WF_TLS_SUMMARY_MAX
#define WF_TLS_SUMMARY_MAX 640
#endif

/** Trust-anchor stores one context can search (wf_tls_add_ca_store). */
#ifndef WF_TLS_MAX_STORES
#define WF_TLS_MAX_STORES 4
#endif

/** Pinned public keys one context can hold (curl's --pinnedpubkey). */
#ifndef WF_TLS_MAX_PINS
#define WF_TLS_MAX_PINS 4
#endif

/** Sessions kept for resumption, per context (0 = resumption compiled out).
 * The small profile (TLS 1.2 only, no tickets: session IDs) leaves it out by
 * default: it costs that image 1.8 KiB of flash, most of what its budget has
 * left (define it to 1 to have it). */
#ifndef WF_TLS_SESSION_CACHE_ENTRIES
#if defined(WF_TLS_PROFILE_SMALL)
#define WF_TLS_SESSION_CACHE_ENTRIES 0
#else
#define WF_TLS_SESSION_CACHE_ENTRIES 2
#endif
#endif

/** How long a TLS 1.2 session ID (or a ticket without a lifetime hint) is kept, s. */
#ifndef WF_TLS_SESSION_ID_LIFETIME_S
#define WF_TLS_SESSION_ID_LIFETIME_S 3600
#endif

/** The most bytes one call that does not wait (wf_tls_handshake_step,
 *  wf_tls_read_nowait, wf_tls_write_nowait, wf_tls_close_step) takes from the
 *  socket: a record that keeps arriving is taken over several calls, so that
 *  one call (one wf_fetch_poll) stays short however fast the peer sends. */
#ifndef WF_TLS_NOWAIT_READ_MAX
#define WF_TLS_NOWAIT_READ_MAX 4096
#endif

/** The same limit when the socket layer prefetches by DMA (wf_net_rx_prefetches):
 *  moving the bytes costs the CPU next to nothing there, so a call may take a
 *  whole record (16 KiB and the record overhead; decrypting it is about 0.6 M
 *  instructions on the board). A smaller share would end each call before the
 *  record is complete and stop the bus from fetching the next record while the
 *  CPU decrypts this one (measured: 1 MiB on the W5500 board at 1276 KB/s with
 *  4096, 1590 KB/s with a whole record; docs/measurements.md). */
#ifndef WF_TLS_NOWAIT_READ_MAX_PREFETCH
#define WF_TLS_NOWAIT_READ_MAX_PREFETCH (16384 + 256)
#endif

/** The longest any session is kept, whatever the server's hint says, s (7 days). */
#define WF_TLS_TICKET_MAX_LIFETIME_S 604800u

/** Longest server name a session is kept for (a DNS name's limit). */
#define WF_TLS_SESSION_HOST_MAX 253

/** Protocol versions. */
enum wf_tls_version {
    WF_TLS_1_2 = 2,
    WF_TLS_1_3 = 3,
};

/** Receives one NSS key log line (no newline), e.g. "CLIENT_RANDOM <hex> <hex>". */
typedef void (*wf_tls_keylog_fn)(void *ctx, const char *line);

/** Connection options. Zero-initialised = TLS 1.2..1.3, full verification. */
struct wf_tls_options {
    uint8_t min_version;      /**< enum wf_tls_version; 0 = WF_TLS_1_2 */
    uint8_t max_version;      /**< enum wf_tls_version; 0 = highest built in */
    bool insecure;            /**< skip certificate verification (dangerous) */
    bool accept_unknown_time; /**< time unknown: go on with reduced date checks (see above) */
    int64_t time_floor;       /**< Unix time known to have passed (0 = none): "now" is never earlier */
    wf_tls_keylog_fn keylog;  /**< debug: export secrets in NSS key log format */
    void *keylog_ctx;
    /** Pinned keys: SHA-256 of the server certificate's DER SubjectPublicKeyInfo
     * (see wf_tls_parse_pins). With pin_count > 0 the handshake fails with
     * WF_ETLS_PINNED unless the server's key matches one, after the chain
     * verified (also with `insecure`, which then skips only the chain). The
     * array is copied by wf_tls_setup. */
    const uint8_t (*pins)[32];
    size_t pin_count;
    /** Do not keep or offer sessions: every connection runs a full handshake
     * (curl's --no-sessionid). */
    bool no_session_cache;
    /** TLS 1.3: also allow resumption with the ticket's key alone, without a
     * fresh (EC)DHE exchange, when the server chooses it (psk_ke: cheaper, but
     * no forward secrecy for that connection). Off: resumption always runs
     * (EC)DHE (psk_dhe_ke). WF_ENOTSUP from wf_tls_setup in builds without it. */
    bool tls13_psk_only;
    /** Optional, for benchmarks: a free-running counter (e.g. the board's DWT
     * cycle counter) read before and after each trust-anchor look-up; the
     * differences add up in wf_tls_ca_stats.cycles. NULL: not measured. */
    uint32_t (*cycle_counter)(void);
    /** Client certificate (mutual TLS), presented when a server asks for one.
     * NULL: none; a server that asks gets an empty Certificate message and
     * decides (nginx with `ssl_verify_client on` answers 400). `client_cert`
     * is the chain, leaf first: PEM (NUL-terminated, the NUL counted in the
     * length, as mbedTLS wants) or DER certificates one after another. DER is
     * parsed in place: the buffer must then stay valid and unchanged until
     * wf_tls_free. `client_key` is the leaf's private key (PEM or DER;
     * PKCS#8, SEC1 or PKCS#1): ECDSA on a curve this build has (P-256; the
     * full profile also P-384) or RSA of 2048 bits or more. It is parsed into
     * the mbedTLS heap by wf_tls_setup: the caller may wipe its buffer after.
     * An encrypted key (PKCS#8 "ENCRYPTED PRIVATE KEY") needs
     * `client_key_password` and a build with WF_TLS_KEY_DECRYPT (the host's).
     * Builds without WF_TLS_CLIENT_CERT (the small profile) refuse any client
     * certificate with WF_ENOTSUP. */
    const unsigned char *client_cert;
    size_t client_cert_len;
    const unsigned char *client_key;
    size_t client_key_len;
    const char *client_key_password; /**< NUL-terminated; NULL = none */
};

/** Trust-anchor look-ups of a context since wf_tls_setup (for tests and the bench). */
struct wf_tls_ca_stats {
    uint32_t lookups;  /**< calls of the trusted-CA callback (one per chain step) */
    uint32_t parsed;   /**< candidate roots parsed from the stores */
    uint32_t unusable; /**< store entries that matched but did not parse (damaged or unsupported) */
    uint32_t cycles;   /**< counter ticks spent in look-ups (options.cycle_counter; else 0) */
};

/** One kept session (internal; see session_cache.h). */
struct wf_tls_session_entry {
    uint8_t *blob;        /**< mbedTLS heap: server name, NUL, payload; NULL = free slot */
    size_t len;           /**< bytes of blob */
    uint16_t host_len;    /**< characters of the name */
    uint16_t port;        /**< 0 = not known */
    uint32_t stored_ms;   /**< port clock when kept */
    uint32_t lifetime_ms; /**< kept until stored_ms + lifetime_ms */
    bool dates_checked;   /**< the handshake that made it checked the dates against a known time */
};

/** The sessions a context keeps (internal). */
struct wf_tls_session_cache {
    struct wf_tls_session_entry entries[WF_TLS_SESSION_CACHE_ENTRIES > 0 ? WF_TLS_SESSION_CACHE_ENTRIES : 1];
};

/** Session cache figures of a context (for tests, -v and the measurements). */
struct wf_tls_session_stats {
    uint32_t stored;         /**< sessions kept (TLS 1.3: each ticket) */
    uint32_t offered;        /**< handshakes that offered a kept session */
    uint32_t resumed;        /**< handshakes the server resumed */
    size_t kept_bytes;       /**< heap the kept sessions take now (names and payloads) */
    size_t last_payload;     /**< bytes of the last session kept (serialized + summary + key digest) */
    size_t last_struct_heap; /**< heap an unserialized copy of that session (mbedtls_ssl_session) took */
};

/** TLS client context. Fields are internal. */
typedef struct wf_tls {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    const struct wf_ca_store *stores[WF_TLS_MAX_STORES];
    size_t store_count;
    struct wf_tls_ca_stats ca_stats;
    uint8_t pins[WF_TLS_MAX_PINS][32];
    bool pin_matched; /**< the last handshake's server key matched a pin */
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    struct wf_tls_options options;
    wf_net_t *net;
    int fd;
    uint32_t deadline; /**< port-clock deadline of the current operation */
    int io_error;      /**< last socket error seen by the bio (WF_E*) */
    uint32_t verify_flags;
    bool connected;
    bool transport_eof; /**< the bio saw the TCP end of stream */
    bool nowait; /**< the bio returns at once: WANT_READ / WANT_WRITE (the *_nowait and *_step calls) */
    size_t nowait_room; /**< bytes the bio may still take from the socket in the current such call */
    bool dates_checked;
    bool setup_done;
    bool cert_seen;        /**< this handshake received (and judged) a certificate */
    bool chain_ordered;    /**< this verification put the server's chain in issuing order */
    bool leaf_is_ca;       /**< the server's certificate is a CA certificate (refused) */
    bool peer_unreadable;  /**< the server sent no certificate mbedTLS could parse */
    bool session_offered;  /**< this handshake offered a kept session */
    bool resumed;          /**< this handshake resumed it */
    uint16_t port;         /**< the server's port (wf_tls_connect_port), 0 = not known */
    const char *host;      /**< the server's name during a handshake (the caller's string) */
    char ip_host[16];      /**< the server's IPv4 literal (never sent as SNI), or "" for a DNS name */
    uint8_t peer_spki[32]; /**< SHA-256 of the server key's DER SubjectPublicKeyInfo */
    struct wf_tls_session_cache sessions;
    struct wf_tls_session_stats session_stats;
    mbedtls_x509_crt *own_cert;  /**< client certificate chain (mbedTLS heap), or NULL */
    mbedtls_pk_context *own_key; /**< its private key (mbedTLS heap), or NULL */
    char summary[WF_TLS_SUMMARY_MAX];
} wf_tls_t;

/**
 * @brief Bind mbedTLS to the platform, once per program: entropy from
 * `port->entropy`, time from `port->unix_time` and `port->millis`, and all
 * mbedTLS allocations from `pool` (static, `pool_len` bytes; 40..64 KiB is
 * typical for one connection). WF_ENOENTROPY if the entropy source fails.
 */
int wf_tls_platform_init(const struct wf_port *port, unsigned char *pool, size_t pool_len);

/**
 * @brief Where the entropy seed lives between boots (builds with WF_TLS_NV_SEED,
 * see wf_mbedtls_config.h): `read` fills `len` bytes, `write` stores them; both
 * return 0 or -1. Call after wf_tls_platform_init and before wf_tls_setup,
 * which mixes the stored seed into the pool and writes a fresh one: `write` is
 * called once per wf_tls_setup (mbedTLS's own intermediate updates stay in
 * RAM), and a failed write fails wf_tls_setup. WF_EINVAL if either is NULL,
 * WF_ENOTSUP in builds without the option.
 */
int wf_tls_platform_set_seed_store(int (*read)(unsigned char *buf, size_t len),
                                   int (*write)(unsigned char *buf, size_t len));

/** @brief Highest mbedTLS heap use since the last reset, in bytes. */
size_t wf_tls_heap_peak(void);
/** @brief Forget the recorded peak (wf_tls_pool_high_water keeps it). */
void wf_tls_heap_peak_reset(void);
/**
 * @brief The pool's high-water mark since wf_tls_platform_init, in bytes, across
 * resets of wf_tls_heap_peak: the peak of the bytes in use plus a header per
 * block at the peak block count (the two peaks need not coincide, so this is an
 * upper bound, fragmentation aside). What the pool given to
 * wf_tls_platform_init must hold; the firmware's pool margin is checked against it.
 */
size_t wf_tls_pool_high_water(void);

/** @brief Prepare a context. Cannot fail. */
void wf_tls_init(wf_tls_t *t);

/**
 * @brief Add trust anchors from NUL-terminated PEM text (one or more
 * certificates). WF_ETLS_CA if it holds no certificate or any malformed one.
 */
int wf_tls_add_ca_pem(wf_tls_t *t, const char *pem);

/**
 * @brief Search `store` for trust anchors during verification (see
 * ca_store.h). Nothing is parsed now: candidates are parsed from the store
 * when a chain needs them, and freed after. The store must stay valid and
 * unchanged while `t` is used. WF_ENOMEM beyond WF_TLS_MAX_STORES stores.
 */
int wf_tls_add_ca_store(wf_tls_t *t, const struct wf_ca_store *store);

/**
 * @brief Add the store compiled in at build time (CMake WF_CA_BUNDLE, see
 * docs/firmware.md) with wf_tls_add_ca_store. Returns the number of anchors in it (0 if
 * the build embeds none) or WF_ENOMEM.
 */
int wf_tls_add_builtin_cas(wf_tls_t *t);

/** @brief Number of trust anchors: parsed ones plus the entries of every store. */
size_t wf_tls_ca_count(const wf_tls_t *t);

/**
 * @brief The trusted-CA callback wf_tls gives mbedTLS (mbedtls_x509_crt_ca_cb_t,
 * `ctx` = the wf_tls_t): a heap-allocated list of the anchors whose subject
 * equals `child`'s issuer (parsed ones and store entries; entries that do not
 * parse are counted as unusable and left out), or NULL when there are none.
 * The caller frees the list (mbedTLS does). Exposed for tests and for
 * programs that verify certificates with mbedtls_x509_crt_verify_with_ca_cb.
 * @return 0, or MBEDTLS_ERR_X509_ALLOC_FAILED.
 */
int wf_tls_ca_lookup(void *ctx, mbedtls_x509_crt const *child, mbedtls_x509_crt **candidates);

/** @brief Trust-anchor look-ups since wf_tls_setup. */
const struct wf_tls_ca_stats *wf_tls_ca_stats(const wf_tls_t *t);

/**
 * @brief Parse curl's pinned-key syntax "sha256//BASE64[;sha256//BASE64...]"
 * (each BASE64 the 44-character encoding of a 32-byte SHA-256 digest of a DER
 * SubjectPublicKeyInfo) into `out` (at most `max` digests).
 * @return the number of digests (>= 1), or WF_EINVAL if the text is malformed
 * (empty, another hash, bad base64, wrong length) or names more than `max`.
 */
int wf_tls_parse_pins(const char *spec, uint8_t (*out)[32], size_t max);

/**
 * @brief Seed the DRBG and build the client configuration; parse the client
 * certificate and key if given (options above). Errors of the client
 * credentials: WF_ETLS_CLIENT_CERT (the certificate does not parse),
 * WF_ETLS_CLIENT_KEY (the key does not parse), WF_ETLS_KEY_ENCRYPTED (an
 * encrypted key and no password), WF_ETLS_KEY_PASSWORD (wrong password),
 * WF_ETLS_KEY_TYPE (a key type, curve or size refused: RSA under 2048
 * bits), WF_ETLS_KEY_MISMATCH (the key is not the certificate's), WF_ENOMEM.
 */
int wf_tls_setup(wf_tls_t *t, const struct wf_tls_options *options);

/** @brief True if wf_tls_setup loaded a client certificate. */
bool wf_tls_has_client_cert(const wf_tls_t *t);

/**
 * @brief Handshake over the connected TCP socket `fd`, verifying `host`
 * (also sent as SNI; an IPv4 literal is not sent as SNI). The whole handshake
 * must finish within `timeout_ms`.
 */
int wf_tls_connect(wf_tls_t *t, wf_net_t *net, int fd, const char *host, uint32_t timeout_ms);

/**
 * @brief wf_tls_connect, with the server's TCP port: kept sessions are then
 * keyed by name and port (as curl does), so a session from one port is not
 * offered to another. wf_tls_connect is this with port 0 (key: the name alone).
 */
int wf_tls_connect_port(wf_tls_t *t, wf_net_t *net, int fd, const char *host, uint16_t port,
                        uint32_t timeout_ms);

/**
 * @brief The handshake in steps, for a caller that must not wait (a main
 * loop): wf_tls_start prepares it (as wf_tls_connect_port, same checks and
 * errors: WF_EINVAL, WF_ETLS_CLOCK, WF_ENOMEM); `host` must stay valid until
 * the handshake ends. Then call wf_tls_handshake_step until it stops
 * returning WF_EAGAIN. Each step does one handshake step of mbedTLS without
 * waiting for the socket (its longest part is one public-key operation, or
 * the verification of the server's chain); it returns 1 (a step was done:
 * call again at once), WF_EAGAIN (waiting for the socket: call again later),
 * 0 (connected: as wf_tls_connect_port's success) or the error wf_tls_connect_port would return. Once the
 * `timeout_ms` given to wf_tls_start has passed the step returns
 * WF_ETIMEDOUT. To give up half-way, call wf_tls_disconnect(t, 0): the
 * context is then ready for another handshake.
 */
int wf_tls_start(wf_tls_t *t, wf_net_t *net, int fd, const char *host, uint16_t port, uint32_t timeout_ms);
int wf_tls_handshake_step(wf_tls_t *t);

/** @brief True if the last wf_tls_connect resumed a kept session (no certificate was sent). */
bool wf_tls_resumed(const wf_tls_t *t);

/** @brief True if the last wf_tls_connect offered a kept session (the server may have declined). */
bool wf_tls_session_offered(const wf_tls_t *t);

/** @brief Zeroise and free every kept session (wf_tls_setup and wf_tls_free do it too). */
void wf_tls_forget_sessions(wf_tls_t *t);

/** @brief Session cache figures since wf_tls_setup. */
const struct wf_tls_session_stats *wf_tls_session_stats(const wf_tls_t *t);

/** @brief mbedTLS heap in use now, in bytes (kept sessions included). */
size_t wf_tls_heap_used(void);

/** @brief Send all of `buf`. Returns `len` or an error. */
int wf_tls_write(wf_tls_t *t, const void *buf, size_t len, uint32_t timeout_ms);

/**
 * @brief Receive up to `len` (> 0) bytes. Returns the count; 0 only when the
 * peer ended the session with a valid close_notify alert; WF_ETLS_TRUNCATED
 * when the TCP stream ended without one (an attacker on the path can cause
 * that: data may be missing); or another error. Empty application-data
 * records are skipped, never read as the end.
 */
int wf_tls_read(wf_tls_t *t, void *buf, size_t len, uint32_t timeout_ms);

/**
 * @brief wf_tls_write without waiting: sends up to `len` bytes (one record at
 * most). Returns the count, or WF_EAGAIN if the socket does not take the
 * record now: then the record is kept and the next call MUST pass the same
 * `buf` and `len` (mbedTLS's rule for a write that would block);
 * wf_tls_read_nowait may be called in between. Other errors as wf_tls_write.
 */
int wf_tls_write_nowait(wf_tls_t *t, const void *buf, size_t len);

/**
 * @brief wf_tls_read without waiting: returns the application data that has
 * already arrived (up to `len` > 0 bytes), WF_EAGAIN if none has (a partial
 * record stays buffered for the next read; post-handshake messages such as
 * TLS 1.3 session tickets are consumed), 0 after close_notify,
 * WF_ETLS_TRUNCATED at a bare TCP end, or another error. Lets a sender look
 * for an early response between pieces of a request body.
 */
int wf_tls_read_nowait(wf_tls_t *t, void *buf, size_t len);

/** @brief True if the last call that does not wait took bytes from the socket,
 *  even if it returned WF_EAGAIN (a record not complete yet, or the call's
 *  WF_TLS_NOWAIT_READ_MAX reached): progress, call again soon. */
bool wf_tls_nowait_progressed(const wf_tls_t *t);

/**
 * @brief Send close_notify (best effort, within `timeout_ms`; 0 = do not wait
 * to send it) and end the TLS session.
 */
void wf_tls_disconnect(wf_tls_t *t, uint32_t timeout_ms);

/**
 * @brief wf_tls_disconnect without waiting: sends close_notify if the socket
 * takes it now. Returns WF_EAGAIN while it does not (call again; or give up
 * with wf_tls_disconnect(t, 0)), else 0: the session is over, the context
 * ready for another handshake.
 */
int wf_tls_close_step(wf_tls_t *t);

/** @brief Release everything. Accepts a zeroed or initialised context. */
void wf_tls_free(wf_tls_t *t);

/**
 * @brief The server certificate summary (version, serial, issuer, subject,
 * validity, key) of the last handshake, one "name: value" per line; empty if
 * no certificate was received. Kept also when verification failed. After a
 * resumption (no certificate is sent) it is the summary of the handshake that
 * made the session, after a first line "session: resumed ...".
 */
const char *wf_tls_peer_summary(const wf_tls_t *t);

/** @brief "TLSv1.3" / "TLSv1.2" and the cipher suite name of the connection. */
const char *wf_tls_version_name(const wf_tls_t *t);
const char *wf_tls_ciphersuite_name(const wf_tls_t *t);

/** @brief False if the date checks were skipped (time unknown, accepted). */
bool wf_tls_dates_checked(const wf_tls_t *t);

#ifdef __cplusplus
}
#endif
#endif
