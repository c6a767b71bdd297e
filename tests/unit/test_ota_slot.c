/* The update image checks (ota_image), the slots' state and the boot choice
 * (ota_slot), the slot writer (ota_writer), on a model of the STM32F411's flash
 * in RAM whose word programs and erases can be torn by a power cut.
 *
 * Arguments: the fixtures made at build time by scripts/ota-sign.py (tests/CMakeLists.txt):
 *   DIR with key.pub (65 bytes), other.pub, good.bin (v5 for the slot at 0x08040000,
 *   board "test_board"), downgrade.bin (v3 with --allow-downgrade), and
 *   small.bin (v7, slot A 0x08010000). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wizfetch/error.h"
#include "wizfetch/ota_download.h"
#include "wizfetch/ota_image.h"
#include "wizfetch/ota_slot.h"
#include "wizfetch/ota_writer.h"

#define BASE 0x08000000u
#define FLASH_SIZE 0x80000u
#define SLOT_A 0x08010000u
#define SLOT_A_SIZE 0x30000u
#define SLOT_B 0x08040000u
#define SLOT_B_SIZE 0x40000u

static const char *dir;
static uint8_t flash[FLASH_SIZE];
static uint8_t pub[65], other_pub[65];

/* ---- the flash model: programs only clear bits; the Nth operation is torn ---- */
static unsigned ops, cut_at; /* cut_at: 1-based operation torn; 0 never */
static unsigned erases_of[8];
static bool cut_happened;

static const struct {
    uint32_t off, size;
} sectors[8] = {{0, 0x4000},        {0x4000, 0x4000},   {0x8000, 0x4000},   {0xC000, 0x4000},
                {0x10000, 0x10000}, {0x20000, 0x20000}, {0x40000, 0x20000}, {0x60000, 0x20000}};

static int sector_of(void *ctx, uint32_t addr, uint32_t *start, uint32_t *size)
{
    (void)ctx;
    for (int i = 0; i < 8; i++) {
        if (addr - BASE >= sectors[i].off && addr - BASE < sectors[i].off + sectors[i].size) {
            *start = BASE + sectors[i].off;
            *size = sectors[i].size;
            return i;
        }
    }
    return -1;
}

static int erase(void *ctx, uint32_t start)
{
    uint32_t s, size;
    int i = sector_of(ctx, start, &s, &size);
    assert_int_equal(s, start);
    if (cut_happened) {
        return WF_EIO;
    }
    erases_of[i]++;
    if (++ops == cut_at) {
        memset(flash + (s - BASE), 0xFF, size / 2);
        cut_happened = true;
        return WF_EIO;
    }
    memset(flash + (s - BASE), 0xFF, size);
    return 0;
}

static int program(void *ctx, uint32_t addr, const uint8_t *data, size_t len)
{
    (void)ctx;
    assert_int_equal(addr % 4, 0);
    assert_int_equal(len % 4, 0);
    for (size_t i = 0; i < len; i += 4) {
        if (cut_happened) {
            return WF_EIO;
        }
        uint8_t *p = flash + (addr - BASE) + i;
        bool torn = ++ops == cut_at;
        for (size_t k = 0; k < (torn ? 2u : 4u); k++) {
            assert_true((data[i + k] & ~p[k]) == 0); /* NOR: no 0 -> 1 */
            p[k] = data[i + k];
        }
        if (torn) {
            cut_happened = true;
            return WF_EIO;
        }
    }
    return 0;
}

static int program_word(void *ctx, uint32_t addr, uint32_t w)
{
    uint8_t b[4];
    memcpy(b, &w, 4);
    return program(ctx, addr, b, 4);
}

static const struct wf_ota_flash_ops ops_model = {NULL, sector_of, erase, program};
static const struct wf_ota_flash word_model = {NULL, program_word};

static struct wf_ota_slot slots[2];

static void power_on(void)
{
    cut_happened = false;
    cut_at = 0;
    ops = 0;
}

static int setup(void **state)
{
    (void)state;
    memset(flash, 0xFF, sizeof flash);
    memset(erases_of, 0, sizeof erases_of);
    power_on();
    slots[0] = (struct wf_ota_slot){'A', SLOT_A, SLOT_A_SIZE, flash + (SLOT_A - BASE)};
    slots[1] = (struct wf_ota_slot){'B', SLOT_B, SLOT_B_SIZE, flash + (SLOT_B - BASE)};
    return 0;
}

static size_t read_file(const char *name, uint8_t *buf, size_t cap)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* The fixture `name` straight into flash at `addr`. */
static size_t put(const char *name, uint32_t addr)
{
    return read_file(name, flash + (addr - BASE), FLASH_SIZE - (addr - BASE));
}

