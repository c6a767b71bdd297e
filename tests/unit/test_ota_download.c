/* The firmware image download (ota_download.h). Two parts:
 * - its rules (src/ota/ota_plan.h) tested directly: the ranges asked for,
 *   If-Range, what a 200 or a 206 means where the download stands, sizes
 *   against the capacity, bytes beyond what was announced, the end of a
 *   response, resume or start over after a drop;
 * - the whole download through the chip model against a real HTTP server
 *   thread on 127.0.0.1 that serves an image with ranges, ETag or
 *   Last-Modified and If-Range, and can drop the connection mid-body, ignore
 *   Range, change the image between requests, answer another range, send
 *   more than it announced. The sink is memory that fails the test on any
 *   write that is not contiguous (or a start over at 0) or beyond its
 *   capacity. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"
#include "ota/ota_plan.h"
#include "wizfetch/ota_download.h"

/* ---- the rules --------------------------------------------------------------- */

static struct wf_ota_head head(int status)
{
    return (struct wf_ota_head){.status = status, .validator = ""};
}

static struct wf_ota_head part(uint64_t first, uint64_t last, uint64_t complete, const char *validator)
{
    struct wf_ota_head h = head(206);
    h.has_range = true;
    h.range = (struct wf_http_content_range){.first = first, .last = last, .complete = complete};
    h.has_length = true;
    h.length = last - first + 1;
    h.validator = validator;
    return h;
}

static void test_plan_requests(void **state)
{
    (void)state;
    struct wf_ota_plan p;
    struct wf_http_range r;
    /* No pieces: a plain GET, no If-Range. */
    wf_ota_plan_init(&p, 1000, 0);
    assert_false(wf_ota_plan_request(&p, &r));
    assert_null(wf_ota_plan_if_range(&p));
    /* Pieces: the first one from 0, no If-Range yet. */
    wf_ota_plan_init(&p, 1000, 300);
    assert_true(wf_ota_plan_request(&p, &r));
    assert_int_equal(r.first, 0);
    assert_int_equal(r.last, 299);
    assert_null(wf_ota_plan_if_range(&p));
    struct wf_ota_head h = part(0, 299, 700, "\"v1\"");
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_TAKE);
    assert_int_equal(wf_ota_plan_body(&p, 300), 0);
    wf_ota_plan_wrote(&p, 300);
    assert_int_equal(wf_ota_plan_end(&p, 0), WF_OTA_NEXT);
    /* The next piece continues, with the validator in If-Range. */
    assert_true(wf_ota_plan_request(&p, &r));
    assert_int_equal(r.first, 300);
    assert_int_equal(r.last, 599);
    assert_string_equal(wf_ota_plan_if_range(&p), "\"v1\"");
    h = part(300, 599, 700, "\"v1\"");
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_TAKE);
    wf_ota_plan_wrote(&p, 300);
    assert_int_equal(wf_ota_plan_end(&p, 0), WF_OTA_NEXT);
    /* The last piece stops at the image's last byte. */
    assert_true(wf_ota_plan_request(&p, &r));
    assert_int_equal(r.first, 600);
    assert_int_equal(r.last, 699);
    h = part(600, 699, 700, "\"v1\"");
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_TAKE);
    assert_int_equal(wf_ota_plan_body(&p, 101), WF_EHTTP_PROTO); /* beyond the announced end */
    wf_ota_plan_wrote(&p, 100);
    assert_int_equal(wf_ota_plan_end(&p, 0), WF_OTA_DONE);
}

static void test_plan_whole_image(void **state)
{
    (void)state;
    struct wf_ota_plan p;
    struct wf_http_range r;
    wf_ota_plan_init(&p, 1000, 0);
    (void)wf_ota_plan_request(&p, &r);
    struct wf_ota_head h = head(200);
    h.has_length = true;
    h.length = 1000; /* exactly the capacity: fits */
    h.validator = "\"a\"";
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_TAKE);
    assert_int_equal(p.total, 1000);
    assert_int_equal(wf_ota_plan_body(&p, 1000), 0);
    assert_int_equal(wf_ota_plan_body(&p, 1001), WF_EHTTP_PROTO);
    wf_ota_plan_wrote(&p, 600);
    /* Ended early without an error from the fetch: cut, resume. */
    assert_int_equal(wf_ota_plan_end(&p, 0), WF_OTA_DROPPED);
    assert_false(wf_ota_plan_resume(&p)); /* a validator: continue */
    assert_int_equal(p.offset, 600);
    assert_true(wf_ota_plan_request(&p, &r));
    assert_int_equal(r.first, 600);
    assert_int_equal(r.last, WF_HTTP_RANGE_TO_END);
    assert_string_equal(wf_ota_plan_if_range(&p), "\"a\"");
}

