/* Unit tests of the board emulator (sim/emu): the peripheral models through their
 * register interfaces (no CPU), then tiny Thumb programs run by the full emulator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <elf.h>
#include <stdio.h>

#include "emu_machine.h"
#include "emu_cpu.h"
#include "emu_elf.h"
#include "wf_sim_chip.h"
#include "../../ports/stm32f4/stm32f4_board_desc.h"

/* ---- the two boards, as their images' descriptors describe them ---- */

/* The flash layout of ports/stm32f4/stm32f411xe_memory.ld, as the linker fills it in. */
#define TEST_DESC_LAYOUT                                                                                     \
    .seed_start = 0x08004000u, .seed_end = 0x0800C000u, .cred_start = 0x0800C000u, .cred_end = 0x08010000u,  \
    .image_start = 0x08010000u, .image_end = 0x08080000u

/* What boards/nucleo_f411re's image carries in `.board_desc` (board.h's facts). */
static const struct stm32f4_board_desc nucleo_desc = {
    .magic = STM32F4_BOARD_DESC_MAGIC,
    .version = STM32F4_BOARD_DESC_VERSION,
    .size = sizeof(struct stm32f4_board_desc),
    .board = "nucleo_f411re",
    .title = "Nucleo-F411RE + W5100 shield",
    .part = "STM32F411xE",
    .hse_hz = 0,
    .console_usart = 2,
    .console_tx = STM32F4_PA(2),
    .console_rx = STM32F4_PA(3),
    .spi_bus = 1,
    .chip_select = STM32F4_PB(6),
    .chip_reset = STM32F4_NO_PIN,
    .chip_int = STM32F4_NO_PIN,
    .led = STM32F4_NO_PIN,
    .other_select = STM32F4_PB(5),
    .button = STM32F4_PC(13),
    .chip = STM32F4_CHIP_W5100,
    TEST_DESC_LAYOUT,
};

/* What boards/blackpill_f411ce's image carries. */
static const struct stm32f4_board_desc blackpill_desc = {
    .magic = STM32F4_BOARD_DESC_MAGIC,
    .version = STM32F4_BOARD_DESC_VERSION,
    .size = sizeof(struct stm32f4_board_desc),
    .board = "blackpill_f411ce",
    .title = "Black Pill STM32F411CE + W5500 module",
    .part = "STM32F411xE",
    .hse_hz = 25000000u,
    .console_usart = 1,
    .console_tx = STM32F4_PA(9),
    .console_rx = STM32F4_PA(10),
    .spi_bus = 1,
    .chip_select = STM32F4_PA(4),
    .chip_reset = STM32F4_PA(3),
    .chip_int = STM32F4_PB(0),
    .led = STM32F4_PC(13),
    .other_select = STM32F4_NO_PIN,
    .button = STM32F4_NO_PIN,
    .chip = STM32F4_CHIP_W5500,
    TEST_DESC_LAYOUT,
};

static const struct wf_emu_board *board_of(const struct stm32f4_board_desc *d, struct wf_emu_board *out)
{
    char err[256];
    if (wf_emu_board_from_desc(out, (const uint8_t *)d, sizeof *d, err, sizeof err) != 0) {
        fail_msg("%s", err);
    }
    return out;
}

static const struct wf_emu_board *nucleo(void)
{
    static struct wf_emu_board b;
    return board_of(&nucleo_desc, &b);
}

static const struct wf_emu_board *blackpill(void)
{
    static struct wf_emu_board b;
    return board_of(&blackpill_desc, &b);
}

/* ---- helpers ---- */

static uint32_t rd(struct wf_emu *b, uint32_t addr)
{
    uint32_t v = 0;
    assert_int_equal(wf_emu_read(b, addr, 4, &v), 0);
    return v;
}

static void wr(struct wf_emu *b, uint32_t addr, uint32_t v)
{
    int rc = wf_emu_write(b, addr, 4, v);
    if (rc != 0) {
        print_message("stop: %s\n", b->stop_msg);
    }
    assert_int_equal(rc, 0);
}

/* Advance the CPU clock by `n` instructions (the models only read the counters). */
static void run_cycles(struct wf_emu *b, uint64_t n)
{
    b->icount += n;
}

#define RCC 0x40023800u
#define FLASH_IF 0x40023C00u
#define GPIOA 0x40020000u
#define GPIOB 0x40020400u
#define GPIOC 0x40020800u
#define SPI1 0x40013000u
#define USART2 0x40004400u
#define IWDG 0x40003000u
#define ADC1 0x40012000u

struct capture {
    char buf[256];
    size_t len;
};

static void capture_out(void *ctx, const char *data, size_t len)
{
    struct capture *c = ctx;
    for (size_t i = 0; i < len && c->len < sizeof c->buf - 1; i++) {
        c->buf[c->len++] = data[i];
    }
    c->buf[c->len] = '\0';
}

/* ---- RCC ---- */

static void test_rcc_ready_bits(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    assert_true(rd(b, RCC + 0x00) & 2u); /* HSIRDY after reset */
    assert_int_equal(wf_emu_hclk(b), 16000000);
    /* 16 MHz / M 16 * N 336 / P 4 = 84 MHz, Q 7 */
    wr(b, RCC + 0x04, 16u | (336u << 6) | (1u << 16) | (7u << 24));
    wr(b, RCC + 0x00, rd(b, RCC + 0x00) | (1u << 24));
    assert_false(rd(b, RCC + 0x00) & (1u << 25));       /* PLL not locked yet */
    wr(b, FLASH_IF + 0x00, 2);                          /* 2 wait states for 84 MHz */
    wr(b, RCC + 0x08, 2u | (4u << 10));                 /* SW = PLL, APB1 /2 */
    assert_int_equal((rd(b, RCC + 0x08) >> 2) & 3u, 0); /* SWS still HSI: the PLL is not ready */
    run_cycles(b, 2000);                                /* > 100 us at 16 MHz */
    assert_true(rd(b, RCC + 0x00) & (1u << 25));
    assert_int_equal((rd(b, RCC + 0x08) >> 2) & 3u, 2); /* the switch completed */
    assert_int_equal(wf_emu_hclk(b), 84000000);
    assert_int_equal(wf_emu_pclk1(b), 42000000);
    assert_int_equal(b->stop, WF_EMU_STOP_NONE);
    /* Reset flags: power-on sets PORRSTF|PINRSTF|BORRSTF, RMVF clears them. */
    assert_int_equal(rd(b, RCC + 0x74) & 0xFF000000u, 0x0E000000u);
    wr(b, RCC + 0x74, EMU_RCC_CSR_RMVF);
    assert_int_equal(rd(b, RCC + 0x74) & 0xFF000000u, 0);
    wf_emu_free(b);
}

static void test_rcc_too_few_wait_states(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    wr(b, RCC + 0x04, 16u | (336u << 6) | (1u << 16) | (7u << 24));
    wr(b, RCC + 0x00, rd(b, RCC + 0x00) | (1u << 24));
    run_cycles(b, 2000);
    uint32_t v;
    assert_int_equal(wf_emu_write(b, RCC + 0x08, 4, 2u | (4u << 10)), -1); /* LATENCY still 0 */
    assert_int_equal(b->stop, WF_EMU_STOP_RULE);
    assert_non_null(strstr(b->stop_msg, "LATENCY"));
    (void)v;
    wf_emu_free(b);
}

/* ---- FLASH ---- */

static void unlock(struct wf_emu *b)
{
    wr(b, FLASH_IF + 0x04, 0x45670123u);
    wr(b, FLASH_IF + 0x04, 0xCDEF89ABu);
    assert_false(rd(b, FLASH_IF + 0x10) & (1u << 31));
}

static void test_flash_wrong_key_locks(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    assert_true(rd(b, FLASH_IF + 0x10) & (1u << 31));
    wr(b, FLASH_IF + 0x04, 0x45670123u);
    assert_int_equal(wf_emu_write(b, FLASH_IF + 0x04, 4, 0x12345678u), -1);
    assert_int_equal(b->stop, WF_EMU_STOP_RULE);
    b->stop = WF_EMU_STOP_NONE;
    /* Locked until reset: even the right sequence no longer opens it. */
    assert_int_equal(wf_emu_write(b, FLASH_IF + 0x04, 4, 0x45670123u), -1);
    assert_true(rd(b, FLASH_IF + 0x10) & (1u << 31));
    b->stop = WF_EMU_STOP_NONE;
    wf_emu_reset(b, false, 0);
    unlock(b);
    wf_emu_free(b);
}

static void test_flash_erase_program(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    const uint32_t seed = 0x08060000u;
    memset(b->flash + 0x60000, 0x00, 16); /* a previous seed */
    /* Writing without PG: error. */
    assert_int_equal(wf_emu_flash_write(b, seed, 4, 0), -1);
    assert_int_equal(b->stop, WF_EMU_STOP_RULE);
    b->stop = WF_EMU_STOP_NONE;
    unlock(b);
    wr(b, FLASH_IF + 0x10, (2u << 8) | 1u); /* PSIZE x32, PG */
    /* Program over programmed bits without an erase: error (NOR: only 1 -> 0). */
    assert_int_equal(wf_emu_flash_write(b, seed, 4, 0x12345678u), -1);
    assert_non_null(strstr(b->stop_msg, "erase"));
    b->stop = WF_EMU_STOP_NONE;
    /* Sector erase of sector 7: the CPU stalls ~1 s. */
    uint64_t t0 = wf_emu_time_ps(b);
    wr(b, FLASH_IF + 0x10, (2u << 8) | (7u << 3) | 2u);
    wr(b, FLASH_IF + 0x10, (2u << 8) | (7u << 3) | 2u | (1u << 16));
    assert_int_equal(b->flash[0x60000], 0xFF);
    assert_int_equal(b->flash[0x7FFFF], 0xFF);
    assert_true(wf_emu_time_ps(b) - t0 >= 900000000000ull);
    assert_false(rd(b, FLASH_IF + 0x0C) & (1u << 16)); /* not BSY */
    wr(b, FLASH_IF + 0x10, (2u << 8) | 1u);
    assert_int_equal(wf_emu_flash_write(b, seed, 4, 0x12345678u), 0);
    assert_int_equal(b->flash[0x60000], 0x78);
    /* 1 -> 0 again is fine, 0 -> 1 is not; a wrong size is a parallelism error. */
    assert_int_equal(wf_emu_flash_write(b, seed, 4, 0x12345670u), 0);
    assert_int_equal(wf_emu_flash_write(b, seed, 4, 0x12345679u), -1);
    b->stop = WF_EMU_STOP_NONE;
    assert_int_equal(wf_emu_flash_write(b, seed + 4, 1, 0x00), -1);
    assert_non_null(strstr(b->stop_msg, "PGPERR"));
    assert_int_equal(b->fl.erases, 1);
    wf_emu_free(b);
}

static void test_flash_seed_file(void **state)
{
    (void)state;
    char path[] = "/tmp/wf_emu_seed_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    assert_int_equal(wf_emu_seed_load(b, path), 0); /* absent: first run */
    b->flash[b->board->seed_off + 0x4000] = 0x42;   /* in the second seed sector */
    assert_int_equal(wf_emu_seed_save(b, path), 0);
    wf_emu_free(b);
    b = wf_emu_new(nucleo(), NULL, 2);
    assert_int_equal(wf_emu_seed_load(b, path), 0);
    assert_int_equal(b->flash[b->board->seed_off + 0x4000], 0x42);
    wf_emu_free(b);
    unlink(path);
}

/* ---- SPI1 + PB6 + the W5100 model ---- */

static void spi_setup(struct wf_emu *b)
{
    wr(b, RCC + 0x30, 3u);                                                /* GPIOA, GPIOB */
    wr(b, RCC + 0x44, 1u << 12);                                          /* SPI1 */
    wr(b, GPIOA + 0x00, (rd(b, GPIOA) & ~(0x3Fu << 10)) | (0x2Au << 10)); /* PA5-7 AF */
    wr(b, GPIOA + 0x20, 0x55500000u);                                     /* AF5 */
    wr(b, GPIOB + 0x18, (1u << 6) | (1u << 5));                           /* PB5, PB6 high */
    wr(b, GPIOB + 0x00, rd(b, GPIOB) | (1u << 12) | (1u << 10));          /* outputs */
    wr(b, SPI1 + 0x00, (1u << 9) | (1u << 8) | (1u << 2) | (1u << 3));    /* SSM SSI MSTR, /4 */
    wr(b, SPI1 + 0x00, rd(b, SPI1) | (1u << 6));                          /* SPE */
}

/* One byte as a polled driver moves it: TXE, DR, RXNE (the byte takes its bus time:
 * the first look finds no RXNE, the second waits for the byte's end), DR. */
static uint8_t xfer(struct wf_emu *b, uint8_t mosi)
{
    assert_true(rd(b, SPI1 + 0x08) & 2u); /* TXE */
    wr(b, SPI1 + 0x0C, mosi);
    unsigned looks = 1;
    while (!(rd(b, SPI1 + 0x08) & 1u)) { /* RXNE */
        assert_true(++looks <= 2);
    }
    return (uint8_t)rd(b, SPI1 + 0x0C);
}