static struct wf_ota_expect expect_b(uint32_t available)
{
    return (struct wf_ota_expect){"test_board", SLOT_B, SLOT_B_SIZE, available};
}

/* ---- ota_image ---- */

static void test_image_verify(void **state)
{
    (void)state;
    size_t n = put("good.bin", SLOT_B);
    struct wf_ota_header h;
    struct wf_ota_expect e = expect_b((uint32_t)n);
    assert_int_equal(wf_ota_image_verify(slots[1].mem, &e, 4, pub, &h), WF_OTA_OK);
    assert_int_equal(h.image_version, 5);
    assert_int_equal(wf_ota_image_verify(slots[1].mem, &e, 4, other_pub, &h), WF_OTA_BAD_SIGNATURE);
    assert_int_equal(wf_ota_image_verify(slots[1].mem, &e, 5, pub, &h), WF_OTA_OLD_VERSION);
    assert_int_equal(wf_ota_image_verify(slots[1].mem, &e, 9, pub, &h), WF_OTA_OLD_VERSION);
    e.available = (uint32_t)n - 1;
    assert_int_equal(wf_ota_image_verify(slots[1].mem, &e, 4, pub, &h), WF_OTA_TRUNCATED);
    e = expect_b(0);
    e.board = "other_board";
    assert_int_equal(wf_ota_image_check(slots[1].mem, &e, &h), WF_OTA_WRONG_BOARD);
    e = expect_b(0);
    e.slot_addr = SLOT_A;
    assert_int_equal(wf_ota_image_check(slots[1].mem, &e, &h), WF_OTA_WRONG_SLOT);
    e = expect_b(0);
    e.slot_size = (uint32_t)n; /* no room for the trailer */
    assert_int_equal(wf_ota_image_check(slots[1].mem, &e, &h), WF_OTA_TOO_BIG);
}

static void test_image_damage(void **state)
{
    (void)state;
    put("good.bin", SLOT_B);
    struct wf_ota_header h;
    struct wf_ota_expect e = expect_b(0);
    uint8_t *img = flash + (SLOT_B - BASE);
    img[WF_OTA_HEADER_SIZE + 1000] ^= 0x01; /* a payload bit */
    assert_int_equal(wf_ota_image_check(img, &e, &h), WF_OTA_BAD_HASH);
    img[WF_OTA_HEADER_SIZE + 1000] ^= 0x01;
    assert_int_equal(wf_ota_image_check(img, &e, &h), WF_OTA_OK);
    img[offsetof(struct wf_ota_header, image_version)] ^= 0x08; /* the version is hashed too */
    assert_int_equal(wf_ota_image_check(img, &e, &h), WF_OTA_BAD_HASH);
    img[offsetof(struct wf_ota_header, image_version)] ^= 0x08;
    img[offsetof(struct wf_ota_header, sig) + 10] ^= 0x40; /* the signature alone */
    assert_int_equal(wf_ota_image_verify(img, &e, 0, pub, &h), WF_OTA_BAD_SIGNATURE);
    img[0] = 0;
    assert_int_equal(wf_ota_image_check(img, &e, &h), WF_OTA_BAD_HEADER);
    memset(img, 0xFF, WF_OTA_HEADER_SIZE);
    assert_int_equal(wf_ota_image_check(img, &e, &h), WF_OTA_EMPTY);
}

static void test_image_downgrade_flag(void **state)
{
    (void)state;
    put("downgrade.bin", SLOT_B);
    struct wf_ota_header h;
    struct wf_ota_expect e = expect_b(0);
    assert_int_equal(wf_ota_image_verify(slots[1].mem, &e, 5, pub, &h), WF_OTA_OK);
    assert_true(h.flags & WF_OTA_FLAG_ALLOW_DOWNGRADE);
}

/* ---- ota_slot ---- */

static void choose(struct wf_ota_boot_choice *c)
{
    wf_ota_boot_choose(slots, &word_model, "test_board", 3, c);
}

