/**
 * @file emu_machine.h
 * @brief An STM32F411 board as the emulator sees it: memory, clocks, time, the
 * peripheral models and the board's wiring (the image's board descriptor,
 * emu_boards.c), as plain C (no Unicorn), so that the models can be tested
 * through their register interfaces. Each peripheral's registers are described
 * once, as a table run by the register-file engine (emu_regs.h).
 *
 * Everything here follows the STM32F411 reference manual (RM0383) and the ARMv7-M
 * architecture; register and bit names are spelled as there. The bus entry points
 * wf_emu_read()/wf_emu_write() take a full address; an access nobody models,
 * or a reserved offset inside a modelled block, stops the run (WF_EMU_STOP_UNMODELLED).
 * Misuse that silicon would punish silently (a wrong flash key, too few wait
 * states, a peripheral used with its clock off, SPI misconfigured, ...) stops the
 * run too (WF_EMU_STOP_RULE), with a message that cites the rule.
 *
 * Time. The CPU executes one instruction per core clock cycle (an assumed CPI of
 * 1): `cycles` = instructions executed + stall cycles (flash erase/program, during
 * which silicon stalls instruction fetch) + sleep cycles (WFI/WFE: until the next
 * SysTick interrupt, at most 1 ms at a time, or at once when an interrupt is pending). Emulated time
 * integrates cycles over the core clock HCLK as it changes (16 MHz HSI after reset). DWT CYCCNT and SysTick
 * count these cycles; the IWDG, the chip model's clock and the run's time limit use emulated time.
 */
#ifndef WF_EMU_MACHINE_H
#define WF_EMU_MACHINE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_regs.h"
#include "wf_sim_chip.h"

#define WF_EMU_FLASH_BASE 0x08000000u
#define WF_EMU_FLASH_SIZE 0x00080000u /* 512 KiB, STM32F411RE */
#define WF_EMU_SRAM_BASE 0x20000000u
#define WF_EMU_SRAM_SIZE 0x00020000u /* 128 KiB */
#define WF_EMU_HSI_HZ 16000000u
/* The seed and credentials sectors are the image's (its board descriptor's flash
 * layout, from its linker script): struct wf_emu_board. */

/** Why a run stopped. */
enum wf_emu_stop {
    WF_EMU_STOP_NONE = 0,
    WF_EMU_STOP_EXIT,       /**< the firmware signalled an exit code (bkpt #0xAB) */
    WF_EMU_STOP_FAULT,      /**< CPU fault: bad instruction, bad access, stack overflow */
    WF_EMU_STOP_UNMODELLED, /**< access to an address or register the emulator does not model */
    WF_EMU_STOP_RULE,       /**< the firmware broke a rule of the silicon (see message) */
    WF_EMU_STOP_TIMEOUT,    /**< --max-seconds or --max-instructions reached */
    WF_EMU_STOP_POWER_CUT,  /**< --power-cut-program / --power-cut-erase: power lost mid-operation */
    WF_EMU_STOP_UNHANDLED,  /**< an exception reached a default handler (`b .`), or lockup: fault report */
};

/** Exit codes of wf-board-emu besides the firmware's own. */
#define WF_EMU_EXIT_FAULT 0x70
#define WF_EMU_EXIT_UNMODELLED 0x71
#define WF_EMU_EXIT_TIMEOUT 0x72
#define WF_EMU_EXIT_RULE 0x73
#define WF_EMU_EXIT_POWER_CUT 0x74
#define WF_EMU_EXIT_UNHANDLED 0x75 /**< fault report: an exception reached a default handler */

#define WF_EMU_MAX_PHASES 16

struct wf_emu_phase {
    char name[24];
    uint64_t instructions;
    uint64_t cycles;  /**< instructions + stall cycles */
    uint64_t time_ps; /**< emulated time */
    uint64_t spi_bytes;
    uint64_t payload_bytes;
};

