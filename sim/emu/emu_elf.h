/**
 * @file emu_elf.h
 * @brief A minimal ELF32 (ARM, little-endian) reader for the board emulator:
 * loadable segments into the board's flash/SRAM, and the symbol table for
 * backtraces and named addresses.
 */
#ifndef WF_EMU_ELF_H
#define WF_EMU_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wf_emu;

struct wf_emu_elf_sym {
    uint32_t addr;
    uint32_t size;
    bool func;
    char *name;
};

struct wf_emu_elf {
    struct wf_emu_elf_sym *syms; /**< sorted by address */
    size_t nsyms;
    uint32_t entry;
    size_t loaded_bytes;
};

/**
 * Load `path`: each PT_LOAD segment's file bytes at its physical address (LMA),
 * which must lie in the board's flash or SRAM; the symbol table is kept.
 * Returns 0, or -1 with a message in `err`.
 */
int wf_emu_elf_load(struct wf_emu_elf *elf, struct wf_emu *b, const char *path, char *err, size_t errlen);
void wf_emu_elf_free(struct wf_emu_elf *elf);

/**
 * A copy of the contents of section `name` of the ELF file `path` (e.g.
 * ".board_desc", the board descriptor each firmware image carries). Returns 1
 * with `*data` (malloc'd, the caller frees it) and `*size`; 0 when there is no
 * such section; -1 with a message in `err` when the file is not a readable ELF32
 * file or the section's contents are not in it.
 */
int wf_emu_elf_section(const char *path, const char *name, uint8_t **data, size_t *size, char *err,
                       size_t errlen);

/** The address of symbol `name`, or false. */
bool wf_emu_elf_lookup(const struct wf_emu_elf *elf, const char *name, uint32_t *addr);
/** The function containing `addr` (Thumb bit ignored), or NULL; `*off` = offset in it. */
const struct wf_emu_elf_sym *wf_emu_elf_func_at(const struct wf_emu_elf *elf, uint32_t addr, uint32_t *off);

#endif
