/**
 * @file fetch.h
 * @brief One call for users: URL -> DNS -> TCP connect -> TLS -> HTTP GET/HEAD
 * -> body delivered to a callback in pieces.
 *
 * The caller owns every context: the socket layer (a started chip), a TLS
 * context after wf_tls_setup (trust anchors loaded), and a wf_fetch_t work area
 * (URL, HTTP parser, I/O buffer; a few KiB: give it static storage on a
 * board). Nothing is allocated.
 *
 * The request: any method (a token: GET, HEAD, POST, PUT, PATCH, DELETE,
 * OPTIONS, ...), the caller's extra header fields (wf_http_header: one given
 * by the caller replaces the default of the same name, a NULL value removes
 * it; CR/LF or other control bytes are refused with WF_EINVAL before anything
 * is sent), and an optional body (struct wf_fetch_body): a buffer, or a read
 * callback with a known length (Content-Length) or an unknown one (chunked
 * transfer coding). The body is streamed: each piece read goes out (in TLS
 * records) before the next is read; nothing holds the whole body.
 *
 * Between pieces of the body the fetch looks, without waiting, for an early
 * response (e.g. 413 or 401 before the body is complete): once a final
 * status line has arrived it stops sending, and the response is delivered as
 * usual (interim 1xx responses do not stop the body). A send that fails
 * because the server answered and closed is reported as that response if one
 * arrived, else as the send error (step WF_STEP_REQUEST). The look happens
 * after each piece (at most WF_FETCH_IO_BUF bytes) and, while the connection
 * does not take a piece (a server that stopped reading), every 100 ms: a
 * server that answers and then neither reads nor closes does not block the
 * fetch.
 *
 * Redirects (301, 302, 303, 307, 308 with Location) are followed when asked,
 * up to `max_redirects`, and only to the protocols allowed (never from https
 * to plain http by default: WF_EHTTP_REDIR_PROTO); the heads of all
 * responses go to the status/header callbacks, only the final response's
 * body goes to `body`. As curl -L does: 303 continues as GET without the body
 * (HEAD stays HEAD), 301 and 302 turn POST into GET without the body, 307 and
 * 308 repeat the method and the body (a callback body is rewound with
 * `rewind`; without one that is WF_EHTTP_REWIND). The caller's header fields
 * are kept, except the credential fields `Authorization`,
 * `Proxy-Authorization` and `Cookie` (any case: wf_http_is_credential), which
 * are dropped for the rest of the fetch once a redirect leads to another
 * scheme, host or port (as curl does).
 *
 * A body without Content-Length or chunked coding ends with the connection:
 * over https it counts as complete only after the server's TLS close_notify
 * (else WF_ETLS_TRUNCATED, the body may have been cut by an attacker); over
 * plain http a TCP end cannot be told from a cut and is taken as the end.
 *
 * Connections: wf_fetch opens a connection for each request (redirects
 * included) and closes it at the end of the response; the request says
 * `Connection: close`. To send several requests over one connection, keep a
 * wf_session_t and call wf_fetch_session: the requests then leave
 * `Connection` out (HTTP/1.1 connections persist by default) and the
 * connection is kept after a response when all of these hold: the response
 * is HTTP/1.1, has no `Connection: close`, its body was delimited by
 * Content-Length or chunked coding (or it had none) and was read to its end,
 * nothing followed it, the whole request body was sent, and the caller's
 * header fields do not say `Connection: close`. A later request (or a
 * redirect) to the same scheme, host and port goes over the kept connection,
 * without a new DNS look-up (as curl's cache does); one to another origin
 * closes it first. Before a request on a kept connection, the socket is
 * looked at without waiting: if the server closed it while idle (TCP FIN or
 * RST, TLS close_notify) or sent bytes nobody asked for, it is closed and a
 * new connection is opened (counted in wf_session_t.reconnects). If it ends
 * after the request went out but before any response byte (the server's
 * idle time-out raced the request), the request is sent again, once, on a
 * new connection, when wf_fetch_may_retry allows it: by default (as curl and
 * browsers) an idempotent request, or any request none of whose body bytes
 * was sent (a POST without a body, or with Content-Length: 0, included);
 * with `retry_idempotent_only` (e.g. a device whose POST must never reach
 * the server twice) only an idempotent one.
 *
 * Without blocking: wf_fetch_start, then wf_fetch_poll from the caller's
 * main loop until it no longer returns WF_EAGAIN, or wf_fetch_abort (see
 * there). wf_fetch and wf_fetch_session are that loop with the port's
 * delay_ms(1) between idle polls: the same code.
 *
 * Errors are WF_E* codes; `result->step` says in which step it happened (the
 * same code means different things in different steps, e.g. WF_ECONNRESET
 * while connecting vs while receiving the body).
 */