/* Register indices: each peripheral's table (emu_<periph>.c) is indexed by its enum. */
enum {
    RCC_CR,
    RCC_PLLCFGR,
    RCC_CFGR,
    RCC_CIR,
    RCC_AHB1RSTR,
    RCC_AHB2RSTR,
    RCC_APB1RSTR,
    RCC_APB2RSTR,
    RCC_AHB1ENR,
    RCC_AHB2ENR,
    RCC_APB1ENR,
    RCC_APB2ENR,
    RCC_AHB1LPENR,
    RCC_AHB2LPENR,
    RCC_APB1LPENR,
    RCC_APB2LPENR,
    RCC_BDCR,
    RCC_CSR,
    RCC_SSCGR,
    RCC_PLLI2SCFGR,
    RCC_DCKCFGR,
    RCC_NREGS
};
enum { PWR_CR, PWR_CSR, PWR_NREGS };
enum { FLASH_ACR, FLASH_KEYR, FLASH_OPTKEYR, FLASH_SR, FLASH_CR, FLASH_OPTCR, FLASH_NREGS };
enum {
    GPIO_MODER,
    GPIO_OTYPER,
    GPIO_OSPEEDR,
    GPIO_PUPDR,
    GPIO_IDR,
    GPIO_ODR,
    GPIO_BSRR,
    GPIO_LCKR,
    GPIO_AFRL,
    GPIO_AFRH,
    GPIO_NREGS
};
enum {
    SPI_CR1,
    SPI_CR2,
    SPI_SR,
    SPI_DR,
    SPI_CRCPR,
    SPI_RXCRCR,
    SPI_TXCRCR,
    SPI_I2SCFGR,
    SPI_I2SPR,
    SPI_NREGS
};
enum { USART_SR, USART_DR, USART_BRR, USART_CR1, USART_CR2, USART_CR3, USART_GTPR, USART_NREGS };
enum { IWDG_KR, IWDG_PR, IWDG_RLR, IWDG_SR, IWDG_NREGS };
enum {
    ADC_SR,
    ADC_CR1,
    ADC_CR2,
    ADC_SMPR1,
    ADC_SMPR2,
    ADC_JOFR1,
    ADC_JOFR2,
    ADC_JOFR3,
    ADC_JOFR4,
    ADC_HTR,
    ADC_LTR,
    ADC_SQR1,
    ADC_SQR2,
    ADC_SQR3,
    ADC_JSQR,
    ADC_JDR,
    ADC_DR,
    ADC_CSR,
    ADC_CCR,
    ADC_CDR,
    ADC_NREGS
};

struct emu_rcc {
    struct emu_dev dev;
    uint64_t pll_ready_ps; /**< when PLLRDY rises (PLL lock time after PLLON) */
    uint64_t hse_ready_ps; /**< when HSERDY rises (crystal start-up after HSEON) */
    uint32_t sws;          /**< the clock actually in use (CFGR.SWS) */
};

struct emu_flash_if {
    struct emu_dev dev;
    unsigned key_state; /**< 0: expect KEY1, 1: expect KEY2, 2: unlocked, 3: locked until reset */
    uint64_t erases, programs;
    /** Power cut: the program (word/halfword/byte write) or sector erase with this
     * 1-based number is torn (half done) and the run stops there; 0: never. */
    uint64_t cut_program, cut_erase;
};

struct emu_spi {
    struct emu_dev dev;
    uint8_t rx;                /**< the received byte DR reads */
    unsigned pos;              /**< bytes clocked in this chip-select cycle */
    bool selected;             /**< the chip model is selected (a byte was clocked under /SCS low) */
    bool ovr_dr_read;          /**< DR read while OVR: the next SR read clears OVR */
    uint64_t bytes_deselected; /**< bytes clocked with no device selected */
    uint64_t bytes;            /**< all bytes clocked */
};

struct emu_usart {
    struct emu_dev dev;
    int rx;         /**< pending received byte or -1 */
    char line[256]; /**< the current console line (for phase markers) */
    size_t line_len;
    uint64_t tx_bytes;
    uint32_t baud; /**< the rate the last byte was sent at (0: none sent) */
};

/* Exception numbers (ARMv7-M B1.5.2); IRQ n is 16 + n. */
#define EMU_EXC_NMI 2u
#define EMU_EXC_HARDFAULT 3u
#define EMU_EXC_MEMMANAGE 4u
#define EMU_EXC_BUSFAULT 5u
#define EMU_EXC_USAGEFAULT 6u
#define EMU_EXC_SVCALL 11u
#define EMU_EXC_PENDSV 14u
#define EMU_EXC_SYSTICK 15u
#define EMU_EXC_IRQ0 16u
#define EMU_IRQ_LINES 86u /**< STM32F411 (RM0383 table 37) */
#define EMU_EXC_COUNT (EMU_EXC_IRQ0 + EMU_IRQ_LINES)
#define EMU_PRIO_BITS 4u    /**< implemented priority bits (STM32F4): the upper nibble of each byte */
#define EMU_PRIO_THREAD 256 /**< execution priority with nothing active and no mask */

