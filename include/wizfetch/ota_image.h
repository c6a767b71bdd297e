/**
 * @file ota_image.h
 * @brief The signed firmware image of an update: its header, and the checks that
 * come before an image is ever booted (docs/ota.md).
 *
 * A slot holds, from its first byte: the 512-byte header (below), then the
 * payload (the application linked for that slot: its vector table first), then
 * free space, and the slot's state in its last 256 bytes (ota_slot.h). Every
 * multi-byte field is little-endian. The header is written by scripts/ota-sign.py.
 *
 * Digest: SHA-256 over the header's first `WF_OTA_HASHED_HEADER_BYTES` bytes
 * (every field before `sha256`) followed by the `image_size` payload bytes.
 * Signature: ECDSA P-256 over that digest, DER (`sig_len` bytes in `sig`), made
 * by the release key; the device holds only the public key (uncompressed point,
 * 65 bytes). mbedTLS does the hashing and the verification.
 */
#ifndef WIZFETCH_OTA_IMAGE_H
#define WIZFETCH_OTA_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WF_OTA_MAGIC 0x41544F57u /**< "WOTA" */
#define WF_OTA_HEADER_VERSION 1u
#define WF_OTA_HEADER_SIZE 512u  /**< bytes reserved at the slot's start (the vector table's alignment) */
#define WF_OTA_TRAILER_SIZE 256u /**< the slot's state at its end (ota_slot.h) */
#define WF_OTA_FLAG_ALLOW_DOWNGRADE 0x1u
#define WF_OTA_SIG_MAX 72u
#define WF_OTA_PUBKEY_LEN 65u /**< an uncompressed P-256 point: 0x04 || X || Y */

/** The header as stored (packed: every field at the offset written here). */
struct wf_ota_header {
    uint32_t magic;              /**<   0: WF_OTA_MAGIC */
    uint16_t header_version;     /**<   4: WF_OTA_HEADER_VERSION */
    uint16_t header_size;        /**<   6: WF_OTA_HEADER_SIZE */
    uint32_t image_version;      /**<   8: monotonic release number (the downgrade check compares it) */
    uint32_t image_size;         /**<  12: payload bytes after the header */
    uint32_t load_addr;          /**<  16: the slot's start address the payload is linked for */
    uint32_t flags;              /**<  20: WF_OTA_FLAG_* */
    char board[24];              /**<  24: the board's folder name, NUL-padded ("nucleo_f411re") */
    char build[32];              /**<  48: for people: the release's name, NUL-padded */
    uint8_t sha256[32];          /**<  80: the digest (above) */
    uint16_t sig_len;            /**< 112: bytes of `sig` used */
    uint16_t reserved;           /**< 114: 0 */
    uint8_t sig[WF_OTA_SIG_MAX]; /**< 116: DER ECDSA signature of `sha256` */
} __attribute__((packed));

#define WF_OTA_HASHED_HEADER_BYTES 80u

/** Why an image is refused (WF_OTA_OK: it is not). */
enum wf_ota_verdict {
    WF_OTA_OK = 0,
    WF_OTA_EMPTY,         /**< erased: no header at all */
    WF_OTA_BAD_HEADER,    /**< not a header (magic), or a version/size this code does not read */
    WF_OTA_WRONG_BOARD,   /**< built for another board */
    WF_OTA_WRONG_SLOT,    /**< linked for the other slot */
    WF_OTA_TOO_BIG,       /**< the payload does not fit the slot (before its state) */
    WF_OTA_TRUNCATED,     /**< fewer bytes arrived than the header announces */
    WF_OTA_OLD_VERSION,   /**< older than (or as old as) the running image, downgrade not allowed */
    WF_OTA_BAD_HASH,      /**< the digest does not match: damaged or altered */
    WF_OTA_BAD_SIGNATURE, /**< not signed by the release key */
};

/** A short English reason ("built for another board"). */
const char *wf_ota_verdict_str(enum wf_ota_verdict v);

/** What an image must match to go into (or boot from) one slot. */
struct wf_ota_expect {
    const char *board;  /**< this board's name */
    uint32_t slot_addr; /**< the slot's start address */
    uint32_t slot_size; /**< the slot's size in bytes (header + payload + free + state) */
    uint32_t available; /**< bytes known to be in the slot (a download's size); 0: the whole slot */
};

/**
 * Copy the header out of the slot's first bytes and check its form (magic,
 * version, size) and what it must match (board, slot, size). No digest here.
 */
enum wf_ota_verdict wf_ota_header_check(const uint8_t *slot, const struct wf_ota_expect *expect,
                                        struct wf_ota_header *out);

/** The image's digest (above), into `digest`. 0, or a negative mbedTLS code. */
int wf_ota_digest(const uint8_t *slot, const struct wf_ota_header *h, uint8_t digest[32]);

/** Header check, then the digest against the header's: what the bootloader does at boot. */
enum wf_ota_verdict wf_ota_image_check(const uint8_t *slot, const struct wf_ota_expect *expect,
                                       struct wf_ota_header *out);

/**
 * Everything, before an image is marked for trial: wf_ota_image_check(), the
 * version against `running_version` (an image not newer is refused unless it
 * has WF_OTA_FLAG_ALLOW_DOWNGRADE), and the signature against `pubkey`
 * (WF_OTA_PUBKEY_LEN bytes). Uses about 2 KiB of stack and the mbedTLS heap.
 */
enum wf_ota_verdict wf_ota_image_verify(const uint8_t *slot, const struct wf_ota_expect *expect,
                                        uint32_t running_version, const uint8_t *pubkey,
                                        struct wf_ota_header *out);

#ifdef __cplusplus
}
#endif

#endif
