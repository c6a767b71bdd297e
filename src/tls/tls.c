/*
 * TLS client glue: mbedTLS over wizfetch sockets, verification policy, the
 * certificate summary, failure classification, the NSS key log, and which
 * sessions are kept and offered for resumption (the cache's policy itself is
 * session_cache.c).
 */
#include "wizfetch/tls.h"

#include <stdio.h>
#include <string.h>

#include "mbedtls/base64.h"
#include "mbedtls/error.h"
#include "mbedtls/platform.h"
#include "mbedtls/sha256.h"
#include "mbedtls/x509.h"
#include "psa/crypto.h"
#include "tls/peer_check.h"
#include "tls/session_cache.h"
#include "tls/client_cert.h"
#include "tls/tls_platform.h"
#include "wizfetch/error.h"
#include "wizfetch/url.h"

/* A bio failure whose cause is kept in t->io_error. */
#define BIO_FAILED MBEDTLS_ERR_SSL_INTERNAL_ERROR

static uint32_t remaining_ms(const wf_tls_t *t)
{
    const struct wf_port *port = t->net->chip->port;
    int32_t left = (int32_t)(t->deadline - wf_port_millis(port));
    return left > 0 ? (uint32_t)left : 0;
}

static void start_deadline(wf_tls_t *t, uint32_t timeout_ms)
{
    t->deadline = wf_port_millis(t->net->chip->port) + timeout_ms;
    t->io_error = 0;
}

/* ---- bio over wizfetch sockets ------------------------------------------- */

/* Give the socket what is left of the operation's deadline; false once it is spent. */
static bool bio_arm(wf_tls_t *t)
{
    uint32_t left = remaining_ms(t);
    if (left == 0) {
        t->io_error = WF_ETIMEDOUT;
        return false;
    }
    wf_net_set_timeout(t->net, t->fd, left);
    return true;
}

/* Socket result -> mbedTLS bio result, keeping the socket's own error. */
static int bio_result(wf_tls_t *t, int n)
{
    if (n < 0) {
        t->io_error = n;
        return BIO_FAILED;
    }
    return n; /* recv: 0 = TCP end of stream, which mbedTLS reports as MBEDTLS_ERR_SSL_CONN_EOF */
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    wf_tls_t *t = ctx;
    if (!bio_arm(t)) {
        return BIO_FAILED;
    }
    if (t->nowait) {
        wf_net_set_timeout(t->net, t->fd, 0);
    }
    int n = wf_net_send(t->net, t->fd, buf, len);
    if (n == WF_EAGAIN && t->nowait) {
        return MBEDTLS_ERR_SSL_WANT_WRITE; /* no room now; mbedTLS keeps the record for the next call */
    }
    return bio_result(t, n);
}

/* The most bytes a call that does not wait takes from the socket (tls.h). */
static size_t nowait_share(const wf_tls_t *t)
{
    return t->net != NULL && wf_net_rx_prefetches(t->net) ? WF_TLS_NOWAIT_READ_MAX_PREFETCH
                                                          : WF_TLS_NOWAIT_READ_MAX;
}

/* A call that does not wait begins: the bio returns at once, and takes at most
 * its share of bytes from the socket during it. */
static void nowait_begin(wf_tls_t *t)
{
    t->nowait = true;
    t->nowait_room = nowait_share(t);
}

bool wf_tls_nowait_progressed(const wf_tls_t *t)
{
    return t->nowait_room != nowait_share(t);
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    wf_tls_t *t = ctx;
    if (!bio_arm(t)) {
        return BIO_FAILED;
    }
    if (t->nowait) {
        if (len > t->nowait_room) {
            len = t->nowait_room; /* this call's share: the rest in the next */
        }
        wf_net_set_timeout(t->net, t->fd, 0);
    }
    /* len 0: the share is taken; else nothing there now. mbedTLS keeps a
     * partial record for the next call. */
    int n = len == 0 ? WF_EAGAIN : wf_net_recv(t->net, t->fd, buf, len);
    if (n == WF_EAGAIN && t->nowait) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    if (n > 0) {
        t->nowait_room -= (size_t)n; /* read only after a call that does not wait, which resets it */
    }
    if (n == 0 && len > 0) {
        t->transport_eof = true; /* the TCP stream ended: no more records can come */
    }
    return bio_result(t, n);
}

/* ---- certificate summary and verification policy ------------------------- */

static size_t append(char *buf, size_t cap, size_t used, const char *fmt, const char *value)
{
    if (used >= cap) {
        return used;
    }
    int n = snprintf(buf + used, cap - used, fmt, value);
    return n < 0 ? used : used + (size_t)n;
}

static void format_time(char *out, size_t cap, const mbedtls_x509_time *tm)
{
    snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm->year, tm->mon, tm->day, tm->hour, tm->min,
             tm->sec);
}

/* Append the summary of `crt` to t->summary. */
static void summarize(wf_tls_t *t, const mbedtls_x509_crt *crt)
{
    char field[256];
    size_t used = strlen(t->summary);
    const size_t cap = sizeof t->summary;
    snprintf(field, sizeof field, "%d", crt->version);
    used = append(t->summary, cap, used, "version: %s\n", field);
    if (mbedtls_x509_serial_gets(field, sizeof field, &crt->serial) < 0) {
        strcpy(field, "?");
    }
    used = append(t->summary, cap, used, "serial: %s\n", field);
    if (mbedtls_x509_dn_gets(field, sizeof field, &crt->issuer) < 0) {
        strcpy(field, "?");
    }
    used = append(t->summary, cap, used, "issuer: %s\n", field);
    if (mbedtls_x509_dn_gets(field, sizeof field, &crt->subject) < 0) {
        strcpy(field, "?");
    }
    used = append(t->summary, cap, used, "subject: %s\n", field);
    format_time(field, sizeof field, &crt->valid_from);
    used = append(t->summary, cap, used, "valid from: %s\n", field);
    format_time(field, sizeof field, &crt->valid_to);
    used = append(t->summary, cap, used, "valid to: %s\n", field);
    snprintf(field, sizeof field, "%s %u bits", mbedtls_pk_get_name(&crt->pk),
             (unsigned)mbedtls_pk_get_bitlen(&crt->pk));
    (void)append(t->summary, cap, used, "key: %s\n", field);
}

