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
