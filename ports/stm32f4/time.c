/* Millisecond clock from the DWT cycle counter, extended by polling (see stm32f4_time.h). */
#include "stm32f4_time.h"

#include "clock.h"
#include "iwdg.h"
#include "stm32f4_regs.h"
#include "wizfetch/error.h"

static uint32_t cyc_per_ms = STM32F4_HSI_HZ / 1000u;
static uint32_t last_cyc; /* CYCCNT at the previous update */
static uint32_t rem_cyc;  /* cycles not yet counted as a whole millisecond (< cyc_per_ms) */
static uint64_t ms_count;

int stm32f4_time_init(void)
{
    CoreDebug->DEMCR |= CoreDebug_DEMCR_TRCENA;
    if (DWT->CTRL & DWT_CTRL_NOCYCCNT) {
        return WF_ENODEV;
    }
    DWT->CYCCNT = 0;
    DWT->CTRL |= DWT_CTRL_CYCCNTENA;

    cyc_per_ms = stm32f4_sysclk_hz() / 1000u;
    last_cyc = DWT->CYCCNT;
    rem_cyc = 0;
    ms_count = 0;

    /* A counter that stands still would make every deadline infinite: say so now. */
    for (uint32_t i = 0; i < 1000u; i++) {
        if (DWT->CYCCNT != last_cyc) {
            return 0;
        }
    }
    return WF_ENODEV;
}

uint32_t stm32f4_cycles(void)
{
    return DWT->CYCCNT;
}

uint64_t stm32f4_millis64(void)
{
    /* Single-threaded and interrupt-free: no read-modify-write race on this state. */
    uint32_t now = DWT->CYCCNT;
    uint32_t delta = now - last_cyc;
    last_cyc = now;
    ms_count += delta / cyc_per_ms;
    rem_cyc += delta % cyc_per_ms;
    if (rem_cyc >= cyc_per_ms) {
        rem_cyc -= cyc_per_ms;
        ms_count++;
    }
    return ms_count;
}

uint32_t stm32f4_millis(void)
{
    return (uint32_t)stm32f4_millis64();
}

/* Wait for `need` cycles; each pass takes well over one cycle, so `need` passes
 * bound the loop even if the counter is dead. */
static void wait_cycles(uint64_t need, int feed)
{
    uint64_t got = 0;
    uint64_t guard = need + 16u;
    uint32_t prev = DWT->CYCCNT;
    while (got < need && guard-- > 0) {
        uint32_t now = DWT->CYCCNT;
        got += now - prev;
        prev = now;
        if (feed) {
            (void)stm32f4_millis64(); /* keeps the 64-bit extension current in long delays */
            stm32f4_iwdg_feed();
        }
    }
}

void stm32f4_delay_ms(uint32_t ms)
{
    wait_cycles((uint64_t)ms * cyc_per_ms, 1);
}

void stm32f4_delay_us(uint32_t us)
{
    wait_cycles(((uint64_t)us * cyc_per_ms + 999u) / 1000u, 0);
}
