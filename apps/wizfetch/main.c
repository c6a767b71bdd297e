/*
 * wizfetch: the whole firmware stack (W5100 driver, sockets, DNS, TLS, HTTP)
 * as a curl-like command on the host, talking to the W5100 chip model.
 * Option names and exit codes follow curl where they overlap; see --help and
 * docs/cli.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <getopt.h>
#include <stddef.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "client_cert.h"
#include "mbedtls/platform_util.h"
#include "host_app.h"
#include "output.h"
#include "port_sim.h"
#include "request.h"
#include "trust.h"
#include "wf_sim_chip.h"
#include "progress.h"
#include "retry.h"
#include "write_out.h"
#include "wizfetch/chip.h"
#include "wizfetch/dhcp.h"
#include "wizfetch/error.h"
#include "wizfetch/fetch.h"
#include "wizfetch/fetch_multi.h"
#include "wizfetch/netif.h"
#include "wizfetch/sntp.h"
#include "wizfetch/tls.h"

#define WIZFETCH_VERSION "0.1.0"

/* Unix time of the build (CMake; SOURCE_DATE_EPOCH makes it reproducible): a
 * moment that has certainly passed. SNTP answers before it are refused, and
 * certificate dates are checked against max(now, it). */
#ifndef WIZFETCH_TIME_FLOOR
#error "WIZFETCH_TIME_FLOOR (the build time, Unix seconds) must be defined"
#endif

/* Exit codes (curl's numbers where they overlap). */
enum {
    EXIT_OK = 0,
    EXIT_UNSUPPORTED_PROTOCOL = 1, /* unsupported scheme, or a redirect to a protocol not allowed */
    EXIT_INIT = 2,
    EXIT_URL = 3,
    EXIT_RESOLVE = 6,
    EXIT_CONNECT = 7,
    EXIT_WEIRD_REPLY = 8, /* malformed server reply */
    EXIT_PARTIAL = 18,
    EXIT_HTTP_ERROR = 22,
    EXIT_WRITE = 23,
    EXIT_RANGE = 33, /* -C: the server did not send the range asked for */
    EXIT_READ = 26,  /* an @FILE, -T FILE or body source that cannot be read */
    EXIT_TIMEOUT = 28,
    EXIT_TLS = 35,
    EXIT_REDIRECTS = 47,
    EXIT_EMPTY = 52,
    EXIT_SEND = 55,
    EXIT_RECV = 56,   /* also: the connection ended without TLS close_notify */
    EXIT_REWIND = 65, /* a 307/308 needs the body again, and it was streamed from standard input */
    EXIT_CERT = 60,
    EXIT_CA_FILE = 77,
    EXIT_DHCP = 45, /* curl: "interface error"; here: DHCP gave no address */
    EXIT_MODEL_VIOLATION = 70,
    EXIT_PINNED = 90, /* the server's public key does not match --pinnedpubkey */
};

#define MAX_CA_FILES 8
#define MAX_OUTPUTS 64 /* -o options: the n-th goes with the n-th URL */
#define MAX_MAP_RULES 16
#define TLS_POOL_BYTES (96 * 1024) /* per TLS context: -Z has one per transfer at once */
/* -Z: curl's --parallel-max default and bound (tool_getparam.c: 0 is the default, more than
 * the bound is the bound). */
#define PARALLEL_DEFAULT 50
#define PARALLEL_MAX 300

struct cli {
    const struct wf_chip_variant *chip; /* NULL: auto-detect */
    enum wf_sim_variant model;          /* the modelled chip: --model, else as --chip */
    bool model_given;
    const char *map_rules[MAX_MAP_RULES]; /* --map, applied once the model exists */
    size_t map_count;
    struct wf_fetch_options fetch;
    const char *ca_files[MAX_CA_FILES];
    size_t ca_count;
    const char *ca_dirs[MAX_CA_FILES]; /* --capath */
    size_t ca_dir_count;
    uint8_t pins[WF_TLS_MAX_PINS][32]; /* --pinnedpubkey */
    size_t pin_count;
    const char *outputs[MAX_OUTPUTS]; /* -o FILE or -O (REMOTE_NAME), in order */
    size_t output_count;
    bool remote_name_all; /* --remote-name-all: -O for every URL without -o/-O */
    bool create_dirs;     /* --create-dirs */
    char **urls; /* the URLs (--url and the arguments), in order (argv storage; the array malloc'd) */
    size_t url_count;
    char *write_out;            /* -w: the format (malloc'd), or NULL */
    const char *dump_header;    /* -D FILE, "-" = stdout */
    FILE *dump_header_file;     /* opened at the start of the run */
    bool show_error;            /* -S: error messages even with -s */
    bool fail_with_body;        /* --fail-with-body: HTTP >= 400 is exit 22, the body is still written */
    struct wf_http_range range; /* -r */
    bool range_given;
    bool resume;                       /* -C N or -C - */
    bool resume_from_file;             /* -C -: from the output file's size */
    uint64_t resume_at;                /* -C N */
    struct wf_cli_retry_options retry; /* --retry, --retry-delay, ... */
    bool progress_bar;                 /* -#/--progress-bar */
    bool no_progress_meter;            /* --no-progress-meter */
    const char *keylog;
    bool include;
    bool verbose;
    bool silent;
    bool insecure;
    bool no_session_cache; /* --no-sessionid */
    bool tls13_psk_only;   /* --tls13-psk-only */
    uint8_t tls_min, tls_max;
    /* --dhcp, --ntp, --no-system-clock */
    bool dhcp;
    bool ntp_from_dhcp;
    bool no_system_clock;
    struct wf_sntp_config ntp;
    struct wf_cli_request req;             /* -X -H -d --data-* --json -T -u -A -e -G */
    struct wf_cli_client_cert client_cert; /* --cert --key --pass --cert-type --key-type */
    char *user;                            /* -u's value, copied out of argv (blanked there); wiped */
    bool parallel;                         /* -Z/--parallel: the URLs at once */
    unsigned parallel_max;                 /* --parallel-max (1..300; default 50) */
};

/* Overwrite an option value in argv with spaces (as curl does) once it was
 * copied: a secret then does not stay readable in /proc/PID/cmdline or ps
 * while the command runs. */
static void blank_argument(char *arg)
{
    memset(arg, ' ', strlen(arg));
}

static void wipe_string(char *s)
{
    if (s != NULL) {
        mbedtls_platform_zeroize(s, strlen(s));
        free(s);
    }
}

static void cli_free(struct cli *c)
{
    wf_cli_request_free(&c->req);
    wf_cli_client_cert_free(&c->client_cert);
    wipe_string(c->user);
    c->user = NULL;
    free(c->urls);
    c->urls = NULL;
    free(c->write_out);
    c->write_out = NULL;
}

struct session {
    const struct cli *cli;
    struct wf_cli_request *req; /* the request options (the cli's), adjusted per URL */
    struct wf_cli_output out;
    struct wf_cli_progress progress; /* the meter or bar of the current transfer */
    FILE *keylog;
    uint32_t t0;
    uint32_t deadline; /* -m/--max-time: end of the whole job (port clock), if set */
};

static _Alignas(16) unsigned char tls_pool[TLS_POOL_BYTES * WF_FETCH_MAX_TRANSFERS];
/* One TLS context per transfer at once (-Z), each set up alike; the first serves the
 * transfers one after another. */
static wf_tls_t tls_ctx[WF_FETCH_MAX_TRANSFERS];
static size_t tls_count; /* contexts set up */
static wf_fetch_t fetch_area;
static struct wf_trust trust;                 /* --cacert, --capath, $CURL_CA_BUNDLE, ... (trust.h) */
static const struct wf_ca_store *trust_store; /* given to every TLS context, NULL: none */
static bool trust_builtin;                    /* the bundle compiled in, for every TLS context */

/* ---- messages ------------------------------------------------------------- */

