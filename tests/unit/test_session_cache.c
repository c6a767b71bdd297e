/* The TLS session cache's policy (src/tls/session_cache.c): a session is only
 * found for exactly the name (and port) it was kept for, expires with its
 * lifetime (the clock is the `now_ms` argument: a fake clock), the oldest goes
 * when the cache is full, and forgetting zeroises the memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mbedtls/memory_buffer_alloc.h"
#include "session_cache.h"
#include "wizfetch/error.h"
#include "wizfetch/tls.h"

static _Alignas(16) unsigned char pool[16 * 1024];

static int setup(void **state)
{
    (void)state;
    mbedtls_memory_buffer_alloc_init(pool, sizeof pool);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mbedtls_memory_buffer_alloc_free();
    return 0;
}

/* Keep `len` bytes of `fill` for host:port. */
static int put(struct wf_tls_session_cache *c, const char *host, uint16_t port, uint8_t fill, size_t len,
               uint32_t now, uint32_t lifetime)
{
    uint8_t *p = NULL;
    int rc = wf_tls_sessions_put(c, host, port, len, now, lifetime, true, &p);
    if (rc == 0 && p != NULL) {
        memset(p, fill, len);
    }
    return rc;
}

/* The payload found for host:port at `now`: its first byte, or -1 if none. */
static int first_byte(struct wf_tls_session_cache *c, const char *host, uint16_t port, uint32_t now)
{
    const struct wf_tls_session_entry *e = wf_tls_sessions_find(c, host, port, now, true);
    if (e == NULL) {
        return -1;
    }
    size_t len;
    const uint8_t *p = wf_tls_session_payload(e, &len);
    assert_true(len > 0);
    return p[0];
}

static void test_exact_name_only(void **state)
{
    (void)state;
    struct wf_tls_session_cache c;
    wf_tls_sessions_init(&c);
    assert_int_equal(put(&c, "www.example.test", 443, 0x11, 100, 0, 60000), 0);
    assert_int_equal(first_byte(&c, "www.example.test", 443, 1), 0x11);
    /* Byte for byte: another case is another name (mbedTLS would refuse the
     * TLS 1.3 ticket under it; wf_url lowercases host names). */
    static const char *const others[] = {
        "other.example.test", "www.example.tes",   "ww.example.test",
        "www.example.test.",  "xwww.example.test", "www.example.testx",
        "WWW.Example.TEST",   "example.test",      "",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        assert_int_equal(first_byte(&c, others[i], 443, 1), -1);
    }
    assert_int_equal(first_byte(&c, "www.example.test", 8443, 1), -1); /* another port */
    assert_int_equal(first_byte(&c, "www.example.test", 0, 1), -1);    /* port unknown is its own key */
    /* A second name gets its own entry; each finds only its own. */
    assert_int_equal(put(&c, "other.example.test", 443, 0x22, 50, 2, 60000), 0);
    assert_int_equal(first_byte(&c, "other.example.test", 443, 3), 0x22);
    assert_int_equal(first_byte(&c, "www.example.test", 443, 3), 0x11);
    /* The same key replaces its entry and leaves the other. */
    assert_int_equal(put(&c, "www.example.test", 443, 0x33, 70, 4, 60000), 0);
    assert_int_equal(wf_tls_sessions_count(&c), 2);
    assert_int_equal(first_byte(&c, "www.example.test", 443, 5), 0x33);
    assert_int_equal(first_byte(&c, "other.example.test", 443, 5), 0x22);
    wf_tls_sessions_drop(&c, "www.example.test", 443);
    assert_int_equal(first_byte(&c, "www.example.test", 443, 6), -1);
    assert_int_equal(wf_tls_sessions_count(&c), 1);
    wf_tls_sessions_clear(&c);
}

