/* Seed sector in flash: program/erase with the FLASH interface (see flash_seed.h). */
#include "flash_seed.h"

#include <string.h>

#include "adc_entropy.h"
#include "board_math.h"
#include "seed_store.h"
#include "stm32f4_regs.h"
#include "wizfetch/error.h"

/* Loop bounds for BSY, counted in passes of the RAM loop below (>= ~8 cycles each).
 * Datasheet maxima: word program 100 us, sector erase 500 ms (16 KiB) to 2 s (128 KiB), x32. */
#define FLASH_PROGRAM_LOOPS 200000u    /* >= 16 ms at 100 MHz */
#define FLASH_ERASE_LOOPS 100000000u   /* >= 8 s at 100 MHz */
#define FLASH_TIMEOUT_FLAG 0x80000000u /* not a FLASH_SR bit */

static uint32_t seed_base[SEED_STORE_SECTORS];
static uint32_t seed_snb[SEED_STORE_SECTORS];
static uint32_t seed_size; /* of one sector; 0 until stm32f4_seed_init() succeeded */
static int last_read = -1; /* stm32f4_seed_last_read() */

int stm32f4_seed_init(uint32_t base, uint32_t size)
{
    uint32_t half = size / SEED_STORE_SECTORS;
    seed_size = 0;
    for (uint32_t i = 0; i < SEED_STORE_SECTORS; i++) {
        uint32_t sbase, ssize;
        int snb = stm32f4_flash_sector_of(base + i * half, &sbase, &ssize);
        if (snb < 0 || sbase != base + i * half || ssize != half || half * SEED_STORE_SECTORS != size) {
            return WF_EINVAL;
        }
        seed_base[i] = sbase;
        seed_snb[i] = (uint32_t)snb;
    }
    seed_size = half;
    return 0;
}

static void sectors(const uint8_t *out[SEED_STORE_SECTORS])
{
    for (int i = 0; i < SEED_STORE_SECTORS; i++) {
        out[i] = (const uint8_t *)(uintptr_t)seed_base[i];
    }
}

/*
 * Start one flash operation and wait for it. This runs from RAM (copied with
 * .data by the startup code): while the flash is busy, any fetch from it stalls
 * the bus, so a loop in flash could neither count nor feed the watchdog during a
 * 1-2 s sector erase. It touches only peripheral registers (its literal pool is
 * in the same RAM section). `dst` != NULL: program `word` there (PG already
 * set); NULL: set STRT (SER/SNB already set).
 */
__attribute__((section(".ramfunc"), noinline, long_call)) static uint32_t
flash_op_in_ram(volatile uint32_t *dst, uint32_t word, uint32_t loops)
{
    if (dst != NULL) {
        *dst = word;
    } else {
        FLASH->CR |= FLASH_CR_STRT;
    }
    while (FLASH->SR & FLASH_SR_BSY) {
        if (loops-- == 0) {
            return FLASH_TIMEOUT_FLAG;
        }
        IWDG->KR = IWDG_KR_RELOAD;
    }
    return FLASH->SR & FLASH_SR_ERRORS;
}

static int unlock(void)
{
    if (FLASH->CR & FLASH_CR_LOCK) {
        FLASH->KEYR = FLASH_KEY1;
        FLASH->KEYR = FLASH_KEY2;
    }
    if (FLASH->CR & FLASH_CR_LOCK) {
        return WF_EIO; /* a wrong key sequence locks the interface until reset */
    }
    FLASH->SR = FLASH_SR_ERRORS | FLASH_SR_EOP; /* write-1-to-clear leftovers */
    return 0;
}

static void lock(void)
{
    FLASH->CR = FLASH_CR_LOCK;
    /* The ART data cache may hold the sector's old contents: reset it (DCEN off first). */
    uint32_t acr = FLASH->ACR;
    FLASH->ACR = acr & ~FLASH_ACR_DCEN;
    FLASH->ACR = (acr & ~FLASH_ACR_DCEN) | FLASH_ACR_DCRST;
    FLASH->ACR = acr & ~FLASH_ACR_DCRST;
}

static int erase_sector(uint32_t snb)
{
    FLASH->CR = FLASH_CR_PSIZE_X32 | FLASH_CR_SER | (snb << FLASH_CR_SNB_Pos);
    uint32_t err = flash_op_in_ram(NULL, 0, FLASH_ERASE_LOOPS);
    FLASH->CR = 0;
    return err ? WF_EIO : 0;
}

static int program(uint32_t addr, const uint8_t *data, size_t len)
{
    FLASH->CR = FLASH_CR_PSIZE_X32 | FLASH_CR_PG;
    for (size_t off = 0; off < len; off += 4) {
        uint32_t word;
        memcpy(&word, data + off, 4);
        if (flash_op_in_ram((volatile uint32_t *)(addr + off), word, FLASH_PROGRAM_LOOPS) != 0) {
            FLASH->CR = 0;
            return WF_EIO;
        }
    }
    FLASH->CR = 0;
    return 0;
}

int stm32f4_seed_load(uint8_t *buf, size_t len)
{
    const uint8_t *sec[SEED_STORE_SECTORS];
    struct seed_store_record rec;
    if (seed_size == 0) {
        return WF_EINVAL;
    }
    sectors(sec);
    if (seed_store_find_latest(sec, seed_size, &rec) < 0) {
        return WF_EIO;
    }
    if (rec.len != len) {
        return WF_EINVAL;
    }
    memcpy(buf, rec.data, len);
    return (int)len;
}

int stm32f4_seed_save(const uint8_t *buf, size_t len)
{
    _Static_assert(SEED_STORE_SLOT_SIZE % 4 == 0, "slots are programmed as 32-bit words");
    const uint8_t *sec[SEED_STORE_SECTORS];
    struct seed_store_plan plan;
    uint8_t image[SEED_STORE_SLOT_SIZE];

    if (seed_size == 0) {
        return WF_EINVAL;
    }
    sectors(sec);
    seed_store_plan(sec, seed_size, &plan);
    if (seed_store_encode(image, plan.seq, buf, len) != 0) {
        return WF_EINVAL;
    }
    int rc = unlock();
    if (rc == 0 && plan.erase) {
        rc = erase_sector(seed_snb[plan.sector]); /* never the sector holding the latest record */
    }
    uint32_t addr = seed_base[plan.sector] + (uint32_t)plan.slot * SEED_STORE_SLOT_SIZE;
    if (rc == 0) {
        rc = program(addr, image, sizeof image);
    }
    lock();
    if (rc == 0 && memcmp((const void *)(uintptr_t)addr, image, sizeof image) != 0) {
        rc = WF_EIO; /* the next save uses the following slot; this one is skipped as invalid */
    }
    return rc;
}

int stm32f4_seed_read_cb(unsigned char *buf, size_t len)
{
    if (stm32f4_seed_load(buf, len) == (int)len) {
        last_read = 1;
        return 0;
    }
    last_read = 0;
    /* First boot (or the seed length changed with the mbedTLS profile): fresh
     * bytes from the noise source. Not saved here: the one write of the boot is
     * the updated seed mbedTLS derives from them (wf_tls_setup). */
    return stm32f4_adc_entropy_fill(buf, len) == 0 ? 0 : -1;
}

int stm32f4_seed_last_read(void)
{
    return last_read;
}

int stm32f4_seed_write_cb(unsigned char *buf, size_t len)
{
    return stm32f4_seed_save(buf, len) == 0 ? 0 : -1;
}
