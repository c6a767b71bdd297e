/* wizfetch's client certificate options: see client_cert.h. */
#include "client_cert.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mbedtls/platform_util.h"
#include "wizfetch/error.h"

/* Certificate and key files are small; anything larger is not one. */
#define MAX_FILE_BYTES (256 * 1024)

static int bad(const char *what, const char *value)
{
    fprintf(stderr, "wizfetch: %s: '%s'\n", what, value ? value : "");
    fputs("wizfetch: try 'wizfetch --help'\n", stderr);
    return 2;
}

static void wipe_free(void *p, size_t len)
{
    if (p != NULL) {
        mbedtls_platform_zeroize(p, len);
        free(p);
    }
}

static int set_pass(struct wf_cli_client_cert *cc, const char *pass)
{
    wipe_free(cc->pass, cc->pass ? strlen(cc->pass) : 0);
    cc->pass = strdup(pass);
    return cc->pass != NULL ? -1 : bad("out of memory", "--pass");
}

/* curl's --cert: FILE[:PASSWORD], "\:" and "\\" escaped in FILE. */
static int set_cert(struct wf_cli_client_cert *cc, const char *arg)
{
    size_t n = strlen(arg);
    char *path = malloc(n + 1);
    if (path == NULL) {
        return bad("out of memory", "--cert");
    }
    size_t o = 0;
    const char *p = arg;
    for (; *p != '\0' && *p != ':'; p++) {
        if (*p == '\\' && (p[1] == ':' || p[1] == '\\')) {
            p++;
        }
        path[o++] = *p;
    }
    path[o] = '\0';
    free(cc->cert_path);
    cc->cert_path = path;
    if (o == 0) {
        return bad("bad --cert (want FILE[:PASSWORD])", arg);
    }
    return *p == ':' ? set_pass(cc, p + 1) : -1;
}

static bool known_type(const char *t)
{
    return strcasecmp(t, "PEM") == 0 || strcasecmp(t, "DER") == 0;
}

int wf_cli_client_cert_option(struct wf_cli_client_cert *cc, int opt, const char *arg)
{
    switch (opt) {
    case WF_CLI_OPT_CERT:
        return set_cert(cc, arg);
    case WF_CLI_OPT_KEY:
        cc->key_path = arg;
        return -1;
    case WF_CLI_OPT_PASS:
        return set_pass(cc, arg);
    case WF_CLI_OPT_CERT_TYPE:
    case WF_CLI_OPT_KEY_TYPE:
        /* The content is recognised (PEM armour or DER), so the type only has to be one we read. */
        return known_type(arg) ? -1 : bad("unsupported certificate or key type (want PEM or DER)", arg);
    default:
        return bad("unknown client certificate option", arg);
    }
}

int wf_cli_client_cert_finish(const struct wf_cli_client_cert *cc)
{
    if (cc->cert_path == NULL && cc->key_path != NULL) {
        return bad("--key needs --cert", cc->key_path);
    }
    return -1;
}

/* The whole file plus a NUL (mbedTLS wants PEM NUL-terminated, the NUL counted). */
static int read_file(const char *path, unsigned char **out, size_t *len, FILE *err, const char *what)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t n = 0;
    const char *why = NULL;
    if (f == NULL) {
        why = strerror(errno);
    } else {
        buf = malloc(MAX_FILE_BYTES + 1);
        if (buf == NULL) {
            why = "out of memory";
        } else {
            n = fread(buf, 1, MAX_FILE_BYTES + 1, f);
            if (ferror(f)) {
                why = strerror(errno);
            } else if (n > MAX_FILE_BYTES) {
                why = "larger than 256 KiB: not a certificate or key file";
            } else if (n == 0) {
                why = "empty file";
            }
        }
        fclose(f);
    }
    if (why != NULL) {
        wipe_free(buf, MAX_FILE_BYTES + 1);
        if (err != NULL) {
            fprintf(err, "wizfetch: cannot read the client %s %s: %s\n", what, path, why);
        }
        return WF_CLI_EXIT_CLIENT_CERT;
    }
    buf[n] = '\0';
    /* Only PEM text needs the NUL counted; DER is taken as it is. */
    *len = memchr(buf, '\0', n) == NULL ? n + 1 : n;
    *out = buf;
    return -1;
}

int wf_cli_client_cert_load(struct wf_cli_client_cert *cc, struct wf_tls_options *o, FILE *err)
{
    if (cc->cert_path == NULL) {
        return -1;
    }
    int code = read_file(cc->cert_path, &cc->cert, &cc->cert_len, err, "certificate");
    if (code >= 0) {
        return code;
    }
    if (cc->key_path != NULL) {
        code = read_file(cc->key_path, &cc->key, &cc->key_len, err, "key");
        if (code >= 0) {
            return code;
        }
    }
    o->client_cert = cc->cert;
    o->client_cert_len = cc->cert_len;
    o->client_key = cc->key != NULL ? cc->key : cc->cert; /* curl: the key may be in the --cert file */
    o->client_key_len = cc->key != NULL ? cc->key_len : cc->cert_len;
    o->client_key_password = cc->pass;
    return -1;
}

int wf_cli_client_cert_failed(const struct wf_cli_client_cert *cc, int rc, FILE *err)
{
    if (rc > WF_ETLS_CLIENT_CERT || rc < WF_ETLS_KEY_TYPE) {
        return -1; /* not about the client's certificate or key */
    }
    const char *file = rc == WF_ETLS_CLIENT_CERT || cc->key_path == NULL ? cc->cert_path : cc->key_path;
    if (err != NULL) {
        fprintf(err, "wizfetch: %s: %s%s\n", file != NULL ? file : "", wf_strerror(rc),
                rc == WF_ETLS_KEY_ENCRYPTED ? " (give it with --pass PHRASE or --cert FILE:PASSWORD)" : "");
    }
    return WF_CLI_EXIT_CLIENT_CERT;
}

void wf_cli_client_cert_wipe_key(struct wf_cli_client_cert *cc)
{
    if (cc->key != NULL) {
        mbedtls_platform_zeroize(cc->key, cc->key_len);
    } else if (cc->cert != NULL && cc->cert_len > 0 && cc->cert[cc->cert_len - 1] == '\0' &&
               memchr(cc->cert, '\0', cc->cert_len - 1) == NULL) {
        /* The key came from the --cert file: PEM text, whose certificates were
         * decoded into the mbedTLS heap, so the whole file can go. */
        mbedtls_platform_zeroize(cc->cert, cc->cert_len);
    }
}

void wf_cli_client_cert_free(struct wf_cli_client_cert *cc)
{
    wipe_free(cc->key, MAX_FILE_BYTES + 1);
    wipe_free(cc->cert, MAX_FILE_BYTES + 1);
    wipe_free(cc->pass, cc->pass ? strlen(cc->pass) : 0);
    free(cc->cert_path);
    memset(cc, 0, sizeof *cc);
}
