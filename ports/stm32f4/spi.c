/* SPI polled master (see spi.h). */
#include "spi.h"

#include "board_math.h"
#include "clock.h"
#include "stm32f4_regs.h"
#include "wizfetch/error.h"

/* One byte takes 16 PCLK2 cycles at the fastest and 2048 at /256: 100 000 polls
 * is far beyond any byte on a working bus, and still only milliseconds. */
#define SPI_WAIT_LOOPS 100000u

static uint32_t spi_hz;
static uint32_t cr1_value;

uint32_t stm32f4_spi_clock_hz(void)
{
    return spi_hz;
}

int stm32f4_spi_init(SPI_TypeDef *spi, uint32_t max_hz)
{
    uint32_t bus_hz = stm32f4_bus_hz(spi);
    int br = bus_hz != 0 ? stm32f4_spi_prescaler(bus_hz, max_hz) : -1;
    if (br < 0 || stm32f4_clock_enable(spi) != 0) {
        return WF_EINVAL;
    }
    spi->CR1 = 0; /* SPE off while configuring */
    spi->CR2 = 0;
    /* SSM+SSI: the internal NSS reads high, so MODF never fires without an NSS pin. */
    cr1_value = SPI_CR1_MSTR | SPI_CR1_SSM | SPI_CR1_SSI | ((uint32_t)br << SPI_CR1_BR_Pos);
    spi->CR1 = cr1_value;
    spi->CR1 = cr1_value | SPI_CR1_SPE;
    spi_hz = stm32f4_spi_clock(bus_hz, br);
    return 0;
}

static int wait_sr(SPI_TypeDef *spi, uint32_t mask, uint32_t want)
{
    for (uint32_t i = 0; i < SPI_WAIT_LOOPS; i++) {
        if ((spi->SR & mask) == want) {
            return 0;
        }
    }
    return WF_EIO;
}

/* After a failure: disable and re-enable, dropping whatever is in the data path. */
static void recover(SPI_TypeDef *spi)
{
    spi->CR1 = cr1_value;
    (void)spi->DR;
    (void)spi->SR; /* DR then SR read clears OVR */
    spi->CR1 = cr1_value | SPI_CR1_SPE;
}

int stm32f4_spi_transfer(SPI_TypeDef *spi, const uint8_t *tx, uint8_t *rx, size_t len)
{
    /* A stale byte (left by an aborted transfer) would shift every reply by one. */
    if (spi->SR & (SPI_SR_RXNE | SPI_SR_OVR)) {
        (void)spi->DR;
        (void)spi->SR;
    }
    /* One byte in flight at a time: simple, and at <= 12.5 MHz the gap per byte is
     * a few cycles; the W5100 frames are only 4 bytes. TXE is waited for before the
     * first byte only: once a byte's RXNE is set it has left the TX buffer, which is
     * then empty (RM0383 §20.3.5, TXE set when the buffer moves to the shift register). */
    if (len > 0 && wait_sr(spi, SPI_SR_TXE, SPI_SR_TXE) != 0) {
        goto fail;
    }
    for (size_t i = 0; i < len; i++) {
        spi->DR = tx[i];
        if (wait_sr(spi, SPI_SR_RXNE, SPI_SR_RXNE) != 0) {
            goto fail;
        }
        rx[i] = (uint8_t)spi->DR;
    }
    /* RM0383 §20.3.8: wait TXE=1 then BSY=0 before the slave is deselected. */
    if (wait_sr(spi, SPI_SR_TXE | SPI_SR_BSY, SPI_SR_TXE) != 0) {
        goto fail;
    }
    return 0;
fail:
    recover(spi);
    return WF_EIO;
}

/* ---- DMA (SPI1 on DMA2: RM0383 §9.3.3 table 28, SPI1_RX stream 0 and SPI1_TX stream 3,
 * channel 3 both) ---- */

enum {
    DMA_RX_STREAM = 0,
    DMA_TX_STREAM = 3,
    DMA_SPI1_CHANNEL = 3,
    DMA_RX_FLAG_SHIFT = 0,  /* stream 0's flags in LISR/LIFCR */
    DMA_TX_FLAG_SHIFT = 22, /* stream 3's */
};

