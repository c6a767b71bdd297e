/**
 * @file stm32f4_fetch_limits.h
 * @brief wizfetch's text limits for an STM32F4 board with 128 KiB of SRAM and
 * a fetch budget of 64 KiB (mbedTLS pool and stack included): what a device
 * that fetches known URLs needs. Longer lines or URLs fail cleanly
 * (WF_EHTTP_TOOBIG, WF_EURL), they never overflow. A board's
 * wizfetch_config.h includes this and adds its own (the socket count).
 */
#ifndef STM32F4_FETCH_LIMITS_H
#define STM32F4_FETCH_LIMITS_H

#define WF_URL_MAX_PATH 384      /* request target (path + query) */
#define WF_HTTP_MAX_LINE 1024    /* longest status/header line */
#define WF_HTTP_MAX_HEADERS 48   /* header fields of a response */
#define WF_HTTP_MAX_LOCATION 384 /* redirect target */
#define WF_FETCH_MAX_RESOLVE 1   /* static host overrides */

/* One server: one kept TLS session. The small profile leaves resumption out (tls.h). */
#if !defined(WF_TLS_PROFILE_SMALL)
#define WF_TLS_SESSION_CACHE_ENTRIES 1
#endif

#endif
