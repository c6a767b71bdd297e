/* The polled console USART (see usart.h). */
#include "usart.h"

#include <stdbool.h>

#include "board_math.h"
#include "clock.h"
#include "stm32f4_regs.h"
#include "wizfetch/error.h"

static USART_TypeDef *console; /* NULL until stm32f4_console_init() */
static uint32_t brr_value;
static uint32_t txe_loops = 100000u; /* recomputed from SYSCLK in init */

uint32_t stm32f4_console_brr(void)
{
    return brr_value;
}

int stm32f4_console_init(USART_TypeDef *usart, uint32_t baud)
{
    uint32_t bus_hz = stm32f4_bus_hz(usart);
    uint32_t brr = bus_hz != 0 ? stm32f4_usart_brr(bus_hz, baud, false) : 0;
    if (brr == 0 || stm32f4_clock_enable(usart) != 0) {
        return WF_EINVAL;
    }
    usart->CR1 = 0; /* UE off: BRR and frame format only change while disabled */
    usart->CR2 = 0; /* 1 stop bit */
    usart->CR3 = 0; /* no flow control */
    usart->BRR = brr;
    usart->CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE; /* 8 data bits, no parity, OVER8 = 0 */
    brr_value = brr;
    /* About 1 ms of polling (a poll is >= 4 cycles): over ten byte times at 115200. */
    txe_loops = stm32f4_sysclk_hz() / 4000u;
    console = usart;
    return 0;
}

static void put(char c)
{
    for (uint32_t i = 0; i < txe_loops; i++) {
        if (console->SR & USART_SR_TXE) {
            console->DR = (uint8_t)c;
            return;
        }
    }
}

void stm32f4_console_write(const char *data, size_t len)
{
    if (console == NULL) {
        return; /* not initialised: a printf before wf_board_init() is dropped, not hung */
    }
    for (size_t i = 0; i < len; i++) {
        put(data[i]);
    }
}

void stm32f4_console_write_text(const char *data, size_t len)
{
    if (console == NULL) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            put('\r');
        }
        put(data[i]);
    }
}

void stm32f4_console_flush(void)
{
    for (uint32_t i = 0; console != NULL && i < txe_loops; i++) {
        if (console->SR & USART_SR_TC) {
            return;
        }
    }
}

int stm32f4_console_getc(void)
{
    if (console == NULL) {
        return -1;
    }
    uint32_t sr = console->SR;
    if (sr & (USART_SR_ORE | USART_SR_FE | USART_SR_NF | USART_SR_PE)) {
        (void)console->DR; /* SR then DR read clears the error flags */
        return -1;
    }
    if (sr & USART_SR_RXNE) {
        return (int)(console->DR & 0xFFu);
    }
    return -1;
}
