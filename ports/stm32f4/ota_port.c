/* The STM32F411's update slots for src/ota (ota_port.h). */
#include "ota_port.h"

#include "board_math.h"
#include "flash_prog.h"
#include "ota_layout.h"
#include "stm32f4_regs.h"
#include "wizfetch/error.h"

static const struct wf_ota_slot slots[2] = {
    {'A', STM32F4_OTA_SLOT_A_ADDR, STM32F4_OTA_SLOT_A_SIZE, (const uint8_t *)STM32F4_OTA_SLOT_A_ADDR},
    {'B', STM32F4_OTA_SLOT_B_ADDR, STM32F4_OTA_SLOT_B_SIZE, (const uint8_t *)STM32F4_OTA_SLOT_B_ADDR},
};

const struct wf_ota_slot *stm32f4_ota_slots(void)
{
    return slots;
}

static int program_word(void *ctx, uint32_t addr, uint32_t word)
{
    (void)ctx;
    return stm32f4_flash_program(addr, (const uint8_t *)&word, 4);
}

const struct wf_ota_flash *stm32f4_ota_word_flash(void)
{
    static const struct wf_ota_flash f = {NULL, program_word};
    return &f;
}

static int sector_of(void *ctx, uint32_t addr, uint32_t *start, uint32_t *size)
{
    (void)ctx;
    return stm32f4_flash_sector_of(addr, start, size);
}

static int erase(void *ctx, uint32_t sector_start)
{
    (void)ctx;
    uint32_t start, size;
    int snb = stm32f4_flash_sector_of(sector_start, &start, &size);
    if (snb < 0 || start != sector_start) {
        return WF_EINVAL;
    }
    return stm32f4_flash_erase((uint32_t)snb);
}

static int program(void *ctx, uint32_t addr, const uint8_t *data, size_t len)
{
    (void)ctx;
    return stm32f4_flash_program(addr, data, len);
}

const struct wf_ota_flash_ops *stm32f4_ota_flash_ops(void)
{
    static const struct wf_ota_flash_ops ops = {NULL, sector_of, erase, program};
    return &ops;
}

void stm32f4_system_reset(void)
{
    __asm volatile("dsb" ::: "memory");
    SCB->AIRCR = SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ;
    __asm volatile("dsb" ::: "memory");
    for (;;) {
    }
}
