/* The register-file engine (emu_regs.h). */
#include "emu_regs.h"

#include <string.h>

#include "emu_machine.h"

void emu_dev_init(struct emu_dev *d, const char *name, uint32_t base, uint32_t size,
                  const struct emu_reg *regs, size_t nregs, enum emu_gate gate, uint32_t gate_bit,
                  unsigned unit)
{
    memset(d, 0, sizeof *d);
    d->name = name;
    d->base = base;
    d->size = size;
    d->regs = regs;
    d->nregs = nregs < EMU_DEV_MAX_REGS ? nregs : EMU_DEV_MAX_REGS;
    d->gate = gate;
    d->gate_bit = gate_bit;
    d->unit = unit;
}

void emu_dev_reset(struct emu_dev *d)
{
    for (size_t i = 0; i < d->nregs; i++) {
        d->r[i] = d->regs[i].reset;
    }
}

static size_t find(const struct emu_dev *d, uint32_t off)
{
    for (size_t i = 0; i < d->nregs; i++) {
        const struct emu_reg *r = &d->regs[i];
        uint32_t words = r->words > 1 ? r->words : 1;
        if (r->name != NULL && off >= r->off && off < r->off + 4u * words) {
            return i;
        }
    }
    return d->nregs;
}

const struct emu_reg *emu_dev_find(const struct emu_dev *d, uint32_t off)
{
    size_t i = find(d, off);
    return i < d->nregs ? &d->regs[i] : NULL;
}

int emu_dev_read(struct wf_emu *m, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    size_t i = find(d, off);
    if (i == d->nregs) {
        return wf_emu_reserved(m);
    }
    const struct emu_reg *r = &d->regs[i];
    *v = r->words > 1 ? r->reset : d->r[i];
    return r->read ? r->read(m, d, off, v) : 0;
}

int emu_dev_write(struct wf_emu *m, struct emu_dev *d, uint32_t off, uint32_t v, uint32_t mask)
{
    size_t i = find(d, off);
    if (i == d->nregs) {
        return wf_emu_reserved(m);
    }
    const struct emu_reg *r = &d->regs[i];
    uint32_t old = r->words > 1 ? r->reset : d->r[i];
    uint32_t lanes = mask & r->writable;
    struct emu_write w = {
        .off = off, .old = old, .val = (old & ~lanes) | (v & lanes), .raw = v & mask, .mask = mask};
    if (r->write && r->write(m, d, &w) != 0) {
        return -1;
    }
    if (r->words <= 1) {
        d->r[i] = w.val;
    }
    return 0;
}

int emu_write_unmodelled(struct wf_emu *m, struct emu_dev *d, struct emu_write *w)
{
    (void)d, (void)w;
    return wf_emu_reserved(m);
}
