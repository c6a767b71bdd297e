/* The boards the emulator models: one row each (struct wf_emu_board). A third
 * STM32F411 board is one more row here (and its image's `.board_id`). The facts
 * mirror boards/<board>/board.c, which the firmware builds from. */
#include <string.h>

#include "emu_machine.h"

#define PA(n) EMU_PIN(0, n)
#define PB(n) EMU_PIN(1, n)
#define PC(n) EMU_PIN(2, n)

const struct wf_emu_board wf_emu_boards[] = {
    {
        /* Nucleo-F411RE + Arduino Ethernet Shield: no HSE (the ST-LINK's MCO needs a
         * solder bridge), console on the ST-LINK's virtual COM port, the shield's
         * reset not on a GPIO, its SD card's select on D4. */
        .id = "nucleo_f411re",
        .title = "Nucleo-F411RE + W5100 shield",
        .hse_hz = 0,
        .console_usart = 2,
        .console_tx = PA(2),
        .console_rx = PA(3),
        .chip_select = PB(6),
        .chip_reset = EMU_NO_PIN,
        .other_select = PB(5),
        .led = EMU_NO_PIN,      /* LD2 is PA5, the SPI clock */
        .button = PC(13),       /* B1, external pull-up: reads 1 (not pressed) */
        .chip_int = EMU_NO_PIN, /* the shield's INT is not on a header pin */
        .chip = WF_SIM_W5100,
    },
    {
        /* WeAct Black Pill STM32F411CE + W5500 module: 25 MHz crystal, console on
         * USART1 through a USB-serial adapter, the module's /RESET on PA3. */
        .id = "blackpill_f411ce",
        .title = "Black Pill STM32F411CE + W5500 module",
        .hse_hz = 25000000u,
        .console_usart = 1,
        .console_tx = PA(9),
        .console_rx = PA(10),
        .chip_select = PA(4),
        .chip_reset = PA(3),
        .other_select = EMU_NO_PIN,
        .led = PC(13),
        .button = EMU_NO_PIN,
        .chip_int = PB(0), /* the module's INT, if wired (board.h): an EXTI0 interrupt */
        .chip = WF_SIM_W5500,
    },
};

const size_t wf_emu_board_count = sizeof wf_emu_boards / sizeof wf_emu_boards[0];

const struct wf_emu_board *wf_emu_board_find(const char *id)
{
    for (size_t i = 0; i < wf_emu_board_count; i++) {
        if (strcmp(wf_emu_boards[i].id, id) == 0) {
            return &wf_emu_boards[i];
        }
    }
    return NULL;
}

const char *emu_pin_name(struct emu_pin p, char buf[8])
{
    if (p.port < 0) {
        return "-";
    }
    buf[0] = 'P';
    buf[1] = (char)('A' + p.port);
    if (p.pin >= 10) {
        buf[2] = '1';
        buf[3] = (char)('0' + p.pin - 10);
        buf[4] = '\0';
    } else {
        buf[2] = (char)('0' + p.pin);
        buf[3] = '\0';
    }
    return buf;
}
