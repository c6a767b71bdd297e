/*
 * Internals of the chip model. One socket engine and one network side serve
 * both chips; a variant (struct sim_variant) is only a frame decoder, an
 * address map, the common register file and the buffer-size rule:
 *
 *   model.c        shared: socket register semantics, ring memory checks,
 *                  reset, statistics, violations and the public API
 *   model_net.c    shared: Sn_CR commands, state machine, time, host sockets
 *   model_w5100.c  W5100: 4-byte frames, flat 16-bit map, RMSR/TMSR
 *   model_w5500.c  W5500: VDM bursts, block select map, Sn_*BUF_SIZE, PHYCFGR
 *
 * The model is an independent implementation of the chip: it defines its own
 * constants, named as in the datasheet, and includes nothing from wizfetch.
 * Facts: the datasheets (see docs/w5100-w5500.md).
 */
#ifndef WF_SIM_MODEL_INTERNAL_H
#define WF_SIM_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "wf_sim_chip.h"

/* ---- socket registers (docs/w5100-w5500.md §3.1, §6.4): the same offsets on both chips ---- */
#define SIM_MAX_SOCKETS 8
#define SIM_HOST_SNDBUF 16384 /* SO_SNDBUF of a TCP socket's host socket (model_net.c) */
#define SIM_Sn_MR 0x00
#define SIM_Sn_CR 0x01
#define SIM_Sn_IR 0x02
#define SIM_Sn_SR 0x03
#define SIM_Sn_PORT 0x04
#define SIM_Sn_DHAR 0x06
#define SIM_Sn_DIPR 0x0C
#define SIM_Sn_DPORT 0x10
#define SIM_Sn_TTL 0x16
#define SIM_Sn_TX_FSR 0x20
#define SIM_Sn_TX_RD 0x22
#define SIM_Sn_TX_WR 0x24
#define SIM_Sn_RX_RSR 0x26
#define SIM_Sn_RX_RD 0x28
#define SIM_Sn_RX_WR 0x2A   /* W5500 only (reserved on the W5100, see model_w5100.c) */
#define SIM_Sn_KPALVTR 0x2F /* W5500 only: automatic keep-alive period, units of 5 s */
#define SIM_Sn_REGS 0x30    /* register storage per socket (W5500 block size) */

#define SIM_Sn_MR_PROTO 0x0F
#define SIM_Sn_MR_TCP 0x01
#define SIM_Sn_MR_UDP 0x02

#define SIM_Sn_CR_OPEN 0x01
#define SIM_Sn_CR_LISTEN 0x02
#define SIM_Sn_CR_CONNECT 0x04
#define SIM_Sn_CR_DISCON 0x08
#define SIM_Sn_CR_CLOSE 0x10
#define SIM_Sn_CR_SEND 0x20
#define SIM_Sn_CR_SEND_MAC 0x21
#define SIM_Sn_CR_SEND_KEEP 0x22
#define SIM_Sn_CR_RECV 0x40

#define SIM_Sn_IR_CON 0x01
#define SIM_Sn_IR_DISCON 0x02
#define SIM_Sn_IR_RECV 0x04
#define SIM_Sn_IR_TIMEOUT 0x08
#define SIM_Sn_IR_SEND_OK 0x10

#define SIM_SOCK_CLOSED 0x00
#define SIM_SOCK_ARP 0x01
#define SIM_SOCK_INIT 0x13
#define SIM_SOCK_SYNSENT 0x15
#define SIM_SOCK_ESTABLISHED 0x17
#define SIM_SOCK_FIN_WAIT 0x18
#define SIM_SOCK_TIME_WAIT 0x1B
#define SIM_SOCK_CLOSE_WAIT 0x1C
#define SIM_SOCK_LAST_ACK 0x1D
#define SIM_SOCK_UDP 0x22

/* ---- buffer memory: the largest of the variants (W5500: 16 KiB each way) ---- */
#define SIM_MEM_MAX 0x4000
#define SIM_COMMON_MAX 0x40

