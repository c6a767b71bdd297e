/**
 * @file spi.h
 * @brief SPI1 as a polled master: mode 0 (CPOL 0, CPHA 0), 8-bit frames, MSB
 * first, software slave management (SSM = SSI = 1: the NSS pin is not used;
 * chip selects are GPIOs driven by the caller). The pins (SCK/MISO/MOSI, AF5)
 * are set up by the board before stm32f4_spi1_init().
 */
#ifndef STM32F4_SPI_H
#define STM32F4_SPI_H

#include <stddef.h>
#include <stdint.h>

/**
 * @brief Enable SPI1 at the fastest SCK <= `max_hz` that PCLK2 / 2^(BR+1) allows
 * (stm32f4_spi_prescaler()). Call after stm32f4_clock_init().
 * @return 0, or WF_EINVAL if even PCLK2/256 is above `max_hz`.
 */
int stm32f4_spi1_init(uint32_t max_hz);

/** @brief SCK frequency chosen by stm32f4_spi1_init() (0 before). */
uint32_t stm32f4_spi1_clock_hz(void);

/**
 * @brief Full-duplex transfer of `len` bytes: tx[i] out, rx[i] in. Polls TXE and
 * RXNE with bounded loops, then waits for BSY = 0 so the last bit is on the wire
 * before the caller raises chip select. Chip select is not touched.
 * @return 0, or WF_EIO if a flag never came (the peripheral is then reset to a
 * clean state for the next transfer).
 */
int stm32f4_spi1_transfer(const uint8_t *tx, uint8_t *rx, size_t len);

#endif
