/* ADC1 and the ADC common registers (RM0383 section 11.12): single software-started
 * conversions of one channel. The internal channels read what a typical part reads
 * at 25 degC and VDDA = 3.3 V (temperature sensor V25 = 0.76 V on ADC1_IN18, VREFINT
 * 1.21 V on ADC1_IN17), plus pseudo-random noise in the low bits from the board's
 * seeded generator; an external channel whose pin is analog reads mid-scale noise. */
#include "emu_machine.h"

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

static int sr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int cr1_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int cr2_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int dr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int csr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);

/* ADC1 at 0x000, the common registers at 0x300. JDRx read 0: injected conversions
 * are never started. CDR exists only for multi-ADC mode (reserved here). */
static const struct emu_reg adc_regs[ADC_NREGS] = {
    [ADC_SR] = {0x00, "ADC_SR", 0, 0x3Fu, NULL, sr_write},
    [ADC_CR1] = {0x04, "ADC_CR1", 0, 0x07C0FFFFu, NULL, cr1_write},
    [ADC_CR2] = {0x08, "ADC_CR2", 0, 0x7F7F0F03u, NULL, cr2_write}, /* SWSTART/JSWSTART read back 0 */
    [ADC_SMPR1] = {0x0C, "ADC_SMPR1", 0, 0x07FFFFFFu},
    [ADC_SMPR2] = {0x10, "ADC_SMPR2", 0, 0x3FFFFFFFu},
    [ADC_JOFR1] = {0x14, "ADC_JOFR1", 0, 0xFFFu},
    [ADC_JOFR2] = {0x18, "ADC_JOFR2", 0, 0xFFFu},
    [ADC_JOFR3] = {0x1C, "ADC_JOFR3", 0, 0xFFFu},
    [ADC_JOFR4] = {0x20, "ADC_JOFR4", 0, 0xFFFu},
    [ADC_HTR] = {0x24, "ADC_HTR", 0xFFFu, 0xFFFu},
    [ADC_LTR] = {0x28, "ADC_LTR", 0, 0xFFFu},
    [ADC_SQR1] = {0x2C, "ADC_SQR1", 0, 0x00FFFFFFu},
    [ADC_SQR2] = {0x30, "ADC_SQR2", 0, 0x3FFFFFFFu},
    [ADC_SQR3] = {0x34, "ADC_SQR3", 0, 0x3FFFFFFFu},
    [ADC_JSQR] = {0x38, "ADC_JSQR", 0, 0x003FFFFFu},
    [ADC_JDR] = {0x3C, "ADC_JDR1..4", 0, 0, NULL, NULL, 4},
    [ADC_DR] = {0x4C, "ADC_DR", 0, 0, dr_read},
    [ADC_CSR] = {0x300, "ADC_CSR", 0, 0, csr_read},
    [ADC_CCR] = {0x304, "ADC_CCR", 0, 0x00C30000u},
};

void emu_adc_init(struct wf_emu *b)
{
    /* ADC_CDR (0x308) has no row: multi-ADC mode only. */
    emu_dev_init(&b->adc.dev, "ADC1", 0x40012000u, 0x400, adc_regs, ADC_CCR + 1, EMU_GATE_APB2, 1u << 8, 1);
    wf_emu_attach(b, &b->adc.dev);
}

void emu_adc_reset(struct wf_emu *b)
{
    emu_dev_reset(&b->adc.dev);
}

static int dr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)b, (void)off, (void)v;
    d->r[ADC_SR] &= ~SR_EOC;
    return 0;
}

static int csr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)b, (void)off;
    *v = d->r[ADC_SR] & 0x3Fu; /* CSR mirrors ADC1's flags */
    return 0;
}

static int sr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)b, (void)d;
    w->val = w->old & ~(~w->raw & w->mask & 0x3Fu); /* flags clear by writing 0 */
    return 0;
}

static int cr1_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    if (w->val & 0x040000E0u) { /* OVRIE, JEOCIE, AWDIE, EOCIE */
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "ADC1 interrupts enabled: no interrupt controller is modelled (PC 0x%08X)", b->pc);
    }
    return 0;
}

