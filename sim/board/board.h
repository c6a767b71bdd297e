/**
 * @file board.h
 * @brief The Nucleo-F411RE as the emulator sees it: memory, clocks, time and the
 * peripheral models, as plain C (no Unicorn), so that the models can be tested
 * through their register interfaces.
 *
 * Everything here follows the STM32F411 reference manual (RM0383) and the ARMv7-M
 * architecture; register and bit names are spelled as there. The bus entry points
 * wf_board_read()/wf_board_write() take a full address; an access nobody models,
 * or a reserved offset inside a modelled block, stops the run (WF_STOP_UNMODELLED).
 * Misuse that silicon would punish silently (a wrong flash key, too few wait
 * states, a peripheral used with its clock off, SPI misconfigured, ...) stops the
 * run too (WF_STOP_RULE), with a message that cites the rule.
 *
 * Time. The CPU executes one instruction per core clock cycle (an assumed CPI of
 * 1): `cycles` = instructions executed + stall cycles (flash erase/program, during
 * which silicon stalls instruction fetch). Emulated time integrates cycles over
 * the core clock HCLK as it changes (16 MHz HSI after reset). DWT CYCCNT and
 * SysTick count these cycles; the IWDG, the chip model's clock and the
 * run's time limit use emulated time.
 */
#ifndef WF_SIM_BOARD_H
#define WF_SIM_BOARD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wf_sim_chip;

#define WF_BOARD_FLASH_BASE 0x08000000u
#define WF_BOARD_FLASH_SIZE 0x00080000u /* 512 KiB, STM32F411RE */
#define WF_BOARD_SRAM_BASE 0x20000000u
#define WF_BOARD_SRAM_SIZE 0x00020000u /* 128 KiB */
#define WF_BOARD_HSI_HZ 16000000u
#define WF_BOARD_HSE_HZ 8000000u    /* Nucleo: 8 MHz from the ST-LINK's MCO (HSE bypass) */
#define WF_BOARD_SEED_OFF 0x4000u    /* sectors 1 and 2 (0x08004000, 2 x 16 KiB): the persistent seed */
#define WF_BOARD_SEED_SIZE 0x8000u    /* the seed file's size */
#define WF_BOARD_SEED_FIRST_SECTOR 1u /* the sector number of WF_BOARD_SEED_OFF */

/** Why a run stopped. */
enum wf_board_stop {
    WF_STOP_NONE = 0,
    WF_STOP_EXIT,       /**< the firmware signalled an exit code (bkpt #0xAB) */
    WF_STOP_FAULT,      /**< CPU fault: bad instruction, bad access, stack overflow */
    WF_STOP_UNMODELLED, /**< access to an address or register the emulator does not model */
    WF_STOP_RULE,       /**< the firmware broke a rule of the silicon (see message) */
    WF_STOP_TIMEOUT,    /**< --max-seconds or --max-instructions reached */
    WF_STOP_POWER_CUT,  /**< --power-cut-program / --power-cut-erase: power lost mid-operation */
};

/** Exit codes of wf-board-emu besides the firmware's own. */
#define WF_BOARD_EXIT_FAULT 0x70
#define WF_BOARD_EXIT_UNMODELLED 0x71
#define WF_BOARD_EXIT_TIMEOUT 0x72
#define WF_BOARD_EXIT_RULE 0x73
#define WF_BOARD_EXIT_POWER_CUT 0x74

#define WF_BOARD_MAX_PHASES 16

struct wf_board_phase {
    char name[24];
    uint64_t instructions;
    uint64_t cycles;  /**< instructions + stall cycles */
    uint64_t time_ps; /**< emulated time */
    uint64_t spi_bytes;
    uint64_t payload_bytes;
};

struct wf_rcc {
    uint32_t cr, pllcfgr, cfgr, cir;
    uint32_t ahb1rstr, ahb2rstr, apb1rstr, apb2rstr;
    uint32_t ahb1enr, ahb2enr, apb1enr, apb2enr;
    uint32_t ahb1lpenr, ahb2lpenr, apb1lpenr, apb2lpenr;
    uint32_t bdcr, csr, sscgr, plli2scfgr, dckcfgr;
    uint64_t pll_ready_ps; /**< when PLLRDY rises (PLL lock time after PLLON) */
    uint64_t hse_ready_ps;
    uint32_t sws; /**< the clock actually in use (CFGR.SWS) */
};

