/**
 * @file retry.h
 * @brief --retry and its family: curl 7.88's rules for what is transient,
 * how long to wait, and how the warning reads. Pure: no sleeping, no I/O
 * but the warning's stream.
 *
 * What is retried (curl's order): a timeout or a failed name look-up (exit
 * 28, 6); a refused connection (exit 7 with WF_ECONNREFUSED) only with
 * --retry-connrefused; a complete response with status 408, 429, 500, 502,
 * 503 or 504 (also when -f/--fail-with-body made it exit 22); with
 * --retry-all-errors, any other failure. Nothing is retried once --retry
 * attempts were used or --retry-max-time seconds passed since the first try.
 *
 * The wait: --retry-delay S each time if given, else 1 s doubled after each
 * retry up to 10 minutes; a Retry-After on an HTTP answer (seconds or an
 * HTTP date) replaces it for that retry, cut to what --retry-max-time
 * leaves.
 */
#ifndef WF_APPS_WIZFETCH_RETRY_H
#define WF_APPS_WIZFETCH_RETRY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/** Why an attempt is retried. */
enum wf_cli_retry_kind {
    WF_CLI_RETRY_NO = 0,
    WF_CLI_RETRY_ALL_ERRORS, /**< --retry-all-errors */
    WF_CLI_RETRY_TIMEOUT,    /**< a timeout or a failed look-up */
    WF_CLI_RETRY_CONNREFUSED,
    WF_CLI_RETRY_HTTP, /**< a transient HTTP status */
};

/** The options (--retry, --retry-delay, --retry-max-time, ...). */
struct wf_cli_retry_options {
    unsigned count;       /**< --retry N: attempts after the first */
    uint32_t delay_ms;    /**< --retry-delay S in ms; 0: curl's backoff */
    uint32_t max_time_ms; /**< --retry-max-time S in ms; 0: no limit */
    bool all_errors;      /**< --retry-all-errors */
    bool connrefused;     /**< --retry-connrefused */
};

/** What one attempt ended with. */
struct wf_cli_attempt {
    int exit_code;   /**< the attempt's exit code (curl's numbers) */
    int http_status; /**< the final response's status, 0 if none */
    bool refused;    /**< the connection was refused (RST to the SYN) */
    bool complete;   /**< a whole response arrived (exit 0, or 22 from -f/--fail-with-body) */
};

/** The state of one URL's attempts. */
struct wf_cli_retry {
    unsigned left;     /**< retries left */
    uint32_t sleep_ms; /**< the next wait without Retry-After */
};

/** @brief Start the attempts of one URL. */
void wf_cli_retry_start(struct wf_cli_retry *r, const struct wf_cli_retry_options *o);

/** @brief Is the attempt `a` one to retry (ignoring what is left)? */
enum wf_cli_retry_kind wf_cli_retry_kind(const struct wf_cli_retry_options *o,
                                         const struct wf_cli_attempt *a);

/**
 * @brief Retry after the attempt `a`? `elapsed_ms`: since the first
 * attempt began; `retry_after`: the final response's Retry-After value (or
 * NULL); `now`: the time of day (for an HTTP-date Retry-After). On yes,
 * returns the kind, sets *wait_ms, counts the retry and prepares the next
 * wait; else WF_CLI_RETRY_NO.
 */
enum wf_cli_retry_kind wf_cli_retry_next(struct wf_cli_retry *r, const struct wf_cli_retry_options *o,
                                         const struct wf_cli_attempt *a, uint32_t elapsed_ms,
                                         const char *retry_after, time_t now, uint64_t *wait_ms);

/**
 * @brief A Retry-After value (RFC 9110 10.2.3): delay-seconds, or an
 * IMF-fixdate turned into seconds from `now` (0 when past). false if it is
 * neither.
 */
bool wf_cli_retry_after(const char *value, time_t now, uint64_t *seconds);

/**
 * @brief curl's warning before a retry, "Warning: Problem : HTTP error.
 * Will retry in N seconds. M retries left." (M: left before this retry),
 * wrapped as curl wraps its warnings (wf_cli_warn).
 */
void wf_cli_retry_warn(FILE *to, enum wf_cli_retry_kind kind, uint64_t wait_ms, unsigned left);

/**
 * @brief A warning as curl 7.88 prints one: "Warning: " before each line; a
 * text of 70 bytes or more is broken after the last space within its first
 * 70 bytes (the space stays at the end of the line; at 70 bytes when there
 * is none), and so on for the rest.
 */
void wf_cli_warn(FILE *to, const char *text);

#endif
