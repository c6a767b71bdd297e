/*
 * The trust-anchor store: subject index (order, binary search), the DER walk,
 * and look-ups during real chain verification with mbedTLS (hit, miss, two
 * roots with one subject, a damaged entry); the generated store of the system
 * bundle against mbedTLS (scripts/ca-store.py must agree with
 * wf_mbedtls_config.h); curl's pinned-key syntax.
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

#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/x509_crt.h"
#include "wizfetch/ca_store.h"
#include "wizfetch/error.h"
#include "tls_test_platform.h"
#include "wizfetch/tls.h"

/* The system bundle through scripts/ca-store.py (CMake generates it). */
extern const struct wf_ca_store wf_ca_test_system;
extern const struct wf_ca_store wf_ca_test_system_rejected;

static const char *dir;

struct der {
    uint8_t *p;
    size_t len;
};

static struct der load(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct der d = {malloc(8192), 0};
    assert_non_null(d.p);
    d.len = fread(d.p, 1, 8192, f);
    fclose(f);
    assert_true(d.len > 0 && d.len < 8192);
    return d;
}

static struct wf_ca_entry entry(struct der d)
{
    const uint8_t *subject;
    size_t subject_len;
    assert_int_equal(wf_ca_der_subject(d.p, d.len, &subject, &subject_len), 0);
    return (struct wf_ca_entry){d.p, subject, (uint32_t)d.len, (uint32_t)subject_len};
}

