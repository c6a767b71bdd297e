/*
 * Trust-anchor stores: the subject index (order, binary search, sort) and the
 * structural DER walk that finds a certificate's subject. See ca_store.h.
 */
#include "wizfetch/ca_store.h"

#include <stdlib.h>
#include <string.h>

#include "mbedtls/asn1.h"
#include "wizfetch/error.h"

int wf_ca_name_cmp(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    if (a_len != b_len) {
        return a_len < b_len ? -1 : 1;
    }
    return a_len == 0 ? 0 : memcmp(a, b, a_len);
}

static int entry_cmp(const struct wf_ca_entry *e, const uint8_t *name, size_t name_len)
{
    return wf_ca_name_cmp(e->subject, e->subject_len, name, name_len);
}

size_t wf_ca_store_find(const struct wf_ca_store *store, const uint8_t *name, size_t name_len, size_t *first)
{
    /* Lower bound: the first entry not below `name`. */
    size_t lo = 0, hi = store->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (entry_cmp(&store->entries[mid], name, name_len) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    size_t n = 0;
    while (lo + n < store->count && entry_cmp(&store->entries[lo + n], name, name_len) == 0) {
        n++;
    }
    *first = lo;
    return n;
}

static int sort_cmp(const void *a, const void *b)
{
    const struct wf_ca_entry *x = a, *y = b;
    return wf_ca_name_cmp(x->subject, x->subject_len, y->subject, y->subject_len);
}

void wf_ca_store_sort(struct wf_ca_entry *entries, size_t count)
{
    if (count > 1) {
        qsort(entries, count, sizeof *entries, sort_cmp);
    }
}

/* One TLV with tag `tag` at *p (before end): *p moves past it. */
static int skip_tlv(unsigned char **p, const unsigned char *end, int tag)
{
    size_t len;
    if (mbedtls_asn1_get_tag(p, end, &len, tag) != 0) {
        return -1;
    }
    *p += len;
    return 0;
}

int wf_ca_der_subject(const uint8_t *der, size_t len, const uint8_t **subject, size_t *subject_len)
{
    const int seq = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
    unsigned char *p = (unsigned char *)der; /* mbedtls_asn1_get_tag never writes */
    const unsigned char *end = der + len;
    size_t n;
    /* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } */
    if (len == 0 || mbedtls_asn1_get_tag(&p, end, &n, seq) != 0 || p + n != end) {
        return WF_ETLS_CA;
    }
    size_t tbs_len;
    if (mbedtls_asn1_get_tag(&p, end, &tbs_len, seq) != 0) {
        return WF_ETLS_CA;
    }
    const unsigned char *tbs_end = p + tbs_len;
    unsigned char *q = p;
    p += tbs_len;
    if (skip_tlv(&p, end, seq) != 0 || skip_tlv(&p, end, MBEDTLS_ASN1_BIT_STRING) != 0 || p != end) {
        return WF_ETLS_CA;
    }
    /* tbsCertificate: [0] version (optional), serial, signature, issuer, validity, subject, ... */
    if (q < tbs_end && *q == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0)) {
        if (skip_tlv(&q, tbs_end, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0) != 0) {
            return WF_ETLS_CA;
        }
    }
    if (skip_tlv(&q, tbs_end, MBEDTLS_ASN1_INTEGER) != 0 || skip_tlv(&q, tbs_end, seq) != 0 ||
        skip_tlv(&q, tbs_end, seq) != 0 || skip_tlv(&q, tbs_end, seq) != 0) {
        return WF_ETLS_CA;
    }
    const unsigned char *start = q;
    if (skip_tlv(&q, tbs_end, seq) != 0) {
        return WF_ETLS_CA;
    }
    *subject = start;
    *subject_len = (size_t)(q - start);
    return 0;
}
