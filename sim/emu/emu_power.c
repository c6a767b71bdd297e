/* Flash that outlives the run, raw images into flash (emu_power.h). */
#include "emu_power.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wf_emu_flash_file_load(struct wf_emu *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return errno == ENOENT ? 0 : -1;
    }
    uint8_t *buf = malloc(WF_EMU_FLASH_SIZE + 1);
    size_t n = buf != NULL ? fread(buf, 1, WF_EMU_FLASH_SIZE + 1, f) : 0;
    int bad = buf == NULL || ferror(f) || n != WF_EMU_FLASH_SIZE;
    fclose(f);
    if (!bad) {
        memcpy(b->flash, buf, WF_EMU_FLASH_SIZE);
        if (b->flash_changed) {
            b->flash_changed(b->flash_changed_ctx, WF_EMU_FLASH_BASE, WF_EMU_FLASH_SIZE);
        }
    }
    free(buf);
    return bad ? -1 : 1;
}

int wf_emu_flash_file_save(const struct wf_emu *b, const char *path)
{
    size_t len = strlen(path) + 5;
    char *tmp = malloc(len);
    if (tmp == NULL) {
        return -1;
    }
    snprintf(tmp, len, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    int bad = f == NULL;
    if (f != NULL) {
        bad = fwrite(b->flash, 1, WF_EMU_FLASH_SIZE, f) != WF_EMU_FLASH_SIZE;
        bad |= fclose(f) != 0;
    }
    if (!bad) {
        bad = rename(tmp, path) != 0;
    }
    free(tmp);
    return bad ? -1 : 0;
}

int wf_emu_load_raw(struct wf_emu *b, const char *spec, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long addr = strtoul(spec, &end, 0);
    if (errno || end == spec || *end != ':' || end[1] == '\0') {
        snprintf(err, errlen, "bad --load (ADDR:FILE): %s", spec);
        return -1;
    }
    const char *path = end + 1;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = malloc(WF_EMU_FLASH_SIZE + 1);
    size_t n = buf != NULL ? fread(buf, 1, WF_EMU_FLASH_SIZE + 1, f) : 0;
    int bad = buf == NULL || ferror(f);
    fclose(f);
    if (!bad && (addr < WF_EMU_FLASH_BASE || n > WF_EMU_FLASH_SIZE ||
                 addr - WF_EMU_FLASH_BASE > WF_EMU_FLASH_SIZE - n)) {
        snprintf(err, errlen, "%s: %zu bytes at 0x%08lX do not fit in flash", path, n, addr);
        bad = 1;
    } else if (bad) {
        snprintf(err, errlen, "%s: cannot read", path);
    } else {
        memcpy(b->flash + (addr - WF_EMU_FLASH_BASE), buf, n);
        if (b->flash_changed) {
            b->flash_changed(b->flash_changed_ctx, (uint32_t)addr, (uint32_t)n);
        }
    }
    free(buf);
    return bad ? -1 : 0;
}
