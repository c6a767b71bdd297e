/* URL parsing and reference resolution, written from RFC 3986 sections 3 and 5. */
#include "wizfetch/url.h"

#include <assert.h>
#include <string.h>

#include "wizfetch/error.h"

static int fail(const char **why, int code, const char *text)
{
    if (why != NULL) {
        *why = text;
    }
    return code;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Bytes that may never appear in a URL we accept, whatever the part: they
 * would corrupt the request line or the Host header. */
static int check_bytes(const char *s, size_t n, const char **why)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            return fail(why, WF_EURL, "control character in URL");
        }
        if (c == ' ') {
            return fail(why, WF_EURL, "space in URL");
        }
    }
    /* Percent escapes are checked only up to the fragment, which is dropped
     * unread; a stray '%' in the host is reported by the host check. */
    for (size_t i = 0; i < n && s[i] != '#'; i++) {
        if (s[i] == '%' && (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))) {
            return fail(why, WF_EURL, "'%' not followed by two hex digits");
        }
    }
    return 0;
}

/* Length of a leading "scheme:" (RFC 3986 3.1), 0 if the text does not start
 * with one. */
static size_t scheme_len(const char *s, size_t n)
{
    if (n == 0 || !is_alpha(s[0])) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (c == ':') {
            return i;
        }
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') {
            return 0;
        }
    }
    return 0;
}

static bool equal_nocase(const char *a, size_t n, const char *lit)
{
    size_t i = 0;
    for (; i < n && lit[i] != '\0'; i++) {
        if (lower(a[i]) != lit[i]) {
            return false;
        }
    }
    return i == n && lit[i] == '\0';
}

/* (url.h) A strict dotted quad: exactly four parts, 0..255, no leading zeros
 * (RFC 3986 dec-octet). Stricter than inet_aton on purpose, so "010.1"
 * cannot mean octal to one program and decimal to another. */
bool wf_url_parse_ipv4(const char *h, size_t n, uint8_t ip[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || h[i] != '.') {
                return false;
            }
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < n && is_digit(h[i]) && i - start < 3) {
            v = v * 10u + (unsigned)(h[i] - '0');
            i++;
        }
        size_t len = i - start;
        if (len == 0 || v > 255 || (len > 1 && h[start] == '0')) {
            return false;
        }
        ip[part] = (uint8_t)v;
    }
    return i == n;
}

/* authority = host [ ":" port ] with the restrictions documented in url.h. */
static int parse_authority(const char *a, size_t n, bool https, struct wf_url *out, const char **why)
{
    if (memchr(a, '@', n) != NULL) {
        return fail(why, WF_EURL, "user name or password in URL is not supported");
    }
    if (n > 0 && a[0] == '[') {
        return fail(why, WF_EURL, "IPv6 address literals are not supported");
    }
    const char *colon = memchr(a, ':', n);
    size_t host_len = colon != NULL ? (size_t)(colon - a) : n;
    if (host_len == 0) {
        return fail(why, WF_EURL, "empty host");
    }
    if (host_len > WF_URL_MAX_HOST) {
        return fail(why, WF_EURL, "host name too long");
    }

    bool numeric = true;
    size_t label = 0;
    for (size_t i = 0; i < host_len; i++) {
        char c = a[i];
        if (c == '.') {
            /* One trailing dot (a fully qualified name) is fine; an empty
             * label anywhere else cannot be looked up. */
            if (label == 0) {
                return fail(why, WF_EURL, "empty label in host name");
            }
            label = 0;
        } else if (is_alpha(c) || is_digit(c) || c == '-' || c == '_') {
            if (++label > 63) {
                return fail(why, WF_EURL, "host name label longer than 63 characters");
            }
            if (!is_digit(c)) {
                numeric = false;
            }
        } else if (c == '%') {
            return fail(why, WF_EURL, "percent-encoded host names are not supported");
        } else {
            return fail(why, WF_EURL, "invalid character in host name");
        }
        out->host[i] = lower(c);
    }
    out->host[host_len] = '\0';

    out->host_is_ipv4 = false;
    memset(out->ipv4, 0, sizeof out->ipv4);
    if (numeric) {
        if (!wf_url_parse_ipv4(a, host_len, out->ipv4)) {
            return fail(why, WF_EURL, "invalid IPv4 address");
        }
        out->host_is_ipv4 = true;
    }

    out->https = https;
    out->port = wf_url_default_port(https);
    if (colon != NULL) {
        const char *p = colon + 1;
        size_t plen = n - host_len - 1;
        uint32_t port = 0;
        for (size_t i = 0; i < plen; i++) {
            if (!is_digit(p[i])) {
                return fail(why, WF_EURL, "invalid port");
            }
        }
        for (size_t i = 0; i < plen; i++) {
            port = port * 10u + (uint32_t)(p[i] - '0');
            if (port > 65535u) {
                return fail(why, WF_EURL, "port out of range (1..65535)");
            }
        }
        /* "host:" is an empty port, which RFC 3986 3.2.3 says means the default. */
        if (plen > 0) {
            if (port == 0) {
                return fail(why, WF_EURL, "port out of range (1..65535)");
            }
            out->port = (uint16_t)port;
        }
    }
    return 0;
}

