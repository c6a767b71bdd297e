/* Independent watchdog (RM0383 section 15): keys 0x5555 (write access to PR/RLR),
 * 0xCCCC (start), 0xAAAA (reload). The counter runs from the LSI (b->lsi_hz, 32 kHz
 * typical) through the prescaler 4 << PR; reaching 0 resets the system. */
#include "board.h"

#define UPDATE_LSI_CYCLES 6u /* PVU/RVU: "up to 5 RC cycles" to cross into the VDD domain */

void wf_iwdg_reset(struct wf_board *b)
{
    b->iwdg = (struct wf_iwdg){.rlr = 0xFFFu};
}

static uint64_t lsi_cycles_ps(const struct wf_board *b, uint64_t n)
{
    return n * 1000000000000ull / b->lsi_hz;
}

/** The watchdog's timeout in picoseconds with the current PR/RLR. */
uint64_t wf_iwdg_timeout_ps(const struct wf_board *b);
uint64_t wf_iwdg_timeout_ps(const struct wf_board *b)
{
    unsigned pr = b->iwdg.pr > 6 ? 6 : b->iwdg.pr;
    return lsi_cycles_ps(b, (uint64_t)(b->iwdg.rlr + 1u) * (4u << pr));
}

void wf_iwdg_check(struct wf_board *b)
{
    if (b->iwdg.running && !b->reset_request &&
        wf_board_time_ps(b) >= b->iwdg.reload_ps + wf_iwdg_timeout_ps(b)) {
        b->reset_request = true;
        b->reset_cause = "watchdog reset";
    }
}

int wf_iwdg_read(struct wf_board *b, uint32_t off, uint32_t *v)
{
    uint64_t now = wf_board_time_ps(b);
    switch (off) {
    case 0x00:
        *v = 0;
        return 0;
    case 0x04:
        *v = b->iwdg.pr;
        return 0;
    case 0x08:
        *v = b->iwdg.rlr;
        return 0;
    case 0x0C:
        *v = (now < b->iwdg.pvu_until_ps ? 1u : 0u) | (now < b->iwdg.rvu_until_ps ? 2u : 0u);
        return 0;
    default:
        return wf_board_reserved(b);
    }
}

int wf_iwdg_write(struct wf_board *b, uint32_t off, uint32_t v, uint32_t mask)
{
    struct wf_iwdg *w = &b->iwdg;
    uint64_t now = wf_board_time_ps(b);
    wf_iwdg_check(b);
    v &= mask;
    switch (off) {
    case 0x00:
        switch (v & 0xFFFFu) {
        case 0x5555u:
            w->access = true;
            return 0;
        case 0xAAAAu:
            w->access = false;
            w->reload_ps = now;
            return 0;
        case 0xCCCCu:
            w->access = false;
            if (!w->running) {
                w->running = true;
                w->reload_ps = now;
            }
            return 0;
        default:
            w->access = false;
            return 0;
        }
    case 0x04:
    case 0x08: {
        const char *name = off == 0x04 ? "IWDG_PR" : "IWDG_RLR";
        uint64_t *busy = off == 0x04 ? &w->pvu_until_ps : &w->rvu_until_ps;
        if (!w->access) {
            return wf_board_stop(b, WF_STOP_RULE,
                                 "%s written without the 0x5555 key: silicon ignores it (PC 0x%08X)", name,
                                 b->pc);
        }
        if (now < *busy) {
            return wf_board_stop(b, WF_STOP_RULE,
                                 "%s written while IWDG_SR.%s = 1 (previous update in progress) (PC 0x%08X)",
                                 name, off == 0x04 ? "PVU" : "RVU", b->pc);
        }
        if (off == 0x04) {
            w->pr = v & 7u;
        } else {
            w->rlr = v & 0xFFFu;
        }
        *busy = now + lsi_cycles_ps(b, UPDATE_LSI_CYCLES);
        return 0;
    }
    case 0x0C:
        return 0; /* SR is read-only */
    default:
        return wf_board_reserved(b);
    }
}
