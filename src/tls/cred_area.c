/* The device credentials area: see include/wizfetch/cred_area.h. */
#include "wizfetch/cred_area.h"

#include <stdbool.h>
#include <string.h>

#include "mbedtls/sha256.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t value)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != value) {
            return false;
        }
    }
    return true;
}

enum wf_cred_status wf_cred_parse(const uint8_t *area, size_t area_len, struct wf_cred *out)
{
    memset(out, 0, sizeof *out);
    if (area == NULL || area_len < WF_CRED_HEADER_LEN) {
        return WF_CRED_EMPTY;
    }
    if (all_bytes(area, WF_CRED_HEADER_LEN, 0xFF) || all_bytes(area, WF_CRED_HEADER_LEN, 0x00)) {
        return WF_CRED_EMPTY;
    }
    if (memcmp(area, "WFCR", 4) != 0) {
        return WF_CRED_BAD_MAGIC;
    }
    if ((area[4] | area[5] << 8) != WF_CRED_VERSION) {
        return WF_CRED_BAD_VERSION;
    }
    uint32_t cert_len = le32(area + 8);
    uint32_t key_len = le32(area + 12);
    size_t room = area_len - WF_CRED_HEADER_LEN;
    if (cert_len == 0 || key_len == 0 || cert_len > room || key_len > room - cert_len) {
        return WF_CRED_BAD_LENGTH;
    }
    unsigned char digest[32];
    mbedtls_sha256_context sha;
    mbedtls_sha256_init(&sha);
    int ret = mbedtls_sha256_starts(&sha, 0);
    ret = ret != 0 ? ret : mbedtls_sha256_update(&sha, area, 16);
    ret = ret != 0 ? ret : mbedtls_sha256_update(&sha, area + WF_CRED_HEADER_LEN, (size_t)cert_len + key_len);
    ret = ret != 0 ? ret : mbedtls_sha256_finish(&sha, digest);
    mbedtls_sha256_free(&sha);
    if (ret != 0 || memcmp(digest, area + 16, sizeof digest) != 0) {
        return WF_CRED_BAD_DIGEST;
    }
    out->cert = area + WF_CRED_HEADER_LEN;
    out->cert_len = cert_len;
    out->key = out->cert + cert_len;
    out->key_len = key_len;
    return WF_CRED_OK;
}

const char *wf_cred_status_text(enum wf_cred_status status)
{
    switch (status) {
    case WF_CRED_OK:
        return "valid";
    case WF_CRED_EMPTY:
        return "empty (not provisioned)";
    case WF_CRED_BAD_MAGIC:
        return "invalid: not a credentials area (bad magic)";
    case WF_CRED_BAD_VERSION:
        return "invalid: unknown format version";
    case WF_CRED_BAD_LENGTH:
        return "invalid: lengths out of range";
    case WF_CRED_BAD_DIGEST:
        return "invalid: contents do not match their SHA-256 (damaged)";
    default:
        return "invalid";
    }
}
