/*
 * Internals of the W5100 model shared by model.c (SPI, registers, memory,
 * inspection) and model_net.c (socket commands, host sockets, time).
 *
 * The model is an independent implementation of the chip: it defines its own
 * constants, named as in the datasheet, and includes nothing from wizfetch.
 * Facts: shared/reference/w5100-w5500-facts.md sections 1-5.
 */
#ifndef WF_SIM_MODEL_INTERNAL_H
#define WF_SIM_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "wf_sim_chip.h"

/* ---- SPI frame (facts 1.1) ---- */
#define W5100_OP_WRITE 0xF0
#define W5100_OP_READ 0x0F
#define W5100_FRAME_LEN 4

/* ---- common registers (facts 2) ---- */
#define W5100_MR 0x0000
#define W5100_IR 0x0015
#define W5100_RTR 0x0017
#define W5100_RCR 0x0019
#define W5100_RMSR 0x001A
#define W5100_TMSR 0x001B
#define W5100_PATR 0x001C
#define W5100_PTIMER 0x0028
#define W5100_UIPR 0x002A
#define W5100_UPORT 0x002E
#define W5100_COMMON_END 0x0030
#define W5100_MR_RST 0x80
#define W5100_IR_SOCKETS 0x0F

/* ---- socket registers (facts 3) ---- */
#define W5100_SOCKETS 4
#define W5100_Sn_BASE 0x0400
#define W5100_Sn_END 0x0800
#define W5100_Sn_MR 0x00
#define W5100_Sn_CR 0x01
#define W5100_Sn_IR 0x02
#define W5100_Sn_SR 0x03
#define W5100_Sn_PORT 0x04
#define W5100_Sn_DHAR 0x06
#define W5100_Sn_DIPR 0x0C
#define W5100_Sn_DPORT 0x10
#define W5100_Sn_TTL 0x16
#define W5100_Sn_TX_FSR 0x20
#define W5100_Sn_TX_RD 0x22
#define W5100_Sn_TX_WR 0x24
#define W5100_Sn_RX_RSR 0x26
#define W5100_Sn_RX_RD 0x28
#define W5100_Sn_REGS 0x2A /* 0x2A.. is reserved (Sn_RX_WR is [?] on the W5100) */

#define W5100_Sn_MR_PROTO 0x0F
#define W5100_Sn_MR_TCP 0x01
#define W5100_Sn_MR_UDP 0x02

#define W5100_Sn_CR_OPEN 0x01
#define W5100_Sn_CR_LISTEN 0x02
#define W5100_Sn_CR_CONNECT 0x04
#define W5100_Sn_CR_DISCON 0x08
#define W5100_Sn_CR_CLOSE 0x10
#define W5100_Sn_CR_SEND 0x20
#define W5100_Sn_CR_SEND_MAC 0x21
#define W5100_Sn_CR_SEND_KEEP 0x22
#define W5100_Sn_CR_RECV 0x40

#define W5100_Sn_IR_CON 0x01
#define W5100_Sn_IR_DISCON 0x02
#define W5100_Sn_IR_RECV 0x04
#define W5100_Sn_IR_TIMEOUT 0x08
#define W5100_Sn_IR_SEND_OK 0x10

#define W5100_SOCK_CLOSED 0x00
#define W5100_SOCK_ARP 0x01
#define W5100_SOCK_INIT 0x13
#define W5100_SOCK_SYNSENT 0x15
#define W5100_SOCK_ESTABLISHED 0x17
#define W5100_SOCK_FIN_WAIT 0x18
#define W5100_SOCK_TIME_WAIT 0x1B
#define W5100_SOCK_CLOSE_WAIT 0x1C
#define W5100_SOCK_LAST_ACK 0x1D
#define W5100_SOCK_UDP 0x22

/* ---- buffer memory (facts 4.1) ---- */
#define W5100_TX_MEM 0x4000
#define W5100_RX_MEM 0x6000
#define W5100_MEM_SIZE 0x2000
#define W5100_MEM_END 0x8000

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
    uint8_t reg[W5100_Sn_REGS]; /* plain storage registers (MR, PORT, DHAR, DIPR, ...) */
    uint8_t sr;
    uint8_t ir;
    uint8_t cr;        /* latched command, 0 when idle */
    uint8_t cr_frames; /* socket frames left until the command is accepted */
    uint16_t tx_wr, tx_end, tx_rd, tx_ack;
    uint16_t rx_rd, rx_done, rsr;
    bool send_busy;   /* a SEND has neither SEND_OK nor TIMEOUT yet */
    bool net_changed; /* SR changed by the network since the host last read SR */
    bool blackhole;   /* CONNECT target is a black hole */
    bool unreachable; /* CONNECT target never answers ARP */
    bool fin_pending; /* DISCON with unsent TX data: shutdown once it is out */
    bool shut_wr;
    bool eof_pending; /* host recv saw EOF; applied once the stage is drained */
    bool eof_done;
    bool timer_on;
    uint32_t deadline;
    bool reset_armed; /* fault_reset_after applies to this connection */
    uint32_t reset_left;
    int fd;
    /*
     * Staging area: data taken from the host socket but not yet visible in the
     * ring. It is moved into the ring at the next pump, or between the MSB and
     * LSB reads of RX_RSR (a torn read). For UDP it holds one datagram with
     * its 8-byte header.
     */
    uint16_t stage_off, stage_len;
    uint8_t stage[W5100_MEM_SIZE];
};

struct wf_sim_chip {
    uint8_t common[W5100_COMMON_END];
    uint8_t mr_reset_frames; /* MR reads RST until this reaches 0 */
    bool reset_pin;
    bool absent;
    uint8_t absent_miso;
    struct sim_sock sock[W5100_SOCKETS];
    uint8_t tx_mem[W5100_MEM_SIZE];
    uint8_t rx_mem[W5100_MEM_SIZE];

    uint64_t rng;
    unsigned tear_rate;
    uint32_t (*millis)(void *ctx);
    void *clock_ctx;

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
void sim_violation(struct wf_sim_chip *m, uint16_t addr, uint32_t value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
uint32_t sim_now(const struct wf_sim_chip *m);
uint32_t sim_rand(struct wf_sim_chip *m, uint32_t below);
uint16_t sim_tx_size(const struct wf_sim_chip *m, unsigned sn);
uint16_t sim_rx_size(const struct wf_sim_chip *m, unsigned sn);
uint16_t sim_tx_base(const struct wf_sim_chip *m, unsigned sn);
uint16_t sim_rx_base(const struct wf_sim_chip *m, unsigned sn);
uint16_t sim_sock_addr(unsigned sn, uint8_t off);
uint16_t sim_be16(const uint8_t *p);
uint32_t sim_be32(const uint8_t *p);

/* ---- model_net.c ---- */
void sim_sock_init(struct sim_sock *s);
void sim_sock_release(struct sim_sock *s);
void sim_accept_command(struct wf_sim_chip *m, unsigned sn);
void sim_pump(struct wf_sim_chip *m, unsigned sn);
void sim_tear(struct wf_sim_chip *m, unsigned sn, bool rx);
uint16_t sim_tx_fsr(const struct wf_sim_chip *m, unsigned sn);

#endif
