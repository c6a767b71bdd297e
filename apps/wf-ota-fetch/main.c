/*
 * wf-ota-fetch: the firmware image download (wizfetch/ota_download.h) on the
 * host, through the modelled W5100, into a file that stands for the slot. For
 * the end-to-end tests (tests/e2e/ota.sh) and for trying a server.
 *
 *   wf-ota-fetch [options] URL OUTFILE
 *     --capacity N        the slot's size in bytes (default 1048576)
 *     --piece N           bytes per ranged request (default 0: the whole image in one)
 *     --max-resumes N     resumes and restarts after a drop (default 3)
 *     --request-timeout MS  each request's bound (default 10000)
 *     --timeout MS        the whole download's bound (default 0: none)
 *     --cacert FILE       trust the CA certificates in FILE (PEM); needed for https
 *     --dns IP[:PORT]     DNS server (default none: the URL's host must be an address)
 *     --map VIP[:VPORT]=HOST:PORT   route a virtual address to a real one (repeatable)
 *     -v                  progress on stderr, a line each time a request starts and at the end
 *
 * The file is created (truncated) before the download: a refusal before the
 * first write leaves it empty. A start over at byte 0 truncates it again.
 * On stdout, always: "size N total N requests N resumes N restarts N status N".
 * Exit codes: 0 the image is in OUTFILE, 1 the download failed (the error's
 * name and text on stderr), 2 bad arguments, 3 set-up failure (chip, TLS,
 * files), 4 chip-model violations.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_app.h"
#include "port_sim.h"
#include "wf_sim_chip.h"
#include "wizfetch/error.h"
#include "wizfetch/ota_download.h"
#include "wizfetch/tls.h"

enum { EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_SETUP = 3, EXIT_VIOLATION = 4 };

#define TLS_POOL_BYTES (96 * 1024)
static _Alignas(16) unsigned char tls_pool[TLS_POOL_BYTES];
static wf_tls_t tls;
static wf_ota_download_t download;

struct file_sink {
    int fd;
    uint32_t written; /* the file's length */
};

static int file_write(void *ctx, uint32_t offset, const uint8_t *data, size_t len)
{
    struct file_sink *f = ctx;
    if (offset == 0 && f->written > 0) {
        if (ftruncate(f->fd, 0) != 0) {
            return WF_EWRITE;
        }
        f->written = 0;
    }
    if (offset != f->written) {
        return WF_EWRITE; /* the download promises contiguous offsets */
    }
    for (size_t done = 0; done < len;) {
        ssize_t n = pwrite(f->fd, data + done, len - done, (off_t)(offset + done));
        if (n <= 0) {
            return WF_EWRITE;
        }
        done += (size_t)n;
    }
    f->written += (uint32_t)len;
    return 0;
}

struct cli {
    struct wf_ota_download_options o;
    uint32_t capacity;
    const char *cacert;
    const char *out;
    bool verbose;
};

static int usage(const char *why)
{
    fprintf(stderr,
            "wf-ota-fetch: %s\nusage: wf-ota-fetch [--capacity N] [--piece N] [--max-resumes N] "
            "[--request-timeout MS] [--timeout MS] [--cacert FILE] [--dns IP[:PORT]] "
            "[--map VIP[:VPORT]=HOST:PORT]... [-v] URL OUTFILE\n",
            why);
    return EXIT_USAGE;
}

/* A decimal number up to `max` (whole string). */
static bool number(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v > max) {
        return false;
    }
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv, struct wf_sim_chip *model, struct cli *c)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long n;
        if (strcmp(a, "-v") == 0) {
            c->verbose = true;
            continue;
        }
        if (v == NULL) {
            return usage("an option without its value, or an unknown option");
        }
        i++;
        if (strcmp(a, "--capacity") == 0 && number(v, UINT32_MAX, &n)) {
            c->capacity = (uint32_t)n;
        } else if (strcmp(a, "--piece") == 0 && number(v, UINT32_MAX, &n)) {
            c->o.piece_size = (uint32_t)n;
        } else if (strcmp(a, "--max-resumes") == 0 && number(v, UINT8_MAX, &n)) {
            c->o.max_resumes = (uint8_t)n;
        } else if (strcmp(a, "--request-timeout") == 0 && number(v, UINT32_MAX, &n) && n > 0) {
            c->o.fetch.total_timeout_ms = (uint32_t)n;
        } else if (strcmp(a, "--timeout") == 0 && number(v, UINT32_MAX, &n)) {
            c->o.total_timeout_ms = (uint32_t)n;
        } else if (strcmp(a, "--cacert") == 0) {
            c->cacert = v;
        } else if (strcmp(a, "--dns") == 0) {
            struct wf_dns_config *d = &c->o.fetch.dns;
            uint32_t ip;
            uint16_t port;
            if (d->server_count == WF_DNS_MAX_SERVERS || !wf_args_endpoint(v, true, &ip, &port)) {
                return usage("bad or too many --dns servers");
            }
            wf_args_ip_bytes(ip, d->servers[d->server_count].ip);
            d->servers[d->server_count++].port = port != 0 ? port : WF_DNS_PORT;
        } else if (strcmp(a, "--map") == 0) {
            if (!wf_args_map_rule(model, v)) {
                return usage("bad --map rule (want VIP[:VPORT]=HOST:PORT)");
            }
        } else {
            return usage("unknown option or bad value");
        }
    }
    if (argc - i != 2) {
        return usage("need URL and OUTFILE");
    }
    c->o.url = argv[i];
    c->out = argv[i + 1];
    return 0;
}

