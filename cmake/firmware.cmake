# The firmware image for WF_BOARD (cross builds only; included from CMakeLists.txt).
# Configuration: the CMake cache variables below become the WF_FW_* defines of
# apps/firmware/firmware_config.h; the trust anchors come from WF_CA_BUNDLE.

set(WF_FW_URL "" CACHE STRING "Firmware: URL to fetch (empty: firmware_config.h default)")
set(WF_FW_IP "" CACHE STRING "Firmware: static IP as a C initialiser, e.g. {192,168,1,50}")
set(WF_FW_MASK "" CACHE STRING "Firmware: netmask, e.g. {255,255,255,0}")
set(WF_FW_GATEWAY "" CACHE STRING "Firmware: gateway, e.g. {192,168,1,1}")
set(WF_FW_DNS "" CACHE STRING "Firmware: DNS server, e.g. {192,168,1,1}")
set(WF_FW_MAC "" CACHE STRING "Firmware: MAC, e.g. {0x90,0xA2,0xDA,0x00,0x00,0x01}")
set(WF_FW_USE_DHCP "" CACHE STRING "Firmware: 1 = DHCP (default), 0 = the static WF_FW_IP/MASK/GATEWAY/DNS")
set(WF_FW_NTP "" CACHE STRING "Firmware: NTP server, e.g. {192,168,1,1} (default: from the DHCP lease)")
set(WF_FW_ENTROPY_DUMP "" CACHE STRING "Firmware: measurement build printing N raw noise LSBs per channel, no fetch")
set(WF_FW_PINNED_KEY "" CACHE STRING "Firmware: pinned server keys, curl's sha256//BASE64[;sha256//...] (empty: none)")
set(WF_FW_METHOD "" CACHE STRING "Firmware: request method (empty: POST with a body, else GET)")
set(WF_FW_HEADERS "" CACHE STRING "Firmware: extra header fields, C strings, e.g. \"Authorization: Bearer x\"")
set(WF_FW_BODY "" CACHE STRING "Firmware: request body, a string sent as it is (empty: no body)")
set(WF_FW_REPORT_S "" CACHE STRING "Firmware: telemetry, a JSON report every N seconds to WF_FW_URL (empty/0: one fetch)")
set(WF_FW_REPORT_COUNT "" CACHE STRING "Firmware: telemetry, stop after N report attempts (tests; empty/0: forever)")
set(WF_FW_CERT "" CACHE FILEPATH "Firmware: client certificate chain compiled in (PEM/DER; empty: the provisioned area)")
set(WF_FW_KEY "" CACHE FILEPATH "Firmware: its private key compiled in (PEM/DER, unencrypted; default: from WF_FW_CERT)")
set(WF_FW_DISCARD_BODY "" CACHE STRING "Firmware: 1 = count the response body, do not print it (make bench)")

# Flash: the code budget (everything but the trust-anchor store), and the image
# region of the linker script (448 KiB: sectors 4-7; sector 0 holds the vectors,
# sectors 1-2 the seed, sector 3 the device credentials) for
# code + store. The store is what WF_CA_BUNDLE puts in: ~1.1 KiB per root, about
# 155 KiB for the whole system root set (docs/measurements.md, *Memory*).
# Budgets: the measured code and RAM of each profile plus room for what is being
# added; the current figures and how much room each budget leaves are in
# docs/measurements.md, *Memory* (the build prints them: scripts/memory-table.sh).
# The small profile's code budget went from 96 to 100 KiB when the certificate checks
# beyond mbedTLS (src/tls/peer_check.c, +960 B), the HTTP framing rules (+352 B), the
# request-side fixes (+264 B), range requests (+~470 B) and the board descriptor (+122 B)
# took its code from 97506 to 100360 B (make firmware-small).
if(WF_TLS_PROFILE STREQUAL "small")
  set(WF_FW_FLASH_BUDGET 102400) # 100 KiB of code
  set(WF_FW_RAM_BUDGET 49152)    # 48 KiB
else()
  set(WF_FW_FLASH_BUDGET 163840) # 160 KiB of code
  set(WF_FW_RAM_BUDGET 57344)    # 56 KiB
