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
    FILE *log;                  /**< -v: step lines ("* [ms] ..."); NULL = none */
    uint32_t (*clock_ms)(void); /**< for the step lines' times (required with `log`) */
    uint32_t t0;                /**< clock_ms() at the start */
    /* state */
    FILE *out;   /**< NULL until the first byte is written */
    bool failed; /**< the output could not be opened or written */
};

/** Settings as above; nothing is opened yet. */
void wf_cli_output_init(struct wf_cli_output *o, FILE *messages, FILE *std_out, const char *path,
                        bool head_to_out);

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
