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
 * are kept, except `Authorization`, which is dropped for the rest of the
 * fetch once a redirect leads to another scheme, host or port.
 *
 * A body without Content-Length or chunked coding ends with the connection:
 * over https it counts as complete only after the server's TLS close_notify
 * (else WF_ETLS_TRUNCATED, the body may have been cut by an attacker); over
 * plain http a TCP end cannot be told from a cut and is taken as the end.
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

/** Longest wait for the closing of a connection (close_notify, TCP close), ms;
 * never longer than what is left of total_timeout_ms. */
#ifndef WF_FETCH_CLOSE_GRACE_MS
#define WF_FETCH_CLOSE_GRACE_MS 1000
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
};

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
};

/** Work area of a fetch (caller-owned). Fields are internal. */
typedef struct wf_fetch {
    wf_net_t *net;
    wf_tls_t *tls;
    const struct wf_fetch_options *options;
    const struct wf_fetch_callbacks *cb;
    struct wf_fetch_result *result;
    struct wf_url url;
    struct wf_url next;
    wf_http_parser_t parser;
    bool final_response;  /**< this response's body goes to the caller */
    bool stop_after_head; /**< --fail on an error status */
    bool started_https;   /**< the first URL was https (redirect policy) */
    const char *method;   /**< of the current request (redirects may change it) */
    bool send_body;       /**< the current request carries the body */
    bool drop_auth;       /**< a redirect left the first origin: no Authorization */
    bool body_started;    /**< a callback body was read from (a repeat needs rewind) */
    bool early_end;       /**< the connection ended (end_rc) while the body was sent */
    int end_rc;           /**< what the receive returned then */
    uint32_t deadline;    /**< port clock: end of the whole fetch */
    int fd;
    uint8_t io[WF_FETCH_IO_BUF];
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

/** @brief "url", "resolve", "connect", "tls", "request", "response". */
const char *wf_fetch_step_name(enum wf_fetch_step step);

#ifdef __cplusplus
}
#endif
#endif
