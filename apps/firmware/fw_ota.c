/* The firmware's side of an update (fw_ota.h). */
#include "fw_ota.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ota_layout.h"
#include "ota_port.h"
#include "stm32f4_board_desc.h"
#include "wizfetch/error.h"
#include "wizfetch/ota_image.h"
#include "wizfetch/ota_slot.h"
#include "wizfetch/ota_writer.h"

/* An image on trial resets at its first failed health check: each boot is one try, and the
 * bootloader gives it STM32F4_OTA_MAX_ATTEMPTS of them (no backoff waits on trial). */
#define FW_OTA_TRIAL_FAILURES 1u

extern const uint8_t wf_ota_slot_addr[]; /* the slot's linker script */
extern const uint8_t wf_ota_pubkey[WF_OTA_PUBKEY_LEN];
extern const struct stm32f4_board_desc wf_board_desc;

static void (*say)(const char *fmt, ...);
static const struct wf_ota_slot *running, *inactive;
static struct wf_ota_header running_header;
static unsigned failures;
static struct wf_ota_writer writer;

/* The download's first bytes, the header, are checked before anything is erased:
 * an image refused by its header (board, slot, size, version, rolled back before)
 * leaves the inactive slot as it was. */
static struct {
    uint8_t header[WF_OTA_HEADER_SIZE];
    uint32_t have;
    bool rejected_known;   /* the inactive slot holds an image the bootloader rolled back */
    uint32_t rejected_sha; /* ... its digest word */
    enum wf_ota_verdict verdict;
    bool rolled_back_before;
} gate;

static void read_state(const struct wf_ota_slot *s, struct wf_ota_state *st)
{
    wf_ota_state_read(s, st);
}

void fw_ota_boot(void (*say_fn)(const char *fmt, ...))
{
    const struct wf_ota_slot *slots = stm32f4_ota_slots();
    say = say_fn;
    running = slots[0].addr == (uint32_t)(uintptr_t)wf_ota_slot_addr ? &slots[0] : &slots[1];
    inactive = running == &slots[0] ? &slots[1] : &slots[0];
    memcpy(&running_header, running->mem, sizeof running_header);
    struct wf_ota_state st;
    read_state(running, &st);
    say("ota: running slot %c, v%lu (%.32s), %s", running->name, (unsigned long)running_header.image_version,
        running_header.build,
        st.confirmed ? "confirmed"
        : st.marked  ? "on trial: it confirms itself after a successful fetch"
                     : "as flashed: it confirms itself after a successful fetch");
}

void fw_ota_healthy(void)
{
    struct wf_ota_state st, other;
    read_state(running, &st);
    if (st.confirmed) {
        return;
    }
    int rc = 0;
    if (!st.marked) {
        read_state(inactive, &other);
        rc = wf_ota_state_mark(running, stm32f4_ota_word_flash(), other.seq + 1u,
                               wf_ota_sha_word(running_header.sha256));
    }
    if (rc == 0) {
        rc = wf_ota_state_confirm(running, stm32f4_ota_word_flash());
    }
    if (rc == 0) {
        say("ota: slot %c v%lu confirmed (health check passed)", running->name,
            (unsigned long)running_header.image_version);
    } else {
        say("ota: cannot confirm slot %c: %s", running->name, wf_strerror(rc));
    }
}

void fw_ota_unhealthy(void)
{
    struct wf_ota_state st;
    read_state(running, &st);
    if (st.confirmed || !st.marked || ++failures < FW_OTA_TRIAL_FAILURES) {
        return;
    }
    say("ota: slot %c v%lu on trial failed its health check: resetting (the bootloader counts the boots)",
        running->name, (unsigned long)running_header.image_version);
    stm32f4_system_reset();
}

const char *fw_ota_url(const char *template_url, char *buf, size_t cap)
{
    struct wf_ota_state st;
    if (template_url == NULL || template_url[0] == '\0') {
        return NULL;
    }
    read_state(running, &st);
    if (!st.confirmed) {
        say("ota: no update while the running image is not confirmed");
        return NULL;
    }
    const char *p = strstr(template_url, "%s");
    char letter = (char)(inactive->name - 'A' + 'a');
    int n = p != NULL ? snprintf(buf, cap, "%.*s%c%s", (int)(p - template_url), template_url, letter, p + 2)
                      : snprintf(buf, cap, "%s", template_url);
    return n > 0 && (size_t)n < cap ? buf : NULL;
}

static struct wf_ota_expect expect_inactive(uint32_t available)
{
    struct wf_ota_expect e = {.board = wf_board_desc.board,
                              .slot_addr = inactive->addr,
                              .slot_size = inactive->size,
                              .available = available};
    return e;
}

