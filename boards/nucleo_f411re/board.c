/* Nucleo-F411RE + Arduino Ethernet Shield: bring-up and the port table (see board.h). */
#include "board.h"

#include "adc_entropy.h"
#include "clock.h"
#include "flash_seed.h"
#include "gpio.h"
#include "iwdg.h"
#include "port_stm32f4.h"
#include "spi.h"
#include "stm32f4_sys.h"
#include "stm32f4_time.h"
#include "usart.h"

/* Linker script: the flash sector reserved for the entropy seed. */
extern const uint8_t _seed_start[], _seed_end[];

static const struct stm32f4_spi_cs w5100_cs = {BOARD_W5100_CS_PORT, BOARD_W5100_CS_PIN};

static const struct wf_port board_port = {
    /* The port functions only read the chip-select description; port.h's ctx is
     * non-const because other ports keep mutable state there. */
    .ctx = (void *)&w5100_cs,
    .spi_frame = stm32f4_port_spi_frame,
    .reset = 0,
    .millis = stm32f4_port_millis,
    .delay_ms = stm32f4_port_delay_ms,
    .entropy = stm32f4_port_entropy,
    .unix_time = stm32f4_port_unix_time,
    .console_write = stm32f4_port_console_write,
};

static struct wf_board_status status;

void wf_board_init(void)
{
    status.reset_flags = stm32f4_reset_flags();

    RCC->AHB1ENR |= RCC_AHB1ENR_GPIOAEN | RCC_AHB1ENR_GPIOBEN;
    (void)RCC->AHB1ENR; /* the enable must land before the first GPIO access */

    /* Both selects high first: until now the pins float and the SD card or the
     * W5100 could take the first SCK edges as theirs. */
    stm32f4_gpio_output(BOARD_SD_CS_PORT, BOARD_SD_CS_PIN, 1, GPIO_OSPEEDR_MEDIUM);
    stm32f4_gpio_output(BOARD_W5100_CS_PORT, BOARD_W5100_CS_PIN, 1, GPIO_OSPEEDR_FAST);

    status.clock = stm32f4_clock_init(BOARD_SYSCLK_HZ);
    status.sysclk_hz = stm32f4_sysclk_hz();
    status.time = stm32f4_time_init();

    /* Fast (up to 50 MHz) edges are plenty for 12.5 MHz SCK and limit ringing on the shield's wires. */
    stm32f4_gpio_af(BOARD_SPI_SCK_PORT, BOARD_SPI_SCK_PIN, BOARD_SPI_AF, GPIO_OSPEEDR_FAST, GPIO_PUPDR_NONE);
    stm32f4_gpio_af(BOARD_SPI_MISO_PORT, BOARD_SPI_MISO_PIN, BOARD_SPI_AF, GPIO_OSPEEDR_FAST,
                    GPIO_PUPDR_PULLUP);
    stm32f4_gpio_af(BOARD_SPI_MOSI_PORT, BOARD_SPI_MOSI_PIN, BOARD_SPI_AF, GPIO_OSPEEDR_FAST,
                    GPIO_PUPDR_NONE);
    stm32f4_gpio_af(BOARD_UART_TX_PORT, BOARD_UART_TX_PIN, BOARD_UART_AF, GPIO_OSPEEDR_LOW, GPIO_PUPDR_NONE);
    stm32f4_gpio_af(BOARD_UART_RX_PORT, BOARD_UART_RX_PIN, BOARD_UART_AF, GPIO_OSPEEDR_LOW,
                    GPIO_PUPDR_PULLUP);

    status.spi = stm32f4_spi1_init(BOARD_SPI_MAX_HZ);
    status.spi_hz = stm32f4_spi1_clock_hz();
    status.console = stm32f4_usart2_init(BOARD_CONSOLE_BAUD);
    status.entropy = stm32f4_adc_entropy_init();
    status.seed = stm32f4_seed_init((uint32_t)(uintptr_t)_seed_start, (uint32_t)(_seed_end - _seed_start));
    status.watchdog = BOARD_IWDG_TIMEOUT_MS ? stm32f4_iwdg_start(BOARD_IWDG_TIMEOUT_MS) : 1;
}

const struct wf_board_status *wf_board_status(void)
{
    return &status;
}

const struct wf_port *wf_board_port(void)
{
    return &board_port;
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

int wf_board_entropy_dump(uint32_t samples)
{
    return stm32f4_adc_entropy_dump(samples, stm32f4_port_console_write, board_port.ctx);
}

int wf_board_seed_loaded(void)
{
    return stm32f4_seed_last_read();
}

void wf_board_set_unix_time(int64_t unix_seconds)
{
    stm32f4_set_unix_time(unix_seconds);
}

size_t wf_board_stack_peak(void)
{
    return stm32f4_stack_high_water();
}

void wf_board_exit(int code)
{
    if ((CoreDebug->DHCSR & CoreDebug_DHCSR_C_DEBUGEN) == 0) {
        return;
    }
    register int r0 __asm__("r0") = code;
    __asm__ volatile("bkpt #0xAB" : : "r"(r0) : "memory");
}
