/* The request side of src/http/request.c: request heads for every method,
 * header form and body framing; refused header injections; chunk framing of
 * a body split at every size (decoded again by our own response parser);
 * curl's redirect rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wizfetch/error.h"
#include "wizfetch/http.h"

static struct wf_url url(const char *text)
{
    struct wf_url u;
    assert_int_equal(wf_url_parse(text, &u, NULL), 0);
    return u;
}

#define DEFAULTS "User-Agent: " WF_HTTP_USER_AGENT "\r\nAccept: */*\r\nConnection: close\r\n"

static void expect_head(const struct wf_http_request_head *h, const char *want)
{
    char buf[4096];
    int n = wf_http_request_head_write(buf, sizeof buf, h);
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);
    /* Exactly n + 1 bytes are needed (the NUL), and not one more. */
    char *tight = test_malloc((size_t)n + 1);
    assert_int_equal(wf_http_request_head_write(tight, (size_t)n + 1, h), n);
    assert_int_equal(wf_http_request_head_write(tight, (size_t)n, h), WF_ENOMEM);
    assert_string_equal(tight, "");
    test_free(tight);
}

static void test_every_method(void **state)
{
    (void)state;
    struct wf_url u = url("https://api.example.test/v1/x?y=1");
    static const char *const methods[] = {"GET",   "HEAD",   "POST",    "PUT",
                                          "PATCH", "DELETE", "OPTIONS", "PROPFIND"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        struct wf_http_request_head h = {.method = methods[i], .url = &u};
        char want[512];
        snprintf(want, sizeof want, "%s /v1/x?y=1 HTTP/1.1\r\nHost: api.example.test\r\n" DEFAULTS "\r\n",
                 methods[i]);
        expect_head(&h, want);
    }
    /* NULL is GET. */
    struct wf_http_request_head h = {.url = &u};
    expect_head(&h, "GET /v1/x?y=1 HTTP/1.1\r\nHost: api.example.test\r\n" DEFAULTS "\r\n");
}

static void test_body_framing(void **state)
{
    (void)state;
    struct wf_url u = url("http://10.0.0.1:8080/up");
    struct wf_http_request_head h = {
        .method = "POST", .url = &u, .framing = WF_HTTP_LENGTH, .content_length = 0};
    expect_head(&h, "POST /up HTTP/1.1\r\nHost: 10.0.0.1:8080\r\n" DEFAULTS "Content-Length: 0\r\n\r\n");
    h.content_length = 18446744073709551615u;
    h.method = "PUT";
    expect_head(&h, "PUT /up HTTP/1.1\r\nHost: 10.0.0.1:8080\r\n" DEFAULTS
                    "Content-Length: 18446744073709551615\r\n\r\n");
    h.framing = WF_HTTP_CHUNKED;
    h.method = "PATCH";
    expect_head(&h, "PATCH /up HTTP/1.1\r\nHost: 10.0.0.1:8080\r\n" DEFAULTS
                    "Transfer-Encoding: chunked\r\n\r\n");
    h.framing = (enum wf_http_framing)3;
    char buf[512];
    assert_int_equal(wf_http_request_head_write(buf, sizeof buf, &h), WF_EINVAL);
}

