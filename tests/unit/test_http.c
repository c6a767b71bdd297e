/* HTTP request writer and streaming response parser (src/http). Every
 * response is fed whole, one byte at a time, and split in two at every
 * offset; all runs must agree on every callback, the result and the number
 * of bytes consumed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wizfetch/error.h"
#include "wizfetch/http.h"

/* ---- recording callbacks ---- */

struct rec {
    int status_calls;
    int status;
    char reason[256];
    char headers[16384]; /* "name=value\n" per field */
    size_t headers_len;
    int headers_done;
    uint8_t body[70000];
    size_t body_len;
    int body_calls;
    /* fault injection: which callback fails, and with what */
    int fail_in; /* 0 none, 1 status, 2 header, 3 headers_done, 4 body */
    int fail_rc;
};

static int on_status(void *ctx, int code, const char *reason)
{
    struct rec *r = ctx;
    r->status_calls++;
    r->status = code;
    snprintf(r->reason, sizeof r->reason, "%s", reason);
    return r->fail_in == 1 ? r->fail_rc : 0;
}

static int on_header(void *ctx, const char *name, const char *value)
{
    struct rec *r = ctx;
    int n = snprintf(r->headers + r->headers_len, sizeof r->headers - r->headers_len, "%s=%s\n", name, value);
    assert_true(n > 0 && (size_t)n < sizeof r->headers - r->headers_len);
    r->headers_len += (size_t)n;
    return r->fail_in == 2 ? r->fail_rc : 0;
}

static int on_headers_done(void *ctx)
{
    struct rec *r = ctx;
    r->headers_done++;
    return r->fail_in == 3 ? r->fail_rc : 0;
}

static int on_body(void *ctx, const uint8_t *data, size_t len)
{
    struct rec *r = ctx;
    assert_true(len > 0);
    assert_true(r->body_len + len <= sizeof r->body);
    memcpy(r->body + r->body_len, data, len);
    r->body_len += len;
    r->body_calls++;
    return r->fail_in == 4 ? r->fail_rc : 0;
}

static const struct wf_http_callbacks callbacks = {on_status, on_header, on_headers_done, on_body};

/* ---- driving the parser ---- */

struct outcome {
    int rc;          /* the first error from feed, else finish's result (0 if not called) */
    size_t consumed; /* bytes consumed before the error / completion */
    bool complete;
    int status;
    const char *location;
    struct rec rec;
};

static wf_http_parser_t parser;

/* Feed msg in slices that end at the offsets in cuts (ascending), then the
 * rest; call finish at the end if eof. */
static void drive(const char *msg, size_t len, bool head, const size_t *cuts, size_t ncuts, bool eof,
                  int fail_in, int fail_rc, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    o->rec.fail_in = fail_in;
    o->rec.fail_rc = fail_rc;
    wf_http_parser_init(&parser, head, &callbacks, &o->rec);
    size_t pos = 0;
    for (size_t c = 0; c <= ncuts; c++) {
        size_t end = c < ncuts ? cuts[c] : len;
        if (end < pos) {
            continue;
        }
        int rc = wf_http_parser_feed(&parser, (const uint8_t *)msg + pos, end - pos);
        if (rc < 0) {
            o->rc = rc;
            o->consumed = 0; /* where a slice failed depends on the slicing */
            /* Errors are sticky. */
            assert_int_equal(wf_http_parser_feed(&parser, (const uint8_t *)"x", 1), rc);
            assert_int_equal(wf_http_parser_finish(&parser), rc);
            goto out;
        }
        assert_true((size_t)rc <= end - pos);
        o->consumed += (size_t)rc;
        if ((size_t)rc < end - pos) {
            assert_true(wf_http_parser_complete(&parser));
            break;
        }
        pos = end;
        if (wf_http_parser_complete(&parser)) {
            break;
        }
    }
    if (eof) {
        o->rc = wf_http_parser_finish(&parser);
    }
out:
    o->complete = wf_http_parser_complete(&parser);
    o->status = wf_http_parser_status(&parser);
    o->location = wf_http_parser_location(&parser);
    assert_int_equal(wf_http_parser_body_received(&parser), o->rec.body_len);
}

static void assert_same(const struct outcome *a, const struct outcome *b, const char *how)
{
    if (a->rc != b->rc || a->consumed != b->consumed || a->complete != b->complete ||
        a->status != b->status) {
        fail_msg("%s: rc %s/%s consumed %zu/%zu complete %d/%d status %d/%d", how, wf_strerror_name(a->rc),
                 wf_strerror_name(b->rc), a->consumed, b->consumed, a->complete, b->complete, a->status,
                 b->status);
    }
    assert_int_equal(a->rec.status_calls, b->rec.status_calls);
    assert_string_equal(a->rec.reason, b->rec.reason);
    assert_int_equal(a->rec.headers_len, b->rec.headers_len);
    assert_string_equal(a->rec.headers, b->rec.headers);
    assert_int_equal(a->rec.headers_done, b->rec.headers_done);
    if (a->rec.fail_in == 4 && a->rc < 0) {
        /* The body callback failed: how much it saw first depends on the
         * slicing, but it is always a prefix of the same body. */
        size_t n = a->rec.body_len < b->rec.body_len ? a->rec.body_len : b->rec.body_len;
        assert_memory_equal(a->rec.body, b->rec.body, n);
        return;
    }
    assert_int_equal(a->rec.body_len, b->rec.body_len);
    assert_memory_equal(a->rec.body, b->rec.body, a->rec.body_len);
}

static struct outcome whole, other;

/* Feed the message whole, byte by byte and split at every offset (for
 * messages up to 4 KiB), compare, and leave the whole-feed outcome in
 * `whole`. Checks the result code. */
static const struct outcome *run_ex(const char *msg, size_t len, bool head, int want_rc, int fail_in,
                                    int fail_rc)
{
    drive(msg, len, head, NULL, 0, true, fail_in, fail_rc, &whole);
    if (whole.rc != want_rc) {
        fail_msg("want %s, got %s for: %.*s", wf_strerror_name(want_rc), wf_strerror_name(whole.rc), (int)len,
                 msg);
    }
    static size_t cuts[16384];
    assert_true(len <= sizeof cuts / sizeof cuts[0]);
    for (size_t i = 0; i < len; i++) {
        cuts[i] = i + 1;
    }
    drive(msg, len, head, cuts, len, true, fail_in, fail_rc, &other);
    assert_same(&whole, &other, "byte by byte");
    if (len <= 4096) {
        for (size_t k = 0; k <= len; k++) {
            drive(msg, len, head, &k, 1, true, fail_in, fail_rc, &other);
            char how[48];
            snprintf(how, sizeof how, "split at %zu", k);
            assert_same(&whole, &other, how);
        }
    }
    return &whole;
}

