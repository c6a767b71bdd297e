/* The board an image is for, from its board descriptor (section `.board_desc`,
 * ports/stm32f4/stm32f4_board_desc.h, filled by boards/<board>/board.c from the
 * board's board.h and its linker script). The emulator has no board table of its
 * own: a new board is known to it through its image. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_elf.h"
#include "emu_machine.h"
#include "../../ports/stm32f4/stm32f4_board_desc.h"

/* A message in `err` ("board descriptor: ..."); returns -1. */
static int __attribute__((format(printf, 3, 4))) bad(char *err, size_t errlen, const char *fmt, ...)
{
    int n = snprintf(err, errlen, "board descriptor: ");
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < errlen) {
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    }
    va_end(ap);
    return -1;
}

/* A NUL-terminated string filling at most `n` bytes. */
static int copy_string(char *out, const char *in, size_t n)
{
    size_t len = strnlen(in, n);
    if (len == 0 || len == n) {
        return -1;
    }
    memcpy(out, in, len + 1);
    return 0;
}

/* A pin on the ports the emulator models (A, B, C), or none when `optional`. */
static int pin(struct emu_pin *out, uint8_t id, bool optional)
{
    if (id == STM32F4_NO_PIN) {
        *out = EMU_NO_PIN;
        return optional ? 0 : -1;
    }
    if (STM32F4_PIN_PORT(id) > 2) {
        return -1;
    }
    *out = EMU_PIN(STM32F4_PIN_PORT(id), STM32F4_PIN_NUMBER(id));
    return 0;
}

/* [start, end) as offsets into flash, on sector boundaries; `sectors` = how many it spans. */
static int flash_range(uint32_t start, uint32_t end, uint32_t *off, uint32_t *size, unsigned *first,
                       unsigned *sectors)
{
    if (start < WF_EMU_FLASH_BASE || end <= start || end - WF_EMU_FLASH_BASE > WF_EMU_FLASH_SIZE) {
        return -1;
    }
    *off = start - WF_EMU_FLASH_BASE;
    *size = end - start;
    uint32_t soff, ssize, at = *off;
    int s = wf_emu_flash_sector_at(at, &soff, &ssize);
    if (s < 0 || soff != at) {
        return -1;
    }
    *first = (unsigned)s;
    *sectors = 0;
    while (at < *off + *size) {
        if (wf_emu_flash_sector_at(at, &soff, &ssize) < 0 || soff != at) {
            return -1;
        }
        at += ssize;
        (*sectors)++;
    }
    return at == *off + *size ? 0 : -1;
}

