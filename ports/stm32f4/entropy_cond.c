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

/* SP 800-90B §4.4.1 and §4.4.2 on one raw bit. Returns 0 or WF_ENOENTROPY. */
static int health(struct stm32f4_entropy_cond *c, uint8_t bit)
{
    if (c->samples == 0 || bit != c->rct_last) {
        c->rct_last = bit;
        c->rct_run = 1;
    } else if (++c->rct_run >= STM32F4_ENTROPY_RCT_CUTOFF) {
        return WF_ENOENTROPY;
    }

    if (c->apt_pos == 0) {
        c->apt_ref = bit;
        c->apt_count = 1;
    } else if (bit == c->apt_ref && ++c->apt_count >= STM32F4_ENTROPY_APT_CUTOFF) {
        return WF_ENOENTROPY;
    }
    if (++c->apt_pos == STM32F4_ENTROPY_APT_WINDOW) {
        c->apt_pos = 0;
    }
    c->samples++;
    return 0;
}

int stm32f4_entropy_cond_feed(struct stm32f4_entropy_cond *c, uint16_t raw, uint32_t jitter, uint8_t *out)
{
    uint8_t lsb = (uint8_t)(raw & 1u);
    /* The start-up test counts from 0; `samples` saturates far below wrap-around. */
    int startup = c->samples < STM32F4_ENTROPY_STARTUP_SAMPLES;
    if (health(c, lsb) != 0) {
        return WF_ENOENTROPY;
    }
    if (c->samples > 0x40000000u) {
        c->samples = STM32F4_ENTROPY_STARTUP_SAMPLES; /* keep "started" without overflowing */
    }
    if (startup) {
        return 0;
    }

    uint8_t bit = (uint8_t)(lsb ^ parity8(jitter));
    if (!c->vn_have) {
        c->vn_first = bit;
        c->vn_have = 1;
        return 0;
    }
    c->vn_have = 0;
    if (bit == c->vn_first) {
        return 0; /* 00 and 11 carry no unbiased bit */
    }
    uint8_t outbit = c->vn_first; /* 01 -> 0, 10 -> 1 */

    if (c->out_run == 0 || outbit != c->out_last) {
        c->out_last = outbit;
        c->out_run = 1;
    } else if (++c->out_run >= STM32F4_ENTROPY_OUT_RCT_CUTOFF) {
        return WF_ENOENTROPY;
    }

    c->acc = (uint8_t)((c->acc << 1) | outbit);
    if (++c->nbits < 8) {
        return 0;
    }
    *out = c->acc;
    c->acc = 0;
    c->nbits = 0;
    return 1;
}

int stm32f4_entropy_fill(struct stm32f4_entropy_cond *c, stm32f4_entropy_sample_fn sample, void *ctx,
                         uint8_t *buf, size_t len)
{
    /* Start-up test: bounded by its own sample count. */
    while (c->samples < STM32F4_ENTROPY_STARTUP_SAMPLES) {
        uint16_t raw;
        uint32_t jitter;
        uint8_t discard;
        if (sample(ctx, &raw, &jitter) != 0 || stm32f4_entropy_cond_feed(c, raw, jitter, &discard) < 0) {
            goto fail;
        }
    }
    for (size_t i = 0; i < len; i++) {
        uint32_t budget = STM32F4_ENTROPY_MAX_SAMPLES_PER_BYTE;
        int rc = 0;
        while (rc == 0) {
            uint16_t raw;
            uint32_t jitter;
            if (budget-- == 0 || sample(ctx, &raw, &jitter) != 0) {
                goto fail;
            }
            rc = stm32f4_entropy_cond_feed(c, raw, jitter, &buf[i]);
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
