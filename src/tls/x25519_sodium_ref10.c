/*
 * wf_x25519_sodium (x25519_sodium.h): libsodium's ref10 X25519 ladder.
 *
 * The ladder, crypto_scalarmult_curve25519_ref10(), is a static function of
 * libsodium's x25519_ref10.c, so that file is compiled here as part of this
 * translation unit (the build points the include path at libsodium's source
 * tree: CMakeLists.txt, wf_x25519_library). Nothing of it is copied into this
 * repository. Its implementation table (which also names the fixed-base
 * function, and through it a 30 KiB table) is left unreferenced, so the
 * linker drops it.
 */
#include "x25519_sodium.h"

#include <stddef.h>
#include <string.h>

#include "crypto_scalarmult/curve25519/ref10/x25519_ref10.c"

int wf_x25519_sodium(uint8_t out[WF_X25519_BYTES], const uint8_t scalar[WF_X25519_BYTES],
                     const uint8_t u[WF_X25519_BYTES])
{
    if (crypto_scalarmult_curve25519_ref10(out, scalar, u) != 0) {
        memset(out, 0, WF_X25519_BYTES);
        return -1;
    }
    return 0;
}

/* libsodium's field arithmetic file (ed25519_ref10.c) refers to one helper of
 * its utils.c, which is not compiled (it brings memory locking and libsodium's
 * random numbers). Same contract as libsodium's: 1 if the nlen bytes at n are
 * all zero, else 0, in time independent of the bytes. The X25519 ladder never
 * calls it (Ed25519 code does); it is here so that the file links. */
int sodium_is_zero(const unsigned char *n, const size_t nlen)
{
    volatile unsigned char acc = 0U;
    for (size_t i = 0U; i < nlen; i++) {
        acc |= n[i];
    }
    return 1 & ((acc - 1) >> 8);
}
