/**
 * @file stm32f4_time.h
 * @brief Millisecond clock and delays from the DWT cycle counter, polled (no
 * interrupt: the firmware runs without an interrupt controller in the emulator).
 *
 * ## Why DWT->CYCCNT and not SysTick
 * CYCCNT counts every core cycle in 32 bits, so it wraps only every 2^32 /
 * SYSCLK (42.9 s at 100 MHz, 51.1 s at 84 MHz). The 24-bit SysTick wraps every
 * 168 ms at 100 MHz: a polled SysTick loses whole periods whenever the code is
 * busy longer than that (an RSA or ECDHE operation in the TLS handshake is), a
 * polled CYCCNT only if nothing reads the clock for 42 s. The cycle counter also
 * gives the sub-microsecond timestamps the entropy code mixes in.
 *
 * ## Extension to 64 bits
 * Every call of stm32f4_millis64() (also through stm32f4_millis(), the delays
 * and the port's millis) adds the cycles elapsed since the previous call
 * (unsigned 32-bit difference, so one wrap in between is harmless) to a 64-bit
 * millisecond count. **Requirement:** the clock must be read at least once per
 * 2^32 cycles (42.9 s at 100 MHz), or whole wraps are lost and the clock runs
 * late. wizfetch's core reads it on every wait; a main loop should too.
 *
 * Call stm32f4_time_init() after stm32f4_clock_init(): the cycles per
 * millisecond are taken from the clock then.
 */
#ifndef STM32F4_TIME_H
#define STM32F4_TIME_H

#include <stdint.h>

/**
 * @brief Enable the cycle counter (DEMCR.TRCENA, DWT_CTRL.CYCCNTENA), start the
 * millisecond count at 0 and check the counter really advances.
 * @return 0, or WF_ENODEV if the core has no cycle counter or it stands still.
 */
int stm32f4_time_init(void);

/** @brief Raw DWT->CYCCNT (wraps every 2^32 cycles). */
uint32_t stm32f4_cycles(void);

/** @brief Milliseconds since stm32f4_time_init() (64 bits: never wraps in practice). */
uint64_t stm32f4_millis64(void);

/** @brief Milliseconds since stm32f4_time_init(), wrapping at 2^32 (~49.7 days). */
uint32_t stm32f4_millis(void);

/**
 * @brief Busy-wait at least `ms` milliseconds, feeding the independent watchdog
 * on every pass (a delay is a sign of life: the caller is waiting on purpose).
 * Bounded also if the cycle counter stopped: it gives up after as many passes
 * as the delay has cycles.
 */
void stm32f4_delay_ms(uint32_t ms);

/** @brief Busy-wait at least `us` microseconds (no watchdog feed; for short settling times). */
void stm32f4_delay_us(uint32_t us);

#endif
