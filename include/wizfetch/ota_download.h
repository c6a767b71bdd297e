/**
 * @file ota_download.h
 * @brief Download a firmware image into a slot: streamed, resumable, bounded.
 *
 * The download writes the body of one URL into a caller's sink (on the board:
 * the inactive application slot in flash; on the host: a file) at increasing,
 * contiguous offsets, never beyond the sink's capacity. It refuses an image
 * larger than the capacity before the first byte is written (Content-Length,
 * or the Content-Range total of a ranged response). A connection that drops
 * is resumed with a Range request from the first byte not yet written, as
 * long as the server's validator (ETag, else Last-Modified) is unchanged;
 * otherwise the download starts over at offset 0. A 200 where a 206 was asked,
 * a 206 for another range, more bytes than announced and a truncated body are
 * detected and reported. With `piece_size` the image is fetched in ranged
 * pieces of that many bytes, one request each, so that a build whose TLS input
 * buffer is small can still download it.
 *
 * Nothing here knows the image format: checking the header, hash and
 * signature of what was written is the caller's next step.
 *
 * Same shape as the fetch (fetch.h): start, poll until the result is not
 * WF_EAGAIN, or abort; wf_ota_download is that loop.
 *
 * The rules, response by response (src/ota/ota_plan.h):
 * - The first request is a plain GET (with `piece_size`: `Range:
 *   bytes=0-(piece_size-1)`). A 200 is the whole image from byte 0; a 206
 *   must start at the byte asked for, end no later than asked, carry a valid
 *   Content-Range with the complete length, and a Content-Length (if any)
 *   equal to the range's size.
 * - The validator is the strong ETag, else Last-Modified (a weak ETag, "W/",
 *   is none). A request that continues written bytes (a resume, or the next
 *   piece) sends `If-Range: <validator>`; its answer must carry the same
 *   validator and complete length, else the image changed: the download
 *   starts over at byte 0 (a restart). Pieces of an image without a validator
 *   are continued as long as the complete length stays the same (the image's
 *   own hash and signature, checked afterwards, are the real test).
 * - A 200 to a ranged request (the server ignores Range, or If-Range told it
 *   the image changed) is written from byte 0 (a restart), never at the
 *   offset asked for.
 * - A drop: WF_ECONNRESET, WF_EHTTP_SHORT (body cut before its
 *   Content-Length or chunk end), WF_ETIMEDOUT (one request ran out of
 *   options.fetch.total_timeout_ms), WF_ETLS_TRUNCATED, WF_EHTTP_EMPTY,
 *   WF_EPIPE, WF_ENOTCONN, or a body that ended before its Content-Range's
 *   end. It is resumed from the first byte not yet written when there is a
 *   validator, else the download starts over at 0.
 * - Resumes and restarts together: at most `max_resumes`; one more ends the
 *   download with the error of that drop (WF_EHTTP_RANGE for a changed image).
 *
 * Errors that end the download: WF_EOTA_TOOBIG (the image's announced size,
 * or a body without a length, beyond sink->capacity: in the first case
 * before any byte is written), WF_EHTTP_STATUS (a final status other than
 * 200 and 206; result->http_status has it), WF_EHTTP_RANGE (a 206 for
 * another range, or without the complete length), WF_EHTTP_PROTO (a 206
 * without a valid Content-Range, or a body longer than its Content-Range: the
 * bytes beyond are not written; bytes after a Content-Length are not body and
 * are never delivered), the sink's own error, WF_ETIMEDOUT (total_timeout_ms
 * of the download), WF_EINVAL (no URL, more than WF_OTA_MAX_HEADERS header
 * fields), and any error of the fetch that is not a drop (DNS, connect, TLS).
 *
 * Progress: no callback; the result's counters are current between polls:
 * `size` (bytes of the image in the sink, back to 0 on a restart) of `total`
 * (0 until a response announced the size), `requests`, `resumes`,
 * `restarts`. A main loop prints them between wf_ota_download_poll calls.
 */
#ifndef WIZFETCH_OTA_DOWNLOAD_H
#define WIZFETCH_OTA_DOWNLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wizfetch/fetch.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Where the image goes. Caller-owned; valid during the download.
 * `write` receives the body at offsets that grow without gaps; a write at
 * offset 0 after earlier writes means the download started over (the sink
 * must accept the same offsets again, e.g. by erasing what it had written).
 * The sink erases flash itself as writes reach each erase unit. Returns 0 or
 * a negative WF_E* code, which ends the download with that code.
 */
struct wf_ota_sink {
    void *ctx;
    uint32_t capacity; /**< bytes the sink can hold (the slot's size) */
    int (*write)(void *ctx, uint32_t offset, const uint8_t *data, size_t len);
};

struct wf_ota_download_options {
    const char *url;
    uint32_t piece_size;       /**< bytes per ranged request; 0 = the whole image in one request */
    uint8_t max_resumes;       /**< resumed or restarted connections after a drop; more is the error */
    uint32_t total_timeout_ms; /**< the whole download; 0 = none */
    /** The fetch's other settings (DNS, resolve, redirects, connect_timeout_ms
     *  and total_timeout_ms of each request, user agent, up to
     *  WF_OTA_MAX_HEADERS extra header fields, to which the download adds
     *  If-Range). Set by the download: url, head, method, body (none), range,
     *  range_required (false: the rules above check the range),
     *  fail_on_http_error (false: the status is checked with the head).
     *  Caller-owned, unchanged during the download. */
    struct wf_fetch_options fetch;
};

