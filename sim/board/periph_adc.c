/* ADC1 and the ADC common registers (RM0383 section 11.12): single software-started
 * conversions of one channel. The internal channels read what a typical part reads
 * at 25 degC and VDDA = 3.3 V (temperature sensor V25 = 0.76 V on ADC1_IN18, VREFINT
 * 1.21 V on ADC1_IN17), plus pseudo-random noise in the low bits from the board's
 * seeded generator; an external channel whose pin is analog reads mid-scale noise. */
#include "board.h"

#include <stdio.h>

#define SR_EOC (1u << 1)
#define SR_STRT (1u << 4)
#define CR1_SCAN (1u << 8)
#define CR2_ADON (1u << 0)
#define CR2_CONT (1u << 1)
#define CR2_ALIGN (1u << 11)
#define CR2_SWSTART (1u << 30)
#define CCR_VBATE (1u << 22)
#define CCR_TSVREFE (1u << 23)

#define TS_CODE 943u    /* 0.76 V / 3.3 V * 4095 */
#define VREF_CODE 1501u /* 1.21 V / 3.3 V * 4095 */
#define VBAT_CODE 1024u /* VBAT / 4 with VBAT = 3.3 V */

void wf_adc_reset(struct wf_board *b)
{
    struct wf_adc *a = &b->adc;
    uint64_t conv = a->conversions;
    bool warned = a->warned_sampling;
    *a = (struct wf_adc){0};
    a->htr = 0xFFFu;
    a->conversions = conv;
    a->warned_sampling = warned;
}

static uint32_t *reg(struct wf_adc *a, uint32_t off)
{
    switch (off) {
    case 0x0C:
        return &a->smpr1;
    case 0x10:
        return &a->smpr2;
    case 0x14:
        return &a->jofr[0];
    case 0x18:
        return &a->jofr[1];
    case 0x1C:
        return &a->jofr[2];
    case 0x20:
        return &a->jofr[3];
    case 0x24:
        return &a->htr;
    case 0x28:
        return &a->ltr;
    case 0x2C:
        return &a->sqr1;
    case 0x30:
        return &a->sqr2;
    case 0x34:
        return &a->sqr3;
    case 0x38:
        return &a->jsqr;
    default:
        return NULL;
    }
}

int wf_adc_read(struct wf_board *b, uint32_t off, uint32_t *v)
{
    struct wf_adc *a = &b->adc;
    switch (off) {
    case 0x00:
        *v = a->sr;
        return 0;
    case 0x04:
        *v = a->cr1;
        return 0;
    case 0x08:
        *v = a->cr2;
        return 0;
    case 0x4C:
        *v = a->dr;
        a->sr &= ~SR_EOC;
        return 0;
    case 0x3C:
    case 0x40:
    case 0x44:
    case 0x48:
        *v = 0;
        return 0; /* JDRx: injected conversions are not started */
    case 0x300:
        *v = (a->sr & 0x3Fu);
        return 0; /* CSR mirrors ADC1's flags */
    case 0x304:
        *v = a->ccr;
        return 0;
    case 0x308:
        return wf_board_reserved(b); /* CDR: multi-ADC mode only */
    default: {
        uint32_t *p = reg(a, off);
        if (p == NULL) {
            return wf_board_reserved(b);
        }
        *v = *p;
        return 0;
    }
    }
}