static const struct outcome *run(const char *msg, size_t len, bool head, int want_rc)
{
    return run_ex(msg, len, head, want_rc, 0, 0);
}

#define RUN(lit, rc) run(lit, sizeof(lit) - 1, false, rc)
#define RUN_HEAD(lit, rc) run(lit, sizeof(lit) - 1, true, rc)

static void expect_body(const struct outcome *o, const char *body)
{
    assert_int_equal(o->rec.body_len, strlen(body));
    assert_memory_equal(o->rec.body, body, strlen(body));
}

/* ---- request writer ---- */

static void test_request_get_head(void **state)
{
    (void)state;
    struct wf_url u;
    char buf[2048];
    assert_int_equal(wf_url_parse("https://Example.com/a/b?c=d#e", &u, NULL), 0);
    const char *want = "GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nUser-Agent: " WF_HTTP_USER_AGENT
                       "\r\nAccept: */*\r\nConnection: close\r\n\r\n";
    assert_int_equal(wf_http_request_write(buf, sizeof buf, WF_HTTP_GET, &u, NULL), (int)strlen(want));
    assert_string_equal(buf, want);

    assert_int_equal(wf_url_parse("http://10.0.0.1:8080", &u, NULL), 0);
    want = "HEAD / HTTP/1.1\r\nHost: 10.0.0.1:8080\r\nUser-Agent: test/1 (x)\r\nAccept: */*\r\n"
           "Connection: close\r\n\r\n";
    assert_int_equal(wf_http_request_write(buf, sizeof buf, WF_HTTP_HEAD, &u, "test/1 (x)"),
                     (int)strlen(want));
    assert_string_equal(buf, want);
}

static void test_request_limits(void **state)
{
    (void)state;
    struct wf_url u;
    char buf[2048];
    assert_int_equal(wf_url_parse("http://h/x", &u, NULL), 0);
    int n = wf_http_request_write(buf, sizeof buf, WF_HTTP_GET, &u, "ua");
    assert_true(n > 0);
    assert_int_equal(wf_http_request_write(buf, (size_t)n + 1, WF_HTTP_GET, &u, "ua"), n);
    assert_int_equal(wf_http_request_write(buf, (size_t)n, WF_HTTP_GET, &u, "ua"), WF_ENOMEM);
    assert_string_equal(buf, "");
    assert_int_equal(wf_http_request_write(buf, 1, WF_HTTP_GET, &u, "ua"), WF_ENOMEM);
    assert_int_equal(wf_http_request_write(NULL, 0, WF_HTTP_GET, &u, "ua"), WF_ENOMEM);

    /* Longest URL with the documented buffer size. */
    static char text[WF_URL_MAX_PATH + 300];
    static char big[WF_URL_MAX_PATH + WF_URL_MAX_HOST + 100 + 2];
    char host[WF_URL_MAX_HOST + 1];
    for (size_t i = 0; i < WF_URL_MAX_HOST; i++) {
        host[i] = (i % 64 == 63) ? '.' : 'h';
    }
    host[WF_URL_MAX_HOST] = '\0';
    int len = snprintf(text, sizeof text, "https://%s:65535/", host);
    memset(text + len, 'p', WF_URL_MAX_PATH - 1);
    text[len + WF_URL_MAX_PATH - 1] = '\0';
    assert_int_equal(wf_url_parse(text, &u, NULL), 0);
    assert_true(wf_http_request_write(big, sizeof big, WF_HTTP_GET, &u, "ua") > 0);
}

static void test_request_rejects(void **state)
{
    (void)state;
    struct wf_url u;
    char buf[512];
    assert_int_equal(wf_url_parse("http://h/x", &u, NULL), 0);
    assert_int_equal(wf_http_request_write(buf, sizeof buf, WF_HTTP_GET, &u, "a\r\nX-Evil: 1"), WF_EINVAL);
    assert_int_equal(wf_http_request_write(buf, sizeof buf, WF_HTTP_GET, &u, "a\nb"), WF_EINVAL);
    assert_int_equal(wf_http_request_write(buf, sizeof buf, WF_HTTP_GET, &u, "a\x7f"), WF_EINVAL);
    assert_true(wf_http_request_write(buf, sizeof buf, WF_HTTP_GET, &u, "a\tb c") > 0);
    assert_non_null(strstr(buf, "\r\nUser-Agent: a\tb c\r\n"));
    assert_int_equal(wf_http_request_write(buf, sizeof buf, (enum wf_http_method)7, &u, NULL), WF_EINVAL);
    /* A hand-made URL cannot inject either. */
    strcpy(u.path, "/x HTTP/1.1\r\nX-Evil: 1\r\n");
    assert_int_equal(wf_http_request_write(buf, sizeof buf, WF_HTTP_GET, &u, NULL), WF_EINVAL);
    strcpy(u.path, "x");
    assert_int_equal(wf_http_request_write(buf, sizeof buf, WF_HTTP_GET, &u, NULL), WF_EINVAL);
    strcpy(u.path, "/");
    strcpy(u.host, "h\r\nX: y");
    assert_int_equal(wf_http_request_write(buf, sizeof buf, WF_HTTP_GET, &u, NULL), WF_EINVAL);
    u.host[0] = '\0';
    assert_int_equal(wf_http_request_write(buf, sizeof buf, WF_HTTP_GET, &u, NULL), WF_EINVAL);
}

/* ---- response: status line ---- */

static void test_content_length_basic(void **state)
{
    (void)state;
    const struct outcome *o = RUN("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello", 0);
    assert_int_equal(o->status, 200);
    assert_int_equal(o->rec.status_calls, 1);
    assert_string_equal(o->rec.reason, "OK");
    assert_string_equal(o->rec.headers, "Content-Length=5\nX-A=b\n");
    assert_int_equal(o->rec.headers_done, 1);
    expect_body(o, "hello");
    assert_true(o->complete);
    assert_null(o->location);
    uint64_t cl = 0;
    assert_true(wf_http_parser_content_length(&parser, &cl));
    assert_int_equal(cl, 5);
}

