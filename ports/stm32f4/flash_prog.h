/**
 * @file flash_prog.h
 * @brief Erase and program the STM32F411's flash through the FLASH interface
 * (RM0383 3.5): the primitives the seed store (flash_seed.c), the update's slot
 * writer and the bootloader's state words share.
 *
 * Programming is by 32-bit word (PSIZE x32: 2.7-3.6 V), ~16 us each; a sector
 * erase takes 0.25-2 s (16-128 KiB). While the flash is busy the CPU waits in a
 * loop in RAM (`.ramfunc`, copied with .data) that feeds the independent
 * watchdog. Every call unlocks before and locks after (and resets the ART data
 * cache, so reads see the new contents).
 */
#ifndef STM32F4_FLASH_PROG_H
#define STM32F4_FLASH_PROG_H

#include <stddef.h>
#include <stdint.h>

/** @brief Erase sector `snb` (0-7). 0, or WF_EIO (locked, flash error, timeout). */
int stm32f4_flash_erase(uint32_t snb);

/**
 * @brief Program `len` bytes (a multiple of 4) from `data` at `addr` (4-aligned,
 * erased before), one word at a time. 0, or WF_EIO (locked, flash error, timeout).
 */
int stm32f4_flash_program(uint32_t addr, const uint8_t *data, size_t len);

#endif
