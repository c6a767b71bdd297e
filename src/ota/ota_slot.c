/* The slots' state trailers and the boot choice (ota_slot.h). */
#include "wizfetch/ota_slot.h"

#include <string.h>

#include "wizfetch/error.h"

#define ERASED 0xFFFFFFFFu
#define W_MARK 0u
#define W_ATTEMPT 4u
#define W_CONFIRM 12u
#define W_REJECT 20u
#define N_LIST 8u

_Static_assert(WF_OTA_STATE_WORDS * 4u <= WF_OTA_TRAILER_SIZE, "the state fits the trailer");

static uint32_t trailer_addr(const struct wf_ota_slot *s)
{
    return s->addr + s->size - WF_OTA_TRAILER_SIZE;
}

static uint32_t word_at(const struct wf_ota_slot *s, unsigned i)
{
    uint32_t w;
    memcpy(&w, s->mem + s->size - WF_OTA_TRAILER_SIZE + 4u * i, 4);
    return w;
}

uint32_t wf_ota_sha_word(const uint8_t sha256[32])
{
    return (uint32_t)sha256[0] | (uint32_t)sha256[1] << 8 | (uint32_t)sha256[2] << 16 |
           (uint32_t)sha256[3] << 24;
}

void wf_ota_state_read(const struct wf_ota_slot *s, struct wf_ota_state *st)
{
    memset(st, 0, sizeof *st);
    uint32_t seq = word_at(s, W_MARK), inv = word_at(s, W_MARK + 1), sha = word_at(s, W_MARK + 2);
    if (word_at(s, W_MARK + 3) == WF_OTA_MARK_MAGIC && seq == ~inv && seq != ERASED) {
        st->marked = true;
        st->seq = seq;
        st->mark_sha = sha;
    }
    for (unsigned i = 0; i < N_LIST; i++) {
        st->attempts += word_at(s, W_ATTEMPT + i) != ERASED;
        st->confirmed |= word_at(s, W_CONFIRM + i) == WF_OTA_CONFIRM_MAGIC;
        st->rejected |= word_at(s, W_REJECT + i) != ERASED;
    }
}

static int program(const struct wf_ota_slot *s, const struct wf_ota_flash *f, unsigned i, uint32_t w)
{
    return f->program_word(f->ctx, trailer_addr(s) + 4u * i, w);
}

/* Program `w` into the first erased word of the list at `first`. */
static int append(const struct wf_ota_slot *s, const struct wf_ota_flash *f, unsigned first, uint32_t w)
{
    for (unsigned i = 0; i < N_LIST; i++) {
        if (word_at(s, first + i) == ERASED) {
            return program(s, f, first + i, w);
        }
    }
    return WF_ENOMEM;
}

int wf_ota_state_mark(const struct wf_ota_slot *s, const struct wf_ota_flash *f, uint32_t seq,
                      uint32_t sha_word)
{
    const uint32_t words[4] = {seq, ~seq, sha_word, WF_OTA_MARK_MAGIC};
    for (unsigned i = 0; i < 4; i++) {
        if (word_at(s, W_MARK + i) != ERASED) {
            return WF_EIO; /* the slot was not erased by its download */
        }
    }
    for (unsigned i = 0; i < 4; i++) {
        int rc = program(s, f, W_MARK + i, words[i]);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int wf_ota_state_confirm(const struct wf_ota_slot *s, const struct wf_ota_flash *f)
{
    struct wf_ota_state st;
    wf_ota_state_read(s, &st);
    return st.confirmed ? 0 : append(s, f, W_CONFIRM, WF_OTA_CONFIRM_MAGIC);
}

int wf_ota_state_attempt(const struct wf_ota_slot *s, const struct wf_ota_flash *f)
{
    return append(s, f, W_ATTEMPT, WF_OTA_ATTEMPT_MAGIC);
}

int wf_ota_state_reject(const struct wf_ota_slot *s, const struct wf_ota_flash *f)
{
    return append(s, f, W_REJECT, WF_OTA_REJECT_MAGIC);
}

/* The usable marked slot with the highest seq, or -1. */
static int newest_marked(const struct wf_ota_boot_choice *c, const bool usable[2])
{
    int best = -1;
    for (int i = 0; i < 2; i++) {
        if (usable[i] && c->state[i].marked && (best < 0 || c->state[i].seq > c->state[best].seq)) {
            best = i;
        }
    }
    return best;
}

void wf_ota_boot_choose(const struct wf_ota_slot slots[2], const struct wf_ota_flash *f, const char *board,
                        unsigned max_attempts, struct wf_ota_boot_choice *c)
{
    bool usable[2];
    memset(c, 0, sizeof *c);
    c->slot = -1;
    c->rolled_back = -1;
    c->why = WF_OTA_BOOT_NONE;
    if (max_attempts == 0 || max_attempts > WF_OTA_MAX_ATTEMPTS) {
        max_attempts = WF_OTA_MAX_ATTEMPTS;
    }
    for (int i = 0; i < 2; i++) {
        struct wf_ota_expect e = {.board = board, .slot_addr = slots[i].addr, .slot_size = slots[i].size};
        c->verdict[i] = wf_ota_image_check(slots[i].mem, &e, &c->header[i]);
        wf_ota_state_read(&slots[i], &c->state[i]);
        /* A mark belongs to the image it was written for. */
        if (c->verdict[i] == WF_OTA_OK && c->state[i].marked &&
            c->state[i].mark_sha != wf_ota_sha_word(c->header[i].sha256)) {
            c->state[i].marked = false;
        }
        usable[i] = c->verdict[i] == WF_OTA_OK && !c->state[i].rejected;
    }
    for (int i; (i = newest_marked(c, usable)) >= 0;) {
        if (c->state[i].confirmed) {
            c->slot = i;
            c->why = WF_OTA_BOOT_CONFIRMED;
            return;
        }
        if (c->state[i].attempts < max_attempts) {
            (void)wf_ota_state_attempt(&slots[i], f); /* a torn or failed word counts as spent all the same */
            wf_ota_state_read(&slots[i], &c->state[i]);
            c->slot = i;
            c->why = WF_OTA_BOOT_TRIAL;
            c->attempt = c->state[i].attempts;
            return;
        }
        (void)wf_ota_state_reject(&slots[i], f);
        c->state[i].rejected = true;
        usable[i] = false;
        c->rolled_back = i;
    }
    for (int i = 0; i < 2; i++) {
        if (usable[i] && (c->slot < 0 || c->header[i].image_version > c->header[c->slot].image_version)) {
            c->slot = i;
            c->why = WF_OTA_BOOT_UNMARKED;
        }
    }
}
