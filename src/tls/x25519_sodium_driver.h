/**
 * @file x25519_sodium_driver.h
 * @brief The PSA transparent driver of x25519_sodium.h: its entry points, as
 * mbedTLS's driver dispatch (generated from x25519_sodium_driver.json with
 * mbedTLS's own generator: CMakeLists.txt) calls them. Compiled in when
 * WF_X25519_SODIUM_DRIVER is defined (wf_mbedtls_config.h, full profile).
 */
#ifndef WF_X25519_SODIUM_DRIVER_H
#define WF_X25519_SODIUM_DRIVER_H

#include "psa/crypto.h"

#if defined(WF_X25519_SODIUM_DRIVER)
#ifndef PSA_CRYPTO_ACCELERATOR_DRIVER_PRESENT
#define PSA_CRYPTO_ACCELERATOR_DRIVER_PRESENT /* what a driver header declares (mbedTLS's driver guide) */
#endif

/**
 * psa_export_public_key() of an X25519 key pair (PSA_ECC_FAMILY_MONTGOMERY,
 * 255 bits): X25519(private key, 9), 32 bytes, by libsodium's ladder.
 * PSA_ERROR_NOT_SUPPORTED for every other key (mbedTLS's own code then
 * exports it), PSA_ERROR_BUFFER_TOO_SMALL if data_size < 32.
 */
psa_status_t wf_x25519_transparent_export_public_key(const psa_key_attributes_t *attributes,
                                                     const uint8_t *key_buffer, size_t key_buffer_size,
                                                     uint8_t *data, size_t data_size, size_t *data_length);
#endif

#endif
