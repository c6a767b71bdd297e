/**
 * @file wf_mbedtls_config.h
 * @brief The one mbedTLS configuration of wizfetch (host and Cortex-M4).
 *
 * A TLS client only, verifying X.509 server certificates against PEM trust
 * anchors. No server side, no RSA key exchange, no CBC, no renegotiation, no
 * file system, no platform entropy (wizfetch feeds its port's entropy source
 * through mbedtls_hardware_poll). Memory comes from a static pool
 * (memory_buffer_alloc) whose peak is reported.
 *
 * Profiles (define one before this header, e.g. with -D; default: full):
 *   full (default)        TLS 1.2 + 1.3; ECDHE on X25519 (libsodium's ladder:
 *                         x25519_sodium.h), P-256, P-384;
 *                         AES-GCM (128/256) and ChaCha20-Poly1305; RSA
 *                         (PKCS#1 v1.5 + PSS) and ECDSA certificates; SHA-2.
 *   WF_TLS_PROFILE_SMALL  TLS 1.2 only; ECDHE on P-256 only; AES-128-GCM only;
 *                         RSA (PKCS#1 v1.5) and ECDSA certificates signed with
 *                         SHA-256; no client certificates. For the smallest
 *                         firmware image.
 * Options:
 *   WF_TLS_SMALL_RECORDS  a 4 KiB input record instead of 16 KiB, negotiated with
 *                         max_fragment_length / record_size_limit (see Records).
 *   WF_TLS_NV_SEED        the entropy pool also draws from a seed kept in
 *                         non-volatile memory and rewritten at every
 *                         wf_tls_setup, once (firmware: two flash sectors).
 *   WF_TLS_KEY_DECRYPT    client keys may be encrypted (PKCS#8 with PBES2:
 *                         PBKDF2 + AES-CBC, what `openssl genpkey -aes-256-cbc`
 *                         writes). The host's builds (CMake option, on unless
 *                         cross-compiling); the firmware takes its device key
 *                         unencrypted from flash and leaves AES decryption out.
 *                         CBC here is for the key file only: tls.c offers no
 *                         CBC cipher suite.
 *   WF_TLS_CONTEXTS       TLS contexts in use at once (default 1): sizes the
 *                         PSA key slots (full profile).
 */
#ifndef WF_MBEDTLS_CONFIG_H
#define WF_MBEDTLS_CONFIG_H

/* ---- platform ---------------------------------------------------------- */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_MEMORY_DEBUG            /* peak usage: mbedtls_memory_buffer_alloc_max_get */
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE 8 /* headers hold size_t and pointers (8 bytes on 64-bit hosts) */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_TIME_ALT    /* wall clock from the port (may be unknown) */
#define MBEDTLS_PLATFORM_MS_TIME_ALT /* monotonic ms from the port */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT  /* the port's entropy source */
#define MBEDTLS_PLATFORM_GMTIME_R_ALT /* ours: newlib's gmtime drags in assert and stdio */
/* mbedTLS only prints through this for diagnostics (heap debug); a board has
 * no stdio to print to, and stdio costs several KiB of flash. */
#define MBEDTLS_PLATFORM_FPRINTF_MACRO wf_mbedtls_fprintf_discard
int wf_mbedtls_fprintf_discard(void *stream, const char *format, ...);
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_DEPRECATED_REMOVED
#if defined(WF_TLS_NV_SEED)
#define MBEDTLS_ENTROPY_NV_SEED
#define MBEDTLS_PLATFORM_NV_SEED_ALT /* read/write functions set at run time */
#endif

/* ---- random numbers ------------------------------------------------------ */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
/* Each entropy context (ours, and PSA's in the full profile) has a table of this
 * many sources, 20 bytes each. mbedtls_entropy_init adds two here (the port's
 * source through mbedtls_hardware_poll, and the NV seed); wizfetch adds none.
 * One spare. (mbedTLS's default, 20, costs 680 B of static RAM more.) */
#define MBEDTLS_ENTROPY_MAX_SOURCES 3

/* ---- symmetric crypto and hashes ---------------------------------------- */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#if defined(WF_TLS_KEY_DECRYPT)
#define MBEDTLS_PKCS5_C /* PBES2 (PBKDF2 + AES-CBC) encrypted PKCS#8 keys */
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_CIPHER_PADDING_PKCS7
#else
#define MBEDTLS_BLOCK_CIPHER_NO_DECRYPT /* GCM only ever runs AES forwards */
#endif
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#if !defined(WF_TLS_PROFILE_SMALL)
#define MBEDTLS_SHA224_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C
/* SHA-1 only so that roots whose (never checked) self-signature is SHA-1 can be
 * parsed: about a fifth of the public roots (e.g. DigiCert Global Root CA).
 * Verification never accepts a SHA-1 signature: the X.509 profile in use
 * (mbedtls_x509_crt_profile_default) allows SHA-256/384/512 only, the offered
 * signature_algorithms (tls.c) list no SHA-1, and there are no CBC suites
 * that could use HMAC-SHA1. The small profile leaves it out (those roots are
 * then skipped). scripts/ca-store.py's algorithm lists mirror this file.
 * A board build whose store has no such root defines WF_TLS_NO_SHA1
 * (CMakeLists.txt asks ca-store.py): 3.7 KiB of flash less. */
