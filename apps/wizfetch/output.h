/**
 * @file output.h
 * @brief What the wizfetch command prints: the certificate summary and the
 * response heads on the message stream (stderr), the body (and with -i/-I the
 * heads) on the output stream (stdout or the -o file).
 *
 * The -o file is opened when the first byte goes to it, as curl does: a fetch
 * that fails before that leaves an existing file untouched; a fetch that fails
 * mid-body leaves what arrived (the exit code says it failed).
 *
 * Every printer writes the text it is given as it is, whatever its length (no
 * fixed-size formatting buffer), so a hostile status line or header cannot
 * make it print memory it was not given.
 *
 * Each response head also goes, as received (CRLF line ends), to the -D
 * stream when one is set, and its size and fields are kept for -w (the size
 * of all heads; the fields of the latest one, for %header{} and friends).
 *
 * The callbacks have the shapes of struct wf_fetch_callbacks; `ctx` is the
 * struct wf_cli_output. Errors: WF_EWRITE when the output cannot be opened
 * or written (the message stream's errors are ignored, as stderr's are).
 */
#ifndef WF_APPS_WIZFETCH_OUTPUT_H
#define WF_APPS_WIZFETCH_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct wf_cli_output {
    /* settings (wf_cli_output_init) */
    FILE *messages;             /**< summary and "< " head lines; NULL = silent (-s) */
    FILE *std_out;              /**< the output when no path is given (stdout) */
    const char *path;           /**< -o FILE, or NULL */
    bool head_to_out;           /**< -i or -I: each response head goes to the output too */
    bool create_dirs;           /**< --create-dirs: make the directories of `path` before opening it */
    bool append;                /**< -C: append to `path` instead of truncating it */
    FILE *dump_header;          /**< -D: every response head, as received; NULL = none */
    FILE *log;                  /**< -v: step lines ("* [ms] ..."); NULL = none */
    uint32_t (*clock_ms)(void); /**< for the step lines' times (required with `log`) */
    uint32_t t0;                /**< clock_ms() at the start */
    /* state */
    FILE *out;              /**< NULL until the first byte is written */
    bool failed;            /**< the output could not be opened or written */
    int status;             /**< the latest response's status code */
    uint64_t written;       /**< bytes written to the output */
    uint64_t head_bytes;    /**< bytes of all response heads so far (status line to the empty line) */
    uint32_t first_byte_ms; /**< clock_ms() - t0 when the first response head began (0: none yet) */
    bool got_response;      /**< a response head has begun */
    char *fields;           /**< the latest head's fields, "name\0value\0..." (malloc'd) */
    size_t fields_len, fields_cap;
};

/** Settings as above; nothing is opened yet. */
void wf_cli_output_init(struct wf_cli_output *o, FILE *messages, FILE *std_out, const char *path,
                        bool head_to_out);

/** The latest response head's field `name` (`len` bytes; case-insensitive;
 *  the first of several): its value, or NULL. Valid until the next head or
 *  wf_cli_output_free. */
const char *wf_cli_output_field(void *ctx, const char *name, size_t len);

/** Free what the head store holds (after wf_cli_output_finish). */
void wf_cli_output_free(struct wf_cli_output *o);

/** A step line (-v): "* [   ms] line" on `log`. */
void wf_cli_output_log(void *ctx, const char *line);
void wf_cli_output_certificate(void *ctx, const char *summary);
int wf_cli_output_status(void *ctx, int code, const char *reason);
int wf_cli_output_header(void *ctx, const char *name, const char *value);
int wf_cli_output_headers_done(void *ctx);
int wf_cli_output_body(void *ctx, const uint8_t *data, size_t len);

/**
 * @brief Flush and close the output. With `success` an -o file that nothing
 * was written to (an empty body) is created empty, as curl does. Returns 0,
 * or WF_EWRITE if the output failed at any point.
 */
int wf_cli_output_finish(struct wf_cli_output *o, bool success);

#endif
