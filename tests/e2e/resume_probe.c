/*
 * wf-resume-probe: fetch URLs one after the other, each on a new connection,
 * with ONE TLS context (so its session cache), through the modelled W5100, as
 * wizfetch does. For the session-resumption tests (tests/e2e/resume.sh).
 *
 *   wf-resume-probe --cacert FILE [--resolve HOST:PORT:ADDR]... [--map RULE]...
 *                   [--tls-max 1.2] [--no-session-cache] [--tls13-psk-only]
 *                   [--pin SPEC] [--sleep-ms N] URL...
 *
 * Prints one line per fetch:
 *   fetch N: rc 0 status 200 version TLSv1.3 offered yes resumed yes x-reused r
 * (x-reused: the X-Reused response header, "-" if absent), then
 *   sessions: stored S offered O resumed R kept_bytes K last_payload P
 *             last_struct_heap H entry_size E heap_peak X
 * Exit: 0 when every fetch succeeded, 1 if one failed, 2 bad arguments or set-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "host_app.h"
#include "port_sim.h"
#include "wf_sim_chip.h"
#include "wizfetch/error.h"
#include "wizfetch/fetch.h"
#include "wizfetch/tls.h"

#define MAX_URLS 8

static _Alignas(16) unsigned char pool[64 * 1024];
static wf_tls_t tls;
static wf_fetch_t area;

struct probe {
    char reused[8];
    char version[16];
};

/* The fetch's "tls: TLSv1.3, <suite>" line: the version (the TLS context
 * forgets it when the connection closes). */
static void on_log(void *ctx, const char *line)
{
    struct probe *p = ctx;
    if (strncmp(line, "tls: TLSv", 9) == 0) {
        snprintf(p->version, sizeof p->version, "%.*s", (int)strcspn(line + 5, ","), line + 5);
    }
}

static int on_header(void *ctx, const char *name, const char *value)
{
    struct probe *p = ctx;
    if (strcasecmp(name, "X-Reused") == 0) {
        snprintf(p->reused, sizeof p->reused, "%s", value);
    }
    return 0;
}

