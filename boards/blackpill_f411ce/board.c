/* WeAct Black Pill STM32F411CE + W5500 module: the description and port table (see board.h). */
#include "board.h"

#include "board_api.h"
#include "port_stm32f4.h"
#include "stm32f4_board.h"

/* The emulator reads this to know which board an image is for. */
__attribute__((used, section(".board_id"))) const char wf_board_id[] = "blackpill_f411ce";

static const struct stm32f4_board blackpill = {
    .name = "Black Pill STM32F411CE + W5500 module",
    .hse_hz = BOARD_HSE_HZ,
    .sysclk_hz = BOARD_SYSCLK_HZ,
    .spi = SPI1,
    .spi_max_hz = BOARD_SPI_MAX_HZ,
    .spi_af = 5,
    .spi_sck = {GPIOA, 5},
    .spi_miso = {GPIOA, 6},
    .spi_mosi = {GPIOA, 7},
    .chip_select = {GPIOA, 4},
    .chip_reset = {GPIOA, 3},
    .other_selects = {{0}},
    .console = USART1,
    .console_baud = BOARD_CONSOLE_BAUD,
    .console_af = 7,
    .console_tx = {GPIOA, 9},
    .console_rx = {GPIOA, 10},
    .led = {GPIOC, 13},
    .led_active_low = true,
    .iwdg_timeout_ms = BOARD_IWDG_TIMEOUT_MS,
};

static const struct wf_port port =
    STM32F4_PORT_TABLE(blackpill, stm32f4_port_reset); /* PA3 drives the module's /RESET */

void wf_board_init(void)
{
    stm32f4_board_start(&blackpill, &port);
}