#ifndef WIZFETCH_FETCH_H
#define WIZFETCH_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wizfetch/dns.h"
#include "wizfetch/http.h"
#include "wizfetch/socket.h"
#include "wizfetch/tls.h"
#include "wizfetch/url.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Host overrides (like curl's --resolve). */
#ifndef WF_FETCH_MAX_RESOLVE
#define WF_FETCH_MAX_RESOLVE 4
#endif

/** I/O buffer: holds the request head (which must fit: else WF_ENOMEM before
 *  anything is sent), then each piece of a callback body, then each piece
 *  read from the connection. */
#ifndef WF_FETCH_IO_BUF
#define WF_FETCH_IO_BUF (WF_URL_MAX_PATH + WF_URL_MAX_HOST + 256)
#endif

/** Buffer for what arrives while the body is being sent (an early or
 *  interim response), separate from the I/O buffer, which then may hold body
 *  bytes not yet sent. Everything read into it goes to the response parser
 *  at once; a longer response is read in several pieces. */
#ifndef WF_FETCH_EARLY_BUF
#define WF_FETCH_EARLY_BUF 64
#endif

/** Longest wait for the closing of a connection (close_notify, TCP close), ms;
 * never longer than what is left of total_timeout_ms. */
#ifndef WF_FETCH_CLOSE_GRACE_MS
#define WF_FETCH_CLOSE_GRACE_MS 1000
#endif

/**
 * Transfers at once on one wf_net_t (wf_fetch_multi_t, fetch_multi.h; the
 * caller may also poll several wf_fetch_t itself). Each transfer has its own
 * wf_fetch_t and, for https, its own wf_tls_t (an mbedTLS context of its own:
 * DRBG, handshake, session cache; they share the heap pool, the trust-anchor
 * store given to each, and the port's entropy source). A transfer holds at
 * most one hardware socket at a time (its DNS query's UDP socket, then its
 * connection), so the chip bounds the number: a W5100 has 4 sockets, a
 * W5500 8 (less what the application holds for itself: SNTP, DHCP, a
 * listening socket). A fetch that finds no free socket ends at once with
 * WF_EMFILE (step WF_STEP_RESOLVE for its DNS query, WF_STEP_CONNECT for its
 * connection); it never waits for one. wf_fetch_multi_add refuses more than
 * min(WF_FETCH_MAX_TRANSFERS, the chip's sockets) with WF_EMFILE before
 * anything starts. Default: WF_CHIP_MAX_SOCKETS (8, the W5500's count; a
 * board's wizfetch_config.h may lower it: each slot of wf_fetch_multi_t is
 * a pointer). https transfers at once also need mbedTLS's PSA key slots for
 * that many contexts: WF_TLS_CONTEXTS (src/tls/wf_mbedtls_config.h; the
 * host's builds 8, the board's 1).
 */
#ifndef WF_FETCH_MAX_TRANSFERS
#define WF_FETCH_MAX_TRANSFERS WF_CHIP_MAX_SOCKETS
#endif
#if WF_FETCH_MAX_TRANSFERS < 1 || WF_FETCH_MAX_TRANSFERS > 255
#error "WF_FETCH_MAX_TRANSFERS must be 1..255"
#endif

/** Steps of a fetch, for error reporting and timings. */
enum wf_fetch_step {
    WF_STEP_URL,
    WF_STEP_RESOLVE,
    WF_STEP_CONNECT,
    WF_STEP_TLS,
    WF_STEP_REQUEST,
    WF_STEP_RESPONSE,
    WF_STEP_COUNT
};

/** Protocol bits for wf_fetch_options.redirect_protocols. */
enum wf_fetch_protocol {
    WF_PROTO_HTTP = 1u << 0,
    WF_PROTO_HTTPS = 1u << 1,
    WF_PROTO_NONE = 1u << 15, /**< an explicit empty set: no redirect target is allowed */
};

