/**
 * @file x25519_sodium.h
 * @brief X25519 (RFC 7748) for mbedTLS from libsodium's portable ref10 code.
 *
 * Why: mbedTLS 3.6 computes X25519 with its generic Montgomery ladder on its
 * bignum (10.5 M instructions per scalar multiplication on the board);
 * libsodium's ref10 ladder works on 25.5-bit limbs with a fixed sequence of
 * field operations (1.18 M; figures: docs/measurements.md).
 *
 * Where it plugs in: with MBEDTLS_USE_PSA_CRYPTO (the full profile, the only
 * one with X25519), both TLS 1.2 and TLS 1.3 do ECDHE through PSA:
 * psa_generate_key (a random scalar) + psa_export_public_key (the key share),
 * psa_raw_key_agreement (the shared secret). Two documented extension points
 * of mbedTLS 3.6 reach those, without a change to mbedTLS's sources:
 *  - the public key: a PSA transparent driver with the export_public_key entry
 *    point (x25519_sodium_driver.h). In 3.6 only import_key and
 *    export_public_key of a transparent driver are dispatched by code generated
 *    from a driver description (mbedTLS's docs/psa-driver-example-and-guide.md);
 *    generate_key and key_agreement would need mbedTLS's dispatch edited by
 *    hand. The build generates the dispatch with mbedTLS's own generator from
 *    x25519_sodium_driver.json (CMakeLists.txt).
 *  - the shared secret: MBEDTLS_ECDH_COMPUTE_SHARED_ALT (mbedtls_config.h).
 *    PSA's built-in ECDH (psa_crypto_ecp.c) calls mbedtls_ecdh_calc_secret ->
 *    mbedtls_ecdh_compute_shared, which x25519_sodium.c provides: this ladder
 *    for Curve25519, mbedtls_ecp_mul for the other curves.
 * Not used: MBEDTLS_ECDH_GEN_PUBLIC_ALT (PSA never calls
 * mbedtls_ecdh_gen_public), MBEDTLS_ECP_ALT (the whole ECP module).
 * MBEDTLS_ECP_RESTARTABLE cannot be combined with an ECDH _ALT (mbedTLS's
 * check_config.h). mbedTLS's own X25519 stays compiled
 * (MBEDTLS_ECP_DP_CURVE25519_ENABLED): PSA's key type, key generation and the
 * reading and checking of the peer's key are mbedTLS's.
 *
 * Which libsodium code: only crypto_scalarmult_curve25519's ref10 ladder
 * (crypto_scalarmult/curve25519/ref10/x25519_ref10.c) and the field arithmetic
 * it calls (crypto_core/ed25519/ref10/ed25519_ref10.c), from Debian's libsodium
 * source package (scripts/fetch-debian-source.sh; never in git). The ladder is
 * called directly, not through crypto_scalarmult_curve25519(), whose
 * implementation table also holds the fixed-base Ed25519 multiplication and
 * would keep its 30 KiB table in the image.
 *
 * Constant time: the ladder has no branch and no table index that depends on
 * the scalar (one conditional swap per bit, done with masks: fe25519_cswap);
 * tests/unit/x25519_ct.sh checks it with valgrind memcheck, the scalar marked
 * undefined.
 */
#ifndef WF_X25519_SODIUM_H
#define WF_X25519_SODIUM_H

#include <stdint.h>

#define WF_X25519_BYTES 32 /**< scalar, u-coordinate and result: 32 bytes, little-endian */

/**
 * X25519(scalar, u) of RFC 7748 section 5 with libsodium's ref10 ladder.
 *
 * @param out    the result's u-coordinate (32 bytes); may not alias the inputs.
 * @param scalar the secret scalar (32 bytes; clamped here, as RFC 7748 says).
 * @param u      the peer's u-coordinate (32 bytes; the top bit is ignored).
 * @return 0, or -1 when u is a point of small order (the result would be
 *         all zeros and say nothing of the scalar: RFC 7748 section 6.1's
 *         check); out is then all zeros.
 */
int wf_x25519_sodium(uint8_t out[WF_X25519_BYTES], const uint8_t scalar[WF_X25519_BYTES],
                     const uint8_t u[WF_X25519_BYTES]);

#endif
