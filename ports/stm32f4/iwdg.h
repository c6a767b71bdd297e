/**
 * @file iwdg.h
 * @brief Independent watchdog (IWDG, clocked by the ~32 kHz LSI RC): once started
 * it cannot be stopped; if it is not fed within the timeout the chip resets, so
 * a wedged firmware restarts itself.
 *
 * The LSI of the F411 is specified 17..47 kHz, so a nominal timeout T is really
 * anywhere in 0.68 T .. 1.88 T. stm32f4_delay_ms() feeds the watchdog; a main
 * loop that never delays must call stm32f4_iwdg_feed() itself. An erase of the
 * 128 KiB seed sector (up to ~2 s) feeds it too (flash_seed.c), but pick a
 * timeout well above the longest pure computation (a TLS handshake's public-key
 * operations: seconds at 100 MHz for P-384 or RSA-4096 chains); 8 s is a sane
 * default.
 */
#ifndef STM32F4_IWDG_H
#define STM32F4_IWDG_H

#include <stdbool.h>
#include <stdint.h>

/** Nominal LSI frequency (RM0383 §6.2.5; real: 17-47 kHz). */
#define STM32F4_LSI_HZ 32000u

/**
 * @brief Start the watchdog with a nominal `timeout_ms` (1 ms .. 32 768 ms).
 * Sequence of RM0383 §15.3: start (0xCCCC, which also starts the LSI), unlock
 * (0x5555), PR, RLR, wait until PVU/RVU clear (bounded), reload (0xAAAA).
 * @return 0, WF_ERANGE for an impossible timeout, WF_ETIMEDOUT if the registers
 * never updated (the watchdog then runs with its reset timeout, ~512 ms).
 */
int stm32f4_iwdg_start(uint32_t timeout_ms);

/** @brief Reload the counter (0xAAAA). Harmless before the watchdog is started. */
void stm32f4_iwdg_feed(void);

/**
 * @brief True if the last reset was caused by the IWDG. The first call reads
 * RCC->CSR, remembers the answer and clears all reset flags (RMVF), so call it
 * once early (stm32f4_board_start() does); later calls return the remembered answer.
 */
bool stm32f4_iwdg_was_reset(void);

/** @brief RCC->CSR as it was at the first stm32f4_iwdg_was_reset() call (all reset-cause flags). */
uint32_t stm32f4_reset_flags(void);

#endif
