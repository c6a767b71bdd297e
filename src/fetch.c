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

/* A step starts: it is where a failure is reported, and its time is counted
 * until step_end. */
static void step_begin(wf_fetch_t *f, enum wf_fetch_step which)
{
    f->timed = (uint8_t)which;
    f->step_t0 = now_ms(f);
    f->result->step = which;
    if (f->cb->step != NULL) {
        f->cb->step(f->cb->ctx, which);
    }
}

static void step_end(wf_fetch_t *f)
{
    f->result->step_ms[f->timed] += now_ms(f) - f->step_t0;
}

/* ---- the steps --------------------------------------------------------------- */

/* Start the look-up of the host (the RESOLVE step): 0 when the address is
 * known at once (an IPv4 literal, --resolve) in f->ip, WF_EAGAIN when a DNS
 * look-up started (FS_RESOLVE), or an error. */
static int resolve_start(wf_fetch_t *f)
{
    const struct wf_url *u = &f->url;
    if (u->host_is_ipv4) {
        memcpy(f->ip[0], u->ipv4, 4);
        return 0;
    }
    const struct wf_fetch_options *o = f->options;
    for (size_t i = 0; i < o->resolve_count; i++) {
        if (o->resolve[i].port == u->port && strcmp(o->resolve[i].host, u->host) == 0) {
            memcpy(f->ip[0], o->resolve[i].ip, 4);
            logf_line(f, "resolve: %s from --resolve", u->host);
            return 0;
        }
    }
    /* Every server and attempt together within what is left of the fetch:
     * WF_ETIMEDOUT when that runs out. */
    struct wf_dns_config *dns = &f->scratch.dns.config;
    *dns = o->dns;
    dns->total_ms = cap_ms(f, dns->total_ms);
    if (dns->total_ms == 0) {
        return WF_ETIMEDOUT;
    }
    int rc = wf_dns_start(&f->scratch.dns.query, f->net, dns, u->host, f->ip, 1, f->io, sizeof f->io);
    return rc == 0 ? WF_EAGAIN : rc < 0 ? rc : 0;
}

/* Take a socket and start a non-blocking connect to ip (the CONNECT step). */
static int connect_start(wf_fetch_t *f, const uint8_t ip[4])
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
    f->op_deadline = now_ms(f) + limit;
    wf_net_set_timeout(f->net, fd, 0);
    wf_sockaddr_t addr = {{ip[0], ip[1], ip[2], ip[3]}, f->url.port};
    int rc = wf_net_connect(f->net, fd, &addr);
    return rc == WF_EINPROGRESS ? 0 : rc;
}

/* Has the connect ended? 0 = connected, WF_EAGAIN = not yet, or its error. */
static int connect_poll(wf_fetch_t *f)
{
    struct wf_pollfd p = {f->fd, WF_POLLOUT, 0};
    int rc = wf_net_poll(f->net, &p, 1, 0);
    if (rc < 0) {
        return rc;
    }
    if (p.revents & WF_POLLOUT) {
        return 0;
    }
    if (p.revents & (WF_POLLERR | WF_POLLHUP)) {
        rc = wf_net_socket_error(f->net, f->fd);
        return rc < 0 ? rc : WF_ECONNREFUSED;
    }
    return wf_port_expired(f->net->chip->port, f->op_deadline) ? WF_ETIMEDOUT : WF_EAGAIN;
}

/* Start the handshake (the TLS step), within the connect time-out. */
static int handshake_start(wf_fetch_t *f)
{
    if (f->tls == NULL) {
        return WF_EURL_SCHEME;
    }
    uint32_t limit = cap_ms(f, f->options->connect_timeout_ms);
    if (limit == 0) {
        return WF_ETIMEDOUT;
    }
    return wf_tls_start(f->tls, f->net, f->fd, f->url.host, f->url.port, limit);
}