/* The request target is built in place in out->path, so the limit check is
 * one comparison per byte and no scratch buffer is needed. */
struct target {
    char *buf;
    size_t len;
    bool full;
};

static void put(struct target *t, char c)
{
    if (t->len >= WF_URL_MAX_PATH) {
        t->full = true;
        return;
    }
    t->buf[t->len++] = c;
}

/* Non-ASCII bytes are escaped rather than rejected: servers do send raw
 * UTF-8 in Location, and browsers escape it the same way. */
static void put_encoded(struct target *t, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            put(t, '%');
            put(t, hex[c >> 4]);
            put(t, hex[c & 15]);
        } else {
            put(t, (char)c);
        }
    }
}

/* Append path segments with dot-segment removal (RFC 3986 5.2.4), one
 * segment at a time: t holds the output so far, without a trailing '/',
 * and `..` removes its last segment. This gives the same result as the
 * RFC's buffer-rewriting loop for every path that starts with '/' (and for a
 * relative path appended to the base's directory, which is what merge
 * produces). */
static void put_segments(struct target *t, const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        const char *slash = memchr(s + i, '/', n - i);
        size_t end = slash != NULL ? (size_t)(slash - s) : n;
        size_t seglen = end - i;
        bool last = slash == NULL;
        if (seglen == 1 && s[i] == '.') {
            if (last) {
                put(t, '/');
            }
        } else if (seglen == 2 && s[i] == '.' && s[i + 1] == '.') {
            while (t->len > 0 && t->buf[t->len - 1] != '/') {
                t->len--;
            }
            if (t->len > 0) {
                t->len--;
            }
            if (last) {
                put(t, '/');
            }
        } else {
            put(t, '/');
            put_encoded(t, s + i, seglen);
        }
        if (last) {
            return;
        }
        i = end + 1;
    }
}

static int finish_target(struct target *t, const char *query, size_t qlen, const char **why)
{
    if (t->len == 0) {
        put(t, '/');
    }
    put_encoded(t, query, qlen);
    if (t->full) {
        return fail(why, WF_EURL, "path and query too long");
    }
    t->buf[t->len] = '\0';
    return 0;
}

/* Split "path?query#fragment" (the part after the authority, or a relative
 * reference) into its path and query ('?' included) and drop the fragment. */
static void split_tail(const char *s, size_t n, size_t *path_len, const char **query, size_t *qlen)
{
    const char *hash = memchr(s, '#', n);
    if (hash != NULL) {
        n = (size_t)(hash - s);
    }
    const char *q = memchr(s, '?', n);
    *path_len = q != NULL ? (size_t)(q - s) : n;
    *query = s + *path_len;
    *qlen = n - *path_len;
}

/* "//authority path-abempty [?query] [#fragment]", shared by absolute URLs
 * and scheme-relative references. s points at the two slashes. */
static int parse_net_path(const char *s, size_t n, bool https, struct wf_url *out, const char **why)
{
    s += 2;
    n -= 2;
    size_t alen = 0;
    while (alen < n && s[alen] != '/' && s[alen] != '?' && s[alen] != '#') {
        alen++;
    }
    int rc = parse_authority(s, alen, https, out, why);
    if (rc < 0) {
        return rc;
    }
    size_t plen, qlen;
    const char *query;
    split_tail(s + alen, n - alen, &plen, &query, &qlen);
    struct target t = {out->path, 0, false};
    if (plen > 0) {
        /* path-abempty: non-empty means it starts with '/'. */
        put_segments(&t, s + alen + 1, plen - 1);
    }
    return finish_target(&t, query, qlen, why);
}

static int parse_absolute(const char *s, size_t n, struct wf_url *out, const char **why)
{
    size_t slen = scheme_len(s, n);
    if (slen == 0) {
        return fail(why, WF_EURL, "no scheme (expected http:// or https://)");
    }
    bool https;
    if (equal_nocase(s, slen, "http")) {
        https = false;
    } else if (equal_nocase(s, slen, "https")) {
        https = true;
    } else {
        return fail(why, WF_EURL_SCHEME, "unsupported scheme (only http and https)");
    }
    s += slen + 1;
    n -= slen + 1;
    if (n < 2 || s[0] != '/' || s[1] != '/') {
        return fail(why, WF_EURL, "missing \"//\" after the scheme");
    }
    return parse_net_path(s, n, https, out, why);
}

