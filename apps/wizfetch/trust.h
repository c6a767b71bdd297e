/**
 * @file trust.h
 * @brief wizfetch's trust anchors from files: PEM bundles and directories read
 * into a store (ca_store.h) in the program's own memory (malloc), not in the
 * mbedTLS pool, so a 144-root system bundle costs the TLS heap nothing until a
 * handshake looks a root up. Where they come from, in curl's order, is
 * decided by the caller (main.c); wf_trust_default_file() gives the
 * environment and system choices.
 *
 * Loading is strict about damage and lenient about algorithms: a certificate
 * with a key type, curve or signature algorithm this build's mbedTLS leaves
 * out (or an RSA key under 2048 bits, which verification would refuse), or
 * with a critical extension mbedTLS cannot process (RFC 5280: such a
 * certificate must not be used; stock mbedTLS and the board's store skip it
 * too), is skipped and counted; a damaged file (bad base64, truncated or
 * malformed DER, a field mbedTLS finds malformed: the message says which, no
 * certificate at all) is rejected whole, so corruption never silently
 * means trusting less. A file or directory of which nothing is usable is
 * refused too. Certificates already loaded (the same DER) are counted
 * once.
 */
#ifndef WF_APPS_WIZFETCH_TRUST_H
#define WF_APPS_WIZFETCH_TRUST_H

#include <stddef.h>

#include "wizfetch/ca_store.h"

/** The anchors loaded so far; `store` is valid (sorted) after wf_trust_finish. */
struct wf_trust {
    struct wf_ca_store store;
    struct wf_ca_entry *entries; /**< owned: each entry's `der` is a malloc'd copy */
    size_t count, cap;
};

/** What one file or directory gave. */
struct wf_trust_report {
    size_t added;       /**< usable certificates added */
    size_t skipped;     /**< well-formed but unusable by this build (algorithm, key size) */
    size_t skipped_ext; /**< well-formed but with a critical extension mbedTLS cannot process */
    size_t duplicates;  /**< already loaded */
    char why[512];      /**< on failure: the reason, for "could not load ...: FILE (why)" */
};

void wf_trust_init(struct wf_trust *t);

/**
 * @brief Load a PEM file. Returns 0 (`r->added` >= 1), or WF_ETLS_CA with
 * `r->why` set: unreadable, no PEM certificate, a damaged certificate (the
 * whole file is then rejected: nothing of it is added), or no usable one.
 * mbedTLS must be bound to its heap (wf_tls_platform_init): certificates are
 * parsed there briefly to judge them.
 */
int wf_trust_add_file(struct wf_trust *t, const char *path, struct wf_trust_report *r);

/**
 * @brief Load every regular file of `dir` that holds a PEM certificate
 * (OpenSSL's hash links and the files they point to are read once; files
 * without a certificate, such as CRLs, are ignored). Same rules as a file,
 * summed over the directory: a damaged file fails it, and it must give at
 * least one usable certificate.
 */
int wf_trust_add_dir(struct wf_trust *t, const char *dir, struct wf_trust_report *r);

/**
 * @brief The skipped counts of `r` as text for messages, "N skipped:
 * unsupported algorithm", plus "; M skipped: unsupported critical extension"
 * when there are such. Truncated to `cap` (NUL-terminated).
 * @return the length it wanted (snprintf's).
 */
size_t wf_trust_skipped_text(const struct wf_trust_report *r, char *out, size_t cap);

/** @brief Sort the store (call after the last add; adding again is allowed). */
const struct wf_ca_store *wf_trust_finish(struct wf_trust *t);

void wf_trust_free(struct wf_trust *t);

/**
 * @brief The bundle to use without --cacert/--capath, as curl chooses it:
 * $CURL_CA_BUNDLE, else $SSL_CERT_FILE (non-empty values, used as given even
 * if missing: then loading fails, exit 77), else the first existing system
 * bundle of the usual locations (Debian/Ubuntu, Fedora/RHEL, openSUSE,
 * Alpine, ...). NULL: none (the compiled-in store is next). `*from` names
 * the choice ("CURL_CA_BUNDLE", "SSL_CERT_FILE" or "system").
 */
const char *wf_trust_default_file(const char **from);

#endif
