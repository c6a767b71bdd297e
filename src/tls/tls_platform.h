/** @file tls_platform.h @brief Internal: the platform binding shared by tls.c. */
#ifndef WF_TLS_PLATFORM_H
#define WF_TLS_PLATFORM_H

#include <stdint.h>

/** Seconds since 1970 from the bound port, or negative when unknown. */
int64_t wf_tls_platform_unix_time(void);

#endif
