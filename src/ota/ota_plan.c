/* The rules of the image download (ota_plan.h): pure state, no I/O. */
#include <string.h>

#include "ota_plan.h"
#include "wizfetch/error.h"

void wf_ota_plan_init(struct wf_ota_plan *p, uint32_t capacity, uint32_t piece_size)
{
    memset(p, 0, sizeof *p);
    p->capacity = capacity;
    p->piece_size = piece_size;
    wf_ota_plan_start_over(p);
}

void wf_ota_plan_start_over(struct wf_ota_plan *p)
{
    p->offset = 0;
    p->total = WF_HTTP_LENGTH_UNKNOWN;
    p->validator[0] = '\0';
    p->end = WF_HTTP_LENGTH_UNKNOWN;
    p->whole = false;
}

bool wf_ota_plan_request(struct wf_ota_plan *p, struct wf_http_range *range)
{
    p->asked_first = p->offset;
    p->asked_last = WF_HTTP_RANGE_TO_END;
    p->end = WF_HTTP_LENGTH_UNKNOWN;
    p->whole = false;
    p->ranged = p->offset > 0 || p->piece_size > 0;
    if (!p->ranged) {
        return false;
    }
    if (p->piece_size > 0) {
        p->asked_last = (uint64_t)p->offset + p->piece_size - 1;
        if (p->total != WF_HTTP_LENGTH_UNKNOWN && p->asked_last >= p->total) {
            p->asked_last = p->total - 1;
        }
    }
    *range = (struct wf_http_range){.first = p->offset, .last = p->asked_last};
    return true;
}

const char *wf_ota_plan_if_range(const struct wf_ota_plan *p)
{
    return p->ranged && p->offset > 0 && p->validator[0] != '\0' ? p->validator : NULL;
}

static void keep_validator(struct wf_ota_plan *p, const char *validator)
{
    size_t n = strlen(validator);
    if (n > WF_OTA_VALIDATOR_MAX) {
        n = 0; /* too long to keep: none */
    }
    memcpy(p->validator, validator, n);
    p->validator[n] = '\0';
}

static int take_whole(struct wf_ota_plan *p, const struct wf_ota_head *h)
{
    if (h->has_length && h->length > p->capacity) {
        return WF_EOTA_TOOBIG;
    }
    int take = p->offset > 0 ? WF_OTA_FROM_ZERO : WF_OTA_TAKE;
    p->offset = 0;
    p->whole = true;
    p->total = h->has_length ? h->length : WF_HTTP_LENGTH_UNKNOWN;
    p->end = p->total;
    keep_validator(p, h->validator);
    return take;
}

static int take_part(struct wf_ota_plan *p, const struct wf_ota_head *h)
{
    const struct wf_http_content_range *r = &h->range;
    if (!h->has_range || h->range_bad || r->unsatisfied) {
        return WF_EHTTP_PROTO;
    }
    if (!p->ranged || r->complete == WF_HTTP_LENGTH_UNKNOWN || r->first != p->asked_first ||
        r->last > p->asked_last) {
        return WF_EHTTP_RANGE;
    }
    if (h->has_length && h->length != r->last - r->first + 1) {
        return WF_EHTTP_PROTO;
    }
    if (r->complete > p->capacity) {
        return WF_EOTA_TOOBIG;
    }
    if (p->offset > 0) {
        /* Continuing written bytes: they must be of the same image. */
        size_t n = strlen(h->validator);
        bool same_validator = n <= WF_OTA_VALIDATOR_MAX && strcmp(h->validator, p->validator) == 0;
        if (!same_validator || (p->total != WF_HTTP_LENGTH_UNKNOWN && r->complete != p->total)) {
            return WF_OTA_START_OVER;
        }
    } else {
        keep_validator(p, h->validator);
    }
    p->total = r->complete;
    p->end = r->last + 1;
    return WF_OTA_TAKE;
}

int wf_ota_plan_head(struct wf_ota_plan *p, const struct wf_ota_head *h)
{
    if (h->status == 200) {
        return take_whole(p, h);
    }
    if (h->status == 206) {
        return take_part(p, h);
    }
    return WF_EHTTP_STATUS;
}

int wf_ota_plan_body(const struct wf_ota_plan *p, size_t len)
{
    uint64_t after = (uint64_t)p->offset + len;
    if (p->end != WF_HTTP_LENGTH_UNKNOWN && after > p->end) {
        return WF_EHTTP_PROTO;
    }
    return after > p->capacity ? WF_EOTA_TOOBIG : 0;
}

void wf_ota_plan_wrote(struct wf_ota_plan *p, size_t len)
{
    p->offset += (uint32_t)len;
}

bool wf_ota_plan_is_drop(int rc)
{
    switch (rc) {
    case WF_ECONNRESET:
    case WF_EHTTP_SHORT:
    case WF_ETIMEDOUT:
    case WF_ETLS_TRUNCATED:
    case WF_EHTTP_EMPTY:
    case WF_EPIPE:
    case WF_ENOTCONN:
        return true;
    default:
        return false;
    }
}

int wf_ota_plan_end(struct wf_ota_plan *p, int rc)
{
    if (rc < 0) {
        return wf_ota_plan_is_drop(rc) ? WF_OTA_DROPPED : rc;
    }
    if (p->whole && p->end == WF_HTTP_LENGTH_UNKNOWN) {
        /* A 200 without a length (chunked, or up to the close): it is all there. */
        p->total = p->end = p->offset;
    }
    if (p->end == WF_HTTP_LENGTH_UNKNOWN || p->offset < p->end) {
        return WF_OTA_DROPPED; /* the body ended before its announced end */
    }
    return p->offset >= p->total ? WF_OTA_DONE : WF_OTA_NEXT;
}

bool wf_ota_plan_resume(struct wf_ota_plan *p)
{
    if (p->offset > 0 && p->validator[0] != '\0') {
        return false;
    }
    bool gave_up = p->offset > 0;
    wf_ota_plan_start_over(p);
    return gave_up;
}
