/* The host's clock and entropy for the TLS platform of a unit test (see the header). */
#include "tls_test_platform.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>
#include <time.h>

#include "psa/crypto.h"
#include "wizfetch/port.h"
#include "wizfetch/tls.h"

static uint32_t t_millis(void *ctx)
{
    (void)ctx;
    return (uint32_t)clock();
}

static int t_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

static int64_t t_unix_time(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

static const struct wf_port port = {.millis = t_millis, .entropy = t_entropy, .unix_time = t_unix_time};
static _Alignas(16) unsigned char pool[64 * 1024];

int wf_test_tls_platform_setup(void **state)
{
    (void)state;
    /* Signatures are checked through PSA (wf_tls_setup starts it in a program). */
    return wf_tls_platform_init(&port, pool, sizeof pool) == 0 && psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
}
