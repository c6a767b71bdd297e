/*
 * The socket-register engine shared by all chip variants. Everything that is
 * the same on the W5100 and W5500 lives here; the variant table supplies the
 * frame layer and the address map.
 */
#include <assert.h>
#include <stddef.h>

#include "common/wait.h"
#include "wizfetch/chip.h"
#include "wizfetch/error.h"

enum { MR_RST = 0x80 };

static int common_write(wf_chip_t *chip, enum wf_chip_common_reg reg, const uint8_t *buf, uint16_t len)
{
    return chip->variant->write(chip, chip->variant->common_addr(reg), buf, len);
}

static int common_read(wf_chip_t *chip, enum wf_chip_common_reg reg, uint8_t *buf, uint16_t len)
{
    return chip->variant->read(chip, chip->variant->common_addr(reg), buf, len);
}

void wf_chip_init(wf_chip_t *chip, const struct wf_port *port, const struct wf_chip_variant *variant)
{
    assert(chip != NULL && port != NULL && variant != NULL);
    /* A build may support fewer sockets than the chip has (a W5500 in a
     * 4-socket build): it uses the first ones and leaves the rest without memory. */
    uint8_t sockets = variant->sockets < WF_CHIP_MAX_SOCKETS ? variant->sockets : WF_CHIP_MAX_SOCKETS;
    *chip = (wf_chip_t){.port = port, .variant = variant, .sockets = sockets};
}

/* Probe order matters: see wf_chip_detect in chip.h. */
static const struct wf_chip_variant *const detect_order[] = {&wf_chip_w5500, &wf_chip_w5100};

static void pulse_reset_line(wf_chip_t *chip);

int wf_chip_detect(wf_chip_t *chip, const struct wf_port *port)
{
    int rc = WF_ENODEV;
    /* A board may hold the chip in reset until the driver lets it go (ports/stm32f4
     * does, from power-on): release it first, or nothing answers the probes. */
    wf_chip_init(chip, port, detect_order[0]);
    pulse_reset_line(chip);
    for (size_t i = 0; i < sizeof detect_order / sizeof detect_order[0]; i++) {
        wf_chip_init(chip, port, detect_order[i]);
        rc = detect_order[i]->probe(chip);
        if (rc == 0) {
            return 0;
        }
    }
    return rc; /* the last variant's answer: WF_ENODEV, or a bus error */
}

int wf_chip_link_up(wf_chip_t *chip)
{
    if (chip->variant->link_status == NULL) {
        return WF_CHIP_LINK_UNKNOWN;
    }
    return chip->variant->link_status(chip);
}

static void pulse_reset_line(wf_chip_t *chip)
{
    const struct wf_port *port = chip->port;
    if (port->reset == NULL) {
        return;
    }
    port->reset(port->ctx, true);
    port->delay_ms(port->ctx, 2);
    port->reset(port->ctx, false);
    port->delay_ms(port->ctx, 10);
}

static int soft_reset(wf_chip_t *chip)
{
    uint8_t mr = MR_RST;
    int rc = common_write(chip, WF_CREG_MR, &mr, 1);
    if (rc < 0) {
        return rc;
    }
    struct wf_wait w;
    wf_wait_start(&w, chip->port, WF_CHIP_RESET_TIMEOUT_MS);
    do {
        rc = common_read(chip, WF_CREG_MR, &mr, 1);
        if (rc < 0) {
            return rc;
        }
        if ((mr & MR_RST) == 0) {
            return 0;
        }
    } while (wf_wait_again(&w));
    /* A chip that never clears RST is as good as absent. */
    return WF_ENODEV;
}

static int apply_even_split(wf_chip_t *chip)
{
    const struct wf_chip_variant *v = chip->variant;
    uint8_t tx[WF_CHIP_MAX_SOCKETS] = {0};
    uint8_t rx[WF_CHIP_MAX_SOCKETS] = {0};
    for (uint8_t sn = 0; sn < chip->sockets; sn++) {
        tx[sn] = (uint8_t)(v->tx_total_kb / chip->sockets);
        rx[sn] = (uint8_t)(v->rx_total_kb / chip->sockets);
    }
    return wf_chip_set_buffer_sizes(chip, tx, rx);
}

int wf_chip_start(wf_chip_t *chip)
{
    chip->ready = false;
    pulse_reset_line(chip);
    int rc = soft_reset(chip);
    if (rc < 0) {
        return rc;
    }
    rc = chip->variant->detect(chip);
    if (rc < 0) {
        return rc;
    }
    chip->ready = true;
    rc = apply_even_split(chip);
    if (rc < 0) {
        chip->ready = false;
    }
    return rc;
}