/* STM32F411 interrupt lines the modelled peripherals raise (RM0383 table 37). */
#define EMU_IRQ_EXTI0 6u
#define EMU_IRQ_EXTI9_5 23u
#define EMU_IRQ_SPI1 35u
#define EMU_IRQ_USART1 37u
#define EMU_IRQ_USART2 38u
#define EMU_IRQ_EXTI15_10 40u

/** The NVIC and the SCB's exception state (emu_nvic.c). Bitmaps are indexed by exception number. */
struct emu_nvic {
    uint32_t pending[4], active[4];
    uint32_t irq_enabled[3];     /**< NVIC_ISER: bit n = IRQ n */
    uint8_t prio[EMU_EXC_COUNT]; /**< configurable priorities (SHPR1-3, NVIC_IPR), upper nibble */
    uint32_t prigroup;           /**< AIRCR.PRIGROUP */
    uint32_t shcsr_ena;          /**< SHCSR MEMFAULTENA/BUSFAULTENA/USGFAULTENA (bits 16-18) */
    bool div0_trap;              /**< CCR.DIV_0_TRP */
    uint32_t ipsr;               /**< the exception the CPU executes now (0: thread mode) */
    bool check;                  /**< state changed: the CPU should look for an exception to take */
};

struct emu_core {
    struct emu_dev dev;
    struct emu_nvic nvic;
    uint32_t st_csr, st_rvr, st_cvr; /**< SysTick */
    uint64_t st_last_cycles;         /**< cycles when the SysTick counter was last brought up to date */
    uint32_t dwt_cyccnt;             /**< CYCCNT at dwt_last_cycles */
    uint64_t dwt_last_cycles;
};

enum {
    SYSCFG_MEMRMP,
    SYSCFG_PMC,
    SYSCFG_EXTICR1,
    SYSCFG_EXTICR2,
    SYSCFG_EXTICR3,
    SYSCFG_EXTICR4,
    SYSCFG_CMPCR,
    SYSCFG_NREGS
};
enum { EXTI_IMR, EXTI_EMR, EXTI_RTSR, EXTI_FTSR, EXTI_SWIER, EXTI_PR, EXTI_NREGS };

/** SYSCFG (the EXTI line to port mapping) and EXTI (lines 0-15 from the GPIO pins). */
struct emu_exti {
    struct emu_dev syscfg, exti;
    uint16_t level; /**< the lines' input levels at the last look (edge detection) */
};

struct emu_adc {
    struct emu_dev dev;
    uint64_t conversions;
    bool warned_sampling;
};

struct emu_iwdg {
    struct emu_dev dev;
    bool running;
    bool access;        /**< 0x5555 written: PR/RLR writable */
    uint64_t reload_ps; /**< when the counter was last reloaded */
    uint64_t pvu_until_ps, rvu_until_ps;
};

/** A pin of the board: port 0 = A; port -1 = not wired. */
struct emu_pin {
    int8_t port;
    uint8_t pin;
};
#define EMU_PIN(port, pin) ((struct emu_pin){(int8_t)(port), (uint8_t)(pin)})
#define EMU_NO_PIN ((struct emu_pin){-1, 0})

/**
 * What differs between the boards the emulator models, as the image's board
 * descriptor says (section `.board_desc`, ports/stm32f4/stm32f4_board_desc.h;
 * emu_boards.c reads it). The MCU (STM32F411xE, its memory and peripherals) is
 * common to all: a descriptor for another part is refused.
 */
