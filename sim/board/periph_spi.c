/* SPI1 (RM0383 section 20.5) wired to the chip model (W5100 or W5500), /SCS on PB6.
 *
 * Byte-wise exchange through the model's byte interface: the first byte clocked
 * with PB6 low selects the chip (wf_sim_chip_spi_select; a low pulse with no
 * byte is no frame), each DR write is one byte whose MISO the next DR read
 * returns (wf_sim_chip_spi_byte), and PB6 high ends the frame
 * (wf_sim_chip_spi_deselect). The model decodes and records its own violations.
 * W5100: a chip-select cycle of any length but 4 is a driver bug (it has no
 * burst mode) and also stops the run. W5500: frames are 3 + N bytes. With no
 * shield (--no-chip) every MISO byte is the stuck value.
 *
 * Transfers complete at once: RXNE is set and BSY is clear as soon as DR is
 * written (the bus time is added by the report's estimate, not to emulated time).
 */
#include <string.h>

#include "board.h"

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

#define W5100_MAX_SCK_HZ 14000000u /* the usually quoted limit (facts sheet 1.3) */
#define W5500_MAX_SCK_HZ 33300000u /* the guaranteed SCLK (facts sheet 7.2; 80 MHz theoretical) */

static bool chip_is_w5500(const struct wf_board *b)
{
    return b->chip != NULL && strcmp(wf_sim_chip_name(b->chip), "W5500") == 0;
}

static const char *chip_name(const struct wf_board *b)
{
    return chip_is_w5500(b) ? "W5500" : "W5100";
}

void wf_spi_reset(struct wf_board *b)
{
    struct wf_spi *s = &b->spi1;
    uint64_t bytes = s->bytes, deselected = s->bytes_deselected;
    if (s->selected && b->chip != NULL) {
        wf_sim_chip_spi_deselect(b->chip); /* PB6 floats: the frame ends */
    }
    *s = (struct wf_spi){0};
    s->sr = SR_TXE;
    s->crcpr = 7;
    s->i2spr = 2;
    s->bytes = bytes;
    s->bytes_deselected = deselected;
}

int wf_spi_read(struct wf_board *b, uint32_t off, uint32_t *v)
{
    struct wf_spi *s = &b->spi1;
    switch (off) {
    case 0x00:
        *v = s->cr1;
        return 0;
    case 0x04:
        *v = s->cr2;
        return 0;
    case 0x08:
        *v = s->sr;
        if (s->ovr_dr_read) { /* OVR clears by a DR read followed by an SR read */
            s->sr &= ~SR_OVR;
            s->ovr_dr_read = false;
        }
        return 0;
    case 0x0C:
        *v = s->rx;
        s->sr &= ~SR_RXNE;
        s->ovr_dr_read = (s->sr & SR_OVR) != 0;
        return 0;
    case 0x10:
        *v = s->crcpr;
        return 0;
    case 0x14:
    case 0x18:
        *v = 0;
        return 0;
    case 0x1C:
        *v = s->i2scfgr;
        return 0;
    case 0x20:
        *v = s->i2spr;
        return 0;
    default:
        return wf_board_reserved(b);
    }
}

/* What a transfer needs from the configuration, pins and clocks. */
static int check_transfer(struct wf_board *b)
{
    uint32_t cr1 = b->spi1.cr1;
    if (!(cr1 & CR1_SPE) || !(cr1 & CR1_MSTR)) {
        return wf_board_stop(b, WF_STOP_RULE,
                             "SPI1 DR written with SPE = %u, MSTR = %u: nothing is clocked (PC 0x%08X)",
                             !!(cr1 & CR1_SPE), !!(cr1 & CR1_MSTR), b->pc);
    }
    unsigned mode = (cr1 & (CR1_CPOL | CR1_CPHA));
    if (mode != 0 && mode != 3) {
        return wf_board_stop(b, WF_STOP_RULE, "SPI1 in mode %u: the %s supports modes 0 and 3 (PC 0x%08X)",
                             mode, chip_name(b), b->pc);
    }
    if (cr1 & (CR1_LSBFIRST | CR1_DFF | CR1_RXONLY | CR1_BIDIMODE | CR1_CRCEN)) {
        return wf_board_stop(
            b, WF_STOP_RULE,
            "SPI1_CR1 = 0x%04X: the %s needs 8-bit frames, MSB first, full duplex, no CRC (PC "
            "0x%08X)",
            cr1, chip_name(b), b->pc);
    }
    uint32_t hz = wf_board_spi1_hz(b);
    if (chip_is_w5500(b) ? hz > W5500_MAX_SCK_HZ : hz > W5100_MAX_SCK_HZ) {
        return wf_board_stop(b, WF_STOP_RULE,
                             "SPI1 SCK %u Hz (PCLK2 %u Hz, BR %u) exceeds the %s's %s (PC 0x%08X)", hz,
                             wf_board_pclk2(b), (cr1 >> 3) & 7u, chip_name(b),
                             chip_is_w5500(b) ? "33.3 MHz" : "~14 MHz", b->pc);
    }
    static const unsigned pins[3] = {5, 6, 7};
    static const char *const names[3] = {"PA5 (SCK)", "PA6 (MISO)", "PA7 (MOSI)"};
    for (unsigned i = 0; i < 3; i++) {
        if (!wf_gpio_is_af(b, 0, pins[i], 5)) {
            return wf_board_stop(b, WF_STOP_RULE,
                                 "SPI1 transfer with %s not in alternate function 5 (PC 0x%08X)", names[i],
                                 b->pc);
        }
    }
    int sd = wf_gpio_output_level(b, 1, 5);
    bool sd_pulled_up = sd < 0 && ((b->gpio[1].pupdr >> 10) & 3u) == 1u;
    if (sd == 0 || (sd < 0 && !sd_pulled_up)) {
        return wf_board_stop(
            b, WF_STOP_RULE,
            "SPI1 transfer while the SD card's select PB5 is not held high: two devices on MISO (PC "
            "0x%08X)",
            b->pc);
    }
    return 0;
}

