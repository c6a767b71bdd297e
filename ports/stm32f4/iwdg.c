/* Independent watchdog (see iwdg.h). */
#include "iwdg.h"

#include "board_math.h"
#include "stm32f4_regs.h"
#include "wizfetch/error.h"

/* PVU/RVU clear after up to 5 LSI periods (~300 us at 17 kHz); at 100 MHz a poll
 * takes a few ns, so this bound is several tens of milliseconds. */
#define IWDG_WAIT_LOOPS 2000000u

static bool csr_read;
static uint32_t csr_at_boot;

int stm32f4_iwdg_start(uint32_t timeout_ms)
{
    uint32_t pr, rlr;
    if (stm32f4_iwdg_config(timeout_ms, STM32F4_LSI_HZ, &pr, &rlr) != 0) {
        return WF_ERANGE;
    }
    IWDG->KR = IWDG_KR_START;
    IWDG->KR = IWDG_KR_UNLOCK;
    IWDG->PR = pr;
    IWDG->RLR = rlr;
    for (uint32_t i = 0; i < IWDG_WAIT_LOOPS; i++) {
        if ((IWDG->SR & (IWDG_SR_PVU | IWDG_SR_RVU)) == 0) {
            IWDG->KR = IWDG_KR_RELOAD; /* reload with the new values; relocks PR/RLR */
            return 0;
        }
    }
    IWDG->KR = IWDG_KR_RELOAD;
    return WF_ETIMEDOUT;
}

void stm32f4_iwdg_feed(void)
{
    IWDG->KR = IWDG_KR_RELOAD;
}

uint32_t stm32f4_reset_flags(void)
{
    if (!csr_read) {
        csr_at_boot = RCC->CSR;
        csr_read = true;
        RCC->CSR |= RCC_CSR_RMVF; /* else the flag survives the next, unrelated reset */
    }
    return csr_at_boot;
}

bool stm32f4_iwdg_was_reset(void)
{
    return (stm32f4_reset_flags() & RCC_CSR_IWDGRSTF) != 0;
}