#define SIM_UDP_HEADER 8
#define SIM_MAX_VIOLATIONS 64
#define SIM_MAX_RULES 32
#define SIM_MAX_FAULT_IPS 8
/* How long the model's transient states last (ARP that resolves, TIME_WAIT, LAST_ACK). */
#define SIM_BRIEF_MS 2u
/* Received TCP data enters the ring at most one segment (Ethernet MSS) per
 * pump, as it would arrive on the wire; so RX_RSR keeps moving while the
 * driver reads it, and torn reads happen in bulk transfers too. */
#define SIM_TCP_SEGMENT 1460u
/* ... and, on RX_RSR reads, no faster than the wire: the pump of an RX_RSR
 * read delivers the next segment only once this many SPI bytes have been
 * clocked since the last one (a full segment takes ~123 us at 100 Mb/s, about
 * 256 bus bytes at a 16 MHz SPI clock). Without it, the reads of the RX_RSR
 * double-read rule would each see a new segment for as long as a 16 KiB W5500
 * ring has room. A tear may still bring one segment early (so torn reads stay
 * common in bulk transfers), but not again until the wire has caught up. */
#define SIM_SEGMENT_SPI_BYTES 256u

struct sim_rule {
    uint32_t vip;
    uint16_t vport;
    uint32_t host_ip;
    uint16_t host_port;
};

/*
 * One hardware socket. Ring pointers are free-running 16-bit counters:
 *   TX: tx_ack <= tx_rd <= tx_end, and tx_wr is the host's register.
 *       tx_end is TX_WR latched by the last SEND; tx_rd (= Sn_TX_RD) is what was
 *       handed to the host socket; tx_ack is what the "peer acknowledged".
 *       TX_FSR = size - (tx_end - tx_ack) (the W5500 note: FSR runs to the ACK).
 *   RX: valid data is [rx_done, rx_done + rsr); rx_rd is the host's register,
 *       committed into rx_done by RECV.
 */
struct sim_sock {
    uint8_t reg[SIM_Sn_REGS]; /* plain storage registers (MR, PORT, DHAR, DIPR, ...) */
    uint8_t sr;
    uint8_t ir;
    uint8_t cr;        /* latched command, 0 when idle */
    uint8_t cr_frames; /* socket frames left until the command is accepted */
    uint16_t tx_wr, tx_end, tx_rd, tx_ack;
    uint16_t rx_rd, rx_done, rsr;
    bool send_busy; /* a SEND has neither SEND_OK nor TIMEOUT yet */
    bool on_wire;   /* ... and its frames are (being) transmitted: SEND_OK at wire_done_us */
    uint64_t wire_done_us;
    bool net_changed; /* SR changed by the network since the host last read SR */
    bool blackhole;   /* CONNECT target is a black hole */
    bool unreachable; /* CONNECT target never answers ARP */
    bool fin_pending; /* DISCON with unsent TX data: shutdown once it is out */
    bool shut_wr;
    bool eof_pending; /* host recv saw EOF; applied once the stage is drained */
    bool eof_done;
    bool timer_on;
    uint32_t deadline;
    bool data_seen; /* the connection carried data (keep-alive needs it) */
    bool ka_probe;  /* a keep-alive probe awaits its answer until ka_deadline */
    uint32_t ka_deadline;
    bool ka_timer_on; /* W5500 automatic keep-alive: next probe at ka_next */
    uint32_t ka_next;
    uint64_t seg_spi_bytes; /* m->spi_bytes when the last TCP segment arrived */
    bool early_used;        /* a tear already brought a segment ahead of the wire */
    bool reset_armed;       /* fault_reset_after applies to this connection */
    uint32_t reset_left;
    int fd;
    /*
     * Staging area: data taken from the host socket but not yet visible in the
     * ring. It is moved into the ring at the next pump, or between the MSB and
     * LSB reads of RX_RSR (a torn read). For UDP it holds one datagram with
     * its 8-byte header.
     */
    uint16_t stage_off, stage_len;
    uint8_t stage[SIM_MEM_MAX];
};

struct wf_sim_chip;

