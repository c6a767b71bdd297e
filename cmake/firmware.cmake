# The firmware images (cross builds only; included from cmake/cross.cmake).
# wf_firmware_image() adds one; below it, the images themselves: the user's
# (make firmware / firmware-small: the CMake cache variables below become the
# WF_FW_* defines of apps/firmware/firmware_config.h; the trust anchors come from
# WF_CA_BUNDLE) and the test images (make test), which set their own.

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
set(WF_FW_SMALL_RECORDS OFF CACHE BOOL "Firmware: small TLS records, a 4 KiB input record (docs/firmware.md)")
set(WF_FW_TLS_MIN "" CACHE STRING "Firmware: lowest TLS version, e.g. WF_TLS_1_3 (empty: TLS 1.2)")
set(WF_FW_DISCARD_BODY "" CACHE STRING "Firmware: 1 = count the response body, do not print it (make bench)")
set(WF_FW_SUPERLOOP "" CACHE STRING "Firmware: 1 = superloop mode, the fetch polled in a main loop (docs/firmware.md)")
set(WF_FW_WAKEUP "" CACHE STRING "Firmware: superloop, 1 = sleep (WFI) when idle, woken by INTn or the tick")
set(WF_FW_REPORT_URL "" CACHE STRING "Firmware: superloop, where the reports go (empty: WF_FW_URL)")

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
# took its code from 97506 to 100360 B (make firmware-small). The full profile's went from
# 160 to 168 KiB for the same reasons: the image with the whole system root set (which
# needs SHA-1, +4.3 KiB) and pinned keys measured 166151 B against 163840 B. Then from
# 168 to 170 KiB for X25519 by libsodium's ladder (src/tls/x25519_sodium.h: +5380 B,
# handshake 26.3 M -> 11.2 M instructions): that image measured 173247 B against 172032 B.
# The faster SPI paths (the W5100's runs of frames, the Black Pill's DMA reads), which
# the board's port table links into every profile, would have needed 102 KiB for the
# small profile; the flash levers (the offered suites named in the config, the small
# profile's verify-only pk operations: docs/measurements.md, *Flash levers*) took it back
# under 100 KiB (Black Pill small image 99820 B), so its budget stays at 100 KiB.
# (Set per profile in wf_firmware_image below.)
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
# The peaks the defaults come from: make test-firmware (tests/e2e/firmware.sh
# prints the highest stack and pool over its runs); docs/measurements.md, *Memory*.
# (The defaults per profile: wf_firmware_image below.)
set(WF_FW_STACK_BYTES "" CACHE STRING "Firmware: stack reservation, bytes (empty: the profile's measured default)")
set(WF_FW_POOL_BYTES "" CACHE STRING "Firmware: mbedTLS pool, bytes (empty: the profile's measured default)")
set(WF_FW_STACK_MARGIN 1024 CACHE STRING "Firmware: stack bytes a test run's peak must leave free")
set(WF_FW_POOL_MARGIN 4096 CACHE STRING "Firmware: mbedTLS pool bytes a test run's high water must leave free")

# The build time bounds "now" from below while the board has no clock
# (SOURCE_DATE_EPOCH makes it reproducible).
string(TIMESTAMP WF_BUILD_TIME "%s" UTC)
set(WF_FW_IMAGE_SETTINGS URL IP MASK GATEWAY DNS MAC USE_DHCP NTP ENTROPY_DUMP METHOD HEADERS BODY REPORT_S
    REPORT_COUNT DISCARD_BODY SUPERLOOP WAKEUP REPORT_URL TLS_MIN OTA_URL)