int wf_emu_board_from_desc(struct wf_emu_board *board, const uint8_t *data, size_t len, char *err,
                           size_t errlen)
{
    struct stm32f4_board_desc d;
    memset(board, 0, sizeof *board);
    if (len < 8) {
        return bad(err, errlen, "truncated (%zu bytes, not even the header)", len);
    }
    memcpy(&d, data, 8); /* magic, version, size: little-endian on the target and here */
    if (d.magic != STM32F4_BOARD_DESC_MAGIC) {
        return bad(err, errlen, "not a board descriptor (magic 0x%08" PRIX32 ")", d.magic);
    }
    if (d.version != STM32F4_BOARD_DESC_VERSION) {
        return bad(err, errlen, "version %u, this emulator reads version %u only", (unsigned)d.version,
                   STM32F4_BOARD_DESC_VERSION);
    }
    if (d.size != sizeof d) {
        return bad(err, errlen, "size %u, version %u has %zu", (unsigned)d.size, (unsigned)d.version,
                   sizeof d);
    }
    if (len < sizeof d) {
        return bad(err, errlen, "truncated (%zu of its %zu bytes)", len, sizeof d);
    }
    memcpy(&d, data, sizeof d);
    if (copy_string(board->id, d.board, sizeof d.board) != 0 ||
        copy_string(board->title, d.title, sizeof d.title)) {
        return bad(err, errlen, "the board's name or title is empty or not terminated");
    }
    char part[sizeof d.part + 1] = {0};
    memcpy(part, d.part, sizeof d.part);
    if (strcmp(part, "STM32F411xE") != 0) {
        return bad(err, errlen, "%s: part '%s': this emulator models the STM32F411xE only", board->id, part);
    }
    board->hse_hz = d.hse_hz;
    if (d.console_usart != 1 && d.console_usart != 2) {
        return bad(err, errlen, "console on USART%u: the emulator models USART1 and USART2", d.console_usart);
    }
    board->console_usart = d.console_usart;
    if (d.spi_bus != 1) {
        return bad(err, errlen, "the chip on SPI%u: the emulator models SPI1", d.spi_bus);
    }
    const struct {
        struct emu_pin *out;
        uint8_t id;
        bool optional;
        const char *name;
    } pins[] = {
        {&board->console_tx, d.console_tx, false, "console TX"},
        {&board->console_rx, d.console_rx, false, "console RX"},
        {&board->chip_select, d.chip_select, false, "chip select"},
        {&board->chip_reset, d.chip_reset, true, "chip reset"},
        {&board->chip_int, d.chip_int, true, "chip interrupt"},
        {&board->other_select, d.other_select, true, "other select"},
        {&board->led, d.led, true, "LED"},
        {&board->button, d.button, true, "button"},
    };
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        if (pin(pins[i].out, pins[i].id, pins[i].optional) != 0) {
            return bad(err, errlen, "%s pin 0x%02X: not on GPIOA..GPIOC (the ports the emulator models)%s",
                       pins[i].name, pins[i].id, pins[i].optional ? "" : " or not wired");
        }
    }
    if (d.chip == STM32F4_CHIP_W5100) {
        board->chip = WF_SIM_W5100;
    } else if (d.chip == STM32F4_CHIP_W5500) {
        board->chip = WF_SIM_W5500;
    } else {
        return bad(err, errlen, "chip %u: neither W5100 (1) nor W5500 (2)", d.chip);
    }
    unsigned first, count;
    if (flash_range(d.seed_start, d.seed_end, &board->seed_off, &board->seed_size, &board->seed_first_sector,
                    &count) != 0 ||
        count != 2) {
        return bad(err, errlen,
                   "the seed region (0x%08" PRIX32 "-0x%08" PRIX32 ") is not two whole flash sectors",
                   d.seed_start, d.seed_end);
    }
    if (flash_range(d.cred_start, d.cred_end, &board->cred_off, &board->cred_size, &first, &count) != 0) {
        return bad(err, errlen,
                   "the credentials region (0x%08" PRIX32 "-0x%08" PRIX32 ") is not whole flash sectors",
                   d.cred_start, d.cred_end);
    }
    if (flash_range(d.image_start, d.image_end, &board->image_off, &board->image_size, &first, &count) != 0) {
        return bad(err, errlen,
                   "the image region (0x%08" PRIX32 "-0x%08" PRIX32 ") is not whole flash sectors",
                   d.image_start, d.image_end);
    }
    return 0;
}

int wf_emu_board_load(struct wf_emu_board *board, const char *path, char *err, size_t errlen)
{
    uint8_t *data;
    size_t len;
    char why[256];
    int found = wf_emu_elf_section(path, STM32F4_BOARD_DESC_SECTION, &data, &len, why, sizeof why);
    if (found < 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    if (found == 0) {
        snprintf(err, errlen,
                 "%s: no %s section (no board descriptor): an image built before descriptors, or not "
                 "a wizfetch firmware image; rebuild it",
                 path, STM32F4_BOARD_DESC_SECTION);
        return -1;
    }
    int rc = wf_emu_board_from_desc(board, data, len, why, sizeof why);
    free(data);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
    }
    return rc;
}

const char *emu_pin_name(struct emu_pin p, char buf[8])
{
    if (p.port < 0) {
        return "-";
    }
    buf[0] = 'P';
    buf[1] = (char)('A' + p.port);
    if (p.pin >= 10) {
        buf[2] = '1';
        buf[3] = (char)('0' + p.pin - 10);
        buf[4] = '\0';
    } else {
        buf[2] = (char)('0' + p.pin);
        buf[3] = '\0';
    }
    return buf;
}
