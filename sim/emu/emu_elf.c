/* ELF32 loader for firmware.elf (layout from the System V ABI / ELF specification). */
#include "emu_elf.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_machine.h"

static int fail(char *err, size_t errlen, const char *msg, const char *path)
{
    snprintf(err, errlen, "%s: %s", path, msg);
    return -1;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    uint8_t *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    *len = n > 0 ? (size_t)n : 0;
    return buf;
}

static uint8_t *target(struct wf_emu *b, uint32_t addr, uint32_t len)
{
    if (addr >= WF_EMU_FLASH_BASE && len <= WF_EMU_FLASH_SIZE &&
        addr - WF_EMU_FLASH_BASE <= WF_EMU_FLASH_SIZE - len) {
        return b->flash + (addr - WF_EMU_FLASH_BASE);
    }
    if (addr >= WF_EMU_SRAM_BASE && len <= WF_EMU_SRAM_SIZE &&
        addr - WF_EMU_SRAM_BASE <= WF_EMU_SRAM_SIZE - len) {
        return b->sram + (addr - WF_EMU_SRAM_BASE);
    }
    return NULL;
}

static int cmp_sym(const void *a, const void *b)
{
    const struct wf_emu_elf_sym *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void load_symbols(struct wf_emu_elf *elf, const uint8_t *buf, size_t len, const Elf32_Ehdr *eh)
{
    if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf32_Shdr) ||
        eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf32_Shdr) > len) {
        return;
    }
    const Elf32_Shdr *sh = (const Elf32_Shdr *)(buf + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) {
            continue;
        }
        const Elf32_Shdr *strs = &sh[sh[i].sh_link];
        if ((uint64_t)sh[i].sh_offset + sh[i].sh_size > len ||
            (uint64_t)strs->sh_offset + strs->sh_size > len || sh[i].sh_entsize != sizeof(Elf32_Sym)) {
            return;
        }
        size_t n = sh[i].sh_size / sizeof(Elf32_Sym);
        const Elf32_Sym *sym = (const Elf32_Sym *)(buf + sh[i].sh_offset);
        elf->syms = calloc(n ? n : 1, sizeof *elf->syms);
        if (elf->syms == NULL) {
            return;
        }
        for (size_t k = 0; k < n; k++) {
            unsigned type = ELF32_ST_TYPE(sym[k].st_info);
            if (sym[k].st_name == 0 || sym[k].st_name >= strs->sh_size || type == STT_SECTION ||
                type == STT_FILE) {
                continue;
            }
            const char *name = (const char *)buf + strs->sh_offset + sym[k].st_name;
            size_t nl = strnlen(name, strs->sh_size - sym[k].st_name);
            if (nl == 0 || name[0] == '$') { /* mapping symbols $t, $d */
                continue;
            }
            struct wf_emu_elf_sym *s = &elf->syms[elf->nsyms];
            s->name = strndup(name, nl);
            if (s->name == NULL) {
                continue;
            }
            s->func = type == STT_FUNC;
            s->addr = s->func ? sym[k].st_value & ~1u : sym[k].st_value;
            s->size = sym[k].st_size;
            elf->nsyms++;
        }
        qsort(elf->syms, elf->nsyms, sizeof *elf->syms, cmp_sym);
        return;
    }
}

int wf_emu_elf_load(struct wf_emu_elf *elf, struct wf_emu *b, const char *path, char *err, size_t errlen)
{
    memset(elf, 0, sizeof *elf);
    size_t len;
    uint8_t *buf = read_all(path, &len);
    if (buf == NULL) {
        return fail(err, errlen, "cannot read the file", path);
    }
    const Elf32_Ehdr *eh = (const Elf32_Ehdr *)buf;
    int rc = -1;
    if (len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        eh->e_machine != EM_ARM) {
        fail(err, errlen, "not a 32-bit little-endian ARM ELF file", path);
        goto out;
    }
    if (eh->e_phentsize != sizeof(Elf32_Phdr) ||
        eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr) > len) {
        fail(err, errlen, "bad program header table", path);
        goto out;
    }
    const Elf32_Phdr *ph = (const Elf32_Phdr *)(buf + eh->e_phoff);
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD || ph[i].p_filesz == 0) {
            continue;
        }
        if ((uint64_t)ph[i].p_offset + ph[i].p_filesz > len) {
            fail(err, errlen, "segment beyond the end of the file", path);
            goto out;
        }
        uint8_t *dst = target(b, ph[i].p_paddr, ph[i].p_filesz);
        if (dst == NULL) {
            snprintf(err, errlen, "%s: segment at 0x%08X (%u bytes) is outside flash and SRAM", path,
                     ph[i].p_paddr, ph[i].p_filesz);
            goto out;
        }
        memcpy(dst, buf + ph[i].p_offset, ph[i].p_filesz);
        elf->loaded_bytes += ph[i].p_filesz;
    }
    if (elf->loaded_bytes == 0) {
        fail(err, errlen, "no loadable segment", path);
        goto out;
    }
    elf->entry = eh->e_entry;
    load_symbols(elf, buf, len, eh);
    rc = 0;