static bool dma_clock_on;
static uint8_t dma_dummy_tx; /* MOSI while reading: 0x00 */
static uint8_t dma_dummy_rx; /* where MISO goes while writing */
static size_t dma_len;       /* bytes of the transfer in flight; 0: none */

static void dma_stream_stop(DMA_Stream_TypeDef *s)
{
    s->CR = 0;
    for (uint32_t i = 0; i < SPI_WAIT_LOOPS && (s->CR & DMA_SxCR_EN); i++) {
    }
}

int stm32f4_spi_dma_start(SPI_TypeDef *spi, const uint8_t *tx, uint8_t *rx, size_t len)
{
    if (spi != SPI1 || len == 0 || len > 0xFFFFu || dma_len != 0) {
        return WF_EINVAL;
    }
    if (!dma_clock_on) {
        if (stm32f4_clock_enable(DMA2) != 0) {
            return WF_EINVAL;
        }
        dma_clock_on = true;
    }
    if (spi->SR & (SPI_SR_RXNE | SPI_SR_OVR)) { /* a stale byte would shift the reply */
        (void)spi->DR;
        (void)spi->SR;
    }
    DMA_Stream_TypeDef *rxs = &DMA2->S[DMA_RX_STREAM];
    DMA_Stream_TypeDef *txs = &DMA2->S[DMA_TX_STREAM];
    dma_stream_stop(rxs);
    dma_stream_stop(txs);
    DMA2->LIFCR = (DMA_ALL_FLAGS << DMA_RX_FLAG_SHIFT) | (DMA_ALL_FLAGS << DMA_TX_FLAG_SHIFT);
    const uint32_t common = ((uint32_t)DMA_SPI1_CHANNEL << DMA_SxCR_CHSEL_Pos) | DMA_SxCR_PL_HIGH;
    rxs->PAR = (uint32_t)(uintptr_t)&spi->DR;
    rxs->M0AR = (uint32_t)(uintptr_t)(rx != NULL ? rx : &dma_dummy_rx);
    rxs->NDTR = (uint32_t)len;
    rxs->FCR = 0; /* direct mode: byte by byte, no FIFO threshold to meet */
    rxs->CR = common | DMA_SxCR_TCIE | DMA_SxCR_TEIE | DMA_SxCR_DMEIE | (rx != NULL ? DMA_SxCR_MINC : 0);
    txs->PAR = (uint32_t)(uintptr_t)&spi->DR;
    txs->M0AR = (uint32_t)(uintptr_t)(tx != NULL ? tx : &dma_dummy_tx);
    txs->NDTR = (uint32_t)len;
    txs->FCR = 0;
    txs->CR = common | DMA_SxCR_DIR_M2P | (tx != NULL ? DMA_SxCR_MINC : 0);
    /* RM0383 §20.3.9: RX request first, then the streams, then the TX request, which
     * starts the clock. */
    dma_len = len;
    spi->CR2 |= SPI_CR2_RXDMAEN;
    rxs->CR |= DMA_SxCR_EN;
    txs->CR |= DMA_SxCR_EN;
    spi->CR2 |= SPI_CR2_TXDMAEN;
    return 0;
}

bool stm32f4_spi_dma_busy(void)
{
    return dma_len != 0;
}