static void test_bytes_after_message_not_consumed(void **state)
{
    (void)state;
    static const char msg[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 500 X\r\n";
    const struct outcome *o = RUN(msg, 0);
    assert_int_equal(o->consumed, strlen(msg) - strlen("HTTP/1.1 500 X\r\n"));
    expect_body(o, "abc");
    assert_true(o->complete);
    /* Complete messages consume nothing more. */
    assert_int_equal(wf_http_parser_feed(&parser, (const uint8_t *)"zz", 2), 0);
    assert_int_equal(wf_http_parser_finish(&parser), 0);

    o = RUN("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nEXTRA", 0);
    assert_int_equal(o->consumed, 38);
    assert_int_equal(o->rec.body_calls, 0);
    o = RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\nNEXT", 0);
    assert_int_equal(o->consumed, 58);
    expect_body(o, "a");
}

static void test_status_line_variants(void **state)
{
    (void)state;
    const struct outcome *o = RUN("HTTP/1.0 404 Not Found\r\nContent-Length: 2\r\n\r\nno", 0);
    assert_int_equal(o->status, 404);
    assert_string_equal(o->rec.reason, "Not Found");
    o = RUN("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 0);
    assert_string_equal(o->rec.reason, "");
    o = RUN("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", 0);
    assert_string_equal(o->rec.reason, "");
    o = RUN("HTTP/1.1 599 a\tb  c \xe9\xff\r\nContent-Length: 0\r\n\r\n", 0);
    assert_int_equal(o->status, 599);
    assert_string_equal(o->rec.reason, "a\tb  c \xe9\xff");
    o = RUN("HTTP/1.1 200 OK\nContent-Length: 1\nX: y\n\nz", 0); /* bare LF line ends */
    assert_string_equal(o->rec.headers, "Content-Length=1\nX=y\n");
    expect_body(o, "z");
}

static void test_status_line_rejects(void **state)
{
    (void)state;
    RUN("HTTP/2 200 OK\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/2.0 200 OK\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.2 200 OK\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 20 OK\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 2000 OK\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 600 X\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 099 X\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 2x0 X\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1  200 OK\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200OK\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 \r\n\r\n", WF_EHTTP_PROTO);
    RUN("http/1.1 200 OK\r\n\r\n", WF_EHTTP_PROTO);
    RUN(" \r\nHTTP/1.1 200 OK\r\n\r\n", WF_EHTTP_PROTO); /* a blank line is not an empty one */
    RUN("ICY 200 OK\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 O\x01K\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 O\x7fK\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\rX\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\r\n\r\n", WF_EHTTP_PROTO);
    run("HTTP/1.1 200 O\0K\r\n\r\n", 20, false, WF_EHTTP_PROTO);

    /* Not HTTP at all is reported at the first wrong byte, not after a line. */
    wf_http_parser_init(&parser, false, NULL, NULL);
    assert_int_equal(wf_http_parser_feed(&parser, (const uint8_t *)"HTT", 3), 3);
    assert_int_equal(wf_http_parser_feed(&parser, (const uint8_t *)"\x16\x03\x01", 3), WF_EHTTP_PROTO);
    wf_http_parser_init(&parser, false, NULL, NULL);
    assert_int_equal(wf_http_parser_feed(&parser, (const uint8_t *)"\x15", 1), WF_EHTTP_PROTO);
}

/* ---- headers ---- */

static void test_header_syntax(void **state)
{
    (void)state;
    const struct outcome *o = RUN("HTTP/1.1 204 No Content\r\n"
                                  "A:  spaced \t \r\n"
                                  "B:\r\n"
                                  "C: \t \r\n"
                                  "D:x\r\n"
                                  "X-!#$%&'*+.^_`|~09: v : w\r\n"
                                  "E: a\tb\xe9\xff\r\n"
                                  "\r\n",
                                  0);
    assert_string_equal(o->rec.headers, "A=spaced\nB=\nC=\nD=x\nX-!#$%&'*+.^_`|~09=v : w\nE=a\tb\xe9\xff\n");
    assert_true(o->complete);
}

static void test_header_rejects(void **state)
{
    (void)state;
    RUN("HTTP/1.1 200 OK\r\n X: y\r\n\r\n", WF_EHTTP_PROTO);       /* fold on the first field */
    RUN("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", WF_EHTTP_PROTO);  /* obs-fold */
    RUN("HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\n\r\n", WF_EHTTP_PROTO); /* obs-fold with tab */
    RUN("HTTP/1.1 200 OK\r\nX : y\r\n\r\n", WF_EHTTP_PROTO);       /* space before colon */
    RUN("HTTP/1.1 200 OK\r\nX\t: y\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\n: y\r\n\r\n", WF_EHTTP_PROTO);     /* empty name */
    RUN("HTTP/1.1 200 OK\r\nX y\r\n\r\n", WF_EHTTP_PROTO);     /* no colon */
    RUN("HTTP/1.1 200 OK\r\nX(y): z\r\n\r\n", WF_EHTTP_PROTO); /* separator in name */
    RUN("HTTP/1.1 200 OK\r\nX\"y: z\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nX\xe9: z\r\n\r\n", WF_EHTTP_PROTO); /* non-ASCII name */
    RUN("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", WF_EHTTP_PROTO);  /* bare CR in value */
    RUN("HTTP/1.1 200 OK\r\nX: a\x0b\r\n\r\n", WF_EHTTP_PROTO); /* control in value */
    RUN("HTTP/1.1 200 OK\r\nX: a\x1b[0m\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nX: a\r\n\r\r\n", WF_EHTTP_PROTO); /* CR CR LF as the end */
    static const char nul_value[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
    run(nul_value, sizeof nul_value - 1, false, WF_EHTTP_PROTO);
    static const char nul_name[] = "HTTP/1.1 200 OK\r\nX\0: b\r\n\r\n";
    run(nul_name, sizeof nul_name - 1, false, WF_EHTTP_PROTO);
}

static void test_header_count_limit(void **state)
{
    (void)state;
    static char msg[8192];
    for (int count = WF_HTTP_MAX_HEADERS; count <= WF_HTTP_MAX_HEADERS + 1; count++) {
        size_t n = (size_t)sprintf(msg, "HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < count - 1; i++) {
            n += (size_t)sprintf(msg + n, "H%d: %d\r\n", i, i);
        }
        n += (size_t)sprintf(msg + n, "Content-Length: 1\r\n\r\nX");
        run(msg, n, false, count <= WF_HTTP_MAX_HEADERS ? 0 : WF_EHTTP_TOOBIG);
    }
}

static void test_line_length_limit(void **state)
{
    (void)state;
    static char msg[2 * WF_HTTP_MAX_LINE + 200];
    /* Status line of exactly WF_HTTP_MAX_LINE bytes, then one more. */
    for (int extra = 0; extra <= 1; extra++) {
        size_t n = (size_t)sprintf(msg, "HTTP/1.1 200 ");
        memset(msg + n, 'r', WF_HTTP_MAX_LINE - n + (size_t)extra);
        n = WF_HTTP_MAX_LINE + (size_t)extra;
        n += (size_t)sprintf(msg + n, "\r\nContent-Length: 0\r\n\r\n");
        const struct outcome *o = run(msg, n, false, extra ? WF_EHTTP_TOOBIG : 0);
        assert_int_equal(strlen(o->rec.reason), extra ? 0 : 255);
    }
    /* Header line of exactly WF_HTTP_MAX_LINE bytes, then one more. */
    for (int extra = 0; extra <= 1; extra++) {
        size_t n = (size_t)sprintf(msg, "HTTP/1.1 200 OK\r\n");
        size_t start = n;
        n += (size_t)sprintf(msg + n, "X: ");
        memset(msg + n, 'v', WF_HTTP_MAX_LINE - 3 + (size_t)extra);
        n = start + WF_HTTP_MAX_LINE + (size_t)extra;
        n += (size_t)sprintf(msg + n, "\r\nContent-Length: 0\r\n\r\n");
        run(msg, n, false, extra ? WF_EHTTP_TOOBIG : 0);
    }
    /* A head that never ends a line. */
    wf_http_parser_init(&parser, false, NULL, NULL);
    memset(msg, 'x', sizeof msg);
    memcpy(msg, "HTTP/1.1 200 ", 13);
    assert_int_equal(wf_http_parser_feed(&parser, (const uint8_t *)msg, sizeof msg), WF_EHTTP_TOOBIG);
}

/* ---- interim responses ---- */

static void test_interim_responses(void **state)
{
    (void)state;
    const struct outcome *o =
        RUN("HTTP/1.1 100 Continue\r\n\r\n"
            "HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\nContent-Length: 99\r\n\r\n"
            "HTTP/1.1 102 Processing\r\n\r\n"
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            0);
    assert_int_equal(o->status, 200);
    assert_int_equal(o->rec.status_calls, 1);
    assert_string_equal(o->rec.headers, "Content-Length=2\n");
    expect_body(o, "ok");

    RUN("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", WF_EHTTP_PROTO);
    o = RUN("HTTP/1.1 100 Continue\r\n\r\n", WF_EHTTP_PROTO); /* EOF, no final response */
    assert_int_equal(o->status, 0);
    assert_int_equal(o->rec.status_calls, 0);
    RUN("HTTP/1.1 100 Continue\r\nX y\r\n\r\n", WF_EHTTP_PROTO); /* interim fields are checked */
}

/* ---- Content-Length ---- */

static void test_content_length_values(void **state)
{
    (void)state;
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 0);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 3, 3,3\r\n\r\nabc", 0);
    RUN("HTTP/1.1 200 OK\r\ncontent-LENGTH: 003\r\n\r\nabc", 0);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 3,\r\n\r\nabc", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 1a\r\n\r\nx", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 1.0\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length:  \r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999\r\n\r\n", WF_EHTTP_PROTO);
    /* The largest value parses; the body then ends early. */
    const struct outcome *o =
        RUN("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nabc", WF_EHTTP_SHORT);
    expect_body(o, "abc");
    uint64_t cl = 0;
    assert_true(wf_http_parser_content_length(&parser, &cl));
    assert_true(cl == UINT64_MAX);
    /* Zero: complete at the end of the head. */
    o = RUN("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0);
    assert_true(o->complete);
    assert_int_equal(o->rec.body_calls, 0);
}

/* ---- chunked ---- */

static void test_chunked(void **state)
{
    (void)state;
    const struct outcome *o = RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "5\r\nhello\r\n"
                                  "1;name=value;x\r\n,\r\n"
                                  "b  ;ext=\"q;x\"\r\n 0123456789\r\n" /* BWS before ';' */
                                  "00000000000000000000002\r\n!!\r\n"
                                  "0\r\n\r\n",
                                  0);
    expect_body(o, "hello, 0123456789!!");
    assert_true(o->complete);
    uint64_t cl;
    assert_false(wf_http_parser_content_length(&parser, &cl));

    /* Upper/lower hex, case-insensitive coding name; a head with LF line
     * ends, the chunked framing with CRLF (which it always needs). */
    o = RUN(
        "HTTP/1.1 200 OK\nTransfer-Encoding: ChUnKeD\n\nb\r\nhello world\r\nB\r\nHELLO WORLD\r\n0\r\n\r\n",
        0);
    expect_body(o, "hello worldHELLO WORLD");

    /* Trailers are parsed and dropped. */
    o = RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: 1\r\n\r\n"
            "3\r\nabc\r\n0\r\nTrailer-A: x\r\nTrailer-B:\r\n\r\n",
            0);
    assert_string_equal(o->rec.headers, "Transfer-Encoding=chunked\nX=1\n");
    expect_body(o, "abc");
    /* Last chunk with an extension. */
    RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0;x=y\r\n\r\n", 0);
    /* A list split over two fields with empty elements. */
    RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\nTransfer-Encoding: , chunked ,\r\n\r\n0\r\n\r\n", 0);
}

static void test_chunked_rejects(void **state)
{
    (void)state;
#define CH "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    RUN(CH "3\r\nabcX\r\n0\r\n\r\n", WF_EHTTP_PROTO); /* no line end after data */
    RUN(CH "3\r\nabc\rX\n0\r\n\r\n", WF_EHTTP_PROTO); /* bare CR after data */
    RUN(CH "3\r\nabc\r\r\n0\r\n\r\n", WF_EHTTP_PROTO);
    RUN(CH "3\r\nabcd\r\n0\r\n\r\n", WF_EHTTP_PROTO); /* chunk longer than announced */
    RUN(CH "g\r\n", WF_EHTTP_PROTO);
    RUN(CH "\r\n", WF_EHTTP_PROTO); /* empty size line */
    RUN(CH ";x\r\n", WF_EHTTP_PROTO);
    RUN(CH "-1\r\n", WF_EHTTP_PROTO);
    RUN(CH "+1\r\nx\r\n0\r\n\r\n", WF_EHTTP_PROTO);
    RUN(CH "0x1\r\nx\r\n0\r\n\r\n", WF_EHTTP_PROTO);
    RUN(CH "1 2\r\n", WF_EHTTP_PROTO);
    RUN(CH " 1\r\n", WF_EHTTP_PROTO);
    RUN(CH "1\rx", WF_EHTTP_PROTO);                  /* bare CR in size line */
    RUN(CH "10000000000000000\r\n", WF_EHTTP_PROTO); /* 2^64: overflow */
    RUN(CH "ffffffffffffffffffffffff\r\n", WF_EHTTP_PROTO);
    RUN(CH "1\x00\r\n", WF_EHTTP_PROTO);
    RUN(CH "0\r\n X: y\r\n\r\n", WF_EHTTP_PROTO); /* folded trailer */
    RUN(CH "0\r\nX y\r\n\r\n", WF_EHTTP_PROTO);   /* malformed trailer */
    RUN(CH "0\r\nX: \x01\r\n\r\n", WF_EHTTP_PROTO);
    /* The largest size parses; the data then ends early. */
    RUN(CH "FFFFFFFFFFFFFFFF\r\nabc", WF_EHTTP_SHORT);
#undef CH
    RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nabc", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", WF_EHTTP_PROTO);
}

