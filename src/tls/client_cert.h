/*
 * The client's own certificate and key (mutual TLS): parsed and checked for
 * wf_tls_setup (see struct wf_tls_options in include/wizfetch/tls.h).
 * Internal to wizfetch_tls.
 */
#ifndef WF_TLS_CLIENT_CERT_H
#define WF_TLS_CLIENT_CERT_H

#include <stddef.h>

#include "mbedtls/pk.h"
#include "mbedtls/x509_crt.h"

struct wf_tls_options;

/*
 * Parse options->client_cert (PEM, or DER certificates one after another,
 * parsed in place) and options->client_key (decrypted with
 * options->client_key_password), refuse key types and sizes wizfetch does
 * not sign with (RSA under 2048 bits, EC keys that cannot do ECDSA) and a key
 * that is not the certificate's. On success *crt and *key are allocated on the
 * mbedTLS heap (free with wf_tls_client_cert_free); on failure both stay NULL.
 * Returns 0 or WF_ETLS_CLIENT_CERT, WF_ETLS_CLIENT_KEY, WF_ETLS_KEY_ENCRYPTED,
 * WF_ETLS_KEY_PASSWORD, WF_ETLS_KEY_TYPE, WF_ETLS_KEY_MISMATCH,
 * WF_ENOMEM. `f_rng`/`p_rng`: the context's DRBG (key parsing and the pair
 * check use random blinding).
 */
int wf_tls_client_cert_load(const struct wf_tls_options *options, mbedtls_x509_crt **crt,
                            mbedtls_pk_context **key, int (*f_rng)(void *, unsigned char *, size_t),
                            void *p_rng);

/* Free what wf_tls_client_cert_load allocated (NULL pointers are fine); sets both to NULL. */
void wf_tls_client_cert_free(mbedtls_x509_crt **crt, mbedtls_pk_context **key);

#endif
