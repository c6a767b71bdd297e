/*
 * The bootloader (docs/ota.md): sector 0 of the STM32F411, 16 MHz HSI, no
 * interrupts. It checks both update slots' images (header, size, board, slot,
 * SHA-256: wf_ota_image_check), chooses the one to run by their state
 * (wf_ota_boot_choose: confirmed, on trial with boots left, or rolled back),
 * says on the console which one and why, and starts it in place (its vector
 * table right after the header). The application verifies the signature before
 * it marks an image for trial; the bootloader, whose 16 KiB have no room for
 * the ECDSA code, checks the digest at every boot.
 */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "gpio.h"
#include "clock.h"
#include "ota_layout.h"
#include "ota_port.h"
#include "stm32f4_board.h"
#include "stm32f4_regs.h"
#include "usart.h"
#include "wizfetch/ota_slot.h"

/* The board descriptor of sector 0 (what the emulator and a flashing tool read). */
STM32F4_BOARD_DESCRIPTOR(wf_boot_board_desc);

static void say(const char *s)
{
    stm32f4_console_write_text(s, strlen(s));
}

static void say_uint(uint32_t v)
{
    char buf[11];
    int i = sizeof buf;
    buf[--i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    say(buf + i);
}

static void say_slot(char name)
{
    char s[2] = {name, 0};
    say("slot ");
    say(s);
}

static void say_image(const struct wf_ota_header *h)
{
    char build[sizeof h->build + 1];
    memcpy(build, h->build, sizeof h->build);
    build[sizeof h->build] = 0;
    say(" v");
    say_uint(h->image_version);
    say(" (");
    say(build);
    say(")");
}

static void console_up(void)
{
    const struct stm32f4_pin tx = STM32F4_PIN(BOARD_CONSOLE_TX);
    USART_TypeDef *usart = STM32F4_USART(BOARD_CONSOLE_USART);
    (void)stm32f4_clock_enable(tx.port);
    stm32f4_gpio_af(tx.port, tx.pin, 7, GPIO_OSPEEDR_LOW, GPIO_PUPDR_NONE);
    (void)stm32f4_console_init(usart, BOARD_CONSOLE_BAUD);
}

static void console_down(void)
{
    stm32f4_console_flush();
    STM32F4_USART(BOARD_CONSOLE_USART)->CR1 = 0; /* the application sets it up again */
}

/* The application's vector table: its initial SP and reset handler. */
__attribute__((noreturn)) static void start(uint32_t vectors)
{
    const uint32_t *v = (const uint32_t *)(uintptr_t)vectors;
    SCB->VTOR = vectors;
    __asm volatile("msr msp, %0\n\tbx %1" : : "r"(v[0]), "r"(v[1]) : "memory");
    __builtin_unreachable();
}

static void report_slot(const struct wf_ota_boot_choice *c, int i, const struct wf_ota_slot *s)
{
    say("boot: ");
    say_slot(s->name);
    say(": ");
    if (c->verdict[i] != WF_OTA_OK) {
        say(wf_ota_verdict_str(c->verdict[i]));
        say("\n");
        return;
    }
    say("valid");
    say_image(&c->header[i]);
    const struct wf_ota_state *st = &c->state[i];
    if (st->rejected) {
        say(", rolled back");
    } else if (st->confirmed) {
        say(", confirmed");
    } else if (st->marked) {
        say(", on trial, boots used ");
        say_uint(st->attempts);
    } else {
        say(", no update state");
    }
    say("\n");
}

int main(void)
{
    const struct wf_ota_slot *slots = stm32f4_ota_slots();
    static struct wf_ota_boot_choice c;

    console_up();
    say("\nwizfetch bootloader on " BOARD_TITLE "\n");
    if (RCC->CSR & RCC_CSR_IWDGRSTF) {
        say("boot: the last reset was the watchdog's\n");
    }
    wf_ota_boot_choose(slots, stm32f4_ota_word_flash(), WF_BOARD_NAME, STM32F4_OTA_MAX_ATTEMPTS, &c);
    for (int i = 0; i < 2; i++) {
        report_slot(&c, i, &slots[i]);
    }
    if (c.rolled_back >= 0) {
        say("boot: rollback: ");
        say_slot(slots[c.rolled_back].name);
        say_image(&c.header[c.rolled_back]);
        say(" did not confirm itself within ");
        say_uint(STM32F4_OTA_MAX_ATTEMPTS);
        say(" boots\n");
    }
    if (c.slot < 0) {
        say("boot: no valid image in either slot: halted (flash a signed image)\n");
        console_down();
        for (;;) {
        }
    }
    say("boot: starting ");
    say_slot(slots[c.slot].name);
    say_image(&c.header[c.slot]);
    switch (c.why) {
    case WF_OTA_BOOT_CONFIRMED:
        say(": confirmed\n");
        break;
    case WF_OTA_BOOT_TRIAL:
        say(": on trial, boot ");
        say_uint(c.attempt);
        say(" of ");
        say_uint(STM32F4_OTA_MAX_ATTEMPTS);
        say("\n");
        break;
    default:
        say(": as flashed (no update state)\n");
        break;
    }
    console_down();
    start(slots[c.slot].addr + WF_OTA_HEADER_SIZE);
}
