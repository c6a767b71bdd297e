/* GPIOA/B/C (RM0383 section 8.4). The board's chip-select pin drives the chip's
 * /SCS, its chip-reset pin (if wired) the chip's /RESET; the board row says which
 * pins those are. */
#include "emu_machine.h"

static int idr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int pins_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int bsrr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int lckr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);

/* Reset values of port A (PA13/14/15: debug port); B and C below. */
static const struct emu_reg gpioa_regs[GPIO_NREGS] = {
    [GPIO_MODER] = {0x00, "GPIOx_MODER", 0xA8000000u, 0xFFFFFFFFu, NULL, pins_write},
    [GPIO_OTYPER] = {0x04, "GPIOx_OTYPER", 0, 0x0000FFFFu, NULL, pins_write},
    [GPIO_OSPEEDR] = {0x08, "GPIOx_OSPEEDR", 0x0C000000u, 0xFFFFFFFFu, NULL, pins_write},
    [GPIO_PUPDR] = {0x0C, "GPIOx_PUPDR", 0x64000000u, 0xFFFFFFFFu, NULL, pins_write},
    [GPIO_IDR] = {0x10, "GPIOx_IDR", 0, 0, idr_read},
    [GPIO_ODR] = {0x14, "GPIOx_ODR", 0, 0x0000FFFFu, NULL, pins_write},
    [GPIO_BSRR] = {0x18, "GPIOx_BSRR", 0, 0, NULL, bsrr_write}, /* write-only: reads 0 */
    [GPIO_LCKR] = {0x1C, "GPIOx_LCKR", 0, 0, NULL, lckr_write},
    [GPIO_AFRL] = {0x20, "GPIOx_AFRL", 0, 0xFFFFFFFFu, NULL, pins_write},
    [GPIO_AFRH] = {0x24, "GPIOx_AFRH", 0, 0xFFFFFFFFu, NULL, pins_write},
};
static struct emu_reg gpiob_regs[GPIO_NREGS], gpioc_regs[GPIO_NREGS];

void emu_gpio_init(struct wf_emu *b)
{
    static const char *const names[3] = {"GPIOA", "GPIOB", "GPIOC"};
    const struct emu_reg *tables[3] = {gpioa_regs, gpiob_regs, gpioc_regs};
    /* Ports B and C differ from A only in their reset values (PB3/PB4: debug port). */
    for (unsigned i = 0; i < GPIO_NREGS; i++) {
        gpiob_regs[i] = gpioc_regs[i] = gpioa_regs[i];
        gpioc_regs[i].reset = 0;
    }
    gpiob_regs[GPIO_MODER].reset = 0x00000280u;
    gpiob_regs[GPIO_OSPEEDR].reset = 0x000000C0u;
    gpiob_regs[GPIO_PUPDR].reset = 0x00000100u;
    for (unsigned p = 0; p < 3; p++) {
        emu_dev_init(&b->gpio[p], names[p], 0x40020000u + 0x400u * p, 0x400, tables[p], GPIO_NREGS,
                     EMU_GATE_AHB1, 1u << p, p);
        wf_emu_attach(b, &b->gpio[p]);
    }
}

static void update_pins(struct wf_emu *b);

void emu_gpio_reset(struct wf_emu *b)
{
    for (unsigned p = 0; p < 3; p++) {
        emu_dev_reset(&b->gpio[p]);
    }
    update_pins(b);
}

bool emu_gpio_is_af(const struct wf_emu *b, struct emu_pin p, unsigned af)
{
    if (p.port < 0) {
        return false;
    }
    const uint32_t *g = b->gpio[p.port].r;
    uint32_t afr = p.pin < 8 ? g[GPIO_AFRL] : g[GPIO_AFRH];
    return ((g[GPIO_MODER] >> (2 * p.pin)) & 3u) == 2u && ((afr >> (4 * (p.pin & 7u))) & 0xFu) == af;
}

int emu_gpio_output_level(const struct wf_emu *b, struct emu_pin p)
{
    if (p.port < 0) {
        return -1;
    }
    const uint32_t *g = b->gpio[p.port].r;
    if (((g[GPIO_MODER] >> (2 * p.pin)) & 3u) != 1u) {
        return -1;
    }
    return (int)((g[GPIO_ODR] >> p.pin) & 1u);
}

/* Pin levels seen on IDR: outputs read back what they drive; inputs read their pull
 * (the board's button has an external pull-up: not pressed). */
unsigned emu_gpio_input_level(struct wf_emu *b, unsigned port, unsigned pin)
{
    const uint32_t *g = b->gpio[port].r;
    struct emu_pin button = b->board->button, irq = b->board->chip_int;
    unsigned mode = (g[GPIO_MODER] >> (2 * pin)) & 3u, pull = (g[GPIO_PUPDR] >> (2 * pin)) & 3u;
    if (mode == 1u) {
        return (g[GPIO_ODR] >> pin) & 1u;
    }
    if (button.port == (int)port && button.pin == pin) {
        return 1;
    }
    if (irq.port == (int)port && irq.pin == pin && b->chip && !b->chip_absent) {
        return wf_sim_chip_int_asserted(b->chip) ? 0u : 1u; /* open drain with a pull-up */
    }
    return pull == 1u ? 1u : 0u;
}

static int idr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)off;
    *v = 0;
    for (unsigned pin = 0; pin < 16; pin++) {
        *v |= emu_gpio_input_level(b, d->unit, pin) << pin;
    }
    return 0;
}

/* After any change: the chip's /SCS and /RESET follow their pins; the LED is counted. */
static void update_pins(struct wf_emu *b)
{
    bool reset_low = emu_gpio_output_level(b, b->board->chip_reset) == 0; /* not driven: pulled up */
    if (reset_low != b->chip_in_reset) {
        emu_chip_reset_pin(b, reset_low);
    }
    bool low = emu_gpio_output_level(b, b->board->chip_select) == 0;
    if (low != b->cs_low) {
        b->cs_low = low;
        (void)emu_spi_chip_select(b, low);
    }
}

static int pins_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    const struct emu_reg *r = emu_dev_find(d, w->off);
    struct emu_pin led = b->board->led;
    int led_before = emu_gpio_output_level(b, led);
    d->r[r - d->regs] = w->val; /* the pins below see the new value */
    if (emu_gpio_output_level(b, led) != led_before) {
        b->led_toggles++;
    }
    update_pins(b);
    emu_exti_update(b); /* an output or pull change is an edge on its EXTI line */
    return b->stop ? -1 : 0;
}

static int bsrr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    /* Set wins over reset for the same pin (RM0383 8.4.7). */
    struct emu_write odr = {.off = 0x14, .old = d->r[GPIO_ODR]};
    odr.val = (odr.old & ~(w->raw >> 16)) | (w->raw & 0xFFFFu);
    w->val = 0;
    return pins_write(b, d, &odr);
}

static int lckr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    if (w->raw & (1u << 16)) {
        return wf_emu_stop(b, WF_EMU_STOP_UNMODELLED, "GPIO lock sequence (LCKR) is not modelled (PC 0x%08X)",
                           b->pc);
    }
    return 0;
}