/* Chunked framing takes CRLF only (RFC 9112 7.1), whatever the head used. */
static void test_chunked_bare_lf(void **state)
{
    (void)state;
#define CH "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    RUN(CH "5\nhello\n0\n\n", WF_EHTTP_PROTO);
    RUN(CH "5\nhello\r\n0\r\n\r\n", WF_EHTTP_PROTO);         /* size line */
    RUN(CH "5;a=b\nhello\r\n0\r\n\r\n", WF_EHTTP_PROTO);     /* size line with an extension */
    RUN(CH "5\r\nhello\n0\r\n\r\n", WF_EHTTP_PROTO);         /* after the data */
    RUN(CH "5\r\nhello\r\n0\n\r\n", WF_EHTTP_PROTO);         /* last-chunk line */
    RUN(CH "5\r\nhello\r\n0\r\n\n", WF_EHTTP_PROTO);         /* end of the trailer section */
    RUN(CH "5\r\nhello\r\n0\r\nT: x\n\r\n", WF_EHTTP_PROTO); /* trailer field */
    RUN(CH "5\r\nhello\r\n0\r\nT: x\r\n\n", WF_EHTTP_PROTO);
    const struct outcome *o = RUN(CH "5\r\nhello\r\n0\r\nT: x\r\n\r\n", 0);
    expect_body(o, "hello");
#undef CH
    /* A head with LF line ends does not allow them in the framing. */
    RUN("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5\nhello\n0\n\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5\r\nhello\r\n0\r\n\n", WF_EHTTP_PROTO);
    o = RUN("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5\r\nhello\r\n0\r\n\r\n", 0);
    expect_body(o, "hello");
}

