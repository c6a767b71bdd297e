/*
 * The emulator's interrupt test image: the firmware (apps/firmware, the same fetch)
 * with what interrupt-driven user firmware does added around it, by link-time
 * wrapping (-Wl,--wrap=...; tests/emu_irq/emu_irq.cmake):
 *
 * - after wf_board_init: its own vector table (VTOR), a 1 kHz SysTick tick
 *   (priority 0xC0) that drives a 20 ms delay checked against DWT CYCCNT; an SVC
 *   (the handler reads its immediate through the stacked PC); a console line sent
 *   by USART1's TXE interrupt (0xA0), one byte each; PendSV (0xF0, the
 *   lowest), pended every 100 ticks, which pends EXTI1 by software (0x40): EXTI1
 *   must preempt it at once (nested priorities);
 * - before wf_fetch: the W5500's INTn on PB0 as EXTI0 (falling edge, 0x80), the
 *   chip's SIMR set so that socket interrupts drive INTn low; the fetch runs with
 *   SysTick and INTn interrupts arriving;
 * - at wf_board_exit(0): the counts on the console, then a read of an address
 *   where nothing is (BusFault enabled: the handler records BFAR and skips the
 *   load), then a division by zero with CCR.DIV_0_TRP: UsageFault is not enabled,
 *   so HardFault (FORCED), whose handler is an infinite loop. The emulator stops
 *   there with its fault report (exit 0x75), which tests/emu_irq/run.sh checks.
 *
 * Lines "[emu-irq] ..." on the console carry the results.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "board_api.h"
#include "wizfetch/port.h"

#define REG(a) (*(volatile uint32_t *)(a))
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define NVIC_ISER0 REG(0xE000E100u)
#define NVIC_IPR(n) (*(volatile uint8_t *)(0xE000E400u + (n)))
#define SCB_ICSR REG(0xE000ED04u)
#define SCB_VTOR REG(0xE000ED08u)
#define SCB_CCR REG(0xE000ED14u)
#define SCB_SHPR3 REG(0xE000ED20u)
#define SCB_SHCSR REG(0xE000ED24u)
#define SCB_CFSR REG(0xE000ED28u)
#define SCB_BFAR REG(0xE000ED38u)
#define RCC_AHB1ENR REG(0x40023830u)
#define RCC_APB2ENR REG(0x40023844u)
#define GPIOB_MODER REG(0x40020400u)
#define GPIOB_PUPDR REG(0x4002040Cu)
#define GPIOB_IDR REG(0x40020410u)
#define SYSCFG_EXTICR1 REG(0x40013808u)
#define EXTI_IMR REG(0x40013C00u)
#define EXTI_FTSR REG(0x40013C0Cu)
#define EXTI_SWIER REG(0x40013C10u)
#define EXTI_PR REG(0x40013C14u)
#define NVIC_ISER1 REG(0xE000E104u)
#define USART1_SR REG(0x40011000u)
#define USART1_DR REG(0x40011004u)
#define USART1_CR1 REG(0x4001100Cu)
#define IRQ_EXTI0 6u
#define IRQ_EXTI1 7u
#define IRQ_USART1 37u
#define NOWHERE 0x60000000u /* the FSMC bank: the STM32F411 has none */

void __real_wf_board_init(void);
void __wrap_wf_board_init(void);
struct wf_fetch;
int __real_wf_fetch(void *work, void *net, void *tls, const void *options, const void *callbacks,
                    void *result);
int __wrap_wf_fetch(void *work, void *net, void *tls, const void *options, const void *callbacks,
                    void *result);
void __real_wf_board_exit(int code);
void __wrap_wf_board_exit(int code);

static volatile uint32_t ticks, pendsv_runs, exti1_runs, intn_runs, intn_low, svc_number, nested_ok;
static volatile uint32_t busfault_cfsr, busfault_bfar;
static const char usart_line[] = "[emu-irq] usart1 sent this line from its TXE interrupt\n";
static volatile uint32_t usart_pos, usart_irqs;

