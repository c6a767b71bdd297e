/*
 * W5500 variant of the chip model: variable-length (VDM) frames with a block
 * select in the control byte, the W5500 common register map (RTR/RCR moved,
 * SIR, PHYCFGR, VERSIONR), 8 sockets and per-socket buffer sizes
 * (Sn_RXBUF_SIZE/Sn_TXBUF_SIZE). TX/RX blocks are addressed by the raw 16-bit
 * pointer; the chip wraps it modulo the socket's size. Facts: docs/w5100-w5500.md §6.
 */
#include "model_internal.h"

/* ---- frame (docs/w5100-w5500.md §6.1) ---- */
#define W5500_HEADER 3
#define W5500_CTL_RWB 0x04
#define W5500_CTL_OM 0x03
#define W5500_BSB_COMMON 0
#define W5500_BLOCK_REG 1
#define W5500_BLOCK_TX 2
#define W5500_BLOCK_RX 3

/* ---- common registers (docs/w5100-w5500.md §6.2, §6.3, §6.5) ---- */
#define W5500_MR 0x0000
#define W5500_IR 0x0015
#define W5500_IMR 0x0016
#define W5500_SIMR 0x0018
#define W5500_Sn_IMR 0x2C
#define W5500_SIR 0x0017
#define W5500_RTR 0x0019
#define W5500_RCR 0x001B
#define W5500_PTIMER 0x001C
#define W5500_UIPR 0x0028
#define W5500_UPORTR 0x002C
#define W5500_PHYCFGR 0x002E
#define W5500_VERSIONR 0x0039
#define W5500_COMMON_END 0x003A
#define W5500_VERSION 0x04
#define W5500_IR_WRITABLE 0xF0
/* PHYCFGR: RST, OPMD, OPMDC are configuration; DPX, SPD, LNK are status. */
#define W5500_PHY_RST 0x80
#define W5500_PHY_CONFIG 0xF8
#define W5500_PHY_RESET_VALUE 0xB8 /* RST=1, OPMD=0, OPMDC=111 (all capable, auto) */
#define W5500_PHY_UP 0x07          /* 100 Mb/s full duplex, link up */

/* ---- sockets and memory (docs/w5100-w5500.md §6.4) ---- */
#define W5500_SOCKETS 8
#define W5500_Sn_RXBUF_SIZE 0x1E
#define W5500_Sn_TXBUF_SIZE 0x1F
#define W5500_MEM_KB 16

/* ---- buffer sizes ----------------------------------------------------------- */

static bool valid_kb(uint8_t kb)
{
    return kb == 0 || kb == 1 || kb == 2 || kb == 4 || kb == 8 || kb == 16;
}

/*
 * Memory is allocated in socket order, as on the W5100 (the datasheet gives
 * only the per-direction sum); a socket whose block would pass the 16 KiB end
 * gets none. OPEN refuses an over-committed configuration (open_check).
 */
static uint16_t seq_size(const struct wf_sim_chip *m, unsigned sn, uint8_t reg)
{
    unsigned used = 0;
    for (unsigned i = 0; i < sn; i++) {
        used += m->sock[i].reg[reg];
    }
    unsigned kb = m->sock[sn].reg[reg];
    return used + kb > W5500_MEM_KB ? 0 : (uint16_t)(kb * 1024u);
}

static uint16_t seq_base(const struct wf_sim_chip *m, unsigned sn, uint8_t reg)
{
    unsigned base = 0;
    for (unsigned i = 0; i < sn; i++) {
        base += seq_size(m, i, reg);
    }
    return (uint16_t)base;
}

static uint16_t w5500_tx_size(const struct wf_sim_chip *m, unsigned sn)
{
    return seq_size(m, sn, W5500_Sn_TXBUF_SIZE);
}

static uint16_t w5500_rx_size(const struct wf_sim_chip *m, unsigned sn)
{
    return seq_size(m, sn, W5500_Sn_RXBUF_SIZE);
}

static uint16_t w5500_tx_base(const struct wf_sim_chip *m, unsigned sn)
{
    return seq_base(m, sn, W5500_Sn_TXBUF_SIZE);
}

static uint16_t w5500_rx_base(const struct wf_sim_chip *m, unsigned sn)
{
    return seq_base(m, sn, W5500_Sn_RXBUF_SIZE);
}

static const char *w5500_open_check(const struct wf_sim_chip *m)
{
    unsigned tx = 0, rx = 0;
    for (unsigned sn = 0; sn < W5500_SOCKETS; sn++) {
        tx += m->sock[sn].reg[W5500_Sn_TXBUF_SIZE];
        rx += m->sock[sn].reg[W5500_Sn_RXBUF_SIZE];
    }
    if (tx > W5500_MEM_KB || rx > W5500_MEM_KB) {
        return "OPEN with buffer sizes summing past 16 KiB";
    }
    return NULL;
}

