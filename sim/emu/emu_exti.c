/* SYSCFG (RM0383 section 7) and EXTI (section 10), lines 0-15: GPIO interrupts.
 * SYSCFG_EXTICRx selects the port of each line (A, B or C: the ports modelled);
 * a rising or falling edge on the pin's input level (the chip's INTn on the board's
 * chip_int pin) sets PR when RTSR/FTSR say so; a line with PR and IMR set raises
 * its NVIC interrupt (EXTI0-4: IRQ 6-10, EXTI9_5: 23, EXTI15_10: 40) until the
 * handler clears PR. The inputs are looked at after GPIO and EXTI register writes,
 * after SPI frames and exception returns, and between the CPU's slices (the chip's
 * INTn falls when data arrive): an edge is seen at that granularity, never lost
 * (the level is compared with the last look). Lines 16-22 (PVD, RTC, USB) are not
 * modelled: setting them in IMR or the trigger registers stops the run. */
#include "emu_machine.h"

static int exticr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int memrmp_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int exti_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int pr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int swier_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);

static const struct emu_reg syscfg_regs[SYSCFG_NREGS] = {
    [SYSCFG_MEMRMP] = {0x00, "SYSCFG_MEMRMP", 0, 0x3u, NULL, memrmp_write},
    [SYSCFG_PMC] = {0x04, "SYSCFG_PMC", 0, 0x00010000u},
    [SYSCFG_EXTICR1] = {0x08, "SYSCFG_EXTICR1", 0, 0xFFFFu, NULL, exticr_write},
    [SYSCFG_EXTICR2] = {0x0C, "SYSCFG_EXTICR2", 0, 0xFFFFu, NULL, exticr_write},
    [SYSCFG_EXTICR3] = {0x10, "SYSCFG_EXTICR3", 0, 0xFFFFu, NULL, exticr_write},
    [SYSCFG_EXTICR4] = {0x14, "SYSCFG_EXTICR4", 0, 0xFFFFu, NULL, exticr_write},
    [SYSCFG_CMPCR] = {0x20, "SYSCFG_CMPCR", 0, 0x1u},
};

static const struct emu_reg exti_regs[EXTI_NREGS] = {
    [EXTI_IMR] = {0x00, "EXTI_IMR", 0, 0x007FFFFFu, NULL, exti_write},
    [EXTI_EMR] = {0x04, "EXTI_EMR", 0, 0x007FFFFFu, NULL, exti_write},
    [EXTI_RTSR] = {0x08, "EXTI_RTSR", 0, 0x007FFFFFu, NULL, exti_write},
    [EXTI_FTSR] = {0x0C, "EXTI_FTSR", 0, 0x007FFFFFu, NULL, exti_write},
    [EXTI_SWIER] = {0x10, "EXTI_SWIER", 0, 0x007FFFFFu, NULL, swier_write},
    [EXTI_PR] = {0x14, "EXTI_PR", 0, 0, NULL, pr_write},
};

void emu_exti_init(struct wf_emu *b)
{
    emu_dev_init(&b->exti.syscfg, "SYSCFG", 0x40013800u, 0x400, syscfg_regs, SYSCFG_NREGS, EMU_GATE_APB2,
                 1u << 14, 0);
    emu_dev_init(&b->exti.exti, "EXTI", 0x40013C00u, 0x400, exti_regs, EXTI_NREGS, EMU_GATE_NONE, 0, 0);
    wf_emu_attach(b, &b->exti.syscfg);
    wf_emu_attach(b, &b->exti.exti);
}

void emu_exti_reset(struct wf_emu *b)
{
    emu_dev_reset(&b->exti.syscfg);
    emu_dev_reset(&b->exti.exti);
    b->exti.level = 0;
}

static unsigned line_irq(unsigned line)
{
    return line <= 4 ? EMU_IRQ_EXTI0 + line : line <= 9 ? EMU_IRQ_EXTI9_5 : EMU_IRQ_EXTI15_10;
}

/* The port (0 = A) line `line` listens to. */
static unsigned line_port(const struct wf_emu *b, unsigned line)
{
    return (b->exti.syscfg.r[SYSCFG_EXTICR1 + line / 4] >> (4 * (line % 4))) & 0xFu;
}

void emu_exti_update(struct wf_emu *b)
{
    uint32_t *r = b->exti.exti.r;
    if (!(r[EXTI_IMR] | r[EXTI_RTSR] | r[EXTI_FTSR] | r[EXTI_PR])) {
        return; /* nothing listens: no GPIO or chip look-ups */
    }
    uint16_t level = 0;
    for (unsigned line = 0; line < 16; line++) {
        if ((r[EXTI_RTSR] | r[EXTI_FTSR]) & (1u << line)) {
            level |= (uint16_t)(emu_gpio_input_level(b, line_port(b, line), line) << line);
        }
    }
    uint16_t rise = (uint16_t)(level & ~b->exti.level), fall = (uint16_t)(~level & b->exti.level);
    b->exti.level = level;
    r[EXTI_PR] |= ((rise & r[EXTI_RTSR]) | (fall & r[EXTI_FTSR])) & 0xFFFFu;
    uint32_t asserted = r[EXTI_PR] & r[EXTI_IMR];
    for (unsigned line = 0; line < 16; line++) {
        unsigned exc = EMU_EXC_IRQ0 + line_irq(line);
        if ((asserted >> line) & 1u && !emu_exc_is_active(b, exc)) {
            emu_exc_set_pending(b, exc);
        }
    }
}

static int exticr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    for (unsigned i = 0; i < 4; i++) {
        if (((w->val >> (4 * i)) & 0xFu) > 2u) {
            return wf_emu_stop(b, WF_EMU_STOP_UNMODELLED,
                               "SYSCFG_EXTICR selects port %c: only GPIOA-C are modelled (PC 0x%08X)",
                               'A' + (int)((w->val >> (4 * i)) & 0xFu), b->pc);
        }
    }
    return 0;
}

static int memrmp_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d;
    return w->val
               ? wf_emu_stop(b, WF_EMU_STOP_UNMODELLED,
                             "SYSCFG_MEMRMP remaps address 0 (0x%X): not modelled (PC 0x%08X)", w->val, b->pc)
               : 0;
}

static int exti_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    if (w->val & 0x007F0000u) {
        return wf_emu_stop(b, WF_EMU_STOP_UNMODELLED,
                           "EXTI lines 16-22 (PVD, OTG, RTC) are not modelled (0x%08X) (PC 0x%08X)", w->val,
                           b->pc);
    }
    d->r[emu_dev_find(d, w->off) - d->regs] = w->val; /* the update below sees the new value */
    emu_exti_update(b);
    return 0;
}

static int swier_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    if (w->val & 0x007F0000u) {
        return exti_write(b, d, w);
    }
    d->r[EXTI_PR] |= w->raw & d->r[EXTI_IMR] & 0xFFFFu; /* a software edge */
    w->val = 0;
    emu_exti_update(b);
    return 0;
}

static int pr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    w->val = w->old & ~w->raw; /* write 1 to clear */
    d->r[EXTI_PR] = w->val;
    emu_exti_update(b);
    return 0;
}