/*
 * What differs between the chips. Memory offsets are into tx_mem/rx_mem; ring
 * sizes are powers of two (0 = the socket has no memory that way).
 */
struct sim_variant {
    const char *name;
    unsigned sockets;
    bool arp_status;                      /* Sn_SR shows ARP (0x01) while resolving; else SYNSENT */
    uint8_t rtr, rcr;                     /* common register addresses of RTR (2 bytes) and RCR */
    void (*reset)(struct wf_sim_chip *m); /* common registers to reset values */
    /* The frame decoder, one byte at a time: byte `pos` (0-based) of the frame in
     * progress, returning MISO; then the end of the frame (/SCS high) after `len`
     * bytes. State lives in struct wf_sim_chip (spi_*). */
    uint8_t (*spi_byte)(struct wf_sim_chip *m, uint32_t pos, uint8_t mosi);
    void (*spi_end)(struct wf_sim_chip *m, uint32_t len);
    uint16_t (*tx_size)(const struct wf_sim_chip *m, unsigned sn);
    uint16_t (*rx_size)(const struct wf_sim_chip *m, unsigned sn);
    uint16_t (*tx_base)(const struct wf_sim_chip *m, unsigned sn);
    uint16_t (*rx_base)(const struct wf_sim_chip *m, unsigned sn);
    /* Socket register offsets that do not exist / cannot be written. */
    bool (*sock_reserved)(uint8_t off);
    bool (*sock_read_only)(uint8_t off);
    /* Variant socket registers (W5500 Sn_*BUF_SIZE); true if it handled `off`. */
    bool (*sock_write_extra)(struct wf_sim_chip *m, unsigned sn, uint8_t off, uint8_t v);
    /* Non-NULL: why OPEN must be refused for the buffer configuration. */
    const char *(*open_check)(const struct wf_sim_chip *m);
    /* Address of socket register `off` in violation reports. */
    uint32_t (*sock_addr)(unsigned sn, uint8_t off);
    /* Whether the chip drives its INTn pin low (an enabled interrupt is set); NULL: never. */
    bool (*int_asserted)(struct wf_sim_chip *m);
};

extern const struct sim_variant sim_w5100;
extern const struct sim_variant sim_w5500;

struct wf_sim_chip {
    const struct sim_variant *var;
    uint8_t common[SIM_COMMON_MAX];
    uint8_t mr_reset_frames; /* MR reads RST until this reaches 0 */
    bool reset_pin;
    bool absent;
    uint8_t absent_miso;
    bool link; /* Ethernet link (wf_sim_chip_set_link); down: no traffic */
    struct sim_sock sock[SIM_MAX_SOCKETS];
    uint8_t tx_mem[SIM_MEM_MAX];
    uint8_t rx_mem[SIM_MEM_MAX];
    uint64_t spi_bytes; /* bytes clocked since creation (stats can be reset) */
    bool counter_pump;  /* the pump of an RX_RSR read: wire-paced (SIM_SEGMENT_SPI_BYTES) */

    /* The frame in progress (wf_sim_chip_spi_select .. _deselect). */
    bool spi_selected;
    bool spi_mute;         /* /RESET or absent: MISO fixed, nothing decoded */
    uint32_t spi_pos;      /* bytes clocked in this frame */
    uint8_t spi_hdr[3];    /* W5100: opcode, address; W5500: offset, control byte */
    bool spi_dead;         /* W5500: frame refused at its first data byte */
    bool spi_sock;         /* a socket register frame is open (sim_sock_end due) */
    bool spi_sock_pending; /* ... and a command was latched when it began */
    bool spi_slipping;     /* W5500: a bit slip fired in this frame (fault_bit_slip) */
    uint8_t spi_slip_prev; /* ... previous MOSI byte (write) or chip MISO byte (read) */
    bool slip_armed;       /* fault_bit_slip: the next matching frame */
    uint8_t slip_target;   /* enum wf_sim_slip_target */
    uint32_t slip_at;      /* data byte index */

