/**
 * @file entropy_cond.h
 * @brief Health tests and a simple conditioner for the ADC noise source (pure: no
 * registers, unit-tested on the host).
 *
 * ## What goes in
 * One *raw sample* per ADC conversion: the 12-bit result (only its least
 * significant bit is used: the noise source is "the LSB of a long-sampled
 * conversion of the temperature sensor / VREFINT") and a 32-bit *jitter word*
 * (DWT->CYCCNT when the conversion was read).
 *
 * ## What is done with it
 * 1. Health tests in the spirit of NIST SP 800-90B §4.4 on the raw LSB stream,
 *    *before* anything is mixed in (so a stuck ADC cannot hide behind the cycle
 *    counter):
 *    - repetition count test: cutoff C = 1 + ceil(20 / H) with the claimed
 *      min-entropy H = 0.5 bit per LSB and alpha = 2^-20 -> 41 identical LSBs in
 *      a row fail;
 *    - adaptive proportion test: window W = 1024, cutoff 793 = 1 +
 *      CRITBINOM(1024, 2^-0.5, 1 - 2^-20): the first LSB of a window appearing
 *      793 or more times in it fails.
 *    The first 1024 samples after (re)initialisation are a start-up test: they
 *    are tested and discarded.
 * 2. The LSB is XORed with the parity of the jitter word's low byte. The cycle
 *    counter runs from the same PLL as the ADC clock, so it is credited with no
 *    entropy; it is mixed in only because it cannot hurt: it is sampled before the
 *    conversion's value is known, so XORing it keeps each bit's entropy given the
 *    past.
 * 3. Von Neumann debiasing of successive pairs (01 -> 0, 10 -> 1, 00/11 dropped),
 *    which removes a constant bias of independent bits.
 * 4. The debiased bits are packed MSB first into bytes. A second repetition
 *    count test on these bits (64 identical bits in a row) catches a source whose
 *    raw stream is lively but patterned (e.g. alternating 0101... debiases to all
 *    zeros), and a budget of raw samples per output byte catches a source whose
 *    pairs are always dropped (e.g. 0011...).
 *
 * ## What it is not
 * Not a full-entropy conditioner: the bytes go to mbedTLS's entropy accumulator
 * (SHA-512), which does the real conditioning. Von Neumann does not remove
 * correlation between samples. The claimed H is an assumption to set the test
 * cutoffs, not a measured figure (see docs/security.md).
 */
#ifndef STM32F4_ENTROPY_COND_H
#define STM32F4_ENTROPY_COND_H

#include <stddef.h>
#include <stdint.h>

/** Repetition count cutoff on raw LSBs (H = 0.5, alpha = 2^-20). */
#define STM32F4_ENTROPY_RCT_CUTOFF 41u
/** Adaptive proportion window (binary source). */
#define STM32F4_ENTROPY_APT_WINDOW 1024u
/** Adaptive proportion cutoff (H = 0.5, alpha = 2^-20). */
#define STM32F4_ENTROPY_APT_CUTOFF 793u
/** Repetition count cutoff on debiased output bits. */
#define STM32F4_ENTROPY_OUT_RCT_CUTOFF 64u
/** Raw samples tested and discarded after (re)initialisation. */
#define STM32F4_ENTROPY_STARTUP_SAMPLES 1024u
/** Raw samples allowed per output byte (an unbiased source needs about 32). */
#define STM32F4_ENTROPY_MAX_SAMPLES_PER_BYTE 2048u

/** Conditioner and health-test state. Initialise with stm32f4_entropy_cond_init(). */
struct stm32f4_entropy_cond {
    uint32_t samples;   /**< raw samples since init (start-up test while < STARTUP) */
    uint32_t rct_run;   /**< raw repetition count */
    uint32_t apt_pos;   /**< position in the adaptive proportion window */
    uint32_t apt_count; /**< occurrences of apt_ref in the window */
    uint32_t out_run;   /**< output repetition count */
    uint8_t rct_last;
    uint8_t apt_ref;
    uint8_t vn_have; /**< 1 if vn_first holds the first bit of a pair */
    uint8_t vn_first;
    uint8_t out_last;
    uint8_t acc;   /**< output byte being assembled */
    uint8_t nbits; /**< bits in acc */
};

/** @brief Reset all state; the next samples run the start-up test. Cannot fail. */
void stm32f4_entropy_cond_init(struct stm32f4_entropy_cond *c);

/**
 * @brief Health-test and condition one raw sample.
 * @param raw     ADC conversion result (bit 0 is used)
 * @param jitter  cycle counter read with it (credited with no entropy)
 * @param out     receives a byte when 1 is returned
 * @return 1 when `*out` holds a new byte, 0 when more samples are needed,
 *         WF_ENOENTROPY when a health test failed (call init before reuse).
 */
int stm32f4_entropy_cond_feed(struct stm32f4_entropy_cond *c, uint16_t raw, uint32_t jitter, uint8_t *out);

/**
 * @brief A raw-sample source: fills `*raw` and `*jitter`; returns 0, or a negative
 * WF_E* code if the hardware failed (e.g. conversion timeout).
 */
typedef int (*stm32f4_entropy_sample_fn)(void *ctx, uint16_t *raw, uint32_t *jitter);

/**
 * @brief Fill `buf` with `len` conditioned bytes from `sample` (start-up test
 * first if due). On any failure (health test, sample error, sample budget) the
 * state is re-initialised, so the next call starts with a fresh start-up test,
 * and WF_ENOENTROPY is returned; `buf` then holds no usable data.
 * @return 0 or WF_ENOENTROPY.
 */
int stm32f4_entropy_fill(struct stm32f4_entropy_cond *c, stm32f4_entropy_sample_fn sample, void *ctx,
                         uint8_t *buf, size_t len);

#endif