/* A console line: the format carries its own "\n" (the port turns it into CR LF). */
static void say(const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    const struct wf_port *port = wf_board_port();
    if (n > 0) {
        port->console_write(port->ctx, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    }
}

/* ---- handlers ---- */

void emu_irq_default_handler(void);
uint32_t emu_irq_divide(uint32_t a, volatile uint32_t *b);

/* Where the vectors of everything not handled point: `b .`, as a vendor startup's. */
__attribute__((noinline, used)) void emu_irq_default_handler(void)
{
    for (;;) {
    }
}

static void systick_handler(void)
{
    ticks++;
    if (ticks % 100u == 0) {
        SCB_ICSR = 1u << 28; /* PENDSVSET */
    }
}

static void pendsv_handler(void)
{
    uint32_t before = exti1_runs;
    EXTI_SWIER = 1u << 1; /* EXTI1, priority 0x40: preempts this one (0xF0) at once */
    __asm volatile("dsb\n isb" ::: "memory");
    if (exti1_runs == before + 1u) {
        nested_ok++;
    }
    pendsv_runs++;
}

static void exti1_handler(void)
{
    EXTI_PR = 1u << 1;
    exti1_runs++;
}

static void exti0_handler(void)
{
    EXTI_PR = 1u << 0;
    intn_runs++;
    if (!(GPIOB_IDR & 1u)) {
        intn_low++; /* INTn is still low: a socket interrupt is set */
    }
}

/* Interrupt-driven transmission: one byte per TXE interrupt, TXEIE off at the end. */
static void usart1_handler(void)
{
    usart_irqs++;
    if (USART1_SR & (1u << 7)) {
        if (usart_line[usart_pos] != '\0') {
            USART1_DR = (uint8_t)usart_line[usart_pos++];
        } else {
            USART1_CR1 &= ~(1u << 7);
        }
    }
}

/* The SVC immediate: the low byte of the instruction before the stacked return address. */
__attribute__((used)) static void svc_c(const uint32_t *frame)
{
    svc_number = *(const uint8_t *)(frame[6] - 2u);
}

/* Both handlers run on MSP (thread mode uses it too): the frame is at SP. */
__attribute__((naked)) static void svc_handler(void)
{
    __asm volatile("mov r0, sp\n"
                   "b %0\n" ::"i"(svc_c));
}

static void busfault_handler(void) __attribute__((naked));
/* Record CFSR and BFAR, clear them, and return past the faulting load. */
__attribute__((used)) static void busfault_c(uint32_t *frame)
{
    busfault_cfsr = SCB_CFSR;
    busfault_bfar = SCB_BFAR;
    SCB_CFSR = busfault_cfsr;
    uint16_t insn = *(const uint16_t *)frame[6];
    frame[6] += (insn & 0xF800u) >= 0xE800u ? 4u : 2u;
}

static void busfault_handler(void)
{
    __asm volatile("mov r0, sp\n"
                   "b %0\n" ::"i"(busfault_c));
}

typedef void (*vector_t)(void);
#define DEF emu_irq_default_handler
extern uint32_t _estack;
/* 16 system vectors + 86 interrupt lines; VTOR needs 512-byte alignment for that size. */
__attribute__((aligned(512))) static const vector_t vectors[16 + 86] = {
    [0] = (vector_t)(uintptr_t)&_estack,
    [1] = DEF, /* not used: the reset vector comes from the table at 0x08000000 */
    [2 ... 4] = DEF,
    [5] = busfault_handler,
    [6 ... 10] = DEF,
    [11] = svc_handler,
    [12 ... 13] = DEF,
    [14] = pendsv_handler,
    [15] = systick_handler,
    [16 ... 16 + IRQ_EXTI0 - 1] = DEF,
    [16 + IRQ_EXTI0] = exti0_handler,
    [16 + IRQ_EXTI1] = exti1_handler,
    [16 + IRQ_EXTI1 + 1 ... 16 + IRQ_USART1 - 1] = DEF,
    [16 + IRQ_USART1] = usart1_handler,
    [16 + IRQ_USART1 + 1 ... 16 + 85] = DEF,
};

/* ---- the wrapped steps ---- */

static void tick_delay(uint32_t ms)
{
    uint32_t start = ticks;
    while (ticks - start < ms) {
    }
}

void __wrap_wf_board_init(void)
{
    __real_wf_board_init();
    SCB_VTOR = (uint32_t)(uintptr_t)vectors;
    SCB_SHPR3 = (0xC0u << 24) | (0xF0u << 16); /* SysTick 0xC0, PendSV 0xF0 */
    NVIC_IPR(IRQ_EXTI1) = 0x40u;
    RCC_APB2ENR |= 1u << 14; /* SYSCFG */
    EXTI_IMR |= 1u << 1;     /* EXTI1: software-triggered only */
    NVIC_ISER0 = 1u << IRQ_EXTI1;
    SYST_RVR = 100000u - 1u; /* 1 kHz from HCLK 100 MHz */
    SYST_CVR = 0;
    SYST_CSR = 7u; /* ENABLE | TICKINT | CLKSOURCE */
    uint32_t c0 = wf_board_cycles();
    tick_delay(20);
    uint32_t ms = (wf_board_cycles() - c0) / 100000u;
    say("[emu-irq] systick delay 20 ticks: %lu ms by CYCCNT\n", (unsigned long)ms);
    __asm volatile("svc #7" ::: "memory");
    say("[emu-irq] svc %lu\n", (unsigned long)svc_number);
    NVIC_IPR(IRQ_USART1) = 0xA0u;
    NVIC_ISER1 = 1u << (IRQ_USART1 - 32u);
    USART1_CR1 |= 1u << 7; /* TXEIE: the handler sends the line */
    while (USART1_CR1 & (1u << 7)) {
    }
    say("[emu-irq] usart1 interrupts %lu for %lu bytes\n", (unsigned long)usart_irqs,
        (unsigned long)usart_pos);
}

int __wrap_wf_fetch(void *work, void *net, void *tls, const void *options, const void *callbacks,
                    void *result)
{
    /* PB0 (the W5500's INTn): input, pull-up; EXTI0 on its falling edge. */
    RCC_AHB1ENR |= 1u << 1;
    GPIOB_MODER &= ~3u;
    GPIOB_PUPDR = (GPIOB_PUPDR & ~3u) | 1u;
    SYSCFG_EXTICR1 = (SYSCFG_EXTICR1 & ~0xFu) | 1u; /* line 0: port B */
    EXTI_FTSR |= 1u << 0;
    EXTI_IMR |= 1u << 0;
    NVIC_IPR(IRQ_EXTI0) = 0x80u;
    NVIC_ISER0 = 1u << IRQ_EXTI0;
    /* W5500 SIMR (common register 0x0018) = 0xFF: every socket may drive INTn. */
    const struct wf_port *port = wf_board_port();
    const uint8_t simr[4] = {0x00, 0x18, 0x04, 0xFF};
    uint8_t rx[4];
    port->spi_frame(port->ctx, simr, rx, sizeof simr);
    int rc = __real_wf_fetch(work, net, tls, options, callbacks, result);
    say("[emu-irq] fetch returned %d; INTn interrupts %lu (INTn low in %lu)\n", rc, (unsigned long)intn_runs,
        (unsigned long)intn_low);
    return rc;
}

/* A division the compiler cannot fold: the divisor comes from memory. */
__attribute__((noinline)) uint32_t emu_irq_divide(uint32_t a, volatile uint32_t *b)
{
    return a / *b;
}

void __wrap_wf_board_exit(int code)
{
    if (code != 0) {
        __real_wf_board_exit(code);
        return;
    }
    say("[emu-irq] ticks %lu, pendsv %lu, exti1 %lu, nested %lu\n", (unsigned long)ticks,
        (unsigned long)pendsv_runs, (unsigned long)exti1_runs, (unsigned long)nested_ok);
    SCB_SHCSR |= 1u << 17; /* BUSFAULTENA */
    (void)REG(NOWHERE);
    say("[emu-irq] busfault CFSR 0x%08lx BFAR 0x%08lx\n", (unsigned long)busfault_cfsr,
        (unsigned long)busfault_bfar);
    SCB_CCR |= 1u << 4; /* DIV_0_TRP */
    static volatile uint32_t zero;
    say("[emu-irq] dividing by zero\n");
    uint32_t q = emu_irq_divide(1000u, &zero);
    say("[emu-irq] not reached: %lu\n", (unsigned long)q);
    __real_wf_board_exit(1);
}