static uint8_t exchange(struct wf_board *b, uint8_t mosi)
{
    struct wf_spi *s = &b->spi1;
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
        wf_board_stop(
            b, WF_STOP_RULE,
            "SPI byte %u under one W5100 chip select: a frame is exactly 4 bytes, raise PB6 between "
            "frames (PC 0x%08X)",
            pos + 1, b->pc);
        return 0xFF;
    }
    return miso;
}

int wf_spi_chip_select(struct wf_board *b, bool low)
{
    struct wf_spi *s = &b->spi1;
    unsigned n = s->pos;
    s->pos = 0;
    if (low || !s->selected) {
        return 0;
    }
    s->selected = false;
    wf_sim_chip_spi_deselect(b->chip); /* the model records its own length violations */
    if (n < 4 && !chip_is_w5500(b)) {
        return wf_board_stop(b, WF_STOP_RULE,
                             "W5100 chip select raised after %u byte%s: a frame is 4 bytes (PC 0x%08X)", n,
                             n == 1 ? "" : "s", b->pc);
    }
    return 0; /* W5100 > 4: already reported at the 5th byte */
}

int wf_spi_write(struct wf_board *b, uint32_t off, uint32_t v, uint32_t mask)
{
    struct wf_spi *s = &b->spi1;
    switch (off) {
    case 0x00: {
        uint32_t nv = ((s->cr1 & ~mask) | (v & mask)) & 0xFFFFu;
        if ((nv & CR1_SPE) && (nv & CR1_MSTR)) {
            bool modf = (nv & CR1_SSM) ? !(nv & CR1_SSI) : !(s->cr2 & CR2_SSOE);
            if (modf) {
                s->sr |= SR_MODF;
                return wf_board_stop(
                    b, WF_STOP_RULE,
                    "SPI1 master mode fault: NSS not held high (set SSM and SSI, or SSOE) — silicon "
                    "clears SPE and MSTR (RM0383 20.3.10) (PC 0x%08X)",
                    b->pc);
            }
        }
        s->cr1 = nv;
        return 0;
    }
    case 0x04:
        s->cr2 = ((s->cr2 & ~mask) | (v & mask)) & 0xF7u;
        if (s->cr2 & 0xE0u) {
            return wf_board_stop(
                b, WF_STOP_RULE,
                "SPI1 interrupts enabled (CR2 TXEIE/RXNEIE/ERRIE): no interrupt controller is "
                "modelled (PC 0x%08X)",
                b->pc);
        }
        if (s->cr2 & 0x3u) {
            return wf_board_stop(b, WF_STOP_UNMODELLED,
                                 "SPI1 DMA requests (CR2 TXDMAEN/RXDMAEN) are not modelled (PC 0x%08X)",
                                 b->pc);
        }
        return 0;
    case 0x08:
        s->sr &= ~(v & mask & (1u << 4)); /* CRCERR is write-0-to-clear; the rest read-only */
        return 0;
    case 0x0C: {
        if (check_transfer(b) != 0) {
            return -1;
        }
        uint8_t miso = exchange(b, (uint8_t)v);
        if (s->sr & SR_RXNE) {
            s->sr |= SR_OVR; /* the previous byte was never read: it is kept, the new one lost */
        } else {
            s->rx = miso;
            s->sr |= SR_RXNE;
        }
        return b->stop ? -1 : 0;
    }
    case 0x10:
        s->crcpr = v & mask & 0xFFFFu;
        return 0;
    case 0x1C:
    case 0x20:
        if (v & mask) {
            return wf_board_stop(b, WF_STOP_UNMODELLED, "SPI1 I2S mode is not modelled (PC 0x%08X)", b->pc);
        }
        return 0;
    default:
        return wf_board_reserved(b);
    }
}
