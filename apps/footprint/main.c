/*
 * Footprint probe (Cortex-M4 cross build only): links the whole portable stack
 * - chip driver, sockets, DNS, TLS, HTTP, fetch - the way a firmware calls it,
 * so that arm-none-eabi-size reports what one fetch costs after
 * --gc-sections. The port functions are inert placeholders: this image only
 * exists to be measured, never to run (the firmware image is its own target).
 */
#include <stddef.h>
#include <stdint.h>

#include "wizfetch/chip.h"
#include "wizfetch/fetch.h"
#include "wizfetch/socket.h"
#include "wizfetch/tls.h"

static int spi_frame(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        rx[i] = tx[i];
    }
    return 0;
}

static uint32_t millis(void *ctx)
{
    (void)ctx;
    static uint32_t t;
    return t++;
}

static void delay_ms(void *ctx, uint32_t ms)
{
    (void)ctx;
    (void)ms;
}

static int entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return -1;
}

static const struct wf_port port = {
    .spi_frame = spi_frame,
    .millis = millis,
    .delay_ms = delay_ms,
    .entropy = entropy,
};

#define POOL_BYTES (40 * 1024)
static _Alignas(8) unsigned char pool[POOL_BYTES];
static wf_chip_t chip;
static wf_net_t net;
static wf_tls_t tls;
static wf_fetch_t work;

int main(void)
{
    wf_chip_init(&chip, &port, &wf_chip_w5100);
    if (wf_chip_start(&chip) < 0) {
        return 1;
    }
    wf_net_init(&net, &chip);
    if (wf_tls_platform_init(&port, pool, sizeof pool) < 0) {
        return 2;
    }
    wf_tls_init(&tls);
    struct wf_tls_options topt = {0};
    if (wf_tls_add_builtin_cas(&tls) < 0 || wf_tls_setup(&tls, &topt) < 0) {
        return 3;
    }
    struct wf_fetch_options o;
    wf_fetch_options_default(&o);
    o.url = "https://www.example.test/";
    struct wf_fetch_result r;
    return wf_fetch(&work, &net, &tls, &o, NULL, &r) == 0 ? 0 : 4;
}