struct wf_pwr {
    uint32_t cr, csr;
};

struct wf_flash_if {
    uint32_t acr, cr, sr, optcr;
    unsigned key_state; /**< 0: expect KEY1, 1: expect KEY2, 2: unlocked, 3: locked until reset */
    unsigned optkey_state;
    uint64_t erases, programs;
    /** Power cut: the program (word/halfword/byte write) or sector erase with this
     * 1-based number is torn (half done) and the run stops there; 0: never. */
    uint64_t cut_program, cut_erase;
};

struct wf_gpio {
    uint32_t moder, otyper, ospeedr, pupdr, odr, lckr, afrl, afrh;
};

struct wf_spi {
    uint32_t cr1, cr2, sr, crcpr, i2scfgr, i2spr;
    uint8_t rx;                /**< the received byte DR reads */
    unsigned pos;              /**< bytes clocked in this chip-select cycle */
    bool selected;             /**< the chip model is selected (a byte was clocked under PB6 low) */
    bool ovr_dr_read;          /**< DR read while OVR: the next SR read clears OVR */
    uint64_t bytes_deselected; /**< bytes clocked with no device selected */
    uint64_t bytes;            /**< all bytes clocked */
};

struct wf_usart {
    uint32_t sr, brr, cr1, cr2, cr3, gtpr;
    int rx;         /**< pending received byte or -1 */
    char line[256]; /**< the current console line (for phase markers) */
    size_t line_len;
    uint64_t tx_bytes;
};

struct wf_systick {
    uint32_t csr, rvr, cvr;
    uint64_t last_cycles; /**< cycles when cvr/countflag were last brought up to date */
};

struct wf_dwt {
    uint32_t ctrl;
    uint32_t cyccnt; /**< value at last_cycles */
    uint64_t last_cycles;
};

struct wf_scb {
    uint32_t vtor, aircr, scr, ccr, shpr[3], shcsr, cfsr, hfsr, cpacr, demcr;
    uint32_t fpccr, fpcar, fpdscr;
};

struct wf_adc {
    uint32_t sr, cr1, cr2, smpr1, smpr2, jofr[4], htr, ltr, sqr1, sqr2, sqr3, jsqr, dr;
    uint32_t ccr;
    uint64_t conversions;
    bool warned_sampling;
};

struct wf_iwdg {
    bool running;
    bool access; /**< 0x5555 written: PR/RLR writable */
    uint32_t pr, rlr;
    uint64_t reload_ps; /**< when the counter was last reloaded */
    uint64_t pvu_until_ps, rvu_until_ps;
};

/** The whole board. Create with wf_board_new(); all fields are readable by tests. */
struct wf_board {
    uint8_t *flash; /**< WF_BOARD_FLASH_SIZE bytes, shared with the CPU (read/execute) */
    uint8_t *sram;  /**< WF_BOARD_SRAM_SIZE bytes */

    /* time */
    uint64_t icount;       /**< instructions executed since power-on (all resets) */
    uint64_t stall_cycles; /**< cycles the CPU spent stalled (flash operations) */
    uint64_t tb_cycles;    /**< time base: cycles at the last clock change ... */
    uint64_t tb_ps;        /**< ... and the emulated time then, in picoseconds */
    uint64_t tb_rem;       /**< remainder of the ps conversion */
    uint32_t pc;           /**< address of the instruction executing (for messages) */
    uint32_t acc_addr;     /**< the bus access in progress (for messages) */
    unsigned acc_size;
    bool acc_write;