static void test_plan_too_big(void **state)
{
    (void)state;
    struct wf_ota_plan p;
    struct wf_http_range r;
    wf_ota_plan_init(&p, 1000, 0);
    (void)wf_ota_plan_request(&p, &r);
    struct wf_ota_head h = head(200);
    h.has_length = true;
    h.length = 1001;
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_EOTA_TOOBIG);
    /* The complete length of a 206. */
    wf_ota_plan_init(&p, 1000, 100);
    (void)wf_ota_plan_request(&p, &r);
    h = part(0, 99, 1001, "");
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_EOTA_TOOBIG);
    /* No length (chunked): the capacity bounds the writes. */
    wf_ota_plan_init(&p, 1000, 0);
    (void)wf_ota_plan_request(&p, &r);
    h = head(200);
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_TAKE);
    assert_int_equal(wf_ota_plan_body(&p, 1000), 0);
    wf_ota_plan_wrote(&p, 999);
    assert_int_equal(wf_ota_plan_body(&p, 2), WF_EOTA_TOOBIG);
    assert_int_equal(wf_ota_plan_body(&p, 1), 0);
    wf_ota_plan_wrote(&p, 1);
    /* Its end is the image's end. */
    assert_int_equal(wf_ota_plan_end(&p, 0), WF_OTA_DONE);
    assert_int_equal(p.total, 1000);
}

static void test_plan_200_for_a_range(void **state)
{
    (void)state;
    struct wf_ota_plan p;
    struct wf_http_range r;
    wf_ota_plan_init(&p, 1000, 100);
    (void)wf_ota_plan_request(&p, &r);
    /* A 200 for the first piece: the whole image from 0, no restart. */
    struct wf_ota_head h = head(200);
    h.has_length = true;
    h.length = 500;
    h.validator = "\"x\"";
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_TAKE);
    assert_int_equal(p.end, 500);
    wf_ota_plan_wrote(&p, 250);
    assert_int_equal(wf_ota_plan_end(&p, WF_ECONNRESET), WF_OTA_DROPPED);
    assert_false(wf_ota_plan_resume(&p));
    assert_true(wf_ota_plan_request(&p, &r));
    assert_int_equal(r.first, 250);
    /* A 200 again where bytes 250.. were asked: from byte 0 (a restart), never at 250. */
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_FROM_ZERO);
    assert_int_equal(p.offset, 0);
    assert_int_equal(p.end, 500);
}

static void test_plan_206_checks(void **state)
{
    (void)state;
    struct wf_ota_plan p;
    struct wf_http_range r;
    wf_ota_plan_init(&p, 1000, 100);
    (void)wf_ota_plan_request(&p, &r);
    struct wf_ota_head h = part(100, 199, 500, "");
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_EHTTP_RANGE); /* another start */
    h = part(0, 149, 500, "");
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_EHTTP_RANGE); /* longer than asked */
    h = part(0, 99, WF_HTTP_LENGTH_UNKNOWN, "");
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_EHTTP_RANGE); /* size unknown */
    h = part(0, 99, 500, "");
    h.length = 101;
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_EHTTP_PROTO); /* Content-Length disagrees */
    h = part(0, 99, 500, "");
    h.has_range = false;
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_EHTTP_PROTO); /* no Content-Range */
    h.range_bad = true;
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_EHTTP_PROTO);
    h = part(0, 49, 500, ""); /* shorter than asked: fine, the next piece continues */
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_TAKE);
    wf_ota_plan_wrote(&p, 50);
    assert_int_equal(wf_ota_plan_end(&p, 0), WF_OTA_NEXT);
    assert_true(wf_ota_plan_request(&p, &r));
    assert_int_equal(r.first, 50);
    assert_int_equal(r.last, 149);
    /* A 206 to a request without Range. */
    wf_ota_plan_init(&p, 1000, 0);
    (void)wf_ota_plan_request(&p, &r);
    h = part(0, 99, 100, "");
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_EHTTP_RANGE);
    /* Statuses other than 200 and 206. */
    static const int statuses[] = {204, 304, 404, 416, 500, 503};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        h = head(statuses[i]);
        assert_int_equal(wf_ota_plan_head(&p, &h), WF_EHTTP_STATUS);
    }
}

