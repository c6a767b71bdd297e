/**
 * @file gpio.h
 * @brief Small GPIO helpers (family code; which pin does what is a board fact).
 * The port's clock must be enabled in RCC->AHB1ENR first.
 */
#ifndef STM32F4_GPIO_H
#define STM32F4_GPIO_H

#include <stdint.h>

#include "stm32f4_regs.h"

/** @brief Drive `pin` high (atomic, BSRR set half). */
static inline void stm32f4_gpio_set(GPIO_TypeDef *port, uint32_t pin)
{
    port->BSRR = 1u << pin;
}

/** @brief Drive `pin` low (atomic, BSRR reset half). */
static inline void stm32f4_gpio_clear(GPIO_TypeDef *port, uint32_t pin)
{
    port->BSRR = 1u << (pin + 16u);
}

/**
 * @brief Make `pin` a push-pull output at `speed` (GPIO_OSPEEDR_*), driving
 * `high` from the first instant: the level is latched in ODR before the pin
 * switches to output, so a chip select never glitches low.
 */
static inline void stm32f4_gpio_output(GPIO_TypeDef *port, uint32_t pin, int high, uint32_t speed)
{
    if (high) {
        stm32f4_gpio_set(port, pin);
    } else {
        stm32f4_gpio_clear(port, pin);
    }
    port->OTYPER &= ~(1u << pin);
    port->OSPEEDR = (port->OSPEEDR & ~(3u << (2u * pin))) | (speed << (2u * pin));
    port->PUPDR &= ~(3u << (2u * pin));
    port->MODER = (port->MODER & ~(3u << (2u * pin))) | (GPIO_MODER_OUTPUT << (2u * pin));
}

/** @brief Give `pin` to alternate function `af` (0..15), push-pull, with `pull` (GPIO_PUPDR_*). */
static inline void stm32f4_gpio_af(GPIO_TypeDef *port, uint32_t pin, uint32_t af, uint32_t speed,
                                   uint32_t pull)
{
    volatile uint32_t *afr = &port->AFR[pin / 8u];
    uint32_t shift = 4u * (pin % 8u);
    *afr = (*afr & ~(0xFu << shift)) | (af << shift);
    port->OTYPER &= ~(1u << pin);
    port->OSPEEDR = (port->OSPEEDR & ~(3u << (2u * pin))) | (speed << (2u * pin));
    port->PUPDR = (port->PUPDR & ~(3u << (2u * pin))) | (pull << (2u * pin));
    port->MODER = (port->MODER & ~(3u << (2u * pin))) | (GPIO_MODER_AF << (2u * pin));
}

#endif