static void say(const struct cli *c, const char *fmt, ...)
{
    if (c->silent && !c->show_error) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    fputs("wizfetch: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void usage(FILE *to)
{
    fputs("usage: wizfetch [options] URL [URL...]\n"
          "Fetch each URL with the wizfetch stack through a model of the W5100 chip; URLs to the same\n"
          "scheme, host and port share one connection while the server keeps it open (keep-alive).\n\n"
          "  --cacert FILE        trust the CA certificates in FILE (PEM; repeatable)\n"
          "      --capath DIR     trust the CA certificates in the PEM files of DIR (repeatable)\n"
          "                       without both: $CURL_CA_BUNDLE, else $SSL_CERT_FILE, else the system\n"
          "                       bundle, else the bundle compiled in; plain http needs none\n"
          "      --pinnedpubkey sha256//BASE64[;sha256//BASE64...]  the server's public key must be\n"
          "                       one of these (SHA-256 of its DER SubjectPublicKeyInfo; exit 90)\n"
          "  -E, --cert FILE[:PASSWORD]  client certificate (PEM or DER; chain, leaf first) for servers\n"
          "                       that ask for one; ':' and '\\' in FILE escaped as '\\:' and '\\\\'\n"
          "      --key FILE       its private key (ECDSA P-256 or RSA >= 2048; default: from --cert FILE)\n"
          "      --pass PHRASE    password of an encrypted key\n"
          "      --cert-type T, --key-type T  PEM or DER (the content is recognised either way)\n"
          "  --dns IP[:PORT]      DNS server (repeatable, up to 3)\n"
          "  --resolve H:P:ADDR   use ADDR for host H, port P (no DNS)\n"
          "  --map VIP[:VPORT]=HOST:PORT  chip-model network map rule (repeatable)\n"
          "      --dhcp           get address, mask, router and DNS servers by DHCP (--dns still wins;\n"
          "                       the DHCP deadline is --connect-timeout)\n"
          "      --ntp SERVER     set the clock by SNTP first: IP[:PORT] (repeatable, up to 3), or 'dhcp'\n"
          "                       for the NTP servers of DHCP option 42; a time before the build is\n"
          "                       refused; if no server answers, the clock stays as it was (see\n"
          "                       --no-system-clock)\n"
          "      --no-system-clock  act like a board without a clock: the time is unknown until SNTP\n"
          "                       answers, and certificate checks fail (exit 60) while it is\n"
          "  -X, --request METHOD  request method (default GET; POST with data, PUT with -T)\n"
          "  -H, --header \"N: V\"  extra request header (repeatable); \"N:\" removes a default, \"N;\" "
          "sends it empty\n"
          "  -d, --data DATA      POST DATA as application/x-www-form-urlencoded; @FILE reads FILE without\n"
          "                       CR/LF (@- standard input); several are joined with '&'\n"
          "      --data-binary D  the same, DATA or @FILE sent as it is (one @FILE is streamed)\n"
          "      --data-raw DATA  like -d, but '@' is not special\n"
          "      --json DATA      POST DATA (or @FILE) as application/json, with Accept: application/json\n"
          "  -T, --upload-file F  PUT the file F, streamed with its length; '-' = standard input, chunked\n"
          "  -u, --user U:P       HTTP Basic authentication\n"
          "  -A, --user-agent UA  User-Agent (\"\" sends none)\n"
          "  -e, --referer URL    Referer\n"
          "  -G, --get            send the -d data as the URL's query, with GET\n"
          "  -o, --output FILE    write the body to FILE instead of stdout (the n-th -o or -O goes with the\n"
          "                       n-th URL; URLs without one write to stdout)\n"
          "  -O, --remote-name    write the body to a file named as the URL's last path segment\n"
          "      --remote-name-all  -O for every URL that has no -o/-O\n"
          "      --create-dirs    make the directories of the -o/-O file\n"
          "      --url URL        a URL (as an argument would be; the order is kept)\n"
          "  -D, --dump-header F  write every response head to F ('-': stdout)\n"
          "  -w, --write-out FMT  print FMT after each URL: curl's %{variables} (http_code, size_download,\n"
          "                       time_total, url_effective, ...; see docs/cli.md), %header{name},\n"
          "                       %{stderr}, %{stdout}, \\n \\r \\t, %%; @FILE or @- reads FMT\n"
          "  -r, --range A-B|A-|-N  ask for bytes A to B, from A, or the last N (one range)\n"
          "  -C, --continue-at N|-  resume at byte N, or (-) at the size of the -o file: the rest is\n"
          "                       appended; exit 33 if the server sends something else than that rest\n"
          "      --retry N        retry a transient failure N times (timeouts, failed look-ups, HTTP 408,\n"
          "                       429, 500, 502, 503, 504), waiting 1 s, doubled each time (or Retry-After)\n"
          "      --retry-delay S  wait S seconds between retries (no doubling)\n"
          "      --retry-max-time S  no retry once S seconds have passed since the first attempt\n"
          "      --retry-all-errors  retry on any error\n"
          "      --retry-connrefused  also retry a refused connection\n"
          "  -Z, --parallel       fetch the URLs at once, each on its own connection (own socket and\n"
          "                       TLS context), at most --parallel-max and the chip's sockets (W5100 4,\n"
          "                       W5500 8); the rest wait for a free one; no progress meter\n"
          "      --parallel-max N at most N at once (1..300, 0: 50; more: 300), as curl\n"
          "      --parallel-immediate  accepted for curl: wizfetch never waits to multiplex\n"
          "  -#, --progress-bar   a progress bar instead of the meter\n"
          "      --no-progress-meter  no meter (the meter: on stderr unless -s, or the body goes to the\n"
          "                       terminal)\n"
          "  -i, --include        include the response headers in the output\n"
          "  -I, --head           HEAD request: headers only\n"
          "  -L, --location       follow redirects\n"
          "      --max-redirs N   at most N redirects (default 5)\n"
          "      --proto-redir P  protocols a redirect may lead to, curl's syntax (e.g. =https,http or\n"
          "                       +http); default: https, and http only if the URL was http\n"
          "  -f, --fail           fail (exit 22) on HTTP status >= 400, no body\n"
          "      --fail-with-body  the same, but the body is written\n"
          "  -m, --max-time S     limit everything (DHCP, SNTP, DNS, connect, TLS, body) to S seconds\n"
          "      --connect-timeout S  limit connect + TLS handshake to S seconds\n"
          "      --tlsv1.2        require at least TLS 1.2 (the default)\n"
          "      --tlsv1.3        require TLS 1.3\n"
          "      --tls-max VER    highest TLS version: 1.2 or 1.3\n"
          "      --no-sessionid   keep no TLS sessions: every new connection runs a full handshake\n"
          "                       (default: a new connection to a host offers the session of the\n"
          "                       last one, kept in RAM for this command only)\n"
          "      --tls13-psk-only  (wizfetch only) TLS 1.3: let the server resume with the ticket's key\n"
          "                       alone, without a fresh (EC)DHE exchange (cheaper; no forward secrecy\n"
          "                       for that connection)\n"
          "  -k, --insecure       do NOT verify the server certificate (dangerous)\n"
          "      --keylog FILE    append TLS secrets in NSS key log format (debugging)\n"
          "  -v, --verbose        show each step with timings on stderr\n"
          "  -s, --silent         no certificate summary, headers, progress meter or error messages\n"
          "  -S, --show-error     error messages even with -s\n"
          "      --chip NAME      driver: w5100 (default), w5500, or auto (probe W5500, then W5100)\n"
          "      --model NAME     the modelled chip: w5100 or w5500 (default: as --chip; auto: w5100)\n"
          "  -h, --help           this text\n"
          "      --version        version and build information\n\n"
          "Exit codes: 0 ok, 1 unsupported protocol (scheme, or a redirect to a protocol not allowed),\n"
          "2 init/chip failure or bad option, 3 malformed URL, 6 resolve failure, 7 connect failure,\n"
          "8 malformed server reply, 18 partial body, 22 HTTP >= 400 with --fail, 23 write error,\n"
          "26 read error (an @FILE or -T FILE), 28 timeout, 33 the range asked for (-C) not sent,\n"
          "35 TLS handshake failure, 45 DHCP failure (no "
          "server, only NAKs), 47 too many\n"
          "redirects, 52 empty reply, 55 send failure, 56 receive failure (also: connection closed\n"
          "without TLS close_notify), 60 certificate verification failure (also: time unknown),\n"
          "65 a 307/308 redirect needs a body read from standard input again, 70 chip-model violation,\n"
          "58 unusable client certificate or key, 77 bad CA file (or no trust anchors), 90 public key\n"
          "not the pinned one.\n"
          "With several URLs, the exit code is that of the last URL (as curl 7.88).\n",
          to);
}

/* ---- options -------------------------------------------------------------- */

enum {
    OPT_CACERT = 256,
    OPT_DNS,
    OPT_RESOLVE,
    OPT_MAP,
    OPT_MAX_REDIRS,
    OPT_CONNECT_TIMEOUT,
    OPT_TLS12,
    OPT_TLS13,
    OPT_TLS_MAX,
    OPT_KEYLOG,
    OPT_VERSION,
    OPT_DHCP,
    OPT_NTP,
    OPT_NO_SYSTEM_CLOCK,
    OPT_CHIP,
    OPT_MODEL,
    OPT_PROTO_REDIR,
    OPT_CAPATH,
    OPT_PINNEDPUBKEY,
    OPT_NO_SESSIONID,
    OPT_TLS13_PSK_ONLY,
    OPT_FAIL_WITH_BODY,
    OPT_REMOTE_NAME_ALL,
    OPT_CREATE_DIRS,
    OPT_URL,
    OPT_RETRY,
    OPT_RETRY_DELAY,
    OPT_RETRY_MAX_TIME,
    OPT_RETRY_ALL_ERRORS,
    OPT_RETRY_CONNREFUSED,
    OPT_NO_PROGRESS_METER,
    OPT_PARALLEL_MAX,
    OPT_PARALLEL_IMMEDIATE,
};

/* outputs[] entry of -O: the URL's file name. */
static const char REMOTE_NAME[] = "";

static const struct option long_options[] = {
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"dns", required_argument, NULL, OPT_DNS},
    {"resolve", required_argument, NULL, OPT_RESOLVE},
    {"map", required_argument, NULL, OPT_MAP},
    {"output", required_argument, NULL, 'o'},
    {"include", no_argument, NULL, 'i'},
    {"head", no_argument, NULL, 'I'},
    {"location", no_argument, NULL, 'L'},
    {"max-redirs", required_argument, NULL, OPT_MAX_REDIRS},
    {"fail", no_argument, NULL, 'f'},
    {"max-time", required_argument, NULL, 'm'},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"tlsv1.2", no_argument, NULL, OPT_TLS12},
    {"tlsv1.3", no_argument, NULL, OPT_TLS13},
    {"tls-max", required_argument, NULL, OPT_TLS_MAX},
    {"insecure", no_argument, NULL, 'k'},
    {"keylog", required_argument, NULL, OPT_KEYLOG},
    {"verbose", no_argument, NULL, 'v'},
    {"silent", no_argument, NULL, 's'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"dhcp", no_argument, NULL, OPT_DHCP},
    {"ntp", required_argument, NULL, OPT_NTP},
    {"no-system-clock", no_argument, NULL, OPT_NO_SYSTEM_CLOCK},
    {"chip", required_argument, NULL, OPT_CHIP},
    {"model", required_argument, NULL, OPT_MODEL},
    {"proto-redir", required_argument, NULL, OPT_PROTO_REDIR},
    {"capath", required_argument, NULL, OPT_CAPATH},
    {"pinnedpubkey", required_argument, NULL, OPT_PINNEDPUBKEY},
    {"cert", required_argument, NULL, WF_CLI_OPT_CERT},
    {"key", required_argument, NULL, WF_CLI_OPT_KEY},
    {"pass", required_argument, NULL, WF_CLI_OPT_PASS},
    {"cert-type", required_argument, NULL, WF_CLI_OPT_CERT_TYPE},
    {"key-type", required_argument, NULL, WF_CLI_OPT_KEY_TYPE},
    {"no-sessionid", no_argument, NULL, OPT_NO_SESSIONID},
    {"tls13-psk-only", no_argument, NULL, OPT_TLS13_PSK_ONLY},
    {"request", required_argument, NULL, 'X'},
    {"header", required_argument, NULL, 'H'},
    {"data", required_argument, NULL, 'd'},
    {"data-ascii", required_argument, NULL, 'd'},
    {"data-binary", required_argument, NULL, WF_CLI_OPT_DATA_BINARY},
    {"data-raw", required_argument, NULL, WF_CLI_OPT_DATA_RAW},
    {"json", required_argument, NULL, WF_CLI_OPT_JSON},
    {"upload-file", required_argument, NULL, 'T'},
    {"user", required_argument, NULL, 'u'},
    {"user-agent", required_argument, NULL, 'A'},
    {"referer", required_argument, NULL, 'e'},
    {"get", no_argument, NULL, 'G'},
    {"show-error", no_argument, NULL, 'S'},
    {"write-out", required_argument, NULL, 'w'},
    {"dump-header", required_argument, NULL, 'D'},
    {"fail-with-body", no_argument, NULL, OPT_FAIL_WITH_BODY},
    {"remote-name", no_argument, NULL, 'O'},
    {"remote-name-all", no_argument, NULL, OPT_REMOTE_NAME_ALL},
    {"create-dirs", no_argument, NULL, OPT_CREATE_DIRS},
    {"url", required_argument, NULL, OPT_URL},
    {"range", required_argument, NULL, 'r'},
    {"continue-at", required_argument, NULL, 'C'},
    {"retry", required_argument, NULL, OPT_RETRY},
    {"retry-delay", required_argument, NULL, OPT_RETRY_DELAY},
    {"retry-max-time", required_argument, NULL, OPT_RETRY_MAX_TIME},
    {"retry-all-errors", no_argument, NULL, OPT_RETRY_ALL_ERRORS},
    {"retry-connrefused", no_argument, NULL, OPT_RETRY_CONNREFUSED},
    {"progress-bar", no_argument, NULL, '#'},
    {"no-progress-meter", no_argument, NULL, OPT_NO_PROGRESS_METER},
    {"parallel", no_argument, NULL, 'Z'},
    {"parallel-max", required_argument, NULL, OPT_PARALLEL_MAX},
    {"parallel-immediate", no_argument, NULL, OPT_PARALLEL_IMMEDIATE},
    {NULL, 0, NULL, 0},
};

