# WeAct Black Pill STM32F411CE + W5500 module: build facts.
set(WF_BOARD_FAMILY stm32f4)
set(WF_BOARD_PART STM32F411xE)
set(WF_BOARD_LDSCRIPT ${CMAKE_CURRENT_LIST_DIR}/STM32F411CE.ld)
# The firmware's TCP receive prefetch in bytes (apps/firmware/main.c, WF_FW_RX_PREFETCH):
# the port reads by DMA (SPI1 on DMA2), so TLS decrypts a record while the bus fetches
# the next into this buffer. The RAM budget of its images grows by as much.
set(WF_BOARD_RX_PREFETCH 4096)
