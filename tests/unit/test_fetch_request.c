/* wf_fetch's request side end to end over plain http through the chip model:
 * a real HTTP server thread on 127.0.0.1 records each request's head and
 * decoded body and answers as scripted. Bodies from buffers and read
 * callbacks (Content-Length and chunked, pieces of many sizes), read errors,
 * redirects (303 -> GET without the body, 307 with and without rewind,
 * Authorization across ports), an early 413 that must stop the body, a
 * resumed download (Range, and each kind of answer to it), and a refused
 * header that must not even connect. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"
#include "wizfetch/fetch.h"

/* ---- the server ------------------------------------------------------------ */

#define MAX_CONN 4
#define MAX_BODY (256 * 1024)

struct exchange {
    char head[8192];
    uint8_t *body;
    size_t body_len;
    size_t max_chunk; /* largest chunk of a chunked body */
    bool chunked;
};

struct server {
    int fd;
    uint16_t port;
    pthread_t thread;
    const char *answers[MAX_CONN]; /* whole responses, one per connection */
    bool early;                    /* answer right after the head, never read the body */
    size_t late;                   /* >0: read this much body, stop reading 2.5 s, then answer */
    unsigned connections;
    struct exchange ex[MAX_CONN];
};

static bool read_more(int c, char *buf, size_t *len, size_t cap)
{
    if (*len >= cap) {
        return false;
    }
    ssize_t n = recv(c, buf + *len, cap - *len, 0);
    if (n <= 0) {
        return false;
    }
    *len += (size_t)n;
    return true;
}

/* Bytes of the stream after the head are in `buf` (len); more come from `c`. */
static bool take(int c, char *buf, size_t *len, size_t want, uint8_t *out)
{
    while (want > 0) {
        if (*len == 0 && !read_more(c, buf, len, 65536)) {
            return false;
        }
        size_t n = *len < want ? *len : want;
        memcpy(out, buf, n);
        memmove(buf, buf + n, *len - n);
        *len -= n;
        out += n;
        want -= n;
    }
    return true;
}

static bool take_line(int c, char *buf, size_t *len, char *line, size_t cap)
{
    char *end;
    while ((end = memmem(buf, *len, "\r\n", 2)) == NULL) {
        if (!read_more(c, buf, len, 65536)) {
            return false;
        }
    }
    size_t n = (size_t)(end - buf);
    if (n >= cap) {
        return false;
    }
    memcpy(line, buf, n);
    line[n] = '\0';
    memmove(buf, end + 2, *len - n - 2);
    *len -= n + 2;
    return true;
}

static void serve_one(struct server *s, int c, struct exchange *ex)
{
    static char buf[65536];
    size_t len = 0;
    char *end;
    while ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL) {
        if (!read_more(c, buf, &len, sizeof buf)) {
            return;
        }
    }
    size_t head = (size_t)(end - buf) + 4;
    memcpy(ex->head, buf, head < sizeof ex->head ? head : sizeof ex->head - 1);
    memmove(buf, buf + head, len - head);
    len -= head;
    const char *answer = s->answers[s->connections - 1];
    if (s->early) {
        send(c, answer, strlen(answer), MSG_NOSIGNAL);
        /* The body is never read: wait (at most 5 s) until the client closes. */
        struct pollfd p = {.fd = c, .events = POLLRDHUP};
        (void)poll(&p, 1, 5000);
        return;
    }
    if (s->late > 0) {
        static uint8_t sink[65536];
        for (size_t got = len; got < s->late;) {
            ssize_t n = recv(c, sink, sizeof sink, 0);
            if (n <= 0) {
                return;
            }
            got += (size_t)n;
        }
        usleep(2500000); /* not reading: the connection's buffers fill up, the client's send blocks */
        send(c, answer, strlen(answer), MSG_NOSIGNAL);
        struct pollfd p = {.fd = c, .events = POLLRDHUP};
        (void)poll(&p, 1, 5000); /* still not reading; closes after 5 s */
        return;
    }
    ex->body = malloc(MAX_BODY);
    char *cl = strcasestr(ex->head, "\r\nContent-Length: ");
    if (strcasestr(ex->head, "\r\nTransfer-Encoding: chunked\r\n") != NULL) {
        ex->chunked = true;
        for (;;) {
            char line[64];
            if (!take_line(c, buf, &len, line, sizeof line)) {
                return;
            }
            size_t n = strtoul(line, NULL, 16);
            if (n == 0) {
                take_line(c, buf, &len, line, sizeof line); /* the empty trailer */
                break;
            }
            if (ex->body_len + n > MAX_BODY || !take(c, buf, &len, n, ex->body + ex->body_len)) {
                return;
            }
            ex->body_len += n;
            ex->max_chunk = n > ex->max_chunk ? n : ex->max_chunk;
            if (!take_line(c, buf, &len, line, sizeof line) || line[0] != '\0') {
                return;
            }
        }
    } else if (cl != NULL) {
        size_t n = strtoul(cl + 18, NULL, 10);
        if (n > MAX_BODY || !take(c, buf, &len, n, ex->body)) {
            return;
        }
        ex->body_len = n;
    }
    send(c, answer, strlen(answer), MSG_NOSIGNAL);
}

