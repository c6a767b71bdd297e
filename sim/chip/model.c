/*
 * W5100 model, SPI side: frames, the register files, buffer memory, soft
 * reset, and the public inspection/configuration API. Socket commands and the
 * host network live in model_net.c.
 *
 * Command acceptance: a command written to Sn_CR is accepted after 1..4
 * (seeded) further SPI frames that touch that socket's register block; the
 * frame that sees the last count still reads the command, the next one reads 0.
 * So every driver must poll Sn_CR at least once and see it non-zero.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_internal.h"

/* ---- small helpers ------------------------------------------------------ */

uint16_t sim_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t sim_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

uint16_t sim_sock_addr(unsigned sn, uint8_t off)
{
    return (uint16_t)(W5100_Sn_BASE + sn * 0x100u + off);
}

void sim_violation(struct wf_sim_chip *m, uint16_t addr, uint32_t value, const char *fmt, ...)
{
    if (m->nviolations < SIM_MAX_VIOLATIONS) {
        struct wf_sim_chip_violation *v = &m->violations[m->nviolations];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->what, sizeof v->what, fmt, ap);
        va_end(ap);
        v->addr = addr;
        v->value = value;
    }
    m->nviolations++;
}

static uint32_t monotonic_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

uint32_t sim_now(const struct wf_sim_chip *m)
{
    return m->millis(m->clock_ctx);
}

/* xorshift64* seeded through splitmix64, so seed 0 is as good as any other. */
static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint32_t sim_rand(struct wf_sim_chip *m, uint32_t below)
{
    m->rng ^= m->rng >> 12;
    m->rng ^= m->rng << 25;
    m->rng ^= m->rng >> 27;
    uint64_t r = m->rng * 0x2545F4914F6CDD1Dull;
    return below ? (uint32_t)((r >> 32) % below) : 0;
}

/* ---- memory layout (facts 2, 4.2) --------------------------------------- */

/*
 * Sizes are allocated sequentially from socket 0; a socket whose block would
 * pass the 8 KiB end gets no memory ([?] in the facts: the safer reading, since
 * a driver relying on anything else would misaddress the buffer).
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

uint16_t sim_tx_size(const struct wf_sim_chip *m, unsigned sn)
{
    return msr_size(m->common[W5100_TMSR], sn);
}

uint16_t sim_rx_size(const struct wf_sim_chip *m, unsigned sn)
{
    return msr_size(m->common[W5100_RMSR], sn);
}

uint16_t sim_tx_base(const struct wf_sim_chip *m, unsigned sn)
{
    return msr_base(m->common[W5100_TMSR], sn);
}

uint16_t sim_rx_base(const struct wf_sim_chip *m, unsigned sn)
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

/* ---- reset -------------------------------------------------------------- */

