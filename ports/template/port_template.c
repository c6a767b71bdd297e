/*
 * ports/template: the skeleton of a new port. Copy this folder to
 * ports/<your-platform>/, rename the functions, and fill in each TODO; the
 * rules below are what the core relies on (include/wizfetch/port.h has the
 * contract in full). This file is compiled in every build (host and
 * Cortex-M4) so it keeps matching the contract; it does nothing useful as it
 * stands: every required function fails cleanly with WF_ENOTSUP / no time.
 *
 * See docs/porting.md for the bring-up order and what to check first on real
 * hardware.
 */
#include "port_template.h"

#include "wizfetch/error.h"

/* Whatever the port needs at run time: the SPI peripheral, the chip-select
 * pin, the clock, the entropy source. Owned by the board; the core only
 * passes the pointer back. */
struct template_port_state {
    unsigned spi_instance; /* TODO: your SPI handle */
    unsigned cs_pin;       /* TODO: your chip-select pin */
};

static struct template_port_state state;

/*
 * One chip-select cycle: /SCS low, clock `len` bytes out of `tx` while
 * storing `len` bytes from MISO into `rx` (SPI mode 0, MSB first), /SCS high.
 * - `len` is 4 for every W5100 access and for chip detection, 3 + N (N >= 1,
 *   up to WF_CHIP_SPI_MAX_BURST) for the W5500: handle both.
 * - /SCS must go high between two calls (the W5100 needs it after every 4
 *   bytes; the W5500 ends a burst on it).
 * - Keep the SCK within the chip's limit (W5100: 14 MHz; W5500: 33.3 MHz
 *   guaranteed, 80 MHz nominal).
 * - Return 0, or WF_EIO if the bus itself failed (DMA error, timeout). Do not
 *   retry here: the driver decides.
 */
static int template_spi_frame(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len)
{
    struct template_port_state *s = ctx;
    (void)s;
    (void)tx;
    for (size_t i = 0; i < len; i++) {
        rx[i] = 0xFF; /* TODO: a real transfer; 0xFF is what a bus with no chip reads */
    }
    return WF_ENOTSUP;
}

/*
 * Optional (set to NULL if the board cannot drive the chip's /RESET):
 * `asserted` true holds the chip in reset. The driver keeps it asserted
 * for at least 2 ms, then waits for the chip to come up.
 */
static void template_reset(void *ctx, bool asserted)
{
    (void)ctx;
    (void)asserted; /* TODO: drive the /RESET GPIO (active low) */
}

/*
 * A monotonic millisecond counter. It may wrap at 2^32: the core compares
 * only differences. It must keep counting with interrupts off if the core
 * is called from such a context (a cycle counter works; a SysTick count
 * needs its interrupt).
 */
static uint32_t template_millis(void *ctx)
{
    (void)ctx;
    return 0; /* TODO */
}

/* Wait at least `ms` (1..10 in practice); feed the watchdog here. */
static void template_delay_ms(void *ctx, uint32_t ms)
{
    (void)ctx;
    (void)ms; /* TODO */
}

/*
 * Unpredictable bytes: a hardware TRNG, or a noise source that passes
 * health tests (see docs/security.md). Return 0 when `buf` is full, or a
 * negative WF_E* code (WF_ENOENTROPY) when the source failed: the core then
 * fails rather than use weak bytes. Never return predictable data.
 */
static int template_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return WF_ENOENTROPY; /* TODO */
}

/*
 * Optional: seconds since 1970-01-01 UTC, or a negative value while the
 * time is not known (before SNTP). TLS checks certificate dates with it.
 */
static int64_t template_unix_time(void *ctx)
{
    (void)ctx;
    return -1; /* TODO: an RTC, or the time SNTP set plus millis() */
}

/* Optional: text for a person (a serial console). "\n" line ends. */
static void template_console_write(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len; /* TODO: a UART */
}

const struct wf_port template_port = {
    .ctx = &state,
    .spi_frame = template_spi_frame,
    .reset = template_reset,
    .millis = template_millis,
    .delay_ms = template_delay_ms,
    .entropy = template_entropy,
    .unix_time = template_unix_time,
    .console_write = template_console_write,
};
