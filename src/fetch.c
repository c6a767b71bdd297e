/*
 * The fetch: each layer hands the next one bytes, in the order of the data path
 * in docs/architecture.md. Policy lives here (deadlines, redirects, --fail); mechanisms live
 * in the layers.
 */
#include "wizfetch/fetch.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wizfetch/error.h"

static const char *const step_names[WF_STEP_COUNT] = {
    [WF_STEP_URL] = "url", [WF_STEP_RESOLVE] = "resolve", [WF_STEP_CONNECT] = "connect",
    [WF_STEP_TLS] = "tls", [WF_STEP_REQUEST] = "request", [WF_STEP_RESPONSE] = "response",
};

const char *wf_fetch_step_name(enum wf_fetch_step step)
{
    return step < WF_STEP_COUNT ? step_names[step] : "?";
}

void wf_fetch_options_default(struct wf_fetch_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_redirects = 5;
    o->connect_timeout_ms = 30000;
    o->total_timeout_ms = 300000;
    wf_dns_config_default(&o->dns);
}

/* ---- small helpers --------------------------------------------------------- */

static uint32_t now_ms(const wf_fetch_t *f)
{
    return wf_port_millis(f->net->chip->port);
}

static uint32_t remaining_ms(const wf_fetch_t *f)
{
    int32_t left = (int32_t)(f->deadline - now_ms(f));
    return left > 0 ? (uint32_t)left : 0;
}

static uint32_t cap_ms(const wf_fetch_t *f, uint32_t limit)
{
    uint32_t left = remaining_ms(f);
    return limit != 0 && limit < left ? limit : left;
}

static void logf_line(const wf_fetch_t *f, const char *fmt, ...)
{
    if (f->cb->log != NULL) {
        char line[WF_URL_MAX_HOST + 96];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        f->cb->log(f->cb->ctx, line);
    }
}

/* Run one step: record its time and, on failure, which step it was. */
#define STEP(f, which, expr)                                                                                 \
    do {                                                                                                     \
        uint32_t t0_ = now_ms(f);                                                                            \
        (f)->result->step = (which);                                                                         \
        if ((f)->cb->step != NULL) {                                                                         \
            (f)->cb->step((f)->cb->ctx, (which));                                                            \
        }                                                                                                    \
        int rc_ = (expr);                                                                                    \
        (f)->result->step_ms[(which)] += now_ms(f) - t0_;                                                    \
        if (rc_ < 0) {                                                                                       \
            return rc_;                                                                                      \
        }                                                                                                    \
    } while (0)

/* ---- the steps --------------------------------------------------------------- */

static int resolve_host(wf_fetch_t *f, uint8_t ip[4])
{
    const struct wf_url *u = &f->url;
    if (u->host_is_ipv4) {
        memcpy(ip, u->ipv4, 4);
        return 0;
    }
    const struct wf_fetch_options *o = f->options;
    for (size_t i = 0; i < o->resolve_count; i++) {
        if (o->resolve[i].port == u->port && strcmp(o->resolve[i].host, u->host) == 0) {
            memcpy(ip, o->resolve[i].ip, 4);
            logf_line(f, "resolve: %s from --resolve", u->host);
            return 0;
        }
    }
    /* Every server and attempt together within what is left of the fetch:
     * WF_ETIMEDOUT when that runs out. */
    struct wf_dns_config dns = o->dns;
    dns.total_ms = cap_ms(f, dns.total_ms);
    if (dns.total_ms == 0) {
        return WF_ETIMEDOUT;
    }
    uint8_t addrs[1][4];
    int n = wf_dns_resolve(f->net, &dns, u->host, addrs, 1);
    if (n < 0) {
        return n;
    }
    memcpy(ip, addrs[0], 4);
    return 0;
}

static int connect_tcp(wf_fetch_t *f, const uint8_t ip[4])
{
    int fd = wf_net_socket(f->net, WF_SOCK_STREAM);
    if (fd < 0) {
        return fd;
    }
    f->fd = fd;
    f->session->fd = fd; /* closed with the session's connection, whatever happens next */
    uint32_t limit = cap_ms(f, f->options->connect_timeout_ms);
    if (limit == 0) {
        return WF_ETIMEDOUT;
    }
    wf_net_set_timeout(f->net, fd, limit);
    wf_sockaddr_t addr = {{ip[0], ip[1], ip[2], ip[3]}, f->url.port};
    return wf_net_connect(f->net, fd, &addr);
}

