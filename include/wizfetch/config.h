/**
 * @file config.h
 * @brief Build-time configuration. Every value has a documented default and can
 * be overridden by defining it before this header is included (for example with
 * `-DWF_NET_DEFAULT_TIMEOUT_MS=5000` or a user header named by
 * `WF_USER_CONFIG_FILE`).
 */
#ifndef WIZFETCH_CONFIG_H
#define WIZFETCH_CONFIG_H

#ifdef WF_USER_CONFIG_FILE
#include WF_USER_CONFIG_FILE
#endif

/**
 * Largest number of hardware sockets of any chip the build drives (W5100: 4,
 * W5500: 8). Sizes the socket tables in wf_chip_t and wf_net_t; a W5100-only
 * firmware may set 4 to save a few bytes (wf_chip_init asserts it suffices).
 */
#ifndef WF_CHIP_MAX_SOCKETS
#define WF_CHIP_MAX_SOCKETS 8
#endif

/**
 * Largest number of data bytes in one W5500 SPI frame (a VDM burst). Longer
 * transfers are split into several frames of 3 + at most this many bytes; the
 * driver keeps a TX and an RX scratch buffer of 3 + this size on the stack.
 * 256 costs 1.2 % of bus bytes in headers; raise it for fewer headers.
 */
#ifndef WF_CHIP_SPI_MAX_BURST
#define WF_CHIP_SPI_MAX_BURST 256
#endif

/** How long a software reset (MR.RST) may take before the chip counts as absent. */
#ifndef WF_CHIP_RESET_TIMEOUT_MS
#define WF_CHIP_RESET_TIMEOUT_MS 50
#endif

/** How long the chip may take to accept a socket command (Sn_CR back to 0). */
#ifndef WF_CHIP_CMD_TIMEOUT_MS
#define WF_CHIP_CMD_TIMEOUT_MS 100
#endif

/** Attempts at reading a 16-bit counter until two consecutive reads agree. */
#ifndef WF_CHIP_STABLE_READ_TRIES
#define WF_CHIP_STABLE_READ_TRIES 8
#endif

/** Default deadline of every blocking socket call, per call (ms). */
#ifndef WF_NET_DEFAULT_TIMEOUT_MS
#define WF_NET_DEFAULT_TIMEOUT_MS 10000
#endif

/** How long wf_close waits for a graceful TCP close before forcing CLOSE (ms). */
#ifndef WF_NET_CLOSE_TIMEOUT_MS
#define WF_NET_CLOSE_TIMEOUT_MS 1000
#endif

/** Polls of the chip without sleeping before a wait starts sleeping 1 ms per poll. */
#ifndef WF_NET_SPIN_POLLS
#define WF_NET_SPIN_POLLS 32
#endif

/** First port of the ephemeral range (RFC 6335 dynamic ports). */
#ifndef WF_NET_EPHEMERAL_MIN
#define WF_NET_EPHEMERAL_MIN 49152u
#endif

#if WF_CHIP_MAX_SOCKETS < 1 || WF_CHIP_MAX_SOCKETS > 8
#error "WF_CHIP_MAX_SOCKETS must be 1..8"
#endif
#if WF_CHIP_SPI_MAX_BURST < 2 || WF_CHIP_SPI_MAX_BURST > 4096
#error "WF_CHIP_SPI_MAX_BURST must be 2..4096"
#endif
#if WF_CHIP_STABLE_READ_TRIES < 2
#error "WF_CHIP_STABLE_READ_TRIES must be at least 2 (two reads must agree)"
#endif
#if WF_NET_CLOSE_TIMEOUT_MS > WF_NET_DEFAULT_TIMEOUT_MS
#error "WF_NET_CLOSE_TIMEOUT_MS must not exceed WF_NET_DEFAULT_TIMEOUT_MS"
#endif

#endif