static void test_spi_frame_to_chip(void **state)
{
    (void)state;
    struct wf_sim_chip *chip = wf_sim_chip_new(1);
    struct wf_emu *b = wf_emu_new(nucleo(), chip, 1);
    wf_sim_chip_set_clock(chip, wf_emu_millis, b);
    spi_setup(b);
    assert_false(b->cs_low);
    wr(b, GPIOB + 0x18, 1u << (6 + 16)); /* PB6 low */
    assert_true(b->cs_low);
    /* Read RMSR (0x001A): echo 0x00 0x01 0x02, then the reset value 0x55. */
    assert_int_equal(xfer(b, 0x0F), 0x00);
    assert_int_equal(xfer(b, 0x00), 0x01);
    assert_int_equal(xfer(b, 0x1A), 0x02);
    assert_int_equal(xfer(b, 0x00), 0x55);
    wr(b, GPIOB + 0x18, 1u << 6);
    /* Write RMSR = 0x03, read it back. */
    wr(b, GPIOB + 0x18, 1u << (6 + 16));
    xfer(b, 0xF0), xfer(b, 0x00), xfer(b, 0x1A), xfer(b, 0x03);
    wr(b, GPIOB + 0x18, 1u << 6);
    wr(b, GPIOB + 0x18, 1u << (6 + 16));
    xfer(b, 0x0F), xfer(b, 0x00), xfer(b, 0x1A);
    assert_int_equal(xfer(b, 0x00), 0x03);
    wr(b, GPIOB + 0x18, 1u << 6);
    assert_int_equal(wf_sim_chip_stats(chip)->frames, 3);
    assert_int_equal(wf_sim_chip_violation_count(chip), 0);
    /* A fifth byte under the same chip select stops the run. */
    wr(b, GPIOB + 0x18, 1u << (6 + 16));
    xfer(b, 0x0F), xfer(b, 0x00), xfer(b, 0x1A), xfer(b, 0x00);
    assert_int_equal(wf_emu_write(b, SPI1 + 0x0C, 4, 0), -1);
    assert_int_equal(b->stop, WF_EMU_STOP_RULE);
    wf_emu_free(b);
    wf_sim_chip_free(chip);
}

/* ---- SPI1 + PB6 + the W5500 model: variable-length frames, byte by byte ---- */

static void cs(struct wf_emu *b, bool low)
{
    wr(b, GPIOB + 0x18, low ? 1u << (6 + 16) : 1u << 6);
}

static void test_spi_w5500_frames(void **state)
{
    (void)state;
    struct wf_sim_chip *chip = wf_sim_chip_new_variant(1, WF_SIM_W5500);
    struct wf_emu *b = wf_emu_new(nucleo(), chip, 1);
    wf_sim_chip_set_clock(chip, wf_emu_millis, b);
    spi_setup(b);
    /* A low pulse on PB6 with no byte clocked is no frame. */
    cs(b, true);
    cs(b, false);
    assert_int_equal(wf_sim_chip_stats(chip)->frames, 0);
    /* VERSIONR (0x0039, common block, read, VDM): a 4-byte frame reads 0x04. */
    cs(b, true);
    xfer(b, 0x00), xfer(b, 0x39), xfer(b, 0x00);
    assert_int_equal(xfer(b, 0x00), 0x04);
    cs(b, false);
    /* A burst read from RTR (0x0019, 2 bytes) through RCR (0x001B): 0x07D0, 8. */
    cs(b, true);
    xfer(b, 0x00), xfer(b, 0x19), xfer(b, 0x00);
    assert_int_equal(xfer(b, 0x00), 0x07);
    assert_int_equal(xfer(b, 0x00), 0xD0);
    assert_int_equal(xfer(b, 0x00), 0x08);
    cs(b, false);
    /* Write GAR, SUBR, SHAR, SIPR (0x0001..0x0012) in one burst, read back in one. */
    uint8_t net[18];
    for (unsigned i = 0; i < sizeof net; i++) {
        net[i] = (uint8_t)(0x10 + 7 * i);
    }
    cs(b, true);
    xfer(b, 0x00), xfer(b, 0x01), xfer(b, 0x04); /* BSB 0, RWB = write, VDM */
    for (unsigned i = 0; i < sizeof net; i++) {
        xfer(b, net[i]);
    }
    cs(b, false);
    cs(b, true);
    xfer(b, 0x00), xfer(b, 0x01), xfer(b, 0x00);
    for (unsigned i = 0; i < sizeof net; i++) {
        assert_int_equal(xfer(b, 0x00), net[i]);
    }
    cs(b, false);
    /* Socket 1 register block (BSB 0b00101): Sn_PORT (0x0004) written and read back. */
    cs(b, true);
    xfer(b, 0x00), xfer(b, 0x04), xfer(b, (5u << 3) | 0x04), xfer(b, 0x12), xfer(b, 0x34);
    cs(b, false);
    cs(b, true);
    xfer(b, 0x00), xfer(b, 0x04), xfer(b, 5u << 3);
    assert_int_equal(xfer(b, 0x00), 0x12);
    assert_int_equal(xfer(b, 0x00), 0x34);
    cs(b, false);
    const struct wf_sim_chip_stats *st = wf_sim_chip_stats(chip);
    assert_int_equal(st->frames, 6);
    assert_int_equal(st->bytes, 4 + 6 + 21 + 21 + 5 + 5);
    assert_int_equal(wf_sim_chip_violation_count(chip), 0);
    assert_int_equal(b->stop, WF_EMU_STOP_NONE);
    /* A short frame (header only) is the model's violation, not a stop. */
    cs(b, true);
    xfer(b, 0x00), xfer(b, 0x39), xfer(b, 0x00);
    cs(b, false);
    assert_int_equal(b->stop, WF_EMU_STOP_NONE);
    assert_int_equal(wf_sim_chip_violation_count(chip), 1);
    assert_non_null(strstr(wf_sim_chip_violation(chip, 0)->what, "short frame"));
    wf_emu_free(b);
    wf_sim_chip_free(chip);
}

static void test_spi_rules(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    spi_setup(b);
    /* PB5 (SD card select) low during a transfer: two devices on MISO. */
    wr(b, GPIOB + 0x18, 1u << (5 + 16));
    assert_int_equal(wf_emu_write(b, SPI1 + 0x0C, 4, 0), -1);
    assert_non_null(strstr(b->stop_msg, "PB5"));
    wf_emu_free(b);
    /* SCK above 14 MHz (PCLK2 16 MHz / 2 = 8 MHz is fine; at 84 MHz / 4 it is not). */
    b = wf_emu_new(nucleo(), NULL, 1);
    spi_setup(b);
    b->rcc.dev.r[RCC_PLLCFGR] = 16u | (336u << 6) | (1u << 16) | (7u << 24);
    b->rcc.sws = 2;
    assert_int_equal(wf_emu_write(b, SPI1 + 0x0C, 4, 0), -1);
    assert_non_null(strstr(b->stop_msg, "14 MHz"));
    wf_emu_free(b);
    /* SPI1 clock disabled in RCC. */
    b = wf_emu_new(nucleo(), NULL, 1);
    uint32_t v;
    assert_int_equal(wf_emu_read(b, SPI1, 4, &v), -1);
    assert_int_equal(b->stop, WF_EMU_STOP_RULE);
    wf_emu_free(b);
}

/* ---- SPI1's bus time and DMA2 (emu_spi.c, emu_dma.c) ---- */

#define DMA2 0x40026400u
#define DMA_S(n, reg)                                                                                        \
    (DMA2 + 0x10u + 0x18u * (n) + (reg)) /* reg: 0 CR, 4 NDTR, 8 PAR, 0x0C M0AR, 0x14 FCR                    \
                                          */
#define DMA_CR_CH3 (3u << 25)
#define DMA_CR_MINC (1u << 10)
#define DMA_CR_M2P (1u << 6)
#define DMA_CR_TCIE (1u << 4)
#define DMA_TCIF0 (1u << 5)
#define DMA_TCIF3 (1u << 27)
#define RX_BUF 0x20001000u
#define TX_ZERO 0x20001800u

/* HCLK 16 MHz (HSI), PCLK2 = HCLK: SCK = 16 MHz / 2^(BR+1). */
static uint64_t byte_cycles(unsigned br)
{
    return 8u << (br + 1);
}

/* A Nucleo with the W5500 model on SPI1, set up at /4 (spi_setup). */
static struct wf_emu *w5500_on_spi1(struct wf_sim_chip **chip)
{
    *chip = wf_sim_chip_new_variant(1, WF_SIM_W5500);
    struct wf_emu *b = wf_emu_new(nucleo(), *chip, 1);
    wf_sim_chip_set_clock(*chip, wf_emu_millis, b);
    spi_setup(b);
    return b;
}

static void test_spi_bus_time(void **state)
{
    (void)state;
    struct wf_sim_chip *chip = wf_sim_chip_new_variant(1, WF_SIM_W5500);
    struct wf_emu *b = wf_emu_new(nucleo(), chip, 1);
    wf_sim_chip_set_clock(chip, wf_emu_millis, b);
    spi_setup(b); /* BR = 1: /4 */
    cs(b, true);
    /* One byte: RXNE comes only after 8 SCK periods; polling again waits for it. */
    uint64_t t0 = wf_emu_cycles(b);
    wr(b, SPI1 + 0x0C, 0x00);
    assert_int_equal(rd(b, SPI1 + 0x08) & 0x83u, 0x82u); /* TXE, BSY, no RXNE yet */
    assert_int_equal(rd(b, SPI1 + 0x08) & 0x83u, 0x03u); /* the second look waited for it */
    assert_int_equal(wf_emu_cycles(b) - t0, byte_cycles(1));
    (void)rd(b, SPI1 + 0x0C);
    /* Two bytes back to back through the TX buffer: TXE stays set after the first,
     * falls with the second; a third write then would overwrite it. */
    t0 = wf_emu_cycles(b);
    wr(b, SPI1 + 0x0C, 0x39);
    assert_true(rd(b, SPI1 + 0x08) & 2u);
    wr(b, SPI1 + 0x0C, 0x00);
    uint32_t sr = rd(b, SPI1 + 0x08); /* neither TXE nor RXNE: the look waits for the first byte */
    assert_true(sr & 3u);
    assert_int_equal(wf_emu_cycles(b) - t0, byte_cycles(1));
    (void)rd(b, SPI1 + 0x0C);
    while (!(rd(b, SPI1 + 0x08) & 1u)) {
    }
    assert_int_equal(wf_emu_cycles(b) - t0, 2 * byte_cycles(1));
    (void)rd(b, SPI1 + 0x0C);
    wr(b, SPI1 + 0x0C, 0x00);
    wr(b, SPI1 + 0x0C, 0x00);
    assert_int_equal(wf_emu_write(b, SPI1 + 0x0C, 4, 0), -1);
    assert_non_null(strstr(b->stop_msg, "TXE = 0"));
    wf_emu_free(b);
    /* Chip select raised while a byte is on the bus (no wait for RXNE and BSY). */
    b = wf_emu_new(nucleo(), chip, 1);
    spi_setup(b);
    cs(b, true);
    wr(b, SPI1 + 0x0C, 0x00);
    (void)wf_emu_write(b, GPIOB + 0x18, 4, 1u << 6);
    assert_int_equal(b->stop, WF_EMU_STOP_RULE);
    assert_non_null(strstr(b->stop_msg, "still on SPI1"));
    wf_emu_free(b);
    wf_sim_chip_free(chip);
}

/* DMA2 streams 0 (SPI1_RX, into RX_BUF) and 3 (SPI1_TX, a zero byte) for `n` bytes. */
static void dma_start(struct wf_emu *b, uint32_t n)
{
    wr(b, RCC + 0x30, rd(b, RCC + 0x30) | (1u << 22)); /* DMA2EN */
    wr(b, DMA2 + 0x08, 0x0F7D0F7Du);                   /* LIFCR */
    wr(b, DMA_S(0, 0x08), SPI1 + 0x0C);
    wr(b, DMA_S(0, 0x0C), RX_BUF);
    wr(b, DMA_S(0, 0x04), n);
    wr(b, DMA_S(0, 0x14), 0);
    wr(b, DMA_S(0, 0), DMA_CR_CH3 | DMA_CR_MINC | DMA_CR_TCIE);
    wr(b, DMA_S(3, 0x08), SPI1 + 0x0C);
    wr(b, DMA_S(3, 0x0C), TX_ZERO);
    wr(b, DMA_S(3, 0x04), n);
    wr(b, DMA_S(3, 0x14), 0);
    wr(b, DMA_S(3, 0), DMA_CR_CH3 | DMA_CR_M2P);
    wr(b, SPI1 + 0x04, 1u);                      /* RXDMAEN */
    wr(b, DMA_S(0, 0), rd(b, DMA_S(0, 0)) | 1u); /* EN */
    wr(b, DMA_S(3, 0), rd(b, DMA_S(3, 0)) | 1u);
    wr(b, SPI1 + 0x04, 3u); /* TXDMAEN: the transfer starts */
}

