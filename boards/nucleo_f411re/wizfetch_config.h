/**
 * @file wizfetch_config.h
 * @brief The Nucleo-F411RE build's overrides of wizfetch's limits (included by
 * wizfetch/config.h through WF_USER_CONFIG_FILE in every target of the
 * firmware build, so all libraries agree on the struct sizes).
 */
#ifndef NUCLEO_F411RE_WIZFETCH_CONFIG_H
#define NUCLEO_F411RE_WIZFETCH_CONFIG_H

#include "stm32f4_fetch_limits.h"

#define WF_CHIP_MAX_SOCKETS 4 /* the W5100 has 4; a W5500 shield's 8 are not needed here */

#endif