/* Is t->peer_spki (SHA-256 of the server key's DER SubjectPublicKeyInfo) a pin? */
static bool key_is_pinned(const wf_tls_t *t)
{
    for (size_t i = 0; i < t->options.pin_count; i++) {
        if (memcmp(t->peer_spki, t->pins[i], sizeof t->peer_spki) == 0) {
            return true;
        }
    }
    return false;
}

/* The name the server's certificate must carry: our copy of an IPv4 literal,
 * else mbedTLS's copy of the DNS name (it outlives the caller's string, for
 * the TLS 1.3 tickets that arrive after the handshake). */
static const char *peer_host(wf_tls_t *t)
{
    return t->ip_host[0] != '\0' ? t->ip_host : mbedtls_ssl_get_hostname(&t->ssl);
}

static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    wf_tls_t *t = ctx;
    if (depth == 0 && crt->raw.len == 0) {
        /* mbedTLS skips a sent certificate it cannot parse (an unknown
         * signature algorithm, e.g. DSA) and may be left with none at all. */
        t->cert_seen = true;
        t->peer_unreadable = true;
        t->summary[0] = '\0';
        *flags |= MBEDTLS_X509_BADCERT_OTHER;
        return 0;
    }
    if (depth == 0) {
        t->cert_seen = true;
        t->summary[0] = '\0'; /* a full handshake: not the summary of an offered session */
        summarize(t, crt);
        /* Stricter than mbedTLS: an IP is matched only against iPAddress
         * entries, no wildcard for a whole top-level domain (peer_check.h). */
        const char *host = peer_host(t);
        if (host != NULL) {
            *flags |= wf_tls_peer_name_flags(crt, host);
        }
        if (wf_tls_cert_is_ca(crt)) {
            t->leaf_is_ca = true; /* a CA certificate is not a server's */
            *flags |= MBEDTLS_X509_BADCERT_OTHER;
        }
        if (mbedtls_sha256(crt->pk_raw.p, crt->pk_raw.len, t->peer_spki, 0) != 0) {
            memset(t->peer_spki, 0, sizeof t->peer_spki); /* matches no pin */
        }
        if (t->options.pin_count > 0) {
            t->pin_matched = key_is_pinned(t);
            if (!t->pin_matched) {
                *flags |= MBEDTLS_X509_BADCERT_OTHER; /* classified as WF_ETLS_PINNED */
            }
        }
    }
    if (!t->dates_checked) {
        /* "Now" is only a lower bound (the floor): "not yet valid" cannot be
         * judged, "expired before the floor" still can. */
        *flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_FUTURE;
        if (t->options.time_floor <= 0) {
            *flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_EXPIRED;
        }
    }
    return 0;
}

/* Which check failed, most specific first: a certificate that is both
 * expired and untrusted is reported as untrusted (the stronger objection). */
static int classify_verify_flags(const wf_tls_t *t, uint32_t flags)
{
    if (t->peer_unreadable) {
        return WF_ETLS_CERT_UNREADABLE;
    }
    if (flags & (MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_MISSING)) {
        return WF_ETLS_CERT_UNTRUSTED;
    }
    if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
        return WF_ETLS_CERT_NAME;
    }
    if (t->leaf_is_ca) {
        return WF_ETLS_CERT_CA_LEAF;
    }
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED) {
        return WF_ETLS_CERT_EXPIRED;
    }
    if (flags & MBEDTLS_X509_BADCERT_FUTURE) {
        return WF_ETLS_CERT_FUTURE;
    }
    if (flags & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK | MBEDTLS_X509_BADCERT_BAD_KEY)) {
        return WF_ETLS_CERT_SIGNATURE;
    }
    if (t->options.pin_count > 0 && !t->pin_matched) {
        return WF_ETLS_PINNED; /* the chain verified; the key is not the pinned one */
    }
    return WF_ETLS_CERT_OTHER;
}

/* A record longer than the input buffer: mbedtls_ssl_fetch_input refuses to
 * read it ("requesting more data than fits", MBEDTLS_ERR_SSL_BAD_INPUT_DATA, the
 * only way a set-up context reports that while reading). In a small-records build
 * (WF_TLS_SMALL_RECORDS) the server ignored max_fragment_length and
 * record_size_limit; in the 16 KiB build it broke the protocol. */
static bool record_too_large(int ret)
{
    return ret == MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
}

/* A failed read or write after the handshake -> WF_E*: the socket's own error, a
 * record too large, else WF_ETLS. */
static int io_failure(const wf_tls_t *t, int n)
{
    if (n == BIO_FAILED && t->io_error) {
        return t->io_error;
    }
    return record_too_large(n) ? WF_ETLS_RECORD_SIZE : WF_ETLS;
}

