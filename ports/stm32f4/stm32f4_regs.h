/**
 * @file stm32f4_regs.h
 * @brief Register map of the STM32F411 peripherals wizfetch uses, written from the
 * reference manual RM0383 (and the ARMv7-M architecture manual for the core
 * peripherals). Only what the board code touches is here.
 *
 * Conventions follow the manual: a peripheral is a `volatile` struct at its base
 * address (`RCC->CR`, `SPI1->DR`), bits are `<PERIPH>_<REG>_<FIELD>` (`RCC_CR_HSION`),
 * multi-bit fields have `_Pos` and `_Msk`. Offsets are checked at compile time
 * against the manual's register map, so a missing reserved word is a build error,
 * not a silent write to the wrong register.
 *
 * No vendor header is used (the build cannot obtain one) and none is needed: every
 * value below is a fact from RM0383 / ARMv7-M.
 */
#ifndef STM32F4_REGS_H
#define STM32F4_REGS_H

#include <stddef.h>
#include <stdint.h>

/* The part, chosen by the board's build (boards/<board>/board.cmake). */
#if defined(STM32F411xE)
#define STM32F4_IRQ_LINES 86 /* RM0383 table 37: IRQ 0..85 */
#else
#error "no STM32F4 part defined (the board's build sets one, e.g. STM32F411xE)"
#endif

/* ------------------------------------------------------------------ RCC (RM0383 §6.3) */
typedef struct {
    volatile uint32_t CR;         /* 0x00 */
    volatile uint32_t PLLCFGR;    /* 0x04 */
    volatile uint32_t CFGR;       /* 0x08 */
    volatile uint32_t CIR;        /* 0x0C */
    volatile uint32_t AHB1RSTR;   /* 0x10 */
    volatile uint32_t AHB2RSTR;   /* 0x14 */
    uint32_t RESERVED0[2];        /* 0x18 */
    volatile uint32_t APB1RSTR;   /* 0x20 */
    volatile uint32_t APB2RSTR;   /* 0x24 */
    uint32_t RESERVED1[2];        /* 0x28 */
    volatile uint32_t AHB1ENR;    /* 0x30 */
    volatile uint32_t AHB2ENR;    /* 0x34 */
    uint32_t RESERVED2[2];        /* 0x38 */
    volatile uint32_t APB1ENR;    /* 0x40 */
    volatile uint32_t APB2ENR;    /* 0x44 */
    uint32_t RESERVED3[2];        /* 0x48 */
    volatile uint32_t AHB1LPENR;  /* 0x50 */
    volatile uint32_t AHB2LPENR;  /* 0x54 */
    uint32_t RESERVED4[2];        /* 0x58 */
    volatile uint32_t APB1LPENR;  /* 0x60 */
    volatile uint32_t APB2LPENR;  /* 0x64 */
    uint32_t RESERVED5[2];        /* 0x68 */
    volatile uint32_t BDCR;       /* 0x70 */
    volatile uint32_t CSR;        /* 0x74 */
    uint32_t RESERVED6[2];        /* 0x78 */
    volatile uint32_t SSCGR;      /* 0x80 */
    volatile uint32_t PLLI2SCFGR; /* 0x84 */
    uint32_t RESERVED7;           /* 0x88 */
    volatile uint32_t DCKCFGR;    /* 0x8C */
} RCC_TypeDef;

#define RCC ((RCC_TypeDef *)0x40023800u)

#define RCC_CR_HSION (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_HSEBYP (1u << 18)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)

#define RCC_PLLCFGR_PLLM_Pos 0
#define RCC_PLLCFGR_PLLM_Msk (0x3Fu << RCC_PLLCFGR_PLLM_Pos)
#define RCC_PLLCFGR_PLLN_Pos 6
#define RCC_PLLCFGR_PLLN_Msk (0x1FFu << RCC_PLLCFGR_PLLN_Pos)
#define RCC_PLLCFGR_PLLP_Pos 16 /* 00: /2, 01: /4, 10: /6, 11: /8 */
#define RCC_PLLCFGR_PLLP_Msk (0x3u << RCC_PLLCFGR_PLLP_Pos)
#define RCC_PLLCFGR_PLLSRC (1u << 22) /* 0: HSI, 1: HSE */
#define RCC_PLLCFGR_PLLQ_Pos 24
#define RCC_PLLCFGR_PLLQ_Msk (0xFu << RCC_PLLCFGR_PLLQ_Pos)