int stm32f4_spi_dma_wait(SPI_TypeDef *spi)
{
    if (dma_len == 0) {
        return 0;
    }
    /* The RX stream completes last (its last byte arrives after the TX stream has
     * handed its last one over). The CPU sleeps meanwhile: the RX stream's interrupt
     * (complete or error) is enabled in the NVIC only here, with PRIMASK set, so it
     * wakes WFI (or keeps it from sleeping if the transfer already ended) without
     * running a handler; outside this wait it is only pending. The firmware enables no
     * other interrupt; a wake-up for anything else only looks again. Bounded: a
     * master always clocks, so the transfer ends. */
    const uint32_t done = (DMA_TCIF | DMA_TEIF | DMA_DMEIF) << DMA_RX_FLAG_SHIFT;
    uint32_t limit = SPI_WAIT_LOOPS + (uint32_t)dma_len * 256u;
    uint32_t isr = 0;
    uint32_t primask;
    __asm volatile("mrs %0, primask" : "=r"(primask));
    __asm volatile("cpsid i" ::: "memory");
    NVIC_ISER_BANK[DMA2_STREAM0_IRQ / 32u] = 1u << (DMA2_STREAM0_IRQ % 32u);
    for (uint32_t i = 0; i < limit; i++) {
        isr = DMA2->LISR;
        if (isr & done) {
            break;
        }
        __asm volatile("wfi" ::: "memory");
    }
    int rc = (isr & done) == (DMA_TCIF << DMA_RX_FLAG_SHIFT) &&
                     !(isr & ((DMA_TEIF | DMA_DMEIF) << DMA_TX_FLAG_SHIFT))
                 ? 0
                 : WF_EIO;
    if (rc == 0 && wait_sr(spi, SPI_SR_TXE | SPI_SR_BSY, SPI_SR_TXE) != 0) {
        rc = WF_EIO;
    }
    spi->CR2 &= ~(SPI_CR2_RXDMAEN | SPI_CR2_TXDMAEN);
    dma_stream_stop(&DMA2->S[DMA_RX_STREAM]);
    dma_stream_stop(&DMA2->S[DMA_TX_STREAM]);
    DMA2->LIFCR = (DMA_ALL_FLAGS << DMA_RX_FLAG_SHIFT) | (DMA_ALL_FLAGS << DMA_TX_FLAG_SHIFT);
    NVIC_ICER_BANK[DMA2_STREAM0_IRQ / 32u] = 1u << (DMA2_STREAM0_IRQ % 32u);
    NVIC_ICPR_BANK[DMA2_STREAM0_IRQ / 32u] =
        1u << (DMA2_STREAM0_IRQ % 32u); /* after the flags: the line is low */
    if (!(primask & 1u)) {
        __asm volatile("cpsie i" ::: "memory");
    }
    dma_len = 0;
    if (rc != 0) {
        recover(spi);
    }
    return rc;
}

/* Bounded polls for the 4-byte transfer: the loop's few cycles per look. */
#define POLL(cond)                                                                                           \
    do {                                                                                                     \
        uint32_t n_ = SPI_WAIT_LOOPS;                                                                        \
        while (!(cond)) {                                                                                    \
            if (--n_ == 0) {                                                                                 \
                goto fail;                                                                                   \
            }                                                                                                \
        }                                                                                                    \
    } while (0)

int stm32f4_spi_frames4(SPI_TypeDef *spi, GPIO_TypeDef *cs_port, uint32_t cs_pin, const uint8_t *tx,
                        uint8_t *rx, size_t count)
{
    /* The TX buffer is kept filled: byte i + 1 is written while byte i shifts, so the
     * four go back to back and the loop's work overlaps the bus. Byte i is read once
     * its RXNE is set, before byte i + 1 ends (a byte is >= 16 PCLK2 cycles; nothing
     * interrupts the polled firmware), else OVR. No stale-byte or first TXE check: a
     * run starts after a transfer that ended with RXNE read and BSY = 0, as each
     * frame here does. BSY falls within an SCK period of the last RXNE: a short bound. */
    const uint32_t cs_low = 1u << (cs_pin + 16u), cs_high = 1u << cs_pin;
    for (const uint8_t *end = tx + 4u * count; tx != end; tx += 4, rx += 4) {
        cs_port->BSRR = cs_low;
        spi->DR = tx[0];
        for (unsigned i = 1; i < 4; i++) {
            POLL(spi->SR & SPI_SR_TXE);
            spi->DR = tx[i];
            POLL(spi->SR & SPI_SR_RXNE);
            rx[i - 1] = (uint8_t)spi->DR;
        }
        POLL(spi->SR & SPI_SR_RXNE);
        rx[3] = (uint8_t)spi->DR;
        unsigned n = 64;
        while ((spi->SR & SPI_SR_BSY) && --n != 0) {
        }
        cs_port->BSRR = cs_high;
        if (n == 0) {
            goto fail;
        }
    }
    return 0;
fail:
    cs_port->BSRR = 1u << cs_pin;
    recover(spi);
    return WF_EIO;
}
