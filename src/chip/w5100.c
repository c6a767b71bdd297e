/*
 * W5100 variant: the fixed 4-byte SPI frame (one payload byte per chip-select
 * cycle), the W5100 register map and the RMSR/TMSR buffer layout.
 * Facts: the W5100 datasheet (see docs/w5100-w5500.md).
 */
#include <stddef.h>

#include "wizfetch/chip.h"
#include "wizfetch/error.h"

/* SPI opcodes and the MISO echo the W5100 returns on bytes 0..2 (and 3 on writes). */
enum {
    W5100_OP_WRITE = 0xF0,
    W5100_OP_READ = 0x0F,
    W5100_FRAME_LEN = 4,
};

/* Common register addresses. */
enum {
    W5100_MR = 0x0000,
    W5100_GAR = 0x0001,
    W5100_SUBR = 0x0005,
    W5100_SHAR = 0x0009,
    W5100_SIPR = 0x000F,
    W5100_RTR = 0x0017,
    W5100_RCR = 0x0019,
    W5100_RMSR = 0x001A,
    W5100_TMSR = 0x001B,
    W5100_SOCKET_BASE = 0x0400,
    W5100_SOCKET_STRIDE = 0x0100,
    W5100_TX_MEMORY = 0x4000,
    W5100_RX_MEMORY = 0x6000,
};

/* Reset values used by detection: a W5100 has no version register. */
enum {
    W5100_RTR_RESET = 0x07D0,
    W5100_MSR_RESET = 0x55,
    W5100_MR_PB = 0x10,
};

/* `n` frames, each its own chip-select cycle: in one port call when the port has
 * spi_frames, else one spi_frame each. */