static int classify_failure(wf_tls_t *t, int ret)
{
    if (ret == BIO_FAILED && t->io_error != 0) {
        return t->io_error;
    }
    /* A certificate the server sent that does not parse: mbedTLS's TLS 1.3
     * client stops there (its TLS 1.2 client skips it, see verify_cb). The
     * X.509 part of the combined code: FEATURE_UNAVAILABLE (-0x2080) up to
     * SIG_MISMATCH (-0x2680), the parse errors (mbedtls/x509.h); or a key
     * type or curve this build lacks. */
    const int high = (-ret) & 0xFF80;
    if ((high >= -MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE && high <= -MBEDTLS_ERR_X509_SIG_MISMATCH) ||
        high == -MBEDTLS_ERR_PK_UNKNOWN_PK_ALG || high == -MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE) {
        return WF_ETLS_CERT_UNREADABLE;
    }
    switch (ret) {
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
        t->verify_flags = mbedtls_ssl_get_verify_result(&t->ssl);
        return classify_verify_flags(t, t->verify_flags);
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
        return WF_ETLS_ALERT;
    case MBEDTLS_ERR_SSL_TIMEOUT:
        return WF_ETIMEDOUT;
    case MBEDTLS_ERR_SSL_ALLOC_FAILED:
    case MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL:
        return WF_ENOMEM;
    default:
        return record_too_large(ret) ? WF_ETLS_RECORD_SIZE : WF_ETLS_HANDSHAKE;
    }
}

/* ---- NSS key log ---------------------------------------------------------- */

static const char *keylog_label(mbedtls_ssl_key_export_type type)
{
    switch (type) {
    case MBEDTLS_SSL_KEY_EXPORT_TLS12_MASTER_SECRET:
        return "CLIENT_RANDOM";
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_CLIENT_HANDSHAKE_TRAFFIC_SECRET:
        return "CLIENT_HANDSHAKE_TRAFFIC_SECRET";
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_SERVER_HANDSHAKE_TRAFFIC_SECRET:
        return "SERVER_HANDSHAKE_TRAFFIC_SECRET";
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_CLIENT_APPLICATION_TRAFFIC_SECRET:
        return "CLIENT_TRAFFIC_SECRET_0";
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_SERVER_APPLICATION_TRAFFIC_SECRET:
        return "SERVER_TRAFFIC_SECRET_0";
#endif
    default:
        return NULL;
    }
}

static size_t hex(char *out, const unsigned char *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0F];
    }
    return 2 * len;
}

static void export_keys(void *ctx, mbedtls_ssl_key_export_type type, const unsigned char *secret,
                        size_t secret_len, const unsigned char client_random[32],
                        const unsigned char server_random[32], mbedtls_tls_prf_types prf)
{
    (void)server_random;
    (void)prf;
    wf_tls_t *t = ctx;
    const char *label = keylog_label(type);
    char line[64 + 1 + 64 + 1 + 2 * 64 + 1];
    if (label == NULL || secret_len > 64) {
        return;
    }
    size_t n = strlen(label);
    memcpy(line, label, n);
    line[n++] = ' ';
    n += hex(line + n, client_random, 32);
    line[n++] = ' ';
    n += hex(line + n, secret, secret_len);
    line[n] = '\0';
    t->options.keylog(t->options.keylog_ctx, line);
}

/* ---- sessions kept for resumption --------------------------------------------- */

/* What a kept session's payload holds (session_cache.h keeps it opaque):
 *   [32]  SHA-256 of the server key's SubjectPublicKeyInfo (pins are re-checked
 *         on resumption: no certificate is sent then)
 *   [n+1] the certificate summary of the full handshake, NUL-terminated
 *   [...] the session, serialized by mbedtls_ssl_session_save
 * Serialized rather than kept as an mbedtls_ssl_session: that copy holds the
 * server's whole parsed chain (see docs/security.md for the measured sizes). */
static bool sessions_on(const wf_tls_t *t)
{
    return WF_TLS_SESSION_CACHE_ENTRIES > 0 && !t->options.no_session_cache && !t->options.insecure;
}

#if WF_TLS_SESSION_CACHE_ENTRIES > 0
#define SPKI_LEN 32
static const char resumed_line[] = "session: resumed (certificate verified when the session was made)\n";

static uint32_t now_ms(const wf_tls_t *t)
{
    return wf_port_millis(t->net->chip->port);
}

/* Keep the session of the current connection for its server name. Only
 * called on a connection whose handshake verified the chain, the name and the
 * pins (t->connected, not `insecure`). Best effort: a failure keeps nothing. */
static void keep_session(wf_tls_t *t, enum wf_tls_session_kind kind)
{
    const char *host = peer_host(t);
    if (!sessions_on(t) || !t->connected || host == NULL) {
        return;
    }
    mbedtls_ssl_session s;
    mbedtls_ssl_session_init(&s);
    size_t before = wf_tls_heap_used();
    if (mbedtls_ssl_get_session(&t->ssl, &s) != 0) {
        mbedtls_ssl_session_free(&s);
        return;
    }
    t->session_stats.last_struct_heap = wf_tls_heap_used() - before;
    uint32_t hint_s = 0;
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
    /* mbedTLS 3.6 has no accessor for these two; the fields are stable in the LTS. */
    hint_s = s.MBEDTLS_PRIVATE(ticket_lifetime);
    if (kind == WF_TLS_SESSION_TLS12_ID && s.MBEDTLS_PRIVATE(ticket_len) > 0) {
        kind = WF_TLS_SESSION_TLS12_TICKET;
    }
#endif
    uint32_t lifetime_s = wf_tls_session_lifetime_s(kind, hint_s);
    const char *summary = t->summary;
    if (t->resumed) {
        summary += sizeof resumed_line - 1; /* keep the full handshake's summary only */
    }
    size_t summary_len = strlen(summary) + 1;
    size_t session_len = 0;
    (void)mbedtls_ssl_session_save(&s, NULL, 0, &session_len);
    size_t len = SPKI_LEN + summary_len + session_len;
    uint8_t *payload = NULL;
    int rc = session_len > 0 ? wf_tls_sessions_put(&t->sessions, host, t->port, len, now_ms(t),
                                                   lifetime_s * 1000u, t->dates_checked, &payload)
                             : WF_EINVAL;
    if (rc == 0 && payload != NULL) {
        memcpy(payload, t->peer_spki, SPKI_LEN);
        memcpy(payload + SPKI_LEN, summary, summary_len);
        size_t written = 0;
        if (mbedtls_ssl_session_save(&s, payload + SPKI_LEN + summary_len, session_len, &written) != 0 ||
            written != session_len) {
            wf_tls_sessions_drop(&t->sessions, host, t->port);
        } else {
            t->session_stats.stored++;
            t->session_stats.last_payload = len;
        }
    }
    t->session_stats.kept_bytes = wf_tls_sessions_bytes(&t->sessions);
    mbedtls_ssl_session_free(&s); /* zeroises the secrets */
}

