/* STM32F4 clock tree bring-up (see clock.h). */
#include "clock.h"

#include "stm32f4_regs.h"
#include "wizfetch/error.h"

/* Ready bits come within microseconds (PLL lock: ~100 us); a few hundred
 * thousand polls at 16 MHz are tens of milliseconds: a dead oscillator, not a slow one. */
#define CLOCK_WAIT_LOOPS 200000u

static uint32_t sysclk = STM32F4_HSI_HZ;
static uint32_t pclk1 = STM32F4_HSI_HZ;
static uint32_t pclk2 = STM32F4_HSI_HZ;

uint32_t stm32f4_sysclk_hz(void)
{
    return sysclk;
}

uint32_t stm32f4_pclk1_hz(void)
{
    return pclk1;
}

uint32_t stm32f4_pclk2_hz(void)
{
    return pclk2;
}

/* Wait until (*reg & mask) == want, at most CLOCK_WAIT_LOOPS polls. */
static int wait_bits(volatile uint32_t *reg, uint32_t mask, uint32_t want)
{
    for (uint32_t i = 0; i < CLOCK_WAIT_LOOPS; i++) {
        if ((*reg & mask) == want) {
            return 0;
        }
    }
    return WF_ETIMEDOUT;
}

/* Back to the HSI with /1 buses; used before reconfiguring and on failure. */
static int run_on_hsi(void)
{
    RCC->CR |= RCC_CR_HSION;
    if (wait_bits(&RCC->CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY) != 0) {
        return WF_ETIMEDOUT;
    }
    RCC->CFGR = (RCC->CFGR & ~RCC_CFGR_SW_Msk) | RCC_CFGR_SW_HSI;
    if (wait_bits(&RCC->CFGR, RCC_CFGR_SWS_Msk, RCC_CFGR_SWS_HSI) != 0) {
        return WF_ETIMEDOUT;
    }
    RCC->CFGR &= ~(RCC_CFGR_HPRE_Msk | RCC_CFGR_PPRE1_Msk | RCC_CFGR_PPRE2_Msk);
    sysclk = pclk1 = pclk2 = STM32F4_HSI_HZ;
    /* The PLL can only be reconfigured while it is off. */
    RCC->CR &= ~RCC_CR_PLLON;
    return wait_bits(&RCC->CR, RCC_CR_PLLRDY, 0);
}

int stm32f4_clock_init(uint32_t sysclk_hz)
{
    struct stm32f4_pll_cfg pll;
    int latency = stm32f4_flash_latency(sysclk_hz);
    int vos = stm32f4_vos_field(sysclk_hz);
    uint32_t apb1_div = stm32f4_apb_divider(sysclk_hz, STM32F4_PCLK1_MAX_HZ);
    if (stm32f4_pll_config(STM32F4_HSI_HZ, sysclk_hz, &pll) != 0 || latency < 0 || vos < 0 || apb1_div == 0) {
        return WF_EINVAL;
    }

    int rc = run_on_hsi();
    if (rc != 0) {
        return rc;
    }

    /* Regulator scale first: VOS may only change while the PLL is off, and takes
     * effect (VOSRDY) once the PLL is on. */
    RCC->APB1ENR |= RCC_APB1ENR_PWREN;
    (void)RCC->APB1ENR; /* the enable must land before the first PWR access */
    PWR->CR = (PWR->CR & ~PWR_CR_VOS_Msk) | ((uint32_t)vos << PWR_CR_VOS_Pos);

    /* Wait states up before the clock goes up; read back, as RM0383 §3.4.1 asks. */
    uint32_t acr = FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN | (uint32_t)latency;
    FLASH->ACR = acr;
    if (wait_bits(&FLASH->ACR, FLASH_ACR_LATENCY_Msk, (uint32_t)latency) != 0) {
        return WF_ETIMEDOUT;
    }

    /* AHB /1, APB2 /1 (100 MHz max), APB1 divided to <= 50 MHz, before the switch. */
    RCC->CFGR = (RCC->CFGR & ~(RCC_CFGR_HPRE_Msk | RCC_CFGR_PPRE1_Msk | RCC_CFGR_PPRE2_Msk)) |
                ((uint32_t)stm32f4_ppre_field(apb1_div) << RCC_CFGR_PPRE1_Pos);

    /* Reserved PLLCFGR bits keep their reset values (RM0383 §6.3.2). */
    uint32_t cfgr = RCC->PLLCFGR & ~(RCC_PLLCFGR_PLLM_Msk | RCC_PLLCFGR_PLLN_Msk | RCC_PLLCFGR_PLLP_Msk |
                                     RCC_PLLCFGR_PLLSRC | RCC_PLLCFGR_PLLQ_Msk);
    cfgr |= pll.m << RCC_PLLCFGR_PLLM_Pos;
    cfgr |= pll.n << RCC_PLLCFGR_PLLN_Pos;
    cfgr |= (pll.p / 2 - 1) << RCC_PLLCFGR_PLLP_Pos;
    cfgr |= pll.q << RCC_PLLCFGR_PLLQ_Pos; /* PLLSRC = 0: HSI */
    RCC->PLLCFGR = cfgr;

    RCC->CR |= RCC_CR_PLLON;
    if (wait_bits(&RCC->CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY) != 0 ||
        wait_bits(&PWR->CSR, PWR_CSR_VOSRDY, PWR_CSR_VOSRDY) != 0) {
        (void)run_on_hsi(); /* undoes the APB1 division and stops the PLL */
        return WF_ETIMEDOUT;
    }

    RCC->CFGR = (RCC->CFGR & ~RCC_CFGR_SW_Msk) | RCC_CFGR_SW_PLL;
    if (wait_bits(&RCC->CFGR, RCC_CFGR_SWS_Msk, RCC_CFGR_SWS_PLL) != 0) {
        /* Still on the HSI: undo the bus division so the getters stay true. */
        (void)run_on_hsi();
        return WF_ETIMEDOUT;
    }
    sysclk = pll.sysclk_hz;
    pclk1 = sysclk_hz / apb1_div;
    pclk2 = sysclk_hz;
    return 0;
}
