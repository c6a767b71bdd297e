/* An update slot written from a download (ota_writer.h). */
#include "wizfetch/ota_writer.h"

#include <string.h>

#include "wizfetch/error.h"
#include "wizfetch/ota_download.h"

void wf_ota_writer_init(struct wf_ota_writer *w, const struct wf_ota_flash_ops *ops, uint32_t slot_addr,
                        uint32_t slot_size)
{
    memset(w, 0, sizeof *w);
    w->ops = ops;
    w->slot_addr = slot_addr;
    w->slot_size = slot_size;
}

void wf_ota_writer_sink(struct wf_ota_writer *w, struct wf_ota_sink *sink)
{
    sink->ctx = w;
    sink->capacity = w->slot_size - WF_OTA_TRAILER_SIZE;
    sink->write = wf_ota_writer_write;
}

/* Erase sectors until [0, end) of the slot is erased. */
static int erase_to(struct wf_ota_writer *w, uint32_t end)
{
    while (w->erased_to < end) {
        uint32_t start, size;
        if (w->ops->sector_of(w->ops->ctx, w->slot_addr + w->erased_to, &start, &size) < 0 ||
            start + size > w->slot_addr + w->slot_size) {
            return WF_EINVAL; /* the slot is not whole sectors */
        }
        if (start != w->tail_sector) { /* the trailer's sector was erased first */
            int rc = w->ops->erase(w->ops->ctx, start);
            if (rc < 0) {
                return rc;
            }
            w->erases++;
        }
        w->erased_to = start + size - w->slot_addr;
    }
    return 0;
}

static int program(struct wf_ota_writer *w, uint32_t off, const uint8_t *data, size_t len)
{
    int rc = erase_to(w, off + (uint32_t)len);
    if (rc == 0) {
        rc = w->ops->program(w->ops->ctx, w->slot_addr + off, data, len);
        w->programs += (uint32_t)(len / 4);
    }
    return rc;
}

static int start_over(struct wf_ota_writer *w)
{
    uint32_t start, size;
    uint32_t last = w->slot_addr + w->slot_size - 1;
    w->erased_to = 0;
    w->written = 0;
    w->npending = 0;
    if (w->ops->sector_of(w->ops->ctx, last, &start, &size) < 0) {
        return WF_EINVAL;
    }
    w->tail_sector = 0;
    int rc = w->ops->erase(w->ops->ctx, start); /* the state trailer first */
    if (rc == 0) {
        w->tail_sector = start;
        w->erases++;
    }
    return rc;
}

int wf_ota_writer_write(void *ctx, uint32_t offset, const uint8_t *data, size_t len)
{
    struct wf_ota_writer *w = ctx;
    if (offset == 0) {
        int rc = start_over(w);
        if (rc < 0) {
            return rc;
        }
    }
    if (offset != w->written) {
        return WF_EINVAL;
    }
    if (len > w->slot_size - WF_OTA_TRAILER_SIZE - offset) {
        return WF_EMSGSIZE;
    }
    w->written += (uint32_t)len;
    uint32_t word_off = offset - w->npending;
    while (len > 0) {
        if (w->npending == 0 && len >= 4) {
            size_t n = len & ~(size_t)3;
            int rc = program(w, word_off, data, n);
            if (rc < 0) {
                return rc;
            }
            word_off += (uint32_t)n;
            data += n;
            len -= n;
            continue;
        }
        w->pending[w->npending++] = *data++;
        len--;
        if (w->npending == 4) {
            int rc = program(w, word_off, w->pending, 4);
            if (rc < 0) {
                return rc;
            }
            word_off += 4;
            w->npending = 0;
        }
    }
    return 0;
}

int wf_ota_writer_finish(struct wf_ota_writer *w)
{
    if (w->npending == 0) {
        return 0;
    }
    uint32_t off = w->written - w->npending;
    memset(w->pending + w->npending, 0xFF, 4u - w->npending);
    w->npending = 0;
    return program(w, off, w->pending, 4);
}