#define RCC_CFGR_SW_Pos 0
#define RCC_CFGR_SW_Msk (0x3u << RCC_CFGR_SW_Pos)
#define RCC_CFGR_SW_HSI (0x0u << RCC_CFGR_SW_Pos)
#define RCC_CFGR_SW_PLL (0x2u << RCC_CFGR_SW_Pos)
#define RCC_CFGR_SWS_Pos 2
#define RCC_CFGR_SWS_Msk (0x3u << RCC_CFGR_SWS_Pos)
#define RCC_CFGR_SWS_HSI (0x0u << RCC_CFGR_SWS_Pos)
#define RCC_CFGR_SWS_PLL (0x2u << RCC_CFGR_SWS_Pos)
#define RCC_CFGR_HPRE_Pos 4 /* 0xxx: /1 */
#define RCC_CFGR_HPRE_Msk (0xFu << RCC_CFGR_HPRE_Pos)
#define RCC_CFGR_PPRE1_Pos 10 /* 0xx: /1, 100: /2, 101: /4, 110: /8, 111: /16 */
#define RCC_CFGR_PPRE1_Msk (0x7u << RCC_CFGR_PPRE1_Pos)
#define RCC_CFGR_PPRE2_Pos 13
#define RCC_CFGR_PPRE2_Msk (0x7u << RCC_CFGR_PPRE2_Pos)

#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_AHB1ENR_GPIOBEN (1u << 1)
#define RCC_AHB1ENR_GPIOCEN (1u << 2)
#define RCC_APB1ENR_USART2EN (1u << 17)
#define RCC_APB1ENR_PWREN (1u << 28)
#define RCC_APB2ENR_USART1EN (1u << 4)
#define RCC_APB2ENR_ADC1EN (1u << 8)
#define RCC_APB2ENR_SPI1EN (1u << 12)

#define RCC_CSR_LSION (1u << 0)
#define RCC_CSR_LSIRDY (1u << 1)
#define RCC_CSR_RMVF (1u << 24)
#define RCC_CSR_BORRSTF (1u << 25)
#define RCC_CSR_PINRSTF (1u << 26)
#define RCC_CSR_PORRSTF (1u << 27)
#define RCC_CSR_SFTRSTF (1u << 28)
#define RCC_CSR_IWDGRSTF (1u << 29)
#define RCC_CSR_WWDGRSTF (1u << 30)
#define RCC_CSR_LPWRRSTF (1u << 31)

/* ------------------------------------------------- FLASH interface (RM0383 §3.8) */
typedef struct {
    volatile uint32_t ACR;     /* 0x00 */
    volatile uint32_t KEYR;    /* 0x04 */
    volatile uint32_t OPTKEYR; /* 0x08 */
    volatile uint32_t SR;      /* 0x0C */
    volatile uint32_t CR;      /* 0x10 */
    volatile uint32_t OPTCR;   /* 0x14 */
} FLASH_TypeDef;

#define FLASH ((FLASH_TypeDef *)0x40023C00u)

#define FLASH_ACR_LATENCY_Pos 0
#define FLASH_ACR_LATENCY_Msk (0xFu << FLASH_ACR_LATENCY_Pos)
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)
#define FLASH_ACR_ICRST (1u << 11)
#define FLASH_ACR_DCRST (1u << 12)

#define FLASH_KEY1 0x45670123u
#define FLASH_KEY2 0xCDEF89ABu

#define FLASH_SR_EOP (1u << 0)
#define FLASH_SR_OPERR (1u << 1)
#define FLASH_SR_WRPERR (1u << 4)
#define FLASH_SR_PGAERR (1u << 5)
#define FLASH_SR_PGPERR (1u << 6)
#define FLASH_SR_PGSERR (1u << 7)
#define FLASH_SR_RDERR (1u << 8)
#define FLASH_SR_BSY (1u << 16)
#define FLASH_SR_ERRORS                                                                                      \
    (FLASH_SR_OPERR | FLASH_SR_WRPERR | FLASH_SR_PGAERR | FLASH_SR_PGPERR | FLASH_SR_PGSERR | FLASH_SR_RDERR)