/* "HOST:PORT:ADDR" */
static bool parse_resolve(const char *s, struct wf_fetch_resolve *r)
{
    const char *c1 = strchr(s, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c1 == NULL || c2 == NULL || c1 == s || (size_t)(c1 - s) > WF_URL_MAX_HOST) {
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
    for (size_t i = 0; i < (size_t)(c1 - s); i++) {
        char ch = s[i];
        r->host[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    r->host[c1 - s] = '\0';
    wf_args_ip_bytes(ip, r->ip);
    return true;
}

/* curl's protocol list: "PROTO[,PROTO...]", each with an optional modifier: '+'
 * adds (the default), '-' removes, '=' allows only the protocols that follow;
 * "all" is every protocol. Names this program has no use for are ignored, as
 * curl does. Evaluated from the safe default, https only. */
static bool parse_proto_redir(const char *list, unsigned *mask)
{
    unsigned set = WF_PROTO_HTTPS;
    const char *p = list;
    while (*p != '\0') {
        char mod = '+';
        if (*p == '+' || *p == '-' || *p == '=') {
            mod = *p++;
        }
        size_t n = strcspn(p, ",");
        unsigned bits = 0;
        if (n == 3 && strncasecmp(p, "all", 3) == 0) {
            bits = WF_PROTO_HTTP | WF_PROTO_HTTPS;
        } else if (n == 4 && strncasecmp(p, "http", 4) == 0) {
            bits = WF_PROTO_HTTP;
        } else if (n == 5 && strncasecmp(p, "https", 5) == 0) {
            bits = WF_PROTO_HTTPS;
        } else if (n == 0) {
            return false;
        }
        if (mod == '=') {
            set = bits;
        } else if (mod == '-') {
            set &= ~bits;
        } else {
            set |= bits;
        }
        p += n;
        if (*p == ',') {
            p++;
        }
    }
    *mask = set != 0 ? set : WF_PROTO_NONE;
    return true;
}

/* A decimal number of at most 19 digits (below 2^63), nothing else. */
static bool parse_u64(const char *s, uint64_t *v)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n > 19 || s[n] != '\0') {
        return false;
    }
    *v = strtoull(s, NULL, 10);
    return true;
}

/* -r: "FIRST-LAST", "FIRST-" or "-COUNT" (one range; curl's multi-range
 * lists are not supported). */
static bool parse_range(const char *s, struct wf_http_range *r)
{
    const char *dash = strchr(s, '-');
    if (dash == NULL || strchr(s, ',') != NULL) {
        return false;
    }
    char first[24];
    size_t n = (size_t)(dash - s);
    if (n >= sizeof first) {
        return false;
    }
    memcpy(first, s, n);
    first[n] = '\0';
    *r = (struct wf_http_range){.last = WF_HTTP_RANGE_TO_END};
    if (n == 0) {
        r->suffix = true;
        return parse_u64(dash + 1, &r->last) && wf_http_range_valid(r);
    }
    if (!parse_u64(first, &r->first)) {
        return false;
    }
    return dash[1] == '\0' || (parse_u64(dash + 1, &r->last) && wf_http_range_valid(r));
}

static bool parse_tls_version(const char *s, uint8_t *v)
{
    if (strcmp(s, "1.2") == 0) {
        *v = WF_TLS_1_2;
    } else if (strcmp(s, "1.3") == 0) {
        *v = WF_TLS_1_3;
    } else {
        return false;
    }
    return true;
}

static int bad_option(const char *what, const char *value)
{
    fprintf(stderr, "wizfetch: %s: '%s'\n", what, value ? value : "");
    fputs("wizfetch: try 'wizfetch --help'\n", stderr);
    return EXIT_INIT;
}

/* getopt's '?' (unknown) or ':' (value missing) in the argument `arg`, as
 * curl 7.88 words it: "option -fsSW: is unknown", "option --output: requires
 * parameter": the argument as written (a bundle of short options whole; a
 * long option up to its '='). */
static int option_error(int opt, const char *arg)
{
    int n = strncmp(arg, "--", 2) == 0 ? (int)strcspn(arg, "=") : (int)strlen(arg);
    fprintf(stderr, "wizfetch: option %.*s: %s\n", n, arg, opt == ':' ? "requires parameter" : "is unknown");
    fputs("wizfetch: try 'wizfetch --help' for more information\n", stderr);
    return EXIT_INIT;
}

/* A URL of the command line (an argument or --url), in order. */
static bool add_url(struct cli *c, char *url, int argc)
{
    if (c->urls == NULL) {
        c->urls = calloc((size_t)argc, sizeof *c->urls);
        if (c->urls == NULL) {
            return false;
        }
    }
    c->urls[c->url_count++] = url; /* at most one per argv element */
    return true;
}

/* Returns -1 to go on, or an exit code. */
static int parse_options(int argc, char **argv, struct cli *c)
{
    int opt;
    opterr = 0;
    /* '-': arguments come in order as option 1 (URLs keep their order among
     * --url options); ':': a missing value is ':' rather than '?'. */
    for (;;) {
        /* In this mode (no reordering) the argument being read is argv[optind]
         * before the call, also in the middle of a bundle such as -fsSL. */
        int current = optind;
        opt = getopt_long(argc, argv, "-:o:iILfm:kvshX:H:d:T:u:A:e:GE:Sw:D:Or:C:#Z", long_options, NULL);
        if (opt == -1) {
            break;
        }
        switch (opt) {
        case 1:
        case OPT_URL:
            if (!add_url(c, optarg, argc)) {
                return bad_option("out of memory", NULL);
            }
            break;
        case 'S':
            c->show_error = true;
            break;
        case 'w':
            free(c->write_out);
            c->write_out = wf_cli_write_out_load(optarg, stdin);
            if (c->write_out == NULL && optarg[0] == '@') {
                if (!c->silent) { /* curl goes on with an empty format */
                    fprintf(stderr, "Warning: Failed to read %s\n", optarg + 1);
                }
                c->write_out = strdup("");
            }
            if (c->write_out == NULL) {
                return bad_option("out of memory", NULL);
            }
            break;
        case 'D':
            c->dump_header = optarg;
            break;
        case OPT_FAIL_WITH_BODY:
            c->fail_with_body = true;
            break;
        case 'O':
            if (c->output_count == MAX_OUTPUTS) {
                return bad_option("too many -o/-O options", "-O");
            }
            c->outputs[c->output_count++] = REMOTE_NAME;
            break;
        case OPT_REMOTE_NAME_ALL:
            c->remote_name_all = true;
            break;
        case OPT_CREATE_DIRS:
            c->create_dirs = true;
            break;
        case 'r':
            if (!parse_range(optarg, &c->range)) {
                return bad_option("bad -r/--range (want FIRST-LAST, FIRST- or -COUNT; one range)", optarg);
            }
            c->range_given = true;
            break;
        case OPT_RETRY:
        case OPT_RETRY_DELAY:
        case OPT_RETRY_MAX_TIME: {
            uint64_t n; /* whole seconds (a count for --retry), as curl 7.88 takes them */
            if (!parse_u64(optarg, &n) || n > (opt == OPT_RETRY ? 100000u : 4000000u)) {
                return bad_option(opt == OPT_RETRY         ? "bad --retry (want a count)"
                                  : opt == OPT_RETRY_DELAY ? "bad --retry-delay (want whole seconds)"
                                                           : "bad --retry-max-time (want whole seconds)",
                                  optarg);
            }
            if (opt == OPT_RETRY) {
                c->retry.count = (unsigned)n;
            } else if (opt == OPT_RETRY_DELAY) {
                c->retry.delay_ms = (uint32_t)n * 1000;
            } else {
                c->retry.max_time_ms = (uint32_t)n * 1000;
            }
            break;
        }
        case '#':
            c->progress_bar = true;
            break;
        case OPT_NO_PROGRESS_METER:
            c->no_progress_meter = true;
            break;
        case 'Z':
            c->parallel = true;
            break;
        case OPT_PARALLEL_IMMEDIATE:
            break; /* wizfetch never holds a transfer back to multiplex it (HTTP/1.1 only) */
        case OPT_PARALLEL_MAX: {
            uint64_t n; /* curl 7.88: a whole number; 0 is the default, above the bound the bound */
            if (optarg[0] == '-' && parse_u64(optarg + 1, &n)) {
                return bad_option("bad --parallel-max (expected a positive numerical parameter)", optarg);
            }
            if (!parse_u64(optarg, &n)) {
                return bad_option("bad --parallel-max (expected a proper numerical parameter)", optarg);
            }
            c->parallel_max = n == 0 ? PARALLEL_DEFAULT : n > PARALLEL_MAX ? PARALLEL_MAX : (unsigned)n;
            break;
        }
        case OPT_RETRY_ALL_ERRORS:
            c->retry.all_errors = true;
            break;
        case OPT_RETRY_CONNREFUSED:
            c->retry.connrefused = true;
            break;
        case 'C':
            c->resume = true;
            c->resume_from_file = strcmp(optarg, "-") == 0;
            if (!c->resume_from_file && !parse_u64(optarg, &c->resume_at)) {
                return bad_option("bad -C/--continue-at (want a byte offset or -)", optarg);
            }
            break;
        case OPT_CACERT:
            if (c->ca_count == MAX_CA_FILES) {
                return bad_option("too many --cacert files", optarg);
            }
            c->ca_files[c->ca_count++] = optarg;
            break;
        case OPT_CAPATH:
            if (c->ca_dir_count == MAX_CA_FILES) {
                return bad_option("too many --capath directories", optarg);
            }
            c->ca_dirs[c->ca_dir_count++] = optarg;
            break;
        case OPT_PINNEDPUBKEY: {
            int n = wf_tls_parse_pins(optarg, c->pins, WF_TLS_MAX_PINS);
            if (n < 0) {
                return bad_option("bad --pinnedpubkey (want sha256//BASE64[;sha256//BASE64...], at most 4)",
                                  optarg);
            }
            c->pin_count = (size_t)n;
            break;
        }
        case OPT_DNS: {
            uint32_t ip;
            uint16_t port;
            struct wf_dns_config *d = &c->fetch.dns;
            if (!wf_args_endpoint(optarg, true, &ip, &port) || d->server_count == WF_DNS_MAX_SERVERS) {
                return bad_option("bad or too many --dns servers", optarg);
            }
            wf_args_ip_bytes(ip, d->servers[d->server_count].ip);
            d->servers[d->server_count++].port = port ? port : WF_DNS_PORT;
            break;
        }
        case OPT_DHCP:
            c->dhcp = true;
            break;
        case OPT_NTP: {
            uint32_t ip;
            uint16_t port;
            struct wf_sntp_config *n = &c->ntp;
            if (strcmp(optarg, "dhcp") == 0) {
                c->ntp_from_dhcp = true;
                break;
            }
            if (!wf_args_endpoint(optarg, true, &ip, &port) || n->server_count == WF_SNTP_MAX_SERVERS) {
                return bad_option("bad or too many --ntp servers (want IP[:PORT] or dhcp)", optarg);
            }
            wf_args_ip_bytes(ip, n->servers[n->server_count].ip);
            n->servers[n->server_count++].port = port ? port : WF_SNTP_PORT;
            break;
        }
        case OPT_CHIP: {
            enum wf_sim_variant as_chip;
            if (!wf_app_chip_name(optarg, true, &c->chip, &as_chip)) {
                return bad_option("bad --chip (want w5100, w5500 or auto)", optarg);
            }
            if (!c->model_given) {
                c->model = as_chip;
            }
            break;
        }
        case OPT_MODEL: {
            const struct wf_chip_variant *unused;
            if (!wf_app_chip_name(optarg, false, &unused, &c->model)) {
                return bad_option("bad --model (want w5100 or w5500)", optarg);
            }
            c->model_given = true;
            break;
        }
        case OPT_PROTO_REDIR:
            if (!parse_proto_redir(optarg, &c->fetch.redirect_protocols)) {
                return bad_option("bad --proto-redir (want e.g. =https or +http)", optarg);
            }
            break;
        case OPT_NO_SYSTEM_CLOCK:
            c->no_system_clock = true;
            break;
        case OPT_RESOLVE:
            if (c->fetch.resolve_count == WF_FETCH_MAX_RESOLVE ||
                !parse_resolve(optarg, &c->fetch.resolve[c->fetch.resolve_count])) {
                return bad_option("bad --resolve (want HOST:PORT:ADDR)", optarg);
            }
            c->fetch.resolve_count++;
            break;
        case OPT_MAP:
            if (c->map_count == MAX_MAP_RULES) {
                return bad_option("too many --map rules", optarg);
            }
            c->map_rules[c->map_count++] = optarg;
            break;
        case WF_CLI_OPT_CERT:
        case WF_CLI_OPT_KEY:
        case WF_CLI_OPT_PASS:
        case WF_CLI_OPT_CERT_TYPE:
        case WF_CLI_OPT_KEY_TYPE: {
            int code = wf_cli_client_cert_option(&c->client_cert, opt, optarg);
            if (code >= 0) {
                return code;
            }
            if (opt == WF_CLI_OPT_PASS || opt == WF_CLI_OPT_CERT) { /* a password: copied, now blanked */
                blank_argument(optarg);
            }
            break;
        }
        case 'X':
        case 'H':
        case 'd':
        case 'T':
        case 'u':
        case 'A':
        case 'e':
        case 'G':
        case WF_CLI_OPT_DATA_BINARY:
        case WF_CLI_OPT_DATA_RAW:
        case WF_CLI_OPT_JSON: {
            const char *arg = optarg;
            if (opt == 'u') { /* USER:PASSWORD: kept in a copy, blanked in argv */
                wipe_string(c->user);
                c->user = strdup(optarg);
                if (c->user == NULL) {
                    return bad_option("out of memory", "-u");
                }
                blank_argument(optarg);
                arg = c->user;
            }
            int code = wf_cli_request_option(&c->req, opt, arg);
            if (code >= 0) {
                return code;
            }
            break;
        }
        case 'o':
            if (c->output_count == MAX_OUTPUTS) {
                return bad_option("too many -o/-O options", optarg);
            }
            c->outputs[c->output_count++] = optarg;
            break;
        case 'i':
            c->include = true;
            break;
        case 'I':
            c->fetch.head = true;
            break;
        case 'L':
            c->fetch.follow_redirects = true;
            break;
        case OPT_MAX_REDIRS: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n < 0 || n > 1000) {
                return bad_option("bad --max-redirs", optarg);
            }
            c->fetch.max_redirects = (unsigned)n;
            break;
        }
        case 'f':
            c->fetch.fail_on_http_error = true;
            break;
        case 'm':
            if (!wf_args_seconds(optarg, &c->fetch.total_timeout_ms)) {
                return bad_option("bad --max-time", optarg);
            }
            break;
        case OPT_CONNECT_TIMEOUT:
            if (!wf_args_seconds(optarg, &c->fetch.connect_timeout_ms)) {
                return bad_option("bad --connect-timeout", optarg);
            }
            break;
        case OPT_TLS12:
            c->tls_min = WF_TLS_1_2;
            break;
        case OPT_TLS13:
            c->tls_min = WF_TLS_1_3;
            break;
        case OPT_TLS_MAX:
            if (!parse_tls_version(optarg, &c->tls_max)) {
                return bad_option("bad --tls-max (want 1.2 or 1.3)", optarg);
            }
            break;
        case 'k':
            c->insecure = true;
            break;
        case OPT_NO_SESSIONID:
            c->no_session_cache = true;
            break;
        case OPT_TLS13_PSK_ONLY:
            c->tls13_psk_only = true;
            break;
        case OPT_KEYLOG:
            c->keylog = optarg;
            break;
        case 'v':
            c->verbose = true;
            break;
        case 's':
            c->silent = true;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case OPT_VERSION:
            printf("wizfetch %s (W5100 chip model; mbedTLS %s; TLS 1.2%s)\n", WIZFETCH_VERSION,
                   MBEDTLS_VERSION_STRING,
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
                   ", TLS 1.3"
#else
                   ""
#endif
            );
            printf("time floor: %lld (the build time: earlier SNTP answers are refused)\n",
                   (long long)WIZFETCH_TIME_FLOOR);
            return EXIT_OK;
        default:
            return option_error(opt, argv[current]);
        }
    }
    for (; optind < argc; optind++) { /* after "--" */
        if (!add_url(c, argv[optind], argc)) {
            return bad_option("out of memory", NULL);
        }
    }
    if (c->url_count == 0) {
        fputs("wizfetch: no URL specified!\n", stderr);
        fputs("wizfetch: try 'wizfetch --help' for more information\n", stderr);
        return EXIT_INIT;
    }
    c->fetch.url = c->urls[0];
    if (c->range_given && c->resume) {
        return bad_option("-r and -C cannot be used together", NULL);
    }
    if (c->ntp_from_dhcp && !c->dhcp) {
        return bad_option("--ntp dhcp needs --dhcp", NULL);
    }
    if (c->tls_min != 0 && c->tls_max != 0 && c->tls_min > c->tls_max) {
        return bad_option("--tls-max is below the minimum version", NULL);
    }
    int cert_code = wf_cli_client_cert_finish(&c->client_cert);
    if (cert_code >= 0) {
        return cert_code;
    }
    return wf_cli_request_finish(&c->req, &c->fetch);
}

