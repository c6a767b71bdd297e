/*
 * The firmware: bring up the W5100, configure the network, resolve, TLS, GET,
 * and print the certificate summary, the response headers and the page on the
 * serial console. On failure it prints the reason and retries with backoff; a
 * missing shield is reported and retried the same way. It never waits without
 * a deadline, and the watchdog (fed in the port's delay) resets a wedged board.
 *
 * Phase markers ("[phase] NAME") on the console let the emulator attribute
 * instructions to chip-init, dns, tcp-connect, tls-handshake and http.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "board_api.h"
#include "firmware_config.h"
#include "fw_report.h"
#include "fw_request.h"
#include "fw_superloop.h"
#include "wizfetch/chip.h"
#include "wizfetch/cred_area.h"
#include "wizfetch/dhcp.h"
#include "wizfetch/error.h"
#include "wizfetch/fetch.h"
#include "wizfetch/netif.h"
#include "wizfetch/sntp.h"
#include "wizfetch/socket.h"
#include "wizfetch/tls.h"
#if WF_FW_OTA
#include "fw_ota.h"
#include "wizfetch/ota_download.h"
#endif

#define FW_VERSION "0.1.0"

#if !defined(WF_TLS_NV_SEED)
#error "The firmware keeps an entropy seed in flash: build with -DWF_TLS_NV_SEED=ON"
#endif

static _Alignas(8) unsigned char tls_pool[WF_FW_TLS_POOL_BYTES];
static wf_chip_t chip;
static wf_net_t net;
/* The TCP receive path's prefetch (wf_net_set_rx_prefetch): a board whose port reads
 * by DMA sets WF_FW_RX_PREFETCH (bytes) in its wizfetch_config.h, so TLS decrypts a
 * record while the bus fetches the next. */
#if defined(WF_FW_RX_PREFETCH) && WF_FW_RX_PREFETCH > 0
static uint8_t rx_prefetch[WF_FW_RX_PREFETCH] __attribute__((aligned(4)));
#endif
static wf_tls_t tls;
/* The fetch's state; in an update image also the download's (they never run at once). */
static union {
    wf_fetch_t fetch;
#if WF_FW_OTA
    wf_ota_download_t download;
#endif
} work;
static struct wf_fetch_options options;
static wf_dhcp_t dhcp;

static const struct wf_port *port;

/* Port clock at which the current attempt (DHCP, SNTP, DNS, connect, TLS,
 * body) must be over: one deadline, WF_FW_FETCH_TIMEOUT_MS from its start. */
static uint32_t attempt_end;

#if WF_FW_OTA
/* The last fetch's HTTP status (the update's health check wants a 2xx). */
static int last_status;
#endif

static uint32_t attempt_left(void)
{
    int32_t left = (int32_t)(attempt_end - wf_port_millis(port)); /* wrap-safe */
    return left > 0 ? (uint32_t)left : 0;
}

/* ---- console ------------------------------------------------------------------ */

static void console(const char *text, size_t len)
{
    if (port->console_write != NULL) {
        port->console_write(port->ctx, text, len);
    }
}

static void say(const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    /* "\n" only: the console turns it into CR LF for the terminal. */
    size_t len = (size_t)n < sizeof line - 1 ? (size_t)n : sizeof line - 2;
    line[len++] = '\n';
    console(line, len);
}

static void phase(const char *name)
{
    say("[phase] %s", name);
}

/* ---- fetch callbacks: print like the 2016 proof of concept did ----------------- */

/* The telemetry loop marks each report as one phase ("report-N", for the
 * bench's per-request figures) instead of the fetch's steps. */
static bool steps_as_phases = true;

static void on_step(void *ctx, enum wf_fetch_step step)
{
    (void)ctx;
    if (!steps_as_phases) {
        return;
    }
    static const char *const names[WF_STEP_COUNT] = {
        [WF_STEP_URL] = "url",           [WF_STEP_RESOLVE] = "dns",  [WF_STEP_CONNECT] = "tcp-connect",
        [WF_STEP_TLS] = "tls-handshake", [WF_STEP_REQUEST] = "http", [WF_STEP_RESPONSE] = "http-response",
    };
    if (step != WF_STEP_RESPONSE) { /* request and response are one phase: http */
        phase(names[step]);
    }
}