/** A fixed address for host:port (skips DNS). */
struct wf_fetch_resolve {
    char host[WF_URL_MAX_HOST + 1];
    uint16_t port;
    uint8_t ip[4];
};

/** wf_fetch_body.length of a callback body whose length is not known: sent chunked. */
#define WF_FETCH_LENGTH_UNKNOWN UINT64_MAX

/**
 * A request body. No body: all members zero (data and read NULL). A buffer:
 * `data` and `len` (len 0 sends an empty body with Content-Length: 0). A
 * callback: `read`, `ctx`, `length`, optionally `rewind` (if both `read` and
 * `data` are set, `read` is used). Everything is
 * caller-owned and must stay valid during wf_fetch.
 */
struct wf_fetch_body {
    const uint8_t *data; /**< buffer body, `len` bytes */
    size_t len;
    /** Callback body: fill up to `cap` (>= 1) bytes of `buf`; return the
     *  count (>= 1), 0 at the end, or a negative WF_E* code (e.g. WF_EREAD) to
     *  stop the fetch with it. With a known `length` it is asked for exactly
     *  that many bytes (an early 0 is WF_EREAD); it is not asked for more. */
    int (*read)(void *ctx, uint8_t *buf, size_t cap);
    /** Start the body again from its first byte (for 307/308 redirects);
     *  0 or a negative WF_E* code. NULL: a 307/308 is WF_EHTTP_REWIND. */
    int (*rewind)(void *ctx);
    void *ctx;
    uint64_t length; /**< callback body: total bytes, or WF_FETCH_LENGTH_UNKNOWN (chunked) */
};

struct wf_fetch_options {
    const char *url;
    bool head;                            /**< HEAD instead of GET (when `method` is NULL) */
    const char *method;                   /**< request method, a token; NULL: GET (or HEAD with `head`) */
    const struct wf_http_header *headers; /**< extra request header fields (caller-owned) */
    size_t header_count;
    struct wf_fetch_body body; /**< request body (zeroed: none) */
    bool follow_redirects;
    unsigned max_redirects;      /**< when following; more is WF_EHTTP_REDIRECTS */
    bool fail_on_http_error;     /**< status >= 400: stop after the head, WF_EHTTP_STATUS */
    uint32_t connect_timeout_ms; /**< TCP connect + TLS handshake, per connection */
    uint32_t total_timeout_ms;   /**< the whole fetch, redirects and the closing included; 0 = none */
    struct wf_dns_config dns;
    struct wf_fetch_resolve resolve[WF_FETCH_MAX_RESOLVE];
    size_t resolve_count;
    const char *user_agent; /**< NULL: WF_HTTP_USER_AGENT */
    /** Protocols a redirect may lead to (WF_PROTO_* bits). 0 = the safe
     *  default: https always, http only if the fetch started on http, so an
     *  https fetch never ends on plain http unless the caller allows it. */
    unsigned redirect_protocols;
    /** Ask for a byte range only: a default `Range: bytes=...` field (a
     *  caller's own Range field replaces it); invalid is WF_EINVAL before
     *  anything is sent. NULL: the whole representation. Caller-owned. */
    const struct wf_http_range *range;
    /** With `range` (resuming a download): the final response must be a 206
     *  whose Content-Range starts at range->first (range->suffix: any start);
     *  another 2xx (a server that ignores ranges) or a 206 elsewhere ends the
     *  fetch with WF_EHTTP_RANGE after its head, before any body byte (curl
     *  -C's "server doesn't seem to support byte ranges"), except a 200 whose
     *  Content-Length equals range->first: the caller already has it all
     *  (result.range_complete; that body is read but not delivered). A 416
     *  (range not satisfiable) is delivered as any response (as curl, an
     *  error with fail_on_http_error). */
    bool range_required;
    /** A request on a kept connection that ended before any response byte is
     *  sent again only if its method is idempotent (GET, HEAD, PUT, DELETE,
     *  OPTIONS, TRACE). false (the default): also a request with another
     *  method none of whose body bytes was sent. See wf_fetch_may_retry. */
    bool retry_idempotent_only;
};

struct wf_session;

