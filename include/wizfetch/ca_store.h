/**
 * @file ca_store.h
 * @brief Trust anchors kept as DER certificates with an index by subject name,
 * looked up during certificate verification (no parsed copy between handshakes).
 *
 * A store is a table of entries sorted by subject (wf_ca_name_cmp). On the
 * board the table and the certificates are `const` data in flash, generated at
 * build time by scripts/ca-store.py from a PEM bundle (CMake WF_CA_BUNDLE);
 * the host program builds its stores at run time from CA files
 * (apps/wizfetch/trust.c). wf_tls (tls.h) searches its stores with
 * mbedTLS's trusted-CA callback: for the top certificate of the chain, only
 * the entries whose subject equals that certificate's issuer (exact bytes of
 * the DER Name) are parsed, straight from the store
 * (mbedtls_x509_crt_parse_der_nocopy), and freed after the verification step.
 *
 * Ownership: a store only points at memory its owner keeps alive and
 * unchanged for as long as a wf_tls context uses it (flash: forever).
 */
#ifndef WIZFETCH_CA_STORE_H
#define WIZFETCH_CA_STORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One trust anchor. */
struct wf_ca_entry {
    const uint8_t *der;     /**< the whole certificate, DER */
    const uint8_t *subject; /**< its subject Name (tag, length, value), inside `der` */
    uint32_t der_len;       /**< bytes at `der` */
    uint32_t subject_len;   /**< bytes at `subject` */
};

/** A table of trust anchors sorted by subject with wf_ca_name_cmp (equal subjects adjacent). */
struct wf_ca_store {
    const struct wf_ca_entry *entries;
    size_t count;
};

/**
 * @brief Order of DER names in a store: shorter first, then bytewise
 * (memcmp). Returns <0, 0 or >0. Equal means byte-identical.
 */
int wf_ca_name_cmp(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);

/**
 * @brief The entries whose subject is byte-identical to `name` (a DER Name):
 * returns how many (0 if none; several when a CA rolled its key over and both
 * roots are present), the first at `*first`. Binary search: O(log count).
 */
size_t wf_ca_store_find(const struct wf_ca_store *store, const uint8_t *name, size_t name_len, size_t *first);

/**
 * @brief Sort entries into store order (for stores built at run time).
 */
void wf_ca_store_sort(struct wf_ca_entry *entries, size_t count);

/**
 * @brief Check the outer DER structure of a certificate (SEQUENCE of
 * tbsCertificate SEQUENCE, AlgorithmIdentifier SEQUENCE and BIT STRING,
 * filling exactly `len` bytes) and find its subject Name.
 * @return 0 with `*subject`/`*subject_len` set (pointing into `der`), or
 * WF_ETLS_CA if the DER is truncated or malformed. Does not judge algorithms
 * or contents: mbedTLS does that when the entry is used.
 */
int wf_ca_der_subject(const uint8_t *der, size_t len, const uint8_t **subject, size_t *subject_len);

/**
 * @brief The store compiled into this program (CMake WF_CA_BUNDLE, generated
 * by scripts/ca-store.py; `count` is 0 when the build embeds none).
 */
extern const struct wf_ca_store wf_ca_builtin;

#ifdef __cplusplus
}
#endif
#endif
