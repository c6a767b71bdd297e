/**
 * @file wizfetch_config.h
 * @brief The Nucleo-F411RE build's overrides of wizfetch's limits (included by
 * wizfetch/config.h through WF_USER_CONFIG_FILE in every target of the
 * firmware build, so all libraries agree on the struct sizes).
 *
 * 128 KiB of SRAM, and the budget for the fetch is 64 KiB including the
 * mbedTLS pool and the stack: the text limits shrink to what a device that
 * fetches known URLs needs. Longer lines or URLs fail cleanly (WF_EHTTP_TOOBIG,
 * WF_EURL), they never overflow.
 */
#ifndef NUCLEO_F411RE_WIZFETCH_CONFIG_H
#define NUCLEO_F411RE_WIZFETCH_CONFIG_H

#define WF_CHIP_MAX_SOCKETS 4 /* the W5100 has 4; the W5500's 8 are not needed here */
#define WF_URL_MAX_PATH 384   /* request target (path + query) */
#define WF_HTTP_MAX_LINE 1024 /* longest status/header line */
#define WF_HTTP_MAX_HEADERS 48
#define WF_HTTP_MAX_LOCATION 384 /* redirect target */
#define WF_FETCH_MAX_RESOLVE 1   /* static host overrides */

#endif