/* Offer the session kept for exactly this name and port, if any (before the
 * handshake). A kept session that does not load is dropped. */
static void offer_session(wf_tls_t *t, const char *host)
{
    if (!sessions_on(t)) {
        return;
    }
    const struct wf_tls_session_entry *e =
        wf_tls_sessions_find(&t->sessions, host, t->port, now_ms(t), t->dates_checked);
    if (e == NULL) {
        return;
    }
    size_t len;
    const uint8_t *p = wf_tls_session_payload(e, &len);
    const uint8_t *nul = len > SPKI_LEN ? memchr(p + SPKI_LEN, '\0', len - SPKI_LEN) : NULL;
    size_t summary_len = nul != NULL ? (size_t)(nul - (p + SPKI_LEN)) : 0;
    mbedtls_ssl_session s;
    mbedtls_ssl_session_init(&s);
    if (nul != NULL && len > SPKI_LEN + summary_len + 1 &&
        mbedtls_ssl_session_load(&s, p + SPKI_LEN + summary_len + 1, len - SPKI_LEN - summary_len - 1) == 0 &&
        mbedtls_ssl_set_session(&t->ssl, &s) == 0) {
        t->session_offered = true;
        t->session_stats.offered++;
        memcpy(t->peer_spki, p, SPKI_LEN); /* replaced by verify_cb if the server runs a full handshake */
        snprintf(t->summary, sizeof t->summary, "%s%s", resumed_line, (const char *)p + SPKI_LEN);
    } else {
        wf_tls_sessions_drop(&t->sessions, host, t->port);
    }
    mbedtls_ssl_session_free(&s);
}
#endif

/* ---- life cycle -------------------------------------------------------------- */

void wf_tls_init(wf_tls_t *t)
{
    memset(t, 0, sizeof *t);
    t->fd = -1;
    mbedtls_ssl_init(&t->ssl);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_x509_crt_init(&t->ca);
    mbedtls_entropy_init(&t->entropy);
    mbedtls_ctr_drbg_init(&t->drbg);
}

int wf_tls_add_ca_pem(wf_tls_t *t, const char *pem)
{
    /* Strict: a bundle with one unparsable certificate is rejected whole, so a
     * damaged CA file is reported instead of silently trusting less. */
    size_t before = wf_tls_ca_count(t);
    int ret = mbedtls_x509_crt_parse(&t->ca, (const unsigned char *)pem, strlen(pem) + 1);
    if (ret != 0 || wf_tls_ca_count(t) == before) {
        return WF_ETLS_CA;
    }
    return 0;
}

size_t wf_tls_ca_count(const wf_tls_t *t)
{
    size_t n = 0;
    for (const mbedtls_x509_crt *c = &t->ca; c != NULL && c->raw.len > 0; c = c->next) {
        n++;
    }
    for (size_t i = 0; i < t->store_count; i++) {
        n += t->stores[i]->count;
    }
    return n;
}

int wf_tls_add_ca_store(wf_tls_t *t, const struct wf_ca_store *store)
{
    if (t->store_count == WF_TLS_MAX_STORES) {
        return WF_ENOMEM;
    }
    t->stores[t->store_count++] = store;
    return 0;
}

int wf_tls_add_builtin_cas(wf_tls_t *t)
{
    if (wf_ca_builtin.count == 0) {
        return 0;
    }
    int rc = wf_tls_add_ca_store(t, &wf_ca_builtin);
    return rc < 0 ? rc : (int)wf_ca_builtin.count;
}

const struct wf_tls_ca_stats *wf_tls_ca_stats(const wf_tls_t *t)
{
    return &t->ca_stats;
}

/* Parse one candidate into *list (allocated on first use), without copying
 * the DER. An entry that does not parse is counted and left out: a damaged
 * or unusable anchor is never trusted, and never stops the others. */
static int add_candidate(wf_tls_t *t, mbedtls_x509_crt **list, const unsigned char *der, size_t len)
{
    if (*list == NULL) {
        *list = mbedtls_calloc(1, sizeof **list);
        if (*list == NULL) {
            return MBEDTLS_ERR_X509_ALLOC_FAILED;
        }
        mbedtls_x509_crt_init(*list);
    }
    int ret = mbedtls_x509_crt_parse_der_nocopy(*list, der, len);
    if (ret == MBEDTLS_ERR_X509_ALLOC_FAILED) {
        return ret;
    }
    if (ret != 0) {
        t->ca_stats.unusable++;
    } else {
        t->ca_stats.parsed++;
    }
    return 0;
}

