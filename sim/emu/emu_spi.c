/* SPI1 (RM0383 section 20.5) wired to the chip model (W5100 or W5500), /SCS on the
 * board's chip-select pin (PB6 on the Nucleo, PA4 on the Black Pill).
 *
 * Byte-wise exchange through the model's byte interface: the first byte clocked
 * with /SCS low selects the chip (wf_sim_chip_spi_select; a low pulse with no
 * byte is no frame), each DR write is one byte whose MISO the next DR read
 * returns (wf_sim_chip_spi_byte), and /SCS high ends the frame
 * (wf_sim_chip_spi_deselect). The model decodes and records its own violations.
 * W5100: a chip-select cycle of any length but 4 is a driver bug (it has no
 * burst mode) and also stops the run. W5500: frames are 3 + N bytes. With no
 * shield (--no-chip) every MISO byte is the stuck value.
 *
 * Bus time: a byte takes 8 SCK periods (8 x HCLK / SCK cycles). A DR write hands
 * the byte to the chip model at once (the model sees the frames in order) and puts
 * it on the bus after the byte still shifting, if any: the TX buffer holds one byte
 * besides the shift register (TXE = 0 while it is full; a DR write then stops the
 * run), RXNE rises and BSY falls when a byte's time is over (a byte completing with
 * RXNE still set is lost: OVR). The CPU's polling loops are collapsed: an SR read
 * that finds neither TXE nor RXNE, or the second SR read in a row that finds no
 * received byte while one is on the bus, stalls the CPU until that byte ends
 * (`bus_wait_cycles`, part of emulated time). So a driver that keeps the TX buffer
 * filled overlaps its work with the bus, and waiting costs time, not instructions.
 * With DMA (emu_dma.c) the bus runs while the CPU executes.
 */
#include <string.h>

#include "emu_machine.h"

#include "wf_sim_chip.h"

#define CR1_CPHA (1u << 0)
#define CR1_CPOL (1u << 1)
#define CR1_MSTR (1u << 2)
#define CR1_SPE (1u << 6)
#define CR1_LSBFIRST (1u << 7)
#define CR1_SSI (1u << 8)
#define CR1_SSM (1u << 9)
#define CR1_RXONLY (1u << 10)
#define CR1_DFF (1u << 11)
#define CR1_CRCEN (1u << 13)
#define CR1_BIDIMODE (1u << 15)
#define CR2_SSOE (1u << 2)

#define SR_RXNE (1u << 0)
#define SR_TXE (1u << 1)
#define SR_MODF (1u << 5)
#define SR_OVR (1u << 6)
#define SR_BSY (1u << 7)

#define W5100_MAX_SCK_HZ 14000000u /* the usually quoted limit (docs/w5100-w5500.md §1.3) */
#define W5500_MAX_SCK_HZ 33300000u /* the guaranteed SCLK (docs/w5100-w5500.md §1.3; 80 MHz theoretical) */

static bool chip_is_w5500(const struct wf_emu *b)
{
    return b->chip != NULL && strcmp(wf_sim_chip_name(b->chip), "W5500") == 0;
}

static const char *chip_name(const struct wf_emu *b)
{
    return chip_is_w5500(b) ? "W5500" : "W5100";
}

static int cr1_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int cr2_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int sr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int sr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int dr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int dr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);

static const struct emu_reg spi_regs[SPI_NREGS] = {
    [SPI_CR1] = {0x00, "SPI_CR1", 0, 0x0000FFFFu, NULL, cr1_write},
    [SPI_CR2] = {0x04, "SPI_CR2", 0, 0x000000F7u, NULL, cr2_write},
    [SPI_SR] = {0x08, "SPI_SR", SR_TXE, 0, sr_read, sr_write},
    [SPI_DR] = {0x0C, "SPI_DR", 0, 0, dr_read, dr_write},
    [SPI_CRCPR] = {0x10, "SPI_CRCPR", 7, 0x0000FFFFu},
    [SPI_RXCRCR] = {0x14, "SPI_RXCRCR", 0, 0},
    [SPI_TXCRCR] = {0x18, "SPI_TXCRCR", 0, 0},
    [SPI_I2SCFGR] = {0x1C, "SPI_I2SCFGR", 0, 0, NULL, emu_write_unmodelled},
    [SPI_I2SPR] = {0x20, "SPI_I2SPR", 2, 0, NULL, emu_write_unmodelled},
};

