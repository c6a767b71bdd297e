/**
 * @file cred_area.h
 * @brief The device credentials area: a client certificate chain and its
 * private key in a flash area of their own (on the STM32F411: sector 3,
 * 16 KiB at 0x0800C000), written once per device by `make provision`
 * (scripts/make-credentials.py), so that one firmware image serves many
 * devices. The same layout can be compiled in (CMake WF_FW_CERT/WF_FW_KEY).
 *
 * Layout (all integers little-endian):
 *   offset  0  magic "WFCR" (4 bytes)
 *           4  format version, u16 (WF_CRED_VERSION)
 *           6  reserved, u16 (0)
 *           8  cert_len, u32: the DER certificates, leaf first, one after another
 *          12  key_len, u32: the DER private key (PKCS#8, SEC1 or PKCS#1; not encrypted)
 *          16  SHA-256 of bytes 0..15 followed by the certificates and the key (32 bytes)
 *          48  the certificates, then the key; the rest of the area is left erased
 * An erased area (0xFF) holds no credentials; anything else that does not
 * check out (magic, version, lengths, digest) is damaged and is not used.
 */
#ifndef WIZFETCH_CRED_AREA_H
#define WIZFETCH_CRED_AREA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WF_CRED_VERSION 1
#define WF_CRED_HEADER_LEN 48

/** What an area holds. */
enum wf_cred_status {
    WF_CRED_OK = 0,      /**< valid: cert and key set */
    WF_CRED_EMPTY,       /**< erased (or all zero): no credentials provisioned */
    WF_CRED_BAD_MAGIC,   /**< neither erased nor a credentials area */
    WF_CRED_BAD_VERSION, /**< a format version this firmware does not read */
    WF_CRED_BAD_LENGTH,  /**< lengths zero or beyond the area */
    WF_CRED_BAD_DIGEST,  /**< contents do not match their SHA-256 (damaged) */
};

/** The credentials, pointing into the area (which must stay mapped). */
struct wf_cred {
    const uint8_t *cert; /**< DER certificates, leaf first */
    size_t cert_len;
    const uint8_t *key; /**< DER private key */
    size_t key_len;
};

/**
 * @brief Check the area at `area` (`area_len` bytes, e.g. the whole flash
 * sector) and, if valid, point `out` at its certificate chain and key.
 * `out` is zeroed unless the result is WF_CRED_OK.
 */
enum wf_cred_status wf_cred_parse(const uint8_t *area, size_t area_len, struct wf_cred *out);

/** @brief A short text for a status ("valid", "empty", "damaged: ..."). */
const char *wf_cred_status_text(enum wf_cred_status status);

#ifdef __cplusplus
}
#endif
#endif
