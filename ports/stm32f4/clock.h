/**
 * @file clock.h
 * @brief STM32F4 clock tree: HSI (16 MHz RC) -> main PLL -> SYSCLK, with the flash
 * wait states, regulator voltage scale and APB prescalers the frequency needs.
 *
 * AHB and APB2 run at SYSCLK; APB1 at the smallest division that keeps it at or
 * below 50 MHz. No HSE: the Nucleo's 8 MHz MCO from the ST-LINK would do, but the
 * HSI needs no solder bridge and the UART/SPI tolerate its +/-1 % at 25 C.
 */
#ifndef STM32F4_CLOCK_H
#define STM32F4_CLOCK_H

#include <stdint.h>

#include "board_math.h"

/** HSI frequency (RM0383 §6.2.2). */
#define STM32F4_HSI_HZ 16000000u

/**
 * @brief Switch SYSCLK to the PLL at `sysclk_hz` (e.g. 84 or 100 MHz) from the HSI.
 * Order: HSI on, PWR clock and VOS, flash wait states (raised before the clock
 * goes up), bus prescalers, PLL off -> configure -> on, wait for the PLL and
 * the regulator, switch. Every wait is a bounded loop. If any step fails the
 * system stays on the HSI at 16 MHz (with the higher wait states, which is
 * safe) and an error is returned; the frequency getters always tell the truth.
 * @return 0, WF_EINVAL (no PLL factors for that frequency) or WF_ETIMEDOUT (a
 * ready bit never came).
 */
int stm32f4_clock_init(uint32_t sysclk_hz);

/** @brief Current SYSCLK = HCLK in Hz (16 MHz before/without stm32f4_clock_init). */
uint32_t stm32f4_sysclk_hz(void);
/** @brief Current APB1 clock (USART2, IWDG bus) in Hz. */
uint32_t stm32f4_pclk1_hz(void);
/** @brief Current APB2 clock (SPI1, ADC1) in Hz. */
uint32_t stm32f4_pclk2_hz(void);

#endif
