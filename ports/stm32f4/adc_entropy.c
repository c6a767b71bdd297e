/* ADC1 noise as an entropy source (see adc_entropy.h; conditioning in entropy_cond.c). */
#include "adc_entropy.h"

#include "board_math.h"
#include "clock.h"
#include "entropy_cond.h"
#include "iwdg.h"
#include "stm32f4_regs.h"
#include "stm32f4_time.h"
#include "wizfetch/error.h"

/* A conversion is 492 ADC cycles (~20-60 us depending on the clocks); 1 000 000
 * polls is a dead converter, not a slow one. */
#define ADC_WAIT_LOOPS 1000000u

static struct stm32f4_entropy_cond cond;
/* The conditioner's noise channels 0 and 1. */
static const uint8_t adc_channel[STM32F4_ENTROPY_CHANNELS] = {ADC_CHANNEL_TEMPSENSOR, ADC_CHANNEL_VREFINT};

int stm32f4_adc_entropy_init(void)
{
    int pre = stm32f4_adc_prescaler(stm32f4_pclk2_hz());
    if (pre < 0) {
        return WF_EINVAL;
    }
    RCC->APB2ENR |= RCC_APB2ENR_ADC1EN;
    (void)RCC->APB2ENR;
    /* VBATE must stay 0: on the F411 the sensor and VBAT share channel 18, VBAT wins. */
    ADC1_COMMON->CCR = ((uint32_t)pre << ADC_CCR_ADCPRE_Pos) | ADC_CCR_TSVREFE;
    ADC1->CR1 = 0;            /* 12-bit, no scan, no interrupts */
    ADC1->CR2 = ADC_CR2_ADON; /* single conversion, right-aligned */
    ADC1->SMPR1 = (ADC_SMPR_480CYC << (3u * (ADC_CHANNEL_VREFINT - 10u))) |
                  (ADC_SMPR_480CYC << (3u * (ADC_CHANNEL_TEMPSENSOR - 10u)));
    ADC1->SQR1 = 0u << ADC_SQR1_L_Pos; /* one conversion per start */
    /* ADC power-up (t_STAB, 3 us) and temperature sensor start-up (10 us max). */
    stm32f4_delay_us(20);
    stm32f4_entropy_cond_init(&cond);
    return 0;
}

int stm32f4_adc_read(uint32_t channel, uint16_t *value)
{
    ADC1->SQR3 = channel & 0x1Fu;
    ADC1->SR = 0; /* clear a stale EOC/OVR */
    ADC1->CR2 |= ADC_CR2_SWSTART;
    for (uint32_t i = 0; i < ADC_WAIT_LOOPS; i++) {
        if (ADC1->SR & ADC_SR_EOC) {
            *value = (uint16_t)(ADC1->DR & 0xFFFu); /* reading DR clears EOC */
            return 0;
        }
    }
    return WF_ETIMEDOUT;
}

/* Raw-sample source for the conditioner (which picks the channel in turn). The
 * cycle counter is read *before* the conversion so it cannot depend on its value. */
static int sample(void *ctx, unsigned channel, uint16_t *raw, uint32_t *jitter)
{
    (void)ctx;
    *jitter = stm32f4_cycles();
    return stm32f4_adc_read(adc_channel[channel % STM32F4_ENTROPY_CHANNELS], raw);
}

int stm32f4_adc_entropy_fill(uint8_t *buf, size_t len)
{
    if ((ADC1->CR2 & ADC_CR2_ADON) == 0) {
        return WF_ENOENTROPY; /* never initialised: no source, not weak bytes */
    }
    return stm32f4_entropy_fill(&cond, sample, NULL, buf, len);
}

int stm32f4_adc_entropy_dump(uint32_t samples, void (*write)(void *ctx, const char *text, size_t len),
                             void *ctx)
{
    static const char hex[] = "0123456789abcdef";
    if ((ADC1->CR2 & ADC_CR2_ADON) == 0) {
        return WF_ENOENTROPY;
    }
    for (uint32_t done = 0; done < samples; done += 64) {
        uint64_t bits[STM32F4_ENTROPY_CHANNELS] = {0};
        for (unsigned i = 0; i < 64; i++) {
            for (unsigned ch = 0; ch < STM32F4_ENTROPY_CHANNELS; ch++) { /* in turn, as the live source */
                uint16_t v;
                if (stm32f4_adc_read(adc_channel[ch], &v) != 0) {
                    return WF_ETIMEDOUT;
                }
                bits[ch] = bits[ch] << 1 | (v & 1u);
            }
        }
        for (unsigned ch = 0; ch < STM32F4_ENTROPY_CHANNELS; ch++) {
            char line[22] = {'r', 'a', 'w', (char)('0' + ch), ' '};
            for (unsigned d = 0; d < 16; d++) {
                line[5 + d] = hex[(bits[ch] >> (60 - 4 * d)) & 0xFu];
            }
            line[21] = '\n';
            write(ctx, line, sizeof line);
        }
        stm32f4_iwdg_feed(); /* a million samples take minutes at 115200 Bd */
    }
    return 0;
}