out:
    free(buf);
    return rc;
}

int wf_emu_elf_section(const char *path, const char *name, uint8_t **data, size_t *size, char *err,
                       size_t errlen)
{
    *data = NULL;
    *size = 0;
    size_t len;
    uint8_t *buf = read_all(path, &len);
    if (buf == NULL) {
        return fail(err, errlen, "cannot read the file", path);
    }
    const Elf32_Ehdr *eh = (const Elf32_Ehdr *)buf;
    int rc = 0;
    if (len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS32) {
        rc = fail(err, errlen, "not a 32-bit ELF file", path);
        goto out;
    }
    if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf32_Shdr) || eh->e_shstrndx >= eh->e_shnum ||
        eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf32_Shdr) > len) {
        goto out; /* no section table: no such section */
    }
    const Elf32_Shdr *sh = (const Elf32_Shdr *)(buf + eh->e_shoff);
    const Elf32_Shdr *names = &sh[eh->e_shstrndx];
    if ((uint64_t)names->sh_offset + names->sh_size > len) {
        goto out;
    }
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_name >= names->sh_size) {
            continue;
        }
        const char *sname = (const char *)buf + names->sh_offset + sh[i].sh_name;
        if (strnlen(sname, names->sh_size - sh[i].sh_name) != strlen(name) || strcmp(sname, name) != 0) {
            continue;
        }
        if (sh[i].sh_type == SHT_NOBITS || (uint64_t)sh[i].sh_offset + sh[i].sh_size > len) {
            rc = fail(err, errlen, "section has no contents in the file (or runs past its end)", path);
            break;
        }
        *data = malloc(sh[i].sh_size ? sh[i].sh_size : 1);
        if (*data == NULL) {
            rc = fail(err, errlen, "out of memory", path);
            break;
        }
        memcpy(*data, buf + sh[i].sh_offset, sh[i].sh_size);
        *size = sh[i].sh_size;
        rc = 1;
        break;
    }
out:
    free(buf);
    return rc;
}

void wf_emu_elf_free(struct wf_emu_elf *elf)
{
    for (size_t i = 0; i < elf->nsyms; i++) {
        free(elf->syms[i].name);
    }
    free(elf->syms);
    memset(elf, 0, sizeof *elf);
}

bool wf_emu_elf_lookup(const struct wf_emu_elf *elf, const char *name, uint32_t *addr)
{
    for (size_t i = 0; i < elf->nsyms; i++) {
        if (strcmp(elf->syms[i].name, name) == 0) {
            *addr = elf->syms[i].addr;
            return true;
        }
    }
    return false;
}

const struct wf_emu_elf_sym *wf_emu_elf_func_at(const struct wf_emu_elf *elf, uint32_t addr, uint32_t *off)
{
    addr &= ~1u;
    /* Binary search: the last symbol at or below addr, then back over non-functions. */
    size_t lo = 0, hi = elf->nsyms;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (elf->syms[mid].addr <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (size_t i = lo; i-- > 0;) {
        const struct wf_emu_elf_sym *s = &elf->syms[i];
        if (s->func && addr >= s->addr && addr < s->addr + (s->size ? s->size : 1)) {
            if (off) {
                *off = addr - s->addr;
            }
            return s;
        }
        if (s->func && s->addr + 0x10000u < addr) {
            break; /* no function this far down can contain addr */
        }
    }
    return NULL;
}
