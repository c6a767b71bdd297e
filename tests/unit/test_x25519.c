/* X25519 through mbedTLS's PSA API with libsodium's ladder plugged in
 * (src/tls/x25519_sodium.h): RFC 7748's test vectors (section 5.2: scalar
 * multiplications, including the iterated one to 1000; section 6.1: the
 * Diffie-Hellman example, public keys and shared secret both ways), each
 * shared secret computed by psa_raw_key_agreement, the call TLS makes. The
 * test is linked with --wrap=wf_x25519_sodium (tests/CMakeLists.txt) and
 * counts the calls: each X25519 public-key export and agreement must reach
 * libsodium's ladder exactly once, P-256 never. Small-order peers are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "psa/crypto.h"
#include "wizfetch/port.h"
#include "wizfetch/tls.h"
#include "x25519_sodium.h"

static unsigned sodium_calls;

int __real_wf_x25519_sodium(uint8_t out[WF_X25519_BYTES], const uint8_t scalar[WF_X25519_BYTES],
                            const uint8_t u[WF_X25519_BYTES]);
int __wrap_wf_x25519_sodium(uint8_t out[WF_X25519_BYTES], const uint8_t scalar[WF_X25519_BYTES],
                            const uint8_t u[WF_X25519_BYTES]);
int __wrap_wf_x25519_sodium(uint8_t out[WF_X25519_BYTES], const uint8_t scalar[WF_X25519_BYTES],
                            const uint8_t u[WF_X25519_BYTES])
{
    sodium_calls++;
    return __real_wf_x25519_sodium(out, scalar, u);
}

static void unhex(const char *hex, uint8_t out[32])
{
    assert_int_equal(strlen(hex), 64);
    for (size_t i = 0; i < 32; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static psa_key_id_t import_x25519(const uint8_t scalar[32])
{
    psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_MONTGOMERY));
    psa_set_key_bits(&a, 255);
    psa_set_key_usage_flags(&a, PSA_KEY_USAGE_DERIVE | PSA_KEY_USAGE_EXPORT);
    psa_set_key_algorithm(&a, PSA_ALG_ECDH);
    psa_key_id_t key = 0;
    assert_int_equal(psa_import_key(&a, scalar, 32, &key), PSA_SUCCESS);
    return key;
}

/* X25519(scalar, u) by psa_raw_key_agreement; the PSA status. */
static psa_status_t psa_x25519(const uint8_t scalar[32], const uint8_t u[32], uint8_t out[32])
{
    psa_key_id_t key = import_x25519(scalar);
    size_t len = 0;
    psa_status_t st = psa_raw_key_agreement(PSA_ALG_ECDH, key, u, 32, out, 32, &len);
    assert_int_equal(psa_destroy_key(key), PSA_SUCCESS);
    if (st == PSA_SUCCESS) {
        assert_int_equal(len, 32);
    }
    return st;
}

static void check_vector(const char *scalar_hex, const char *u_hex, const char *out_hex)
{
    uint8_t scalar[32], u[32], want[32], got[32];
    unhex(scalar_hex, scalar);
    unhex(u_hex, u);
    unhex(out_hex, want);
    unsigned before = sodium_calls;
    assert_int_equal(psa_x25519(scalar, u, got), PSA_SUCCESS);
    assert_memory_equal(got, want, 32);
    assert_int_equal(sodium_calls, before + 1);
}