static int handshake(wf_fetch_t *f)
{
    if (f->tls == NULL) {
        return WF_EURL_SCHEME;
    }
    uint32_t limit = cap_ms(f, f->options->connect_timeout_ms);
    int rc = limit == 0 ? WF_ETIMEDOUT
                        : wf_tls_connect_port(f->tls, f->net, f->fd, f->url.host, f->url.port, limit);
    const char *summary = wf_tls_peer_summary(f->tls);
    if (summary[0] != '\0' && f->cb->certificate != NULL) {
        f->cb->certificate(f->cb->ctx, summary);
    }
    if (rc == 0) {
        f->result->tls_resumed = wf_tls_resumed(f->tls);
        logf_line(f, "tls: %s, %s%s", wf_tls_version_name(f->tls), wf_tls_ciphersuite_name(f->tls),
                  f->result->tls_resumed ? ", session resumed" : "");
    }
    return rc;
}

static int send_all(wf_fetch_t *f, const void *data, size_t len)
{
    uint32_t limit = remaining_ms(f);
    if (limit == 0) {
        return WF_ETIMEDOUT;
    }
    if (f->url.https) {
        return wf_tls_write(f->tls, data, len, limit);
    }
    wf_net_set_timeout(f->net, f->fd, limit);
    return wf_net_send(f->net, f->fd, data, len);
}

static int receive_some(wf_fetch_t *f)
{
    uint32_t limit = remaining_ms(f);
    if (limit == 0) {
        return WF_ETIMEDOUT;
    }
    if (f->url.https) {
        return wf_tls_read(f->tls, f->io, sizeof f->io, limit);
    }
    wf_net_set_timeout(f->net, f->fd, limit);
    return wf_net_recv(f->net, f->fd, f->io, sizeof f->io);
}

static bool is_head(const wf_fetch_t *f)
{
    return strcmp(f->method, "HEAD") == 0;
}

static bool has_body(const struct wf_fetch_body *b)
{
    return b->data != NULL || b->read != NULL;
}

/* Has the server answered while the body is still being sent? Takes what has
 * arrived without waiting and feeds it to the parser. Returns 1 once the final
 * response's status line is in (or the connection ended): stop sending; 0 to
 * go on (nothing yet, or only an interim 1xx response); or an error. It reads
 * into f->early, never f->io: f->io may hold body bytes not yet sent. */
static int peek_response(wf_fetch_t *f)
{
    for (;;) {
        int n;
        if (f->url.https) {
            n = wf_tls_read_nowait(f->tls, f->early, sizeof f->early);
        } else {
            wf_net_set_timeout(f->net, f->fd, 0);
            n = wf_net_recv(f->net, f->fd, f->early, sizeof f->early);
        }
        if (n == WF_EAGAIN) {
            return 0;
        }
        if (n <= 0 && wf_http_parser_status(&f->parser) == 0) {
            /* Closed (or reset) before any answer: the body cannot be sent. */
            return n < 0 && n != WF_ETLS_TRUNCATED ? n : WF_EPIPE;
        }
        if (n <= 0) {
            f->early_end = true; /* read_response takes it from here */
            f->end_rc = n;
            return 1;
        }
        int used = wf_http_parser_feed(&f->parser, f->early, (size_t)n);
        if (used < 0) {
            return used;
        }
        f->trailing |= (size_t)used < (size_t)n;
        if (wf_http_parser_status(&f->parser) != 0) {
            return 1;
        }
    }
}

/* While a piece of the body waits for room: how long one wait lasts before
 * the fetch looks for a response (a server that answered and stopped reading). */
#define BODY_SLICE_MS 100u

/* Send one piece of the body. While the connection does not take it, look
 * for an early response every BODY_SLICE_MS; after it, if more is to come,
 * look once. 0 = sent, 1 = the server answered (stop), or an error. */
