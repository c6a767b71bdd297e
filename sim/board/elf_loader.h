/**
 * @file elf_loader.h
 * @brief A minimal ELF32 (ARM, little-endian) reader for the board emulator:
 * loadable segments into the board's flash/SRAM, and the symbol table for
 * backtraces and named addresses.
 */
#ifndef WF_SIM_BOARD_ELF_H
#define WF_SIM_BOARD_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wf_board;

struct wf_elf_sym {
    uint32_t addr;
    uint32_t size;
    bool func;
    char *name;
};

struct wf_elf {
    struct wf_elf_sym *syms; /**< sorted by address */
    size_t nsyms;
    uint32_t entry;
    size_t loaded_bytes;
};

/**
 * Load `path`: each PT_LOAD segment's file bytes at its physical address (LMA),
 * which must lie in the board's flash or SRAM; the symbol table is kept.
 * Returns 0, or -1 with a message in `err`.
 */
int wf_elf_load(struct wf_elf *elf, struct wf_board *b, const char *path, char *err, size_t errlen);
void wf_elf_free(struct wf_elf *elf);

/** The address of symbol `name`, or false. */
bool wf_elf_lookup(const struct wf_elf *elf, const char *name, uint32_t *addr);
/** The function containing `addr` (Thumb bit ignored), or NULL; `*off` = offset in it. */
const struct wf_elf_sym *wf_elf_func_at(const struct wf_elf *elf, uint32_t addr, uint32_t *off);

#endif