static void test_expiry(void **state)
{
    (void)state;
    struct wf_tls_session_cache c;
    wf_tls_sessions_init(&c);
    assert_int_equal(put(&c, "a.test", 443, 0x44, 10, 1000, 2000), 0);
    assert_int_equal(first_byte(&c, "a.test", 443, 2999), 0x44); /* 1999 ms old: alive */
    assert_int_equal(first_byte(&c, "a.test", 443, 3000), -1);   /* 2000 ms: expired, dropped */
    assert_int_equal(wf_tls_sessions_count(&c), 0);
    assert_int_equal(wf_tls_sessions_bytes(&c), 0);
    /* Across the wrap of the 32-bit millisecond clock. */
    assert_int_equal(put(&c, "a.test", 443, 0x55, 10, 0xFFFFF000u, 0x2000), 0);
    assert_int_equal(first_byte(&c, "a.test", 443, 0x00000800u), 0x55);
    assert_int_equal(first_byte(&c, "a.test", 443, 0x00001000u), -1);
    /* Lifetime 0 keeps nothing and drops what the key had. */
    assert_int_equal(put(&c, "a.test", 443, 0x66, 10, 0, 5000), 0);
    assert_int_equal(put(&c, "a.test", 443, 0x77, 10, 1, 0), 0);
    assert_int_equal(first_byte(&c, "a.test", 443, 2), -1);
    wf_tls_sessions_clear(&c);
}

static void test_cap_evicts_oldest(void **state)
{
    (void)state;
    struct wf_tls_session_cache c;
    wf_tls_sessions_init(&c);
    char name[16];
    for (unsigned i = 0; i < WF_TLS_SESSION_CACHE_ENTRIES; i++) {
        snprintf(name, sizeof name, "h%u.test", i);
        assert_int_equal(put(&c, name, 443, (uint8_t)(0x10 + i), 10, 100 * i, 1000000), 0);
    }
    assert_int_equal(wf_tls_sessions_count(&c), WF_TLS_SESSION_CACHE_ENTRIES);
    /* One more: h0 (the oldest) goes, the others stay. */
    assert_int_equal(put(&c, "new.test", 443, 0x99, 10, 100 * WF_TLS_SESSION_CACHE_ENTRIES, 1000000), 0);
    assert_int_equal(wf_tls_sessions_count(&c), WF_TLS_SESSION_CACHE_ENTRIES);
    assert_int_equal(first_byte(&c, "h0.test", 443, 5000), -1);
    assert_int_equal(first_byte(&c, "new.test", 443, 5000), 0x99);
    for (unsigned i = 1; i < WF_TLS_SESSION_CACHE_ENTRIES; i++) {
        snprintf(name, sizeof name, "h%u.test", i);
        assert_int_equal(first_byte(&c, name, 443, 5000), 0x10 + i);
    }
    wf_tls_sessions_clear(&c);

    /* An expired entry goes before an older live one. */
    wf_tls_sessions_init(&c);
    assert_int_equal(put(&c, "old-live.test", 443, 1, 10, 0, 1000000), 0);
    for (unsigned i = 1; i < WF_TLS_SESSION_CACHE_ENTRIES; i++) {
        snprintf(name, sizeof name, "x%u.test", i);
        assert_int_equal(put(&c, name, 443, 2, 10, 10, 5), 0); /* expired at 15 */
    }
    assert_int_equal(put(&c, "new.test", 443, 3, 10, 100, 1000000), 0);
    assert_int_equal(first_byte(&c, "old-live.test", 443, 101), 1);
    assert_int_equal(first_byte(&c, "new.test", 443, 101), 3);
    wf_tls_sessions_clear(&c);
}

static void test_forget_zeroises(void **state)
{
    (void)state;
    struct wf_tls_session_cache c;
    wf_tls_sessions_init(&c);
    assert_int_equal(put(&c, "secret.test", 443, 0xA5, 300, 0, 60000), 0);
    const struct wf_tls_session_entry *e = wf_tls_sessions_find(&c, "secret.test", 443, 1, true);
    assert_non_null(e);
    const uint8_t *blob = e->blob; /* inside `pool`: still readable after the free */
    size_t len = e->len;
    assert_int_equal(len, strlen("secret.test") + 1 + 300);
    assert_int_equal(wf_tls_sessions_bytes(&c), len);
    assert_true(wf_tls_heap_used() >= len);
    wf_tls_sessions_clear(&c);
    assert_int_equal(wf_tls_heap_used(), 0); /* every block freed */
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(blob[i], 0);
    }
    static const struct wf_tls_session_entry zero;
    for (size_t i = 0; i < WF_TLS_SESSION_CACHE_ENTRIES; i++) {
        assert_memory_equal(&c.entries[i], &zero, sizeof zero);
    }
    assert_int_equal(wf_tls_sessions_count(&c), 0);
    /* Dropping one entry zeroises it too. */
    assert_int_equal(put(&c, "secret.test", 443, 0x5A, 64, 0, 60000), 0);
    e = wf_tls_sessions_find(&c, "secret.test", 443, 1, true);
    blob = e->blob;
    len = e->len;
    wf_tls_sessions_drop(&c, "secret.test", 443);
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(blob[i], 0);
    }
}

