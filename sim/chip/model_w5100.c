/*
 * W5100 variant of the chip model: the fixed 4-byte frame, the flat 16-bit
 * address map (common 0x0000, sockets 0x0400 + n*0x100, TX 0x4000, RX 0x6000)
 * and RMSR/TMSR buffer allocation. Facts: docs/w5100-w5500.md §1-§5.
 */
#include "model_internal.h"

/* ---- SPI frame (docs/w5100-w5500.md §1.1) ---- */
#define W5100_OP_WRITE 0xF0
#define W5100_OP_READ 0x0F
#define W5100_FRAME_LEN 4

/* ---- common registers (docs/w5100-w5500.md §2) ---- */
#define W5100_MR 0x0000
#define W5100_IR 0x0015
#define W5100_RTR 0x0017
#define W5100_RCR 0x0019
#define W5100_RMSR 0x001A
#define W5100_TMSR 0x001B
#define W5100_PATR 0x001C
#define W5100_PTIMER 0x0028
#define W5100_UIPR 0x002A
#define W5100_COMMON_END 0x0030
#define W5100_IR_SOCKETS 0x0F

/* ---- map (docs/w5100-w5500.md §3.1, §4.1) ---- */
#define W5100_SOCKETS 4
#define W5100_Sn_BASE 0x0400
#define W5100_Sn_END 0x0800
#define W5100_TX_MEM 0x4000
#define W5100_RX_MEM 0x6000
#define W5100_MEM_SIZE 0x2000
#define W5100_MEM_END 0x8000

/* ---- memory layout (docs/w5100-w5500.md §4.2) ------------------------------ */

/*
 * Sizes are allocated sequentially from socket 0; a socket whose block would
 * pass the 8 KiB end gets no memory (inferred, docs/w5100-w5500.md §4.2: the
 * safer reading, since a driver relying on anything else would misaddress the
 * buffer).
 */
static uint16_t msr_size(uint8_t msr, unsigned sn)
{
    unsigned used = 0;
    for (unsigned i = 0; i <= sn; i++) {
        unsigned size = 1024u << ((msr >> (2 * i)) & 3u);
        if (used + size > W5100_MEM_SIZE) {
            return 0;
        }
        if (i == sn) {
            return (uint16_t)size;
        }
        used += size;
    }
    return 0;
}

static uint16_t msr_base(uint8_t msr, unsigned sn)
{
    unsigned base = 0;
    for (unsigned i = 0; i < sn; i++) {
        base += msr_size(msr, i);
    }
    return (uint16_t)base;
}

static uint16_t w5100_tx_size(const struct wf_sim_chip *m, unsigned sn)
{
    return msr_size(m->common[W5100_TMSR], sn);
}

static uint16_t w5100_rx_size(const struct wf_sim_chip *m, unsigned sn)
{
    return msr_size(m->common[W5100_RMSR], sn);
}

static uint16_t w5100_tx_base(const struct wf_sim_chip *m, unsigned sn)
{
    return msr_base(m->common[W5100_TMSR], sn);
}

static uint16_t w5100_rx_base(const struct wf_sim_chip *m, unsigned sn)
{
    return msr_base(m->common[W5100_RMSR], sn);
}

/* Which socket owns offset `off` of the TX (or RX) memory; -1 if none. */
static int mem_owner(uint8_t msr, uint16_t off)
{
    for (unsigned sn = 0; sn < W5100_SOCKETS; sn++) {
        uint16_t base = msr_base(msr, sn), size = msr_size(msr, sn);
        if (size && off >= base && off < base + size) {
            return (int)sn;
        }
    }
    return -1;
}

static void w5100_reset(struct wf_sim_chip *m)
{
    m->common[W5100_RTR] = 0x07;
    m->common[W5100_RTR + 1] = 0xD0;
    m->common[W5100_RCR] = 0x08;
    m->common[W5100_RMSR] = 0x55;
    m->common[W5100_TMSR] = 0x55;
    m->common[W5100_PTIMER] = 0x28;
}