# wf_firmware_image(<dir> BOARD <board> [PROFILE full|small] [SMALL_RECORDS] [CA_BUNDLE <bundles...>]
#                   [PINNED_KEY <pins>] [CERT <file> [KEY <file>]] [SET <NAME=value>...]
#                   [GROUP <group>] [POOL <bytes> RAM_BUDGET <bytes>] [TLS_CONTEXTS <n>] [PROBE])
# The image ${CMAKE_BINARY_DIR}/<dir>/firmware.elf (+ .bin, .hex, .map), target
# firmware_<dir> ('/' and '-' as '_'), and its budget check <target>_budget.
# PROFILE: the TLS profile (default full); CA_BUNDLE: as WF_CA_BUNDLE (empty: no
# roots); PINNED_KEY: as WF_FW_PINNED_KEY; CERT/KEY: as WF_FW_CERT/WF_FW_KEY; SET:
# the other WF_FW_<NAME> settings (URL, METHOD, HEADERS, BODY, USE_DHCP, ...).
# GROUP: built by the target wf_images_<group> (default: the image is built by `all`).
# SMALL_RECORDS: a 4 KiB TLS input record, negotiated with the server (WF_TLS_SMALL_RECORDS,
# docs/firmware.md): a smaller pool and RAM budget (below).
# POOL, RAM_BUDGET: an image whose mbedTLS pool differs from its profile's (the
# superloop image with two TLS transfers at once), and the RAM budget that goes with it.
# TLS_CONTEXTS: TLS contexts in use at once (default 1): PSA key slots for that many
# (src/tls/wf_mbedtls_config.h), in an mbedTLS library of its own.
# SET SUPERLOOP=1 adds the superloop (apps/firmware/fw_superloop.c) and the board's
# wake-up code (ports/stm32f4/board_wake.c), which the other images do not link.
# PROBE: the fetch reports each wf_fetch_poll to the emulator (src/fetch_state.h), which
# prints the longest poll per step; a few bytes, for the emulator's measurement images only.
function(wf_firmware_image dir)
  # PINNED_KEY takes a list: the pins' own separator is CMake's.
  cmake_parse_arguments(I "PROBE;SMALL_RECORDS" "BOARD;PROFILE;CERT;KEY;GROUP;POOL;RAM_BUDGET;TLS_CONTEXTS;SLOT"
                        "CA_BUNDLE;SET;PINNED_KEY"
                        ${ARGN})
  if(NOT I_PROFILE)
    set(I_PROFILE full)
  endif()
  # A superloop with reports runs two TLS transfers at once (docs/firmware.md, "Superloop
  # mode"): two contexts' PSA key slots, and the pool and RAM budget measured for them.
  if("SUPERLOOP=1" IN_LIST I_SET AND NOT I_PROFILE STREQUAL "small")
    foreach(setting IN LISTS I_SET)
      if(setting MATCHES "^REPORT_S=([0-9]+)u?$" AND NOT CMAKE_MATCH_1 EQUAL 0)
        if(NOT I_TLS_CONTEXTS)
          set(I_TLS_CONTEXTS 2)
        endif()
        if(NOT I_POOL)
          set(I_POOL 63488)        # 58344 (two at once) + 4096 -> 62440, 1 KiB up, + 1 KiB for the interleaving
          set(I_RAM_BUDGET 87040)  # 85 KiB: 16648 static + 63488 pool + 4864 stack = 85000
        endif()
      endif()
    endforeach()
  endif()
  string(REGEX REPLACE "[/-]" "_" target "firmware_${dir}")
  set(out ${CMAKE_BINARY_DIR}/${dir})
  wf_cross_board(${I_BOARD})
  get_property(ldscript GLOBAL PROPERTY WF_BOARD_${I_BOARD}_LDSCRIPT)
  get_property(lddir GLOBAL PROPERTY WF_BOARD_${I_BOARD}_LDDIR)
  set(image_region ${WF_FW_IMAGE_REGION})
  if(I_SLOT)
    # An update slot's image (docs/ota.md): its memory map, the update code and the
    # release key's public half; the region is the slot without header and trailer.
    set(ldscript ${lddir}/stm32f411xe_slot_${I_SLOT}.ld)
    if(I_SLOT STREQUAL "a")
      math(EXPR image_region "192 * 1024 - 512 - 256")
    else()
      math(EXPR image_region "256 * 1024 - 512 - 256")
    endif()
  endif()
  wf_ca_files(ca_files ${I_CA_BUNDLE})
  wf_cross_ca_store(ca_lib sha1 ${I_PROFILE} ${ca_files})
  set(mbedtls_opts "")
  if(I_TLS_CONTEXTS)
    list(APPEND mbedtls_opts CONTEXTS ${I_TLS_CONTEXTS})
  endif()
  if(I_SMALL_RECORDS)
    list(APPEND mbedtls_opts SMALL_RECORDS)
  endif()
  wf_cross_mbedtls(mbedtls ${I_PROFILE} ${sha1} ${mbedtls_opts})
  if(I_PROBE)
    wf_cross_tls(tls ${I_BOARD} ${mbedtls} PROBE)
  else()
    wf_cross_tls(tls ${I_BOARD} ${mbedtls})
  endif()

  if(I_PROFILE STREQUAL "small")
    set(flash_budget 102400) # 100 KiB of code (see above)
    set(ram_budget 49152)    # 48 KiB
    set(stack 3584)          # 2436 + 1024 -> 3460, rounded up to 256
    set(pool 33792)          # 29272 + 4096 -> 33368, rounded up to 1 KiB
  else()
    set(flash_budget 174080) # 170 KiB of code (see above)
    set(ram_budget 57344)    # 56 KiB
    set(stack 4864)          # 3724 (the POST image) + 1024 -> 4748, rounded up to 256
    set(pool 39936)          # 34832 (intermediates out of order) + 4096 -> 38928, rounded up to 1 KiB
  endif()
  # Small records (SMALL_RECORDS): the input record 4 KiB instead of 16 KiB, 12288 B
  # less of the pool at every peak (measured: tests/e2e/firmware.sh, area records),
  # sized by the same rules, and the RAM goals as budgets: 32 KiB small, 40 KiB full.
  if(I_SMALL_RECORDS AND I_PROFILE STREQUAL "small")
    set(ram_budget 32768)    # 32 KiB
    set(stack 3584)          # 2436 + 1024 -> 3460, rounded up to 256
    set(pool 21504)          # 16984 (a fetch; 29272 - 12288) + 4096 -> 21080, rounded up to 1 KiB
  elseif(I_SMALL_RECORDS)
    set(ram_budget 40960)    # 40 KiB
    set(stack 4608)          # 3524 (the small-records GET images) + 1024 -> 4548, rounded up to 256
    set(pool 27648)          # 22544 (intermediates out of order: 34832 - 12288; a fetch 21056)
                             # + 4096 -> 26640, rounded up to 1 KiB
  endif()
  if(I_SLOT)
    # An update image verifies the downloaded image (SHA-256, ECDSA P-256 in mbedTLS):
    # stack peak 4292 B in make run-ota (Nucleo) + 1024 -> 5316, rounded up to 256.
    set(stack 5376)
    # Its code: the full profile's and the update (download, checks, slot writer and
    # state, fw_ota.c): +6680 B measured (fw-ota/nucleo_f411re/a 174420 B against
    # fw-emu's 167740 B); the budget 6 KiB above the full profile's.
    math(EXPR flash_budget "${flash_budget} + 6144")
  endif()
  if(NOT WF_FW_STACK_BYTES STREQUAL "")
    set(stack ${WF_FW_STACK_BYTES})
  endif()
  if(NOT WF_FW_POOL_BYTES STREQUAL "")
    set(pool ${WF_FW_POOL_BYTES})
  endif()
  if(I_POOL)
    set(pool ${I_POOL})
    set(ram_budget ${I_RAM_BUDGET})
  endif()
  # A board's DMA receive prefetch (board.cmake WF_BOARD_RX_PREFETCH) is RAM on top.
  get_property(rx_prefetch GLOBAL PROPERTY WF_BOARD_${I_BOARD}_RX_PREFETCH)
  if(rx_prefetch)
    math(EXPR ram_budget "${ram_budget} + ${rx_prefetch}")
  endif()

  add_executable(${target} ${CMAKE_SOURCE_DIR}/apps/firmware/main.c ${CMAKE_SOURCE_DIR}/apps/firmware/fw_request.c
                 ${CMAKE_SOURCE_DIR}/apps/firmware/fw_report.c)
  if(I_SLOT)
    if(I_GROUP STREQUAL "release")
      wf_ota_pubkey_source(pubkey_c release)
    else()
      wf_ota_pubkey_source(pubkey_c test)
    endif()
    target_sources(${target} PRIVATE ${CMAKE_SOURCE_DIR}/apps/firmware/fw_ota.c ${pubkey_c})
    target_compile_definitions(${target} PRIVATE WF_FW_OTA=1)
  endif()
  set_target_properties(${target} PROPERTIES OUTPUT_NAME firmware SUFFIX ".elf" RUNTIME_OUTPUT_DIRECTORY ${out})
  if(I_GROUP)
    set_target_properties(${target} PROPERTIES EXCLUDE_FROM_ALL ON)
  endif()
  # Whole archive: the C library references the board's syscalls (_write, _sbrk...)
  # only after the board library was scanned; --gc-sections drops what is unused.
  target_link_libraries(${target} PRIVATE -Wl,--whole-archive wf_board_${I_BOARD} wf_family_${I_BOARD}
                        -Wl,--no-whole-archive ${tls} ${ca_lib})
  target_compile_definitions(${target} PRIVATE WF_FW_TIME_FLOOR=${WF_BUILD_TIME}LL WF_FW_TLS_POOL_BYTES=${pool})
  # Client certificate compiled in (CERT, KEY): the credentials area's layout as a
  # C array (scripts/make-credentials.py), read like the provisioned sector.
  if(I_CERT AND I_PROFILE STREQUAL "small")
    message(FATAL_ERROR "WF_FW_CERT: the small TLS profile has no client certificates (wf_mbedtls_config.h)")
  endif()
  if(I_CERT)
    set(cred_c ${out}/wf_fw_credentials.c)
    set(cred_args --cert ${I_CERT})
    if(I_KEY)
      list(APPEND cred_args --key ${I_KEY})
    endif()
    add_custom_command(OUTPUT ${cred_c}
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/make-credentials.py ${cred_args} --c-source ${cred_c}
      DEPENDS ${CMAKE_SOURCE_DIR}/scripts/make-credentials.py ${I_CERT} ${I_KEY}
      COMMENT "device credentials compiled in: ${I_CERT}"
      VERBATIM)
    target_sources(${target} PRIVATE ${cred_c})
    target_compile_definitions(${target} PRIVATE WF_FW_BUILTIN_CREDENTIALS=1)
  elseif(I_KEY)
    message(FATAL_ERROR "WF_FW_KEY needs WF_FW_CERT")
  endif()
  # The pins contain ';' (curl's separator), which a compile definition cannot carry
  # through CMake's lists: they go into a generated header, included first.
  if(I_PINNED_KEY)
    set(pins_h ${out}/wf_fw_pinned_key.h)
    file(CONFIGURE OUTPUT ${pins_h} CONTENT "#define WF_FW_PINNED_KEY \"${I_PINNED_KEY}\"\n")
    target_compile_options(${target} PRIVATE -include ${pins_h})
  endif()
  foreach(setting IN LISTS I_SET)
    string(REGEX MATCH "^([A-Z_]+)=(.*)$" ok "${setting}")
    set(var ${CMAKE_MATCH_1})
    set(value "${CMAKE_MATCH_2}")
    if(NOT ok OR NOT var IN_LIST WF_FW_IMAGE_SETTINGS)
      message(FATAL_ERROR "wf_firmware_image(${dir}): '${setting}' is not one of ${WF_FW_IMAGE_SETTINGS}=value")
    endif()
    if(var STREQUAL "SUPERLOOP" AND value)
      target_sources(${target} PRIVATE ${CMAKE_SOURCE_DIR}/apps/firmware/fw_superloop.c
                     ${CMAKE_SOURCE_DIR}/ports/stm32f4/board_wake.c)
    endif()
    if(var STREQUAL "URL" OR var STREQUAL "METHOD" OR var STREQUAL "BODY" OR var STREQUAL "REPORT_URL" OR var STREQUAL "OTA_URL")
      # Plain text -> a C string literal.
      string(REPLACE "\\" "\\\\" value "${value}")
      string(REPLACE "\"" "\\\"" value "${value}")
      set(value "\"${value}\"")
    endif()
    target_compile_definitions(${target} PRIVATE "WF_FW_${var}=${value}")
  endforeach()
  target_link_options(${target} PRIVATE -T${ldscript} -L${lddir} -nostartfiles
                      -Wl,--defsym=STACK_SIZE=${stack} -Wl,--defsym=HEAP_SIZE=${WF_FW_HEAP_BYTES}
                      # The margins, as absolute symbols: the firmware test reads them from the image.
                      -Wl,--defsym=wf_fw_stack_margin=${WF_FW_STACK_MARGIN}
                      -Wl,--defsym=wf_fw_pool_margin=${WF_FW_POOL_MARGIN}
                      -Wl,-Map=${out}/firmware.map -Wl,--print-memory-usage)
  set_target_properties(${target} PROPERTIES LINK_DEPENDS "${ldscript};${lddir}/stm32f4_sections.ld")

  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND arm-none-eabi-objcopy -O binary $<TARGET_FILE:${target}> ${out}/firmware.bin
    COMMAND arm-none-eabi-objcopy -O ihex $<TARGET_FILE:${target}> ${out}/firmware.hex
    VERBATIM)

  # A target of its own, so the budgets are checked on every build, not only
  # when the image was relinked.
  if(I_GROUP)
    add_custom_target(${target}_budget
      COMMAND ${CMAKE_SOURCE_DIR}/scripts/memory-table.sh $<TARGET_FILE:${target}>
              ${flash_budget} ${ram_budget} ${image_region}
      DEPENDS ${target}
      COMMENT "${dir} (${I_BOARD}, ${I_PROFILE} profile): memory table and budgets"
      VERBATIM)
    if(NOT TARGET wf_images_${I_GROUP})
      add_custom_target(wf_images_${I_GROUP})
    endif()
    add_dependencies(wf_images_${I_GROUP} ${target}_budget)
  else()
    add_custom_target(${target}_budget ALL
      COMMAND ${CMAKE_SOURCE_DIR}/scripts/memory-table.sh $<TARGET_FILE:${target}>
              ${flash_budget} ${ram_budget} ${image_region}
      DEPENDS ${target}
      COMMENT "${dir} (${I_BOARD}, ${I_PROFILE} profile): memory table and budgets"
      VERBATIM)
  endif()
