/* DMA2 (RM0383 §9), as far as SPI1 uses it: streams 0-3 are modelled (registers and
 * rules), and a transfer runs only between SPI1 and memory on channel 3 (RM0383 table
 * 28: SPI1_RX on stream 0 or 2, SPI1_TX on stream 3; stream 5, SPI1_TX's other
 * stream, is outside the modelled block and stops the run like every other
 * unmodelled access).
 *
 * Timing. A transfer starts once SPI1's CR2 has both TXDMAEN and RXDMAEN and an RX
 * and a TX stream are enabled with the same NDTR: its bytes are clocked to the chip
 * model at once, in order, under the current /SCS (the model sees the same frames
 * as from the CPU), and the bus is busy for NDTR x 8 SCK periods from then (after a
 * byte still on the bus). The CPU keeps executing meanwhile; the received bytes
 * reach memory, TCIF/HTIF rise, EN clears and NDTR reads 0 only when that time has
 * come (NDTR counts down with it before). So a driver that reads the buffer before
 * the transfer completed sees the old bytes, as on silicon it would see part of
 * them. Raising /SCS, writing SPI1_DR or changing a stream during a transfer stops
 * the run (a rule of the silicon that the driver broke).
 */
#include <string.h>

#include "emu_machine.h"

#define CR_EN (1u << 0)
#define CR_HTIE (1u << 3) /* the half-transfer interrupt is not modelled */
#define CR_WAKE_IE 0x16u  /* DMEIE TEIE TCIE: the stream's interrupt line (TCIF, TEIF, DMEIF) */
#define CR_PFCTRL (1u << 5)
#define CR_DIR_SHIFT 6
#define CR_CIRC (1u << 8)
#define CR_PINC (1u << 9)
#define CR_MINC (1u << 10)
#define CR_SIZES (0xFu << 11) /* PSIZE, MSIZE: bytes only */
#define CR_DBM (1u << 18)
#define CR_CHSEL_SHIFT 25
#define FCR_DMDIS (1u << 2)

#define FLAG_HT 0x10u
#define FLAG_TC 0x20u

#define SPI1_DR 0x4001300Cu

static const unsigned flag_shift[4] = {0, 6, 16, 22};

static int cr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int locked_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);
static int ndtr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int isr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v);
static int ifcr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w);

