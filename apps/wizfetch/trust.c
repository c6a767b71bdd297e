/*
 * wizfetch's trust anchors from PEM files and directories (see trust.h).
 */
#include "trust.h"

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mbedtls/pem.h"
#include "mbedtls/pk.h"
#include "mbedtls/x509.h"
#include "mbedtls/x509_crt.h"
#include "host_app.h"
#include "wizfetch/error.h"

#define MAX_FILE_BYTES (16u << 20) /* no CA bundle is this large */

void wf_trust_init(struct wf_trust *t)
{
    memset(t, 0, sizeof *t);
}

void wf_trust_free(struct wf_trust *t)
{
    for (size_t i = 0; i < t->count; i++) {
        free((void *)t->entries[i].der);
    }
    free(t->entries);
    memset(t, 0, sizeof *t);
}

static int fail(struct wf_trust_report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
    return WF_ETLS_CA;
}

/* Called by mbedTLS for each extension it has no parser for: a critical one
 * makes the certificate unusable (RFC 5280 4.2), which is not damage. */
static int unknown_extension(void *ctx, const mbedtls_x509_crt *crt, const mbedtls_x509_buf *oid,
                             int critical, const unsigned char *p, const unsigned char *end)
{
    (void)crt, (void)oid, (void)p, (void)end;
    if (critical) {
        *(bool *)ctx = true;
        return MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE;
    }
    return 0; /* ignored, as mbedTLS does */
}

/* What is wrong with a certificate whose DER is well formed, from mbedTLS's
 * error code (its high-level part; low-level causes are added to it). */
static const char *damage(int ret)
{
    switch (-((-ret) & 0xFF80)) {
    case MBEDTLS_ERR_X509_INVALID_FORMAT:
        return "malformed certificate fields";
    case MBEDTLS_ERR_X509_INVALID_VERSION:
    case MBEDTLS_ERR_X509_UNKNOWN_VERSION:
        return "bad version";
    case MBEDTLS_ERR_X509_INVALID_SERIAL:
        return "bad serial number";
    case MBEDTLS_ERR_X509_INVALID_ALG:
        return "bad algorithm identifier";
    case MBEDTLS_ERR_X509_INVALID_NAME:
        return "bad issuer or subject name";
    case MBEDTLS_ERR_X509_INVALID_DATE:
        return "bad validity dates";
    case MBEDTLS_ERR_X509_INVALID_SIGNATURE:
        return "bad signature field";
    case MBEDTLS_ERR_X509_INVALID_EXTENSIONS:
        return "malformed extension";
    case MBEDTLS_ERR_X509_SIG_MISMATCH:
        return "the two signature algorithm fields differ";
    case MBEDTLS_ERR_PK_KEY_INVALID_FORMAT:
    case MBEDTLS_ERR_PK_INVALID_PUBKEY:
    case MBEDTLS_ERR_PK_INVALID_ALG:
        return "bad public key";
    default:
        return "refused by the X.509 parser";
    }
}

enum verdict { USABLE, SKIP_ALGORITHM, SKIP_EXTENSION, DAMAGED };

/* mbedTLS's verdict on a structurally sound certificate; *why says what is
 * damaged. Skipped: well formed but outside this build (algorithm, curve, key
 * size), or with a critical extension mbedTLS cannot process. */
static enum verdict judge(const uint8_t *der, size_t len, const char **why)
{
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    bool critical_unknown = false;
    int ret = mbedtls_x509_crt_parse_der_with_ext_cb(&crt, der, len, 0, unknown_extension, &critical_unknown);
    enum verdict verdict = USABLE;
    if (ret == 0) {
        /* mbedtls_x509_crt_profile_default refuses RSA keys under 2048 bits. */
        if (mbedtls_pk_get_type(&crt.pk) == MBEDTLS_PK_RSA && mbedtls_pk_get_bitlen(&crt.pk) < 2048) {
            verdict = SKIP_ALGORITHM;
        }
    } else if (critical_unknown) {
        verdict = SKIP_EXTENSION;
    } else {
        switch (-((-ret) & 0xFF80)) {
        case MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE: /* a critical extension mbedTLS knows but does not process
                                                    */
            verdict = SKIP_EXTENSION;
            break;
        case MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG:
        case MBEDTLS_ERR_PK_UNKNOWN_PK_ALG:
        case MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE:
        case MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE:
            verdict = SKIP_ALGORITHM;
            break;
        default:
            verdict = DAMAGED;
            *why = damage(ret);
            break;
        }
    }
    mbedtls_x509_crt_free(&crt);
    return verdict;
}

