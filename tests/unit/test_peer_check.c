/*
 * The checks wizfetch adds to mbedTLS's verification of a server's
 * certificate (src/tls/peer_check.c): IP literals only against iPAddress
 * entries, no wildcard for a whole top-level domain, CA certificates refused
 * as leaves, and the sent chain put in issuing order before mbedTLS builds
 * the path (through the CA look-up, as in a handshake).
 *
 * argv[1]: the directory made by ca_store_certs.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mbedtls/x509_crt.h"
#include "peer_check.h"
#include "wizfetch/ca_store.h"
#include "tls_test_platform.h"
#include "wizfetch/tls.h"

static const char *dir;

/* Parse the DER files `names` (NULL-terminated) into one list, in that order. */
static void load_chain(mbedtls_x509_crt *crt, const char *const *names)
{
    mbedtls_x509_crt_init(crt);
    for (; *names != NULL; names++) {
        char path[1024];
        static uint8_t der[8192];
        snprintf(path, sizeof path, "%s/%s", dir, *names);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        size_t len = fread(der, 1, sizeof der, f);
        fclose(f);
        assert_true(len > 0 && len < sizeof der);
        assert_int_equal(mbedtls_x509_crt_parse_der(crt, der, len), 0); /* copies */
    }
}

static void load(mbedtls_x509_crt *crt, const char *name)
{
    load_chain(crt, (const char *const[]){name, NULL});
}

static bool names(const char *cert, const char *host)
{
    mbedtls_x509_crt crt;
    load(&crt, cert);
    uint32_t flags = wf_tls_peer_name_flags(&crt, host);
    assert_true(flags == 0 || flags == MBEDTLS_X509_BADCERT_CN_MISMATCH);
    mbedtls_x509_crt_free(&crt);
    return flags == 0;
}

static void test_dns_names_and_wildcards(void **state)
{
    (void)state;
    assert_true(names("names.der", "www.example.test"));
    assert_true(names("names.der", "WWW.Example.TEST"));  /* ASCII case-insensitive */
    assert_true(names("names.der", "api.example.test"));  /* *.example.test */
    assert_false(names("names.der", "a.b.example.test")); /* one label only */
    assert_false(names("names.der", "example.test"));     /* *.test is refused: a whole TLD */
    assert_false(names("names.der", "other.test"));
    assert_false(names("names.der", "www.example.test.evil"));
    assert_false(names("names.der", ".example.test"));
    /* No subjectAltName: the CN stands in for DNS names. */
    assert_true(names("cn-only.der", "host.example.test"));
    assert_false(names("cn-only.der", "other.example.test"));
}

static void test_ip_only_against_ip_entries(void **state)
{
    (void)state;
    assert_true(names("names.der", "10.0.0.1")); /* iPAddress entry */
    assert_false(names("names.der", "10.0.0.2"));
    assert_false(names("names.der", "192.168.1.1")); /* only a dNSName: mbedTLS alone accepts it */
    assert_false(names("cn-ip.der", "10.0.0.1"));    /* never the CN */
    assert_false(names("names.der", "::1"));         /* IPv6 literals name nothing */
}

static void test_ca_as_leaf(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        bool ca;
    } cases[] = {
        {"ca-leaf.der", true},                             /* basicConstraints CA:TRUE */
        {"certsign-leaf.der", true},                       /* CA:FALSE, but keyUsage keyCertSign */
        {"leaf-deep.der", false},    {"names.der", false}, /* no basicConstraints, no keyUsage */
        {"int-1.der", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mbedtls_x509_crt crt;
        load(&crt, cases[i].file);
        assert_int_equal(wf_tls_cert_is_ca(&crt), cases[i].ca);
        mbedtls_x509_crt_free(&crt);
    }
}

/* The subjects' first bytes name the order: compare with the DER of the files. */
static void expect_order(const mbedtls_x509_crt *crt, const char *const *want)
{
    mbedtls_x509_crt one;
    for (; *want != NULL; want++, crt = crt->next) {
        assert_non_null(crt);
        load(&one, *want);
        assert_int_equal(crt->raw.len, one.raw.len);
        assert_memory_equal(crt->raw.p, one.raw.p, one.raw.len);
        mbedtls_x509_crt_free(&one);
    }
    assert_null(crt);
}

