/* The machine: bus decoding, time, resets, stops, phase accounting, seed file. */
#include "emu_machine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wf_sim_chip.h"

uint64_t wf_emu_rand(struct wf_emu *b)
{
    uint64_t x = b->prng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    b->prng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

struct wf_emu *wf_emu_new(const struct wf_emu_board *board, struct wf_sim_chip *chip, uint64_t seed)
{
    struct wf_emu *b = board != NULL ? calloc(1, sizeof *b) : NULL;
    if (b == NULL) {
        return NULL;
    }
    b->flash = malloc(WF_EMU_FLASH_SIZE);
    b->sram = malloc(WF_EMU_SRAM_SIZE);
    if (b->flash == NULL || b->sram == NULL) {
        wf_emu_free(b);
        return NULL;
    }
    memset(b->flash, 0xFF, WF_EMU_FLASH_SIZE); /* erased */
    b->board = board;
    b->chip = chip;
    b->prng = seed ? seed : 0x9E3779B97F4A7C15ull;
    b->lsi_hz = 32000;
    b->console_baud = WF_EMU_CONSOLE_BAUD;
    b->chip_absent_miso = 0xFF;
    b->board_cpi_milli = 1000;
    snprintf(b->phases[0].name, sizeof b->phases[0].name, "boot");
    b->nphases = 1;
    emu_iwdg_init(b);
    emu_usart_init(b);
    emu_adc_init(b);
    emu_spi_init(b);
    emu_dma_init(b);
    emu_gpio_init(b);
    emu_rcc_init(b);
    emu_flash_if_init(b);
    emu_core_init(b);
    emu_exti_init(b);
    wf_emu_reset(b, true, 0);
    return b;
}

void wf_emu_attach(struct wf_emu *b, struct emu_dev *d)
{
    if (b->ndevs < sizeof b->devs / sizeof b->devs[0]) {
        b->devs[b->ndevs++] = d;
    }
}

void wf_emu_free(struct wf_emu *b)
{
    if (b == NULL) {
        return;
    }
    free(b->flash);
    free(b->sram);
    free(b);
}

void wf_emu_reset(struct wf_emu *b, bool power_on, uint32_t cause_flag)
{
    /* SRAM keeps no promise across power-on; the emulator refills it after every
     * reset, so the firmware cannot depend on anything its startup does not set. */
    for (size_t i = 0; i < WF_EMU_SRAM_SIZE; i += 8) {
        uint64_t r = wf_emu_rand(b);
        memcpy(b->sram + i, &r, 8);
    }
    wf_emu_clock_will_change(b);
    emu_rcc_reset(b, power_on, cause_flag);
    emu_flash_if_reset(b);
    emu_gpio_reset(b);
    emu_spi_reset(b);
    emu_dma_reset(b);
    emu_usart_reset(b);
    emu_core_reset(b);
    emu_adc_reset(b);
    emu_iwdg_reset(b);
    emu_exti_reset(b);
    emu_dev_reset(&b->sysmem);
    b->fpu_enabled = false;
    b->cs_low = false;
    b->reset_request = false;
    b->reset_cause = NULL;
    if (!power_on) {
        b->resets++;
    }
}

int wf_emu_exit_code(const struct wf_emu *b)
{
    switch (b->stop) {
    case WF_EMU_STOP_EXIT:
        return b->exit_code & 0xFF;
    case WF_EMU_STOP_UNMODELLED:
        return WF_EMU_EXIT_UNMODELLED;
    case WF_EMU_STOP_TIMEOUT:
        return WF_EMU_EXIT_TIMEOUT;
    case WF_EMU_STOP_RULE:
        return WF_EMU_EXIT_RULE;
    case WF_EMU_STOP_POWER_CUT:
        return WF_EMU_EXIT_POWER_CUT;
    case WF_EMU_STOP_UNHANDLED:
        return WF_EMU_EXIT_UNHANDLED;
    default:
        return WF_EMU_EXIT_FAULT;
    }
}

int wf_emu_stop(struct wf_emu *b, enum wf_emu_stop why, const char *fmt, ...)
{
    if (b->stop != WF_EMU_STOP_NONE) {
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

/* The PLL's output from RCC_PLLCFGR (RM0383 6.3.2): (HSI or HSE) / M * N / P. */
static uint32_t pll_hz(const struct wf_emu *b)
{
    uint32_t cfg = b->rcc.dev.r[RCC_PLLCFGR];
    uint32_t m = cfg & 0x3Fu, n = (cfg >> 6) & 0x1FFu, p = 2u * (((cfg >> 16) & 3u) + 1u);
    uint32_t in = (cfg & (1u << 22)) ? b->board->hse_hz : WF_EMU_HSI_HZ;
    return m ? (uint32_t)((uint64_t)in / m * n / p) : 0;
}

uint32_t wf_emu_sysclk(const struct wf_emu *b)
{
    switch (b->rcc.sws) {
    case 1:
        return b->board->hse_hz;
    case 2:
        return pll_hz(b);
    default:
        return WF_EMU_HSI_HZ;
    }
}

uint32_t wf_emu_hclk(const struct wf_emu *b)
{
    static const unsigned shift[8] = {1, 2, 3, 4, 6, 7, 8, 9};
    uint32_t hpre = (b->rcc.dev.r[RCC_CFGR] >> 4) & 0xFu;
    uint32_t s = wf_emu_sysclk(b);
    return (hpre & 8u) ? s >> shift[hpre & 7u] : s;
}

static uint32_t apb(uint32_t hclk, uint32_t ppre)
{
    return (ppre & 4u) ? hclk >> ((ppre & 3u) + 1u) : hclk;
}

uint32_t wf_emu_pclk1(const struct wf_emu *b)
{
    return apb(wf_emu_hclk(b), (b->rcc.dev.r[RCC_CFGR] >> 10) & 7u);
}

uint32_t wf_emu_pclk2(const struct wf_emu *b)
{
    return apb(wf_emu_hclk(b), (b->rcc.dev.r[RCC_CFGR] >> 13) & 7u);
}

uint32_t wf_emu_spi1_hz(const struct wf_emu *b)
{
    return wf_emu_pclk2(b) >> (((b->spi1.dev.r[SPI_CR1] >> 3) & 7u) + 1u);
}

/* ---- time ---- */

uint64_t wf_emu_cycles(const struct wf_emu *b)
{
    return b->icount + b->stall_cycles + b->sleep_cycles + b->bus_wait_cycles;
}

uint64_t wf_emu_board_mcycles(const struct wf_emu *b)
{
    /* Flash stalls and sleep pass on the board as here (the bus runs on meanwhile);
     * the report's board time leaves them out, as it always did. */
    return b->icount * b->board_cpi_milli + b->board_wait_mcycles +
           (b->stall_cycles + b->sleep_cycles) * 1000u;
}

void wf_emu_bus_wait(struct wf_emu *b, uint64_t until, uint64_t until_board)
{
    uint64_t now = wf_emu_cycles(b), now_board = wf_emu_board_mcycles(b);
    if (until > now) {
        b->bus_wait_cycles += until - now;
    }
    if (until_board > now_board) {
        b->board_wait_mcycles += until_board - now_board;
    }
}

void wf_emu_clock_will_change(struct wf_emu *b)
{
    uint64_t c = wf_emu_cycles(b);
    uint32_t hz = wf_emu_hclk(b);
    unsigned __int128 num = (unsigned __int128)(c - b->tb_cycles) * 1000000000000ull + b->tb_rem;
    b->tb_ps += (uint64_t)(num / hz);
    b->tb_rem = (uint64_t)(num % hz);
    b->tb_cycles = c;
}

uint64_t wf_emu_time_ps(struct wf_emu *b)
{
    uint64_t c = wf_emu_cycles(b);
    unsigned __int128 num = (unsigned __int128)(c - b->tb_cycles) * 1000000000000ull + b->tb_rem;
    return b->tb_ps + (uint64_t)(num / wf_emu_hclk(b));
}

uint32_t wf_emu_millis(void *board)
{
    return (uint32_t)(wf_emu_time_ps(board) / 1000000000ull);
}

void wf_emu_stall(struct wf_emu *b, uint64_t ps)
{
    b->stall_cycles += (uint64_t)((unsigned __int128)ps * wf_emu_hclk(b) / 1000000000000ull);
}

void wf_emu_tick(struct wf_emu *b)
{
    (void)emu_rcc_update(b); /* completes a pending clock switch */
    emu_dma_update(b);
    emu_spi_update(b);
    emu_iwdg_check(b);
    emu_irq_update(b); /* the chip's INTn may have fallen (data arrived, SEND_OK); console input */
}

static void level_irq(struct wf_emu *b, bool asserted, unsigned irq)
{
    unsigned exc = EMU_EXC_IRQ0 + irq;
    if (asserted && !emu_exc_is_active(b, exc) && !emu_exc_is_pending(b, exc)) {
        emu_exc_set_pending(b, exc);
    }
}

void emu_irq_update(struct wf_emu *b)
{
    emu_exti_update(b);
    level_irq(b, emu_usart_irq_line(b), b->usart.dev.unit == 1 ? EMU_IRQ_USART1 : EMU_IRQ_USART2);
    level_irq(b, emu_spi_irq_line(b), EMU_IRQ_SPI1);
    for (unsigned s = 0; s < 4; s++) {
        level_irq(b, emu_dma_irq_line(b, s), EMU_IRQ_DMA2_STREAM0 + s);
    }
}

/* ---- bus ---- */

bool wf_emu_is_mmio(uint32_t addr)
{
    return (addr >= 0x40000000u && addr < 0x40080000u) || addr >= 0xE0000000u ||
           (addr >= 0x1FFF7000u && addr < 0x1FFF8000u);
}

static int unmodelled(struct wf_emu *b)
{
    return wf_emu_stop(b, WF_EMU_STOP_UNMODELLED, "unmodelled %s of %u byte%s at 0x%08X (PC 0x%08X)",
                       b->acc_write ? "write" : "read", b->acc_size, b->acc_size == 1 ? "" : "s", b->acc_addr,
                       b->pc);
}

int wf_emu_reserved(struct wf_emu *b)
{
    return wf_emu_stop(
        b, WF_EMU_STOP_UNMODELLED, "%s of %u byte%s at 0x%08X: reserved or unmodelled register (PC 0x%08X)",
        b->acc_write ? "write" : "read", b->acc_size, b->acc_size == 1 ? "" : "s", b->acc_addr, b->pc);
}

/* Peripheral clocks gate the registers: silicon ignores writes and reads 0 while
 * the enable bit is clear; the emulator stops instead. */
static int need_clock(struct wf_emu *b, const struct emu_dev *d)
{
    static const struct {
        unsigned reg;
        const char *name;
    } gates[] = {[EMU_GATE_AHB1] = {RCC_AHB1ENR, "AHB1ENR"},
                 [EMU_GATE_APB1] = {RCC_APB1ENR, "APB1ENR"},
                 [EMU_GATE_APB2] = {RCC_APB2ENR, "APB2ENR"}};
    if (d->gate == EMU_GATE_NONE || (b->rcc.dev.r[gates[d->gate].reg] & d->gate_bit)) {
        return 0;
    }
    unsigned bit = 0;
    while (bit < 31 && !(d->gate_bit & (1u << bit))) {
        bit++;
    }
    return wf_emu_stop(
        b, WF_EMU_STOP_RULE,
        "%s accessed while its clock is disabled (RCC %s bit %u = 0; silicon ignores the access)", d->name,
        gates[d->gate].name, bit);
}

/* One aligned 32-bit register access, dispatched by block. */
static int bus(struct wf_emu *b, uint32_t addr, bool write, uint32_t *v, uint32_t mask)
{
    for (unsigned i = 0; i < b->ndevs; i++) {
        struct emu_dev *d = b->devs[i];
        if (addr - d->base < d->size) {
            if (need_clock(b, d) != 0) {
                return -1;
            }
            return write ? emu_dev_write(b, d, addr - d->base, *v, mask)
                         : emu_dev_read(b, d, addr - d->base, v);
        }
    }
    return unmodelled(b);
}

int wf_emu_read(struct wf_emu *b, uint32_t addr, unsigned size, uint32_t *val)
{
    if ((addr & (size - 1u)) != 0) {
        return wf_emu_stop(b, WF_EMU_STOP_FAULT,
                           "unaligned %u-byte read of device register 0x%08X (PC 0x%08X)", size, addr, b->pc);
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

int wf_emu_write(struct wf_emu *b, uint32_t addr, unsigned size, uint32_t val)
{
    if ((addr & (size - 1u)) != 0) {
        return wf_emu_stop(b, WF_EMU_STOP_FAULT,
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

static uint64_t spi_bytes(const struct wf_emu *b)
{
    return b->chip ? wf_sim_chip_stats(b->chip)->bytes : b->spi1.bytes;
}

static uint64_t payload_bytes(const struct wf_emu *b)
{
    if (b->chip == NULL) {
        return 0;
    }
    const struct wf_sim_chip_stats *s = wf_sim_chip_stats(b->chip);
    return s->tx_mem_writes + s->rx_mem_reads;
}

void wf_emu_phase_close(struct wf_emu *b)
{
    struct wf_emu_phase *p = &b->phases[b->nphases - 1];
    uint64_t now_ps = wf_emu_time_ps(b);
    p->instructions += b->icount - b->phase_start_icount;
    p->cycles += wf_emu_cycles(b) - b->phase_start_cycles;
    p->time_ps += now_ps - b->phase_start_ps;
    p->spi_bytes += spi_bytes(b) - b->phase_start_spi;
    p->payload_bytes += payload_bytes(b) - b->phase_start_payload;
    p->bus_wait_cycles += b->bus_wait_cycles - b->phase_start_bus_wait;
    p->board_wait_mcycles += b->board_wait_mcycles - b->phase_start_board_wait;
    b->phase_start_bus_wait = b->bus_wait_cycles;
    b->phase_start_board_wait = b->board_wait_mcycles;
    b->phase_start_icount = b->icount;
    b->phase_start_cycles = wf_emu_cycles(b);
    b->phase_start_ps = now_ps;
    b->phase_start_spi = spi_bytes(b);
    b->phase_start_payload = payload_bytes(b);
}

void wf_emu_console_line(struct wf_emu *b, const char *line)
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
    wf_emu_phase_close(b);
    b->phase_seq++;
    /* A phase seen again (a retry) accumulates into its first entry; the current
     * phase moves to the end of the list only when new. */
    for (unsigned i = 0; i < b->nphases; i++) {
        if (strlen(b->phases[i].name) == len && memcmp(b->phases[i].name, name, len) == 0) {
            struct wf_emu_phase tmp = b->phases[i];
            memmove(&b->phases[i], &b->phases[i + 1], (b->nphases - i - 1) * sizeof tmp);
            b->phases[b->nphases - 1] = tmp;
            return;
        }
    }
    if (b->nphases == WF_EMU_MAX_PHASES) {
        return; /* the current phase goes on */
    }
    struct wf_emu_phase *p = &b->phases[b->nphases++];
    memset(p, 0, sizeof *p);
    memcpy(p->name, name, len);
    p->name[len] = '\0';
}

/* ---- seed sector ---- */

#define SEED_OFF (b->board->seed_off)
#define SEED_SIZE (b->board->seed_size)

int wf_emu_seed_load(struct wf_emu *b, const char *path)
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

int wf_emu_cred_load(struct wf_emu *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -1;
    }
    uint32_t size = b->board->cred_size;
    uint8_t *buf = malloc((size_t)size + 1);
    size_t n = buf != NULL ? fread(buf, 1, (size_t)size + 1, f) : 0;
    int bad = buf == NULL || ferror(f) || n > size;
    fclose(f);
    if (!bad) {
        memset(b->flash + b->board->cred_off, 0xFF, size);
        memcpy(b->flash + b->board->cred_off, buf, n);
    }
    free(buf);
    return bad ? -1 : 0;
}

int wf_emu_seed_save(const struct wf_emu *b, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }
    size_t n = fwrite(b->flash + SEED_OFF, 1, SEED_SIZE, f);
    int rc = fclose(f);
    return (n == SEED_SIZE && rc == 0) ? 0 : -1;
}
