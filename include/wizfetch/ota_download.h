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
    /** The fetch's other settings (DNS, resolve, timeouts of each request,
     *  extra header fields); url, range and body are set by the download. */
    struct wf_fetch_options fetch;
};

struct wf_ota_download_result {
    uint32_t size;     /**< bytes written to the sink: the image's size when the result is 0 */
    uint32_t requests; /**< HTTP requests made */
    uint32_t resumes;  /**< continued with a Range request after a drop */
    uint32_t restarts; /**< started over at offset 0 (validator changed, no range support) */
    int http_status;   /**< of the last response */
    struct wf_fetch_result fetch; /**< of the last request */
};

/** A download's state between polls (its members are the module's). */
typedef struct wf_ota_download wf_ota_download_t;

/** @brief Start a download (never waits). 0, or the error that ends it. */
int wf_ota_download_start(wf_ota_download_t *d, wf_net_t *net, wf_tls_t *tls,
                          const struct wf_ota_download_options *options, const struct wf_ota_sink *sink,
                          struct wf_ota_download_result *result);

/** @brief Move the download on without waiting: WF_EAGAIN while in progress,
 *  else 0 (the whole image is in the sink, result->size bytes) or a WF_E* code. */
int wf_ota_download_poll(wf_ota_download_t *d);

/** @brief Give the download up in any state (its connection is closed at once). */
void wf_ota_download_abort(wf_ota_download_t *d);

/** @brief The whole download, waiting: start, then poll until done. */
int wf_ota_download(wf_ota_download_t *d, wf_net_t *net, wf_tls_t *tls, const struct wf_ota_download_options *options,
                    const struct wf_ota_sink *sink, struct wf_ota_download_result *result);

#ifdef __cplusplus
}
#endif

#endif