/* Verify `leaf` against the stores of a fresh context: the verification flags. */
static uint32_t verify(const struct wf_ca_store *store, struct der leaf, struct wf_tls_ca_stats *stats)
{
    static wf_tls_t t;
    wf_tls_init(&t);
    assert_int_equal(wf_tls_add_ca_store(&t, store), 0);
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    assert_int_equal(mbedtls_x509_crt_parse_der(&crt, leaf.p, leaf.len), 0);
    uint32_t flags = 0;
    int ret =
        mbedtls_x509_crt_verify_with_ca_cb(&crt, wf_tls_ca_lookup, &t, &mbedtls_x509_crt_profile_default,
                                           "leaf.example.test", &flags, NULL, NULL);
    assert_true(ret == 0 || ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
    assert_true((ret == 0) == (flags == 0));
    *stats = *wf_tls_ca_stats(&t);
    mbedtls_x509_crt_free(&crt);
    wf_tls_free(&t);
    return flags;
}

/* ---- the index ------------------------------------------------------------------ */

static void test_name_order_and_find(void **state)
{
    (void)state;
    /* Names of different lengths and contents, some equal, in scrambled order. */
    static const uint8_t n[][4] = {{3, 'b'}, {2, 'a', 'a'}, {2, 'a', 'b'}, {3, 'a'}, {2, 'a', 'a'}, {1}};
    static const uint32_t len[] = {2, 3, 3, 2, 3, 1};
    struct wf_ca_entry e[6];
    for (size_t i = 0; i < 6; i++) {
        e[i] = (struct wf_ca_entry){n[i], n[i], len[i], len[i]};
    }
    wf_ca_store_sort(e, 6);
    for (size_t i = 1; i < 6; i++) {
        assert_true(wf_ca_name_cmp(e[i - 1].subject, e[i - 1].subject_len, e[i].subject, e[i].subject_len) <=
                    0);
    }
    assert_int_equal(e[0].subject_len, 1); /* shorter first */
    const struct wf_ca_store s = {e, 6};
    size_t first;
    assert_int_equal(wf_ca_store_find(&s, (const uint8_t[]){2, 'a', 'a'}, 3, &first), 2);
    assert_int_equal(wf_ca_name_cmp(e[first].subject, 3, (const uint8_t[]){2, 'a', 'a'}, 3), 0);
    assert_int_equal(wf_ca_name_cmp(e[first + 1].subject, 3, (const uint8_t[]){2, 'a', 'a'}, 3), 0);
    assert_int_equal(wf_ca_store_find(&s, (const uint8_t[]){3, 'a'}, 2, &first), 1);
    assert_int_equal(wf_ca_store_find(&s, (const uint8_t[]){1}, 1, &first), 1);
    assert_int_equal(first, 0);
    /* Misses: before the first, between, after the last, a prefix of a name. */
    assert_int_equal(wf_ca_store_find(&s, (const uint8_t[]){0}, 1, &first), 0);
    assert_int_equal(wf_ca_store_find(&s, (const uint8_t[]){2, 'a', 'c'}, 3, &first), 0);
    assert_int_equal(wf_ca_store_find(&s, (const uint8_t[]){9, 9, 9, 9}, 4, &first), 0);
    assert_int_equal(wf_ca_store_find(&s, (const uint8_t[]){2, 'a'}, 2, &first), 0);
    const struct wf_ca_store empty = {NULL, 0};
    assert_int_equal(wf_ca_store_find(&empty, (const uint8_t[]){1}, 1, &first), 0);
}

static void test_der_subject(void **state)
{
    (void)state;
    struct der d = load("roll-a.der");
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    assert_int_equal(mbedtls_x509_crt_parse_der(&crt, d.p, d.len), 0);
    const uint8_t *subject;
    size_t subject_len;
    assert_int_equal(wf_ca_der_subject(d.p, d.len, &subject, &subject_len), 0);
    assert_int_equal(subject_len, crt.subject_raw.len);
    assert_memory_equal(subject, crt.subject_raw.p, subject_len);
    mbedtls_x509_crt_free(&crt);
    /* Every truncation, a byte too many, a wrong outer tag, nothing at all. */
    for (size_t n = 0; n < d.len; n++) {
        assert_int_equal(wf_ca_der_subject(d.p, n, &subject, &subject_len), WF_ETLS_CA);
    }
    uint8_t *longer = malloc(d.len + 1);
    assert_non_null(longer);
    memcpy(longer, d.p, d.len);
    longer[d.len] = 0;
    assert_int_equal(wf_ca_der_subject(longer, d.len + 1, &subject, &subject_len), WF_ETLS_CA);
    longer[0] = 0x31;
    assert_int_equal(wf_ca_der_subject(longer, d.len, &subject, &subject_len), WF_ETLS_CA);
    free(longer);
    free(d.p);
}

/* ---- look-ups during verification ------------------------------------------------ */

static void test_lookup_hit(void **state)
{
    (void)state;
    struct der other = load("other.der"), a = load("roll-a.der"), leaf = load("leaf-other.der");
    struct wf_ca_entry e[] = {entry(a), entry(other)};
    wf_ca_store_sort(e, 2);
    const struct wf_ca_store s = {e, 2};
    struct wf_tls_ca_stats st;
    assert_int_equal(verify(&s, leaf, &st), 0);
    assert_true(st.lookups >= 1);
    assert_int_equal(st.parsed, 1); /* only the matching root was parsed */
    assert_int_equal(st.unusable, 0);
    free(other.p), free(a.p), free(leaf.p);
}

static void test_lookup_miss(void **state)
{
    (void)state;
    struct der a = load("roll-a.der"), b = load("roll-b.der"), leaf = load("leaf-other.der");
    struct wf_ca_entry e[] = {entry(a), entry(b)};
    const struct wf_ca_store s = {e, 2};
    struct wf_tls_ca_stats st;
    assert_true(verify(&s, leaf, &st) & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    assert_true(st.lookups >= 1);
    assert_int_equal(st.parsed, 0); /* nothing matched, nothing parsed */
    const struct wf_ca_store empty = {NULL, 0};
    assert_true(verify(&empty, leaf, &st) & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    free(a.p), free(b.p), free(leaf.p);
}

static void test_lookup_key_rollover(void **state)
{
    (void)state;
    /* Two roots named alike; the leaf is signed by the second key. Whatever
     * their order in the store, both are candidates and the chain verifies. */
    struct der a = load("roll-a.der"), b = load("roll-b.der"), leaf = load("leaf-b.der");
    struct wf_ca_entry ab[] = {entry(a), entry(b)};
    struct wf_ca_entry ba[] = {entry(b), entry(a)};
    const struct wf_ca_store s_ab = {ab, 2}, s_ba = {ba, 2}, only_a = {ab, 1};
    size_t first;
    assert_int_equal(wf_ca_store_find(&s_ab, ab[0].subject, ab[0].subject_len, &first), 2);
    struct wf_tls_ca_stats st;
    assert_int_equal(verify(&s_ab, leaf, &st), 0);
    assert_int_equal(st.parsed, 2);
    assert_int_equal(verify(&s_ba, leaf, &st), 0);
    assert_int_equal(st.parsed, 2);
    /* The old root alone does not verify the new key's leaf. */
    assert_true(verify(&only_a, leaf, &st) & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    free(a.p), free(b.p), free(leaf.p);
}

static void test_lookup_damaged_entry(void **state)
{
    (void)state;
    /* An entry with the right subject but damaged DER (cut short, and one with
     * a broken key) is skipped and counted; the good root after it still works. */
    struct der b = load("roll-b.der"), leaf = load("leaf-b.der");
    struct wf_ca_entry good = entry(b);
    uint8_t *broken = malloc(b.len);
    assert_non_null(broken);
    memcpy(broken, b.p, b.len);
    struct wf_ca_entry cut = good, bad_key = good;
    cut.der_len -= 20;
    bad_key.der = broken;
    bad_key.subject = broken + (good.subject - good.der);
    /* The key's BIT STRING: the last bytes of the SubjectPublicKeyInfo (an EC point, 0x04 ...). */
    uint8_t *point = memmem(broken, b.len, (const uint8_t[]){0x03, 0x42, 0x00, 0x04}, 4);
    assert_non_null(point);
    point[3] = 0x07; /* not a valid point encoding */
    struct wf_ca_entry e[] = {cut, bad_key, good};
    const struct wf_ca_store s = {e, 3}, damaged_only = {e, 2};
    struct wf_tls_ca_stats st;
    assert_int_equal(verify(&s, leaf, &st), 0);
    assert_int_equal(st.parsed, 1);
    assert_int_equal(st.unusable, 2);
    assert_true(verify(&damaged_only, leaf, &st) & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    assert_int_equal(st.parsed, 0);
    assert_int_equal(st.unusable, 2);
    free(broken), free(b.p), free(leaf.p);
}

static void test_lookup_frees_everything(void **state)
{
    (void)state;
    /* Nothing of the store stays on the heap after a verification. */
    struct der other = load("other.der"), leaf = load("leaf-other.der");
    struct wf_ca_entry e[] = {entry(other)};
    const struct wf_ca_store s = {e, 1};
    size_t used_before = 0, blocks_before = 0, used_after = 0, blocks_after = 0;
    mbedtls_memory_buffer_alloc_cur_get(&used_before, &blocks_before);
    struct wf_tls_ca_stats st;
    assert_int_equal(verify(&s, leaf, &st), 0);
    mbedtls_memory_buffer_alloc_cur_get(&used_after, &blocks_after);
    assert_int_equal(used_after, used_before);
    assert_int_equal(blocks_after, blocks_before);
    free(other.p), free(leaf.p);
}

/* ---- the generated store of the system bundle vs mbedTLS -------------------------- */

static void test_generated_system_store(void **state)
{
    (void)state;
    if (wf_ca_test_system.count == 0) {
        skip(); /* no system CA bundle on the build machine (package ca-certificates) */
    }
    const struct wf_ca_store *s = &wf_ca_test_system;
    for (size_t i = 0; i < s->count; i++) {
        const struct wf_ca_entry *e = &s->entries[i];
        mbedtls_x509_crt crt;
        mbedtls_x509_crt_init(&crt);
        assert_int_equal(mbedtls_x509_crt_parse_der_nocopy(&crt, e->der, e->der_len), 0);
        assert_int_equal(crt.subject_raw.len, e->subject_len);
        assert_ptr_equal(crt.subject_raw.p, e->subject);
        assert_true(crt.MBEDTLS_PRIVATE(ca_istrue)); /* a CA: usable as a parent */
        mbedtls_x509_crt_free(&crt);
        if (i > 0) {
            assert_true(wf_ca_name_cmp(s->entries[i - 1].subject, s->entries[i - 1].subject_len, e->subject,
                                       e->subject_len) <= 0);
        }
        size_t first;
        assert_true(wf_ca_store_find(s, e->subject, e->subject_len, &first) >= 1);
        assert_true(first <= i);
    }
    /* What the generator left out, mbedTLS cannot use either: it does not parse,
     * or its RSA key is below what verification accepts (2048 bits). */
    const struct wf_ca_store *r = &wf_ca_test_system_rejected;
    for (size_t i = 0; i < r->count; i++) {
        mbedtls_x509_crt crt;
        mbedtls_x509_crt_init(&crt);
        int ret = mbedtls_x509_crt_parse_der_nocopy(&crt, r->entries[i].der, r->entries[i].der_len);
        assert_true(ret != 0 || (mbedtls_pk_get_type(&crt.pk) == MBEDTLS_PK_RSA &&
                                 mbedtls_pk_get_bitlen(&crt.pk) < 2048));
        mbedtls_x509_crt_free(&crt);
    }
    printf("system bundle: %zu roots kept, %zu left out\n", s->count, r->count);
}

/* ---- pinned keys ----------------------------------------------------------------- */

static void test_parse_pins(void **state)
{
    (void)state;
    uint8_t pins[3][32];
    const char *one = "sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    assert_int_equal(wf_tls_parse_pins(one, pins, 3), 1);
    for (int i = 0; i < 32; i++) {
        assert_int_equal(pins[0][i], i);
    }
    char two[200];
    snprintf(two, sizeof two, "%s;sha256//%s", one, "//////////////////////////////////////////8=");
    assert_int_equal(wf_tls_parse_pins(two, pins, 3), 2);
    assert_int_equal(pins[1][0], 0xFF);
    assert_int_equal(pins[1][31], 0xFF);
    assert_int_equal(wf_tls_parse_pins(two, pins, 1), WF_EINVAL); /* more than max */
    static const char *const bad[] = {
        "",
        "sha256//",
        "sha1//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",   /* 43 characters */
        "sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=;", /* empty second pin */
        "sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh==",  /* 31 bytes */
        "sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH!8=",  /* not base64 */
        "/path/to/key.pem",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(wf_tls_parse_pins(bad[i], pins, 3), WF_EINVAL);
    }
    assert_int_equal(wf_tls_parse_pins(NULL, pins, 3), WF_EINVAL);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_ca_store CERT_DIR (made by ca_store_certs.sh)\n");
        return 2;
    }
    dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_order_and_find),
        cmocka_unit_test(test_der_subject),
        cmocka_unit_test(test_lookup_hit),
        cmocka_unit_test(test_lookup_miss),
        cmocka_unit_test(test_lookup_key_rollover),
        cmocka_unit_test(test_lookup_damaged_entry),
        cmocka_unit_test(test_lookup_frees_everything),
        cmocka_unit_test(test_generated_system_store),
        cmocka_unit_test(test_parse_pins),
    };
    return cmocka_run_group_tests(tests, wf_test_tls_platform_setup, NULL);
}