static int run(const struct wf_port *port, const uint8_t *tx, uint8_t *rx, unsigned n)
{
    if (port->spi_frames != NULL) {
        return port->spi_frames(port->ctx, tx, rx, n);
    }
    for (unsigned i = 0; i < n; i++) {
        int rc =
            port->spi_frame(port->ctx, tx + W5100_FRAME_LEN * i, rx + W5100_FRAME_LEN * i, W5100_FRAME_LEN);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* A frame's 4 bytes as the 32-bit word that holds them in memory (byte 0 first). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define W5100_WORD(b0, b1, b2, b3)                                                                           \
    (((uint32_t)(b0) << 24) | ((uint32_t)(b1) << 16) | ((uint32_t)(b2) << 8) | (b3))
#else
#define W5100_WORD(b0, b1, b2, b3)                                                                           \
    ((uint32_t)(b0) | ((uint32_t)(b1) << 8) | ((uint32_t)(b2) << 16) | ((uint32_t)(b3) << 24))
#endif
/* The echo of bytes 0..2 (and 3 on writes; a read's byte 3 is the data). */
#define W5100_ECHO_READ W5100_WORD(0x00, 0x01, 0x02, 0x00)
#define W5100_ECHO_WRITE W5100_WORD(0x00, 0x01, 0x02, 0x03)

#define W5100_ECHO_READ_MASK W5100_WORD(0xFF, 0xFF, 0xFF, 0x00)

/* `addr` < 0x10000. */
static inline uint32_t frame_word(uint8_t op, uint32_t addr, uint8_t data)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* The address's two bytes, most significant first, in bytes 1 and 2: one REV. */
    return op | (__builtin_bswap32(addr) >> 8) | ((uint32_t)data << 24);
#else
    return W5100_WORD(op, addr >> 8, addr & 0xFFu, data);
#endif
}

/* The data byte (byte 3) of a frame word. */
static inline uint8_t frame_data(uint32_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (uint8_t)w;
#else
    return (uint8_t)(w >> 24);
#endif
}

/* Frames per run handed to port->spi_frames (the stack holds two 4-byte arrays of them). */
#define W5100_RUN 32u

/*
 * `len` consecutive bytes from `addr`, one frame each, in runs of W5100_RUN frames
 * (run()). A missing chip reads 0x00 or 0xFF, a broken bus anything else: the echo
 * of every frame of a run is checked before its bytes count, the cheapest proof
 * that a W5100 is on the other end (WF_ENODEV). Exactly one of `out` (write) and
 * `in` (read) is non-NULL.
 */
static int transfer(wf_chip_t *chip, uint16_t addr, const uint8_t *out, uint8_t *in, uint16_t len)
{
    /* Word-sized frames: on a little-endian CPU one store builds a frame and one load
     * checks its echo (the bytes in memory are the same either way). */
    uint32_t tx[W5100_RUN];
    uint32_t rx[W5100_RUN];
    while (len > 0) {
        const unsigned n = len < W5100_RUN ? len : W5100_RUN;
        uint32_t a = addr;
        if (out != NULL) {
            for (unsigned i = 0; i < n; i++, a++) {
                tx[i] = frame_word(W5100_OP_WRITE, a, out[i]);
            }
        } else {
            for (unsigned i = 0; i < n; i++, a++) {
                tx[i] = frame_word(W5100_OP_READ, a, 0x00);
            }
        }
        chip->stats.spi_frames += n;
        int rc = run(chip->port, (const uint8_t *)tx, (uint8_t *)rx, n);
        if (rc < 0) {
            return rc;
        }
        /* Every echo checked before any byte counts (one OR per frame, one test per run). */
        uint32_t bad = 0;
        if (in != NULL) {
            for (unsigned i = 0; i < n; i++) {
                const uint32_t w = rx[i];
                bad |= (w ^ W5100_ECHO_READ) & W5100_ECHO_READ_MASK;
                in[i] = frame_data(w);
            }
        } else {
            for (unsigned i = 0; i < n; i++) {
                bad |= rx[i] ^ W5100_ECHO_WRITE;
            }
        }
        if (bad != 0) {
            return WF_ENODEV;
        }
        addr = (uint16_t)(addr + n);
        len = (uint16_t)(len - n);
        out = out != NULL ? out + n : NULL;
        in = in != NULL ? in + n : NULL;
    }
    return 0;
}

static int w5100_read(wf_chip_t *chip, uint32_t addr, uint8_t *buf, uint16_t len)
{
    return transfer(chip, (uint16_t)addr, NULL, buf, len);
}

static int w5100_write(wf_chip_t *chip, uint32_t addr, const uint8_t *buf, uint16_t len)
{
    return transfer(chip, (uint16_t)addr, buf, NULL, len);
}

static uint32_t w5100_common_addr(enum wf_chip_common_reg reg)
{
    static const uint16_t addr[WF_CREG_COUNT] = {
        [WF_CREG_MR] = W5100_MR,     [WF_CREG_GAR] = W5100_GAR,   [WF_CREG_SUBR] = W5100_SUBR,
        [WF_CREG_SHAR] = W5100_SHAR, [WF_CREG_SIPR] = W5100_SIPR, [WF_CREG_RTR] = W5100_RTR,
        [WF_CREG_RCR] = W5100_RCR,
    };
    return addr[reg];
}

static uint32_t w5100_socket_addr(uint8_t sn, uint8_t offset)
{
    return W5100_SOCKET_BASE + (uint32_t)sn * W5100_SOCKET_STRIDE + offset;
}

/* Ring pointers are free-running; the host masks them and splits at the end. */
static uint32_t w5100_buffer_addr(const wf_chip_t *chip, uint8_t sn, bool tx, uint16_t ptr,
                                  uint16_t *contiguous)
{
    uint16_t size = tx ? wf_chip_tx_size(chip, sn) : wf_chip_rx_size(chip, sn);
    uint16_t base = tx ? chip->tx_base[sn] : chip->rx_base[sn];
    uint16_t offset = (uint16_t)(ptr & (size - 1u));
    *contiguous = (uint16_t)(size - offset);
    return (uint32_t)base + offset;
}

/*
 * Before any reset (auto-detection): MR must hold what we write, and every
 * frame must carry the W5100 echo. Only MR (0x0000) is touched: to a W5500 the
 * same bytes are a one-byte read of its common block (control byte 0x00).
 * MR ends at 0x00, its reset value; wf_chip_start resets the chip anyway.
 */
static int w5100_probe(wf_chip_t *chip)
{
    static const uint8_t probe[] = {W5100_MR_PB, 0x00};
    for (size_t i = 0; i < sizeof probe; i++) {
        uint8_t back;
        int rc = w5100_write(chip, W5100_MR, &probe[i], 1);
        if (rc == 0) {
            rc = w5100_read(chip, W5100_MR, &back, 1);
        }
        if (rc < 0) {
            return rc;
        }
        if (back != probe[i]) {
            return WF_ENODEV;
        }
    }
    return 0;
}

/*
 * After a soft reset a W5100 shows its documented reset values; MR must also
 * hold what we write (the probe Arduino uses, minus the AI bit, which only
 * matters on the parallel bus). Anything else is not a W5100.
 */
static int w5100_detect(wf_chip_t *chip)
{
    uint8_t rtr[2];
    uint8_t msr[2];
    int rc = w5100_read(chip, W5100_RTR, rtr, 2);
    if (rc == 0) {
        rc = w5100_read(chip, W5100_RMSR, msr, 2);
    }
    if (rc < 0) {
        return rc;
    }
    if (((rtr[0] << 8) | rtr[1]) != W5100_RTR_RESET || msr[0] != W5100_MSR_RESET ||
        msr[1] != W5100_MSR_RESET) {
        return WF_ENODEV;
    }
    return w5100_probe(chip);
}

/* RMSR/TMSR field: 00 = 1 KiB ... 11 = 8 KiB. A size of 0 (unused socket, only
 * after the used ones) is encoded as 1 KiB; the memory is exhausted by then. */
static uint8_t size_field(uint8_t kb)
{
    uint8_t field = 0;
    while (kb > 1u) {
        kb >>= 1;
        field++;
    }
    return field;
}

static int w5100_apply_buffer_sizes(wf_chip_t *chip)
{
    uint8_t tmsr = 0;
    uint8_t rmsr = 0;
    uint16_t tx_base = W5100_TX_MEMORY;
    uint16_t rx_base = W5100_RX_MEMORY;
    /* Sockets this build does not use keep field 0; the used ones are sized
     * first, so no memory is left for them. */
    for (uint8_t sn = 0; sn < chip->sockets && sn < WF_CHIP_MAX_SOCKETS; sn++) {
        tmsr |= (uint8_t)(size_field(chip->tx_kb[sn]) << (2 * sn));
        rmsr |= (uint8_t)(size_field(chip->rx_kb[sn]) << (2 * sn));
        chip->tx_base[sn] = tx_base;
        chip->rx_base[sn] = rx_base;
        tx_base = (uint16_t)(tx_base + wf_chip_tx_size(chip, sn));
        rx_base = (uint16_t)(rx_base + wf_chip_rx_size(chip, sn));
    }
    int rc = w5100_write(chip, W5100_RMSR, &rmsr, 1);
    if (rc == 0) {
        rc = w5100_write(chip, W5100_TMSR, &tmsr, 1);
    }
    return rc;
}

const struct wf_chip_variant wf_chip_w5100 = {
    .name = "W5100",
    .sockets = 4,
    .tx_total_kb = 8,
    .rx_total_kb = 8,
    .read = w5100_read,
    .write = w5100_write,
    .common_addr = w5100_common_addr,
    .socket_addr = w5100_socket_addr,
    .buffer_addr = w5100_buffer_addr,
    .detect = w5100_detect,
    .probe = w5100_probe,
    .apply_buffer_sizes = w5100_apply_buffer_sizes,
    .link_status = NULL,      /* no link bit on the W5100 */
    .keepalive_timer = false, /* SEND_KEEP only */
};
