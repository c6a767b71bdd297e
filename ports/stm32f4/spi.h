/**
 * @file spi.h
 * @brief An SPI instance (SPI1..) as a polled master: mode 0 (CPOL 0, CPHA 0),
 * 8-bit frames, MSB first, software slave management (SSM = SSI = 1: the NSS
 * pin is not used; chip selects are GPIOs driven by the caller). Which
 * instance, and its pins, are board facts: the board sets the pins up before
 * stm32f4_spi_init(). One instance at a time (the chip's bus).
 */
#ifndef STM32F4_SPI_H
#define STM32F4_SPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stm32f4_regs.h"

/**
 * @brief Enable `spi` at the fastest SCK <= `max_hz` that its bus clock /
 * 2^(BR+1) allows (stm32f4_spi_prescaler()). Call after stm32f4_clock_init().
 * @return 0, or WF_EINVAL if even bus/256 is above `max_hz` or the instance
 * is unknown.
 */
int stm32f4_spi_init(SPI_TypeDef *spi, uint32_t max_hz);

/** @brief SCK frequency chosen by stm32f4_spi_init() (0 before). */
uint32_t stm32f4_spi_clock_hz(void);

/**
 * @brief Full-duplex transfer of `len` bytes on `spi`: tx[i] out, rx[i] in.
 * Polls TXE and RXNE with bounded loops, then waits for BSY = 0 so the last
 * bit is on the wire before the caller raises chip select. Chip select is not
 * touched.
 * @return 0, or WF_EIO if a flag never came (the peripheral is then reset to a
 * clean state for the next transfer).
 */
int stm32f4_spi_transfer(SPI_TypeDef *spi, const uint8_t *tx, uint8_t *rx, size_t len);

/**
 * @brief `count` frames of 4 bytes (W5100 frames), frame i tx[4i..] out and rx[4i..]
 * in, each under its own chip select: `cs_pin` of `cs_port` driven low before and
 * high after. The caller guarantees the previous transfer ended cleanly.
 * @return 0, or WF_EIO (chip select raised, the peripheral reset).
 */
int stm32f4_spi_frames4(SPI_TypeDef *spi, GPIO_TypeDef *cs_port, uint32_t cs_pin, const uint8_t *tx,
                        uint8_t *rx, size_t count);

/**
 * @brief Start a full-duplex transfer of `len` (1..65535) bytes by DMA and return at
 * once: SPI1 only (DMA2, RX stream 0 and TX stream 3, channel 3; the DMA2 clock is
 * enabled on first use). `tx` NULL: MOSI is 0x00 for every byte; `rx` NULL: MISO
 * is discarded. The buffers must stay untouched until stm32f4_spi_dma_wait().
 * Chip select is not touched. One transfer at a time.
 * @return 0, or WF_EINVAL (not SPI1, a bad length, a transfer still in flight).
 */
int stm32f4_spi_dma_start(SPI_TypeDef *spi, const uint8_t *tx, uint8_t *rx, size_t len);

/** @brief A DMA transfer was started and not yet waited for. */
bool stm32f4_spi_dma_busy(void);

/**
 * @brief Wait (bounded) until the started DMA transfer has ended and the last bit
 * is on the wire (BSY = 0), then release the streams. 0 at once if none is in
 * flight. @return 0, or WF_EIO (a stream error or no completion; the peripheral
 * is reset to a clean state).
 */
int stm32f4_spi_dma_wait(SPI_TypeDef *spi);

#endif