/* ---- output callbacks ------------------------------------------------------ */

static uint32_t clock_ms(void)
{
    return wf_port_sim_millis(NULL);
}

static void on_log(void *ctx, const char *line)
{
    struct session *s = ctx;
    wf_cli_output_log(&s->out, line);
}

/* -v: the request head as curl -v shows it, "> " before each line. */
static void on_request(void *ctx, const char *head, size_t len)
{
    struct wf_cli_output *o = ctx;
    for (size_t i = 0; o->log != NULL && i < len;) {
        const char *end = memchr(head + i, '\r', len - i);
        size_t n = end != NULL ? (size_t)(end - (head + i)) : len - i;
        fprintf(o->log, "> %.*s\n", (int)n, head + i);
        i += n + 2;
    }
}

/* The session whose output `o` is (the callbacks' ctx). */
static struct session *session_of(struct wf_cli_output *o)
{
    return (struct session *)(void *)((char *)o - offsetof(struct session, out));
}

/* The end of a response head: the progress display learns the body's length. */
static int on_headers_done(void *ctx)
{
    struct wf_cli_output *o = ctx;
    int rc = wf_cli_output_headers_done(ctx);
    const char *length = wf_cli_output_field(o, "Content-Length", 14);
    uint64_t n = WF_CLI_PROGRESS_UNKNOWN;
    if (length != NULL && length[0] >= '0' && length[0] <= '9') {
        n = strtoull(length, NULL, 10);
    }
    wf_cli_progress_head(&session_of(o)->progress, n);
    return rc;
}

/* The body, except a 416's to a resumed download (nothing was left to fetch:
 * the output stays as it was, as curl leaves it). */
static int on_body(void *ctx, const uint8_t *data, size_t len)
{
    struct wf_cli_output *o = ctx;
    wf_cli_progress_body(&session_of(o)->progress, len);
    return o->append && o->status == 416 ? 0 : wf_cli_output_body(ctx, data, len);
}

/* curl's rule: the meter (or -#) unless -s or --no-progress-meter, and not
 * when the body goes to the terminal. */
static enum wf_cli_progress_mode progress_mode(const struct cli *c, const char *path)
{
    if (c->silent || c->no_progress_meter || (path == NULL && isatty(STDOUT_FILENO))) {
        return WF_CLI_PROGRESS_NONE;
    }
    return c->progress_bar ? WF_CLI_PROGRESS_BAR : WF_CLI_PROGRESS_METER;
}

/* The request body's length for the progress display. */
static uint64_t upload_length(const struct wf_fetch_body *b)
{
    if (b->read != NULL) {
        return b->length != WF_FETCH_LENGTH_UNKNOWN ? b->length : WF_CLI_PROGRESS_UNKNOWN;
    }
    return b->data != NULL ? b->len : WF_CLI_PROGRESS_UNKNOWN;
}

static void on_keylog(void *ctx, const char *line)
{
    struct session *s = ctx;
    fprintf(s->keylog, "%s\n", line);
    fflush(s->keylog);
}

/* ---- error -> exit code ------------------------------------------------------ */

