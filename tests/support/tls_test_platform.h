/**
 * @file tls_test_platform.h
 * @brief For unit tests that verify certificates with mbedTLS: the TLS
 * platform bound to the host's clock and entropy, with a 64 KiB heap pool,
 * and PSA started (wf_tls_setup does that in a program).
 */
#ifndef WF_TESTS_TLS_TEST_PLATFORM_H
#define WF_TESTS_TLS_TEST_PLATFORM_H

/** A cmocka group set-up: 0 on success, -1 if the platform or PSA failed. */
int wf_test_tls_platform_setup(void **state);

#endif
