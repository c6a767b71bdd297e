/* mbedTLS configuration of tests/unit/x25519_ct.c: only what mbedTLS's own X25519
 * (mbedtls_ecp_mul on Curve25519) needs, built without sanitizers for valgrind. */
#ifndef WF_X25519_CT_CONFIG_H
#define WF_X25519_CT_CONFIG_H
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_HAVE_ASM
#endif
