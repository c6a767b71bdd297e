/* The entropy seed's record format and update rule in two flash sectors
 * (ports/stm32f4/seed_store.c) on a RAM model of the flash: erase sets a whole
 * sector to 0xFF, programming can only clear bits, and a power cut can tear an
 * erase or the programming of a record anywhere. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../ports/stm32f4/seed_store.h"
#include "wizfetch/error.h"

#define SECTOR (128u * 1024u)

struct store {
    uint8_t *mem; /* two sectors */
    const uint8_t *sec[SEED_STORE_SECTORS];
    unsigned erases[SEED_STORE_SECTORS];
};

static struct store *store_new(void)
{
    struct store *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->mem = malloc(2 * SECTOR);
    assert_non_null(s->mem);
    memset(s->mem, 0xFF, 2 * SECTOR);
    s->sec[0] = s->mem;
    s->sec[1] = s->mem + SECTOR;
    return s;
}

static void store_free(struct store *s)
{
    free(s->mem);
    free(s);
}

/* Where a power cut stops an update: never, during the erase (half the sector
 * erased), or while programming word `word` of the record (that word half
 * programmed, the later ones not at all). */
enum cut { NO_CUT, CUT_ERASE, CUT_PROGRAM };

/* What flash_seed.c does for one save, with an optional power cut. Returns the plan. */
static struct seed_store_plan update(struct store *s, const uint8_t *seed, size_t len, enum cut cut,
                                     unsigned word)
{
    struct seed_store_plan plan;
    uint8_t img[SEED_STORE_SLOT_SIZE];
    seed_store_plan(s->sec, SECTOR, &plan);
    assert_int_equal(seed_store_encode(img, plan.seq, seed, len), 0);
    uint8_t *sector = s->mem + (size_t)plan.sector * SECTOR;
    if (plan.erase) {
        s->erases[plan.sector]++;
        if (cut == CUT_ERASE) {
            memset(sector, 0xFF, SECTOR / 2);
            return plan;
        }
        memset(sector, 0xFF, SECTOR);
    }
    uint8_t *dst = sector + (size_t)plan.slot * SEED_STORE_SLOT_SIZE;
    for (unsigned w = 0; w < SEED_STORE_SLOT_SIZE / 4; w++) {
        unsigned n = cut == CUT_PROGRAM && w == word ? 2 : 4;
        for (unsigned i = 0; i < n; i++) {
            dst[4 * w + i] &= img[4 * w + i]; /* programming only clears bits */
        }
        if (cut == CUT_PROGRAM && w == word) {
            break;
        }
    }
    return plan;
}

static void fill_seed(uint8_t seed[64], uint32_t k)
{
    for (unsigned i = 0; i < 64; i++) {
        seed[i] = (uint8_t)(k * 7u + i);
    }
}

static void test_crc32(void **state)
{
    (void)state;
    /* The standard check value of CRC-32/ISO-HDLC. */
    assert_int_equal(seed_store_crc32(0, "123456789", 9), 0xCBF43926u);
    uint32_t part = seed_store_crc32(0, "1234", 4);
    assert_int_equal(seed_store_crc32(part, "56789", 5), 0xCBF43926u);
}

static void test_empty_store(void **state)
{
    (void)state;
    struct store *s = store_new();
    struct seed_store_record rec;
    struct seed_store_plan plan;
    assert_int_equal(seed_store_slots(SECTOR), 1638);
    assert_int_equal(seed_store_find_latest(s->sec, SECTOR, &rec), SEED_STORE_NONE);
    seed_store_plan(s->sec, SECTOR, &plan);
    assert_int_equal(plan.sector, 0);
    assert_int_equal(plan.slot, 0);
    assert_int_equal(plan.erase, 0);
    assert_int_equal(plan.seq, 1);
    store_free(s);
}

