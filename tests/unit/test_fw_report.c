/* The telemetry firmware's JSON report (apps/firmware/fw_report.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fw_report.h"
#include "wizfetch/error.h"

static void report_fields_in_order(void **state)
{
    (void)state;
    struct fw_report_stats s = {
        .uptime_s = 61,
        .reports = 2,
        .fetches = 3,
        .last_error = WF_ETIMEDOUT,
        .last_status = 201,
        .heap_peak = 33064,
        .stack_peak = 3512,
        .reconnects = 1,
        .reused = 1,
        .resumed = 1,
        .handshakes = 1,
    };
    char buf[FW_REPORT_MAX];
    size_t n = fw_report_json(buf, sizeof buf, &s);
    const char *want = "{\"uptime_s\":61,\"reports\":2,\"fetches\":3,\"last_error\":\"WF_ETIMEDOUT\","
                       "\"last_status\":201,\"heap_peak\":33064,\"stack_peak\":3512,\"reconnects\":1,"
                       "\"reused\":1,\"resumed\":1,\"handshakes\":1}";
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void no_error_yet_is_none(void **state)
{
    (void)state;
    struct fw_report_stats s = {0};
    char buf[FW_REPORT_MAX];
    assert_true(fw_report_json(buf, sizeof buf, &s) > 0);
    assert_non_null(strstr(buf, "\"last_error\":\"none\""));
}

/* The largest counters and the longest error name fit in FW_REPORT_MAX. */
static void largest_report_fits(void **state)
{
    (void)state;
    struct fw_report_stats s;
    memset(&s, 0xFF, sizeof s);
    s.last_status = -2147483647 - 1;
    size_t longest = 0;
    int longest_code = 0;
    for (int code = -1; code >= WF_ELAST; code--) {
        size_t len = strlen(wf_strerror_name(code));
        if (len > longest) {
            longest = len;
            longest_code = code;
        }
    }
    s.last_error = longest_code;
    char buf[FW_REPORT_MAX];
    size_t n = fw_report_json(buf, sizeof buf, &s);
    assert_true(n > 0);
    assert_int_equal(n, strlen(buf));
    assert_non_null(strstr(buf, wf_strerror_name(longest_code)));
}

static void too_small_a_buffer_writes_nothing(void **state)
{
    (void)state;
    struct fw_report_stats s = {0};
    char buf[40];
    memset(buf, 'x', sizeof buf);
    assert_int_equal(fw_report_json(buf, sizeof buf, &s), 0);
    assert_string_equal(buf, "");
    assert_int_equal(fw_report_json(buf, 0, &s), 0);
}

/* 60 days without a successful report, polled after every minute's backoff:
 * the uptime keeps counting across the millisecond clock's wraps. */
static void uptime_counts_across_clock_wraps(void **state)
{
    (void)state;
    struct fw_uptime u;
    uint32_t now = 0xFFFF0000u; /* 65 s before the first wrap */
    fw_uptime_start(&u, now);
    uint64_t elapsed = 0;
    for (unsigned i = 0; i < 60u * 24u * 60u; i++) {
        now += 60000u;
        elapsed += 60000u;
        fw_uptime_poll(&u, now);
    }
    assert_int_equal(fw_uptime_poll(&u, now), (uint32_t)(elapsed / 1000u));
    assert_int_equal(fw_uptime_poll(&u, now + 999u), 60u * 86400u); /* seconds, rounded down */
    assert_int_equal(fw_uptime_poll(&u, now + 1000u), 60u * 86400u + 1u);
    /* One gap just under 2^32 ms is still counted in full. */
    fw_uptime_poll(&u, now + 1000u + 0xFFFFFFFFu);
    assert_int_equal(u.ms, elapsed + 1000u + 0xFFFFFFFFu);
}

/* Each failed report starts a new session, whose counter starts at 0: the
 * report still counts the reconnects since boot. */
static void reconnects_count_since_boot(void **state)
{
    (void)state;
    struct fw_reconnects r = {0};
    assert_int_equal(fw_reconnects_total(&r, 0), 0);
    assert_int_equal(fw_reconnects_total(&r, 2), 2); /* first session: two */
    fw_reconnects_session_ended(&r, 2);              /* a report failed */
    assert_int_equal(fw_reconnects_total(&r, 0), 2); /* new session */
    assert_int_equal(fw_reconnects_total(&r, 1), 3);
    fw_reconnects_session_ended(&r, 1);
    fw_reconnects_session_ended(&r, 0); /* a session without any */
    assert_int_equal(fw_reconnects_total(&r, 4), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_fields_in_order),
        cmocka_unit_test(no_error_yet_is_none),
        cmocka_unit_test(largest_report_fits),
        cmocka_unit_test(too_small_a_buffer_writes_nothing),
        cmocka_unit_test(uptime_counts_across_clock_wraps),
        cmocka_unit_test(reconnects_count_since_boot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