static void on_log(void *ctx, const char *line)
{
    (void)ctx;
    say("* %s", line);
}

static void on_certificate(void *ctx, const char *summary)
{
    (void)ctx;
    say("server certificate:");
    for (const char *p = summary; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        say("  %.*s", (int)n, p);
        p += n + (nl != NULL ? 1 : 0);
    }
}

static int on_status(void *ctx, int code, const char *reason)
{
    (void)ctx;
    say("HTTP/1.1 %d %s", code, reason);
    return 0;
}

static int on_header(void *ctx, const char *name, const char *value)
{
    (void)ctx;
    say("%s: %s", name, value);
    return 0;
}

static int on_headers_done(void *ctx)
{
    (void)ctx;
    say("");
    return 0;
}

static int on_body(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    if (!WF_FW_DISCARD_BODY) {
        console((const char *)data, len);
    }
    return 0;
}

static const struct wf_fetch_callbacks callbacks = {
    .log = on_log,
    .step = on_step,
    .certificate = on_certificate,
    .status = on_status,
    .header = on_header,
    .headers_done = on_headers_done,
    .body = on_body,
};

/* ---- bring-up ------------------------------------------------------------------ */

static void say_ip(const char *what, const uint8_t ip[4])
{
    say("%s %u.%u.%u.%u", what, ip[0], ip[1], ip[2], ip[3]);
}

/* Find the chip (W5500 or W5100 shield), reset it, check the cable. */
static int start_chip(void)
{
    static const struct wf_chip_netcfg netcfg = {
        .mac = WF_FW_MAC,
        .ip = WF_FW_IP,
        .mask = WF_FW_MASK,
        .gateway = WF_FW_GATEWAY,
    };
    phase("chip-init");
    int rc = wf_chip_detect(&chip, port);
    if (rc == 0) {
        rc = wf_chip_start(&chip);
    }
    if (rc == WF_ENODEV) {
        say("no W5100/W5500 answers on SPI: is the Ethernet shield or module connected (see the board's "
            "wiring)?");
        return rc;
    }
    if (rc == 0 && wf_chip_link_up(&chip) == WF_CHIP_LINK_DOWN) {
        say("Ethernet link is down: is the cable plugged in?");
        return WF_ENETDOWN;
    }
    if (rc == 0) {
        /* With DHCP the address comes later; the MAC (and 0.0.0.0) go in now. */
        rc = wf_chip_set_netcfg(&chip, &netcfg);
    }
    if (rc < 0) {
        say("network chip: %s", wf_strerror(rc));
        return rc;
    }
    wf_net_init(&net, &chip);
#if defined(WF_FW_RX_PREFETCH) && WF_FW_RX_PREFETCH > 0
    wf_net_set_rx_prefetch(&net, rx_prefetch, (uint16_t)sizeof rx_prefetch);
#endif
    say("%s up", chip.variant->name);
    return 0;
}

static void on_netif_step(void *ctx, const char *what)
{
    (void)ctx;
    phase(what);
}

/* Address (DHCP, or the static settings), DNS servers (the lease's, else
 * WF_FW_DNS) and, while the time is unknown, SNTP (WF_FW_NTP, else the
 * lease's option 42): one wf_netif_up() call. The lease is kept between
 * attempts and renewed when due, not acquired again every time. */
