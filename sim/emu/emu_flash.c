/* FLASH interface (RM0383 section 3): wait states, unlock, sector erase, programming. */
#include "emu_machine.h"

#include <inttypes.h>
#include <string.h>

#define KEY1 0x45670123u
#define KEY2 0xCDEF89ABu

#define CR_PG (1u << 0)
#define CR_SER (1u << 1)
#define CR_MER (1u << 2)
#define CR_STRT (1u << 16)
#define CR_EOPIE (1u << 24)
#define CR_ERRIE (1u << 25)
#define CR_LOCK (1u << 31)

#define SR_EOP (1u << 0)
#define SR_PGSERR (1u << 7)
#define SR_W1C 0x1F3u /* EOP, OPERR, WRPERR, PGAERR, PGPERR, PGSERR, RDERR */

/* STM32F411xE: 4 x 16 KiB, 1 x 64 KiB, 3 x 128 KiB. Erase times: the datasheet's
 * typical values for x32 parallelism; the CPU stalls meanwhile (single bank). */
static const struct {
    uint32_t off, size;
    uint64_t erase_ps;
} sectors[8] = {
    {0x00000, 0x4000, 250000000000ull},   {0x04000, 0x4000, 250000000000ull},
    {0x08000, 0x4000, 250000000000ull},   {0x0C000, 0x4000, 250000000000ull},
    {0x10000, 0x10000, 550000000000ull},  {0x20000, 0x20000, 1000000000000ull},
    {0x40000, 0x20000, 1000000000000ull}, {0x60000, 0x20000, 1000000000000ull},
};
#define PROGRAM_PS 16000000ull /* 16 us per programmed unit (typical) */

int wf_emu_flash_sector_at(uint32_t off, uint32_t *sector_off, uint32_t *sector_size)
{
    for (int i = 0; i < (int)(sizeof sectors / sizeof sectors[0]); i++) {
        if (off >= sectors[i].off && off - sectors[i].off < sectors[i].size) {
            *sector_off = sectors[i].off;
            *sector_size = sectors[i].size;
            return i;
        }
    }
    return -1;
}

static int keyr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int sr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int cr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int acr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);

/* Key registers are write-only (read 0); BSY never reads 1: operations complete
 * during the stall. Option bytes (OPTKEYR, OPTCR writes) are not modelled. */
static const struct emu_reg flash_regs[FLASH_NREGS] = {
    [FLASH_ACR] = {0x00, "FLASH_ACR", 0, 0x0000070Fu, NULL, acr_write}, /* ICRST/DCRST self-clear */
    [FLASH_KEYR] = {0x04, "FLASH_KEYR", 0, 0, NULL, keyr_write},
    [FLASH_OPTKEYR] = {0x08, "FLASH_OPTKEYR", 0, 0, NULL, emu_write_unmodelled},
    [FLASH_SR] = {0x0C, "FLASH_SR", 0, 0, NULL, sr_write},
    [FLASH_CR] = {0x10, "FLASH_CR", CR_LOCK, 0xFFFFFFFFu, NULL, cr_write},
    [FLASH_OPTCR] = {0x14, "FLASH_OPTCR", 0x0FFFAAEDu, 0, NULL, emu_write_unmodelled},
};

void emu_flash_if_init(struct wf_emu *b)
{
    emu_dev_init(&b->fl.dev, "FLASH", 0x40023C00u, 0x400, flash_regs, FLASH_NREGS, EMU_GATE_NONE, 0, 0);
    wf_emu_attach(b, &b->fl.dev);
}

void emu_flash_if_reset(struct wf_emu *b)
{
    emu_dev_reset(&b->fl.dev);
    b->fl.key_state = 0;
}

static int acr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    d->r[FLASH_ACR] = w->val;
    return emu_rcc_check(b);
}

static void changed(struct wf_emu *b, uint32_t off, uint32_t len)
{
    if (b->flash_changed) {
        b->flash_changed(b->flash_changed_ctx, WF_EMU_FLASH_BASE + off, len);
    }
}

static int start(struct wf_emu *b, uint32_t cr)
{
    if (cr & CR_SER) {
        uint32_t snb = (cr >> 3) & 0xFu;
        if (snb > 7) {
            b->fl.dev.r[FLASH_SR] |= SR_PGSERR;
            return wf_emu_stop(b, WF_EMU_STOP_RULE,
                               "FLASH_CR.SNB = %u: the STM32F411 has sectors 0..7 (PC 0x%08X)", snb, b->pc);
        }
        if (++b->fl.erases == b->fl.cut_erase) {
            /* Power lost half-way: the first half of the sector erased, the rest as it was. */
            memset(b->flash + sectors[snb].off, 0xFF, sectors[snb].size / 2);
            changed(b, sectors[snb].off, sectors[snb].size / 2);
            return wf_emu_stop(b, WF_EMU_STOP_POWER_CUT,
                               "power cut during the erase of sector %u (erase #%" PRIu64 ", PC 0x%08X)", snb,
                               b->fl.erases, b->pc);
        }
        memset(b->flash + sectors[snb].off, 0xFF, sectors[snb].size);
        changed(b, sectors[snb].off, sectors[snb].size);
        wf_emu_stall(b, sectors[snb].erase_ps);
    } else if (cr & CR_MER) {
        memset(b->flash, 0xFF, WF_EMU_FLASH_SIZE);
        changed(b, 0, WF_EMU_FLASH_SIZE);
        wf_emu_stall(b, 8000000000000ull);
        b->fl.erases++;
    } else {
        b->fl.dev.r[FLASH_SR] |= SR_PGSERR;
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "FLASH_CR.STRT without SER or MER (PGSERR) (PC 0x%08X)",
                           b->pc);
    }
    if (cr & CR_EOPIE) {
        b->fl.dev.r[FLASH_SR] |= SR_EOP;
    }
    return 0;
}

