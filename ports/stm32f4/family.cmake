# The STM32F4 family code as one library, for whichever board (boards/<board>/)
# the build is for. Included by CMakeLists.txt with WF_BOARD_PART set by the board.
add_library(wf_family STATIC
  ${CMAKE_CURRENT_LIST_DIR}/startup.c
  ${CMAKE_CURRENT_LIST_DIR}/syscalls.c
  ${CMAKE_CURRENT_LIST_DIR}/clock.c
  ${CMAKE_CURRENT_LIST_DIR}/time.c
  ${CMAKE_CURRENT_LIST_DIR}/spi.c
  ${CMAKE_CURRENT_LIST_DIR}/usart.c
  ${CMAKE_CURRENT_LIST_DIR}/iwdg.c
  ${CMAKE_CURRENT_LIST_DIR}/adc_entropy.c
  ${CMAKE_CURRENT_LIST_DIR}/flash_seed.c
  ${CMAKE_CURRENT_LIST_DIR}/port_stm32f4.c
  ${CMAKE_CURRENT_LIST_DIR}/board_api.c
  ${CMAKE_CURRENT_LIST_DIR}/board_math.c
  ${CMAKE_CURRENT_LIST_DIR}/entropy_cond.c
  ${CMAKE_CURRENT_LIST_DIR}/seed_store.c
)
# The firmware's board API (ports/board_api.h, the contract every family implements)
# is what board_api.c implements.
target_include_directories(wf_family PUBLIC ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_SOURCE_DIR}/ports)
target_compile_definitions(wf_family PUBLIC ${WF_BOARD_PART})
# The C library's references to the syscalls are resolved after link-time
# optimisation has decided what is used: keep these two out of LTO.
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/syscalls.c ${CMAKE_CURRENT_LIST_DIR}/startup.c
                            PROPERTIES COMPILE_OPTIONS -fno-lto)
target_link_libraries(wf_family PUBLIC wizfetch_core)
# Linked with the board's script (-T${WF_BOARD_LDSCRIPT} -L<this folder> for the
# INCLUDEd memory map and sections), -nostartfiles --specs=nano.specs
# -Wl,--gc-sections; startup.c (vector table, Reset_Handler) is pulled from the
# archive by the script's ENTRY(Reset_Handler), its .isr_vector is KEEP().
set(WF_FAMILY_LDDIR ${CMAKE_CURRENT_LIST_DIR})
