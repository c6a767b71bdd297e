/**
 * @file fw_report.h
 * @brief The telemetry firmware's report (WF_FW_REPORT_S > 0): the device's
 * counters, written as one small JSON object for the POST body.
 */
#ifndef WF_FW_REPORT_H
#define WF_FW_REPORT_H

#include <stddef.h>
#include <stdint.h>

/** What a report carries. Counters start at 0 at boot; sizes in bytes. */
struct fw_report_stats {
    uint32_t uptime_s;   /**< seconds since boot (fw_uptime) */
    uint32_t reports;    /**< reports answered by the server (any HTTP status) */
    uint32_t fetches;    /**< report attempts, this one not counted */
    int last_error;      /**< WF_E* code of the last failed attempt, 0 = none yet */
    int last_status;     /**< HTTP status of the last answered report, 0 = none yet */
    uint32_t heap_peak;  /**< mbedTLS pool peak since boot */
    uint32_t stack_peak; /**< stack peak since boot (painted stack) */
    uint32_t reconnects; /**< kept connections the server had closed (a new one was opened), over
                              all sessions (fw_reconnects) */
    uint32_t reused;     /**< reports sent over a kept connection */
    uint32_t resumed;    /**< reports whose new connection resumed a TLS session */
    uint32_t handshakes; /**< full TLS handshakes */
};

/** Room for the longest report fw_report_json can write, its NUL included. */
#define FW_REPORT_MAX 384

/**
 * @brief Write `s` as one JSON object (no spaces, no newline) into `buf`.
 * @return the length written (without the NUL), or 0 if `cap` is too small
 *         (then `buf` holds an empty string if cap > 0).
 */
size_t fw_report_json(char *buf, size_t cap, const struct fw_report_stats *s);

/**
 * Time since boot from the port's millisecond clock, which wraps every 2^32 ms
 * (49.7 days): each poll adds the time since the previous one, taken modulo
 * 2^32, to a 64-bit count. The rule: poll at least once in every 2^32 ms, or
 * that much time is lost. The firmware polls at every attempt and after
 * every wait (the longest is WF_FW_REPORT_S, limited to 30 days, or a
 * backoff of at most WF_FW_RETRY_MAX_MS), whether or not a report succeeds.
 */
struct fw_uptime {
    uint64_t ms;   /**< counted so far */
    uint32_t mark; /**< the clock at the last poll */
};

/** @brief Start counting at `now_ms` (the port clock), from 0. */
void fw_uptime_start(struct fw_uptime *u, uint32_t now_ms);

/** @brief Take the time up to `now_ms` in; returns the seconds since the start. */
uint32_t fw_uptime_poll(struct fw_uptime *u, uint32_t now_ms);

/**
 * Reconnects since boot. A wf_session_t counts its own (from 0 at each
 * wf_session_init, which follows every failed report); this adds up those of
 * the sessions that ended.
 */
struct fw_reconnects {
    uint32_t ended; /**< over the sessions closed so far */
};

/** @brief The count since boot, with `session` the current session's counter. */
uint32_t fw_reconnects_total(const struct fw_reconnects *r, uint32_t session);

/** @brief The current session (its counter `session`) ends: keep its count. */
void fw_reconnects_session_ended(struct fw_reconnects *r, uint32_t session);

#endif
