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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_fields_in_order),
        cmocka_unit_test(no_error_yet_is_none),
        cmocka_unit_test(largest_report_fits),
        cmocka_unit_test(too_small_a_buffer_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
