/**
 * @file bytes.h
 * @brief Big-endian (network order) reads and writes of 16- and 32-bit values
 * at any byte address. Internal header.
 *
 * Byte by byte, so they need no alignment and work the same on any host
 * endianness; the caller has checked that the 2 or 4 bytes are inside its
 * buffer.
 */
#ifndef WF_COMMON_BYTES_H
#define WF_COMMON_BYTES_H

#include <stdint.h>

/** The 16-bit value stored big-endian at `p`. */
static inline uint16_t wf_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/** The 32-bit value stored big-endian at `p`. */
static inline uint32_t wf_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/** Store `v` big-endian at `p` (2 bytes). */
static inline void wf_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/** Store `v` big-endian at `p` (4 bytes). */
static inline void wf_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