/* mbedTLS's trusted-CA callback: the anchors whose subject is the issuer of
 * `child`, from the parsed list and from every store. mbedTLS frees the list
 * after this step of the verification. */
int wf_tls_ca_lookup(void *ctx, mbedtls_x509_crt const *child, mbedtls_x509_crt **candidates)
{
    wf_tls_t *t = ctx;
    mbedtls_x509_crt *list = NULL;
    int ret = 0;
    const uint32_t start = t->options.cycle_counter != NULL ? t->options.cycle_counter() : 0;
    t->ca_stats.lookups++;
    if (!t->chain_ordered) {
        /* The first look-up of a verification is for the leaf, the head of
         * what the server sent, before mbedTLS looks at the rest: put the
         * rest in issuing order, so that mbedTLS (which looks for an issuer
         * only further down the list) finds intermediates sent out of order.
         * Only the order of untrusted certificates changes (peer_check.h). */
        t->chain_ordered = true;
        (void)wf_tls_chain_order((mbedtls_x509_crt *)child);
    }
    const unsigned char *issuer = child->issuer_raw.p;
    size_t issuer_len = child->issuer_raw.len;
    for (const mbedtls_x509_crt *c = &t->ca; ret == 0 && c != NULL && c->raw.len > 0; c = c->next) {
        if (wf_ca_name_cmp(c->subject_raw.p, c->subject_raw.len, issuer, issuer_len) == 0) {
            ret = add_candidate(t, &list, c->raw.p, c->raw.len);
        }
    }
    for (size_t s = 0; ret == 0 && s < t->store_count; s++) {
        const struct wf_ca_store *store = t->stores[s];
        size_t first;
        size_t n = wf_ca_store_find(store, issuer, issuer_len, &first);
        for (size_t i = first; ret == 0 && i < first + n; i++) {
            ret = add_candidate(t, &list, store->entries[i].der, store->entries[i].der_len);
        }
    }
    if (list != NULL && (ret != 0 || list->raw.len == 0)) {
        mbedtls_x509_crt_free(list); /* nothing usable (or out of memory) */
        mbedtls_free(list);
        list = NULL;
    }
    *candidates = list;
    if (t->options.cycle_counter != NULL) {
        t->ca_stats.cycles += t->options.cycle_counter() - start;
    }
    return ret;
}

int wf_tls_parse_pins(const char *spec, uint8_t (*out)[32], size_t max)
{
    static const char prefix[] = "sha256//";
    size_t count = 0;
    const char *p = spec;
    if (spec == NULL || *spec == '\0') {
        return WF_EINVAL;
    }
    for (;;) {
        size_t n = strcspn(p, ";");
        size_t b64_len = n - (sizeof prefix - 1);
        size_t got = 0;
        unsigned char digest[33];
        if (n <= sizeof prefix - 1 || strncmp(p, prefix, sizeof prefix - 1) != 0 || count == max ||
            b64_len != 44 ||
            mbedtls_base64_decode(digest, sizeof digest, &got, (const unsigned char *)p + sizeof prefix - 1,
                                  b64_len) != 0 ||
            got != 32) {
            return WF_EINVAL;
        }
        memcpy(out[count++], digest, 32);
        p += n;
        if (*p == '\0') {
            return (int)count;
        }
        p++; /* ';' */
    }
}

/*
 * Signature algorithms offered, in order of preference. RSA PKCS#1 v1.5 comes
 * before RSA-PSS on purpose: mbedTLS 3.6.6's TLS 1.2 client rejects an RSA-PSS
 * ServerKeyExchange signature (a regression fixed upstream after 3.6.6), and a
 * TLS 1.2 server that honours the client's order then picks PKCS#1 v1.5.
 * TLS 1.3 servers must use PSS for RSA anyway, so they still find it.
 */
static const uint16_t signature_algorithms[] = {
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256,
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA256,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA512,
    MBEDTLS_TLS1_3_SIG_NONE,
};

/* Key-exchange groups in the order offered; TLS 1.3 sends one key share, for the
 * first. X25519 first: its shared secret is libsodium's ladder
 * (x25519_sodium.h), and X25519's public key plus that ladder cost less than
 * P-256's comb key generation plus mbedTLS's P-256 shared secret (measured with
 * make profile: docs/measurements.md). A server that only takes P-256 asks for it
 * (HelloRetryRequest). */
static const uint16_t key_exchange_groups[] = {
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
    MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
#endif
#if defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED)
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
#endif
#if defined(MBEDTLS_ECP_DP_SECP384R1_ENABLED)
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1,
#endif
    MBEDTLS_SSL_IANA_TLS_GROUP_NONE,
};

static int tls_version(uint8_t v, int fallback)
{
    switch (v) {
    case WF_TLS_1_2:
        return MBEDTLS_SSL_VERSION_TLS1_2;
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
    case WF_TLS_1_3:
        return MBEDTLS_SSL_VERSION_TLS1_3;
#endif
    case 0:
        return fallback;
    default:
        return -1;
    }
}

