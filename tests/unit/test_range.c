/* Byte ranges (src/http/range.c): Content-Range parsing, accepted and refused
 * forms; the Range value for each kind of range; the request head with a
 * range (and a caller's own Range field replacing it); the response's
 * Content-Length known when its head ends (what a resume check needs). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wizfetch/error.h"
#include "wizfetch/http.h"

static void content_range_forms(void **state)
{
    (void)state;
    struct wf_http_content_range r;
    assert_int_equal(wf_http_content_range_parse("bytes 100-199/1000", &r), 0);
    assert_false(r.unsatisfied);
    assert_true(r.first == 100 && r.last == 199 && r.complete == 1000);
    assert_int_equal(wf_http_content_range_parse("BYTES 0-0/1", &r), 0);
    assert_true(r.first == 0 && r.last == 0 && r.complete == 1);
    assert_int_equal(wf_http_content_range_parse("bytes 5-9/*", &r), 0);
    assert_true(r.first == 5 && r.last == 9 && r.complete == WF_HTTP_LENGTH_UNKNOWN);
    assert_int_equal(wf_http_content_range_parse("bytes */1000", &r), 0);
    assert_true(r.unsatisfied && r.complete == 1000);
    assert_int_equal(wf_http_content_range_parse("bytes 0-9223372036854775806/9223372036854775807", &r), 0);
    assert_true(r.last == 9223372036854775806ull);
}

static void content_range_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "bytes",
        "bytes ",
        "items 0-1/2",
        "bytes=0-1/2",
        "bytes 0-1",
        "bytes 0-/2",
        "bytes -1/2",
        "bytes 2-1/5",       /* last before first */
        "bytes 0-5/5",       /* last beyond the length */
        "bytes 0-1/2 ",      /* trailing bytes */
        "bytes 0-1/2,3-4/5", /* more than one */
        "bytes */*",         /* unsatisfied needs the length */
        "bytes 0-1/x",
        "bytes  0-1/2",
        "bytes 0-12345678901234567890/99999999999999999999", /* 20 digits: refused, no overflow */
    };
    struct wf_http_content_range r = {.first = 77};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (wf_http_content_range_parse(bad[i], &r) != WF_EHTTP_PROTO) {
            fail_msg("accepted: '%s'", bad[i]);
        }
    }
    assert_int_equal(wf_http_content_range_parse(NULL, &r), WF_EHTTP_PROTO);
    assert_true(r.first == 77); /* untouched on failure */
}

static void range_values(void **state)
{
    (void)state;
    char v[WF_HTTP_RANGE_VALUE_MAX];
    struct wf_http_range r = {.first = 0, .last = 99};
    assert_int_equal(wf_http_range_value(&r, v), 10);
    assert_string_equal(v, "bytes=0-99");
    r = (struct wf_http_range){.first = 100, .last = WF_HTTP_RANGE_TO_END};
    wf_http_range_value(&r, v);
    assert_string_equal(v, "bytes=100-");
    r = (struct wf_http_range){.last = 500, .suffix = true};
    wf_http_range_value(&r, v);
    assert_string_equal(v, "bytes=-500");
    r = (struct wf_http_range){.first = UINT64_MAX - 1, .last = UINT64_MAX - 1};
    assert_int_equal(wf_http_range_value(&r, v), 6 + 20 + 1 + 20);
    assert_string_equal(v, "bytes=18446744073709551614-18446744073709551614");
    assert_true(wf_http_range_valid(&(struct wf_http_range){.first = 5, .last = 5}));
    assert_false(wf_http_range_valid(&(struct wf_http_range){.first = 6, .last = 5}));
    assert_false(wf_http_range_valid(&(struct wf_http_range){.last = 0, .suffix = true}));
}

static struct wf_url url(const char *text)
{
    struct wf_url u;
    assert_int_equal(wf_url_parse(text, &u, NULL), 0);
    return u;
}

static void head_with_range(void **state)
{
    (void)state;
    struct wf_url u = url("https://fw.example.test/image.bin");
    struct wf_http_range r = {.first = 4096, .last = WF_HTTP_RANGE_TO_END};
    struct wf_http_request_head h = {.url = &u, .range = &r, .keep_alive = true};
    char buf[512];
    assert_true(wf_http_request_head_write(buf, sizeof buf, &h) > 0);
    assert_non_null(strstr(buf, "\r\nRange: bytes=4096-\r\n"));
    /* a caller's Range field replaces the default */
    struct wf_http_header own = {"Range", "bytes=0-1,5-6", 0};
    h.headers = &own;
    h.header_count = 1;
    assert_true(wf_http_request_head_write(buf, sizeof buf, &h) > 0);
    assert_null(strstr(buf, "bytes=4096-"));
    assert_non_null(strstr(buf, "\r\nRange: bytes=0-1,5-6\r\n"));
    /* an invalid range is refused before anything is written */
    struct wf_http_range backwards = {.first = 10, .last = 9};
    h.range = &backwards;
    h.header_count = 0;
    assert_int_equal(wf_http_request_head_write(buf, sizeof buf, &h), WF_EINVAL);
    assert_string_equal(buf, "");
    /* no range: no field */
    h.range = NULL;
    assert_true(wf_http_request_head_write(buf, sizeof buf, &h) > 0);
    assert_null(strstr(buf, "Range"));
}

/* A resume check decides at the end of the head: the Content-Length must be
 * known to headers_done already (not only once the body starts). */
struct seen {
    wf_http_parser_t *parser;
    bool known;
    uint64_t length;
};

static int length_at_head_end(void *ctx)
{
    struct seen *s = ctx;
    s->known = wf_http_parser_content_length(s->parser, &s->length);
    return 0;
}

static void content_length_known_at_head_end(void **state)
{
    (void)state;
    static const struct wf_http_callbacks cb = {.headers_done = length_at_head_end};
    wf_http_parser_t p;
    struct seen s = {.parser = &p};
    static const char msg[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
    wf_http_parser_init(&p, false, &cb, &s);
    assert_int_equal(wf_http_parser_feed(&p, (const uint8_t *)msg, sizeof msg - 1), (int)(sizeof msg - 1));
    assert_true(s.known);
    assert_true(s.length == 100);
    /* chunked: no length, also at the end of the head */
    static const char chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    s.known = true;
    wf_http_parser_init(&p, false, &cb, &s);
    assert_true(wf_http_parser_feed(&p, (const uint8_t *)chunked, sizeof chunked - 1) > 0);
    assert_false(s.known);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_range_forms),
        cmocka_unit_test(content_range_refused),
        cmocka_unit_test(range_values),
        cmocka_unit_test(head_with_range),
        cmocka_unit_test(content_length_known_at_head_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