/* ---- common registers --------------------------------------------------- */

static bool common_reserved(uint16_t addr)
{
    return addr == 0x13 || addr == 0x14 || (addr >= 0x1E && addr <= 0x27);
}

static bool common_read_only(uint16_t addr)
{
    return addr == W5100_PATR || addr == W5100_PATR + 1 || (addr >= W5100_UIPR && addr < W5100_COMMON_END);
}

static uint8_t common_read(struct wf_sim_chip *m, uint16_t addr)
{
    if (addr == W5100_MR) {
        return sim_read_mr(m);
    }
    if (addr == W5100_IR) {
        /* IR.Sn_INT follows Sn_IR (exact coupling inferred, docs/w5100-w5500.md §3.4;
         * any set Sn_IR bit shows). */
        uint8_t sockets = sim_socket_irq_bits(m);
        return (uint8_t)((m->common[W5100_IR] & (uint8_t)~W5100_IR_SOCKETS) | sockets);
    }
    return m->common[addr];
}

static void common_write(struct wf_sim_chip *m, uint16_t addr, uint8_t v)
{
    if (common_read_only(addr)) {
        sim_violation(m, addr, v, "write to read-only common register");
        return;
    }
    switch (addr) {
    case W5100_MR:
        sim_write_mr(m, v);
        return;
    case W5100_IR:
        m->common[W5100_IR] &= (uint8_t) ~(v & ~W5100_IR_SOCKETS);
        return;
    case W5100_RMSR:
    case W5100_TMSR:
        if (v != m->common[addr] && sim_any_socket_open(m)) {
            sim_violation(m, addr, v, "buffer sizes changed while a socket is open");
        }
        m->common[addr] = v;
        return;
    default:
        m->common[addr] = v;
        return;
    }
}

/* ---- socket registers --------------------------------------------------- */

static bool w5100_sock_reserved(uint8_t off)
{
    /* 0x2A.. (Sn_RX_WR) is uncertain on the W5100: treated as reserved (docs/w5100-w5500.md §3.1). */
    return (off >= 0x17 && off < SIM_Sn_TX_FSR) || off >= SIM_Sn_RX_WR;
}

static bool w5100_sock_read_only(uint8_t off)
{
    return off == SIM_Sn_SR || (off >= SIM_Sn_TX_FSR && off < SIM_Sn_TX_WR) || off == SIM_Sn_RX_RSR ||
           off == SIM_Sn_RX_RSR + 1;
}

static uint32_t w5100_sock_addr(unsigned sn, uint8_t off)
{
    return W5100_Sn_BASE + sn * 0x100u + off;
}

/* ---- frame decoder ----------------------------------------------------- */

static uint8_t chip_access(struct wf_sim_chip *m, uint16_t addr, bool write, uint8_t v)
{
    if (addr < W5100_COMMON_END && !common_reserved(addr)) {
        if (!write) {
            return common_read(m, addr);
        }
        common_write(m, addr, v);
        return 0;
    }
    if (addr >= W5100_Sn_BASE && addr < W5100_Sn_END) {
        unsigned sn = (addr - W5100_Sn_BASE) >> 8;
        sim_sock_begin(m, sn);
        uint8_t out = sim_sock_byte(m, sn, (uint8_t)addr, write, v);
        sim_sock_end(m, sn);
        return out;
    }
    if (addr >= W5100_TX_MEM && addr < W5100_RX_MEM) {
        uint16_t off = (uint16_t)(addr - W5100_TX_MEM);
        int sn = mem_owner(m->common[W5100_TMSR], off);
        if (!write) {
            return m->tx_mem[off]; /* allowed, if pointless */
        }
        if (sn < 0) {
            sim_violation(m, addr, v, "write to unallocated TX memory");
            return 0;
        }
        sim_tx_mem_write(m, (unsigned)sn, (uint16_t)(off - w5100_tx_base(m, (unsigned)sn)), v, addr);
        return 0;
    }
    if (addr >= W5100_RX_MEM && addr < W5100_MEM_END) {
        if (write) {
            sim_violation(m, addr, v, "write to RX memory");
            return 0;
        }
        uint16_t off = (uint16_t)(addr - W5100_RX_MEM);
        int sn = mem_owner(m->common[W5100_RMSR], off);
        if (sn < 0) {
            sim_violation(m, addr, 0, "read of unallocated RX memory");
            return 0;
        }
        return sim_rx_mem_read(m, (unsigned)sn, (uint16_t)(off - w5100_rx_base(m, (unsigned)sn)), addr);
    }
    sim_violation(m, addr, v, write ? "write to reserved address" : "read of reserved address");
    return 0;
}