    struct wf_rcc rcc;
    struct wf_pwr pwr;
    struct wf_flash_if fl;
    struct wf_gpio gpio[3]; /* A, B, C */
    struct wf_spi spi1;
    struct wf_usart usart2;
    struct wf_systick systick;
    struct wf_dwt dwt;
    struct wf_scb scb;
    struct wf_adc adc;
    struct wf_iwdg iwdg;
    bool fpu_enabled; /**< CPACR grants CP10 and CP11 */
    bool cs_low;      /**< PB6 drives the chip's /SCS low */

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
    uint32_t lsi_hz; /**< IWDG clock (32 kHz typical) */
    uint64_t prng;

    /* stop state */
    enum wf_board_stop stop;
    int exit_code;
    char stop_msg[512];
    bool reset_request; /**< a system reset is due (IWDG, SYSRESETREQ) */
    const char *reset_cause;
    uint64_t resets, watchdog_resets;

    /* measurements */
    struct wf_board_phase phases[WF_BOARD_MAX_PHASES];
    unsigned nphases; /**< phases[nphases-1] is the current one */
    uint64_t phase_start_icount, phase_start_cycles, phase_start_ps, phase_start_spi, phase_start_payload;
};

/** A board in its power-on state, SRAM filled from `seed`. `chip` may be NULL. */
struct wf_board *wf_board_new(struct wf_sim_chip *chip, uint64_t seed);
void wf_board_free(struct wf_board *b);

/**
 * A system reset (power-on when `power_on`): peripherals to their reset values,
 * SRAM refilled with pseudo-random bytes, flash kept. RCC_CSR reset flags follow
 * RM0383 6.3.21 (`cause_flag` is one of the RCC_CSR_*RSTF bits, or 0).
 */
void wf_board_reset(struct wf_board *b, bool power_on, uint32_t cause_flag);

/**
 * Bus access from the CPU: `size` 1, 2 or 4 bytes at `addr`. Returns 0, or -1 when
 * the access stopped the run (b->stop / b->stop_msg say why).
 */
int wf_board_read(struct wf_board *b, uint32_t addr, unsigned size, uint32_t *val);
int wf_board_write(struct wf_board *b, uint32_t addr, unsigned size, uint32_t val);
/** Whether `addr` lies in a block the bus above decodes (peripherals, PPB, system memory). */
bool wf_board_is_mmio(uint32_t addr);

/** The CPU wrote `size` bytes to flash memory at `addr` (programming). */
int wf_board_flash_write(struct wf_board *b, uint32_t addr, unsigned size, uint32_t val);

