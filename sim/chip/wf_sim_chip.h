/**
 * @file wf_sim_chip.h
 * @brief A strict model of the WIZnet W5100 or W5500 as an SPI slave, for the host.
 *
 * The model implements the chip as seen from its SPI pins (see
 * docs/w5100-w5500.md). Both variants share the socket
 * register semantics, the socket state machine driven by Sn_CR, Sn_IR,
 * TX_FSR/RX_RSR accounting, the 8-byte UDP receive header and the network side;
 * they differ in the frame format and address map:
 *
 * - W5100 (wf_sim_chip_new): 4-byte frames 0xF0/0x0F + 16-bit address + data
 *   with the 0x00,0x01,0x02 echo on MISO, 4 sockets, 8 KiB TX + 8 KiB RX
 *   memory sized by RMSR/TMSR, host-side ring masking.
 * - W5500 (wf_sim_chip_new_variant(seed, WF_SIM_W5500)): variable-length (VDM)
 *   frames: 16-bit offset, control byte BSB<<3 | RWB<<2 | OM, then N data bytes
 *   with the offset auto-incrementing inside the selected block; 8 sockets,
 *   16 KiB TX + 16 KiB RX sized per socket by Sn_RXBUF_SIZE/Sn_TXBUF_SIZE; TX/RX
 *   blocks addressed by the raw pointer (the chip wraps); VERSIONR = 0x04 and
 *   PHYCFGR with a link bit (wf_sim_chip_set_link). MISO during the three
 *   header bytes is unspecified by the datasheet (docs/w5100-w5500.md §6.1):
 *   the model drives random bytes
 *   there so that no driver learns to depend on them.
 *
 * TCP and UDP traffic is carried over real, non-blocking host sockets.
 *
 * Time: the model reads a clock (by default CLOCK_MONOTONIC, in microseconds;
 * the emulator gives it the board's emulated time) and
 * advances its network state whenever the host reads a status register
 * (Sn_CR, Sn_IR, Sn_SR, Sn_TX_FSR, Sn_RX_RSR), which is what any driver polls.
 * Commands are accepted after a few SPI frames (Sn_CR stays non-zero until then):
 * 1..4 (seeded) further frames addressed to that socket's register block, so the
 * first poll of Sn_CR always reads the command back; any other access to that
 * socket's registers meanwhile is a violation.
 *
 * Commands: OPEN, CONNECT, DISCON, CLOSE, SEND, RECV and SEND_KEEP for TCP
 * clients and UDP. Keep-alive: SEND_KEEP (both chips) and the W5500's automatic
 * Sn_KPALVTR (a probe every KPALVTR x 5 s) send a probe only once the
 * connection has carried data, and SEND_KEEP is ignored while Sn_KPALVTR > 0
 * (W5500 datasheet, Sn_KPALVTR); a live peer answers at once, an unanswered
 * probe ends in TIMEOUT + CLOSED after the TCP retransmission time. Out of
 * scope, a violation "command not modelled": LISTEN (TCP servers), SEND_MAC,
 * MACRAW/IPRAW/PPPoE modes. See docs/w5100-w5500.md.
 *
 * Strictness: every misuse a real chip would punish is recorded as a violation
 * (register address + value + text). Tests assert that a correct driver causes
 * none. 16-bit counters (TX_FSR, RX_RSR) are torn at random (seeded): the model
 * may change the value between the MSB and LSB reads. On the W5500 that holds
 * inside a 2-byte burst too (the bytes are still read one after the other, and
 * docs/w5100-w5500.md §6.4 keeps the double-read rule), so two consecutive
 * reads may differ.
 *
 * Network map: the firmware uses ordinary addresses (10.0.0.1:443); a rule
 * carries a virtual IP[:port] to a host IP:port (e.g. 127.0.0.1:8443). Addresses
 * no rule covers go to the same address on the host. Replies are mapped back.
 *
 * The model is single-threaded and not thread-safe; it allocates with malloc.
 */
#ifndef WF_SIM_CHIP_H
#define WF_SIM_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct wf_sim_chip;

/** The chips the model can be. */
enum wf_sim_variant {
    WF_SIM_W5100,
    WF_SIM_W5500,
};

