/* The TLS layer's calendar (mbedtls_platform_gmtime_r, ours: the board has no
 * usable gmtime) against the C library's gmtime_r on the host. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "mbedtls/platform_util.h"

static void expect_same(int64_t t)
{
    time_t tt = (time_t)t;
    mbedtls_time_t mt = (mbedtls_time_t)t;
    struct tm want, got;
    assert_non_null(gmtime_r(&tt, &want));
    assert_non_null(mbedtls_platform_gmtime_r(&mt, &got));
    assert_int_equal(got.tm_year, want.tm_year);
    assert_int_equal(got.tm_mon, want.tm_mon);
    assert_int_equal(got.tm_mday, want.tm_mday);
    assert_int_equal(got.tm_hour, want.tm_hour);
    assert_int_equal(got.tm_min, want.tm_min);
    assert_int_equal(got.tm_sec, want.tm_sec);
    assert_int_equal(got.tm_wday, want.tm_wday);
    assert_int_equal(got.tm_yday, want.tm_yday);
}

static void test_known_dates(void **state)
{
    (void)state;
    static const int64_t cases[] = {
        0,           /* 1970-01-01 */
        -1,          /* 1969-12-31 23:59:59 */
        951782400,   /* 2000-02-29 (a 400-year leap day) */
        4107542400,  /* 2100-03-01 (2100 is not a leap year) */
        2147483647,  /* 2038-01-19, the 32-bit edge */
        2147483648,  /* one second later */
        1795651200,  /* 2026-11-26 */
        253402300799 /* 9999-12-31 23:59:59, mbedTLS's latest */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_same(cases[i]);
    }
}

static void test_every_day_for_four_centuries(void **state)
{
    (void)state;
    /* 1900..2300 in day steps plus an odd second offset: every month length,
     * every leap rule. */
    for (int64_t t = -2208988800LL; t < 10413792000LL; t += 86400) {
        expect_same(t + 3723);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_dates),
        cmocka_unit_test(test_every_day_for_four_centuries),
    };
    return cmocka_run_group_tests_name("tls_time", tests, NULL, NULL);
}
