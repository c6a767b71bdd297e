/* STM32F4 clock tree bring-up (see clock.h). */
#include "clock.h"

#include <stddef.h>

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

int stm32f4_clock_init(uint32_t hse_hz, uint32_t sysclk_hz)
{
    struct stm32f4_pll_cfg pll;
    int latency = stm32f4_flash_latency(sysclk_hz);
    int vos = stm32f4_vos_field(sysclk_hz);
    uint32_t apb1_div = stm32f4_apb_divider(sysclk_hz, STM32F4_PCLK1_MAX_HZ);
    uint32_t pll_in = hse_hz != 0 ? hse_hz : STM32F4_HSI_HZ;
    if (stm32f4_pll_config(pll_in, sysclk_hz, &pll) != 0 || latency < 0 || vos < 0 || apb1_div == 0) {
        return WF_EINVAL;
    }

    int rc = run_on_hsi();
    if (rc != 0) {
        return rc;
    }
    if (hse_hz != 0) {
        /* A crystal takes a few milliseconds to start (HSE start-up time). */
        RCC->CR = (RCC->CR & ~RCC_CR_HSEBYP) | RCC_CR_HSEON;
        if (wait_bits(&RCC->CR, RCC_CR_HSERDY, RCC_CR_HSERDY) != 0) {
            RCC->CR &= ~RCC_CR_HSEON;
            return WF_ENODEV;
        }
    }

    /* Regulator scale first: VOS may only change while the PLL is off, and takes
     * effect (VOSRDY) once the PLL is on. */
    (void)stm32f4_clock_enable(PWR);
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
    cfgr |= pll.q << RCC_PLLCFGR_PLLQ_Pos;
    if (hse_hz != 0) {
        cfgr |= RCC_PLLCFGR_PLLSRC; /* else 0: HSI */
    }
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

/* The clock gates of the peripherals the family code drives (RM0383 6.3.9,
 * 6.3.11, 6.3.12) and the bus each one hangs on. */
enum bus { AHB1, APB1, APB2 };

struct gate {
    uintptr_t base;
    uint8_t bus;
    uint8_t bit;
};

static const struct gate gates[] = {
    {(uintptr_t)GPIOA, AHB1, 0},   {(uintptr_t)GPIOB, AHB1, 1}, {(uintptr_t)GPIOC, AHB1, 2},
    {(uintptr_t)USART2, APB1, 17}, {(uintptr_t)PWR, APB1, 28},  {(uintptr_t)USART1, APB2, 4},
    {(uintptr_t)ADC1, APB2, 8},    {(uintptr_t)SPI1, APB2, 12}, {(uintptr_t)DMA2, AHB1, 22},
};

static const struct gate *find_gate(const volatile void *periph)
{
    for (size_t i = 0; i < sizeof gates / sizeof gates[0]; i++) {
        if (gates[i].base == (uintptr_t)periph) {
            return &gates[i];
        }
    }
    return NULL;
}

int stm32f4_clock_enable(const volatile void *periph)
{
    const struct gate *g = find_gate(periph);
    if (g == NULL) {
        return WF_EINVAL;
    }
    volatile uint32_t *enr = g->bus == AHB1 ? &RCC->AHB1ENR : g->bus == APB1 ? &RCC->APB1ENR : &RCC->APB2ENR;
    *enr |= 1u << g->bit;
    (void)*enr; /* the enable must land before the first access to the peripheral */
    return 0;
}

uint32_t stm32f4_bus_hz(const volatile void *periph)
{
    const struct gate *g = find_gate(periph);
    if (g == NULL) {
        return 0;
    }
    return g->bus == APB1 ? pclk1 : g->bus == APB2 ? pclk2 : sysclk;
}
