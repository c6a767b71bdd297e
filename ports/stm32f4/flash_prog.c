/* Flash erase and program through the FLASH interface (flash_prog.h). */
#include "flash_prog.h"

#include <string.h>

#include "stm32f4_regs.h"
#include "wizfetch/error.h"

/* Loop bounds for BSY, counted in passes of the RAM loop below (>= ~8 cycles each).
 * Datasheet maxima: word program 100 us, sector erase 500 ms (16 KiB) to 2 s (128 KiB), x32. */
#define FLASH_PROGRAM_LOOPS 200000u    /* >= 16 ms at 100 MHz */
#define FLASH_ERASE_LOOPS 100000000u   /* >= 8 s at 100 MHz */
#define FLASH_TIMEOUT_FLAG 0x80000000u /* not a FLASH_SR bit */

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

int stm32f4_flash_erase(uint32_t snb)
{
    if (snb > 7 || unlock() != 0) {
        lock();
        return WF_EIO;
    }
    FLASH->CR = FLASH_CR_PSIZE_X32 | FLASH_CR_SER | (snb << FLASH_CR_SNB_Pos);
    uint32_t err = flash_op_in_ram(NULL, 0, FLASH_ERASE_LOOPS);
    FLASH->CR = 0;
    lock();
    return err ? WF_EIO : 0;
}

int stm32f4_flash_program(uint32_t addr, const uint8_t *data, size_t len)
{
    if ((addr | len) % 4u != 0 || unlock() != 0) {
        lock();
        return WF_EIO;
    }
    FLASH->CR = FLASH_CR_PSIZE_X32 | FLASH_CR_PG;
    for (size_t off = 0; off < len; off += 4) {
        uint32_t word;
        memcpy(&word, data + off, 4);
        if (flash_op_in_ram((volatile uint32_t *)(addr + off), word, FLASH_PROGRAM_LOOPS) != 0) {
            FLASH->CR = 0;
            lock();
            return WF_EIO;
        }
    }
    FLASH->CR = 0;
    lock();
    return 0;
}
