/**
 * @file board.h
 * @brief Board facts of the STM32 Nucleo-F411RE with an Arduino Ethernet Shield
 * (W5100) on its Arduino header, and the board API the firmware calls.
 *
 * ## Wiring (Arduino header -> STM32F411RE)
 * | signal | Arduino | pin | function |
 * |---|---|---|---|
 * | SPI SCK | D13 | PA5 | SPI1_SCK, AF5 (also the Nucleo's LED LD2: it flickers with SPI traffic, so the LED
 * is not used) | | SPI MISO | D12 | PA6 | SPI1_MISO, AF5 (pull-up: a missing shield reads 0xFF) | | SPI MOSI
 * | D11 | PA7 | SPI1_MOSI, AF5 | | W5100 /SCS | D10 | PB6 | GPIO output, high = deselected | | SD card /CS |
 * D4 | PB5 | GPIO output, held high (the SD card shares the bus) | | console TX | - | PA2 | USART2_TX, AF7
 * (ST-LINK virtual COM port) | | console RX | - | PA3 | USART2_RX, AF7 |
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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stm32f4_regs.h"
#include "wizfetch/port.h"

#ifndef BOARD_SYSCLK_HZ
#define BOARD_SYSCLK_HZ 100000000u /**< 100 MHz: the F411's maximum; TLS public-key maths is CPU-bound */
#endif

/** The W5100's SPI limit (datasheet: 14 MHz); the SPI runs at the fastest PCLK2/2^n below it. */
#define BOARD_SPI_MAX_HZ 14000000u

#define BOARD_CONSOLE_BAUD 115200u

/**
 * Independent watchdog timeout started by wf_board_init() (nominal; real LSI
 * gives 0.68x..1.88x). 0: wf_board_init() does not start it. Once started it
 * cannot be stopped: the application feeds it (stm32f4_delay_ms() and the port's
 * delay_ms do).
 */
#ifndef BOARD_IWDG_TIMEOUT_MS
#define BOARD_IWDG_TIMEOUT_MS 8000u
#endif

#define BOARD_SPI_SCK_PORT GPIOA
#define BOARD_SPI_SCK_PIN 5u
#define BOARD_SPI_MISO_PORT GPIOA
#define BOARD_SPI_MISO_PIN 6u
#define BOARD_SPI_MOSI_PORT GPIOA
#define BOARD_SPI_MOSI_PIN 7u
#define BOARD_SPI_AF 5u

#define BOARD_W5100_CS_PORT GPIOB /* D10 */
#define BOARD_W5100_CS_PIN 6u
#define BOARD_SD_CS_PORT GPIOB /* D4 */
#define BOARD_SD_CS_PIN 5u

#define BOARD_UART_TX_PORT GPIOA
#define BOARD_UART_TX_PIN 2u
#define BOARD_UART_RX_PORT GPIOA
#define BOARD_UART_RX_PIN 3u
#define BOARD_UART_AF 7u

/** What wf_board_init() did: 0 or a negative WF_E* code per step. */
struct wf_board_status {
    int clock;            /**< stm32f4_clock_init(); on failure the board runs on the HSI at 16 MHz */
    int time;             /**< stm32f4_time_init(); WF_ENODEV: no cycle counter (no clock!) */
    int spi;              /**< stm32f4_spi1_init() */
    int console;          /**< stm32f4_usart2_init() */
    int entropy;          /**< stm32f4_adc_entropy_init() */
    int seed;             /**< stm32f4_seed_init() on the linker's seed sector */
    int watchdog;         /**< stm32f4_iwdg_start(), 1 if not started (BOARD_IWDG_TIMEOUT_MS 0) */
    uint32_t reset_flags; /**< RCC->CSR at boot (RCC_CSR_*RSTF), cleared since */
    uint32_t sysclk_hz;   /**< the SYSCLK actually running */
    uint32_t spi_hz;      /**< the SPI clock actually chosen */
};

/**
 * @brief Bring the board up; called by the startup code before main(). Order:
 * reset cause latched, GPIO clocks, both chip selects driven high (before
 * anything can clock the bus), clock tree, cycle counter, SPI and console
 * pins, SPI1, USART2, ADC entropy, seed sector, watchdog. Never fails: each
 * step's result is in wf_board_status() for main() to report on the console.
 */
void wf_board_init(void);

/** @brief Results of wf_board_init(). */
const struct wf_board_status *wf_board_status(void);

/** @brief The wizfetch port of this board (const, in flash). reset is NULL (the shield's reset is not on a
 * GPIO). */
const struct wf_port *wf_board_port(void);

/* ---- what the application needs from the board, besides the port ---------- */

/** Printed at boot. */
#define WF_BOARD_NAME "Nucleo-F411RE + W5100 shield"

/** True if the previous run ended with a watchdog reset. */
bool wf_board_watchdog_reset(void);

/** The entropy seed's non-volatile store, for wf_tls_platform_set_seed_store(). */
int wf_board_seed_read(unsigned char *buf, size_t len);
int wf_board_seed_write(unsigned char *buf, size_t len);
/** 1 if the last seed read found a stored seed, 0 if not (first boot: fresh ADC bytes), -1 if none yet. */
int wf_board_seed_loaded(void);

/**
 * Print `samples` raw noise LSBs per entropy channel on the console (lines
 * "raw0 ..."/"raw1 ...", see stm32f4_adc_entropy_dump()): the input of the
 * SP 800-90B estimator. 0 or a negative WF_E* code.
 */
int wf_board_entropy_dump(uint32_t samples);

/** Set the wall clock (Unix seconds), e.g. from SNTP. */
void wf_board_set_unix_time(int64_t unix_seconds);

/** Deepest stack use so far (bytes, from the painted stack). */
size_t wf_board_stack_peak(void);

/**
 * End of an emulated run: with a debugger (or the emulator) attached, which
 * CoreDebug->DHCSR.C_DEBUGEN shows, execute `bkpt #0xAB` with r0 = `code` so it
 * can stop and report `code`. On a board running alone it returns at once
 * (a BKPT without a debugger would be a HardFault).
 */
void wf_board_exit(int code);

#endif
