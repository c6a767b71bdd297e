/*
 * wf-tls-edge-server PORT CERT_CHAIN_PEM KEY_PEM
 *
 * A TLS server (mbedTLS, server side) for the record-layer cases that
 * OpenSSL-based servers cannot produce. Listens on 127.0.0.1:PORT, one
 * connection at a time, TLS 1.2 and 1.3. The request path chooses:
 *
 *   /empty-records  HTTP/1.0 200 with a body delimited by the connection's
 *                   end: "first half|", then two empty application-data
 *                   records in a row, then "second half\n", then
 *                   close_notify. A client that reads the empty records as
 *                   the end of the stream loses the second half.
 *
 * Every other path gets a 404. Runs until killed; each connection is bounded
 * by a 10 s receive time-out.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "psa/crypto.h"
#include "tls/tls_platform.h"
#include "wizfetch/port.h"
#include "wizfetch/tls.h"

/* ---- a port for mbedTLS's platform hooks (tls_platform.c) ---------------- */

static int os_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    while (len > 0) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static uint32_t os_millis(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static int64_t os_unix_time(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

static const struct wf_port os_port = {
    .millis = os_millis,
    .entropy = os_entropy,
    .unix_time = os_unix_time,
};

/* ---- bio over a kernel socket ---------------------------------------------- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);
    return n < 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : (int)n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    ssize_t n = recv(*(int *)ctx, buf, len, 0);
    return n < 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : (int)n;
}

/* A whole PEM file, NUL-terminated (mbedTLS's PEM parsers want the NUL counted). */
static unsigned char *read_pem(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    unsigned char *buf = malloc(65536);
    size_t n = buf ? fread(buf, 1, 65535, f) : 0;
    fclose(f);
    if (buf == NULL || n == 0 || n == 65535) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n + 1;
    return buf;
}

/* ---- one connection ---------------------------------------------------------- */

static int write_all(mbedtls_ssl_context *ssl, const char *text, size_t len)
{
    int n = mbedtls_ssl_write(ssl, (const unsigned char *)text, len);
    return n == (int)len ? 0 : -1;
}

/* The request's path, from its first line (bounded; the head is read to its end). */
static int read_path(mbedtls_ssl_context *ssl, char *path, size_t cap)
{
    char head[4096];
    size_t used = 0;
    while (used < sizeof head - 1) {
        int n = mbedtls_ssl_read(ssl, (unsigned char *)head + used, sizeof head - 1 - used);
        if (n <= 0) {
            return -1;
        }
        used += (size_t)n;
        head[used] = '\0';
        if (strstr(head, "\r\n\r\n") != NULL) {
            const char *sp = strchr(head, ' ');
            const char *end = sp ? strchr(sp + 1, ' ') : NULL;
            if (end == NULL || (size_t)(end - sp - 1) >= cap) {
                return -1;
            }
            memcpy(path, sp + 1, (size_t)(end - sp - 1));
            path[end - sp - 1] = '\0';
            return 0;
        }
    }
    return -1;
}

static void serve(int fd, mbedtls_ssl_config *conf)
{
    mbedtls_ssl_context ssl;
    mbedtls_ssl_init(&ssl);
    char path[256];
    if (mbedtls_ssl_setup(&ssl, conf) != 0) {
        goto out;
    }
    mbedtls_ssl_set_bio(&ssl, &fd, bio_send, bio_recv, NULL);
    int rc = mbedtls_ssl_handshake(&ssl);
    if (rc != 0 || read_path(&ssl, path, sizeof path) != 0) {
        fprintf(stderr, "tls_edge_server: handshake or request failed (-0x%04x)\n", (unsigned)-rc);
        goto out;
    }
    if (strcmp(path, "/empty-records") == 0) {
        static const char head[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst half|";
        static const char tail[] = "second half\n";
        if (write_all(&ssl, head, sizeof head - 1) != 0 || write_all(&ssl, "", 0) != 0 ||
            write_all(&ssl, "", 0) != 0 || write_all(&ssl, tail, sizeof tail - 1) != 0) {
            fprintf(stderr, "tls_edge_server: write failed\n");
            goto out;
        }
    } else {
        static const char missing[] = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        (void)write_all(&ssl, missing, sizeof missing - 1);
    }
    (void)mbedtls_ssl_close_notify(&ssl);
out:
    mbedtls_ssl_free(&ssl);
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s PORT CERT_CHAIN_PEM KEY_PEM\n", argv[0]);
        return 2;
    }
    static unsigned char pool[256 * 1024];
    if (wf_tls_platform_init(&os_port, pool, sizeof pool) != 0 || psa_crypto_init() != PSA_SUCCESS) {
        fprintf(stderr, "tls_edge_server: no entropy\n");
        return 1;
    }
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt chain;
    mbedtls_pk_context key;
    mbedtls_ssl_config conf;
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&chain);
    mbedtls_pk_init(&key);
    mbedtls_ssl_config_init(&conf);
    size_t chain_len = 0, key_len = 0;
    unsigned char *chain_pem = read_pem(argv[2], &chain_len);
    unsigned char *key_pem = read_pem(argv[3], &key_len);
    if (chain_pem == NULL || key_pem == NULL ||
        mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0) != 0 ||
        mbedtls_x509_crt_parse(&chain, chain_pem, chain_len) != 0 ||
        mbedtls_pk_parse_key(&key, key_pem, key_len, NULL, 0, mbedtls_ctr_drbg_random, &drbg) != 0 ||
        mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0 ||
        mbedtls_ssl_conf_own_cert(&conf, &chain, &key) != 0) {
        fprintf(stderr, "tls_edge_server: cannot load %s / %s\n", argv[2], argv[3]);
        return 1;
    }
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 8) != 0) {
        perror("tls_edge_server: bind/listen");
        return 1;
    }
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        struct timeval tv = {.tv_sec = 10};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        serve(fd, &conf);
    }
}
