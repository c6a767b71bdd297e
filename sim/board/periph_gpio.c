/* GPIOA/B/C (RM0383 section 8.4). PB6 is the W5100/W5500 /SCS, PB5 the SD card's. */
#include "board.h"

static const struct wf_gpio gpio_reset_values[3] = {
    {.moder = 0xA8000000u, .ospeedr = 0x0C000000u, .pupdr = 0x64000000u}, /* PA13/14/15: debug port */
    {.moder = 0x00000280u, .ospeedr = 0x000000C0u, .pupdr = 0x00000100u}, /* PB3/PB4: debug port */
    {0},
};

static void gpio_reset_port(struct wf_board *b, unsigned port)
{
    b->gpio[port] = gpio_reset_values[port];
}

void wf_gpio_reset(struct wf_board *b)
{
    for (unsigned p = 0; p < 3; p++) {
        gpio_reset_port(b, p);
    }
}

bool wf_gpio_is_af(const struct wf_board *b, unsigned port, unsigned pin, unsigned af)
{
    const struct wf_gpio *g = &b->gpio[port];
    uint32_t afr = pin < 8 ? g->afrl : g->afrh;
    return ((g->moder >> (2 * pin)) & 3u) == 2u && ((afr >> (4 * (pin & 7u))) & 0xFu) == af;
}

int wf_gpio_output_level(const struct wf_board *b, unsigned port, unsigned pin)
{
    const struct wf_gpio *g = &b->gpio[port];
    if (((g->moder >> (2 * pin)) & 3u) != 1u) {
        return -1;
    }
    return (int)((g->odr >> pin) & 1u);
}

/* Pin levels seen on IDR: outputs read back what they drive; inputs read their pull
 * (the Nucleo's user button on PC13 has an external pull-up: not pressed). */
static uint32_t idr(const struct wf_board *b, unsigned port)
{
    const struct wf_gpio *g = &b->gpio[port];
    uint32_t v = 0;
    for (unsigned pin = 0; pin < 16; pin++) {
        unsigned mode = (g->moder >> (2 * pin)) & 3u, pull = (g->pupdr >> (2 * pin)) & 3u;
        unsigned level;
        if (mode == 1u) {
            level = (g->odr >> pin) & 1u;
        } else if (port == 2 && pin == 13) {
            level = 1;
        } else {
            level = pull == 1u ? 1u : 0u;
        }
        v |= level << pin;
    }
    return v;
}

int wf_gpio_read(struct wf_board *b, unsigned port, uint32_t off, uint32_t *v)
{
    const struct wf_gpio *g = &b->gpio[port];
    switch (off) {
    case 0x00:
        *v = g->moder;
        return 0;
    case 0x04:
        *v = g->otyper;
        return 0;
    case 0x08:
        *v = g->ospeedr;
        return 0;
    case 0x0C:
        *v = g->pupdr;
        return 0;
    case 0x10:
        *v = idr(b, port);
        return 0;
    case 0x14:
        *v = g->odr;
        return 0;
    case 0x18:
        *v = 0;
        return 0; /* BSRR is write-only */
    case 0x1C:
        *v = g->lckr;
        return 0;
    case 0x20:
        *v = g->afrl;
        return 0;
    case 0x24:
        *v = g->afrh;
        return 0;
    default:
        return wf_board_reserved(b);
    }
}

static bool w5100_selected(const struct wf_board *b)
{
    return wf_gpio_output_level(b, 1, 6) == 0;
}

int wf_gpio_write(struct wf_board *b, unsigned port, uint32_t off, uint32_t v, uint32_t mask)
{
    struct wf_gpio *g = &b->gpio[port];
    if (g->lckr & (1u << 16)) {
        return wf_board_stop(b, WF_STOP_UNMODELLED, "GPIO lock (LCKR) is not modelled (PC 0x%08X)", b->pc);
    }
    switch (off) {
    case 0x00:
        g->moder = (g->moder & ~mask) | (v & mask);
        break;
    case 0x04:
        g->otyper = ((g->otyper & ~mask) | (v & mask)) & 0xFFFFu;
        break;
    case 0x08:
        g->ospeedr = (g->ospeedr & ~mask) | (v & mask);
        break;
    case 0x0C:
        g->pupdr = (g->pupdr & ~mask) | (v & mask);
        break;
    case 0x10:
        return 0; /* IDR is read-only: writes ignored */
    case 0x14:
        g->odr = ((g->odr & ~mask) | (v & mask)) & 0xFFFFu;
        break;
    case 0x18: {
        /* BSRR: set wins over reset for the same pin (RM0383 8.4.7). */
        uint32_t w = v & mask;
        g->odr = (g->odr & ~(w >> 16)) | (w & 0xFFFFu);
        break;
    }
    case 0x1C:
        if (v & mask & (1u << 16)) {
            return wf_board_stop(b, WF_STOP_UNMODELLED,
                                 "GPIO lock sequence (LCKR) is not modelled (PC 0x%08X)", b->pc);
        }
        return 0;
    case 0x20:
        g->afrl = (g->afrl & ~mask) | (v & mask);
        break;
    case 0x24:
        g->afrh = (g->afrh & ~mask) | (v & mask);
        break;
    default:
        return wf_board_reserved(b);
    }
    if (port == 1) {
        bool low = w5100_selected(b);
        if (low != b->cs_low) {
            b->cs_low = low;
            return wf_spi_chip_select(b, low);
        }
    }
    return 0;
}
