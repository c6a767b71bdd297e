/**
 * @file adc_entropy.h
 * @brief Entropy source from ADC1 noise (the F411 has no hardware RNG).
 *
 * Each raw sample is one 12-bit conversion, with the longest sample time (480
 * ADC cycles, ~19 us at 25 MHz: the temperature sensor and VREFINT need >= 10 us),
 * alternating between the internal temperature sensor (ADC1_IN18) and VREFINT
 * (ADC1_IN17), plus the DWT cycle counter read with it. Only the least
 * significant bit is used (each channel's bits are health-tested as a stream of
 * their own): it is dominated by thermal and quantisation noise
 * of the converter and the sensor. The samples go through the health tests and
 * conditioner of entropy_cond.h; the result feeds mbedTLS's SHA-512 entropy
 * accumulator (through the port's `entropy` function), together with the seed
 * kept in flash (flash_seed.h). What this is worth, honestly: docs/security.md.
 *
 * Cost: about 32 raw samples per output byte for an unbiased LSB (von Neumann
 * keeps 1 bit per 4 samples on average), ~20 us each: ~0.7 ms per byte at
 * 100 MHz, plus a start-up test of 1024 samples per channel (~40 ms) at the
 * first call and after any failure.
 */
#ifndef STM32F4_ADC_ENTROPY_H
#define STM32F4_ADC_ENTROPY_H

#include <stddef.h>
#include <stdint.h>

/**
 * @brief Power ADC1 (ADCCLK <= 36 MHz from PCLK2), enable the temperature
 * sensor and VREFINT (ADC_CCR.TSVREFE, VBATE off), set 480-cycle sampling on
 * channels 17 and 18, wait for them to settle, and reset the health tests (the
 * next fill runs the start-up test). Call after stm32f4_time_init().
 * @return 0, or WF_EINVAL if no ADC prescaler fits PCLK2.
 */
int stm32f4_adc_entropy_init(void);

/**
 * @brief One conversion of `channel` (0..18), polled with a bounded wait.
 * @return 0 and `*value` (12 bits), or WF_ETIMEDOUT.
 */
int stm32f4_adc_read(uint32_t channel, uint16_t *value);

/**
 * @brief Fill `buf` with `len` conditioned bytes.
 * @return 0, or WF_ENOENTROPY if a health test failed, a conversion timed out or
 * the source stopped producing bits (the next call starts afresh with a
 * start-up test).
 */
int stm32f4_adc_entropy_fill(uint8_t *buf, size_t len);

/**
 * @brief Raw samples for measuring the source's min-entropy (docs/security.md):
 * `samples` conversions of each channel (rounded up to a multiple of 64), taken
 * in turn like the live source but with no health test and no conditioning;
 * their LSBs go to `write` as lines "raw0 <16 hex digits>" and "raw1 ..."
 * (64 LSBs of that channel each, first sample in the most significant bit).
 * Feeds the watchdog.
 * @return 0, WF_ENOENTROPY if the ADC was not initialised, WF_ETIMEDOUT if a
 * conversion timed out.
 */
int stm32f4_adc_entropy_dump(uint32_t samples, void (*write)(void *ctx, const char *text, size_t len),
                             void *ctx);

#endif
