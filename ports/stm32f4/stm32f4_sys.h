/**
 * @file stm32f4_sys.h
 * @brief Run-time memory figures and the start-up contract of the STM32F4 family
 * code (startup.c, syscalls.c) with the board and the linker script.
 *
 * ## Start-up order (startup.c, Reset_Handler)
 * 1. FPU on (CPACR CP10/CP11 full access, DSB, ISB): the code is built with
 *    -mfloat-abi=hard, so any function may use FPU registers.
 * 2. VTOR = the vector table.
 * 3. .data copied from flash (includes `.ramfunc`: code that must run from RAM).
 * 4. .bss zeroed.
 * 5. The stack region [_sstack, current SP) painted with STM32F4_STACK_PAINT,
 *    so stm32f4_stack_high_water() can tell how deep the stack ever went.
 * 6. .preinit_array / .init_array (constructors, if any).
 * 7. main(), which starts the board first (the board's wf_board_init():
 *    stm32f4_board_start() with its description). If main returns, the core
 *    sleeps in a loop (the watchdog, if started, then resets the chip).
 *
 * ## Linker symbols the family code uses
 * `_estack` (initial SP = top of RAM), `_sidata` / `_sdata` / `_edata` (.data
 * load and run address), `_sbss` / `_ebss`, `_heap_start` / `_heap_end` (the
 * region _sbrk hands out), `_sstack` (lowest stack address; below it the
 * `_stack_guard_start`/`_stack_guard_end` region the code never touches).
 */
#ifndef STM32F4_SYS_H
#define STM32F4_SYS_H

#include <stddef.h>
#include <stdint.h>

/** Word the stack is painted with at reset. */
#define STM32F4_STACK_PAINT 0xC5AC5AC5u

/** @brief Stack region size in bytes (`_estack - _sstack`). */
size_t stm32f4_stack_size(void);

/**
 * @brief Deepest stack use since reset, in bytes: scans up from `_sstack` for the
 * first word that is not the paint. (A frame that happened to store the paint
 * word itself at its deepest point would be missed; one word of error.)
 */
size_t stm32f4_stack_high_water(void);

/** @brief Heap region size in bytes (`_heap_end - _heap_start`). */
size_t stm32f4_heap_size(void);

/** @brief Most heap ever handed out by _sbrk (malloc's high-water mark), in bytes. */
size_t stm32f4_heap_high_water(void);

/* The wake-up sources' handlers (ports/stm32f4/board_wake.c; weak Default_Handler
 * aliases in startup.c otherwise). */
void SysTick_Handler(void);
void EXTI0_IRQHandler(void);
void EXTI1_IRQHandler(void);
void EXTI2_IRQHandler(void);
void EXTI3_IRQHandler(void);
void EXTI4_IRQHandler(void);
void EXTI9_5_IRQHandler(void);
void EXTI15_10_IRQHandler(void);

#endif
