/*
 * W5500 variant: variable-length (VDM) SPI frames with a block select, the
 * W5500 common register map, per-socket buffer sizes and chip-side ring
 * wrapping. Everything else is the shared engine (chip.c).
 * Facts: the W5500 datasheet (see docs/w5100-w5500.md).
 *
 * Variant address: (block select << 16) | 16-bit offset.
 */
#include <stddef.h>
#include <string.h>

#include "wizfetch/chip.h"
#include "wizfetch/error.h"

/* Frame: offset MSB, offset LSB, control byte, then the data bytes. */
enum {
    W5500_HEADER_LEN = 3,
    W5500_CTL_WRITE = 0x04, /* RWB; OM bits 1..0 stay 00 (VDM: /SCS frames the burst) */
    W5500_BSB_SHIFT = 3,
};

/* Block select: common, then per socket n: registers 1+4n, TX 2+4n, RX 3+4n. */
enum {
    W5500_BSB_COMMON = 0,
    W5500_BSB_SOCKET = 1,
    W5500_BSB_TX = 2,
    W5500_BSB_RX = 3,
    W5500_BSB_STRIDE = 4,
};

/* Common registers (block 0). */
enum {
    W5500_MR = 0x0000,
    W5500_GAR = 0x0001,
    W5500_SUBR = 0x0005,
    W5500_SHAR = 0x0009,
    W5500_SIPR = 0x000F,
    W5500_RTR = 0x0019,
    W5500_SIMR = 0x0018,
    W5500_RCR = 0x001B,
    W5500_PHYCFGR = 0x002E,
    W5500_VERSIONR = 0x0039,
};

enum {
    W5500_VERSION = 0x04,
    W5500_PHYCFGR_LNK = 0x01,
};

static uint32_t w5500_addr(uint8_t bsb, uint16_t offset)
{
    return ((uint32_t)bsb << 16) | offset;
}

/*
 * One transfer of `len` bytes at `addr`, in frames of at most
 * WF_CHIP_SPI_MAX_BURST data bytes (each frame restates the advanced offset).
 * Exactly one of `out` (write) and `in` (read) is non-NULL.
 */
static int w5500_transfer(wf_chip_t *chip, uint32_t addr, const uint8_t *out, uint8_t *in, uint16_t len)
{
    uint8_t tx[W5500_HEADER_LEN + WF_CHIP_SPI_MAX_BURST];
    uint8_t rx[W5500_HEADER_LEN + WF_CHIP_SPI_MAX_BURST];
    const uint8_t control =
        (uint8_t)(((addr >> 16) & 0x1Fu) << W5500_BSB_SHIFT) | (out != NULL ? W5500_CTL_WRITE : 0);
    uint16_t done = 0;
    while (done < len) {
        uint16_t n = (uint16_t)(len - done) < WF_CHIP_SPI_MAX_BURST ? (uint16_t)(len - done)
                                                                    : (uint16_t)WF_CHIP_SPI_MAX_BURST;
        uint16_t offset = (uint16_t)(addr + done);
        tx[0] = (uint8_t)(offset >> 8);
        tx[1] = (uint8_t)offset;
        tx[2] = control;
        if (out != NULL) {
            memcpy(&tx[W5500_HEADER_LEN], out + done, n);
        } else {
            memset(&tx[W5500_HEADER_LEN], 0, n);
        }
        chip->stats.spi_frames++;
        int rc = chip->port->spi_frame(chip->port->ctx, tx, rx, (size_t)W5500_HEADER_LEN + n);
        if (rc < 0) {
            return rc;
        }
        if (in != NULL) {
            memcpy(in + done, &rx[W5500_HEADER_LEN], n);
        }
        done = (uint16_t)(done + n);
    }
    return 0;
}

static int w5500_read(wf_chip_t *chip, uint32_t addr, uint8_t *buf, uint16_t len)
{
    return w5500_transfer(chip, addr, NULL, buf, len);
}

static int w5500_write(wf_chip_t *chip, uint32_t addr, const uint8_t *buf, uint16_t len)
{
    return w5500_transfer(chip, addr, buf, NULL, len);
}

static uint32_t w5500_common_addr(enum wf_chip_common_reg reg)
{
    static const uint16_t addr[WF_CREG_COUNT] = {
        [WF_CREG_MR] = W5500_MR,     [WF_CREG_GAR] = W5500_GAR,   [WF_CREG_SUBR] = W5500_SUBR,
        [WF_CREG_SHAR] = W5500_SHAR, [WF_CREG_SIPR] = W5500_SIPR, [WF_CREG_RTR] = W5500_RTR,
        [WF_CREG_RCR] = W5500_RCR,   [WF_CREG_SIMR] = W5500_SIMR,
    };
    return w5500_addr(W5500_BSB_COMMON, addr[reg]);
}

static uint8_t socket_bsb(uint8_t sn, uint8_t block)
{
    return (uint8_t)(block + W5500_BSB_STRIDE * sn);
}