/* chunk-size [ chunk-ext ] exactly as RFC 9112 7.1.1 writes it. */
static void test_chunk_ext_grammar(void **state)
{
    (void)state;
#define CH "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    static const char *const rejected[] = {
        /* Whitespace with nothing after it: not BWS. */
        "2 \r\nab\r\n0\r\n\r\n",
        "2\t\r\nab\r\n0\r\n\r\n",
        "25  \r\n",
        "2\r\nab\r\n0 \r\n\r\n",
        "2 erfrferferf\r\naa\r\n0 rrrr\r\n\r\n", /* no ';' */
        /* An extension needs a token name. */
        "2;\r\naa\r\n0\r\n\r\n",
        "2; \r\naa\r\n0\r\n\r\n",
        "2;;a\r\naa\r\n0\r\n\r\n",
        "2;a;\r\naa\r\n0\r\n\r\n",
        "2;=b\r\naa\r\n0\r\n\r\n",
        "2;a(b)\r\naa\r\n0\r\n\r\n",
        "2;a \r\naa\r\n0\r\n\r\n", /* whitespace after the last name */
        "2;a b\r\naa\r\n0\r\n\r\n",
        "0;\r\n\r\n",
        /* A value is a token or a quoted-string. */
        "2;a=\r\naa\r\n0\r\n\r\n",
        "2;a= \r\naa\r\n0\r\n\r\n",
        "2;a==b\r\naa\r\n0\r\n\r\n",
        "2;a=(b)\r\naa\r\n0\r\n\r\n",
        "2;a=b c\r\naa\r\n0\r\n\r\n",
        "2;a=b \r\naa\r\n0\r\n\r\n",
        "2;a=b\"c\"\r\naa\r\n0\r\n\r\n",
        "2;a=\"b\"c\r\naa\r\n0\r\n\r\n",
        /* Unclosed quoted values: the line end closes nothing. */
        "2;a=\"b\r\naa\r\n0\r\n\r\n",
        "2;a=\"\r\naa\r\n0\r\n\r\n",
        "2;a=\"b\\\"\r\naa\r\n0\r\n\r\n", /* the quote is escaped */
        "2;a=\"b\\\r\naa\r\n0\r\n\r\n",
        "5;ilovew3=\"abc\";somuchlove=\"def; ghi\r\nhello\r\n6;blahblah;blah\r\n world\r\n0\r\n\r\n",
    };
    static char msg[256];
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++) {
        int n = snprintf(msg, sizeof msg, CH "%s", rejected[i]);
        assert_true(n > 0 && (size_t)n < sizeof msg);
        run(msg, (size_t)n, false, WF_EHTTP_PROTO);
    }

    /* BWS around ';' and '=' is fine, as are quoted-strings with pairs,
     * HTAB, SP and obs-text, and empty quoted-strings. */
    const struct outcome *o = RUN(CH "2 ; a = b ;\tc\t=\t\"d\" ; e\r\nab\r\n"
                                     "2;a=\"I love; \\\"ext\\\"\\\\\";b=\"\"\r\ncd\r\n"
                                     "2;x=\"\t \xe9\\\xff\"\r\nef\r\n"
                                     "0 ;!#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~\r\n\r\n",
                                  0);
    expect_body(o, "abcdef");
    o = RUN(CH
            "5;ilovew3=\"I love; extensions\";somuchlove=\"aretheseparametersfor\";blah;foo=bar\r\nhello\r\n"
            "6;blahblah;blah\r\n world\r\n0\r\n\r\n",
            0);
    expect_body(o, "hello world");
