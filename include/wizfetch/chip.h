/**
 * @file chip.h
 * @brief WIZnet hardwired TCP/IP chip driver: one socket-register engine shared
 * by all chip variants, plus a per-variant frame layer and register map.
 *
 * The engine knows the socket register block (offsets shared by the W5100 and
 * W5500), the command/accept protocol (Sn_CR reads 0 once a command is
 * accepted), the free-running TX/RX ring pointers and the "read a 16-bit counter
 * until two reads agree" rule. A variant (wf_chip_w5100, wf_chip_w5500) supplies
 * how a register address becomes SPI frames, where the common registers live,
 * how a ring pointer becomes a buffer address, and how buffer sizes are set.
 *
 * Variant addresses are opaque 32-bit values to the engine. The W5100 uses its
 * flat 16-bit address; the W5500 uses (block select << 16) | offset.
 *
 * Auto-detection (wf_chip_detect) tries the W5500 first and the W5100 second;
 * see its comment for why that order is safe for both chips.
 *
 * Layering: this module talks to the chip only through struct wf_port's
 * spi_frame. It holds no socket policy (timeouts, errno mapping): that is net/.
 *
 * All functions return 0 (or a positive count) on success and a negative WF_E*
 * code on failure; a failing SPI echo check gives WF_ENODEV.
 */
#ifndef WIZFETCH_CHIP_H
#define WIZFETCH_CHIP_H

#include <stdbool.h>
#include <stdint.h>

#include "wizfetch/config.h"
#include "wizfetch/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Socket register offsets inside a socket block (same on W5100 and W5500). */
enum wf_chip_sn_reg {
    WF_SN_MR = 0x00,
    WF_SN_CR = 0x01,
    WF_SN_IR = 0x02,
    WF_SN_SR = 0x03,
    WF_SN_PORT = 0x04,
    WF_SN_DHAR = 0x06,
    WF_SN_DIPR = 0x0C,
    WF_SN_DPORT = 0x10,
    WF_SN_MSSR = 0x12,
    WF_SN_TTL = 0x16,
    WF_SN_TX_FSR = 0x20,
    WF_SN_TX_RD = 0x22,
    WF_SN_TX_WR = 0x24,
    WF_SN_RX_RSR = 0x26,
    WF_SN_RX_RD = 0x28,
    WF_SN_RXBUF_SIZE = 0x1E, /**< W5500 only: RX buffer size in KiB */
    WF_SN_TXBUF_SIZE = 0x1F, /**< W5500 only: TX buffer size in KiB */
    WF_SN_IMR = 0x2C,        /**< W5500 only: which Sn_IR bits drive INTn (wf_chip_wake_enable) */
    WF_SN_KPALVTR = 0x2F,    /**< W5500 only: automatic keep-alive period, units of 5 s */
};

/** Sn_MR protocol values and flags. */
enum {
    WF_SN_MR_CLOSE = 0x00,
    WF_SN_MR_TCP = 0x01,
    WF_SN_MR_UDP = 0x02,
    WF_SN_MR_ND = 0x20, /**< TCP: no delayed ACK */
};

/** Sn_CR commands. */
enum {
    WF_SN_CR_OPEN = 0x01,
    WF_SN_CR_LISTEN = 0x02,
    WF_SN_CR_CONNECT = 0x04,
    WF_SN_CR_DISCON = 0x08,
    WF_SN_CR_CLOSE = 0x10,
    WF_SN_CR_SEND = 0x20,
    WF_SN_CR_SEND_MAC = 0x21,
    WF_SN_CR_SEND_KEEP = 0x22,
    WF_SN_CR_RECV = 0x40,
};

/** Sn_IR bits (write 1 to clear). */
enum {
    WF_SN_IR_CON = 0x01,
    WF_SN_IR_DISCON = 0x02,
    WF_SN_IR_RECV = 0x04,
    WF_SN_IR_TIMEOUT = 0x08,
    WF_SN_IR_SEND_OK = 0x10,
    WF_SN_IR_ALL = 0x1F,
};