/** Create a W5100 model in its power-on state. `seed` drives all randomness. */
struct wf_sim_chip *wf_sim_chip_new(uint64_t seed);
/** Create a model of `variant` in its power-on state. */
struct wf_sim_chip *wf_sim_chip_new_variant(uint64_t seed, enum wf_sim_variant variant);
/** "W5100" or "W5500". */
const char *wf_sim_chip_name(const struct wf_sim_chip *m);
/** Close all host sockets and free the model. NULL is accepted. */
void wf_sim_chip_free(struct wf_sim_chip *m);

/*
 * The SPI pins, byte by byte (what a polled SPI master sees): /SCS low, one
 * call per byte clocked (MOSI in, MISO out, the access happens as the byte is
 * clocked), /SCS high. A frame is counted at select; each byte in `bytes`; the
 * frame-length rules below are checked at deselect. With /RESET asserted or the
 * chip absent, a frame is inert (MISO 0x00 resp. the stuck value).
 */
/** /SCS low: a frame begins. No effect while already selected. */
void wf_sim_chip_spi_select(struct wf_sim_chip *m);
/** One byte clocked under /SCS; returns MISO. With /SCS high the chip ignores
 * the byte and does not drive MISO: 0xFF, not counted. */
uint8_t wf_sim_chip_spi_byte(struct wf_sim_chip *m, uint8_t mosi);
/** /SCS high: the frame ends (length violations, command acceptance). No effect
 * while not selected. */
void wf_sim_chip_spi_deselect(struct wf_sim_chip *m);

/**
 * One chip-select cycle: /SCS low, `len` bytes exchanged, /SCS high (the three
 * calls above; there is one decoder per variant).
 *
 * Either chip: a select/deselect with no byte clocked (len 0; ioLibrary's W5100
 * port does this when asked to read 0 bytes) shifts no bit, so the chip cannot
 * see it: no violation, no access (the frame is still counted in stats).
 *
 * W5100: a frame is exactly 4 bytes; any other length of 1 or more is a
 * violation ("CS held across frames" for > 4, "short frame" for 1..3) and the
 * extra bytes read 0xFF.
 * A 4-byte frame whose first byte is 0x00 is ignored without a violation (no
 * W5100 opcode; it is the shape of a single-byte W5500 frame to a common
 * register, which auto-detection sends first; counted in foreign_frames); any
 * other unknown opcode is a violation.
 *
 * W5500: 3 + N bytes (N >= 1). Violations: 1 to 3 bytes, OM != 00, a
 * reserved block (BSB 4n, n >= 1), a write to a read-only register or the RX
 * buffer, reserved registers, and every ring/command rule of the W5100.
 * Always returns 0.
 */
int wf_sim_chip_spi_frame(struct wf_sim_chip *m, const uint8_t *tx, uint8_t *rx, size_t len);

/** The /RESET pin: while asserted the chip ignores SPI (MISO 0x00); release = power-on state. */
void wf_sim_chip_reset_pin(struct wf_sim_chip *m, bool asserted);

/** Replace the clock with a millisecond clock (NULL: back to the default,
 * CLOCK_MONOTONIC in microseconds). With a millisecond clock the wire time of
 * a SEND (below) ends on the next whole millisecond at the earliest. */
void wf_sim_chip_set_clock(struct wf_sim_chip *m, uint32_t (*millis)(void *ctx), void *ctx);
/** Replace the clock with a microsecond clock (NULL: the default). */
void wf_sim_chip_set_clock_us(struct wf_sim_chip *m, uint64_t (*micros)(void *ctx), void *ctx);

/* ---- the wire ----------------------------------------------------------- */

/** Default Ethernet bit rate of both chips' PHY link: 100 Mbit/s. */
#define WF_SIM_WIRE_DEFAULT_BPS 100000000u

/**
 * The Ethernet bit rate used for SEND timing (default 100 Mbit/s; 10 Mbit/s is
 * the other rate of the 10/100 PHYs; 0 = frames take no time). A SEND's
 * SEND_OK is raised once its frames have left: per frame the payload (a TCP
 * segment of at most the MSS, 1460, or a UDP datagram of at most 1472 bytes per
 * frame) plus 78 bytes of overhead for TCP, 66 for UDP (Ethernet header 14 +
 * IPv4 20 + TCP 20 / UDP 8 + FCS 4 + preamble/SFD 8 + inter-frame gap 12; a
 * frame is padded to the 64-byte Ethernet minimum), times 8 bits, divided by
 * the rate. All sockets share the one wire: a SEND waits behind the frames
 * already queued. A full 1460-byte segment takes 123 us at 100 Mbit/s, a 2 KiB
 * W5100 TX buffer 176 us. A SEND while the previous SEND of the socket is in
 * progress (no SEND_OK or TIMEOUT yet) is a violation, as on silicon.
 * TX_FSR is unchanged by this: it still frees space as the peer acknowledges.
 */