#define FLASH_CR_PG (1u << 0)
#define FLASH_CR_SER (1u << 1)
#define FLASH_CR_MER (1u << 2)
#define FLASH_CR_SNB_Pos 3
#define FLASH_CR_SNB_Msk (0xFu << FLASH_CR_SNB_Pos)
#define FLASH_CR_PSIZE_Pos 8 /* 00: x8, 01: x16, 10: x32, 11: x64 */
#define FLASH_CR_PSIZE_Msk (0x3u << FLASH_CR_PSIZE_Pos)
#define FLASH_CR_PSIZE_X32 (0x2u << FLASH_CR_PSIZE_Pos)
#define FLASH_CR_STRT (1u << 16)
#define FLASH_CR_LOCK (1u << 31)

/* ---------------------------------------------------------------- PWR (RM0383 §5.4) */
typedef struct {
    volatile uint32_t CR;  /* 0x00 */
    volatile uint32_t CSR; /* 0x04 */
} PWR_TypeDef;

#define PWR ((PWR_TypeDef *)0x40007000u)

#define PWR_CR_VOS_Pos 14 /* 01: scale 3 (<= 64 MHz), 10: scale 2 (<= 84), 11: scale 1 (<= 100) */
#define PWR_CR_VOS_Msk (0x3u << PWR_CR_VOS_Pos)
#define PWR_CSR_VOSRDY (1u << 14)

/* --------------------------------------------------------------- GPIO (RM0383 §8.4) */
typedef struct {
    volatile uint32_t MODER;   /* 0x00: 2 bits per pin, 00 in, 01 out, 10 AF, 11 analog */
    volatile uint32_t OTYPER;  /* 0x04 */
    volatile uint32_t OSPEEDR; /* 0x08: 00 low, 01 medium, 10 fast, 11 high */
    volatile uint32_t PUPDR;   /* 0x0C: 00 none, 01 pull-up, 10 pull-down */
    volatile uint32_t IDR;     /* 0x10 */
    volatile uint32_t ODR;     /* 0x14 */
    volatile uint32_t BSRR;    /* 0x18: bits 0-15 set, 16-31 reset (atomic) */
    volatile uint32_t LCKR;    /* 0x1C */
    volatile uint32_t AFR[2];  /* 0x20: AFRL (pins 0-7), 0x24: AFRH (pins 8-15), 4 bits per pin */
} GPIO_TypeDef;

#define GPIOA ((GPIO_TypeDef *)0x40020000u)
#define GPIOB ((GPIO_TypeDef *)0x40020400u)
#define GPIOC ((GPIO_TypeDef *)0x40020800u)

#define GPIO_MODER_INPUT 0x0u
#define GPIO_MODER_OUTPUT 0x1u
#define GPIO_MODER_AF 0x2u
#define GPIO_MODER_ANALOG 0x3u
#define GPIO_OSPEEDR_LOW 0x0u
#define GPIO_OSPEEDR_MEDIUM 0x1u
#define GPIO_OSPEEDR_FAST 0x2u
#define GPIO_OSPEEDR_HIGH 0x3u
#define GPIO_PUPDR_NONE 0x0u
#define GPIO_PUPDR_PULLUP 0x1u

/* ---------------------------------------------------------------- SPI (RM0383 §20.5) */
typedef struct {
    volatile uint32_t CR1;     /* 0x00 */
    volatile uint32_t CR2;     /* 0x04 */
    volatile uint32_t SR;      /* 0x08 */
    volatile uint32_t DR;      /* 0x0C */
    volatile uint32_t CRCPR;   /* 0x10 */
    volatile uint32_t RXCRCR;  /* 0x14 */
    volatile uint32_t TXCRCR;  /* 0x18 */
    volatile uint32_t I2SCFGR; /* 0x1C */
    volatile uint32_t I2SPR;   /* 0x20 */
} SPI_TypeDef;

#define SPI1 ((SPI_TypeDef *)0x40013000u)

#define SPI_CR1_CPHA (1u << 0)
#define SPI_CR1_CPOL (1u << 1)
#define SPI_CR1_MSTR (1u << 2)
#define SPI_CR1_BR_Pos 3 /* f_PCLK / 2^(BR+1) */
#define SPI_CR1_BR_Msk (0x7u << SPI_CR1_BR_Pos)
#define SPI_CR1_SPE (1u << 6)
#define SPI_CR1_LSBFIRST (1u << 7)
#define SPI_CR1_SSI (1u << 8)
#define SPI_CR1_SSM (1u << 9)
#define SPI_CR1_RXONLY (1u << 10)
#define SPI_CR1_DFF (1u << 11)

