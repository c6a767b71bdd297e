/**
 * @file usart.h
 * @brief The console: one USART instance (which one, and its pins, are board
 * facts: USART2 on the Nucleo's ST-LINK virtual COM port, USART1 on the Black
 * Pill), 8N1, oversampling by 16, polled. TX waits (bounded) for room; RX is
 * a non-blocking poll. The board sets the pins up first.
 */
#ifndef STM32F4_USART_H
#define STM32F4_USART_H

#include <stddef.h>
#include <stdint.h>

#include "stm32f4_regs.h"

/**
 * @brief Make `usart` the console at `baud` from its bus clock
 * (stm32f4_usart_brr(), OVER8 = 0). Call after stm32f4_clock_init().
 * @return 0, or WF_EINVAL if the divider does not fit or the instance is unknown.
 */
int stm32f4_console_init(USART_TypeDef *usart, uint32_t baud);

/** @brief BRR value programmed by stm32f4_console_init() (0 before). */
uint32_t stm32f4_console_brr(void);

/**
 * @brief Send `len` bytes as they are. Each byte waits for TXE at most ~1 ms
 * (a byte at 115200 takes 87 us); a byte that still finds no room is dropped,
 * so a console problem can never hang the firmware. Before
 * stm32f4_console_init() nothing is sent.
 */
void stm32f4_console_write(const char *data, size_t len);

/** @brief Like stm32f4_console_write() but every "\n" goes out as "\r\n" (terminals want both). */
void stm32f4_console_write_text(const char *data, size_t len);

/** @brief Wait (bounded) until the last byte has left the shift register (TC). */
void stm32f4_console_flush(void);

/**
 * @brief Non-blocking receive.
 * @return the next byte (0..255), or -1 if none is waiting. Overrun, framing and
 * noise errors are cleared and the affected byte is dropped.
 */
int stm32f4_console_getc(void);

#endif