void wf_sim_chip_set_wire_rate(struct wf_sim_chip *m, uint32_t bits_per_second);
/** The wire rate in effect (for reports). */
uint32_t wf_sim_chip_wire_rate(const struct wf_sim_chip *m);

/* ---- network map -------------------------------------------------------- */

/**
 * Carry virtual `vip` (host byte order), port `vport` (0 = any port) to host
 * `host_ip`:`host_port` (0 = keep the virtual port). Later rules win over earlier.
 * Returns 0, or -1 when the table is full.
 */
int wf_sim_chip_map(struct wf_sim_chip *m, uint32_t vip, uint16_t vport, uint32_t host_ip,
                    uint16_t host_port);

/**
 * A network-map rule as the host programs take it on their command line:
 * "VIP[:VPORT]=HOST:PORT" (dotted IPv4 addresses, decimal ports 1..65535),
 * added with wf_sim_chip_map(). Returns 0, or -1 for a malformed rule or a
 * full table (nothing added).
 */
int wf_sim_chip_map_rule(struct wf_sim_chip *m, const char *rule);
/** The rule's parts: "a.b.c.d" (exactly `len` chars) -> host-order address. */
bool wf_sim_chip_parse_ipv4(const char *s, size_t len, uint32_t *ip);
/** Decimal port 1..65535 (the whole string). */
bool wf_sim_chip_parse_port(const char *s, uint16_t *port);
/** "IP:PORT", or with `port_optional` also "IP" (port 0). */
bool wf_sim_chip_parse_endpoint(const char *s, bool port_optional, uint32_t *ip, uint16_t *port);

/* ---- fault injection ---------------------------------------------------- */

/** Chip absent/dead: MISO stuck at `miso` (0x00 or 0xFF) for every byte. */
void wf_sim_chip_fault_absent(struct wf_sim_chip *m, bool absent, uint8_t miso);
/** ARP for `vip` never answers: CONNECT/SEND there end in TIMEOUT after RTR*(RCR+1). */
void wf_sim_chip_fault_unreachable(struct wf_sim_chip *m, uint32_t vip);
/**
 * Peer `vip` never answers the SYN (a black hole): CONNECT stays in SYNSENT and
 * ends in TIMEOUT + CLOSED after the chip's TCP retransmission time (RTR/RCR,
 * doubling intervals). Added while a connection to `vip` is up, the peer
 * vanishes without a word (power loss, cable cut beyond the switch): nothing
 * arrives, a SEND or a keep-alive probe goes unanswered and ends in TIMEOUT +
 * CLOSED after the retransmission time; an idle connection looks alive.
 */
void wf_sim_chip_fault_blackhole(struct wf_sim_chip *m, uint32_t vip);
/** The next TCP connection is reset by the peer after `rx_bytes` were delivered. */
void wf_sim_chip_fault_reset_after(struct wf_sim_chip *m, uint32_t rx_bytes);
/** Slow peer: deliver at most `bytes_per_ms` received TCP bytes per ms (0 = unlimited). */
void wf_sim_chip_fault_rx_rate(struct wf_sim_chip *m, uint32_t bytes_per_ms);
/** UDP loss: drop the next `rx` received and `tx` sent datagrams. */
void wf_sim_chip_fault_udp_drop(struct wf_sim_chip *m, unsigned rx, unsigned tx);
/** Which kind of W5500 data phase a bit slip hits (wf_sim_chip_fault_bit_slip). */
enum wf_sim_slip_target {
    WF_SIM_SLIP_REG_READ,  /**< a read of common or socket registers */
    WF_SIM_SLIP_REG_WRITE, /**< a write of common or socket registers */
    WF_SIM_SLIP_TX_WRITE,  /**< a write into a socket's TX buffer */
    WF_SIM_SLIP_RX_READ,   /**< a read from a socket's RX buffer */
};