#undef CH
}

/* A chunk-size line is bounded like any other line: a server cannot keep the
 * parser reading one forever. */
static void test_chunk_size_line_limit(void **state)
{
    (void)state;
    static char msg[WF_HTTP_MAX_LINE + 200];
    static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int extra = 0; extra <= 1; extra++) {
        size_t n = (size_t)sprintf(msg, "%s", head);
        memset(msg + n, '0', WF_HTTP_MAX_LINE - 1 + (size_t)extra); /* leading zeros, then the size */
        n += WF_HTTP_MAX_LINE - 1 + (size_t)extra;
        n += (size_t)sprintf(msg + n, "1\r\nx\r\n0\r\n\r\n");
        const struct outcome *o = run(msg, n, false, extra ? WF_EHTTP_TOOBIG : 0);
        if (!extra) {
            expect_body(o, "x");
        }
    }
    /* A size line that never ends: an error as soon as it is too long. */
    wf_http_parser_init(&parser, false, NULL, NULL);
    assert_int_equal(wf_http_parser_feed(&parser, (const uint8_t *)head, sizeof head - 1),
                     (int)sizeof head - 1);
    memset(msg, ' ', sizeof msg);
    msg[0] = '1';
    memcpy(msg + 1, ";a=\"", 4);
    assert_int_equal(wf_http_parser_feed(&parser, (const uint8_t *)msg, WF_HTTP_MAX_LINE), WF_HTTP_MAX_LINE);
    assert_int_equal(wf_http_parser_feed(&parser, (const uint8_t *)msg, 1), WF_EHTTP_TOOBIG);
}

