/**
 * @file client_cert.h
 * @brief wizfetch's client certificate options (mutual TLS), as curl spells
 * them: --cert FILE[:PASSWORD], --key FILE, --pass PHRASE, --cert-type and
 * --key-type (PEM or DER; the content is recognised either way). Without
 * --key the key is read from the --cert file. The files are read into memory
 * owned here; the key's copy is wiped once the TLS layer has parsed it.
 *
 * In the certificate part of --cert, "\:" is a literal ':' and "\\" a
 * literal '\'; the first other ':' starts the password (curl's rule).
 */
#ifndef WF_APPS_WIZFETCH_CLIENT_CERT_H
#define WF_APPS_WIZFETCH_CLIENT_CERT_H

#include <stdio.h>

#include "wizfetch/tls.h"

/* getopt values of the options (main.c's long-option table uses them). */
enum {
    WF_CLI_OPT_CERT = 'E',
    WF_CLI_OPT_KEY = 400,
    WF_CLI_OPT_PASS,
    WF_CLI_OPT_CERT_TYPE,
    WF_CLI_OPT_KEY_TYPE,
};

/** Exit code for a client certificate or key that cannot be used (curl's 58). */
#define WF_CLI_EXIT_CLIENT_CERT 58

struct wf_cli_client_cert {
    char *cert_path; /**< owned (unescaped --cert), or NULL: no client certificate */
    const char *key_path;
    char *pass; /**< owned copy (--pass, or the --cert password), wiped on free */
    unsigned char *cert;
    size_t cert_len;
    unsigned char *key; /**< the key file, wiped after wf_tls_setup (or the cert buffer) */
    size_t key_len;
};

/**
 * @brief Take one of the options above. Returns -1 when taken, else an exit
 * code after printing why on stderr (2: a bad value, e.g. --cert-type P12).
 */
int wf_cli_client_cert_option(struct wf_cli_client_cert *cc, int opt, const char *arg);

/** @brief After option parsing: -1 if consistent, else 2 (e.g. --key without --cert). */
int wf_cli_client_cert_finish(const struct wf_cli_client_cert *cc);

/**
 * @brief Read the files and point `o`'s client_cert/client_key/password at
 * them. Nothing to do without --cert. Returns -1, or WF_CLI_EXIT_CLIENT_CERT
 * after printing why on `err` (NULL: silent) when a file cannot be read.
 */
int wf_cli_client_cert_load(struct wf_cli_client_cert *cc, struct wf_tls_options *o, FILE *err);

/**
 * @brief A wf_tls_setup failure: if `rc` is a client certificate error, print
 * it on `err` (NULL: silent) with the file it concerns and return
 * WF_CLI_EXIT_CLIENT_CERT; otherwise -1.
 */
int wf_cli_client_cert_failed(const struct wf_cli_client_cert *cc, int rc, FILE *err);

/** @brief Wipe the key's copy (call after wf_tls_setup). */
void wf_cli_client_cert_wipe_key(struct wf_cli_client_cert *cc);

/** @brief Release everything (wipes the key and the password). */
void wf_cli_client_cert_free(struct wf_cli_client_cert *cc);

#endif