static void dma_end(struct wf_emu *b)
{
    wr(b, SPI1 + 0x04, 0);
    wr(b, DMA_S(0, 0), 0);
    wr(b, DMA_S(3, 0), 0);
    wr(b, DMA2 + 0x08, 0x0F7D0F7Du);
}

/* The W5500's common block 0x0000..0x002E read by the CPU and by DMA: the same bytes,
 * in order, and they reach memory only when the transfer's time is over. */
static void test_dma_same_bytes_as_cpu(void **state)
{
    (void)state;
    enum { N = 0x2F }; /* MR .. PHYCFGR: the defined common registers */
    struct wf_sim_chip *chip;
    struct wf_emu *b = w5500_on_spi1(&chip);
    uint8_t net[18]; /* GAR, SUBR, SHAR, SIPR: a pattern where a swapped or lost byte shows */
    for (unsigned i = 0; i < sizeof net; i++) {
        net[i] = (uint8_t)(0x10 + 7 * i);
    }
    cs(b, true);
    xfer(b, 0x00), xfer(b, 0x01), xfer(b, 0x04);
    for (unsigned i = 0; i < sizeof net; i++) {
        xfer(b, net[i]);
    }
    cs(b, false);
    uint8_t by_cpu[N];
    cs(b, true);
    xfer(b, 0x00), xfer(b, 0x00), xfer(b, 0x00);
    for (unsigned i = 0; i < N; i++) {
        by_cpu[i] = xfer(b, 0x00);
    }
    cs(b, false);
    assert_memory_equal(by_cpu + 1, net, sizeof net);
    assert_int_equal(by_cpu[0x19], 0x07); /* RTR 0x07D0 */
    assert_int_equal(by_cpu[0x1A], 0xD0);

    memset(b->sram + (RX_BUF - WF_EMU_SRAM_BASE), 0xEE, N);
    b->sram[TX_ZERO - WF_EMU_SRAM_BASE] = 0x00;
    uint64_t bytes = wf_sim_chip_stats(chip)->bytes;
    cs(b, true);
    xfer(b, 0x00), xfer(b, 0x00), xfer(b, 0x00); /* the header by the CPU, the data by DMA */
    dma_start(b, N);
    assert_int_equal(wf_sim_chip_stats(chip)->bytes, bytes + 3 + N); /* the model has the frame */
    /* Not there yet: the buffer is untouched, no TCIF, NDTR counts what is left. */
    assert_int_equal(b->sram[RX_BUF - WF_EMU_SRAM_BASE], 0xEE);
    assert_false(rd(b, DMA2 + 0x00) & DMA_TCIF0);
    assert_int_equal(rd(b, DMA_S(0, 0x04)), N);
    run_cycles(b, N / 2 * byte_cycles(1));
    assert_int_equal(rd(b, DMA_S(0, 0x04)), N - N / 2);
    run_cycles(b, (N - N / 2) * byte_cycles(1));
    assert_true(rd(b, DMA2 + 0x00) & DMA_TCIF0);
    assert_true(rd(b, DMA2 + 0x00) & DMA_TCIF3);
    assert_int_equal(rd(b, DMA_S(0, 0x04)), 0);
    assert_false(rd(b, DMA_S(0, 0)) & 1u); /* EN cleared by the hardware */
    assert_memory_equal(b->sram + (RX_BUF - WF_EMU_SRAM_BASE), by_cpu, N);
    dma_end(b);
    cs(b, false);
    assert_int_equal(b->stop, WF_EMU_STOP_NONE);
    for (size_t i = 0; i < wf_sim_chip_violation_count(chip); i++) {
        print_message("chip model: %s\n", wf_sim_chip_violation(chip, i)->what);
    }
    assert_int_equal(wf_sim_chip_violation_count(chip), 0);
    wf_emu_free(b);
    wf_sim_chip_free(chip);
}

/* The transfer ends N x 8 SCK periods after it starts, at any prescaler, while the CPU
 * runs; a WFI sleeps until then (with TCIE) and counts as waiting for the bus. */
static void test_dma_time_follows_sck(void **state)
{
    (void)state;
    enum { N = 100 };
    for (unsigned br = 1; br <= 4; br++) {
        struct wf_sim_chip *chip;
        struct wf_emu *b = w5500_on_spi1(&chip);
        wr(b, SPI1 + 0x00, 0);
        wr(b, SPI1 + 0x00, (1u << 9) | (1u << 8) | (1u << 2) | (br << 3));
        wr(b, SPI1 + 0x00, rd(b, SPI1) | (1u << 6));
        cs(b, true);
        xfer(b, 0x00), xfer(b, 0x00), xfer(b, 0x00);
        uint64_t t0 = wf_emu_cycles(b);
        dma_start(b, N);
        uint64_t t = N * byte_cycles(br);
        run_cycles(b, t - 1);
        assert_false(rd(b, DMA2 + 0x00) & DMA_TCIF0);
        run_cycles(b, 1);
        assert_true(rd(b, DMA2 + 0x00) & DMA_TCIF0);
        assert_int_equal(wf_emu_cycles(b) - t0, t);
        dma_end(b);
        /* Again, and the CPU waits for it (as a WFI does): the wait is the rest of the bus time. */
        xfer(b, 0x00);
        dma_start(b, N);
        run_cycles(b, 10);
        assert_int_equal(emu_dma_wake_cycles(b), wf_emu_cycles(b) - 10 + t);
        uint64_t waited = b->bus_wait_cycles;
        emu_dma_wait(b);
        assert_int_equal(b->bus_wait_cycles - waited, t - 10);
        assert_true(rd(b, DMA2 + 0x00) & DMA_TCIF0);
        dma_end(b);
        cs(b, false);
        assert_int_equal(b->stop, WF_EMU_STOP_NONE);
        wf_emu_free(b);
        wf_sim_chip_free(chip);
    }
}

static void test_dma_rules(void **state)
{
    (void)state;
    struct wf_sim_chip *chip;
    struct wf_emu *b = w5500_on_spi1(&chip);
    cs(b, true);
    xfer(b, 0x00), xfer(b, 0x39), xfer(b, 0x00);
    dma_start(b, 8);
    /* Chip select raised before the transfer's end: the frame would be cut. */
    (void)wf_emu_write(b, GPIOB + 0x18, 4, 1u << 6);
    assert_int_equal(b->stop, WF_EMU_STOP_RULE);
    assert_non_null(strstr(b->stop_msg, "DMA transfer"));
    wf_emu_free(b);
    /* A stream's address written while it is enabled; another channel. */
    b = wf_emu_new(nucleo(), chip, 1);
    spi_setup(b);
    cs(b, true);
    dma_start(b, 8);
    assert_int_equal(wf_emu_write(b, DMA_S(0, 0x0C), 4, RX_BUF), -1);
    assert_non_null(strstr(b->stop_msg, "EN = 0"));
    wf_emu_free(b);
    b = wf_emu_new(nucleo(), chip, 1);
    wr(b, RCC + 0x30, 1u << 22);
    wr(b, DMA_S(1, 0x08), SPI1 + 0x0C);
    wr(b, DMA_S(1, 0x0C), RX_BUF);
    wr(b, DMA_S(1, 0x04), 4);
    assert_int_equal(wf_emu_write(b, DMA_S(1, 0), 4, DMA_CR_CH3 | 1u), -1);
    assert_int_equal(b->stop, WF_EMU_STOP_UNMODELLED);
    wf_emu_free(b);
    wf_sim_chip_free(chip);
}

/* ---- USART2 ---- */

static void usart_setup(struct wf_emu *b, uint32_t brr)
{
    wr(b, RCC + 0x30, 1u);
    wr(b, RCC + 0x40, 1u << 17);
    wr(b, GPIOA + 0x00, rd(b, GPIOA) | (2u << 4));
    wr(b, GPIOA + 0x20, 7u << 8);
    wr(b, USART2 + 0x08, brr);
    wr(b, USART2 + 0x0C, (1u << 13) | (1u << 3));
}

static void test_usart_capture(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    struct capture c = {0};
    b->console_out = capture_out;
    b->console_ctx = &c;
    usart_setup(b, 139); /* 16 MHz / 139 = 115108 baud */
    const char *text = "hi\n[phase] dns\n";
    for (const char *p = text; *p; p++) {
        assert_true(rd(b, USART2 + 0x00) & (1u << 7)); /* TXE */
        wr(b, USART2 + 0x04, (uint8_t)*p);
    }
    assert_string_equal(c.buf, text);
    assert_int_equal(b->nphases, 2);
    assert_string_equal(b->phases[1].name, "dns");
    assert_int_equal(b->usart.baud, 115107); /* 16 MHz / 139, as the report states it */
    /* A baud rate off by more than 2 %: stop. */
    wr(b, USART2 + 0x08, 150);
    assert_int_equal(wf_emu_write(b, USART2 + 0x04, 4, 'x'), -1);
    assert_non_null(strstr(b->stop_msg, "baud"));
    wf_emu_free(b);
    /* --console-baud 9600: BRR 1667 (16 MHz) is accepted, 115200 is not; "any" takes both. */
    b = wf_emu_new(nucleo(), NULL, 1);
    b->console_baud = 9600;
    usart_setup(b, 1667);
    wr(b, USART2 + 0x04, 'a');
    assert_int_equal(b->usart.baud, 9598);
    wr(b, USART2 + 0x08, 139);
    assert_int_equal(wf_emu_write(b, USART2 + 0x04, 4, 'x'), -1);
    assert_non_null(strstr(b->stop_msg, "expects 9600"));
    wf_emu_free(b);
    b = wf_emu_new(nucleo(), NULL, 1);
    b->console_baud = 0;
    usart_setup(b, 1667);
    wr(b, USART2 + 0x04, 'a');
    wr(b, USART2 + 0x08, 139);
    wr(b, USART2 + 0x04, 'b');
    assert_int_equal(b->usart.baud, 115107);
    wf_emu_free(b);
}

/* ---- IWDG ---- */

static void test_iwdg_expiry(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    /* PR 0 (/4), RLR 99: 100 * 4 / 32 kHz = 12.5 ms. At 16 MHz 1 ms = 16000 instructions. */
    wr(b, IWDG + 0x00, 0x5555);
    wr(b, IWDG + 0x04, 0);
    wr(b, IWDG + 0x08, 99);
    assert_int_equal(rd(b, IWDG + 0x0C), 3); /* PVU, RVU: updates in flight */
    wr(b, IWDG + 0x00, 0xCCCC);
    run_cycles(b, 12 * 16000);
    wf_emu_tick(b);
    assert_false(b->reset_request);
    wr(b, IWDG + 0x00, 0xAAAA); /* fed: another 12.5 ms */
    run_cycles(b, 12 * 16000);
    wf_emu_tick(b);
    assert_false(b->reset_request);
    run_cycles(b, 1 * 16000);
    wf_emu_tick(b);
    assert_true(b->reset_request);
    assert_string_equal(b->reset_cause, "watchdog reset");
    wf_emu_reset(b, false, EMU_RCC_CSR_IWDGRSTF);
    assert_true(rd(b, RCC + 0x74) & EMU_RCC_CSR_IWDGRSTF);
    assert_false(b->iwdg.running);
    /* PR without the 0x5555 key is ignored by silicon: stop. */
    assert_int_equal(wf_emu_write(b, IWDG + 0x04, 4, 3), -1);
    wf_emu_free(b);
}

/* ---- DWT, SysTick, time ---- */

static void test_dwt_systick_time(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    run_cycles(b, 16000);
    assert_int_equal(wf_emu_millis(b), 1); /* 16000 instructions at 16 MHz, CPI 1 */
    /* CYCCNTENA without TRCENA: the DWT is off. */
    assert_int_equal(wf_emu_write(b, 0xE0001000u, 4, 1), -1);
    b->stop = WF_EMU_STOP_NONE;
    wr(b, 0xE000EDFCu, 1u << 24);
    wr(b, 0xE0001004u, 0);
    wr(b, 0xE0001000u, 1);
    run_cycles(b, 1234);
    assert_int_equal(rd(b, 0xE0001004u), 1234);
    /* SysTick on the processor clock, reload 999. */
    wr(b, 0xE000E014u, 999);
    wr(b, 0xE000E018u, 0);
    wr(b, 0xE000E010u, 5); /* ENABLE | CLKSOURCE */
    run_cycles(b, 1);
    assert_int_equal(rd(b, 0xE000E018u), 999);
    run_cycles(b, 998);
    assert_int_equal(rd(b, 0xE000E018u), 1);
    assert_false(rd(b, 0xE000E010u) & (1u << 16));
    run_cycles(b, 1);
    assert_int_equal(rd(b, 0xE000E018u), 0);
    assert_true(rd(b, 0xE000E010u) & (1u << 16)); /* COUNTFLAG, cleared by the read */
    assert_false(rd(b, 0xE000E010u) & (1u << 16));
    run_cycles(b, 1000 * 5 + 1);
    assert_int_equal(rd(b, 0xE000E018u), 999);
    assert_true(rd(b, 0xE000E010u) & (1u << 16));
    /* TICKINT: the wrap sets SysTick pending (ICSR.PENDSTSET), the next due is known. */
    wr(b, 0xE000E010u, 7);
    assert_false(rd(b, 0xE000ED04u) & (1u << 26));
    assert_int_equal(emu_systick_next_irq(b), wf_emu_cycles(b) + 999);
    run_cycles(b, 999);
    assert_true(rd(b, 0xE000ED04u) & (1u << 26));
    assert_int_equal((rd(b, 0xE000ED04u) >> 12) & 0x1FFu, 15); /* VECTPENDING: SysTick */
    wr(b, 0xE000ED04u, 1u << 25);                              /* PENDSTCLR */
    assert_false(rd(b, 0xE000ED04u) & (1u << 26));
    wf_emu_free(b);
}