static void test_plan_validator_rules(void **state)
{
    (void)state;
    struct wf_ota_plan p;
    struct wf_http_range r;
    wf_ota_plan_init(&p, 1000, 100);
    (void)wf_ota_plan_request(&p, &r);
    struct wf_ota_head h = part(0, 99, 500, "\"v1\"");
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_TAKE);
    wf_ota_plan_wrote(&p, 100);
    assert_int_equal(wf_ota_plan_end(&p, 0), WF_OTA_NEXT);
    (void)wf_ota_plan_request(&p, &r);
    /* Another validator on a piece that continues: start over. */
    h = part(100, 199, 500, "\"v2\"");
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_START_OVER);
    /* None where there was one: start over. */
    h = part(100, 199, 500, "");
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_START_OVER);
    /* The same validator but another size: start over. */
    h = part(100, 199, 600, "\"v1\"");
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_START_OVER);
    h = part(100, 199, 500, "\"v1\"");
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_TAKE);
    wf_ota_plan_start_over(&p);
    assert_int_equal(p.offset, 0);
    assert_string_equal(p.validator, "");

    /* A drop without a validator: start over (the written bytes given up). */
    wf_ota_plan_init(&p, 1000, 0);
    (void)wf_ota_plan_request(&p, &r);
    h = head(200);
    h.has_length = true;
    h.length = 500;
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_TAKE);
    wf_ota_plan_wrote(&p, 10);
    assert_int_equal(wf_ota_plan_end(&p, WF_EHTTP_SHORT), WF_OTA_DROPPED);
    assert_true(wf_ota_plan_resume(&p));
    assert_int_equal(p.offset, 0);
    assert_false(wf_ota_plan_request(&p, &r));
    /* A drop before any byte: the same request again, not a restart. */
    assert_int_equal(wf_ota_plan_end(&p, WF_ETIMEDOUT), WF_OTA_DROPPED);
    assert_false(wf_ota_plan_resume(&p));

    /* A validator too long to keep counts as none. */
    char longv[WF_OTA_VALIDATOR_MAX + 8];
    memset(longv, 'a', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    wf_ota_plan_init(&p, 1000, 100);
    (void)wf_ota_plan_request(&p, &r);
    h = part(0, 99, 500, longv);
    assert_int_equal(wf_ota_plan_head(&p, &h), WF_OTA_TAKE);
    assert_string_equal(p.validator, "");
}

static void test_plan_errors_that_end(void **state)
{
    (void)state;
    struct wf_ota_plan p;
    wf_ota_plan_init(&p, 1000, 0);
    static const int ends[] = {WF_ETLS_CERT_UNTRUSTED, WF_ECONNREFUSED, WF_EDNS_NXDOMAIN, WF_EWRITE,
                               WF_EHTTP_PROTO,         WF_EOTA_TOOBIG,  WF_EHTTP_STATUS};
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        assert_false(wf_ota_plan_is_drop(ends[i]));
        assert_int_equal(wf_ota_plan_end(&p, ends[i]), ends[i]);
    }
    static const int drops[] = {WF_ECONNRESET,  WF_EHTTP_SHORT, WF_ETIMEDOUT, WF_ETLS_TRUNCATED,
                                WF_EHTTP_EMPTY, WF_EPIPE,       WF_ENOTCONN};
    for (size_t i = 0; i < sizeof drops / sizeof drops[0]; i++) {
        assert_int_equal(wf_ota_plan_end(&p, drops[i]), WF_OTA_DROPPED);
    }
}

/* ---- the image server ------------------------------------------------------------ */

#define MAX_LOG 24

struct image_server {
    int fd;
    uint16_t port;
    pthread_t thread;
    volatile bool stop;
    /* What it serves. */
    size_t size;
    unsigned version;       /* the image's bytes: image_byte(i, version) */
    char etag[64];          /* "" none; "W/..." weak */
    char last_modified[64]; /* "" none */
    bool ignore_range;      /* always 200 */
    bool ignore_if_range;   /* a 206 even when If-Range names another version */
    bool wrong_range;       /* a 206 from one byte after the start asked for */
    int status;             /* answer this status (no body) when not 0 */
    unsigned drops;         /* the first `drops` responses are cut ... */
    size_t drop_after;      /* ... after this many body bytes */
    bool stall;             /* cut: hold the connection silently instead of closing it */
    int change_after;       /* after this many requests, the image changes (version+1, new ETag); <0 never */
    size_t extra;           /* bytes sent after a 200's announced Content-Length */
    bool chunked_long;      /* a 206 sent chunked, `extra` bytes longer than its Content-Range */
    /* What it saw. */
    unsigned connections;
    unsigned requests;
    char range[MAX_LOG][64];
    char if_range[MAX_LOG][80];
};