static int keyr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    struct emu_flash_if *f = &b->fl;
    if (f->key_state == 0 && w->raw == KEY1) {
        f->key_state = 1;
        return 0;
    }
    if (f->key_state == 1 && w->raw == KEY2) {
        f->key_state = 2;
        d->r[FLASH_CR] &= ~CR_LOCK;
        return 0;
    }
    f->key_state = 3;
    d->r[FLASH_CR] |= CR_LOCK;
    return wf_emu_stop(b, WF_EMU_STOP_RULE,
                       "wrong FLASH_KEYR sequence (0x%08X): silicon answers with a bus error and keeps "
                       "FLASH_CR locked until the next reset (RM0383 3.5.1) (PC 0x%08X)",
                       w->raw, b->pc);
}

static int sr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)b, (void)d;
    w->val = w->old & ~(w->raw & SR_W1C); /* write 1 to clear */
    return 0;
}

static int cr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    uint32_t nv = w->val;
    if (w->old & CR_LOCK) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "FLASH_CR written while locked (unlock with KEY1, KEY2 in FLASH_KEYR first) (PC "
                           "0x%08X)",
                           b->pc);
    }
    if (nv & CR_ERRIE) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "FLASH error interrupt enabled: no interrupt controller is "
                           "modelled (polled firmware) (PC 0x%08X)",
                           b->pc);
    }
    if (((nv >> 8) & 3u) == 3u && (nv & (CR_PG | CR_SER | CR_MER))) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "FLASH_CR.PSIZE = x64 needs an external VPP, which the %s does not have (PC "
                           "0x%08X)",
                           b->board->title, b->pc);
    }
    if (nv & CR_LOCK) {
        b->fl.key_state = 0;
    }
    w->val = nv & ~CR_STRT;
    d->r[FLASH_CR] = w->val;
    return (nv & CR_STRT) ? start(b, nv) : 0;
}

int wf_emu_flash_write(struct wf_emu *b, uint32_t addr, unsigned size, uint32_t val)
{
    uint32_t off = addr - WF_EMU_FLASH_BASE;
    uint32_t cr = b->fl.dev.r[FLASH_CR];
    unsigned psize = 1u << ((cr >> 8) & 3u);
    if ((cr & CR_LOCK) || !(cr & CR_PG)) {
        b->fl.dev.r[FLASH_SR] |= SR_PGSERR;
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "write of %u byte%s to flash memory at 0x%08X without FLASH_CR.PG%s (PGSERR) (PC "
                           "0x%08X)",
                           size, size == 1 ? "" : "s", addr, (cr & CR_LOCK) ? " (and FLASH_CR locked)" : "",
                           b->pc);
    }
    if (size != psize) {
        b->fl.dev.r[FLASH_SR] |= 1u << 6;
        return wf_emu_stop(
            b, WF_EMU_STOP_RULE,
            "%u-byte write to flash memory at 0x%08X with FLASH_CR.PSIZE = %u bytes (PGPERR) (PC "
            "0x%08X)",
            size, addr, psize, b->pc);
    }
    if (addr & (size - 1u)) {
        b->fl.dev.r[FLASH_SR] |= 1u << 5;
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "unaligned flash programming at 0x%08X (PGAERR) (PC 0x%08X)",
                           addr, b->pc);
    }
    for (unsigned i = 0; i < size; i++) {
        uint8_t nb = (uint8_t)(val >> (8 * i)), old = b->flash[off + i];
        if (nb & ~old) {
            return wf_emu_stop(
                b, WF_EMU_STOP_RULE,
                "programming flash at 0x%08X: byte 0x%02X over 0x%02X needs a 0->1 change (NOR "
                "flash: erase the sector first) (PC 0x%08X)",
                addr + i, nb, old, b->pc);
        }
    }
    /* A power cut tears the write: only the low half of its bytes is programmed. */
    bool cut = ++b->fl.programs == b->fl.cut_program;
    unsigned n = cut ? size / 2 : size;
    for (unsigned i = 0; i < n; i++) {
        b->flash[off + i] = (uint8_t)(val >> (8 * i));
    }
    changed(b, off, size);
    if (cut) {
        return wf_emu_stop(b, WF_EMU_STOP_POWER_CUT,
                           "power cut while programming flash at 0x%08X (program #%" PRIu64 ", PC 0x%08X)",
                           addr, b->fl.programs, b->pc);
    }
    wf_emu_stall(b, PROGRAM_PS);
    if (cr & CR_EOPIE) {
        b->fl.dev.r[FLASH_SR] |= SR_EOP;
    }
    return 0;
}
