/*
 * The client's own certificate chain and private key for mutual TLS: parsing,
 * the key policy (ECDSA, or RSA of 2048 bits or more) and the key/certificate
 * pair check. The key is parsed into the mbedTLS heap, which mbedTLS wipes
 * when it frees it.
 */
#include "tls/client_cert.h"

#include <string.h>

#include "mbedtls/asn1.h"
#include "mbedtls/platform.h"
#include "wizfetch/error.h"
#include "wizfetch/tls.h"

#if defined(WF_TLS_CLIENT_CERT)

#define WF_RSA_MIN_BITS 2048

/* mbedTLS parses PEM only from NUL-terminated text, the NUL counted. */
static bool is_pem(const unsigned char *buf, size_t len)
{
    return len > 0 && buf[len - 1] == '\0' && strstr((const char *)buf, "-----BEGIN ") != NULL;
}

/* DER certificates one after another (e.g. the provisioned area), parsed in place. */
static int parse_der_chain(mbedtls_x509_crt *crt, const unsigned char *buf, size_t len)
{
    const unsigned char *p = buf;
    const unsigned char *const end = buf + len;
    while (p < end) {
        unsigned char *body = (unsigned char *)p;
        size_t body_len;
        if (mbedtls_asn1_get_tag(&body, end, &body_len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) !=
            0) {
            return WF_ETLS_CLIENT_CERT;
        }
        size_t whole = (size_t)(body - p) + body_len;
        int ret = mbedtls_x509_crt_parse_der_nocopy(crt, p, whole);
        if (ret != 0) {
            return ret == MBEDTLS_ERR_X509_ALLOC_FAILED ? WF_ENOMEM : WF_ETLS_CLIENT_CERT;
        }
        p += whole;
    }
    return 0;
}

static int parse_chain(mbedtls_x509_crt *crt, const unsigned char *buf, size_t len)
{
    int rc;
    if (is_pem(buf, len)) {
        /* Strict, like the CA files: one damaged certificate refuses the file.
         * Other PEM blocks (a key in the same file, as curl allows) are skipped. */
        int ret = mbedtls_x509_crt_parse(crt, buf, len);
        rc = ret == MBEDTLS_ERR_X509_ALLOC_FAILED ? WF_ENOMEM : ret != 0 ? WF_ETLS_CLIENT_CERT : 0;
    } else {
        rc = parse_der_chain(crt, buf, len);
    }
    return rc == 0 && crt->raw.len == 0 ? WF_ETLS_CLIENT_CERT : rc;
}

static int parse_key(mbedtls_pk_context *key, const struct wf_tls_options *o,
                     int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    const char *pwd = o->client_key_password;
    int ret = mbedtls_pk_parse_key(key, o->client_key, o->client_key_len, (const unsigned char *)pwd,
                                   pwd != NULL ? strlen(pwd) : 0, f_rng, p_rng);
    switch (ret) {
    case 0:
        break;
    case MBEDTLS_ERR_PK_PASSWORD_REQUIRED:
        return WF_ETLS_KEY_ENCRYPTED;
    case MBEDTLS_ERR_PK_PASSWORD_MISMATCH:
        return WF_ETLS_KEY_PASSWORD;
    case MBEDTLS_ERR_PK_ALLOC_FAILED:
        return WF_ENOMEM;
    case MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE:
    case MBEDTLS_ERR_PK_UNKNOWN_PK_ALG:
        return WF_ETLS_KEY_TYPE;
    default:
        return WF_ETLS_CLIENT_KEY;
    }
    /* What TLS can sign with, and strong enough. */
    if (mbedtls_pk_get_type(key) == MBEDTLS_PK_RSA) {
        return mbedtls_pk_get_bitlen(key) >= WF_RSA_MIN_BITS ? 0 : WF_ETLS_KEY_TYPE;
    }
    return mbedtls_pk_can_do(key, MBEDTLS_PK_ECDSA) ? 0 : WF_ETLS_KEY_TYPE;
}

void wf_tls_client_cert_free(mbedtls_x509_crt **crt, mbedtls_pk_context **key)
{
    if (*crt != NULL) {
        mbedtls_x509_crt_free(*crt);
        mbedtls_free(*crt);
        *crt = NULL;
    }
    if (*key != NULL) {
        mbedtls_pk_free(*key); /* wipes the key material */
        mbedtls_free(*key);
        *key = NULL;
    }
}

int wf_tls_client_cert_load(const struct wf_tls_options *options, mbedtls_x509_crt **crt,
                            mbedtls_pk_context **key, int (*f_rng)(void *, unsigned char *, size_t),
                            void *p_rng)
{
    *crt = NULL;
    *key = NULL;
    if (options->client_cert == NULL || options->client_cert_len == 0) {
        return WF_ETLS_CLIENT_CERT;
    }
    if (options->client_key == NULL || options->client_key_len == 0) {
        return WF_ETLS_CLIENT_KEY;
    }
    *crt = mbedtls_calloc(1, sizeof **crt);
    *key = mbedtls_calloc(1, sizeof **key);
    if (*crt == NULL || *key == NULL) {
        mbedtls_free(*crt);
        mbedtls_free(*key);
        *crt = NULL;
        *key = NULL;
        return WF_ENOMEM;
    }
    mbedtls_x509_crt_init(*crt);
    mbedtls_pk_init(*key);
    int rc = parse_chain(*crt, options->client_cert, options->client_cert_len);
    if (rc == 0) {
        rc = parse_key(*key, options, f_rng, p_rng);
    }
    if (rc == 0 && mbedtls_pk_check_pair(&(*crt)->pk, *key, f_rng, p_rng) != 0) {
        rc = WF_ETLS_KEY_MISMATCH;
    }
    if (rc != 0) {
        wf_tls_client_cert_free(crt, key);
    }
    return rc;
}

#endif /* WF_TLS_CLIENT_CERT */
