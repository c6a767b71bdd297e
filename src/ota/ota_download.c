/* The firmware image download (ota_download.h): one fetch after another
 * (wf_fetch_session_start / wf_fetch_poll) over a kept connection, each
 * response's head checked and its body written by the rules of ota_plan.h. */
#include <assert.h>
#include <string.h>

#include "ota_plan.h"
#include "wizfetch/error.h"
#include "wizfetch/ota_download.h"
#include "wizfetch/port.h"

static const struct wf_port *port_of(const wf_ota_download_t *d)
{
    return d->net->chip->port;
}

static bool name_is(const char *name, const char *want)
{
    return wf_http_field_has_token(name, want);
}

/* A field value into `out` (WF_OTA_VALIDATOR_MAX + 1 bytes); too long: "". */
static void copy_value(char *out, const char *value)
{
    size_t n = strlen(value);
    if (n > WF_OTA_VALIDATOR_MAX) {
        n = 0;
    }
    memcpy(out, value, n);
    out[n] = '\0';
}

/* ---- the fetch's callbacks: collect the head, check it, write the body ---- */

static int on_status(void *ctx, int code, const char *reason)
{
    (void)reason;
    wf_ota_download_t *d = ctx;
    d->status = code;
    d->has_length = false;
    d->has_range = false;
    d->range_bad = false;
    d->etag[0] = '\0';
    d->last_modified[0] = '\0';
    return 0;
}

static int on_header(void *ctx, const char *name, const char *value)
{
    wf_ota_download_t *d = ctx;
    if (name_is(name, "Content-Length")) {
        /* The parser has checked it (digits, one value); a length that does
         * not fit 19 digits is no length here. */
        uint64_t n = 0;
        size_t digits = 0;
        for (const char *s = value; *s >= '0' && *s <= '9' && digits < 19; s++, digits++) {
            n = n * 10 + (uint64_t)(*s - '0');
        }
        d->has_length = digits > 0;
        d->length = n;
    } else if (name_is(name, "Content-Range")) {
        d->has_range = wf_http_content_range_parse(value, &d->content_range) == 0;
        d->range_bad = !d->has_range;
    } else if (name_is(name, "ETag")) {
        /* A weak ETag ("W/...") does not say the bytes are the same: none. */
        copy_value(d->etag, strncmp(value, "W/", 2) == 0 ? "" : value);
    } else if (name_is(name, "Last-Modified")) {
        copy_value(d->last_modified, value);
    }
    return 0;
}

static bool is_followed_redirect(const wf_ota_download_t *d)
{
    int s = d->status;
    return d->fetch_options.follow_redirects && (s == 301 || s == 302 || s == 303 || s == 307 || s == 308);
}

/* Room for one more resume or restart? Counts it. */
static bool count_drop(wf_ota_download_t *d)
{
    if (d->drops >= d->options->max_resumes) {
        return false;
    }
    d->drops++;
    return true;
}

static int on_headers_done(void *ctx)
{
    wf_ota_download_t *d = ctx;
    if (d->status < 200 || is_followed_redirect(d)) {
        return 0; /* not the final response: its body is not delivered */
    }
    d->result->http_status = d->status;
    struct wf_ota_head h = {
        .status = d->status,
        .has_length = d->has_length,
        .length = d->length,
        .has_range = d->has_range,
        .range_bad = d->range_bad,
        .range = d->content_range,
        .validator = d->etag[0] != '\0' ? d->etag : d->last_modified,
    };
    int rc = wf_ota_plan_head(&d->plan, &h);
    if (rc == WF_OTA_START_OVER) {
        d->restart_now = true;
        return WF_EHTTP_RANGE; /* stops this fetch; the poll asks again from byte 0 */
    }
    if (rc == WF_OTA_FROM_ZERO) {
        if (!count_drop(d)) {
            return WF_EHTTP_RANGE;
        }
        d->result->restarts++;
        d->result->size = 0;
    }
    if (rc < 0) {
        return rc;
    }
    d->result->total = d->plan.total != WF_HTTP_LENGTH_UNKNOWN ? (uint32_t)d->plan.total : 0;
    return 0;
}

static int on_body(void *ctx, const uint8_t *data, size_t len)
{
    wf_ota_download_t *d = ctx;
    int rc = wf_ota_plan_body(&d->plan, len);
    if (rc < 0) {
        return rc;
    }
    rc = d->sink->write(d->sink->ctx, d->plan.offset, data, len);
    if (rc < 0) {
        return rc;
    }
    wf_ota_plan_wrote(&d->plan, len);
    d->result->size = d->plan.offset;
    return 0;
}

/* ---- the requests ---- */

static int finish(wf_ota_download_t *d, int rc)
{
    if (d->in_flight) {
        wf_fetch_abort(&d->fetch);
        d->in_flight = false;
    }
    wf_session_close(&d->session, 0);
    d->result->size = d->plan.offset;
    d->rc = rc;
    return rc;
}