static int bring_up_network(void)
{
    static const uint8_t configured_ntp[4] = WF_FW_NTP;
    static const uint8_t fallback_dns[4] = WF_FW_DNS;
    const bool time_known = port->unix_time(port->ctx) >= 0;
    struct wf_netif_config nc = {
        .use_dhcp = WF_FW_USE_DHCP,
        .address = {.mac = WF_FW_MAC, .ip = WF_FW_IP, .mask = WF_FW_MASK, .gateway = WF_FW_GATEWAY},
        .dhcp_timeout_ms = WF_FW_CONNECT_TIMEOUT_MS,
        .ntp_count = (!time_known && configured_ntp[0] != 0) ? 1 : 0,
        .ntp_from_dhcp = !time_known,
        .time_floor = WF_FW_TIME_FLOOR, /* a server that sets the clock back is refused */
        .total_ms = attempt_left(),
        .step = on_netif_step,
    };
    memcpy(nc.ntp[0].ip, configured_ntp, 4);
    struct wf_netif_result r;
    int rc = nc.total_ms == 0 ? WF_ETIMEDOUT : wf_netif_up(&chip, &net, &dhcp, &nc, &r);
    if (rc < 0) {
        say("network: %s", wf_strerror(rc));
        return rc;
    }
    const struct wf_dhcp_lease *lease = wf_dhcp_lease(&dhcp);
    if (r.address_from == WF_NETIF_DHCP && lease != NULL) {
        say_ip(r.lease_renewed ? "DHCP address (lease kept)" : "DHCP address", lease->ip);
        say_ip("  router", lease->router);
        say("  lease %lu s", (unsigned long)lease->lease_s);
    } else {
        say_ip("static address", (const uint8_t[4])WF_FW_IP);
    }
    options.dns.server_count = 1; /* WF_FW_DNS, unless the lease names servers */
    memcpy(options.dns.servers[0].ip, fallback_dns, 4);
    options.dns.servers[0].port = WF_DNS_PORT;
    if (r.dns_from == WF_NETIF_DHCP) {
        memcpy(options.dns.servers, r.dns, sizeof r.dns);
        options.dns.server_count = r.dns_count;
        say_ip("  DNS", r.dns[0].ip);
    }
    if (r.ntp_from != WF_NETIF_NONE && r.sntp_rc < 0) {
        say("SNTP: %s", wf_strerror(r.sntp_rc));
    } else if (r.ntp_from != WF_NETIF_NONE) {
        int64_t now = r.time.unix_ms / 1000;
        wf_board_set_unix_time(now + (int64_t)(wf_port_millis(port) - r.time.millis) / 1000);
        say("time from SNTP: %lld (stratum %u, round trip %lu ms)", (long long)now, r.time.stratum,
            (unsigned long)r.time.rtt_ms);
    }
    return 0;
}

#if defined(WF_FW_BUILTIN_CREDENTIALS)
/* WF_FW_CERT/WF_FW_KEY: the credentials area's bytes, generated into the build. */
extern const unsigned char wf_fw_credentials[];
extern const size_t wf_fw_credentials_len;
#endif

/* The device's client certificate, presented when a server asks for one:
 * compiled in (WF_FW_CERT), else the provisioned flash area. Erased or
 * damaged: none (the server decides; nginx with ssl_verify_client answers 400). */
static void device_credentials(struct wf_tls_options *o)
{
#if !defined(WF_TLS_CLIENT_CERT)
    (void)o;
    say("client certificate: none (not in the small profile)");
#else
    struct wf_cred cred;
#if defined(WF_FW_BUILTIN_CREDENTIALS)
    const char *from = "compiled in";
    enum wf_cred_status st = wf_cred_parse(wf_fw_credentials, wf_fw_credentials_len, &cred);
#else
    const char *from = "credentials area";
    size_t len;
    const uint8_t *area = wf_board_credentials(&len);
    enum wf_cred_status st = wf_cred_parse(area, len, &cred);
#endif
    if (st != WF_CRED_OK) {
        say("client certificate: none (%s %s)", from, wf_cred_status_text(st));
        return;
    }
    o->client_cert = cred.cert;
    o->client_cert_len = cred.cert_len;
    o->client_key = cred.key;
    o->client_key_len = cred.key_len;
    say("client certificate: %s, %lu bytes of certificates, %lu of key", from, (unsigned long)cred.cert_len,
        (unsigned long)cred.key_len);
#endif
}