static void test_append_and_find_latest(void **state)
{
    (void)state;
    struct store *s = store_new();
    struct seed_store_record rec;
    uint8_t seed[64];
    for (uint32_t k = 1; k <= 5; k++) {
        fill_seed(seed, k);
        struct seed_store_plan p = update(s, seed, sizeof seed, NO_CUT, 0);
        assert_int_equal(p.seq, k);
        assert_int_equal(p.slot, (int)k - 1);
    }
    assert_int_equal(seed_store_find_latest(s->sec, SECTOR, &rec), 0);
    assert_int_equal(rec.sector, 0);
    assert_int_equal(rec.slot, 4);
    assert_int_equal(rec.seq, 5);
    assert_int_equal(rec.len, 64);
    assert_memory_equal(rec.data, seed, 64);
    /* A shorter seed (SHA-256 entropy block: 32 bytes) works the same. */
    memset(seed, 0xA5, 32);
    update(s, seed, 32, NO_CUT, 0);
    assert_int_equal(seed_store_find_latest(s->sec, SECTOR, &rec), 0);
    assert_int_equal(rec.len, 32);
    assert_memory_equal(rec.data, seed, 32);
    /* Invalid lengths are refused. */
    uint8_t img[SEED_STORE_SLOT_SIZE];
    assert_int_equal(seed_store_encode(img, 1, seed, 0), WF_EINVAL);
    assert_int_equal(seed_store_encode(img, 1, seed, 65), WF_EINVAL);
    store_free(s);
}

static void test_corrupt_and_torn_records_skipped(void **state)
{
    (void)state;
    struct store *s = store_new();
    struct seed_store_record rec;
    uint8_t seed[64];
    for (uint32_t k = 1; k <= 3; k++) {
        fill_seed(seed, k);
        update(s, seed, sizeof seed, NO_CUT, 0);
    }
    /* A bit cleared in the latest payload (flash can only clear bits). */
    s->mem[2 * SEED_STORE_SLOT_SIZE + SEED_STORE_HDR_SIZE + 7] &= 0x00;
    assert_int_equal(seed_store_find_latest(s->sec, SECTOR, &rec), 0);
    assert_int_equal(rec.seq, 2);
    fill_seed(seed, 2);
    assert_memory_equal(rec.data, seed, 64);
    /* The corrupt slot stays used: the next record goes after it, with seq 3. */
    struct seed_store_plan p = update(s, seed, sizeof seed, NO_CUT, 0);
    assert_int_equal(p.slot, 3);
    assert_int_equal(p.seq, 3);
    /* A write torn in its 6th word: skipped, the previous record is the latest. */
    p = update(s, seed, sizeof seed, CUT_PROGRAM, 5);
    assert_int_equal(p.slot, 4);
    assert_int_equal(seed_store_find_latest(s->sec, SECTOR, &rec), 0);
    assert_int_equal(rec.seq, 3);
    assert_int_equal(seed_store_next_slot(s->sec[0], SECTOR), 5);
    /* A header-only problem: the length complement does not match. */
    s->mem[3 * SEED_STORE_SLOT_SIZE + 10] = 0x00;
    assert_int_equal(seed_store_find_latest(s->sec, SECTOR, &rec), 0);
    assert_int_equal(rec.slot, 1);
    store_free(s);
}

static void test_full_sector_switches_to_the_other(void **state)
{
    (void)state;
    struct store *s = store_new();
    struct seed_store_record rec;
    uint8_t seed[64];
    uint32_t slots = (uint32_t)seed_store_slots(SECTOR);
    for (uint32_t k = 1; k <= slots; k++) {
        fill_seed(seed, k);
        assert_int_equal(update(s, seed, sizeof seed, NO_CUT, 0).erase, 0);
    }
    assert_int_equal(seed_store_next_slot(s->sec[0], SECTOR), SEED_STORE_FULL);
    /* The next record erases sector 1, never sector 0 which holds the latest. */
    fill_seed(seed, slots + 1);
    struct seed_store_plan p = update(s, seed, sizeof seed, NO_CUT, 0);
    assert_int_equal(p.sector, 1);
    assert_int_equal(p.slot, 0);
    assert_int_equal(p.erase, 1);
    assert_int_equal(seed_store_find_latest(s->sec, SECTOR, &rec), 0);
    assert_int_equal(rec.sector, 1);
    assert_int_equal(rec.seq, slots + 1);
    assert_memory_equal(rec.data, seed, 64);
    /* Then sector 1 fills up in order; sector 0 is erased only after that. */
    for (uint32_t k = slots + 2; k <= 2 * slots; k++) {
        fill_seed(seed, k);
        p = update(s, seed, sizeof seed, NO_CUT, 0);
        assert_int_equal(p.sector, 1);
        assert_int_equal(p.erase, 0);
    }
    p = update(s, seed, sizeof seed, NO_CUT, 0);
    assert_int_equal(p.sector, 0);
    assert_int_equal(p.erase, 1);
    assert_int_equal(p.seq, 2 * slots + 1);
    assert_int_equal(s->erases[0], 1);
    assert_int_equal(s->erases[1], 1);
    store_free(s);
}