/* Power-on / soft-reset state: registers only; faults, map, stats stay. */
static void chip_reset(struct wf_sim_chip *m)
{
    for (unsigned sn = 0; sn < W5100_SOCKETS; sn++) {
        sim_sock_release(&m->sock[sn]);
        sim_sock_init(&m->sock[sn]);
    }
    memset(m->common, 0, sizeof m->common);
    m->common[W5100_RTR] = 0x07;
    m->common[W5100_RTR + 1] = 0xD0;
    m->common[W5100_RCR] = 0x08;
    m->common[W5100_RMSR] = 0x55;
    m->common[W5100_TMSR] = 0x55;
    m->common[W5100_PTIMER] = 0x28;
    memset(m->tx_mem, 0, sizeof m->tx_mem);
    memset(m->rx_mem, 0, sizeof m->rx_mem);
    m->mr_reset_frames = 0;
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

static void pump_all(struct wf_sim_chip *m)
{
    for (unsigned sn = 0; sn < W5100_SOCKETS; sn++) {
        sim_pump(m, sn);
    }
}

static uint8_t common_read(struct wf_sim_chip *m, uint16_t addr)
{
    if (addr == W5100_MR) {
        return m->mr_reset_frames ? (uint8_t)(m->common[W5100_MR] | W5100_MR_RST) : m->common[W5100_MR];
    }
    if (addr == W5100_IR) {
        /* IR.Sn_INT follows Sn_IR ([?] exact coupling; any set Sn_IR bit shows). */
        pump_all(m);
        uint8_t ir = m->common[W5100_IR] & (uint8_t)~W5100_IR_SOCKETS;
        for (unsigned sn = 0; sn < W5100_SOCKETS; sn++) {
            if (m->sock[sn].ir) {
                ir |= (uint8_t)(1u << sn);
            }
        }
        return ir;
    }
    return m->common[addr];
}

static bool any_socket_open(const struct wf_sim_chip *m)
{
    for (unsigned sn = 0; sn < W5100_SOCKETS; sn++) {
        if (m->sock[sn].sr != W5100_SOCK_CLOSED) {
            return true;
        }
    }
    return false;
}

static void common_write(struct wf_sim_chip *m, uint16_t addr, uint8_t v)
{
    if (common_read_only(addr)) {
        sim_violation(m, addr, v, "write to read-only common register");
        return;
    }
    switch (addr) {
    case W5100_MR:
        if (v & W5100_MR_RST) {
            chip_reset(m);
            /* The bit self-clears after a few frames, not instantly (facts 2). */
            m->mr_reset_frames = (uint8_t)(2 + sim_rand(m, 4));
            return;
        }
        m->common[W5100_MR] = v;
        return;
    case W5100_IR:
        m->common[W5100_IR] &= (uint8_t) ~(v & ~W5100_IR_SOCKETS);
        return;
    case W5100_RMSR:
    case W5100_TMSR:
        if (v != m->common[addr] && any_socket_open(m)) {
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

static bool sock_reserved(uint8_t off)
{
    return (off >= 0x17 && off < W5100_Sn_TX_FSR) || off >= W5100_Sn_REGS;
}

static bool sock_read_only(uint8_t off)
{
    return off == W5100_Sn_SR || (off >= W5100_Sn_TX_FSR && off < W5100_Sn_TX_WR) || off == W5100_Sn_RX_RSR ||
           off == W5100_Sn_RX_RSR + 1;
}

static uint8_t hi(uint16_t v)
{
    return (uint8_t)(v >> 8);
}

static uint8_t lo(uint16_t v)
{
    return (uint8_t)v;
}

/*
 * The MSB read of a 16-bit counter: pump first (the driver is polling), then,
 * with probability tear_rate, let the network move between the MSB and the LSB
 * frames so that the pair comes from two different values.
 */
static uint8_t counter_msb(struct wf_sim_chip *m, unsigned sn, bool rx)
{
    struct sim_sock *s = &m->sock[sn];
    sim_pump(m, sn);
    uint16_t before = rx ? s->rsr : sim_tx_fsr(m, sn);
    if (sim_rand(m, 100) < m->tear_rate) {
        sim_tear(m, sn, rx);
        uint16_t after = rx ? s->rsr : sim_tx_fsr(m, sn);
        if (after != before) {
            m->stats.torn_reads++;
        }
    }
    return hi(before);
}

static uint8_t sock_read(struct wf_sim_chip *m, unsigned sn, uint8_t off)
{
    struct sim_sock *s = &m->sock[sn];
    switch (off) {
    case W5100_Sn_CR:
        sim_pump(m, sn);
        return s->cr;
    case W5100_Sn_IR:
        sim_pump(m, sn);
        return s->ir;
    case W5100_Sn_SR:
        sim_pump(m, sn);
        s->net_changed = false;
        return s->sr;
    case W5100_Sn_TX_FSR:
        return counter_msb(m, sn, false);
    case W5100_Sn_TX_FSR + 1:
        return lo(sim_tx_fsr(m, sn));
    case W5100_Sn_TX_RD:
        return hi(s->tx_rd);
    case W5100_Sn_TX_RD + 1:
        return lo(s->tx_rd);
    case W5100_Sn_TX_WR:
        return hi(s->tx_wr);
    case W5100_Sn_TX_WR + 1:
        return lo(s->tx_wr);
    case W5100_Sn_RX_RSR:
        return counter_msb(m, sn, true);
    case W5100_Sn_RX_RSR + 1:
        return lo(s->rsr);
    case W5100_Sn_RX_RD:
        return hi(s->rx_rd);
    case W5100_Sn_RX_RD + 1:
        return lo(s->rx_rd);
    default:
        return s->reg[off];
    }
}

static uint16_t set_byte(uint16_t v, bool msb, uint8_t b)
{
    return msb ? (uint16_t)((v & 0x00FF) | (b << 8)) : (uint16_t)((v & 0xFF00) | b);
}

static void sock_write(struct wf_sim_chip *m, unsigned sn, uint8_t off, uint8_t v)
{
    struct sim_sock *s = &m->sock[sn];
    uint16_t addr = sim_sock_addr(sn, off);
    if (sock_read_only(off)) {
        sim_violation(m, addr, v, "write to read-only socket register");
        return;
    }
    switch (off) {
    case W5100_Sn_CR:
        if (s->cr) {
            sim_violation(m, addr, v, "command while Sn_CR busy");
        } else if (v) {
            s->cr = v;
            s->cr_frames = (uint8_t)(1 + sim_rand(m, 4));
        }
        return;
    case W5100_Sn_IR:
        s->ir &= (uint8_t)~v;
        return;
    case W5100_Sn_TX_WR:
    case W5100_Sn_TX_WR + 1:
        s->tx_wr = set_byte(s->tx_wr, off == W5100_Sn_TX_WR, v);
        return;
    case W5100_Sn_RX_RD:
    case W5100_Sn_RX_RD + 1:
        s->rx_rd = set_byte(s->rx_rd, off == W5100_Sn_RX_RD, v);
        return;
    default:
        s->reg[off] = v;
        return;
    }
}

/*
 * One frame addressed to a socket block. While a command is latched every
 * access other than Sn_CR is a violation, and each frame counts towards the
 * command's acceptance (which takes effect after the frame).
 */
static uint8_t sock_frame(struct wf_sim_chip *m, uint16_t addr, bool write, uint8_t v)
{
    unsigned sn = (addr - W5100_Sn_BASE) >> 8;
    uint8_t off = (uint8_t)addr;
    struct sim_sock *s = &m->sock[sn];
    bool pending = s->cr != 0;
    uint8_t out = 0;

    if (pending && off != W5100_Sn_CR) {
        sim_violation(m, addr, s->cr, "socket register access before Sn_CR cleared");
    }
    if (sock_reserved(off)) {
        sim_violation(m, addr, v, "access to reserved socket register");
    } else if (write) {
        sock_write(m, sn, off, v);
    } else {
        out = sock_read(m, sn, off);
    }
    if (pending && --s->cr_frames == 0) {
        sim_accept_command(m, sn);
    }
    return out;
}

/* ---- buffer memory ------------------------------------------------------ */

/* Distance of ring offset `phys` from pointer `ptr` in a ring of `size`. */
static uint16_t ring_distance(uint16_t phys, uint16_t ptr, uint16_t size)
{
    return (uint16_t)((phys - (ptr & (size - 1))) & (size - 1));
}

static void tx_mem_write(struct wf_sim_chip *m, uint16_t addr, uint8_t v)
{
    uint16_t off = (uint16_t)(addr - W5100_TX_MEM);
    int sn = mem_owner(m->common[W5100_TMSR], off);
    if (sn < 0) {
        sim_violation(m, addr, v, "write to unallocated TX memory");
        return;
    }
    uint16_t size = sim_tx_size(m, (unsigned)sn);
    uint16_t d = ring_distance((uint16_t)(off - sim_tx_base(m, (unsigned)sn)), m->sock[sn].tx_end, size);
    uint16_t fsr = sim_tx_fsr(m, (unsigned)sn);
    if (d >= fsr) {
        sim_violation(m, addr, fsr, "TX write past TX_FSR");
    }
    m->tx_mem[off] = v;
    m->stats.tx_mem_writes++;
}

static uint8_t rx_mem_read(struct wf_sim_chip *m, uint16_t addr)
{
    uint16_t off = (uint16_t)(addr - W5100_RX_MEM);
    int sn = mem_owner(m->common[W5100_RMSR], off);
    if (sn < 0) {
        sim_violation(m, addr, 0, "read of unallocated RX memory");
        return 0;
    }
    const struct sim_sock *s = &m->sock[sn];
    uint16_t d = ring_distance((uint16_t)(off - sim_rx_base(m, (unsigned)sn)), s->rx_done,
                               sim_rx_size(m, (unsigned)sn));
    if (d >= s->rsr) {
        sim_violation(m, addr, s->rsr, "RX read past RX_RSR");
    }
    m->stats.rx_mem_reads++;
    return m->rx_mem[off];
}

/* ---- frame dispatch ----------------------------------------------------- */

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
        return sock_frame(m, addr, write, v);
    }
    if (addr >= W5100_TX_MEM && addr < W5100_RX_MEM) {
        if (!write) {
            return m->tx_mem[addr - W5100_TX_MEM]; /* allowed, if pointless */
        }
        tx_mem_write(m, addr, v);
        return 0;
    }
    if (addr >= W5100_RX_MEM && addr < W5100_MEM_END) {
        if (write) {
            sim_violation(m, addr, v, "write to RX memory");
            return 0;
        }
        return rx_mem_read(m, addr);
    }
    sim_violation(m, addr, v, write ? "write to reserved address" : "read of reserved address");
    return 0;
}

static void count_read(struct wf_sim_chip *m, uint16_t addr)
{
    if (addr < W5100_Sn_END) {
        m->stats.reg_reads[addr]++;
    }
}

int wf_sim_chip_spi_frame(struct wf_sim_chip *m, const uint8_t *tx, uint8_t *rx, size_t len)
{
    m->stats.frames++;
    m->stats.bytes += len;
    if (m->reset_pin || m->absent) {
        memset(rx, m->reset_pin ? 0x00 : m->absent_miso, len);
        return 0;
    }
    memset(rx, 0xFF, len);
    for (size_t i = 0; i < len && i < 3; i++) {
        rx[i] = (uint8_t)i;
    }
    if (len < W5100_FRAME_LEN) {
        uint16_t addr = len >= 3 ? (uint16_t)((tx[1] << 8) | tx[2]) : 0;
        sim_violation(m, addr, (uint32_t)len, "short frame");
        return 0;
    }
    uint16_t addr = (uint16_t)((tx[1] << 8) | tx[2]);
    if (len > W5100_FRAME_LEN) {
        /* Bytes past the 4th are ignored; the first 4 are still a frame. */
        sim_violation(m, addr, (uint32_t)len, "CS held across frames");
    }
    if (m->mr_reset_frames) {
        m->mr_reset_frames--;
    }
    if (tx[0] == W5100_OP_READ) {
        count_read(m, addr);
        rx[3] = chip_access(m, addr, false, 0);
    } else if (tx[0] == W5100_OP_WRITE) {
        chip_access(m, addr, true, tx[3]);
        rx[3] = 0x03;
    } else {
        sim_violation(m, addr, tx[0], "unknown SPI opcode");
    }
    return 0;
}

/* ---- life cycle and configuration --------------------------------------- */

struct wf_sim_chip *wf_sim_chip_new(uint64_t seed)
{
    struct wf_sim_chip *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return NULL;
    }
    m->rng = splitmix64(seed) | 1u; /* xorshift must not start at 0 */
    m->tear_rate = 25;
    m->millis = monotonic_ms;
    for (unsigned sn = 0; sn < W5100_SOCKETS; sn++) {
        sim_sock_init(&m->sock[sn]);
    }
    chip_reset(m);
    return m;
}

void wf_sim_chip_free(struct wf_sim_chip *m)
{
    if (m == NULL) {
        return;
    }
    for (unsigned sn = 0; sn < W5100_SOCKETS; sn++) {
        sim_sock_release(&m->sock[sn]);
    }
    free(m);
}

void wf_sim_chip_reset_pin(struct wf_sim_chip *m, bool asserted)
{
    if (asserted || m->reset_pin) {
        chip_reset(m);
    }
    m->reset_pin = asserted;
}

void wf_sim_chip_set_clock(struct wf_sim_chip *m, uint32_t (*millis)(void *ctx), void *ctx)
{
    m->millis = millis ? millis : monotonic_ms;
    m->clock_ctx = ctx;
    m->rx_rate_ms = sim_now(m);
}

int wf_sim_chip_map(struct wf_sim_chip *m, uint32_t vip, uint16_t vport, uint32_t host_ip, uint16_t host_port)
{
    if (m->nrules >= SIM_MAX_RULES) {
        return -1;
    }
    m->rules[m->nrules++] = (struct sim_rule){vip, vport, host_ip, host_port};
    return 0;
}

void wf_sim_chip_fault_absent(struct wf_sim_chip *m, bool absent, uint8_t miso)
{
    m->absent = absent;
    m->absent_miso = miso;
}

static void add_fault_ip(uint32_t *list, size_t *n, uint32_t vip)
{
    if (*n < SIM_MAX_FAULT_IPS) {
        list[(*n)++] = vip;
    }
}

void wf_sim_chip_fault_unreachable(struct wf_sim_chip *m, uint32_t vip)
{
    add_fault_ip(m->unreachable, &m->nunreachable, vip);
}

void wf_sim_chip_fault_blackhole(struct wf_sim_chip *m, uint32_t vip)
{
    add_fault_ip(m->blackhole, &m->nblackhole, vip);
}

void wf_sim_chip_fault_reset_after(struct wf_sim_chip *m, uint32_t rx_bytes)
{
    m->reset_after_armed = true;
    m->reset_after = rx_bytes;
}

void wf_sim_chip_fault_rx_rate(struct wf_sim_chip *m, uint32_t bytes_per_ms)
{
    m->rx_rate = bytes_per_ms;
    m->rx_tokens = 0;
    m->rx_rate_ms = sim_now(m);
}

void wf_sim_chip_fault_udp_drop(struct wf_sim_chip *m, unsigned rx, unsigned tx)
{
    m->udp_drop_rx = rx;
    m->udp_drop_tx = tx;
}

void wf_sim_chip_set_tear_rate(struct wf_sim_chip *m, unsigned percent)
{
    m->tear_rate = percent > 100 ? 100 : percent;
}

/* ---- inspection --------------------------------------------------------- */

const struct wf_sim_chip_stats *wf_sim_chip_stats(const struct wf_sim_chip *m)
{
    return &m->stats;
}

void wf_sim_chip_stats_reset(struct wf_sim_chip *m)
{
    memset(&m->stats, 0, sizeof m->stats);
}

size_t wf_sim_chip_violation_count(const struct wf_sim_chip *m)
{
    return m->nviolations;
}

const struct wf_sim_chip_violation *wf_sim_chip_violation(const struct wf_sim_chip *m, size_t i)
{
    size_t kept = m->nviolations < SIM_MAX_VIOLATIONS ? m->nviolations : SIM_MAX_VIOLATIONS;
    return i < kept ? &m->violations[i] : NULL;
}

void wf_sim_chip_print_violations(const struct wf_sim_chip *m, FILE *out)
{
    for (size_t i = 0; wf_sim_chip_violation(m, i) != NULL; i++) {
        const struct wf_sim_chip_violation *v = &m->violations[i];
        fprintf(out, "violation: %s (addr 0x%04x, value 0x%x)\n", v->what, v->addr, (unsigned)v->value);
    }
    if (m->nviolations > SIM_MAX_VIOLATIONS) {
        fprintf(out, "violation: ... %zu more not kept\n", m->nviolations - SIM_MAX_VIOLATIONS);
    }
}

void wf_sim_chip_clear_violations(struct wf_sim_chip *m)
{
    m->nviolations = 0;
}

uint8_t wf_sim_chip_peek_status(const struct wf_sim_chip *m, unsigned sn)
{
    return sn < W5100_SOCKETS ? m->sock[sn].sr : 0;
}