/* Where each field of struct wf_chip_netcfg lives among the common registers. */
static const struct {
    enum wf_chip_common_reg reg;
    size_t offset;
    uint8_t len;
} netcfg_fields[] = {
    {WF_CREG_SHAR, offsetof(struct wf_chip_netcfg, mac), 6},
    {WF_CREG_GAR, offsetof(struct wf_chip_netcfg, gateway), 4},
    {WF_CREG_SUBR, offsetof(struct wf_chip_netcfg, mask), 4},
    {WF_CREG_SIPR, offsetof(struct wf_chip_netcfg, ip), 4},
};

int wf_chip_set_netcfg(wf_chip_t *chip, const struct wf_chip_netcfg *cfg)
{
    const uint8_t *base = (const uint8_t *)cfg;
    for (size_t i = 0; i < sizeof netcfg_fields / sizeof netcfg_fields[0]; i++) {
        int rc =
            common_write(chip, netcfg_fields[i].reg, base + netcfg_fields[i].offset, netcfg_fields[i].len);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

int wf_chip_get_netcfg(wf_chip_t *chip, struct wf_chip_netcfg *cfg)
{
    uint8_t *base = (uint8_t *)cfg;
    for (size_t i = 0; i < sizeof netcfg_fields / sizeof netcfg_fields[0]; i++) {
        int rc =
            common_read(chip, netcfg_fields[i].reg, base + netcfg_fields[i].offset, netcfg_fields[i].len);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

int wf_chip_set_retry(wf_chip_t *chip, uint16_t rtr_100us, uint8_t rcr)
{
    if (rtr_100us == 0) {
        return WF_EINVAL;
    }
    const uint8_t rtr[2] = {(uint8_t)(rtr_100us >> 8), (uint8_t)rtr_100us};
    int rc = common_write(chip, WF_CREG_RTR, rtr, sizeof rtr);
    if (rc == 0) {
        rc = common_write(chip, WF_CREG_RCR, &rcr, 1);
    }
    return rc;
}

static bool is_power_of_two_or_zero(uint8_t kb)
{
    return (kb & (kb - 1u)) == 0;
}

/* Sizes must be 0 or a power of two, fit the shared memory, and zeros (unusable
 * sockets) may only follow the used ones, because memory is allocated in order. */
static bool sizes_fit(const uint8_t *kb, uint8_t sockets, uint8_t total_kb)
{
    unsigned sum = 0;
    bool seen_zero = false;
    for (uint8_t sn = 0; sn < sockets; sn++) {
        if (!is_power_of_two_or_zero(kb[sn]) || (kb[sn] != 0 && seen_zero)) {
            return false;
        }
        seen_zero = seen_zero || kb[sn] == 0;
        sum += kb[sn];
    }
    return sum <= total_kb;
}

int wf_chip_set_buffer_sizes(wf_chip_t *chip, const uint8_t *tx_kb, const uint8_t *rx_kb)
{
    const struct wf_chip_variant *v = chip->variant;
    if (!sizes_fit(tx_kb, chip->sockets, v->tx_total_kb) ||
        !sizes_fit(rx_kb, chip->sockets, v->rx_total_kb)) {
        return WF_ERANGE;
    }
    /* The second bound is implied by chip->sockets; it lets the compiler see
     * that the arrays cannot overflow. */
    for (uint8_t sn = 0; sn < chip->sockets && sn < WF_CHIP_MAX_SOCKETS; sn++) {
        chip->tx_kb[sn] = tx_kb[sn];
        chip->rx_kb[sn] = rx_kb[sn];
    }
    return v->apply_buffer_sizes(chip);
}

/* ---- socket registers ---------------------------------------------------- */

static uint32_t sock_addr(const wf_chip_t *chip, uint8_t sn, uint8_t reg)
{
    assert(sn < chip->sockets);
    return chip->variant->socket_addr(sn, reg);
}

int wf_chip_sock_read8(wf_chip_t *chip, uint8_t sn, uint8_t reg, uint8_t *val)
{
    return chip->variant->read(chip, sock_addr(chip, sn, reg), val, 1);
}

int wf_chip_sock_write8(wf_chip_t *chip, uint8_t sn, uint8_t reg, uint8_t val)
{
    return chip->variant->write(chip, sock_addr(chip, sn, reg), &val, 1);
}

int wf_chip_sock_write16(wf_chip_t *chip, uint8_t sn, uint8_t reg, uint16_t val)
{
    const uint8_t be[2] = {(uint8_t)(val >> 8), (uint8_t)val};
    return chip->variant->write(chip, sock_addr(chip, sn, reg), be, 2);
}

int wf_chip_sock_read16(wf_chip_t *chip, uint8_t sn, uint8_t reg, uint16_t *val)
{
    uint8_t be[2];
    int rc = chip->variant->read(chip, sock_addr(chip, sn, reg), be, 2);
    if (rc == 0) {
        *val = (uint16_t)((be[0] << 8) | be[1]);
    }
    return rc;
}

int wf_chip_sock_read16_stable(wf_chip_t *chip, uint8_t sn, uint8_t reg, uint16_t *val)
{
    uint16_t prev;
    int rc = wf_chip_sock_read16(chip, sn, reg, &prev);
    for (unsigned tries = 1; rc == 0 && tries < WF_CHIP_STABLE_READ_TRIES; tries++) {
        uint16_t cur;
        rc = wf_chip_sock_read16(chip, sn, reg, &cur);
        if (rc == 0 && cur == prev) {
            *val = cur;
            return 0;
        }
        chip->stats.stable_rereads++;
        prev = cur;
    }
    /* A counter that never reads the same twice means the bus is corrupting data. */
    return rc < 0 ? rc : WF_EIO;
}

int wf_chip_sock_command(wf_chip_t *chip, uint8_t sn, uint8_t cmd)
{
    int rc = wf_chip_sock_write8(chip, sn, WF_SN_CR, cmd);
    if (rc < 0) {
        return rc;
    }
    struct wf_wait w;
    wf_wait_start(&w, chip->port, WF_CHIP_CMD_TIMEOUT_MS);
    do {
        uint8_t cr;
        rc = wf_chip_sock_read8(chip, sn, WF_SN_CR, &cr);
        if (rc < 0 || cr == 0) {
            return rc;
        }
    } while (wf_wait_again(&w));
    /* The chip must accept a command within microseconds; it is wedged or gone. */
    return WF_ENODEV;
}

int wf_chip_sock_set_keepalive(wf_chip_t *chip, uint8_t sn, uint8_t units_5s)
{
    if (!chip->variant->keepalive_timer) {
        return WF_ENOTSUP;
    }
    return wf_chip_sock_write8(chip, sn, WF_SN_KPALVTR, units_5s);
}

/* Write `val` to socket register `reg` of every socket this build uses. */
static int every_socket_write8(wf_chip_t *chip, uint8_t reg, uint8_t val)
{
    int rc = 0;
    for (uint8_t sn = 0; sn < chip->sockets && rc == 0; sn++) {
        rc = wf_chip_sock_write8(chip, sn, reg, val);
    }
    return rc;
}

int wf_chip_wake_enable(wf_chip_t *chip)
{
    if (!chip->variant->socket_irq_masks) {
        return WF_ENOTSUP;
    }
    int rc = every_socket_write8(chip, WF_SN_IMR, WF_SN_IR_RECV);
    const uint8_t every_socket = (uint8_t)((1u << chip->sockets) - 1u);
    return rc < 0 ? rc
                  : chip->variant->write(chip, chip->variant->common_addr(WF_CREG_SIMR), &every_socket, 1);
}

int wf_chip_wake_rearm(wf_chip_t *chip)
{
    return chip->variant->socket_irq_masks ? every_socket_write8(chip, WF_SN_IR, WF_SN_IR_RECV) : WF_ENOTSUP;
}

int wf_chip_sock_set_peer(wf_chip_t *chip, uint8_t sn, const uint8_t ip[4], uint16_t port)
{
    int rc = chip->variant->write(chip, sock_addr(chip, sn, WF_SN_DIPR), ip, 4);
    if (rc == 0) {
        rc = wf_chip_sock_write16(chip, sn, WF_SN_DPORT, port);
    }
    return rc;
}

static int wait_status(wf_chip_t *chip, uint8_t sn, uint8_t want)
{
    struct wf_wait w;
    wf_wait_start(&w, chip->port, WF_CHIP_CMD_TIMEOUT_MS);
    do {
        uint8_t sr;
        int rc = wf_chip_sock_read8(chip, sn, WF_SN_SR, &sr);
        if (rc < 0) {
            return rc;
        }
        if (sr == want) {
            return 0;
        }
    } while (wf_wait_again(&w));
    return WF_EIO;
}

int wf_chip_sock_open(wf_chip_t *chip, uint8_t sn, uint8_t mode, uint16_t port)
{
    if (!chip->ready) {
        return WF_ENETDOWN;
    }
    uint8_t sr;
    int rc = wf_chip_sock_read8(chip, sn, WF_SN_SR, &sr);
    if (rc == 0 && sr != WF_SN_SR_CLOSED) {
        rc = wf_chip_sock_command(chip, sn, WF_SN_CR_CLOSE);
        if (rc == 0) {
            rc = wait_status(chip, sn, WF_SN_SR_CLOSED);
        }
    }
    if (rc == 0) {
        rc = wf_chip_sock_write8(chip, sn, WF_SN_MR, mode);
    }
    if (rc == 0) {
        rc = wf_chip_sock_write16(chip, sn, WF_SN_PORT, port);
    }
    if (rc == 0) {
        rc = wf_chip_sock_write8(chip, sn, WF_SN_IR, WF_SN_IR_ALL);
    }
    if (rc == 0) {
        rc = wf_chip_sock_command(chip, sn, WF_SN_CR_OPEN);
    }
    if (rc == 0) {
        uint8_t want = (mode & 0x0F) == WF_SN_MR_TCP ? WF_SN_SR_INIT : WF_SN_SR_UDP;
        rc = wait_status(chip, sn, want);
    }
    return rc;
}

int wf_chip_sock_tx_free(wf_chip_t *chip, uint8_t sn, uint16_t *free_bytes)
{
    return wf_chip_sock_read16_stable(chip, sn, WF_SN_TX_FSR, free_bytes);
}

int wf_chip_sock_rx_avail(wf_chip_t *chip, uint8_t sn, uint16_t *avail)
{
    return wf_chip_sock_read16_stable(chip, sn, WF_SN_RX_RSR, avail);
}

/* Move `len` bytes between the host and the ring at pointer `ptr`, splitting
 * where the ring wraps (the variant says how much is contiguous). Exactly one
 * of `src` (TX ring: write) and `dst` (RX ring: read) is non-NULL. */
static int ring_transfer(wf_chip_t *chip, uint8_t sn, uint16_t ptr, const uint8_t *src, uint8_t *dst,
                         uint16_t len)
{
    const struct wf_chip_variant *v = chip->variant;
    const bool tx = src != NULL;
    uint16_t done = 0;
    while (done < len) {
        uint16_t contiguous;
        uint32_t addr = v->buffer_addr(chip, sn, tx, (uint16_t)(ptr + done), &contiguous);
        uint16_t n = (uint16_t)(len - done) < contiguous ? (uint16_t)(len - done) : contiguous;
        int rc = tx ? v->write(chip, addr, src + done, n) : v->read(chip, addr, dst + done, n);
        if (rc < 0) {
            return rc;
        }
        done = (uint16_t)(done + n);
    }
    return 0;
}

int wf_chip_sock_tx_queue(wf_chip_t *chip, uint8_t sn, const uint8_t *data, uint16_t len)
{
    uint16_t wr;
    int rc = wf_chip_sock_read16(chip, sn, WF_SN_TX_WR, &wr);
    if (rc == 0) {
        rc = ring_transfer(chip, sn, wr, data, NULL, len);
    }
    if (rc == 0) {
        rc = wf_chip_sock_write16(chip, sn, WF_SN_TX_WR, (uint16_t)(wr + len));
    }
    return rc;
}

int wf_chip_sock_rx_peek(wf_chip_t *chip, uint8_t sn, uint16_t offset, uint8_t *buf, uint16_t len)
{
    uint16_t rd;
    int rc = wf_chip_sock_read16(chip, sn, WF_SN_RX_RD, &rd);
    if (rc == 0) {
        rc = ring_transfer(chip, sn, (uint16_t)(rd + offset), NULL, buf, len);
    }
    return rc;
}

int wf_chip_sock_rx_release(wf_chip_t *chip, uint8_t sn, uint16_t len)
{
    uint16_t rd;
    int rc = wf_chip_sock_read16(chip, sn, WF_SN_RX_RD, &rd);
    if (rc == 0) {
        rc = wf_chip_sock_write16(chip, sn, WF_SN_RX_RD, (uint16_t)(rd + len));
    }
    if (rc == 0) {
        rc = wf_chip_sock_command(chip, sn, WF_SN_CR_RECV);
    }
    return rc;
}

int wf_chip_sock_rx_read(wf_chip_t *chip, uint8_t sn, uint8_t *buf, uint16_t len)
{
    uint16_t rd;
    int rc = wf_chip_sock_read16(chip, sn, WF_SN_RX_RD, &rd);
    if (rc == 0) {
        rc = ring_transfer(chip, sn, rd, NULL, buf, len);
    }
    if (rc == 0) {
        rc = wf_chip_sock_write16(chip, sn, WF_SN_RX_RD, (uint16_t)(rd + len));
    }
    if (rc == 0) {
        rc = wf_chip_sock_command(chip, sn, WF_SN_CR_RECV);
    }
    return rc;
}