static int send_piece(wf_fetch_t *f, const void *data, size_t len, bool more)
{
    const uint8_t *p = data;
    while (len > 0) {
        uint32_t limit = remaining_ms(f);
        if (limit == 0) {
            return WF_ETIMEDOUT;
        }
        uint32_t slice = limit < BODY_SLICE_MS ? limit : BODY_SLICE_MS;
        int n;
        if (f->url.https) {
            n = wf_tls_write_some(f->tls, p, len, slice);
        } else {
            wf_net_set_timeout(f->net, f->fd, slice);
            n = wf_net_send(f->net, f->fd, p, len);
        }
        if (n == WF_EAGAIN || (n == WF_ETIMEDOUT && !f->url.https)) {
            int rc = peek_response(f); /* blocked: has the server answered? */
            if (rc != 0) {
                return rc;
            }
            continue;
        }
        if (n < 0) {
            return n;
        }
        f->body_sent = true;
        p += n;
        len -= (size_t)n;
    }
    return more ? peek_response(f) : 0;
}

static int send_buffer_body(wf_fetch_t *f, const struct wf_fetch_body *b)
{
    for (size_t off = 0; off < b->len;) {
        size_t n = b->len - off < sizeof f->io ? b->len - off : sizeof f->io;
        int rc = send_piece(f, b->data + off, n, off + n < b->len);
        if (rc != 0) {
            return rc;
        }
        off += n;
    }
    return 0;
}

static int read_body(wf_fetch_t *f, const struct wf_fetch_body *b, uint8_t *buf, size_t cap)
{
    f->body_started = true;
    int n = b->read(b->ctx, buf, cap);
    if (n > (int)cap) {
        return WF_EREAD; /* the callback claims more than it was given room for */
    }
    return n;
}

