# The cross build tree (toolchain cmake/arm-none-eabi.cmake; included from
# CMakeLists.txt): every board's libraries and every firmware image in one tree.
# A library is built once per configuration that changes its objects, not once
# per image:
#   per board          wizfetch_core_<board>, wf_family_<board>, wf_board_<board>
#                      (the board's wizfetch_config.h sizes the structs)
#   per TLS setting    wf_mbedtls_<profile>[_sha1] (full, full + SHA-1, small; the
#                      mbedTLS configuration does not depend on the board)
#   per both           wizfetch_tls_<board>_<tls setting>
#   per CA set         wf_ca_<profile>_<hash of the files> (the store in flash)
#   per image          firmware_<name> and its budget check (an LTO link each)
# Images: wf_firmware_image() below; cmake/firmware.cmake declares the user's
# images (make firmware / firmware-small) and the test images (make test).

include(${CMAKE_SOURCE_DIR}/boards/boards.cmake)

# The C library (WF_LIBC, cmake/arm-none-eabi.cmake): newlib-nano, or picolibc
# (speed-optimised build, or -minsize) with its integer-only printf (the firmware prints
# no floating point). Every target of the tree,
# compiling and linking. A --specs in CMAKE_C_FLAGS (a tree configured before this
# choice existed, or flags given by hand) is replaced by this one.
if(WF_LIBC STREQUAL "picolibc")
  set(WF_LIBC_OPTIONS --specs=picolibc.specs --picolibc-buildtype=release -DPICOLIBC_INTEGER_PRINTF_SCANF)
elseif(WF_LIBC STREQUAL "picolibc-minsize")
  set(WF_LIBC_OPTIONS --specs=picolibc.specs -DPICOLIBC_INTEGER_PRINTF_SCANF)
elseif(WF_LIBC STREQUAL "newlib-nano")
  set(WF_LIBC_OPTIONS --specs=nano.specs)
else()
  message(FATAL_ERROR "WF_LIBC='${WF_LIBC}' is not picolibc, picolibc-minsize or newlib-nano")
endif()
string(REGEX REPLACE "--specs=(nano|picolibc)\\.specs" "" CMAKE_C_FLAGS "${CMAKE_C_FLAGS}")
add_compile_options(${WF_LIBC_OPTIONS})
add_link_options(${WF_LIBC_OPTIONS})
set(WF_BOARD "nucleo_f411re" CACHE STRING "The default board: the footprint probe's (a folder under boards/)")
set_property(CACHE WF_BOARD PROPERTY STRINGS ${WF_BOARDS})
if(NOT WF_BOARD IN_LIST WF_BOARDS)
  message(FATAL_ERROR "WF_BOARD='${WF_BOARD}' is not one of: ${WF_BOARDS} (boards/boards.cmake)")
endif()
find_package(Python3 REQUIRED COMPONENTS Interpreter)

# wf_cross_board(<board>): the board's libraries (once), and its facts as
# WF_BOARD_<board>_{FAMILY,LDSCRIPT,LDDIR} in the caller's scope.
function(wf_cross_board board)
  if(TARGET wizfetch_core_${board})
    return()
  endif()
  set(dir ${CMAKE_SOURCE_DIR}/boards/${board})
  include(${dir}/board.cmake) # WF_BOARD_FAMILY, WF_BOARD_PART, WF_BOARD_LDSCRIPT
  add_library(wizfetch_core_${board} STATIC ${WF_CORE_SOURCES})
  target_include_directories(wizfetch_core_${board} PUBLIC ${CMAKE_SOURCE_DIR}/include
                             ${CMAKE_SOURCE_DIR}/ports/${WF_BOARD_FAMILY} PRIVATE ${CMAKE_SOURCE_DIR}/src)
  # Every target of the board agrees on the struct sizes: the define travels with the core.
  target_compile_definitions(wizfetch_core_${board} PUBLIC WF_USER_CONFIG_FILE="${dir}/wizfetch_config.h")
  # ports/<family>/family.cmake: wf_family_library(<target> <part>) and WF_FAMILY_LDDIR.
  include(${CMAKE_SOURCE_DIR}/ports/${WF_BOARD_FAMILY}/family.cmake)
  wf_family_library(wf_family_${board} ${WF_BOARD_PART})
  target_link_libraries(wf_family_${board} PUBLIC wizfetch_core_${board})
  add_library(wf_board_${board} STATIC ${dir}/board.c)
  target_include_directories(wf_board_${board} PUBLIC ${dir})
  # The board descriptor's name and part (stm32f4_board.h, STM32F4_BOARD_DESCRIPTOR): the
  # folder's name and board.cmake's part, so neither is written again in board.c.
  target_compile_definitions(wf_board_${board} PRIVATE WF_BOARD_NAME="${board}" WF_BOARD_PART_NAME="${WF_BOARD_PART}")
  target_link_libraries(wf_board_${board} PUBLIC wf_family_${board})
  set_property(GLOBAL PROPERTY WF_BOARD_${board}_LDSCRIPT ${WF_BOARD_LDSCRIPT})
  set_property(GLOBAL PROPERTY WF_BOARD_${board}_LDDIR ${WF_FAMILY_LDDIR})
endfunction()