static void test_chain_order(void **state)
{
    (void)state;
    mbedtls_x509_crt crt;
    /* Out of order: leaf, upper, lower -> leaf, lower, upper. */
    load_chain(&crt, (const char *const[]){"leaf-deep.der", "int-1.der", "int-2.der", NULL});
    assert_true(wf_tls_chain_order(&crt));
    expect_order(&crt, (const char *const[]){"leaf-deep.der", "int-2.der", "int-1.der", NULL});
    assert_false(wf_tls_chain_order(&crt)); /* now in order: nothing moves */
    mbedtls_x509_crt_free(&crt);
    /* The root sent too follows the upper intermediate; strangers go last. */
    load_chain(&crt, (const char *const[]){"leaf-deep.der", "roll-a.der", "other.der", "int-1.der",
                                           "int-2.der", NULL});
    assert_true(wf_tls_chain_order(&crt));
    expect_order(&crt, (const char *const[]){"leaf-deep.der", "int-2.der", "int-1.der", "other.der",
                                             "roll-a.der", NULL});
    mbedtls_x509_crt_free(&crt);
    /* A lone leaf, and a leaf whose issuer was not sent. */
    load(&crt, "leaf-deep.der");
    assert_false(wf_tls_chain_order(&crt));
    mbedtls_x509_crt_free(&crt);
    load_chain(&crt, (const char *const[]){"leaf-deep.der", "int-1.der", NULL});
    assert_false(wf_tls_chain_order(&crt));
    expect_order(&crt, (const char *const[]){"leaf-deep.der", "int-1.der", NULL});
    mbedtls_x509_crt_free(&crt);
}

/* ---- through mbedTLS's verification with the project's CA look-up ----------- */

/* Verify the chain of `files` against the root other.der (a store), as a
 * handshake does: the flags. */
static uint32_t verify(const char *const *files, const char *host)
{
    mbedtls_x509_crt root;
    load(&root, "other.der");
    const uint8_t *der = root.raw.p;
    size_t len = root.raw.len;
    const uint8_t *subject;
    size_t subject_len;
    assert_int_equal(wf_ca_der_subject(der, len, &subject, &subject_len), 0);
    struct wf_ca_entry e = {der, subject, (uint32_t)len, (uint32_t)subject_len};
    const struct wf_ca_store store = {&e, 1};
    static wf_tls_t t;
    wf_tls_init(&t);
    assert_int_equal(wf_tls_add_ca_store(&t, &store), 0);
    mbedtls_x509_crt crt;
    load_chain(&crt, files);
    uint32_t flags = 0;
    int ret = mbedtls_x509_crt_verify_with_ca_cb(&crt, wf_tls_ca_lookup, &t,
                                                 &mbedtls_x509_crt_profile_default, host, &flags, NULL, NULL);
    assert_true((ret == 0) == (flags == 0));
    mbedtls_x509_crt_free(&crt);
    wf_tls_free(&t);
    mbedtls_x509_crt_free(&root);
    return flags;
}

static void test_out_of_order_chain_verifies(void **state)
{
    (void)state;
    static const char *const in_order[] = {"leaf-deep.der", "int-2.der", "int-1.der", NULL};
    static const char *const swapped[] = {"leaf-deep.der", "int-1.der", "int-2.der", NULL};
    static const char *const missing[] = {"leaf-deep.der", "int-2.der", NULL};
    assert_int_equal(verify(in_order, "leaf.example.test"), 0);
    assert_int_equal(verify(swapped, "leaf.example.test"), 0);
    /* Nothing is relaxed: a wrong name, a missing intermediate still fail. */
    assert_true(verify(swapped, "other.example.test") & MBEDTLS_X509_BADCERT_CN_MISMATCH);
    assert_true(verify(missing, "leaf.example.test") & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_peer_check CERT_DIR (made by ca_store_certs.sh)\n");
        return 2;
    }
    dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dns_names_and_wildcards),
        cmocka_unit_test(test_ip_only_against_ip_entries),
        cmocka_unit_test(test_ca_as_leaf),
        cmocka_unit_test(test_chain_order),
        cmocka_unit_test(test_out_of_order_chain_verifies),
    };
    return cmocka_run_group_tests(tests, wf_test_tls_platform_setup, NULL);
}