static void test_header_forms(void **state)
{
    (void)state;
    struct wf_url u = url("https://h.test/");
    const struct wf_http_header hs[] = {
        {"Content-Type", "application/json", 0},
        {"accept", "application/json", 0}, /* replaces the default Accept */
        {"User-Agent", NULL, 0},           /* removes it */
        {"X-Empty", "", 0},                /* an empty value */
        {"X-Twice", "1", 0},
        {"X-Twice", "2", 0}, /* repeats are all sent */
        {"Authorization", "Bearer abc", 0},
        {"Host", "other.test:99", 0}, /* replaces Host */
        {"HOST", "last.test", 0},     /* ... the last one given wins */
    };
    struct wf_http_request_head h = {
        .method = "POST",
        .url = &u,
        .headers = hs,
        .header_count = sizeof hs / sizeof hs[0],
        .framing = WF_HTTP_LENGTH,
        .content_length = 17,
    };
    expect_head(&h, "POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: 17\r\n"
                    "Content-Type: application/json\r\naccept: application/json\r\nX-Empty:\r\n"
                    "X-Twice: 1\r\nX-Twice: 2\r\nAuthorization: Bearer abc\r\nHOST: last.test\r\n\r\n");
    /* Credential fields (Authorization, Proxy-Authorization, Cookie; any
     * case) left out after a redirect to another origin; look-alikes kept. */
    const struct wf_http_header auth[] = {
        {"X-Key", "k", 0},          {"authorization", "Basic dTpw", 0},
        {"COOKIE", "a=b", 0},       {"Proxy-Authorization", "Basic cDpx", 0},
        {"Cookie2", "c=d", 0},      {"Set-Cookie", "e=f", 0},
        {"X-Authorization", "x", 0}};
    struct wf_http_request_head a = {
        .url = &u, .headers = auth, .header_count = sizeof auth / sizeof auth[0]};
    expect_head(&a,
                "GET / HTTP/1.1\r\nHost: h.test\r\n" DEFAULTS
                "X-Key: k\r\nauthorization: Basic dTpw\r\nCOOKIE: a=b\r\nProxy-Authorization: Basic cDpx\r\n"
                "Cookie2: c=d\r\nSet-Cookie: e=f\r\nX-Authorization: x\r\n\r\n");
    a.drop_credentials = true;
    expect_head(&a, "GET / HTTP/1.1\r\nHost: h.test\r\n" DEFAULTS
                    "X-Key: k\r\nCookie2: c=d\r\nSet-Cookie: e=f\r\nX-Authorization: x\r\n\r\n");
    /* Fields that describe the body go when a redirect drops the body. */
    const struct wf_http_header body[] = {{"Content-Type", "application/json", WF_HTTP_HEADER_BODY},
                                          {"X-Kept", "1", 0}};
    struct wf_http_request_head b = {.url = &u, .headers = body, .header_count = 2};
    expect_head(&b, "GET / HTTP/1.1\r\nHost: h.test\r\n" DEFAULTS
                    "Content-Type: application/json\r\nX-Kept: 1\r\n\r\n");
    b.drop_body_fields = true;
    expect_head(&b, "GET / HTTP/1.1\r\nHost: h.test\r\n" DEFAULTS "X-Kept: 1\r\n\r\n");
    /* A removal of a header that is not a default sends nothing. */
    const struct wf_http_header rm[] = {{"X-Gone", NULL, 0}, {"Connection", "keep-alive", 0}};
    struct wf_http_request_head r = {.url = &u, .headers = rm, .header_count = 2};
    expect_head(&r, "GET / HTTP/1.1\r\nHost: h.test\r\nUser-Agent: " WF_HTTP_USER_AGENT
                    "\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n");
    /* A tab inside a value is allowed (field-value allows HTAB). */
    assert_int_equal(wf_http_header_check("X-Tab", "a\tb"), 0);
    assert_int_equal(wf_http_header_check("X-Removed", NULL), 0);
}