/** Sn_SR values. */
enum {
    WF_SN_SR_CLOSED = 0x00,
    WF_SN_SR_ARP = 0x01, /**< W5100: resolving the peer MAC */
    WF_SN_SR_INIT = 0x13,
    WF_SN_SR_LISTEN = 0x14,
    WF_SN_SR_SYNSENT = 0x15,
    WF_SN_SR_SYNRECV = 0x16,
    WF_SN_SR_ESTABLISHED = 0x17,
    WF_SN_SR_FIN_WAIT = 0x18,
    WF_SN_SR_CLOSING = 0x1A,
    WF_SN_SR_TIME_WAIT = 0x1B,
    WF_SN_SR_CLOSE_WAIT = 0x1C,
    WF_SN_SR_LAST_ACK = 0x1D,
    WF_SN_SR_UDP = 0x22,
};

/** Common registers, by meaning; each variant maps them to its own address. */
enum wf_chip_common_reg {
    WF_CREG_MR,
    WF_CREG_GAR,
    WF_CREG_SUBR,
    WF_CREG_SHAR,
    WF_CREG_SIPR,
    WF_CREG_RTR,
    WF_CREG_RCR,
    WF_CREG_SIMR, /**< socket interrupt mask (W5500 SIMR; only where socket_irq_masks) */
    WF_CREG_COUNT
};

struct wf_chip;

/**
 * @brief A chip variant: frame layer + register map. Instances are const
 * tables (wf_chip_w5100, wf_chip_w5500); the engine never branches on the
 * variant's name, only on what the table says.
 */
struct wf_chip_variant {
    const char *name;
    uint8_t sockets;     /**< hardware sockets */
    uint8_t tx_total_kb; /**< TX memory shared by all sockets */
    uint8_t rx_total_kb; /**< RX memory shared by all sockets */
    /** Read `len` bytes starting at variant address `addr` (consecutive addresses). */
    int (*read)(struct wf_chip *chip, uint32_t addr, uint8_t *buf, uint16_t len);
    /** Write `len` bytes starting at variant address `addr`. */
    int (*write)(struct wf_chip *chip, uint32_t addr, const uint8_t *buf, uint16_t len);
    /** Address of a common register. */
    uint32_t (*common_addr)(enum wf_chip_common_reg reg);
    /** Address of socket register `offset` of socket `sn`. */
    uint32_t (*socket_addr)(uint8_t sn, uint8_t offset);
    /**
     * Physical address of ring pointer `ptr` of socket `sn` (TX if `tx`), and in
     * `*contiguous` how many bytes can be moved from there before the ring wraps.
     */
    uint32_t (*buffer_addr)(const struct wf_chip *chip, uint8_t sn, bool tx, uint16_t ptr,
                            uint16_t *contiguous);
    /** Check the chip is this variant (after reset). WF_ENODEV if not. */
    int (*detect)(struct wf_chip *chip);
    /**
     * Check that this variant answers, before any reset, using only 4-byte
     * frames that are harmless to the other variants (see wf_chip_detect).
     * Changes nothing that wf_chip_start's reset would not. WF_ENODEV if not.
     */
    int (*probe)(struct wf_chip *chip);
    /** Program per-socket buffer sizes (KiB, already validated) into the chip. */
    int (*apply_buffer_sizes)(struct wf_chip *chip);
    /** Ethernet link state (enum wf_chip_link), or NULL: the chip cannot tell. */
    int (*link_status)(struct wf_chip *chip);
    /** The chip sends TCP keep-alives on its own timer (W5500 Sn_KPALVTR); else
     * only on the host's SEND_KEEP. */
    bool keepalive_timer;
    /** The chip masks its INTn pin per socket (W5500 SIMR) and per event
     * (Sn_IMR): wf_chip_wake_enable works. */
    bool socket_irq_masks;
};

/** The WIZnet W5100 (4-byte SPI frames, 4 sockets, 8+8 KiB). */
extern const struct wf_chip_variant wf_chip_w5100;