/* A TLS context `t` with the trust anchors, pins and device credentials. */
static int tls_context(wf_tls_t *t)
{
    wf_tls_init(t);
    int rc = wf_tls_add_builtin_cas(t);
    if (rc <= 0) {
        say("no trusted CA certificates compiled in (build with WF_CA_BUNDLE=file.pem)");
        return rc < 0 ? rc : WF_ETLS_CA;
    }
    say("trust anchors: %d (in flash, looked up per handshake)", rc);
    /* Static, although wf_tls_setup copies them: start_tls is on the deepest stack
     * path, and 128 B more there would cost a 256 B larger stack reservation. */
    static uint8_t pins[WF_TLS_MAX_PINS][32];
    int pin_count = 0;
    if (WF_FW_PINNED_KEY[0] != '\0') {
        pin_count = wf_tls_parse_pins(WF_FW_PINNED_KEY, pins, WF_TLS_MAX_PINS);
        if (pin_count < 0) {
            say("WF_FW_PINNED_KEY is malformed (want sha256//BASE64[;sha256//BASE64...], at most %d)",
                WF_TLS_MAX_PINS);
            return WF_ETLS_CA; /* a build error: not something a retry fixes */
        }
        say("pinned server keys: %d", pin_count);
    }
    struct wf_tls_options topt = {
        .min_version = WF_FW_TLS_MIN,
        .accept_unknown_time = WF_FW_ACCEPT_UNKNOWN_TIME,
        .time_floor = WF_FW_TIME_FLOOR,
        .pins = pins,
        .pin_count = (size_t)pin_count,
        .cycle_counter = wf_board_cycles, /* the look-up's cost on the console (bench) */
    };
    device_credentials(&topt);
    rc = wf_tls_setup(t, &topt);
#if defined(WF_TLS_CLIENT_CERT)
    if (rc <= WF_ETLS_CLIENT_CERT && rc >= WF_ETLS_KEY_TYPE) {
        /* A certificate or key that does not parse or match: go on without one. */
        say("client certificate: unusable (%s): none used", wf_strerror(rc));
        topt.client_cert = topt.client_key = NULL;
        topt.client_cert_len = topt.client_key_len = 0;
        rc = wf_tls_setup(t, &topt);
    }
#endif
    if (rc < 0) {
        say("TLS set-up: %s", wf_strerror(rc));
    }
    return rc;
}

static int start_tls(void)
{
    int rc = wf_tls_platform_init(port, tls_pool, sizeof tls_pool);
    if (rc == 0) {
        rc = wf_tls_platform_set_seed_store(wf_board_seed_read, wf_board_seed_write);
    }
    if (rc < 0) {
        say("TLS platform: %s", wf_strerror(rc));
        return rc;
    }
    rc = tls_context(&tls);
    if (rc < 0) {
        return rc;
    }
    say(wf_board_seed_loaded() == 1 ? "entropy seed: stored seed loaded, updated"
                                    : "entropy seed: none stored (first boot): fresh from the ADC, stored");
    return rc;
}

/* The request; the DNS servers are set at each attempt's bring-up. */
static void configure_fetch(void)
{
    wf_fetch_options_default(&options);
    options.url = WF_FW_URL;
    options.connect_timeout_ms = WF_FW_CONNECT_TIMEOUT_MS;
    options.total_timeout_ms = WF_FW_FETCH_TIMEOUT_MS;
    options.follow_redirects = true;
    const char *bad = NULL;
    if (fw_request_configure(&options, &bad) < 0) {
        say("bad WF_FW_HEADERS entry (want \"Name: value\"): %s", bad);
    }
}

/* The memory figures after an attempt (or the last report). */
static void say_memory(void)
{
    say("mbedTLS heap peak %u of %u bytes; stack peak %u bytes", (unsigned)wf_tls_heap_peak(),
        (unsigned)sizeof tls_pool, (unsigned)wf_board_stack_peak());
    /* Checked by the firmware test against the pool margin (cmake/firmware.cmake). */
    say("mbedTLS pool high water %u of %u bytes (since boot, block headers included); C heap %u of %u bytes",
        (unsigned)wf_tls_pool_high_water(), (unsigned)sizeof tls_pool, (unsigned)wf_board_heap_peak(),
        (unsigned)wf_board_heap_size());
}