static int exit_code(int err, enum wf_fetch_step step)
{
    switch (err) {
    case WF_ETIMEDOUT:
        return EXIT_TIMEOUT;
    case WF_EURL:
        return EXIT_URL;
    case WF_EURL_SCHEME:
    case WF_EHTTP_REDIR_PROTO:
        return EXIT_UNSUPPORTED_PROTOCOL;
    case WF_EHTTP_PROTO:
    case WF_EHTTP_TOOBIG:
        return EXIT_WEIRD_REPLY;
    case WF_ETLS_TRUNCATED:
        return EXIT_RECV;
    case WF_EHTTP_SHORT:
        return EXIT_PARTIAL;
    case WF_EHTTP_EMPTY:
        return EXIT_EMPTY;
    case WF_EHTTP_STATUS:
        return EXIT_HTTP_ERROR;
    case WF_EHTTP_REDIRECTS:
        return EXIT_REDIRECTS;
    case WF_EWRITE:
        return EXIT_WRITE;
    case WF_EREAD:
        return EXIT_READ;
    case WF_EHTTP_REWIND:
        return EXIT_REWIND;
    case WF_EHTTP_RANGE:
        return EXIT_RANGE;
    case WF_ETLS_CA:
        return EXIT_CA_FILE;
    case WF_ETLS_PINNED:
        return EXIT_PINNED;
    case WF_ETLS_CERT_EXPIRED:
    case WF_ETLS_CERT_FUTURE:
    case WF_ETLS_CERT_NAME:
    case WF_ETLS_CERT_UNTRUSTED:
    case WF_ETLS_CERT_SIGNATURE:
    case WF_ETLS_CERT_OTHER:
    case WF_ETLS_CERT_CA_LEAF:
    case WF_ETLS_CERT_UNREADABLE:
    case WF_ETLS_CLOCK:
        return EXIT_CERT;
    case WF_ETLS_RECORD_SIZE:
        return EXIT_TLS; /* also when it happens while reading the body */
    case WF_ENODEV:
    case WF_ENETDOWN:
    case WF_ENOENTROPY:
        return EXIT_INIT;
    default:
        break;
    }
    if (step == WF_STEP_REQUEST && (err == WF_EINVAL || err == WF_ENOMEM)) {
        return EXIT_INIT; /* a request that cannot be written (refused before sending) */
    }
    switch (step) {
    case WF_STEP_URL:
        return EXIT_URL;
    case WF_STEP_RESOLVE:
        return EXIT_RESOLVE;
    case WF_STEP_CONNECT:
        return EXIT_CONNECT;
    case WF_STEP_TLS:
        return EXIT_TLS;
    case WF_STEP_REQUEST:
        return EXIT_SEND;
    default:
        return EXIT_RECV;
    }
}

/* ---- set-up ------------------------------------------------------------------ */

/* Is any of the URLs not plain http? */
static bool any_https(const struct cli *c)
{
    for (size_t i = 0; i < c->url_count; i++) {
        if (strncasecmp(c->urls[i], "http://", 7) != 0) {
            return true; /* https (or a URL that fails to parse later) */
        }
    }
    return false;
}

/* Does this command need trust anchors? Plain http never does, unless a
 * redirect may lead to https (-L, and --proto-redir allows it). */
static bool needs_trust(const struct cli *c)
{
    if (any_https(c)) {
        return true;
    }
    unsigned redir = c->fetch.redirect_protocols;
    return c->fetch.follow_redirects && (redir == 0 || (redir & WF_PROTO_HTTPS) != 0);
}

static int trust_failed(const struct cli *c, const char *what, const struct wf_trust_report *r)
{
    say(c, "%s: %s (%s)", wf_strerror(WF_ETLS_CA), what, r->why);
    return EXIT_CA_FILE;
}

static void trust_loaded(struct session *s, const char *what, const struct wf_trust_report *r)
{
    char line[PATH_MAX + 160];
    char skipped[128];
    (void)wf_trust_skipped_text(r, skipped, sizeof skipped);
    int n = snprintf(line, sizeof line, "trust: %zu CA certificates from %s (%s", r->added, what, skipped);
    if (n > 0 && (size_t)n < sizeof line) {
        snprintf(line + n, sizeof line - (size_t)n, r->duplicates ? "; %zu already loaded)" : ")",
                 r->duplicates);
    }
    on_log(s, line);
}

/* Trust anchors in curl's order: --cacert and --capath; else $CURL_CA_BUNDLE,
 * $SSL_CERT_FILE or the system bundle; else the bundle compiled in. Files
 * become one store in this program's memory (trust.h): nothing of them is
 * parsed into the mbedTLS heap until a handshake looks a root up. */
static int load_trust(const struct cli *c, struct session *s)
{
    const bool https = any_https(c);
    if (!needs_trust(c)) {
        on_log(s, "trust: none needed (plain http)");
        return -1;
    }
    wf_trust_init(&trust);
    struct wf_trust_report r;
    for (size_t i = 0; i < c->ca_count; i++) {
        if (wf_trust_add_file(&trust, c->ca_files[i], &r) < 0) {
            return trust_failed(c, c->ca_files[i], &r);
        }
        trust_loaded(s, c->ca_files[i], &r);
    }
    for (size_t i = 0; i < c->ca_dir_count; i++) {
        if (wf_trust_add_dir(&trust, c->ca_dirs[i], &r) < 0) {
            return trust_failed(c, c->ca_dirs[i], &r);
        }
        trust_loaded(s, c->ca_dirs[i], &r);
    }
    if (c->ca_count + c->ca_dir_count == 0) {
        const char *from = NULL;
        const char *file = wf_trust_default_file(&from);
        if (file != NULL) {
            char what[PATH_MAX + 32];
            snprintf(what, sizeof what, strcmp(from, "system") == 0 ? "%s" : "%s ($%s)", file, from);
            if (wf_trust_add_file(&trust, file, &r) < 0) {
                return trust_failed(c, what, &r);
            }
            trust_loaded(s, what, &r);
        } else {
            trust_builtin = true;
            int n = wf_tls_add_builtin_cas(&tls_ctx[0]);
            if (n < 0) {
                say(c, "built-in CA store: %s", wf_strerror(n));
                return EXIT_CA_FILE;
            }
            char line[64];
            snprintf(line, sizeof line, "trust: %d CA certificates compiled in", n);
            on_log(s, line);
        }
    }
    trust_store = trust.count > 0 ? wf_trust_finish(&trust) : NULL;
    if (trust_store != NULL && wf_tls_add_ca_store(&tls_ctx[0], trust_store) < 0) {
        return EXIT_INIT;
    }
    wf_tls_heap_peak_reset(); /* judging the certificates parsed each one briefly: not the fetch's peak */
    if (wf_tls_ca_count(&tls_ctx[0]) == 0 && https && !c->insecure) {
        say(c, "no trusted CA certificates: no system CA bundle was found and this build embeds none; use "
               "--cacert FILE");
        return EXIT_CA_FILE;
    }
    return -1;
}

static int start_chip(struct session *s, struct wf_port_sim *host, wf_chip_t *chip, wf_net_t *net)
{
    int rc = wf_app_start_chip(host, chip, s->cli->chip);
    if (rc < 0) {
        say(s->cli, "network chip: %s", wf_strerror(rc));
        return EXIT_INIT;
    }
    wf_net_init(net, chip);
    char line[64];
    snprintf(line, sizeof line, "chip: %s up as 10.0.0.2/24", chip->variant->name);
    on_log(s, line);
    return -1;
}

/* ---- the one deadline (-m) ------------------------------------------------------ */

/* What is left of -m/--max-time, counted from the end of option parsing, in
 * ms; UINT32_MAX without -m. It bounds DHCP, SNTP and the fetch. */
static uint32_t time_left(const struct session *s)
{
    if (s->cli->fetch.total_timeout_ms == 0) {
        return UINT32_MAX;
    }
    int32_t left = (int32_t)(s->deadline - wf_port_sim_millis(NULL)); /* wrap-safe */
    return left > 0 ? (uint32_t)left : 0;
}

/* ---- DHCP and SNTP: the pre-fetch step ---------------------------------------- */

static void log_ip(struct session *s, const char *what, const uint8_t ip[4])
{
    char line[80];
    snprintf(line, sizeof line, "%s %u.%u.%u.%u", what, ip[0], ip[1], ip[2], ip[3]);
    on_log(s, line);
}

/* What the bring-up learnt, for -v. */
static void log_lease(struct session *s, const struct wf_dhcp_lease *lease)
{
    char line[160];
    snprintf(line, sizeof line,
             "dhcp: %u.%u.%u.%u mask %u.%u.%u.%u router %u.%u.%u.%u, lease %lu s from %u.%u.%u.%u",
             lease->ip[0], lease->ip[1], lease->ip[2], lease->ip[3], lease->mask[0], lease->mask[1],
             lease->mask[2], lease->mask[3], lease->router[0], lease->router[1], lease->router[2],
             lease->router[3], (unsigned long)lease->lease_s, lease->server_id[0], lease->server_id[1],
             lease->server_id[2], lease->server_id[3]);
    on_log(s, line);
    for (uint8_t i = 0; i < lease->dns_count; i++) {
        log_ip(s, "dhcp: DNS server", lease->dns[i]);
    }
    for (uint8_t i = 0; i < lease->ntp_count; i++) {
        log_ip(s, "dhcp: NTP server", lease->ntp[i]);
    }
}

/* --ntp: set the simulation port's clock from the SNTP answer. A failure is not
 * fatal: the clock policy (system clock, or unknown with --no-system-clock) decides. */
static void apply_time(struct session *s, struct wf_port_sim *host, const struct wf_netif_result *r)
{
    const struct cli *c = s->cli;
    const char *fallback = c->no_system_clock ? "the time stays unknown" : "using the system clock";
    if (r->ntp_from == WF_NETIF_NONE) {
        say(c, "--ntp dhcp: the DHCP server offered no NTP server (option 42); %s", fallback);
        return;
    }
    if (r->sntp_rc < 0) {
        say(c, "NTP failed: %s; %s", wf_strerror(r->sntp_rc), fallback);
        return;
    }
    wf_port_sim_set_unix_time(host, r->time.unix_ms / 1000);
    time_t t = (time_t)(r->time.unix_ms / 1000);
    struct tm tm;
    char when[32] = "?";
    if (gmtime_r(&t, &tm) != NULL) {
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    }
    const uint8_t *ip = r->ntp_server.ip;
    char line[160];
    snprintf(line, sizeof line, "ntp: %s from %u.%u.%u.%u:%u (stratum %u, round trip %u ms)", when, ip[0],
             ip[1], ip[2], ip[3], r->ntp_server.port, r->time.stratum, (unsigned)r->time.rtt_ms);
    on_log(s, line);
}