#define STREAM_ROWS(n)                                                                                       \
    [DMA_S0CR + 6 * (n)] = {0x10 + 0x18 * (n), "DMA2_S" #n "CR", 0, 0x0FEFFFFFu, NULL, cr_write},            \
                    [DMA_S0NDTR + 6 * (n)] = {0x14 + 0x18 * (n), "DMA2_S" #n "NDTR", 0,                      \
                                              0xFFFFu,           ndtr_read,          locked_write},          \
                    [DMA_S0PAR + 6 * (n)] = {0x18 + 0x18 * (n), "DMA2_S" #n "PAR", 0, 0xFFFFFFFFu, NULL,     \
                                             locked_write},                                                  \
                    [DMA_S0M0AR + 6 * (n)] = {0x1C + 0x18 * (n), "DMA2_S" #n "M0AR", 0, 0xFFFFFFFFu, NULL,   \
                                              locked_write},                                                 \
                    [DMA_S0M1AR + 6 * (n)] = {0x20 + 0x18 * (n), "DMA2_S" #n "M1AR", 0, 0xFFFFFFFFu, NULL,   \
                                              locked_write},                                                 \
                    [DMA_S0FCR + 6 * (n)] = {0x24 + 0x18 * (n), "DMA2_S" #n "FCR", 0x21u, 0x87u, NULL,       \
                                             locked_write}

static const struct emu_reg dma_regs[DMA_NREGS] = {
    [DMA_LISR] = {0x00, "DMA2_LISR", 0, 0, isr_read},
    [DMA_HISR] = {0x04, "DMA2_HISR", 0, 0},
    [DMA_LIFCR] = {0x08, "DMA2_LIFCR", 0, 0x0F7D0F7Du, NULL, ifcr_write},
    [DMA_HIFCR] = {0x0C, "DMA2_HIFCR", 0, 0x0F7D0F7Du, NULL, ifcr_write},
    STREAM_ROWS(0),
    STREAM_ROWS(1),
    STREAM_ROWS(2),
    STREAM_ROWS(3),
};

void emu_dma_init(struct wf_emu *b)
{
    emu_dev_init(&b->dma2.dev, "DMA2", 0x40026400u, 0x70, dma_regs, DMA_NREGS, EMU_GATE_AHB1, 1u << 22, 2);
    wf_emu_attach(b, &b->dma2.dev);
}

void emu_dma_reset(struct wf_emu *b)
{
    emu_dev_reset(&b->dma2.dev);
    b->dma2.active = false;
}

static uint32_t *sreg(struct wf_emu *b, unsigned stream, unsigned reg)
{
    return &b->dma2.dev.r[DMA_S0CR + 6 * stream + reg];
}

static unsigned stream_of(uint32_t off)
{
    return (off - 0x10u) / 0x18u;
}

/* The transfer's end, once its time has come: the received bytes into memory, the
 * flags, EN and NDTR. */
void emu_dma_update(struct wf_emu *b)
{
    struct emu_dma *m = &b->dma2;
    if (!m->active || wf_emu_cycles(b) < m->done_cycles) {
        return;
    }
    m->active = false;
    uint32_t rxcr = *sreg(b, m->rx_stream, 0);
    uint32_t dst = *sreg(b, m->rx_stream, 3);
    if (rxcr & CR_MINC) {
        memcpy(b->sram + (dst - WF_EMU_SRAM_BASE), m->miso, m->len);
    } else {
        b->sram[dst - WF_EMU_SRAM_BASE] = m->miso[m->len - 1];
    }
    const unsigned streams[2] = {m->rx_stream, m->tx_stream};
    for (unsigned i = 0; i < 2; i++) {
        *sreg(b, streams[i], 0) &= ~CR_EN;
        *sreg(b, streams[i], 1) = 0;
        b->dma2.dev.r[DMA_LISR] |= (FLAG_TC | FLAG_HT) << flag_shift[streams[i]];
    }
    m->transfers++;
    m->bytes += m->len;
    emu_irq_update(b); /* TCIF with TCIE raises the stream's line */
}

bool emu_dma_irq_line(const struct wf_emu *b, unsigned stream)
{
    uint32_t flags = (b->dma2.dev.r[DMA_LISR] >> flag_shift[stream]) & (FLAG_TC | 0x08u | 0x04u);
    uint32_t cr = b->dma2.dev.r[DMA_S0CR + 6 * stream];
    return ((flags & FLAG_TC) && (cr & (1u << 4))) || ((flags & 0x08u) && (cr & (1u << 2))) ||
           ((flags & 0x04u) && (cr & (1u << 1)));
}

void emu_dma_wait(struct wf_emu *b)
{
    wf_emu_bus_wait(b, b->dma2.done_cycles, b->dma2.done_board);
}

uint64_t emu_dma_wake_cycles(const struct wf_emu *b)
{
    const struct emu_dma *m = &b->dma2;
    if (m->active && (b->dma2.dev.r[DMA_S0CR + 6 * m->rx_stream] & CR_WAKE_IE)) {
        return m->done_cycles;
    }
    return UINT64_MAX;
}

bool emu_dma_spi_active(struct wf_emu *b)
{
    emu_dma_update(b);
    return b->dma2.active;
}

static int isr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)off;
    emu_dma_update(b);
    *v = d->r[DMA_LISR];
    return 0;
}

static int ifcr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    emu_dma_update(b);
    d->r[w->off == 0x08 ? DMA_LISR : DMA_HISR] &= ~w->val;
    w->val = 0; /* write-only: reads 0 */
    return 0;
}

static int ndtr_read(struct wf_emu *b, struct emu_dev *d, uint32_t off, uint32_t *v)
{
    (void)d;
    emu_dma_update(b);
    struct emu_dma *m = &b->dma2;
    unsigned s = stream_of(off);
    if (m->active && (s == m->rx_stream || s == m->tx_stream)) {
        uint64_t left = m->done_cycles - wf_emu_cycles(b);
        uint64_t per = m->byte_cycles ? m->byte_cycles : 1;
        *v = (uint32_t)((left + per - 1) / per);
    }
    return 0;
}

static int locked_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    unsigned s = stream_of(w->off);
    emu_dma_update(b);
    if (d->r[DMA_S0CR + 6 * s] & CR_EN) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "DMA2 stream %u: register at offset 0x%02X written while the stream is enabled "
                           "(RM0383 9.5: only with EN = 0) (PC 0x%08X)",
                           s, w->off, b->pc);
    }
    return 0;
}

