/* Keep-alive rules: when a response lets the connection carry another request
 * (wf_http_parser_may_keep, with the request writer's Connection default),
 * and when a request on a kept connection that ended under it may be sent
 * again (wf_fetch_may_retry). Pure functions: the end-to-end behaviour against
 * real servers is in tests/e2e/run.sh (the keepalive cases). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wizfetch/error.h"
#include "wizfetch/fetch.h"
#include "wizfetch/http.h"

/* ---- the retry rule ---- */

static void test_retry_idempotent_methods(void **state)
{
    (void)state;
    static const char *const idempotent[] = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"};
    for (size_t i = 0; i < sizeof idempotent / sizeof idempotent[0]; i++) {
        for (int only = 0; only <= 1; only++) { /* retry_idempotent_only changes nothing here */
            /* Whether or not body bytes went out: the request may be repeated. */
            assert_true(wf_fetch_may_retry(idempotent[i], false, false, only));
            assert_true(wf_fetch_may_retry(idempotent[i], true, false, only));
            /* Once a response byte arrived the server acted on it: never again. */
            assert_false(wf_fetch_may_retry(idempotent[i], false, true, only));
            assert_false(wf_fetch_may_retry(idempotent[i], true, true, only));
        }
    }
}

static void test_retry_non_idempotent_methods(void **state)
{
    (void)state;
    static const char *const others[] = {"POST", "PATCH", "CONNECT", "LOCK", "get", "Post"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        /* The default: nothing of the body was sent (none, or an empty one),
         * so the server cannot have acted on a body: sent again. */
        assert_true(wf_fetch_may_retry(others[i], false, false, false));
        /* Body bytes went out: the server may have acted, so no repeat. */
        assert_false(wf_fetch_may_retry(others[i], true, false, false));
        assert_false(wf_fetch_may_retry(others[i], false, true, false));
        assert_false(wf_fetch_may_retry(others[i], true, true, false));
    }
    /* No method known: only the body rule applies. */
    assert_true(wf_fetch_may_retry(NULL, false, false, false));
    assert_false(wf_fetch_may_retry(NULL, true, false, false));
}

/* retry_idempotent_only: a non-idempotent request is never sent twice, even
 * when none of its body went out (a POST with Content-Length: 0 may act). */
static void test_retry_idempotent_only(void **state)
{
    (void)state;
    static const char *const others[] = {"POST", "PATCH", "CONNECT", "LOCK", "get", "Post"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        assert_false(wf_fetch_may_retry(others[i], false, false, true));
        assert_false(wf_fetch_may_retry(others[i], true, false, true));
        assert_false(wf_fetch_may_retry(others[i], false, true, true));
    }
    assert_false(wf_fetch_may_retry(NULL, false, false, true));
    assert_true(wf_fetch_may_retry("GET", false, false, true));
    /* The option is off by default. */
    struct wf_fetch_options o;
    wf_fetch_options_default(&o);
    assert_false(o.retry_idempotent_only);
}

/* ---- may the connection be kept after this response? ---- */

struct keep_case {
    const char *response;
    bool head_request;
    bool fed_all;  /* the parser consumed every byte */
    bool complete; /* complete once fed (before any end of stream) */
    bool may_keep;
};

/* Feed the response in slices of `step` bytes (the first one `first` bytes
 * long; 0: none), as a connection would deliver it, and check the rule. */
static void check_keep_sliced(const struct keep_case *c, size_t first, size_t step)
{
    wf_http_parser_t p;
    wf_http_parser_init(&p, c->head_request, NULL, NULL);
    assert_false(wf_http_parser_started(&p));
    assert_false(wf_http_parser_may_keep(&p)); /* nothing yet */
    size_t len = strlen(c->response);
    size_t pos = 0;
    int used = 0;
    while (pos < len) {
        size_t n = pos == 0 && first > 0 ? first : step;
        if (n > len - pos) {
            n = len - pos;
        }
        int rc = wf_http_parser_feed(&p, (const uint8_t *)c->response + pos, n);
        assert_true(rc >= 0);
        used += rc;
        pos += n;
        if ((size_t)rc < n) {
            break; /* bytes after the response: left unconsumed */
        }
    }
    assert_true(wf_http_parser_started(&p));
    if (c->fed_all) {
        assert_int_equal(used, (int)len);
    } else {
        assert_true((size_t)used < len);
    }
    assert_int_equal(wf_http_parser_complete(&p), c->complete);
    if (!c->complete) {
        /* Only the end of the stream ends such a body: never kept. */
        assert_false(wf_http_parser_may_keep(&p));
        assert_int_equal(wf_http_parser_finish(&p), 0);
    }
    if (c->may_keep != wf_http_parser_may_keep(&p)) {
        fail_msg("may_keep %d expected (slices %zu, then %zu) for:\n%s", c->may_keep, first, step,
                 c->response);
    }
}