static int begin_request(wf_ota_download_t *d)
{
    const struct wf_ota_download_options *o = d->options;
    struct wf_fetch_options *fo = &d->fetch_options;
    *fo = o->fetch;
    fo->url = o->url;
    fo->head = false;
    fo->method = NULL;
    fo->body = (struct wf_fetch_body){0};
    fo->fail_on_http_error = false; /* the status is checked here, with the head */
    fo->range_required = false;     /* the rules here decide (a 200 is used from byte 0) */
    fo->range = wf_ota_plan_request(&d->plan, &d->range) ? &d->range : NULL;
    size_t n = o->fetch.header_count;
    if (n > 0) {
        memcpy(d->headers, o->fetch.headers, n * sizeof d->headers[0]);
    }
    const char *if_range = wf_ota_plan_if_range(&d->plan);
    if (if_range != NULL) {
        d->headers[n++] = (struct wf_http_header){.name = "If-Range", .value = if_range};
    }
    fo->headers = d->headers;
    fo->header_count = n;
    if (o->total_timeout_ms > 0) {
        uint32_t now = wf_port_millis(port_of(d));
        if ((int32_t)(d->deadline - now) <= 0) {
            return WF_ETIMEDOUT;
        }
        uint32_t left = d->deadline - now;
        if (fo->total_timeout_ms == 0 || fo->total_timeout_ms > left) {
            fo->total_timeout_ms = left;
        }
    }
    d->status = 0;
    d->restart_now = false;
    d->result->requests++;
    d->in_flight = true;
    int rc = wf_fetch_session_start(&d->fetch, &d->session, fo, &d->callbacks, &d->result->fetch);
    if (rc < 0) {
        d->in_flight = false;
    }
    return rc;
}

int wf_ota_download_start(wf_ota_download_t *d, wf_net_t *net, wf_tls_t *tls,
                          const struct wf_ota_download_options *options, const struct wf_ota_sink *sink,
                          struct wf_ota_download_result *result)
{
    assert(d != NULL && net != NULL && options != NULL && sink != NULL && sink->write != NULL &&
           result != NULL);
    memset(result, 0, sizeof *result);
    memset(d, 0, sizeof *d);
    d->net = net;
    d->tls = tls;
    d->options = options;
    d->sink = sink;
    d->result = result;
    d->callbacks = (struct wf_fetch_callbacks){
        .ctx = d,
        .status = on_status,
        .header = on_header,
        .headers_done = on_headers_done,
        .body = on_body,
    };
    wf_session_init(&d->session, net, tls);
    wf_ota_plan_init(&d->plan, sink->capacity, options->piece_size);
    d->deadline = wf_port_millis(port_of(d)) + options->total_timeout_ms;
    d->rc = WF_EAGAIN;
    d->started = true;
    if (options->url == NULL || options->fetch.header_count > WF_OTA_MAX_HEADERS ||
        (options->fetch.header_count > 0 && options->fetch.headers == NULL)) {
        return finish(d, WF_EINVAL);
    }
    int rc = begin_request(d);
    return rc < 0 ? finish(d, rc) : 0;
}

/* A fetch ended with `rc`: what comes next. */
static int after_fetch(wf_ota_download_t *d, int rc)
{
    d->in_flight = false;
    d->result->http_status = d->result->fetch.http_status;
    if (d->restart_now) {
        /* Another image than the bytes written (validator or size changed). */
        if (!count_drop(d)) {
            return finish(d, WF_EHTTP_RANGE);
        }
        wf_ota_plan_start_over(&d->plan);
        d->result->restarts++;
        d->result->size = 0;
    } else {
        int next = wf_ota_plan_end(&d->plan, rc);
        if (next == WF_OTA_DONE) {
            return finish(d, 0);
        }
        if (next < 0) {
            return finish(d, next);
        }
        if (next == WF_OTA_DROPPED) {
            if (d->options->total_timeout_ms > 0 && wf_port_expired(port_of(d), d->deadline)) {
                return finish(d, WF_ETIMEDOUT);
            }
            if (!count_drop(d)) {
                return finish(d, rc < 0 ? rc : WF_EHTTP_SHORT);
            }
            if (wf_ota_plan_resume(&d->plan)) {
                d->result->restarts++;
            } else {
                d->result->resumes++;
            }
            d->result->size = d->plan.offset;
        }
    }
    rc = begin_request(d);
    return rc < 0 ? finish(d, rc) : WF_EAGAIN;
}

int wf_ota_download_poll(wf_ota_download_t *d)
{
    if (!d->started) {
        return WF_EINVAL;
    }
    if (d->rc != WF_EAGAIN) {
        return d->rc;
    }
    int rc = wf_fetch_poll(&d->fetch);
    if (rc == WF_EAGAIN) {
        return WF_EAGAIN;
    }
    return after_fetch(d, rc);
}

void wf_ota_download_abort(wf_ota_download_t *d)
{
    if (d->rc == WF_EAGAIN) {
        finish(d, WF_EINVAL);
    }
    d->rc = WF_EINVAL;
}

int wf_ota_download(wf_ota_download_t *d, wf_net_t *net, wf_tls_t *tls,
                    const struct wf_ota_download_options *options, const struct wf_ota_sink *sink,
                    struct wf_ota_download_result *result)
{
    int rc = wf_ota_download_start(d, net, tls, options, sink, result);
    if (rc < 0) {
        return rc;
    }
    const struct wf_port *port = port_of(d);
    unsigned idle = 0;
    while ((rc = wf_ota_download_poll(d)) == WF_EAGAIN) {
        if (d->fetch.progressed) {
            idle = 0;
        } else if (++idle > WF_NET_SPIN_POLLS) {
            port->delay_ms(port->ctx, 1);
        }
    }
    return rc;
}