/**
 * The WIZnet W5500: variable-length SPI frames (16-bit offset, control byte
 * BSB<<3 | RWB<<2 | OM=00, N data bytes under one chip select; bursts are split
 * at WF_CHIP_SPI_MAX_BURST), 8 sockets, 16+16 KiB sized per socket
 * (Sn_RXBUF_SIZE/Sn_TXBUF_SIZE), chip-side ring wrapping, VERSIONR = 0x04,
 * link bit in PHYCFGR. The W5500 drives no known pattern on MISO during the
 * frame header, so unlike the W5100 there is no per-frame echo check: a chip
 * lost after start shows up as wrong register values, not WF_ENODEV.
 */
extern const struct wf_chip_variant wf_chip_w5500;

/** Ethernet link state reported by wf_chip_link_up. */
enum wf_chip_link {
    WF_CHIP_LINK_DOWN = 0,    /**< the PHY reports no link */
    WF_CHIP_LINK_UP = 1,      /**< the PHY reports a link */
    WF_CHIP_LINK_UNKNOWN = 2, /**< the chip has no link bit (W5100): assume up */
};

/** Network settings of the chip, addresses in network byte order as bytes. */
struct wf_chip_netcfg {
    uint8_t mac[6];
    uint8_t ip[4];
    uint8_t mask[4];
    uint8_t gateway[4];
};

/** Driver statistics (what the driver did; the chip model counts what it saw). */
struct wf_chip_stats {
    uint32_t spi_frames;     /**< spi_frame calls */
    uint32_t stable_rereads; /**< extra 16-bit reads because two reads disagreed */
};

/**
 * @brief Driver context. Owned by the caller; `wf_chip_init` fills it.
 * Fields are read-only for users.
 */
typedef struct wf_chip {
    const struct wf_port *port;
    const struct wf_chip_variant *variant;
    uint8_t sockets; /**< sockets this build uses: min(variant->sockets, WF_CHIP_MAX_SOCKETS) */
    bool ready;      /**< reset + detect succeeded */
    uint8_t tx_kb[WF_CHIP_MAX_SOCKETS];    /**< TX buffer size per socket, KiB */
    uint8_t rx_kb[WF_CHIP_MAX_SOCKETS];    /**< RX buffer size per socket, KiB */
    uint16_t tx_base[WF_CHIP_MAX_SOCKETS]; /**< variant-specific base, set by apply */
    uint16_t rx_base[WF_CHIP_MAX_SOCKETS];
    struct wf_chip_stats stats;
} wf_chip_t;

/** @brief Bind a context to a port and variant. Cannot fail; touches no hardware. */
void wf_chip_init(wf_chip_t *chip, const struct wf_port *port, const struct wf_chip_variant *variant);

/**
 * @brief Find out which chip is on `port` and bind `chip` to it (wf_chip_init);
 * then call wf_chip_start as usual. WF_ENODEV when no supported chip answers
 * (the context is then bound to the last variant tried).
 *
 * Probe order and why it is safe for both chips:
 * 1. W5500: read VERSIONR (must be 0x04), then write RCR with its complement
 *    and back, reading each value back (a constant MISO cannot pass). Every
 *    frame is a single-byte W5500 frame, 4 bytes long, to a common register
 *    whose offset is below 0x0100, so its first byte is 0x00. A W5100 sees a
 *    4-byte frame with opcode 0x00, which is neither read (0x0F) nor write
 *    (0xF0): it does nothing, and /SCS going high ends the frame (its frames
 *    are fixed at 4 bytes and restart at every chip select, docs/w5100-w5500.md §5.8).
 * 2. W5100: write MR = 0x10 and 0x00 and read each back, with the W5100 echo
 *    check on every frame. Only MR (address 0x0000) is touched, so a W5500
 *    that somehow failed step 1 sees control byte 0x00: a one-byte read of the
 *    common block, which changes nothing.
 * No frame is longer than 4 bytes. The W5500 probe restores RCR; the W5100
 * probe leaves MR at 0x00, its reset value. When the port wires the chip's
 * reset (port->reset), the line is pulsed first (asserted 2 ms, 10 ms to
 * start): a board may hold the chip in reset until the driver releases it.
 */
