/*
 * The STM32F4 family's side of a board: bring-up from the board's description
 * (stm32f4_board.h) and the firmware's board API (ports/board_api.h),
 * the same for every STM32F4 board.
 */
#include "board_api.h"

#include "adc_entropy.h"
#include "clock.h"
#include "flash_seed.h"
#include "gpio.h"
#include "iwdg.h"
#include "port_stm32f4.h"
#include "spi.h"
#include "stm32f4_board.h"
#include "stm32f4_sys.h"
#include "stm32f4_time.h"
#include "usart.h"

static const struct stm32f4_board *board;
static struct stm32f4_board_status status;
static const struct wf_port *port;

static bool wired(struct stm32f4_pin p)
{
    return p.port != NULL;
}

static void gpio_clock(struct stm32f4_pin p)
{
    if (wired(p)) {
        (void)stm32f4_clock_enable(p.port);
    }
}

static void output_high(struct stm32f4_pin p, uint32_t speed)
{
    if (wired(p)) {
        gpio_clock(p);
        stm32f4_gpio_output(p.port, p.pin, 1, speed);
    }
}

void stm32f4_board_start(const struct stm32f4_board *b, const struct wf_port *board_port)
{
    board = b;
    port = board_port;
    status.reset_flags = stm32f4_reset_flags();
    (void)stm32f4_iwdg_was_reset(); /* latches the reset cause and clears the flags */

    /* Every select high first, the chip in reset: until now the pins float and a
     * slave could take the first SCK edges as its own. */
    output_high(b->chip_select, GPIO_OSPEEDR_FAST);
    for (size_t i = 0; i < sizeof b->other_selects / sizeof b->other_selects[0]; i++) {
        output_high(b->other_selects[i], GPIO_OSPEEDR_MEDIUM);
    }
    if (wired(b->chip_reset)) {
        gpio_clock(b->chip_reset);
        stm32f4_gpio_output(b->chip_reset.port, b->chip_reset.pin, 0, GPIO_OSPEEDR_LOW);
    }

    status.clock = stm32f4_clock_init(b->hse_hz, b->sysclk_hz);
    status.sysclk_hz = stm32f4_sysclk_hz();
    status.time = stm32f4_time_init();

    /* Fast (up to 50 MHz) edges for SCK <= 25 MHz; pull-up on MISO: a missing chip reads 0xFF. */
    gpio_clock(b->spi_sck);
    gpio_clock(b->console_tx);
    stm32f4_gpio_af(b->spi_sck.port, b->spi_sck.pin, b->spi_af, GPIO_OSPEEDR_FAST, GPIO_PUPDR_NONE);
    stm32f4_gpio_af(b->spi_miso.port, b->spi_miso.pin, b->spi_af, GPIO_OSPEEDR_FAST, GPIO_PUPDR_PULLUP);
    stm32f4_gpio_af(b->spi_mosi.port, b->spi_mosi.pin, b->spi_af, GPIO_OSPEEDR_FAST, GPIO_PUPDR_NONE);
    stm32f4_gpio_af(b->console_tx.port, b->console_tx.pin, b->console_af, GPIO_OSPEEDR_LOW, GPIO_PUPDR_NONE);
    stm32f4_gpio_af(b->console_rx.port, b->console_rx.pin, b->console_af, GPIO_OSPEEDR_LOW,
                    GPIO_PUPDR_PULLUP);

    status.spi = stm32f4_spi_init(b->spi, b->spi_max_hz);
    status.spi_hz = stm32f4_spi_clock_hz();
    status.console = stm32f4_console_init(b->console, b->console_baud);
    if (wired(b->led)) {
        gpio_clock(b->led);
        stm32f4_gpio_output(b->led.port, b->led.pin, b->led_active_low ? 1 : 0, GPIO_OSPEEDR_LOW);
    }
    status.entropy = stm32f4_adc_entropy_init();
    status.seed = stm32f4_seed_init((uint32_t)(uintptr_t)_seed_start, (uint32_t)(_seed_end - _seed_start));
    status.watchdog = b->iwdg_timeout_ms ? stm32f4_iwdg_start(b->iwdg_timeout_ms) : 1;
}

const struct stm32f4_board_status *stm32f4_board_status(void)
{
    return &status;
}

const struct stm32f4_board *stm32f4_board_description(void)
{
    return board;
}

/* ---- ports/board_api.h ------------------------------------------------ */

const char *wf_board_name(void)
{
    return board != NULL ? board->name : "?";
}

const struct wf_port *wf_board_port(void)
{
    return port;
}

bool wf_board_watchdog_reset(void)
{
    return stm32f4_iwdg_was_reset();
}

int wf_board_seed_read(unsigned char *buf, size_t len)
{
    return stm32f4_seed_read_cb(buf, len);
}

int wf_board_seed_write(unsigned char *buf, size_t len)
{
    return stm32f4_seed_write_cb(buf, len);
}

int wf_board_seed_loaded(void)
{
    return stm32f4_seed_last_read();
}

const uint8_t *wf_board_credentials(size_t *len)
{
    *len = (size_t)(_cred_end - _cred_start);
    return _cred_start;
}

int wf_board_entropy_dump(uint32_t samples)
{
    return stm32f4_adc_entropy_dump(samples, stm32f4_port_console_write, port->ctx);
}

void wf_board_set_unix_time(int64_t unix_seconds)
{
    stm32f4_set_unix_time(unix_seconds);
}

size_t wf_board_stack_peak(void)
{
    return stm32f4_stack_high_water();
}

size_t wf_board_heap_peak(void)
{
    return stm32f4_heap_high_water();
}

size_t wf_board_heap_size(void)
{
    return stm32f4_heap_size();
}

uint32_t wf_board_cycles(void)
{
    return stm32f4_cycles();
}

void wf_board_exit(int code)
{
    if ((CoreDebug->DHCSR & CoreDebug_DHCSR_C_DEBUGEN) == 0) {
        return;
    }
    register int r0 __asm__("r0") = code;
    __asm__ volatile("bkpt #0xAB" : : "r"(r0) : "memory");
}
