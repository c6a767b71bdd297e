/**
 * @file flash_seed.h
 * @brief The entropy seed file of mbedTLS (MBEDTLS_ENTROPY_NV_SEED) kept in two
 * dedicated flash sectors, in the alternating append-only record format of
 * seed_store.h (a power cut never loses the previous seed).
 *
 * The sectors come from the linker script (on the STM32F411xE boards: sectors 1
 * and 2, 2 x 16 KiB at 0x08004000, kept out of the image; see `_seed_start` /
 * `_seed_end`). Flashing the firmware with OpenOCD's `program`
 * erases only the sectors the image covers, so the seed survives updates; a
 * mass erase clears it.
 *
 * Binding (builds with WF_TLS_NV_SEED):
 *   wf_tls_platform_set_seed_store(stm32f4_seed_read_cb, stm32f4_seed_write_cb);
 * mbedTLS fails its entropy gathering if the read fails, so on a device whose
 * sectors hold no seed yet (first boot, after a mass erase) stm32f4_seed_read_cb()
 * returns fresh bytes from the ADC source (never a fixed value); it never writes.
 * wf_tls_setup() calls the write hook once (see wizfetch/tls.h): one record per
 * boot.
 *
 * A write programs one 80-byte slot (20 words, ~0.3 ms); every 204th write
 * first erases the other sector (~0.25-0.5 s for 16 KiB, the CPU waits in RAM and feeds the
 * watchdog).
 */
#ifndef STM32F4_FLASH_SEED_H
#define STM32F4_FLASH_SEED_H

#include <stddef.h>
#include <stdint.h>

/**
 * @brief Use the flash at [`base`, `base + size`) for the seed.
 * @return 0, or WF_EINVAL if that range is not exactly two consecutive sectors
 * of the same size of the STM32F411xE.
 */
int stm32f4_seed_init(uint32_t base, uint32_t size);

/**
 * @brief Copy the latest stored seed into `buf`.
 * @return `len` on success; WF_EINVAL if not initialised or the stored seed has
 * another length; WF_EIO if the sector holds no valid record.
 */
int stm32f4_seed_load(uint8_t *buf, size_t len);

/**
 * @brief Store `buf` (1..64 bytes) as the new latest seed (seed_store_plan():
 * the next empty slot, or erase the other sector and its slot 0 when the current
 * one is full); then read back and compare.
 * @return 0; WF_EINVAL (bad length, not initialised); WF_EIO (the flash
 * reported an error, timed out, or the read-back differs).
 */
int stm32f4_seed_save(const uint8_t *buf, size_t len);

/**
 * @brief mbedTLS NV-seed read hook: the stored seed, or, if none of that length is
 * stored, `len` fresh bytes from the ADC entropy source (not stored).
 * @return 0, or -1 if neither works (no entropy: the handshake then fails).
 */
int stm32f4_seed_read_cb(unsigned char *buf, size_t len);

/**
 * @brief What the last stm32f4_seed_read_cb() found: 1 a stored seed, 0 none
 * (fresh ADC bytes), -1 not called yet.
 */
int stm32f4_seed_last_read(void);

/** @brief mbedTLS NV-seed write hook: stm32f4_seed_save(); 0 or -1. */
int stm32f4_seed_write_cb(unsigned char *buf, size_t len);

#endif