/* One attempt: everything from the chip up, so a lost chip or link recovers;
 * everything after the chip's start within one deadline. */
static int fetch_once(void)
{
    int rc = start_chip();
    attempt_end = wf_port_millis(port) + WF_FW_FETCH_TIMEOUT_MS;
    if (rc == 0) {
        rc = bring_up_network();
    }
    if (rc < 0) {
        wf_dhcp_free(&dhcp);
        return rc;
    }
    if (port->unix_time(port->ctx) < 0) {
        say(WF_FW_ACCEPT_UNKNOWN_TIME
                ? "warning: the time is unknown: certificate expiry is checked against the "
                  "build time only"
                : "the time is unknown: certificates cannot be checked");
    }
    fw_request_print(&options, console);
    struct wf_fetch_result result;
    wf_tls_heap_peak_reset();
    options.total_timeout_ms = attempt_left(); /* what DHCP and SNTP left */
    if (options.total_timeout_ms == 0) {
        memset(&result, 0, sizeof result);
        rc = WF_ETIMEDOUT;
    } else {
        rc = wf_fetch(&work.fetch, &net, &tls, &options, &callbacks, &result);
    }
    phase("done");
#if WF_FW_OTA
    last_status = result.http_status;
#endif
    if (rc < 0) {
        say("fetch failed in %s: %s", wf_fetch_step_name(result.step), wf_strerror(rc));
    } else {
        say("fetched %lu bytes, HTTP %d", (unsigned long)result.body_bytes, result.http_status);
    }
    say_memory();
    const struct wf_tls_ca_stats *cs = wf_tls_ca_stats(&tls);
    say("trust: %lu look-ups, %lu roots parsed from flash since start, %lu cycles in them",
        (unsigned long)cs->lookups, (unsigned long)cs->parsed, (unsigned long)cs->cycles);
    wf_dhcp_free(&dhcp);
    wf_net_free(&net);
    return rc;
}

#if WF_FW_OTA
/* ---- update: the image into the inactive slot (fw_ota.h) ------------------------ */

static void ota_update(void)
{
    static struct wf_ota_download_options o;
    static char url[192];
    if (fw_ota_url(WF_FW_OTA_URL, url, sizeof url) == NULL) {
        return;
    }
    say("ota: downloading %s", url);
    struct wf_ota_sink sink;
    struct wf_ota_download_result result;
    fw_ota_sink(&sink);
    uint32_t t0 = wf_port_millis(port);
    int rc = start_chip();
    attempt_end = wf_port_millis(port) + WF_FW_FETCH_TIMEOUT_MS;
    if (rc == 0) {
        rc = bring_up_network();
    }
    memset(&result, 0, sizeof result);
    if (rc == 0) {
        phase("ota-download"); /* the whole download: one phase of the emulator's report */
        memset(&o, 0, sizeof o);
        o.url = url;
        o.max_resumes = 3;
        o.total_timeout_ms = attempt_left();
        o.fetch = options; /* DNS, timeouts, user agent; the download sets the request itself */
        o.fetch.headers = NULL;
        o.fetch.header_count = 0;
        rc = wf_ota_download(&work.download, &net, &tls, &o, &sink, &result);
    }
    wf_dhcp_free(&dhcp);
    wf_net_free(&net);
    say("ota: download took %lu ms (%lu requests, %lu resumed, HTTP %d)",
        (unsigned long)(wf_port_millis(port) - t0), (unsigned long)result.requests,
        (unsigned long)result.resumes, result.http_status);
    phase("ota-install");
    if (rc < 0) {
        fw_ota_say_refusal();
        say("ota: download failed: %s; the running image is untouched", wf_strerror(rc));
        return;
    }
    (void)fw_ota_install(result.size); /* resets on success */
}
#endif