struct wf_ota_download_result {
    uint32_t size;     /**< bytes written to the sink: the image's size when the result is 0 */
    uint32_t requests; /**< HTTP requests made */
    uint32_t resumes;  /**< continued with a Range request after a drop */
    uint32_t restarts; /**< started over at offset 0 (validator changed, no range support) */
    int http_status;   /**< of the last response */
    uint32_t total;    /**< the image's size once a response announced it (progress: size of total), else 0 */
    struct wf_fetch_result fetch; /**< of the last request */
};

/** Longest validator kept (an ETag with its quotes, or a Last-Modified
 *  date); a longer one counts as none (a drop then starts over). */
#ifndef WF_OTA_VALIDATOR_MAX
#define WF_OTA_VALIDATOR_MAX 80
#endif

/** Caller's extra header fields (wf_fetch_options.fetch.headers) the
 *  download passes on; more is WF_EINVAL at start. */
#ifndef WF_OTA_MAX_HEADERS
#define WF_OTA_MAX_HEADERS 6
#endif

/**
 * Where the download stands, and the rules that move it (src/ota/ota_plan.c):
 * no I/O, so each rule is tested on its own. Members are the module's.
 */
struct wf_ota_plan {
    uint32_t capacity;   /**< the sink's */
    uint32_t piece_size; /**< 0: one request for the rest of the image */
    uint32_t offset;     /**< bytes written: the next byte goes here */
    uint64_t total;      /**< the image's size once a response said it, else WF_HTTP_LENGTH_UNKNOWN */
    char validator[WF_OTA_VALIDATOR_MAX + 1]; /**< of the image being written; "" none */
    /* The request in flight. */
    uint32_t asked_first; /**< first byte asked for (== offset when it was sent) */
    uint64_t
        asked_last; /**< last byte asked for, or WF_HTTP_RANGE_TO_END; no Range at all: first 0, TO_END */
    bool ranged;    /**< a Range field was sent */
    /* The response being read. */
    uint64_t end; /**< offset after its last byte (announced), or WF_HTTP_LENGTH_UNKNOWN */
    bool whole;   /**< a 200: the whole image from byte 0 */
};

/** A download's state between polls (its members are the module's). About
 *  the size of a wf_fetch_t plus a wf_session_t: give it static storage. */
typedef struct wf_ota_download wf_ota_download_t;

struct wf_ota_download {
    wf_net_t *net;
    wf_tls_t *tls;
    const struct wf_ota_download_options *options;
    const struct wf_ota_sink *sink;
    struct wf_ota_download_result *result;
    struct wf_ota_plan plan;
    wf_fetch_t fetch;
    wf_session_t session;                  /**< keeps the connection between pieces */
    struct wf_fetch_options fetch_options; /**< of the request in flight */
    struct wf_fetch_callbacks callbacks;
    struct wf_http_range range;
    struct wf_http_header headers[WF_OTA_MAX_HEADERS + 1]; /**< the caller's, then If-Range */
    /* The head of the response being read (reset by its status line). */
    int status;
    bool has_length;
    uint64_t length; /**< Content-Length */
    bool has_range;
    bool range_bad; /**< a Content-Range that does not parse */
    struct wf_http_content_range content_range;
    char etag[WF_OTA_VALIDATOR_MAX + 1];          /**< a strong ETag; "" none (or weak, or too long) */
    char last_modified[WF_OTA_VALIDATOR_MAX + 1]; /**< "" none */
    bool restart_now;  /**< the head said: start over (the fetch is being stopped) */
    bool in_flight;    /**< a fetch is running */
    uint8_t drops;     /**< resumes + restarts so far (bounded by max_resumes) */
    uint32_t deadline; /**< port clock: end of the whole download (total_timeout_ms) */
    int rc;            /**< the download's result once over; WF_EAGAIN while running */
    bool started;      /**< wf_ota_download_start was called (a zeroed area was not) */
};

/** @brief Start a download (never waits). `d`, `options` (and what it
 *  points to), `sink` and `result` are the caller's and must stay valid
 *  until the download is over or aborted; `tls` may be NULL for http:// only.
 *  Returns 0, or the error that ends it (wf_ota_download_poll then returns
 *  it again). The connection is kept between requests (wf_fetch_session) and
 *  closed when the download ends. */
int wf_ota_download_start(wf_ota_download_t *d, wf_net_t *net, wf_tls_t *tls,
                          const struct wf_ota_download_options *options, const struct wf_ota_sink *sink,
                          struct wf_ota_download_result *result);

/** @brief Move the download on without waiting: WF_EAGAIN while in progress,
 *  else 0 (the whole image is in the sink, result->size bytes) or a WF_E* code. */
int wf_ota_download_poll(wf_ota_download_t *d);

/** @brief Give the download up in any state (its connection is closed at
 *  once). The sink keeps what was written; `result` what happened so far.
 *  Harmless when over; wf_ota_download_poll then returns WF_EINVAL. */
void wf_ota_download_abort(wf_ota_download_t *d);

/** @brief The whole download, waiting: start, then poll until done. */
int wf_ota_download(wf_ota_download_t *d, wf_net_t *net, wf_tls_t *tls,
                    const struct wf_ota_download_options *options, const struct wf_ota_sink *sink,
                    struct wf_ota_download_result *result);

#ifdef __cplusplus
}
#endif

#endif