/* What an enabled stream must be for the model: SPI1 on channel 3, bytes, direct mode. */
static int check_stream(struct wf_emu *b, unsigned s, uint32_t cr)
{
    unsigned chsel = (cr >> CR_CHSEL_SHIFT) & 7u, dir = (cr >> CR_DIR_SHIFT) & 3u;
    bool rx = s == 0 || s == 2, tx = s == 3;
    const char *why = NULL;
    if (chsel != 3 || (!rx && !tx)) {
        why = "only SPI1 (channel 3: RX on stream 0 or 2, TX on stream 3) is modelled";
    } else if (dir != (rx ? 0u : 1u)) {
        why = rx ? "SPI1_RX needs DIR = peripheral to memory" : "SPI1_TX needs DIR = memory to peripheral";
    } else if (*sreg(b, s, 2) != SPI1_DR) {
        why = "PAR is not SPI1_DR";
    } else if (cr & (CR_HTIE | CR_PFCTRL | CR_CIRC | CR_PINC | CR_SIZES | CR_DBM)) {
        why = "the half-transfer interrupt, flow control, circular, double-buffer, peripheral increment and "
              "sizes other than a byte are not modelled";
    } else if (*sreg(b, s, 5) & FCR_DMDIS) {
        why = "FIFO mode is not modelled (direct mode only)";
    } else if (*sreg(b, s, 1) == 0) {
        why = "NDTR is 0";
    } else {
        uint32_t a = *sreg(b, s, 3), n = (cr & CR_MINC) ? *sreg(b, s, 1) : 1u;
        bool in_sram = a >= WF_EMU_SRAM_BASE && a - WF_EMU_SRAM_BASE + n <= WF_EMU_SRAM_SIZE;
        bool in_flash = a >= WF_EMU_FLASH_BASE && a - WF_EMU_FLASH_BASE + n <= WF_EMU_FLASH_SIZE;
        if (!(in_sram || (tx && in_flash))) {
            why = "M0AR (with NDTR bytes) is not in SRAM (or, for TX, flash)";
        }
    }
    if (why != NULL) {
        return wf_emu_stop(b, WF_EMU_STOP_UNMODELLED, "DMA2 stream %u enabled with CR 0x%08X: %s (PC 0x%08X)",
                           s, cr, why, b->pc);
    }
    return 0;
}

int emu_dma_try_start(struct wf_emu *b)
{
    struct emu_dma *m = &b->dma2;
    uint32_t cr2 = b->spi1.dev.r[SPI_CR2];
    if (m->active || (cr2 & 3u) != 3u) {
        return 0;
    }
    int rx = (*sreg(b, 0, 0) & CR_EN) ? 0 : (*sreg(b, 2, 0) & CR_EN) ? 2 : -1;
    if (rx < 0 || !(*sreg(b, 3, 0) & CR_EN)) {
        return 0; /* not all there yet: the requests wait */
    }
    uint32_t n = *sreg(b, (unsigned)rx, 1);
    if (*sreg(b, 3, 1) != n) {
        return wf_emu_stop(b, WF_EMU_STOP_UNMODELLED,
                           "DMA2: SPI1 RX stream NDTR %u and TX stream NDTR %u differ (PC 0x%08X)", n,
                           *sreg(b, 3, 1), b->pc);
    }
    uint32_t txcr = *sreg(b, 3, 0), src = *sreg(b, 3, 3);
    const uint8_t *mem =
        src >= WF_EMU_SRAM_BASE ? b->sram + (src - WF_EMU_SRAM_BASE) : b->flash + (src - WF_EMU_FLASH_BASE);
    if (emu_spi_dma_begin(b, n) != 0) {
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (emu_spi_dma_byte(b, mem[(txcr & CR_MINC) ? i : 0], &m->miso[i]) != 0) {
            return -1;
        }
    }
    m->active = true;
    m->rx_stream = (unsigned)rx;
    m->tx_stream = 3;
    m->len = n;
    m->byte_cycles = emu_spi_byte_cycles(b);
    m->done_cycles = b->spi1.busy_until;
    m->done_board = b->spi1.busy_until_board;
    return 0;
}

static int cr_write(struct wf_emu *b, struct emu_dev *d, struct emu_write *w)
{
    unsigned s = stream_of(w->off);
    emu_dma_update(b);
    bool was = (w->old & CR_EN) != 0, now = (w->val & CR_EN) != 0;
    if (was && b->dma2.active && (s == b->dma2.rx_stream || s == b->dma2.tx_stream)) {
        return wf_emu_stop(b, WF_EMU_STOP_RULE,
                           "DMA2 stream %u changed (CR 0x%08X) during its SPI1 transfer (PC 0x%08X)", s,
                           w->val, b->pc);
    }
    if (!was && now) {
        if (check_stream(b, s, w->val) != 0) {
            return -1;
        }
        d->r[DMA_S0CR + 6 * s] = w->val; /* try_start sees it enabled */
        return emu_dma_try_start(b);
    }
    return 0;
}
