/**
 * @file board.h
 * @brief Facts of the WeAct "Black Pill" STM32F411CE (V2.0 and later) with a
 * W5500 Ethernet module on SPI1: the wiring (below, as the BOARD_* pins the
 * descriptor and the family code are built from, in board.c) and the tunables.
 *
 * ## Wiring (W5500 module -> Black Pill)
 * The common W5500 modules (the small blue "W5500 mini" and the USR-ES1) bring
 * out the same signals on a 2x5 header; wire them by name:
 * | W5500 module | Black Pill | function                                                  |
 * |--------------|------------|-----------------------------------------------------------|
 * | SCLK         | PA5        | SPI1_SCK, AF5                                             |
 * | MISO         | PA6        | SPI1_MISO, AF5 (pull-up: a missing module reads 0xFF)     |
 * | MOSI         | PA7        | SPI1_MOSI, AF5                                            |
 * | SCS (/CS)    | PA4        | GPIO output, high = deselected                            |
 * | RST (/RESET) | PA3        | GPIO output, low = in reset (the firmware resets the chip)|
 * | INT (/INT)   | PB0        | input, active low (the driver polls; interrupt-driven     |
 * |              |            | firmware: EXTI0; the emulator drives it as the W5500's INTn)|
 * | 3.3V         | 3V3        | the module draws up to ~130 mA: the Pill's regulator can  |
 * |              |            | supply it from USB; with an ST-LINK only, check its limit |
 * | GND          | G          |                                                           |
 * | 5V           | -          | not connected                                             |
 *
 * ## Console
 * USART1: PA9 = TX (to the adapter's RX), PA10 = RX (to the adapter's TX),
 * 115200 8N1, through any 3.3 V USB-serial adapter (CP2102, CH340, FT232);
 * connect GND too. The Pill's own USB-C port is not used for the console.
 *
 * ## LED
 * PC13 (the blue user LED), active low.
 *
 * ## Clocks
 * HSE 25 MHz crystal / 16 * 128 / 2 = SYSCLK = HCLK = APB2 = 100 MHz (VOS
 * scale 1, 3 flash wait states), APB1 = 50 MHz. SPI1 = 100 MHz / 4 = 25 MHz
 * (the W5500 is specified to 33.3 MHz; short wires keep 25 MHz clean).
 * USART1 from APB2: BRR 0x364 -> 115 207 Bd (+0.006 %).
 */
#ifndef BOARD_BLACKPILL_F411CE_H
#define BOARD_BLACKPILL_F411CE_H

#include "stm32f4_board_desc.h"

/* The board's facts, as the descriptor (stm32f4_board_desc.h) holds them. */
#define BOARD_TITLE "Black Pill STM32F411CE + W5500 module"
#define BOARD_CHIP STM32F4_CHIP_W5500
#define BOARD_SPI 1 /**< SPI1: SCK PA5, MISO PA6, MOSI PA7 (AF5) */
#define BOARD_CHIP_SELECT STM32F4_PA(4)
#define BOARD_CHIP_RESET STM32F4_PA(3)
#define BOARD_CHIP_INT STM32F4_PB(0)
#define BOARD_OTHER_SELECT STM32F4_NO_PIN
#define BOARD_CONSOLE_USART 1 /**< USART1 (AF7) */
#define BOARD_CONSOLE_TX STM32F4_PA(9)
#define BOARD_CONSOLE_RX STM32F4_PA(10)
#define BOARD_LED STM32F4_PC(13)    /**< active low */
#define BOARD_BUTTON STM32F4_NO_PIN /**< KEY (PA0) has no external pull-up */

#ifndef BOARD_SYSCLK_HZ
#define BOARD_SYSCLK_HZ 100000000u
#endif

#define BOARD_HSE_HZ 25000000u /**< the Black Pill's crystal */

/** The W5500's guaranteed SPI limit (datasheet: 33.3 MHz). */
#ifndef BOARD_SPI_MAX_HZ
#define BOARD_SPI_MAX_HZ 33300000u
#endif

#define BOARD_CONSOLE_BAUD 115200u

/** Independent watchdog timeout started at boot; 0: not started. */
#ifndef BOARD_IWDG_TIMEOUT_MS
#define BOARD_IWDG_TIMEOUT_MS 8000u
#endif

#endif