static int send_length_body(wf_fetch_t *f, const struct wf_fetch_body *b)
{
    for (uint64_t left = b->length; left > 0;) {
        size_t cap = left < sizeof f->io ? (size_t)left : sizeof f->io;
        int n = read_body(f, b, f->io, cap);
        if (n <= 0) {
            if (n == 0) {
                logf_line(f, "request: the body source ended %llu bytes before its announced length",
                          (unsigned long long)left);
            }
            return n < 0 ? n : WF_EREAD;
        }
        left -= (uint64_t)n;
        int rc = send_piece(f, f->io, (size_t)n, left > 0);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int send_chunked_body(wf_fetch_t *f, const struct wf_fetch_body *b)
{
    const size_t room = sizeof f->io - WF_HTTP_CHUNK_PREFIX - WF_HTTP_CHUNK_SUFFIX;
    for (;;) {
        int n = read_body(f, b, f->io + WF_HTTP_CHUNK_PREFIX, room);
        if (n < 0) {
            return n;
        }
        if (n == 0) {
            return send_piece(f, WF_HTTP_CHUNK_LAST, sizeof WF_HTTP_CHUNK_LAST - 1, false);
        }
        size_t start;
        size_t len = wf_http_chunk_frame(f->io, (size_t)n, &start);
        int rc = send_piece(f, f->io + start, len, true);
        if (rc != 0) {
            return rc;
        }
    }
}

/* Format the request head into the I/O buffer (free until the response
 * arrives). Returns its length or WF_ENOMEM / WF_EINVAL, with a log line. */
static int write_head(wf_fetch_t *f)
{
    const struct wf_fetch_options *o = f->options;
    const struct wf_fetch_body *b = &o->body;
    struct wf_http_request_head h = {
        .method = f->method,
        .url = &f->url,
        .user_agent = o->user_agent,
        .headers = o->headers,
        .header_count = o->header_count,
        .framing = WF_HTTP_NO_BODY,
        .drop_credentials = f->drop_credentials,
        .drop_body_fields = !f->send_body && has_body(b),
        .keep_alive = f->keep_alive,
        .range = o->range,
    };
    if (f->send_body) {
        bool known = b->read == NULL || b->length != WF_FETCH_LENGTH_UNKNOWN;
        h.framing = known ? WF_HTTP_LENGTH : WF_HTTP_CHUNKED;
        h.content_length = b->read == NULL ? b->len : b->length;
    }
    int n = wf_http_request_head_write((char *)f->io, sizeof f->io, &h);
    if (n == WF_ENOMEM) {
        logf_line(f, "request: the request head does not fit in the %u-byte I/O buffer (WF_FETCH_IO_BUF)",
                  (unsigned)sizeof f->io);
    } else if (n == WF_EINVAL) {
        logf_line(f, "request: refused: a method or header field that is not allowed (control bytes, not a "
                     "token, or a Content-Length/Transfer-Encoding field)");
    }
    return n;
}

/* Send the request head and the body. Returns 0 when all was sent, 1 when
 * the server answered before the body was complete (sending stopped), or an
 * error. */
static int send_request(wf_fetch_t *f)
{
    const struct wf_fetch_body *b = &f->options->body;
    int n = write_head(f);
    if (n < 0) {
        return n;
    }
    const char *request = (const char *)f->io;
    if (f->cb->request != NULL) {
        f->cb->request(f->cb->ctx, request, (size_t)n);
    }
    int rc = send_all(f, request, (size_t)n);
    if (rc < 0 || !f->send_body) {
        return rc < 0 ? rc : 0;
    }
    if (b->read == NULL) {
        return send_buffer_body(f, b);
    }
    return b->length == WF_FETCH_LENGTH_UNKNOWN ? send_chunked_body(f, b) : send_length_body(f, b);
}

static bool is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* ---- HTTP callbacks: pass through, deciding per response what goes out ----- */

/* Content-Range of the final response (range requests). */
static void note_content_range(wf_fetch_t *f, const char *name, const char *value)
{
    static const char field[] = "Content-Range";
    if (!f->final_response || !wf_http_field_has_token(name, field)) {
        return;
    }
    f->result->has_content_range = wf_http_content_range_parse(value, &f->result->content_range) == 0;
    f->result->partial = f->result->has_content_range && f->result->http_status == 206 &&
                         !f->result->content_range.unsatisfied;
}

/* range_required: the final response must continue where the caller's data
 * ends (a 206 from range->first); 416 means there is nothing left. */
static int check_resume(wf_fetch_t *f)
{
    const struct wf_fetch_options *o = f->options;
    const struct wf_fetch_result *r = f->result;
    if (!f->final_response || o->range == NULL || !o->range_required || r->http_status < 200 ||
        r->http_status >= 300) {
        return 0;
    }
    if (r->partial && (o->range->suffix || r->content_range.first == o->range->first)) {
        return 0;
    }
    uint64_t length;
    if (!r->partial && r->http_status == 200 && !o->range->suffix &&
        wf_http_parser_content_length(&f->parser, &length) && length == o->range->first) {
        /* The whole representation, exactly as long as what the caller has:
         * nothing is missing (curl: "the entire document is already downloaded"). */
        logf_line(f, "range: the server sent the whole %llu bytes: nothing left to fetch",
                  (unsigned long long)length);
        f->result->range_complete = true;
        f->final_response = false; /* its body is not delivered */
        return 0;
    }
    logf_line(f, "range: HTTP %d%s: the server did not send the range asked for", r->http_status,
              r->partial ? " from another offset"
                         : (r->http_status == 206 ? " without a Content-Range" : ""));
    return WF_EHTTP_RANGE;
}

static int on_status(void *ctx, int code, const char *reason)
{
    wf_fetch_t *f = ctx;
    const struct wf_fetch_options *o = f->options;
    f->final_response = !(o->follow_redirects && is_redirect(code));
    f->stop_after_head = o->fail_on_http_error && code >= 400;
    f->result->http_status = code;
    f->result->partial = false;
    f->result->has_content_range = false;
    f->result->range_complete = false;
    return f->cb->status != NULL ? f->cb->status(f->cb->ctx, code, reason) : 0;
}

static int on_header(void *ctx, const char *name, const char *value)
{
    wf_fetch_t *f = ctx;
    note_content_range(f, name, value);
    return f->cb->header != NULL ? f->cb->header(f->cb->ctx, name, value) : 0;
}

static int on_headers_done(void *ctx)
{
    wf_fetch_t *f = ctx;
    int rc = check_resume(f);
    if (rc < 0) {
        return rc;
    }
    rc = f->cb->headers_done != NULL ? f->cb->headers_done(f->cb->ctx) : 0;
    if (rc == 0 && f->stop_after_head) {
        return WF_EHTTP_STATUS;
    }
    return rc;
}

static int on_body(void *ctx, const uint8_t *data, size_t len)
{
    wf_fetch_t *f = ctx;
    if (!f->final_response) {
        return 0; /* a redirect's body is not the document */
    }
    f->result->body_bytes += len;
    return f->cb->body != NULL ? f->cb->body(f->cb->ctx, data, len) : 0;
}

static const struct wf_http_callbacks http_callbacks = {
    .status = on_status,
    .header = on_header,
    .headers_done = on_headers_done,
    .body = on_body,
};

static int read_response(wf_fetch_t *f)
{
    while (!wf_http_parser_complete(&f->parser)) {
        int n;
        if (f->early_end) {
            n = f->end_rc; /* the end already seen while the body was sent */
            f->early_end = false;
        } else {
            n = receive_some(f);
        }
        if (n == 0 || n == WF_ETLS_TRUNCATED) {
            /* The end of the stream. A body that ends there (no length, not
             * chunked) is complete only if the end was authenticated: after
             * TLS close_notify, never after a bare TCP end (RFC 9112 9.8).
             * Plain http:// has no way to tell and takes the TCP end. */
            int rc = wf_http_parser_finish(&f->parser);
            return (rc == 0 && n < 0) ? n : rc;
        }
        if (n < 0) {
            /* A connection reset before any response byte is an empty reply. */
            return (n == WF_ECONNRESET && wf_http_parser_finish(&f->parser) == WF_EHTTP_EMPTY)
                       ? WF_EHTTP_EMPTY
                       : n;
        }
        int used = wf_http_parser_feed(&f->parser, f->io, (size_t)n);
        if (used < 0) {
            return used;
        }
        f->trailing |= (size_t)used < (size_t)n; /* never read as the next response */
    }
    return 0;
}

/* The request step. A send that fails after the head went out may be the
 * server answering early and closing (e.g. 413): a response that arrived
 * wins over the send error. */
static int request_step(wf_fetch_t *f)
{
    int rc = send_request(f);
    if (rc == 1) {
        logf_line(f, "request: the server answered before the body was sent: stopped sending");
        f->body_cut = true;
        return 0;
    }
    if (rc < 0 && f->send_body &&
        (rc == WF_ECONNRESET || rc == WF_EPIPE || rc == WF_ENOTCONN || rc == WF_ETLS)) {
        f->early_end = false;
        if (read_response(f) == 0 && wf_http_parser_status(&f->parser) != 0) {
            logf_line(f, "request: the server answered and closed before the body was sent");
            f->body_cut = true;
            return 2; /* the response is complete */
        }
    }
    return rc;
}

/* Close the session's connection: close_notify, then the TCP close, each
 * within `grace` ms and before `deadline` (port clock); with no time left
 * the socket is closed at once. */
static void drop_connection(wf_session_t *s, uint32_t deadline, uint32_t grace)
{
    s->open = false;
    if (s->fd < 0) {
        return;
    }
    const struct wf_port *port = s->net->chip->port;
    int32_t left = (int32_t)(deadline - wf_port_millis(port));
    if (s->https && s->tls != NULL) {
        wf_tls_disconnect(s->tls, left <= 0 ? 0 : (uint32_t)left < grace ? (uint32_t)left : grace);
    }
    left = (int32_t)(deadline - wf_port_millis(port));
    uint32_t t = left <= 0 ? 0 : (uint32_t)left < grace ? (uint32_t)left : grace;
    wf_net_set_timeout(s->net, s->fd, t > 0 ? t : 1); /* 0 would mean non-blocking */
    wf_net_close(s->net, s->fd);
    s->fd = -1;
}

/* The closing gets what is left of the fetch, at most WF_FETCH_CLOSE_GRACE_MS
 * per part. */
static void close_connection(wf_fetch_t *f)
{
    drop_connection(f->session, f->deadline, WF_FETCH_CLOSE_GRACE_MS);
    f->fd = -1;
}

/* Resolve, connect and (https) handshake: the session's new connection. */
static int open_connection(wf_fetch_t *f)
{
    wf_session_t *s = f->session;
    uint8_t ip[4];
    logf_line(f, "resolve: %s (port %u)", f->url.host, f->url.port);
    STEP(f, WF_STEP_RESOLVE, resolve_host(f, ip));
    memcpy(f->result->ip, ip, 4);
    char where[32];
    snprintf(where, sizeof where, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    logf_line(f, "connect: %s port %u", where, f->url.port);
    s->https = f->url.https;
    STEP(f, WF_STEP_CONNECT, connect_tcp(f, ip));
    if (f->url.https) {
        logf_line(f, "tls: handshake with %s", f->url.host);
        STEP(f, WF_STEP_TLS, handshake(f));
    }
    s->open = true;
    memcpy(s->ip, ip, 4);
    memcpy(s->host, f->url.host, sizeof s->host);
    s->port = f->url.port;
    s->id = s->connections++;
    s->requests = 0;
    return 0;
}

/* The kept connection goes to where the request goes. */
static bool same_origin(const wf_session_t *s, const struct wf_url *u)
{
    return s->open && s->https == u->https && s->port == u->port && strcmp(s->host, u->host) == 0;
}

/* Is the kept connection still quiet? Looks without waiting: an idle
 * connection has nothing to read; a server's FIN, RST or close_notify, or
 * any byte, means it cannot carry the next request (TLS 1.3 session tickets
 * are consumed, they are not application data). */
static bool kept_connection_quiet(wf_session_t *s)
{
    uint8_t probe[1];
    int n;
    if (s->https) {
        n = wf_tls_read_nowait(s->tls, probe, sizeof probe);
    } else {
        wf_net_set_timeout(s->net, s->fd, 0);
        n = wf_net_recv(s->net, s->fd, probe, sizeof probe);
    }
    return n == WF_EAGAIN;
}

/* Did the connection end (rather than fail otherwise)? */
static bool connection_ended(int rc)
{
    return rc == WF_EHTTP_EMPTY || rc == WF_ECONNRESET || rc == WF_EPIPE || rc == WF_ENOTCONN ||
           rc == WF_ETLS_TRUNCATED;
}

bool wf_fetch_may_retry(const char *method, bool body_bytes_sent, bool response_bytes_seen,
                        bool idempotent_only)
{
    static const char *const idempotent[] = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"};
    if (response_bytes_seen) {
        return false;
    }
    if (!body_bytes_sent && !idempotent_only) {
        return true;
    }
    for (size_t i = 0; method != NULL && i < sizeof idempotent / sizeof idempotent[0]; i++) {
        if (strcmp(method, idempotent[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* The request and its response on the connection f->fd. */
static int talk(wf_fetch_t *f)
{
    logf_line(f, "request: %s %s", f->method, f->url.path);
    wf_http_parser_init(&f->parser, is_head(f), &http_callbacks, f);
    f->early_end = false;
    f->body_sent = false;
    f->body_cut = false;
    f->trailing = false;
    int sent = 0;
    STEP(f, WF_STEP_REQUEST, (sent = request_step(f)));
    if (sent != 2) {
        STEP(f, WF_STEP_RESPONSE, read_response(f));
    }
    return 0;
}

/* May the request go out again after the kept connection ended under it? */
static bool retry_allowed(wf_fetch_t *f, int rc)
{
    if (!connection_ended(rc) ||
        !wf_fetch_may_retry(f->method, f->body_sent, wf_http_parser_started(&f->parser),
                            f->options->retry_idempotent_only)) {
        return false;
    }
    const struct wf_fetch_body *b = &f->options->body;
    if (f->send_body && b->read != NULL && f->body_started) {
        if (b->rewind == NULL || b->rewind(b->ctx) < 0) {
            return false; /* the body cannot be read again */
        }
        f->body_started = false;
    }
    return true;
}

/* One request/response exchange with f->url, on the kept connection if it
 * goes there and is still quiet, else on a new one. A kept connection that
 * ends before any response byte is replaced once (retry_allowed).
 * `keep_alive` is f->keep_alive, passed as a value so that a program that
 * only calls wf_fetch (a constant false) loses the keep-alive code at link
 * time (LTO). */
static int exchange(wf_fetch_t *f, bool keep_alive)
{
    wf_session_t *s = f->session;
    bool reuse = keep_alive && same_origin(s, &f->url);
    if (reuse && !kept_connection_quiet(s)) {
        logf_line(f, "connection #%u to %s: closed by the server (or unexpected bytes): a new connection",
                  s->id, s->host);
        s->reconnects++;
        reuse = false;
    }
    if (!reuse) {
        close_connection(f); /* a kept connection elsewhere */
    }
    for (;;) {
        if (reuse) {
            f->fd = s->fd;
            memcpy(f->result->ip, s->ip, 4);
            logf_line(f, "connection: re-using #%u with %s (request %u on it)", s->id, s->host,
                      s->requests + 1);
        } else {
            int rc = open_connection(f);
            if (rc < 0) {
                return rc;
            }
        }
        f->result->reused_connection = reuse;
        s->requests++;
        if (f->cb->connection != NULL) {
            f->cb->connection(f->cb->ctx, s, reuse);
        }
        int rc = talk(f);
        if (rc < 0 && reuse && retry_allowed(f, rc)) {
            logf_line(f,
                      "connection #%u to %s: closed by the server before any response: sending again on a "
                      "new connection",
                      s->id, s->host);
            s->reconnects++;
            s->retries++;
            f->result->retried = true;
            close_connection(f);
            reuse = false;
            continue;
        }
        if (rc < 0 && reuse && connection_ended(rc) && !wf_http_parser_started(&f->parser)) {
            logf_line(f,
                      "connection #%u to %s: closed by the server before any response; not sent again (%s "
                      "%s)",
                      s->id, s->host, f->method,
                      f->body_sent                        ? "with its body sent"
                      : f->options->retry_idempotent_only ? "is not idempotent"
                                                          : "whose body cannot be rewound");
        }
        return rc;
    }
}

/* After an exchange: keep the connection for the next request, or close it. */
static void finish_exchange(wf_fetch_t *f, int rc, bool keep_alive)
{
    bool keep = keep_alive && rc == 0 && !f->request_close && !f->body_cut && !f->trailing &&
                wf_http_parser_may_keep(&f->parser);
    if (!keep) {
        close_connection(f);
    }
}

/* Does a caller field say Connection: close? */
static bool asks_close(const struct wf_fetch_options *o)
{
    for (size_t i = 0; i < o->header_count; i++) {
        const struct wf_http_header *h = &o->headers[i];
        /* A name is one token, so "holds the token" is a case-insensitive equality. */
        if (h->value != NULL && wf_http_field_has_token(h->name, "Connection") &&
            wf_http_field_has_token(h->value, "close")) {
            return true;
        }
    }
    return false;
}

/* May a redirect lead to `to`? Only to the protocols the caller allowed; by
 * default https everywhere, and http only when the fetch started on http. */
static bool redirect_allowed(const wf_fetch_t *f, const struct wf_url *to)
{
    unsigned allowed = f->options->redirect_protocols;
    if (allowed == 0) {
        allowed = WF_PROTO_HTTPS | (f->started_https ? 0u : WF_PROTO_HTTP);
    }
    return (allowed & (to->https ? WF_PROTO_HTTPS : WF_PROTO_HTTP)) != 0;
}

static int follow(wf_fetch_t *f)
{
    const char *location = wf_http_parser_location(&f->parser);
    if (location == NULL) {
        return 1; /* a redirect status without Location is the final response */
    }
    if (f->result->redirects >= f->options->max_redirects) {
        return WF_EHTTP_REDIRECTS;
    }
    const char *why = NULL;
    f->result->step = WF_STEP_URL;
    int rc = wf_url_resolve(&f->url, location, strlen(location), &f->next, &why);
    if (rc < 0) {
        logf_line(f, "redirect: bad Location (%s)", why ? why : "?");
        return rc;
    }
    if (!redirect_allowed(f, &f->next)) {
        logf_line(f, "redirect: to %s refused (protocol not allowed)", f->next.https ? "https" : "http");
        return WF_EHTTP_REDIR_PROTO;
    }
    /* What the redirect does to the request (curl -L's rules). */
    bool keep_body;
    f->method = wf_http_redirect_method(f->result->http_status, f->method, &keep_body);
    if (!keep_body) {
        f->send_body = false;
    } else if (f->send_body && f->options->body.read != NULL && f->body_started) {
        if (f->options->body.rewind == NULL) {
            logf_line(f, "redirect: HTTP %d repeats the body, but the body source has no rewind",
                      f->result->http_status);
            return WF_EHTTP_REWIND;
        }
        rc = f->options->body.rewind(f->options->body.ctx);
        if (rc < 0) {
            return rc;
        }
        f->body_started = false;
    }
    if (!wf_http_redirect_keeps_auth(&f->url, &f->next)) {
        f->drop_credentials = true; /* no credential fields for the rest of the fetch */
    }
    f->url = f->next;
    f->result->redirects++;
    logf_line(f, "redirect %u: %s%s", f->result->redirects, f->url.host, f->url.path);
    return 0;
}

void wf_session_init(wf_session_t *s, wf_net_t *net, wf_tls_t *tls)
{
    memset(s, 0, sizeof *s);
    s->net = net;
    s->tls = tls;
    s->fd = -1;
}

void wf_session_close(wf_session_t *s, uint32_t timeout_ms)
{
    if (s->fd >= 0) {
        drop_connection(s, wf_port_millis(s->net->chip->port) + timeout_ms, timeout_ms);
    }
    s->open = false;
}

static int run_fetch(wf_fetch_t *f, wf_session_t *s, bool keep_alive, const struct wf_fetch_options *options,
                     const struct wf_fetch_callbacks *cb, struct wf_fetch_result *result)
{
    static const struct wf_fetch_callbacks none;
    f->net = s->net;
    f->tls = s->tls;
    f->session = s;
    f->keep_alive = keep_alive;
    f->options = options;
    f->cb = cb != NULL ? cb : &none;
    f->result = result;
    f->fd = -1;
    memset(result, 0, sizeof *result);
    f->deadline = now_ms(f) + (options->total_timeout_ms != 0 ? options->total_timeout_ms : 0x7FFFFFFFu);

    const char *why = NULL;
    result->step = WF_STEP_URL;
    int rc = wf_url_parse(options->url, &f->url, &why);
    if (rc < 0) {
        logf_line(f, "url: %s", why ? why : "malformed");
        return rc;
    }
    f->started_https = f->url.https;
    f->method = options->method != NULL ? options->method : (options->head ? "HEAD" : "GET");
    f->send_body = has_body(&options->body);
    f->drop_credentials = false;
    f->body_started = false;
    f->request_close = asks_close(options);
    /* A request that cannot be written is refused before any connection. */
    rc = write_head(f);
    if (rc < 0) {
        result->step = WF_STEP_REQUEST;
        return rc;
    }
    for (;;) {
        rc = exchange(f, keep_alive);
        finish_exchange(f, rc, keep_alive);
        if (rc < 0 || !(options->follow_redirects && is_redirect(result->http_status))) {
            return rc;
        }
        rc = follow(f);
        if (rc != 0) {
            return rc > 0 ? 0 : rc;
        }
    }
}

int wf_fetch_session(wf_fetch_t *f, wf_session_t *s, const struct wf_fetch_options *options,
                     const struct wf_fetch_callbacks *cb, struct wf_fetch_result *result)
{
    return run_fetch(f, s, true, options, cb, result);
}

/* One connection per request, closed at the end of its response (the
 * request says Connection: close): nothing outlives the call. */
int wf_fetch(wf_fetch_t *f, wf_net_t *net, wf_tls_t *tls, const struct wf_fetch_options *options,
             const struct wf_fetch_callbacks *cb, struct wf_fetch_result *result)
{
    wf_session_t s;
    wf_session_init(&s, net, tls);
    int rc = run_fetch(f, &s, false, options, cb, result); /* closes every connection it opens */
    f->session = NULL;
    return rc;
}

const struct wf_url *wf_fetch_url(const wf_fetch_t *f)
{
    return &f->url;
}
