/* Nucleo-F411RE + Arduino Ethernet Shield (W5100): the descriptor, the description
 * and the port table, from the facts in board.h. */
#include "board.h"

#include <stddef.h>

#include "board_api.h"
#include "port_stm32f4.h"
#include "stm32f4_board.h"

/* What the emulator (or a flashing tool) reads to know the board an image is for. */
STM32F4_BOARD_DESCRIPTOR(wf_board_desc);

static const struct stm32f4_board nucleo = {
    .name = BOARD_TITLE,
    .hse_hz = BOARD_HSE_HZ,
    .sysclk_hz = BOARD_SYSCLK_HZ,
    .spi = STM32F4_SPI(BOARD_SPI),
    .spi_max_hz = BOARD_SPI_MAX_HZ,
    .spi_af = 5,
    .spi_sck = {GPIOA, 5},
    .spi_miso = {GPIOA, 6},
    .spi_mosi = {GPIOA, 7},
    .chip_select = STM32F4_PIN(BOARD_CHIP_SELECT),
    .chip_reset = STM32F4_PIN(BOARD_CHIP_RESET),
    .chip_int = STM32F4_PIN(BOARD_CHIP_INT),
    .other_selects = {STM32F4_PIN(BOARD_OTHER_SELECT)},
    .console = STM32F4_USART(BOARD_CONSOLE_USART),
    .console_baud = BOARD_CONSOLE_BAUD,
    .console_af = 7,
    .console_tx = STM32F4_PIN(BOARD_CONSOLE_TX),
    .console_rx = STM32F4_PIN(BOARD_CONSOLE_RX),
    .led = STM32F4_PIN(BOARD_LED),
    .iwdg_timeout_ms = BOARD_IWDG_TIMEOUT_MS,
};

static const struct wf_port port = STM32F4_PORT_TABLE(nucleo, STM32F4_RESET_FN(BOARD_CHIP_RESET));

void wf_board_init(void)
{
    stm32f4_board_start(&nucleo, &port);
}