static uint8_t image_byte(size_t i, unsigned version)
{
    return (uint8_t)(i * 7u + i / 251u + version * 13u);
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool send_all(int c, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(c, p, len, MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* A field's value in a request head (NUL-terminated copy into out), or false. */
static bool field(const char *headp, const char *name, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "\r\n%s:", name);
    const char *f = strcasestr(headp, key);
    if (f == NULL) {
        return false;
    }
    f += strlen(key);
    while (*f == ' ') {
        f++;
    }
    size_t n = strcspn(f, "\r");
    n = n < cap - 1 ? n : cap - 1;
    memcpy(out, f, n);
    out[n] = '\0';
    return true;
}

static void current_etag(const struct image_server *s, char *out, size_t cap)
{
    snprintf(out, cap, "%s", s->etag);
    if (s->etag[0] != '\0' && s->version > 0) {
        /* A changed image gets another tag: "...-vN" inside the quotes. */
        size_t n = strlen(out);
        snprintf(out + n - 1, cap - n + 1, "-v%u\"", s->version);
    }
}

/* Body bytes [first, first + len) of the current image; a cut after `limit` (SIZE_MAX: none). */
static bool send_body(int c, const struct image_server *s, size_t first, size_t len, size_t limit)
{
    uint8_t buf[4096];
    size_t sent = 0;
    while (sent < len) {
        size_t n = len - sent < sizeof buf ? len - sent : sizeof buf;
        if (sent + n > limit) {
            n = limit - sent;
        }
        for (size_t i = 0; i < n; i++) {
            buf[i] = image_byte(first + sent + i, s->version);
        }
        if (n == 0) {
            return true; /* the cut: the caller closes or stalls */
        }
        if (!send_all(c, buf, n)) {
            return false;
        }
        sent += n;
    }
    return true;
}

/* One request on connection c; false: close the connection. */
static bool serve_one(struct image_server *s, int c)
{
    char req[4096];
    size_t len = 0;
    while (memmem(req, len, "\r\n\r\n", 4) == NULL) {
        if (len >= sizeof req - 1) {
            return false;
        }
        struct timeval tv = {0, 50000};
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(c, &rd);
        if (select(c + 1, &rd, NULL, NULL, &tv) <= 0) {
            if (s->stop) {
                return false;
            }
            continue;
        }
        ssize_t n = recv(c, req + len, sizeof req - 1 - len, 0);
        if (n <= 0) {
            return false;
        }
        len += (size_t)n;
    }
    req[len] = '\0';
    unsigned k = s->requests++;
    if (s->change_after >= 0 && k == (unsigned)s->change_after) {
        s->version++;
    }
    char range[64] = "", if_range[80] = "";
    bool has_range = field(req, "Range", range, sizeof range);
    bool has_if_range = field(req, "If-Range", if_range, sizeof if_range);
    if (k < MAX_LOG) {
        snprintf(s->range[k], sizeof s->range[k], "%s", range);
        snprintf(s->if_range[k], sizeof s->if_range[k], "%s", if_range);
    }
    char head[512];
    if (s->status != 0) {
        int n = snprintf(head, sizeof head, "HTTP/1.1 %d Oops\r\nContent-Length: 0\r\n\r\n", s->status);
        return send_all(c, head, (size_t)n);
    }
    char etag[80];
    current_etag(s, etag, sizeof etag);
    char validators[200] = "";
    size_t vn = 0;
    if (etag[0] != '\0') {
        vn += (size_t)snprintf(validators + vn, sizeof validators - vn, "ETag: %s\r\n", etag);
    }
    if (s->last_modified[0] != '\0') {
        snprintf(validators + vn, sizeof validators - vn, "Last-Modified: %s\r\n", s->last_modified);
    }
    size_t first = 0, last = s->size - 1;
    bool partial = false;
    if (has_range && !s->ignore_range) {
        bool if_range_ok = !has_if_range || s->ignore_if_range ||
                           (etag[0] != '\0' && strncmp(etag, "W/", 2) != 0 && strcmp(if_range, etag) == 0) ||
                           (etag[0] == '\0' && strcmp(if_range, s->last_modified) == 0 && s->version == 0);
        unsigned long a = 0, b = 0;
        int got = sscanf(range, "bytes=%lu-%lu", &a, &b);
        if (if_range_ok && got >= 1 && a < s->size) {
            partial = true;
            first = a;
            last = got == 2 && b < s->size ? b : s->size - 1;
        }
    }
    bool cut = k < s->drops;
    size_t limit = cut ? s->drop_after : SIZE_MAX;
    size_t count = last - first + 1;
    int n;
    if (partial) {
        size_t shown = s->wrong_range ? first + 1 : first;
        if (s->chunked_long) {
            n = snprintf(head, sizeof head,
                         "HTTP/1.1 206 Partial Content\r\n%sContent-Range: bytes %zu-%zu/%zu\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n%zx\r\n",
                         validators, shown, last, s->size, count + s->extra);
            if (!send_all(c, head, (size_t)n) || !send_body(c, s, first, count + s->extra, SIZE_MAX)) {
                return false;
            }
            return send_all(c, "\r\n0\r\n\r\n", 7);
        }
        n = snprintf(head, sizeof head,
                     "HTTP/1.1 206 Partial Content\r\n%sContent-Range: bytes %zu-%zu/%zu\r\nContent-Length: "
                     "%zu\r\n\r\n",
                     validators, shown, last, s->size, count);
    } else {
        n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n%sContent-Length: %zu\r\n\r\n", validators,
                     s->size);
    }
    if (!send_all(c, head, (size_t)n) || !send_body(c, s, first, count, limit)) {
        return false;
    }
    if (cut && s->stall) {
        /* Send nothing more; wait for the client to give up (or the test to end). */
        char b;
        while (!s->stop) {
            struct timeval tv = {0, 20000};
            fd_set rd;
            FD_ZERO(&rd);
            FD_SET(c, &rd);
            if (select(c + 1, &rd, NULL, NULL, &tv) > 0 && recv(c, &b, 1, 0) <= 0) {
                break;
            }
        }
    }
    if (cut) {
        return false;
    }
    if (!partial && s->extra > 0) {
        (void)send_body(c, s, s->size, s->extra, SIZE_MAX);
        return false;
    }
    return true;
}

static void *server_main(void *arg)
{
    struct image_server *s = arg;
    while (!s->stop) {
        struct timeval tv = {0, 50000};
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(s->fd, &rd);
        if (select(s->fd + 1, &rd, NULL, NULL, &tv) <= 0) {
            continue;
        }
        int c = accept(s->fd, NULL, NULL);
        if (c < 0) {
            continue;
        }
        s->connections++;
        while (!s->stop && serve_one(s, c)) {
        }
        close(c);
    }
    return NULL;
}

static struct image_server *server_start(size_t size)
{
    struct image_server *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->size = size;
    s->change_after = -1;
    snprintf(s->etag, sizeof s->etag, "\"img-1\"");
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    int one = 1;
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(listen(s->fd, 8), 0);
    return s;
}

static void server_run(struct image_server *s)
{
    assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
}

/* A server whose first response is cut after `after` body bytes (not running yet). */
static struct image_server *server_cutting(size_t size, size_t after)
{
    struct image_server *s = server_start(size);
    s->drops = 1;
    s->drop_after = after;
    return s;
}

static void server_stop(struct image_server *s)
{
    s->stop = true;
    pthread_join(s->thread, NULL);
    close(s->fd);
    free(s);
}

/* ---- the sink: memory that checks every write ------------------------------------ */

#define SINK_MAX 65536

struct mem_sink {
    uint8_t data[SINK_MAX];
    uint32_t next; /* the offset the next write must have (or 0: a start over) */
    uint32_t high; /* highest end written */
    unsigned writes;
    unsigned start_overs; /* writes at 0 after earlier writes */
};

static int sink_write(void *ctx, uint32_t offset, const uint8_t *data, size_t len)
{
    struct mem_sink *k = ctx;
    assert_true(len > 0);
    if (offset != k->next) {
        assert_int_equal(offset, 0); /* only a start over may go back, and only to 0 */
        k->start_overs++;
    }
    assert_true((uint64_t)offset + len <= SINK_MAX);
    memcpy(k->data + offset, data, len);
    k->next = offset + (uint32_t)len;
    k->high = k->next > k->high ? k->next : k->high;
    k->writes++;
    return 0;
}

static struct mem_sink sink_mem;
static wf_ota_download_t dl;
static char url[96];

struct run {
    struct wf_ota_download_options o;
    struct wf_ota_sink sink;
    struct wf_ota_download_result r;
};

static void run_setup(struct run *u, const struct image_server *s, uint32_t capacity, uint32_t piece)
{
    memset(&sink_mem, 0, sizeof sink_mem);
    memset(u, 0, sizeof *u);
    snprintf(url, sizeof url, "http://10.0.0.1:%u/image.bin", s->port);
    wf_fetch_options_default(&u->o.fetch);
    u->o.fetch.total_timeout_ms = 10000;
    u->o.url = url;
    u->o.piece_size = piece;
    u->o.max_resumes = 3;
    u->o.total_timeout_ms = 30000;
    assert_true(capacity <= SINK_MAX);
    u->sink = (struct wf_ota_sink){.ctx = &sink_mem, .capacity = capacity, .write = sink_write};
}

static int run_download(struct wf_fixture *fx, struct run *u)
{
    return wf_ota_download(&dl, &fx->net, NULL, &u->o, &u->sink, &u->r);
}

/* The sink holds exactly the image of `version`, `size` bytes. */
static void assert_image(const struct run *u, size_t size, unsigned version)
{
    assert_int_equal(u->r.size, size);
    assert_int_equal(u->r.total, size);
    assert_int_equal(sink_mem.next, size);
    for (size_t i = 0; i < size; i++) {
        if (sink_mem.data[i] != image_byte(i, version)) {
            fail_msg("byte %zu: %u, expected %u (version %u)", i, sink_mem.data[i], image_byte(i, version),
                     version);
        }
    }
}

/* ---- the download ---------------------------------------------------------------- */

static void test_whole_image(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_start(20000);
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 0);
    assert_int_equal(run_download(fx, &u), 0);
    assert_image(&u, 20000, 0);
    assert_int_equal(u.r.requests, 1);
    assert_int_equal(u.r.resumes + u.r.restarts, 0);
    assert_int_equal(u.r.http_status, 200);
    assert_string_equal(s->range[0], ""); /* a plain GET */
    server_stop(s);
}