/** What the caller wants to hear about. Every member may be NULL. */
struct wf_fetch_callbacks {
    void *ctx;
    /** A step started or ended (verbose output): one line, no newline. */
    void (*log)(void *ctx, const char *line);
    /** The request head about to be sent (each request, redirects included):
     *  `len` bytes, CRLF line ends, ending with the empty line; valid only
     *  during the call. For verbose output (curl -v's "> " lines). */
    void (*request)(void *ctx, const char *head, size_t len);
    /** A step starts (for phase markers and timing); called once per step and connection. */
    void (*step)(void *ctx, enum wf_fetch_step step);
    /** A connection is ready for a request: a new one (after the handshake)
     *  or a kept one (`reused`). `s` describes it (host, ip, port, id); valid
     *  only during the call. For verbose output (curl -v's "Connected to" and
     *  "Re-using existing connection" lines). */
    void (*connection)(void *ctx, const struct wf_session *s, bool reused);
    /** The server certificate summary (also when verification failed). */
    void (*certificate)(void *ctx, const char *summary);
    /** Status line and headers of each response, as wf_http_callbacks. */
    int (*status)(void *ctx, int code, const char *reason);
    int (*header)(void *ctx, const char *name, const char *value);
    int (*headers_done)(void *ctx);
    /** Body of the final response, in pieces. Return WF_EWRITE to stop. */
    int (*body)(void *ctx, const uint8_t *data, size_t len);
};

struct wf_fetch_result {
    enum wf_fetch_step step;         /**< where it failed (or the last step on success) */
    int http_status;                 /**< final status code, 0 if none */
    uint64_t body_bytes;             /**< body bytes delivered */
    unsigned redirects;              /**< redirects followed */
    uint32_t step_ms[WF_STEP_COUNT]; /**< time spent per step, summed over redirects */
    uint8_t ip[4];                   /**< address of the last connection */
    bool reused_connection;          /**< the last request went over a kept connection */
    bool retried;                    /**< a request was sent again after a kept connection ended */
    bool tls_resumed; /**< the last https connection opened resumed a kept TLS session (wf_tls_resumed) */
    bool partial;     /**< the final response is a 206 with a valid Content-Range (`content_range`) */
    /** The final response's Content-Range (206, or a 416's unsatisfied form),
     *  when `has_content_range`. */
    struct wf_http_content_range content_range;
    bool has_content_range;
    bool range_complete; /**< range_required and the server's whole representation is range->first bytes */
};

/**
 * A connection that outlives one fetch (keep-alive), for wf_fetch_session.
 * Caller-owned (about 300 bytes), set up by wf_session_init, ended by
 * wf_session_close. It uses the caller's wf_net_t (one hardware socket while
 * a connection is kept) and wf_tls_t (the TLS session of an https connection
 * stays up in it: do not use that wf_tls_t for anything else while the
 * session holds an https connection). Fields are read-only for the caller.
 */
typedef struct wf_session {
    wf_net_t *net;
    wf_tls_t *tls;
    bool open;                      /**< a connection is kept (fd is valid) */
    bool https;                     /**< the connection carries TLS */
    char host[WF_URL_MAX_HOST + 1]; /**< its host (as in the URL, lower case) */
    uint16_t port;
    uint8_t ip[4];
    int fd;                  /**< its socket, -1 when none */
    unsigned id;             /**< number of the current connection, from 0 (curl's "#N") */
    unsigned connections;    /**< connections opened since wf_session_init */
    unsigned requests;       /**< requests sent on the current connection */
    unsigned reconnects;     /**< kept connections found closed by the server (idle or mid-request) */
    unsigned retries;        /**< requests sent again on a new connection after that */
    uint8_t closing;         /**< internal: phase of the connection's closing */
    uint32_t close_until;    /**< internal: port clock, end of the closing's current part */
    uint32_t close_deadline; /**< internal: port clock, end of the whole closing */
    uint32_t close_grace;    /**< internal: longest time of one part of the closing, ms */
} wf_session_t;

