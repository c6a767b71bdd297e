/* FLASH interface (RM0383 section 3): wait states, unlock, sector erase, programming. */
#include "board.h"

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

void wf_flash_if_reset(struct wf_board *b)
{
    b->fl.acr = 0;
    b->fl.cr = CR_LOCK;
    b->fl.sr = 0;
    b->fl.optcr = 0x0FFFAAEDu;
    b->fl.key_state = 0;
}

int wf_flash_if_read(struct wf_board *b, uint32_t off, uint32_t *v)
{
    switch (off) {
    case 0x00:
        *v = b->fl.acr;
        return 0;
    case 0x04:
    case 0x08:
        *v = 0;
        return 0; /* write-only key registers read as 0 */
    case 0x0C:
        *v = b->fl.sr;
        return 0; /* BSY never reads 1: operations complete during the stall */
    case 0x10:
        *v = b->fl.cr;
        return 0;
    case 0x14:
        *v = b->fl.optcr;
        return 0;
    default:
        return wf_board_reserved(b);
    }
}

static void changed(struct wf_board *b, uint32_t off, uint32_t len)
{
    if (b->flash_changed) {
        b->flash_changed(b->flash_changed_ctx, WF_BOARD_FLASH_BASE + off, len);
    }
}

static int start(struct wf_board *b, uint32_t cr)
{
    if (cr & CR_SER) {
        uint32_t snb = (cr >> 3) & 0xFu;
        if (snb > 7) {
            b->fl.sr |= SR_PGSERR;
            return wf_board_stop(b, WF_STOP_RULE,
                                 "FLASH_CR.SNB = %u: the STM32F411RE has sectors 0..7 (PC 0x%08X)", snb,
                                 b->pc);
        }
        if (++b->fl.erases == b->fl.cut_erase) {
            /* Power lost half-way: the first half of the sector erased, the rest as it was. */
            memset(b->flash + sectors[snb].off, 0xFF, sectors[snb].size / 2);
            changed(b, sectors[snb].off, sectors[snb].size / 2);
            return wf_board_stop(b, WF_STOP_POWER_CUT,
                                 "power cut during the erase of sector %u (erase #%" PRIu64 ", PC 0x%08X)",
                                 snb, b->fl.erases, b->pc);
        }
        memset(b->flash + sectors[snb].off, 0xFF, sectors[snb].size);
        changed(b, sectors[snb].off, sectors[snb].size);
        wf_board_stall(b, sectors[snb].erase_ps);
    } else if (cr & CR_MER) {
        memset(b->flash, 0xFF, WF_BOARD_FLASH_SIZE);
        changed(b, 0, WF_BOARD_FLASH_SIZE);
        wf_board_stall(b, 8000000000000ull);
        b->fl.erases++;
    } else {
        b->fl.sr |= SR_PGSERR;
        return wf_board_stop(b, WF_STOP_RULE, "FLASH_CR.STRT without SER or MER (PGSERR) (PC 0x%08X)", b->pc);
    }
    if (cr & CR_EOPIE) {
        b->fl.sr |= SR_EOP;
    }
    return 0;
}

int wf_flash_if_write(struct wf_board *b, uint32_t off, uint32_t v, uint32_t mask)
{
    switch (off) {
    case 0x00: {
        b->fl.acr = ((b->fl.acr & ~mask) | (v & mask)) & 0x0000070Fu; /* ICRST/DCRST self-clear */
        return wf_rcc_check(b);
    }
    case 0x04:
        if (b->fl.key_state == 0 && v == KEY1) {
            b->fl.key_state = 1;
            return 0;
        }
        if (b->fl.key_state == 1 && v == KEY2) {
            b->fl.key_state = 2;
            b->fl.cr &= ~CR_LOCK;
            return 0;
        }
        b->fl.key_state = 3;
        b->fl.cr |= CR_LOCK;
        return wf_board_stop(b, WF_STOP_RULE,
                             "wrong FLASH_KEYR sequence (0x%08X): silicon answers with a bus error and keeps "
                             "FLASH_CR locked until the next reset (RM0383 3.5.1) (PC 0x%08X)",
                             v, b->pc);
    case 0x08:
        return wf_board_reserved(b); /* option bytes: not modelled */
    case 0x0C:
        b->fl.sr &= ~(v & mask & SR_W1C);
        return 0;
    case 0x10: {
        uint32_t nv = (b->fl.cr & ~mask) | (v & mask);
        if (b->fl.cr & CR_LOCK) {
            return wf_board_stop(
                b, WF_STOP_RULE,
                "FLASH_CR written while locked (unlock with KEY1, KEY2 in FLASH_KEYR first) (PC "
                "0x%08X)",
                b->pc);
        }
        if (nv & CR_ERRIE) {
            return wf_board_stop(b, WF_STOP_RULE,
                                 "FLASH error interrupt enabled: no interrupt controller is "
                                 "modelled (polled firmware) (PC 0x%08X)",
                                 b->pc);
        }
        if (((nv >> 8) & 3u) == 3u && (nv & (CR_PG | CR_SER | CR_MER))) {
            return wf_board_stop(
                b, WF_STOP_RULE,
                "FLASH_CR.PSIZE = x64 needs an external VPP, which the Nucleo does not have (PC "
                "0x%08X)",
                b->pc);
        }
        if (nv & CR_LOCK) {
            b->fl.key_state = 0;
        }
        b->fl.cr = nv & ~CR_STRT;
        if (nv & CR_STRT) {
            return start(b, nv);
        }
        return 0;
    }
    case 0x14:
        return wf_board_reserved(b); /* option bytes: not modelled */
    default:
        return wf_board_reserved(b);
    }
}

int wf_board_flash_write(struct wf_board *b, uint32_t addr, unsigned size, uint32_t val)
{
    uint32_t off = addr - WF_BOARD_FLASH_BASE;
    uint32_t cr = b->fl.cr;
    unsigned psize = 1u << ((cr >> 8) & 3u);
    if ((cr & CR_LOCK) || !(cr & CR_PG)) {
        b->fl.sr |= SR_PGSERR;
        return wf_board_stop(
            b, WF_STOP_RULE,
            "write of %u byte%s to flash memory at 0x%08X without FLASH_CR.PG%s (PGSERR) (PC "
            "0x%08X)",
            size, size == 1 ? "" : "s", addr, (cr & CR_LOCK) ? " (and FLASH_CR locked)" : "", b->pc);
    }
    if (size != psize) {
        b->fl.sr |= 1u << 6;
        return wf_board_stop(
            b, WF_STOP_RULE,
            "%u-byte write to flash memory at 0x%08X with FLASH_CR.PSIZE = %u bytes (PGPERR) (PC "
            "0x%08X)",
            size, addr, psize, b->pc);
    }
    if (addr & (size - 1u)) {
        b->fl.sr |= 1u << 5;
        return wf_board_stop(b, WF_STOP_RULE, "unaligned flash programming at 0x%08X (PGAERR) (PC 0x%08X)",
                             addr, b->pc);
    }
    for (unsigned i = 0; i < size; i++) {
        uint8_t nb = (uint8_t)(val >> (8 * i)), old = b->flash[off + i];
        if (nb & ~old) {
            return wf_board_stop(
                b, WF_STOP_RULE,
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
        return wf_board_stop(b, WF_STOP_POWER_CUT,
                             "power cut while programming flash at 0x%08X (program #%" PRIu64 ", PC 0x%08X)",
                             addr, b->fl.programs, b->pc);
    }
    wf_board_stall(b, PROGRAM_PS);
    if (cr & CR_EOPIE) {
        b->fl.sr |= SR_EOP;
    }
    return 0;
}