static void w5500_reset(struct wf_sim_chip *m)
{
    m->common[W5500_RTR] = 0x07;
    m->common[W5500_RTR + 1] = 0xD0;
    m->common[W5500_RCR] = 0x08;
    m->common[W5500_PTIMER] = 0x28;
    m->common[W5500_PHYCFGR] = W5500_PHY_RESET_VALUE;
    m->common[W5500_VERSIONR] = W5500_VERSION;
    for (unsigned sn = 0; sn < W5500_SOCKETS; sn++) {
        m->sock[sn].reg[W5500_Sn_RXBUF_SIZE] = 2;
        m->sock[sn].reg[W5500_Sn_TXBUF_SIZE] = 2;
        m->sock[sn].reg[W5500_Sn_IMR] = 0xFF; /* every socket interrupt unmasked */
    }
}

/* INTn (datasheet 2.2, 3.1: IMR, SIMR, Sn_IMR): low while a common interrupt
 * enabled in IMR is set, or a socket enabled in SIMR has a Sn_IR bit set that
 * its Sn_IMR enables. The caller brings the sockets up to date first. */
static bool w5500_int_asserted(struct wf_sim_chip *m)
{
    if (m->common[W5500_IR] & m->common[W5500_IMR] & W5500_IR_WRITABLE) {
        return true;
    }
    for (unsigned sn = 0; sn < W5500_SOCKETS; sn++) {
        if ((m->common[W5500_SIMR] >> sn) & 1u && (m->sock[sn].ir & m->sock[sn].reg[W5500_Sn_IMR])) {
            return true;
        }
    }
    return false;
}

/* ---- common registers ------------------------------------------------------- */

static bool common_reserved(uint16_t addr)
{
    return (addr > W5500_PHYCFGR && addr < W5500_VERSIONR) || addr >= W5500_COMMON_END;
}

static bool common_read_only(uint16_t addr)
{
    /* SIR: bits follow Sn_IR and are cleared there (inferred, docs/w5100-w5500.md §6.2). */
    return addr == W5500_SIR || (addr >= W5500_UIPR && addr < W5500_UPORTR + 2) || addr == W5500_VERSIONR;
}

static uint8_t common_read(struct wf_sim_chip *m, uint16_t addr)
{
    switch (addr) {
    case W5500_MR:
        return sim_read_mr(m);
    case W5500_SIR:
        return sim_socket_irq_bits(m);
    case W5500_PHYCFGR:
        return (uint8_t)((m->common[addr] & W5500_PHY_CONFIG) | (m->link ? W5500_PHY_UP : 0));
    default:
        return m->common[addr];
    }
}

static void common_write(struct wf_sim_chip *m, uint16_t addr, uint8_t v)
{
    if (common_read_only(addr)) {
        sim_violation(m, addr, v, "write to read-only common register");
        return;
    }
    switch (addr) {
    case W5500_MR:
        sim_write_mr(m, v);
        return;
    case W5500_IR:
        m->common[W5500_IR] &= (uint8_t) ~(v & W5500_IR_WRITABLE);
        return;
    case W5500_PHYCFGR:
        /* RST = 0 resets the PHY; the model's PHY is back at once (RST reads 1). */
        m->common[addr] = (uint8_t)((v & W5500_PHY_CONFIG) | W5500_PHY_RST);
        return;
    default:
        m->common[addr] = v;
        return;
    }
}

/* ---- socket registers ------------------------------------------------------- */

static bool w5500_sock_reserved(uint8_t off)
{
    /* No Sn_PROTO (0x14) on the W5500; 0x17..0x1D and 0x30.. do not exist. */
    return off == 0x14 || (off >= 0x17 && off < W5500_Sn_RXBUF_SIZE) || off >= SIM_Sn_REGS;
}

static bool w5500_sock_read_only(uint8_t off)
{
    return off == SIM_Sn_SR || (off >= SIM_Sn_TX_FSR && off < SIM_Sn_TX_WR) || off == SIM_Sn_RX_RSR ||
           off == SIM_Sn_RX_RSR + 1 || off == SIM_Sn_RX_WR || off == SIM_Sn_RX_WR + 1;
}