/* --dhcp and --ntp: one wf_netif_up() call; --dns wins over the lease's servers. */
static int net_prepare(struct session *s, struct wf_port_sim *host, wf_chip_t *chip, wf_net_t *net,
                       struct wf_fetch_options *fo)
{
    const struct cli *c = s->cli;
    if (c->no_system_clock) {
        wf_port_sim_set_clock_unknown(host, true);
        on_log(s, "clock: no system clock: the time is unknown until SNTP sets it");
    }
    bool want_ntp = c->ntp.server_count > 0 || c->ntp_from_dhcp;
    if (!c->dhcp && !want_ntp) {
        return -1;
    }
    struct wf_netif_config nc = {
        .use_dhcp = c->dhcp,
        .dhcp_timeout_ms = c->fetch.connect_timeout_ms ? c->fetch.connect_timeout_ms : 30000,
        .ntp_count = c->ntp.server_count,
        .ntp_from_dhcp = c->ntp_from_dhcp && c->ntp.server_count == 0,
        .time_floor = WIZFETCH_TIME_FLOOR, /* a server that sets the clock back is refused */
        .total_ms = c->fetch.total_timeout_ms != 0 ? time_left(s) : 0,
    };
    if (c->fetch.total_timeout_ms != 0 && nc.total_ms == 0) {
        say(c, "%s before the network was up (-m/--max-time ran out)", wf_strerror(WF_ETIMEDOUT));
        return EXIT_TIMEOUT;
    }
    int rc = wf_chip_get_netcfg(chip, &nc.address); /* keep the chip's MAC and address */
    if (rc < 0) {
        say(c, "network chip: %s", wf_strerror(rc));
        return EXIT_INIT;
    }
    memcpy(nc.ntp, c->ntp.servers, sizeof nc.ntp);
    if (c->dhcp) {
        on_log(s, "dhcp: DISCOVER to 255.255.255.255:67");
    }
    static wf_dhcp_t dhcp; /* the lease stays on the chip; wizfetch ends long before T1 */
    struct wf_netif_result r;
    rc = wf_netif_up(chip, net, &dhcp, &nc, &r);
    wf_dhcp_free(&dhcp);
    if (rc < 0 && (rc == WF_ETIMEDOUT || time_left(s) == 0)) {
        say(c, "DHCP failed: %s (-m/--max-time ran out)", wf_strerror(WF_ETIMEDOUT));
        return EXIT_TIMEOUT;
    }
    if (rc < 0) {
        say(c, "DHCP failed: %s", wf_strerror(rc));
        return rc == WF_ENODEV || rc == WF_EIO ? EXIT_INIT : EXIT_DHCP;
    }
    if (r.address_from == WF_NETIF_DHCP) {
        log_lease(s, wf_dhcp_lease(&dhcp));
    }
    if (fo->dns.server_count == 0 && r.dns_from == WF_NETIF_DHCP) {
        memcpy(fo->dns.servers, r.dns, sizeof r.dns);
        fo->dns.server_count = r.dns_count;
    }
    if (want_ntp) {
        apply_time(s, host, &r);
    }
    return -1;
}

/* The key log holds secrets: created owner-only (0600), appended to, and never
 * opened through a symbolic link (someone else's link could point it anywhere). */
static FILE *open_keylog(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        return NULL;
    }
    FILE *f = fdopen(fd, "a");
    if (f == NULL) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    return f;
}

/* -Z: how many transfers run at once at most (--parallel-max, the chip's
 * sockets: W5100 4, W5500 8; a body streamed from a file or stdin to every
 * URL is read by one transfer at a time); 1 without -Z. */
static size_t parallel_slots(const struct cli *c)
{
    if (!c->parallel || c->fetch.body.read != NULL) {
        return 1;
    }
    size_t sockets = c->chip != NULL ? c->chip->sockets : WF_FETCH_MAX_TRANSFERS;
    size_t n = c->parallel_max < sockets ? c->parallel_max : sockets;
    n = n < WF_FETCH_MAX_TRANSFERS ? n : WF_FETCH_MAX_TRANSFERS;
    return n < c->url_count ? n : c->url_count;
}

static int setup_tls(struct cli *c, struct session *s, struct wf_port_sim *host)
{
    if (wf_tls_platform_init(&host->port, tls_pool, sizeof tls_pool) < 0) {
        say(c, "%s", wf_strerror(WF_ENOENTROPY));
        return EXIT_INIT;
    }
    wf_tls_init(&tls_ctx[0]);
    int code = load_trust(c, s);
    if (code >= 0) {
        return code;
    }
    if (c->insecure) {
        fputs("wizfetch: WARNING: --insecure: the server certificate is NOT verified; anyone on the path can "
              "read and change this transfer\n",
              stderr);
    }
    if (c->keylog != NULL) {
        s->keylog = open_keylog(c->keylog);
        if (s->keylog == NULL) {
            say(c, "cannot open key log file %s: %s", c->keylog,
                errno == ELOOP ? "it is a symbolic link (refused)" : strerror(errno));
            return EXIT_WRITE;
        }
        fputs("wizfetch: WARNING: --keylog: TLS secrets are written to disk\n", stderr);
    }
    struct wf_tls_options o = {
        .min_version = c->tls_min,
        .max_version = c->tls_max,
        .insecure = c->insecure,
        .time_floor = WIZFETCH_TIME_FLOOR,
        .keylog = c->keylog ? on_keylog : NULL,
        .keylog_ctx = s,
        .pins = c->pins,
        .pin_count = c->pin_count,
        .no_session_cache = c->no_session_cache,
        .tls13_psk_only = c->tls13_psk_only,
    };
    FILE *err = c->silent ? NULL : stderr;
    code = wf_cli_client_cert_load(&c->client_cert, &o, err);
    if (code >= 0) {
        return code;
    }
    int rc = wf_tls_setup(&tls_ctx[0], &o);
    /* -Z: a context for each transfer at once, with the same anchors and options. */
    for (tls_count = 1; rc == 0 && tls_count < parallel_slots(c); tls_count++) {
        wf_tls_t *t = &tls_ctx[tls_count];
        wf_tls_init(t);
        rc = trust_builtin ? wf_tls_add_builtin_cas(t) : 0;
        if (rc >= 0 && trust_store != NULL) {
            rc = wf_tls_add_ca_store(t, trust_store);
        }
        rc = rc < 0 ? rc : wf_tls_setup(t, &o);
    }
    wf_cli_client_cert_wipe_key(&c->client_cert); /* parsed (or refused): the copy is not needed */
    if (rc == WF_ENOTSUP && c->tls13_psk_only) {
        say(c, "--tls13-psk-only: this build has no TLS 1.3 PSK-only resumption");
        return EXIT_INIT;
    }
    if (rc < 0) {
        code = wf_cli_client_cert_failed(&c->client_cert, rc, err);
        if (code < 0) {
            say(c, "TLS set-up: %s", wf_strerror(rc));
        }
        return code >= 0 ? code : EXIT_INIT;
    }
    if (wf_tls_has_client_cert(&tls_ctx[0])) {
        on_log(s, "tls: client certificate loaded (sent if the server asks for one)");
    }
    return -1;
}

static void report_verbose(const struct cli *c, const wf_session_t *conn, const struct wf_fetch_result *r,
                           struct wf_sim_chip *model)
{
    if (!c->verbose) {
        return;
    }
    fprintf(stderr, "* timings (ms): resolve %u, connect %u, tls %u, request %u, response %u\n",
            r->step_ms[WF_STEP_RESOLVE], r->step_ms[WF_STEP_CONNECT], r->step_ms[WF_STEP_TLS],
            r->step_ms[WF_STEP_REQUEST], r->step_ms[WF_STEP_RESPONSE]);
    const struct wf_sim_chip_stats *st = wf_sim_chip_stats(model);
    fprintf(stderr,
            "* body %llu bytes, %u redirects; SPI %llu frames, %llu bytes; mbedTLS heap peak %zu bytes\n",
            (unsigned long long)r->body_bytes, r->redirects, (unsigned long long)st->frames,
            (unsigned long long)st->bytes, wf_tls_heap_peak());
    if (conn->https) { /* the session cache's figures: what kept sessions cost */
        const struct wf_tls_session_stats *ss = wf_tls_session_stats(conn->tls);
        fprintf(
            stderr,
            "* TLS sessions: %u stored, %u offered, %u resumed; %zu bytes of heap kept now (last session %zu "
            "bytes serialized, %zu as mbedtls_ssl_session); slot %zu bytes\n",
            (unsigned)ss->stored, (unsigned)ss->offered, (unsigned)ss->resumed, ss->kept_bytes,
            ss->last_payload, ss->last_struct_heap, sizeof(struct wf_tls_session_entry));
    }
}

/* -v: curl's lines about the connection. */
static void on_connection(void *ctx, const wf_session_t *conn, bool reused)
{
    struct wf_cli_output *o = ctx;
    if (o->log == NULL) {
        return;
    }
    if (reused) {
        fprintf(o->log, "* Re-using existing connection #%u with host %s\n", conn->id, conn->host);
        return;
    }
    fprintf(o->log, "* Connected to %s (%u.%u.%u.%u) port %u (#%u)\n", conn->host, conn->ip[0], conn->ip[1],
            conn->ip[2], conn->ip[3], conn->port, conn->id);
    /* curl's line when its handshake offered a kept session (whether or not the
     * server took it); the "tls: ..., session resumed" line says if it did. */
    if (conn->https && wf_tls_session_offered(conn->tls)) {
        fputs("* SSL re-using session ID\n", o->log);
    }
}

/* -O: the file name part of the URL's path (no query), as curl 7.88 takes
 * it: the text after the last '/'. Into `name` (PATH_MAX); false if empty. */
static bool remote_file_name(const char *url, char *name)
{
    struct wf_url u;
    if (wf_url_parse(url, &u, NULL) < 0) {
        return false;
    }
    size_t n = strcspn(u.path, "?");
    u.path[n] = '\0';
    const char *base = strrchr(u.path, '/');
    base = base != NULL ? base + 1 : u.path;
    if (*base == '\0' || strlen(base) >= PATH_MAX) {
        return false;
    }
    strcpy(name, base);
    return true;
}

/* The index-th URL's output file: its -o/-O (in order), else -O with
 * --remote-name-all, else NULL (stdout). Returns -1 or an exit code. */
static int output_path(const struct cli *c, size_t index, const char *url, char *name, const char **path)
{
    const char *given = index < c->output_count ? c->outputs[index] : NULL;
    if (given == NULL && c->remote_name_all) {
        given = REMOTE_NAME;
    }
    *path = given;
    if (given != REMOTE_NAME) {
        return -1;
    }
    if (!remote_file_name(url, name)) {
        say(c, "Remote file name has no length!");
        return EXIT_WRITE;
    }
    *path = name;
    return -1;
}

