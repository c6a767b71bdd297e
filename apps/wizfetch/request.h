/**
 * @file request.h
 * @brief The wizfetch command's request options, with curl's names and
 * semantics: -X, -H, -d/--data, --data-binary, --data-raw, --json, -T, -u,
 * -A, -e, -G. They are collected while the options are parsed
 * (wf_cli_request_option) and turned into the method, header list and body
 * of struct wf_fetch_options afterwards (wf_cli_request_finish).
 *
 * Data given as DATA is held in memory (as curl does). One `--data-binary
 * @FILE` or `--json @FILE`, or `-T FILE`, is streamed from the file with its
 * length (Content-Length) and can be rewound (307/308); `-T -` streams
 * standard input with chunked coding (not rewindable).
 *
 * Every string the fetch options point to is owned by the struct
 * wf_cli_request and lives until wf_cli_request_free.
 */
#ifndef WF_APPS_WIZFETCH_REQUEST_H
#define WF_APPS_WIZFETCH_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "wizfetch/fetch.h"

/** Most -H/-u/-A/-e/--json header fields on one command line. */
#define WF_CLI_MAX_HEADERS 64
/** Most data options (-d, --data-binary, --data-raw, --json) on one command line. */
#define WF_CLI_MAX_DATA 32

/** Exit codes of this module (curl's numbers). */
enum {
    WF_CLI_EXIT_BAD_OPTION = 2, /**< bad -H syntax, bad -X method, conflicting options */
    WF_CLI_EXIT_READ = 26,      /**< an @FILE or -T FILE that cannot be read */
};

enum wf_cli_data_kind { WF_CLI_DATA, WF_CLI_DATA_BINARY, WF_CLI_DATA_RAW, WF_CLI_JSON };

struct wf_cli_request {
    /* collected options */
    const char *method; /**< -X */
    struct wf_http_header headers[WF_CLI_MAX_HEADERS];
    size_t header_count;
    struct {
        enum wf_cli_data_kind kind;
        const char *arg;
    } data[WF_CLI_MAX_DATA];
    size_t data_count;
    const char *upload;  /**< -T FILE or "-" */
    const char *user;    /**< -u USER:PASSWORD */
    bool get;            /**< -G */
    const char *agent;   /**< -A ("" removes User-Agent) */
    const char *referer; /**< -e (a ";auto" suffix is dropped) */
    /* results (owned) */
    char *body; /**< the data pieces joined, if held in memory */
    size_t body_len;
    FILE *file;                          /**< a streamed body (-T, or one --data-binary/--json @FILE) */
    char *url;                           /**< the URL after -G or -T changed it, else NULL */
    char *owned[WF_CLI_MAX_HEADERS + 4]; /**< strings made for headers */
    size_t owned_count;
};

/**
 * @brief Take one request option. `opt` is the short option character or
 * one of the WF_CLI_OPT_* values below; `arg` its argument (argv storage).
 * @return -1 if taken; else an exit code, after printing the reason.
 */
int wf_cli_request_option(struct wf_cli_request *r, int opt, const char *arg);

/** Long-only options of this module (getopt values). */
enum {
    WF_CLI_OPT_DATA_BINARY = 512,
    WF_CLI_OPT_DATA_RAW,
    WF_CLI_OPT_JSON,
};

/**
 * @brief Fill the method, headers, body (and with -G/-T the URL) of `o` from
 * the collected options. `o->url` must be set; `o->head` is -I.
 * @return -1 on success; else an exit code (26 for an unreadable file, 2 for
 *         conflicting options), after printing the reason on stderr.
 */
int wf_cli_request_finish(struct wf_cli_request *r, struct wf_fetch_options *o);

/**
 * @brief The options for the `index`-th URL of the command line (from 0),
 * after wf_cli_request_finish made them for the first one, as curl does with
 * several URLs: -d, --data-binary, --data-raw and --json go to every URL (-G: as each URL's query; a
 * streamed @FILE is rewound), -T only to the first (the others are GET, or
 * -X). Sets o->url (a string owned by `r`, valid until the next call).
 * @return -1, or an exit code after printing the reason (26: a streamed body
 *         that cannot be read again; 2: out of memory).
 */
int wf_cli_request_for_url(struct wf_cli_request *r, size_t index, const char *url,
                           struct wf_fetch_options *o);

/** @brief Close and free what wf_cli_request_finish made. */
void wf_cli_request_free(struct wf_cli_request *r);

/** @brief Base64 (RFC 4648, with padding) of `len` bytes into `out`, which
 *  must hold 4 * ((len + 2) / 3) + 1 bytes. Returns the length written. */
size_t wf_cli_base64(const unsigned char *in, size_t len, char *out);

#endif
