/* Seed record format on a memory buffer (see seed_store.h). Pure. */
#include "seed_store.h"

#include <string.h>

#include "wizfetch/error.h"

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

size_t seed_store_slots(size_t size)
{
    return size / SEED_STORE_SLOT_SIZE;
}

uint32_t seed_store_crc32(uint32_t crc, const void *data, size_t len)
{
    /* Bitwise: ~80 bytes per boot do not justify a 1 KiB table in flash. */
    const uint8_t *p = data;
    crc = ~crc;
    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

static int slot_empty(const uint8_t *slot)
{
    for (size_t i = 0; i < SEED_STORE_SLOT_SIZE; i++) {
        if (slot[i] != 0xFF) {
            return 0;
        }
    }
    return 1;
}

int seed_store_slot_valid(const uint8_t *slot)
{
    uint16_t len = get16(slot + 8);
    uint16_t len_inv = (uint16_t)~len;
    if (get32(slot) != SEED_STORE_MAGIC || len_inv != get16(slot + 10) || len == 0 ||
        len > SEED_STORE_MAX_LEN) {
        return 0;
    }
    uint32_t crc = seed_store_crc32(0, slot, 12);
    crc = seed_store_crc32(crc, slot + SEED_STORE_HDR_SIZE, len);
    return crc == get32(slot + 12);
}

int seed_store_next_slot(const uint8_t *sector, size_t size)
{
    size_t n = seed_store_slots(size);
    for (size_t i = 0; i < n; i++) {
        if (slot_empty(sector + i * SEED_STORE_SLOT_SIZE)) {
            return (int)i;
        }
    }
    return SEED_STORE_FULL;
}

/* The latest valid record of one sector: walk back from the last used slot (slots
 * are used in order, so the first valid one found has the sector's highest seq). */
static int latest_in(const uint8_t *sector, size_t size, struct seed_store_record *rec)
{
    int next = seed_store_next_slot(sector, size);
    int used = next == SEED_STORE_FULL ? (int)seed_store_slots(size) : next;
    for (int i = used - 1; i >= 0; i--) {
        const uint8_t *slot = sector + (size_t)i * SEED_STORE_SLOT_SIZE;
        if (seed_store_slot_valid(slot)) {
            rec->slot = i;
            rec->seq = get32(slot + 4);
            rec->len = get16(slot + 8);
            rec->data = slot + SEED_STORE_HDR_SIZE;
            return 0;
        }
    }
    return SEED_STORE_NONE;
}

int seed_store_find_latest(const uint8_t *const sectors[SEED_STORE_SECTORS], size_t size,
                           struct seed_store_record *rec)
{
    struct seed_store_record best = {.sector = SEED_STORE_NONE}, r;
    for (int s = 0; s < SEED_STORE_SECTORS; s++) {
        if (latest_in(sectors[s], size, &r) == 0 && (best.sector < 0 || r.seq > best.seq)) {
            best = r;
            best.sector = s;
        }
    }
    if (best.sector < 0) {
        return SEED_STORE_NONE;
    }
    if (rec != NULL) {
        *rec = best;
    }
    return 0;
}

void seed_store_plan(const uint8_t *const sectors[SEED_STORE_SECTORS], size_t size,
                     struct seed_store_plan *plan)
{
    struct seed_store_record rec;
    int found = seed_store_find_latest(sectors, size, &rec) == 0;
    int active = found ? rec.sector : 0;
    plan->seq = found ? rec.seq + 1 : 1;
    plan->sector = active;
    plan->slot = seed_store_next_slot(sectors[active], size);
    plan->erase = 0;
    if (plan->slot == SEED_STORE_FULL) {
        plan->sector = 1 - active;
        plan->slot = 0;
        plan->erase = 1;
    }
}

int seed_store_encode(uint8_t out[SEED_STORE_SLOT_SIZE], uint32_t seq, const uint8_t *data, size_t len)
{
    if (len == 0 || len > SEED_STORE_MAX_LEN) {
        return WF_EINVAL;
    }
    memset(out, 0xFF, SEED_STORE_SLOT_SIZE);
    put32(out, SEED_STORE_MAGIC);
    put32(out + 4, seq);
    put16(out + 8, (uint16_t)len);
    put16(out + 10, (uint16_t)~len);
    memcpy(out + SEED_STORE_HDR_SIZE, data, len);
    uint32_t crc = seed_store_crc32(0, out, 12);
    crc = seed_store_crc32(crc, out + SEED_STORE_HDR_SIZE, len);
    put32(out + 12, crc);
    return 0;
}
