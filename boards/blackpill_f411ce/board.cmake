# WeAct Black Pill STM32F411CE + W5500 module: build facts.
set(WF_BOARD_FAMILY stm32f4)
set(WF_BOARD_PART STM32F411xE)
set(WF_BOARD_LDSCRIPT ${CMAKE_CURRENT_LIST_DIR}/STM32F411CE.ld)
set(WF_BOARD_CHIP w5500)                 # the chip the emulator models for this board