static bool already_loaded(const struct wf_trust *t, size_t upto, const uint8_t *der, size_t len)
{
    for (size_t i = 0; i < upto; i++) {
        if (t->entries[i].der_len == len && memcmp(t->entries[i].der, der, len) == 0) {
            return true;
        }
    }
    return false;
}

static bool append(struct wf_trust *t, const uint8_t *der, size_t len)
{
    const uint8_t *subject;
    size_t subject_len;
    if (wf_ca_der_subject(der, len, &subject, &subject_len) != 0) {
        return false;
    }
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct wf_ca_entry *grown = realloc(t->entries, cap * sizeof *grown);
        if (grown == NULL) {
            return false;
        }
        t->entries = grown;
        t->cap = cap;
    }
    uint8_t *copy = malloc(len);
    if (copy == NULL) {
        return false;
    }
    memcpy(copy, der, len);
    t->entries[t->count++] = (struct wf_ca_entry){
        .der = copy,
        .subject = copy + (subject - der),
        .der_len = (uint32_t)len,
        .subject_len = (uint32_t)subject_len,
    };
    return true;
}

/* Every certificate of one PEM text; all or nothing. */
static int add_pem(struct wf_trust *t, const char *text, struct wf_trust_report *r)
{
    const size_t start = t->count; /* rolled back to on failure */
    size_t added = 0, skipped = 0, skipped_ext = 0, dups = 0, index = 0;
    const unsigned char *p = (const unsigned char *)text;
    int rc = 0;
    for (;;) {
        mbedtls_pem_context pem;
        mbedtls_pem_init(&pem);
        size_t used = 0;
        int ret = mbedtls_pem_read_buffer(&pem, "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----", p,
                                          NULL, 0, &used);
        if (ret == MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT) {
            mbedtls_pem_free(&pem);
            break;
        }
        index++;
        if (ret != 0) {
            mbedtls_pem_free(&pem);
            rc = fail(r, "certificate %zu is damaged: %s", index,
                      ret == MBEDTLS_ERR_PEM_ALLOC_FAILED ? "out of memory" : "bad PEM/base64");
            break;
        }
        size_t len;
        const unsigned char *der = mbedtls_pem_get_buffer(&pem, &len);
        const uint8_t *subject;
        size_t subject_len;
        const char *why = "truncated or malformed DER";
        enum verdict verdict =
            wf_ca_der_subject(der, len, &subject, &subject_len) == 0 ? judge(der, len, &why) : DAMAGED;
        if (verdict == DAMAGED) {
            rc = fail(r, "certificate %zu is damaged: %s", index, why);
        } else if (verdict == SKIP_ALGORITHM) {
            skipped++;
        } else if (verdict == SKIP_EXTENSION) {
            skipped_ext++;
        } else if (already_loaded(t, t->count, der, len)) {
            dups++;
        } else if (!append(t, der, len)) {
            rc = fail(r, "out of memory");
        } else {
            added++;
        }
        mbedtls_pem_free(&pem);
        if (rc != 0) {
            break;
        }
        p += used;
    }
    if (rc == 0 && index == 0) {
        rc = fail(r, "no PEM certificate in it");
    }
    if (rc != 0) {
        while (t->count > start) {
            free((void *)t->entries[--t->count].der);
        }
        return rc;
    }
    r->added += added;
    r->skipped += skipped;
    r->skipped_ext += skipped_ext;
    r->duplicates += dups;
    return 0;
}

size_t wf_trust_skipped_text(const struct wf_trust_report *r, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%zu skipped: unsupported algorithm", r->skipped);
    if (n >= 0 && (size_t)n < cap && r->skipped_ext > 0) {
        n += snprintf(out + n, cap - (size_t)n, "; %zu skipped: unsupported critical extension",
                      r->skipped_ext);
    }
    return n < 0 ? 0 : (size_t)n;
}

