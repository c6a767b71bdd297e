/** @file tls_platform.h @brief Internal: the platform binding shared by tls.c. */
#ifndef WF_TLS_PLATFORM_H
#define WF_TLS_PLATFORM_H

#include <stdint.h>

/** Seconds since 1970 from the bound port, or negative when unknown. */
int64_t wf_tls_platform_unix_time(void);

/** A time known to have passed (0 = none): mbedTLS's clock reads max(port time,
 * floor), and the floor while the port's time is unknown. */
void wf_tls_platform_set_time_floor(int64_t floor);

/**
 * Write the entropy seed mbedTLS last produced (held in RAM since) to the store
 * set by wf_tls_platform_set_seed_store(): the one store write of a
 * wf_tls_setup. 0 (also when there is nothing new or no NV seed), or WF_EIO if
 * the store's write failed (the RAM copy is kept).
 */
int wf_tls_platform_seed_commit(void);

#endif