static void test_injection_refused(void **state)
{
    (void)state;
    struct wf_url u = url("https://h.test/");
    static const struct wf_http_header bad[] = {
        {"X-A", "1\r\nX-Evil: 1", 0},
        {"X-A", "1\nX-Evil: 1", 0},
        {"X-A", "1\r", 0},
        {"X-A", "\x01", 0},
        {"X-A", "a\x7f", 0},
        {"X-A\r\nX-Evil", "1", 0},
        {"X-A\n", "1", 0},
        {"X A", "1", 0},
        {"X-A:", "1", 0},
        {"", "1", 0},
        {NULL, "1", 0},
        {"X-\x80", "1", 0},
        {"(X)", "1", 0},
        {"Content-Length", "5", 0},
        {"content-length", NULL, 0},
        {"Transfer-Encoding", "chunked", 0},
        {"TRANSFER-encoding", "gzip", 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[512];
        memset(buf, 'x', sizeof buf);
        const struct wf_http_header hs[] = {{"X-Ok", "fine", 0}, bad[i]};
        struct wf_http_request_head h = {.method = "POST", .url = &u, .headers = hs, .header_count = 2};
        assert_int_equal(wf_http_request_head_write(buf, sizeof buf, &h), WF_EINVAL);
        assert_string_equal(buf, ""); /* nothing to send */
        if (i < 13) {
            assert_int_equal(wf_http_header_check(bad[i].name, bad[i].value), WF_EINVAL);
        }
    }
    static const char *const bad_methods[] = {"", "GET /x", "GET\r\nX: 1", "PO ST", "G\tET", "GET\n", "M(x)"};
    for (size_t i = 0; i < sizeof bad_methods / sizeof bad_methods[0]; i++) {
        char buf[512];
        struct wf_http_request_head h = {.method = bad_methods[i], .url = &u};
        assert_int_equal(wf_http_request_head_write(buf, sizeof buf, &h), WF_EINVAL);
        assert_false(wf_http_method_valid(bad_methods[i]));
    }
    assert_false(wf_http_method_valid(NULL));
    assert_true(wf_http_method_valid("M-SEARCH"));
    /* A header list pointer missing for a non-zero count. */
    char buf[512];
    struct wf_http_request_head h = {.url = &u, .header_count = 1};
    assert_int_equal(wf_http_request_head_write(buf, sizeof buf, &h), WF_EINVAL);
}

static void test_long_header_list_refused_cleanly(void **state)
{
    (void)state;
    struct wf_url u = url("https://h.test/");
    static char value[1500];
    memset(value, 'v', sizeof value - 1);
    const struct wf_http_header hs[] = {{"X-1", value, 0}, {"X-2", value, 0}};
    struct wf_http_request_head h = {.url = &u, .headers = hs, .header_count = 2};
    char buf[2048];
    assert_int_equal(wf_http_request_head_write(buf, sizeof buf, &h), WF_ENOMEM);
    assert_string_equal(buf, "");
    char big[4096];
    assert_true(wf_http_request_head_write(big, sizeof big, &h) > 3000);
}

/* ---- chunked framing ---- */

struct body_rec {
    uint8_t data[4096];
    size_t len;
};

static int on_body(void *ctx, const uint8_t *data, size_t len)
{
    struct body_rec *r = ctx;
    assert_true(r->len + len <= sizeof r->data);
    memcpy(r->data + r->len, data, len);
    r->len += len;
    return 0;
}

static void test_chunk_frame_exact(void **state)
{
    (void)state;
    uint8_t buf[WF_HTTP_CHUNK_PREFIX + 0x1234 + WF_HTTP_CHUNK_SUFFIX];
    memcpy(buf + WF_HTTP_CHUNK_PREFIX, "abc", 3);
    size_t start;
    size_t n = wf_http_chunk_frame(buf, 3, &start);
    assert_int_equal(n, 8);
    assert_memory_equal(buf + start, "3\r\nabc\r\n", 8);
    memset(buf + WF_HTTP_CHUNK_PREFIX, 'z', 0x1234);
    n = wf_http_chunk_frame(buf, 0x1234, &start);
    assert_int_equal(n, 6 + 0x1234 + 2);
    assert_memory_equal(buf + start, "1234\r\nz", 7);
    assert_memory_equal(buf + start + n - 3, "z\r\n", 3);
    assert_string_equal(WF_HTTP_CHUNK_LAST, "0\r\n\r\n");
}

/* A body read by a callback in pieces of every size from 1 to its length,
 * each framed as a chunk, then the last chunk: our own response parser must
 * get the same bytes back, and the chunk sizes must be the pieces'. */
static void test_chunked_body_every_split(void **state)
{
    (void)state;
    enum { BODY = 700 };
    static uint8_t body[BODY];
    for (size_t i = 0; i < BODY; i++) {
        body[i] = (uint8_t)(i * 31 + 7);
    }
    static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    static uint8_t wire[sizeof head + BODY * 8 + 16];
    for (size_t piece = 1; piece <= BODY; piece++) {
        size_t w = sizeof head - 1;
        memcpy(wire, head, w);
        size_t chunks = 0;
        for (size_t off = 0; off < BODY; off += piece) {
            size_t n = BODY - off < piece ? BODY - off : piece;
            uint8_t frame[WF_HTTP_CHUNK_PREFIX + BODY + WF_HTTP_CHUNK_SUFFIX];
            memcpy(frame + WF_HTTP_CHUNK_PREFIX, body + off, n);
            size_t start;
            size_t len = wf_http_chunk_frame(frame, n, &start);
            char size_line[24];
            int sl = snprintf(size_line, sizeof size_line, "%zx\r\n", n);
            assert_int_equal(len, (size_t)sl + n + 2);
            assert_memory_equal(frame + start, size_line, (size_t)sl);
            memcpy(wire + w, frame + start, len);
            w += len;
            chunks++;
        }
        assert_int_equal(chunks, (BODY + piece - 1) / piece);
        memcpy(wire + w, WF_HTTP_CHUNK_LAST, 5);
        w += 5;
        struct body_rec rec = {.len = 0};
        const struct wf_http_callbacks cb = {.body = on_body};
        wf_http_parser_t p;
        wf_http_parser_init(&p, false, &cb, &rec);
        assert_int_equal(wf_http_parser_feed(&p, wire, w), (int)w);
        assert_true(wf_http_parser_complete(&p));
        assert_int_equal(rec.len, BODY);
        assert_memory_equal(rec.data, body, BODY);
    }
}

/* ---- redirects ---- */

static void test_redirect_methods(void **state)
{
    (void)state;
    static const struct {
        int status;
        const char *method;
        const char *next;
        bool keep_body;
    } cases[] = {
        {303, "POST", "GET", false}, {303, "PUT", "GET", false},      {303, "DELETE", "GET", false},
        {303, "GET", "GET", false},  {303, "HEAD", "HEAD", true},     {301, "POST", "GET", false},
        {302, "POST", "GET", false}, {301, "PUT", "PUT", true},       {302, "PATCH", "PATCH", true},
        {301, "GET", "GET", true},   {307, "POST", "POST", true},     {308, "POST", "POST", true},
        {307, "PUT", "PUT", true},   {308, "DELETE", "DELETE", true}, {307, "GET", "GET", true},
        {302, "post", "post", true}, /* methods are case-sensitive: "post" is not POST */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool keep = !cases[i].keep_body;
        const char *next = wf_http_redirect_method(cases[i].status, cases[i].method, &keep);
        assert_string_equal(next, cases[i].next);
        assert_int_equal(keep, cases[i].keep_body);
    }
    bool keep;
    assert_string_equal(wf_http_redirect_method(303, NULL, &keep), "GET");
}

static void test_redirect_auth(void **state)
{
    (void)state;
    struct wf_url a = url("https://api.example.test/x");
    struct wf_url same = url("https://API.example.test:443/other?q");
    struct wf_url host = url("https://evil.example.test/x");
    struct wf_url port = url("https://api.example.test:8443/x");
    struct wf_url scheme = url("http://api.example.test:443/x");
    assert_true(wf_http_redirect_keeps_auth(&a, &same));
    assert_false(wf_http_redirect_keeps_auth(&a, &host));
    assert_false(wf_http_redirect_keeps_auth(&a, &port));
    assert_false(wf_http_redirect_keeps_auth(&a, &scheme));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_method),
        cmocka_unit_test(test_body_framing),
        cmocka_unit_test(test_header_forms),
        cmocka_unit_test(test_injection_refused),
        cmocka_unit_test(test_long_header_list_refused_cleanly),
        cmocka_unit_test(test_chunk_frame_exact),
        cmocka_unit_test(test_chunked_body_every_split),
        cmocka_unit_test(test_redirect_methods),
        cmocka_unit_test(test_redirect_auth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
