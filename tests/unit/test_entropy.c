/* Health tests and conditioner of the ADC noise source (ports/stm32f4/entropy_cond.c):
 * defective sources are rejected, good ones accepted, the cutoffs follow from
 * SP 800-90B's formulas. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../ports/stm32f4/entropy_cond.h"
#include "wizfetch/error.h"

enum kind {
    GOOD,           /* independent fair bits on both channels */
    STUCK,          /* both channels' LSB stuck at 0 */
    STUCK_OPPOSITE, /* channel 0 stuck at 0, channel 1 at 1: 0101... when interleaved */
    ONE_STUCK,      /* channel 0 good, channel 1 stuck */
    ALTERNATING,    /* each channel 0101... */
    PERIOD3,        /* each channel 001001... */
    PERIOD7,        /* each channel 0010111 0010111... (balanced, no long runs) */
    BIASED,         /* 90 % ones on both channels (H = 0.15 bit, below the assumed 0.5) */
    AT_BOUND,       /* 70 % ones on channel 0, 30 % on channel 1 (H = 0.51 bit) */
    DOUBLED,        /* each fair bit twice in a row: every von Neumann pair is dropped */
    FAILING,        /* conversion timeout */
};

struct source {
    enum kind kind;
    uint64_t x;
    uint32_t n[STM32F4_ENTROPY_CHANNELS]; /* samples taken per channel */
    uint8_t held[STM32F4_ENTROPY_CHANNELS];
};

static uint32_t xorshift(struct source *s)
{
    s->x ^= s->x << 13;
    s->x ^= s->x >> 7;
    s->x ^= s->x << 17;
    return (uint32_t)(s->x >> 11);
}

static int sample(void *ctx, unsigned ch, uint16_t *raw, uint32_t *jitter)
{
    struct source *s = ctx;
    uint32_t i = s->n[ch]++;
    uint16_t base = 0x7A2; /* the rest of the conversion: ignored */
    unsigned bit;
    /* A lively cycle counter: it must not make a bad source pass. */
    *jitter = xorshift(s);
    switch (s->kind) {
    case GOOD:
        bit = xorshift(s) & 1u;
        break;
    case STUCK:
        bit = 0;
        break;
    case STUCK_OPPOSITE:
        bit = ch;
        break;
    case ONE_STUCK:
        bit = ch == 0 ? (xorshift(s) & 1u) : 1u;
        break;
    case ALTERNATING:
        bit = i & 1u;
        break;
    case PERIOD3:
        bit = i % 3 == 2;
        break;
    case PERIOD7:
        bit = (0x74u >> (i % 7)) & 1u; /* 0010111 */
        break;
    case BIASED:
        bit = xorshift(s) % 10u != 0;
        break;
    case AT_BOUND:
        bit = (xorshift(s) % 10u < 7u) ^ ch;
        break;
    case DOUBLED:
        if ((i & 1u) == 0) {
            s->held[ch] = (uint8_t)(xorshift(s) & 1u);
        }
        bit = s->held[ch];
        break;
    default:
        return WF_ETIMEDOUT;
    }
    *raw = (uint16_t)((base & ~1u) | bit);
    return 0;
}

static uint32_t total(const struct source *s)
{
    uint32_t t = 0;
    for (unsigned i = 0; i < STM32F4_ENTROPY_CHANNELS; i++) {
        t += s->n[i];
    }
    return t;
}

/* Fill from a source of `kind`; returns the result, `*used` the raw samples taken. */
static int run(enum kind kind, uint8_t *buf, size_t len, uint32_t *used)
{
    struct stm32f4_entropy_cond c;
    struct source s = {kind, 0x9E3779B97F4A7C15ull, {0}, {0}};
    stm32f4_entropy_cond_init(&c);
    int rc = stm32f4_entropy_fill(&c, sample, &s, buf, len);
    *used = total(&s);
    return rc;
}

/* log of the binomial probability P(X = k), X ~ Bin(n, p). */
static double log_pmf(unsigned n, unsigned k, double p)
{
    return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * log(p) + (n - k) * log1p(-p);
}

static void test_cutoffs_follow_from_h_and_alpha(void **state)
{
    (void)state;
    double h = STM32F4_ENTROPY_H_MILLIBITS / 1000.0;
    double alpha = ldexp(1.0, -(int)STM32F4_ENTROPY_ALPHA_LOG2);
    /* SP 800-90B 4.4.1: C = 1 + ceil(-log2(alpha) / H). */
    assert_int_equal(STM32F4_ENTROPY_RCT_CUTOFF, 1 + (unsigned)ceil(STM32F4_ENTROPY_ALPHA_LOG2 / h));
    /* 4.4.2: C = 1 + CRITBINOM(W, 2^-H, 1 - alpha), i.e. the smallest C with
     * P(X >= C) <= alpha for X ~ Bin(W, 2^-H). */
    unsigned w = STM32F4_ENTROPY_APT_WINDOW;
    double p = pow(2.0, -h), tail = 0.0;
    unsigned c = w + 1;
    while (c > 0 && tail + exp(log_pmf(w, c - 1, p)) <= alpha) {
        tail += exp(log_pmf(w, c - 1, p));
        c--;
    }
    assert_int_equal(STM32F4_ENTROPY_APT_CUTOFF, c);
    assert_int_equal(w, 1024); /* the standard's window for a binary source */
}

