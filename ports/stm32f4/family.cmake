# The STM32F4 family code as one library per board (cmake/cross.cmake calls
# wf_family_library(<target> <part>) with the board's WF_BOARD_PART; the caller
# links it to the board's wizfetch core).
function(wf_family_library target part)
  set(dir ${CMAKE_SOURCE_DIR}/ports/stm32f4)
  add_library(${target} STATIC
    ${dir}/startup.c
    ${dir}/syscalls.c
    ${dir}/clock.c
    ${dir}/time.c
    ${dir}/spi.c
    ${dir}/usart.c
    ${dir}/iwdg.c
    ${dir}/adc_entropy.c
    ${dir}/flash_seed.c
    ${dir}/flash_prog.c
    ${dir}/ota_port.c
    ${dir}/port_stm32f4.c
    ${dir}/board_api.c
    ${dir}/board_math.c
    ${dir}/entropy_cond.c
    ${dir}/seed_store.c
  )
  # The firmware's board API (ports/board_api.h, the contract every family implements)
  # is what board_api.c implements.
  target_include_directories(${target} PUBLIC ${dir} ${CMAKE_SOURCE_DIR}/ports)
  target_compile_definitions(${target} PUBLIC ${part})
  # The C library's references to the syscalls are resolved after link-time
  # optimisation has decided what is used: keep these two out of LTO.
  set_source_files_properties(${dir}/syscalls.c ${dir}/startup.c PROPERTIES COMPILE_OPTIONS -fno-lto)
endfunction()
# Linked with the board's script (-T${WF_BOARD_LDSCRIPT} -L<this folder> for the
# INCLUDEd memory map and sections), -nostartfiles, the C library of cmake/cross.cmake (WF_LIBC),
# -Wl,--gc-sections; startup.c (vector table, Reset_Handler) is pulled from the
# archive by the script's ENTRY(Reset_Handler), its .isr_vector is KEEP().
set(WF_FAMILY_LDDIR ${CMAKE_CURRENT_LIST_DIR})