static void test_boot_factory_then_trial_then_confirm(void **state)
{
    (void)state;
    struct wf_ota_boot_choice c;
    choose(&c);
    assert_int_equal(c.slot, -1); /* nothing valid */
    put("small.bin", SLOT_A);
    choose(&c);
    assert_int_equal(c.slot, 0);
    assert_int_equal(c.why, WF_OTA_BOOT_UNMARKED);
    /* The application confirms itself (mark seq 1 first), then installs B with seq 2. */
    assert_int_equal(wf_ota_state_mark(&slots[0], &word_model, 1, wf_ota_sha_word(c.header[0].sha256)), 0);
    assert_int_equal(wf_ota_state_confirm(&slots[0], &word_model), 0);
    put("good.bin", SLOT_B);
    choose(&c);
    assert_int_equal(c.slot, 0); /* B is not marked: never started */
    assert_int_equal(c.why, WF_OTA_BOOT_CONFIRMED);
    assert_int_equal(wf_ota_state_mark(&slots[1], &word_model, 2, wf_ota_sha_word(c.header[1].sha256)), 0);
    for (unsigned boot = 1; boot <= 3; boot++) {
        choose(&c);
        assert_int_equal(c.slot, 1);
        assert_int_equal(c.why, WF_OTA_BOOT_TRIAL);
        assert_int_equal(c.attempt, boot);
    }
    choose(&c); /* never confirmed: rolled back */
    assert_int_equal(c.slot, 0);
    assert_int_equal(c.rolled_back, 1);
    assert_int_equal(c.why, WF_OTA_BOOT_CONFIRMED);
    choose(&c);
    assert_int_equal(c.slot, 0);
    assert_true(c.state[1].rejected);
    assert_int_equal(c.rolled_back, -1);
}

static void test_boot_confirmed_newer_wins(void **state)
{
    (void)state;
    struct wf_ota_boot_choice c;
    put("small.bin", SLOT_A);
    put("good.bin", SLOT_B);
    choose(&c);
    assert_int_equal(wf_ota_state_mark(&slots[0], &word_model, 7, wf_ota_sha_word(c.header[0].sha256)), 0);
    assert_int_equal(wf_ota_state_confirm(&slots[0], &word_model), 0);
    assert_int_equal(wf_ota_state_mark(&slots[1], &word_model, 8, wf_ota_sha_word(c.header[1].sha256)), 0);
    choose(&c);
    assert_int_equal(c.slot, 1);
    assert_int_equal(wf_ota_state_confirm(&slots[1], &word_model), 0);
    assert_int_equal(wf_ota_state_confirm(&slots[1], &word_model), 0); /* idempotent */
    for (int i = 0; i < 5; i++) {
        choose(&c);
        assert_int_equal(c.slot, 1);
        assert_int_equal(c.why, WF_OTA_BOOT_CONFIRMED);
        assert_int_equal(c.state[1].attempts, 1); /* a confirmed image spends no boots */
    }
    /* A mark written for another image does not apply to this one. */
    memset(flash + (SLOT_B - BASE) + WF_OTA_HEADER_SIZE + 4, 0, 4);
    choose(&c);
    assert_int_equal(c.verdict[1], WF_OTA_BAD_HASH);
    assert_int_equal(c.slot, 0);
}

/* A power cut at each word of every state write: the state is read conservatively. */
static void test_state_torn_words(void **state)
{
    (void)state;
    struct wf_ota_boot_choice c;
    struct wf_ota_state st;
    put("small.bin", SLOT_A);
    put("good.bin", SLOT_B);
    choose(&c);
    uint32_t sha_b = wf_ota_sha_word(c.header[1].sha256);
    assert_int_equal(wf_ota_state_mark(&slots[0], &word_model, 1, wf_ota_sha_word(c.header[0].sha256)), 0);
    assert_int_equal(wf_ota_state_confirm(&slots[0], &word_model), 0);
    uint8_t saved[0x80000];
    memcpy(saved, flash, sizeof saved);
    for (unsigned cut = 1; cut <= 4; cut++) { /* each word of the mark */
        memcpy(flash, saved, sizeof saved);
        power_on();
        cut_at = cut;
        assert_int_not_equal(wf_ota_state_mark(&slots[1], &word_model, 2, sha_b), 0);
        power_on();
        wf_ota_state_read(&slots[1], &st);
        assert_false(st.marked); /* an incomplete mark is none */
        choose(&c);
        assert_int_equal(c.slot, 0);
    }
    memcpy(flash, saved, sizeof saved);
    power_on();
    assert_int_equal(wf_ota_state_mark(&slots[1], &word_model, 2, sha_b), 0);
    /* The bootloader's boot count torn: counted as spent. */
    power_on();
    cut_at = 1;
    choose(&c);
    assert_true(cut_happened);
    power_on();
    wf_ota_state_read(&slots[1], &st);
    assert_int_equal(st.attempts, 1);
    choose(&c);
    assert_int_equal(c.slot, 1);
    assert_int_equal(c.attempt, 2);
    /* The confirmation torn: not confirmed; the next one goes to the next word. */
    power_on();
    cut_at = 1;
    assert_int_not_equal(wf_ota_state_confirm(&slots[1], &word_model), 0);
    assert_true(cut_happened);
    power_on();
    wf_ota_state_read(&slots[1], &st);
    assert_false(st.confirmed);
    choose(&c);
    assert_int_equal(c.slot, 1);
    assert_int_equal(c.attempt, 3);
    assert_int_equal(wf_ota_state_confirm(&slots[1], &word_model), 0);
    choose(&c);
    assert_int_equal(c.why, WF_OTA_BOOT_CONFIRMED);
    assert_int_equal(c.slot, 1);
}