/* The file or directory gave nothing usable (still an error: curl's 77). */
static int no_usable(struct wf_trust_report *r)
{
    char skipped[128];
    (void)wf_trust_skipped_text(r, skipped, sizeof skipped);
    return fail(r, "no usable CA certificate in it (%s)", skipped);
}

int wf_trust_add_file(struct wf_trust *t, const char *path, struct wf_trust_report *r)
{
    memset(r, 0, sizeof *r);
    char *text = wf_app_read_text(path, MAX_FILE_BYTES);
    if (text == NULL) {
        return fail(r, "cannot read the file");
    }
    int rc = add_pem(t, text, r);
    free(text);
    if (rc == 0 && r->added + r->duplicates == 0) {
        return no_usable(r);
    }
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int wf_trust_add_dir(struct wf_trust *t, const char *dir, struct wf_trust_report *r)
{
    memset(r, 0, sizeof *r);
    DIR *d = opendir(dir);
    if (d == NULL) {
        return fail(r, "cannot read the directory");
    }
    /* The real paths of the regular files, sorted and without repeats: hash
     * links, the links they point to and the files themselves are one file. */
    char **files = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char path[PATH_MAX];
        char real[PATH_MAX];
        struct stat st;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
            realpath(path, real) == NULL || stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
            continue; /* dangling link, directory, ... */
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(files, cap * sizeof *grown);
            if (grown == NULL) {
                rc = fail(r, "out of memory");
                break;
            }
            files = grown;
        }
        if ((files[n] = strdup(real)) == NULL) {
            rc = fail(r, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    if (n > 1) {
        qsort(files, n, sizeof *files, cmp_str);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i > 0 && strcmp(files[i], files[i - 1]) == 0) {
            continue;
        }
        char *text = wf_app_read_text(files[i], MAX_FILE_BYTES);
        if (text == NULL) {
            rc = fail(r, "%s: cannot read the file", files[i]);
        } else if (strstr(text, "-----BEGIN CERTIFICATE-----") != NULL) {
            struct wf_trust_report one = {0};
            rc = add_pem(t, text, &one);
            if (rc != 0) {
                snprintf(r->why, sizeof r->why, "%.300s: %.200s", files[i], one.why);
            }
            r->added += one.added;
            r->skipped += one.skipped;
            r->skipped_ext += one.skipped_ext;
            r->duplicates += one.duplicates;
        }
        free(text);
    }
    for (size_t i = 0; i < n; i++) {
        free(files[i]);
    }
    free(files);
    if (rc == 0 && r->added + r->duplicates == 0) {
        return no_usable(r);
    }
    return rc;
}

const struct wf_ca_store *wf_trust_finish(struct wf_trust *t)
{
    wf_ca_store_sort(t->entries, t->count);
    t->store.entries = t->entries;
    t->store.count = t->count;
    return &t->store;
}

const char *wf_trust_default_file(const char **from)
{
    static const char *const env[] = {"CURL_CA_BUNDLE", "SSL_CERT_FILE"};
    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++) {
        const char *v = getenv(env[i]);
        if (v != NULL && *v != '\0') {
            *from = env[i];
            return v;
        }
    }
    /* Where distributions keep the bundle (curl's and Go's lists). */
    static const char *const system[] = {
        "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Gentoo, Arch, Alpine */
        "/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, RHEL 6 */
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* CentOS, RHEL 7+ */
        "/etc/ssl/ca-bundle.pem",                            /* openSUSE */
        "/etc/pki/tls/cacert.pem",                           /* OpenELEC */
        "/etc/ssl/cert.pem",                                 /* Alpine, macOS, BSDs */
        "/usr/local/share/certs/ca-root-nss.crt",            /* FreeBSD */
    };
    for (size_t i = 0; i < sizeof system / sizeof system[0]; i++) {
        struct stat st;
        if (stat(system[i], &st) == 0 && S_ISREG(st.st_mode)) {
            *from = "system";
            return system[i];
        }
    }
    *from = NULL;
    return NULL;
}
