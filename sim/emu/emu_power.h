/**
 * @file emu_power.h
 * @brief Flash that outlives the run: the whole 512 KiB flash in a file
 * (--flash-file), kept across power cycles as on a board, and raw images put
 * into flash at an address (--load ADDR:FILE: the bootloader's .bin, a signed
 * slot image). With power cuts (--power-cut-program / --power-cut-erase:
 * emu_flash.c tears the operation) the next run starts from what the cut left.
 */
#ifndef WF_EMU_POWER_H
#define WF_EMU_POWER_H

#include <stddef.h>

#include "emu_machine.h"

/** The flash from `path`: 1 loaded, 0 no such file (first run: erased flash), -1 unreadable or not 512 KiB.
 */
int wf_emu_flash_file_load(struct wf_emu *b, const char *path);

/** The whole flash into `path` (written to a temporary file, then renamed). 0 or -1. */
int wf_emu_flash_file_save(const struct wf_emu *b, const char *path);

/** "ADDR:FILE" (ADDR in hex or decimal): FILE's bytes into flash at ADDR. 0, or -1 with `err` said. */
int wf_emu_load_raw(struct wf_emu *b, const char *spec, char *err, size_t errlen);

#endif
