/**
 * @file wf_sim_chip.h
 * @brief A strict model of the WIZnet W5100 as an SPI slave, for the host.
 *
 * The model implements the chip as seen from its SPI pins (see
 * ../shared/reference/w5100-w5500-facts.md): 4-byte frames 0xF0/0x0F + 16-bit
 * address + data with the 0x00,0x01,0x02 echo on MISO, the common and socket
 * register files with their reset values, 8 KiB TX + 8 KiB RX memory sized by
 * RMSR/TMSR, the socket state machine driven by Sn_CR, Sn_IR, TX_FSR/RX_RSR
 * accounting and the 8-byte UDP receive header. TCP and UDP traffic is carried
 * over real, non-blocking host sockets.
 *
 * Time: the model reads a millisecond clock (by default CLOCK_MONOTONIC) and
 * advances its network state whenever the host reads a status register
 * (Sn_CR, Sn_IR, Sn_SR, Sn_TX_FSR, Sn_RX_RSR), which is what any driver polls.
 * Commands are accepted after a few SPI frames (Sn_CR stays non-zero until then):
 * 1..4 (seeded) further frames addressed to that socket's register block, so the
 * first poll of Sn_CR always reads the command back; any other access to that
 * socket's registers meanwhile is a violation.
 *
 * Strictness: every misuse a real chip would punish is recorded as a violation
 * (register address + value + text). Tests assert that a correct driver causes
 * none. 16-bit counters (TX_FSR, RX_RSR) are torn at random (seeded): the model
 * may change the value between the MSB and LSB reads.
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

/** Create a W5100 model in its power-on state. `seed` drives all randomness. */
struct wf_sim_chip *wf_sim_chip_new(uint64_t seed);
/** Close all host sockets and free the model. NULL is accepted. */
void wf_sim_chip_free(struct wf_sim_chip *m);

/**
 * One chip-select cycle: /SCS low, `len` bytes exchanged, /SCS high. A W5100
 * frame is exactly 4 bytes; any other length is a violation ("CS held across
 * frames" for > 4, "short frame" for < 4) and the extra bytes read 0xFF.
 * Always returns 0.
 */
int wf_sim_chip_spi_frame(struct wf_sim_chip *m, const uint8_t *tx, uint8_t *rx, size_t len);

/** The /RESET pin: while asserted the chip ignores SPI (MISO 0x00); release = power-on state. */
void wf_sim_chip_reset_pin(struct wf_sim_chip *m, bool asserted);

/** Replace the millisecond clock (default CLOCK_MONOTONIC). */
void wf_sim_chip_set_clock(struct wf_sim_chip *m, uint32_t (*millis)(void *ctx), void *ctx);

/* ---- network map -------------------------------------------------------- */

/**
 * Carry virtual `vip` (host byte order), port `vport` (0 = any port) to host
 * `host_ip`:`host_port` (0 = keep the virtual port). Later rules win over earlier.
 * Returns 0, or -1 when the table is full.
 */
int wf_sim_chip_map(struct wf_sim_chip *m, uint32_t vip, uint16_t vport, uint32_t host_ip,
                    uint16_t host_port);

/* ---- fault injection ---------------------------------------------------- */

/** Chip absent/dead: MISO stuck at `miso` (0x00 or 0xFF) for every byte. */
void wf_sim_chip_fault_absent(struct wf_sim_chip *m, bool absent, uint8_t miso);
/** ARP for `vip` never answers: CONNECT/SEND there end in TIMEOUT after RTR*(RCR+1). */
void wf_sim_chip_fault_unreachable(struct wf_sim_chip *m, uint32_t vip);
/**
 * Peer `vip` never answers the SYN (a black hole): CONNECT stays in SYNSENT and
 * ends in TIMEOUT + CLOSED after the chip's TCP retransmission time (RTR/RCR,
 * doubling intervals).
 */
void wf_sim_chip_fault_blackhole(struct wf_sim_chip *m, uint32_t vip);
/** The next TCP connection is reset by the peer after `rx_bytes` were delivered. */
void wf_sim_chip_fault_reset_after(struct wf_sim_chip *m, uint32_t rx_bytes);
/** Slow peer: deliver at most `bytes_per_ms` received TCP bytes per ms (0 = unlimited). */
void wf_sim_chip_fault_rx_rate(struct wf_sim_chip *m, uint32_t bytes_per_ms);
/** UDP loss: drop the next `rx` received and `tx` sent datagrams. */
void wf_sim_chip_fault_udp_drop(struct wf_sim_chip *m, unsigned rx, unsigned tx);
/** Percentage (0..100) of 16-bit counter reads the model tries to tear. Default 25. */
void wf_sim_chip_set_tear_rate(struct wf_sim_chip *m, unsigned percent);

/* ---- inspection --------------------------------------------------------- */

struct wf_sim_chip_stats {
    uint64_t frames;           /**< chip-select cycles */
    uint64_t bytes;            /**< bytes clocked (both directions counted once) */
    uint64_t tx_mem_writes;    /**< payload bytes written into TX memory */
    uint64_t rx_mem_reads;     /**< payload bytes read from RX memory */
    uint64_t torn_reads;       /**< 16-bit reads the model changed between MSB and LSB */
    uint64_t commands;         /**< socket commands accepted */
    uint32_t reg_reads[0x800]; /**< reads per register address 0x0000..0x07FF */
    uint64_t udp_rx_dropped;   /**< received datagrams dropped: no room in the RX ring */
};

struct wf_sim_chip_violation {
    uint16_t addr;  /**< register or memory address concerned */
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

/** Current Sn_SR of socket `sn` (for tests; no SPI traffic, no side effects). */
uint8_t wf_sim_chip_peek_status(const struct wf_sim_chip *m, unsigned sn);

#ifdef __cplusplus
}
#endif
#endif
