/* One X25519 scalar multiplication with the secret scalar marked undefined for
 * valgrind memcheck (tests/unit/x25519_ct.sh): memcheck then reports every
 * conditional jump and every memory index that depends on the scalar.
 *   x25519_ct sodium    libsodium's ref10 ladder (wf_x25519_sodium, as the
 *                       firmware and the host library use it)
 *   x25519_ct mbedtls   mbedTLS's own X25519 (mbedtls_ecp_mul on Curve25519),
 *                       for comparison
 * The scalar is RFC 7748 6.1's Alice's key; the point is the base point u = 9.
 * Built without sanitizers (valgrind cannot run them). Exit 0 when the result is
 * right (RFC 7748 6.1's public key), 1 otherwise, 2 for a bad argument. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "mbedtls/ecp.h"
#include "x25519_sodium.h"

static const uint8_t alice[32] = {0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1,
                                  0x72, 0x51, 0xb2, 0x66, 0x45, 0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0,
                                  0x99, 0x2a, 0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a};
static const uint8_t alice_pub[32] = {0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d,
                                      0xdc, 0xb4, 0x3e, 0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38,
                                      0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a};

/* mbedTLS randomizes the ladder's projective coordinates with this; any bytes do
 * for a timing check (not a key). */
static int counter_rng(void *ctx, unsigned char *out, size_t len)
{
    uint32_t *c = ctx;
    for (size_t i = 0; i < len; i++) {
        out[i] = (unsigned char)(++*c * 2654435761u >> 24);
    }
    return 0;
}

static int run_sodium(uint8_t out[32])
{
    uint8_t scalar[32];
    memcpy(scalar, alice, sizeof scalar);
    const uint8_t base[32] = {9};
    VALGRIND_MAKE_MEM_UNDEFINED(scalar, sizeof scalar);
    int rc = wf_x25519_sodium(out, scalar, base);
    VALGRIND_MAKE_MEM_DEFINED(&rc, sizeof rc);
    return rc;
}

static int run_mbedtls(uint8_t out[32])
{
    mbedtls_ecp_group grp;
    mbedtls_ecp_point R;
    mbedtls_mpi d;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&R);
    mbedtls_mpi_init(&d);
    uint32_t rng_state = 1;
    int rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_CURVE25519);
    if (rc == 0) {
        rc = mbedtls_mpi_read_binary_le(&d, alice, sizeof alice); /* clamped as RFC 7748 says: */
    }
    if (rc == 0) {
        rc = mbedtls_mpi_set_bit(&d, 0, 0) | mbedtls_mpi_set_bit(&d, 1, 0) | mbedtls_mpi_set_bit(&d, 2, 0) |
             mbedtls_mpi_set_bit(&d, 255, 0) | mbedtls_mpi_set_bit(&d, 254, 1);
    }
    if (rc == 0) {
        VALGRIND_MAKE_MEM_UNDEFINED(d.MBEDTLS_PRIVATE(p), d.MBEDTLS_PRIVATE(n) * sizeof(mbedtls_mpi_uint));
        rc = mbedtls_ecp_mul(&grp, &R, &d, &grp.G, counter_rng, &rng_state);
        VALGRIND_MAKE_MEM_DEFINED(&rc, sizeof rc);
    }
    if (rc == 0) {
        rc = mbedtls_mpi_write_binary_le(&R.MBEDTLS_PRIVATE(X), out, 32);
    }
    mbedtls_mpi_free(&d);
    mbedtls_ecp_point_free(&R);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

int main(int argc, char **argv)
{
    uint8_t out[32];
    int rc;
    if (argc == 2 && strcmp(argv[1], "sodium") == 0) {
        rc = run_sodium(out);
    } else if (argc == 2 && strcmp(argv[1], "mbedtls") == 0) {
        rc = run_mbedtls(out);
    } else {
        fprintf(stderr, "usage: x25519_ct sodium|mbedtls\n");
        return 2;
    }
    /* The result depends on the scalar by design: declared defined before it is compared. */
    VALGRIND_MAKE_MEM_DEFINED(out, sizeof out);
    if (rc != 0 || memcmp(out, alice_pub, sizeof out) != 0) {
        fprintf(stderr, "x25519_ct %s: wrong result (rc %d)\n", argv[1], rc);
        return 1;
    }
    return 0;
}