static void test_pieces_one_connection(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_start(10000);
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 4096);
    assert_int_equal(run_download(fx, &u), 0);
    assert_image(&u, 10000, 0);
    assert_int_equal(u.r.requests, 3);
    assert_int_equal(u.r.http_status, 206);
    assert_string_equal(s->range[0], "bytes=0-4095");
    assert_string_equal(s->range[1], "bytes=4096-8191");
    assert_string_equal(s->range[2], "bytes=8192-9999");
    assert_string_equal(s->if_range[0], "");
    assert_string_equal(s->if_range[1], "\"img-1\"");
    assert_int_equal(s->connections, 1); /* kept alive between the pieces */
    server_stop(s);
}

static void test_drop_resumes_with_etag(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_cutting(30000, 12345);
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 0);
    assert_int_equal(run_download(fx, &u), 0);
    assert_image(&u, 30000, 0);
    assert_int_equal(u.r.requests, 2);
    assert_int_equal(u.r.resumes, 1);
    assert_int_equal(u.r.restarts, 0);
    assert_int_equal(sink_mem.start_overs, 0);
    assert_string_equal(s->range[1], "bytes=12345-");
    assert_string_equal(s->if_range[1], "\"img-1\"");
    server_stop(s);
}

static void test_drop_resumes_with_last_modified(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_start(30000);
    s->etag[0] = '\0';
    snprintf(s->last_modified, sizeof s->last_modified, "Sun, 06 Dec 2026 10:00:00 GMT");
    s->drops = 1;
    s->drop_after = 7000;
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 0);
    assert_int_equal(run_download(fx, &u), 0);
    assert_image(&u, 30000, 0);
    assert_int_equal(u.r.resumes, 1);
    assert_string_equal(s->range[1], "bytes=7000-");
    assert_string_equal(s->if_range[1], "Sun, 06 Dec 2026 10:00:00 GMT");
    server_stop(s);
}

