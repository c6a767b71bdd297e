/* The board's console USART (RM0383 section 19.6): USART2 on the Nucleo (the
 * ST-LINK virtual COM port, TX PA2, RX PA3, APB1), USART1 on the Black Pill (TX
 * PA9, RX PA10, APB2); the board row says which. The other USART is not modelled.
 * Transmission is instant (TXE and TC always read 1); the bytes go to the console
 * callback. Received bytes come from the console input callback. The rate BRR
 * gives must be the console's (b->console_baud, 115200 by default, +-2 %, as a
 * terminal set to it would need), or any when console_baud is 0; the report
 * states the rate used. */
#include "emu_machine.h"

#define SR_RXNE (1u << 5)
#define SR_TC (1u << 6)
#define SR_TXE (1u << 7)
#define CR1_RE (1u << 2)
#define CR1_TE (1u << 3)
#define CR1_PCE (1u << 10)
#define CR1_M (1u << 12)
#define CR1_UE (1u << 13)
#define CR1_OVER8 (1u << 15)
#define CR1_RXNEIE (1u << 5)
#define CR1_TCIE (1u << 6)
#define CR1_TXEIE (1u << 7)
#define CR1_UNMODELLED_IE 0x0110u /* IDLEIE, PEIE */

static int sr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int dr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int dr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int cr1_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int cr3_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static void poll_rx(struct wf_emu *b);

/* SR: only RXNE/TC are write-0-to-clear, and TXE/TC read 1 again at once (instant
 * transmission): writes are ignored. */
static const struct emu_reg usart_regs[USART_NREGS] = {
    [USART_SR] = {0x00, "USART_SR", SR_TXE | SR_TC, 0, sr_read},
    [USART_DR] = {0x04, "USART_DR", 0, 0, dr_read, dr_write},
    [USART_BRR] = {0x08, "USART_BRR", 0, 0x0000FFFFu},
    [USART_CR1] = {0x0C, "USART_CR1", 0, 0x0000BFFFu, NULL, cr1_write},
    [USART_CR2] = {0x10, "USART_CR2", 0, 0x00007F7Fu},
    [USART_CR3] = {0x14, "USART_CR3", 0, 0x00000FFFu, NULL, cr3_write},
    [USART_GTPR] = {0x18, "USART_GTPR", 0, 0x0000FFFFu},
};

void emu_usart_init(struct wf_emu *b)
{
    struct emu_dev *d = &b->usart.dev;
    if (b->board->console_usart == 1) {
        emu_dev_init(d, "USART1", 0x40011000u, 0x400, usart_regs, USART_NREGS, EMU_GATE_APB2, 1u << 4, 1);
    } else {
        emu_dev_init(d, "USART2", 0x40004400u, 0x400, usart_regs, USART_NREGS, EMU_GATE_APB1, 1u << 17, 2);
    }
    wf_emu_attach(b, d);
}

void emu_usart_reset(struct wf_emu *b)
{
    struct emu_usart *u = &b->usart;
    emu_dev_reset(&u->dev);
    u->rx = -1;
    u->line_len = 0;
}

/* The USART's kernel clock: PCLK2 for USART1 (and 6), PCLK1 for USART2. */
static uint32_t fck(const struct wf_emu *b)
{
    return b->usart.dev.unit == 2 ? wf_emu_pclk1(b) : wf_emu_pclk2(b);
}

/* Baud rate from BRR (RM0383 19.3.4): OVER8 = 0: fck / BRR; OVER8 = 1: fck / (8 * USARTDIV)
 * with DIV_Fraction[2:0] in eighths. */
static uint32_t baud(const struct wf_emu *b)
{
    const uint32_t *r = b->usart.dev.r;
    if (r[USART_CR1] & CR1_OVER8) {
        uint32_t div8 = ((r[USART_BRR] >> 4) & 0xFFFu) * 8u + (r[USART_BRR] & 7u); /* USARTDIV * 8 */
        return div8 ? fck(b) / div8 : 0;
    }
    return r[USART_BRR] ? fck(b) / (r[USART_BRR] & 0xFFFFu) : 0;
}