/*
 * One byte of a frame. MISO: 0x00, 0x01, 0x02 during the opcode and address,
 * then the read data (0x03 for a write); bytes past the 4th are ignored and
 * read 0xFF. The access happens on the 4th byte; length rules at the end.
 */
static uint8_t w5100_spi_byte(struct wf_sim_chip *m, uint32_t pos, uint8_t mosi)
{
    if (pos < 3) {
        m->spi_hdr[pos] = mosi;
        return (uint8_t)pos;
    }
    if (pos > 3) {
        return 0xFF; /* "CS held across frames", recorded at the end */
    }
    const uint8_t op = m->spi_hdr[0];
    const uint16_t addr = (uint16_t)((m->spi_hdr[1] << 8) | m->spi_hdr[2]);
    if (op == W5100_OP_READ) {
        if (addr < sizeof m->stats.reg_reads / sizeof m->stats.reg_reads[0]) {
            m->stats.reg_reads[addr]++;
        }
        return chip_access(m, addr, false, 0);
    }
    if (op == W5100_OP_WRITE) {
        chip_access(m, addr, true, mosi);
        return 0x03;
    }
    if (op != 0x00) {
        sim_violation(m, addr, op, "unknown SPI opcode");
    }
    return 0xFF; /* 0x00: decided at the end (a W5500 probe if exactly 4 bytes) */
}

static void w5100_spi_end(struct wf_sim_chip *m, uint32_t len)
{
    uint16_t addr = (uint16_t)((m->spi_hdr[1] << 8) | m->spi_hdr[2]);
    if (len == 0) {
        return; /* /SCS pulsed with no clock: nothing was shifted, the chip saw nothing */
    }
    if (len < W5100_FRAME_LEN) {
        sim_violation(m, len >= 3 ? addr : 0, len, "short frame");
        return;
    }
    if (len > W5100_FRAME_LEN) {
        /* Bytes past the 4th are ignored; the first 4 were still a frame. */
        sim_violation(m, addr, len, "CS held across frames");
    }
    if (m->spi_hdr[0] == 0x00) {
        if (len == W5100_FRAME_LEN) {
            /* A single-byte W5500 frame to a common register (auto-detection
             * probes the W5500 first): no W5100 opcode, so the chip does
             * nothing and /SCS going high ends it (docs/w5100-w5500.md §5.8). Not a driver
             * error. */
            m->stats.foreign_frames++;
        } else {
            sim_violation(m, addr, 0x00, "unknown SPI opcode");
        }
    }
}

const struct sim_variant sim_w5100 = {
    .name = "W5100",
    .sockets = W5100_SOCKETS,
    .arp_status = true,
    .rtr = W5100_RTR,
    .rcr = W5100_RCR,
    .reset = w5100_reset,
    .spi_byte = w5100_spi_byte,
    .spi_end = w5100_spi_end,
    .tx_size = w5100_tx_size,
    .rx_size = w5100_rx_size,
    .tx_base = w5100_tx_base,
    .rx_base = w5100_rx_base,
    .sock_reserved = w5100_sock_reserved,
    .sock_read_only = w5100_sock_read_only,
    .sock_write_extra = NULL,
    .open_check = NULL,
    .sock_addr = w5100_sock_addr,
};