#define SPI_SR_RXNE (1u << 0)
#define SPI_SR_TXE (1u << 1)
#define SPI_SR_MODF (1u << 5)
#define SPI_SR_OVR (1u << 6)
#define SPI_SR_BSY (1u << 7)

/* ---------------------------------------------------------------- DMA (RM0383 §9.5) */
typedef struct {
    volatile uint32_t CR;   /* 0x00 SxCR */
    volatile uint32_t NDTR; /* 0x04 */
    volatile uint32_t PAR;  /* 0x08 */
    volatile uint32_t M0AR; /* 0x0C */
    volatile uint32_t M1AR; /* 0x10 */
    volatile uint32_t FCR;  /* 0x14 */
} DMA_Stream_TypeDef;

typedef struct {
    volatile uint32_t LISR;  /* 0x00: streams 0-3 */
    volatile uint32_t HISR;  /* 0x04: streams 4-7 */
    volatile uint32_t LIFCR; /* 0x08 */
    volatile uint32_t HIFCR; /* 0x0C */
    DMA_Stream_TypeDef S[8]; /* 0x10 + 0x18 x stream */
} DMA_TypeDef;

#define DMA2 ((DMA_TypeDef *)0x40026400u)

#define DMA_SxCR_EN (1u << 0)
#define DMA_SxCR_DIR_M2P (1u << 6) /* DIR = 01; 00 = peripheral to memory */
#define DMA_SxCR_MINC (1u << 10)
#define DMA_SxCR_PL_HIGH (2u << 16)
#define DMA_SxCR_CHSEL_Pos 25
/* Interrupt status/clear bits of a stream in LISR/LIFCR: streams 0, 1, 2, 3 at bit
 * offsets 0, 6, 16, 22 (HISR for 4-7 the same); within them: */
#define DMA_FEIF 0x01u
#define DMA_DMEIF 0x04u
#define DMA_TEIF 0x08u
#define DMA_HTIF 0x10u
#define DMA_TCIF 0x20u
#define DMA_ALL_FLAGS 0x3Du

#define DMA_SxCR_DMEIE (1u << 1)
#define DMA_SxCR_TEIE (1u << 2)
#define DMA_SxCR_TCIE (1u << 4)
#define DMA2_STREAM0_IRQ 56u /* RM0383 table 37 */

/* NVIC (ARMv7-M B3.4): set-enable, clear-enable and clear-pending banks, one bit per IRQ. */
#define NVIC_ISER_BANK ((volatile uint32_t *)0xE000E100u)
#define NVIC_ICER_BANK ((volatile uint32_t *)0xE000E180u)
#define NVIC_ICPR_BANK ((volatile uint32_t *)0xE000E280u)

#define SPI_CR2_RXDMAEN (1u << 0)
#define SPI_CR2_TXDMAEN (1u << 1)

/* -------------------------------------------------------------- USART (RM0383 §19.6) */
typedef struct {
    volatile uint32_t SR;   /* 0x00 */
    volatile uint32_t DR;   /* 0x04 */
    volatile uint32_t BRR;  /* 0x08 */
    volatile uint32_t CR1;  /* 0x0C */
    volatile uint32_t CR2;  /* 0x10 */
    volatile uint32_t CR3;  /* 0x14 */
    volatile uint32_t GTPR; /* 0x18 */
} USART_TypeDef;

#define USART1 ((USART_TypeDef *)0x40011000u)
#define USART2 ((USART_TypeDef *)0x40004400u)

#define USART_SR_PE (1u << 0)
#define USART_SR_FE (1u << 1)
#define USART_SR_NF (1u << 2)
#define USART_SR_ORE (1u << 3)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TC (1u << 6)
#define USART_SR_TXE (1u << 7)

#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_M (1u << 12)
#define USART_CR1_UE (1u << 13)
#define USART_CR1_OVER8 (1u << 15)

