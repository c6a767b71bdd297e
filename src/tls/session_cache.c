/*
 * The TLS session cache's policy: exact-name look-up, lifetimes, eviction of
 * the oldest entry, zeroising every block it frees.
 */
#include "tls/session_cache.h"

#include <string.h>

#include "mbedtls/platform.h"
#include "mbedtls/platform_util.h"
#include "wizfetch/error.h"

/* A variable, not the macro: with 0 entries the loops must not warn. */
static const size_t slots = WF_TLS_SESSION_CACHE_ENTRIES;

uint32_t wf_tls_session_lifetime_s(enum wf_tls_session_kind kind, uint32_t hint_s)
{
    switch (kind) {
    case WF_TLS_SESSION_TLS13_TICKET:
        break; /* a hint of 0 means: do not keep (RFC 8446, 4.6.1) */
    case WF_TLS_SESSION_TLS12_TICKET:
        if (hint_s == 0) {
            hint_s = WF_TLS_SESSION_ID_LIFETIME_S; /* RFC 5077: 0 = lifetime not given */
        }
        break;
    case WF_TLS_SESSION_TLS12_ID:
    default:
        hint_s = WF_TLS_SESSION_ID_LIFETIME_S;
        break;
    }
    return hint_s < WF_TLS_TICKET_MAX_LIFETIME_S ? hint_s : WF_TLS_TICKET_MAX_LIFETIME_S;
}

void wf_tls_sessions_init(struct wf_tls_session_cache *c)
{
    memset(c, 0, sizeof *c);
}

static void drop_entry(struct wf_tls_session_entry *e)
{
    if (e->blob != NULL) {
        mbedtls_platform_zeroize(e->blob, e->len);
        mbedtls_free(e->blob);
    }
    mbedtls_platform_zeroize(e, sizeof *e);
}

/* Byte for byte: mbedTLS 3.6 fails a TLS 1.3 handshake whose ticket came with
 * a name that differs in any way, case included (wf_url lowercases names). */
static bool same_name(const char *a, size_t a_len, const char *b)
{
    return strlen(b) == a_len && memcmp(a, b, a_len) == 0;
}

static struct wf_tls_session_entry *lookup(struct wf_tls_session_cache *c, const char *host, uint16_t port)
{
    for (size_t i = 0; i < slots; i++) {
        struct wf_tls_session_entry *e = &c->entries[i];
        if (e->blob != NULL && e->port == port && same_name((const char *)e->blob, e->host_len, host)) {
            return e;
        }
    }
    return NULL;
}

static bool expired(const struct wf_tls_session_entry *e, uint32_t now_ms)
{
    return (uint32_t)(now_ms - e->stored_ms) >= e->lifetime_ms;
}

const struct wf_tls_session_entry *wf_tls_sessions_find(struct wf_tls_session_cache *c, const char *host,
                                                        uint16_t port, uint32_t now_ms,
                                                        bool dates_checked_now)
{
    struct wf_tls_session_entry *e = lookup(c, host, port);
    if (e != NULL && (expired(e, now_ms) || (dates_checked_now && !e->dates_checked))) {
        drop_entry(e);
        return NULL;
    }
    return e;
}

const uint8_t *wf_tls_session_payload(const struct wf_tls_session_entry *e, size_t *len)
{
    *len = e->len - e->host_len - 1;
    return e->blob + e->host_len + 1;
}

int wf_tls_sessions_put(struct wf_tls_session_cache *c, const char *host, uint16_t port, size_t len,
                        uint32_t now_ms, uint32_t lifetime_ms, bool dates_checked, uint8_t **payload)
{
    size_t host_len = host != NULL ? strlen(host) : 0;
    *payload = NULL;
    if (host_len == 0 || host_len > WF_TLS_SESSION_HOST_MAX || len == 0) {
        return WF_EINVAL;
    }
    struct wf_tls_session_entry *e = lookup(c, host, port);
    if (e != NULL) {
        drop_entry(e);
    }
    if (lifetime_ms == 0) {
        return 0;
    }
    /* A free slot, else the oldest entry (expired ones count as the oldest). */
    struct wf_tls_session_entry *slot = NULL;
    uint32_t oldest_age = 0;
    for (size_t i = 0; i < slots; i++) {
        struct wf_tls_session_entry *x = &c->entries[i];
        if (x->blob == NULL) {
            slot = x;
            break;
        }
        uint32_t age = expired(x, now_ms) ? UINT32_MAX : (uint32_t)(now_ms - x->stored_ms);
        if (slot == NULL || age > oldest_age) {
            slot = x;
            oldest_age = age;
        }
    }
    if (slot == NULL) {
        return WF_ENOMEM; /* a build without entries */
    }
    drop_entry(slot);
    uint8_t *blob = mbedtls_calloc(1, host_len + 1 + len);
    if (blob == NULL) {
        return WF_ENOMEM;
    }
    memcpy(blob, host, host_len); /* NUL and zeroed payload from calloc */
    *payload = blob + host_len + 1;
    slot->blob = blob;
    slot->len = host_len + 1 + len;
    slot->host_len = (uint16_t)host_len;
    slot->port = port;
    slot->stored_ms = now_ms;
    slot->lifetime_ms = lifetime_ms;
    slot->dates_checked = dates_checked;
    return 0;
}

void wf_tls_sessions_drop(struct wf_tls_session_cache *c, const char *host, uint16_t port)
{
    struct wf_tls_session_entry *e = lookup(c, host, port);
    if (e != NULL) {
        drop_entry(e);
    }
}

void wf_tls_sessions_clear(struct wf_tls_session_cache *c)
{
    for (size_t i = 0; i < slots; i++) {
        drop_entry(&c->entries[i]);
    }
}

size_t wf_tls_sessions_count(const struct wf_tls_session_cache *c)
{
    size_t n = 0;
    for (size_t i = 0; i < slots; i++) {
        n += c->entries[i].blob != NULL;
    }
    return n;
}

size_t wf_tls_sessions_bytes(const struct wf_tls_session_cache *c)
{
    size_t n = 0;
    for (size_t i = 0; i < slots; i++) {
        n += c->entries[i].len;
    }
    return n;
}