struct wf_emu_board {
    char id[24];                           /**< the board's name, e.g. "nucleo_f411re" */
    char title[48];                        /**< for messages, e.g. "Nucleo-F411RE + W5100 shield" */
    uint32_t hse_hz;                       /**< crystal on OSC_IN; 0: none (HSEON never gets ready) */
    unsigned console_usart;                /**< 1 (APB2, 0x40011000) or 2 (APB1, 0x40004400) */
    struct emu_pin console_tx, console_rx; /**< AF7 */
    struct emu_pin chip_select;            /**< the chip's /SCS */
    struct emu_pin chip_reset;             /**< the chip's /RESET, or not wired (pulled up) */
    struct emu_pin chip_int;               /**< the chip's /INT (input to the MCU), or not wired */
    struct emu_pin other_select;           /**< another slave on SPI1 that must stay deselected, or none */
    struct emu_pin led;                    /**< a status LED, or none (only recorded) */
    struct emu_pin button;                 /**< a button with an external pull-up (reads 1), or none */
    enum wf_sim_variant chip;              /**< the chip modelled unless --chip says otherwise */
    /* The flash layout (offsets from WF_EMU_FLASH_BASE, from the image's linker script). */
    uint32_t seed_off, seed_size;   /**< the entropy seed's two sectors (the seed file's size) */
    unsigned seed_first_sector;     /**< the sector number at seed_off */
    uint32_t cred_off, cred_size;   /**< the device-credentials sector */
    uint32_t image_off, image_size; /**< the image's region */
};

/**
 * Fill `board` from a board descriptor's bytes (`len` of them, the section's
 * contents). 0, or -1 with a message in `err` that says what is wrong: too short
 * (truncated), not a descriptor (magic), a version or size this emulator does
 * not read, a part other than the STM32F411xE, a pin, USART, SPI bus or chip it
 * does not model, or a flash layout outside flash or not on sector boundaries.
 */
int wf_emu_board_from_desc(struct wf_emu_board *board, const uint8_t *desc, size_t len, char *err,
                           size_t errlen);

/**
 * The board descriptor of the ELF image `path` (its `.board_desc` section). 0, or
 * -1 with a message in `err`: the file is not an ELF image, has no descriptor (an
 * image built before descriptors existed: rebuild it), or the descriptor is bad.
 */
int wf_emu_board_load(struct wf_emu_board *board, const char *path, char *err, size_t errlen);

/** The flash sector holding offset `off`, its offset and size; -1 if outside flash. */
int wf_emu_flash_sector_at(uint32_t off, uint32_t *sector_off, uint32_t *sector_size);

/** The whole machine: the STM32F411 on one board. Create with wf_emu_new(); all fields are readable by tests.
 */
struct wf_emu {
    const struct wf_emu_board *board;
    uint8_t *flash; /**< WF_EMU_FLASH_SIZE bytes, shared with the CPU (read/execute) */
    uint8_t *sram;  /**< WF_EMU_SRAM_SIZE bytes */

    /* time */
    uint64_t icount;       /**< instructions executed since power-on (all resets) */
    uint64_t stall_cycles; /**< cycles the CPU spent stalled (flash operations) */
    uint64_t sleep_cycles; /**< cycles the CPU slept in WFI/WFE (no instructions) */
    uint64_t sleeps;       /**< WFI/WFE executions after which time ran on (no interrupt was pending) */
    uint64_t tb_cycles;    /**< time base: cycles at the last clock change ... */
    uint64_t tb_ps;        /**< ... and the emulated time then, in picoseconds */
    uint64_t tb_rem;       /**< remainder of the ps conversion */
    uint32_t pc;           /**< address of the instruction executing (for messages) */
    uint32_t acc_addr;     /**< the bus access in progress (for messages) */
    unsigned acc_size;
    bool acc_write;

    /* the peripherals, each a register file (emu_regs.h) plus its behaviour's state */
    struct emu_rcc rcc;
    struct emu_dev pwr;
    struct emu_flash_if fl;
    struct emu_dev gpio[3]; /* A, B, C */
    struct emu_spi spi1;
    struct emu_usart usart; /**< the board's console USART (USART1 or USART2) */
    struct emu_core core;   /**< the private peripheral bus: SysTick, SCB, NVIC, MPU, DWT, FPU */
    struct emu_adc adc;
    struct emu_iwdg iwdg;
    struct emu_exti exti;
    struct emu_dev sysmem;    /**< unique device ID and flash size */
    struct emu_dev *devs[16]; /**< the bus map: every block above */
    unsigned ndevs;
    bool fpu_enabled;             /**< CPACR grants CP10 and CP11 */
    bool cs_low;                  /**< the board's chip-select pin drives the chip's /SCS low */
    bool chip_in_reset;           /**< the board's chip-reset pin drives /RESET low */
    uint64_t chip_reset_since_ps; /**< when /RESET went low */
    uint64_t chip_reset_pulses;   /**< /RESET low-high cycles */
    uint64_t led_toggles;