/* Whole, byte by byte, and split in two at every offset. */
static void check_keep(const struct keep_case *c)
{
    size_t len = strlen(c->response);
    check_keep_sliced(c, 0, len);
    check_keep_sliced(c, 0, 1);
    for (size_t k = 1; k < len; k++) {
        check_keep_sliced(c, k, len);
    }
}

static void test_keep_rules(void **state)
{
    (void)state;
    static const struct keep_case cases[] = {
        /* HTTP/1.1 with a length, chunked, or no body: kept. */
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, true, true, true},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", false, true, true,
         true},
        {"HTTP/1.1 204 No Content\r\n\r\n", false, true, true, true},
        {"HTTP/1.1 304 Not Modified\r\n\r\n", false, true, true, true},
        {"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", true, true, true, true}, /* HEAD */
        {"HTTP/1.1 100 Continue\r\nConnection: close\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
         false, true, true, true}, /* an interim response's fields do not count */
        {"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", false, true, true, true},
        {"HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n", false, true, true, true},
        /* Connection: close, in any case and any place of the list: not kept. */
        {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false, true, true, false},
        {"HTTP/1.1 200 OK\r\nconnection: Upgrade, CLOSE \r\nContent-Length: 0\r\n\r\n", false, true, true,
         false},
        {"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false,
         true, true, false},
        /* HTTP/1.0: never kept, even when it offers keep-alive. */
        {"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, true, true, false},
        {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\nhello", false, true, true,
         false},
        /* Content-Length and Transfer-Encoding together: chunked frames the
         * body, but the connection is closed after it (RFC 9112 6.3 item 3),
         * in either order and for a response without a body too. */
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
         false, true, true, false},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
         false, true, true, false},
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", true, true, true,
         false}, /* HEAD */
        {"HTTP/1.1 100 Continue\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
         "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
         false, true, true, true}, /* an interim head's fields do not count */
        /* A stray CRLF after 100 Continue: skipped, the response is kept. */
        {"HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, true, true,
         true},
        /* A body delimited by the end of the connection: not kept. */
        {"HTTP/1.1 200 OK\r\n\r\nuntil the end", false, true, false, false},
        /* Bytes after the response: the parser leaves them (the fetch then closes). */
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n", false, false, true, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_keep(&cases[i]);
    }
}

static void test_keep_needs_complete_body(void **state)
{
    (void)state;
    wf_http_parser_t p;
    wf_http_parser_init(&p, false, NULL, NULL);
    const char *part = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf";
    assert_int_equal(wf_http_parser_feed(&p, (const uint8_t *)part, strlen(part)), (int)strlen(part));
    assert_false(wf_http_parser_may_keep(&p));
    assert_int_equal(wf_http_parser_finish(&p), WF_EHTTP_SHORT);
    assert_false(wf_http_parser_may_keep(&p));
}

/* ---- the token list and the request's Connection default ---- */

static void test_field_tokens(void **state)
{
    (void)state;
    assert_true(wf_http_field_has_token("close", "close"));
    assert_true(wf_http_field_has_token(" Close ", "close"));
    assert_true(wf_http_field_has_token("keep-alive,close", "close"));
    assert_true(wf_http_field_has_token("a , b,\tCLOSE", "close"));
    assert_false(wf_http_field_has_token("", "close"));
    assert_false(wf_http_field_has_token("closed", "close"));
    assert_false(wf_http_field_has_token("x-close", "close"));
    assert_false(wf_http_field_has_token("clo se", "close"));
    assert_false(wf_http_field_has_token("keep-alive", "close"));
}

static void test_request_connection_default(void **state)
{
    (void)state;
    struct wf_url u;
    const char *why = NULL;
    assert_int_equal(wf_url_parse("https://www.example.test/a", &u, &why), 0);
    char buf[512];
    struct wf_http_request_head h = {.url = &u};
    assert_true(wf_http_request_head_write(buf, sizeof buf, &h) > 0);
    assert_non_null(strstr(buf, "\r\nConnection: close\r\n"));
    h.keep_alive = true; /* a kept connection: HTTP/1.1's default, no field */
    assert_true(wf_http_request_head_write(buf, sizeof buf, &h) > 0);
    assert_null(strstr(buf, "Connection"));
    const struct wf_http_header close = {"connection", "close", 0};
    h.headers = &close;
    h.header_count = 1;
    assert_true(wf_http_request_head_write(buf, sizeof buf, &h) > 0);
    assert_non_null(strstr(buf, "\r\nconnection: close\r\n")); /* the caller's own is sent */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_idempotent_methods),
        cmocka_unit_test(test_retry_non_idempotent_methods),
        cmocka_unit_test(test_retry_idempotent_only),
        cmocka_unit_test(test_keep_rules),
        cmocka_unit_test(test_keep_needs_complete_body),
        cmocka_unit_test(test_field_tokens),
        cmocka_unit_test(test_request_connection_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
