/* Streaming HTTP/1.x response parser, written from RFC 9112 (message syntax,
 * framing) and RFC 9110 (field syntax, status codes).
 *
 * The head is parsed a line at a time from a fixed line buffer; the body is
 * never buffered: each fed slice goes straight to the body callback. All
 * state lives in the context so a slice boundary can fall anywhere. */
#include "wizfetch/http.h"

#include <assert.h>
#include <limits.h>
#include <string.h>

#include "wizfetch/error.h"

enum state {
    S_STATUS,     /* status line */
    S_HEADER,     /* header fields, up to the empty line */
    S_BODY_LEN,   /* Content-Length body */
    S_BODY_CLOSE, /* body until the connection closes */
    S_CHUNK_SIZE, /* chunk-size [ext] line */
    S_CHUNK_DATA,
    S_CHUNK_END, /* the line end that must follow chunk data */
    S_TRAILER,   /* trailer fields after the last chunk */
    S_DONE,
    S_ERROR,
};

/* The line reader says one of these (or a negative error): the line goes
 * on, or it ended with a bare LF or with CRLF. */
enum { LINE_MORE = 0, LINE_LF = 1, LINE_CRLF = 2 };

/* wf_http_parser_t.eol: the line end the current head uses (see http.h). */
enum { EOL_UNSET = 0, EOL_LF = 1, EOL_CRLF = 2 };

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool name_is(const char *name, const char *lit)
{
    for (; *name != '\0' && *lit != '\0'; name++, lit++) {
        if (lower(*name) != *lit) {
            return false;
        }
    }
    return *name == '\0' && *lit == '\0';
}

/* tchar of RFC 9110 5.6.2. */
static bool is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static int set_error(wf_http_parser_t *p, int err)
{
    p->state = S_ERROR;
    p->err = err;
    return err;
}

void wf_http_parser_init(wf_http_parser_t *p, bool head_request, const struct wf_http_callbacks *cb,
                         void *ctx)
{
    assert(p != NULL);
    /* Only the small fields are cleared; the line and Location buffers are
     * written before they are read, and clearing 5 KiB per response would
     * cost more than the whole head takes to parse on the board. */
    memset(p, 0, offsetof(wf_http_parser_t, line));
    p->line[0] = '\0';
    p->location[0] = '\0';
    p->cb = cb;
    p->ctx = ctx;
    p->head_request = head_request;
    p->state = S_STATUS;
}

/* Collect one line (head, chunk-size line or trailer) into p->line. A bare
 * LF ends a line too, and the result says which end it was, for the caller
 * to check (check_line_end); a CR must be followed by LF. */
static int line_byte(wf_http_parser_t *p, char c)
{
    if (p->cr) {
        if (c != '\n') {
            return WF_EHTTP_PROTO;
        }
        p->cr = false;
        p->line[p->line_len] = '\0';
        return LINE_CRLF;
    }
    if (c == '\r') {
        p->cr = true;
        return LINE_MORE;
    }
    if (c == '\n') {
        p->line[p->line_len] = '\0';
        return LINE_LF;
    }
    unsigned char u = (unsigned char)c;
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
        return WF_EHTTP_PROTO;
    }
    if (p->line_len >= WF_HTTP_MAX_LINE) {
        return WF_EHTTP_TOOBIG;
    }
    p->line[p->line_len++] = c;
    return LINE_MORE;
}

static void reset_head(wf_http_parser_t *p)
{
    p->conn_close = false;
    p->fields = 0;
    p->cl_seen = false;
    p->te_seen = false;
    p->te_bad = false;
    p->te_chunked = 0;
    p->content_length = 0;
    p->has_location = false;
    p->location_len = 0;
    p->location[0] = '\0';
}

/* "HTTP/1.x SP 3DIGIT [SP reason]". The reason may be missing altogether:
 * RFC 9112 4 makes it optional and some servers also drop the space. */