#if !defined(WF_TLS_NO_SHA1)
#define MBEDTLS_SHA1_C
#endif
#else
#define MBEDTLS_AES_ONLY_128_BIT_KEY_LENGTH
#define MBEDTLS_SHA256_SMALLER
#endif

/* ---- public key --------------------------------------------------------- */
#define MBEDTLS_BIGNUM_C
/* Largest number, bytes: RSA-4096 (many roots, e.g. ISRG Root X1). It also sizes
 * signature buffers on the stack (MBEDTLS_PK_SIGNATURE_MAX_SIZE); the default
 * (1024, RSA-8192) has no use in a client talking to public servers. */
#define MBEDTLS_MPI_MAX_SIZE 512
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#if !defined(WF_TLS_PROFILE_SMALL)
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT /* TLS 1.3 servers with RSA keys sign with RSA-PSS */
/* X25519 by libsodium's ladder (src/tls/x25519_sodium.h says why these two
 * hooks): the key share's public key through a PSA transparent driver, the shared
 * secret through the ECDH _ALT (every other curve's as before). The _ALT cannot be
 * combined with MBEDTLS_ECP_RESTARTABLE (check_config.h). */
#define WF_X25519_SODIUM_DRIVER
#define MBEDTLS_ECDH_COMPUTE_SHARED_ALT
#endif

/* ---- X.509 --------------------------------------------------------------- */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_REMOVE_INFO /* wizfetch prints its own certificate summary */
/* Trust anchors are looked up during verification (src/tls/ca_store.c): only
 * the roots whose subject matches are parsed, from where they are stored (flash
 * on the board), and freed after the handshake. */
#define MBEDTLS_X509_TRUSTED_CERTIFICATE_CALLBACK

/* ---- TLS ------------------------------------------------------------------ */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#if !defined(WF_TLS_PROFILE_SMALL)
/* Alerts for every error (the small profile sends only the mandatory ones). */
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
/* PSA crypto is required by TLS 1.3. */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_USE_PSA_CRYPTO
/* PSA may otherwise copy every input and output buffer (a defence for crypto
 * services shared across isolation boundaries): two extra 16 KiB record copies
 * on the heap. Here caller and crypto are one program. */
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS
/* PSA key slots, static RAM (default 32, about 40 B each), shared by every TLS
 * context of the program. A handshake holds at most the ephemeral key share, a
 * peer key being verified, a MAC key, and the record keys of two transforms
 * (handshake and application, two each) at once; a client certificate's key
 * adds one: 8 per context. Contexts in use at once (transfers at once, fetch.h):
 * WF_TLS_CONTEXTS, 1 on the board (CMake WF_TLS_CONTEXTS; the host's builds 8,
 * WF_FETCH_MAX_TRANSFERS). With too few slots a handshake at once with
 * another fails (MBEDTLS_ERR_SSL_ALLOC_FAILED: WF_ENOMEM, or WF_ETLS_HANDSHAKE
 * where mbedTLS reports the PSA error as a generic one). */
#ifndef WF_TLS_CONTEXTS
#define WF_TLS_CONTEXTS 1
#endif
#define MBEDTLS_PSA_KEY_SLOT_COUNT (8 * WF_TLS_CONTEXTS)
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE /* required by TLS 1.3 in 3.6 */
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
/* Session resumption (tls.h): TLS 1.2 tickets (RFC 5077) and TLS 1.3 tickets,
 * resumed with a fresh (EC)DHE exchange (psk_dhe_ke) or, only when the caller
 * asks for it (tls13_psk_only), with the ticket's key alone (psk_ke). TLS 1.2
 * session IDs need no option. */
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_ENABLED
#endif

/* ---- offered cipher suites (footprint) -------------------------------------
 * The AEAD suites this configuration can run, in mbedTLS's own order of
 * preference (ssl_ciphersuites.c), named once here: without this list mbedTLS
 * keeps a table of every suite it knows (about 190 IDs, 744 B of flash) and
 * filters it at run time into a static copy. CBC suites are never offered (the
 * host's CBC is for encrypted key files only). A suite added to the build must
 * be added here too. */
