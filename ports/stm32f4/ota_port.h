/**
 * @file ota_port.h
 * @brief The STM32F411's update slots for the portable update code (src/ota):
 * the slots (ota_layout.h), word programming for their state, the sector
 * erase/program a slot writer needs, and the system reset that hands over to
 * the bootloader. Shared by the bootloader and the application.
 */
#ifndef STM32F4_OTA_PORT_H
#define STM32F4_OTA_PORT_H

#include "wizfetch/ota_slot.h"
#include "wizfetch/ota_writer.h"

/** Slot A and slot B, in that order (read at their flash addresses). */
const struct wf_ota_slot *stm32f4_ota_slots(void);

/** Word programming (state trailers). */
const struct wf_ota_flash *stm32f4_ota_word_flash(void);

/** Sector lookup, erase and programming (slot writer). */
const struct wf_ota_flash_ops *stm32f4_ota_flash_ops(void);

/** A system reset (SYSRESETREQ): the bootloader runs next. */
__attribute__((noreturn)) void stm32f4_system_reset(void);

#endif
