/* USART2 polled console (see usart.h). */
#include "usart.h"

#include <stdbool.h>

#include "board_math.h"
#include "clock.h"
#include "stm32f4_regs.h"
#include "wizfetch/error.h"

static uint32_t brr_value;
static uint32_t txe_loops = 100000u; /* recomputed from SYSCLK in init */

uint32_t stm32f4_usart2_brr(void)
{
    return brr_value;
}

int stm32f4_usart2_init(uint32_t baud)
{
    uint32_t brr = stm32f4_usart_brr(stm32f4_pclk1_hz(), baud, false);
    if (brr == 0) {
        return WF_EINVAL;
    }
    RCC->APB1ENR |= RCC_APB1ENR_USART2EN;
    (void)RCC->APB1ENR;
    USART2->CR1 = 0; /* UE off: BRR and frame format only change while disabled */
    USART2->CR2 = 0; /* 1 stop bit */
    USART2->CR3 = 0; /* no flow control */
    USART2->BRR = brr;
    USART2->CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE; /* 8 data bits, no parity, OVER8 = 0 */
    brr_value = brr;
    /* About 1 ms of polling (a poll is >= 4 cycles): over ten byte times at 115200. */
    txe_loops = stm32f4_sysclk_hz() / 4000u;
    return 0;
}

static void put(char c)
{
    for (uint32_t i = 0; i < txe_loops; i++) {
        if (USART2->SR & USART_SR_TXE) {
            USART2->DR = (uint8_t)c;
            return;
        }
    }
}

void stm32f4_usart2_write(const char *data, size_t len)
{
    if ((USART2->CR1 & USART_CR1_UE) == 0) {
        return; /* not initialised: a printf before wf_board_init() is dropped, not hung */
    }
    for (size_t i = 0; i < len; i++) {
        put(data[i]);
    }
}

void stm32f4_usart2_write_text(const char *data, size_t len)
{
    if ((USART2->CR1 & USART_CR1_UE) == 0) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            put('\r');
        }
        put(data[i]);
    }
}

void stm32f4_usart2_flush(void)
{
    for (uint32_t i = 0; i < txe_loops && (USART2->CR1 & USART_CR1_UE); i++) {
        if (USART2->SR & USART_SR_TC) {
            return;
        }
    }
}

int stm32f4_usart2_getc(void)
{
    uint32_t sr = USART2->SR;
    if (sr & (USART_SR_ORE | USART_SR_FE | USART_SR_NF | USART_SR_PE)) {
        (void)USART2->DR; /* SR then DR read clears the error flags */
        return -1;
    }
    if (sr & USART_SR_RXNE) {
        return (int)(USART2->DR & 0xFFu);
    }
    return -1;
}
