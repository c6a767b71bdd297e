/**
 * @file ota_writer.h
 * @brief Writes a downloaded image into an update slot of flash: the
 * `struct wf_ota_sink` of a download (ota_download.h). Erases each sector when
 * the first write reaches it, never outside the slot; the slot's last sector
 * (its state trailer, ota_slot.h) is erased before the first byte, so an old
 * trial mark or confirmation can never apply to a new image. Programs whole
 * 32-bit words (a write's last 1-3 bytes wait for the next write, or for
 * wf_ota_writer_finish). A write at offset 0 starts over.
 */
#ifndef WIZFETCH_OTA_WRITER_H
#define WIZFETCH_OTA_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "wizfetch/ota_image.h"

struct wf_ota_sink; /* ota_download.h */

/** The flash under the writer (the board's FLASH interface, or a test's model). */
struct wf_ota_flash_ops {
    void *ctx;
    /** The sector holding `addr`: its start and size; negative if none. */
    int (*sector_of)(void *ctx, uint32_t addr, uint32_t *start, uint32_t *size);
    int (*erase)(void *ctx, uint32_t sector_start); /**< 0 or a negative WF_E* code */
    int (*program)(void *ctx, uint32_t addr, const uint8_t *data, size_t len); /**< whole words */
};

struct wf_ota_writer {
    const struct wf_ota_flash_ops *ops;
    uint32_t slot_addr, slot_size;
    uint32_t erased_to;   /**< bytes from the slot's start known erased (sector ends) */
    uint32_t tail_sector; /**< the trailer's sector, erased by the start (0: not yet) */
    uint32_t written;     /**< bytes accepted */
    uint8_t pending[4];   /**< bytes of a word not yet programmed */
    uint8_t npending;
    uint32_t erases, programs; /**< counters, for the console */
};

/** Set the writer up for the slot at `slot_addr` of `slot_size` bytes (state trailer included). */
void wf_ota_writer_init(struct wf_ota_writer *w, const struct wf_ota_flash_ops *ops, uint32_t slot_addr,
                        uint32_t slot_size);

/** The sink for wf_ota_download: capacity = the slot without its trailer. */
void wf_ota_writer_sink(struct wf_ota_writer *w, struct wf_ota_sink *sink);

/** The sink's write: WF_EMSGSIZE beyond the capacity, WF_EINVAL for a gap, else the flash's result. */
int wf_ota_writer_write(void *w, uint32_t offset, const uint8_t *data, size_t len);

/** Program what is pending (padded with 0xFF to a word). 0 or the flash's error. */
int wf_ota_writer_finish(struct wf_ota_writer *w);

#endif