static void test_stuck_sources_rejected(void **state)
{
    (void)state;
    uint8_t buf[32];
    uint32_t used;
    /* Both stuck: the repetition count test, in the start-up test. */
    assert_int_equal(run(STUCK, buf, sizeof buf, &used), WF_ENOENTROPY);
    assert_int_equal(used, 2 * STM32F4_ENTROPY_RCT_CUTOFF - 1);
    /* Each channel stuck at another value: interleaved this is 0101..., which has
     * no runs and 50 % ones; tested per channel it is two stuck channels. */
    assert_int_equal(run(STUCK_OPPOSITE, buf, sizeof buf, &used), WF_ENOENTROPY);
    assert_int_equal(used, 2 * STM32F4_ENTROPY_RCT_CUTOFF - 1);
    /* One good channel does not carry a stuck one. */
    assert_int_equal(run(ONE_STUCK, buf, sizeof buf, &used), WF_ENOENTROPY);
    assert_int_equal(used, 2 * STM32F4_ENTROPY_RCT_CUTOFF);
}

static void test_alternating_and_periodic_sources_rejected(void **state)
{
    (void)state;
    uint8_t buf[32];
    uint32_t used;
    /* Caught by a lag predictor within the start-up test's first window: the
     * predictor is right on every sample, so after CUTOFF samples per channel. */
    static const enum kind kinds[] = {ALTERNATING, PERIOD3, PERIOD7};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        assert_int_equal(run(kinds[i], buf, sizeof buf, &used), WF_ENOENTROPY);
        assert_true(used <= 2 * (STM32F4_ENTROPY_APT_CUTOFF + STM32F4_ENTROPY_LAGS));
    }
}

static void test_biased_source_rejected(void **state)
{
    (void)state;
    uint8_t buf[32];
    uint32_t used;
    /* 90 % ones: 922 ones per 1024 expected, far above the proportion cutoff 810:
     * rejected in the first window (if a run of 61 ones does not end it first). */
    assert_int_equal(run(BIASED, buf, sizeof buf, &used), WF_ENOENTROPY);
    assert_true(used <= 2 * STM32F4_ENTROPY_APT_WINDOW);
}

static void test_failing_and_unproductive_sources_rejected(void **state)
{
    (void)state;
    uint8_t buf[8];
    uint32_t used;
    assert_int_equal(run(FAILING, buf, sizeof buf, &used), WF_ENOENTROPY);
    assert_int_equal(used, 1);
    /* Lively enough for the health tests, but von Neumann drops every pair: the
     * per-byte sample budget ends it. */
    assert_int_equal(run(DOUBLED, buf, sizeof buf, &used), WF_ENOENTROPY);
    assert_int_equal(used, STM32F4_ENTROPY_CHANNELS * STM32F4_ENTROPY_STARTUP_SAMPLES +
                               STM32F4_ENTROPY_MAX_SAMPLES_PER_BYTE);
}

static double ones_fraction(const uint8_t *buf, size_t len)
{
    size_t ones = 0;
    for (size_t i = 0; i < len; i++) {
        ones += (size_t)__builtin_popcount(buf[i]);
    }
    return (double)ones / (8.0 * (double)len);
}

static void test_good_source_accepted(void **state)
{
    (void)state;
    struct stm32f4_entropy_cond c;
    struct source s = {GOOD, 0x9E3779B97F4A7C15ull, {0}, {0}};
    static uint8_t buf[8192];
    stm32f4_entropy_cond_init(&c);
    assert_int_equal(stm32f4_entropy_fill(&c, sample, &s, buf, sizeof buf), 0);
    /* About 4 raw samples per output bit (von Neumann keeps half the pairs). */
    uint32_t startup = STM32F4_ENTROPY_CHANNELS * STM32F4_ENTROPY_STARTUP_SAMPLES;
    double per_bit = (double)(total(&s) - startup) / (8.0 * sizeof buf);
    assert_true(per_bit > 3.8 && per_bit < 4.2);
    double frac = ones_fraction(buf, sizeof buf);
    assert_true(frac > 0.49 && frac < 0.51);
    unsigned counts[256] = {0};
    for (size_t i = 0; i < sizeof buf; i++) {
        counts[buf[i]]++;
    }
    for (int v = 0; v < 256; v++) {
        assert_true(counts[v] > 0); /* expected 32 each */
    }
    /* The start-up test ran once only: the next call costs no start-up samples. */
    uint32_t before = total(&s);
    assert_int_equal(stm32f4_entropy_fill(&c, sample, &s, buf, 1), 0);
    assert_true(total(&s) - before < 200);
}

static void test_source_at_assumed_entropy_accepted_and_debiased(void **state)
{
    (void)state;
    /* 70 % ones on one channel, 30 % on the other: just above H = 0.5 on each.
     * Accepted, and von Neumann within each channel leaves no bias (pairs across
     * the two channels would give 0.7 * 0.7 vs 0.3 * 0.3: 84 % ones). */
    static uint8_t buf[2048];
    uint32_t used;
    assert_int_equal(run(AT_BOUND, buf, sizeof buf, &used), 0);
    double frac = ones_fraction(buf, sizeof buf);
    assert_true(frac > 0.48 && frac < 0.52);
}

static void test_feed_rejects_bad_channel(void **state)
{
    (void)state;
    struct stm32f4_entropy_cond c;
    uint8_t out;
    stm32f4_entropy_cond_init(&c);
    assert_int_equal(stm32f4_entropy_cond_feed(&c, STM32F4_ENTROPY_CHANNELS, 0, 0, &out), WF_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cutoffs_follow_from_h_and_alpha),
        cmocka_unit_test(test_stuck_sources_rejected),
        cmocka_unit_test(test_alternating_and_periodic_sources_rejected),
        cmocka_unit_test(test_biased_source_rejected),
        cmocka_unit_test(test_failing_and_unproductive_sources_rejected),
        cmocka_unit_test(test_good_source_accepted),
        cmocka_unit_test(test_source_at_assumed_entropy_accepted_and_debiased),
        cmocka_unit_test(test_feed_rejects_bad_channel),
    };
    return cmocka_run_group_tests_name("entropy", tests, NULL, NULL);
}
