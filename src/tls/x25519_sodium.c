/*
 * libsodium's X25519 ladder (wf_x25519_sodium) behind mbedTLS's two hooks
 * (design: x25519_sodium.h):
 *  - the PSA transparent driver's export_public_key (x25519_sodium_driver.h):
 *    an X25519 key pair's public key, X25519(d, 9);
 *  - mbedtls_ecdh_compute_shared() for MBEDTLS_ECDH_COMPUTE_SHARED_ALT: X25519
 *    by the ladder, every other curve by mbedTLS's own point multiplication, as
 *    mbedTLS's ecdh.c does it without the _ALT (SEC1 3.3.1: z = x(d * Q),
 *    refused when d * Q is the point at infinity).
 */
#include "mbedtls/build_info.h"

#include "x25519_sodium.h"
#include "x25519_sodium_driver.h"

#if defined(WF_X25519_SODIUM_DRIVER)
psa_status_t wf_x25519_transparent_export_public_key(const psa_key_attributes_t *attributes,
                                                     const uint8_t *key_buffer, size_t key_buffer_size,
                                                     uint8_t *data, size_t data_size, size_t *data_length)
{
    if (psa_get_key_type(attributes) != PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_MONTGOMERY) ||
        psa_get_key_bits(attributes) != 255 || key_buffer_size != WF_X25519_BYTES) {
        return PSA_ERROR_NOT_SUPPORTED;
    }
    if (data_size < WF_X25519_BYTES) {
        return PSA_ERROR_BUFFER_TOO_SMALL;
    }
    static const uint8_t base_point[WF_X25519_BYTES] = {9}; /* u = 9 (RFC 7748 section 4.1) */
    if (wf_x25519_sodium(data, key_buffer, base_point) != 0) {
        return PSA_ERROR_CORRUPTION_DETECTED; /* cannot happen: 9 is not of small order */
    }
    *data_length = WF_X25519_BYTES;
    return PSA_SUCCESS;
}
#endif

#if defined(MBEDTLS_ECDH_COMPUTE_SHARED_ALT)

#include "mbedtls/ecdh.h"
#include "mbedtls/platform_util.h"

static int x25519_shared(mbedtls_mpi *z, const mbedtls_ecp_point *Q, const mbedtls_mpi *d)
{
    uint8_t scalar[WF_X25519_BYTES];
    uint8_t u[WF_X25519_BYTES];
    uint8_t shared[WF_X25519_BYTES];
    int ret = mbedtls_mpi_write_binary_le(d, scalar, sizeof scalar);
    if (ret == 0) {
        ret = mbedtls_mpi_write_binary_le(&Q->MBEDTLS_PRIVATE(X), u, sizeof u);
    }
    if (ret == 0) {
        /* A point of small order: mbedTLS refuses those when it reads the peer's
         * key, so this is a second line; the same error as an all-zero result. */
        ret = wf_x25519_sodium(shared, scalar, u) == 0 ? 0 : MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
    }
    if (ret == 0) {
        ret = mbedtls_mpi_read_binary_le(z, shared, sizeof shared);
    }
    mbedtls_platform_zeroize(scalar, sizeof scalar);
    mbedtls_platform_zeroize(shared, sizeof shared);
    return ret;
}

static int generic_shared(mbedtls_ecp_group *grp, mbedtls_mpi *z, const mbedtls_ecp_point *Q,
                          const mbedtls_mpi *d, int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    mbedtls_ecp_point P;
    mbedtls_ecp_point_init(&P);
    int ret = mbedtls_ecp_mul(grp, &P, d, Q, f_rng, p_rng);
    if (ret == 0 && mbedtls_ecp_is_zero(&P)) {
        ret = MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
    }
    if (ret == 0) {
        ret = mbedtls_mpi_copy(z, &P.MBEDTLS_PRIVATE(X));
    }
    mbedtls_ecp_point_free(&P);
    return ret;
}

int mbedtls_ecdh_compute_shared(mbedtls_ecp_group *grp, mbedtls_mpi *z, const mbedtls_ecp_point *Q,
                                const mbedtls_mpi *d, int (*f_rng)(void *, unsigned char *, size_t),
                                void *p_rng)
{
    if (grp->id == MBEDTLS_ECP_DP_CURVE25519) {
        return x25519_shared(z, Q, d);
    }
    return generic_shared(grp, z, Q, d, f_rng, p_rng);
}

#endif