static uint32_t wait_and_grow(uint32_t backoff)
{
    say("retrying in %u ms", (unsigned)backoff);
    port->delay_ms(port->ctx, backoff);
    return backoff * 2 > WF_FW_RETRY_MAX_MS ? WF_FW_RETRY_MAX_MS : backoff * 2;
}

#if WF_FW_REPORT_S > 0 && !WF_FW_SUPERLOOP
/* ---- telemetry: a report every WF_FW_REPORT_S seconds ------------------------- */

/* The uptime needs a poll in every 2^32 ms (fw_uptime): the longest wait must be shorter. */
_Static_assert(WF_FW_REPORT_S <= 30u * 86400u, "WF_FW_REPORT_S: at most 30 days");

static wf_session_t session; /* the connection kept between reports */
static struct fw_report_stats stats;
static char report_body[FW_REPORT_MAX];
static struct fw_uptime uptime;         /* polled at every attempt and after every wait */
static struct fw_reconnects reconnects; /* of the sessions before this one */

static void poll_uptime(void)
{
    stats.uptime_s = fw_uptime_poll(&uptime, wf_port_millis(port));
}

/* One report over the session (the chip and the network are up). */
static int report_once(void)
{
    poll_uptime();
    stats.heap_peak = (uint32_t)wf_tls_heap_peak();
    stats.stack_peak = (uint32_t)wf_board_stack_peak();
    options.body.data = (const uint8_t *)report_body;
    options.body.len = fw_report_json(report_body, sizeof report_body, &stats);
    options.total_timeout_ms = WF_FW_FETCH_TIMEOUT_MS;
    unsigned n = (unsigned)++stats.fetches;
    say("[phase] report-%u", n);
    char head[24];
    int hl = snprintf(head, sizeof head, "report %u: ", n);
    console(head, hl > 0 ? (size_t)hl : 0); /* the JSON is longer than say()'s line */
    console(report_body, options.body.len);
    console("\n", 1);
    struct wf_fetch_result result;
    int rc = wf_fetch_session(&work.fetch, &session, &options, &callbacks, &result);
    phase("between-reports");
    stats.reconnects = fw_reconnects_total(&reconnects, session.reconnects);
    if (rc < 0) {
        stats.last_error = rc;
        say("report %u failed in %s: %s", n, wf_fetch_step_name(result.step), wf_strerror(rc));
        return rc;
    }
    stats.reports++;
    stats.last_status = result.http_status;
    const char *how = "new connection, full handshake";
    if (result.reused_connection) {
        stats.reused++;
        how = "reused connection";
    } else if (result.tls_resumed) {
        stats.resumed++;
        how = "new connection, TLS session resumed";
    } else if (strncmp(options.url, "https:", 6) == 0) {
        stats.handshakes++;
    } else {
        how = "new connection";
    }
    say("report %u: HTTP %d, %s%s", n, result.http_status, how, session.open ? "; kept open" : "; closed");
    return 0;
}

/* Reports forever (or WF_FW_REPORT_COUNT attempts): the chip and the network
 * are brought up once and kept while reports succeed; an error closes the
 * connection and starts again from the chip after the backoff. */
static void report_loop(void)
{
    uint32_t backoff = WF_FW_RETRY_FIRST_MS;
    fw_uptime_start(&uptime, wf_port_millis(port));
    steps_as_phases = false;
    for (;;) {
        poll_uptime();
        int rc = start_chip();
        attempt_end = wf_port_millis(port) + WF_FW_FETCH_TIMEOUT_MS;
        if (rc == 0) {
            rc = bring_up_network();
        }
        if (rc == 0) {
            wf_session_init(&session, &net, &tls);
            while (rc == 0) {
                rc = report_once();
                if (WF_FW_REPORT_COUNT > 0 && stats.fetches >= WF_FW_REPORT_COUNT) {
                    wf_session_close(&session, WF_FW_CONNECT_TIMEOUT_MS);
                    say("%lu reports answered of %lu", (unsigned long)stats.reports,
                        (unsigned long)stats.fetches);
                    say_memory();
                    wf_board_exit(stats.reports == stats.fetches ? 0 : 1);
                    say("idle");
                    for (;;) {
                        port->delay_ms(port->ctx, 1000);
                    }
                }
                if (rc == 0) {
                    backoff = WF_FW_RETRY_FIRST_MS;
                    port->delay_ms(port->ctx, WF_FW_REPORT_S * 1000u);
                }
            }
            fw_reconnects_session_ended(&reconnects, session.reconnects);
            wf_session_close(&session, 0);
        } else {
            stats.fetches++;
            stats.last_error = rc;
        }
        wf_dhcp_free(&dhcp);
        wf_net_free(&net);
        backoff = wait_and_grow(backoff);
    }
}
#endif