/* ---- ADC ---- */

static void test_adc_noise(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    wr(b, RCC + 0x44, 1u << 8);
    wr(b, ADC1 + 0x34, 18);                                                 /* SQ1 = temperature sensor */
    wr(b, ADC1 + 0x0C, 7u << 24);                                           /* 480 cycles */
    wr(b, ADC1 + 0x08, 1);                                                  /* ADON */
    assert_int_equal(wf_emu_write(b, ADC1 + 0x08, 4, 1u | (1u << 30)), -1); /* TSVREFE = 0 */
    b->stop = WF_EMU_STOP_NONE;
    wr(b, ADC1 + 0x304, 1u << 23);
    uint32_t first = 0, distinct = 0;
    for (int i = 0; i < 32; i++) {
        wr(b, ADC1 + 0x08, 1u | (1u << 30));
        assert_true(rd(b, ADC1 + 0x00) & 2u); /* EOC */
        uint32_t v = rd(b, ADC1 + 0x4C);
        assert_false(rd(b, ADC1 + 0x00) & 2u);
        assert_in_range(v, 943 - 8, 943 + 8);
        if (i == 0) {
            first = v;
        } else if (v != first) {
            distinct++;
        }
    }
    assert_true(distinct > 0);
    wf_emu_free(b);
}

/* ---- strictness ---- */

static void test_unmodelled(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    uint32_t v;
    assert_int_equal(wf_emu_read(b, 0x40010000u, 4, &v), -1); /* TIM1 */
    assert_int_equal(b->stop, WF_EMU_STOP_UNMODELLED);
    assert_non_null(strstr(b->stop_msg, "0x40010000"));
    wf_emu_free(b);
    b = wf_emu_new(nucleo(), NULL, 1);
    assert_int_equal(wf_emu_write(b, RCC + 0x18, 4, 0), -1); /* reserved offset */
    assert_int_equal(b->stop, WF_EMU_STOP_UNMODELLED);
    assert_non_null(strstr(b->stop_msg, "reserved"));
    wf_emu_free(b);
    b = wf_emu_new(nucleo(), NULL, 1);
    assert_int_equal(wf_emu_write(b, 0xE000ED14u, 4, 0x208u), -1); /* CCR.UNALIGN_TRP */
    assert_int_equal(b->stop, WF_EMU_STOP_UNMODELLED);
    wf_emu_free(b);
}

/* ---- the register-file engine ---- */

static unsigned hook_calls;

static int count_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)b, (void)d, (void)off;
    hook_calls++;
    *v |= 0x80000000u;
    return 0;
}

static int w1c_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)b, (void)d;
    w->val = w->old & ~w->raw;
    return 0;
}

static int refuse_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)d, (void)w;
    return wf_emu_stop(b, WF_EMU_STOP_RULE, "refused");
}

static void test_regs_engine(void **state)
{
    (void)state;
    static const struct emu_reg table[] = {
        {0x00, "PLAIN", 0x00001234u, 0x0000FFF0u},      {0x04, "RO", 0xABCD0000u, 0},
        {0x08, "W1C", 0x000000FFu, 0, NULL, w1c_write}, {0x0C, "HOOKED", 0, 0xFFu, count_read, refuse_write},
        {0x20, "BANK", 0x5u, 0, NULL, NULL, 4},
    };
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    struct emu_dev d;
    emu_dev_init(&d, "TEST", 0, 0x400, table, sizeof table / sizeof table[0], EMU_GATE_NONE, 0, 0);
    emu_dev_reset(&d);
    uint32_t v;
    /* reset values */
    assert_int_equal(emu_dev_read(b, &d, 0x00, &v), 0);
    assert_int_equal(v, 0x1234);
    assert_int_equal(emu_dev_read(b, &d, 0x04, &v), 0);
    assert_int_equal(v, 0xABCD0000u);
    /* writable bits only, and only in the written byte lanes */
    assert_int_equal(emu_dev_write(b, &d, 0x00, 0xFFFFFFFFu, 0xFFFFFFFFu), 0);
    assert_int_equal(d.r[0], 0xFFF4u);
    assert_int_equal(emu_dev_write(b, &d, 0x00, 0x00000000u, 0x000000FFu), 0);
    assert_int_equal(d.r[0], 0xFF04u);
    /* a read-only register keeps its value */
    assert_int_equal(emu_dev_write(b, &d, 0x04, 0x12345678u, 0xFFFFFFFFu), 0);
    assert_int_equal(d.r[1], 0xABCD0000u);
    /* write 1 to clear through the hook */
    assert_int_equal(emu_dev_write(b, &d, 0x08, 0x0Fu, 0xFFFFFFFFu), 0);
    assert_int_equal(d.r[2], 0xF0u);
    /* read hook; a refusing write hook stores nothing and stops */
    hook_calls = 0;
    assert_int_equal(emu_dev_read(b, &d, 0x0C, &v), 0);
    assert_int_equal(v, 0x80000000u);
    assert_int_equal(hook_calls, 1);
    assert_int_equal(emu_dev_write(b, &d, 0x0C, 0x55u, 0xFFFFFFFFu), -1);
    assert_int_equal(d.r[3], 0);
    assert_int_equal(b->stop, WF_EMU_STOP_RULE);
    b->stop = WF_EMU_STOP_NONE;
    /* a bank: every word reads the reset value */
    assert_int_equal(emu_dev_read(b, &d, 0x2C, &v), 0);
    assert_int_equal(v, 5);
    assert_ptr_equal(emu_dev_find(&d, 0x2C), &table[4]);
    /* no row: reserved */
    assert_null(emu_dev_find(&d, 0x10));
    assert_int_equal(emu_dev_read(b, &d, 0x10, &v), -1);
    assert_int_equal(b->stop, WF_EMU_STOP_UNMODELLED);
    wf_emu_free(b);
}

/* The tables of the real peripherals, through the bus: reset values from RM0383,
 * writable-bit masks and read-only registers. */
static void test_regs_tables(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    assert_int_equal(rd(b, RCC + 0x04), 0x24003010u); /* RCC_PLLCFGR */
    assert_int_equal(rd(b, RCC + 0x84), 0x24003000u); /* RCC_PLLI2SCFGR */
    assert_int_equal(rd(b, RCC + 0x00) & 0xFFFFu, 0x5A83u);
    wr(b, RCC + 0x30, 7u); /* GPIOA..C clocks */
    assert_int_equal(rd(b, GPIOA + 0x00), 0xA8000000u);
    assert_int_equal(rd(b, GPIOB + 0x00), 0x00000280u);
    assert_int_equal(rd(b, GPIOB + 0x0C), 0x00000100u);
    assert_int_equal(rd(b, GPIOC + 0x00), 0);
    /* OTYPER and ODR have 16 bits; IDR is read-only (inputs: the Nucleo's button on
     * PC13 reads 1 through its pull-up, the rest 0); BSRR reads 0 */
    wr(b, GPIOC + 0x04, 0xFFFFFFFFu);
    assert_int_equal(rd(b, GPIOC + 0x04), 0xFFFFu);
    wr(b, GPIOC + 0x10, 0xFFFFFFFFu);
    assert_int_equal(rd(b, GPIOC + 0x10), 1u << 13);
    wr(b, GPIOC + 0x18, 1u << 13);
    assert_int_equal(rd(b, GPIOC + 0x18), 0);
    assert_int_equal(rd(b, GPIOC + 0x14), 1u << 13);
    /* HSICAL (RCC_CR[15:8]) and the ready flags are not writable */
    wr(b, RCC + 0x00, 0x00000001u);
    assert_int_equal(rd(b, RCC + 0x00) & 0xFF03u, 0x5A03u);
    /* byte write into a register: only that lane changes */
    wr(b, RCC + 0x40, 0);
    assert_int_equal(wf_emu_write(b, RCC + 0x43, 1, 0x10), 0); /* PWREN, bit 28 */
    assert_int_equal(rd(b, RCC + 0x40), 1u << 28);
    /* PWR_CR resets to VOS = 11; PWR_CSR is read-only but for its two clear bits */
    assert_int_equal(rd(b, 0x40007000u) & 0xC000u, 0xC000u);
    /* the core: CPUID read-only (a write stops the run), DHCSR reads C_DEBUGEN */
    assert_int_equal(rd(b, 0xE000ED00u), 0x410FC241u);
    assert_int_equal(rd(b, 0xE000EDF0u) & 1u, 1);
    assert_int_equal(wf_emu_write(b, 0xE000ED00u, 4, 0), -1);
    assert_int_equal(b->stop, WF_EMU_STOP_UNMODELLED);
    b->stop = WF_EMU_STOP_NONE;
    /* unique ID and flash size */
    assert_int_equal(rd(b, 0x1FFF7A20u) >> 16, 512);
    wf_emu_free(b);
}

/* ---- boards ---- */

static void test_board_table(void **state)
{
    (void)state;
    const struct wf_emu_board *n = nucleo(), *bp = blackpill();
    assert_string_equal(n->id, "nucleo_f411re");
    assert_string_equal(bp->title, "Black Pill STM32F411CE + W5500 module");
    assert_int_equal(n->hse_hz, 0);
    assert_int_equal(n->console_usart, 2);
    assert_int_equal(n->chip, WF_SIM_W5100);
    assert_int_equal(n->chip_reset.port, -1);
    assert_int_equal(n->chip_int.port, -1);
    assert_int_equal(bp->hse_hz, 25000000);
    assert_int_equal(bp->console_usart, 1);
    assert_int_equal(bp->chip, WF_SIM_W5500);
    char pn[8];
    assert_string_equal(emu_pin_name(bp->chip_select, pn), "PA4");
    assert_string_equal(emu_pin_name(bp->chip_reset, pn), "PA3");
    assert_string_equal(emu_pin_name(bp->chip_int, pn), "PB0");
    assert_string_equal(emu_pin_name(bp->console_rx, pn), "PA10");
    assert_string_equal(emu_pin_name(n->chip_select, pn), "PB6");
    assert_string_equal(emu_pin_name(n->other_select, pn), "PB5");
    assert_string_equal(emu_pin_name(n->button, pn), "PC13");
    /* the flash layout: seed sectors 1-2, credentials sector 3, the image from sector 4 */
    assert_int_equal(n->seed_off, 0x4000);
    assert_int_equal(n->seed_size, 0x8000);
    assert_int_equal(n->seed_first_sector, 1);
    assert_int_equal(n->cred_off, 0xC000);
    assert_int_equal(n->cred_size, 0x4000);
    assert_int_equal(n->image_off, 0x10000);
    assert_int_equal(n->image_size, 0x70000);
}

/* A descriptor with one thing wrong is refused with a message naming it. */
static void expect_refused(const struct stm32f4_board_desc *d, size_t len, const char *why)
{
    struct wf_emu_board b;
    char err[256] = "";
    assert_int_equal(wf_emu_board_from_desc(&b, (const uint8_t *)d, len, err, sizeof err), -1);
    if (strstr(err, why) == NULL) {
        fail_msg("expected '%s' in: %s", why, err);
    }
}

static void test_board_desc_refused(void **state)
{
    (void)state;
    struct stm32f4_board_desc d = blackpill_desc;
    expect_refused(&d, 0, "truncated");
    expect_refused(&d, 7, "truncated");
    expect_refused(&d, sizeof d - 1, "truncated (135 of its 136 bytes)");
    d.magic ^= 1;
    expect_refused(&d, sizeof d, "not a board descriptor");
    d = blackpill_desc;
    d.version = 2;
    expect_refused(&d, sizeof d, "version 2, this emulator reads version 1 only");
    d = blackpill_desc;
    d.size = 140;
    expect_refused(&d, sizeof d, "size 140");
    d = blackpill_desc;
    memcpy(d.part, "STM32F401xC", 12);
    expect_refused(&d, sizeof d, "STM32F411xE only");
    d = blackpill_desc;
    memset(d.board, 'x', sizeof d.board); /* not terminated */
    expect_refused(&d, sizeof d, "name or title");
    d = blackpill_desc;
    d.console_usart = 6;
    expect_refused(&d, sizeof d, "USART6");
    d = blackpill_desc;
    d.spi_bus = 2;
    expect_refused(&d, sizeof d, "SPI2");
    d = blackpill_desc;
    d.chip_select = STM32F4_NO_PIN;
    expect_refused(&d, sizeof d, "chip select pin 0xFF");
    d = blackpill_desc;
    d.chip_int = STM32F4_PD(2);
    expect_refused(&d, sizeof d, "chip interrupt pin 0x32");
    d = blackpill_desc;
    d.chip = 3;
    expect_refused(&d, sizeof d, "chip 3");
    d = blackpill_desc;
    d.seed_end = 0x08008000u; /* one sector, not two */
    expect_refused(&d, sizeof d, "seed region");
    d = blackpill_desc;
    d.cred_start = 0x0800C100u; /* not on a sector boundary */
    expect_refused(&d, sizeof d, "credentials region");
    d = blackpill_desc;
    d.image_end = 0x08090000u; /* past the end of flash */
    expect_refused(&d, sizeof d, "image region");
    /* longer than this version's size is fine (the section may be padded) */
    uint8_t padded[sizeof d + 8] = {0};
    memcpy(padded, &blackpill_desc, sizeof blackpill_desc);
    struct wf_emu_board b;
    char err[256];
    assert_int_equal(wf_emu_board_from_desc(&b, padded, sizeof padded, err, sizeof err), 0);
    assert_string_equal(b.id, "blackpill_f411ce");
}

