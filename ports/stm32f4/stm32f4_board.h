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

#include "stm32f4_board_desc.h"
#include "stm32f4_regs.h"
#include "wizfetch/port.h"

/** One GPIO pin; `port` NULL = not wired. */
struct stm32f4_pin {
    GPIO_TypeDef *port;
    uint8_t pin; /**< 0..15 */
};

/** The stm32f4_pin of a descriptor pin (STM32F4_PA(4), STM32F4_NO_PIN, ...), as an initializer. */
#define STM32F4_PIN(id)                                                                                      \
    {                                                                                                        \
        (id) == STM32F4_NO_PIN ? NULL : (GPIO_TypeDef *)(0x40020000u + STM32F4_PIN_PORT(id) * 0x400u),       \
            (uint8_t)STM32F4_PIN_NUMBER(id)                                                                  \
    }
/** USARTn / SPIn from the number alone (a board.h macro expanding to a plain decimal). */
#define STM32F4_USART(n) STM32F4_USART_(n)
#define STM32F4_USART_(n) USART##n
#define STM32F4_SPI(n) STM32F4_SPI_(n)
#define STM32F4_SPI_(n) SPI##n

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
    struct stm32f4_pin chip_int;         /**< the chip's INTn (low = interrupt), or not wired */
    struct stm32f4_pin other_selects[2]; /**< other slaves on the bus, held deselected (e.g. an SD card) */
    USART_TypeDef *console;              /**< console USART */
    uint32_t console_baud;
    uint8_t console_af;
    struct stm32f4_pin console_tx, console_rx;
    struct stm32f4_pin led; /**< a status LED, or not wired */
    bool led_active_low;
    uint32_t iwdg_timeout_ms; /**< independent watchdog started at boot; 0 = not started */
};

/* The linker script's flash regions (stm32f4_sections.ld): the entropy seed's two
 * sectors, the device-credentials sector, the image's region. */
extern const uint8_t _seed_start[], _seed_end[];
extern const uint8_t _cred_start[], _cred_end[];
extern const uint8_t _image_start[], _image_end[];

/**
 * The board descriptor (stm32f4_board_desc.h) in section `.board_desc`, defined
 * as `var` from the board's facts: the build's WF_BOARD_NAME (the board's folder)
 * and WF_BOARD_PART_NAME (board.cmake's WF_BOARD_PART), and from the board's
 * board.h: BOARD_TITLE, BOARD_CHIP (STM32F4_CHIP_*), BOARD_HSE_HZ, BOARD_SPI,
 * BOARD_CHIP_SELECT, BOARD_CHIP_RESET, BOARD_CHIP_INT, BOARD_OTHER_SELECT,
 * BOARD_CONSOLE_USART, BOARD_CONSOLE_TX, BOARD_CONSOLE_RX, BOARD_LED, BOARD_BUTTON
 * (pins as STM32F4_Px(n) or STM32F4_NO_PIN). The flash layout comes from the
 * linker script. Flash only (const, in sector 0 after the vectors).
 */
#define STM32F4_BOARD_DESCRIPTOR(var)                                                                        \
    _Static_assert(sizeof(WF_BOARD_NAME) <= sizeof(((struct stm32f4_board_desc *)0)->board),                 \
                   "board name too long for the descriptor");                                                \
    _Static_assert(sizeof(BOARD_TITLE) <= sizeof(((struct stm32f4_board_desc *)0)->title),                   \
                   "board title too long for the descriptor");                                               \
    _Static_assert(sizeof(WF_BOARD_PART_NAME) <= sizeof(((struct stm32f4_board_desc *)0)->part),             \
                   "part name too long for the descriptor");                                                 \
    __attribute__((used, section(STM32F4_BOARD_DESC_SECTION))) const struct stm32f4_board_desc var = {       \
        .magic = STM32F4_BOARD_DESC_MAGIC,                                                                   \
        .version = STM32F4_BOARD_DESC_VERSION,                                                               \
        .size = sizeof(struct stm32f4_board_desc),                                                           \
        .board = WF_BOARD_NAME,                                                                              \
        .title = BOARD_TITLE,                                                                                \
        .part = WF_BOARD_PART_NAME,                                                                          \
        .hse_hz = BOARD_HSE_HZ,                                                                              \
        .console_usart = BOARD_CONSOLE_USART,                                                                \
        .console_tx = BOARD_CONSOLE_TX,                                                                      \
        .console_rx = BOARD_CONSOLE_RX,                                                                      \
        .spi_bus = BOARD_SPI,                                                                                \
        .chip_select = BOARD_CHIP_SELECT,                                                                    \
        .chip_reset = BOARD_CHIP_RESET,                                                                      \
        .chip_int = BOARD_CHIP_INT,                                                                          \
        .led = BOARD_LED,                                                                                    \
        .other_select = BOARD_OTHER_SELECT,                                                                  \
        .button = BOARD_BUTTON,                                                                              \
        .chip = BOARD_CHIP,                                                                                  \
        .seed_start = (uint32_t)_seed_start,                                                                 \
        .seed_end = (uint32_t)_seed_end,                                                                     \
        .cred_start = (uint32_t)_cred_start,                                                                 \
        .cred_end = (uint32_t)_cred_end,                                                                     \
        .image_start = (uint32_t)_image_start,                                                               \
        .image_end = (uint32_t)_image_end,                                                                   \
    }

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

/** @brief The description stm32f4_board_start() was given (NULL before). */
const struct stm32f4_board *stm32f4_board_description(void);

#endif