/** Work area of a fetch (caller-owned). Fields are internal. */
typedef struct wf_fetch {
    wf_net_t *net;
    wf_tls_t *tls;
    const struct wf_fetch_options *options;
    const struct wf_fetch_callbacks *cb;
    struct wf_fetch_result *result;
    struct wf_url url;
    /** Used one at a time: the look-up of a connection, a redirect's target. */
    union {
        struct {
            struct wf_dns_query query;
            struct wf_dns_config config; /**< the caller's, bounded by what is left of the fetch */
        } dns;
        struct wf_url next;
    } scratch;
    wf_http_parser_t parser;
    bool final_response;   /**< this response's body goes to the caller */
    bool stop_after_head;  /**< --fail on an error status */
    bool started_https;    /**< the first URL was https (redirect policy) */
    const char *method;    /**< of the current request (redirects may change it) */
    bool send_body;        /**< the current request carries the body */
    bool drop_credentials; /**< a redirect left the first origin: no credential fields */
    bool body_started;     /**< a callback body was read from (a repeat needs rewind) */
    bool early_end;        /**< the connection ended (end_rc) while the body was sent */
    int end_rc;            /**< what the receive returned then */
    uint32_t deadline;     /**< port clock: end of the whole fetch */
    wf_session_t *session; /**< the connection in use (wf_fetch: one of its own) */
    bool keep_alive;       /**< connections may be kept (wf_fetch_session) */
    bool request_close;    /**< the caller's fields say Connection: close */
    bool body_sent;        /**< a byte of the request body was handed to the connection */
    bool body_cut;         /**< the server answered before the whole body was sent */
    bool trailing;         /**< bytes followed the response */
    int fd;
    /* The state machine (wf_fetch_start, wf_fetch_poll). */
    uint8_t state;        /**< where the fetch is (fetch.c) */
    uint8_t after_close;  /**< the state after the connection's closing */
    uint8_t timed;        /**< the step being timed (enum wf_fetch_step) */
    bool reuse;           /**< this exchange goes over the kept connection */
    bool progressed;      /**< the last wf_fetch_poll moved the fetch on */
    bool out_more;        /**< more of the body follows the piece in `out` */
    bool body_done;       /**< the last piece of a chunked body is in `out` */
    int rc;               /**< the exchange's result; the fetch's once over */
    int send_error;       /**< sending failed: what the server answered decides */
    uint32_t step_t0;     /**< port clock: start of the timed step */
    uint32_t op_deadline; /**< port clock: end of the TCP connect */
    uint8_t ip[1][4];     /**< the address being connected to */
    const uint8_t *out;   /**< what is being sent: request head or body piece */
    size_t out_len;       /**< bytes of it not sent yet */
    uint64_t body_pos;    /**< buffer body: bytes taken; callback body of known length: bytes left */
    wf_session_t own;     /**< the connection of wf_fetch_start (one per request) */
    uint8_t io[WF_FETCH_IO_BUF];
    uint8_t early[WF_FETCH_EARLY_BUF]; /**< what arrives while the body is sent (peek_response) */
} wf_fetch_t;

/** @brief Default options: GET, no redirects, 30 s connect, 300 s total, 5 redirects max. */
void wf_fetch_options_default(struct wf_fetch_options *o);

/**
 * @brief Fetch `options->url`. Returns 0 when the final response was received
 * completely (whatever its status, unless fail_on_http_error), or a WF_E* code.
 * `tls` may be NULL if only http:// URLs are used.
 */
int wf_fetch(wf_fetch_t *f, wf_net_t *net, wf_tls_t *tls, const struct wf_fetch_options *options,
             const struct wf_fetch_callbacks *cb, struct wf_fetch_result *result);

/**
 * @brief Start a fetch that the caller drives with wf_fetch_poll (for a main
 * loop that must not stop for the network). Same arguments as wf_fetch; they
 * (options, callbacks, result, the body and the strings they point to) and
 * `f`, `net` and `tls` are the caller's and must stay valid and unchanged
 * until the fetch is over (wf_fetch_poll returned something other than
 * WF_EAGAIN) or aborted. Checks the URL and writes the request head (nothing
 * is sent yet): returns 0, or the error wf_fetch would return (then the
 * fetch is over; wf_fetch_poll returns that error again). Never waits.
 */
int wf_fetch_start(wf_fetch_t *f, wf_net_t *net, wf_tls_t *tls, const struct wf_fetch_options *options,
                   const struct wf_fetch_callbacks *cb, struct wf_fetch_result *result);

