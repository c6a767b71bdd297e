/*
 * Chip model, shared SPI-side core: the socket register files, ring memory
 * with its checks, soft reset, and the public inspection/configuration API.
 * The variant files (model_w5100.c, model_w5500.c) decode frames and map
 * addresses onto the functions here; socket commands and the host network
 * live in model_net.c.
 *
 * Command acceptance: a command written to Sn_CR is accepted after 1..4
 * (seeded) further SPI frames that touch that socket's register block; the
 * frame that sees the last count still reads the command, the next one reads 0.
 * So every driver must poll Sn_CR at least once and see it non-zero. A W5500
 * burst is one frame however many registers it covers.
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

uint32_t sim_sock_addr(const struct wf_sim_chip *m, unsigned sn, uint8_t off)
{
    return m->var->sock_addr(sn, off);
}

void sim_violation(struct wf_sim_chip *m, uint32_t addr, uint32_t value, const char *fmt, ...)
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

static uint64_t monotonic_us(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Milliseconds for the protocol timers (RTR/RCR, TIME_WAIT, rate fault). */
uint32_t sim_now(const struct wf_sim_chip *m)
{
    return m->micros ? (uint32_t)(m->micros(m->clock_ctx) / 1000u) : m->millis(m->clock_ctx);
}

/* Microseconds for the wire (SEND timing). A millisecond clock gives whole ms. */
uint64_t sim_now_us(const struct wf_sim_chip *m)
{
    return m->micros ? m->micros(m->clock_ctx) : (uint64_t)m->millis(m->clock_ctx) * 1000u;
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

uint8_t sim_random_byte(struct wf_sim_chip *m)
{
    return (uint8_t)sim_rand(m, 256);
}

/* ---- memory layout: the variant decides -------------------------------- */

uint16_t sim_tx_size(const struct wf_sim_chip *m, unsigned sn)
{
    return m->var->tx_size(m, sn);
}

uint16_t sim_rx_size(const struct wf_sim_chip *m, unsigned sn)
{
    return m->var->rx_size(m, sn);
}

uint16_t sim_tx_base(const struct wf_sim_chip *m, unsigned sn)
{
    return m->var->tx_base(m, sn);
}

uint16_t sim_rx_base(const struct wf_sim_chip *m, unsigned sn)
{
    return m->var->rx_base(m, sn);
}

/* ---- reset -------------------------------------------------------------- */

/* Power-on / soft-reset state: registers only; faults, map, stats, link stay. */
static void chip_reset(struct wf_sim_chip *m)
{
    for (unsigned sn = 0; sn < SIM_MAX_SOCKETS; sn++) {
        sim_sock_release(&m->sock[sn]);
        sim_sock_init(&m->sock[sn]);
    }
    memset(m->common, 0, sizeof m->common);
    memset(m->tx_mem, 0, sizeof m->tx_mem);
    memset(m->rx_mem, 0, sizeof m->rx_mem);
    m->mr_reset_frames = 0;
    m->var->reset(m);
}

/* ---- common registers shared by both maps -------------------------------- */

void sim_pump_all(struct wf_sim_chip *m)
{
    for (unsigned sn = 0; sn < m->var->sockets; sn++) {
        sim_pump(m, sn);
    }
}

bool sim_any_socket_open(const struct wf_sim_chip *m)
{
    for (unsigned sn = 0; sn < m->var->sockets; sn++) {
        if (m->sock[sn].sr != SIM_SOCK_CLOSED) {
            return true;
        }
    }
    return false;
}

uint8_t sim_socket_irq_bits(struct wf_sim_chip *m)
{
    sim_pump_all(m);
    uint8_t bits = 0;
    for (unsigned sn = 0; sn < m->var->sockets; sn++) {
        if (m->sock[sn].ir) {
            bits |= (uint8_t)(1u << sn);
        }
    }
    return bits;
}

#define SIM_MR 0x00
#define SIM_MR_RST 0x80

uint8_t sim_read_mr(const struct wf_sim_chip *m)
{
    return m->mr_reset_frames ? (uint8_t)(m->common[SIM_MR] | SIM_MR_RST) : m->common[SIM_MR];
}

void sim_write_mr(struct wf_sim_chip *m, uint8_t v)
{
    if (v & SIM_MR_RST) {
        chip_reset(m);
        /* The bit self-clears after a few frames, not instantly (docs/w5100-w5500.md §2.1). */
        m->mr_reset_frames = (uint8_t)(2 + sim_rand(m, 4));
        return;
    }
    m->common[SIM_MR] = v;
}

/* ---- socket registers --------------------------------------------------- */

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
 * bytes (two frames on the W5100, one burst on the W5500) so that the pair
 * comes from two different values.
 */
static uint8_t counter_msb(struct wf_sim_chip *m, unsigned sn, bool rx)
{
    struct sim_sock *s = &m->sock[sn];
    m->counter_pump = rx;
    sim_pump(m, sn);
    m->counter_pump = false;
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
    case SIM_Sn_CR:
        sim_pump(m, sn);
        return s->cr;
    case SIM_Sn_IR:
        sim_pump(m, sn);
        return s->ir;
    case SIM_Sn_SR:
        sim_pump(m, sn);
        /* A state seen only after the command was written does not make the
         * command's wrong-state race the driver's fault (wrong_state). */
        if (!m->spi_sock_pending) {
            s->net_changed = false;
        }
        /* The W5500 has no ARP status: resolving shows as SYNSENT. */
        return s->sr == SIM_SOCK_ARP && !m->var->arp_status ? SIM_SOCK_SYNSENT : s->sr;
    case SIM_Sn_TX_FSR:
        return counter_msb(m, sn, false);
    case SIM_Sn_TX_FSR + 1:
        return lo(sim_tx_fsr(m, sn));
    case SIM_Sn_TX_RD:
        return hi(s->tx_rd);
    case SIM_Sn_TX_RD + 1:
        return lo(s->tx_rd);
    case SIM_Sn_TX_WR:
        return hi(s->tx_wr);
    case SIM_Sn_TX_WR + 1:
        return lo(s->tx_wr);
    case SIM_Sn_RX_RSR:
        return counter_msb(m, sn, true);
    case SIM_Sn_RX_RSR + 1:
        return lo(s->rsr);
    case SIM_Sn_RX_RD:
        return hi(s->rx_rd);
    case SIM_Sn_RX_RD + 1:
        return lo(s->rx_rd);
    case SIM_Sn_RX_WR: /* reserved on the W5100: only the W5500 gets here */
        return hi((uint16_t)(s->rx_done + s->rsr));
    case SIM_Sn_RX_WR + 1:
        return lo((uint16_t)(s->rx_done + s->rsr));
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
    uint32_t addr = sim_sock_addr(m, sn, off);
    if (m->var->sock_read_only(off)) {
        sim_violation(m, addr, v, "write to read-only socket register");
        return;
    }
    if (m->var->sock_write_extra != NULL && m->var->sock_write_extra(m, sn, off, v)) {
        return;
    }
    switch (off) {
    case SIM_Sn_CR:
        if (s->cr) {
            sim_violation(m, addr, v, "command while Sn_CR busy");
        } else if (v) {
            s->cr = v;
            s->cr_frames = (uint8_t)(1 + sim_rand(m, 4));
        }
        return;
    case SIM_Sn_IR:
        s->ir &= (uint8_t)~v;
        return;
    case SIM_Sn_TX_WR:
    case SIM_Sn_TX_WR + 1:
        s->tx_wr = set_byte(s->tx_wr, off == SIM_Sn_TX_WR, v);
        return;
    case SIM_Sn_RX_RD:
    case SIM_Sn_RX_RD + 1:
        s->rx_rd = set_byte(s->rx_rd, off == SIM_Sn_RX_RD, v);
        return;
    default:
        s->reg[off] = v;
        return;
    }
}

/*
 * One frame addressed to a socket's register block (a W5500 burst covers
 * consecutive registers, one sim_sock_byte each). While a command is latched
 * every write other than to Sn_CR is a violation (it could change what the
 * command works with); reads are not (no register read changes the chip:
 * WIZnet's own driver reads Sn_IR while it polls Sn_CR), and the frame counts
 * once towards the command's acceptance (which takes effect at sim_sock_end).
 */
void sim_sock_begin(struct wf_sim_chip *m, unsigned sn)
{
    m->spi_sock = true;
    m->spi_sock_pending = m->sock[sn].cr != 0;
}

uint8_t sim_sock_byte(struct wf_sim_chip *m, unsigned sn, unsigned off, bool write, uint8_t in)
{
    struct sim_sock *s = &m->sock[sn];
    uint8_t o = (uint8_t)off;
    uint32_t addr = sim_sock_addr(m, sn, o);
    if (off > 0xFF) {
        sim_violation(m, addr, (uint32_t)off, "burst past the socket register block");
        return 0;
    }
    if (m->spi_sock_pending && write && o != SIM_Sn_CR) {
        sim_violation(m, addr, s->cr, "socket register write before Sn_CR cleared");
    }
    if (m->var->sock_reserved(o)) {
        sim_violation(m, addr, write ? in : 0, "access to reserved socket register");
        return 0;
    }
    if (write) {
        sock_write(m, sn, o, in);
        return 0;
    }
    return sock_read(m, sn, o);
}

void sim_sock_end(struct wf_sim_chip *m, unsigned sn)
{
    struct sim_sock *s = &m->sock[sn];
    bool pending = m->spi_sock_pending;
    m->spi_sock = false;
    m->spi_sock_pending = false;
    if (pending && s->cr != 0 && --s->cr_frames == 0) {
        sim_accept_command(m, sn);
    }
}

/* ---- buffer memory ------------------------------------------------------ */

/* Distance of ring offset `phys` from pointer `ptr` in a ring of `size`. */
static uint16_t ring_distance(uint16_t phys, uint16_t ptr, uint16_t size)
{
    return (uint16_t)((phys - (ptr & (size - 1))) & (size - 1));
}

void sim_tx_mem_write(struct wf_sim_chip *m, unsigned sn, uint16_t ring_off, uint8_t v, uint32_t addr)
{
    uint16_t size = sim_tx_size(m, sn);
    if (size == 0) {
        sim_violation(m, addr, v, "write to unallocated TX memory");
        return;
    }
    ring_off &= (uint16_t)(size - 1);
    uint16_t d = ring_distance(ring_off, m->sock[sn].tx_end, size);
    uint16_t fsr = sim_tx_fsr(m, sn);
    if (d >= fsr) {
        sim_violation(m, addr, fsr, "TX write past TX_FSR");
    }
    m->tx_mem[sim_tx_base(m, sn) + ring_off] = v;
    m->stats.tx_mem_writes++;
}

uint8_t sim_tx_mem_read(const struct wf_sim_chip *m, unsigned sn, uint16_t ring_off)
{
    uint16_t size = sim_tx_size(m, sn);
    return size ? m->tx_mem[sim_tx_base(m, sn) + (ring_off & (size - 1))] : 0;
}

uint8_t sim_rx_mem_read(struct wf_sim_chip *m, unsigned sn, uint16_t ring_off, uint32_t addr)
{
    uint16_t size = sim_rx_size(m, sn);
    if (size == 0) {
        sim_violation(m, addr, 0, "read of unallocated RX memory");
        return 0;
    }
    ring_off &= (uint16_t)(size - 1);
    const struct sim_sock *s = &m->sock[sn];
    if (ring_distance(ring_off, s->rx_done, size) >= s->rsr) {
        sim_violation(m, addr, s->rsr, "RX read past RX_RSR");
    }
    m->stats.rx_mem_reads++;
    return m->rx_mem[sim_rx_base(m, sn) + ring_off];
}

/* ---- the SPI pins ------------------------------------------------------- */

void wf_sim_chip_spi_select(struct wf_sim_chip *m)
{
    if (m->spi_selected) {
        return;
    }
    m->spi_selected = true;
    m->spi_pos = 0;
    m->spi_dead = false;
    m->spi_sock = false;
    m->spi_sock_pending = false;
    m->spi_slipping = false;
    m->stats.frames++;
    m->spi_mute = m->reset_pin || m->absent;
    if (!m->spi_mute && m->mr_reset_frames) {
        m->mr_reset_frames--;
    }
}

uint8_t wf_sim_chip_spi_byte(struct wf_sim_chip *m, uint8_t mosi)
{
    if (!m->spi_selected) {
        return 0xFF; /* /SCS high: the chip does not drive MISO */
    }
    m->stats.bytes++;
    m->spi_bytes++;
    uint32_t pos = m->spi_pos;
    if (m->spi_pos < UINT32_MAX) {
        m->spi_pos++;
    }
    if (m->spi_mute || m->reset_pin || m->absent) {
        m->spi_mute = true;
        return m->reset_pin ? 0x00 : m->absent_miso;
    }
    return m->var->spi_byte(m, pos, mosi);
}

void wf_sim_chip_spi_deselect(struct wf_sim_chip *m)
{
    if (!m->spi_selected) {
        return;
    }
    m->spi_selected = false;
    if (!m->spi_mute) {
        m->var->spi_end(m, m->spi_pos);
    }
}

int wf_sim_chip_spi_frame(struct wf_sim_chip *m, const uint8_t *tx, uint8_t *rx, size_t len)
{
    wf_sim_chip_spi_select(m);
    for (size_t i = 0; i < len; i++) {
        rx[i] = wf_sim_chip_spi_byte(m, tx[i]);
    }
    wf_sim_chip_spi_deselect(m);
    return 0;
}

/* ---- life cycle and configuration --------------------------------------- */

struct wf_sim_chip *wf_sim_chip_new_variant(uint64_t seed, enum wf_sim_variant variant)
{
    struct wf_sim_chip *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return NULL;
    }
    m->var = variant == WF_SIM_W5500 ? &sim_w5500 : &sim_w5100;
    m->rng = splitmix64(seed) | 1u; /* xorshift must not start at 0 */
    m->tear_rate = 25;
    m->micros = monotonic_us;
    m->wire_bps = WF_SIM_WIRE_DEFAULT_BPS;
    m->link = true;
    for (unsigned sn = 0; sn < SIM_MAX_SOCKETS; sn++) {
        sim_sock_init(&m->sock[sn]);
    }
    chip_reset(m);
    return m;
}

