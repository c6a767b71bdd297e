/* Nucleo-F411RE + Arduino Ethernet Shield (W5100): the description and port table (see board.h). */
#include "board.h"

#include <stddef.h>

#include "board_api.h"
#include "port_stm32f4.h"
#include "stm32f4_board.h"

/* The emulator reads this to know which board an image is for. */
__attribute__((used, section(".board_id"))) const char wf_board_id[] = "nucleo_f411re";

static const struct stm32f4_board nucleo = {
    .name = "Nucleo-F411RE + W5100 shield",
    .hse_hz = 0, /* the HSI: the ST-LINK's 8 MHz MCO would need a solder bridge */
    .sysclk_hz = BOARD_SYSCLK_HZ,
    .spi = SPI1,
    .spi_max_hz = BOARD_SPI_MAX_HZ,
    .spi_af = 5,
    .spi_sck = {GPIOA, 5},
    .spi_miso = {GPIOA, 6},
    .spi_mosi = {GPIOA, 7},
    .chip_select = {GPIOB, 6},     /* D10 */
    .chip_reset = {0},             /* not wired */
    .other_selects = {{GPIOB, 5}}, /* D4: the shield's SD card */
    .console = USART2,
    .console_baud = BOARD_CONSOLE_BAUD,
    .console_af = 7,
    .console_tx = {GPIOA, 2},
    .console_rx = {GPIOA, 3},
    .led = {0}, /* LD2 is PA5, the SPI clock */
    .iwdg_timeout_ms = BOARD_IWDG_TIMEOUT_MS,
};

static const struct wf_port port = STM32F4_PORT_TABLE(nucleo, NULL); /* the shield's reset is not on a GPIO */

void wf_board_init(void)
{
    stm32f4_board_start(&nucleo, &port);
}
