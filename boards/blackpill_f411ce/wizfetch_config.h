/**
 * @file wizfetch_config.h
 * @brief The Black Pill STM32F411CE build's overrides of wizfetch's limits
 * (included by wizfetch/config.h through WF_USER_CONFIG_FILE in every target
 * of the firmware build, so all libraries agree on the struct sizes).
 */
#ifndef BLACKPILL_F411CE_WIZFETCH_CONFIG_H
#define BLACKPILL_F411CE_WIZFETCH_CONFIG_H

#include "stm32f4_fetch_limits.h"

#define WF_CHIP_MAX_SOCKETS 4 /* of the W5500's 8: the firmware needs 2 at a time, 4 leave room */

#endif