/* What -w prints, from the transfer's result and output. */
struct transfer_facts {
    const wf_fetch_t *fetch; /* its work area */
    struct wf_fetch_callbacks cb;
    char *url;    /* -Z: the URL, copied (wf_cli_request_for_url's is valid only until its next call) */
    bool fetched; /* the fetch ran (else the transfer ended before it) */
    struct wf_fetch_result result;
    struct wf_fetch_options fo;
    struct wf_http_range range; /* fo.range points here */
    const wf_session_t *conn;
    unsigned connections_before;
    uint32_t start_ms, end_ms; /* port clock */
    char remote_name[PATH_MAX];
    const char *path;   /* the output file, NULL for stdout */
    uint64_t resume_at; /* -C: the file's size before the transfer */
    int rc;             /* the fetch's WF_E* result */
    int code;           /* the exit code */
    char errormsg[256];
};

static double seconds(uint32_t ms)
{
    return (double)ms / 1000.0;
}

static void print_write_out(struct session *s, const struct transfer_facts *t)
{
    const struct cli *c = s->cli;
    const struct wf_fetch_result *r = &t->result;
    const struct wf_url *u = wf_fetch_url(t->fetch);
    static struct wf_url given; /* the URL as given, when the fetch never got past it */
    char url[WF_URL_MAX_HOST + WF_URL_MAX_PATH + 32] = "";
    if (!t->fetched || (r->step == WF_STEP_URL && r->redirects == 0)) {
        if (wf_url_parse(t->fo.url, &given, NULL) < 0) {
            memset(&given, 0, sizeof given);
        }
        u = &given;
        if (t->fetched) { /* curl: no URL and no scheme for a transfer that never started */
            snprintf(url, sizeof url, "%s", t->fo.url);
        }
    } else if (wf_url_format(u, url, sizeof url) < 0) {
        snprintf(url, sizeof url, "%s", t->fo.url);
    }
    /* A redirect not followed: where it pointed, as an absolute URL. */
    char redirect[sizeof url] = "";
    const char *location = wf_cli_output_field(&s->out, "Location", 8);
    struct wf_url next;
    if (location != NULL && r->http_status >= 300 && r->http_status < 400 &&
        wf_url_resolve(u, location, strlen(location), &next, NULL) == 0) {
        (void)wf_url_format(&next, redirect, sizeof redirect);
    }
    const char *type = wf_cli_output_field(&s->out, "Content-Type", 12);
    char ip[16] = "";
    bool connected = r->step >= WF_STEP_REQUEST || r->reused_connection;
    if (connected) {
        snprintf(ip, sizeof ip, "%u.%u.%u.%u", r->ip[0], r->ip[1], r->ip[2], r->ip[3]);
    }
    uint32_t namelookup = r->step_ms[WF_STEP_RESOLVE];
    uint32_t connect = namelookup + r->step_ms[WF_STEP_CONNECT];
    uint32_t appconnect = u->https ? connect + r->step_ms[WF_STEP_TLS] : 0;
    uint32_t total = t->end_ms - t->start_ms;
    uint32_t first_byte = s->out.got_response ? s->out.first_byte_ms - (t->start_ms - s->t0) : 0;
    const struct wf_fetch_body *b = &t->fo.body;
    struct wf_cli_write_out_info info = {
        .http_code = r->http_status,
        .size_download = r->body_bytes,
        .size_upload = b->read != NULL ? (b->length != WF_FETCH_LENGTH_UNKNOWN ? b->length : 0)
                                       : (b->data != NULL ? b->len : 0),
        .size_header = s->out.head_bytes,
        .time_namelookup = seconds(namelookup),
        .time_connect = seconds(connect),
        .time_appconnect = seconds(appconnect),
        .time_pretransfer = seconds(u->https ? appconnect : connect),
        .time_starttransfer = seconds(first_byte),
        .time_total = seconds(total),
        .url_effective = url,
        .redirect_url = redirect,
        .content_type = type != NULL ? type : "",
        .errormsg = t->errormsg,
        .scheme = !t->fetched ? ""
                  : u->https  ? "HTTPS"
                              : "HTTP",
        .remote_ip = ip,
        .method = t->fo.method != NULL ? t->fo.method : (t->fo.head ? "HEAD" : "GET"),
        .filename_effective = t->path != NULL ? t->path : "",
        .num_connects = t->conn->connections - t->connections_before,
        .num_redirects = r->redirects,
        .remote_port = connected ? u->port : 0,
        .exitcode = t->code,
        .ssl_verify_result = 0, /* a certificate that does not verify ends the transfer (exit 60) */
        .header = wf_cli_output_field,
        .header_ctx = &s->out,
    };
    wf_cli_write_out(c->write_out, &info, stdout, stderr, stderr);
}

/* One attempt at the index-th URL of the command line over the session
 * `conn`, with the work area `f`: its own output (-o/-O paired in order, else
 * stdout); what happened goes to `t`. Prepares the options and callbacks in
 * `t` (the fetch is started by the caller, over `conn`): -1, or the exit code
 * of a transfer that ended before its fetch. */
static int transfer_begin(struct session *s, wf_session_t *conn, const wf_fetch_t *f,
                          const struct wf_fetch_options *base, size_t index, struct transfer_facts *t)
{
    const struct cli *c = s->cli;
    t->fetch = f;
    t->fetched = false;
    t->errormsg[0] = '\0';
    t->path = NULL;
    t->conn = conn;
    t->connections_before = conn->connections;
    memset(&t->result, 0, sizeof t->result); /* what -w shows of a transfer that ends before its fetch */
    t->start_ms = t->end_ms = clock_ms();
    struct wf_fetch_options *fo = &t->fo;
    *fo = *base;
    int code = wf_cli_request_for_url(s->req, index, c->urls[index], fo);
    if (code >= 0) {
        return code;
    }
    if (c->parallel) { /* the next URL's call would change it while this one runs */
        free(t->url);
        t->url = strdup(fo->url);
        if (t->url == NULL) {
            say(c, "out of memory");
            return EXIT_INIT;
        }
        fo->url = t->url;
    }
    code = output_path(c, index, fo->url, t->remote_name, &t->path);
    if (code >= 0) {
        return code;
    }
    const char *path = t->path;
    if (c->fetch.total_timeout_ms != 0) {
        fo->total_timeout_ms = time_left(s); /* -m bounds the whole command (each attempt, with --retry) */
        if (fo->total_timeout_ms == 0) {
            say(c, "%s before %s (-m/--max-time ran out)", wf_strerror(WF_ETIMEDOUT), fo->url);
            return EXIT_TIMEOUT;
        }
    }
    if (c->fail_with_body) {
        fo->fail_on_http_error = false; /* the body is written; the exit code says it failed */
    }
    t->range = c->range;
    if (c->range_given) {
        fo->range = &t->range;
    }
    t->resume_at = c->resume_at;
    if (c->resume && c->resume_from_file) {
        struct stat st; /* -C -: what the output file holds (none: from the start) */
        t->resume_at = path != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    }
    if (c->resume && t->resume_at > 0) {
        t->range = (struct wf_http_range){.first = t->resume_at, .last = WF_HTTP_RANGE_TO_END};
        fo->range = &t->range;
        fo->range_required = true;
    }
    /* The -o file is opened at the first byte (output.h): a failure before it
     * leaves an existing file as it was. */
    wf_cli_output_init(&s->out, c->silent ? NULL : stderr, stdout, path, c->include || c->fetch.head);
    s->out.log = c->verbose ? stderr : NULL;
    s->out.clock_ms = clock_ms;
    s->out.t0 = s->t0;
    s->out.create_dirs = c->create_dirs;
    s->out.dump_header = c->dump_header_file;
    s->out.append = fo->range_required; /* the rest goes after what the file holds */
    t->cb = (struct wf_fetch_callbacks){
        .ctx = &s->out,
        .log = wf_cli_output_log,
        .request = on_request,
        .connection = on_connection,
        .certificate = wf_cli_output_certificate,
        .status = wf_cli_output_status,
        .header = wf_cli_output_header,
        .headers_done = on_headers_done,
        .body = on_body,
    };
    wf_cli_progress_start(&s->progress, c->parallel ? WF_CLI_PROGRESS_NONE : progress_mode(c, path), stderr,
                          clock_ms, upload_length(&fo->body));
    t->start_ms = clock_ms();
    return -1;
}

/* The fetch of transfer_begin ended with rc: the output is finished, the
 * messages said; returns the exit code. */
static int transfer_end(struct session *s, int rc, struct wf_sim_chip *model, struct transfer_facts *t)
{
    const struct cli *c = s->cli;
    const wf_session_t *conn = t->conn;
    const char *path = t->path;
    wf_cli_progress_end(&s->progress);
    t->fetched = true;
    int out_rc = wf_cli_output_finish(&s->out, rc == 0);
    t->end_ms = clock_ms();
    rc = rc ? rc : out_rc;
    if (s->out.failed && path != NULL) {
        say(c, "cannot write %s", path);
    }
    if (c->verbose && conn->connections > 0) {
        if (conn->open) {
            fprintf(stderr, "* Connection #%u to host %s left intact\n", conn->id, conn->host);
        } else {
            fprintf(stderr, "* Closing connection %u\n", conn->id);
        }
    }
    report_verbose(c, conn, &t->result, model);
    int code = rc == 0 ? EXIT_OK : exit_code(rc, t->result.step);
    if (rc == 0 && c->fail_with_body && t->result.http_status >= 400) {
        rc = WF_EHTTP_STATUS;
        code = EXIT_HTTP_ERROR;
    }
    if (rc == WF_EHTTP_RANGE) {
        snprintf(t->errormsg, sizeof t->errormsg,
                 "HTTP server doesn't seem to support byte ranges. Cannot resume.");
        say(c, "%s", t->errormsg);
    } else if (rc == WF_EHTTP_STATUS) {
        snprintf(t->errormsg, sizeof t->errormsg, "The requested URL returned error: %d",
                 t->result.http_status);
        say(c, "the server returned HTTP %d", t->result.http_status);
    } else if (rc < 0) {
        snprintf(t->errormsg, sizeof t->errormsg, "%s failed: %s", wf_fetch_step_name(t->result.step),
                 wf_strerror(rc));
        say(c, "%s", t->errormsg);
        if (t->result.step == WF_STEP_RESOLVE && t->fo.dns.server_count == 0) {
            say(c, "no DNS server is configured: use --dns IP[:PORT] or --resolve HOST:PORT:ADDR");
        }
    }
    t->rc = rc;
    t->code = code;
    return code;
}

/* One attempt, start to end, over `conn` with the work area fetch_area. */
static int transfer(struct session *s, wf_session_t *conn, const struct wf_fetch_options *base, size_t index,
                    struct wf_sim_chip *model, struct transfer_facts *t)
{
    int code = transfer_begin(s, conn, &fetch_area, base, index, t);
    if (code >= 0) {
        return code;
    }
    int rc = wf_fetch_session(&fetch_area, conn, &t->fo, &t->cb, &t->result);
    return transfer_end(s, rc, model, t);
}

/* Before a retry: what the failed attempt wrote to the output file goes (the
 * file is cut back to what it held before, as curl does). */