static void *server_main(void *arg)
{
    struct server *s = arg;
    for (;;) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0) {
            return NULL; /* the listening socket was shut down */
        }
        if (s->connections < MAX_CONN) {
            s->connections++;
            serve_one(s, c, &s->ex[s->connections - 1]);
        }
        close(c);
    }
}

static struct server *server_start(const char *a0, const char *a1)
{
    struct server *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->answers[0] = a0;
    s->answers[1] = a1 != NULL ? a1 : a0;
    s->answers[2] = s->answers[3] = s->answers[1];
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t sl = sizeof sa;
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&sa, &sl), 0);
    s->port = ntohs(sa.sin_port);
    int small = 16384; /* a small receive buffer (inherited by accepted sockets): a stall fills it soon */
    assert_int_equal(setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    assert_int_equal(listen(s->fd, 4), 0);
    assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
    return s;
}

static void server_stop(struct server *s)
{
    shutdown(s->fd, SHUT_RDWR);
    pthread_join(s->thread, NULL);
    close(s->fd);
    for (int i = 0; i < MAX_CONN; i++) {
        free(s->ex[i].body);
    }
    free(s);
}

/* ---- the client ------------------------------------------------------------ */

static wf_fetch_t work;

struct src {
    const uint8_t *data;
    size_t len, off, piece;
    unsigned reads;
    int fail_at; /* return WF_EREAD on this read (1-based), 0 never */
};

static int src_read(void *ctx, uint8_t *buf, size_t cap)
{
    struct src *s = ctx;
    s->reads++;
    if (s->fail_at != 0 && (int)s->reads == s->fail_at) {
        return WF_EREAD;
    }
    size_t n = s->len - s->off;
    n = n < s->piece ? n : s->piece;
    n = n < cap ? n : cap;
    memcpy(buf, s->data + s->off, n);
    s->off += n;
    return (int)n;
}

static int src_rewind(void *ctx)
{
    ((struct src *)ctx)->off = 0;
    return 0;
}

/* A pattern source of any length (no buffer): byte i is (i * 7 + i / 251) & 0xff. */
struct gen {
    uint64_t len, off;
};

static int gen_read(void *ctx, uint8_t *buf, size_t cap)
{
    struct gen *g = ctx;
    size_t n = 0;
    for (; n < cap && g->off < g->len; n++, g->off++) {
        buf[n] = (uint8_t)(g->off * 7 + g->off / 251);
    }
    return (int)n;
}

static char url[64];

static int fetch(struct wf_fixture *fx, struct server *s, const char *path, struct wf_fetch_options *o,
                 struct wf_fetch_result *r)
{
    snprintf(url, sizeof url, "http://10.0.0.1:%u%s", s->port, path);
    o->url = url;
    return wf_fetch(&work, &fx->net, NULL, o, NULL, r);
}

static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

static uint8_t pattern[MAX_BODY];

static void fill_pattern(void)
{
    for (size_t i = 0; i < sizeof pattern; i++) {
        pattern[i] = (uint8_t)(i * 13 + (i >> 9));
    }
}

