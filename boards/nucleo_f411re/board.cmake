# Nucleo-F411RE + Arduino Ethernet Shield (W5100): build facts.
set(WF_BOARD_FAMILY stm32f4)
set(WF_BOARD_PART STM32F411xE)
set(WF_BOARD_LDSCRIPT ${CMAKE_CURRENT_LIST_DIR}/STM32F411RE.ld)
set(WF_BOARD_CHIP w5100)                 # the chip the emulator models for this board
