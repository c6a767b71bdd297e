# Firmware updates (docs/ota.md), cross builds only (included from cmake/firmware.cmake):
# the release key's public half compiled into the slot images, the bootloader per board.

# The keys: a P-256 private key in PEM each (scripts/ota-sign.py keygen), kept out of the
# repository. The test key is made here once, in the build tree: the test images
# (cmake/firmware.cmake, GROUP ota) carry its public half and the tests sign with it.
# The release key (WF_OTA_KEY) goes into the user's release images (GROUP release, make
# ota-image); empty: the test key (never ship images signed with it).
set(WF_OTA_KEY "" CACHE FILEPATH "Firmware updates: the release key (PEM, P-256); empty: the build tree's test key")
set(WF_OTA_TEST_KEY ${CMAKE_BINARY_DIR}/ota/test-release-key.pem)
if(NOT EXISTS ${WF_OTA_TEST_KEY})
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/ota)
  execute_process(COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/ota-sign.py keygen ${WF_OTA_TEST_KEY}
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cannot make the test release key (python3-cryptography installed?)")
  endif()
endif()
set(wf_ota_release_key "${WF_OTA_KEY}")
if(wf_ota_release_key STREQUAL "")
  set(wf_ota_release_key ${WF_OTA_TEST_KEY})
endif()
set(WF_OTA_RELEASE_KEY ${wf_ota_release_key} CACHE INTERNAL "the key make ota-image signs with")

# wf_ota_pubkey_source(<out var> test|release): the C file with that key's public half
# (wf_ota_pubkey).
function(wf_ota_pubkey_source out which)
  if(which STREQUAL "release")
    set(key ${WF_OTA_RELEASE_KEY})
  else()
    set(key ${WF_OTA_TEST_KEY})
  endif()
  set(c ${CMAKE_BINARY_DIR}/ota/wf_ota_pubkey_${which}.c)
  if(NOT TARGET wf_ota_pubkey_${which})
    add_custom_command(OUTPUT ${c}
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/ota-sign.py pubkey ${key} ${c}
      DEPENDS ${CMAKE_SOURCE_DIR}/scripts/ota-sign.py ${key}
      COMMENT "update public key (${which}): ${key}"
      VERBATIM)
    add_custom_target(wf_ota_pubkey_${which} DEPENDS ${c})
  endif()
  set(${out} ${c} PARENT_SCOPE)
endfunction()

# The bootloader's budget: sector 0 is 16 KiB (its linker script enforces that);
# the budget keeps room for what it may grow by.
set(WF_BOOT_FLASH_BUDGET 12288)
set(WF_BOOT_RAM_BUDGET 8192)

# wf_bootloader(<board>): ${CMAKE_BINARY_DIR}/boot/<board>/bootloader.elf (+ .bin), target
# bootloader_<board>, its budget check bootloader_<board>_budget (target wf_bootloaders).
function(wf_bootloader board)
  wf_cross_board(${board})
  wf_cross_mbedtls(mbedtls full OFF)
  include(${CMAKE_SOURCE_DIR}/boards/${board}/board.cmake)
  set(target bootloader_${board})
  set(out ${CMAKE_BINARY_DIR}/boot/${board})
  get_property(lddir GLOBAL PROPERTY WF_BOARD_${board}_LDDIR)
  add_executable(${target} ${CMAKE_SOURCE_DIR}/boot/boot_main.c ${CMAKE_SOURCE_DIR}/src/ota/ota_image.c
                 ${CMAKE_SOURCE_DIR}/src/ota/ota_slot.c)
  set_target_properties(${target} PROPERTIES OUTPUT_NAME bootloader SUFFIX ".elf" RUNTIME_OUTPUT_DIRECTORY ${out}
                        EXCLUDE_FROM_ALL ON)
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/boards/${board})
  target_compile_definitions(${target} PRIVATE WF_BOARD_NAME="${board}" WF_BOARD_PART_NAME="${WF_BOARD_PART}")
  target_link_libraries(${target} PRIVATE wf_family_${board} ${mbedtls})
  target_link_options(${target} PRIVATE -T${lddir}/stm32f411xe_boot.ld -L${lddir} -nostartfiles
                      -Wl,--defsym=STACK_SIZE=4096 -Wl,--defsym=HEAP_SIZE=0 -Wl,-Map=${out}/bootloader.map)
  set_target_properties(${target} PROPERTIES LINK_DEPENDS "${lddir}/stm32f411xe_boot.ld;${lddir}/stm32f4_sections.ld")
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND arm-none-eabi-objcopy -O binary $<TARGET_FILE:${target}> ${out}/bootloader.bin
    VERBATIM)
  add_custom_target(${target}_budget
    COMMAND ${CMAKE_SOURCE_DIR}/scripts/memory-table.sh $<TARGET_FILE:${target}> ${WF_BOOT_FLASH_BUDGET}
            ${WF_BOOT_RAM_BUDGET} 16384
    DEPENDS ${target}
    COMMENT "bootloader (${board}): memory table and budgets"
    VERBATIM)
  if(NOT TARGET wf_bootloaders)
    add_custom_target(wf_bootloaders)
  endif()
  add_dependencies(wf_bootloaders ${target}_budget)
endfunction()

foreach(board IN LISTS WF_BOARDS)
  wf_bootloader(${board})
endforeach()