static void test_bad_input(void **state)
{
    (void)state;
    struct wf_tls_session_cache c;
    wf_tls_sessions_init(&c);
    uint8_t *p = (uint8_t *)&c; /* must be reset to NULL on failure */
    char longname[WF_TLS_SESSION_HOST_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(wf_tls_sessions_put(&c, "", 443, 10, 0, 1000, true, &p), WF_EINVAL);
    assert_null(p);
    assert_int_equal(wf_tls_sessions_put(&c, longname, 443, 10, 0, 1000, true, &p), WF_EINVAL);
    assert_int_equal(wf_tls_sessions_put(&c, "a.test", 443, 0, 0, 1000, true, &p), WF_EINVAL);
    assert_int_equal(wf_tls_sessions_put(&c, "a.test", 443, sizeof pool, 0, 1000, true, &p), WF_ENOMEM);
    assert_null(p);
    assert_int_equal(wf_tls_sessions_count(&c), 0);
}

static void test_lifetime_policy(void **state)
{
    (void)state;
    assert_int_equal(wf_tls_session_lifetime_s(WF_TLS_SESSION_TLS13_TICKET, 0), 0); /* RFC 8446: discard */
    assert_int_equal(wf_tls_session_lifetime_s(WF_TLS_SESSION_TLS13_TICKET, 7200), 7200);
    assert_int_equal(wf_tls_session_lifetime_s(WF_TLS_SESSION_TLS13_TICKET, 10000000), 604800);
    assert_int_equal(wf_tls_session_lifetime_s(WF_TLS_SESSION_TLS12_TICKET, 300), 300);
    assert_int_equal(wf_tls_session_lifetime_s(WF_TLS_SESSION_TLS12_TICKET, 0), WF_TLS_SESSION_ID_LIFETIME_S);
    assert_int_equal(wf_tls_session_lifetime_s(WF_TLS_SESSION_TLS12_TICKET, 10000000), 604800);
    assert_int_equal(wf_tls_session_lifetime_s(WF_TLS_SESSION_TLS12_ID, 0), WF_TLS_SESSION_ID_LIFETIME_S);
    assert_int_equal(wf_tls_session_lifetime_s(WF_TLS_SESSION_TLS12_ID, 99999), WF_TLS_SESSION_ID_LIFETIME_S);
}

/* A session made while the clock was unknown (certificate dates not checked)
 * may be resumed while it is still unknown, never once the clock is set. */
static void test_unchecked_dates_not_resumed_once_known(void **state)
{
    (void)state;
    struct wf_tls_session_cache c;
    wf_tls_sessions_init(&c);
    uint32_t now = 5000; /* the port clock; the wall clock is not known yet */
    uint8_t *p = NULL;
    assert_int_equal(wf_tls_sessions_put(&c, "a.test", 443, 100, now, 3600000, false, &p), 0);
    assert_non_null(p);
    memset(p, 0xAB, 100);
    assert_non_null(wf_tls_sessions_find(&c, "a.test", 443, now + 1000, false)); /* still unknown */
    assert_int_equal(first_byte(&c, "a.test", 443, now + 1000), -1); /* now known: not offered... */
    assert_int_equal(wf_tls_sessions_count(&c), 0);                  /* ...and dropped */
    /* One made with the time known stays offered, also when the clock is lost. */
    assert_int_equal(put(&c, "b.test", 443, 0xCD, 100, now, 3600000), 0);
    assert_non_null(wf_tls_sessions_find(&c, "b.test", 443, now + 1000, false));
    assert_int_equal(first_byte(&c, "b.test", 443, now + 1000), 0xCD);
    wf_tls_sessions_clear(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exact_name_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_evicts_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forget_zeroises, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test(test_lifetime_policy),
        cmocka_unit_test_setup_teardown(test_unchecked_dates_not_resumed_once_known, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