int wf_tls_setup(wf_tls_t *t, const struct wf_tls_options *options)
{
    /* Sessions kept under other options (pins, trust, versions) are never
     * offered; a set-up that fails leaves the context unusable. */
    wf_tls_forget_sessions(t);
    memset(&t->session_stats, 0, sizeof t->session_stats);
    t->setup_done = false;
    t->options = *options;
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
    const int highest = MBEDTLS_SSL_VERSION_TLS1_3;
#else
    const int highest = MBEDTLS_SSL_VERSION_TLS1_2;
#endif
    int min = tls_version(options->min_version, MBEDTLS_SSL_VERSION_TLS1_2);
    int max = tls_version(options->max_version, highest);
    if (min < 0 || max < 0 || min > max) {
        return WF_EINVAL;
    }
#if defined(MBEDTLS_PSA_CRYPTO_C)
    if (psa_crypto_init() != PSA_SUCCESS) { /* idempotent; TLS 1.3 needs it */
        return WF_ENOENTROPY;
    }
#endif
    static const char personalization[] = "wizfetch tls";
    if (mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
                              (const unsigned char *)personalization, sizeof personalization - 1) != 0) {
        return WF_ENOENTROPY;
    }
#if defined(MBEDTLS_ENTROPY_NV_SEED)
    /* The next boot must not start from the seed this boot used; the updates
     * mbedTLS made so far stayed in RAM, this is the one write to the store. */
    if (mbedtls_entropy_update_nv_seed(&t->entropy) != 0 || wf_tls_platform_seed_commit() != 0) {
        return WF_ENOENTROPY;
    }
#endif
    if (mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        return WF_ENOMEM;
    }
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
    mbedtls_ssl_conf_min_tls_version(&t->conf, (mbedtls_ssl_protocol_version)min);
    mbedtls_ssl_conf_max_tls_version(&t->conf, (mbedtls_ssl_protocol_version)max);
    mbedtls_ssl_conf_authmode(&t->conf,
                              options->insecure ? MBEDTLS_SSL_VERIFY_NONE : MBEDTLS_SSL_VERIFY_REQUIRED);
    if (options->pin_count > WF_TLS_MAX_PINS || (options->pin_count > 0 && options->pins == NULL)) {
        return WF_EINVAL;
    }
    if (options->pin_count > 0) {
        memcpy(t->pins, options->pins, options->pin_count * sizeof t->pins[0]);
        /* With `insecure`, the chain is not judged but the pin still is:
         * verify (verify_cb computes the pin) and ignore only the chain's verdict. */
        if (options->insecure) {
            mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
        }
    }
    t->options.pins = NULL; /* copied: the caller's array need not outlive this call */
    memset(&t->ca_stats, 0, sizeof t->ca_stats);
    mbedtls_ssl_conf_ca_cb(&t->conf, wf_tls_ca_lookup, t);
    mbedtls_ssl_conf_sig_algs(&t->conf, signature_algorithms);
    mbedtls_ssl_conf_groups(&t->conf, key_exchange_groups);
    mbedtls_ssl_conf_verify(&t->conf, verify_cb, t);
    const bool keep = sessions_on(t);
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
    mbedtls_ssl_conf_session_tickets(&t->conf, keep ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED
                                                    : MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
        &t->conf, keep ? MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED
                       : MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_DISABLED);
#endif
#endif
    if (options->tls13_psk_only) {
#if defined(MBEDTLS_SSL_PROTO_TLS1_3) && defined(MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_ENABLED) &&        \
    defined(MBEDTLS_SSL_SESSION_TICKETS)
        mbedtls_ssl_conf_tls13_key_exchange_modes(&t->conf, MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_ALL);
#else
        return WF_ENOTSUP;
#endif
    }
#if defined(MBEDTLS_SSL_PROTO_TLS1_3) && defined(MBEDTLS_SSL_SESSION_TICKETS)
    else {
        /* Resumption always with a fresh (EC)DHE exchange: forward secrecy kept. */
        mbedtls_ssl_conf_tls13_key_exchange_modes(&t->conf,
                                                  MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ALL);
    }
#endif
    (void)keep;
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH)
    /* Small records (WF_TLS_SMALL_RECORDS): ask for records that fit the 4 KiB
     * input buffer; TLS 1.3 asks with record_size_limit as well (mbedTLS, the input
     * buffer's size). max_fragment_length limits both directions, and mbedTLS
     * advertises no more than its output buffer holds: 2048 on the board (2 KiB
     * output record), 4096 on the host. */
#if MBEDTLS_SSL_OUT_CONTENT_LEN >= 4096
    const unsigned char mfl = MBEDTLS_SSL_MAX_FRAG_LEN_4096;
#else
    const unsigned char mfl = MBEDTLS_SSL_MAX_FRAG_LEN_2048;
#endif
    if (mbedtls_ssl_conf_max_frag_len(&t->conf, mfl) != 0) {
        return WF_EINVAL; /* a length the build's buffers cannot take */
    }
#endif
    /* The offered suites: mbedTLS's default list, which wf_mbedtls_config.h sets
     * (MBEDTLS_SSL_CIPHERSUITES: AEAD only, also in builds with CBC for key files). */
#if defined(WF_TLS_CLIENT_CERT)
    wf_tls_client_cert_free(&t->own_cert, &t->own_key);
    if (options->client_cert != NULL || options->client_key != NULL) {
        int rc =
            wf_tls_client_cert_load(options, &t->own_cert, &t->own_key, mbedtls_ctr_drbg_random, &t->drbg);
        if (rc == 0 && mbedtls_ssl_conf_own_cert(&t->conf, t->own_cert, t->own_key) != 0) {
            wf_tls_client_cert_free(&t->own_cert, &t->own_key);
            rc = WF_ENOMEM;
        }
        if (rc < 0) {
            return rc;
        }
    }
#else
    if (options->client_cert != NULL || options->client_key != NULL) {
        return WF_ENOTSUP; /* a build without client certificates (the small profile) */
    }
