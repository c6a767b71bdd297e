/* USART2 (RM0383 section 19.6): the ST-LINK virtual COM port, TX on PA2, RX on PA3.
 * Transmission is instant (TXE and TC always read 1); the bytes go to the console
 * callback. Received bytes come from the console input callback. */
#include "board.h"

#define SR_RXNE (1u << 5)
#define SR_TC (1u << 6)
#define SR_TXE (1u << 7)
#define CR1_RE (1u << 2)
#define CR1_TE (1u << 3)
#define CR1_PCE (1u << 10)
#define CR1_M (1u << 12)
#define CR1_UE (1u << 13)
#define CR1_OVER8 (1u << 15)
#define CR1_IE_BITS 0x01F0u /* IDLEIE, RXNEIE, TCIE, TXEIE, PEIE */

#define CONSOLE_BAUD 115200u

void wf_usart_reset(struct wf_board *b)
{
    struct wf_usart *u = &b->usart2;
    uint64_t tx = u->tx_bytes;
    *u = (struct wf_usart){0};
    u->sr = SR_TXE | SR_TC;
    u->rx = -1;
    u->tx_bytes = tx;
}

/* Baud rate from BRR (RM0383 19.3.4): OVER8 = 0: fck / BRR; OVER8 = 1: fck / (8 * USARTDIV)
 * with DIV_Fraction[2:0] in eighths. */
static uint32_t baud(const struct wf_board *b)
{
    const struct wf_usart *u = &b->usart2;
    uint32_t fck = wf_board_pclk1(b);
    if (u->cr1 & CR1_OVER8) {
        uint32_t div8 = ((u->brr >> 4) & 0xFFFu) * 8u + (u->brr & 7u); /* USARTDIV * 8 */
        return div8 ? fck / div8 : 0;
    }
    return u->brr ? fck / (u->brr & 0xFFFFu) : 0;
}

static int check_tx(struct wf_board *b)
{
    const struct wf_usart *u = &b->usart2;
    if (!(u->cr1 & CR1_UE) || !(u->cr1 & CR1_TE)) {
        return wf_board_stop(b, WF_STOP_RULE,
                             "USART2 DR written with UE = %u, TE = %u: nothing is sent (PC 0x%08X)",
                             !!(u->cr1 & CR1_UE), !!(u->cr1 & CR1_TE), b->pc);
    }
    if (u->cr1 & (CR1_M | CR1_PCE) || (u->cr2 & 0x3000u)) {
        return wf_board_stop(b, WF_STOP_RULE, "USART2 not 8N1 (CR1 M/PCE, CR2 STOP) (PC 0x%08X)", b->pc);
    }
    uint32_t bd = baud(b);
    if (bd < CONSOLE_BAUD * 98u / 100u || bd > CONSOLE_BAUD * 102u / 100u) {
        return wf_board_stop(
            b, WF_STOP_RULE,
            "USART2 baud rate %u (BRR 0x%04X, PCLK1 %u Hz): the console expects 115200 +- 2%% (PC "
            "0x%08X)",
            bd, u->brr, wf_board_pclk1(b), b->pc);
    }
    if (!wf_gpio_is_af(b, 0, 2, 7)) {
        return wf_board_stop(b, WF_STOP_RULE,
                             "USART2 transmits but PA2 is not in alternate function 7 (PC 0x%08X)", b->pc);
    }
    return 0;
}

static void poll_rx(struct wf_board *b)
{
    struct wf_usart *u = &b->usart2;
    if (u->rx < 0 && (u->cr1 & CR1_RE) && (u->cr1 & CR1_UE) && b->console_in) {
        u->rx = b->console_in(b->console_in_ctx);
    }
}

int wf_usart_read(struct wf_board *b, uint32_t off, uint32_t *v)
{
    struct wf_usart *u = &b->usart2;
    switch (off) {
    case 0x00:
        poll_rx(b);
        *v = u->sr | (u->rx >= 0 ? SR_RXNE : 0);
        return 0;
    case 0x04:
        poll_rx(b);
        *v = u->rx >= 0 ? (uint32_t)u->rx : 0;
        u->rx = -1;
        return 0;
    case 0x08:
        *v = u->brr;
        return 0;
    case 0x0C:
        *v = u->cr1;
        return 0;
    case 0x10:
        *v = u->cr2;
        return 0;
    case 0x14:
        *v = u->cr3;
        return 0;
    case 0x18:
        *v = u->gtpr;
        return 0;
    default:
        return wf_board_reserved(b);
    }
}

static void put(struct wf_board *b, char c)
{
    struct wf_usart *u = &b->usart2;
    u->tx_bytes++;
    if (b->console_out) {
        b->console_out(b->console_ctx, &c, 1);
    }
    if (c == '\n') {
        u->line[u->line_len] = '\0';
        wf_board_console_line(b, u->line);
        u->line_len = 0;
    } else if (c != '\r' && u->line_len < sizeof u->line - 1) {
        u->line[u->line_len++] = c;
    }
}

int wf_usart_write(struct wf_board *b, uint32_t off, uint32_t v, uint32_t mask)
{
    struct wf_usart *u = &b->usart2;
    switch (off) {
    case 0x00:
        /* Only RXNE/TC are write-0-to-clear; TXE/TC read 1 again at once (instant transmission). */
        return 0;
    case 0x04:
        if (check_tx(b) != 0) {
            return -1;
        }
        put(b, (char)(v & 0xFFu));
        return 0;
    case 0x08:
        u->brr = ((u->brr & ~mask) | (v & mask)) & 0xFFFFu;
        return 0;
    case 0x0C:
        u->cr1 = ((u->cr1 & ~mask) | (v & mask)) & 0xBFFFu;
        if (u->cr1 & CR1_IE_BITS) {
            return wf_board_stop(
                b, WF_STOP_RULE,
                "USART2 interrupts enabled (CR1 = 0x%04X): no interrupt controller is modelled (PC "
                "0x%08X)",
                u->cr1, b->pc);
        }
        return 0;
    case 0x10:
        u->cr2 = ((u->cr2 & ~mask) | (v & mask)) & 0x7F7Fu;
        return 0;
    case 0x14:
        u->cr3 = ((u->cr3 & ~mask) | (v & mask)) & 0x0FFFu;
        if (u->cr3 & 0x00C1u) { /* DMAT, DMAR, EIE */
            return wf_board_stop(b, WF_STOP_UNMODELLED,
                                 "USART2 DMA/error interrupt (CR3) not modelled (PC 0x%08X)", b->pc);
        }
        return 0;
    case 0x18:
        u->gtpr = ((u->gtpr & ~mask) | (v & mask)) & 0xFFFFu;
        return 0;
    default:
        return wf_board_reserved(b);
    }
}