/* HSEON -> HSERDY after the crystal's start-up; the PLL from the HSE at M 16, N 128,
 * P 2: SYSCLK 25 MHz / 16 * 128 / 2 = 100 MHz, derived from the registers. */
static void test_hse_pll(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(blackpill(), NULL, 1);
    run_cycles(b, 100000);
    assert_false(rd(b, RCC + 0x00) & (1u << 17)); /* no HSERDY without HSEON */
    wr(b, RCC + 0x00, rd(b, RCC + 0x00) | (1u << 16));
    assert_false(rd(b, RCC + 0x00) & (1u << 17)); /* the crystal is starting */
    /* A PLL from the HSE before HSERDY does not lock. */
    wr(b, RCC + 0x04, 16u | (128u << 6) | (0u << 16) | (1u << 22) | (4u << 24));
    wr(b, RCC + 0x00, rd(b, RCC + 0x00) | (1u << 24));
    run_cycles(b, 1000 * 16); /* 1 ms: PLL lock time over, HSE not ready */
    assert_false(rd(b, RCC + 0x00) & (1u << 25));
    run_cycles(b, 2 * 16000); /* > 2 ms after HSEON */
    assert_true(rd(b, RCC + 0x00) & (1u << 17));
    assert_true(rd(b, RCC + 0x00) & (1u << 25));
    wr(b, FLASH_IF + 0x00, 3);          /* 3 wait states for 100 MHz */
    wr(b, RCC + 0x08, 2u | (4u << 10)); /* SW = PLL, APB1 /2 */
    assert_int_equal((rd(b, RCC + 0x08) >> 2) & 3u, 2);
    assert_int_equal(wf_emu_sysclk(b), 100000000);
    assert_int_equal(wf_emu_pclk1(b), 50000000);
    assert_int_equal(wf_emu_pclk2(b), 100000000);
    /* N 120 instead: 93.75 MHz, so the frequency is computed, not assumed */
    b->rcc.dev.r[RCC_PLLCFGR] = 16u | (120u << 6) | (1u << 22) | (4u << 24);
    assert_int_equal(wf_emu_sysclk(b), 93750000);
    assert_int_equal(b->stop, WF_EMU_STOP_NONE);
    wf_emu_free(b);

    /* The Nucleo has no crystal: HSERDY never rises, a PLL from the HSE never locks. */
    b = wf_emu_new(nucleo(), NULL, 1);
    wr(b, RCC + 0x00, rd(b, RCC + 0x00) | (1u << 16));
    wr(b, RCC + 0x04, 4u | (100u << 6) | (1u << 22) | (4u << 24));
    wr(b, RCC + 0x00, rd(b, RCC + 0x00) | (1u << 24));
    run_cycles(b, 160000); /* 10 ms */
    assert_false(rd(b, RCC + 0x00) & (1u << 17));
    assert_false(rd(b, RCC + 0x00) & (1u << 25));
    wr(b, RCC + 0x08, 2u);
    assert_int_equal((rd(b, RCC + 0x08) >> 2) & 3u, 0); /* the switch never completes */
    assert_int_equal(wf_emu_sysclk(b), 16000000);
    wf_emu_free(b);
}

#define USART1 0x40011000u

static void test_usart1_console(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(blackpill(), NULL, 1);
    struct capture c = {0};
    b->console_out = capture_out;
    b->console_ctx = &c;
    uint32_t v;
    /* USART1 with its clock off (APB2ENR.USART1EN), and USART2 (not this board's console) */
    assert_int_equal(wf_emu_read(b, USART1, 4, &v), -1);
    assert_int_equal(b->stop, WF_EMU_STOP_RULE);
    assert_non_null(strstr(b->stop_msg, "USART1"));
    b->stop = WF_EMU_STOP_NONE;
    assert_int_equal(wf_emu_read(b, USART2, 4, &v), -1);
    assert_int_equal(b->stop, WF_EMU_STOP_UNMODELLED);
    b->stop = WF_EMU_STOP_NONE;
    wr(b, RCC + 0x30, 1u);
    wr(b, RCC + 0x44, 1u << 4);
    wr(b, GPIOA + 0x00, rd(b, GPIOA) | (2u << 18)); /* PA9 AF */
    wr(b, GPIOA + 0x24, 7u << 4);                   /* AF7 */
    wr(b, USART1 + 0x08, 139);                      /* 16 MHz (PCLK2) / 139 */
    wr(b, USART1 + 0x0C, (1u << 13) | (1u << 3));
    for (const char *p = "ok\n"; *p; p++) {
        assert_true(rd(b, USART1 + 0x00) & (1u << 7));
        wr(b, USART1 + 0x04, (uint8_t)*p);
    }
    assert_string_equal(c.buf, "ok\n");
    /* PA9 not in AF7: nothing would leave the pin */
    wr(b, GPIOA + 0x24, 0);
    assert_int_equal(wf_emu_write(b, USART1 + 0x04, 4, 'x'), -1);
    assert_non_null(strstr(b->stop_msg, "PA9"));
    wf_emu_free(b);
}

/* The Black Pill's W5500: /SCS on PA4, /RESET on PA3 held low = chip in reset. */
static void test_blackpill_chip_reset(void **state)
{
    (void)state;
    struct wf_sim_chip *chip = wf_sim_chip_new_variant(1, WF_SIM_W5500);
    struct wf_emu *b = wf_emu_new(blackpill(), chip, 1);
    wf_sim_chip_set_clock(chip, wf_emu_millis, b);
    wr(b, RCC + 0x30, 1u);
    wr(b, RCC + 0x44, 1u << 12);
    wr(b, GPIOA + 0x18, (1u << 4) | (1u << 3)); /* PA3, PA4 high */
    wr(b, GPIOA + 0x00,
       (rd(b, GPIOA) & ~0xFFC0u) | (1u << 6) | (1u << 8) | (0x2Au << 10)); /* PA3, PA4 out, PA5-7 AF */
    wr(b, GPIOA + 0x20, 0x55500000u);
    wr(b, SPI1 + 0x00, (1u << 9) | (1u << 8) | (1u << 2) | (1u << 3));
    wr(b, SPI1 + 0x00, rd(b, SPI1) | (1u << 6));
    assert_false(b->chip_in_reset);
    /* RTR (0x0019) = 0x1234, read back */
    wr(b, GPIOA + 0x18, 1u << (4 + 16));
    xfer(b, 0x00), xfer(b, 0x19), xfer(b, 0x04), xfer(b, 0x12), xfer(b, 0x34);
    wr(b, GPIOA + 0x18, 1u << 4);
    wr(b, GPIOA + 0x18, 1u << (4 + 16));
    xfer(b, 0x00), xfer(b, 0x19), xfer(b, 0x00);
    assert_int_equal(xfer(b, 0x00), 0x12);
    wr(b, GPIOA + 0x18, 1u << 4);
    /* PA3 low: in reset, the chip does not answer */
    wr(b, GPIOA + 0x18, 1u << (3 + 16));
    assert_true(b->chip_in_reset);
    wr(b, GPIOA + 0x18, 1u << (4 + 16));
    xfer(b, 0x00), xfer(b, 0x39), xfer(b, 0x00);
    assert_int_equal(xfer(b, 0x00), 0x00);
    wr(b, GPIOA + 0x18, 1u << 4);
    /* released after 1 ms (>= 500 us): registers at their reset values */
    run_cycles(b, 16000);
    wr(b, GPIOA + 0x18, 1u << 3);
    assert_int_equal(b->chip_reset_pulses, 1);
    assert_false(b->chip_in_reset);
    wr(b, GPIOA + 0x18, 1u << (4 + 16));
    xfer(b, 0x00), xfer(b, 0x19), xfer(b, 0x00);
    assert_int_equal(xfer(b, 0x00), 0x07);
    assert_int_equal(xfer(b, 0x00), 0xD0);
    wr(b, GPIOA + 0x18, 1u << 4);
    assert_int_equal(b->stop, WF_EMU_STOP_NONE);
    /* a pulse shorter than the datasheet's 500 us stops the run */
    wr(b, GPIOA + 0x18, 1u << (3 + 16));
    run_cycles(b, 100 * 16);
    assert_int_equal(wf_emu_write(b, GPIOA + 0x18, 4, 1u << 3), -1);
    assert_non_null(strstr(b->stop_msg, "500 us"));
    b->stop = WF_EMU_STOP_NONE;
    /* PA4 is the select: PB6 does nothing on this board */
    wr(b, RCC + 0x30, 3u);
    wr(b, GPIOB + 0x00, 1u << 12);
    wr(b, GPIOB + 0x18, 1u << (6 + 16));
    assert_false(b->cs_low);
    wf_emu_free(b);
    wf_sim_chip_free(chip);
}

/* A minimal ELF32 file with one section `name` holding `data`, as the firmware's linker makes it. */
static void write_elf_with_section(const char *path, const char *name, const void *data, size_t len)
{
    uint8_t f[1024] = {0};
    assert_true(len <= 256 && strlen(name) < 32);
    Elf32_Ehdr *eh = (Elf32_Ehdr *)f;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS32;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_ARM;
    eh->e_ehsize = sizeof *eh;
    eh->e_shentsize = sizeof(Elf32_Shdr);
    eh->e_shnum = 3;
    eh->e_shstrndx = 1;
    eh->e_shoff = 512;
    char names[64] = "\0.shstrtab";
    memcpy(names + 11, name, strlen(name) + 1);
    memcpy(f + 64, names, sizeof names);
    memcpy(f + 128, data, len);
    Elf32_Shdr *sh = (Elf32_Shdr *)(f + 512);
    sh[1] = (Elf32_Shdr){.sh_name = 1, .sh_type = SHT_STRTAB, .sh_offset = 64, .sh_size = sizeof names};
    sh[2] =
        (Elf32_Shdr){.sh_name = 11, .sh_type = SHT_PROGBITS, .sh_offset = 128, .sh_size = (Elf32_Word)len};
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(f, 1, 512 + 3 * sizeof(Elf32_Shdr), out), 512 + 3 * sizeof(Elf32_Shdr));
    fclose(out);
}

static void expect_load_error(const char *path, const char *why)
{
    struct wf_emu_board b;
    char err[512] = "";
    assert_int_equal(wf_emu_board_load(&b, path, err, sizeof err), -1);
    if (strstr(err, why) == NULL) {
        fail_msg("expected '%s' in: %s", why, err);
    }
}

/* The board comes from the image's `.board_desc` section; without one (an image
 * built before descriptors) or with a bad one the emulator says why. */
static void test_board_desc_section(void **state)
{
    (void)state;
    char path[] = "/tmp/wf_emu_elf_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct wf_emu_board b;
    char err[512];
    write_elf_with_section(path, ".board_desc", &blackpill_desc, sizeof blackpill_desc);
    assert_int_equal(wf_emu_board_load(&b, path, err, sizeof err), 0);
    assert_string_equal(b.id, "blackpill_f411ce");
    assert_int_equal(b.chip, WF_SIM_W5500);
    write_elf_with_section(path, ".board_desc", &nucleo_desc, sizeof nucleo_desc);
    assert_int_equal(wf_emu_board_load(&b, path, err, sizeof err), 0);
    assert_string_equal(b.id, "nucleo_f411re");
    assert_int_equal(b.chip, WF_SIM_W5100);
    /* an older image: only the board's name, in `.board_id` */
    write_elf_with_section(path, ".board_id", "nucleo_f411re", 14);
    expect_load_error(path, "no .board_desc section");
    /* a truncated descriptor, one from a later version, not a descriptor */
    write_elf_with_section(path, ".board_desc", &nucleo_desc, 100);
    expect_load_error(path, "truncated");
    struct stm32f4_board_desc d = nucleo_desc;
    d.version = 7;
    write_elf_with_section(path, ".board_desc", &d, sizeof d);
    expect_load_error(path, "version 7");
    write_elf_with_section(path, ".board_desc", "nucleo_f411re", 14);
    expect_load_error(path, "not a board descriptor");
    /* the section's contents past the end of the file */
    uint8_t *data;
    size_t len;
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    Elf32_Shdr sh;
    assert_int_equal(fseek(f, 512 + 2 * (long)sizeof sh, SEEK_SET), 0);
    assert_int_equal(fread(&sh, sizeof sh, 1, f), 1);
    sh.sh_size = 100000;
    assert_int_equal(fseek(f, 512 + 2 * (long)sizeof sh, SEEK_SET), 0);
    assert_int_equal(fwrite(&sh, sizeof sh, 1, f), 1);
    fclose(f);
    assert_int_equal(wf_emu_elf_section(path, ".board_desc", &data, &len, err, sizeof err), -1);
    expect_load_error(path, "runs past its end");
    f = fopen(path, "wb");
    fputs("not an ELF file at all, not even close to one", f);
    fclose(f);
    expect_load_error(path, "not a 32-bit ELF file");
    unlink(path);
    expect_load_error(path, "cannot read the file");
}

