/**
 * @file port.h
 * @brief The platform contract: everything wizfetch needs from a board.
 *
 * A port is a table of functions plus an opaque context pointer. The core never
 * touches hardware or an operating system except through this table, so the same
 * core runs on the Nucleo board, on the host against the chip model, and in the
 * board emulator. The table is normally `const` and lives in flash.
 *
 * ## SPI frame (required)
 * `spi_frame(ctx, tx, rx, len)` performs exactly one chip-select cycle:
 *   1. drive the chip's /SCS low,
 *   2. clock out `len` bytes from `tx` (MSB first, SPI mode 0) while storing the
 *      `len` bytes clocked in on MISO into `rx`,
 *   3. drive /SCS high again.
 * `tx` and `rx` are never NULL and never overlap; `len` is 4..(3 + WF_CHIP_SPI_MAX_BURST),
 * i.e. at most 259 bytes with the default burst of 256 (config.h).
 * The W5100 driver always calls it with len == 4 (one byte per frame: the W5100
 * requires /SCS to go high after every 4-byte frame). The W5500 driver calls it
 * with 3 + N bytes (16-bit offset, control byte, N data bytes; N >= 1), so a
 * port that uses DMA should handle both short and long frames. Auto-detection
 * (wf_chip_detect) sends 4-byte frames only. Returns 0, or a negative WF_E*
 * code if the bus itself failed (e.g. WF_EIO on a DMA error). Must not block
 * longer than the transfer takes.
 *
 * ## Reset line (optional, may be NULL)
 * `reset(ctx, asserted)` drives the chip's /RESET pin: `true` = held in reset.
 * The driver asserts it for at least 2 ms and then waits for the chip. Boards
 * whose shield has no controllable reset (the Arduino shield) leave it NULL; the
 * driver then relies on the software reset bit MR.RST.
 *
 * ## Clock (required)
 * `millis(ctx)` returns a monotonic millisecond counter. It may wrap at 2^32;
 * the core only ever compares differences. Every wait in the core has a deadline
 * computed from this clock.
 *
 * ## Delay (required)
 * `delay_ms(ctx, ms)` sleeps or busy-waits at least `ms` milliseconds. The core
 * calls it with small values (1..10 ms) between polls of the chip; a firmware
 * with a watchdog feeds it here.
 *
 * ## Entropy (required)
 * `entropy(ctx, buf, len)` fills `buf` with `len` bytes from the platform's best
 * unpredictable source. Returns 0, or a negative WF_E* code if no entropy could
 * be produced (the caller then fails rather than using weak bytes). Used for
 * ephemeral ports, DNS query IDs, and as a TLS entropy source.
 *
 * ## Wall clock (optional, may be NULL)
 * `unix_time(ctx)` returns the current time in seconds since 1970-01-01 UTC, or
 * a negative value while the time is not known (a board before SNTP). TLS uses
 * it to check certificate validity dates; see tls.h for the policy when the
 * time is unknown.
 *
 * ## Console (optional, may be NULL)
 * `console_write(ctx, data, len)` writes text for the user (serial console on the
 * board, stdout on the host). Never used for binary data.
 *
 * ## Wake-up (optional, not in the table)
 * The core never sleeps by itself: blocking calls wait in `delay_ms`, poll-driven
 * calls (wf_fetch_poll, wf_dhcp_poll, wf_dns_poll) return at once. A main loop may
 * sleep (WFI) when an iteration moved nothing, if something wakes it: a tick at
 * least every millisecond (deadlines and retransmission timers are polled, not
 * interrupts) and, optionally and sooner, the chip's INTn on a GPIO interrupt
 * (falling edge): wf_chip_wake_enable makes a socket that received something drive
 * INTn low, wf_chip_wake_rearm lets it rise again (chip.h). The board side
 * (tick, INTn's interrupt, a sleep that loses no wake-up): ports/board_api.h;
 * the rules: docs/porting.md, "Wake-up".
 */
#ifndef WIZFETCH_PORT_H
#define WIZFETCH_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief The function table a platform implements. See the file comment. */
struct wf_port {
    void *ctx; /**< passed unchanged as the first argument of every function */
    int (*spi_frame)(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len);
    void (*reset)(void *ctx, bool asserted);
    uint32_t (*millis)(void *ctx);
    void (*delay_ms)(void *ctx, uint32_t ms);
    int (*entropy)(void *ctx, uint8_t *buf, size_t len);
    int64_t (*unix_time)(void *ctx);
    void (*console_write)(void *ctx, const char *data, size_t len);
};

/** @brief Milliseconds from the port clock (convenience wrapper). */
static inline uint32_t wf_port_millis(const struct wf_port *port)
{
    return port->millis(port->ctx);
}

/**
 * @brief True once `deadline` (a value of the port clock) has been reached.
 * Wrap-safe for deadlines less than 2^31 ms in the future.
 */
static inline bool wf_port_expired(const struct wf_port *port, uint32_t deadline)
{
    return (int32_t)(wf_port_millis(port) - deadline) >= 0;
}

#ifdef __cplusplus
}
#endif
#endif
