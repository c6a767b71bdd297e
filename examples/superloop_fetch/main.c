/* superloop_fetch: an HTTPS fetch driven from a main loop that never blocks.
 *
 * The loop polls the fetch (wf_fetch_poll) and, between polls, does its own
 * periodic work: here a "tick" every 10 ms, counted, as a firmware would blink
 * an LED, read a sensor or feed a watchdog. No call in the loop waits for the
 * network; the longest single poll is a TLS public-key step (docs/embedding.md).
 *
 * It runs on the host against the chip model (ports/sim): the same library a
 * board links, another port. Usage:
 *   superloop_fetch CA.pem URL [VIP:VPORT=HOST:PORT]...
 * e.g. superloop_fetch root.pem https://www.example.test/ 10.0.0.1:443=127.0.0.1:8443
 * (www.example.test is taken to be 10.0.0.1; the rule carries that address to a
 * server on this machine). Prints the body, then a line with the ticks done while
 * the fetch ran. Exit: 0 on a complete 200 response, 1 otherwise.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_app.h"
#include "wizfetch/error.h"
#include "wizfetch/fetch.h"

#define TICK_MS 10

static int on_body(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    fwrite(data, 1, len, stdout); /* runs inside wf_fetch_poll: keep it short */
    return 0;
}

static void on_log(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "* %s\n", line); /* the steps: resolve, connect, tls, request, ... */
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    static char pem[16384];
    size_t n = f ? fread(pem, 1, sizeof pem - 1, f) : 0;
    if (f) {
        fclose(f);
    }
    pem[n] = '\0';
    return n > 0 ? pem : NULL;
}

static uint8_t tls_pool[64 * 1024]; /* mbedTLS's heap: a fixed pool */
static wf_tls_t tls;
static wf_fetch_t work;

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: superloop_fetch CA.pem URL [VIP:VPORT=HOST:PORT]...\n");
        return 1;
    }
    const char *pem = read_file(argv[1]);
    struct wf_sim_chip *model = wf_sim_chip_new(0x5EED);
    if (pem == NULL || model == NULL) {
        fprintf(stderr, "superloop_fetch: cannot read %s\n", argv[1]);
        return 1;
    }
    for (int i = 3; i < argc; i++) {
        if (!wf_args_map_rule(model, argv[i])) {
            fprintf(stderr, "superloop_fetch: bad rule %s\n", argv[i]);
            return 1;
        }
    }

    /* Set-up, once: chip, sockets, TLS with the CA. */
    struct wf_port_sim host;
    wf_port_sim_init(&host, model);
    wf_chip_t chip;
    wf_net_t net;
    struct wf_tls_options tls_options = {0};
    if (wf_app_start_chip(&host, &chip, NULL) < 0 ||
        wf_tls_platform_init(&host.port, tls_pool, sizeof tls_pool) < 0) {
        fprintf(stderr, "superloop_fetch: set-up failed\n");
        return 1;
    }
    wf_net_init(&net, &chip);
    wf_tls_init(&tls);
    if (wf_tls_add_ca_pem(&tls, pem) < 0 || wf_tls_setup(&tls, &tls_options) < 0) {
        fprintf(stderr, "superloop_fetch: TLS set-up failed\n");
        return 1;
    }

    struct wf_fetch_options options;
    wf_fetch_options_default(&options);
    options.url = argv[2];
    options.total_timeout_ms = 30000;
    options.resolve[0] = (struct wf_fetch_resolve){"www.example.test", 443, {10, 0, 0, 1}};
    options.resolve_count = 1;
    struct wf_fetch_callbacks callbacks = {.log = on_log, .body = on_body};
    struct wf_fetch_result result;

    /* The main loop: poll the fetch, do the periodic work, repeat. */
    int rc = wf_fetch_start(&work, &net, &tls, &options, &callbacks, &result); /* never waits */
    bool running = rc == 0;
    unsigned ticks = 0;
    uint32_t next_tick = wf_port_sim_millis(NULL);
    while (running) {
        rc = wf_fetch_poll(&work); /* never waits for the network */
        running = rc == WF_EAGAIN; /* else over: 0 or a WF_E* code */
        if ((int32_t)(wf_port_sim_millis(NULL) - next_tick) >= 0) {
            ticks++; /* the application's own work */
            next_tick += TICK_MS;
        }
    }
    printf("\nsuperloop_fetch: %s, HTTP %d, %llu body bytes; %u ticks of %d ms while it ran\n",
           rc == 0 ? "done" : wf_strerror(rc), result.http_status, (unsigned long long)result.body_bytes,
           ticks, TICK_MS);
    wf_tls_free(&tls);
    wf_net_free(&net);
    wf_sim_chip_free(model);
    return rc == 0 && result.http_status == 200 ? 0 : 1;
}