endif()
set(WF_FW_IMAGE_REGION 458752)   # 448 KiB: code + trust-anchor store
# Nothing calls malloc at run time (the firmware test prints the C heap's use: 0 B),
# so none is reserved: a malloc would get NULL.
set(WF_FW_HEAP_BYTES 0 CACHE STRING "Firmware: C library (malloc) heap bytes (wizfetch and mbedTLS never malloc)")

# The stack and the mbedTLS pool are reserved from measurement: each is the
# highest peak the firmware test's emulator runs measured (tests/e2e/firmware.sh:
# the stack by painting, the pool as wf_tls_pool_high_water) plus a margin, and
# that test fails when any run's peak exceeds reservation - margin. So a change
# that needs more (a feature, a bigger handshake) fails the test, not the board:
# raise the reservation by what the test reports. The rules (docs/measurements.md, *Memory*):
#   stack margin 1 KiB: paths the scenarios do not reach (other error branches,
#     an exception frame on top of the deepest call), reservation rounded up to 256 B;
#   pool margin 4 KiB: a longer or bigger server chain than the test PKI's (one
#     more 2 KiB certificate parsed and kept) and fragmentation, rounded up to 1 KiB.
# Empty cache values take the measured defaults of the profile.
# The peaks the defaults below come from: make test-firmware (tests/e2e/firmware.sh
# prints the highest stack and pool over its runs); docs/measurements.md, *Memory*.
if(WF_TLS_PROFILE STREQUAL "small")
  set(stack_default 3584)  # 2364 + 1024 -> 3388, rounded up to 256
  set(pool_default 33792)  # 29272 + 4096 -> 33368, rounded up to 1 KiB
else()
  set(stack_default 5120)  # 4076 + 1024 -> 5100, rounded up to 256
  set(pool_default 38912)  # 34448 + 4096 -> 38544, rounded up to 1 KiB
endif()
set(WF_FW_STACK_BYTES "" CACHE STRING "Firmware: stack reservation, bytes (empty: the profile's measured default)")
set(WF_FW_POOL_BYTES "" CACHE STRING "Firmware: mbedTLS pool, bytes (empty: the profile's measured default)")
set(WF_FW_STACK_MARGIN 1024 CACHE STRING "Firmware: stack bytes a test run's peak must leave free")
set(WF_FW_POOL_MARGIN 4096 CACHE STRING "Firmware: mbedTLS pool bytes a test run's high water must leave free")
set(fw_stack ${stack_default})
if(NOT WF_FW_STACK_BYTES STREQUAL "")
  set(fw_stack ${WF_FW_STACK_BYTES})
endif()
set(fw_pool ${pool_default})
if(NOT WF_FW_POOL_BYTES STREQUAL "")
  set(fw_pool ${WF_FW_POOL_BYTES})
endif()

# The build time bounds "now" from below while the board has no clock
# (SOURCE_DATE_EPOCH makes it reproducible).
string(TIMESTAMP WF_BUILD_TIME "%s" UTC)

add_executable(firmware apps/firmware/main.c apps/firmware/fw_request.c apps/firmware/fw_report.c)
set_target_properties(firmware PROPERTIES SUFFIX ".elf")
# Whole archive: the C library references the board's syscalls (_write, _sbrk...)
# only after the board library was scanned; --gc-sections drops what is unused.
target_link_libraries(firmware PRIVATE -Wl,--whole-archive wf_board wf_family -Wl,--no-whole-archive wizfetch_tls)
target_compile_definitions(firmware PRIVATE WF_FW_TIME_FLOOR=${WF_BUILD_TIME}LL WF_FW_TLS_POOL_BYTES=${fw_pool})
# Client certificate compiled in (WF_FW_CERT, WF_FW_KEY): the credentials area's
# layout as a C array (scripts/make-credentials.py), read like the provisioned sector.
if(NOT WF_FW_CERT STREQUAL "" AND WF_TLS_PROFILE STREQUAL "small")
  message(FATAL_ERROR "WF_FW_CERT: the small TLS profile has no client certificates (wf_mbedtls_config.h)")