/** Stop the run (first reason wins). Returns -1. */
int wf_board_stop(struct wf_board *b, enum wf_board_stop why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- clocks and time ---- */
uint32_t wf_board_sysclk(const struct wf_board *b);
uint32_t wf_board_hclk(const struct wf_board *b);
uint32_t wf_board_pclk1(const struct wf_board *b);
uint32_t wf_board_pclk2(const struct wf_board *b);
/** SPI1 SCK frequency from CR1.BR and PCLK2. */
uint32_t wf_board_spi1_hz(const struct wf_board *b);
uint64_t wf_board_cycles(const struct wf_board *b);
/** Emulated time since power-on, in picoseconds / milliseconds. */
uint64_t wf_board_time_ps(struct wf_board *b);
uint32_t wf_board_millis(void *board);
/** Call before anything changes HCLK: folds elapsed cycles into the time base. */
void wf_board_clock_will_change(struct wf_board *b);
/** The CPU stalls for `ps` picoseconds (cycles counted, no instructions). */
void wf_board_stall(struct wf_board *b, uint64_t ps);
/** Periodic work between slices: watchdog expiry, clock switch completion. */
void wf_board_tick(struct wf_board *b);

/* ---- measurements ---- */
/** A console line was completed: "[phase] NAME" switches the phase. */
void wf_board_console_line(struct wf_board *b, const char *line);
/** Close the current phase's counters (at exit). */
void wf_board_phase_close(struct wf_board *b);

/* ---- persistent seed sector ---- */
int wf_board_seed_load(struct wf_board *b, const char *path);
int wf_board_seed_save(const struct wf_board *b, const char *path);

/* ---- per-peripheral register interfaces (offset within the block, 32-bit
 * aligned; `mask` has the byte lanes written). Return 0, or -1 on a stop. ---- */
int wf_rcc_read(struct wf_board *b, uint32_t off, uint32_t *v);
int wf_rcc_write(struct wf_board *b, uint32_t off, uint32_t v, uint32_t mask);
int wf_pwr_read(struct wf_board *b, uint32_t off, uint32_t *v);
int wf_pwr_write(struct wf_board *b, uint32_t off, uint32_t v, uint32_t mask);
int wf_flash_if_read(struct wf_board *b, uint32_t off, uint32_t *v);
int wf_flash_if_write(struct wf_board *b, uint32_t off, uint32_t v, uint32_t mask);
int wf_gpio_read(struct wf_board *b, unsigned port, uint32_t off, uint32_t *v);
int wf_gpio_write(struct wf_board *b, unsigned port, uint32_t off, uint32_t v, uint32_t mask);
int wf_spi_read(struct wf_board *b, uint32_t off, uint32_t *v);
int wf_spi_write(struct wf_board *b, uint32_t off, uint32_t v, uint32_t mask);
/** PB6 changed level (true = low = chip selected). */
int wf_spi_chip_select(struct wf_board *b, bool low);
int wf_usart_read(struct wf_board *b, uint32_t off, uint32_t *v);
int wf_usart_write(struct wf_board *b, uint32_t off, uint32_t v, uint32_t mask);
int wf_core_read(struct wf_board *b, uint32_t addr, uint32_t *v);
int wf_core_write(struct wf_board *b, uint32_t addr, uint32_t v, uint32_t mask);
int wf_adc_read(struct wf_board *b, uint32_t off, uint32_t *v);
int wf_adc_write(struct wf_board *b, uint32_t off, uint32_t v, uint32_t mask);
int wf_iwdg_read(struct wf_board *b, uint32_t off, uint32_t *v);
int wf_iwdg_write(struct wf_board *b, uint32_t off, uint32_t v, uint32_t mask);
/** Watchdog: request a reset when the counter has reached 0. */
void wf_iwdg_check(struct wf_board *b);

/* reset helpers, one per model */
void wf_rcc_reset(struct wf_board *b, bool power_on, uint32_t cause_flag);
void wf_flash_if_reset(struct wf_board *b);
void wf_gpio_reset(struct wf_board *b);
void wf_spi_reset(struct wf_board *b);
void wf_usart_reset(struct wf_board *b);
void wf_core_reset(struct wf_board *b);
void wf_adc_reset(struct wf_board *b);
void wf_iwdg_reset(struct wf_board *b);

/** The clock-tree rules (flash latency, VOS, bus limits): 0, or -1 having stopped. */
int wf_rcc_check(struct wf_board *b);

/** A reserved offset inside a modelled block: stops the run (WF_STOP_UNMODELLED). */
int wf_board_reserved(struct wf_board *b);

/** Whether PIN of PORT (0=A) is in alternate-function mode with function `af`. */
bool wf_gpio_is_af(const struct wf_board *b, unsigned port, unsigned pin, unsigned af);
/** Level driven on PIN (output mode): 1/0; -1 when the pin is not an output. */
int wf_gpio_output_level(const struct wf_board *b, unsigned port, unsigned pin);

/** xorshift64* from the board's seed: the ADC noise and SRAM power-on content. */
uint64_t wf_board_rand(struct wf_board *b);

/* RCC_CSR reset flags (RM0383 6.3.21) */
#define WF_RCC_CSR_LSION (1u << 0)
#define WF_RCC_CSR_LSIRDY (1u << 1)
#define WF_RCC_CSR_RMVF (1u << 24)
#define WF_RCC_CSR_BORRSTF (1u << 25)
#define WF_RCC_CSR_PINRSTF (1u << 26)
#define WF_RCC_CSR_PORRSTF (1u << 27)
#define WF_RCC_CSR_SFTRSTF (1u << 28)
#define WF_RCC_CSR_IWDGRSTF (1u << 29)
#define WF_RCC_CSR_WWDGRSTF (1u << 30)
#define WF_RCC_CSR_LPWRRSTF (1u << 31)

#endif
