/**
 * @file progress.h
 * @brief curl's progress meter (the default, on stderr) and its progress bar
 * (-#/--progress-bar), for one transfer at a time.
 *
 * The meter: curl 7.88's two header lines (for each transfer), then a line (begun with CR) at
 * the start, at most once a second while bytes arrive (on a new whole second
 * since the start), and at the end, followed by a newline. Its columns as
 * curl's: percentages, sizes in 5 characters (1234, 9765k, 12.3M, ...),
 * average download and upload speed, estimated total, spent and left times
 * (H:MM:SS, "--:--:--" when unknown), and the current speed (over the last
 * five seconds). The bar: "\r", '#' for the share done over the terminal
 * width less 7, then the percentage ("%5.1f%%"); at most every 100 ms; a
 * newline at the end. For a body of unknown size the bar shows a moving
 * marker (not curl's exact animation).
 *
 * Updates come with the bytes (wf_cli_progress_body): a server that stalls
 * leaves the last line up until more bytes or the end arrive.
 *
 * The pure parts (sizes, times, the meter line, the bar line) are exposed
 * for the unit tests.
 */
#ifndef WF_APPS_WIZFETCH_PROGRESS_H
#define WF_APPS_WIZFETCH_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum wf_cli_progress_mode { WF_CLI_PROGRESS_NONE, WF_CLI_PROGRESS_METER, WF_CLI_PROGRESS_BAR };

/** What a meter line shows. */
struct wf_cli_progress_figures {
    uint64_t dl_now, dl_total; /**< bytes received; expected (if dl_known) */
    uint64_t ul_now, ul_total; /**< bytes sent; expected (if ul_known) */
    bool dl_known, ul_known;
    uint32_t elapsed_ms;    /**< since the start */
    uint64_t current_speed; /**< bytes/s over the last seconds */
};

#define WF_CLI_SPEED_SAMPLES 6 /* curl's CURR_TIME: five seconds of samples and the current one */

struct wf_cli_progress {
    enum wf_cli_progress_mode mode;
    FILE *to;
    unsigned width; /**< the bar's: $COLUMNS, else the terminal's, else 79 */
    uint32_t (*clock_ms)(void);
    uint32_t start_ms;
    struct wf_cli_progress_figures f;
    bool drawn;         /* a line was drawn for this transfer */
    uint32_t shown_sec; /* the whole second of the last meter line */
    uint32_t bar_ms;    /* when the bar was last drawn */
    uint64_t bar_bytes;
    unsigned tick; /* the marker's position for an unknown size */
    uint64_t samples[WF_CLI_SPEED_SAMPLES];
    uint32_t sample_ms[WF_CLI_SPEED_SAMPLES];
    unsigned sample_count;
};

/** @brief Bytes in at most 5 characters, as curl: "12345", "9765k", "12.3M", "1234M", "12.3G", ... */
void wf_cli_progress_size(uint64_t bytes, char out[6]);

/** @brief Seconds in 8 characters, as curl: " 0:00:05", "  5d 03h"; "--:--:--" for 0 or less. */
void wf_cli_progress_time(int64_t seconds, char out[9]);

/** @brief The meter line (from its CR, no newline) into buf; returns its length. */
size_t wf_cli_progress_line(const struct wf_cli_progress_figures *f, char *buf, size_t cap);

/** @brief The bar line for `done` of `total` bytes in `width` columns (from its CR). */
size_t wf_cli_progress_bar_line(uint64_t done, uint64_t total, unsigned width, char *buf, size_t cap);

/** The meter's two header lines. */
extern const char wf_cli_progress_header[];

/**
 * @brief Start one transfer's progress display (nothing when `mode` is
 * NONE). `ul_total`: the request body's length if known (else
 * WF_CLI_PROGRESS_UNKNOWN).
 */
void wf_cli_progress_start(struct wf_cli_progress *p, enum wf_cli_progress_mode mode, FILE *to,
                           uint32_t (*clock_ms)(void), uint64_t ul_total);

#define WF_CLI_PROGRESS_UNKNOWN UINT64_MAX

/** @brief A response head is complete: its body's length (or WF_CLI_PROGRESS_UNKNOWN); the request was sent.
 */
void wf_cli_progress_head(struct wf_cli_progress *p, uint64_t body_length);

/** @brief `len` body bytes arrived. */
void wf_cli_progress_body(struct wf_cli_progress *p, size_t len);

/** @brief The transfer ended: the last line and the newline. */
void wf_cli_progress_end(struct wf_cli_progress *p);

#endif