endif()
if(NOT WF_FW_CERT STREQUAL "")
  set(cred_c ${CMAKE_BINARY_DIR}/wf_fw_credentials.c)
  set(cred_args --cert ${WF_FW_CERT})
  if(NOT WF_FW_KEY STREQUAL "")
    list(APPEND cred_args --key ${WF_FW_KEY})
  endif()
  add_custom_command(OUTPUT ${cred_c}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/make-credentials.py ${cred_args} --c-source ${cred_c}
    DEPENDS ${CMAKE_SOURCE_DIR}/scripts/make-credentials.py ${WF_FW_CERT} ${WF_FW_KEY}
    COMMENT "device credentials compiled in: ${WF_FW_CERT}"
    VERBATIM)
  target_sources(firmware PRIVATE ${cred_c})
  target_compile_definitions(firmware PRIVATE WF_FW_BUILTIN_CREDENTIALS=1)
elseif(NOT WF_FW_KEY STREQUAL "")
  message(FATAL_ERROR "WF_FW_KEY needs WF_FW_CERT")
endif()
# The pins contain ';' (curl's separator), which a compile definition cannot carry
# through CMake's lists: they go into a generated header, included first.
set(pins_h ${CMAKE_BINARY_DIR}/wf_fw_pinned_key.h)
if(NOT WF_FW_PINNED_KEY STREQUAL "")
  file(CONFIGURE OUTPUT ${pins_h} CONTENT "#define WF_FW_PINNED_KEY \"${WF_FW_PINNED_KEY}\"\n")
  target_compile_options(firmware PRIVATE -include ${pins_h})
endif()
foreach(var URL IP MASK GATEWAY DNS MAC USE_DHCP NTP ENTROPY_DUMP METHOD HEADERS BODY REPORT_S REPORT_COUNT DISCARD_BODY)
  if(NOT WF_FW_${var} STREQUAL "")
    if(var STREQUAL "URL" OR var STREQUAL "METHOD" OR var STREQUAL "BODY")
      # Plain text -> a C string literal.
      string(REPLACE "\\" "\\\\" text "${WF_FW_${var}}")
      string(REPLACE "\"" "\\\"" text "${text}")
      target_compile_definitions(firmware PRIVATE "WF_FW_${var}=\"${text}\"")
    else()
      target_compile_definitions(firmware PRIVATE "WF_FW_${var}=${WF_FW_${var}}")
    endif()
  endif()
endforeach()
target_link_options(firmware PRIVATE -T${WF_BOARD_LDSCRIPT} -L${WF_FAMILY_LDDIR} -nostartfiles
                    -Wl,--defsym=STACK_SIZE=${fw_stack} -Wl,--defsym=HEAP_SIZE=${WF_FW_HEAP_BYTES}
                    # The margins, as absolute symbols: the firmware test reads them from the image.
                    -Wl,--defsym=wf_fw_stack_margin=${WF_FW_STACK_MARGIN}
                    -Wl,--defsym=wf_fw_pool_margin=${WF_FW_POOL_MARGIN}
                    -Wl,-Map=${CMAKE_BINARY_DIR}/firmware.map -Wl,--print-memory-usage)
set_target_properties(firmware PROPERTIES LINK_DEPENDS
                      "${WF_BOARD_LDSCRIPT};${WF_FAMILY_LDDIR}/stm32f4_sections.ld")

add_custom_command(TARGET firmware POST_BUILD
  COMMAND arm-none-eabi-objcopy -O binary $<TARGET_FILE:firmware> ${CMAKE_BINARY_DIR}/firmware.bin
  COMMAND arm-none-eabi-objcopy -O ihex $<TARGET_FILE:firmware> ${CMAKE_BINARY_DIR}/firmware.hex
  VERBATIM)

# A target of its own, so the budgets are checked on every build, not only
# when the image was relinked.
add_custom_target(firmware_budget ALL
  COMMAND ${CMAKE_SOURCE_DIR}/scripts/memory-table.sh $<TARGET_FILE:firmware>
          ${WF_FW_FLASH_BUDGET} ${WF_FW_RAM_BUDGET} ${WF_FW_IMAGE_REGION}
  DEPENDS firmware
  COMMENT "firmware (${WF_TLS_PROFILE} profile): memory table and budgets"
  VERBATIM)
include(${CMAKE_SOURCE_DIR}/tests/emu_irq/emu_irq.cmake)
