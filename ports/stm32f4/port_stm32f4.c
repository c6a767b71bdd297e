/* The wizfetch port on an STM32F4 (see port_stm32f4.h). */
#include "port_stm32f4.h"

#include "adc_entropy.h"
#include "gpio.h"
#include "spi.h"
#include "stm32f4_time.h"
#include "usart.h"
#include "wizfetch/error.h"

static int64_t unix_base = -1; /* wall clock at base_ms, -1: unknown */
static uint64_t base_ms;

/* A DMA read started by stm32f4_port_spi_read_start ends before anything else uses the
 * bus: its outcome is kept for the caller's stm32f4_port_spi_wait. */
static int dma_outcome;
static bool dma_selected; /* /SCS is low for a DMA read in flight (or ended, not yet waited for) */

static int end_dma_read(const struct stm32f4_board *b)
{
    if (!dma_selected) {
        return 0;
    }
    int rc = stm32f4_spi_dma_wait(b->spi);
    stm32f4_gpio_set(b->chip_select.port, b->chip_select.pin);
    dma_selected = false;
    return rc;
}

/* Frames this long or longer go by DMA when the board's table has the DMA functions
 * (STM32F4_PORT_TABLE_DMA); shorter ones cost less polled than setting up two streams. */
#define DMA_MIN_FRAME 64u

static int transfer_dma(const struct stm32f4_board *b, const uint8_t *tx, uint8_t *rx, size_t len)
{
    if (len >= DMA_MIN_FRAME) {
        int rc = stm32f4_spi_dma_start(b->spi, tx, rx, len);
        return rc == 0 ? stm32f4_spi_dma_wait(b->spi) : rc;
    }
    return stm32f4_spi_transfer(b->spi, tx, rx, len);
}

int stm32f4_port_spi_frame(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len)
{
    const struct stm32f4_board *b = ctx;
    const struct stm32f4_pin *cs = &b->chip_select;
    /* SCS setup/hold before the first and after the last SCK edge are a few ns on
     * the W5100; the bus writes and the BSY wait in between take far longer. */
    stm32f4_gpio_clear(cs->port, cs->pin);
    int rc = stm32f4_spi_transfer(b->spi, tx, rx, len);
    stm32f4_gpio_set(cs->port, cs->pin);
    return rc;
}

int stm32f4_port_spi_frames(void *ctx, const uint8_t *tx, uint8_t *rx, size_t count)
{
    const struct stm32f4_board *b = ctx;
    return stm32f4_spi_frames4(b->spi, b->chip_select.port, b->chip_select.pin, tx, rx, count);
}

/* The DMA table's functions: a read still in flight ends first. */
int stm32f4_port_spi_frame_dma(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len)
{
    const struct stm32f4_board *b = ctx;
    const struct stm32f4_pin *cs = &b->chip_select;
    if (dma_selected) {
        dma_outcome = end_dma_read(b);
    }
    stm32f4_gpio_clear(cs->port, cs->pin);
    int rc = transfer_dma(b, tx, rx, len);
    stm32f4_gpio_set(cs->port, cs->pin);
    return rc;
}

int stm32f4_port_spi_frames_dma(void *ctx, const uint8_t *tx, uint8_t *rx, size_t count)
{
    if (dma_selected) {
        dma_outcome = end_dma_read(ctx);
    }
    return stm32f4_port_spi_frames(ctx, tx, rx, count);
}

int stm32f4_port_spi_read_start(void *ctx, const uint8_t *hdr, size_t hdr_len, uint8_t *rx, size_t len)
{
    const struct stm32f4_board *b = ctx;
    uint8_t scratch[8];
    if (hdr_len == 0 || hdr_len > sizeof scratch) {
        return WF_EINVAL;
    }
    if (dma_selected) {
        dma_outcome = end_dma_read(b);
    }
    stm32f4_gpio_clear(b->chip_select.port, b->chip_select.pin);
    int rc = stm32f4_spi_transfer(b->spi, hdr, scratch, hdr_len);
    if (rc == 0) {
        rc = stm32f4_spi_dma_start(b->spi, NULL, rx, len);
    }
    if (rc != 0) {
        stm32f4_gpio_set(b->chip_select.port, b->chip_select.pin);
        return rc;
    }
    dma_selected = true;
    dma_outcome = 0;
    return 0;
}

int stm32f4_port_spi_wait(void *ctx)
{
    if (dma_selected) {
        dma_outcome = end_dma_read(ctx);
    }
    int rc = dma_outcome;
    dma_outcome = 0;
    return rc;
}

void stm32f4_port_reset(void *ctx, bool asserted)
{
    const struct stm32f4_board *b = ctx;
    if (asserted) {
        stm32f4_gpio_clear(b->chip_reset.port, b->chip_reset.pin);
    } else {
        stm32f4_gpio_set(b->chip_reset.port, b->chip_reset.pin);
    }
}

uint32_t stm32f4_port_millis(void *ctx)
{
    (void)ctx;
    return stm32f4_millis();
}

void stm32f4_port_delay_ms(void *ctx, uint32_t ms)
{
    (void)ctx;
    stm32f4_delay_ms(ms);
}

int stm32f4_port_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    return stm32f4_adc_entropy_fill(buf, len) == 0 ? 0 : WF_ENOENTROPY;
}

void stm32f4_set_unix_time(int64_t unix_seconds)
{
    base_ms = stm32f4_millis64();
    unix_base = unix_seconds < 0 ? -1 : unix_seconds;
}

int64_t stm32f4_unix_time(void)
{
    if (unix_base < 0) {
        return -1;
    }
    return unix_base + (int64_t)((stm32f4_millis64() - base_ms) / 1000u);
}

int64_t stm32f4_port_unix_time(void *ctx)
{
    (void)ctx;
    return stm32f4_unix_time();
}

void stm32f4_port_console_write(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    stm32f4_console_write_text(data, len);
}
