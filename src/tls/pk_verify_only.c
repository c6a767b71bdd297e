/*
 * The small profile's public keys verify only (wf_mbedtls_config.h, "verify-only
 * public keys"): the private-key and encryption operations that mbedTLS's key-type
 * tables reference, as stubs that refuse. Nothing in the small profile calls them
 * (no client certificates, no RSA key exchange); if something did, it gets
 * MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE, never a wrong result. Empty in other profiles.
 */
#define WF_PK_VERIFY_ONLY_STUBS /* the renamed declarations, for the definitions below */
#include "mbedtls/build_info.h"

#if defined(WF_TLS_PK_VERIFY_ONLY)
#include "mbedtls/ecdsa.h"
#include "mbedtls/ecp.h"
#include "mbedtls/pk.h"
#include "mbedtls/rsa.h"

int mbedtls_rsa_pkcs1_sign(mbedtls_rsa_context *ctx, mbedtls_f_rng_t *f_rng, void *p_rng,
                           mbedtls_md_type_t md_alg, unsigned int hashlen, const unsigned char *hash,
                           unsigned char *sig)
{
    (void)ctx, (void)f_rng, (void)p_rng, (void)md_alg, (void)hashlen, (void)hash, (void)sig;
    return MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE;
}

int mbedtls_rsa_pkcs1_decrypt(mbedtls_rsa_context *ctx, mbedtls_f_rng_t *f_rng, void *p_rng, size_t *olen,
                              const unsigned char *input, unsigned char *output, size_t output_max_len)
{
    (void)ctx, (void)f_rng, (void)p_rng, (void)olen, (void)input, (void)output, (void)output_max_len;
    return MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE;
}

int mbedtls_rsa_pkcs1_encrypt(mbedtls_rsa_context *ctx, mbedtls_f_rng_t *f_rng, void *p_rng, size_t ilen,
                              const unsigned char *input, unsigned char *output)
{
    (void)ctx, (void)f_rng, (void)p_rng, (void)ilen, (void)input, (void)output;
    return MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE;
}

int mbedtls_rsa_check_pub_priv(const mbedtls_rsa_context *pub, const mbedtls_rsa_context *prv)
{
    (void)pub, (void)prv;
    return MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE;
}

int mbedtls_ecdsa_write_signature(mbedtls_ecdsa_context *ctx, mbedtls_md_type_t md_alg,
                                  const unsigned char *hash, size_t hlen, unsigned char *sig, size_t sig_size,
                                  size_t *slen, mbedtls_f_rng_t *f_rng, void *p_rng)
{
    (void)ctx, (void)md_alg, (void)hash, (void)hlen, (void)sig, (void)sig_size, (void)slen, (void)f_rng,
        (void)p_rng;
    return MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE;
}

int mbedtls_ecp_check_pub_priv(const mbedtls_ecp_keypair *pub, const mbedtls_ecp_keypair *prv,
                               mbedtls_f_rng_t *f_rng, void *p_rng)
{
    (void)pub, (void)prv, (void)f_rng, (void)p_rng;
    return MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE;
}
#endif
