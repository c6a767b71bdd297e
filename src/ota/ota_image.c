/* The update image's header, digest and signature checks (ota_image.h). */
#include "wizfetch/ota_image.h"

#include <string.h>

#include "mbedtls/ecdsa.h"
#include "mbedtls/sha256.h"

_Static_assert(sizeof(struct wf_ota_header) <= WF_OTA_HEADER_SIZE, "the header must fit its reserved space");
_Static_assert(offsetof(struct wf_ota_header, sha256) == WF_OTA_HASHED_HEADER_BYTES, "digest offset");

const char *wf_ota_verdict_str(enum wf_ota_verdict v)
{
    switch (v) {
    case WF_OTA_OK:
        return "valid";
    case WF_OTA_EMPTY:
        return "empty";
    case WF_OTA_BAD_HEADER:
        return "not an image header";
    case WF_OTA_WRONG_BOARD:
        return "built for another board";
    case WF_OTA_WRONG_SLOT:
        return "linked for the other slot";
    case WF_OTA_TOO_BIG:
        return "larger than the slot";
    case WF_OTA_TRUNCATED:
        return "truncated";
    case WF_OTA_OLD_VERSION:
        return "not newer than the running image (downgrade not allowed)";
    case WF_OTA_BAD_HASH:
        return "damaged (SHA-256 mismatch)";
    case WF_OTA_BAD_SIGNATURE:
        return "not signed by the release key";
    }
    return "?";
}

static bool erased(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0xFF) {
            return false;
        }
    }
    return true;
}

enum wf_ota_verdict wf_ota_header_check(const uint8_t *slot, const struct wf_ota_expect *expect,
                                        struct wf_ota_header *h)
{
    memcpy(h, slot, sizeof *h);
    if (erased(slot, sizeof *h)) {
        return WF_OTA_EMPTY;
    }
    if (h->magic != WF_OTA_MAGIC || h->header_version != WF_OTA_HEADER_VERSION ||
        h->header_size != WF_OTA_HEADER_SIZE || h->sig_len > WF_OTA_SIG_MAX) {
        return WF_OTA_BAD_HEADER;
    }
    if (strncmp(h->board, expect->board, sizeof h->board) != 0 || strlen(expect->board) >= sizeof h->board) {
        return WF_OTA_WRONG_BOARD;
    }
    if (h->load_addr != expect->slot_addr) {
        return WF_OTA_WRONG_SLOT;
    }
    if (h->image_size == 0 || h->image_size > expect->slot_size - WF_OTA_HEADER_SIZE - WF_OTA_TRAILER_SIZE) {
        return WF_OTA_TOO_BIG;
    }
    if (expect->available != 0 && WF_OTA_HEADER_SIZE + h->image_size > expect->available) {
        return WF_OTA_TRUNCATED;
    }
    return WF_OTA_OK;
}

int wf_ota_digest(const uint8_t *slot, const struct wf_ota_header *h, uint8_t digest[32])
{
    mbedtls_sha256_context c;
    mbedtls_sha256_init(&c);
    int rc = mbedtls_sha256_starts(&c, 0);
    if (rc == 0) {
        rc = mbedtls_sha256_update(&c, slot, WF_OTA_HASHED_HEADER_BYTES);
    }
    if (rc == 0) {
        rc = mbedtls_sha256_update(&c, slot + WF_OTA_HEADER_SIZE, h->image_size);
    }
    if (rc == 0) {
        rc = mbedtls_sha256_finish(&c, digest);
    }
    mbedtls_sha256_free(&c);
    return rc;
}

enum wf_ota_verdict wf_ota_image_check(const uint8_t *slot, const struct wf_ota_expect *expect,
                                       struct wf_ota_header *h)
{
    enum wf_ota_verdict v = wf_ota_header_check(slot, expect, h);
    if (v != WF_OTA_OK) {
        return v;
    }
    uint8_t digest[32];
    if (wf_ota_digest(slot, h, digest) != 0 || memcmp(digest, h->sha256, sizeof digest) != 0) {
        return WF_OTA_BAD_HASH;
    }
    return WF_OTA_OK;
}

static bool signature_ok(const struct wf_ota_header *h, const uint8_t *pubkey)
{
    mbedtls_ecp_keypair key;
    mbedtls_ecp_point q;
    mbedtls_ecp_group grp;
    mbedtls_ecp_keypair_init(&key);
    mbedtls_ecp_point_init(&q);
    mbedtls_ecp_group_init(&grp);
    int rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
    if (rc == 0) {
        rc = mbedtls_ecp_point_read_binary(&grp, &q, pubkey, WF_OTA_PUBKEY_LEN);
    }
    if (rc == 0) {
        rc = mbedtls_ecp_set_public_key(MBEDTLS_ECP_DP_SECP256R1, &key, &q);
    }
    if (rc == 0) {
        rc = mbedtls_ecdsa_read_signature(&key, h->sha256, sizeof h->sha256, h->sig, h->sig_len);
    }
    mbedtls_ecp_group_free(&grp);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_keypair_free(&key);
    return rc == 0;
}

enum wf_ota_verdict wf_ota_image_verify(const uint8_t *slot, const struct wf_ota_expect *expect,
                                        uint32_t running_version, const uint8_t *pubkey,
                                        struct wf_ota_header *h)
{
    enum wf_ota_verdict v = wf_ota_image_check(slot, expect, h);
    if (v != WF_OTA_OK) {
        return v;
    }
    if (h->image_version <= running_version && !(h->flags & WF_OTA_FLAG_ALLOW_DOWNGRADE)) {
        return WF_OTA_OLD_VERSION;
    }
    return signature_ok(h, pubkey) ? WF_OTA_OK : WF_OTA_BAD_SIGNATURE;
}