/* The header alone: what can be refused before the first erase. */
static int gate_check(void)
{
    struct wf_ota_header h;
    struct wf_ota_expect e = expect_inactive(0);
    gate.verdict = wf_ota_header_check(gate.header, &e, &h);
    if (gate.verdict == WF_OTA_OK && h.image_version <= running_header.image_version &&
        !(h.flags & WF_OTA_FLAG_ALLOW_DOWNGRADE)) {
        gate.verdict = WF_OTA_OLD_VERSION;
    }
    if (gate.verdict == WF_OTA_OK && gate.rejected_known && wf_ota_sha_word(h.sha256) == gate.rejected_sha) {
        gate.rolled_back_before = true;
        return WF_EINVAL;
    }
    return gate.verdict == WF_OTA_OK ? 0 : WF_EINVAL;
}

static int gated_write(void *ctx, uint32_t offset, const uint8_t *data, size_t len)
{
    (void)ctx;
    if (offset == 0) {
        gate.have = 0;
    }
    if (offset != gate.have && gate.have < WF_OTA_HEADER_SIZE) {
        return WF_EINVAL;
    }
    if (gate.have < WF_OTA_HEADER_SIZE) {
        size_t n = len < WF_OTA_HEADER_SIZE - gate.have ? len : WF_OTA_HEADER_SIZE - gate.have;
        memcpy(gate.header + gate.have, data, n);
        gate.have += (uint32_t)n;
        data += n;
        len -= n;
        if (gate.have < WF_OTA_HEADER_SIZE) {
            return 0;
        }
        int rc = gate_check();
        if (rc == 0) {
            rc = wf_ota_writer_write(&writer, 0, gate.header, WF_OTA_HEADER_SIZE);
        }
        if (rc < 0) {
            return rc;
        }
        offset = WF_OTA_HEADER_SIZE;
    }
    return len == 0 ? 0 : wf_ota_writer_write(&writer, offset, data, len);
}

void fw_ota_sink(struct wf_ota_sink *sink)
{
    struct wf_ota_state st;
    struct wf_ota_header h;
    struct wf_ota_expect e = expect_inactive(0);
    memset(&gate, 0, sizeof gate);
    wf_ota_state_read(inactive, &st);
    if (st.rejected && wf_ota_header_check(inactive->mem, &e, &h) == WF_OTA_OK) {
        gate.rejected_known = true;
        gate.rejected_sha = wf_ota_sha_word(h.sha256);
    }
    wf_ota_writer_init(&writer, stm32f4_ota_flash_ops(), inactive->addr, inactive->size);
    wf_ota_writer_sink(&writer, sink);
    sink->write = gated_write;
}

void fw_ota_say_refusal(void)
{
    if (gate.rolled_back_before) {
        say("ota: refused the image: it was rolled back before (never confirmed); slot %c is untouched",
            inactive->name);
    } else if (gate.verdict != WF_OTA_OK) {
        say("ota: refused the image: %s; slot %c is untouched", wf_ota_verdict_str(gate.verdict),
            inactive->name);
    }
}

int fw_ota_install(uint32_t size)
{
    int rc = wf_ota_writer_finish(&writer);
    if (rc < 0) {
        say("ota: writing slot %c failed: %s", inactive->name, wf_strerror(rc));
        return rc;
    }
    say("ota: %lu bytes in slot %c (%lu sector erases, %lu word programs)", (unsigned long)size,
        inactive->name, (unsigned long)writer.erases, (unsigned long)writer.programs);
    struct wf_ota_expect e = expect_inactive(size);
    struct wf_ota_header h;
    enum wf_ota_verdict v =
        wf_ota_image_verify(inactive->mem, &e, running_header.image_version, wf_ota_pubkey, &h);
    if (v != WF_OTA_OK) {
        say("ota: refused the image: %s; the running image is untouched", wf_ota_verdict_str(v));
        return WF_EINVAL;
    }
    struct wf_ota_state st;
    read_state(running, &st);
    rc = wf_ota_state_mark(inactive, stm32f4_ota_word_flash(), st.seq + 1u, wf_ota_sha_word(h.sha256));
    if (rc < 0) {
        say("ota: cannot mark slot %c: %s", inactive->name, wf_strerror(rc));
        return rc;
    }
    say("ota: slot %c v%lu (%.32s) verified (signature, SHA-256) and marked for trial: resetting",
        inactive->name, (unsigned long)h.image_version, h.build);
    stm32f4_system_reset();
}
