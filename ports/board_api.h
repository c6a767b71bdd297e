/**
 * @file board_api.h
 * @brief The board contract: what a firmware application (apps/firmware) needs
 * from a board, besides the wizfetch port. Each MCU family implements it once
 * for all its boards (ports/stm32f4/board_api.c); each board folder provides
 * wf_board_init(). Applications include it and call down; nothing here calls
 * an application.
 */
#ifndef WF_PORTS_BOARD_API_H
#define WF_PORTS_BOARD_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wizfetch/port.h"

/** @brief Bring the board up (clocks, pins, SPI, console, entropy, seed, watchdog); first thing in main(). */
void wf_board_init(void);

/** @brief The board's name, printed at boot. */
const char *wf_board_name(void);

/** @brief The wizfetch port of this board (const, in flash). */
const struct wf_port *wf_board_port(void);

/** @brief True if the previous run ended with a watchdog reset. */
bool wf_board_watchdog_reset(void);

/** @brief The entropy seed's non-volatile store, for wf_tls_platform_set_seed_store(). */
int wf_board_seed_read(unsigned char *buf, size_t len);
int wf_board_seed_write(unsigned char *buf, size_t len);

/** @brief 1 if a stored seed was loaded at this boot, 0 if none (first boot), negative on error. */
int wf_board_seed_loaded(void);

/**
 * @brief The flash area of the device credentials (include/wizfetch/cred_area.h),
 * memory-mapped: its address, and its size in `*len`. Written by `make provision`,
 * never by flashing an image; erased (0xFF) until then.
 */
const uint8_t *wf_board_credentials(size_t *len);

/**
 * @brief Measurement builds (WF_FW_ENTROPY_DUMP): print `samples` raw noise
 * bits per entropy channel on the console. 0 or a WF_E* code.
 */
int wf_board_entropy_dump(uint32_t samples);

/** @brief Set the wall clock (Unix seconds), e.g. from SNTP. */
void wf_board_set_unix_time(int64_t unix_seconds);

/** @brief Deepest stack use so far (bytes, from the painted stack). */
size_t wf_board_stack_peak(void);

/** @brief The C library's heap (malloc through _sbrk): the most handed out so far
 *  and the size reserved, in bytes. wizfetch and mbedTLS never use it. */
size_t wf_board_heap_peak(void);
size_t wf_board_heap_size(void);

/** @brief A free-running CPU cycle counter (wraps at 2^32), for measurements. */
uint32_t wf_board_cycles(void);

/**
 * @brief End of an emulated run: with a debugger (or the emulator) attached,
 * execute `bkpt #0xAB` with r0 = `code` so it can stop and report `code`. On
 * a board running alone it returns at once (a BKPT without a debugger would
 * be a HardFault).
 */
void wf_board_exit(int code);

#endif