# wf_cross_mbedtls(<out var> <profile> <sha1: yes|no> [CONTEXTS <n>] [SMALL_RECORDS]): the
# mbedTLS library of that configuration (built once), with the firmware's settings:
# the seed in flash (WF_TLS_NV_SEED), a 2 KiB output record; CONTEXTS: TLS contexts in
# use at once (WF_TLS_CONTEXTS); SMALL_RECORDS: a 4 KiB input record negotiated with the
# server (WF_TLS_SMALL_RECORDS, wf_mbedtls_config.h).
function(wf_cross_mbedtls out profile sha1)
  cmake_parse_arguments(M "SMALL_RECORDS" "CONTEXTS" "" ${ARGN})
  set(contexts ${M_CONTEXTS}) # optional: TLS contexts in use at once (wf_mbedtls_config.h WF_TLS_CONTEXTS)
  set(small_records ${M_SMALL_RECORDS})
  set(name wf_mbedtls_${profile})
  if(sha1)
    string(APPEND name _sha1)
  endif()
  if(contexts AND NOT contexts EQUAL 1)
    string(APPEND name _ctx${contexts})
  endif()
  if(small_records)
    string(APPEND name _rec4k)
  endif()
  set(${out} ${name} PARENT_SCOPE)
  if(TARGET ${name})
    return()
  endif()
  add_library(${name} STATIC ${MBEDTLS_SOURCES})
  wf_mbedtls_settings(${name} ${profile})
  if(contexts AND NOT contexts EQUAL 1)
    target_compile_definitions(${name} PUBLIC WF_TLS_CONTEXTS=${contexts})
  endif()
  target_compile_definitions(${name} PUBLIC WF_TLS_NV_SEED)
  if(WF_TLS_OUT_CONTENT_LEN STREQUAL "")
    target_compile_definitions(${name} PUBLIC WF_TLS_OUT_CONTENT_LEN=2048)
  endif()
  if(NOT sha1)
    target_compile_definitions(${name} PUBLIC WF_TLS_NO_SHA1)
  endif()
  if(small_records)
    target_compile_definitions(${name} PUBLIC WF_TLS_SMALL_RECORDS)
  endif()
  if(profile STREQUAL "full")
    # The hot paths of a fetch on the board at -O2 (CMakeLists.txt, wf_mbedtls_hot_paths).
    set_target_properties(${name} PROPERTIES WF_HOT_O2 ON)
  endif()
endfunction()

# wf_cross_tls(<out var> <board> <mbedtls target>): wizfetch's TLS layer and fetch
# for that board and mbedTLS configuration.
function(wf_cross_tls out board mbedtls)
  set(name wizfetch_tls_${board}_${mbedtls})
  string(REPLACE "_wf_mbedtls_" "_" name ${name})
  set(${out} ${name} PARENT_SCOPE)
  if(TARGET ${name})
    return()
  endif()
  add_library(${name} STATIC ${WF_TLS_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC wizfetch_core_${board} ${mbedtls})
endfunction()

# wf_cross_ca_store(<out target var> <out sha1 var> <profile> <PEM files...>): the
# trust-anchor store of those files (scripts/ca-store.py), and whether mbedTLS needs
# SHA-1 for it (full profile: only when a root's self-signature is SHA-1).
function(wf_cross_ca_store out out_sha1 profile)
  set(files ${ARGN})
  string(SHA1 key "${profile};${files}")
  string(SUBSTRING ${key} 0 10 key)
  set(name wf_ca_${profile}_${key})
  set(sha1 OFF)
  set(ca_sha1 --no-sha1)
  if(profile STREQUAL "full")
    execute_process(COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/ca-store.py --profile full
                            --needs-sha1 ${files}
                    OUTPUT_VARIABLE needs_sha1 OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "scripts/ca-store.py --needs-sha1 failed on ${files}")
    endif()
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${files})
    if(NOT needs_sha1 STREQUAL "no")
      set(sha1 ON)
      set(ca_sha1 "")
    endif()
  else()
    set(ca_sha1 "")
  endif()
  set(${out} ${name} PARENT_SCOPE)
  set(${out_sha1} ${sha1} PARENT_SCOPE)
  if(TARGET ${name})
    return()
  endif()
  set(ca_c ${CMAKE_BINARY_DIR}/ca/${name}.c)
  add_custom_command(OUTPUT ${ca_c}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/ca-store.py --profile ${profile} ${ca_sha1}
            -o ${ca_c} ${files}
    DEPENDS ${CMAKE_SOURCE_DIR}/scripts/ca-store.py ${files}
    COMMENT "CA store (${profile}) from: ${files}"
    VERBATIM)
  add_library(${name} STATIC ${ca_c})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/include)
endfunction()

foreach(board IN LISTS WF_BOARDS)
  wf_cross_board(${board})
endforeach()

# The skeleton of a new port (ports/template) compiles for the board too.
add_library(wf_port_template OBJECT ports/template/port_template.c)
target_link_libraries(wf_port_template PRIVATE wizfetch_core_${WF_BOARD})

# Linked size of the whole portable stack for Cortex-M4 (apps/footprint, make
# cross): the firmware's full configuration, an empty trust-anchor store.
if(WF_TLS)
  wf_cross_ca_store(fp_ca fp_sha1 full)
  wf_cross_mbedtls(fp_mbedtls full ${fp_sha1})
  wf_cross_tls(fp_tls ${WF_BOARD} ${fp_mbedtls})
  add_executable(wf_footprint apps/footprint/main.c)
  target_link_libraries(wf_footprint PRIVATE ${fp_tls} ${fp_ca})
  # The C library's stubs for the system calls: newlib's libnosys, picolibc's libdummyhost.
  if(WF_LIBC MATCHES "^picolibc")
    set(fp_oslib --oslib=dummyhost)
  else()
    set(fp_oslib --specs=nosys.specs)
  endif()
  target_link_options(wf_footprint PRIVATE ${fp_oslib} -Wl,-Map=wf_footprint.map -fno-lto)
  # Linked without LTO (from the fat LTO objects) so the map can attribute
  # every byte to its library; the firmware images are linked with LTO.
  set_target_properties(wf_footprint PROPERTIES INTERPROCEDURAL_OPTIMIZATION OFF)
  include(cmake/firmware.cmake)
endif()
