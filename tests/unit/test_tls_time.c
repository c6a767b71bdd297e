/* The TLS layer's calendar (mbedtls_platform_gmtime_r, ours: the board has no
 * usable gmtime) against the C library's gmtime_r on the host; its clock
 * against the time floor; and the pool's high-water mark. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/x509.h"
#include "tls_platform.h"
#include "wizfetch/port.h"
#include "wizfetch/tls.h"

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

/* 2020-01-01, 2024-01-01 */
#define UNIX_2020 1577836800LL
#define UNIX_2024 1704067200LL

static int64_t port_clock = -1;

static int64_t fake_unix_time(void *ctx)
{
    (void)ctx;
    return port_clock;
}

static uint32_t fake_millis(void *ctx)
{
    (void)ctx;
    return 0;
}

static int fake_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0x5A, len);
    return 0;
}

/* The clock mbedTLS checks certificate dates with never reads below the
 * floor: a clock set back (a rogue NTP server) cannot make a certificate that
 * expired before the floor valid again. */
static void test_clock_never_below_floor(void **state)
{
    (void)state;
    static _Alignas(16) unsigned char pool[4096];
    static const struct wf_port port = {
        .millis = fake_millis,
        .entropy = fake_entropy,
        .unix_time = fake_unix_time,
    };
    assert_int_equal(wf_tls_platform_init(&port, pool, sizeof pool), 0);
    const mbedtls_x509_time expired_2022 = {.year = 2022, .mon = 6, .day = 1};
    /* The port says 2020 (set back), the floor is 2024. */
    port_clock = UNIX_2020;
    wf_tls_platform_set_time_floor(0);
    assert_int_equal(mbedtls_time(NULL), UNIX_2020);
    assert_int_equal(mbedtls_x509_time_is_past(&expired_2022), 0); /* no floor: believed */
    wf_tls_platform_set_time_floor(UNIX_2024);
    assert_int_equal(mbedtls_time(NULL), UNIX_2024);
    assert_int_equal(mbedtls_x509_time_is_past(&expired_2022), 1);
    /* A time after the floor is the time. */
    port_clock = UNIX_2024 + 86400;
    assert_int_equal(mbedtls_time(NULL), UNIX_2024 + 86400);
    /* Unknown: the floor. */
    port_clock = -1;
    assert_int_equal(mbedtls_time(NULL), UNIX_2024);
    wf_tls_platform_set_time_floor(0);
}

/* The high water counts each block with its header (8 pointer-sized words in
 * mbedTLS 3.6's memory_buffer_alloc) and survives wf_tls_heap_peak_reset. */
static void test_pool_high_water(void **state)
{
    (void)state;
    static _Alignas(16) unsigned char pool[8192];
    static const struct wf_port port = {
        .millis = fake_millis,
        .entropy = fake_entropy,
        .unix_time = fake_unix_time,
    };
    assert_int_equal(wf_tls_platform_init(&port, pool, sizeof pool), 0);
    assert_int_equal(wf_tls_pool_high_water(), 0);
    void *a = mbedtls_calloc(1, 1000); /* a multiple of 8: counted as it is */
    void *b = mbedtls_calloc(1, 20);   /* rounded up to 24 */
    assert_non_null(a);
    assert_non_null(b);
    const size_t want = 1000 + 24 + 2 * 8 * sizeof(void *);
    assert_int_equal(wf_tls_pool_high_water(), want);
    mbedtls_free(a);
    mbedtls_free(b);
    wf_tls_heap_peak_reset();
    assert_int_equal(wf_tls_heap_peak(), 0);
    assert_int_equal(wf_tls_pool_high_water(), want); /* kept across the reset */
    void *c = mbedtls_calloc(1, 2000);
    assert_non_null(c);
    assert_int_equal(wf_tls_pool_high_water(), 2000 + 8 * sizeof(void *)); /* a new, higher mark */
    mbedtls_free(c);
    assert_int_equal(wf_tls_platform_init(&port, pool, sizeof pool), 0);
    assert_int_equal(wf_tls_pool_high_water(), 0); /* a new pool starts from zero */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_dates),
        cmocka_unit_test(test_every_day_for_four_centuries),
        cmocka_unit_test(test_clock_never_below_floor),
        cmocka_unit_test(test_pool_high_water),
    };
    return cmocka_run_group_tests_name("tls_time", tests, NULL, NULL);
}