/**
 * An SPI clock glitch (W5500 only; no effect on a W5100 model): in the next
 * frame of kind `target` that reaches data byte `data_byte` (0 = the first
 * byte after the 3-byte header), the chip misses one SCLK pulse at the start of
 * that byte, so from there its byte boundaries lag the host's by one bit until
 * /SCS rises. Reads: the host sees byte k as (d[k] & 0x80) | d[k] >> 1 and each
 * later byte as (d[j-1] & 1) << 7 | d[j] >> 1 (d = the bytes the chip sends).
 * Writes: the chip takes byte j (j >= k) as h[j] << 1 | h[j+1] >> 7 (h = the
 * bytes the host sends), and the last byte of the frame, left with 7 bits at
 * /SCS high, is not written. Fires once; counted in stats.bit_slips. The model
 * records no violation for it: the chip cannot tell. (A W5100 frame restarts
 * at every /SCS and its 0x00, 0x01, 0x02 echo exposes a slip in the first three
 * bytes; see docs/w5100-w5500.md.)
 */
void wf_sim_chip_fault_bit_slip(struct wf_sim_chip *m, enum wf_sim_slip_target target, unsigned data_byte);

/** Percentage (0..100) of 16-bit counter reads the model tries to tear. Default 25. */
void wf_sim_chip_set_tear_rate(struct wf_sim_chip *m, unsigned percent);
/**
 * The Ethernet link (default up). W5500: PHYCFGR.LNK follows it. Either chip:
 * while it is down no traffic passes: ARP is never answered (CONNECT and UDP
 * SEND end in TIMEOUT after RTR*(RCR+1)), SYNs go nowhere, received data
 * stalls, unacknowledged TCP data ends in TIMEOUT + CLOSED after the
 * retransmission time, and received UDP datagrams are lost.
 */
void wf_sim_chip_set_link(struct wf_sim_chip *m, bool up);

/* ---- inspection --------------------------------------------------------- */

struct wf_sim_chip_stats {
    uint64_t frames;        /**< chip-select cycles */
    uint64_t bytes;         /**< bytes clocked (both directions counted once) */
    uint64_t tx_mem_writes; /**< payload bytes written into TX memory */
    uint64_t rx_mem_reads;  /**< payload bytes read from RX memory */
    uint64_t torn_reads;    /**< 16-bit reads the model changed between MSB and LSB */
    uint64_t commands;      /**< socket commands accepted */
    /** Register reads per W5100-style address 0x0000..0x0BFF: common registers
     * at their offset, socket sn register r at 0x0400 + sn * 0x100 + r. */
    uint32_t reg_reads[0xC00];
    uint64_t udp_rx_dropped; /**< received datagrams dropped: no room in the RX ring */
    uint64_t foreign_frames; /**< W5100: ignored frames with first byte 0x00 (see spi_frame) */
    uint64_t bit_slips;      /**< injected SPI clock glitches that fired (fault_bit_slip) */
};

struct wf_sim_chip_violation {
    uint32_t addr;  /**< address concerned; W5500: BSB << 16 | offset */
    uint32_t value; /**< value written/read or the offending quantity */
    char what[96];  /**< what was wrong */
};

const struct wf_sim_chip_stats *wf_sim_chip_stats(const struct wf_sim_chip *m);
/** Zero the statistics (not the violations). */
void wf_sim_chip_stats_reset(struct wf_sim_chip *m);
size_t wf_sim_chip_violation_count(const struct wf_sim_chip *m);
/** The i-th recorded violation (the first 64 are kept; the count keeps counting). */
const struct wf_sim_chip_violation *wf_sim_chip_violation(const struct wf_sim_chip *m, size_t i);
/** Print all kept violations, one per line, to `out`. */
void wf_sim_chip_print_violations(const struct wf_sim_chip *m, FILE *out);
/** Forget recorded violations (for tests that provoke one on purpose). */
void wf_sim_chip_clear_violations(struct wf_sim_chip *m);

/**
 * The INTn pin: true while the chip drives it low (W5500: an interrupt enabled by
 * IMR, or by SIMR and Sn_IMR, is set; Sn_IMR resets to 0xFF, IMR and SIMR to 0).
 * Brings the sockets up to date (data arrived, SEND_OK due) first. The W5100 model
 * never asserts it (its INT is not wired on the boards modelled).
 */
bool wf_sim_chip_int_asserted(struct wf_sim_chip *m);

/** Current Sn_SR of socket `sn` (for tests; no SPI traffic, no side effects). */
uint8_t wf_sim_chip_peek_status(const struct wf_sim_chip *m, unsigned sn);

#ifdef __cplusplus
}
#endif
#endif