static void discard_attempt(struct session *s, const struct transfer_facts *t)
{
    if (!t->fetched || t->path == NULL || s->out.written == 0) {
        return;
    }
    if (!s->cli->silent) {
        fprintf(stderr, "Throwing away %llu bytes\n", (unsigned long long)s->out.written);
    }
    off_t keep = t->fo.range_required ? (off_t)t->resume_at : 0;
    if (truncate(t->path, keep) != 0) {
        say(s->cli, "cannot truncate %s: %s", t->path, strerror(errno));
    }
}

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* A URL is done with exit code `code`: -w, and its output is freed. */
static void write_out_end(struct session *s, struct transfer_facts *t, int code)
{
    if (s->cli->write_out != NULL) {
        if (!t->fetched) { /* nothing measured (e.g. -O without a file name): curl prints -w all the same */
            wf_cli_output_init(&s->out, NULL, stdout, NULL, false);
        }
        t->code = code;
        print_write_out(s, t);
    }
    wf_cli_output_free(&s->out);
}

/* The index-th URL: attempts as --retry allows, then -w. Returns the exit
 * code of the last attempt. */
static int fetch_url(struct session *s, wf_session_t *conn, const struct wf_fetch_options *base, size_t index,
                     struct wf_sim_chip *model)
{
    const struct cli *c = s->cli;
    static struct transfer_facts t; /* PATH_MAX inside: not on the stack */
    struct wf_cli_retry retry;
    wf_cli_retry_start(&retry, &c->retry);
    uint32_t first = clock_ms();
    int code;
    for (;;) {
        wf_cli_output_free(&s->out);
        code = transfer(s, conn, base, index, model, &t);
        struct wf_cli_attempt a = {
            .exit_code = code,
            .http_status = t.fetched ? t.result.http_status : 0,
            .refused = t.fetched && t.rc == WF_ECONNREFUSED,
            .complete = t.fetched && (t.rc == 0 || t.rc == WF_EHTTP_STATUS),
        };
        const char *retry_after = t.fetched ? wf_cli_output_field(&s->out, "Retry-After", 11) : NULL;
        unsigned left = retry.left;
        uint64_t wait = 0;
        enum wf_cli_retry_kind kind =
            wf_cli_retry_next(&retry, &c->retry, &a, clock_ms() - first, retry_after, time(NULL), &wait);
        if (kind == WF_CLI_RETRY_NO) {
            break;
        }
        const struct wf_fetch_body *b = &t.fo.body;
        if (b->read != NULL && (b->rewind == NULL || b->rewind(b->ctx) < 0)) {
            say(c, "not retried: the request body cannot be read again");
            break;
        }
        if (!c->silent) {
            wf_cli_retry_warn(stderr, kind, wait, left);
        }
        discard_attempt(s, &t);
        sleep_ms(wait);
        s->deadline = clock_ms() + c->fetch.total_timeout_ms; /* -m: for each attempt, as curl */
    }
    write_out_end(s, &t, code);
    return code;
}

/* ---- -Z: the URLs at once ------------------------------------------------------ */

/* A transfer at once: its own output, connection (socket and TLS context) and work area. */
struct slot {
    struct session s;
    wf_session_t conn;
    wf_fetch_t fetch;
    struct transfer_facts t;
    bool busy;
};

static struct slot slots[WF_FETCH_MAX_TRANSFERS];

/* Start the index-th URL in the free slot `sl`: -1 once its fetch runs (in
 * `m`), else the exit code of a transfer that ended before its fetch. */
static int parallel_start(struct slot *sl, wf_fetch_multi_t *m, const struct wf_fetch_options *base,
                          size_t index, struct wf_sim_chip *model)
{
    wf_cli_output_free(&sl->s.out);
    int code = transfer_begin(&sl->s, &sl->conn, &sl->fetch, base, index, &sl->t);
    if (code >= 0) {
        write_out_end(&sl->s, &sl->t, code);
        return code;
    }
    int rc = wf_fetch_session_start(&sl->fetch, &sl->conn, &sl->t.fo, &sl->t.cb, &sl->t.result);
    if (rc == 0) {
        rc = wf_fetch_multi_add(m, &sl->fetch);
        if (rc == 0) {
            sl->busy = true;
            return -1;
        }
        wf_fetch_abort(&sl->fetch);
    }
    code = transfer_end(&sl->s, rc, model, &sl->t);
    write_out_end(&sl->s, &sl->t, code);
    return code;
}

/* curl -Z: the URLs at once, up to `limit` (and what the chip's sockets
 * allow); the others wait for one to end, in the order given. Each body goes
 * to its own output as it arrives (stdout: in the order the pieces come).
 * The exit code is the last non-zero one in the order the transfers end
 * (curl 7.88's rule), 0 when all succeeded. */
static int run_parallel(struct session *main_s, wf_net_t *net, const struct wf_fetch_options *base,
                        size_t limit, struct wf_sim_chip *model)
{
    const struct cli *c = main_s->cli;
    if (c->retry.count > 0 && !c->silent) {
        fputs("Warning: --retry is not applied with -Z/--parallel: each URL gets one attempt\n", stderr);
    }
    wf_fetch_multi_t m;
    wf_fetch_multi_init(&m, net);
    size_t cap = wf_fetch_multi_capacity(&m);
    limit = limit < cap ? limit : cap;
    for (size_t i = 0; i < limit; i++) {
        slots[i].s = *main_s;
        wf_cli_output_init(&slots[i].s.out, c->silent ? NULL : stderr, stdout, NULL, false);
        wf_session_init(&slots[i].conn, net, &tls_ctx[i]);
    }
    int code = EXIT_OK;
    size_t next = 0;
    while (next < c->url_count || m.count > 0) {
        for (size_t i = 0; i < limit && next < c->url_count; i++) {
            if (!slots[i].busy) {
                int rc = parallel_start(&slots[i], &m, base, next++, model);
                code = rc > 0 ? rc : code;
            }
        }
        wf_fetch_t *done;
        int rc = wf_fetch_multi_poll(&m, &done);
        if (rc == WF_EAGAIN) {
            if (!m.progressed) {
                sleep_ms(1);
            }
            continue;
        }
        if (done == NULL) {
            continue; /* none in progress */
        }
        struct slot *sl = (struct slot *)(void *)((char *)done - offsetof(struct slot, fetch));
        int end = transfer_end(&sl->s, rc, model, &sl->t);
        write_out_end(&sl->s, &sl->t, end);
        sl->busy = false;
        code = end != EXIT_OK ? end : code;
    }
    uint32_t left = time_left(main_s); /* -m bounds the closing too */
    for (size_t i = 0; i < limit; i++) {
        wf_session_close(&slots[i].conn, left < WF_FETCH_CLOSE_GRACE_MS ? left : WF_FETCH_CLOSE_GRACE_MS);
        free(slots[i].t.url);
        slots[i].t.url = NULL;
    }
    return code;
}

/* -D FILE: one file for the heads of every URL ("-": stdout). */
static int open_dump_header(struct cli *c)
{
    if (c->dump_header == NULL) {
        return -1;
    }
    c->dump_header_file = strcmp(c->dump_header, "-") == 0 ? stdout : fopen(c->dump_header, "wb");
    if (c->dump_header_file == NULL) {
        say(c, "cannot open %s: %s", c->dump_header, strerror(errno));
        return EXIT_WRITE;
    }
    return -1;
}

static int run(struct cli *c, struct wf_sim_chip *model)
{
    struct session s = {.cli = c, .req = &c->req, .t0 = wf_port_sim_millis(NULL)};
    /* Messages before the first transfer (chip, DHCP, trust) use this output; each URL gets its own. */
    wf_cli_output_init(&s.out, c->silent ? NULL : stderr, stdout, NULL, false);
    s.out.log = c->verbose ? stderr : NULL;
    s.out.clock_ms = clock_ms;
    s.out.t0 = s.t0;
    s.deadline = s.t0 + c->fetch.total_timeout_ms; /* -m bounds everything from here on */
    struct wf_port_sim host;
    wf_port_sim_init(&host, model);
    wf_chip_t chip;
    wf_net_t net = {0};
    struct wf_fetch_options fo = c->fetch; /* --dhcp may add the DNS servers */
    int code = open_dump_header(c);
    if (code < 0) {
        code = start_chip(&s, &host, &chip, &net);
    }
    if (code < 0) {
        code = net_prepare(&s, &host, &chip, &net, &fo);
    }
    if (code < 0) {
        code = setup_tls(c, &s, &host);
    }
    if (code < 0 && c->parallel) {
        code = run_parallel(&s, &net, &fo, tls_count, model);
    } else if (code < 0) {
        wf_session_t conn;
        wf_session_init(&conn, &net, &tls_ctx[0]);
        for (size_t i = 0; i < c->url_count; i++) {
            code = fetch_url(&s, &conn, &fo, i, model);
        }
        uint32_t left = time_left(&s); /* -m bounds the closing too */
        wf_session_close(&conn, left < WF_FETCH_CLOSE_GRACE_MS ? left : WF_FETCH_CLOSE_GRACE_MS);
    }
    if (s.keylog != NULL) {
        fclose(s.keylog);
    }
    if (c->dump_header_file != NULL && c->dump_header_file != stdout) {
        fclose(c->dump_header_file);
    }
    for (size_t i = 0; i < WF_FETCH_MAX_TRANSFERS; i++) {
        wf_tls_free(&tls_ctx[i]);
    }
    wf_trust_free(&trust);
    wf_net_free(&net);
    return code;
}

int main(int argc, char **argv)
{
    struct cli c;
    memset(&c, 0, sizeof c);
    c.chip = &wf_chip_w5100;
    c.model = WF_SIM_W5100;
    wf_fetch_options_default(&c.fetch);
    c.fetch.connect_timeout_ms = 30000;
    c.fetch.total_timeout_ms = 0;
    c.parallel_max = PARALLEL_DEFAULT;
    int code = parse_options(argc, argv, &c);
    if (code >= 0) {
        cli_free(&c);
        return code;
    }
    /* The model is made once the options are known (--model, --chip, --map). */
    struct wf_sim_chip *model = wf_sim_chip_new_variant(0x5EED, c.model);
    if (model == NULL) {
        fputs("wizfetch: out of memory\n", stderr);
        cli_free(&c);
        return EXIT_INIT;
    }
    for (size_t i = 0; i < c.map_count && code < 0; i++) {
        if (!wf_args_map_rule(model, c.map_rules[i])) {
            code = bad_option("bad --map rule (want VIP[:VPORT]=HOST:PORT)", c.map_rules[i]);
        }
    }
    if (code < 0) {
        code = run(&c, model);
    }
    cli_free(&c);
    code = wf_app_check_model(model, "wizfetch", code, EXIT_MODEL_VIOLATION);
    wf_sim_chip_free(model);
    return code;
}