/* ---------------------------------------------------------------- ADC (RM0383 §11.12) */
typedef struct {
    volatile uint32_t SR;    /* 0x00 */
    volatile uint32_t CR1;   /* 0x04 */
    volatile uint32_t CR2;   /* 0x08 */
    volatile uint32_t SMPR1; /* 0x0C: channels 10-18, 3 bits each */
    volatile uint32_t SMPR2; /* 0x10: channels 0-9 */
    volatile uint32_t JOFR[4];
    volatile uint32_t HTR;  /* 0x24 */
    volatile uint32_t LTR;  /* 0x28 */
    volatile uint32_t SQR1; /* 0x2C: L[23:20] = conversions - 1 */
    volatile uint32_t SQR2; /* 0x30 */
    volatile uint32_t SQR3; /* 0x34: SQ1[4:0] = first channel */
    volatile uint32_t JSQR; /* 0x38 */
    volatile uint32_t JDR[4];
    volatile uint32_t DR; /* 0x4C */
} ADC_TypeDef;

typedef struct {
    volatile uint32_t CSR; /* 0x300 from ADC1 */
    volatile uint32_t CCR; /* 0x304 */
    volatile uint32_t CDR; /* 0x308 */
} ADC_Common_TypeDef;

#define ADC1 ((ADC_TypeDef *)0x40012000u)
#define ADC1_COMMON ((ADC_Common_TypeDef *)0x40012300u)

#define ADC_SR_EOC (1u << 1)
#define ADC_SR_STRT (1u << 4)
#define ADC_SR_OVR (1u << 5)
#define ADC_CR1_RES_Pos 24 /* 00: 12-bit */
#define ADC_CR1_RES_Msk (0x3u << ADC_CR1_RES_Pos)
#define ADC_CR2_ADON (1u << 0)
#define ADC_CR2_CONT (1u << 1)
#define ADC_CR2_EOCS (1u << 10)
#define ADC_CR2_ALIGN (1u << 11)
#define ADC_CR2_SWSTART (1u << 30)
#define ADC_SMPR_480CYC 0x7u /* sample time field value: 480 ADC cycles */
#define ADC_SQR1_L_Pos 20
#define ADC_CCR_ADCPRE_Pos 16 /* 00: PCLK2/2, 01: /4, 10: /6, 11: /8 */
#define ADC_CCR_ADCPRE_Msk (0x3u << ADC_CCR_ADCPRE_Pos)
#define ADC_CCR_VBATE (1u << 22)
#define ADC_CCR_TSVREFE (1u << 23)

/* On the F411 the temperature sensor shares ADC1_IN18 with VBAT; VBATE must be 0
 * for channel 18 to read the sensor (RM0383 §11.10). */
#define ADC_CHANNEL_VREFINT 17u
#define ADC_CHANNEL_TEMPSENSOR 18u

/* --------------------------------------------------------------- IWDG (RM0383 §15.4) */
typedef struct {
    volatile uint32_t KR;  /* 0x00 */
    volatile uint32_t PR;  /* 0x04: 0: /4 ... 6: /256 */
    volatile uint32_t RLR; /* 0x08: 12 bits */
    volatile uint32_t SR;  /* 0x0C */
} IWDG_TypeDef;

#define IWDG ((IWDG_TypeDef *)0x40003000u)

#define IWDG_KR_UNLOCK 0x5555u
#define IWDG_KR_RELOAD 0xAAAAu
#define IWDG_KR_START 0xCCCCu
#define IWDG_SR_PVU (1u << 0)
#define IWDG_SR_RVU (1u << 1)

/* ---------------------------------------------------- SysTick (ARMv7-M B3.3, 0xE000E010) */
typedef struct {
    volatile uint32_t CTRL;  /* 0x00 */
    volatile uint32_t LOAD;  /* 0x04: 24 bits */
    volatile uint32_t VAL;   /* 0x08 */
    volatile uint32_t CALIB; /* 0x0C */
} SysTick_TypeDef;

#define SysTick ((SysTick_TypeDef *)0xE000E010u)

#define SysTick_CTRL_ENABLE (1u << 0)
#define SysTick_CTRL_TICKINT (1u << 1)
#define SysTick_CTRL_CLKSOURCE (1u << 2)
#define SysTick_CTRL_COUNTFLAG (1u << 16)