struct wf_sim_chip *wf_sim_chip_new(uint64_t seed)
{
    return wf_sim_chip_new_variant(seed, WF_SIM_W5100);
}

const char *wf_sim_chip_name(const struct wf_sim_chip *m)
{
    return m->var->name;
}

void wf_sim_chip_set_link(struct wf_sim_chip *m, bool up)
{
    m->link = up;
}

void wf_sim_chip_free(struct wf_sim_chip *m)
{
    if (m == NULL) {
        return;
    }
    for (unsigned sn = 0; sn < SIM_MAX_SOCKETS; sn++) {
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
    m->millis = millis;
    m->micros = millis ? NULL : monotonic_us;
    m->clock_ctx = ctx;
    m->rx_rate_ms = sim_now(m);
    m->wire_free_us = 0;
}

void wf_sim_chip_set_clock_us(struct wf_sim_chip *m, uint64_t (*micros)(void *ctx), void *ctx)
{
    m->millis = NULL;
    m->micros = micros ? micros : monotonic_us;
    m->clock_ctx = ctx;
    m->rx_rate_ms = sim_now(m);
    m->wire_free_us = 0;
}

void wf_sim_chip_set_wire_rate(struct wf_sim_chip *m, uint32_t bits_per_second)
{
    m->wire_bps = bits_per_second;
}

uint32_t wf_sim_chip_wire_rate(const struct wf_sim_chip *m)
{
    return m->wire_bps;
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

void wf_sim_chip_fault_bit_slip(struct wf_sim_chip *m, enum wf_sim_slip_target target, unsigned data_byte)
{
    m->slip_armed = true;
    m->slip_target = (uint8_t)target;
    m->slip_at = data_byte;
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
        fprintf(out, "violation: %s (addr 0x%04x, value 0x%x)\n", v->what, (unsigned)v->addr,
                (unsigned)v->value);
    }
    if (m->nviolations > SIM_MAX_VIOLATIONS) {
        fprintf(out, "violation: ... %zu more not kept\n", m->nviolations - SIM_MAX_VIOLATIONS);
    }
}

void wf_sim_chip_clear_violations(struct wf_sim_chip *m)
{
    m->nviolations = 0;
}

bool wf_sim_chip_int_asserted(struct wf_sim_chip *m)
{
    if (m->reset_pin || m->absent || m->var->int_asserted == NULL) {
        return false;
    }
    sim_pump_all(m); /* data that arrived, SEND_OK and timeouts that are due */
    return m->var->int_asserted(m);
}

uint8_t wf_sim_chip_peek_status(const struct wf_sim_chip *m, unsigned sn)
{
    return sn < m->var->sockets ? m->sock[sn].sr : 0;
}
