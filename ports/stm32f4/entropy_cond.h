/**
 * @file entropy_cond.h
 * @brief Health tests and a simple conditioner for the ADC noise source (pure: no
 * registers, unit-tested on the host).
 *
 * ## What goes in
 * Raw samples from STM32F4_ENTROPY_CHANNELS noise channels (the ADC's
 * temperature sensor and VREFINT), taken in turn: 0, 1, 0, 1, ... One *raw
 * sample* is a 12-bit conversion result, of which only the least significant bit
 * is used, and a 32-bit *jitter word* (DWT->CYCCNT read before the conversion).
 *
 * ## Health tests (NIST SP 800-90B section 4.4), per channel, on the raw LSBs
 * Each channel's LSBs are tested as a stream of their own, before anything is
 * mixed in, so a stuck channel cannot hide behind the other one or behind the
 * cycle counter. Parameters, all from one assumption and one error rate:
 * - H = 0.5 bit: the *assumed* min-entropy per raw LSB (not measured; see
 *   docs/security.md for how to measure it on a board);
 * - alpha = 2^-30: the false-positive probability of each test, per sample
 *   (repetition count) or per window (the others), for a source with exactly H.
 *
 * 1. Repetition count test (section 4.4.1): C = 1 + ceil(-log2(alpha) / H)
 *    = 1 + ceil(30 / 0.5) = 61 identical LSBs in a row fail.
 * 2. Adaptive proportion test (section 4.4.2): window W = 1024 (the standard's
 *    size for a binary source), cutoff C = 1 + CRITBINOM(W, 2^-H, 1 - alpha)
 *    = 810: the first LSB of a window appearing 810 times in it fails.
 * 3. Lag predictors (an additional, developer-defined test): for each lag
 *    k = 1..8, two predictors guess each LSB as "the same as k samples ago" and
 *    "the opposite of k samples ago". A source with min-entropy H is guessed by
 *    any predictor with probability at most 2^-H per sample, so each predictor's
 *    hits in the same window of 1024 have the adaptive proportion test's
 *    binomial bound: 810 hits fail. This catches what the two tests above cannot
 *    see: an alternating channel (0101: "opposite of lag 1" always right) and
 *    any periodic channel with a period up to 8 ("same as lag period").
 * Start-up test: the first STM32F4_ENTROPY_STARTUP_SAMPLES samples of each
 * channel (one full window) are tested and discarded.
 *
 * ## Conditioning (credited with nothing; mbedTLS does the real conditioning)
 * Von Neumann debiasing of successive pairs *of the same channel* (01 -> 0,
 * 10 -> 1, 00/11 dropped), which removes a constant bias of independent bits
 * (pairs across channels with different biases would not be debiased). Each
 * kept bit is then XORed with the parity of the low byte of the cycle counter
 * read with the pair's first sample, which was read before the conversion: this
 * cannot lower the bit's entropy, and doing it after the debiasing keeps the
 * pair's two bits identically distributed. The bits are packed MSB first into
 * bytes; a budget of raw samples per output byte catches a source whose pairs
 * are always dropped. The bytes go to mbedTLS's entropy accumulator (SHA-512).
 * Von Neumann does not remove correlation between samples.
 */
#ifndef STM32F4_ENTROPY_COND_H
#define STM32F4_ENTROPY_COND_H

#include <stddef.h>
#include <stdint.h>