/* A weak ETag and no Last-Modified: nothing to check a resume with. */
static void test_drop_weak_etag_starts_over(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_start(30000);
    snprintf(s->etag, sizeof s->etag, "W/\"weak\"");
    s->drops = 1;
    s->drop_after = 9000;
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 0);
    assert_int_equal(run_download(fx, &u), 0);
    assert_image(&u, 30000, 0);
    assert_int_equal(u.r.restarts, 1);
    assert_int_equal(u.r.resumes, 0);
    assert_int_equal(sink_mem.start_overs, 1);
    assert_string_equal(s->range[1], ""); /* the whole image again */
    server_stop(s);
}

/* The image changed between the tries: If-Range makes the server send the
 * new one whole (200), which is written from byte 0. */
static void test_changed_image_if_range_200(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_cutting(30000, 10000);
    s->change_after = 1;
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 0);
    assert_int_equal(run_download(fx, &u), 0);
    assert_image(&u, 30000, 1);
    assert_int_equal(u.r.requests, 2);
    assert_int_equal(u.r.restarts, 1);
    assert_int_equal(sink_mem.start_overs, 1);
    assert_string_equal(s->if_range[1], "\"img-1\"");
    server_stop(s);
}

/* The same, from a server that ignores If-Range (a 206 of the new image):
 * its other ETag stops it, and the download asks again from byte 0. */