/**
 * @brief Move the fetch on as far as it can go without waiting: returns
 * WF_EAGAIN while it is in progress (call again: at once, or after other
 * work of the main loop; wf_net_t and wf_tls_t must not be used for anything
 * else meanwhile, except other sockets of `net`), else the final result,
 * exactly what wf_fetch returns (0 or a WF_E* code; `result` is complete).
 * After the end it returns the same result again. WF_EINVAL if no fetch was
 * started (or it was aborted).
 *
 * A poll never waits for the network: each part of the fetch is a state
 * (resolve, TCP connect, each step of the TLS handshake, sending the head,
 * each piece of the body, reading the response, close_notify and the TCP
 * close, the look at a kept connection), and a poll does at most a few
 * steps that can be done at once (sending what the chip takes, reading
 * what has arrived, one handshake step of mbedTLS). The long steps left: a
 * public-key operation inside the handshake (about 0.3 s of CPU on the
 * board), and the send of a DNS query (the chip's ARP for the DNS server,
 * bounded by its retry timers; the answer itself is not waited for). Callbacks (log, status,
 * header, body, the body source) are called from within wf_fetch_poll.
 *
 * Time: the deadlines (total_timeout_ms, connect_timeout_ms per connection)
 * run on the port's clock whether or not the fetch is polled: a poll after
 * the deadline passed returns WF_ETIMEDOUT (after closing the connection,
 * which then gets no time). A body source (wf_fetch_body.read) may return
 * WF_EAGAIN: nothing yet, the fetch asks again on a later poll.
 */
int wf_fetch_poll(wf_fetch_t *f);

/**
 * @brief Give up the fetch in whatever state it is: its connection is closed
 * at once (no close_notify is waited for: a TLS session is ended, the
 * wf_tls_t is ready for another handshake; the hardware socket is free;
 * with wf_fetch_session_start, the session keeps no connection). `result`
 * keeps what had happened so far. Harmless on a fetch that is over or was
 * never started. wf_fetch_poll then returns WF_EINVAL.
 */
void wf_fetch_abort(wf_fetch_t *f);

/** @brief Prepare a session on `net` and `tls` (`tls` may be NULL for
 *  http:// only). No connection is opened yet. Cannot fail. */
void wf_session_init(wf_session_t *s, wf_net_t *net, wf_tls_t *tls);

/**
 * @brief wf_fetch over the session's kept connection when it goes to the same
 * scheme, host and port (else over a new one, which the session keeps if the
 * response allows it; see the file comment). Same options, callbacks, result
 * and return codes as wf_fetch; `total_timeout_ms` bounds this fetch only.
 * A connection that fails is closed; the session stays usable.
 */
int wf_fetch_session(wf_fetch_t *f, wf_session_t *s, const struct wf_fetch_options *options,
                     const struct wf_fetch_callbacks *cb, struct wf_fetch_result *result);

/** @brief wf_fetch_start for wf_fetch_session: the fetch goes over the session's connection. */
int wf_fetch_session_start(wf_fetch_t *f, wf_session_t *s, const struct wf_fetch_options *options,
                           const struct wf_fetch_callbacks *cb, struct wf_fetch_result *result);

/**
 * @brief Close the kept connection, if any (TLS close_notify, then the TCP
 * close, each within `timeout_ms`; 0 closes at once). The session may be used
 * again.
 */
void wf_session_close(wf_session_t *s, uint32_t timeout_ms);

/**
 * @brief The retry rule for a kept connection that ended (FIN, RST, TLS
 * close_notify or a bare TCP end) after the request went out: may the
 * request be sent again, once, on a new connection? Only if no response byte
 * arrived and either `method` is idempotent (GET, HEAD, PUT, DELETE, OPTIONS,
 * TRACE: RFC 9110 9.2.2) or, unless `idempotent_only`, no byte of the
 * request body was sent (the rule browsers and curl use; a request without a
 * body, or with an empty one, has sent none). `idempotent_only` is
 * wf_fetch_options.retry_idempotent_only. A connection that was new for this
 * request is never retried (the caller checks that).
 */
bool wf_fetch_may_retry(const char *method, bool body_bytes_sent, bool response_bytes_seen,
                        bool idempotent_only);

/** @brief The URL of the last request of the last fetch made with `f`
 *  (after redirects: curl's "effective URL"). Valid until `f` is used again. */
const struct wf_url *wf_fetch_url(const wf_fetch_t *f);

/** @brief Did the last wf_fetch_poll of `f` move the fetch on (send,
 *  receive, a handshake step, a state change)? false: it only found nothing
 *  to do, so a main loop with nothing else to do may sleep a little (e.g. 1
 *  ms) before the next poll. */
bool wf_fetch_progressed(const wf_fetch_t *f);

/** @brief "url", "resolve", "connect", "tls", "request", "response". */
const char *wf_fetch_step_name(enum wf_fetch_step step);

#ifdef __cplusplus
}
#endif
#endif
