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

/* ---- a main loop that never blocks (apps/firmware/fw_superloop.c; docs/firmware.md,
 * "Superloop mode"). Implemented in a file of its own (ports/stm32f4/board_wake.c),
 * linked only into the images that use it. ---- */

/** @brief The CPU clock in Hz: the rate of wf_board_cycles(). */
uint32_t wf_board_cpu_hz(void);

/** @brief Feed the watchdog (a loop that never calls the port's delay_ms must). */
void wf_board_watchdog_feed(void);

/**
 * @brief Start the wake-up sources (docs/porting.md, "Wake-up"): a 1 kHz tick
 * interrupt (SysTick) and, when the board wires the network chip's INTn to a
 * GPIO, that pin's falling edge (EXTI, pull-up on). Returns true if INTn is
 * wired (the chip's side: wf_chip_wake_enable); false: only the tick wakes.
 */
bool wf_board_wake_start(void);

/** @brief True while the chip's INTn is low (false when it is not wired). */
bool wf_board_chip_int_low(void);

/**
 * @brief Sleep (WFI) until an interrupt: the tick (at most 1 ms) or INTn's
 * falling edge. Returns at once if one of them came since the last sleep
 * (interrupts are masked between that check and the WFI, so no wake-up is
 * lost). Only after wf_board_wake_start.
 */
void wf_board_sleep(void);

/** What woke the CPU since wf_board_wake_start. */
struct wf_board_wake_counts {
    uint32_t ticks;  /**< tick interrupts (1 per ms) */
    uint32_t intn;   /**< INTn falling edges */
    uint32_t sleeps; /**< WFIs executed (wf_board_sleep calls that slept) */
};

/** @brief The counts so far. */
void wf_board_wake_counts(struct wf_board_wake_counts *c);

/**
 * @brief End of an emulated run: with a debugger (or the emulator) attached,
 * execute `bkpt #0xAB` with r0 = `code` so it can stop and report `code`. On
 * a board running alone it returns at once (a BKPT without a debugger would
 * be a HardFault).
 */
void wf_board_exit(int code);

#endif
