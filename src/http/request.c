/* HTTP/1.1 request head (RFC 9112 3 and RFC 9110 7.2, 10.1.5). */
#include "wizfetch/http.h"

#include <assert.h>
#include <string.h>

#include "wizfetch/error.h"

/* A header value or request target must not be able to end its line early:
 * a CR or LF would let whoever built the string add headers of their own. */
static bool printable(const char *s, bool allow_space)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f) {
            if (!(allow_space && c == '\t')) {
                return false;
            }
        }
        if (c == ' ' && !allow_space) {
            return false;
        }
    }
    return true;
}

struct out {
    char *buf;
    size_t cap;
    size_t len;
    bool full;
};

static void add(struct out *o, const char *s)
{
    size_t n = strlen(s);
    if (o->full || o->cap - o->len <= n) {
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, s, n + 1);
    o->len += n;
}

static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_token(const char *s)
{
    if (s == NULL || *s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (!is_tchar((unsigned char)*s)) {
            return false;
        }
    }
    return true;
}

bool wf_http_method_valid(const char *method)
{
    return is_token(method);
}

static bool same_name(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        char x = *a, y = *b;
        x = (x >= 'A' && x <= 'Z') ? (char)(x - 'A' + 'a') : x;
        y = (y >= 'A' && y <= 'Z') ? (char)(y - 'A' + 'a') : y;
        if (x != y) {
            return false;
        }
    }
    return *a == *b;
}

int wf_http_header_check(const char *name, const char *value)
{
    if (!is_token(name) || (value != NULL && !printable(value, true))) {
        return WF_EINVAL;
    }
    return 0;
}

/* The caller's field for a default header: NULL if none, else the last one
 * given (its value may be NULL: removed). */
static const struct wf_http_header *caller_field(const struct wf_http_request_head *h, const char *name)
{
    const struct wf_http_header *found = NULL;
    for (size_t i = 0; i < h->header_count; i++) {
        if (same_name(h->headers[i].name, name)) {
            found = &h->headers[i];
        }
    }
    return found;
}

static bool is_default_name(const char *name)
{
    static const char *const defaults[] = {"Host", "User-Agent", "Accept", "Connection"};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        if (same_name(name, defaults[i])) {
            return true;
        }
    }
    return false;
}

/* One default field, unless the caller replaced or removed it. */
static void add_default(struct out *o, const struct wf_http_request_head *h, const char *name,
                        const char *value)
{
    if (caller_field(h, name) != NULL) {
        return;
    }
    add(o, name);
    add(o, ": ");
    add(o, value);
    add(o, "\r\n");
}

static void add_u64(struct out *o, uint64_t v)
{
    char digits[24];
    size_t i = sizeof digits;
    digits[--i] = '\0';
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    add(o, digits + i);
}

