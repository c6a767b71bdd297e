# The emulator's interrupt test image (tests/emu_irq/irq_image.c): the firmware's
# sources and settings, plus the interrupt set-up wrapped around three of its calls.
# Included by cmake/firmware.cmake after the image it starts from is complete (its
# target: WF_EMU_IRQ_BASE); built on request only (make test-emu-irq): cmake --build
# <dir> --target emu_irq.
add_executable(emu_irq EXCLUDE_FROM_ALL $<TARGET_PROPERTY:${WF_EMU_IRQ_BASE},SOURCES>
               ${CMAKE_SOURCE_DIR}/tests/emu_irq/irq_image.c)
set_target_properties(emu_irq PROPERTIES SUFFIX ".elf")
target_compile_definitions(emu_irq PRIVATE $<TARGET_PROPERTY:${WF_EMU_IRQ_BASE},COMPILE_DEFINITIONS>)
target_compile_options(emu_irq PRIVATE $<TARGET_PROPERTY:${WF_EMU_IRQ_BASE},COMPILE_OPTIONS>)
target_include_directories(emu_irq PRIVATE $<TARGET_PROPERTY:${WF_EMU_IRQ_BASE},INCLUDE_DIRECTORIES>)
target_link_libraries(emu_irq PRIVATE $<TARGET_PROPERTY:${WF_EMU_IRQ_BASE},LINK_LIBRARIES>)
target_link_options(emu_irq PRIVATE $<TARGET_PROPERTY:${WF_EMU_IRQ_BASE},LINK_OPTIONS>
                    -Wl,--wrap=wf_board_init -Wl,--wrap=wf_fetch -Wl,--wrap=wf_board_exit
                    -Wl,-Map=${CMAKE_BINARY_DIR}/emu_irq.map)
# --wrap does not redirect calls inside link-time optimised code: this image links
# the libraries' regular code (they are built with -ffat-lto-objects).
set_target_properties(emu_irq PROPERTIES INTERPROCEDURAL_OPTIMIZATION OFF)
