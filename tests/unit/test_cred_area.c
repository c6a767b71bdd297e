/* The device credentials area (cred_area.h): valid, erased and damaged areas. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "mbedtls/sha256.h"
#include "wizfetch/cred_area.h"

#define AREA 1024

static uint8_t area[AREA];

/* An area as scripts/make-credentials.py writes it: header, digest, cert, key, erased rest. */
static void build(size_t cert_len, size_t key_len)
{
    memset(area, 0xFF, sizeof area);
    memcpy(area, "WFCR", 4);
    area[4] = WF_CRED_VERSION;
    area[5] = 0;
    area[6] = area[7] = 0;
    for (int i = 0; i < 4; i++) {
        area[8 + i] = (uint8_t)(cert_len >> (8 * i));
        area[12 + i] = (uint8_t)(key_len >> (8 * i));
    }
    for (size_t i = 0; i < cert_len + key_len; i++) {
        area[WF_CRED_HEADER_LEN + i] = (uint8_t)(i * 7 + 1);
    }
    uint8_t both[16 + AREA];
    memcpy(both, area, 16);
    memcpy(both + 16, area + WF_CRED_HEADER_LEN, cert_len + key_len);
    assert_int_equal(mbedtls_sha256(both, 16 + cert_len + key_len, area + 16, 0), 0);
}

static void test_valid(void **state)
{
    (void)state;
    struct wf_cred c;
    build(300, 100);
    assert_int_equal(wf_cred_parse(area, sizeof area, &c), WF_CRED_OK);
    assert_ptr_equal(c.cert, area + WF_CRED_HEADER_LEN);
    assert_int_equal(c.cert_len, 300);
    assert_ptr_equal(c.key, area + WF_CRED_HEADER_LEN + 300);
    assert_int_equal(c.key_len, 100);
    /* Exactly filling the area is fine. */
    build(AREA - WF_CRED_HEADER_LEN - 10, 10);
    assert_int_equal(wf_cred_parse(area, sizeof area, &c), WF_CRED_OK);
}

static void test_empty(void **state)
{
    (void)state;
    struct wf_cred c;
    memset(area, 0xFF, sizeof area);
    assert_int_equal(wf_cred_parse(area, sizeof area, &c), WF_CRED_EMPTY);
    assert_null(c.cert);
    memset(area, 0x00, sizeof area);
    assert_int_equal(wf_cred_parse(area, sizeof area, &c), WF_CRED_EMPTY);
    assert_int_equal(wf_cred_parse(area, WF_CRED_HEADER_LEN - 1, &c), WF_CRED_EMPTY);
}

static void test_damaged(void **state)
{
    (void)state;
    struct wf_cred c;
    build(300, 100);
    area[0] = 'X';
    assert_int_equal(wf_cred_parse(area, sizeof area, &c), WF_CRED_BAD_MAGIC);
    assert_null(c.cert);
    build(300, 100);
    area[4] = 2;
    assert_int_equal(wf_cred_parse(area, sizeof area, &c), WF_CRED_BAD_VERSION);
    build(300, 100);
    area[WF_CRED_HEADER_LEN + 399] ^= 1; /* the last byte of the key */
    assert_int_equal(wf_cred_parse(area, sizeof area, &c), WF_CRED_BAD_DIGEST);
    build(300, 100);
    area[20] ^= 1; /* the digest itself */
    assert_int_equal(wf_cred_parse(area, sizeof area, &c), WF_CRED_BAD_DIGEST);
    build(300, 100);
    assert_int_equal(wf_cred_parse(area, 300 + WF_CRED_HEADER_LEN, &c), WF_CRED_BAD_LENGTH); /* key beyond */
    build(300, 0);
    assert_int_equal(wf_cred_parse(area, sizeof area, &c), WF_CRED_BAD_LENGTH);
    build(0, 100);
    assert_int_equal(wf_cred_parse(area, sizeof area, &c), WF_CRED_BAD_LENGTH);
    /* A length whose sum with the other wraps 32 bits is caught before any read. */
    build(300, 100);
    area[12] = area[13] = area[14] = area[15] = 0xFF;
    assert_int_equal(wf_cred_parse(area, sizeof area, &c), WF_CRED_BAD_LENGTH);
    assert_string_equal(wf_cred_status_text(WF_CRED_BAD_DIGEST),
                        "invalid: contents do not match their SHA-256 (damaged)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_damaged),
    };
    return cmocka_run_group_tests_name("cred_area", tests, NULL, NULL);
}
