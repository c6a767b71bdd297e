/**
 * @file stm32f4_board_desc.h
 * @brief The board descriptor: what a tool (the emulator, sim/emu) needs to know
 * about an STM32F4 board, carried by the firmware image itself in the ELF
 * section `.board_desc` (flash only, sector 0 after the vector table; kept by
 * the linker script with KEEP, no RAM).
 *
 * One fixed layout, little-endian, no padding (sizes below are checked at
 * compile time), read by the image's build (the board fills it from its board.h,
 * boards/<board>/board.c) and by the emulator (sim/emu/emu_boards.c). Plain C:
 * no register definitions, so a host program includes it as it is.
 *
 * Versioning: `magic` says it is a descriptor, `version` its layout; a reader
 * refuses a version it does not know, and a `size` other than the one of that
 * version. A new field is a new version.
 *
 * Pins are one byte: (GPIO port index << 4) | pin number, port 0 = A
 * (STM32F4_PA(4) = 0x04, STM32F4_PC(13) = 0x2D); STM32F4_NO_PIN when the signal
 * is not wired. The flash layout is the linker script's (its MEMORY regions
 * SEED, CRED, FLASH, through the symbols stm32f4_sections.ld defines): the
 * linker writes these addresses, so they are stated once, in the memory map.
 */
#ifndef STM32F4_BOARD_DESC_H
#define STM32F4_BOARD_DESC_H

#include <stdint.h>

#define STM32F4_BOARD_DESC_MAGIC 0x44424657u /**< "WFBD" in memory order */
#define STM32F4_BOARD_DESC_VERSION 1u
#define STM32F4_BOARD_DESC_SECTION ".board_desc"

/** A pin: GPIO port index (0 = A) and pin 0..15. */
#define STM32F4_PIN_ID(port, pin) ((uint8_t)(((unsigned)(port) << 4) | (unsigned)(pin)))
#define STM32F4_PA(pin) STM32F4_PIN_ID(0, pin)
#define STM32F4_PB(pin) STM32F4_PIN_ID(1, pin)
#define STM32F4_PC(pin) STM32F4_PIN_ID(2, pin)
#define STM32F4_PD(pin) STM32F4_PIN_ID(3, pin)
#define STM32F4_PE(pin) STM32F4_PIN_ID(4, pin)
#define STM32F4_PH(pin) STM32F4_PIN_ID(7, pin)
#define STM32F4_NO_PIN ((uint8_t)0xFFu) /**< the signal is not wired */
#define STM32F4_PIN_PORT(id) ((unsigned)(id) >> 4)
#define STM32F4_PIN_NUMBER(id) ((unsigned)(id)&0xFu)

/** The Ethernet chip on the board (`chip`). */
#define STM32F4_CHIP_W5100 1u
#define STM32F4_CHIP_W5500 2u

struct stm32f4_board_desc {
    uint32_t magic;        /**< STM32F4_BOARD_DESC_MAGIC */
    uint16_t version;      /**< STM32F4_BOARD_DESC_VERSION */
    uint16_t size;         /**< sizeof(struct stm32f4_board_desc) of that version */
    char board[24];        /**< the board's folder name, e.g. "blackpill_f411ce" (NUL-terminated) */
    char title[48];        /**< for people, e.g. "Black Pill STM32F411CE + W5500 module" */
    char part[16];         /**< the MCU part (board.cmake's WF_BOARD_PART), e.g. "STM32F411xE" */
    uint32_t hse_hz;       /**< crystal on OSC_IN in Hz; 0: none (the PLL runs from the HSI) */
    uint8_t console_usart; /**< the console's USART number (1: USART1, 2: USART2) */
    uint8_t console_tx;    /**< pin, AF7 */
    uint8_t console_rx;    /**< pin, AF7 */
    uint8_t spi_bus;       /**< the chip's SPI instance number (1: SPI1) */
    uint8_t chip_select;   /**< the chip's /SCS (GPIO output, high = deselected) */
    uint8_t chip_reset;    /**< the chip's /RESET (GPIO output, low = in reset), or STM32F4_NO_PIN */
    uint8_t chip_int;      /**< the chip's /INT (input, active low), or STM32F4_NO_PIN */
    uint8_t led;           /**< a status LED, or STM32F4_NO_PIN */
    uint8_t other_select;  /**< another slave on the chip's bus, held deselected, or STM32F4_NO_PIN */
    uint8_t button;        /**< a button with an external pull-up (reads 1 when idle), or STM32F4_NO_PIN */
    uint8_t chip;          /**< STM32F4_CHIP_W5100 or STM32F4_CHIP_W5500 */
    uint8_t reserved;      /**< 0 */
    uint32_t seed_start;   /**< the entropy seed's flash sectors (two equal ones): first byte ... */
    uint32_t seed_end;     /**< ... and one past the last */
    uint32_t cred_start;   /**< the device-credentials sector (`make provision`): first byte ... */
    uint32_t cred_end;     /**< ... and one past the last */
    uint32_t image_start;  /**< the flash region the image's code and constants go to ... */
    uint32_t image_end;    /**< ... and its end */
};

#define STM32F4_BOARD_DESC_SIZE 136u
_Static_assert(sizeof(struct stm32f4_board_desc) == STM32F4_BOARD_DESC_SIZE,
               "the descriptor's layout is fixed: change the version, not the size");

#endif
