/* SPI1 (RM0383 section 20.5) wired to the W5100 chip model, /SCS on PB6.
 *
 * Byte-wise exchange. The firmware reads each MISO byte from DR right after
 * clocking the MOSI byte, but the chip model takes whole frames. A W5100 frame is
 * exactly 4 bytes, and the chip's MISO for bytes 0..2 is a fixed echo (0x00,
 * 0x01, 0x02) that does not depend on the frame; only byte 3 (read data) does.
 * So this model buffers the frame under one chip select, answers bytes 0..2 with
 * the echo, and on the 4th byte hands the whole frame to wf_sim_chip_spi_frame()
 * and returns its byte 3. A chip-select cycle of any other length is a driver bug
 * (the W5100 has no burst mode): it stops the run; a short one is first passed to
 * the model so that it records its own violation. With no shield (--no-chip) every
 * MISO byte is the stuck value. No change to the chip model is needed; a W5500
 * (variable-length frames) would need a byte-wise interface in the model.
 *
 * Transfers complete at once: RXNE is set and BSY is clear as soon as DR is
 * written (the bus time is added by the report's estimate, not to emulated time).
 */
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

void wf_spi_reset(struct wf_board *b)
{
    struct wf_spi *s = &b->spi1;
    uint64_t bytes = s->bytes, deselected = s->bytes_deselected;
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
        return wf_board_stop(b, WF_STOP_RULE, "SPI1 in mode %u: the W5100 supports modes 0 and 3 (PC 0x%08X)",
                             mode, b->pc);
    }
    if (cr1 & (CR1_LSBFIRST | CR1_DFF | CR1_RXONLY | CR1_BIDIMODE | CR1_CRCEN)) {
        return wf_board_stop(
            b, WF_STOP_RULE,
            "SPI1_CR1 = 0x%04X: the W5100 needs 8-bit frames, MSB first, full duplex, no CRC (PC "
            "0x%08X)",
            cr1, b->pc);
    }
    uint32_t hz = wf_board_spi1_hz(b);
    if (hz > W5100_MAX_SCK_HZ) {
        return wf_board_stop(b, WF_STOP_RULE,
                             "SPI1 SCK %u Hz (PCLK2 %u Hz, BR %u) exceeds the W5100's ~14 MHz (PC 0x%08X)",
                             hz, wf_board_pclk2(b), (cr1 >> 3) & 7u, b->pc);
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
    if (s->pos < sizeof s->frame) {
        s->frame[s->pos] = mosi;
    }
    unsigned pos = s->pos++;
    if (b->chip_absent || b->chip == NULL) {
        return b->chip_absent_miso;
    }
    if (pos < 3) {
        return (uint8_t)pos; /* W5100 echo: 0x00, 0x01, 0x02 */
    }
    if (pos == 3) {
        wf_sim_chip_spi_frame(b->chip, s->frame, s->frame_rx, 4);
        return s->frame_rx[3];
    }
    wf_board_stop(
        b, WF_STOP_RULE,
        "SPI byte %u under one W5100 chip select: a frame is exactly 4 bytes, raise PB6 between frames "
        "(PC 0x%08X)",
        pos + 1, b->pc);
    return 0xFF;
}

int wf_spi_chip_select(struct wf_board *b, bool low)
{
    struct wf_spi *s = &b->spi1;
    if (low) {
        s->pos = 0;
        return 0;
    }
    unsigned n = s->pos;
    s->pos = 0;
    if (n == 0 || n == 4 || b->chip == NULL || b->chip_absent) {
        return 0;
    }
    if (n < 4) {
        wf_sim_chip_spi_frame(b->chip, s->frame, s->frame_rx, n); /* the model records a short frame */
        return wf_board_stop(b, WF_STOP_RULE,
                             "W5100 chip select raised after %u byte%s: a frame is 4 bytes (PC 0x%08X)", n,
                             n == 1 ? "" : "s", b->pc);
    }
    return 0; /* > 4: already reported at the 5th byte */
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
