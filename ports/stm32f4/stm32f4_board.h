/**
 * @file stm32f4_board.h
 * @brief What the STM32F4 family code needs to know about a board: a const
 * description the board defines (boards/<board>/board.c) and hands to
 * stm32f4_board_start(). The family code never calls into boards/; it only
 * reads this description.
 */
#ifndef STM32F4_BOARD_H
#define STM32F4_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stm32f4_regs.h"
#include "wizfetch/port.h"

/** One GPIO pin; `port` NULL = not wired. */
struct stm32f4_pin {
    GPIO_TypeDef *port;
    uint8_t pin; /**< 0..15 */
};

/** A board, as the family code sees it. Every field is a fact of the board. */
struct stm32f4_board {
    const char *name;    /**< printed at boot, e.g. "Nucleo-F411RE + W5100 shield" */
    uint32_t hse_hz;     /**< crystal on OSC_IN/OSC_OUT in Hz; 0 = run the PLL from the HSI */
    uint32_t sysclk_hz;  /**< target SYSCLK (100 MHz on the F411) */
    SPI_TypeDef *spi;    /**< the chip's SPI instance */
    uint32_t spi_max_hz; /**< the chip's (and the wiring's) SCK limit */
    uint8_t spi_af;      /**< alternate function of SCK/MISO/MOSI */
    struct stm32f4_pin spi_sck, spi_miso, spi_mosi;
    struct stm32f4_pin chip_select;      /**< the chip's /SCS (GPIO, high = deselected) */
    struct stm32f4_pin chip_reset;       /**< the chip's /RESET (GPIO, low = in reset), or not wired */
    struct stm32f4_pin other_selects[2]; /**< other slaves on the bus, held deselected (e.g. an SD card) */
    USART_TypeDef *console;              /**< console USART */
    uint32_t console_baud;
    uint8_t console_af;
    struct stm32f4_pin console_tx, console_rx;
    struct stm32f4_pin led; /**< a status LED, or not wired */
    bool led_active_low;
    uint32_t iwdg_timeout_ms; /**< independent watchdog started at boot; 0 = not started */
};

/** What stm32f4_board_start() did: 0 or a negative WF_E* code per step. */
struct stm32f4_board_status {
    int clock;            /**< stm32f4_clock_init(); on failure the board runs on the HSI at 16 MHz */
    int time;             /**< stm32f4_time_init(); WF_ENODEV: no cycle counter (no clock!) */
    int spi;              /**< stm32f4_spi_init() */
    int console;          /**< stm32f4_console_init() */
    int entropy;          /**< stm32f4_adc_entropy_init() */
    int seed;             /**< stm32f4_seed_init() on the linker's seed sectors */
    int watchdog;         /**< stm32f4_iwdg_start(), 1 if not started */
    uint32_t reset_flags; /**< RCC->CSR at boot (RCC_CSR_*RSTF), cleared since */
    uint32_t sysclk_hz;   /**< the SYSCLK actually running */
    uint32_t spi_hz;      /**< the SPI clock actually chosen */
};

/**
 * @brief Bring the board up from its description; `port` is the board's port
 * table (in flash, ctx = `board`, the stm32f4_port_* functions of
 * port_stm32f4.h, reset NULL when the chip's reset is not wired). Order: reset cause latched,
 * GPIO clocks, every chip select driven high and the chip held in reset (if
 * its reset is wired) before anything can clock the bus, clock tree, cycle
 * counter, SPI and console pins, SPI, console, LED, ADC entropy, seed sectors,
 * watchdog. Never fails: each step's result is in the status. Both must
 * outlive the program (const, in flash).
 */
void stm32f4_board_start(const struct stm32f4_board *board, const struct wf_port *port);

/** @brief Results of stm32f4_board_start(). */
const struct stm32f4_board_status *stm32f4_board_status(void);

#endif