/* ---- tests ----------------------------------------------------------------- */

static void test_buffer_body_head(void **state)
{
    struct wf_fixture *fx = *state;
    struct server *s = server_start(ok, NULL);
    struct wf_fetch_options o;
    wf_fetch_options_default(&o);
    const struct wf_http_header h[] = {{"Content-Type", "application/json", 0},
                                       {"Authorization", "Bearer t", 0}};
    o.method = "POST";
    o.headers = h;
    o.header_count = 2;
    o.body.data = (const uint8_t *)"{\"a\":1}";
    o.body.len = 7;
    struct wf_fetch_result r;
    assert_int_equal(fetch(fx, s, "/in?x=1", &o, &r), 0);
    assert_int_equal(r.http_status, 200);
    char want[512];
    snprintf(want, sizeof want,
             "POST /in?x=1 HTTP/1.1\r\nHost: 10.0.0.1:%u\r\nUser-Agent: " WF_HTTP_USER_AGENT
             "\r\nAccept: */*\r\nConnection: close\r\nContent-Length: 7\r\nContent-Type: application/json\r\n"
             "Authorization: Bearer t\r\n\r\n",
             s->port);
    assert_string_equal(s->ex[0].head, want);
    assert_int_equal(s->ex[0].body_len, 7);
    assert_memory_equal(s->ex[0].body, "{\"a\":1}", 7);
    server_stop(s);
}

/* A callback body of unknown length goes chunked; pieces of many sizes, the
 * chunks never larger than a piece, the bytes exactly the source's. */
static void test_chunked_callback_piece_sizes(void **state)
{
    struct wf_fixture *fx = *state;
    fill_pattern();
    static const size_t pieces[] = {1, 2, 3, 17, 255, 256, 1000, 1460, 2047, 2048, 4096, 100000};
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        struct server *s = server_start(ok, NULL);
        size_t total = pieces[i] < 8 ? 3000 : 20000 + pieces[i];
        struct src src = {.data = pattern, .len = total, .piece = pieces[i]};
        struct wf_fetch_options o;
        wf_fetch_options_default(&o);
        o.method = "PUT";
        o.body = (struct wf_fetch_body){.read = src_read, .ctx = &src, .length = WF_FETCH_LENGTH_UNKNOWN};
        struct wf_fetch_result r;
        assert_int_equal(fetch(fx, s, "/up", &o, &r), 0);
        assert_int_equal(r.http_status, 200);
        assert_true(s->ex[0].chunked);
        assert_null(strcasestr(s->ex[0].head, "Content-Length"));
        assert_int_equal(s->ex[0].body_len, total);
        assert_memory_equal(s->ex[0].body, pattern, total);
        assert_true(s->ex[0].max_chunk <= pieces[i] && s->ex[0].max_chunk <= sizeof work.io);
        server_stop(s);
    }
}

static void test_length_callback(void **state)
{
    struct wf_fixture *fx = *state;
    fill_pattern();
    struct server *s = server_start(ok, NULL);
    struct src src = {.data = pattern, .len = MAX_BODY, .piece = 777};
    struct wf_fetch_options o;
    wf_fetch_options_default(&o);
    o.method = "POST";
    o.body = (struct wf_fetch_body){.read = src_read, .ctx = &src, .length = MAX_BODY};
    struct wf_fetch_result r;
    assert_int_equal(fetch(fx, s, "/", &o, &r), 0);
    assert_false(s->ex[0].chunked);
    assert_non_null(strstr(s->ex[0].head, "\r\nContent-Length: 262144\r\n"));
    assert_int_equal(s->ex[0].body_len, MAX_BODY);
    assert_memory_equal(s->ex[0].body, pattern, MAX_BODY);
    server_stop(s);
}