#endif
    /* Parsed: the caller's key buffer and password are not kept. */
    t->options.client_key = NULL;
    t->options.client_key_len = 0;
    t->options.client_key_password = NULL;
    t->setup_done = true;
    return 0;
}

bool wf_tls_has_client_cert(const wf_tls_t *t)
{
    return t->own_cert != NULL;
}

int wf_tls_connect(wf_tls_t *t, wf_net_t *net, int fd, const char *host, uint32_t timeout_ms)
{
    return wf_tls_connect_port(t, net, fd, host, 0, timeout_ms);
}

int wf_tls_start(wf_tls_t *t, wf_net_t *net, int fd, const char *host, uint16_t port, uint32_t timeout_ms)
{
    if (!t->setup_done) {
        return WF_EINVAL;
    }
    t->net = net;
    t->fd = fd;
    t->port = port;
    t->host = host;
    t->summary[0] = '\0';
    t->verify_flags = 0;
    t->pin_matched = false;
    t->cert_seen = false;
    t->chain_ordered = false;
    t->leaf_is_ca = false;
    t->peer_unreadable = false;
    t->session_offered = false;
    t->resumed = false;
    t->transport_eof = false;
    t->dates_checked = wf_tls_platform_unix_time() >= 0;
    wf_tls_platform_set_time_floor(t->options.time_floor);
    if (!t->dates_checked && !t->options.insecure && !t->options.accept_unknown_time) {
        return WF_ETLS_CLOCK;
    }
    mbedtls_ssl_free(&t->ssl);
    mbedtls_ssl_init(&t->ssl);
    /* An IP literal is not a server name: RFC 6066 forbids it as SNI, and
     * mbedTLS 3.6 would send it. mbedTLS gets no name (its own name check is
     * off, explicitly); ours (peer_check.h) checks the iPAddress entries. */
    const size_t host_len = strlen(host);
    uint8_t ip[4];
    const bool host_is_ip = host_len < sizeof t->ip_host && wf_url_parse_ipv4(host, host_len, ip);
    t->ip_host[0] = '\0';
    if (host_is_ip) {
        memcpy(t->ip_host, host, host_len + 1);
    }
    if (mbedtls_ssl_setup(&t->ssl, &t->conf) != 0 ||
        mbedtls_ssl_set_hostname(&t->ssl, host_is_ip ? NULL : host) != 0) {
        return WF_ENOMEM;
    }
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
    if (t->options.keylog != NULL) {
        mbedtls_ssl_set_export_keys_cb(&t->ssl, export_keys, t);
    }
#if WF_TLS_SESSION_CACHE_ENTRIES > 0
    offer_session(t, host);
#endif
    start_deadline(t, timeout_ms);
    return 0;
}

/* The end of a handshake (ret: what mbedTLS said): the verdict, pins and the session cache. */
static int handshake_done(wf_tls_t *t, int ret)
{
    /* No certificate in a handshake that offered a session: the server resumed it. */
    t->resumed = ret == 0 && t->session_offered && !t->cert_seen;
    if (t->session_offered && !t->cert_seen && !t->resumed) {
        t->summary[0] = '\0'; /* failed before any certificate: the offered session's summary says nothing */
    }
    if (t->resumed) {
        t->session_stats.resumed++;
        if (t->options.pin_count > 0) {
            t->pin_matched = key_is_pinned(t); /* the key of the handshake that made the session */
        }
    }
    if (ret != 0 || (t->options.pin_count > 0 && !t->pin_matched)) {
#if WF_TLS_SESSION_CACHE_ENTRIES > 0
        wf_tls_sessions_drop(&t->sessions, t->host, t->port);
        t->session_stats.kept_bytes = wf_tls_sessions_bytes(&t->sessions);
#endif
        if (ret != 0) {
            return classify_failure(t, ret);
        }
        /* With `insecure` (VERIFY_OPTIONAL), or a resumed session whose key is
         * not pinned (pins changed): no session is used. */
        (void)mbedtls_ssl_close_notify(&t->ssl);
        return WF_ETLS_PINNED;
    }
    t->connected = true;
#if WF_TLS_SESSION_CACHE_ENTRIES > 0
    if (mbedtls_ssl_get_version_number(&t->ssl) == MBEDTLS_SSL_VERSION_TLS1_2) {
        keep_session(t, WF_TLS_SESSION_TLS12_ID); /* TLS 1.3 sessions come later, as tickets */
    }
#endif
    return 0;
}

int wf_tls_handshake_step(wf_tls_t *t)
{
    int ret;
    if (remaining_ms(t) == 0) {
        t->io_error = WF_ETIMEDOUT;
        ret = BIO_FAILED;
    } else {
        nowait_begin(t);
        ret = mbedtls_ssl_handshake_step(&t->ssl);
        t->nowait = false;
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            return WF_EAGAIN;
        }
        if (ret == 0 && !mbedtls_ssl_is_handshake_over(&t->ssl)) {
            return 1;
        }
    }
    return handshake_done(t, ret);
}

int wf_tls_connect_port(wf_tls_t *t, wf_net_t *net, int fd, const char *host, uint16_t port,
                        uint32_t timeout_ms)
{
    int rc = wf_tls_start(t, net, fd, host, port, timeout_ms);
    return rc < 0 ? rc : handshake_done(t, mbedtls_ssl_handshake(&t->ssl));
}

/* A TLS 1.3 NewSessionTicket arrived (mbedtls_ssl_read said so): keep it. */
static void ticket_arrived(wf_tls_t *t)
{
#if WF_TLS_SESSION_CACHE_ENTRIES > 0 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
    keep_session(t, WF_TLS_SESSION_TLS13_TICKET);
#else
    (void)t;
#endif
}