    /* wiring */
    struct wf_sim_chip *chip;
    bool chip_absent; /**< no shield: MISO reads chip_absent_miso */
    uint8_t chip_absent_miso;
    void (*console_out)(void *ctx, const char *data, size_t len);
    void *console_ctx;
    int (*console_in)(void *ctx); /**< next received byte or -1; NULL: never */
    void *console_in_ctx;
    /** Flash content changed (erase/program): the CPU must drop cached translations. */
    void (*flash_changed)(void *ctx, uint32_t addr, uint32_t len);
    void *flash_changed_ctx;
    uint32_t lsi_hz;       /**< IWDG clock (32 kHz typical) */
    uint32_t console_baud; /**< the rate the console expects (+-2 %); 0: any (--console-baud) */
    uint64_t prng;

    /* stop state */
    enum wf_emu_stop stop;
    int exit_code;
    char stop_msg[512];
    bool reset_request; /**< a system reset is due (IWDG, SYSRESETREQ) */
    const char *reset_cause;
    uint64_t resets, watchdog_resets;

    /* measurements */
    struct wf_emu_phase phases[WF_EMU_MAX_PHASES];
    unsigned nphases;   /**< phases[nphases-1] is the current one */
    unsigned phase_seq; /**< changes at each phase switch (for the profiler) */
    uint64_t phase_start_icount, phase_start_cycles, phase_start_ps, phase_start_spi, phase_start_payload;
};

/** `board` (kept by pointer: it must outlive the machine) in its power-on state, SRAM
 * filled from `seed`. `chip` may be NULL. */

#define WF_EMU_CONSOLE_BAUD 115200u /**< the console's default rate (the boards' BOARD_CONSOLE_BAUD) */
struct wf_emu *wf_emu_new(const struct wf_emu_board *board, struct wf_sim_chip *chip, uint64_t seed);
void wf_emu_free(struct wf_emu *b);

/**
 * A system reset (power-on when `power_on`): peripherals to their reset values,
 * SRAM refilled with pseudo-random bytes, flash kept. RCC_CSR reset flags follow
 * RM0383 6.3.21 (`cause_flag` is one of the RCC_CSR_*RSTF bits, or 0).
 */
void wf_emu_reset(struct wf_emu *b, bool power_on, uint32_t cause_flag);

/**
 * Bus access from the CPU: `size` 1, 2 or 4 bytes at `addr`. Returns 0, or -1 when
 * the access stopped the run (b->stop / b->stop_msg say why).
 */
int wf_emu_read(struct wf_emu *b, uint32_t addr, unsigned size, uint32_t *val);
int wf_emu_write(struct wf_emu *b, uint32_t addr, unsigned size, uint32_t val);
/** Whether `addr` lies in a block the bus above decodes (peripherals, PPB, system memory). */
bool wf_emu_is_mmio(uint32_t addr);

/** The CPU wrote `size` bytes to flash memory at `addr` (programming). */
int wf_emu_flash_write(struct wf_emu *b, uint32_t addr, unsigned size, uint32_t val);

/** wf-board-emu's exit code for how the run stopped (the firmware's own on an exit). */
int wf_emu_exit_code(const struct wf_emu *b);

