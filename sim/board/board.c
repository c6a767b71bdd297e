/* The board: bus decoding, time, resets, stops, phase accounting, seed file. */
#include "board.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wf_sim_chip.h"

uint64_t wf_board_rand(struct wf_board *b)
{
    uint64_t x = b->prng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    b->prng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

struct wf_board *wf_board_new(struct wf_sim_chip *chip, uint64_t seed)
{
    struct wf_board *b = calloc(1, sizeof *b);
    if (b == NULL) {
        return NULL;
    }
    b->flash = malloc(WF_BOARD_FLASH_SIZE);
    b->sram = malloc(WF_BOARD_SRAM_SIZE);
    if (b->flash == NULL || b->sram == NULL) {
        wf_board_free(b);
        return NULL;
    }
    memset(b->flash, 0xFF, WF_BOARD_FLASH_SIZE); /* erased */
    b->chip = chip;
    b->prng = seed ? seed : 0x9E3779B97F4A7C15ull;
    b->lsi_hz = 32000;
    b->chip_absent_miso = 0xFF;
    snprintf(b->phases[0].name, sizeof b->phases[0].name, "boot");
    b->nphases = 1;
    wf_board_reset(b, true, 0);
    return b;
}

void wf_board_free(struct wf_board *b)
{
    if (b == NULL) {
        return;
    }
    free(b->flash);
    free(b->sram);
    free(b);
}

void wf_board_reset(struct wf_board *b, bool power_on, uint32_t cause_flag)
{
    /* SRAM keeps no promise across power-on; the emulator refills it after every
     * reset, so the firmware cannot depend on anything its startup does not set. */
    for (size_t i = 0; i < WF_BOARD_SRAM_SIZE; i += 8) {
        uint64_t r = wf_board_rand(b);
        memcpy(b->sram + i, &r, 8);
    }
    wf_board_clock_will_change(b);
    wf_rcc_reset(b, power_on, cause_flag);
    b->pwr.cr = 0x0000C000u; /* RM0383 5.4.1: VOS = 11 (scale 1) */
    b->pwr.csr = 0;
    wf_flash_if_reset(b);
    wf_gpio_reset(b);
    wf_spi_reset(b);
    wf_usart_reset(b);
    wf_core_reset(b);
    wf_adc_reset(b);
    wf_iwdg_reset(b);
    b->fpu_enabled = false;
    b->cs_low = false;
    b->reset_request = false;
    b->reset_cause = NULL;
    if (!power_on) {
        b->resets++;
    }
}

int wf_board_stop(struct wf_board *b, enum wf_board_stop why, const char *fmt, ...)
{
    if (b->stop != WF_STOP_NONE) {
        return -1;
    }
    b->stop = why;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->stop_msg, sizeof b->stop_msg, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- clocks ---- */

uint32_t wf_board_sysclk(const struct wf_board *b)
{
    const struct wf_rcc *r = &b->rcc;
    switch (r->sws) {
    case 1:
        return WF_BOARD_HSE_HZ;
    case 2: {
        uint32_t m = r->pllcfgr & 0x3Fu;
        uint32_t n = (r->pllcfgr >> 6) & 0x1FFu;
        uint32_t p = 2u * (((r->pllcfgr >> 16) & 3u) + 1u);
        uint32_t in = (r->pllcfgr & (1u << 22)) ? WF_BOARD_HSE_HZ : WF_BOARD_HSI_HZ;
        if (m == 0) {
            return WF_BOARD_HSI_HZ;
        }
        return (uint32_t)((uint64_t)in / m * n / p);
    }
    default:
        return WF_BOARD_HSI_HZ;
    }
}

uint32_t wf_board_hclk(const struct wf_board *b)
{
    static const unsigned shift[8] = {1, 2, 3, 4, 6, 7, 8, 9};
    uint32_t hpre = (b->rcc.cfgr >> 4) & 0xFu;
    uint32_t s = wf_board_sysclk(b);
    return (hpre & 8u) ? s >> shift[hpre & 7u] : s;
}

static uint32_t apb(uint32_t hclk, uint32_t ppre)
{
    return (ppre & 4u) ? hclk >> ((ppre & 3u) + 1u) : hclk;
}

uint32_t wf_board_pclk1(const struct wf_board *b)
{
    return apb(wf_board_hclk(b), (b->rcc.cfgr >> 10) & 7u);
}

uint32_t wf_board_pclk2(const struct wf_board *b)
{
    return apb(wf_board_hclk(b), (b->rcc.cfgr >> 13) & 7u);
}

uint32_t wf_board_spi1_hz(const struct wf_board *b)
{
    return wf_board_pclk2(b) >> (((b->spi1.cr1 >> 3) & 7u) + 1u);
}

/* ---- time ---- */

uint64_t wf_board_cycles(const struct wf_board *b)
{
    return b->icount + b->stall_cycles;
}

void wf_board_clock_will_change(struct wf_board *b)
{
    uint64_t c = wf_board_cycles(b);
    uint32_t hz = wf_board_hclk(b);
    unsigned __int128 num = (unsigned __int128)(c - b->tb_cycles) * 1000000000000ull + b->tb_rem;
    b->tb_ps += (uint64_t)(num / hz);
    b->tb_rem = (uint64_t)(num % hz);
    b->tb_cycles = c;
}

uint64_t wf_board_time_ps(struct wf_board *b)
{
    uint64_t c = wf_board_cycles(b);
    unsigned __int128 num = (unsigned __int128)(c - b->tb_cycles) * 1000000000000ull + b->tb_rem;
    return b->tb_ps + (uint64_t)(num / wf_board_hclk(b));
}

uint32_t wf_board_millis(void *board)
{
    return (uint32_t)(wf_board_time_ps(board) / 1000000000ull);
}

void wf_board_stall(struct wf_board *b, uint64_t ps)
{
    b->stall_cycles += (uint64_t)((unsigned __int128)ps * wf_board_hclk(b) / 1000000000000ull);
}

void wf_board_tick(struct wf_board *b)
{
    uint32_t v;
    wf_rcc_read(b, 0x08, &v); /* completes a pending clock switch */
    wf_iwdg_check(b);
}

/* ---- bus ---- */

/* Peripheral clocks gate the registers: silicon ignores writes and reads 0 while
 * the enable bit is clear; the emulator stops instead. */
static int need_clock(struct wf_board *b, uint32_t enr, uint32_t bit, const char *periph, const char *regbit)
{
    if ((enr & bit) == 0) {
        return wf_board_stop(
            b, WF_STOP_RULE,
            "%s accessed while its clock is disabled (RCC %s = 0; silicon ignores the access)", periph,
            regbit);
    }
    return 0;
}

static const char *const port_names[3] = {"GPIOA", "GPIOB", "GPIOC"};
static const char *const port_en[3] = {"AHB1ENR.GPIOAEN", "AHB1ENR.GPIOBEN", "AHB1ENR.GPIOCEN"};

bool wf_board_is_mmio(uint32_t addr)
{
    return (addr >= 0x40000000u && addr < 0x40080000u) || addr >= 0xE0000000u ||
           (addr >= 0x1FFF7000u && addr < 0x1FFF8000u);
}

static int unmodelled(struct wf_board *b)
{
    return wf_board_stop(b, WF_STOP_UNMODELLED, "unmodelled %s of %u byte%s at 0x%08X (PC 0x%08X)",
                         b->acc_write ? "write" : "read", b->acc_size, b->acc_size == 1 ? "" : "s",
                         b->acc_addr, b->pc);
}

int wf_board_reserved(struct wf_board *b)
{
    return wf_board_stop(
        b, WF_STOP_UNMODELLED, "%s of %u byte%s at 0x%08X: reserved or unmodelled register (PC 0x%08X)",
        b->acc_write ? "write" : "read", b->acc_size, b->acc_size == 1 ? "" : "s", b->acc_addr, b->pc);
}

/* One aligned 32-bit register access, dispatched by block. */
static int bus(struct wf_board *b, uint32_t addr, bool write, uint32_t *v, uint32_t mask)
{
    uint32_t blk = addr & ~0x3FFu, off = addr & 0x3FFu;
    switch (blk) {
    case 0x40003000u:
        return write ? wf_iwdg_write(b, off, *v, mask) : wf_iwdg_read(b, off, v);
    case 0x40004400u:
        if (need_clock(b, b->rcc.apb1enr, 1u << 17, "USART2", "APB1ENR.USART2EN")) {
            return -1;
        }
        return write ? wf_usart_write(b, off, *v, mask) : wf_usart_read(b, off, v);
    case 0x40007000u:
        if (need_clock(b, b->rcc.apb1enr, 1u << 28, "PWR", "APB1ENR.PWREN")) {
            return -1;
        }
        return write ? wf_pwr_write(b, off, *v, mask) : wf_pwr_read(b, off, v);
    case 0x40012000u:
        if (need_clock(b, b->rcc.apb2enr, 1u << 8, "ADC1", "APB2ENR.ADC1EN")) {
            return -1;
        }
        return write ? wf_adc_write(b, off, *v, mask) : wf_adc_read(b, off, v);
    case 0x40013000u:
        if (need_clock(b, b->rcc.apb2enr, 1u << 12, "SPI1", "APB2ENR.SPI1EN")) {
            return -1;
        }
        return write ? wf_spi_write(b, off, *v, mask) : wf_spi_read(b, off, v);
    case 0x40020000u:
    case 0x40020400u:
    case 0x40020800u: {
        unsigned port = (blk - 0x40020000u) >> 10;
        if (need_clock(b, b->rcc.ahb1enr, 1u << port, port_names[port], port_en[port])) {
            return -1;
        }
        return write ? wf_gpio_write(b, port, off, *v, mask) : wf_gpio_read(b, port, off, v);
    }
    case 0x40023800u:
        return write ? wf_rcc_write(b, off, *v, mask) : wf_rcc_read(b, off, v);
    case 0x40023C00u:
        return write ? wf_flash_if_write(b, off, *v, mask) : wf_flash_if_read(b, off, v);
    default:
        break;
    }
    if (addr >= 0xE0000000u) {
        return write ? wf_core_write(b, addr, *v, mask) : wf_core_read(b, addr, v);
    }
    /* System memory: the 96-bit unique device ID and the flash size (RM0383 24.1, 24.2). */
    if (!write && addr >= 0x1FFF7A10u && addr < 0x1FFF7A1Cu) {
        static const uint32_t uid[3] = {0x00330041u, 0x3137510Bu, 0x34383538u};
        *v = uid[(addr - 0x1FFF7A10u) / 4];
        return 0;
    }
    if (!write && addr == 0x1FFF7A20u) {
        *v = 0x02000000u; /* F_SIZE at 0x1FFF7A22 = 512 (KiB) */
        return 0;
    }
    return unmodelled(b);
}

int wf_board_read(struct wf_board *b, uint32_t addr, unsigned size, uint32_t *val)
{
    if ((addr & (size - 1u)) != 0) {
        return wf_board_stop(b, WF_STOP_FAULT, "unaligned %u-byte read of device register 0x%08X (PC 0x%08X)",
                             size, addr, b->pc);
    }
    b->acc_addr = addr;
    b->acc_size = size;
    b->acc_write = false;
    uint32_t w = 0, shift = (addr & 3u) * 8u;
    if (bus(b, addr & ~3u, false, &w, 0) != 0) {
        *val = 0;
        return -1;
    }
    *val = size == 4 ? w : (w >> shift) & ((1u << (size * 8u)) - 1u);
    return 0;
}

int wf_board_write(struct wf_board *b, uint32_t addr, unsigned size, uint32_t val)
{
    if ((addr & (size - 1u)) != 0) {
        return wf_board_stop(b, WF_STOP_FAULT,
                             "unaligned %u-byte write of device register 0x%08X (PC 0x%08X)", size, addr,
                             b->pc);
    }
    b->acc_addr = addr;
    b->acc_size = size;
    b->acc_write = true;
    uint32_t shift = (addr & 3u) * 8u;
    uint32_t mask = size == 4 ? 0xFFFFFFFFu : ((1u << (size * 8u)) - 1u) << shift;
    uint32_t w = size == 4 ? val : (val << shift) & mask;
    return bus(b, addr & ~3u, true, &w, mask);
}
/* ---- measurements ---- */

static uint64_t spi_bytes(const struct wf_board *b)
{
    return b->chip ? wf_sim_chip_stats(b->chip)->bytes : b->spi1.bytes;
}

static uint64_t payload_bytes(const struct wf_board *b)
{
    if (b->chip == NULL) {
        return 0;
    }
    const struct wf_sim_chip_stats *s = wf_sim_chip_stats(b->chip);
    return s->tx_mem_writes + s->rx_mem_reads;
}

void wf_board_phase_close(struct wf_board *b)
{
    struct wf_board_phase *p = &b->phases[b->nphases - 1];
    uint64_t now_ps = wf_board_time_ps(b);
    p->instructions += b->icount - b->phase_start_icount;
    p->cycles += wf_board_cycles(b) - b->phase_start_cycles;
    p->time_ps += now_ps - b->phase_start_ps;
    p->spi_bytes += spi_bytes(b) - b->phase_start_spi;
    p->payload_bytes += payload_bytes(b) - b->phase_start_payload;
    b->phase_start_icount = b->icount;
    b->phase_start_cycles = wf_board_cycles(b);
    b->phase_start_ps = now_ps;
    b->phase_start_spi = spi_bytes(b);
    b->phase_start_payload = payload_bytes(b);
}

void wf_board_console_line(struct wf_board *b, const char *line)
{
    static const char tag[] = "[phase] ";
    if (strncmp(line, tag, sizeof tag - 1) != 0) {
        return;
    }
    const char *name = line + sizeof tag - 1;
    size_t len = strcspn(name, " \r\n");
    if (len == 0 || len >= sizeof b->phases[0].name) {
        return;
    }
    wf_board_phase_close(b);
    /* A phase seen again (a retry) accumulates into its first entry; the current
     * phase moves to the end of the list only when new. */
    for (unsigned i = 0; i < b->nphases; i++) {
        if (strlen(b->phases[i].name) == len && memcmp(b->phases[i].name, name, len) == 0) {
            struct wf_board_phase tmp = b->phases[i];
            memmove(&b->phases[i], &b->phases[i + 1], (b->nphases - i - 1) * sizeof tmp);
            b->phases[b->nphases - 1] = tmp;
            return;
        }
    }
    if (b->nphases == WF_BOARD_MAX_PHASES) {
        return;
    }
    struct wf_board_phase *p = &b->phases[b->nphases++];
    memset(p, 0, sizeof *p);
    memcpy(p->name, name, len);
    p->name[len] = '\0';
}

/* ---- seed sector ---- */

#define SEED_OFF WF_BOARD_SEED_OFF
#define SEED_SIZE WF_BOARD_SEED_SIZE

int wf_board_seed_load(struct wf_board *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return errno == ENOENT ? 0 : -1; /* first run: the sector as the image left it */
    }
    uint8_t *buf = malloc(SEED_SIZE);
    if (buf == NULL) {
        fclose(f);
        return -1;
    }
    size_t n = fread(buf, 1, SEED_SIZE, f);
    int bad = ferror(f) || n != SEED_SIZE;
    fclose(f);
    if (!bad) {
        memcpy(b->flash + SEED_OFF, buf, SEED_SIZE);
    }
    free(buf);
    return bad ? -1 : 0;
}

int wf_board_seed_save(const struct wf_board *b, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }
    size_t n = fwrite(b->flash + SEED_OFF, 1, SEED_SIZE, f);
    int rc = fclose(f);
    return (n == SEED_SIZE && rc == 0) ? 0 : -1;
}