bool wf_tls_resumed(const wf_tls_t *t)
{
    return t->resumed;
}

bool wf_tls_session_offered(const wf_tls_t *t)
{
    return t->session_offered;
}

void wf_tls_forget_sessions(wf_tls_t *t)
{
    wf_tls_sessions_clear(&t->sessions);
    t->session_stats.kept_bytes = 0;
}

const struct wf_tls_session_stats *wf_tls_session_stats(const wf_tls_t *t)
{
    return &t->session_stats;
}

int wf_tls_write(wf_tls_t *t, const void *buf, size_t len, uint32_t timeout_ms)
{
    start_deadline(t, timeout_ms);
    const unsigned char *p = buf;
    size_t done = 0;
    while (done < len) {
        int n = mbedtls_ssl_write(&t->ssl, p + done, len - done);
        if (n == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
            ticket_arrived(t); /* a read left it half-taken: mbedtls_ssl_write finished it */
            continue;
        }
        if (n < 0) {
            return io_failure(t, n);
        }
        done += (size_t)n;
    }
    return (int)len;
}

int wf_tls_read(wf_tls_t *t, void *buf, size_t len, uint32_t timeout_ms)
{
    if (len == 0) {
        return WF_EINVAL; /* 0 is reserved for "the peer closed with close_notify" */
    }
    start_deadline(t, timeout_ms);
    for (;;) {
        int n = mbedtls_ssl_read(&t->ssl, buf, len);
        if (n > 0) {
            return n;
        }
        if (n == 0 || n == MBEDTLS_ERR_SSL_CONN_EOF) {
            /* mbedTLS returns 0 both for the transport's end and for an empty
             * application-data record (two in a row get through): only the bio
             * knows which. A bare end of stream is not an authenticated end. */
            if (t->transport_eof) {
                return WF_ETLS_TRUNCATED;
            }
            continue;
        }
        switch (n) {
        case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
            return 0;
        case MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET:
            ticket_arrived(t);
            continue;
        case MBEDTLS_ERR_SSL_WANT_READ:
            continue; /* post-handshake message consumed; no application data yet */
        default:
            return io_failure(t, n);
        }
    }
}

int wf_tls_write_nowait(wf_tls_t *t, const void *buf, size_t len)
{
    start_deadline(t, 1000); /* not waited for: the bio returns at once */
    nowait_begin(t);
    int n;
    while ((n = mbedtls_ssl_write(&t->ssl, buf, len)) == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
        ticket_arrived(t); /* as in wf_tls_write; nothing of `buf` was sent yet */
    }
    t->nowait = false;
    if (n >= 0) {
        return n;
    }
    if (n == MBEDTLS_ERR_SSL_WANT_WRITE || n == MBEDTLS_ERR_SSL_WANT_READ) {
        return WF_EAGAIN;
    }
    return io_failure(t, n);
}

int wf_tls_read_nowait(wf_tls_t *t, void *buf, size_t len)
{
    if (len == 0) {
        return WF_EINVAL;
    }
    start_deadline(t, 1000); /* not waited for: the bio returns at once */
    nowait_begin(t);
    int rc;
    for (;;) {
        int n = mbedtls_ssl_read(&t->ssl, buf, len);
        if (n > 0) {
            rc = n;
        } else if (n == 0 || n == MBEDTLS_ERR_SSL_CONN_EOF) {
            if (!t->transport_eof) {
                continue; /* an empty application-data record */
            }
            rc = WF_ETLS_TRUNCATED;
        } else if (n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            rc = 0;
        } else if (n == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
            ticket_arrived(t);
            continue;
        } else if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE) {
            rc = WF_EAGAIN;
        } else {
            rc = io_failure(t, n);
        }
        break;
    }
    t->nowait = false;
    return rc;
}

static void end_session(wf_tls_t *t)
{
    t->connected = false;
    mbedtls_ssl_free(&t->ssl);
    mbedtls_ssl_init(&t->ssl);
}

void wf_tls_disconnect(wf_tls_t *t, uint32_t timeout_ms)
{
    if (t->connected) {
        start_deadline(t, timeout_ms);
        (void)mbedtls_ssl_close_notify(&t->ssl);
    }
    end_session(t);
}

int wf_tls_close_step(wf_tls_t *t)
{
    if (t->connected) {
        start_deadline(t, 1000); /* not waited for: the bio returns at once */
        nowait_begin(t);
        int ret = mbedtls_ssl_close_notify(&t->ssl);
        t->nowait = false;
        if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            return WF_EAGAIN;
        }
    }
    end_session(t);
    return 0;
}

void wf_tls_free(wf_tls_t *t)
{
    if (t == NULL) {
        return;
    }
    wf_tls_forget_sessions(t);
    mbedtls_ssl_free(&t->ssl);
    mbedtls_ssl_config_free(&t->conf);
#if defined(WF_TLS_CLIENT_CERT)
    wf_tls_client_cert_free(&t->own_cert, &t->own_key);
#endif
    mbedtls_x509_crt_free(&t->ca);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_entropy_free(&t->entropy);
    memset(t, 0, sizeof *t);
    t->fd = -1;
}

const char *wf_tls_peer_summary(const wf_tls_t *t)
{
    return t->summary;
}

const char *wf_tls_version_name(const wf_tls_t *t)
{
    return mbedtls_ssl_get_version(&t->ssl);
}

const char *wf_tls_ciphersuite_name(const wf_tls_t *t)
{
    return mbedtls_ssl_get_ciphersuite(&t->ssl);
}

bool wf_tls_dates_checked(const wf_tls_t *t)
{
    return t->dates_checked;
}