endfunction()

include(${CMAKE_SOURCE_DIR}/cmake/ota.cmake)

# ---- the images ----
# The user's images, one per board and profile, from the cache variables above
# (make firmware / make firmware-small; the Makefile copies them to build/fw/<board>
# and build/fw-small/<board>): these are the images the test builds and checks
# against their budgets too.
set(user_settings "")
foreach(var IN LISTS WF_FW_IMAGE_SETTINGS)
  if(NOT WF_FW_${var} STREQUAL "")
    list(APPEND user_settings "${var}=${WF_FW_${var}}")
  endif()
endforeach()
set(user_records "")
if(WF_FW_SMALL_RECORDS)
  set(user_records SMALL_RECORDS)
endif()
foreach(board IN LISTS WF_BOARDS)
  wf_firmware_image(fw/${board} BOARD ${board} PROFILE full ${user_records} CA_BUNDLE ${WF_CA_BUNDLE}
                    PINNED_KEY "${WF_FW_PINNED_KEY}" CERT "${WF_FW_CERT}" KEY "${WF_FW_KEY}" SET ${user_settings}
                    GROUP user)
  # The user's release for both update slots (make ota-image signs them: docs/ota.md).
  foreach(slot a b)
    wf_firmware_image(fw-release/${board}/${slot} BOARD ${board} SLOT ${slot} PROFILE full CA_BUNDLE ${WF_CA_BUNDLE}
                      PINNED_KEY "${WF_FW_PINNED_KEY}" CERT "${WF_FW_CERT}" KEY "${WF_FW_KEY}" SET ${user_settings}
                      GROUP release)
  endforeach()
  if(NOT WF_FW_CERT)
    wf_firmware_image(fw-small/${board} BOARD ${board} PROFILE small ${user_records} CA_BUNDLE ${WF_CA_BUNDLE}
                      PINNED_KEY "${WF_FW_PINNED_KEY}" SET ${user_settings} GROUP user)
  endif()