int wf_chip_detect(wf_chip_t *chip, const struct wf_port *port);

/**
 * @brief Ethernet link state: WF_CHIP_LINK_UP or WF_CHIP_LINK_DOWN (W5500:
 * PHYCFGR.LNK), WF_CHIP_LINK_UNKNOWN when the chip has no link bit (W5100), or
 * a negative WF_E* code if the chip could not be read.
 */
int wf_chip_link_up(wf_chip_t *chip);

/**
 * @brief Bring the chip up: optional hardware reset pulse, software reset with
 * a deadline (WF_CHIP_RESET_TIMEOUT_MS), variant detection, default buffer sizes
 * (even split). WF_ENODEV when the chip is absent or answers wrongly.
 */
int wf_chip_start(wf_chip_t *chip);

/** @brief Write MAC, IP, mask and gateway. */
int wf_chip_set_netcfg(wf_chip_t *chip, const struct wf_chip_netcfg *cfg);
/** @brief Read them back from the chip. */
int wf_chip_get_netcfg(wf_chip_t *chip, struct wf_chip_netcfg *cfg);

/**
 * @brief Retransmission settings: `rtr_100us` is the first retry interval in
 * units of 100 us (chip default 2000 = 200 ms), `rcr` the retry count (default 8).
 * ARP gives up after rtr*(rcr+1); TCP doubles the interval each retry.
 */
int wf_chip_set_retry(wf_chip_t *chip, uint16_t rtr_100us, uint8_t rcr);

/**
 * @brief Per-socket buffer sizes in KiB, one entry per hardware socket
 * (variant->sockets). W5100: each 0,1,2,4 or 8 and the sum per direction at
 * most 8; W5500: each 0,1,2,4,8 or 16 and the sum per direction at most 16.
 * 0 = socket unusable in that direction, only allowed after the used sockets
 * (memory is allocated in socket order). WF_ERANGE when they do not fit.
 */
int wf_chip_set_buffer_sizes(wf_chip_t *chip, const uint8_t *tx_kb, const uint8_t *rx_kb);

/* ---- socket register access (engine) ----------------------------------- */

int wf_chip_sock_read8(wf_chip_t *chip, uint8_t sn, uint8_t reg, uint8_t *val);
int wf_chip_sock_write8(wf_chip_t *chip, uint8_t sn, uint8_t reg, uint8_t val);
/** 16-bit big-endian register write, MSB first. */
int wf_chip_sock_write16(wf_chip_t *chip, uint8_t sn, uint8_t reg, uint16_t val);
/** 16-bit read, MSB first, of a register that does not change on its own. */
int wf_chip_sock_read16(wf_chip_t *chip, uint8_t sn, uint8_t reg, uint16_t *val);
/**
 * 16-bit read of a counter the chip changes on its own (TX_FSR, RX_RSR): re-read
 * until two consecutive reads agree (WF_CHIP_STABLE_READ_TRIES, else WF_EIO).
 */
int wf_chip_sock_read16_stable(wf_chip_t *chip, uint8_t sn, uint8_t reg, uint16_t *val);

/**
 * @brief Issue a socket command and wait (deadline WF_CHIP_CMD_TIMEOUT_MS) until
 * the chip has accepted it (Sn_CR reads 0). Completion is seen in Sn_IR/Sn_SR.
 */
int wf_chip_sock_command(wf_chip_t *chip, uint8_t sn, uint8_t cmd);

/**
 * @brief The chip's automatic TCP keep-alive of socket `sn`: a probe every
 * `units_5s` x 5 s once the connection has carried data (0 = off). Only where
 * the variant has the timer (W5500 Sn_KPALVTR); WF_ENOTSUP otherwise (W5100:
 * the host issues WF_SN_CR_SEND_KEEP itself).
 */