static int setup_tls(const struct cli *c, struct wf_port_sim *host)
{
    if (wf_tls_platform_init(&host->port, tls_pool, sizeof tls_pool) < 0) {
        fprintf(stderr, "wf-ota-fetch: %s\n", wf_strerror(WF_ENOENTROPY));
        return EXIT_SETUP;
    }
    wf_tls_init(&tls);
    if (c->cacert != NULL) {
        char *pem = wf_app_read_text(c->cacert, 16u << 20);
        int rc = pem != NULL ? wf_tls_add_ca_pem(&tls, pem) : WF_ETLS_CA;
        free(pem);
        if (rc < 0) {
            fprintf(stderr, "wf-ota-fetch: --cacert %s: %s\n", c->cacert, wf_strerror(rc));
            return EXIT_SETUP;
        }
    }
    struct wf_tls_options o = {0};
    int rc = wf_tls_setup(&tls, &o);
    if (rc < 0) {
        fprintf(stderr, "wf-ota-fetch: TLS set-up: %s\n", wf_strerror(rc));
        return EXIT_SETUP;
    }
    return 0;
}

static void print_counters(FILE *to, const struct wf_ota_download_result *r)
{
    fprintf(to, "size %u total %u requests %u resumes %u restarts %u status %d\n", r->size, r->total,
            r->requests, r->resumes, r->restarts, r->http_status);
}

/* The download, polled here (as a firmware's main loop would), printing progress with -v. */
static int run_download(const struct cli *c, wf_net_t *net, struct wf_port_sim *host, struct file_sink *file)
{
    struct wf_ota_sink sink = {.ctx = file, .capacity = c->capacity, .write = file_write};
    struct wf_ota_download_result r;
    int rc = wf_ota_download_start(&download, net, &tls, &c->o, &sink, &r);
    unsigned shown = 0;
    while (rc == 0 && (rc = wf_ota_download_poll(&download)) == WF_EAGAIN) {
        if (c->verbose && r.requests != shown) {
            shown = r.requests;
            fprintf(stderr, "* request %u: %u of %u bytes written, %u resumes, %u restarts\n", r.requests,
                    r.size, r.total, r.resumes, r.restarts);
        }
        if (!download.fetch.progressed) {
            host->port.delay_ms(host->port.ctx, 1);
        }
        rc = 0;
    }
    print_counters(stdout, &r);
    if (rc < 0) {
        fprintf(stderr, "wf-ota-fetch: %s: %s (HTTP status %d, step %s)\n", wf_strerror_name(rc),
                wf_strerror(rc), r.http_status, wf_fetch_step_name(r.fetch.step));
        return EXIT_FAILED;
    }
    if (c->verbose) {
        fprintf(stderr, "* done: %u bytes in %u requests\n", r.size, r.requests);
    }
    return 0;
}

static int run(const struct cli *c, struct wf_sim_chip *model)
{
    struct wf_port_sim host;
    wf_port_sim_init(&host, model);
    wf_chip_t chip;
    int rc = wf_app_start_chip(&host, &chip, &wf_chip_w5100);
    if (rc < 0) {
        fprintf(stderr, "wf-ota-fetch: chip start: %s\n", wf_strerror(rc));
        return EXIT_SETUP;
    }
    int code = setup_tls(c, &host);
    if (code != 0) {
        return code;
    }
    struct file_sink file = {.fd = open(c->out, O_WRONLY | O_CREAT | O_TRUNC, 0644)};
    if (file.fd < 0) {
        fprintf(stderr, "wf-ota-fetch: %s: %s\n", c->out, strerror(errno));
        wf_tls_free(&tls);
        return EXIT_SETUP;
    }
    wf_net_t net;
    wf_net_init(&net, &chip);
    code = run_download(c, &net, &host, &file);
    if (close(file.fd) != 0 && code == 0) {
        fprintf(stderr, "wf-ota-fetch: %s: %s\n", c->out, strerror(errno));
        code = EXIT_SETUP;
    }
    wf_net_free(&net);
    wf_tls_free(&tls);
    return code;
}

int main(int argc, char **argv)
{
    struct wf_sim_chip *model = wf_sim_chip_new(0x07A);
    if (model == NULL) {
        fprintf(stderr, "wf-ota-fetch: out of memory\n");
        return EXIT_SETUP;
    }
    struct cli c = {.capacity = 1048576};
    wf_fetch_options_default(&c.o.fetch);
    wf_dns_config_default(&c.o.fetch.dns);
    c.o.fetch.total_timeout_ms = 10000;
    c.o.max_resumes = 3;
    int rc = parse_args(argc, argv, model, &c);
    if (rc == 0) {
        rc = run(&c, model);
    }
    rc = wf_app_check_model(model, "wf-ota-fetch", rc, EXIT_VIOLATION);
    wf_sim_chip_free(model);
    return rc;
}