uint16_t wf_url_default_port(bool https)
{
    return https ? 443 : 80;
}

int wf_url_parse(const char *text, struct wf_url *out, const char **why)
{
    assert(text != NULL && out != NULL);
    size_t n = strlen(text);
    if (n == 0) {
        return fail(why, WF_EURL, "empty URL");
    }
    int rc = check_bytes(text, n, why);
    if (rc < 0) {
        return rc;
    }
    return parse_absolute(text, n, out, why);
}

int wf_url_resolve(const struct wf_url *base, const char *ref, size_t ref_len, struct wf_url *out,
                   const char **why)
{
    assert(base != NULL && out != NULL && out != base);
    assert(ref != NULL || ref_len == 0);
    if (ref_len == 0) {
        *out = *base;
        return 0;
    }
    int rc = check_bytes(ref, ref_len, why);
    if (rc < 0) {
        return rc;
    }
    if (scheme_len(ref, ref_len) > 0) {
        return parse_absolute(ref, ref_len, out, why);
    }
    if (ref_len >= 2 && ref[0] == '/' && ref[1] == '/') {
        return parse_net_path(ref, ref_len, base->https, out, why);
    }

    out->https = base->https;
    out->host_is_ipv4 = base->host_is_ipv4;
    memcpy(out->ipv4, base->ipv4, sizeof out->ipv4);
    out->port = base->port;
    memcpy(out->host, base->host, sizeof out->host);

    size_t plen, qlen;
    const char *query;
    split_tail(ref, ref_len, &plen, &query, &qlen);

    /* The base's own path without its query; the base was built by this
     * module, so its first '?' is where the query starts. */
    const char *bq = strchr(base->path, '?');
    size_t base_plen = bq != NULL ? (size_t)(bq - base->path) : strlen(base->path);

    struct target t = {out->path, 0, false};
    if (plen == 0) {
        if (qlen == 0) {
            /* Empty or fragment-only reference: the base itself, query included. */
            memcpy(out->path, base->path, sizeof out->path);
            return 0;
        }
        memcpy(out->path, base->path, base_plen);
        t.len = base_plen;
    } else if (ref[0] == '/') {
        put_segments(&t, ref + 1, plen - 1);
    } else {
        /* Merge (5.2.3): the base's path up to its last '/', then the
         * reference. put_segments wants the output without that '/'. */
        size_t dir = base_plen;
        while (dir > 0 && base->path[dir - 1] != '/') {
            dir--;
        }
        if (dir > 0) {
            dir--;
        }
        memcpy(out->path, base->path, dir);
        t.len = dir;
        put_segments(&t, ref, plen);
    }
    return finish_target(&t, query, qlen, why);
}

/* Append with truncation tracking; the callers turn `full` into WF_ENOMEM. */
struct text {
    char *buf;
    size_t cap;
    size_t len;
    bool full;
};

static void text_put(struct text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->full || t->cap - t->len <= n) {
        t->full = true;
        return;
    }
    memcpy(t->buf + t->len, s, n + 1);
    t->len += n;
}

static void text_port(struct text *t, const struct wf_url *u)
{
    if (u->port == wf_url_default_port(u->https)) {
        return;
    }
    char digits[7];
    size_t i = sizeof digits;
    unsigned v = u->port;
    digits[--i] = '\0';
    do {
        digits[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    digits[--i] = ':';
    text_put(t, digits + i);
}

static int text_done(struct text *t)
{
    if (t->full) {
        if (t->cap > 0) {
            t->buf[0] = '\0';
        }
        return WF_ENOMEM;
    }
    return (int)t->len;
}

int wf_url_authority(const struct wf_url *u, char *buf, size_t cap)
{
    assert(u != NULL && (buf != NULL || cap == 0));
    struct text t = {buf, cap, 0, cap == 0};
    if (cap > 0) {
        buf[0] = '\0';
    }
    text_put(&t, u->host);
    text_port(&t, u);
    return text_done(&t);
}

int wf_url_format(const struct wf_url *u, char *buf, size_t cap)
{
    assert(u != NULL && (buf != NULL || cap == 0));
    struct text t = {buf, cap, 0, cap == 0};
    if (cap > 0) {
        buf[0] = '\0';
    }
    text_put(&t, u->https ? "https://" : "http://");
    text_put(&t, u->host);
    text_port(&t, u);
    text_put(&t, u->path);
    return text_done(&t);
}