#if WF_FW_SUPERLOOP
/* ---- superloop mode: the chip's start and the TLS contexts before the loop ------ */

static void superloop(void)
{
    static struct fw_superloop_env env;
#if WF_FW_REPORT_S > 0
    static wf_tls_t report_tls; /* the reports' own TLS context, beside the GET's */
    if (tls_context(&report_tls) < 0) {
        wf_board_exit(1);
    }
    env.report_tls = &report_tls;
#endif
    uint32_t backoff = WF_FW_RETRY_FIRST_MS;
    while (start_chip() < 0) { /* the chip's reset waits (milliseconds): before the loop */
        backoff = wait_and_grow(backoff);
    }
    env.port = port;
    env.chip = &chip;
    env.net = &net;
    env.tls = &tls;
    env.options = &options;
    env.callbacks = &callbacks;
    env.say = say;
    env.console = console;
    env.say_memory = say_memory;
    fw_request_print(&options, console);
    fw_superloop_run(&env);
}
#endif

int main(void)
{
    wf_board_init();
    port = wf_board_port();
    say("");
    say("wizfetch firmware %s on %s", FW_VERSION, wf_board_name());
#if WF_FW_OTA
    fw_ota_boot(say);
#endif
    if (wf_board_watchdog_reset()) {
        say("note: the previous run was ended by the watchdog");
    }
#if WF_FW_ENTROPY_DUMP > 0
    say("entropy dump: %lu raw LSBs per channel (temperature sensor raw0, VREFINT raw1)",
        (unsigned long)WF_FW_ENTROPY_DUMP);
    int drc = wf_board_entropy_dump(WF_FW_ENTROPY_DUMP);
    say("entropy dump: %s", drc == 0 ? "done" : wf_strerror(drc));
    wf_board_exit(drc == 0 ? 0 : 1);
    for (;;) {
        port->delay_ms(port->ctx, 1000);
    }
#endif
    configure_fetch();
    uint32_t backoff = WF_FW_RETRY_FIRST_MS;
    int rc = start_tls();
    while (rc < 0 && rc != WF_ETLS_CA) {
        /* Entropy or memory trouble at start: retry with backoff like a fetch. */
        backoff = wait_and_grow(backoff);
        wf_tls_free(&tls);
        rc = start_tls();
    }
    if (rc < 0) {
        /* Nothing to trust (or malformed pins): a build error, not something a retry fixes. */
        wf_board_exit(1);
        for (;;) {
            port->delay_ms(port->ctx, 1000);
        }
    }
#if WF_FW_SUPERLOOP
    superloop();
#elif WF_FW_REPORT_S > 0
    report_loop();
#endif
    for (;;) {
        rc = fetch_once();
#if WF_FW_OTA
        if (rc == 0 && last_status >= 200 && last_status < 300) {
            fw_ota_healthy();
            ota_update();
        } else {
            fw_ota_unhealthy();
        }
#endif
        if (rc == 0) {
            backoff = WF_FW_RETRY_FIRST_MS;
            wf_board_exit(0);
            if (WF_FW_REFETCH_S == 0) {
                say("idle");
                for (;;) {
                    port->delay_ms(port->ctx, 1000);
                }
            }
            port->delay_ms(port->ctx, WF_FW_REFETCH_S * 1000u);
            continue;
        }
        backoff = wait_and_grow(backoff);
    }
}