    uint64_t rng;
    unsigned tear_rate;
    uint32_t (*millis)(void *ctx); /* the clock: one of these two is set */
    uint64_t (*micros)(void *ctx);
    void *clock_ctx;
    uint32_t wire_bps;     /* Ethernet bit rate for SEND timing; 0 = no wire time */
    uint64_t wire_free_us; /* when the last frame queued on the wire has left */

    struct sim_rule rules[SIM_MAX_RULES];
    size_t nrules;
    uint32_t unreachable[SIM_MAX_FAULT_IPS];
    size_t nunreachable;
    uint32_t blackhole[SIM_MAX_FAULT_IPS];
    size_t nblackhole;
    bool reset_after_armed;
    uint32_t reset_after;
    uint32_t rx_rate;
    uint32_t rx_tokens;
    uint32_t rx_rate_ms;
    unsigned udp_drop_rx, udp_drop_tx;

    struct wf_sim_chip_stats stats;
    struct wf_sim_chip_violation violations[SIM_MAX_VIOLATIONS];
    size_t nviolations;
};

/* ---- model.c ---- */
void sim_violation(struct wf_sim_chip *m, uint32_t addr, uint32_t value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
uint32_t sim_now(const struct wf_sim_chip *m);
uint64_t sim_now_us(const struct wf_sim_chip *m);
uint32_t sim_rand(struct wf_sim_chip *m, uint32_t below);
uint16_t sim_tx_size(const struct wf_sim_chip *m, unsigned sn);
uint16_t sim_rx_size(const struct wf_sim_chip *m, unsigned sn);
uint16_t sim_tx_base(const struct wf_sim_chip *m, unsigned sn);
uint16_t sim_rx_base(const struct wf_sim_chip *m, unsigned sn);
uint32_t sim_sock_addr(const struct wf_sim_chip *m, unsigned sn, uint8_t off);
uint8_t sim_random_byte(struct wf_sim_chip *m);
void sim_pump_all(struct wf_sim_chip *m);
bool sim_any_socket_open(const struct wf_sim_chip *m);
/* Sn_IR bits of every socket as one bit per socket (IR.Sn_INT, SIR). */
uint8_t sim_socket_irq_bits(struct wf_sim_chip *m);
/* MR write with the soft-reset bit handled (docs/w5100-w5500.md §2.1). */
void sim_write_mr(struct wf_sim_chip *m, uint8_t v);
uint8_t sim_read_mr(const struct wf_sim_chip *m);
/* A frame touching consecutive registers of socket `sn`: begin, one call per
 * byte at offset `off` (a burst may run past 0xFF), end (command acceptance). */
void sim_sock_begin(struct wf_sim_chip *m, unsigned sn);
uint8_t sim_sock_byte(struct wf_sim_chip *m, unsigned sn, unsigned off, bool write, uint8_t in);
void sim_sock_end(struct wf_sim_chip *m, unsigned sn);
/* One byte of ring memory: `ring_off` is the offset inside socket sn's ring. */
void sim_tx_mem_write(struct wf_sim_chip *m, unsigned sn, uint16_t ring_off, uint8_t v, uint32_t addr);
uint8_t sim_tx_mem_read(const struct wf_sim_chip *m, unsigned sn, uint16_t ring_off);
uint8_t sim_rx_mem_read(struct wf_sim_chip *m, unsigned sn, uint16_t ring_off, uint32_t addr);
uint16_t sim_be16(const uint8_t *p);
uint32_t sim_be32(const uint8_t *p);

/* ---- model_net.c ---- */
void sim_sock_init(struct sim_sock *s);
void sim_sock_release(struct sim_sock *s);
void sim_accept_command(struct wf_sim_chip *m, unsigned sn);
void sim_pump(struct wf_sim_chip *m, unsigned sn);
void sim_tear(struct wf_sim_chip *m, unsigned sn, bool rx);
uint16_t sim_tx_fsr(const struct wf_sim_chip *m, unsigned sn);

/* ---- model_udp_host.c (DHCP/SNTP support) ---- */
/** A host UDP socket for a chip UDP socket on `chip_port`; -1 on failure. */
int sim_udp_host_socket(uint16_t chip_port);

#endif