void emu_spi_init(struct wf_emu *b)
{
    emu_dev_init(&b->spi1.dev, "SPI1", 0x40013000u, 0x400, spi_regs, SPI_NREGS, EMU_GATE_APB2, 1u << 12, 1);
    wf_emu_attach(b, &b->spi1.dev);
}

void emu_spi_reset(struct wf_emu *b)
{
    struct emu_spi *s = &b->spi1;
    if (s->selected && b->chip != NULL) {
        wf_sim_chip_spi_deselect(b->chip); /* /SCS floats: the frame ends */
    }
    emu_dev_reset(&s->dev);
    s->rx = 0;
    s->pos = 0;
    s->nq = 0;
    s->polled = false;
    s->selected = s->ovr_dr_read = false;
}

uint64_t emu_spi_byte_cycles(const struct wf_emu *b)
{
    uint32_t sck = wf_emu_spi1_hz(b);
    return sck ? (uint64_t)8u * wf_emu_hclk(b) / sck : 0;
}

/* The bus busy for `n` more bytes from now (or from the end of the byte on it). */
static void bus_take(struct wf_emu *b, uint64_t n)
{
    struct emu_spi *s = &b->spi1;
    uint64_t now = wf_emu_cycles(b), now_board = wf_emu_board_mcycles(b);
    uint64_t start = s->busy_until > now ? s->busy_until : now;
    uint64_t start_board = s->busy_until_board > now_board ? s->busy_until_board : now_board;
    s->busy_until = start + n * emu_spi_byte_cycles(b);
    s->busy_until_board = start_board + n * emu_spi_byte_cycles(b) * 1000u;
}

/* Bytes whose time is over: RXNE (or OVR), TXE, BSY. */
static void bus_update(struct wf_emu *b)
{
    struct emu_spi *s = &b->spi1;
    uint32_t *sr = &s->dev.r[SPI_SR];
    uint64_t now = wf_emu_cycles(b);
    while (s->nq > 0 && s->q_end[0] <= now) {
        if (*sr & SR_RXNE) {
            *sr |= SR_OVR; /* the previous byte was never read: it is kept, the new one lost */
        } else {
            s->rx = s->q_miso[0];
            *sr |= SR_RXNE;
        }
        s->q_miso[0] = s->q_miso[1];
        s->q_end[0] = s->q_end[1];
        s->q_end_board[0] = s->q_end_board[1];
        s->nq--;
    }
    bool busy = s->nq > 0 || emu_dma_spi_active(b);
    *sr = (*sr & ~(SR_TXE | SR_BSY)) | (s->nq < 2 ? SR_TXE : 0) | (busy ? SR_BSY : 0);
}

void emu_spi_update(struct wf_emu *b)
{
    bus_update(b);
    if (b->spi1.dev.r[SPI_CR2] & 0xE0u) {
        emu_irq_update(b);
    }
}

/* The CPU waits until the first byte on the bus has ended. */
static void bus_wait(struct wf_emu *b)
{
    if (b->spi1.nq > 0) {
        wf_emu_bus_wait(b, b->spi1.q_end[0], b->spi1.q_end_board[0]);
    }
    bus_update(b);
}

static int sr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)off;
    struct emu_spi *s = &b->spi1;
    bus_update(b);
    bool nothing = !(d->r[SPI_SR] & (SR_TXE | SR_RXNE));
    bool waiting = s->nq > 0 && !(d->r[SPI_SR] & SR_RXNE);
    if (nothing || (waiting && s->polled)) {
        bus_wait(b); /* a polling loop: collapsed into a stall */
    }
    s->polled = waiting && !s->polled;
    *v = d->r[SPI_SR];
    if (b->spi1.ovr_dr_read) { /* OVR clears by a DR read followed by an SR read */
        d->r[SPI_SR] &= ~SR_OVR;
        b->spi1.ovr_dr_read = false;
    }
    return 0;
}

static int sr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    (void)b, (void)d;
    w->val = w->old & ~(~w->raw & w->mask & (1u << 4)); /* CRCERR is write-0-to-clear; the rest read-only */
    return 0;
}

static int dr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)off;
    bus_update(b);
    b->spi1.polled = false;
    *v = b->spi1.rx;
    d->r[SPI_SR] &= ~SR_RXNE;
    b->spi1.ovr_dr_read = (d->r[SPI_SR] & SR_OVR) != 0;
    if (d->r[SPI_CR2] & 0xE0u) {
        emu_irq_update(b);
    }
    return 0;
}

