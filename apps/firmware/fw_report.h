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
    uint32_t uptime_s;   /**< seconds since boot */
    uint32_t reports;    /**< reports answered by the server (any HTTP status) */
    uint32_t fetches;    /**< report attempts, this one not counted */
    int last_error;      /**< WF_E* code of the last failed attempt, 0 = none yet */
    int last_status;     /**< HTTP status of the last answered report, 0 = none yet */
    uint32_t heap_peak;  /**< mbedTLS pool peak since boot */
    uint32_t stack_peak; /**< stack peak since boot (painted stack) */
    uint32_t reconnects; /**< kept connections the server had closed (a new one was opened) */
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

#endif
