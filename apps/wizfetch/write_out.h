/**
 * @file write_out.h
 * @brief -w/--write-out: curl's format language over what one transfer
 * measured.
 *
 * The format is copied as it is, except:
 *   %{name}        a variable (the list: wf_cli_write_out's table, curl's names
 *                  and number formats); an unknown name prints nothing and a
 *                  warning "wizfetch: unknown --write-out variable: 'name'" on
 *                  the warning stream, as curl 7.88 does
 *   %header{name}  the value of the final response's header field `name`
 *                  (case-insensitive; the first of several), nothing if absent
 *   %{stdout} %{stderr}  the rest goes to that stream
 *   %%             '%'
 *   \n \r \t       newline, carriage return, tab; any other backslash pair is
 *                  copied as it is (curl 7.88: "\\" prints both backslashes)
 * A '%' not followed by '{', "header{" or '%' is copied with the next byte; a
 * "%{" or "%header{" without its '}' is copied as it is.
 *
 * Pure: writes only to the streams given; nothing is allocated but by
 * wf_cli_write_out_load.
 */
#ifndef WF_APPS_WIZFETCH_WRITE_OUT_H
#define WF_APPS_WIZFETCH_WRITE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** What one transfer measured. Strings are never NULL ("" when not known). */
struct wf_cli_write_out_info {
    int http_code;          /**< final status, 0 if none (printed "%03d": "000") */
    uint64_t size_download; /**< body bytes received */
    uint64_t size_upload;   /**< request body bytes sent */
    uint64_t size_header;   /**< bytes of all response heads (redirects and 1xx included) */
    /** Seconds from the start of the transfer to the end of: name look-up,
     *  TCP connect, TLS handshake (0 for http), the moment the request could
     *  go (pretransfer), the first response byte, the end; and the time spent
     *  in redirects before the final request. */
    double time_namelookup, time_connect, time_appconnect, time_pretransfer, time_starttransfer, time_total,
        time_redirect;
    const char *url_effective;      /**< the last URL fetched */
    const char *redirect_url;       /**< a redirect not followed: its absolute target */
    const char *content_type;       /**< the final response's Content-Type */
    const char *errormsg;           /**< why the transfer failed */
    const char *scheme;             /**< "HTTP" or "HTTPS" (curl 7.88's case) */
    const char *remote_ip;          /**< the last connection's address */
    const char *method;             /**< the last request's method */
    const char *http_version;       /**< "1.1" or "1" (HTTP/1.0), "0" when no response */
    const char *filename_effective; /**< the output file, "" for stdout */
    unsigned num_connects;          /**< new connections this transfer opened */
    unsigned num_redirects;         /**< redirects followed */
    unsigned remote_port;           /**< 0 when no connection */
    int exitcode;                   /**< the transfer's exit code */
    long ssl_verify_result;         /**< 0: verified (or not https) */
    /** The final response's field `name` (`len` bytes, not NUL-terminated):
     *  its value or NULL. */
    const char *(*header)(void *ctx, const char *name, size_t len);
    void *header_ctx;
};

/**
 * @brief Write `format` with `info` to `out` (%{stderr} switches to `err`,
 * %{stdout} back to `out`); warnings about unknown variables go to `warn`
 * (NULL: none). Write errors are ignored (curl ignores them too).
 */
void wf_cli_write_out(const char *format, const struct wf_cli_write_out_info *info, FILE *out, FILE *err,
                      FILE *warn);

/**
 * @brief The format of "-w ARG": ARG itself, or with "@FILE" the file's
 * contents ("@-": `in`) with every CR and LF removed, as curl does. Returns
 * a malloc'd string (caller frees), or NULL if the file cannot be read
 * (errno says why) or memory runs out.
 */
char *wf_cli_write_out_load(const char *arg, FILE *in);

#endif