static bool w5500_sock_write_extra(struct wf_sim_chip *m, unsigned sn, uint8_t off, uint8_t v)
{
    if (off != W5500_Sn_RXBUF_SIZE && off != W5500_Sn_TXBUF_SIZE) {
        return false;
    }
    uint32_t addr = m->var->sock_addr(sn, off);
    if (!valid_kb(v)) {
        sim_violation(m, addr, v, "buffer size not 0, 1, 2, 4, 8 or 16 KiB");
        return true;
    }
    if (v != m->sock[sn].reg[off] && sim_any_socket_open(m)) {
        sim_violation(m, addr, v, "buffer sizes changed while a socket is open");
    }
    m->sock[sn].reg[off] = v;
    return true;
}

static uint32_t block_addr(unsigned bsb, uint16_t off)
{
    return ((uint32_t)bsb << 16) | off;
}

static uint32_t w5500_sock_addr(unsigned sn, uint8_t off)
{
    return block_addr(W5500_BLOCK_REG + 4u * sn, off);
}

/* ---- frame decoder (byte by byte) ---------------------------------------------------------- */

static void count_read(struct wf_sim_chip *m, unsigned bsb, uint16_t off)
{
    uint32_t a = bsb == W5500_BSB_COMMON ? off : 0x400u + (bsb >> 2) * 0x100u + off;
    if ((bsb == W5500_BSB_COMMON && off < 0x400) || (bsb != W5500_BSB_COMMON && off < 0x100)) {
        m->stats.reg_reads[a]++;
    }
}

static uint8_t common_byte(struct wf_sim_chip *m, uint16_t a, bool write, uint8_t in)
{
    if (common_reserved(a)) {
        sim_violation(m, a, write ? in : 0, write ? "write to reserved address" : "read of reserved address");
        return 0;
    }
    if (write) {
        common_write(m, a, in);
        return 0;
    }
    count_read(m, W5500_BSB_COMMON, a);
    return common_read(m, a);
}

/* The first data byte: refuse the frame (spi_dead) or open a socket frame. */
static void frame_begin(struct wf_sim_chip *m, uint16_t off, uint8_t ctl, uint8_t in)
{
    const unsigned bsb = ctl >> 3;
    const bool write = (ctl & W5500_CTL_RWB) != 0;
    if ((ctl & W5500_CTL_OM) != 0) {
        /* FDM needs /SCS tied low; under a driven /SCS this is a framing bug. */
        sim_violation(m, block_addr(bsb, off), ctl, "control byte OM != 00 (fixed-length mode)");
        m->spi_dead = true;
        return;
    }
    if (bsb == W5500_BSB_COMMON) {
        return;
    }
    switch (bsb & 3u) {
    case W5500_BLOCK_REG:
        if (off > 0xFF) {
            sim_violation(m, block_addr(bsb, off), ctl, "access to reserved socket register");
            m->spi_dead = true;
            return;
        }
        sim_sock_begin(m, bsb >> 2);
        return;
    case W5500_BLOCK_TX:
        return;
    case W5500_BLOCK_RX:
        if (write) {
            sim_violation(m, block_addr(bsb, off), in, "write to RX memory");
            m->spi_dead = true;
        }
        return;
    default:
        sim_violation(m, block_addr(bsb, off), ctl, "bad control byte: reserved block select");
        m->spi_dead = true;
        return;
    }
}

/* ---- SPI clock glitch (wf_sim_chip_fault_bit_slip) ---------------------------- */

static uint8_t data_byte(struct wf_sim_chip *m, uint32_t i, uint8_t mosi);

static bool slip_hits(const struct wf_sim_chip *m, unsigned bsb, bool write)
{
    const bool regs = bsb == W5500_BSB_COMMON || (bsb & 3u) == W5500_BLOCK_REG;
    switch (m->slip_target) {
    case WF_SIM_SLIP_REG_READ:
        return regs && !write;
    case WF_SIM_SLIP_REG_WRITE:
        return regs && write;
    case WF_SIM_SLIP_TX_WRITE:
        return (bsb & 3u) == W5500_BLOCK_TX && write;
    default:
        return (bsb & 3u) == W5500_BLOCK_RX && !write;
    }
}

/*
 * Data byte `i` once the chip has missed one SCLK pulse at the start of data
 * byte slip_at: its shift register runs one bit behind the host's. Reads: the
 * host samples the chip's MSB twice, then each byte straddles two of the chip's.
 * Writes: the chip completes its byte i-1 only with the first bit of host byte i;
 * its last byte never completes (/SCS rises after 7 of its bits).
 */