static int convert(struct wf_emu *b)
{
    uint32_t *a = b->adc.dev.r;
    static const unsigned smp_cycles[8] = {3, 15, 28, 56, 84, 112, 144, 480};
    if (!(a[ADC_CR2] & CR2_ADON)) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "ADC1 SWSTART with ADON = 0 (PC 0x%08X)", b->pc);
    }
    if ((a[ADC_CR1] & CR1_SCAN) || (a[ADC_CR2] & CR2_CONT) || ((a[ADC_SQR1] >> 20) & 0xFu) != 0) {
        return wf_emu_stop(b, WF_EMU_STOP_UNMODELLED,
                           "ADC1 scan/continuous/multi-channel sequences are not modelled (PC 0x%08X)",
                           b->pc);
    }
    uint32_t fadc = wf_emu_pclk2(b) / (2u * (((a[ADC_CCR] >> 16) & 3u) + 1u));
    if (fadc > 36000000u) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "ADC clock %u Hz exceeds 36 MHz (ADC_CCR.ADCPRE, PCLK2 %u Hz) (PC 0x%08X)", fadc,
                           wf_emu_pclk2(b), b->pc);
    }
    unsigned ch = a[ADC_SQR3] & 0x1Fu;
    uint32_t smp = ch >= 10 ? (a[ADC_SMPR1] >> (3 * (ch - 10))) & 7u : (a[ADC_SMPR2] >> (3 * ch)) & 7u;
    uint64_t sample_ns = (uint64_t)smp_cycles[smp] * 1000000000ull / fadc;
    uint32_t code, noise = (uint32_t)(wf_emu_rand(b) >> 40);
    if (ch == 17 || ch == 18) {
        if (!(a[ADC_CCR] & CCR_TSVREFE) && !(ch == 18 && (a[ADC_CCR] & CCR_VBATE))) {
            return wf_emu_stop(
                b, WF_EMU_STOP_RULE,
                "ADC1 channel %u (internal) converted with ADC_CCR.TSVREFE = 0: it is not connected "
                "(PC 0x%08X)",
                ch, b->pc);
        }
        if (sample_ns < 10000 && !b->adc.warned_sampling) {
            fprintf(stderr,
                    "wf-board-emu: warning: ADC1 channel %u sampled for %llu ns; the datasheet asks >= 10 us "
                    "for the "
                    "temperature sensor and VREFINT\n",
                    ch, (unsigned long long)sample_ns);
            b->adc.warned_sampling = true;
        }
        code = ch == 17 ? VREF_CODE : (a[ADC_CCR] & CCR_VBATE) ? VBAT_CODE : TS_CODE;
        code = code - 8u + (noise & 15u); /* +-8 LSB */
    } else if (ch < 16) {
        static const uint8_t port[16] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2};
        static const uint8_t pin[16] = {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 0, 1, 2, 3, 4, 5};
        if (((b->gpio[port[ch]].r[GPIO_MODER] >> (2 * pin[ch])) & 3u) != 3u) {
            return wf_emu_stop(b, WF_EMU_STOP_RULE,
                               "ADC1 channel %u converted but its pin is not in analog mode (PC 0x%08X)", ch,
                               b->pc);
        }
        code = 1984u + (noise & 127u);
    } else {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "ADC1 channel %u does not exist (PC 0x%08X)", ch, b->pc);
    }
    unsigned res = (a[ADC_CR1] >> 24) & 3u; /* 12, 10, 8, 6 bits */
    code >>= 2u * res;
    a[ADC_DR] = (a[ADC_CR2] & CR2_ALIGN) ? (code << (4u + 2u * res)) & 0xFFF0u : code;
    a[ADC_SR] |= SR_EOC | SR_STRT;
    b->adc.conversions++;
    return 0;
}

static int cr2_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    uint32_t nv = w->val;
    w->val = nv & ~(CR2_SWSTART | (1u << 22));
    if (nv & 0x30300300u) {
        return wf_emu_stop(b, WF_EMU_STOP_UNMODELLED,
                           "ADC1 DMA, external triggers or injected conversions are not modelled (PC 0x%08X)",
                           b->pc);
    }
    if (nv & (1u << 22)) {
        return wf_emu_stop(b, WF_EMU_STOP_UNMODELLED,
                           "ADC1 injected conversions are not modelled (PC 0x%08X)", b->pc);
    }
    d->r[ADC_CR2] = w->val;
    return (nv & CR2_SWSTART) ? convert(b) : 0;
}
