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