/* What a transfer needs from the configuration, pins and clocks. */
static int check_transfer(struct wf_emu *b)
{
    uint32_t cr1 = b->spi1.dev.r[SPI_CR1];
    if (!(cr1 & CR1_SPE) || !(cr1 & CR1_MSTR)) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "SPI1 DR written with SPE = %u, MSTR = %u: nothing is clocked (PC 0x%08X)",
                           !!(cr1 & CR1_SPE), !!(cr1 & CR1_MSTR), b->pc);
    }
    unsigned mode = (cr1 & (CR1_CPOL | CR1_CPHA));
    if (mode != 0 && mode != 3) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "SPI1 in mode %u: the %s supports modes 0 and 3 (PC 0x%08X)",
                           mode, chip_name(b), b->pc);
    }
    if (cr1 & (CR1_LSBFIRST | CR1_DFF | CR1_RXONLY | CR1_BIDIMODE | CR1_CRCEN)) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "SPI1_CR1 = 0x%04X: the %s needs 8-bit frames, MSB first, full duplex, no CRC (PC "
                           "0x%08X)",
                           cr1, chip_name(b), b->pc);
    }
    uint32_t hz = wf_emu_spi1_hz(b);
    if (chip_is_w5500(b) ? hz > W5500_MAX_SCK_HZ : hz > W5100_MAX_SCK_HZ) {
        return wf_emu_stop(
            b, WF_EMU_STOP_RULE, "SPI1 SCK %u Hz (PCLK2 %u Hz, BR %u) exceeds the %s's %s (PC 0x%08X)", hz,
            wf_emu_pclk2(b), (cr1 >> 3) & 7u, chip_name(b), chip_is_w5500(b) ? "33.3 MHz" : "~14 MHz", b->pc);
    }
    static const unsigned pins[3] = {5, 6, 7};
    static const char *const names[3] = {"PA5 (SCK)", "PA6 (MISO)", "PA7 (MOSI)"};
    for (unsigned i = 0; i < 3; i++) {
        if (!emu_gpio_is_af(b, EMU_PIN(0, pins[i]), 5)) {
            return wf_emu_stop(b, WF_EMU_STOP_RULE,
                               "SPI1 transfer with %s not in alternate function 5 (PC 0x%08X)", names[i],
                               b->pc);
        }
    }
    struct emu_pin other = b->board->other_select;
    if (other.port >= 0) {
        int level = emu_gpio_output_level(b, other);
        bool pulled_up = level < 0 && ((b->gpio[other.port].r[GPIO_PUPDR] >> (2 * other.pin)) & 3u) == 1u;
        if (level == 0 || (level < 0 && !pulled_up)) {
            char pn[8];
            return wf_emu_stop(
                b, WF_EMU_STOP_RULE,
                "SPI1 transfer while the other slave's select %s is not held high: two devices on "
                "MISO (PC 0x%08X)",
                emu_pin_name(other, pn), b->pc);
        }
    }
    return 0;
}

static uint8_t exchange(struct wf_emu *b, uint8_t mosi);

int emu_spi_dma_begin(struct wf_emu *b, uint32_t n)
{
    if (check_transfer(b) != 0) {
        return -1;
    }
    bus_take(b, n);
    return 0;
}

int emu_spi_dma_byte(struct wf_emu *b, uint8_t mosi, uint8_t *miso)
{
    *miso = exchange(b, mosi);
    return b->stop ? -1 : 0;
}

static uint8_t exchange(struct wf_emu *b, uint8_t mosi)
{
    struct emu_spi *s = &b->spi1;
    s->bytes++;
    if (!b->cs_low) {
        s->bytes_deselected++;
        return 0xFF; /* nobody drives MISO */
    }
    unsigned pos = s->pos++;
    if (b->chip_absent || b->chip == NULL) {
        return b->chip_absent_miso;
    }
    if (!s->selected) {
        s->selected = true;
        wf_sim_chip_spi_select(b->chip);
    }
    uint8_t miso = wf_sim_chip_spi_byte(b->chip, mosi);
    if (pos >= 4 && !chip_is_w5500(b)) {
        wf_emu_stop(b, WF_EMU_STOP_RULE,
                    "SPI byte %u under one W5100 chip select: a frame is exactly 4 bytes, raise /SCS between "
                    "frames (PC 0x%08X)",
                    pos + 1, b->pc);
        return 0xFF;
    }
    return miso;
}