/** Noise channels sampled in turn (temperature sensor, VREFINT). */
#define STM32F4_ENTROPY_CHANNELS 2u
/** The assumed min-entropy per raw LSB, in thousandths of a bit (H = 0.5). */
#define STM32F4_ENTROPY_H_MILLIBITS 500u
/** -log2 of the false-positive probability of each test (alpha = 2^-30). */
#define STM32F4_ENTROPY_ALPHA_LOG2 30u
/** Repetition count cutoff per channel: 1 + ceil(30 / 0.5). */
#define STM32F4_ENTROPY_RCT_CUTOFF 61u
/** Adaptive proportion (and lag predictor) window per channel: binary source. */
#define STM32F4_ENTROPY_APT_WINDOW 1024u
/** Adaptive proportion and lag predictor cutoff: 1 + CRITBINOM(1024, 2^-0.5, 1 - 2^-30). */
#define STM32F4_ENTROPY_APT_CUTOFF 810u
/** Lags 1..LAGS of the lag predictors (periods up to 8 are caught). */
#define STM32F4_ENTROPY_LAGS 8u
/** Raw samples per channel tested and discarded after (re)initialisation. */
#define STM32F4_ENTROPY_STARTUP_SAMPLES 1024u
/** Raw samples allowed per output byte, all channels (an unbiased source needs about 32). */
#define STM32F4_ENTROPY_MAX_SAMPLES_PER_BYTE 2048u

/** Health-test and debiasing state of one channel. */
struct stm32f4_entropy_channel {
    uint16_t samples;                    /**< samples tested since init, saturating at STARTUP_SAMPLES */
    uint16_t rct_run;                    /**< repetition count */
    uint16_t pos;                        /**< position in the window */
    uint16_t apt_count;                  /**< occurrences of apt_ref in the window */
    uint16_t same[STM32F4_ENTROPY_LAGS]; /**< hits of "same as lag k+1" in the window */
    uint16_t diff[STM32F4_ENTROPY_LAGS]; /**< hits of "opposite of lag k+1" in the window */
    uint8_t last;                        /**< previous LSB */
    uint8_t apt_ref;                     /**< first LSB of the window */
    uint8_t hist;                        /**< bit k: the LSB k+1 samples ago */
    uint8_t nhist;                       /**< valid bits in hist */
    uint8_t vn_have;                     /**< 1 if vn_first holds the first bit of a pair */
    uint8_t vn_first;                    /**< that bit, already XORed with its jitter parity */
};

/** Conditioner and health-test state. Initialise with stm32f4_entropy_cond_init(). */
struct stm32f4_entropy_cond {
    struct stm32f4_entropy_channel ch[STM32F4_ENTROPY_CHANNELS];
    uint8_t next;  /**< channel stm32f4_entropy_fill() samples next */
    uint8_t acc;   /**< output byte being assembled */
    uint8_t nbits; /**< bits in acc */
};

/** @brief Reset all state; the next samples run the start-up test. Cannot fail. */
void stm32f4_entropy_cond_init(struct stm32f4_entropy_cond *c);

/**
 * @brief Health-test and condition one raw sample of `channel`.
 * @param channel 0..STM32F4_ENTROPY_CHANNELS-1 (others: WF_EINVAL)
 * @param raw     ADC conversion result (bit 0 is used)
 * @param jitter  cycle counter read before the conversion (credited with no entropy)
 * @param out     receives a byte when 1 is returned
 * @return 1 when `*out` holds a new byte, 0 when more samples are needed (always
 *         during any channel's start-up test), WF_ENOENTROPY when a health test
 *         of that channel failed (call init before reuse).
 */
int stm32f4_entropy_cond_feed(struct stm32f4_entropy_cond *c, unsigned channel, uint16_t raw, uint32_t jitter,
                              uint8_t *out);

/**
 * @brief A raw-sample source: one conversion of noise channel `channel`; fills
 * `*raw` and `*jitter`; returns 0, or a negative WF_E* code if the hardware
 * failed (e.g. conversion timeout).
 */
typedef int (*stm32f4_entropy_sample_fn)(void *ctx, unsigned channel, uint16_t *raw, uint32_t *jitter);

/**
 * @brief Fill `buf` with `len` conditioned bytes from `sample`, channels in turn
 * (start-up test first if due). On any failure (health test, sample error,
 * sample budget) the state is re-initialised, so the next call starts with a
 * fresh start-up test, and WF_ENOENTROPY is returned; `buf` then holds no
 * usable data.
 * @return 0 or WF_ENOENTROPY.
 */
int stm32f4_entropy_fill(struct stm32f4_entropy_cond *c, stm32f4_entropy_sample_fn sample, void *ctx,
                         uint8_t *buf, size_t len);

#endif