/* ---- ota_writer ---- */

static int write_in_chunks(struct wf_ota_sink *sink, const uint8_t *img, size_t n, size_t chunk)
{
    for (size_t off = 0; off < n; off += chunk) {
        size_t len = n - off < chunk ? n - off : chunk;
        int rc = sink->write(sink->ctx, (uint32_t)off, img + off, len);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static void test_writer(void **state)
{
    (void)state;
    static uint8_t img[0x40000];
    size_t n = read_file("good.bin", img, sizeof img);
    /* An old confirmed image in B beyond what the new one covers. */
    memset(flash + (SLOT_B - BASE), 0x00, SLOT_B_SIZE);
    struct wf_ota_writer w;
    struct wf_ota_sink sink;
    wf_ota_writer_init(&w, &ops_model, SLOT_B, SLOT_B_SIZE);
    wf_ota_writer_sink(&w, &sink);
    assert_int_equal(sink.capacity, SLOT_B_SIZE - WF_OTA_TRAILER_SIZE);
    assert_int_equal(write_in_chunks(&sink, img, n, 333), 0); /* odd sizes: words carried over */
    assert_int_equal(wf_ota_writer_finish(&w), 0);
    assert_memory_equal(flash + (SLOT_B - BASE), img, n);
    assert_int_equal(erases_of[7], 1); /* the trailer's sector first, once */
    assert_int_equal(erases_of[6], 1);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(erases_of[i], 0); /* never outside the slot */
    }
    struct wf_ota_state st;
    wf_ota_state_read(&slots[1], &st);
    assert_false(st.confirmed); /* the old state went with the erase */
    assert_int_equal(st.attempts, 0);
    /* Starting over, a gap, beyond the capacity. */
    assert_int_equal(sink.write(sink.ctx, 0, img, 8), 0);
    assert_int_equal(sink.write(sink.ctx, 100, img, 8), WF_EINVAL);
    assert_int_equal(sink.write(sink.ctx, 8, img, SLOT_B_SIZE), WF_EMSGSIZE);
}

static void test_writer_power_cut(void **state)
{
    (void)state;
    static uint8_t img[0x40000];
    size_t n = read_file("good.bin", img, sizeof img);
    put("small.bin", SLOT_A);
    struct wf_ota_boot_choice c;
    choose(&c);
    assert_int_equal(wf_ota_state_mark(&slots[0], &word_model, 1, wf_ota_sha_word(c.header[0].sha256)), 0);
    assert_int_equal(wf_ota_state_confirm(&slots[0], &word_model), 0);
    static uint8_t saved[FLASH_SIZE];
    memcpy(saved, flash, sizeof saved);
    /* Cuts at operations spread over the erases and the download: slot A keeps booting. */
    const unsigned cuts[] = {1, 2, 3, 4, 100, 5000, (unsigned)(n / 4) / 2, (unsigned)(n / 4) + 1};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        memcpy(flash, saved, sizeof saved);
        power_on();
        cut_at = cuts[k];
        struct wf_ota_writer w;
        struct wf_ota_sink sink;
        wf_ota_writer_init(&w, &ops_model, SLOT_B, SLOT_B_SIZE);
        wf_ota_writer_sink(&w, &sink);
        int rc = write_in_chunks(&sink, img, n, 1024);
        if (rc == 0) {
            rc = wf_ota_writer_finish(&w);
        }
        assert_int_not_equal(rc, 0);
        power_on();
        choose(&c);
        assert_int_equal(c.slot, 0);
        assert_int_equal(c.why, WF_OTA_BOOT_CONFIRMED);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_ota_slot FIXTURE_DIR\n");
        return 2;
    }
    dir = argv[1];
    assert_true(read_file("key.pub", pub, sizeof pub) == sizeof pub);
    assert_true(read_file("other.pub", other_pub, sizeof other_pub) == sizeof other_pub);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_image_verify, setup),
        cmocka_unit_test_setup(test_image_damage, setup),
        cmocka_unit_test_setup(test_image_downgrade_flag, setup),
        cmocka_unit_test_setup(test_boot_factory_then_trial_then_confirm, setup),
        cmocka_unit_test_setup(test_boot_confirmed_newer_wins, setup),
        cmocka_unit_test_setup(test_state_torn_words, setup),
        cmocka_unit_test_setup(test_writer, setup),
        cmocka_unit_test_setup(test_writer_power_cut, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