static void test_read_errors(void **state)
{
    struct wf_fixture *fx = *state;
    fill_pattern();
    struct server *s = server_start(ok, NULL);
    struct wf_fetch_options o;
    wf_fetch_options_default(&o);
    struct wf_fetch_result r;
    /* The callback fails: its code, in the request step. */
    struct src src = {.data = pattern, .len = 10000, .piece = 1000, .fail_at = 3};
    o.body = (struct wf_fetch_body){.read = src_read, .ctx = &src, .length = 10000};
    assert_int_equal(fetch(fx, s, "/", &o, &r), WF_EREAD);
    assert_int_equal(r.step, WF_STEP_REQUEST);
    /* The source ends before its announced length. */
    struct src shorter = {.data = pattern, .len = 500, .piece = 1000};
    o.body = (struct wf_fetch_body){.read = src_read, .ctx = &shorter, .length = 10000};
    assert_int_equal(fetch(fx, s, "/", &o, &r), WF_EREAD);
    assert_int_equal(r.step, WF_STEP_REQUEST);
    server_stop(s);
}

static void test_redirect_303_drops_body(void **state)
{
    struct wf_fixture *fx = *state;
    struct server *s =
        server_start("HTTP/1.1 303 See Other\r\nLocation: /done\r\nContent-Length: 0\r\n\r\n", ok);
    struct wf_fetch_options o;
    wf_fetch_options_default(&o);
    o.follow_redirects = true;
    const struct wf_http_header h[] = {{"Content-Type", "text/plain", WF_HTTP_HEADER_BODY}, {"X-K", "1", 0}};
    o.method = "POST";
    o.headers = h;
    o.header_count = 2;
    o.body.data = (const uint8_t *)"hello";
    o.body.len = 5;
    struct wf_fetch_result r;
    assert_int_equal(fetch(fx, s, "/form", &o, &r), 0);
    assert_int_equal(r.redirects, 1);
    assert_int_equal(s->connections, 2);
    assert_int_equal(s->ex[0].body_len, 5);
    assert_true(strncmp(s->ex[1].head, "GET /done HTTP/1.1\r\n", 20) == 0);
    assert_null(strcasestr(s->ex[1].head, "Content-Length"));
    assert_null(strcasestr(s->ex[1].head, "Content-Type"));
    assert_non_null(strstr(s->ex[1].head, "\r\nX-K: 1\r\n"));
    assert_int_equal(s->ex[1].body_len, 0);
    server_stop(s);
}

static void test_redirect_307_rewind(void **state)
{
    struct wf_fixture *fx = *state;
    fill_pattern();
    const char *to_again = "HTTP/1.1 307 Temporary Redirect\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n";
    struct server *s = server_start(to_again, ok);
    struct src src = {.data = pattern, .len = 5000, .piece = 999};
    struct wf_fetch_options o;
    wf_fetch_options_default(&o);
    o.follow_redirects = true;
    o.method = "PUT";
    o.body = (struct wf_fetch_body){.read = src_read, .rewind = src_rewind, .ctx = &src, .length = 5000};
    struct wf_fetch_result r;
    assert_int_equal(fetch(fx, s, "/x", &o, &r), 0);
    assert_int_equal(s->connections, 2);
    assert_true(strncmp(s->ex[1].head, "PUT /again HTTP/1.1\r\n", 21) == 0);
    assert_int_equal(s->ex[1].body_len, 5000);
    assert_memory_equal(s->ex[1].body, pattern, 5000);
    server_stop(s);

    /* Without rewind: refused with its own code, nothing sent again. */
    s = server_start(to_again, ok);
    src.off = 0;
    o.body.rewind = NULL;
    assert_int_equal(fetch(fx, s, "/x", &o, &r), WF_EHTTP_REWIND);
    assert_int_equal(s->connections, 1);
    server_stop(s);
}

