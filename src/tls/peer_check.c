/*
 * Checks of the server's certificate beyond mbedTLS's (see peer_check.h):
 * host name vs. IP address, the wildcard limit, CA certificates as leaves,
 * and the issuing order of what the server sent.
 */
#include "tls/peer_check.h"

#include <string.h>

#include "mbedtls/asn1.h"
#include "mbedtls/oid.h"
#include "mbedtls/x509.h"
#include "wizfetch/url.h"

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

static bool same_text(const unsigned char *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (lower(a[i]) != lower((unsigned char)b[i])) {
            return false;
        }
    }
    return true;
}

/* A dNSName (or CN) against a DNS host name. */
static bool dns_name_matches(const mbedtls_x509_buf *pattern, const char *host, size_t host_len)
{
    const unsigned char *p = pattern->p;
    size_t n = pattern->len;
    if (n == host_len && same_text(p, host, n)) {
        return true;
    }
    /* "*.rest": the host's first label, whatever it is, then exactly ".rest". */
    if (n < 3 || p[0] != '*' || p[1] != '.') {
        return false;
    }
    const char *dot = memchr(host, '.', host_len);
    if (dot == NULL || dot == host) {
        return false;
    }
    size_t rest = host_len - (size_t)(dot - host);
    if (rest != n - 1 || !same_text(p + 1, dot, rest)) {
        return false;
    }
    /* "rest" must have two labels or more: "*.test" would name a whole top-level domain. */
    return memchr(p + 2, '.', n - 2) != NULL;
}

uint32_t wf_tls_peer_name_flags(const mbedtls_x509_crt *leaf, const char *host)
{
    const size_t host_len = strlen(host);
    uint8_t ip[4];
    const bool is_ipv4 = wf_url_parse_ipv4(host, host_len, ip);
    const bool is_ip = is_ipv4 || memchr(host, ':', host_len) != NULL;
    if (mbedtls_x509_crt_has_ext_type(leaf, MBEDTLS_X509_EXT_SUBJECT_ALT_NAME)) {
        for (const mbedtls_x509_sequence *s = &leaf->subject_alt_names; s != NULL; s = s->next) {
            const int type = s->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK;
            if (is_ipv4 && type == MBEDTLS_X509_SAN_IP_ADDRESS && s->buf.len == sizeof ip &&
                memcmp(s->buf.p, ip, sizeof ip) == 0) {
                return 0;
            }
            if (!is_ip && type == MBEDTLS_X509_SAN_DNS_NAME && dns_name_matches(&s->buf, host, host_len)) {
                return 0;
            }
        }
    } else if (!is_ip) {
        for (const mbedtls_x509_name *name = &leaf->subject; name != NULL; name = name->next) {
            if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &name->oid) == 0 &&
                dns_name_matches(&name->val, host, host_len)) {
                return 0;
            }
        }
    }
    return MBEDTLS_X509_BADCERT_CN_MISMATCH;
}

bool wf_tls_cert_is_ca(const mbedtls_x509_crt *crt)
{
    /* The parsed fields themselves (mbedTLS 3.6 LTS; its accessors cost the small image flash). */
    return (mbedtls_x509_crt_has_ext_type(crt, MBEDTLS_X509_EXT_BASIC_CONSTRAINTS) &&
            crt->MBEDTLS_PRIVATE(ca_istrue) != 0) ||
           (mbedtls_x509_crt_has_ext_type(crt, MBEDTLS_X509_EXT_KEY_USAGE) &&
            (crt->MBEDTLS_PRIVATE(key_usage) & MBEDTLS_X509_KU_KEY_CERT_SIGN) != 0);
}

static bool issued_by(const mbedtls_x509_crt *child, const mbedtls_x509_crt *parent)
{
    return child->issuer_raw.len == parent->subject_raw.len && child->issuer_raw.len > 0 &&
           memcmp(child->issuer_raw.p, parent->subject_raw.p, child->issuer_raw.len) == 0;
}

bool wf_tls_chain_order(mbedtls_x509_crt *leaf)
{
    bool changed = false;
    /* `placed` is the last certificate in issuing order; its issuer is looked
     * for among those after it. Each round places one more or stops: at most
     * as many rounds as certificates. */
    for (mbedtls_x509_crt *placed = leaf; placed->next != NULL; placed = placed->next) {
        if (issued_by(placed, placed)) {
            break; /* self-issued: the path ends here */
        }
        mbedtls_x509_crt *before = placed;
        while (before->next != NULL && !issued_by(placed, before->next)) {
            before = before->next;
        }
        mbedtls_x509_crt *issuer = before->next;
        if (issuer == NULL) {
            break; /* not sent: mbedTLS looks among the trust anchors */
        }
        if (before != placed) {
            before->next = issuer->next; /* unlink, then insert right after `placed` */
            issuer->next = placed->next;
            placed->next = issuer;
            changed = true;
        }
    }
    return changed;
}