int emu_spi_chip_select(struct wf_emu *b, bool low)
{
    struct emu_spi *s = &b->spi1;
    if (!low && emu_dma_spi_active(b)) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "chip select raised while a DMA transfer of SPI1 is still on the bus (wait for "
                           "its end: TCIF of the RX stream) (PC 0x%08X)",
                           b->pc);
    }
    bus_update(b);
    if (!low && s->nq > 0) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "chip select raised while a byte is still on SPI1 (wait for RXNE, then BSY = 0: "
                           "RM0383 20.3.8) (PC 0x%08X)",
                           b->pc);
    }
    unsigned n = s->pos;
    s->pos = 0;
    if (low || !s->selected) {
        return 0;
    }
    s->selected = false;
    wf_sim_chip_spi_deselect(b->chip); /* the model records its own length violations */
    if (n < 4 && !chip_is_w5500(b)) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "W5100 chip select raised after %u byte%s: a frame is 4 bytes (PC 0x%08X)", n,
                           n == 1 ? "" : "s", b->pc);
    }
    return 0; /* W5100 > 4: already reported at the 5th byte */
}

/* The chip's /RESET pin: held low, the model is in reset (registers to their reset
 * values, sockets closed, SPI ignored); released, it starts from power-on state. */
#define RESET_MIN_PS 500000000ull /* W5500 datasheet: RSTn low for at least 500 us */

void emu_chip_reset_pin(struct wf_emu *b, bool low)
{
    uint64_t now = wf_emu_time_ps(b);
    if (low) {
        b->chip_reset_since_ps = now;
    } else if (b->chip_in_reset) {
        b->chip_reset_pulses++;
        if (now - b->chip_reset_since_ps < RESET_MIN_PS && b->chip != NULL && chip_is_w5500(b)) {
            wf_emu_stop(
                b, WF_EMU_STOP_RULE,
                "W5500 /RESET released after %llu us low: the datasheet asks at least 500 us (PC 0x%08X)",
                (unsigned long long)((now - b->chip_reset_since_ps) / 1000000u), b->pc);
        }
    }
    b->chip_in_reset = low;
    if (b->chip != NULL) {
        wf_sim_chip_reset_pin(b->chip, low);
    }
}

static int cr1_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    uint32_t nv = w->val;
    if ((nv & CR1_SPE) && (nv & CR1_MSTR)) {
        bool modf = (nv & CR1_SSM) ? !(nv & CR1_SSI) : !(d->r[SPI_CR2] & CR2_SSOE);
        if (modf) {
            d->r[SPI_SR] |= SR_MODF;
            return wf_emu_stop(
                b, WF_EMU_STOP_RULE,
                "SPI1 master mode fault: NSS not held high (set SSM and SSI, or SSOE) — silicon "
                "clears SPE and MSTR (RM0383 20.3.10) (PC 0x%08X)",
                b->pc);
        }
    }
    return 0;
}

static int cr2_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    if (emu_dma_spi_active(b) && (w->val & 0x3u) != 0x3u) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "SPI1 DMA requests turned off while a DMA transfer is on the bus (PC 0x%08X)",
                           b->pc);
    }
    d->r[SPI_CR2] = w->val; /* the line below and DMA2 see the new enables */
    emu_irq_update(b);
    return emu_dma_try_start(b);
}

/* The interrupt line (RM0383 20.3.11): TXE with TXEIE, RXNE with RXNEIE, OVR/MODF/CRCERR with ERRIE. */
bool emu_spi_irq_line(const struct wf_emu *b)
{
    uint32_t cr2 = b->spi1.dev.r[SPI_CR2], sr = b->spi1.dev.r[SPI_SR];
    return ((cr2 & (1u << 7)) && (sr & SR_TXE)) || ((cr2 & (1u << 6)) && (sr & SR_RXNE)) ||
           ((cr2 & (1u << 5)) && (sr & (SR_OVR | (1u << 5) | (1u << 4))));
}

static int dr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    struct emu_spi *s = &b->spi1;
    if (check_transfer(b) != 0) {
        return -1;
    }
    if (emu_dma_spi_active(b)) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE, "SPI1_DR written during a DMA transfer (PC 0x%08X)", b->pc);
    }
    bus_update(b);
    if (s->nq == 2) {
        return wf_emu_stop(
            b, WF_EMU_STOP_RULE,
            "SPI1_DR written with TXE = 0: the byte in the TX buffer is overwritten (PC 0x%08X)", b->pc);
    }
    bus_take(b, 1);
    s->q_miso[s->nq] = exchange(b, (uint8_t)w->raw);
    s->q_end[s->nq] = s->busy_until;
    s->q_end_board[s->nq++] = s->busy_until_board;
    s->polled = false;
    bus_update(b);
    if (d->r[SPI_CR2] & 0xE0u) {
        emu_irq_update(b);
    }
    return b->stop ? -1 : 0;
}
