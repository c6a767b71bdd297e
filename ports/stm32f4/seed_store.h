/**
 * @file seed_store.h
 * @brief Record format of the entropy seed kept in a flash sector (pure: works on a
 * memory buffer, so the update logic is unit-tested on the host; flash_seed.c
 * applies it to the real sector).
 *
 * ## Why append-only
 * A flash sector can only be erased whole (128 KiB, ~1-2 s, ~10 000 cycles), but
 * erased bytes (0xFF) can be programmed once. Each update therefore programs the
 * next free *slot*; only when the sector is full is it erased and the record
 * written to slot 0. With 80-byte slots a 128 KiB sector holds 1638 records, so
 * a firmware updating the seed on every boot erases once per 1638 boots.
 *
 * ## Slot layout (80 bytes, little-endian words, programmed first to last)
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 4 | magic 0x44534657 ("WFSD" in memory) |
 * | 4 | 4 | sequence number (1, 2, ...; the latest record has the highest) |
 * | 8 | 2 | payload length (1..64) |
 * | 10 | 2 | bitwise complement of the length |
 * | 12 | 4 | CRC-32 (IEEE 802.3, as zlib) of bytes 0..11 and the payload |
 * | 16 | 64 | payload; bytes beyond the length stay 0xFF |
 *
 * A slot is *empty* when all its 80 bytes are 0xFF. Slots are used in order, so
 * the first empty slot is the next one to program and everything before it is
 * used. A used slot that fails the checks (a write cut by a reset, a flipped
 * bit) is skipped: the latest record is the last *valid* used slot.
 */
#ifndef STM32F4_SEED_STORE_H
#define STM32F4_SEED_STORE_H

#include <stddef.h>
#include <stdint.h>

#define SEED_STORE_MAGIC 0x44534657u /* bytes 'W' 'F' 'S' 'D' */
#define SEED_STORE_HDR_SIZE 16u
#define SEED_STORE_MAX_LEN 64u /* MBEDTLS_ENTROPY_BLOCK_SIZE with SHA-512 */
#define SEED_STORE_SLOT_SIZE (SEED_STORE_HDR_SIZE + SEED_STORE_MAX_LEN)

/** seed_store_find_latest(): no valid record in the sector. */
#define SEED_STORE_NONE (-1)
/** seed_store_next_slot(): no empty slot left; erase the sector and use slot 0. */
#define SEED_STORE_FULL (-2)

/** The latest valid record (points into the sector buffer). */
struct seed_store_record {
    int slot;            /**< slot index */
    uint32_t seq;        /**< sequence number */
    size_t len;          /**< payload length */
    const uint8_t *data; /**< payload (inside the sector) */
};

/** @brief Number of slots in a sector of `size` bytes. */
size_t seed_store_slots(size_t size);

/** @brief CRC-32 (reflected, polynomial 0xEDB88320, init/xorout 0xFFFFFFFF); chain with crc = previous
 * result, start 0. */
uint32_t seed_store_crc32(uint32_t crc, const void *data, size_t len);

/** @brief True if the 80-byte slot at `slot` is a valid record. */
int seed_store_slot_valid(const uint8_t *slot);

/**
 * @brief Find the latest valid record in `sector` (`size` bytes).
 * @return its slot index (and `*rec` filled), or SEED_STORE_NONE.
 */
int seed_store_find_latest(const uint8_t *sector, size_t size, struct seed_store_record *rec);

/**
 * @brief Index of the next slot to program (the first empty slot), or
 * SEED_STORE_FULL if none is left.
 */
int seed_store_next_slot(const uint8_t *sector, size_t size);

/**
 * @brief Build the 80-byte image of a record in `out` (unused payload bytes 0xFF).
 * @return 0, or WF_EINVAL if `len` is 0 or above SEED_STORE_MAX_LEN.
 */
int seed_store_encode(uint8_t out[SEED_STORE_SLOT_SIZE], uint32_t seq, const uint8_t *data, size_t len);

#endif
