/* The exception model of the Cortex-M4 (ARMv7-M B1.5): pending and active state,
 * priorities and grouping, the choice of the exception to take, the frame layout.
 * Plain C on struct emu_nvic: the CPU side (emu_exc.c) performs entry and return. */
#include <stdio.h>

#include "emu_machine.h"

static bool bit(const uint32_t *map, unsigned n)
{
    return (map[n / 32] >> (n % 32)) & 1u;
}

static void set_bit(uint32_t *map, unsigned n, bool v)
{
    if (v) {
        map[n / 32] |= 1u << (n % 32);
    } else {
        map[n / 32] &= ~(1u << (n % 32));
    }
}

int emu_exc_priority(const struct wf_emu *b, unsigned exc)
{
    switch (exc) {
    case 1:
        return -3;
    case EMU_EXC_NMI:
        return -2;
    case EMU_EXC_HARDFAULT:
        return -1;
    default:
        return exc < EMU_EXC_COUNT ? b->core.nvic.prio[exc] : 255;
    }
}

int emu_exc_group(const struct wf_emu *b, int prio)
{
    if (prio < 0) {
        return prio;
    }
    /* PRIGROUP p: the group priority is bits [7:p+1], the subpriority [p:0]. */
    uint32_t sub_mask = (2u << b->core.nvic.prigroup) - 1u;
    return (int)((uint32_t)prio & ~sub_mask & 0xFFu);
}

int emu_exc_exec_priority(const struct wf_emu *b, uint32_t primask, uint32_t basepri, uint32_t faultmask)
{
    int p = EMU_PRIO_THREAD;
    for (unsigned exc = 2; exc < EMU_EXC_COUNT; exc++) {
        if (bit(b->core.nvic.active, exc)) {
            int g = emu_exc_group(b, emu_exc_priority(b, exc));
            if (g < p) {
                p = g;
            }
        }
    }
    basepri &= 0xFFu;
    if (basepri != 0 && emu_exc_group(b, (int)basepri) < p) {
        p = emu_exc_group(b, (int)basepri);
    }
    if ((primask & 1u) && p > 0) {
        p = 0;
    }
    if ((faultmask & 1u) && p > -1) {
        p = -1;
    }
    return p;
}

bool emu_exc_enabled(const struct wf_emu *b, unsigned exc)
{
    const struct emu_nvic *n = &b->core.nvic;
    if (exc >= EMU_EXC_IRQ0) {
        return exc < EMU_EXC_COUNT && bit(n->irq_enabled, exc - EMU_EXC_IRQ0);
    }
    switch (exc) {
    case EMU_EXC_MEMMANAGE:
        return n->shcsr_ena & (1u << 16);
    case EMU_EXC_BUSFAULT:
        return n->shcsr_ena & (1u << 17);
    case EMU_EXC_USAGEFAULT:
        return n->shcsr_ena & (1u << 18);
    case EMU_EXC_NMI:
    case EMU_EXC_HARDFAULT:
    case EMU_EXC_SVCALL:
    case EMU_EXC_PENDSV:
    case EMU_EXC_SYSTICK:
        return true;
    default:
        return false;
    }
}

unsigned emu_exc_next(const struct wf_emu *b, int exec_prio)
{
    const struct emu_nvic *n = &b->core.nvic;
    unsigned best = 0;
    int best_prio = 0;
    for (unsigned w = 0; w < 4; w++) {
        uint32_t m = n->pending[w];
        while (m) {
            unsigned exc = w * 32 + (unsigned)__builtin_ctz(m);
            m &= m - 1;
            if (exc >= EMU_EXC_COUNT || !emu_exc_enabled(b, exc)) {
                continue;
            }
            /* The highest priority (lowest value) wins; equal ones: the lowest number. */
            int p = emu_exc_priority(b, exc);
            if (best == 0 || p < best_prio) {
                best = exc;
                best_prio = p;
            }
        }
    }
    return best != 0 && emu_exc_group(b, best_prio) < exec_prio ? best : 0;
}

void emu_exc_set_pending(struct wf_emu *b, unsigned exc)
{
    if (exc < EMU_EXC_COUNT) {
        set_bit(b->core.nvic.pending, exc, true);
        b->core.nvic.check = true;
    }
}

void emu_exc_clear_pending(struct wf_emu *b, unsigned exc)
{
    if (exc < EMU_EXC_COUNT) {
        set_bit(b->core.nvic.pending, exc, false);
    }
}

bool emu_exc_is_pending(const struct wf_emu *b, unsigned exc)
{
    return exc < EMU_EXC_COUNT && bit(b->core.nvic.pending, exc);
}

bool emu_exc_is_active(const struct wf_emu *b, unsigned exc)
{
    return exc < EMU_EXC_COUNT && bit(b->core.nvic.active, exc);
}

void emu_exc_activate(struct wf_emu *b, unsigned exc)
{
    set_bit(b->core.nvic.pending, exc, false);
    set_bit(b->core.nvic.active, exc, true);
    b->core.nvic.ipsr = exc;
}

void emu_exc_deactivate(struct wf_emu *b, unsigned exc, uint32_t ipsr)
{
    if (exc < EMU_EXC_COUNT) {
        set_bit(b->core.nvic.active, exc, false);
    }
    b->core.nvic.ipsr = ipsr;
    b->core.nvic.check = true; /* something lower may now be taken */
}

unsigned emu_exc_active_count(const struct wf_emu *b)
{
    unsigned c = 0;
    for (unsigned w = 0; w < 4; w++) {
        c += (unsigned)__builtin_popcount(b->core.nvic.active[w]);
    }
    return c;
}

const char *emu_exc_name(unsigned exc, char *buf, size_t len)
{
    static const char *const sys[16] = {NULL,         "Reset", "NMI",    "HardFault", "MemManage", "BusFault",
                                        "UsageFault", NULL,    NULL,     NULL,        NULL,        "SVCall",
                                        "DebugMon",   NULL,    "PendSV", "SysTick"};
    if (exc < 16 && sys[exc]) {
        snprintf(buf, len, "%s", sys[exc]);
        return buf;
    }
    if (exc < 16) {
        snprintf(buf, len, "exception %u", exc);
        return buf;
    }
    unsigned irq = exc - EMU_EXC_IRQ0;
    const char *what = irq == EMU_IRQ_EXTI0       ? " EXTI0"
                       : irq >= 7 && irq <= 10    ? " EXTI1-4"
                       : irq == EMU_IRQ_EXTI9_5   ? " EXTI9_5"
                       : irq == EMU_IRQ_EXTI15_10 ? " EXTI15_10"
                       : irq == EMU_IRQ_SPI1      ? " SPI1"
                       : irq == EMU_IRQ_USART1    ? " USART1"
                       : irq == EMU_IRQ_USART2    ? " USART2"
                                                  : "";
    snprintf(buf, len, "IRQ%u%s", irq, what);
    return buf;
}

uint32_t emu_exc_frame_addr(uint32_t sp, bool fp, bool *aligner)
{
    uint32_t size = fp ? EMU_FRAME_FP : EMU_FRAME_BASIC;
    uint32_t frame = (sp - size) & ~7u; /* CCR.STKALIGN is 1 on the Cortex-M4 */
    *aligner = frame != sp - size;
    return frame;
}
