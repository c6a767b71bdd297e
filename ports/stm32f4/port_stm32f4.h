/**
 * @file port_stm32f4.h
 * @brief The wizfetch port (include/wizfetch/port.h) on an STM32F4: the functions
 * a board puts into its `const struct wf_port`.
 *
 * Every function's ctx is the board's `const struct stm32f4_board *`.
 * - spi_frame: chip select low (GPIO BSRR), transfer on the board's SPI,
 *   chip select high.
 * - reset: drives the board's chip reset pin (the table has NULL when the
 *   board does not wire it: the Arduino shield).
 * - millis / delay_ms: the DWT clock (stm32f4_time.h); delay_ms feeds the IWDG.
 * - entropy: ADC noise through the health tests (adc_entropy.h); a failed health
 *   test gives WF_ENOENTROPY, never weak bytes.
 * - unix_time: a wall clock the application sets (e.g. after SNTP, or from a
 *   build-time floor) with stm32f4_set_unix_time(); -1 until then.
 * - console_write: the board's console USART, "\n" sent as "\r\n".
 */
#ifndef STM32F4_PORT_H
#define STM32F4_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stm32f4_regs.h"

#include "stm32f4_board.h"

/** @brief port.h reset: `asserted` drives the chip's /RESET low. */
void stm32f4_port_reset(void *ctx, bool asserted);
/** @brief port.h millis. */
uint32_t stm32f4_port_millis(void *ctx);
/** @brief port.h delay_ms (feeds the watchdog). */
void stm32f4_port_delay_ms(void *ctx, uint32_t ms);
/** @brief port.h entropy: 0 or WF_ENOENTROPY. */
int stm32f4_port_entropy(void *ctx, uint8_t *buf, size_t len);
/** @brief port.h unix_time: seconds since 1970, or -1 while not set. */
int64_t stm32f4_port_unix_time(void *ctx);
/** @brief port.h console_write. */
void stm32f4_port_console_write(void *ctx, const char *data, size_t len);

/**
 * @brief Set the wall clock: `unix_seconds` is "now". From then on the clock
 * advances with the millisecond clock (HSI-timed: expect up to ~1 % drift
 * over temperature, fine for certificate validity dates). A negative value makes
 * it unknown again.
 */
void stm32f4_set_unix_time(int64_t unix_seconds);

/** @brief The wall clock: seconds since 1970-01-01 UTC, or -1 while not set. */
int64_t stm32f4_unix_time(void);

/**
 * The port table of a board (an initializer for its `static const struct
 * wf_port`): `board` is the board's `static const struct stm32f4_board`, read
 * only (port.h's ctx is non-const for ports that keep state), and `reset_fn`
 * stm32f4_port_reset when the chip's /RESET is wired, else NULL: STM32F4_RESET_FN
 * of the board's chip-reset pin gives it.
 */
/* The port's SPI functions (port.h): polled frames; frames of 64 bytes or more by
 * DMA (the _dma variant, SPI1 only); a run of W5100 frames; a long read by DMA that
 * runs while the caller goes on (start, wait). */
int stm32f4_port_spi_frame(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len);
int stm32f4_port_spi_frame_dma(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len);
int stm32f4_port_spi_frames(void *ctx, const uint8_t *tx, uint8_t *rx, size_t count);
int stm32f4_port_spi_frames_dma(void *ctx, const uint8_t *tx, uint8_t *rx, size_t count);
int stm32f4_port_spi_read_start(void *ctx, const uint8_t *hdr, size_t hdr_len, uint8_t *rx, size_t len);
int stm32f4_port_spi_wait(void *ctx);

#define STM32F4_RESET_FN(pin_id) ((pin_id) == STM32F4_NO_PIN ? NULL : stm32f4_port_reset)
#define STM32F4_PORT_TABLE(board, reset_fn)                                                                  \
    {                                                                                                        \
        .ctx = (void *)&(board), .spi_frame = stm32f4_port_spi_frame, .reset = (reset_fn),                   \
        .millis = stm32f4_port_millis, .delay_ms = stm32f4_port_delay_ms, .entropy = stm32f4_port_entropy,   \
        .unix_time = stm32f4_port_unix_time, .console_write = stm32f4_port_console_write,                    \
        .spi_frames = stm32f4_port_spi_frames,                                                               \
    }
/** The same with the chip's bulk transfers by DMA (SPI1 on DMA2 streams 0 and 3). */
#define STM32F4_PORT_TABLE_DMA(board, reset_fn)                                                              \
    {                                                                                                        \
        .ctx = (void *)&(board), .spi_frame = stm32f4_port_spi_frame_dma, .reset = (reset_fn),               \
        .millis = stm32f4_port_millis, .delay_ms = stm32f4_port_delay_ms, .entropy = stm32f4_port_entropy,   \
        .unix_time = stm32f4_port_unix_time, .console_write = stm32f4_port_console_write,                    \
        .spi_frames = stm32f4_port_spi_frames_dma, .spi_read_start = stm32f4_port_spi_read_start,            \
        .spi_wait = stm32f4_port_spi_wait,                                                                   \
    }

#endif
