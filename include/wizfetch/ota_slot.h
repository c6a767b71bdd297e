/**
 * @file ota_slot.h
 * @brief The two application slots' state, and the bootloader's choice of the
 * slot to run (docs/ota.md).
 *
 * Each slot ends with a 256-byte state trailer written one 32-bit word at a time,
 * never erased except when the slot is downloaded again (the download erases
 * the slot's last sector before its first byte). A word is either erased
 * (0xFFFFFFFF) or programmed once; a power cut while it is programmed can leave
 * any other value, so every word is read conservatively:
 *
 *  word  0-3   the trial mark: seq, ~seq, the first word of the image's SHA-256,
 *              WF_OTA_MARK_MAGIC (programmed in that order; valid only when all four
 *              agree): the application verified this image and asks for it to be tried;
 *              seq orders the slots (the newest mark wins)
 *  word  4-11  boot attempts: the bootloader programs one before starting an
 *              unconfirmed image; every word not erased counts as used
 *  word 12-19  confirmations: confirmed when any word is WF_OTA_CONFIRM_MAGIC
 *              (a torn one is not a confirmation; the next word is used)
 *  word 20-27  rejections: rejected when any word is not erased (the bootloader
 *              gave up on the image)
 *
 * The choice (wf_ota_boot_choose): among the slots whose image is valid
 * (wf_ota_image_check) and not rejected, the marked one with the highest seq;
 * if it is confirmed it runs; if not, it runs while it has boot attempts left
 * (one is spent each time), and else it is rejected and the choice is made again
 * (the rollback). With no marked slot left, a valid unmarked image runs (as
 * flashed by `make flash`; the highest version).
 */
#ifndef WIZFETCH_OTA_SLOT_H
#define WIZFETCH_OTA_SLOT_H

#include <stdbool.h>
#include <stdint.h>

#include "wizfetch/ota_image.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WF_OTA_MARK_MAGIC 0x4B52414Du    /**< "MARK" */
#define WF_OTA_ATTEMPT_MAGIC 0x544F4F42u /**< "BOOT" */
#define WF_OTA_CONFIRM_MAGIC 0x4B4F4B4Fu /**< "OKOK" */
#define WF_OTA_REJECT_MAGIC 0x4A434552u  /**< "REJC" */
#define WF_OTA_MAX_ATTEMPTS 8u           /**< words for attempts (the policy uses at most this many) */
#define WF_OTA_STATE_WORDS 28u

/** One slot: where it is, how big, and where its bytes can be read (on the board: at `addr`). */
struct wf_ota_slot {
    char name;          /**< 'A' or 'B' */
    uint32_t addr;      /**< its first byte (the header) */
    uint32_t size;      /**< bytes, the state trailer included */
    const uint8_t *mem; /**< its bytes as the CPU reads them */
};

/** Programs one word of flash (erased before). 0, or a negative WF_E* code. */
struct wf_ota_flash {
    void *ctx;
    int (*program_word)(void *ctx, uint32_t addr, uint32_t word);
};

/** A slot's state as read (conservatively, above). */
struct wf_ota_state {
    bool marked;       /**< a complete trial mark */
    uint32_t seq;      /**< its sequence number (0 when not marked) */
    uint32_t mark_sha; /**< its image digest word */
    unsigned attempts; /**< attempt words used */
    bool confirmed;
    bool rejected;
};

void wf_ota_state_read(const struct wf_ota_slot *s, struct wf_ota_state *st);

/** The application, after verifying the image in `s`: mark it for trial with `seq`. */
int wf_ota_state_mark(const struct wf_ota_slot *s, const struct wf_ota_flash *f, uint32_t seq,
                      uint32_t sha_word);
/** The running image confirms itself (idempotent; WF_ENOMEM when every word is torn). */
int wf_ota_state_confirm(const struct wf_ota_slot *s, const struct wf_ota_flash *f);
/** The bootloader spends a boot attempt / gives an image up. */
int wf_ota_state_attempt(const struct wf_ota_slot *s, const struct wf_ota_flash *f);
int wf_ota_state_reject(const struct wf_ota_slot *s, const struct wf_ota_flash *f);

/** The first word of a digest, as the mark stores it. */
uint32_t wf_ota_sha_word(const uint8_t sha256[32]);

/** Why a slot runs (or not). */
enum wf_ota_boot_why {
    WF_OTA_BOOT_CONFIRMED, /**< marked and confirmed */
    WF_OTA_BOOT_TRIAL,     /**< marked, not confirmed, an attempt spent now */
    WF_OTA_BOOT_UNMARKED,  /**< no marked slot is usable: a valid image as flashed */
    WF_OTA_BOOT_NONE,      /**< nothing valid to run */
};

struct wf_ota_boot_choice {
    int slot; /**< index into the slots, or -1 */
    enum wf_ota_boot_why why;
    unsigned attempt;               /**< WF_OTA_BOOT_TRIAL: this boot's number (1..max) */
    int rolled_back;                /**< a slot rejected during this choice (never confirmed), or -1 */
    enum wf_ota_verdict verdict[2]; /**< each slot's image check */
    struct wf_ota_header header[2];
    struct wf_ota_state state[2];
};

/**
 * Choose the slot to boot (above), spending an attempt or writing a rejection
 * through `f` as the rules say. `board` is this board's name; `max_attempts`
 * (1..WF_OTA_MAX_ATTEMPTS) the boots an unconfirmed image gets.
 */
void wf_ota_boot_choose(const struct wf_ota_slot slots[2], const struct wf_ota_flash *f, const char *board,
                        unsigned max_attempts, struct wf_ota_boot_choice *c);

#ifdef __cplusplus
}
#endif

#endif
