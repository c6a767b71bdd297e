/**
 * @file ota_layout.h
 * @brief The STM32F411xE's update slots (docs/ota.md): the application runs in
 * place from either; the bootloader (sector 0) starts one. The linker scripts
 * (stm32f411xe_boot.ld, stm32f411xe_slot_a.ld, stm32f411xe_slot_b.ld) place the
 * same addresses and check them.
 *
 *   slot A  sectors 4-5  0x08010000  192 KiB
 *   slot B  sectors 6-7  0x08040000  256 KiB
 *
 * Each slot: the 512-byte image header, the image (its vector table first), free
 * space, the 256-byte state trailer (ota_slot.h) at its end.
 */
#ifndef STM32F4_OTA_LAYOUT_H
#define STM32F4_OTA_LAYOUT_H

#define STM32F4_OTA_SLOT_A_ADDR 0x08010000u
#define STM32F4_OTA_SLOT_A_SIZE 0x00030000u
#define STM32F4_OTA_SLOT_B_ADDR 0x08040000u
#define STM32F4_OTA_SLOT_B_SIZE 0x00040000u
/** Boots an image gets before it must have confirmed itself (else it is rolled back). */
#define STM32F4_OTA_MAX_ATTEMPTS 3u

#endif