static void test_changed_image_206_starts_over(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_cutting(30000, 10000);
    s->change_after = 1;
    s->ignore_if_range = true;
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 0);
    assert_int_equal(run_download(fx, &u), 0);
    assert_image(&u, 30000, 1);
    assert_int_equal(u.r.requests, 3);
    assert_int_equal(u.r.resumes, 1);
    assert_int_equal(u.r.restarts, 1);
    assert_string_equal(s->range[2], "");
    assert_int_equal(sink_mem.high, 30000);
    server_stop(s);
}

/* A server that ignores Range: the first piece's 200 is the whole image. */
static void test_pieces_server_ignores_range(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_start(10000);
    s->ignore_range = true;
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 4096);
    assert_int_equal(run_download(fx, &u), 0);
    assert_image(&u, 10000, 0);
    assert_int_equal(u.r.requests, 1);
    assert_int_equal(u.r.restarts, 0);
    server_stop(s);
}

/* ... and after a drop its 200 goes from byte 0, never at the resume offset. */
static void test_drop_server_ignores_range(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_start(30000);
    s->ignore_range = true;
    s->drops = 1;
    s->drop_after = 20000;
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 0);
    assert_int_equal(run_download(fx, &u), 0);
    assert_image(&u, 30000, 0);
    assert_int_equal(u.r.requests, 2);
    assert_int_equal(u.r.resumes, 1);
    assert_int_equal(u.r.restarts, 1);
    assert_int_equal(sink_mem.start_overs, 1);
    assert_string_equal(s->range[1], "bytes=20000-");
    server_stop(s);
}

static void test_too_big_refused_before_writing(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_start(40000);
    server_run(s);
    struct run u;
    for (int piece = 0; piece <= 1; piece++) {
        run_setup(&u, s, 32768, piece ? 4096 : 0);
        assert_int_equal(run_download(fx, &u), WF_EOTA_TOOBIG);
        assert_int_equal(sink_mem.writes, 0);
        assert_int_equal(u.r.size, 0);
        assert_int_equal(u.r.requests, 1);
        assert_int_equal(u.r.http_status, piece ? 206 : 200);
    }
    server_stop(s);
}

static void test_http_error_status(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_start(1000);
    s->status = 404;
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 0);
    assert_int_equal(run_download(fx, &u), WF_EHTTP_STATUS);
    assert_int_equal(u.r.http_status, 404);
    assert_int_equal(sink_mem.writes, 0);
    assert_int_equal(u.r.requests, 1);
    server_stop(s);
}

static void test_206_for_another_range(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_start(10000);
    s->wrong_range = true;
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 4096);
    assert_int_equal(run_download(fx, &u), WF_EHTTP_RANGE);
    assert_int_equal(sink_mem.writes, 0);
    server_stop(s);
}

/* A body longer than its Content-Range: nothing beyond the range is written. */
static void test_more_than_announced(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_start(10000);
    s->chunked_long = true;
    s->extra = 500;
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 4096);
    assert_int_equal(run_download(fx, &u), WF_EHTTP_PROTO);
    assert_true(sink_mem.high <= 4096);
    assert_true(u.r.size <= 4096);
    server_stop(s);
}

/* Bytes after a 200's Content-Length are not its body: never written. */
static void test_bytes_after_content_length(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_start(10000);
    s->extra = 3000;
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 0);
    assert_int_equal(run_download(fx, &u), 0);
    assert_image(&u, 10000, 0);
    assert_int_equal(sink_mem.high, 10000);
    server_stop(s);
}

/* A server that drops every time: max_resumes tries after the first, then its error. */
static void test_resumes_bounded(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_start(30000);
    s->drops = 100;
    s->drop_after = 1000;
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 0);
    u.o.max_resumes = 2;
    assert_int_equal(run_download(fx, &u), WF_EHTTP_SHORT);
    assert_int_equal(u.r.requests, 3);
    assert_int_equal(u.r.resumes, 2);
    assert_int_equal(u.r.size, 3000); /* each try added its 1000 bytes */
    assert_string_equal(s->range[2], "bytes=2000-");
    server_stop(s);
}

/* A running server whose first response stalls after 8000 of 30000 bytes, and
 * a download of it whose requests time out after `request_ms`. */
static struct image_server *stalling_run(struct run *u, uint32_t request_ms)
{
    struct image_server *s = server_cutting(30000, 8000);
    s->stall = true;
    server_run(s);
    run_setup(u, s, 32768, 0);
    u->o.fetch.total_timeout_ms = request_ms;
    return s;
}