static int check_tx(struct wf_emu *b)
{
    const uint32_t *r = b->usart.dev.r;
    const char *name = b->usart.dev.name;
    if (!(r[USART_CR1] & CR1_UE) || !(r[USART_CR1] & CR1_TE)) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "%s DR written with UE = %u, TE = %u: nothing is sent (PC 0x%08X)", name,
                           !!(r[USART_CR1] & CR1_UE), !!(r[USART_CR1] & CR1_TE), b->pc);
    }
    if (r[USART_CR1] & (CR1_M | CR1_PCE) || (r[USART_CR2] & 0x3000u)) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "%s not 8N1 (CR1 M/PCE, CR2 STOP) (PC 0x%08X)", name, b->pc);
    }
    uint32_t bd = baud(b), want = b->console_baud;
    if (bd == 0 || (want != 0 && ((uint64_t)bd * 100u < (uint64_t)want * 98u ||
                                  (uint64_t)bd * 100u > (uint64_t)want * 102u))) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "%s baud rate %u (BRR 0x%04X, PCLK%u %u Hz): the console expects %u +- 2%% "
                           "(--console-baud) (PC 0x%08X)",
                           name, bd, r[USART_BRR], b->usart.dev.unit == 2 ? 1u : 2u, fck(b), want, b->pc);
    }
    b->usart.baud = bd;
    if (!emu_gpio_is_af(b, b->board->console_tx, 7)) {
        char pn[8];
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "%s transmits but %s is not in alternate function 7 (PC 0x%08X)", name,
                           emu_pin_name(b->board->console_tx, pn), b->pc);
    }
    return 0;
}

static void poll_rx(struct wf_emu *b)
{
    struct emu_usart *u = &b->usart;
    uint32_t cr1 = u->dev.r[USART_CR1];
    if (u->rx < 0 && (cr1 & CR1_RE) && (cr1 & CR1_UE) && b->console_in) {
        u->rx = b->console_in(b->console_in_ctx);
    }
}

static int sr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)d, (void)off;
    poll_rx(b);
    *v |= b->usart.rx >= 0 ? SR_RXNE : 0;
    return 0;
}

static int dr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)d, (void)off;
    poll_rx(b);
    *v = b->usart.rx >= 0 ? (uint32_t)b->usart.rx : 0;
    b->usart.rx = -1;
    emu_irq_update(b);
    return 0;
}

static void put(struct wf_emu *b, char c)
{
    struct emu_usart *u = &b->usart;
    u->tx_bytes++;
    if (b->console_out) {
        b->console_out(b->console_ctx, &c, 1);
    }
    if (c == '\n') {
        u->line[u->line_len] = '\0';
        wf_emu_console_line(b, u->line);
        u->line_len = 0;
    } else if (c != '\r' && u->line_len < sizeof u->line - 1) {
        u->line[u->line_len++] = c;
    }
}

static int dr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    if (check_tx(b) != 0) {
        return -1;
    }
    put(b, (char)(w->raw & 0xFFu));
    emu_irq_update(b);
    return 0;
}

static int cr1_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    if (w->val & CR1_UNMODELLED_IE) {
        return wf_emu_stop(b, WF_EMU_STOP_UNMODELLED,
                           "%s IDLE/parity interrupts (CR1 = 0x%04X) are not modelled (PC 0x%08X)", d->name,
                           w->val, b->pc);
    }
    d->r[USART_CR1] = w->val; /* the line below sees the new enables */
    emu_irq_update(b);
    return 0;
}

/* The interrupt line (RM0383 19.4): TXE with TXEIE (TXE always reads 1: transmission
 * is instant), TC with TCIE, RXNE with RXNEIE; only while UE is set. */
bool emu_usart_irq_line(struct wf_emu *b)
{
    uint32_t cr1 = b->usart.dev.r[USART_CR1];
    if (!(cr1 & CR1_UE) || !(cr1 & (CR1_TXEIE | CR1_TCIE | CR1_RXNEIE))) {
        return false;
    }
    if (cr1 & (CR1_TXEIE | CR1_TCIE)) {
        return true;
    }
    poll_rx(b);
    return b->usart.rx >= 0;
}

static int cr3_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    if (w->val & 0x00C1u) { /* DMAT, DMAR, EIE */
        return wf_emu_stop(b, WF_EMU_STOP_UNMODELLED, "%s DMA/error interrupt (CR3) not modelled (PC 0x%08X)",
                           d->name, b->pc);
    }
    return 0;
}
