/**
 * @file seed_store.h
 * @brief Record format and update rule of the entropy seed kept in two flash
 * sectors (pure: works on memory buffers, so the update logic is unit-tested on
 * the host; flash_seed.c applies it to the real sectors).
 *
 * ## Why two sectors, append-only
 * A flash sector can only be erased whole (128 KiB, ~1-2 s, 10 000 cycles
 * guaranteed), and an erase cut by a power loss leaves it unusable; erased bytes
 * (0xFF) can be programmed once. So each update programs the next empty *slot*
 * of the sector holding the latest record; only when that sector is full is the
 * *other* sector erased and the record written to its slot 0. The full sector
 * is untouched until the next switch, so whatever a power cut interrupts (the
 * erase, or the programming of a slot), the previous record stays valid and the
 * reader finds it. Two slots in one sector would not do: erasing the sector
 * erases both.
 *
 * ## Wear
 * 80-byte slots: 204 records per 16 KiB sector (sectors 1 and 2 on the F411).
 * One record per boot (see flash_seed.h): each sector is erased once per
 * 2 x 204 = 408 boots, so 10 000 erase cycles last 4 080 000 boots (7.7 years
 * at one boot a minute, 11 000 years at one a day).
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
 * A slot is *empty* when all its 80 bytes are 0xFF. Slots of a sector are used
 * in order, so the first empty slot is the next one to program and everything
 * before it is used. A used slot that fails the checks (a write cut by a power
 * loss, a flipped bit) is skipped, never reused: the latest record is the valid
 * used slot with the highest sequence number in either sector.
 */
#ifndef STM32F4_SEED_STORE_H
#define STM32F4_SEED_STORE_H

#include <stddef.h>
#include <stdint.h>

#define SEED_STORE_MAGIC 0x44534657u /* bytes 'W' 'F' 'S' 'D' */
#define SEED_STORE_HDR_SIZE 16u
#define SEED_STORE_MAX_LEN 64u /* MBEDTLS_ENTROPY_BLOCK_SIZE with SHA-512 */
#define SEED_STORE_SLOT_SIZE (SEED_STORE_HDR_SIZE + SEED_STORE_MAX_LEN)

/** Sectors the store alternates between. */
#define SEED_STORE_SECTORS 2

/** seed_store_find_latest(): no valid record in either sector. */
#define SEED_STORE_NONE (-1)
/** seed_store_next_slot(): no empty slot left in that sector. */
#define SEED_STORE_FULL (-2)

/** The latest valid record (points into the sector buffer). */
struct seed_store_record {
    int sector;          /**< sector index, 0 or 1 */
    int slot;            /**< slot index in that sector */
    uint32_t seq;        /**< sequence number */
    size_t len;          /**< payload length */
    const uint8_t *data; /**< payload (inside the sector) */
};

/** Where the next record goes (seed_store_plan()). */
struct seed_store_plan {
    int sector;   /**< sector index, 0 or 1 */
    int slot;     /**< slot index in it */
    int erase;    /**< 1: erase that sector first (it is not the one holding the latest record) */
    uint32_t seq; /**< sequence number of the new record */
};

/** @brief Number of slots in a sector of `size` bytes. */
size_t seed_store_slots(size_t size);

/** @brief CRC-32 (reflected, polynomial 0xEDB88320, init/xorout 0xFFFFFFFF); chain with crc = previous
 * result, start 0. */
uint32_t seed_store_crc32(uint32_t crc, const void *data, size_t len);

/** @brief True if the 80-byte slot at `slot` is a valid record. */
int seed_store_slot_valid(const uint8_t *slot);

/**
 * @brief Find the latest valid record in `sectors` (two sectors of `size` bytes
 * each, in memory; read only).
 * @return 0 (and `*rec` filled if not NULL), or SEED_STORE_NONE.
 */
int seed_store_find_latest(const uint8_t *const sectors[SEED_STORE_SECTORS], size_t size,
                           struct seed_store_record *rec);

/**
 * @brief Index of the first empty slot of one sector, or SEED_STORE_FULL.
 */
int seed_store_next_slot(const uint8_t *sector, size_t size);

/**
 * @brief Where the next record goes: the first empty slot of the sector holding
 * the latest record (sector 0 if there is none), or, if that sector is full,
 * slot 0 of the other sector after erasing it; sequence number latest + 1 (1 if
 * none). Cannot fail.
 */
void seed_store_plan(const uint8_t *const sectors[SEED_STORE_SECTORS], size_t size,
                     struct seed_store_plan *plan);

/**
 * @brief Build the 80-byte image of a record in `out` (unused payload bytes 0xFF).
 * @return 0, or WF_EINVAL if `len` is 0 or above SEED_STORE_MAX_LEN.
 */
int seed_store_encode(uint8_t out[SEED_STORE_SLOT_SIZE], uint32_t seq, const uint8_t *data, size_t len);

#endif