int wf_http_request_head_write(char *buf, size_t cap, const struct wf_http_request_head *h)
{
    assert(h != NULL && h->url != NULL && (buf != NULL || cap == 0));
    if (cap > 0) {
        buf[0] = '\0';
    }
    const struct wf_url *url = h->url;
    const char *method = h->method != NULL ? h->method : "GET";
    const char *user_agent = h->user_agent != NULL ? h->user_agent : WF_HTTP_USER_AGENT;
    if (!is_token(method) || !printable(user_agent, true) || !printable(url->host, false) ||
        !printable(url->path, false) || url->host[0] == '\0' || url->path[0] != '/' ||
        (h->header_count > 0 && h->headers == NULL) || h->framing > WF_HTTP_CHUNKED ||
        (h->range != NULL && !wf_http_range_valid(h->range))) {
        return WF_EINVAL;
    }
    for (size_t i = 0; i < h->header_count; i++) {
        const struct wf_http_header *f = &h->headers[i];
        if (wf_http_header_check(f->name, f->value) < 0 || same_name(f->name, "Content-Length") ||
            same_name(f->name, "Transfer-Encoding")) {
            return WF_EINVAL;
        }
    }

    char authority[WF_URL_MAX_HOST + 8];
    if (wf_url_authority(url, authority, sizeof authority) < 0) {
        return WF_EINVAL; /* cannot happen: 253 host bytes and ":65535" fit */
    }

    struct out o = {buf, cap, 0, cap == 0};
    add(&o, method);
    add(&o, " ");
    add(&o, url->path);
    add(&o, " HTTP/1.1\r\n");
    add_default(&o, h, "Host", authority);
    add_default(&o, h, "User-Agent", user_agent);
    add_default(&o, h, "Accept", "*/*");
    /* Connection: close makes the end of the response the end of the
     * connection (one request per connection). A connection that may be
     * kept sends nothing: HTTP/1.1 connections persist by default. */
    if (!h->keep_alive) {
        add_default(&o, h, "Connection", "close");
    }
    if (h->range != NULL) {
        char range[WF_HTTP_RANGE_VALUE_MAX];
        wf_http_range_value(h->range, range);
        add_default(&o, h, "Range", range);
    }
    if (h->framing == WF_HTTP_LENGTH) {
        add(&o, "Content-Length: ");
        add_u64(&o, h->content_length);
        add(&o, "\r\n");
    } else if (h->framing == WF_HTTP_CHUNKED) {
        add(&o, "Transfer-Encoding: chunked\r\n");
    }
    for (size_t i = 0; i < h->header_count; i++) {
        const struct wf_http_header *f = &h->headers[i];
        if (f->value == NULL || (h->drop_credentials && wf_http_is_credential(f->name)) ||
            (h->drop_body_fields && (f->flags & WF_HTTP_HEADER_BODY) != 0)) {
            continue;
        }
        /* A replaced default is sent once, with the last value given. */
        if (is_default_name(f->name) && caller_field(h, f->name) != f) {
            continue;
        }
        add(&o, f->name);
        add(&o, f->value[0] != '\0' ? ": " : ":");
        add(&o, f->value);
        add(&o, "\r\n");
    }
    add(&o, "\r\n");
    if (o.full) {
        if (cap > 0) {
            buf[0] = '\0';
        }
        return WF_ENOMEM;
    }
    return (int)o.len;
}

int wf_http_request_write(char *buf, size_t cap, enum wf_http_method method, const struct wf_url *url,
                          const char *user_agent)
{
    assert(url != NULL && (buf != NULL || cap == 0));
    if (cap > 0) {
        buf[0] = '\0';
    }
    if (method != WF_HTTP_GET && method != WF_HTTP_HEAD) {
        return WF_EINVAL;
    }
    struct wf_http_request_head h = {
        .method = method == WF_HTTP_HEAD ? "HEAD" : "GET",
        .url = url,
        .user_agent = user_agent,
    };
    return wf_http_request_head_write(buf, cap, &h);
}

size_t wf_http_chunk_frame(uint8_t *buf, size_t len, size_t *start)
{
    static const char hex[] = "0123456789abcdef";
    assert(buf != NULL && start != NULL && len > 0);
    size_t i = WF_HTTP_CHUNK_PREFIX;
    buf[--i] = '\n';
    buf[--i] = '\r';
    uint64_t v = len;
    do {
        buf[--i] = (uint8_t)hex[v & 15];
        v >>= 4;
    } while (v != 0);
    buf[WF_HTTP_CHUNK_PREFIX + len] = '\r';
    buf[WF_HTTP_CHUNK_PREFIX + len + 1] = '\n';
    *start = i;
    return WF_HTTP_CHUNK_PREFIX + len + WF_HTTP_CHUNK_SUFFIX - i;
}

const char *wf_http_redirect_method(int status, const char *method, bool *keep_body)
{
    if (method == NULL) {
        method = "GET";
    }
    bool to_get = (status == 303 && strcmp(method, "HEAD") != 0) ||
                  ((status == 301 || status == 302) && strcmp(method, "POST") == 0);
    *keep_body = !to_get;
    return to_get ? "GET" : method;
}

bool wf_http_is_credential(const char *name)
{
    return same_name(name, "Authorization") || same_name(name, "Proxy-Authorization") ||
           same_name(name, "Cookie");
}

bool wf_http_redirect_keeps_auth(const struct wf_url *from, const struct wf_url *to)
{
    return from->https == to->https && from->port == to->port && strcmp(from->host, to->host) == 0;
}