static void test_authorization_dropped_across_ports(void **state)
{
    struct wf_fixture *fx = *state;
    struct server *other = server_start(ok, NULL);
    char to_other[160];
    snprintf(to_other, sizeof to_other,
             "HTTP/1.1 302 Found\r\nLocation: http://10.0.0.1:%u/there\r\nContent-Length: 0\r\n\r\n",
             other->port);
    struct server *s =
        server_start("HTTP/1.1 301 Moved\r\nLocation: /same\r\nContent-Length: 0\r\n\r\n", to_other);
    struct wf_fetch_options o;
    wf_fetch_options_default(&o);
    o.follow_redirects = true;
    const struct wf_http_header h[] = {{"Authorization", "Basic dTpw", 0}, {"X-K", "1", 0}};
    o.headers = h;
    o.header_count = 2;
    struct wf_fetch_result r;
    assert_int_equal(fetch(fx, s, "/start", &o, &r), 0);
    assert_int_equal(r.redirects, 2);
    assert_non_null(strstr(s->ex[0].head, "\r\nAuthorization: Basic dTpw\r\n"));
    assert_non_null(strstr(s->ex[1].head, "\r\nAuthorization: Basic dTpw\r\n")); /* same origin: kept */
    assert_null(strstr(other->ex[0].head, "Authorization"));                     /* other port: dropped */
    assert_non_null(strstr(other->ex[0].head, "\r\nX-K: 1\r\n"));
    server_stop(s);
    server_stop(other);
}

/* The server answers 413 right after the head and never reads the body: the
 * fetch stops sending, delivers the response and returns 0 quickly (before
 * the server's 5 s wait ends), having read only a small part of a 64 MiB body. */
static void test_early_413_stops_the_body(void **state)
{
    struct wf_fixture *fx = *state;
    struct server *s = server_start(
        "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo large", NULL);
    s->early = true;
    struct gen g = {.len = 64u << 20};
    struct wf_fetch_options o;
    wf_fetch_options_default(&o);
    o.method = "POST";
    o.total_timeout_ms = 20000;
    o.body = (struct wf_fetch_body){.read = gen_read, .ctx = &g, .length = g.len};
    struct wf_fetch_result r;
    uint32_t t0 = wf_port_sim_millis(NULL);
    assert_int_equal(fetch(fx, s, "/up", &o, &r), 0);
    assert_int_equal(r.http_status, 413);
    assert_int_equal(r.body_bytes, 9);
    assert_true(g.off < g.len / 4);
    /* Well before the server gives up waiting (5 s): without the stop, the
     * client would block on full buffers until the server closes. */
    uint32_t took = wf_port_sim_millis(NULL) - t0;
    print_message("early 413 after %u ms, %llu body bytes read\n", (unsigned)took, (unsigned long long)g.off);
    assert_true(took < 2500);
    server_stop(s);
}

/* The server reads 64 KiB of the body, stops reading (the connection's
 * buffers fill up and the client's send blocks), answers 413 2.5 s later and
 * still does not read: the blocked sender must notice the answer and stop,
 * well before the server gives up 5 s after that. */
static void test_late_413_while_blocked(void **state)
{
    struct wf_fixture *fx = *state;
    struct server *s = server_start(
        "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo large", NULL);
    s->late = 65536;
    struct gen g = {.len = 256u << 20};
    struct wf_fetch_options o;
    wf_fetch_options_default(&o);
    o.method = "POST";
    o.total_timeout_ms = 30000;
    o.body = (struct wf_fetch_body){.read = gen_read, .ctx = &g, .length = g.len};
    struct wf_fetch_result r;
    uint32_t t0 = wf_port_sim_millis(NULL);
    assert_int_equal(fetch(fx, s, "/up", &o, &r), 0);
    uint32_t took = wf_port_sim_millis(NULL) - t0;
    print_message("late 413 after %u ms, %llu body bytes read\n", (unsigned)took, (unsigned long long)g.off);
    assert_int_equal(r.http_status, 413);
    assert_int_equal(r.body_bytes, 9);
    assert_true(g.off < g.len);
    assert_true(took < 5000);
    server_stop(s);
}

/* Refused before anything is sent: no connection at all. */
/* Resuming with wf_fetch_options.range/range_required (the library's API, as
 * a firmware update uses it): what each kind of answer gives. */
static int count_body(void *ctx, const uint8_t *data, size_t len)
{
    (void)data;
    *(size_t *)ctx += len;
    return 0;
}

struct resume_case {
    const char *answer;
    int rc;
    size_t delivered;
    bool partial, complete;
};

