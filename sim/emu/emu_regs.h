/**
 * @file emu_regs.h
 * @brief The register-file engine: each peripheral describes its registers once,
 * as a table (offset, name, reset value, writable bits, read and write hooks),
 * and this engine decodes every bus access through it. A peripheral's own code
 * is only its behaviour: the hooks.
 *
 * Semantics of a row:
 * - read: the stored value, or what the read hook makes of it (the hook may have
 *   side effects: clearing a flag, popping a received byte);
 * - write: the bits of `writable` in the written byte lanes take the bus value,
 *   every other bit keeps its stored value (read-only bits, reserved bits); the
 *   write hook, if any, sees the old and the proposed new value and may change
 *   the latter (write-1-to-clear flags, keys, self-clearing bits) or refuse the
 *   write by stopping the run (it returns -1: nothing is stored);
 * - a row with `words` > 1 covers that many consecutive words that read as the
 *   reset value and are not stored (banks of interrupt registers); its hooks get
 *   the accessed offset;
 * - an offset no row covers is reserved: the access stops the run.
 */
#ifndef WF_EMU_REGS_H
#define WF_EMU_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wf_emu;
struct emu_dev;

/** A write as the write hook sees it. */
struct emu_write {
    uint32_t off;  /**< offset in the block */
    uint32_t old;  /**< stored value before the write */
    uint32_t val;  /**< to be stored: the bus value in the writable bits of the written lanes */
    uint32_t raw;  /**< the bus value (zero outside `mask`) */
    uint32_t mask; /**< the byte lanes written */
};

/** Read hook: `*v` holds the stored value; 0, or -1 having stopped the run. */
typedef int (*emu_read_fn)(struct wf_emu *m, struct emu_dev *d, uint32_t off, uint32_t *v);
/** Write hook: may change `w->val`; 0 (w->val is stored), or -1 having stopped the run. */
typedef int (*emu_write_fn)(struct wf_emu *m, struct emu_dev *d, struct emu_write *w);

/** One register (or a bank of `words` equal ones). */
struct emu_reg {
    uint32_t off;
    const char *name;
    uint32_t reset;
    uint32_t writable;
    emu_read_fn read;
    emu_write_fn write;
    uint16_t words; /**< 0 or 1: one stored register; n > 1: a bank, not stored */
};

/* Tables list a row's fields positionally and leave out the trailing ones a
 * register does not need (hooks, bank size): zero, as C specifies. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define EMU_DEV_MAX_REGS 48

/** RCC enable registers a peripheral's clock gate can be in. */
enum emu_gate { EMU_GATE_NONE, EMU_GATE_AHB1, EMU_GATE_APB1, EMU_GATE_APB2 };

/** One peripheral instance: where it is, its table, its registers' values. */
struct emu_dev {
    const char *name; /**< "USART2", "GPIOC", ... */
    uint32_t base, size;
    const struct emu_reg *regs; /**< the table, indexed by the peripheral's register enum */
    size_t nregs;
    enum emu_gate gate; /**< RCC enable register; EMU_GATE_NONE: always clocked */
    uint32_t gate_bit;
    unsigned unit; /**< which instance (GPIO port 0 = A, USART number, ...) */
    uint32_t r[EMU_DEV_MAX_REGS];
};

/** Write hook for registers that exist but whose function is not modelled: stops the run. */
int emu_write_unmodelled(struct wf_emu *m, struct emu_dev *d, struct emu_write *w);

/** Attach a table to `d` (not yet reset). */
void emu_dev_init(struct emu_dev *d, const char *name, uint32_t base, uint32_t size,
                  const struct emu_reg *regs, size_t nregs, enum emu_gate gate, uint32_t gate_bit,
                  unsigned unit);
/** Every stored register back to its reset value. */
void emu_dev_reset(struct emu_dev *d);
/** The row covering `off`, or NULL (reserved). */
const struct emu_reg *emu_dev_find(const struct emu_dev *d, uint32_t off);
/** One aligned 32-bit access through the table; 0, or -1 having stopped the run. */
int emu_dev_read(struct wf_emu *m, struct emu_dev *d, uint32_t off, uint32_t *v);
int emu_dev_write(struct wf_emu *m, struct emu_dev *d, uint32_t off, uint32_t v, uint32_t mask);

#endif
