/* Health tests and conditioning of the ADC noise source (see entropy_cond.h). Pure. */
#include "entropy_cond.h"

#include <string.h>

#include "wizfetch/error.h"

void stm32f4_entropy_cond_init(struct stm32f4_entropy_cond *c)
{
    memset(c, 0, sizeof *c);
}

static uint8_t parity8(uint32_t v)
{
    v &= 0xFFu;
    v ^= v >> 4;
    v ^= v >> 2;
    v ^= v >> 1;
    return (uint8_t)(v & 1u);
}

/* SP 800-90B 4.4.1, 4.4.2 and the lag predictors on one raw bit of one channel.
 * Returns 0 or WF_ENOENTROPY. */
static int health(struct stm32f4_entropy_channel *h, uint8_t bit)
{
    if (h->samples > 0 && bit == h->last) {
        if (++h->rct_run >= STM32F4_ENTROPY_RCT_CUTOFF) {
            return WF_ENOENTROPY;
        }
    } else {
        h->rct_run = 1;
    }
    h->last = bit;

    if (h->pos == 0) { /* a new window for the proportion test and the predictors */
        h->apt_ref = bit;
        h->apt_count = 0;
        memset(h->same, 0, sizeof h->same);
        memset(h->diff, 0, sizeof h->diff);
    }
    if (bit == h->apt_ref && ++h->apt_count >= STM32F4_ENTROPY_APT_CUTOFF) {
        return WF_ENOENTROPY;
    }
    for (unsigned k = 0; k < h->nhist; k++) {
        uint16_t *hits = ((h->hist >> k) & 1u) == bit ? &h->same[k] : &h->diff[k];
        if (++*hits >= STM32F4_ENTROPY_APT_CUTOFF) {
            return WF_ENOENTROPY;
        }
    }
    h->hist = (uint8_t)((h->hist << 1) | bit);
    if (h->nhist < STM32F4_ENTROPY_LAGS) {
        h->nhist++;
    }
    if (++h->pos == STM32F4_ENTROPY_APT_WINDOW) {
        h->pos = 0;
    }
    if (h->samples < STM32F4_ENTROPY_STARTUP_SAMPLES) {
        h->samples++;
    }
    return 0;
}

static int started(const struct stm32f4_entropy_cond *c)
{
    for (unsigned i = 0; i < STM32F4_ENTROPY_CHANNELS; i++) {
        if (c->ch[i].samples < STM32F4_ENTROPY_STARTUP_SAMPLES) {
            return 0;
        }
    }
    return 1;
}

int stm32f4_entropy_cond_feed(struct stm32f4_entropy_cond *c, unsigned channel, uint16_t raw, uint32_t jitter,
                              uint8_t *out)
{
    if (channel >= STM32F4_ENTROPY_CHANNELS) {
        return WF_EINVAL;
    }
    struct stm32f4_entropy_channel *h = &c->ch[channel];
    uint8_t lsb = (uint8_t)(raw & 1u);
    int startup = !started(c); /* before this sample: the start-up test's last one is discarded too */
    if (health(h, lsb) != 0) {
        return WF_ENOENTROPY;
    }
    if (startup) {
        return 0;
    }
    /* Von Neumann on this channel's raw bits; the jitter goes in after it. */
    if (!h->vn_have) {
        h->vn_first = (uint8_t)(lsb | parity8(jitter) << 1);
        h->vn_have = 1;
        return 0;
    }
    h->vn_have = 0;
    if (lsb == (h->vn_first & 1u)) {
        return 0; /* 00 and 11 carry no unbiased bit */
    }
    uint8_t outbit = (uint8_t)((h->vn_first ^ (h->vn_first >> 1)) & 1u); /* 01 -> 0, 10 -> 1, ^ parity */

    c->acc = (uint8_t)((c->acc << 1) | outbit);
    if (++c->nbits < 8) {
        return 0;
    }
    *out = c->acc;
    c->acc = 0;
    c->nbits = 0;
    return 1;
}

/* One sample of the next channel in turn, fed to the conditioner. */
static int step(struct stm32f4_entropy_cond *c, stm32f4_entropy_sample_fn sample, void *ctx, uint8_t *out)
{
    unsigned ch = c->next;
    uint16_t raw;
    uint32_t jitter;
    c->next = (uint8_t)((ch + 1u) % STM32F4_ENTROPY_CHANNELS);
    if (sample(ctx, ch, &raw, &jitter) != 0) {
        return WF_ENOENTROPY;
    }
    return stm32f4_entropy_cond_feed(c, ch, raw, jitter, out);
}

int stm32f4_entropy_fill(struct stm32f4_entropy_cond *c, stm32f4_entropy_sample_fn sample, void *ctx,
                         uint8_t *buf, size_t len)
{
    /* Start-up test: every channel gets a sample per round, so this ends. */
    while (!started(c)) {
        uint8_t discard;
        if (step(c, sample, ctx, &discard) < 0) {
            goto fail;
        }
    }
    for (size_t i = 0; i < len; i++) {
        uint32_t budget = STM32F4_ENTROPY_MAX_SAMPLES_PER_BYTE;
        int rc = 0;
        while (rc == 0) {
            if (budget-- == 0) {
                goto fail;
            }
            rc = step(c, sample, ctx, &buf[i]);
            if (rc < 0) {
                goto fail;
            }
        }
    }
    return 0;
fail:
    stm32f4_entropy_cond_init(c);
    return WF_ENOENTROPY;
}