/* RFC 7748 5.2, the two single vectors (the second u has its top bit set: ignored). */
static void test_rfc7748_5_2_vectors(void **state)
{
    (void)state;
    check_vector("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
                 "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
                 "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
    check_vector("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
                 "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
                 "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

/* RFC 7748 5.2, iterated: k = u = 9; k, u = X25519(k, u), k; after 1 and 1000. */
static void test_rfc7748_5_2_iterated(void **state)
{
    (void)state;
    uint8_t k[32] = {9}, u[32] = {9}, r[32], want1[32], want1000[32];
    unhex("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079", want1);
    unhex("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51", want1000);
    unsigned before = sodium_calls;
    for (int i = 1; i <= 1000; i++) {
        assert_int_equal(psa_x25519(k, u, r), PSA_SUCCESS);
        memcpy(u, k, 32);
        memcpy(k, r, 32);
        if (i == 1) {
            assert_memory_equal(k, want1, 32);
        }
    }
    assert_memory_equal(k, want1000, 32);
    assert_int_equal(sodium_calls, before + 1000);
}

/* RFC 7748 6.1: public keys by psa_export_public_key (the driver's entry point),
 * the shared secret both ways by psa_raw_key_agreement (the ECDH _ALT): four
 * calls of libsodium's ladder. */
static void test_rfc7748_6_1_diffie_hellman(void **state)
{
    (void)state;
    uint8_t a[32], b[32], a_pub_want[32], b_pub_want[32], k_want[32];
    unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a);
    unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", a_pub_want);
    unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b);
    unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", b_pub_want);
    unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", k_want);
    uint8_t a_pub[32], b_pub[32], k1[32], k2[32];
    size_t len = 0;
    psa_key_id_t ka = import_x25519(a), kb = import_x25519(b);
    unsigned before = sodium_calls;
    assert_int_equal(psa_export_public_key(ka, a_pub, sizeof a_pub, &len), PSA_SUCCESS);
    assert_int_equal(len, 32);
    assert_memory_equal(a_pub, a_pub_want, 32);
    assert_int_equal(psa_export_public_key(kb, b_pub, sizeof b_pub, &len), PSA_SUCCESS);
    assert_memory_equal(b_pub, b_pub_want, 32);
    assert_int_equal(sodium_calls, before + 2);
    /* A buffer too small for the public key: refused, nothing written past it. */
    uint8_t small[31];
    assert_int_equal(psa_export_public_key(ka, small, sizeof small, &len), PSA_ERROR_BUFFER_TOO_SMALL);
    assert_int_equal(psa_raw_key_agreement(PSA_ALG_ECDH, ka, b_pub, 32, k1, 32, &len), PSA_SUCCESS);
    assert_int_equal(psa_raw_key_agreement(PSA_ALG_ECDH, kb, a_pub, 32, k2, 32, &len), PSA_SUCCESS);
    assert_memory_equal(k1, k_want, 32);
    assert_memory_equal(k2, k_want, 32);
    assert_int_equal(sodium_calls, before + 4);
    psa_destroy_key(ka);
    psa_destroy_key(kb);
}

/* Peers of small order give an all-zero secret: refused (u = 0 and u = 1; u = p - 1, order 2). */
static void test_small_order_peer_refused(void **state)
{
    (void)state;
    uint8_t scalar[32], u[32], out[32];
    unhex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", scalar);
    static const char *small[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    };
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
        unhex(small[i], u);
        assert_int_not_equal(psa_x25519(scalar, u, out), PSA_SUCCESS);
    }
    /* libsodium's own check, below mbedTLS's: the same refusal. */
    unhex(small[0], u);
    memset(out, 0xAA, sizeof out);
    assert_int_equal(wf_x25519_sodium(out, scalar, u), -1);
    static const uint8_t zero[32] = {0};
    assert_memory_equal(out, zero, 32);
}

/* The other curves keep mbedTLS's arithmetic behind the same hooks: a P-256
 * export and agreement are right (both sides agree) and never reach libsodium. */
static void test_p256_unchanged(void **state)
{
    (void)state;
    psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
    psa_set_key_bits(&a, 256);
    psa_set_key_usage_flags(&a, PSA_KEY_USAGE_DERIVE | PSA_KEY_USAGE_EXPORT);
    psa_set_key_algorithm(&a, PSA_ALG_ECDH);
    psa_key_id_t k1 = 0, k2 = 0;
    assert_int_equal(psa_generate_key(&a, &k1), PSA_SUCCESS);
    assert_int_equal(psa_generate_key(&a, &k2), PSA_SUCCESS);
    uint8_t p1[65], p2[65], s1[32], s2[32];
    size_t len = 0;
    unsigned before = sodium_calls;
    assert_int_equal(psa_export_public_key(k1, p1, sizeof p1, &len), PSA_SUCCESS);
    assert_int_equal(psa_export_public_key(k2, p2, sizeof p2, &len), PSA_SUCCESS);
    assert_int_equal(psa_raw_key_agreement(PSA_ALG_ECDH, k1, p2, 65, s1, sizeof s1, &len), PSA_SUCCESS);
    assert_int_equal(psa_raw_key_agreement(PSA_ALG_ECDH, k2, p1, 65, s2, sizeof s2, &len), PSA_SUCCESS);
    assert_memory_equal(s1, s2, 32);
    assert_int_equal(sodium_calls, before);
    psa_destroy_key(k1);
    psa_destroy_key(k2);
}

static int host_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    FILE *f = fopen("/dev/urandom", "rb");
    size_t n = f != NULL ? fread(buf, 1, len, f) : 0;
    if (f != NULL) {
        fclose(f);
    }
    return n == len ? 0 : -1;
}

static uint32_t zero_millis(void *ctx)
{
    (void)ctx;
    return 0;
}

int main(void)
{
    static _Alignas(16) unsigned char pool[32 * 1024];
    static const struct wf_port port = {.millis = zero_millis, .entropy = host_entropy};
    if (wf_tls_platform_init(&port, pool, sizeof pool) != 0 || psa_crypto_init() != PSA_SUCCESS) {
        fprintf(stderr, "test_x25519: PSA crypto failed to start\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7748_5_2_vectors),
        cmocka_unit_test(test_rfc7748_5_2_iterated),
        cmocka_unit_test(test_rfc7748_6_1_diffie_hellman),
        cmocka_unit_test(test_small_order_peer_refused),
        cmocka_unit_test(test_p256_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
