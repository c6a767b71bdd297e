/* Seed sector in flash: program/erase with the FLASH interface (see flash_seed.h). */
#include "flash_seed.h"

#include <string.h>

#include "adc_entropy.h"
#include "board_math.h"
#include "seed_store.h"
#include "stm32f4_regs.h"
#include "wizfetch/error.h"

/* Loop bounds for BSY, counted in passes of the RAM loop below (>= ~8 cycles each).
 * Datasheet maxima: word program 100 us, 128 KiB sector erase 2 s (x32). */
#define FLASH_PROGRAM_LOOPS 200000u    /* >= 16 ms at 100 MHz */
#define FLASH_ERASE_LOOPS 100000000u   /* >= 8 s at 100 MHz */
#define FLASH_TIMEOUT_FLAG 0x80000000u /* not a FLASH_SR bit */

static uint32_t seed_base;
static uint32_t seed_size;
static uint32_t seed_snb;

int stm32f4_seed_init(uint32_t base, uint32_t size)
{
    uint32_t sbase, ssize;
    int snb = stm32f4_flash_sector_of(base, &sbase, &ssize);
    if (snb < 0 || sbase != base || ssize != size) {
        return WF_EINVAL;
    }
    seed_base = base;
    seed_size = size;
    seed_snb = (uint32_t)snb;
    return 0;
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

static int erase_sector(void)
{
    FLASH->CR = FLASH_CR_PSIZE_X32 | FLASH_CR_SER | (seed_snb << FLASH_CR_SNB_Pos);
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
    struct seed_store_record rec;
    if (seed_size == 0) {
        return WF_EINVAL;
    }
    if (seed_store_find_latest((const uint8_t *)seed_base, seed_size, &rec) < 0) {
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
    const uint8_t *sector = (const uint8_t *)seed_base;
    struct seed_store_record rec;
    uint8_t image[SEED_STORE_SLOT_SIZE];
    uint32_t seq = 1;

    if (seed_size == 0) {
        return WF_EINVAL;
    }
    if (seed_store_find_latest(sector, seed_size, &rec) >= 0) {
        seq = rec.seq + 1;
    }
    if (seed_store_encode(image, seq, buf, len) != 0) {
        return WF_EINVAL;
    }
    int slot = seed_store_next_slot(sector, seed_size);
    int rc = unlock();
    if (rc == 0 && slot == SEED_STORE_FULL) {
        rc = erase_sector();
        slot = 0;
    }
    uint32_t addr = seed_base + (uint32_t)slot * SEED_STORE_SLOT_SIZE;
    if (rc == 0) {
        rc = program(addr, image, sizeof image);
    }
    lock();
    if (rc == 0 && memcmp((const void *)addr, image, sizeof image) != 0) {
        rc = WF_EIO; /* the next save uses the following slot; this one is skipped as invalid */
    }
    return rc;
}

int stm32f4_seed_read_cb(unsigned char *buf, size_t len)
{
    if (stm32f4_seed_load(buf, len) == (int)len) {
        return 0;
    }
    /* First boot (or the seed length changed with the mbedTLS profile): a fresh
     * seed from the noise source; mbedTLS mixes it and writes an updated one. */
    if (stm32f4_adc_entropy_fill(buf, len) != 0) {
        return -1;
    }
    (void)stm32f4_seed_save(buf, len); /* best effort: the bytes are good either way */
    return 0;
}

int stm32f4_seed_write_cb(unsigned char *buf, size_t len)
{
    return stm32f4_seed_save(buf, len) == 0 ? 0 : -1;
}