static uint32_t w5500_socket_addr(uint8_t sn, uint8_t offset)
{
    return w5500_addr(socket_bsb(sn, W5500_BSB_SOCKET), offset);
}

/*
 * The pointer is the offset inside the socket's TX/RX block; the chip wraps it
 * modulo the buffer size, so there is no masking and no split at the buffer
 * end. The only split is where the 16-bit offset itself wraps (0xFFFF -> 0):
 * the datasheet does not say the burst auto-increment carries across it, so
 * the engine starts a new frame at offset 0 there (one extra header per 64 KiB;
 * docs/w5100-w5500.md §6.4).
 */
static uint32_t w5500_buffer_addr(const wf_chip_t *chip, uint8_t sn, bool tx, uint16_t ptr,
                                  uint16_t *contiguous)
{
    (void)chip;
    *contiguous = ptr == 0 ? 0xFFFFu : (uint16_t)(0x10000u - ptr);
    return w5500_addr(socket_bsb(sn, tx ? W5500_BSB_TX : W5500_BSB_RX), ptr);
}

static int read_common8(wf_chip_t *chip, uint16_t offset, uint8_t *val)
{
    return w5500_read(chip, w5500_addr(W5500_BSB_COMMON, offset), val, 1);
}

static int write_common8(wf_chip_t *chip, uint16_t offset, uint8_t val)
{
    return w5500_write(chip, w5500_addr(W5500_BSB_COMMON, offset), &val, 1);
}

/* After a soft reset: only a W5500 reads 0x04 at VERSIONR (the W5100 has no
 * version register; docs/w5100-w5500.md §6.5). */
static int w5500_detect(wf_chip_t *chip)
{
    uint8_t version;
    int rc = read_common8(chip, W5500_VERSIONR, &version);
    if (rc < 0) {
        return rc;
    }
    return version == W5500_VERSION ? 0 : WF_ENODEV;
}

/*
 * Before any reset (auto-detection): VERSIONR, then RCR written with its
 * complement and restored, each read back. A stuck or floating MISO cannot
 * return both a value and its complement. Every frame is 4 bytes with first
 * byte 0x00 (offsets < 0x100), which a W5100 ignores (see wf_chip_detect).
 */
static int w5500_probe(wf_chip_t *chip)
{
    int rc = w5500_detect(chip);
    uint8_t rcr = 0;
    if (rc == 0) {
        rc = read_common8(chip, W5500_RCR, &rcr);
    }
    const uint8_t values[] = {(uint8_t)~rcr, rcr};
    for (size_t i = 0; rc == 0 && i < sizeof values; i++) {
        uint8_t back;
        rc = write_common8(chip, W5500_RCR, values[i]);
        if (rc == 0) {
            rc = read_common8(chip, W5500_RCR, &back);
        }
        if (rc == 0 && back != values[i]) {
            rc = WF_ENODEV;
        }
    }
    return rc;
}

/* Sn_RXBUF_SIZE and Sn_TXBUF_SIZE are adjacent: one 2-byte burst per socket.
 * The engine validated the sizes (each 0..16 KiB, sum <= 16 per direction). */
static int w5500_apply_buffer_sizes(wf_chip_t *chip)
{
    /* Every hardware socket is written: those this build does not use get no
     * memory, so the used ones may take it all (the sum must stay <= 16 KiB). */
    for (uint8_t sn = 0; sn < wf_chip_w5500.sockets; sn++) {
        const bool used = sn < chip->sockets && sn < WF_CHIP_MAX_SOCKETS;
        const uint8_t kb[2] = {used ? chip->rx_kb[sn] : 0, used ? chip->tx_kb[sn] : 0};
        if (used) {
            chip->tx_base[sn] = 0; /* no host-side layout: each socket has its own blocks */
            chip->rx_base[sn] = 0;
        }
        int rc = w5500_write(chip, w5500_socket_addr(sn, WF_SN_RXBUF_SIZE), kb, sizeof kb);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

static int w5500_link_status(wf_chip_t *chip)
{
    uint8_t phy;
    int rc = read_common8(chip, W5500_PHYCFGR, &phy);
    if (rc < 0) {
        return rc;
    }
    return (phy & W5500_PHYCFGR_LNK) ? WF_CHIP_LINK_UP : WF_CHIP_LINK_DOWN;
}

const struct wf_chip_variant wf_chip_w5500 = {
    .name = "W5500",
    .sockets = 8,
    .tx_total_kb = 16,
    .rx_total_kb = 16,
    .read = w5500_read,
    .write = w5500_write,
    .common_addr = w5500_common_addr,
    .socket_addr = w5500_socket_addr,
    .buffer_addr = w5500_buffer_addr,
    .detect = w5500_detect,
    .probe = w5500_probe,
    .apply_buffer_sizes = w5500_apply_buffer_sizes,
    .link_status = w5500_link_status,
    .keepalive_timer = true,  /* Sn_KPALVTR */
    .socket_irq_masks = true, /* SIMR, Sn_IMR */
};