/* One request stalls (the server holds the connection, silent): its own
 * time-out (fetch.total_timeout_ms) is a drop, resumed. */
static void test_request_timeout_resumes(void **state)
{
    struct wf_fixture *fx = *state;
    struct run u;
    struct image_server *s = stalling_run(&u, 400);
    assert_int_equal(run_download(fx, &u), 0);
    assert_image(&u, 30000, 0);
    assert_int_equal(u.r.resumes, 1);
    assert_string_equal(s->range[1], "bytes=8000-");
    server_stop(s);
}

/* The whole download's time-out ends it, even though each request has time left
 * and resumes are allowed. */
static void test_total_timeout_ends(void **state)
{
    struct wf_fixture *fx = *state;
    struct run u;
    struct image_server *s = stalling_run(&u, 10000);
    u.o.total_timeout_ms = 500;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(run_download(fx, &u), WF_ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms >= 450 && ms < 3000);
    assert_int_equal(u.r.requests, 1);
    assert_int_equal(u.r.size, 8000);
    server_stop(s);
}

/* A poll without a start (a zeroed work area) is WF_EINVAL, never "done". */
static void test_poll_without_start(void **state)
{
    (void)state;
    static wf_ota_download_t never;
    memset(&never, 0, sizeof never);
    assert_int_equal(wf_ota_download_poll(&never), WF_EINVAL);
    wf_ota_download_abort(&never);
    assert_int_equal(wf_ota_download_poll(&never), WF_EINVAL);
}

/* Abort in the middle: the sockets are free, a new download works. */
static void test_abort_then_again(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_start(30000);
    server_run(s);
    struct run u;
    run_setup(&u, s, 32768, 1024);
    assert_int_equal(wf_ota_download_start(&dl, &fx->net, NULL, &u.o, &u.sink, &u.r), 0);
    int rc = WF_EAGAIN;
    for (int i = 0; i < 100000 && u.r.requests < 3 && rc == WF_EAGAIN; i++) {
        rc = wf_ota_download_poll(&dl);
        if (rc == WF_EAGAIN) {
            sleep_ms(0);
        }
    }
    assert_int_equal(rc, WF_EAGAIN);
    wf_ota_download_abort(&dl);
    assert_int_equal(wf_ota_download_poll(&dl), WF_EINVAL);
    wf_ota_download_abort(&dl); /* harmless twice */
    run_setup(&u, s, 32768, 0);
    assert_int_equal(run_download(fx, &u), 0);
    assert_image(&u, 30000, 0);
    server_stop(s);
}

/* Bad options: too many header fields; no URL. */
static void test_bad_options(void **state)
{
    struct wf_fixture *fx = *state;
    struct image_server *s = server_start(100);
    struct run u;
    run_setup(&u, s, 1000, 0);
    struct wf_http_header h[WF_OTA_MAX_HEADERS + 1] = {0};
    for (size_t i = 0; i <= WF_OTA_MAX_HEADERS; i++) {
        h[i] = (struct wf_http_header){.name = "X-A", .value = "1"};
    }
    u.o.fetch.headers = h;
    u.o.fetch.header_count = WF_OTA_MAX_HEADERS + 1;
    assert_int_equal(run_download(fx, &u), WF_EINVAL);
    assert_int_equal(wf_ota_download_poll(&dl), WF_EINVAL);
    run_setup(&u, s, 1000, 0);
    u.o.url = NULL;
    assert_int_equal(run_download(fx, &u), WF_EINVAL);
    assert_int_equal(u.r.requests, 0);
    close(s->fd);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_requests),
        cmocka_unit_test(test_plan_whole_image),
        cmocka_unit_test(test_plan_too_big),
        cmocka_unit_test(test_plan_200_for_a_range),
        cmocka_unit_test(test_plan_206_checks),
        cmocka_unit_test(test_plan_validator_rules),
        cmocka_unit_test(test_plan_errors_that_end),
        cmocka_unit_test_setup_teardown(test_whole_image, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_pieces_one_connection, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_drop_resumes_with_etag, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_drop_resumes_with_last_modified, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_drop_weak_etag_starts_over, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_changed_image_if_range_200, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_changed_image_206_starts_over, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_pieces_server_ignores_range, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_drop_server_ignores_range, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_too_big_refused_before_writing, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_http_error_status, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_206_for_another_range, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_more_than_announced, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bytes_after_content_length, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_resumes_bounded, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_request_timeout_resumes, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_total_timeout_ends, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test(test_poll_without_start),
        cmocka_unit_test_setup_teardown(test_abort_then_again, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bad_options, wf_fixture_setup, wf_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