static void test_record_in_second_sector_only(void **state)
{
    (void)state;
    /* A device provisioned by hand in sector 7 only (the second sector): found,
     * and the updates continue there. */
    struct store *s = store_new();
    struct seed_store_record rec;
    uint8_t seed[64], img[SEED_STORE_SLOT_SIZE];
    fill_seed(seed, 99);
    assert_int_equal(seed_store_encode(img, 41, seed, sizeof seed), 0);
    memcpy(s->mem + SECTOR, img, sizeof img);
    assert_int_equal(seed_store_find_latest(s->sec, SECTOR, &rec), 0);
    assert_int_equal(rec.sector, 1);
    assert_int_equal(rec.seq, 41);
    struct seed_store_plan p = update(s, seed, sizeof seed, NO_CUT, 0);
    assert_int_equal(p.sector, 1);
    assert_int_equal(p.slot, 1);
    assert_int_equal(p.seq, 42);
    store_free(s);
}

/* The property the two sectors are for: wherever power is cut during an update
 * (any word of the record, or the erase of the other sector), the store still
 * holds a valid record, and it is the previous one or the new one, never older;
 * the next update then succeeds. Runs over more than two sector switches. */
static void test_power_cut_anywhere_keeps_previous_seed(void **state)
{
    (void)state;
    struct store *s = store_new();
    struct seed_store_record rec;
    uint8_t seed[64];
    uint32_t slots = (uint32_t)seed_store_slots(SECTOR);
    uint64_t x = 0x243F6A8885A308D3ull;
    uint32_t expected = 0; /* seq of the latest complete record */
    unsigned cuts = 0, erase_cuts = 0;
    for (uint32_t k = 1; k <= 3 * slots; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        fill_seed(seed, k);
        struct seed_store_plan peek;
        seed_store_plan(s->sec, SECTOR, &peek);
        if (x % 7 == 0 || peek.erase) { /* a cut on every switch and on 1 update in 7 */
            enum cut cut = peek.erase && x % 2 ? CUT_ERASE : CUT_PROGRAM;
            update(s, seed, sizeof seed, cut, (unsigned)(x >> 8) % (SEED_STORE_SLOT_SIZE / 4));
            cuts++;
            erase_cuts += cut == CUT_ERASE;
            if (expected > 0) {
                assert_int_equal(seed_store_find_latest(s->sec, SECTOR, &rec), 0);
                assert_int_equal(rec.seq, expected); /* the torn record is never taken */
                fill_seed(seed, expected);
                assert_memory_equal(rec.data, seed, 64);
                fill_seed(seed, k);
            }
        }
        struct seed_store_plan p = update(s, seed, sizeof seed, NO_CUT, 0);
        expected = p.seq;
        assert_int_equal(seed_store_find_latest(s->sec, SECTOR, &rec), 0);
        assert_int_equal(rec.seq, expected);
        assert_memory_equal(rec.data, seed, 64);
    }
    assert_true(cuts > 3 * slots / 10); /* about 1 in 7 */
    assert_true(erase_cuts > 0);
    store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32),
        cmocka_unit_test(test_empty_store),
        cmocka_unit_test(test_append_and_find_latest),
        cmocka_unit_test(test_corrupt_and_torn_records_skipped),
        cmocka_unit_test(test_full_sector_switches_to_the_other),
        cmocka_unit_test(test_record_in_second_sector_only),
        cmocka_unit_test(test_power_cut_anywhere_keeps_previous_seed),
    };
    return cmocka_run_group_tests_name("seed_store", tests, NULL, NULL);
}
