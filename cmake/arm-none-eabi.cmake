# Toolchain file: Cortex-M4F (STM32F411) with Debian's arm-none-eabi-gcc and a C library
# (WF_LIBC, cmake/cross.cmake): newlib-nano (default), picolibc (Debian's
# picolibc-arm-none-eabi, its speed-optimised build) or picolibc-minsize (its size-optimised
# build), picolibc with its integer-only printf (the firmware prints no floating point).
# Same console, same behaviour; picolibc-minsize saves 3.3 KiB (small profile) to 4.3 KiB
# (full) of flash but its byte-wise memcpy/memset make the handshake 28% longer;
# picolibc saves ~300 B at newlib's speed (docs/measurements.md, *Flash levers*).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# The C library (its --specs): cmake/cross.cmake, WF_LIBC.
set(WF_LIBC "newlib-nano" CACHE STRING "The firmware's C library: newlib-nano, picolibc or picolibc-minsize")
set_property(CACHE WF_LIBC PROPERTY STRINGS newlib-nano picolibc picolibc-minsize)
set(WF_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(CMAKE_C_FLAGS_INIT "${WF_CPU_FLAGS} -Os -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# Link-time optimisation: ~7 KiB less flash for the firmware. Archives need the
# LTO-aware ar/ranlib.
set(CMAKE_AR arm-none-eabi-gcc-ar CACHE FILEPATH "")
set(CMAKE_RANLIB arm-none-eabi-gcc-ranlib CACHE FILEPATH "")
set(CMAKE_INTERPROCEDURAL_OPTIMIZATION ON CACHE BOOL "")