/* The handshake ended with rc: tell the caller about the certificate and the session. */
static void handshake_report(wf_fetch_t *f, int rc)
{
    const char *summary = wf_tls_peer_summary(f->tls);
    if (summary[0] != '\0' && f->cb->certificate != NULL) {
        f->cb->certificate(f->cb->ctx, summary);
    }
    if (rc == 0) {
        f->result->tls_resumed = wf_tls_resumed(f->tls);
        logf_line(f, "tls: %s, %s%s", wf_tls_version_name(f->tls), wf_tls_ciphersuite_name(f->tls),
                  f->result->tls_resumed ? ", session resumed" : "");
    }
}

/* Hand the connection what it takes now of f->out (never waits): the count,
 * WF_EAGAIN or an error. */
static int send_some(wf_fetch_t *f)
{
    if (f->url.https) {
        return wf_tls_write_nowait(f->tls, f->out, f->out_len);
    }
    wf_net_set_timeout(f->net, f->fd, 0);
    return wf_net_send(f->net, f->fd, f->out, f->out_len);
}

/* What has arrived (never waits): the count, 0 at the end, WF_EAGAIN or an error. */
static int receive_nowait(wf_fetch_t *f, uint8_t *buf, size_t cap)
{
    if (f->url.https) {
        return wf_tls_read_nowait(f->tls, buf, cap);
    }
    wf_net_set_timeout(f->net, f->fd, 0);
    return wf_net_recv(f->net, f->fd, buf, cap);
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
        int n = receive_nowait(f, f->early, sizeof f->early);
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

static int read_body(wf_fetch_t *f, const struct wf_fetch_body *b, uint8_t *buf, size_t cap)
{
    f->body_started = true;
    int n = b->read(b->ctx, buf, cap);
    if (n > (int)cap) {
        return WF_EREAD; /* the callback claims more than it was given room for */
    }
    return n;
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
    int rc = wf_url_resolve(&f->url, location, strlen(location), &f->scratch.next, &why);
    if (rc < 0) {
        logf_line(f, "redirect: bad Location (%s)", why ? why : "?");
        return rc;
    }
    if (!redirect_allowed(f, &f->scratch.next)) {
        logf_line(f, "redirect: to %s refused (protocol not allowed)",
                  f->scratch.next.https ? "https" : "http");
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
    if (!wf_http_redirect_keeps_auth(&f->url, &f->scratch.next)) {
        f->drop_credentials = true; /* no credential fields for the rest of the fetch */
    }
    f->url = f->scratch.next;
    f->result->redirects++;
    logf_line(f, "redirect %u: %s%s", f->result->redirects, f->url.host, f->url.path);
    return 0;
}

/* ---- the state machine (wf_fetch_start / wf_fetch_poll) -------------------- */

/* Where a fetch is. Each state does what it can without waiting and says
 * MOVED (call again at once) or WF_EAGAIN (waiting for the network or the
 * body source); a fetch that is over is in FS_DONE with its result in f->rc. */
enum fetch_state {
    FS_IDLE,     /* not started, or aborted */
    FS_EXCHANGE, /* a request to f->url: pick its connection */
    FS_OPEN,     /* a new connection: resolve */
    FS_RESOLVE,  /* the DNS look-up is under way */
    FS_CONNECT,  /* the TCP connect is under way */
    FS_TLS,      /* the handshake, one step at a time */
    FS_READY,    /* the connection is ready: the request starts */
    FS_HEAD,     /* sending the request head (f->out) */
    FS_BODY,     /* the next piece of the request body */
    FS_PIECE,    /* sending that piece (f->out) */
    FS_RESPONSE, /* reading the response */
    FS_CLOSE,    /* the session's connection closes; then f->after_close */
    FS_FINISH,   /* the exchange is over (f->rc): the result, or a redirect */
    FS_DONE,     /* over: f->rc */
};

enum { MOVED = 1 };

/* Session close phases (wf_session_t.closing). */
enum { CLOSE_NONE, CLOSE_TLS, CLOSE_TCP, CLOSE_FIN };

/* Start closing the session's connection: close_notify, then the TCP close,
 * each within `grace` ms and before `deadline` (port clock); with no time
 * left the socket is closed at once. close_step does the rest. */
static void close_begin(wf_session_t *s, uint32_t deadline, uint32_t grace)
{
    s->open = false;
    s->close_deadline = deadline;
    s->close_grace = grace;
    s->closing = s->fd < 0 ? CLOSE_NONE : (s->https && s->tls != NULL) ? CLOSE_TLS : CLOSE_TCP;
    s->close_until = wf_port_millis(s->net->chip->port);
    if (s->closing != CLOSE_NONE) {
        int32_t left = (int32_t)(deadline - s->close_until);
        s->close_until += left <= 0 ? 0 : (uint32_t)left < grace ? (uint32_t)left : grace;
    }
}

/* Close the socket now (the TLS session, if any, is over). */
static void close_socket(wf_session_t *s)
{
    wf_net_set_timeout(s->net, s->fd, 1); /* 0 would mean the full close time-out */
    wf_net_close(s->net, s->fd);
    s->fd = -1;
    s->closing = CLOSE_NONE;
}

/* One step of the closing, never waiting: 0 once closed, else WF_EAGAIN. */
static int close_step(wf_session_t *s)
{
    const struct wf_port *port = s->net->chip->port;
    if (s->closing == CLOSE_TLS) {
        if (wf_port_expired(port, s->close_until)) {
            wf_tls_disconnect(s->tls, 0);
        } else if (wf_tls_close_step(s->tls) == WF_EAGAIN) {
            return WF_EAGAIN;
        }
        close_begin(s, s->close_deadline, s->close_grace); /* the TCP close gets its own grace */
        s->closing = CLOSE_TCP;
    }
    if (s->closing == CLOSE_TCP) {
        if (wf_port_expired(port, s->close_until)) {
            close_socket(s);
            return 0;
        }
        if (wf_net_shutdown(s->net, s->fd, WF_SHUT_WR) < 0) { /* our FIN */
            close_socket(s); /* never connected (a connect that timed out): nothing to wait for */
            return 0;
        }
        s->closing = CLOSE_FIN;
    }
    if (s->closing == CLOSE_FIN) {
        struct wf_pollfd p = {s->fd, WF_POLLIN, 0};
        if (wf_net_poll(s->net, &p, 1, 0) == 0 && !wf_port_expired(port, s->close_until)) {
            return WF_EAGAIN;
        }
        close_socket(s); /* the server's FIN, bytes, an error, or the time is up */
    }
    return 0;
}

/* Close the connection at once (wf_fetch_abort). */
static void close_now(wf_session_t *s)
{
    s->open = false;
    if (s->fd >= 0) {
        if (s->https && s->tls != NULL) {
            wf_tls_disconnect(s->tls, 0);
        }
        close_socket(s);
    }
}

/* Close the session's connection (the closing gets what is left of the
 * fetch, at most WF_FETCH_CLOSE_GRACE_MS per part), then go on in `next`. */
static int close_then(wf_fetch_t *f, uint8_t next)
{
    close_begin(f->session, f->deadline, WF_FETCH_CLOSE_GRACE_MS);
    f->fd = -1;
    f->after_close = next;
    f->state = FS_CLOSE;
    return MOVED;
}

/* The exchange is over with rc: keep the connection for the next request,
 * or close it; then the fetch's result or a redirect. */
static int exchange_end(wf_fetch_t *f, int rc)
{
    f->rc = rc;
    bool keep = f->keep_alive && rc == 0 && !f->request_close && !f->body_cut && !f->trailing &&
                wf_http_parser_may_keep(&f->parser);
    if (!keep) {
        return close_then(f, FS_FINISH);
    }
    f->state = FS_FINISH;
    return MOVED;
}

/* The request and response ended with rc. A kept connection that ended
 * before any response byte is replaced once (retry_allowed). */
static int talk_end(wf_fetch_t *f, int rc)
{
    wf_session_t *s = f->session;
    if (rc < 0 && f->reuse && retry_allowed(f, rc)) {
        logf_line(f,
                  "connection #%u to %s: closed by the server before any response: sending again on a "
                  "new connection",
                  s->id, s->host);
        s->reconnects++;
        s->retries++;
        f->result->retried = true;
        f->reuse = false;
        return close_then(f, FS_OPEN);
    }
    if (rc < 0 && f->reuse && connection_ended(rc) && !wf_http_parser_started(&f->parser)) {
        logf_line(f,
                  "connection #%u to %s: closed by the server before any response; not sent again (%s "
                  "%s)",
                  s->id, s->host, f->method,
                  f->body_sent                        ? "with its body sent"
                  : f->options->retry_idempotent_only ? "is not idempotent"
                                                      : "whose body cannot be rewound");
    }
    return exchange_end(f, rc);
}

/* Opening the connection failed (in the current step). */
static int open_failed(wf_fetch_t *f, int rc)
{
    step_end(f);
    return exchange_end(f, rc);
}

/* The request is over (sent, or cut short by an answer): the response. */
static int response_begins(wf_fetch_t *f)
{
    step_end(f);
    step_begin(f, WF_STEP_RESPONSE);
    f->state = FS_RESPONSE;
    return MOVED;
}

/* Sending the request failed with rc. A send that fails after the head went
 * out may be the server answering early and closing (e.g. 413): a response
 * that arrived wins over the send error (response_end). */
static int request_failed(wf_fetch_t *f, int rc)
{
    if (f->send_body && (rc == WF_ECONNRESET || rc == WF_EPIPE || rc == WF_ENOTCONN || rc == WF_ETLS)) {
        f->early_end = false;
        f->send_error = rc;
        f->state = FS_RESPONSE; /* still the request step */
        return MOVED;
    }
    step_end(f);
    return talk_end(f, rc);
}

/* The server answered before the whole body went out: stop sending. */
static int answered_early(wf_fetch_t *f)
{
    logf_line(f, "request: the server answered before the body was sent: stopped sending");
    f->body_cut = true;
    return response_begins(f);
}

/* Reading the response ended with rc. */
static int response_end(wf_fetch_t *f, int rc)
{
    step_end(f);
    if (f->send_error != 0) {
        int send_error = f->send_error;
        f->send_error = 0;
        if (rc == 0 && wf_http_parser_status(&f->parser) != 0) {
            logf_line(f, "request: the server answered and closed before the body was sent");
            f->body_cut = true;
            return talk_end(f, 0);
        }
        return talk_end(f, send_error);
    }
    return talk_end(f, rc);
}

static int do_exchange(wf_fetch_t *f)
{
    wf_session_t *s = f->session;
    bool reuse = f->keep_alive && same_origin(s, &f->url);
    if (reuse && !kept_connection_quiet(s)) {
        logf_line(f, "connection #%u to %s: closed by the server (or unexpected bytes): a new connection",
                  s->id, s->host);
        s->reconnects++;
        reuse = false;
    }
    f->reuse = reuse;
    if (!reuse) {
        return close_then(f, FS_OPEN); /* a kept connection elsewhere */
    }
    f->state = FS_READY;
    return MOVED;
}

/* The address is known: start the connect. */
static int resolved(wf_fetch_t *f)
{
    step_end(f);
    const uint8_t *ip = f->ip[0];
    memcpy(f->result->ip, ip, 4);
    logf_line(f, "connect: %u.%u.%u.%u port %u", ip[0], ip[1], ip[2], ip[3], f->url.port);
    f->session->https = f->url.https;
    step_begin(f, WF_STEP_CONNECT);
    int rc = connect_start(f, ip);
    if (rc < 0) {
        return open_failed(f, rc);
    }
    f->state = FS_CONNECT;
    return MOVED;
}

static int do_open(wf_fetch_t *f)
{
    logf_line(f, "resolve: %s (port %u)", f->url.host, f->url.port);
    step_begin(f, WF_STEP_RESOLVE);
    int rc = resolve_start(f);
    if (rc == WF_EAGAIN) {
        f->state = FS_RESOLVE;
        return MOVED;
    }
    return rc < 0 ? open_failed(f, rc) : resolved(f);
}

static int do_resolve(wf_fetch_t *f)
{
    int rc = wf_dns_poll(&f->scratch.dns.query);
    if (rc == WF_EAGAIN) {
        return rc;
    }
    return rc < 0 ? open_failed(f, rc) : resolved(f);
}

/* The new connection is ready: the session keeps its description. */
static int opened(wf_fetch_t *f)
{
    wf_session_t *s = f->session;
    s->open = true;
    memcpy(s->ip, f->ip[0], 4);
    memcpy(s->host, f->url.host, sizeof s->host);
    s->port = f->url.port;
    s->id = s->connections++;
    s->requests = 0;
    f->state = FS_READY;
    return MOVED;
}

static int do_connect(wf_fetch_t *f)
{
    int rc = connect_poll(f);
    if (rc == WF_EAGAIN) {
        return rc;
    }
    if (rc < 0) {
        return open_failed(f, rc);
    }
    step_end(f);
    if (!f->url.https) {
        return opened(f);
    }
    logf_line(f, "tls: handshake with %s", f->url.host);
    step_begin(f, WF_STEP_TLS);
    rc = handshake_start(f);
    if (rc < 0) {
        if (f->tls != NULL) {
            handshake_report(f, rc);
        }
        return open_failed(f, rc);
    }
    f->state = FS_TLS;
    return MOVED;
}

static int do_tls(wf_fetch_t *f)
{
    int rc = wf_tls_handshake_step(f->tls);
    if (rc == WF_EAGAIN || rc > 0) {
        return rc > 0 ? MOVED : rc;
    }
    handshake_report(f, rc);
    if (rc < 0) {
        return open_failed(f, rc);
    }
    step_end(f);
    return opened(f);
}

/* The request starts on the connection f->fd. */
static int do_ready(wf_fetch_t *f)
{
    wf_session_t *s = f->session;
    if (f->reuse) {
        f->fd = s->fd;
        memcpy(f->result->ip, s->ip, 4);
        logf_line(f, "connection: re-using #%u with %s (request %u on it)", s->id, s->host, s->requests + 1);
    }
    f->result->reused_connection = f->reuse;
    s->requests++;
    if (f->cb->connection != NULL) {
        f->cb->connection(f->cb->ctx, s, f->reuse);
    }
    logf_line(f, "request: %s %s", f->method, f->url.path);
    wf_http_parser_init(&f->parser, is_head(f), &http_callbacks, f);
    f->early_end = false;
    f->body_sent = false;
    f->body_cut = false;
    f->trailing = false;
    f->send_error = 0;
    step_begin(f, WF_STEP_REQUEST);
    int n = write_head(f);
    if (n < 0) {
        return request_failed(f, n);
    }
    if (f->cb->request != NULL) {
        f->cb->request(f->cb->ctx, (const char *)f->io, (size_t)n);
    }
    f->out = f->io;
    f->out_len = (size_t)n;
    f->state = FS_HEAD;
    return MOVED;
}

static int do_head(wf_fetch_t *f)
{
    if (remaining_ms(f) == 0) {
        return request_failed(f, WF_ETIMEDOUT);
    }
    int n = send_some(f);
    if (n == WF_EAGAIN) {
        return n;
    }
    if (n < 0) {
        return request_failed(f, n);
    }
    f->out += n;
    f->out_len -= (size_t)n;
    if (f->out_len > 0) {
        return MOVED;
    }
    if (!f->send_body) {
        return response_begins(f);
    }
    const struct wf_fetch_body *b = &f->options->body;
    f->body_pos = b->read == NULL ? 0 : b->length;
    f->body_done = false;
    f->state = FS_BODY;
    return MOVED;
}

/* The next piece of the body into f->out: a slice of the buffer, or what the
 * source gives (framed as a chunk when the length is not known). */
static int do_body(wf_fetch_t *f)
{
    if (remaining_ms(f) == 0) {
        return request_failed(f, WF_ETIMEDOUT); /* e.g. a source that kept saying WF_EAGAIN */
    }
    const struct wf_fetch_body *b = &f->options->body;
    size_t n;
    if (b->read == NULL) {
        if (f->body_pos >= b->len) {
            return response_begins(f);
        }
        n = b->len - (size_t)f->body_pos < sizeof f->io ? b->len - (size_t)f->body_pos : sizeof f->io;
        f->out = b->data + f->body_pos;
        f->body_pos += n;
        f->out_more = f->body_pos < b->len;
    } else if (b->length != WF_FETCH_LENGTH_UNKNOWN) {
        uint64_t left = f->body_pos;
        if (left == 0) {
            return response_begins(f);
        }
        int got = read_body(f, b, f->io, left < sizeof f->io ? (size_t)left : sizeof f->io);
        if (got == WF_EAGAIN) {
            return got;
        }
        if (got <= 0) {
            if (got == 0) {
                logf_line(f, "request: the body source ended %llu bytes before its announced length",
                          (unsigned long long)left);
            }
            return request_failed(f, got < 0 ? got : WF_EREAD);
        }
        n = (size_t)got;
        f->body_pos -= n;
        f->out = f->io;
        f->out_more = f->body_pos > 0;
    } else {
        if (f->body_done) {
            return response_begins(f);
        }
        const size_t room = sizeof f->io - WF_HTTP_CHUNK_PREFIX - WF_HTTP_CHUNK_SUFFIX;
        int got = read_body(f, b, f->io + WF_HTTP_CHUNK_PREFIX, room);
        if (got == WF_EAGAIN) {
            return got;
        }
        if (got < 0) {
            return request_failed(f, got);
        }
        if (got == 0) {
            f->out = (const uint8_t *)WF_HTTP_CHUNK_LAST;
            n = sizeof WF_HTTP_CHUNK_LAST - 1;
            f->out_more = false;
            f->body_done = true;
        } else {
            size_t start;
            n = wf_http_chunk_frame(f->io, (size_t)got, &start);
            f->out = f->io + start;
            f->out_more = true;
        }
    }
    f->out_len = n;
    f->state = FS_PIECE;
    return MOVED;
}

/* Send the piece. While the connection does not take it, and after it when
 * more is to come, look for an early response. */
static int do_piece(wf_fetch_t *f)
{
    if (remaining_ms(f) == 0) {
        return request_failed(f, WF_ETIMEDOUT);
    }
    if (f->out_len > 0) {
        int n = send_some(f);
        if (n == WF_EAGAIN) {
            int rc = peek_response(f); /* blocked: has the server answered? */
            if (rc != 0) {
                return rc < 0 ? request_failed(f, rc) : answered_early(f);
            }
            return WF_EAGAIN;
        }
        if (n < 0) {
            return request_failed(f, n);
        }
        f->body_sent = true;
        f->out += n;
        f->out_len -= (size_t)n;
        return MOVED;
    }
    if (f->out_more) {
        int rc = peek_response(f);
        if (rc != 0) {
            return rc < 0 ? request_failed(f, rc) : answered_early(f);
        }
    }
    f->state = FS_BODY;
    return MOVED;
}

/* Take what has arrived of the response and feed it to the parser. */
static int do_response(wf_fetch_t *f)
{
    if (wf_http_parser_complete(&f->parser)) {
        return response_end(f, 0);
    }
    int n;
    if (f->early_end) {
        n = f->end_rc; /* the end already seen while the body was sent */
        f->early_end = false;
    } else if (remaining_ms(f) == 0) {
        n = WF_ETIMEDOUT;
    } else {
        n = receive_nowait(f, f->io, sizeof f->io);
        if (n == WF_EAGAIN) {
            return n;
        }
    }
    if (n == 0 || n == WF_ETLS_TRUNCATED) {
        /* The end of the stream. A body that ends there (no length, not
         * chunked) is complete only if the end was authenticated: after
         * TLS close_notify, never after a bare TCP end (RFC 9112 9.8).
         * Plain http:// has no way to tell and takes the TCP end. */
        int rc = wf_http_parser_finish(&f->parser);
        return response_end(f, (rc == 0 && n < 0) ? n : rc);
    }
    if (n < 0) {
        /* A connection reset before any response byte is an empty reply. */
        return response_end(f, (n == WF_ECONNRESET && wf_http_parser_finish(&f->parser) == WF_EHTTP_EMPTY)
                                   ? WF_EHTTP_EMPTY
                                   : n);
    }
    int used = wf_http_parser_feed(&f->parser, f->io, (size_t)n);
    if (used < 0) {
        return response_end(f, used);
    }
    f->trailing |= (size_t)used < (size_t)n; /* never read as the next response */
    return MOVED;
}

static int do_close(wf_fetch_t *f)
{
    int rc = close_step(f->session);
    if (rc == 0) {
        f->state = f->after_close;
        return MOVED;
    }
    return rc;
}

/* After an exchange: the fetch's result, or the next request of a redirect. */
static int do_finish(wf_fetch_t *f)
{
    int rc = f->rc;
    if (rc == 0 && f->options->follow_redirects && is_redirect(f->result->http_status)) {
        rc = follow(f);
        if (rc == 0) {
            f->state = FS_EXCHANGE;
            return MOVED;
        }
        rc = rc > 0 ? 0 : rc;
    }
    f->rc = rc;
    f->state = FS_DONE;
    return MOVED;
}

static int step(wf_fetch_t *f)
{
    switch (f->state) {
    case FS_EXCHANGE:
        return do_exchange(f);
    case FS_OPEN:
        return do_open(f);
    case FS_RESOLVE:
        return do_resolve(f);
    case FS_CONNECT:
        return do_connect(f);
    case FS_TLS:
        return do_tls(f);
    case FS_READY:
        return do_ready(f);
    case FS_HEAD:
        return do_head(f);
    case FS_BODY:
        return do_body(f);
    case FS_PIECE:
        return do_piece(f);
    case FS_RESPONSE:
        return do_response(f);
    case FS_CLOSE:
        return do_close(f);
    case FS_FINISH:
        return do_finish(f);
    default:
        return WF_EINVAL;
    }
}

/* How many steps one poll takes at most while each moves the fetch on, so
 * that a fast peer cannot keep one poll busy for long. */
#define POLL_STEPS 16

int wf_fetch_poll(wf_fetch_t *f)
{
    f->progressed = false;
    for (unsigned i = 0; i < POLL_STEPS; i++) {
        if (f->state == FS_DONE) {
            return f->rc;
        }
        if (f->state == FS_IDLE) {
            return WF_EINVAL;
        }
        bool handshake = f->state == FS_TLS;
        int rc = step(f);
        if (rc != MOVED) {
            return rc;
        }
        f->progressed = true;
        if (handshake) {
            break; /* one mbedTLS handshake step per poll: its public-key operations are the long ones */
        }
    }
    return f->state == FS_DONE ? f->rc : WF_EAGAIN;
}

void wf_fetch_abort(wf_fetch_t *f)
{
    if (f->state == FS_IDLE || f->state == FS_DONE) {
        f->state = FS_IDLE;
        return;
    }
    if (f->state == FS_RESOLVE) {
        wf_dns_abort(&f->scratch.dns.query);
    }
    close_now(f->session);
    f->fd = -1;
    f->state = FS_IDLE;
}

void wf_session_init(wf_session_t *s, wf_net_t *net, wf_tls_t *tls)
{
    memset(s, 0, sizeof *s);
    s->net = net;
    s->tls = tls;
    s->fd = -1;
}

/* Call wf_fetch_poll until the fetch is over, pausing 1 ms (the port's
 * delay_ms, where a firmware feeds its watchdog) once a few polls in a row
 * found nothing to do. */
static int poll_to_end(wf_fetch_t *f)
{
    const struct wf_port *port = f->net->chip->port;
    unsigned idle = 0;
    int rc;
    while ((rc = wf_fetch_poll(f)) == WF_EAGAIN) {
        if (f->progressed) {
            idle = 0;
        } else if (++idle > WF_NET_SPIN_POLLS) {
            port->delay_ms(port->ctx, 1);
        }
    }
    return rc;
}

void wf_session_close(wf_session_t *s, uint32_t timeout_ms)
{
    if (s->fd >= 0) {
        const struct wf_port *port = s->net->chip->port;
        close_begin(s, wf_port_millis(port) + timeout_ms, timeout_ms);
        unsigned idle = 0;
        while (close_step(s) == WF_EAGAIN) {
            if (++idle > WF_NET_SPIN_POLLS) {
                port->delay_ms(port->ctx, 1);
            }
        }
    }
    s->open = false;
}

static int start(wf_fetch_t *f, wf_session_t *s, bool keep_alive, const struct wf_fetch_options *options,
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
    f->state = FS_DONE; /* until it has started */
    memset(result, 0, sizeof *result);
    f->deadline = now_ms(f) + (options->total_timeout_ms != 0 ? options->total_timeout_ms : 0x7FFFFFFFu);

    const char *why = NULL;
    result->step = WF_STEP_URL;
    int rc = wf_url_parse(options->url, &f->url, &why);
    if (rc < 0) {
        logf_line(f, "url: %s", why ? why : "malformed");
        return f->rc = rc;
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
        return f->rc = rc;
    }
    f->rc = 0;
    f->state = FS_EXCHANGE;
    return 0;
}

int wf_fetch_session_start(wf_fetch_t *f, wf_session_t *s, const struct wf_fetch_options *options,
                           const struct wf_fetch_callbacks *cb, struct wf_fetch_result *result)
{
    return start(f, s, true, options, cb, result);
}

/* One connection per request, closed at the end of its response (the
 * request says Connection: close): nothing outlives the fetch. */
int wf_fetch_start(wf_fetch_t *f, wf_net_t *net, wf_tls_t *tls, const struct wf_fetch_options *options,
                   const struct wf_fetch_callbacks *cb, struct wf_fetch_result *result)
{
    wf_session_init(&f->own, net, tls);
    return start(f, &f->own, false, options, cb, result);
}

int wf_fetch_session(wf_fetch_t *f, wf_session_t *s, const struct wf_fetch_options *options,
                     const struct wf_fetch_callbacks *cb, struct wf_fetch_result *result)
{
    int rc = wf_fetch_session_start(f, s, options, cb, result);
    return rc < 0 ? rc : poll_to_end(f);
}

int wf_fetch(wf_fetch_t *f, wf_net_t *net, wf_tls_t *tls, const struct wf_fetch_options *options,
             const struct wf_fetch_callbacks *cb, struct wf_fetch_result *result)
{
    int rc = wf_fetch_start(f, net, tls, options, cb, result);
    return rc < 0 ? rc : poll_to_end(f);
}

bool wf_fetch_progressed(const wf_fetch_t *f)
{
    return f->progressed;
}

const struct wf_url *wf_fetch_url(const wf_fetch_t *f)
{
    return &f->url;
}
