/**
 * @file x25519_sodium.h
 * @brief X25519 (RFC 7748) for mbedTLS from libsodium's portable ref10 code.
 *
 * Why: mbedTLS 3.6 computes X25519 with its generic Montgomery ladder on its
 * bignum (about 11 M instructions per scalar multiplication on the board);
 * libsodium's ref10 ladder works on 25.5-bit limbs with a fixed instruction
 * sequence (figures: docs/measurements.md).
 *
 * What it replaces, and why only that: with MBEDTLS_USE_PSA_CRYPTO (the full
 * profile, the only one with X25519), both TLS 1.2 and TLS 1.3 do ECDHE
 * through PSA: psa_generate_key + psa_export_public_key for the key share,
 * psa_raw_key_agreement for the shared secret. mbedTLS 3.6 offers two ways in:
 *  - a PSA transparent driver: in 3.6 its key_agreement, generate_key and
 *    export_public_key entry points are only reached by editing mbedTLS's
 *    driver dispatch layer (library/psa_crypto_driver_wrappers.h; only
 *    import_key/export_public_key are generated from a driver description,
 *    mbedTLS's docs/psa-driver-example-and-guide.md). Not done: we do not patch
 *    mbedTLS.
 *  - MBEDTLS_ECDH_COMPUTE_SHARED_ALT (documented in mbedtls_config.h):
 *    PSA's built-in ECDH (psa_crypto_ecp.c) computes the shared secret with
 *    mbedtls_ecdh_calc_secret -> mbedtls_ecdh_compute_shared, which this
 *    module provides. This is what is used.
 * The key share's public key is still mbedTLS's ladder: PSA's export computes
 * it with mbedtls_ecp_mul directly (no _ALT reaches it short of
 * MBEDTLS_ECP_ALT, the whole ECP module), so MBEDTLS_ECP_DP_CURVE25519_ENABLED
 * stays. MBEDTLS_ECDH_GEN_PUBLIC_ALT would only replace mbedtls_ecdh_gen_public,
 * which PSA never calls. MBEDTLS_ECP_RESTARTABLE cannot be combined with any
 * ECDH _ALT (mbedTLS's check_config.h).
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
