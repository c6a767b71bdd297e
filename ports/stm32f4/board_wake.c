/*
 * The STM32F4's side of a main loop that never blocks and sleeps when it has
 * nothing to do (ports/board_api.h, "a main loop that never blocks"): the CPU
 * clock, the watchdog, and the wake-up sources: SysTick at 1 kHz and the
 * chip's INTn on its EXTI line (falling edge). Linked only into the images that
 * use it (cmake/firmware.cmake, SUPERLOOP): its handlers replace the startup
 * code's weak Default_Handler entries. Registers: RM0383 (SYSCFG_EXTICRx,
 * EXTI, RCC_APB2ENR.SYSCFGEN) and ARMv7-M (SysTick, NVIC_ISER).
 */
#include "board_api.h"
#include "clock.h"
#include "iwdg.h"
#include "stm32f4_board.h"
#include "stm32f4_regs.h"
#include "stm32f4_sys.h"

#define REG32(a) (*(volatile uint32_t *)(a))
#define SYSCFG_EXTICR(n) REG32(0x40013808u + 4u * (n)) /* n = 0..3: lines 4n..4n+3 */
#define EXTI_IMR REG32(0x40013C00u)
#define EXTI_FTSR REG32(0x40013C0Cu)
#define EXTI_PR REG32(0x40013C14u)
#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))
#define RCC_APB2ENR_SYSCFGEN (1u << 14)

static volatile uint32_t ticks, intn, sleeps;
static volatile bool woken; /* an interrupt came since the last wf_board_sleep */
static struct stm32f4_pin int_pin;

uint32_t wf_board_cpu_hz(void)
{
    return stm32f4_sysclk_hz(); /* HCLK = SYSCLK (AHB prescaler 1: clock.c) */
}

void wf_board_watchdog_feed(void)
{
    stm32f4_iwdg_feed();
}

/* The IRQ of EXTI line `line` (RM0383 table 37). */
static unsigned exti_irq(unsigned line)
{
    return line <= 4 ? 6u + line : line <= 9 ? 23u : 40u;
}

bool wf_board_wake_start(void)
{
    const struct stm32f4_board *b = stm32f4_board_description();
    uint32_t hz = wf_board_cpu_hz();
    SysTick->LOAD = hz / 1000u - 1u;
    SysTick->VAL = 0;
    SysTick->CTRL = SysTick_CTRL_ENABLE | SysTick_CTRL_TICKINT | SysTick_CTRL_CLKSOURCE;
    if (b == NULL || b->chip_int.port == NULL) {
        return false;
    }
    int_pin = b->chip_int;
    unsigned line = int_pin.pin;
    uint32_t port_index = ((uint32_t)(uintptr_t)int_pin.port - 0x40020000u) / 0x400u;
    (void)stm32f4_clock_enable(int_pin.port);
    int_pin.port->MODER &= ~(3u << (2 * line));                                             /* input */
    int_pin.port->PUPDR = (int_pin.port->PUPDR & ~(3u << (2 * line))) | (1u << (2 * line)); /* pull-up */
    RCC->APB2ENR |= RCC_APB2ENR_SYSCFGEN;
    (void)RCC->APB2ENR; /* the clock is on before SYSCFG is written */
    SYSCFG_EXTICR(line / 4) =
        (SYSCFG_EXTICR(line / 4) & ~(0xFu << (4 * (line % 4)))) | (port_index << (4 * (line % 4)));
    EXTI_FTSR |= 1u << line;
    EXTI_PR = 1u << line;
    EXTI_IMR |= 1u << line;
    unsigned irq = exti_irq(line);
    NVIC_ISER(irq / 32) = 1u << (irq % 32);
    return true;
}

bool wf_board_chip_int_low(void)
{
    return int_pin.port != NULL && (int_pin.port->IDR & (1u << int_pin.pin)) == 0;
}

void wf_board_sleep(void)
{
    __asm volatile("cpsid i" ::: "memory");
    if (!woken) {
        sleeps++;
        /* A pending interrupt ends the WFI even while masked; it runs after cpsie. */
        __asm volatile("dsb\n wfi" ::: "memory");
    }
    woken = false;
    __asm volatile("cpsie i" ::: "memory");
}

void wf_board_wake_counts(struct wf_board_wake_counts *c)
{
    c->ticks = ticks;
    c->intn = intn;
    c->sleeps = sleeps;
}

void SysTick_Handler(void)
{
    ticks++;
    woken = true;
}

static void exti_handler(void)
{
    if (int_pin.port != NULL && (EXTI_PR & (1u << int_pin.pin))) {
        EXTI_PR = 1u << int_pin.pin;
        intn++;
        woken = true;
    }
}

void EXTI0_IRQHandler(void)
{
    exti_handler();
}
void EXTI1_IRQHandler(void)
{
    exti_handler();
}
void EXTI2_IRQHandler(void)
{
    exti_handler();
}
void EXTI3_IRQHandler(void)
{
    exti_handler();
}
void EXTI4_IRQHandler(void)
{
    exti_handler();
}
void EXTI9_5_IRQHandler(void)
{
    exti_handler();
}
void EXTI15_10_IRQHandler(void)
{
    exti_handler();
}
