/**
 * @file ota_plan.h
 * @brief The rules of the image download, without I/O (ota_download.c does
 * the requests): which range to ask for next, whether a response's head may
 * be written where the download stands, whether a body piece fits, and what
 * the end of a response means. Internal to the library; tested directly in
 * tests/unit/test_ota_download.c.
 *
 * Offsets and sizes are bytes of the image, from 0. The validator is the
 * response's strong ETag, else its Last-Modified value (a weak ETag is
 * none); "" when there is none.
 */
#ifndef WF_OTA_PLAN_H
#define WF_OTA_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wizfetch/http.h"
#include "wizfetch/ota_download.h"

/** What a response's head says (collected from its fields). */
struct wf_ota_head {
    int status;
    bool has_length; /**< a Content-Length field */
    uint64_t length;
    bool has_range; /**< a Content-Range field that parses (`range`) */
    bool range_bad; /**< a Content-Range field that does not parse */
    struct wf_http_content_range range;
    const char *validator; /**< strong ETag, else Last-Modified, else "" (never NULL) */
};

/** wf_ota_plan_head: what to do with the response. */
enum wf_ota_take {
    WF_OTA_TAKE = 0, /**< its body goes on at `offset` */
    WF_OTA_FROM_ZERO =
        1, /**< a 200 after bytes were written: its body is the whole image, from 0 (a restart) */
    WF_OTA_START_OVER = 2 /**< another image (validator or size changed): stop it, ask again from byte 0 */
};

/** wf_ota_plan_end: what the end of a response means. */
enum wf_ota_next {
    WF_OTA_NEXT = 0,    /**< more to fetch (the next piece) */
    WF_OTA_DONE = 1,    /**< the whole image is written */
    WF_OTA_DROPPED = 2, /**< the connection dropped or the body was cut: resume or start over */
};

/** @brief A download into `capacity` bytes in pieces of `piece_size` (0: no pieces), from byte 0. */
void wf_ota_plan_init(struct wf_ota_plan *p, uint32_t capacity, uint32_t piece_size);

/**
 * @brief The next request. Returns true and fills `range` when it needs a
 * Range field (pieces, or a resume from `offset` > 0), false for a plain GET
 * of the whole image. Remembers what was asked.
 */
bool wf_ota_plan_request(struct wf_ota_plan *p, struct wf_http_range *range);

/** @brief The If-Range value for the request just planned, or NULL: the
 *  validator, when the request continues written bytes (offset > 0). */
const char *wf_ota_plan_if_range(const struct wf_ota_plan *p);

/**
 * @brief The head of the final response arrived: a wf_ota_take, or the error
 * that ends the download: WF_EHTTP_STATUS (a status other than 200 and 206),
 * WF_EOTA_TOOBIG (Content-Length of a 200, or the complete length of a 206,
 * above the capacity), WF_EHTTP_RANGE (a 206 elsewhere than asked, longer
 * than asked, without the complete length, or to a request without Range),
 * WF_EHTTP_PROTO (a 206 without a valid Content-Range, or whose
 * Content-Length disagrees with it). On WF_OTA_TAKE or WF_OTA_FROM_ZERO the
 * plan takes the image's size and validator from the head.
 */
int wf_ota_plan_head(struct wf_ota_plan *p, const struct wf_ota_head *h);

/** @brief May `len` more body bytes be written at `offset`? 0, WF_EHTTP_PROTO
 *  (beyond what the response announced) or WF_EOTA_TOOBIG (beyond the capacity). */
int wf_ota_plan_body(const struct wf_ota_plan *p, size_t len);

/** @brief `len` bytes were written at `offset`. */
void wf_ota_plan_wrote(struct wf_ota_plan *p, size_t len);

/**
 * @brief The response ended with the fetch's result `rc`: a wf_ota_next, or
 * `rc` itself when that is an error that no second try mends. A body that
 * ended before the end its head announced is WF_OTA_DROPPED, as are the
 * errors of a connection that failed: WF_ECONNRESET, WF_EHTTP_SHORT,
 * WF_ETIMEDOUT, WF_ETLS_TRUNCATED, WF_EHTTP_EMPTY, WF_EPIPE, WF_ENOTCONN.
 */
int wf_ota_plan_end(struct wf_ota_plan *p, int rc);

/** @brief Is `rc` the error of a connection that dropped (see wf_ota_plan_end)? */
bool wf_ota_plan_is_drop(int rc);

/** @brief After a drop: continue from `offset` when bytes were written and
 *  there is a validator to check them with (returns false), else start over
 *  at 0 (returns true when written bytes are given up). */
bool wf_ota_plan_resume(struct wf_ota_plan *p);

/** @brief Forget the image: the next request starts at byte 0. */
void wf_ota_plan_start_over(struct wf_ota_plan *p);

#endif
