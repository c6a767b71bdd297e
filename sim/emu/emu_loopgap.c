/* The longest gap between two iterations of the firmware's main loop: see emu_loopgap.h. */
#include "emu_loopgap.h"

#include <inttypes.h>
#include <string.h>
#include <unicorn/unicorn.h>

static void phase_now(const struct wf_emu *b, char out[24])
{
    const char *name = b->nphases > 0 ? b->phases[b->nphases - 1].name : "";
    snprintf(out, 24, "%s", name);
}

static void on_iteration(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    struct wf_emu_loopgap *g = user;
    struct wf_emu *b = g->b;
    (void)uc;
    (void)address;
    (void)size;
    /* The CPU's own code hook may stop before this instruction (an exception is
     * due) and run it again later: the same instruction count is one call. */
    if (g->iterations > 0 && b->icount == g->last_icount) {
        return;
    }
    if (g->iterations > 0) {
        uint64_t gap = b->icount - g->last_icount;
        if (gap > g->longest) {
            g->longest = gap;
            g->longest_end = g->iterations + 1;
            g->longest_hclk = wf_emu_hclk(b);
            memcpy(g->longest_from, g->last_phase, sizeof g->longest_from);
            phase_now(b, g->longest_to);
        }
    }
    g->iterations++;
    g->last_icount = b->icount;
    phase_now(b, g->last_phase);
}

int wf_emu_loopgap_attach(struct wf_emu_loopgap *g, struct wf_emu_cpu *e, const struct wf_emu_elf *elf)
{
    memset(g, 0, sizeof *g);
    g->b = e->b;
    uint32_t addr;
    if (elf == NULL || !wf_emu_elf_lookup(elf, WF_EMU_LOOPGAP_SYMBOL, &addr)) {
        return 0;
    }
    g->addr = addr & ~1u;
    uc_hook h;
    uc_err err = uc_hook_add((uc_engine *)e->uc, &h, UC_HOOK_CODE, (void *)on_iteration, g, g->addr, g->addr);
    if (err != UC_ERR_OK) {
        fprintf(stderr, "wf-board-emu: cannot hook %s: %s\n", WF_EMU_LOOPGAP_SYMBOL, uc_strerror(err));
        return -1;
    }
    g->active = true;
    return 0;
}

double wf_emu_loopgap_board_ms(const struct wf_emu_loopgap *g, double cpi)
{
    return g->longest_hclk ? (double)g->longest * cpi / (double)g->longest_hclk * 1e3 : 0.0;
}

void wf_emu_loopgap_print(const struct wf_emu_loopgap *g, double cpi, FILE *out)
{
    if (!g->active) {
        return;
    }
    fprintf(out,
            "loop gap: longest %" PRIu64
            " instructions (~%.1f board ms at %u Hz, CPI %.2f) before iteration %" PRIu64 " of %" PRIu64
            " (%s), in phase %s (at its end: %s)\n",
            g->longest, wf_emu_loopgap_board_ms(g, cpi), g->longest_hclk, cpi, g->longest_end, g->iterations,
            WF_EMU_LOOPGAP_SYMBOL, g->longest_from[0] ? g->longest_from : "-",
            g->longest_to[0] ? g->longest_to : "-");
}

void wf_emu_loopgap_json(const struct wf_emu_loopgap *g, double cpi, FILE *f)
{
    if (!g->active) {
        return;
    }
    fprintf(f,
            "  \"loop_gap\": {\"symbol\": \"%s\", \"iterations\": %" PRIu64
            ", \"longest_instructions\": %" PRIu64
            ", \"longest_board_ms\": %.3f, \"hclk_hz\": %u, \"ended_iteration\": %" PRIu64
            ", \"phase\": \"%s\", \"phase_at_end\": \"%s\"},\n",
            WF_EMU_LOOPGAP_SYMBOL, g->iterations, g->longest, wf_emu_loopgap_board_ms(g, cpi),
            g->longest_hclk, g->longest_end, g->longest_from, g->longest_to);
}
