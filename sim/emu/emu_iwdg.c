/* Independent watchdog (RM0383 section 15): keys 0x5555 (write access to PR/RLR),
 * 0xCCCC (start), 0xAAAA (reload). The counter runs from the LSI (b->lsi_hz, 32 kHz
 * typical) through the prescaler 4 << PR; reaching 0 resets the system. */
#include "emu_machine.h"

#define UPDATE_LSI_CYCLES 6u /* PVU/RVU: "up to 5 RC cycles" to cross into the VDD domain */

static int kr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int prlr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int sr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);

/* KR is write-only (reads 0); SR is read-only. */
static const struct emu_reg iwdg_regs[IWDG_NREGS] = {
    [IWDG_KR] = {0x00, "IWDG_KR", 0, 0, NULL, kr_write},
    [IWDG_PR] = {0x04, "IWDG_PR", 0, 0x7u, NULL, prlr_write},
    [IWDG_RLR] = {0x08, "IWDG_RLR", 0xFFFu, 0xFFFu, NULL, prlr_write},
    [IWDG_SR] = {0x0C, "IWDG_SR", 0, 0, sr_read},
};

void emu_iwdg_init(struct wf_emu *b)
{
    emu_dev_init(&b->iwdg.dev, "IWDG", 0x40003000u, 0x400, iwdg_regs, IWDG_NREGS, EMU_GATE_NONE, 0, 0);
    wf_emu_attach(b, &b->iwdg.dev);
}

void emu_iwdg_reset(struct wf_emu *b)
{
    struct emu_iwdg *w = &b->iwdg;
    emu_dev_reset(&w->dev);
    w->running = w->access = false;
    w->reload_ps = w->pvu_until_ps = w->rvu_until_ps = 0;
}

static uint64_t lsi_cycles_ps(const struct wf_emu *b, uint64_t n)
{
    return n * 1000000000000ull / b->lsi_hz;
}

/** The watchdog's timeout in picoseconds with the current PR/RLR. */
uint64_t emu_iwdg_timeout_ps(const struct wf_emu *b);
uint64_t emu_iwdg_timeout_ps(const struct wf_emu *b)
{
    uint32_t pr = b->iwdg.dev.r[IWDG_PR] > 6 ? 6 : b->iwdg.dev.r[IWDG_PR];
    return lsi_cycles_ps(b, (uint64_t)(b->iwdg.dev.r[IWDG_RLR] + 1u) * (4u << pr));
}

void emu_iwdg_check(struct wf_emu *b)
{
    if (b->iwdg.running && !b->reset_request &&
        wf_emu_time_ps(b) >= b->iwdg.reload_ps + emu_iwdg_timeout_ps(b)) {
        b->reset_request = true;
        b->reset_cause = "watchdog reset";
    }
}

static int sr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)d, (void)off;
    uint64_t now = wf_emu_time_ps(b);
    *v = (now < b->iwdg.pvu_until_ps ? 1u : 0u) | (now < b->iwdg.rvu_until_ps ? 2u : 0u);
    return 0;
}

static int kr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *wr)
{
    (void)d;
    struct emu_iwdg *w = &b->iwdg;
    uint64_t now = wf_emu_time_ps(b);
    emu_iwdg_check(b);
    w->access = false;
    switch (wr->raw & 0xFFFFu) {
    case 0x5555u:
        w->access = true;
        break;
    case 0xAAAAu:
        w->reload_ps = now;
        break;
    case 0xCCCCu:
        if (!w->running) {
            w->running = true;
            w->reload_ps = now;
        }
        break;
    default:
        break;
    }
    return 0;
}

static int prlr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *wr)
{
    (void)d;
    struct emu_iwdg *w = &b->iwdg;
    uint64_t now = wf_emu_time_ps(b);
    bool pr = wr->off == 0x04;
    const char *name = pr ? "IWDG_PR" : "IWDG_RLR";
    uint64_t *busy = pr ? &w->pvu_until_ps : &w->rvu_until_ps;
    emu_iwdg_check(b);
    if (!w->access) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "%s written without the 0x5555 key: silicon ignores it (PC 0x%08X)", name, b->pc);
    }
    if (now < *busy) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "%s written while IWDG_SR.%s = 1 (previous update in progress) (PC 0x%08X)", name,
                           pr ? "PVU" : "RVU", b->pc);
    }
    *busy = now + lsi_cycles_ps(b, UPDATE_LSI_CYCLES);
    return 0;
}