/* ---- exceptions: the NVIC and SCB model (no CPU) ---- */

static void test_nvic_registers(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    wr(b, 0xE000E100u, 0x40u);   /* ISER0: IRQ6 */
    wr(b, 0xE000E104u, 1u << 5); /* ISER1: IRQ37 (USART1) */
    assert_int_equal(rd(b, 0xE000E100u), 0x40u);
    assert_int_equal(rd(b, 0xE000E180u), 0x40u); /* ICER reads the enables too */
    wr(b, 0xE000E180u, 0x40u);
    assert_int_equal(rd(b, 0xE000E100u), 0);
    wr(b, 0xE000E200u, 0x41u); /* ISPR0: IRQ0 and IRQ6 */
    assert_int_equal(rd(b, 0xE000E200u), 0x41u);
    wr(b, 0xE000E280u, 0x01u);
    assert_int_equal(rd(b, 0xE000E200u), 0x40u);
    assert_true(rd(b, 0xE000ED04u) & (1u << 22)); /* ISRPENDING */
    wr(b, 0xE000EF00u, 37);                       /* STIR */
    assert_true(emu_exc_is_pending(b, EMU_EXC_IRQ0 + 37));
    /* IPR: byte access, 4 bits implemented */
    assert_int_equal(wf_emu_write(b, 0xE000E406u, 1, 0x5Fu), 0);
    assert_int_equal(rd(b, 0xE000E404u), 0x00500000u);
    assert_int_equal(emu_exc_priority(b, EMU_EXC_IRQ0 + 6), 0x50);
    /* SHPR3: PendSV and SysTick; SHPR2: SVCall */
    wr(b, 0xE000ED20u, 0xFFFFFFFFu);
    assert_int_equal(rd(b, 0xE000ED20u), 0xF0F000F0u);
    assert_int_equal(emu_exc_priority(b, EMU_EXC_SYSTICK), 0xF0);
    assert_int_equal(emu_exc_priority(b, EMU_EXC_PENDSV), 0xF0);
    wr(b, 0xE000ED1Cu, 0x80000000u);
    assert_int_equal(emu_exc_priority(b, EMU_EXC_SVCALL), 0x80);
    assert_int_equal(emu_exc_priority(b, EMU_EXC_HARDFAULT), -1);
    /* ICSR: PendSV set/clear */
    wr(b, 0xE000ED04u, 1u << 28);
    assert_true(emu_exc_is_pending(b, EMU_EXC_PENDSV));
    assert_true(rd(b, 0xE000ED04u) & (1u << 28));
    wr(b, 0xE000ED04u, 1u << 27);
    assert_false(emu_exc_is_pending(b, EMU_EXC_PENDSV));
    /* SHCSR: the fault enables; CFSR write-1-to-clear */
    wr(b, 0xE000ED24u, 0x00070000u);
    assert_true(emu_exc_enabled(b, EMU_EXC_USAGEFAULT));
    emu_core_fault_status(b, (1u << 25) | (1u << 9) | (1u << 15), 0, 0, 0x50000000u);
    assert_int_equal(rd(b, 0xE000ED38u), 0x50000000u);
    wr(b, 0xE000ED28u, 1u << 25);
    assert_int_equal(rd(b, 0xE000ED28u), (1u << 9) | (1u << 15));
    wf_emu_free(b);
}

static void test_exception_priorities(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1);
    /* PRIGROUP 0..3 keep every implemented bit as group priority; 5: 2 group bits. */
    assert_int_equal(emu_exc_group(b, 0xB0), 0xB0);
    wr(b, 0xE000ED0Cu, 0x05FA0000u | (5u << 8));
    assert_int_equal(emu_exc_group(b, 0xB0), 0x80);
    assert_int_equal(emu_exc_group(b, 0x70), 0x40);
    assert_int_equal(emu_exc_group(b, -1), -1);
    /* IRQ6 at 0x40 and IRQ7 at 0x70 (same group 0x40 under PRIGROUP 5, subpriorities differ) */
    wr(b, 0xE000E100u, 0xC0u);
    assert_int_equal(wf_emu_write(b, 0xE000E406u, 1, 0x70u), 0);
    assert_int_equal(wf_emu_write(b, 0xE000E407u, 1, 0x40u), 0);
    emu_exc_set_pending(b, EMU_EXC_IRQ0 + 6);
    emu_exc_set_pending(b, EMU_EXC_IRQ0 + 7);
    /* The higher full priority is chosen: IRQ7 (0x40) before IRQ6 (0x70). */
    assert_int_equal(emu_exc_next(b, EMU_PRIO_THREAD), EMU_EXC_IRQ0 + 7);
    /* PRIMASK masks both; BASEPRI 0x40 masks group 0x40 (not strictly higher). */
    assert_int_equal(emu_exc_exec_priority(b, 1, 0, 0), 0);
    assert_int_equal(emu_exc_next(b, emu_exc_exec_priority(b, 1, 0, 0)), 0);
    assert_int_equal(emu_exc_next(b, emu_exc_exec_priority(b, 0, 0x40, 0)), 0);
    assert_int_equal(emu_exc_next(b, emu_exc_exec_priority(b, 0, 0x80, 0)), EMU_EXC_IRQ0 + 7);
    assert_int_equal(emu_exc_exec_priority(b, 0, 0, 1), -1);
    /* IRQ7 active: IRQ6, same group, does not preempt it (subpriority only orders). */
    emu_exc_activate(b, EMU_EXC_IRQ0 + 7);
    assert_int_equal(emu_exc_exec_priority(b, 0, 0, 0), 0x40);
    assert_int_equal(emu_exc_next(b, emu_exc_exec_priority(b, 0, 0, 0)), 0);
    /* SysTick at 0x00 (group 0) preempts it. */
    emu_exc_set_pending(b, EMU_EXC_SYSTICK);
    assert_int_equal(emu_exc_next(b, emu_exc_exec_priority(b, 0, 0, 0)), EMU_EXC_SYSTICK);
    emu_exc_deactivate(b, EMU_EXC_IRQ0 + 7, 0);
    assert_int_equal(emu_exc_exec_priority(b, 0, 0, 0), EMU_PRIO_THREAD);
    /* The configurable faults need their SHCSR enable. */
    emu_exc_set_pending(b, EMU_EXC_USAGEFAULT);
    assert_false(emu_exc_enabled(b, EMU_EXC_USAGEFAULT));
    assert_int_equal(emu_exc_next(b, 0), 0);
    /* Frame placement: 8-byte alignment with the aligner. */
    bool aligner;
    assert_int_equal(emu_exc_frame_addr(0x20001000u, false, &aligner), 0x20000FE0u);
    assert_false(aligner);
    assert_int_equal(emu_exc_frame_addr(0x20000FFCu, false, &aligner), 0x20000FD8u);
    assert_true(aligner);
    assert_int_equal(emu_exc_frame_addr(0x20001000u, true, &aligner), 0x20000F98u);
    assert_false(aligner);
    char name[32];
    assert_string_equal(emu_exc_name(EMU_EXC_IRQ0 + 6, name, sizeof name), "IRQ6 EXTI0");
    assert_string_equal(emu_exc_name(EMU_EXC_PENDSV, name, sizeof name), "PendSV");
    wf_emu_free(b);
}

/* EXTI: a GPIO edge sets PR and pends the line's interrupt; the W5500's INTn on the
 * Black Pill's PB0 reads low while the chip asserts it. */
static void test_exti_edges(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(blackpill(), NULL, 1); /* Black Pill: GPIOA-C */
    wr(b, RCC + 0x30, 7u);                               /* AHB1ENR: GPIOA-C */
    wr(b, RCC + 0x44, 1u << 14);                         /* APB2ENR: SYSCFG */
    wr(b, 0x40013808u, 0x2u << 4);                       /* EXTICR1: line 1 = port C */
    wr(b, GPIOC + 0x00, 1u << 2);                        /* PC1 output */
    wr(b, 0x40013C08u, 1u << 1);                         /* RTSR: line 1 rising */
    wr(b, 0x40013C00u, 1u << 1);                         /* IMR */
    wr(b, 0xE000E100u, 1u << 7);                         /* ISER0: IRQ7 (EXTI1) */
    assert_int_equal(rd(b, 0x40013C14u), 0);
    wr(b, GPIOC + 0x18, 1u << 1); /* PC1 high: a rising edge */
    assert_int_equal(rd(b, 0x40013C14u), 1u << 1);
    assert_true(emu_exc_is_pending(b, EMU_EXC_IRQ0 + 7));
    assert_int_equal(emu_exc_next(b, EMU_PRIO_THREAD), EMU_EXC_IRQ0 + 7);
    emu_exc_activate(b, EMU_EXC_IRQ0 + 7);
    wr(b, 0x40013C14u, 1u << 1); /* the handler clears PR */
    assert_int_equal(rd(b, 0x40013C14u), 0);
    emu_exc_deactivate(b, EMU_EXC_IRQ0 + 7, 0);
    emu_exti_update(b);
    assert_false(emu_exc_is_pending(b, EMU_EXC_IRQ0 + 7));
    wr(b, GPIOC + 0x18, 1u << 17); /* falling: not selected */
    assert_int_equal(rd(b, 0x40013C14u), 0);
    wr(b, 0x40013C10u, 1u << 1); /* SWIER: a software edge */
    assert_int_equal(rd(b, 0x40013C14u), 1u << 1);
    /* Only ports A-C exist here. */
    assert_int_equal(wf_emu_write(b, 0x40013808u, 4, 3u), -1);
    assert_int_equal(b->stop, WF_EMU_STOP_UNMODELLED);
    wf_emu_free(b);
    /* INTn: PB0 input with pull-up reads the chip's pin: high while nothing is set. */
    struct wf_sim_chip *chip = wf_sim_chip_new_variant(1, WF_SIM_W5500);
    b = wf_emu_new(blackpill(), chip, 1);
    assert_int_equal(b->board->chip_int.port, 1);
    assert_int_equal(b->board->chip_int.pin, 0);
    wr(b, RCC + 0x30, 7u);
    assert_int_equal(emu_gpio_input_level(b, 1, 0), 1u);
    wf_emu_free(b);
    wf_sim_chip_free(chip);
}

/* The console USART's and SPI1's interrupt lines (level: pending again while asserted). */
static void test_usart_spi_irq_lines(void **state)
{
    (void)state;
    struct wf_emu *b = wf_emu_new(nucleo(), NULL, 1); /* Nucleo: USART2 = IRQ38 */
    usart_setup(b, 139);
    assert_false(emu_exc_is_pending(b, EMU_EXC_IRQ0 + EMU_IRQ_USART2));
    wr(b, USART2 + 0x0C, (1u << 13) | (1u << 3) | (1u << 7)); /* TXEIE: TXE is 1 */
    assert_true(emu_exc_is_pending(b, EMU_EXC_IRQ0 + EMU_IRQ_USART2));
    emu_exc_activate(b, EMU_EXC_IRQ0 + EMU_IRQ_USART2);
    emu_exc_deactivate(b, EMU_EXC_IRQ0 + EMU_IRQ_USART2, 0);
    emu_irq_update(b); /* still asserted at the return: pending again */
    assert_true(emu_exc_is_pending(b, EMU_EXC_IRQ0 + EMU_IRQ_USART2));
    emu_exc_clear_pending(b, EMU_EXC_IRQ0 + EMU_IRQ_USART2);
    wr(b, USART2 + 0x0C, (1u << 13) | (1u << 3)); /* the handler clears TXEIE */
    emu_irq_update(b);
    assert_false(emu_exc_is_pending(b, EMU_EXC_IRQ0 + EMU_IRQ_USART2));
    assert_int_equal(wf_emu_write(b, USART2 + 0x0C, 4, (1u << 13) | (1u << 4)), -1); /* IDLEIE */
    assert_int_equal(b->stop, WF_EMU_STOP_UNMODELLED);
    wf_emu_free(b);
    /* SPI1: RXNEIE with a received byte; reading DR lowers the line. */
    struct wf_sim_chip *chip = wf_sim_chip_new(1);
    b = wf_emu_new(nucleo(), chip, 1);
    wf_sim_chip_set_clock(chip, wf_emu_millis, b);
    spi_setup(b);
    wr(b, GPIOB + 0x18, 1u << (6 + 16)); /* the chip selected */
    wr(b, SPI1 + 0x04, 1u << 6);         /* RXNEIE */
    assert_false(emu_exc_is_pending(b, EMU_EXC_IRQ0 + EMU_IRQ_SPI1));
    wr(b, SPI1 + 0x0C, 0x55);
    assert_false(emu_exc_is_pending(b, EMU_EXC_IRQ0 + EMU_IRQ_SPI1)); /* the byte is on the bus */
    run_cycles(b, byte_cycles(1));
    emu_spi_update(b); /* as between slices */
    assert_true(emu_exc_is_pending(b, EMU_EXC_IRQ0 + EMU_IRQ_SPI1));
    emu_exc_clear_pending(b, EMU_EXC_IRQ0 + EMU_IRQ_SPI1);
    (void)rd(b, SPI1 + 0x0C);
    assert_false(emu_spi_irq_line(b));
    assert_false(emu_exc_is_pending(b, EMU_EXC_IRQ0 + EMU_IRQ_SPI1));
    wf_emu_free(b);
    wf_sim_chip_free(chip);
}