int wf_chip_sock_set_keepalive(wf_chip_t *chip, uint8_t sn, uint8_t units_5s);

/**
 * @brief The chip's INTn pin as a wake-up source (include/wizfetch/port.h,
 * "Wake-up"): every socket drives INTn low while its Sn_IR has the RECV bit
 * set (data, a datagram or a FIN arrived). Only RECV: the library reads and
 * clears the other Sn_IR bits itself, and never looks at RECV, so
 * wf_chip_wake_rearm may clear it without taking anything from the library.
 * Call after wf_chip_start (a reset masks everything again). W5500 only
 * (SIMR, Sn_IMR); WF_ENOTSUP on a chip without per-socket masks (W5100).
 */
int wf_chip_wake_enable(wf_chip_t *chip);

/**
 * @brief Clear the RECV bit of every socket, so that INTn goes high again and
 * the next arrival makes a new falling edge. A main loop calls it while INTn
 * is low, before it polls its transfers (what arrived before is then read by
 * those polls; what arrives after drives INTn low again). W5500 only, as
 * wf_chip_wake_enable.
 */
int wf_chip_wake_rearm(wf_chip_t *chip);

/** @brief Set the destination (Sn_DIPR, Sn_DPORT). */
int wf_chip_sock_set_peer(wf_chip_t *chip, uint8_t sn, const uint8_t ip[4], uint16_t port);

/**
 * @brief Open socket `sn`: CLOSE if needed, Sn_MR = mode, Sn_PORT = port, clear
 * Sn_IR, OPEN, and check Sn_SR became INIT (TCP) or UDP. WF_EIO otherwise.
 */
int wf_chip_sock_open(wf_chip_t *chip, uint8_t sn, uint8_t mode, uint16_t port);

/** @brief Bytes of free TX space (stable read of Sn_TX_FSR). */
int wf_chip_sock_tx_free(wf_chip_t *chip, uint8_t sn, uint16_t *free_bytes);
/** @brief Bytes received and not yet released (stable read of Sn_RX_RSR). */
int wf_chip_sock_rx_avail(wf_chip_t *chip, uint8_t sn, uint16_t *avail);

/**
 * @brief Queue `len` bytes at Sn_TX_WR and advance Sn_TX_WR (no SEND). The
 * caller must have checked `len` <= free space. Handles ring wrap-around.
 */
int wf_chip_sock_tx_queue(wf_chip_t *chip, uint8_t sn, const uint8_t *data, uint16_t len);

/**
 * @brief Copy `len` received bytes starting `offset` bytes past Sn_RX_RD into
 * `buf`, without releasing them. `offset + len` must not exceed the available
 * count. Handles ring wrap-around.
 */
int wf_chip_sock_rx_peek(wf_chip_t *chip, uint8_t sn, uint16_t offset, uint8_t *buf, uint16_t len);

/** @brief Release `len` received bytes: advance Sn_RX_RD and issue RECV. */
int wf_chip_sock_rx_release(wf_chip_t *chip, uint8_t sn, uint16_t len);

/**
 * @brief Peek `len` bytes at Sn_RX_RD into `buf` and release them, reading Sn_RX_RD
 * once (wf_chip_sock_rx_peek then wf_chip_sock_rx_release read it twice). `len`
 * must not exceed the available count.
 */
int wf_chip_sock_rx_read(wf_chip_t *chip, uint8_t sn, uint8_t *buf, uint16_t len);

/** @brief Size of socket `sn`'s TX buffer in bytes. */
static inline uint16_t wf_chip_tx_size(const wf_chip_t *chip, uint8_t sn)
{
    return (uint16_t)(chip->tx_kb[sn] * 1024u);
}
/** @brief Size of socket `sn`'s RX buffer in bytes. */
static inline uint16_t wf_chip_rx_size(const wf_chip_t *chip, uint8_t sn)
{
    return (uint16_t)(chip->rx_kb[sn] * 1024u);
}

#ifdef __cplusplus
}
#endif
#endif