static int convert(struct wf_board *b)
{
    struct wf_adc *a = &b->adc;
    static const unsigned smp_cycles[8] = {3, 15, 28, 56, 84, 112, 144, 480};
    if (!(a->cr2 & CR2_ADON)) {
        return wf_board_stop(b, WF_STOP_RULE, "ADC1 SWSTART with ADON = 0 (PC 0x%08X)", b->pc);
    }
    if ((a->cr1 & CR1_SCAN) || (a->cr2 & CR2_CONT) || ((a->sqr1 >> 20) & 0xFu) != 0) {
        return wf_board_stop(b, WF_STOP_UNMODELLED,
                             "ADC1 scan/continuous/multi-channel sequences are not modelled (PC 0x%08X)",
                             b->pc);
    }
    uint32_t fadc = wf_board_pclk2(b) / (2u * (((a->ccr >> 16) & 3u) + 1u));
    if (fadc > 36000000u) {
        return wf_board_stop(b, WF_STOP_RULE,
                             "ADC clock %u Hz exceeds 36 MHz (ADC_CCR.ADCPRE, PCLK2 %u Hz) (PC 0x%08X)", fadc,
                             wf_board_pclk2(b), b->pc);
    }
    unsigned ch = a->sqr3 & 0x1Fu;
    uint32_t smp = ch >= 10 ? (a->smpr1 >> (3 * (ch - 10))) & 7u : (a->smpr2 >> (3 * ch)) & 7u;
    uint64_t sample_ns = (uint64_t)smp_cycles[smp] * 1000000000ull / fadc;
    uint32_t code, noise = (uint32_t)(wf_board_rand(b) >> 40);
    if (ch == 17 || ch == 18) {
        if (!(a->ccr & CCR_TSVREFE) && !(ch == 18 && (a->ccr & CCR_VBATE))) {
            return wf_board_stop(
                b, WF_STOP_RULE,
                "ADC1 channel %u (internal) converted with ADC_CCR.TSVREFE = 0: it is not connected "
                "(PC 0x%08X)",
                ch, b->pc);
        }
        if (sample_ns < 10000 && !a->warned_sampling) {
            fprintf(stderr,
                    "wf-board-emu: warning: ADC1 channel %u sampled for %llu ns; the datasheet asks >= 10 us "
                    "for the "
                    "temperature sensor and VREFINT\n",
                    ch, (unsigned long long)sample_ns);
            a->warned_sampling = true;
        }
        code = ch == 17 ? VREF_CODE : (a->ccr & CCR_VBATE) ? VBAT_CODE : TS_CODE;
        code = code - 8u + (noise & 15u); /* +-8 LSB */
    } else if (ch < 16) {
        static const uint8_t port[16] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2};
        static const uint8_t pin[16] = {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 0, 1, 2, 3, 4, 5};
        if (((b->gpio[port[ch]].moder >> (2 * pin[ch])) & 3u) != 3u) {
            return wf_board_stop(b, WF_STOP_RULE,
                                 "ADC1 channel %u converted but its pin is not in analog mode (PC 0x%08X)",
                                 ch, b->pc);
        }
        code = 1984u + (noise & 127u);
    } else {
        return wf_board_stop(b, WF_STOP_RULE, "ADC1 channel %u does not exist (PC 0x%08X)", ch, b->pc);
    }
    unsigned res = (a->cr1 >> 24) & 3u; /* 12, 10, 8, 6 bits */
    code >>= 2u * res;
    a->dr = (a->cr2 & CR2_ALIGN) ? (code << (4u + 2u * res)) & 0xFFF0u : code;
    a->sr |= SR_EOC | SR_STRT;
    a->conversions++;
    return 0;
}

int wf_adc_write(struct wf_board *b, uint32_t off, uint32_t v, uint32_t mask)
{
    struct wf_adc *a = &b->adc;
    switch (off) {
    case 0x00:
        a->sr &= ~(~v & mask & 0x3Fu);
        return 0; /* flags clear by writing 0 */
    case 0x04:
        a->cr1 = ((a->cr1 & ~mask) | (v & mask)) & 0x07C0FFFFu;
        if (a->cr1 & 0x040000E0u) { /* OVRIE, JEOCIE, AWDIE, EOCIE */
            return wf_board_stop(b, WF_STOP_RULE,
                                 "ADC1 interrupts enabled: no interrupt controller is modelled (PC 0x%08X)",
                                 b->pc);
        }
        return 0;
    case 0x08: {
        uint32_t nv = (a->cr2 & ~mask) | (v & mask);
        a->cr2 = nv & 0x3F7F0F03u; /* SWSTART/JSWSTART read back 0 */
        if (nv & 0x30300300u) {
            return wf_board_stop(
                b, WF_STOP_UNMODELLED,
                "ADC1 DMA, external triggers or injected conversions are not modelled (PC 0x%08X)", b->pc);
        }
        if (nv & (1u << 22)) {
            return wf_board_stop(b, WF_STOP_UNMODELLED,
                                 "ADC1 injected conversions are not modelled (PC 0x%08X)", b->pc);
        }
        if (nv & CR2_SWSTART) {
            return convert(b);
        }
        return 0;
    }
    case 0x304:
        a->ccr = ((a->ccr & ~mask) | (v & mask)) & 0x00C30000u;
        return 0;
    default: {
        uint32_t *p = reg(a, off);
        if (p == NULL) {
            return wf_board_reserved(b);
        }
        *p = (*p & ~mask) | (v & mask);
        return 0;
    }
    }
}