/* ---- the full emulator: tiny Thumb programs ----
 * Assembled with arm-none-eabi-as (Cortex-M4, FPv4-SP); the source is in the comments. */

/* Enable GPIOA and USART2, PA2 AF7, BRR 139 (115108 baud at 16 MHz), UE|TE,
 * send 'O','K', then r0 = 7, bkpt #0xAB. */
static const uint8_t prog_ok[] = {
    0x0D, 0x48, 0x01, 0x21, 0x01, 0x60, 0x0D, 0x48, 0x4F, 0xF4, 0x00, 0x31, 0x01, 0x60, 0x0C, 0x48,
    0x01, 0x68, 0x41, 0xF0, 0x20, 0x01, 0x01, 0x60, 0x0A, 0x48, 0x4F, 0xF4, 0xE0, 0x61, 0x01, 0x60,
    0x09, 0x48, 0x8B, 0x21, 0x81, 0x60, 0x42, 0xF2, 0x08, 0x01, 0xC1, 0x60, 0x4F, 0x21, 0x41, 0x60,
    0x4B, 0x21, 0x41, 0x60, 0x07, 0x20, 0xAB, 0xBE, 0x30, 0x38, 0x02, 0x40, 0x40, 0x38, 0x02, 0x40,
    0x00, 0x00, 0x02, 0x40, 0x20, 0x00, 0x02, 0x40, 0x00, 0x44, 0x00, 0x40,
};
/* nop; udf #0 */
static const uint8_t prog_udf[] = {0x00, 0xBF, 0x00, 0xDE};
/* movs r1, #1; vmov s0, r1 (FPU still off); bkpt #0xAB */
static const uint8_t prog_fp[] = {0x01, 0x21, 0x00, 0xEE, 0x10, 0x1A, 0xAB, 0xBE};
/* CPACR = 0x00F00000; s0 = (float)3; s0 += s0; r0 = (int)s0; bkpt #0xAB */
static const uint8_t prog_fp_ok[] = {
    0x07, 0x48, 0x4F, 0xF4, 0x70, 0x01, 0x01, 0x60, 0x03, 0x21, 0x00, 0xEE,
    0x10, 0x1A, 0xB8, 0xEE, 0xC0, 0x0A, 0x30, 0xEE, 0x00, 0x0A, 0xBD, 0xEE,
    0xC0, 0x0A, 0x10, 0xEE, 0x10, 0x0A, 0xAB, 0xBE, 0x88, 0xED, 0x00, 0xE0,
};
/* 1: push {r0-r7}; b 1b */
static const uint8_t prog_guard[] = {0xFF, 0xB4, 0xFD, 0xE7};
/* ldr r0, =0x08060000; movs r1, #0; str r1, [r0]; bkpt #0xAB */
static const uint8_t prog_flash[] = {0x01, 0x48, 0x00, 0x21, 0x01, 0x60, 0xAB, 0xBE, 0x00, 0x00, 0x06, 0x08};
/* mov r0, #0x50000000; ldr r1, [r0]; bkpt #0xAB */
static const uint8_t prog_unmapped[] = {0x4F, 0xF0, 0xA0, 0x40, 0x01, 0x68, 0xAB, 0xBE};

struct run {
    struct wf_emu *b;
    struct wf_emu_cpu e;
    struct capture out;
};

static void run_prog(struct run *r, const uint8_t *code, size_t len, uint32_t guard_lo, uint32_t guard_hi)
{
    memset(r, 0, sizeof *r);
    r->b = wf_emu_new(nucleo(), NULL, 1);
    assert_non_null(r->b);
    const uint32_t sp = 0x20020000u, pc = 0x08000100u | 1u;
    memcpy(r->b->flash + 0, &sp, 4);
    memcpy(r->b->flash + 4, &pc, 4);
    memcpy(r->b->flash + 0x100, code, len);
    r->b->console_out = capture_out;
    r->b->console_ctx = &r->out;
    assert_int_equal(wf_emu_cpu_open(&r->e, r->b), 0);
    if (guard_hi) {
        assert_int_equal(wf_emu_cpu_set_guard(&r->e, guard_lo, guard_hi), 0);
    }
    r->e.max_instructions = 1000000;
    assert_int_equal(wf_emu_cpu_reset(&r->e), 0);
    wf_emu_cpu_run(&r->e);
    print_message("stop: %s\n", r->b->stop_msg);
}

static void run_done(struct run *r)
{
    wf_emu_cpu_close(&r->e);
    wf_emu_free(r->b);
}

static void test_emu_console_and_exit(void **state)
{
    (void)state;
    struct run r;
    run_prog(&r, prog_ok, sizeof prog_ok, 0, 0);
    assert_int_equal(r.b->stop, WF_EMU_STOP_EXIT);
    assert_int_equal(r.b->exit_code, 7);
    assert_string_equal(r.out.buf, "OK");
    assert_int_equal(r.b->icount, 24); /* every instruction, the bkpt included */
    run_done(&r);
}

static void test_emu_faults(void **state)
{
    (void)state;
    struct run r;
    run_prog(&r, prog_udf, sizeof prog_udf, 0, 0);
    assert_int_equal(r.b->stop, WF_EMU_STOP_UNHANDLED); /* UsageFault -> HardFault, no handler */
    assert_non_null(strstr(r.b->stop_msg, "undefined"));
    run_done(&r);

    run_prog(&r, prog_fp, sizeof prog_fp, 0, 0);
    assert_int_equal(r.b->stop, WF_EMU_STOP_UNHANDLED);
    assert_non_null(strstr(r.b->stop_msg, "FPU disabled"));
    run_done(&r);

    run_prog(&r, prog_fp_ok, sizeof prog_fp_ok, 0, 0);
    assert_int_equal(r.b->stop, WF_EMU_STOP_EXIT);
    assert_int_equal(r.b->exit_code, 6);
    run_done(&r);

    run_prog(&r, prog_guard, sizeof prog_guard, 0x2001F000u, 0x2001F100u);
    assert_int_equal(r.b->stop, WF_EMU_STOP_FAULT);
    assert_non_null(strstr(r.b->stop_msg, "stack overflow"));
    run_done(&r);

    run_prog(&r, prog_flash, sizeof prog_flash, 0, 0);
    assert_int_equal(r.b->stop, WF_EMU_STOP_RULE);
    assert_non_null(strstr(r.b->stop_msg, "PG"));
    assert_int_equal(r.b->flash[0x60000], 0xFF); /* the refused store left no trace */
    run_done(&r);

    run_prog(&r, prog_unmapped, sizeof prog_unmapped, 0, 0);
    assert_int_equal(r.b->stop, WF_EMU_STOP_UNHANDLED); /* BusFault -> HardFault, no handler */
    assert_non_null(strstr(r.b->stop_msg, "0x50000000"));
    assert_non_null(strstr(r.b->stop_msg, "PC 0x08000104"));
    run_done(&r);
}

/* Run an image that carries its own vector table at 0x08000000. */
static void run_image(struct run *r, const uint8_t *img, size_t len)
{
    memset(r, 0, sizeof *r);
    r->b = wf_emu_new(nucleo(), NULL, 1);
    assert_non_null(r->b);
    memcpy(r->b->flash, img, len);
    assert_int_equal(wf_emu_cpu_open(&r->e, r->b), 0);
    r->e.max_instructions = 2000000;
    assert_int_equal(wf_emu_cpu_reset(&r->e), 0);
    wf_emu_cpu_run(&r->e);
    print_message("stop: %s\n", r->b->stop_msg);
}

/* SysTick (1000 cycles) counted by its handler, SVC #42 (the handler reads the
 * immediate through the stacked PC), PendSV; at the third tick the SysTick handler
 * (priority 0xF0) pends PendSV (0xF0: must wait) and EXTI0 (IRQ6, 0x00: must
 * preempt at once) and records whether that happened. r3 survives the handlers.
 * Exit code: PendSV runs (2) + 42 + 16 (nesting right) + 100 (r3 kept) = 160.
 * Source (arm-none-eabi-as, linked at 0x08000000):
 *   vectors: .word 0x20020000, reset+1, 0, hang+1, 0,0,0,0,0,0,0, svc_h+1, 0,0,
 *            pendsv_h+1, systick_h+1, 0,0,0,0,0,0, exti0_h+1
 *   reset: zero the counters at 0x20000000; SHPR3 = 0xF0F00000; IPR byte 6 = 0;
 *          ISER0 = 0x40; SYST_RVR = 999, CVR = 0, CSR = 7; r3 = 77
 *   wait:  until ticks >= 5; svc #42; ICSR = PENDSVSET; r0 = result; bkpt #0xAB
 *   systick_h: ticks++; at 3: ICSR = PENDSVSET, ISPR0 = 0x40, then check the
 *          EXTI0 count is 1 and the PendSV count 0 -> flag = 1; bx lr
 *   pendsv_h / exti0_h: their count++; bx lr
 *   svc_h: ldr r0, [sp, #24]; ldrb r0, [r0, #-2]; store; bx lr */
static const uint8_t prog_irq[] = {
    0x00, 0x00, 0x02, 0x20, 0x5D, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x07, 0x01, 0x00, 0x08, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xED, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xE1, 0x00, 0x00, 0x08, 0xB3, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0xFB, 0x00, 0x00, 0x08, 0x4F, 0xF0, 0x00, 0x55, 0x00, 0x24, 0x2C, 0x60, 0x6C, 0x60,
    0xAC, 0x60, 0xEC, 0x60, 0x2C, 0x61, 0x26, 0x48, 0x27, 0x49, 0x01, 0x60, 0x27, 0x48, 0x00, 0x21, 0x81,
    0x71, 0x26, 0x48, 0x40, 0x21, 0x01, 0x60, 0x26, 0x48, 0x40, 0xF2, 0xE7, 0x31, 0x41, 0x60, 0x84, 0x60,
    0x07, 0x21, 0x01, 0x60, 0x4D, 0x23, 0x29, 0x68, 0x05, 0x29, 0xFC, 0xDB, 0x2A, 0xDF, 0x21, 0x48, 0x4F,
    0xF0, 0x80, 0x51, 0x01, 0x60, 0x68, 0x68, 0xA9, 0x68, 0x08, 0x44, 0x29, 0x69, 0x00, 0xEB, 0x01, 0x10,
    0x4D, 0x2B, 0x00, 0xD1, 0x64, 0x30, 0xAB, 0xBE, 0x4F, 0xF0, 0x00, 0x52, 0x13, 0x68, 0x01, 0x33, 0x13,
    0x60, 0x03, 0x2B, 0x0E, 0xD1, 0x16, 0x48, 0x4F, 0xF0, 0x80, 0x51, 0x01, 0x60, 0x15, 0x48, 0x40, 0x21,
    0x01, 0x60, 0xD1, 0x68, 0x50, 0x68, 0x01, 0x29, 0x03, 0xD1, 0x00, 0x28, 0x01, 0xD1, 0x01, 0x20, 0x10,
    0x61, 0x70, 0x47, 0x4F, 0xF0, 0x00, 0x52, 0x53, 0x68, 0x01, 0x33, 0x53, 0x60, 0x70, 0x47, 0x06, 0x98,
    0x10, 0xF8, 0x02, 0x0C, 0x4F, 0xF0, 0x00, 0x52, 0x90, 0x60, 0x70, 0x47, 0x4F, 0xF0, 0x00, 0x52, 0xD3,
    0x68, 0x01, 0x33, 0xD3, 0x60, 0x70, 0x47, 0xFE, 0xE7, 0x20, 0xED, 0x00, 0xE0, 0x00, 0x00, 0xF0, 0xF0,
    0x00, 0xE4, 0x00, 0xE0, 0x00, 0xE1, 0x00, 0xE0, 0x10, 0xE0, 0x00, 0xE0, 0x04, 0xED, 0x00, 0xE0, 0x00,
    0xE2, 0x00, 0xE0

};

