/**
 * @file clock.h
 * @brief STM32F4 clock tree: HSI (16 MHz RC) or HSE (a crystal, as the board
 * says) -> main PLL -> SYSCLK, with the flash wait states, regulator voltage
 * scale and APB prescalers the frequency needs; and the clock gates and bus
 * frequencies of the peripherals the family code drives.
 *
 * AHB and APB2 run at SYSCLK; APB1 at the smallest division that keeps it at or
 * below 50 MHz.
 */
#ifndef STM32F4_CLOCK_H
#define STM32F4_CLOCK_H

#include <stdint.h>

#include "board_math.h"

/** HSI frequency (RM0383 §6.2.2). */
#define STM32F4_HSI_HZ 16000000u

/**
 * @brief Switch SYSCLK to the PLL at `sysclk_hz` (e.g. 84 or 100 MHz), fed by
 * the HSE crystal of `hse_hz` (4..26 MHz), or by the HSI when `hse_hz` is 0.
 * Order: HSI on, HSE on and ready (if used), PWR clock and VOS, flash wait
 * states (raised before the clock goes up), bus prescalers, PLL off ->
 * configure -> on, wait for the PLL and the regulator, switch. Every wait is a
 * bounded loop. If any step fails the system stays on the HSI at 16 MHz (with
 * the higher wait states, which is safe) and an error is returned; the
 * frequency getters always tell the truth.
 * @return 0, WF_EINVAL (no PLL factors for that frequency), WF_ENODEV (the
 * HSE crystal never became ready) or WF_ETIMEDOUT (another ready bit never came).
 */
int stm32f4_clock_init(uint32_t hse_hz, uint32_t sysclk_hz);

/**
 * @brief Open the clock gate of a peripheral (`GPIOA`, `SPI1`, `USART1`, ...).
 * @return 0, or WF_EINVAL for a peripheral the family code does not know.
 */
int stm32f4_clock_enable(const volatile void *periph);

/** @brief The bus clock (PCLK1 or PCLK2) feeding `periph`, in Hz; 0 if unknown. */
uint32_t stm32f4_bus_hz(const volatile void *periph);

/** @brief Current SYSCLK = HCLK in Hz (16 MHz before/without stm32f4_clock_init). */
uint32_t stm32f4_sysclk_hz(void);
/** @brief Current APB1 clock (USART2, PWR) in Hz. */
uint32_t stm32f4_pclk1_hz(void);
/** @brief Current APB2 clock (SPI1, USART1, ADC1) in Hz. */
uint32_t stm32f4_pclk2_hz(void);

#endif