/* A head ends its lines one way: CRLF, or a bare LF throughout. */
static void test_head_mixed_line_ends(void **state)
{
    (void)state;
    /* The smuggled Content-Length: a CRLF-only reader sees "Dummy" only. */
    RUN("HTTP/1.1 200 OK\r\nDummy: x\nContent-Length: 23\r\n\r\n"
        "HTTP/1.1 200 OK\r\n\r\nabcd",
        WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 1\nX: y\r\n\r\nz", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\nz", WF_EHTTP_PROTO); /* the empty line */
    RUN("HTTP/1.1 200 OK\nContent-Length: 1\r\n\nz", WF_EHTTP_PROTO);   /* LF status line */
    RUN("HTTP/1.1 200 OK\nContent-Length: 1\n\r\nz", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\nX: y\r\nContent-Length: 1\n\nz", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 100 Continue\r\nX: y\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        WF_EHTTP_PROTO); /* an interim head too */
    /* Consistent heads: accepted, each head with its own line end. */
    const struct outcome *o = RUN("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX: y\r\n\r\nz", 0);
    expect_body(o, "z");
    o = RUN("HTTP/1.1 200 OK\nContent-Length: 1\nX: y\n\nz", 0);
    expect_body(o, "z");
    o = RUN("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\nContent-Length: 1\n\nz", 0);
    expect_body(o, "z");
    o = RUN("HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz", 0);
    expect_body(o, "z");
}

/* Empty lines before a status line (a stray CRLF after 100 Continue) are
 * skipped, up to WF_HTTP_MAX_BLANK_LINES of them. */
static void test_blank_lines_before_status(void **state)
{
    (void)state;
    const struct outcome *o =
        RUN("HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0);
    assert_int_equal(o->status, 200);
    assert_int_equal(o->rec.status_calls, 1);
    assert_string_equal(o->rec.headers, "Content-Length=2\n");
    expect_body(o, "ok");
    o = RUN("HTTP/1.1 100 Continue\r\n\r\n\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0);
    expect_body(o, "ok");
    o = RUN("\r\n\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0); /* before the first one too */
    expect_body(o, "ok");
    /* Only empty lines count: whitespace or a lone CR is not one. */
    RUN("HTTP/1.1 100 Continue\r\n\r\n \r\nHTTP/1.1 200 OK\r\n\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 100 Continue\r\n\r\n\r\r\nHTTP/1.1 200 OK\r\n\r\n", WF_EHTTP_PROTO);
    RUN("\rHTTP/1.1 200 OK\r\n\r\n", WF_EHTTP_PROTO);
    /* The stream ends among them: no response. */
    o = RUN("HTTP/1.1 100 Continue\r\n\r\n\r\n", WF_EHTTP_PROTO);
    assert_int_equal(o->rec.status_calls, 0);
    RUN("\r\n", WF_EHTTP_PROTO);

    /* The bound, per status line: WF_HTTP_MAX_BLANK_LINES pass, one more fails. */
    static char msg[512];
    for (int extra = 0; extra <= 1; extra++) {
        for (int where = 0; where <= 1; where++) {
            size_t n = 0;
            for (int i = 0; i < WF_HTTP_MAX_BLANK_LINES; i++) { /* before the interim response */
                n += (size_t)sprintf(msg + n, i % 2 ? "\n" : "\r\n");
            }
            n += (size_t)sprintf(msg + n, "HTTP/1.1 100 Continue\r\n\r\n");
            for (int i = 0; i < WF_HTTP_MAX_BLANK_LINES + (where ? extra : 0); i++) {
                n += (size_t)sprintf(msg + n, i % 2 ? "\n" : "\r\n");
            }
            n += (size_t)sprintf(msg + n, "HTTP/1.1 100 Continue\r\n\r\n");
            for (int i = 0; i < WF_HTTP_MAX_BLANK_LINES + (where ? 0 : extra); i++) {
                n += (size_t)sprintf(msg + n, "\r\n");
            }
            n += (size_t)sprintf(msg + n, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            o = run(msg, n, false, extra ? WF_EHTTP_PROTO : 0);
            assert_int_equal(o->rec.status_calls, !extra);
        }
    }
}

static void test_chunked_trailer_limit(void **state)
{
    (void)state;
    static char msg[8192];
    for (int count = WF_HTTP_MAX_HEADERS; count <= WF_HTTP_MAX_HEADERS + 1; count++) {
        size_t n =
            (size_t)sprintf(msg, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n");
        for (int i = 0; i < count; i++) {
            n += (size_t)sprintf(msg + n, "T%d: %d\r\n", i, i);
        }
        n += (size_t)sprintf(msg + n, "\r\n");
        run(msg, n, false, count <= WF_HTTP_MAX_HEADERS ? 0 : WF_EHTTP_TOOBIG);
    }
}

static void test_te_and_cl(void **state)
{
    (void)state;
    /* Chunked wins; the Content-Length is ignored (RFC 9112 6.3 item 3). */
    const struct outcome *o =
        RUN("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
            "2\r\nab\r\n0\r\n\r\n",
            0);
    expect_body(o, "ab");
    uint64_t cl;
    assert_false(wf_http_parser_content_length(&parser, &cl));
    o = RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n2\r\nab\r\n0\r\n\r\n",
            0);
    expect_body(o, "ab");
    /* A malformed Content-Length is still an error. */
    RUN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n0\r\n\r\n",
        WF_EHTTP_PROTO);
}

/* ---- bodies that run until close, and no bodies ---- */

static void test_body_until_close(void **state)
{
    (void)state;
    const struct outcome *o = RUN("HTTP/1.0 200 OK\r\nServer: old\r\n\r\nall of this\r\n\0 is body", 0);
    assert_int_equal(o->rec.body_len, 22);
    assert_memory_equal(o->rec.body, "all of this\r\n\0 is body", 22);
    assert_true(o->complete);
    o = RUN("HTTP/1.1 200 OK\r\n\r\n", 0);
    assert_int_equal(o->rec.body_len, 0);
    assert_int_equal(o->rec.headers_done, 1);

    /* Not complete until the connection closes. */
    static const char msg[] = "HTTP/1.1 200 OK\r\n\r\nabc\0def";
    wf_http_parser_init(&parser, false, NULL, NULL);
    assert_int_equal(wf_http_parser_feed(&parser, (const uint8_t *)msg, sizeof msg - 1), (int)sizeof msg - 1);
    assert_false(wf_http_parser_complete(&parser));
    assert_int_equal(wf_http_parser_body_received(&parser), 7);
    assert_int_equal(wf_http_parser_finish(&parser), 0);
    assert_true(wf_http_parser_complete(&parser));
    assert_int_equal(wf_http_parser_finish(&parser), 0);
}

static void test_no_body(void **state)
{
    (void)state;
    static const char *const msgs[] = {
        "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "HTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.0 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        char msg[256];
        int n = snprintf(msg, sizeof msg, "%sLEFTOVER", msgs[i]);
        const struct outcome *o = run(msg, (size_t)n, false, 0);
        assert_true(o->complete);
        assert_int_equal(o->consumed, strlen(msgs[i]));
        assert_int_equal(o->rec.body_len, 0);
        assert_int_equal(o->rec.headers_done, 1);
    }
    /* HEAD: no body whatever the head says. */
    const struct outcome *o = RUN_HEAD("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nLEFTOVER", 0);
    assert_int_equal(o->consumed, 39);
    assert_int_equal(o->rec.body_len, 0);
    uint64_t cl;
    assert_false(wf_http_parser_content_length(&parser, &cl));
    o = RUN_HEAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0);
    assert_true(o->complete);
    o = RUN_HEAD("HTTP/1.0 200 OK\r\n\r\n", 0);
    assert_true(o->complete);
    /* A HEAD response still needs a complete head. */
    RUN_HEAD("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", WF_EHTTP_PROTO);
}

/* ---- truncation ---- */

static void test_truncation(void **state)
{
    (void)state;
    const struct outcome *o = RUN("", WF_EHTTP_EMPTY);
    assert_int_equal(o->rec.status_calls, 0);
    RUN("H", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", WF_EHTTP_PROTO);
    RUN("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r", WF_EHTTP_PROTO);
    o = RUN("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", WF_EHTTP_SHORT);
    assert_int_equal(o->rec.headers_done, 1);
    o = RUN("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell", WF_EHTTP_SHORT);
    expect_body(o, "hell");
#define CH "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    RUN(CH, WF_EHTTP_SHORT);
    RUN(CH "5", WF_EHTTP_SHORT);
    RUN(CH "5\r", WF_EHTTP_SHORT);
    RUN(CH "5\r\n", WF_EHTTP_SHORT);
    o = RUN(CH "5\r\nhel", WF_EHTTP_SHORT); /* truncated chunk */
    expect_body(o, "hel");
    RUN(CH "5\r\nhello", WF_EHTTP_SHORT);
    RUN(CH "5\r\nhello\r", WF_EHTTP_SHORT);
    o = RUN(CH "5\r\nhello\r\n", WF_EHTTP_SHORT); /* missing final chunk */
    expect_body(o, "hello");
    RUN(CH "5\r\nhello\r\n0", WF_EHTTP_SHORT);
    RUN(CH "5\r\nhello\r\n0\r\n", WF_EHTTP_SHORT); /* missing end of trailers */
    RUN(CH "5\r\nhello\r\n0\r\nT: x\r\n", WF_EHTTP_SHORT);
    RUN(CH "5\r\nhello\r\n0\r\n\r", WF_EHTTP_SHORT);
#undef CH
}

/* ---- Location ---- */

static void test_location(void **state)
{
    (void)state;
    const struct outcome *o =
        RUN("HTTP/1.1 301 Moved\r\nLocation:  https://b/x?y  \r\nContent-Length: 0\r\n\r\n", 0);
    assert_int_equal(o->status, 301);
    assert_string_equal(o->location, "https://b/x?y");
    o = RUN("HTTP/1.1 302 Found\r\nlocation: /a\r\nLOCATION: /a\r\n\r\n", 0);
    assert_string_equal(o->location, "/a");
    o = RUN("HTTP/1.1 307 X\r\nLocation:\r\nContent-Length: 0\r\n\r\n", 0);
    assert_string_equal(o->location, "");
    o = RUN("HTTP/1.1 201 Created\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n", 0);
    assert_null(o->location);
    o = RUN("HTTP/1.1 100 Continue\r\nLocation: /no\r\n\r\nHTTP/1.1 308 P\r\nContent-Length: 0\r\n\r\n", 0);
    assert_null(o->location);
    RUN("HTTP/1.1 302 Found\r\nLocation: /a\r\nLocation: /b\r\n\r\n", WF_EHTTP_PROTO);

    static char msg[WF_HTTP_MAX_LOCATION + 200];
    for (int extra = 0; extra <= 1; extra++) {
        size_t n = (size_t)sprintf(msg, "HTTP/1.1 302 Found\r\nLocation: /");
        memset(msg + n, 'l', WF_HTTP_MAX_LOCATION - 1 + (size_t)extra);
        n += WF_HTTP_MAX_LOCATION - 1 + (size_t)extra;
        n += (size_t)sprintf(msg + n, "\r\nContent-Length: 0\r\n\r\n");
        o = run(msg, n, false, extra ? WF_EHTTP_TOOBIG : 0);
        if (!extra) {
            assert_int_equal(strlen(o->location), WF_HTTP_MAX_LOCATION);
        }
    }
    /* A long Location on a non-redirect is not kept, so not an error. */
    memcpy(msg, "HTTP/1.1 200", 12);
    run(msg, strlen(msg), false, 0);
}

/* ---- callbacks ---- */

static void test_callback_errors(void **state)
{
    (void)state;
    static const char msg[] = "HTTP/1.1 200 OK\r\nX: y\r\nContent-Length: 3\r\n\r\nabc";
    for (int where = 1; where <= 4; where++) {
        const struct outcome *o = run_ex(msg, sizeof msg - 1, false, WF_EWRITE, where, WF_EWRITE);
        assert_false(o->complete);
        assert_int_equal(o->rec.status_calls, 1);
        assert_int_equal(o->rec.headers_done, where >= 3);
    }
    /* Positive returns mean "go on". */
    run_ex(msg, sizeof msg - 1, false, 0, 4, 7);
    /* Any negative code is passed through. */
    run_ex(msg, sizeof msg - 1, false, WF_ETIMEDOUT, 2, WF_ETIMEDOUT);
}

static void test_no_callbacks(void **state)
{
    (void)state;
    static const char msg[] = "HTTP/1.1 302 Found\r\nLocation: /x\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "3\r\nabc\r\n0\r\n\r\n";
    static const struct wf_http_callbacks none = {NULL, NULL, NULL, NULL};
    wf_http_parser_init(&parser, false, &none, NULL);
    assert_int_equal(wf_http_parser_feed(&parser, (const uint8_t *)msg, sizeof msg - 1), (int)sizeof msg - 1);
    assert_true(wf_http_parser_complete(&parser));
    assert_int_equal(wf_http_parser_status(&parser), 302);
    assert_string_equal(wf_http_parser_location(&parser), "/x");
    assert_int_equal(wf_http_parser_body_received(&parser), 3);
    wf_http_parser_init(&parser, false, NULL, NULL);
    assert_int_equal(wf_http_parser_status(&parser), 0);
    assert_null(wf_http_parser_location(&parser));
    assert_int_equal(wf_http_parser_feed(&parser, (const uint8_t *)msg, sizeof msg - 1), (int)sizeof msg - 1);
    assert_int_equal(wf_http_parser_feed(&parser, NULL, 0), 0);
}

static void test_large_body_streamed(void **state)
{
    (void)state;
    /* 64 KiB body, fed in 1000-byte slices: never buffered, always in order. */
    static char msg[70000];
    size_t n = (size_t)sprintf(msg, "HTTP/1.1 200 OK\r\nContent-Length: 65536\r\n\r\n");
    size_t head = n;
    for (size_t i = 0; i < 65536; i++) {
        msg[n++] = (char)(i * 7 + 3);
    }
    size_t cuts[80];
    size_t nc = 0;
    for (size_t c = 1000; c < n && nc < 80; c += 1000) {
        cuts[nc++] = c;
    }
    struct outcome *o = &other;
    drive(msg, n, false, cuts, nc, true, 0, 0, o);
    assert_int_equal(o->rc, 0);
    assert_int_equal(o->rec.body_len, 65536);
    assert_memory_equal(o->rec.body, msg + head, 65536);
    assert_true(o->rec.body_calls >= 60);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_get_head),
        cmocka_unit_test(test_request_limits),
        cmocka_unit_test(test_request_rejects),
        cmocka_unit_test(test_content_length_basic),
        cmocka_unit_test(test_bytes_after_message_not_consumed),
        cmocka_unit_test(test_status_line_variants),
        cmocka_unit_test(test_status_line_rejects),
        cmocka_unit_test(test_header_syntax),
        cmocka_unit_test(test_header_rejects),
        cmocka_unit_test(test_header_count_limit),
        cmocka_unit_test(test_line_length_limit),
        cmocka_unit_test(test_interim_responses),
        cmocka_unit_test(test_content_length_values),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_chunked_rejects),
        cmocka_unit_test(test_chunked_bare_lf),
        cmocka_unit_test(test_chunk_ext_grammar),
        cmocka_unit_test(test_chunk_size_line_limit),
        cmocka_unit_test(test_head_mixed_line_ends),
        cmocka_unit_test(test_blank_lines_before_status),
        cmocka_unit_test(test_chunked_trailer_limit),
        cmocka_unit_test(test_te_and_cl),
        cmocka_unit_test(test_body_until_close),
        cmocka_unit_test(test_no_body),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_location),
        cmocka_unit_test(test_callback_errors),
        cmocka_unit_test(test_no_callbacks),
        cmocka_unit_test(test_large_body_streamed),
    };
    return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
