/* wizfetch's --retry rules (apps/wizfetch/retry.c): what is transient, the
 * backoff and its cap, --retry-delay, --retry-max-time, Retry-After (seconds
 * and HTTP date, cut to the max time), and curl's warning text and wrapping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "retry.h"

static enum wf_cli_retry_kind kind_of(const struct wf_cli_retry_options *o, int exit_code, int status,
                                      bool refused, bool complete)
{
    struct wf_cli_attempt a = {exit_code, status, refused, complete};
    return wf_cli_retry_kind(o, &a);
}

static void transient(void **state)
{
    (void)state;
    struct wf_cli_retry_options o = {.count = 3};
    assert_int_equal(kind_of(&o, 28, 0, false, false), WF_CLI_RETRY_TIMEOUT);
    assert_int_equal(kind_of(&o, 6, 0, false, false), WF_CLI_RETRY_TIMEOUT);
    assert_int_equal(kind_of(&o, 7, 0, true, false), WF_CLI_RETRY_NO); /* refused: only on request */
    static const int codes[] = {408, 429, 500, 502, 503, 504};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        assert_int_equal(kind_of(&o, 0, codes[i], false, true), WF_CLI_RETRY_HTTP);
        assert_int_equal(kind_of(&o, 22, codes[i], false, true), WF_CLI_RETRY_HTTP); /* -f */
    }
    assert_int_equal(kind_of(&o, 0, 404, false, true), WF_CLI_RETRY_NO);
    assert_int_equal(kind_of(&o, 0, 501, false, true), WF_CLI_RETRY_NO);
    assert_int_equal(kind_of(&o, 18, 503, false, false),
                     WF_CLI_RETRY_NO); /* cut mid-body: not an HTTP answer */
    assert_int_equal(kind_of(&o, 60, 0, false, false), WF_CLI_RETRY_NO);
    o.connrefused = true;
    assert_int_equal(kind_of(&o, 7, 0, true, false), WF_CLI_RETRY_CONNREFUSED);
    assert_int_equal(kind_of(&o, 7, 0, false, false), WF_CLI_RETRY_NO); /* 7 for another reason */
    o.all_errors = true;
    assert_int_equal(kind_of(&o, 7, 0, false, false), WF_CLI_RETRY_ALL_ERRORS);
    assert_int_equal(kind_of(&o, 22, 404, false, true), WF_CLI_RETRY_ALL_ERRORS);
    assert_int_equal(kind_of(&o, 0, 404, false, true), WF_CLI_RETRY_NO); /* success is not an error */
}

static void backoff(void **state)
{
    (void)state;
    struct wf_cli_retry_options o = {.count = 12};
    struct wf_cli_retry r;
    wf_cli_retry_start(&r, &o);
    struct wf_cli_attempt a = {.exit_code = 28};
    uint64_t wait;
    static const uint64_t expected[] = {1000,  2000,   4000,   8000,   16000,  32000,
                                        64000, 128000, 256000, 512000, 600000, 600000};
    for (size_t i = 0; i < 12; i++) {
        assert_int_equal(wf_cli_retry_next(&r, &o, &a, 0, NULL, 0, &wait), WF_CLI_RETRY_TIMEOUT);
        assert_true(wait == expected[i]);
    }
    assert_int_equal(wf_cli_retry_next(&r, &o, &a, 0, NULL, 0, &wait), WF_CLI_RETRY_NO); /* all used */
    o = (struct wf_cli_retry_options){.count = 3, .delay_ms = 3000};
    wf_cli_retry_start(&r, &o);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(wf_cli_retry_next(&r, &o, &a, 0, NULL, 0, &wait), WF_CLI_RETRY_TIMEOUT);
        assert_true(wait == 3000); /* --retry-delay: no doubling */
    }
}

static void max_time_and_retry_after(void **state)
{
    (void)state;
    struct wf_cli_retry_options o = {.count = 5, .delay_ms = 1000, .max_time_ms = 10000};
    struct wf_cli_retry r;
    wf_cli_retry_start(&r, &o);
    struct wf_cli_attempt a = {.http_status = 503, .complete = true};
    uint64_t wait;
    assert_int_equal(wf_cli_retry_next(&r, &o, &a, 10000, NULL, 0, &wait), WF_CLI_RETRY_NO);
    assert_int_equal(wf_cli_retry_next(&r, &o, &a, 2000, "5", 0, &wait), WF_CLI_RETRY_HTTP);
    assert_true(wait == 5000);
    assert_int_equal(wf_cli_retry_next(&r, &o, &a, 2000, "60", 0, &wait), WF_CLI_RETRY_HTTP);
    assert_true(wait == 8000); /* cut to what --retry-max-time leaves */
    assert_int_equal(wf_cli_retry_next(&r, &o, &a, 2000, "0", 0, &wait), WF_CLI_RETRY_HTTP);
    assert_true(wait == 1000); /* 0: the usual delay */
    assert_int_equal(wf_cli_retry_next(&r, &o, &a, 2000, "soon", 0, &wait), WF_CLI_RETRY_HTTP);
    assert_true(wait == 1000);
    uint64_t s;
    /* Sun, 06 Nov 1994 08:49:37 GMT is 784111777 */
    assert_true(wf_cli_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111770, &s) && s == 7);
    assert_true(wf_cli_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111790, &s) && s == 0);
    assert_true(wf_cli_retry_after("120", 0, &s) && s == 120);
    assert_false(wf_cli_retry_after("12x", 0, &s));
    assert_false(wf_cli_retry_after("", 0, &s));
    assert_false(wf_cli_retry_after("Sun, 06 Nov 1994 08:49:37 GMT trailing", 0, &s));
}

static char *capture(void (*fn)(FILE *, void *), void *arg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    fn(f, arg);
    fclose(f);
    return text;
}

static void warn_text(FILE *f, void *arg)
{
    wf_cli_warn(f, arg);
}

static void warn_retry(FILE *f, void *arg)
{
    wf_cli_retry_warn(f, *(enum wf_cli_retry_kind *)arg, 1500, 2);
}

static void warnings(void **state)
{
    (void)state;
    enum wf_cli_retry_kind k = WF_CLI_RETRY_HTTP;
    char *t = capture(warn_retry, &k);
    assert_string_equal(t, "Warning: Problem : HTTP error. Will retry in 1 seconds. 2 retries left.\n");
    free(t);
    k = WF_CLI_RETRY_ALL_ERRORS;
    t = capture(warn_retry, &k);
    /* 71 bytes: broken after the last space in the first 70, as curl 7.88 */
    assert_string_equal(t, "Warning: Problem (retrying all errors). Will retry in 1 seconds. 2 retries \n"
                           "Warning: left.\n");
    free(t);
    /* exactly 70 bytes: broken too (curl 7.88) */
    t = capture(warn_text, "Problem : connection refused. Will retry in 1 seconds. 1 retries left.");
    assert_string_equal(t, "Warning: Problem : connection refused. Will retry in 1 seconds. 1 retries \n"
                           "Warning: left.\n");
    free(t);
    char longword[200];
    memset(longword, 'x', 150);
    longword[150] = '\0';
    t = capture(warn_text, longword); /* no space: cut at 70 bytes */
    assert_int_equal(strlen(t), 3 * 9 + 150 + 3);
    assert_memory_equal(t + 9 + 70, "\nWarning: ", 10);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(transient),
        cmocka_unit_test(backoff),
        cmocka_unit_test(max_time_and_retry_after),
        cmocka_unit_test(warnings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