#if defined(WF_TLS_PROFILE_SMALL)
#define MBEDTLS_SSL_CIPHERSUITES                                                                             \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
#else
#define MBEDTLS_SSL_CIPHERSUITES                                                                             \
    MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256, MBEDTLS_TLS1_3_AES_256_GCM_SHA384,                              \
        MBEDTLS_TLS1_3_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,              \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,                                               \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,      \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
#endif

/* ---- verify-only public keys (footprint; small profile) ---------------------
 * The small profile has no client certificates, so it never signs, decrypts,
 * encrypts with RSA (no RSA key exchange) or checks a key pair: it only verifies
 * the server's signatures. mbedTLS's key-type tables (pk_wrap.c) still point at
 * those operations, which keeps them linked (RSA private-key arithmetic, ECDSA
 * signing: about 3 KiB of flash). In pk_wrap.c alone (the build defines
 * WF_MBEDTLS_PK_WRAP_C for that one file) the six entry points are renamed to
 * stubs (src/tls/pk_verify_only.c) that fail with MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE;
 * every other caller, and verification, is untouched. */
#if defined(WF_TLS_PROFILE_SMALL) && (defined(WF_MBEDTLS_PK_WRAP_C) || defined(WF_PK_VERIFY_ONLY_STUBS))
#define WF_TLS_PK_VERIFY_ONLY
#define mbedtls_rsa_pkcs1_sign wf_pk_unavailable_rsa_pkcs1_sign
#define mbedtls_rsa_pkcs1_decrypt wf_pk_unavailable_rsa_pkcs1_decrypt
#define mbedtls_rsa_pkcs1_encrypt wf_pk_unavailable_rsa_pkcs1_encrypt
#define mbedtls_rsa_check_pub_priv wf_pk_unavailable_rsa_check_pub_priv
#define mbedtls_ecdsa_write_signature wf_pk_unavailable_ecdsa_write_signature
#define mbedtls_ecp_check_pub_priv wf_pk_unavailable_ecp_check_pub_priv
#endif

/* Client certificates (mutual TLS; wizfetch's own switch, see tls.h): parsing the
 * client's key and checking it against its certificate costs about 5.6 KiB of
 * code on the board (RSA private-key operations, mostly), more than the small
 * profile has left, so it goes without. */
#if !defined(WF_TLS_PROFILE_SMALL)
#define WF_TLS_CLIENT_CERT
#endif

/* Records: a server may send full 16 KiB records (servers honour
 * max_fragment_length or record_size_limit only if the client asks, CDNs mostly
 * not at all), so the input buffer must hold one, unless the build asks for
 * small records (WF_TLS_SMALL_RECORDS below) and talks only to servers that honour that.
 * Output: requests are short and bodies are streamed in pieces (wf_tls_write
 * loops over partial writes), but mbedTLS 3.6 does not fragment an outgoing
 * handshake message over records in TLS: the largest one we send must fit
 * whole. That is the ClientHello (about 250 B; a resumption ticket adds its
 * length) or, with a client certificate, the Certificate message: the chain's
 * DER + 3 B per certificate (+ 2 B in TLS 1.3) + 7 B. 2 KiB carries an ECDSA
 * P-256 device certificate with its intermediate, or one RSA-2048 certificate;
 * a longer chain needs WF_TLS_OUT_CONTENT_LEN raised (without it mbedTLS fails
 * the handshake with "certificate too large", never overflows). The build sets
 * WF_TLS_OUT_CONTENT_LEN = 2048 for the board (CMakeLists.txt); 4096 otherwise. */
#if !defined(WF_TLS_SMALL_RECORDS)
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#else
/* ---- small records (WF_TLS_SMALL_RECORDS; footprint) -------------------------
 * A 4 KiB input record (12 KiB less of the mbedTLS pool), for back-ends that
 * honour what the client asks for: max_fragment_length (RFC 6066; 4096, 2048 with
 * the board's 2 KiB output record) in the TLS 1.2 part of the ClientHello (tls.c
 * asks for it; OpenSSL-based servers such
 * as nginx honour it, also in TLS 1.3) and record_size_limit (RFC 8449, TLS 1.3:
 * mbedTLS sends MBEDTLS_SSL_IN_CONTENT_LEN; GnuTLS honours it, OpenSSL 3.0 does
 * not). A server that honours neither and sends a longer record fails the
 * connection with WF_ETLS_RECORD_SIZE (tls.c), never a hang. docs/firmware.md. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 4096
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
#define MBEDTLS_SSL_RECORD_SIZE_LIMIT
#endif
#endif
#if defined(WF_TLS_OUT_CONTENT_LEN)
#define MBEDTLS_SSL_OUT_CONTENT_LEN WF_TLS_OUT_CONTENT_LEN
#else
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#endif

#endif