static int on_status_line(wf_http_parser_t *p)
{
    const char *l = p->line;
    size_t n = p->line_len;
    if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') || l[8] != ' ') {
        return WF_EHTTP_PROTO;
    }
    if (l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' || l[11] < '0' || l[11] > '9') {
        return WF_EHTTP_PROTO;
    }
    if (n > 12 && l[12] != ' ') {
        return WF_EHTTP_PROTO;
    }
    int code = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
    reset_head(p);
    p->blank_lines = 0;
    p->state = S_HEADER;
    if (code < 200) {
        /* We never offer an upgrade, so a 101 can only be a broken server. */
        if (code == 101) {
            return WF_EHTTP_PROTO;
        }
        p->interim = true;
        return 0;
    }
    p->interim = false;
    p->http10 = l[7] == '0';
    p->status = (uint16_t)code;
    if (p->cb != NULL && p->cb->status != NULL) {
        int rc = p->cb->status(p->ctx, code, n > 12 ? l + 13 : "");
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* Content-Length: 1*DIGIT, or a list of identical ones (RFC 9112 6.3 item 5). */
static int on_content_length(wf_http_parser_t *p, const char *v)
{
    for (;;) {
        while (is_ows(*v)) {
            v++;
        }
        if (*v < '0' || *v > '9') {
            return WF_EHTTP_PROTO;
        }
        uint64_t n = 0;
        while (*v >= '0' && *v <= '9') {
            unsigned d = (unsigned)(*v - '0');
            if (n > (UINT64_MAX - d) / 10u) {
                return WF_EHTTP_PROTO;
            }
            n = n * 10u + d;
            v++;
        }
        if (p->cl_seen && n != p->content_length) {
            return WF_EHTTP_PROTO;
        }
        p->cl_seen = true;
        p->content_length = n;
        while (is_ows(*v)) {
            v++;
        }
        if (*v == '\0') {
            return 0;
        }
        if (*v != ',') {
            return WF_EHTTP_PROTO;
        }
        v++;
    }
}

/* The next element of a comma-separated list (RFC 9110 5.6.1) at *v, without
 * the whitespace around it: [*start, *end), empty for an empty element (which
 * the list syntax allows). False at the end of the value; *v moves past it. */
static bool next_list_element(const char **v, const char **start, const char **end)
{
    const char *at = *v;
    while (*at == ',' || is_ows(*at)) {
        at++;
    }
    if (*at == '\0') {
        return false;
    }
    *start = at;
    while (*at != '\0' && *at != ',') {
        at++;
    }
    *v = at;
    while (at > *start && is_ows(at[-1])) {
        at--;
    }
    *end = at;
    return true;
}

/* Transfer-Encoding: a list of codings; empty list elements are skipped. */
static void on_transfer_encoding(wf_http_parser_t *p, const char *v)
{
    p->te_seen = true;
    const char *start, *end;
    while (next_list_element(&v, &start, &end)) {
        if (end == start) {
            continue;
        }
        size_t n = (size_t)(end - start);
        bool chunked = n == 7;
        for (size_t i = 0; chunked && i < n; i++) {
            chunked = lower(start[i]) == "chunked"[i];
        }
        if (chunked) {
            if (p->te_chunked < UINT8_MAX) {
                p->te_chunked++;
            }
        } else {
            p->te_bad = true;
        }
    }
}

static int on_location(wf_http_parser_t *p, const char *v, size_t n)
{
    if (p->status < 300 || p->status > 399) {
        return 0;
    }
    if (p->has_location) {
        return (n == p->location_len && memcmp(v, p->location, n) == 0) ? 0 : WF_EHTTP_PROTO;
    }
    if (n > WF_HTTP_MAX_LOCATION) {
        return WF_EHTTP_TOOBIG;
    }
    memcpy(p->location, v, n);
    p->location[n] = '\0';
    p->location_len = n;
    p->has_location = true;
    return 0;
}

/* Split "name: value" in place (the colon becomes the name's NUL) and trim
 * the value. Shared by header and trailer fields. */
static int split_field(wf_http_parser_t *p, const char **name, const char **value, size_t *value_len)
{
    char *l = p->line;
    char *colon = memchr(l, ':', p->line_len);
    if (colon == NULL || colon == l) {
        return WF_EHTTP_PROTO;
    }
    /* Whitespace before the colon is invalid (RFC 9112 5.1) and is caught
     * here, since a space is not a tchar. */
    for (char *c = l; c < colon; c++) {
        if (!is_tchar(*c)) {
            return WF_EHTTP_PROTO;
        }
    }
    if (p->fields >= WF_HTTP_MAX_HEADERS) {
        return WF_EHTTP_TOOBIG;
    }
    p->fields++;
    *colon = '\0';
    char *v = colon + 1;
    char *end = l + p->line_len;
    while (v < end && is_ows(*v)) {
        v++;
    }
    while (end > v && is_ows(end[-1])) {
        end--;
    }
    *end = '\0';
    *name = l;
    *value = v;
    *value_len = (size_t)(end - v);
    return 0;
}

static int on_header_line(wf_http_parser_t *p)
{
    const char *name, *value;
    size_t vlen;
    int rc = split_field(p, &name, &value, &vlen);
    if (rc < 0 || p->interim) {
        return rc;
    }
    if (name_is(name, "content-length")) {
        rc = on_content_length(p, value);
    } else if (name_is(name, "transfer-encoding")) {
        on_transfer_encoding(p, value);
    } else if (name_is(name, "location")) {
        rc = on_location(p, value, vlen);
    } else if (name_is(name, "connection") && wf_http_field_has_token(value, "close")) {
        p->conn_close = true;
    }
    if (rc < 0) {
        return rc;
    }
    if (p->cb != NULL && p->cb->header != NULL) {
        return p->cb->header(p->ctx, name, value);
    }
    return 0;
}

/* The empty line: decide how the body is delimited (RFC 9112 6.3). */
static int on_head_end(wf_http_parser_t *p)
{
    if (p->interim) {
        p->interim = false;
        p->state = S_STATUS;
        return 0;
    }
    bool no_body = p->head_request || p->status == 204 || p->status == 304;
    /* Both framings announced: the chunked one wins (below), but the sender
     * is suspect (RFC 9112 6.3 item 3), so the connection is not reused. */
    p->must_close = p->te_seen && p->cl_seen;
    if (!no_body && p->te_seen && (p->http10 || p->te_bad || p->te_chunked != 1)) {
        return WF_EHTTP_PROTO;
    }
    if (!no_body && !p->te_seen && p->cl_seen) {
        p->cl_applies = true; /* known from headers_done on (wf_http_parser_content_length) */
    }
    if (p->cb != NULL && p->cb->headers_done != NULL) {
        int rc = p->cb->headers_done(p->ctx);
        if (rc < 0) {
            return rc;
        }
    }
    if (no_body) {
        p->state = S_DONE;
    } else if (p->te_seen) {
        p->fields = 0;
        p->state = S_CHUNK_SIZE;
    } else if (p->cl_seen) {
        p->cl_applies = true;
        p->remaining = p->content_length;
        p->state = p->remaining == 0 ? S_DONE : S_BODY_LEN;
    } else {
        p->until_close = true;
        p->state = S_BODY_CLOSE;
    }
    return 0;
}

static size_t skip_ows(const char *l, size_t n, size_t i)
{
    while (i < n && is_ows(l[i])) {
        i++;
    }
    return i;
}

static size_t skip_token(const char *l, size_t n, size_t i)
{
    while (i < n && is_tchar(l[i])) {
        i++;
    }
    return i;
}

/* quoted-string (RFC 9110 5.6.4) starting at the DQUOTE l[*i]: true and *i
 * past the closing DQUOTE, or false if the line ends first. The line reader
 * let through only HTAB, SP, VCHAR and obs-text, which is exactly what qdtext
 * (less DQUOTE and backslash) and the second byte of a quoted-pair allow. */
static bool skip_quoted_string(const char *l, size_t n, size_t *i)
{
    for (size_t k = *i + 1; k < n; k++) {
        if (l[k] == '"') {
            *i = k + 1;
            return true;
        }
        if (l[k] == '\\') {
            k++; /* quoted-pair: the next byte, whatever it is */
        }
    }
    return false;
}

/* chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 * from l[i] to the end of the line (RFC 9112 7.1.1), with chunk-ext-name a
 * token and chunk-ext-val a token or a quoted-string. Whitespace is allowed
 * only where BWS is: not at the end of the line nor after a size or an
 * extension that nothing follows. The values are not kept. */
static bool chunk_ext_valid(const char *l, size_t n, size_t i)
{
    while (i < n) {
        i = skip_ows(l, n, i);
        if (i == n || l[i] != ';') {
            return false;
        }
        i = skip_ows(l, n, i + 1);
        size_t name = i;
        i = skip_token(l, n, i);
        if (i == name) {
            return false;
        }
        size_t eq = skip_ows(l, n, i);
        if (eq < n && l[eq] == '=') {
            i = skip_ows(l, n, eq + 1);
            if (i < n && l[i] == '"') {
                if (!skip_quoted_string(l, n, &i)) {
                    return false;
                }
            } else {
                size_t value = i;
                i = skip_token(l, n, i);
                if (i == value) {
                    return false;
                }
            }
        }
    }
    return true;
}

/* chunk-size [ chunk-ext ] (RFC 9112 7.1): chunk-size = 1*HEXDIG. */
static int on_chunk_size_line(wf_http_parser_t *p)
{
    const char *l = p->line;
    uint64_t n = 0;
    size_t i = 0;
    for (; i < p->line_len; i++) {
        char c = l[i];
        unsigned d;
        if (c >= '0' && c <= '9') {
            d = (unsigned)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            d = (unsigned)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            d = (unsigned)(c - 'A' + 10);
        } else {
            break;
        }
        if (n > (UINT64_MAX >> 4)) {
            return WF_EHTTP_PROTO;
        }
        n = (n << 4) | d;
    }
    if (i == 0 || !chunk_ext_valid(l, p->line_len, i)) {
        return WF_EHTTP_PROTO;
    }
    if (n == 0) {
        p->state = S_TRAILER;
    } else {
        p->remaining = n;
        p->state = S_CHUNK_DATA;
    }
    return 0;
}

static int on_line(wf_http_parser_t *p)
{
    switch (p->state) {
    case S_STATUS:
        if (p->line_len == 0) {
            /* An empty line before a status line (a stray CRLF after a 1xx
             * response, or after the previous response): skipped, a few. */
            return ++p->blank_lines <= WF_HTTP_MAX_BLANK_LINES ? 0 : WF_EHTTP_PROTO;
        }
        return on_status_line(p);
    case S_HEADER:
        return p->line_len == 0 ? on_head_end(p) : on_header_line(p);
    case S_CHUNK_SIZE:
        return on_chunk_size_line(p);
    case S_TRAILER:
        if (p->line_len == 0) {
            p->state = S_DONE;
            return 0;
        } else {
            const char *name, *value;
            size_t vlen;
            return split_field(p, &name, &value, &vlen);
        }
    default:
        assert(0);
        return WF_EHTTP_PROTO;
    }
}

/* Is the line end (`crlf` or a bare LF) of the line just read allowed where
 * it is? A head keeps the line end of its status line throughout (a bare LF
 * among CRLF lines is how a field is smuggled past a CRLF-only reader); the
 * chunked framing (size lines, trailer section) takes CRLF only (RFC 9112
 * 7.1: the bare-LF allowance of 2.2 is for the start line and the head). */
static int check_line_end(wf_http_parser_t *p, bool crlf)
{
    uint8_t eol = crlf ? EOL_CRLF : EOL_LF;
    switch (p->state) {
    case S_STATUS:
        if (p->line_len > 0) {
            p->eol = eol; /* an empty line to skip may end either way */
        }
        return 0;
    case S_HEADER:
        return eol == p->eol ? 0 : WF_EHTTP_PROTO;
    default:
        return crlf ? 0 : WF_EHTTP_PROTO;
    }
}

/* One byte of a line-oriented state. */
static int head_byte(wf_http_parser_t *p, char c)
{
    if (p->state == S_STATUS && p->line_len < 5 && !p->cr && c != "HTTP/"[p->line_len] &&
        !(p->line_len == 0 && (c == '\r' || c == '\n'))) {
        /* Not HTTP at all (TLS bytes on a plain port, HTTP/0.9): say so now
         * instead of after WF_HTTP_MAX_LINE bytes. */
        return WF_EHTTP_PROTO;
    }
    if ((p->state == S_HEADER || p->state == S_TRAILER) && p->line_len == 0 && !p->cr && is_ows(c)) {
        return WF_EHTTP_PROTO; /* obs-fold (RFC 9112 5.2) */
    }
    int rc = line_byte(p, c);
    if (rc != LINE_LF && rc != LINE_CRLF) {
        return rc;
    }
    rc = check_line_end(p, rc == LINE_CRLF);
    if (rc == 0) {
        rc = on_line(p);
    }
    p->line_len = 0;
    return rc;
}

static int deliver(wf_http_parser_t *p, const uint8_t *data, size_t n)
{
    p->body_received += n;
    if (p->cb != NULL && p->cb->body != NULL) {
        return p->cb->body(p->ctx, data, n);
    }
    return 0;
}

int wf_http_parser_feed(wf_http_parser_t *p, const uint8_t *data, size_t len)
{
    assert(p != NULL && (data != NULL || len == 0));
    assert(len <= INT_MAX);
    if (p->state == S_ERROR) {
        return p->err;
    }
    if (len > 0) {
        p->got_any = true;
    }
    size_t i = 0;
    while (i < len && p->state != S_DONE) {
        int rc = 0;
        size_t left = len - i;
        switch (p->state) {
        case S_BODY_CLOSE:
            rc = deliver(p, data + i, left);
            i += left;
            break;
        case S_BODY_LEN:
        case S_CHUNK_DATA: {
            size_t n = p->remaining < left ? (size_t)p->remaining : left;
            p->remaining -= n;
            if (p->remaining == 0) {
                p->state = p->state == S_BODY_LEN ? S_DONE : S_CHUNK_END;
            }
            rc = deliver(p, data + i, n);
            i += n;
            break;
        }
        case S_CHUNK_END: {
            /* Exactly CRLF, checked byte by byte so that a missing one is
             * reported at once rather than after a line's worth of data. */
            char c = (char)data[i++];
            if (c == '\r' && !p->cr) {
                p->cr = true;
            } else if (c == '\n' && p->cr) {
                p->cr = false;
                p->state = S_CHUNK_SIZE;
            } else {
                rc = WF_EHTTP_PROTO;
            }
            break;
        }
        default:
            rc = head_byte(p, (char)data[i++]);
            break;
        }
        if (rc < 0) {
            return set_error(p, rc);
        }
    }
    return (int)i;
}

int wf_http_parser_finish(wf_http_parser_t *p)
{
    assert(p != NULL);
    switch (p->state) {
    case S_ERROR:
        return p->err;
    case S_DONE:
        return 0;
    case S_BODY_CLOSE:
        p->state = S_DONE;
        return 0;
    case S_STATUS:
    case S_HEADER:
        return set_error(p, p->got_any ? WF_EHTTP_PROTO : WF_EHTTP_EMPTY);
    default:
        return set_error(p, WF_EHTTP_SHORT);
    }
}

bool wf_http_parser_complete(const wf_http_parser_t *p)
{
    assert(p != NULL);
    return p->state == S_DONE;
}

int wf_http_parser_status(const wf_http_parser_t *p)
{
    assert(p != NULL);
    return p->status;
}

const char *wf_http_parser_location(const wf_http_parser_t *p)
{
    assert(p != NULL);
    return p->has_location ? p->location : NULL;
}

bool wf_http_parser_content_length(const wf_http_parser_t *p, uint64_t *len)
{
    assert(p != NULL && len != NULL);
    if (!p->cl_applies) {
        return false;
    }
    *len = p->content_length;
    return true;
}

uint64_t wf_http_parser_body_received(const wf_http_parser_t *p)
{
    assert(p != NULL);
    return p->body_received;
}

bool wf_http_parser_started(const wf_http_parser_t *p)
{
    assert(p != NULL);
    return p->got_any;
}

bool wf_http_parser_may_keep(const wf_http_parser_t *p)
{
    assert(p != NULL);
    return p->state == S_DONE && !p->until_close && !p->http10 && !p->conn_close && !p->must_close;
}

/* A comma-separated list of tokens (RFC 9110 5.6.1), with optional
 * whitespace around each element; tokens compare case-insensitively. */
bool wf_http_field_has_token(const char *value, const char *token)
{
    assert(value != NULL && token != NULL);
    size_t want = strlen(token);
    const char *start, *end;
    while (next_list_element(&value, &start, &end)) {
        if ((size_t)(end - start) == want) {
            size_t i = 0;
            while (i < want && lower(start[i]) == lower(token[i])) {
                i++;
            }
            if (i == want) {
                return true;
            }
        }
    }
    return false;
}