static int on_body(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return 0;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = (cap + 4096) * 2;
            char *n = realloc(buf, cap);
            if (n == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = n;
        }
        size_t got = fread(buf + len, 1, 4096, f);
        len += got;
        if (got == 0) {
            break;
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* "HOST:PORT:ADDR" */
static bool parse_resolve(const char *s, struct wf_fetch_resolve *r)
{
    const char *c1 = strchr(s, ':');
    const char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
    if (c1 == NULL || c2 == NULL || (size_t)(c1 - s) > WF_URL_MAX_HOST || c1 == s) {
        return false;
    }
    char port[8];
    if ((size_t)(c2 - c1 - 1) >= sizeof port) {
        return false;
    }
    memcpy(port, c1 + 1, (size_t)(c2 - c1 - 1));
    port[c2 - c1 - 1] = '\0';
    uint32_t ip;
    if (!wf_args_port(port, &r->port) || !wf_args_ipv4(c2 + 1, strlen(c2 + 1), &ip)) {
        return false;
    }
    memcpy(r->host, s, (size_t)(c1 - s));
    r->host[c1 - s] = '\0';
    wf_args_ip_bytes(ip, r->ip);
    return true;
}

static int usage(const char *why)
{
    fprintf(stderr,
            "wf-resume-probe: %s\nusage: wf-resume-probe --cacert FILE [--resolve HOST:PORT:ADDR]... "
            "[--map RULE]... [--tls-max 1.2] [--no-session-cache] [--tls13-psk-only] [--pin SPEC] "
            "[--sleep-ms N] URL...\n",
            why);
    return 2;
}

int main(int argc, char **argv)
{
    struct wf_fetch_options fo;
    wf_fetch_options_default(&fo);
    fo.connect_timeout_ms = 10000;
    fo.total_timeout_ms = 30000;
    struct wf_tls_options to = {.time_floor = 0};
    static uint8_t pins[WF_TLS_MAX_PINS][32];
    const char *cacert = NULL;
    const char *urls[MAX_URLS];
    size_t url_count = 0;
    long sleep_ms = 0;
    struct wf_sim_chip *model = wf_sim_chip_new_variant(0x5EED, WF_SIM_W5100);
    if (model == NULL) {
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--cacert") == 0 && has_value) {
            cacert = argv[++i];
        } else if (strcmp(a, "--resolve") == 0 && has_value) {
            if (fo.resolve_count == WF_FETCH_MAX_RESOLVE ||
                !parse_resolve(argv[++i], &fo.resolve[fo.resolve_count])) {
                return usage("bad --resolve (want HOST:PORT:ADDR)");
            }
            fo.resolve_count++;
        } else if (strcmp(a, "--map") == 0 && has_value) {
            if (!wf_args_map_rule(model, argv[++i])) {
                return usage("bad --map rule");
            }
        } else if (strcmp(a, "--tls-max") == 0 && has_value) {
            to.max_version = strcmp(argv[++i], "1.2") == 0 ? WF_TLS_1_2 : WF_TLS_1_3;
        } else if (strcmp(a, "--no-session-cache") == 0) {
            to.no_session_cache = true;
        } else if (strcmp(a, "--tls13-psk-only") == 0) {
            to.tls13_psk_only = true;
        } else if (strcmp(a, "--pin") == 0 && has_value) {
            int n = wf_tls_parse_pins(argv[++i], pins, WF_TLS_MAX_PINS);
            if (n < 0) {
                return usage("bad --pin");
            }
            to.pins = (const uint8_t(*)[32])pins;
            to.pin_count = (size_t)n;
        } else if (strcmp(a, "--sleep-ms") == 0 && has_value) {
            sleep_ms = strtol(argv[++i], NULL, 10);
        } else if (a[0] == '-') {
            return usage("unknown option");
        } else if (url_count < MAX_URLS) {
            urls[url_count++] = a;
        } else {
            return usage("too many URLs");
        }
    }
    if (cacert == NULL || url_count == 0) {
        return usage("need --cacert and at least one URL");
    }
    struct wf_port_sim host;
    wf_port_sim_init(&host, model);
    wf_chip_t chip;
    wf_net_t net = {0};
    char *pem = read_file(cacert);
    int rc = wf_app_start_chip(&host, &chip, &wf_chip_w5100);
    if (rc == 0) {
        wf_net_init(&net, &chip);
        rc = wf_tls_platform_init(&host.port, pool, sizeof pool);
    }
    if (rc == 0) {
        wf_tls_init(&tls);
        rc = pem != NULL ? wf_tls_add_ca_pem(&tls, pem) : WF_EINVAL;
    }
    if (rc == 0) {
        rc = wf_tls_setup(&tls, &to);
    }
    free(pem);
    if (rc < 0) {
        fprintf(stderr, "wf-resume-probe: set-up: %s\n", wf_strerror(rc));
        wf_tls_free(&tls);
        wf_sim_chip_free(model);
        return 2;
    }
    int code = 0;
    for (size_t i = 0; i < url_count; i++) {
        if (i > 0 && sleep_ms > 0) {
            struct timespec ts = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        struct probe p = {.reused = "-", .version = "-"};
        const struct wf_fetch_callbacks cb = {.ctx = &p, .log = on_log, .header = on_header, .body = on_body};
        struct wf_fetch_result r;
        fo.url = urls[i];
        rc = wf_fetch(&area, &net, &tls, &fo, &cb, &r);
        printf("fetch %zu: rc %d status %d version %s offered %s resumed %s x-reused %s\n", i + 1, rc,
               r.http_status, p.version, wf_tls_session_offered(&tls) ? "yes" : "no",
               wf_tls_resumed(&tls) ? "yes" : "no", p.reused);
        if (rc != 0) {
            fprintf(stderr, "wf-resume-probe: %s failed in %s: %s\n", urls[i], wf_fetch_step_name(r.step),
                    wf_strerror(rc));
            code = 1;
        }
    }
    const struct wf_tls_session_stats *st = wf_tls_session_stats(&tls);
    printf("sessions: stored %u offered %u resumed %u kept_bytes %zu last_payload %zu last_struct_heap %zu "
           "entry_size %zu heap_peak %zu\n",
           (unsigned)st->stored, (unsigned)st->offered, (unsigned)st->resumed, st->kept_bytes,
           st->last_payload, st->last_struct_heap, sizeof(struct wf_tls_session_entry), wf_tls_heap_peak());
    wf_tls_free(&tls);
    wf_net_free(&net);
    code = wf_app_check_model(model, "wf-resume-probe", code, 1);
    wf_sim_chip_free(model);
    return code;
}
