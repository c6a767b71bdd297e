/* The cipher suites offered (wf_mbedtls_config.h names them in
 * MBEDTLS_SSL_CIPHERSUITES, so mbedTLS keeps no table of every suite it knows):
 * every AEAD suite the build can run, each one once, and nothing else - in
 * particular no CBC suite in the host's builds, whose CBC is for key files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "mbedtls/ssl.h"
#include "mbedtls/ssl_ciphersuites.h"

static int offered(int id)
{
    for (const int *p = mbedtls_ssl_list_ciphersuites(); *p != 0; p++) {
        if (*p == id) {
            return 1;
        }
    }
    return 0;
}

static void test_offered_suites_are_runnable_aead(void **state)
{
    (void)state;
    size_t n = 0;
    for (const int *p = mbedtls_ssl_list_ciphersuites(); *p != 0; p++, n++) {
        const mbedtls_ssl_ciphersuite_t *cs = mbedtls_ssl_ciphersuite_from_id(*p);
        assert_non_null(cs); /* compiled in */
        const char *name = mbedtls_ssl_get_ciphersuite_name(*p);
        assert_null(strstr(name, "CBC"));
        assert_true(strstr(name, "GCM") != NULL || strstr(name, "CHACHA20-POLY1305") != NULL);
        for (const int *q = p + 1; *q != 0; q++) {
            assert_int_not_equal(*q, *p);
        }
    }
    assert_true(n >= 2);
}

static void test_every_runnable_aead_suite_is_offered(void **state)
{
    (void)state;
    for (int id = 1; id <= 0xFFFF; id++) {
        if (mbedtls_ssl_ciphersuite_from_id(id) == NULL) {
            continue;
        }
        const char *name = mbedtls_ssl_get_ciphersuite_name(id);
        if (strstr(name, "CBC") == NULL) {
            if (!offered(id)) {
                fail_msg("suite %s is compiled in but not offered (MBEDTLS_SSL_CIPHERSUITES)", name);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offered_suites_are_runnable_aead),
        cmocka_unit_test(test_every_runnable_aead_suite_is_offered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