static void test_resume_range(void **state)
{
    struct wf_fixture *fx = *state;
    static const struct resume_case cases[] = {
        /* the rest from byte 10: delivered */
        {"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 10-19/20\r\nContent-Length: "
         "10\r\n\r\n0123456789",
         0, 10, true, false},
        /* a server that ignores ranges: the whole body would corrupt the file */
        {"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n01234567890123456789", WF_EHTTP_RANGE, 0, false,
         false},
        /* a 206 from another offset */
        {"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/20\r\nContent-Length: "
         "10\r\n\r\n0123456789",
         WF_EHTTP_RANGE, 0, true, false},
        /* a 206 without Content-Range */
        {"HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\n\r\n0123456789", WF_EHTTP_RANGE, 0, false,
         false},
        /* the whole representation is 10 bytes: the caller has it all */
        {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", 0, 0, false, true},
        /* 416: delivered as any response */
        {"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */10\r\nContent-Length: 3\r\n\r\nno\n",
         0, 3, false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct server *s = server_start(cases[i].answer, NULL);
        struct wf_fetch_options o;
        wf_fetch_options_default(&o);
        const struct wf_http_range range = {.first = 10, .last = WF_HTTP_RANGE_TO_END};
        o.range = &range;
        o.range_required = true;
        snprintf(url, sizeof url, "http://10.0.0.1:%u/fw.bin", s->port);
        o.url = url;
        size_t delivered = 0;
        const struct wf_fetch_callbacks cb = {.ctx = &delivered, .body = count_body};
        struct wf_fetch_result r;
        int rc = wf_fetch(&work, &fx->net, NULL, &o, &cb, &r);
        if (rc != cases[i].rc || delivered != cases[i].delivered || r.partial != cases[i].partial ||
            r.range_complete != cases[i].complete) {
            fail_msg("case %zu: rc %d delivered %zu partial %d complete %d", i, rc, delivered, r.partial,
                     r.range_complete);
        }
        assert_non_null(strstr(s->ex[0].head, "\r\nRange: bytes=10-\r\n"));
        server_stop(s);
    }
    /* the 206's Content-Range, in the result */
    struct server *s = server_start(cases[0].answer, NULL);
    struct wf_fetch_options o;
    wf_fetch_options_default(&o);
    const struct wf_http_range range = {.first = 10, .last = WF_HTTP_RANGE_TO_END};
    o.range = &range;
    struct wf_fetch_result r;
    assert_int_equal(fetch(fx, s, "/fw.bin", &o, &r), 0);
    assert_true(r.has_content_range && r.content_range.first == 10 && r.content_range.last == 19 &&
                r.content_range.complete == 20);
    server_stop(s);
}

static void test_refused_before_connecting(void **state)
{
    struct wf_fixture *fx = *state;
    struct server *s = server_start(ok, NULL);
    struct wf_fetch_options o;
    wf_fetch_options_default(&o);
    struct wf_fetch_result r;
    const struct wf_http_header bad[] = {{"X-A", "1\r\nX-Evil: 1", 0}};
    o.headers = bad;
    o.header_count = 1;
    assert_int_equal(fetch(fx, s, "/", &o, &r), WF_EINVAL);
    assert_int_equal(r.step, WF_STEP_REQUEST);
    o.header_count = 0;
    o.method = "GET /x";
    assert_int_equal(fetch(fx, s, "/", &o, &r), WF_EINVAL);
    static char big[WF_FETCH_IO_BUF];
    memset(big, 'v', sizeof big - 1);
    const struct wf_http_header huge[] = {{"X-Big", big, 0}};
    o.method = NULL;
    o.headers = huge;
    o.header_count = 1;
    assert_int_equal(fetch(fx, s, "/", &o, &r), WF_ENOMEM);
    usleep(100000);
    assert_int_equal(s->connections, 0);
    server_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_buffer_body_head, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_chunked_callback_piece_sizes, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_length_callback, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_read_errors, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_redirect_303_drops_body, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_redirect_307_rewind, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_authorization_dropped_across_ports, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_early_413_stops_the_body, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_late_413_while_blocked, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_resume_range, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_refused_before_connecting, wf_fixture_setup,
                                        wf_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