endforeach()

# The test images (make test; WF_TEST_PKI: the test PKI, scripts/make-pki.sh). They
# see the emulator's test network: static 10.0.0.2/24, DNS 10.0.0.53 (there is no
# DHCP server on loopback), the test PKI's root as trust anchor. Each differs from
# the emulator image fw-emu/<board> only in what its SET names.
set(WF_TEST_PKI "" CACHE PATH "The test PKI (scripts/make-pki.sh): the test images are declared when set")
if(WF_TEST_PKI)
  set(root ${WF_TEST_PKI}/root.pem)
  function(wf_pin out pem) # curl's sha256//BASE64 of the public key in <pem>
    execute_process(COMMAND sh -c "openssl x509 -in '${pem}' -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64"
                    OUTPUT_VARIABLE pin OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0 OR pin STREQUAL "")
      message(FATAL_ERROR "no public key in ${pem}")
    endif()
    set(${out} "sha256//${pin}" PARENT_SCOPE)
  endfunction()
  wf_pin(pin_ecdsa ${WF_TEST_PKI}/ecdsa.pem)
  wf_pin(pin_rsa ${WF_TEST_PKI}/rsa.pem)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${root} ${WF_TEST_PKI}/ecdsa.pem ${WF_TEST_PKI}/rsa.pem)
  foreach(board IN LISTS WF_BOARDS)
    # The base cases (tests/e2e/firmware.sh), and telemetry: a JSON report to /report
    # every second, three in all (against nginx with keep-alive on and off).
    wf_firmware_image(fw-emu/${board} BOARD ${board} CA_BUNDLE ${root} SET USE_DHCP=0 GROUP test PROBE)
    wf_firmware_image(fw-emu-telemetry/${board} BOARD ${board} CA_BUNDLE ${root} GROUP test
                      SET USE_DHCP=0 URL=https://www.example.test/report REPORT_S=1 REPORT_COUNT=3)
    # The bench's download images (make bench): the body counted and not printed,
    # /big.bin (1 MiB + 12345 bytes, Content-Length) and /chunked.bin (the same, chunked).
    # The superloop (docs/firmware.md, "Superloop mode"): the GET polled in a loop with
    # a 1 kHz job; on the W5500 board it sleeps (WFI) when idle, woken by INTn.
    if(board STREQUAL "blackpill_f411ce")
      set(wake WAKEUP=1)
    else()
      set(wake WAKEUP=0)
    endif()
    wf_firmware_image(fw-emu-superloop/${board} BOARD ${board} CA_BUNDLE ${root} GROUP test
                      SET USE_DHCP=0 SUPERLOOP=1 ${wake})
    if(board STREQUAL "blackpill_f411ce")
      # Two transfers at once on the W5500: the GET of /active while telemetry reports go
      # to /report, each on its own socket and TLS context (a second pool's worth of RAM).
      wf_firmware_image(fw-emu-superloop-telemetry/${board} BOARD ${board} CA_BUNDLE ${root} GROUP test
                        SET USE_DHCP=0 SUPERLOOP=1 WAKEUP=1 URL=https://www.example.test/active
                        REPORT_URL=https://www.example.test/report REPORT_S=1 REPORT_COUNT=2)
    endif()
    wf_firmware_image(fw-bench-big/${board} BOARD ${board} CA_BUNDLE ${root} GROUP bench PROBE
                      SET USE_DHCP=0 DISCARD_BODY=1 URL=https://www.example.test/big.bin)
    wf_firmware_image(fw-bench-chunked/${board} BOARD ${board} CA_BUNDLE ${root} GROUP bench PROBE
                      SET USE_DHCP=0 DISCARD_BODY=1 URL=https://www.example.test/chunked.bin)
    # Firmware updates (tests/e2e/ota.sh, make run-ota): the release linked for each
    # slot, updating from /ota/<board>/<slot>.bin; and an image that never passes its
    # health check (its host does not resolve), for the rollback.
    foreach(slot a b)
      wf_firmware_image(fw-ota/${board}/${slot} BOARD ${board} SLOT ${slot} CA_BUNDLE ${root} GROUP ota
                        SET USE_DHCP=0 OTA_URL=https://www.example.test/ota/${board}/%s.bin)
    endforeach()
    wf_firmware_image(fw-ota-sick/${board}/b BOARD ${board} SLOT b CA_BUNDLE ${root} GROUP ota
                      SET USE_DHCP=0 URL=https://nowhere.example.test/)
  endforeach()
  # The default board's other cases. The small TLS profile (its peaks are checked
  # like the full profile's); a POST of a JSON body with two header fields to the
  # echo server; the whole system root set in flash with the test root, with pinned
  # keys (another key and the server's; another key alone), and the system roots alone.
  set(b ${WF_BOARD})
  # The 1 MiB download is a test image too: its response polls are bounded (tests/e2e/poll_steps.sh).
  add_dependencies(wf_images_test firmware_fw_bench_big_${b}_budget)
  wf_firmware_image(fw-emu-small/${b} BOARD ${b} PROFILE small CA_BUNDLE ${root} SET USE_DHCP=0 GROUP test PROBE)
  wf_firmware_image(fw-emu-post/${b} BOARD ${b} CA_BUNDLE ${root} GROUP test
                    SET USE_DHCP=0 URL=https://www.example.test/echo/board "BODY={\"hello\":\"board\"}"
                    "HEADERS=\"Content-Type: application/json\", \"Authorization: Bearer test-token\"")
  wf_firmware_image(fw-emu-system-plus-test/${b} BOARD ${b} CA_BUNDLE system ${root} SET USE_DHCP=0 GROUP test)
  wf_firmware_image(fw-emu-pinned/${b} BOARD ${b} CA_BUNDLE system ${root} SET USE_DHCP=0 GROUP test
                    PINNED_KEY "${pin_ecdsa};${pin_rsa}")
  wf_firmware_image(fw-emu-pinned-other/${b} BOARD ${b} CA_BUNDLE system ${root} SET USE_DHCP=0 GROUP test
                    PINNED_KEY "${pin_ecdsa}")
  wf_firmware_image(fw-emu-system/${b} BOARD ${b} CA_BUNDLE system SET USE_DHCP=0 GROUP test)
  # Small records (SMALL_RECORDS, docs/firmware.md), each fetching /20k.bin (counted, not
  # printed): the full profile offering TLS 1.2 and 1.3 (max_fragment_length and
  # record_size_limit), the same offering TLS 1.3 only (record_size_limit alone: against
  # a server that honours it, and one that honours neither), and the small profile.
  set(rec SET USE_DHCP=0 DISCARD_BODY=1 URL=https://www.example.test/20k.bin)
  wf_firmware_image(fw-emu-smallrec/${b} BOARD ${b} SMALL_RECORDS CA_BUNDLE ${root} GROUP test ${rec})
  wf_firmware_image(fw-emu-smallrec-tls13/${b} BOARD ${b} SMALL_RECORDS CA_BUNDLE ${root} GROUP test ${rec}
                    TLS_MIN=WF_TLS_1_3)
  wf_firmware_image(fw-emu-small-smallrec/${b} BOARD ${b} PROFILE small SMALL_RECORDS CA_BUNDLE ${root} GROUP test
                    ${rec})
  # The emulator's interrupt test image (make test-emu-irq), from the Black Pill's.
  set(WF_EMU_IRQ_BASE firmware_fw_emu_blackpill_f411ce)
  include(${CMAKE_SOURCE_DIR}/tests/emu_irq/emu_irq.cmake)
endif()
