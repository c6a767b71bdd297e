/* Seed sector in flash: program/erase with the FLASH interface (see flash_seed.h). */
#include "flash_seed.h"

#include <string.h>

#include "adc_entropy.h"
#include "board_math.h"
#include "flash_prog.h"
#include "seed_store.h"
#include "wizfetch/error.h"

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
    int rc = 0;
    if (plan.erase) {
        rc = stm32f4_flash_erase(seed_snb[plan.sector]); /* never the sector holding the latest record */
    }
    uint32_t addr = seed_base[plan.sector] + (uint32_t)plan.slot * SEED_STORE_SLOT_SIZE;
    if (rc == 0) {
        rc = stm32f4_flash_program(addr, image, sizeof image);
    }
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