static void test_emu_exceptions(void **state)
{
    (void)state;
    struct run r;
    run_image(&r, prog_irq, sizeof prog_irq);
    assert_int_equal(r.b->stop, WF_EMU_STOP_EXIT);
    assert_int_equal(r.b->exit_code, 160);
    assert_int_equal(emu_exc_active_count(r.b), 0);
    assert_int_equal(r.b->core.nvic.ipsr, 0);
    run_done(&r);
}

/* A BusFault handled (SHCSR.BUSFAULTENA; the handler saves CFSR and BFAR and skips
 * the load), then UDIV by zero with CCR.DIV_0_TRP: UsageFault is not enabled, so
 * HardFault (FORCED), whose handler is `b .`: the run stops with the fault report.
 * r0 = 1 when the BusFault handler saw CFSR = PRECISERR|BFARVALID, BFAR = 0x50000000.
 * Source: vectors SP, reset, 0, hang, hang, busfault_h, hang;
 *   reset: SHCSR = 0x20000; ldr r1, [0x50000000]; check; CCR |= 0x10; movs r2, #0;
 *          udiv r3, r1, r2 (at 0x08000052); bkpt
 *   busfault_h: save CFSR, BFAR; CFSR = CFSR; stacked PC += 2; bx lr; hang: b hang */
static const uint8_t prog_faults[] = {
    0x00, 0x00, 0x02, 0x20, 0x1D, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x71, 0x00, 0x00, 0x08, 0x71,
    0x00, 0x00, 0x08, 0x59, 0x00, 0x00, 0x08, 0x71, 0x00, 0x00, 0x08, 0x15, 0x48, 0x4F, 0xF4, 0x00, 0x31,
    0x01, 0x60, 0x4F, 0xF0, 0xA0, 0x40, 0x01, 0x68, 0x4F, 0xF0, 0x00, 0x55, 0x29, 0x68, 0x6A, 0x68, 0x00,
    0x20, 0x4F, 0xF4, 0x02, 0x43, 0x99, 0x42, 0x04, 0xD1, 0x4F, 0xF0, 0xA0, 0x43, 0x9A, 0x42, 0x00, 0xD1,
    0x01, 0x20, 0x0C, 0x49, 0x0A, 0x68, 0x42, 0xF0, 0x10, 0x02, 0x0A, 0x60, 0x00, 0x22, 0xB1, 0xFB, 0xF2,
    0xF3, 0xAB, 0xBE, 0x08, 0x4A, 0x13, 0x68, 0x4F, 0xF0, 0x00, 0x50, 0x03, 0x60, 0x11, 0x69, 0x41, 0x60,
    0x13, 0x60, 0x06, 0x9B, 0x02, 0x33, 0x06, 0x93, 0x70, 0x47, 0xFE, 0xE7, 0x00, 0x00, 0x24, 0xED, 0x00,
    0xE0, 0x14, 0xED, 0x00, 0xE0, 0x28, 0xED, 0x00, 0xE0

};

static void test_emu_fault_report(void **state)
{
    (void)state;
    struct run r;
    run_image(&r, prog_faults, sizeof prog_faults);
    assert_int_equal(r.b->stop, WF_EMU_STOP_UNHANDLED);
    assert_non_null(strstr(r.b->stop_msg, "HardFault"));
    assert_non_null(strstr(r.b->stop_msg, "UDIV by zero"));
    assert_true(r.e.report.valid);
    assert_int_equal(r.e.report.exc, EMU_EXC_HARDFAULT);
    assert_int_equal(r.e.report.frame[0], 1);           /* the BusFault was handled as on silicon */
    assert_int_equal(r.e.report.frame[6], 0x08000052u); /* the stacked PC: the UDIV */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    wf_emu_exc_report(&r.e, out);
    fclose(out);
    print_message("%s", text);
    assert_non_null(strstr(text, "DIVBYZERO"));
    assert_non_null(strstr(text, "FORCED"));
    assert_non_null(strstr(text, "faulting pc: 0x08000052"));
    free(text);
    run_done(&r);
}

/* WFI sleeps until the SysTick interrupt (10000 cycles): three ticks take a few dozen
 * instructions, not 30000. Source: vectors SP, reset, 0, hang, ..., systick_h;
 *   reset: ticks = 0; SYST_RVR = 9999, CVR = 0, CSR = 7;
 *   1: wfi; ldr r1, [ticks]; cmp r1, #3; blt 1b; mov r0, r1; bkpt #0xAB
 *   systick_h: ticks++; bx lr */
static const uint8_t prog_wfi[] = {
    0x00, 0x00, 0x02, 0x20, 0x41, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x6F, 0x00, 0x00, 0x08, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x00, 0x00, 0x08, 0x4F, 0xF0, 0x00, 0x55,
    0x00, 0x24, 0x2C, 0x60, 0x09, 0x48, 0x42, 0xF2, 0x0F, 0x71, 0x41, 0x60, 0x84, 0x60, 0x07, 0x21, 0x01,
    0x60, 0x30, 0xBF, 0x29, 0x68, 0x03, 0x29, 0xFB, 0xDB, 0x08, 0x46, 0xAB, 0xBE, 0x4F, 0xF0, 0x00, 0x52,
    0x13, 0x68, 0x01, 0x33, 0x13, 0x60, 0x70, 0x47, 0xFE, 0xE7, 0x10, 0xE0, 0x00, 0xE0

};

static void test_emu_wfi_sleeps(void **state)
{
    (void)state;
    struct run r;
    run_image(&r, prog_wfi, sizeof prog_wfi);
    assert_int_equal(r.b->stop, WF_EMU_STOP_EXIT);
    assert_int_equal(r.b->exit_code, 3);
    assert_true(r.b->icount < 200);
    assert_true(wf_emu_cycles(r.b) >= 30000);
    assert_true(r.b->sleep_cycles >= 29000);
    run_done(&r);
}

/* SVC with PRIMASK set: SVCall cannot preempt, so HardFault (FORCED), at `b .`.
 * Source: vectors SP, reset, 0, hang, 0 x 7, svc_h; reset: cpsid i; svc #1; bkpt #0xAB;
 * svc_h: bx lr; hang: b hang */
static const uint8_t prog_svc_masked[] = {
    0x00, 0x00, 0x02, 0x20, 0x31, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x39, 0x00, 0x00,
    0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x37,
    0x00, 0x00, 0x08, 0x72, 0xB6, 0x01, 0xDF, 0xAB, 0xBE, 0x70, 0x47, 0xFE, 0xE7,
};

static void test_emu_svc_escalates(void **state)
{
    (void)state;
    struct run r;
    run_image(&r, prog_svc_masked, sizeof prog_svc_masked);
    assert_int_equal(r.b->stop, WF_EMU_STOP_UNHANDLED);
    assert_int_equal(r.e.report.exc, EMU_EXC_HARDFAULT);
    assert_non_null(strstr(r.b->stop_msg, "SVC while SVCall cannot preempt"));
    uint32_t cfsr, hfsr, mmfar, bfar;
    emu_core_fault_regs(r.b, &cfsr, &hfsr, &mmfar, &bfar);
    assert_int_equal(hfsr, 1u << 30);
    assert_int_equal(r.e.report.frame[6], 0x08000034u); /* the return address: after the SVC */
    run_done(&r);
}

/* The extended frame: after an FP instruction (CONTROL.FPCA = 1) an SVC stacks s0-s15
 * and FPSCR; LR is 0xFFFFFFE9; the handler clobbers s0, the return restores it and
 * FPCA. Exit code: 1 (EXC_RETURN) + 2 (s0 at [sp, #32]) + 4 (s0 restored) + 8 (FPCA) = 15.
 * Source: CPACR = 0x00F00000; dsb; isb; vmov s0, 3.0f; svc #0; check; bkpt #0xAB;
 *   svc_h: store lr and [sp, #32]; vmov s0, 0; bx lr */
static const uint8_t prog_fp_frame[] = {
    0x00, 0x00, 0x02, 0x20, 0x31, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x93, 0x00, 0x00, 0x08,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7F, 0x00, 0x00, 0x08,
    0x18, 0x48, 0x4F, 0xF4, 0x70, 0x01, 0x01, 0x60, 0xBF, 0xF3, 0x4F, 0x8F, 0xBF, 0xF3, 0x6F, 0x8F,
    0x15, 0x49, 0x00, 0xEE, 0x10, 0x1A, 0x00, 0xDF, 0x10, 0xEE, 0x10, 0x2A, 0x4F, 0xF0, 0x00, 0x55,
    0x28, 0x68, 0x69, 0x68, 0xEF, 0xF3, 0x14, 0x83, 0x00, 0x24, 0x6F, 0xF0, 0x16, 0x06, 0xB0, 0x42,
    0x00, 0xD1, 0x01, 0x34, 0x0C, 0x4E, 0xB1, 0x42, 0x00, 0xD1, 0x02, 0x34, 0xB2, 0x42, 0x00, 0xD1,
    0x04, 0x34, 0x13, 0xF0, 0x04, 0x0F, 0x00, 0xD0, 0x08, 0x34, 0x20, 0x46, 0xAB, 0xBE, 0x4F, 0xF0,
    0x00, 0x52, 0xC2, 0xF8, 0x00, 0xE0, 0x08, 0x9B, 0x53, 0x60, 0x00, 0x23, 0x00, 0xEE, 0x10, 0x3A,
    0x70, 0x47, 0xFE, 0xE7, 0x88, 0xED, 0x00, 0xE0, 0x00, 0x00, 0x40, 0x40

};

static void test_emu_fp_frame(void **state)
{
    (void)state;
    struct run r;
    run_image(&r, prog_fp_frame, sizeof prog_fp_frame);
    assert_int_equal(r.b->stop, WF_EMU_STOP_EXIT);
    assert_int_equal(r.b->exit_code, 15);
    run_done(&r);
}

static void test_emu_watchdog_restart(void **state)
{
    (void)state;
    /* The watchdog runs during an endless loop and restarts the image: count it. */
    static const uint8_t loop[] = {0xFE, 0xE7}; /* b . */
    struct run r;
    memset(&r, 0, sizeof r);
    r.b = wf_emu_new(nucleo(), NULL, 1);
    const uint32_t sp = 0x20020000u, pc = 0x08000100u | 1u;
    memcpy(r.b->flash, &sp, 4);
    memcpy(r.b->flash + 4, &pc, 4);
    memcpy(r.b->flash + 0x100, loop, sizeof loop);
    assert_int_equal(wf_emu_cpu_open(&r.e, r.b), 0);
    assert_int_equal(wf_emu_cpu_reset(&r.e), 0);
    r.b->iwdg.running = true;
    r.b->iwdg.dev.r[IWDG_RLR] = 99; /* 12.5 ms */
    r.e.max_ps = 20000000000ull;    /* 20 ms */
    wf_emu_cpu_run(&r.e);
    assert_int_equal(r.b->stop, WF_EMU_STOP_TIMEOUT);
    assert_int_equal(r.b->watchdog_resets, 1);
    assert_true(r.b->rcc.dev.r[RCC_CSR] & EMU_RCC_CSR_IWDGRSTF);
    run_done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rcc_ready_bits),
        cmocka_unit_test(test_rcc_too_few_wait_states),
        cmocka_unit_test(test_flash_wrong_key_locks),
        cmocka_unit_test(test_flash_erase_program),
        cmocka_unit_test(test_flash_seed_file),
        cmocka_unit_test(test_spi_frame_to_chip),
        cmocka_unit_test(test_spi_w5500_frames),
        cmocka_unit_test(test_spi_rules),
        cmocka_unit_test(test_spi_bus_time),
        cmocka_unit_test(test_dma_same_bytes_as_cpu),
        cmocka_unit_test(test_dma_time_follows_sck),
        cmocka_unit_test(test_dma_rules),
        cmocka_unit_test(test_usart_capture),
        cmocka_unit_test(test_iwdg_expiry),
        cmocka_unit_test(test_dwt_systick_time),
        cmocka_unit_test(test_adc_noise),
        cmocka_unit_test(test_unmodelled),
        cmocka_unit_test(test_regs_engine),
        cmocka_unit_test(test_regs_tables),
        cmocka_unit_test(test_board_table),
        cmocka_unit_test(test_hse_pll),
        cmocka_unit_test(test_usart1_console),
        cmocka_unit_test(test_blackpill_chip_reset),
        cmocka_unit_test(test_board_desc_refused),
        cmocka_unit_test(test_board_desc_section),
        cmocka_unit_test(test_emu_console_and_exit),
        cmocka_unit_test(test_emu_faults),
        cmocka_unit_test(test_emu_watchdog_restart),
        cmocka_unit_test(test_nvic_registers),
        cmocka_unit_test(test_exception_priorities),
        cmocka_unit_test(test_emu_exceptions),
        cmocka_unit_test(test_emu_fault_report),
        cmocka_unit_test(test_exti_edges),
        cmocka_unit_test(test_usart_spi_irq_lines),
        cmocka_unit_test(test_emu_wfi_sleeps),
        cmocka_unit_test(test_emu_svc_escalates),
        cmocka_unit_test(test_emu_fp_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
