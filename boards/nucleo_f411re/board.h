/**
 * @file board.h
 * @brief Facts of the STM32 Nucleo-F411RE with an Arduino Ethernet Shield
 * (W5100) on its Arduino header: the wiring (below, as the BOARD_* pins the
 * descriptor and the family code are built from, in board.c) and the tunables.
 *
 * ## Wiring (Arduino header -> STM32F411RE)
 * | signal       | Arduino | pin  | function                                                  |
 * |--------------|---------|------|-----------------------------------------------------------|
 * | SPI SCK      | D13     | PA5  | SPI1_SCK, AF5 (also the LED LD2: it flickers with SPI     |
 * |              |         |      | traffic, so the LED is not used)                          |
 * | SPI MISO     | D12     | PA6  | SPI1_MISO, AF5 (pull-up: a missing shield reads 0xFF)     |
 * | SPI MOSI     | D11     | PA7  | SPI1_MOSI, AF5                                            |
 * | W5100 /SCS   | D10     | PB6  | GPIO output, high = deselected                            |
 * | SD card /CS  | D4      | PB5  | GPIO output, held high (the SD card shares the bus)       |
 * | W5100 /RESET | -       | -    | not on a GPIO (the shield resets with the board)          |
 * | W5100 /INT   | D2      | -    | not connected on the shield (its INT jumper is open)      |
 * | button B1    | -       | PC13 | the user button, external pull-up (not used)              |
 * | console TX   | -       | PA2  | USART2_TX, AF7 (ST-LINK virtual COM port)                 |
 * | console RX   | -       | PA3  | USART2_RX, AF7                                            |
 *
 * Shield R3 note: the shield takes SPI from the 6-pin ICSP header, which the
 * Nucleo does not have; D11/D12/D13 must reach the shield's ICSP MOSI/MISO/SCK
 * (jumper wires), unless the shield revision also routes them to D11-D13.
 *
 * ## Clocks
 * SYSCLK = HCLK = APB2 = 100 MHz (HSI 16 MHz / 8 * 100 / 2; VOS scale 1,
 * 3 flash wait states), APB1 = 50 MHz. SPI1 = 100 MHz / 8 = 12.5 MHz (W5100 max
 * 14 MHz). USART2 BRR 0x1B2 -> 115 207 Bd (+0.006 %). ADC 25 MHz.
 * Define BOARD_SYSCLK_HZ=84000000 for 84 MHz (scale 2, 2 wait states, APB1
 * 42 MHz, SPI 10.5 MHz, BRR 0x16D -> 115 068 Bd, -0.11 %).
 */
#ifndef BOARD_NUCLEO_F411RE_H
#define BOARD_NUCLEO_F411RE_H

#include "stm32f4_board_desc.h"

/* The board's facts, as the descriptor (stm32f4_board_desc.h) holds them. */
#define BOARD_TITLE "Nucleo-F411RE + W5100 shield"
#define BOARD_CHIP STM32F4_CHIP_W5100
#define BOARD_HSE_HZ 0u                 /**< the HSI: the ST-LINK's 8 MHz MCO would need a solder bridge */
#define BOARD_SPI 1                     /**< SPI1: SCK PA5 (D13), MISO PA6 (D12), MOSI PA7 (D11) (AF5) */
#define BOARD_CHIP_SELECT STM32F4_PB(6) /**< D10 */
#define BOARD_CHIP_RESET STM32F4_NO_PIN
#define BOARD_CHIP_INT STM32F4_NO_PIN
#define BOARD_OTHER_SELECT STM32F4_PB(5) /**< D4: the shield's SD card */
#define BOARD_CONSOLE_USART 2            /**< USART2 (AF7), the ST-LINK's virtual COM port */
#define BOARD_CONSOLE_TX STM32F4_PA(2)
#define BOARD_CONSOLE_RX STM32F4_PA(3)
#define BOARD_LED STM32F4_NO_PIN /**< LD2 is PA5, the SPI clock */
#define BOARD_BUTTON STM32F4_PC(13)

#ifndef BOARD_SYSCLK_HZ
#define BOARD_SYSCLK_HZ 100000000u /**< 100 MHz: the F411's maximum; TLS public-key maths is CPU-bound */
#endif

/** The W5100's SPI limit (datasheet: 14 MHz); the SPI runs at the fastest PCLK2/2^n below it. */
#define BOARD_SPI_MAX_HZ 14000000u

#define BOARD_CONSOLE_BAUD 115200u

/**
 * Independent watchdog timeout started at boot (nominal; real LSI gives
 * 0.68x..1.88x). 0: not started. Once started it cannot be stopped: the
 * application feeds it (the port's delay_ms does).
 */
#ifndef BOARD_IWDG_TIMEOUT_MS
#define BOARD_IWDG_TIMEOUT_MS 8000u
#endif

#endif
