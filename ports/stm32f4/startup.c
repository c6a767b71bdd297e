/* Vector table and reset handler of an STM32F4 part (see stm32f4_sys.h for the order). */
#include <stdint.h>

#include "stm32f4_regs.h"
#include "stm32f4_sys.h"

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss, _sstack;
extern void (*__preinit_array_start[])(void), (*__preinit_array_end[])(void);
extern void (*__init_array_start[])(void), (*__init_array_end[])(void);

#if defined(__PICOLIBC__)
extern char _tls_base[];
void _set_tls(void *tls); /* picolibc */
#endif

int main(void);
void Reset_Handler(void);
void Default_Handler(void);
void NMI_Handler(void);
void HardFault_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);

/* Every fault and unexpected interrupt stops here. Nothing is enabled, so only a
 * fault can land here; the watchdog (if started) then resets the chip, and a
 * debugger finds the core in this loop with the fault status in SCB->CFSR/HFSR. */
void Default_Handler(void)
{
    for (;;) {
    }
}

void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void HardFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("Default_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
/* The wake-up sources of a sleeping main loop (board_wake.c, linked only into the
 * images that sleep): the 1 kHz tick and the EXTI lines a chip's INTn may be on. */
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI0_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI4_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI9_5_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI15_10_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));

/* 16 system entries + the part's interrupt lines (STM32F4_IRQ_LINES, from the part
 * the board's build names). The firmware is polled, so all interrupts go to
 * Default_Handler (except the wake-up sources of an image that links
 * board_wake.c); the full length keeps a stray interrupt from fetching a vector
 * out of code. EXTI IRQ numbers: RM0383 table 37. */
typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used)) const vector_t stm32f4_vectors[16 + STM32F4_IRQ_LINES] = {
    [0] = (vector_t)(uintptr_t)&_estack,
    [1] = Reset_Handler,
    [2] = NMI_Handler,
    [3] = HardFault_Handler,
    [4] = MemManage_Handler,
    [5] = BusFault_Handler,
    [6] = UsageFault_Handler,
    [7 ... 10] = 0,
    [11 ... 14] = Default_Handler, /* SVCall, DebugMonitor, reserved, PendSV */
    [15] = SysTick_Handler,
    [16 ... 16 + 5] = Default_Handler,
    [16 + 6] = EXTI0_IRQHandler,
    [16 + 7] = EXTI1_IRQHandler,
    [16 + 8] = EXTI2_IRQHandler,
    [16 + 9] = EXTI3_IRQHandler,
    [16 + 10] = EXTI4_IRQHandler,
    [16 + 11 ... 16 + 22] = Default_Handler,
    [16 + 23] = EXTI9_5_IRQHandler,
    [16 + 24 ... 16 + 39] = Default_Handler,
    [16 + 40] = EXTI15_10_IRQHandler,
    [16 + 41 ... 16 + STM32F4_IRQ_LINES - 1] = Default_Handler,
};

static inline uint32_t current_sp(void)
{
    uint32_t sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Everything after the FPU is on. noinline: it must not be merged into
 * Reset_Handler, where the compiler could schedule FPU instructions before
 * CPACR is written. */
__attribute__((noinline, noreturn)) static void reset_continue(void)
{
    SCB->VTOR = (uint32_t)(uintptr_t)stm32f4_vectors;

    /* volatile: plain loops would be turned into memcpy/memset calls, which are
     * fine here but hide what runs before the C library is ready. */
    volatile uint32_t *src = &_sidata;
    for (volatile uint32_t *dst = &_sdata; dst < &_edata;) {
        *dst++ = *src++;
    }
    for (volatile uint32_t *dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0;
    }

    /* Paint the stack below the current frame (64 bytes of margin for this one). */
    uint32_t limit = current_sp() - 64u;
    for (volatile uint32_t *p = &_sstack; (uint32_t)(uintptr_t)p < limit;) {
        *p++ = STM32F4_STACK_PAINT;
    }

#if defined(__PICOLIBC__)
    _set_tls(_tls_base); /* the C library's thread-local variables (errno): the linker script's block */
#endif

    for (void (**f)(void) = __preinit_array_start; f < __preinit_array_end; f++) {
        (*f)();
    }
    for (void (**f)(void) = __init_array_start; f < __init_array_end; f++) {
        (*f)();
    }

    (void)main(); /* main() brings the board up first (wf_board_init) */
    for (;;) {
    }
}

void Reset_Handler(void)
{
    /* CP10/CP11 full access: the single-precision FPU. The barriers make sure the
     * next instruction already sees it enabled (ARMv7-M B3.2.20). */
    SCB->CPACR |= SCB_CPACR_CP10_FULL | SCB_CPACR_CP11_FULL;
    stm32f4_dsb();
    stm32f4_isb();
    reset_continue();
}

size_t stm32f4_stack_size(void)
{
    return (size_t)((uintptr_t)&_estack - (uintptr_t)&_sstack);
}

size_t stm32f4_stack_high_water(void)
{
    const uint32_t *p = &_sstack;
    const uint32_t *top = &_estack;
    while (p < top && *p == STM32F4_STACK_PAINT) {
        p++;
    }
    return (size_t)((uintptr_t)top - (uintptr_t)p);
}