/* ------------------------------------------------- SCB (ARMv7-M B3.2, 0xE000ED00) */
typedef struct {
    volatile uint32_t CPUID;     /* 0x00 */
    volatile uint32_t ICSR;      /* 0x04 */
    volatile uint32_t VTOR;      /* 0x08 */
    volatile uint32_t AIRCR;     /* 0x0C */
    volatile uint32_t SCR;       /* 0x10 */
    volatile uint32_t CCR;       /* 0x14 */
    volatile uint32_t SHPR[3];   /* 0x18 */
    volatile uint32_t SHCSR;     /* 0x24 */
    volatile uint32_t CFSR;      /* 0x28 */
    volatile uint32_t HFSR;      /* 0x2C */
    volatile uint32_t DFSR;      /* 0x30 */
    volatile uint32_t MMFAR;     /* 0x34 */
    volatile uint32_t BFAR;      /* 0x38 */
    volatile uint32_t AFSR;      /* 0x3C */
    volatile uint32_t ID_PFR[2]; /* 0x40 */
    volatile uint32_t ID_DFR;    /* 0x48 */
    volatile uint32_t ID_AFR;    /* 0x4C */
    volatile uint32_t ID_MMFR[4];
    volatile uint32_t ID_ISAR[5];
    uint32_t RESERVED0[5];
    volatile uint32_t CPACR; /* 0x88 */
} SCB_TypeDef;

#define SCB ((SCB_TypeDef *)0xE000ED00u)

#define SCB_AIRCR_VECTKEY (0x05FAu << 16)
#define SCB_AIRCR_SYSRESETREQ (1u << 2)
#define SCB_CPACR_CP10_FULL (0x3u << 20)
#define SCB_CPACR_CP11_FULL (0x3u << 22)

/* --------------------------------------------- DWT (ARMv7-M C1.8, 0xE0001000) */
typedef struct {
    volatile uint32_t CTRL;   /* 0x00 */
    volatile uint32_t CYCCNT; /* 0x04 */
} DWT_TypeDef;

#define DWT ((DWT_TypeDef *)0xE0001000u)

#define DWT_CTRL_CYCCNTENA (1u << 0)
#define DWT_CTRL_NOCYCCNT (1u << 25)

/* ----------------------------------------- CoreDebug (ARMv7-M C1.6, 0xE000EDF0) */
typedef struct {
    volatile uint32_t DHCSR; /* 0x00 */
    volatile uint32_t DCRSR; /* 0x04 */
    volatile uint32_t DCRDR; /* 0x08 */
    volatile uint32_t DEMCR; /* 0x0C */
} CoreDebug_TypeDef;

#define CoreDebug ((CoreDebug_TypeDef *)0xE000EDF0u)

#define CoreDebug_DEMCR_TRCENA (1u << 24)
#define CoreDebug_DHCSR_C_DEBUGEN (1u << 0) /* a debugger has enabled halting debug */

/* ----------------------------------------------------------------- barriers */
/** Data synchronisation barrier: every earlier memory access has completed. */
static inline void stm32f4_dsb(void)
{
    __asm volatile("dsb 0xF" ::: "memory");
}

/** Instruction synchronisation barrier: later instructions are fetched anew. */
static inline void stm32f4_isb(void)
{
    __asm volatile("isb 0xF" ::: "memory");
}

/* ------------------------------------------ offsets checked against the manual */
_Static_assert(offsetof(RCC_TypeDef, AHB1ENR) == 0x30, "RCC map");
_Static_assert(offsetof(RCC_TypeDef, APB1ENR) == 0x40, "RCC map");
_Static_assert(offsetof(RCC_TypeDef, APB2ENR) == 0x44, "RCC map");
_Static_assert(offsetof(RCC_TypeDef, CSR) == 0x74, "RCC map");
_Static_assert(offsetof(RCC_TypeDef, DCKCFGR) == 0x8C, "RCC map");
_Static_assert(offsetof(FLASH_TypeDef, OPTCR) == 0x14, "FLASH map");
_Static_assert(offsetof(GPIO_TypeDef, AFR) == 0x20, "GPIO map");
_Static_assert(offsetof(SPI_TypeDef, I2SPR) == 0x20, "SPI map");
_Static_assert(offsetof(DMA_TypeDef, S[3].CR) == 0x58, "DMA map");
_Static_assert(offsetof(USART_TypeDef, GTPR) == 0x18, "USART map");
_Static_assert(offsetof(ADC_TypeDef, SQR1) == 0x2C, "ADC map");
_Static_assert(offsetof(ADC_TypeDef, DR) == 0x4C, "ADC map");
_Static_assert(offsetof(SCB_TypeDef, CFSR) == 0x28, "SCB map");
_Static_assert(offsetof(SCB_TypeDef, CPACR) == 0x88, "SCB map");
_Static_assert(offsetof(CoreDebug_TypeDef, DEMCR) == 0x0C, "CoreDebug map");

#endif