static uint8_t slipped_byte(struct wf_sim_chip *m, uint32_t i, uint8_t mosi, bool write)
{
    const bool first = !m->spi_slipping;
    if (first) {
        m->slip_armed = false;
        m->spi_slipping = true;
        m->stats.bit_slips++;
    }
    if (write) {
        if (!first) {
            (void)data_byte(m, i - 1, (uint8_t)(m->spi_slip_prev << 1 | mosi >> 7));
        }
        m->spi_slip_prev = mosi;
        return 0;
    }
    const uint8_t out = data_byte(m, i, mosi);
    const uint8_t host =
        first ? (uint8_t)((out & 0x80) | out >> 1) : (uint8_t)((m->spi_slip_prev & 1) << 7 | out >> 1);
    m->spi_slip_prev = out;
    return host;
}

/*
 * One byte of a VDM frame: 16-bit offset and control byte (MISO noise: the
 * datasheet does not specify it, so no driver may depend on it;
 * docs/w5100-w5500.md §6.1), then data bytes at
 * offset, offset + 1, ...: a read returns the byte there, a write stores it.
 */
static uint8_t w5500_spi_byte(struct wf_sim_chip *m, uint32_t pos, uint8_t mosi)
{
    if (pos < W5500_HEADER) {
        m->spi_hdr[pos] = mosi;
        return sim_random_byte(m);
    }
    const uint16_t off = (uint16_t)((m->spi_hdr[0] << 8) | m->spi_hdr[1]);
    const uint8_t ctl = m->spi_hdr[2];
    const unsigned bsb = ctl >> 3;
    const bool write = (ctl & W5500_CTL_RWB) != 0;
    const uint32_t i = pos - W5500_HEADER;
    if (i == 0) {
        frame_begin(m, off, ctl, mosi);
    }
    if (m->spi_dead) {
        return 0;
    }
    if (m->spi_slipping || (m->slip_armed && i == m->slip_at && slip_hits(m, bsb, write))) {
        return slipped_byte(m, i, mosi, write);
    }
    return data_byte(m, i, mosi);
}

/* Data byte `i` of the frame in progress, as the chip takes it (`mosi`) and
 * answers it (MISO). */
static uint8_t data_byte(struct wf_sim_chip *m, uint32_t i, uint8_t mosi)
{
    const uint16_t off = (uint16_t)((m->spi_hdr[0] << 8) | m->spi_hdr[1]);
    const uint8_t ctl = m->spi_hdr[2];
    const unsigned bsb = ctl >> 3;
    const bool write = (ctl & W5500_CTL_RWB) != 0;
    const uint16_t p = (uint16_t)(off + i);
    if (bsb == W5500_BSB_COMMON) {
        return common_byte(m, p, write, mosi);
    }
    const unsigned sn = bsb >> 2;
    switch (bsb & 3u) {
    case W5500_BLOCK_REG:
        if (!write && off + i < 0x100) {
            count_read(m, bsb, p);
        }
        return sim_sock_byte(m, sn, off + i, write, mosi);
    case W5500_BLOCK_TX:
        if (write) {
            sim_tx_mem_write(m, sn, p, mosi, block_addr(bsb, p));
            return 0;
        }
        return sim_tx_mem_read(m, sn, p); /* allowed, if pointless */
    default:                              /* W5500_BLOCK_RX, reads only (frame_begin) */
        return sim_rx_mem_read(m, sn, p, block_addr(bsb, p));
    }
}

static void w5500_spi_end(struct wf_sim_chip *m, uint32_t len)
{
    if (len == 0) {
        return; /* /SCS pulsed with no clock: nothing was shifted, the chip saw nothing */
    }
    if (len <= W5500_HEADER) {
        uint32_t a =
            len >= 3 ? block_addr(m->spi_hdr[2] >> 3, (uint16_t)((m->spi_hdr[0] << 8) | m->spi_hdr[1])) : 0;
        sim_violation(m, a, len, "short frame");
        return;
    }
    if (m->spi_sock) {
        sim_sock_end(m, m->spi_hdr[2] >> 5);
    }
}

const struct sim_variant sim_w5500 = {
    .name = "W5500",
    .sockets = W5500_SOCKETS,
    .arp_status = false, /* no SOCK_ARP on the W5500: SYNSENT covers ARP */
    .rtr = W5500_RTR,
    .rcr = W5500_RCR,
    .reset = w5500_reset,
    .spi_byte = w5500_spi_byte,
    .spi_end = w5500_spi_end,
    .tx_size = w5500_tx_size,
    .rx_size = w5500_rx_size,
    .tx_base = w5500_tx_base,
    .rx_base = w5500_rx_base,
    .sock_reserved = w5500_sock_reserved,
    .sock_read_only = w5500_sock_read_only,
    .sock_write_extra = w5500_sock_write_extra,
    .open_check = w5500_open_check,
    .sock_addr = w5500_sock_addr,
    .int_asserted = w5500_int_asserted,
};