/** Stop the run (first reason wins). Returns -1. */
int wf_emu_stop(struct wf_emu *b, enum wf_emu_stop why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- clocks and time ---- */
uint32_t wf_emu_sysclk(const struct wf_emu *b);
uint32_t wf_emu_hclk(const struct wf_emu *b);
uint32_t wf_emu_pclk1(const struct wf_emu *b);
uint32_t wf_emu_pclk2(const struct wf_emu *b);
/** SPI1 SCK frequency from CR1.BR and PCLK2. */
uint32_t wf_emu_spi1_hz(const struct wf_emu *b);
uint64_t wf_emu_cycles(const struct wf_emu *b);
/** Emulated time since power-on, in picoseconds / milliseconds. */
uint64_t wf_emu_time_ps(struct wf_emu *b);
uint32_t wf_emu_millis(void *board);
/** Call before anything changes HCLK: folds elapsed cycles into the time base. */
void wf_emu_clock_will_change(struct wf_emu *b);
/** The CPU stalls for `ps` picoseconds (cycles counted, no instructions). */
void wf_emu_stall(struct wf_emu *b, uint64_t ps);
/** Periodic work between slices: watchdog expiry, clock switch completion. */
void wf_emu_tick(struct wf_emu *b);

/* ---- measurements ---- */
/** A console line was completed: "[phase] NAME" switches the phase. */
void wf_emu_console_line(struct wf_emu *b, const char *line);
/** Close the current phase's counters (at exit). */
void wf_emu_phase_close(struct wf_emu *b);

/* ---- persistent seed sector ---- */
int wf_emu_seed_load(struct wf_emu *b, const char *path);
int wf_emu_seed_save(const struct wf_emu *b, const char *path);
/** Put the file (at most the board's cred_size bytes; the rest stays erased) into the
 * credentials sector, as `make provision` does on a board. 0, or -1 if it cannot
 * be read or is larger. Read only: the firmware never writes the sector. */
int wf_emu_cred_load(struct wf_emu *b, const char *path);

/* ---- the peripherals (emu_<periph>.c): set-up (table, place on the bus) and reset ---- */
void emu_rcc_init(struct wf_emu *b);
void emu_rcc_reset(struct wf_emu *b, bool power_on, uint32_t cause_flag);
void emu_flash_if_init(struct wf_emu *b);
void emu_flash_if_reset(struct wf_emu *b);
void emu_gpio_init(struct wf_emu *b);
void emu_gpio_reset(struct wf_emu *b);
void emu_spi_init(struct wf_emu *b);
void emu_spi_reset(struct wf_emu *b);
void emu_usart_init(struct wf_emu *b);
void emu_usart_reset(struct wf_emu *b);
void emu_core_init(struct wf_emu *b);
void emu_core_reset(struct wf_emu *b);
void emu_adc_init(struct wf_emu *b);
void emu_adc_reset(struct wf_emu *b);
void emu_iwdg_init(struct wf_emu *b);
void emu_iwdg_reset(struct wf_emu *b);
void emu_exti_init(struct wf_emu *b);
void emu_exti_reset(struct wf_emu *b);
/** The EXTI inputs looked at again (GPIO levels, the chip's INTn): edges set PR, and
 * every line with PR and IMR set keeps its NVIC interrupt pending unless it is active. */
void emu_exti_update(struct wf_emu *b);
/** The peripherals' interrupt lines looked at (EXTI inputs, the console USART, SPI1):
 * an asserted line sets its interrupt pending unless it is active (taken again after
 * the return if still asserted then). Called after the registers that move a line. */
void emu_irq_update(struct wf_emu *b);
bool emu_usart_irq_line(struct wf_emu *b);
bool emu_spi_irq_line(const struct wf_emu *b);

/** Input level of a pin as IDR reads it (outputs: what they drive; the chip's INTn; pulls). */
unsigned emu_gpio_input_level(struct wf_emu *b, unsigned port, unsigned pin);
/** Put `d` on the bus (wf_emu_read/write find it by address). */
void wf_emu_attach(struct wf_emu *b, struct emu_dev *d);

/** The board's chip-select or chip-reset pin changed level. */
int emu_spi_chip_select(struct wf_emu *b, bool low);
void emu_chip_reset_pin(struct wf_emu *b, bool low);
/** Watchdog: request a reset when the counter has reached 0. */
void emu_iwdg_check(struct wf_emu *b);
/** Complete a pending clock switch (CFGR.SW -> SWS) once its source is ready. */
int emu_rcc_update(struct wf_emu *b);
/** The clock-tree rules (flash latency, VOS, bus limits): 0, or -1 having stopped. */
int emu_rcc_check(struct wf_emu *b);

/* ---- exceptions (emu_nvic.c): the NVIC and SCB state, no CPU ---- */
/** Raw priority of exception `exc`: -3 reset, -2 NMI, -1 HardFault, else 0..255 (upper nibble). */
int emu_exc_priority(const struct wf_emu *b, unsigned exc);
/** The group (preemption) priority of a raw priority under AIRCR.PRIGROUP; negatives unchanged. */
int emu_exc_group(const struct wf_emu *b, int prio);
/** The execution priority (ARMv7-M B1.5.4): the active exceptions' and the masks' (CPU registers). */
int emu_exc_exec_priority(const struct wf_emu *b, uint32_t primask, uint32_t basepri, uint32_t faultmask);
/** Whether `exc` may be taken when pending: IRQs need ISER, the configurable faults SHCSR. */
bool emu_exc_enabled(const struct wf_emu *b, unsigned exc);
/** The pending, enabled exception to take at execution priority `exec_prio`, or 0 (none preempts). */
unsigned emu_exc_next(const struct wf_emu *b, int exec_prio);
void emu_exc_set_pending(struct wf_emu *b, unsigned exc);
void emu_exc_clear_pending(struct wf_emu *b, unsigned exc);
bool emu_exc_is_pending(const struct wf_emu *b, unsigned exc);
bool emu_exc_is_active(const struct wf_emu *b, unsigned exc);
/** Entry: pending -> active; the CPU now runs `exc`. */
void emu_exc_activate(struct wf_emu *b, unsigned exc);
/** Return from `exc`: not active any more; `ipsr` is the returned-to context's. */
void emu_exc_deactivate(struct wf_emu *b, unsigned exc, uint32_t ipsr);
/** How many exceptions are active (RETTOBASE: 1). */
unsigned emu_exc_active_count(const struct wf_emu *b);
/** "SysTick", "IRQ6 EXTI0", ... into `buf`. */
const char *emu_exc_name(unsigned exc, char *buf, size_t len);
/**
 * The stack frame of an exception entry (ARMv7-M B1.5.6): from the stack pointer
 * `sp` at the moment of the exception, 8 words (basic) or 26 (with the FP context),
 * placed 8-byte aligned below sp. Returns the frame's address; `*aligner` says
 * whether a padding word was inserted (xPSR bit 9 in the stacked xPSR).
 */
uint32_t emu_exc_frame_addr(uint32_t sp, bool fp, bool *aligner);
#define EMU_FRAME_BASIC 0x20u
#define EMU_FRAME_FP 0x68u
/** Fault status (CFSR/HFSR bits, MMFAR/BFAR) recorded as silicon does when a fault is raised. */
void emu_core_fault_status(struct wf_emu *b, uint32_t cfsr, uint32_t hfsr, uint32_t mmfar, uint32_t bfar);
/** CFSR, HFSR, MMFAR, BFAR as the fault report reads them. */
void emu_core_fault_regs(const struct wf_emu *b, uint32_t *cfsr, uint32_t *hfsr, uint32_t *mmfar,
                         uint32_t *bfar);
/** SysTick brought up to date (its interrupt set pending on a wrap with TICKINT); the
 * cycle count at which it next reaches 0 with TICKINT set, or UINT64_MAX. */
uint64_t emu_systick_next_irq(struct wf_emu *b);
/** VTOR. */
uint32_t emu_core_vtor(const struct wf_emu *b);

/** A reserved offset inside a modelled block: stops the run (WF_EMU_STOP_UNMODELLED). */
int wf_emu_reserved(struct wf_emu *b);

/** Whether PIN of PORT (0=A) is in alternate-function mode with function `af`. */
bool emu_gpio_is_af(const struct wf_emu *b, struct emu_pin p, unsigned af);
/** Level driven on the pin (output mode): 1/0; -1 when the pin is not an output. */
int emu_gpio_output_level(const struct wf_emu *b, struct emu_pin p);
/** "PA5"-style name of a pin (static buffer per call site is not needed: 4 chars + NUL in `buf`). */
const char *emu_pin_name(struct emu_pin p, char buf[8]);

/** xorshift64* from the board's seed: the ADC noise and SRAM power-on content. */
uint64_t wf_emu_rand(struct wf_emu *b);

/* RCC_CSR reset flags (RM0383 6.3.21) */
#define EMU_RCC_CSR_LSION (1u << 0)
#define EMU_RCC_CSR_LSIRDY (1u << 1)
#define EMU_RCC_CSR_RMVF (1u << 24)
#define EMU_RCC_CSR_BORRSTF (1u << 25)
#define EMU_RCC_CSR_PINRSTF (1u << 26)
#define EMU_RCC_CSR_PORRSTF (1u << 27)
#define EMU_RCC_CSR_SFTRSTF (1u << 28)
#define EMU_RCC_CSR_IWDGRSTF (1u << 29)
#define EMU_RCC_CSR_WWDGRSTF (1u << 30)
#define EMU_RCC_CSR_LPWRRSTF (1u << 31)

#endif
