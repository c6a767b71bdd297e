/* The fetch driven by the caller (wf_fetch_start / wf_fetch_poll /
 * wf_fetch_abort) through the chip model, against a real HTTP server thread
 * on 127.0.0.1 (and the silent peer of tests/support for a handshake that
 * never ends): a slow answer spread over many polls, none of which waits for
 * it; abort in each state, after which every hardware socket is free and the
 * next fetch works; a deadline that passes while nobody polls; a body source
 * that says "ask again" (WF_EAGAIN); two fetches at once under one loop;
 * several at once in a wf_fetch_multi_t (interleaved, one stalled, aborts in
 * every state while another runs, deadlines while nothing is polled, no free
 * hardware socket). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"
#include "peer.h"
#include "wizfetch/fetch.h"
#include "wizfetch/fetch_multi.h"

/* ---- the server: one scripted answer per connection ----------------------- */

#define MAX_BODY 65536

struct server {
    int fd;
    uint16_t port;
    pthread_t thread;
    volatile bool stop;
    unsigned head_delay_ms; /* before the status line */
    unsigned pieces;        /* the body "0123456789" * pieces, one piece at a time ... */
    unsigned piece_gap_ms;  /* ... this far apart */
    bool silent;            /* read the request, never answer (until stopped) */
    unsigned connections;   /* accepted */
    uint8_t body[MAX_BODY]; /* the last request's body (Content-Length or chunked, decoded) */
    size_t body_len;
};

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Read until `end` appears in buf; false on EOF/error/no room. */
static bool read_until(int c, char *buf, size_t cap, size_t *len, const char *end)
{
    while (memmem(buf, *len, end, strlen(end)) == NULL) {
        if (*len >= cap) {
            return false;
        }
        ssize_t n = recv(c, buf + *len, cap - *len, 0);
        if (n <= 0) {
            return false;
        }
        *len += (size_t)n;
    }
    return true;
}

static void serve(struct server *s, int c)
{
    static char buf[MAX_BODY + 8192];
    size_t len = 0;
    if (!read_until(c, buf, sizeof buf, &len, "\r\n\r\n")) {
        return;
    }
    char *body = strstr(buf, "\r\n\r\n") + 4;
    size_t head_len = (size_t)(body - buf);
    const char *cl = strcasestr(buf, "Content-Length:");
    s->body_len = 0;
    if (cl != NULL && cl < body) {
        size_t want = strtoul(cl + 15, NULL, 10);
        while (len - head_len < want && len < sizeof buf) {
            ssize_t n = recv(c, buf + len, sizeof buf - len, 0);
            if (n <= 0) {
                return;
            }
            len += (size_t)n;
        }
        s->body_len = want < MAX_BODY ? want : MAX_BODY;
        memcpy(s->body, body, s->body_len);
    } else if (strcasestr(buf, "Transfer-Encoding: chunked") != NULL) {
        if (!read_until(c, buf, sizeof buf, &len, "\r\n0\r\n\r\n")) {
            return;
        }
        for (char *p = buf + head_len;;) { /* decode: size CRLF data CRLF */
            size_t n = strtoul(p, &p, 16);
            p = strstr(p, "\r\n") + 2;
            if (n == 0 || s->body_len + n > MAX_BODY) {
                break;
            }
            memcpy(s->body + s->body_len, p, n);
            s->body_len += n;
            p += n + 2;
        }
    }
    if (s->silent) {
        while (!s->stop) {
            sleep_ms(10);
        }
        return;
    }
    sleep_ms(s->head_delay_ms);
    char head[128];
    int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\nConnection: close\r\n\r\n",
                     s->pieces * 10);
    (void)send(c, head, (size_t)n, MSG_NOSIGNAL);
    for (unsigned i = 0; i < s->pieces && !s->stop; i++) {
        sleep_ms(s->piece_gap_ms);
        (void)send(c, "0123456789", 10, MSG_NOSIGNAL);
    }
}

static void *server_main(void *arg)
{
    struct server *s = arg;
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
        serve(s, c);
        close(c);
    }
    return NULL;
}

static struct server *server_start(unsigned head_delay_ms, unsigned pieces, unsigned gap_ms)
{
    struct server *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->head_delay_ms = head_delay_ms;
    s->pieces = pieces;
    s->piece_gap_ms = gap_ms;
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
    assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
    return s;
}

static void server_stop(struct server *s)
{
    s->stop = true;
    pthread_join(s->thread, NULL);
    close(s->fd);
    free(s);
}

/* ---- helpers ----------------------------------------------------------------- */

static wf_fetch_t work;
static char url[96];

struct sink {
    char data[4096];
    size_t len;
};

static int on_body(void *ctx, const uint8_t *data, size_t len)
{
    struct sink *k = ctx;
    if (k->len + len > sizeof k->data) {
        return WF_EWRITE;
    }
    memcpy(k->data + k->len, data, len);
    k->len += len;
    return 0;
}

static void set_url(const char *scheme, uint16_t port, struct wf_fetch_options *o)
{
    wf_fetch_options_default(o);
    snprintf(url, sizeof url, "%s://10.0.0.1:%u/", scheme, port);
    o->url = url;
}

/* Every hardware socket is free: all of them can be taken. */
static void assert_all_sockets_free(struct wf_fixture *fx)
{
    int fds[WF_CHIP_MAX_SOCKETS];
    unsigned n = fx->chip.sockets;
    for (unsigned i = 0; i < n; i++) {
        fds[i] = wf_net_socket(&fx->net, WF_SOCK_STREAM);
        assert_true(fds[i] >= 0);
    }
    assert_int_equal(wf_net_socket(&fx->net, WF_SOCK_STREAM), WF_EMFILE);
    for (unsigned i = 0; i < n; i++) {
        wf_net_close(&fx->net, fds[i]);
    }
}

/* Poll until the fetch is over, pausing 1 ms between polls; counts the polls
 * and the longest one. */
static int poll_to_end(unsigned *polls, uint64_t *longest_ms)
{
    int rc;
    *polls = 0;
    *longest_ms = 0;
    uint64_t give_up = mono_ms() + 20000;
    do {
        uint64_t t0 = mono_ms();
        rc = wf_fetch_poll(&work);
        uint64_t took = mono_ms() - t0;
        *longest_ms = took > *longest_ms ? took : *longest_ms;
        (*polls)++;
        if (rc == WF_EAGAIN) {
            sleep_ms(1);
        }
    } while (rc == WF_EAGAIN && mono_ms() < give_up);
    return rc;
}

/* A plain fetch that must work (after an abort). */
static void fetch_works(struct wf_fixture *fx, struct server *s)
{
    struct wf_fetch_options o;
    set_url("http", s->port, &o);
    struct sink k = {0};
    struct wf_fetch_callbacks cb = {.ctx = &k, .body = on_body};
    struct wf_fetch_result r;
    assert_int_equal(wf_fetch(&work, &fx->net, NULL, &o, &cb, &r), 0);
    assert_int_equal(r.http_status, 200);
    assert_int_equal(k.len, s->pieces * 10);
}

/* A TLS context that verifies nothing (these tests are about the fetch's
 * states, not certificates), on a fresh 64 KiB pool. */
static wf_tls_t *insecure_tls(struct wf_fixture *fx)
{
    static _Alignas(16) unsigned char pool[64 * 1024];
    assert_int_equal(wf_tls_platform_init(&fx->host.port, pool, sizeof pool), 0);
    static wf_tls_t tls;
    wf_tls_init(&tls);
    struct wf_tls_options to = {.insecure = true, .accept_unknown_time = true};
    assert_int_equal(wf_tls_setup(&tls, &to), 0);
    return &tls;
}

/* ---- tests ------------------------------------------------------------------- */

/* The answer comes after 300 ms, its body in 5 pieces 60 ms apart: the
 * fetch is spread over many polls and no poll waits for the server. */
static void test_slow_answer_many_short_polls(void **state)
{
    struct wf_fixture *fx = *state;
    struct server *s = server_start(300, 5, 60);
    struct wf_fetch_options o;
    set_url("http", s->port, &o);
    struct sink k = {0};
    struct wf_fetch_callbacks cb = {.ctx = &k, .body = on_body};
    struct wf_fetch_result r;
    uint64_t t0 = mono_ms();
    assert_int_equal(wf_fetch_start(&work, &fx->net, NULL, &o, &cb, &r), 0);
    unsigned polls;
    uint64_t longest;
    int rc = poll_to_end(&polls, &longest);
    uint64_t total = mono_ms() - t0;
    assert_int_equal(rc, 0);
    assert_int_equal(r.http_status, 200);
    assert_int_equal(k.len, 50);
    assert_memory_equal(k.data, "01234567890123456789", 20);
    print_message("%u polls in %llu ms, the longest %llu ms\n", polls, (unsigned long long)total,
                  (unsigned long long)longest);
    assert_true(total >= 550);  /* the server's pace */
    assert_true(polls > 100);   /* it was polled all along */
    assert_true(longest < 100); /* and no poll waited for the 300 ms or a 60 ms gap */
    /* Over: the result again, and every socket is free. */
    assert_int_equal(wf_fetch_poll(&work), 0);
    assert_all_sockets_free(fx);
    server_stop(s);
}

/* Abort in the connect, in the handshake, while the request body waits for
 * its source, and while the response is awaited: each time the socket is
 * free at once, and the next fetch works. */
static int never_ready(void *ctx, uint8_t *buf, size_t cap)
{
    (void)buf;
    (void)cap;
    (*(unsigned *)ctx)++;
    return WF_EAGAIN;
}

/* A POST of `length` bytes from a source that never has any. */
static void post_never_ready(struct wf_fetch_options *o, unsigned *asked, uint64_t length)
{
    *asked = 0;
    o->method = "POST";
    o->body.read = never_ready;
    o->body.ctx = asked;
    o->body.length = length;
}

/* Poll until the fetch reaches `step` (and stays there, in progress). */
static void poll_into(enum wf_fetch_step step, const struct wf_fetch_result *r)
{
    uint64_t give_up = mono_ms() + 5000;
    int rc;
    do {
        rc = wf_fetch_poll(&work);
        assert_int_equal(rc, WF_EAGAIN);
        sleep_ms(1);
    } while (r->step != step && mono_ms() < give_up);
    assert_int_equal(r->step, step);
    for (int i = 0; i < 20; i++) { /* it stays there */
        assert_int_equal(wf_fetch_poll(&work), WF_EAGAIN);
        assert_int_equal(r->step, step);
    }
}

static void test_abort_in_every_state(void **state)
{
    struct wf_fixture *fx = *state;
    struct server *s = server_start(0, 3, 0);
    struct wf_fetch_options o;
    struct wf_fetch_result r;

    /* Connect: an address nobody answers ARP for (the attempt would last a while);
     * the model says so, whatever the host's own network would do with it. */
    wf_sim_chip_fault_unreachable(fx->model, 0x0A00004Du);
    wf_fetch_options_default(&o);
    o.url = "http://10.0.0.77:8080/";
    assert_int_equal(wf_fetch_start(&work, &fx->net, NULL, &o, NULL, &r), 0);
    assert_int_equal(wf_fetch_poll(&work), WF_EAGAIN);
    assert_int_equal(r.step, WF_STEP_CONNECT);
    wf_fetch_abort(&work);
    assert_int_equal(wf_fetch_poll(&work), WF_EINVAL); /* nothing in progress */
    assert_all_sockets_free(fx);
    fetch_works(fx, s);

    /* TLS: a server that accepts and never says a word. */
    wf_tls_t *tls = insecure_tls(fx);
    struct wf_peer *silent = wf_peer_start(WF_PEER_TCP_SILENT, 0);
    assert_non_null(silent);
    for (int round = 0; round < 2; round++) { /* the same wf_tls_t again: it is reusable */
        set_url("https", wf_peer_port(silent), &o);
        assert_int_equal(wf_fetch_start(&work, &fx->net, tls, &o, NULL, &r), 0);
        poll_into(WF_STEP_TLS, &r);
        wf_fetch_abort(&work);
        assert_all_sockets_free(fx);
    }
    wf_peer_stop(silent);
    wf_tls_free(tls);
    fetch_works(fx, s);

    /* Request: the body source has nothing yet. */
    set_url("http", s->port, &o);
    unsigned asked;
    post_never_ready(&o, &asked, 100);
    assert_int_equal(wf_fetch_start(&work, &fx->net, NULL, &o, NULL, &r), 0);
    poll_into(WF_STEP_REQUEST, &r);
    assert_true(asked > 1); /* asked again on each poll */
    wf_fetch_abort(&work);
    assert_all_sockets_free(fx);
    fetch_works(fx, s);

    /* Response: a server that never answers. */
    s->silent = true;
    set_url("http", s->port, &o);
    assert_int_equal(wf_fetch_start(&work, &fx->net, NULL, &o, NULL, &r), 0);
    poll_into(WF_STEP_RESPONSE, &r);
    wf_fetch_abort(&work);
    wf_fetch_abort(&work); /* harmless twice */
    assert_all_sockets_free(fx);
    s->stop = true; /* lets the silent connection go */
    pthread_join(s->thread, NULL);
    s->stop = false;
    s->silent = false;
    assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
    fetch_works(fx, s);
    server_stop(s);
}

/* The total deadline passes while nobody polls: the next poll ends the fetch
 * with WF_ETIMEDOUT (in the response step) and frees the socket. */
static void test_deadline_while_not_polled(void **state)
{
    struct wf_fixture *fx = *state;
    struct server *s = server_start(0, 1, 0);
    s->silent = true;
    struct wf_fetch_options o;
    set_url("http", s->port, &o);
    o.total_timeout_ms = 300;
    struct wf_fetch_result r;
    assert_int_equal(wf_fetch_start(&work, &fx->net, NULL, &o, NULL, &r), 0);
    poll_into(WF_STEP_RESPONSE, &r);
    sleep_ms(400); /* the main loop is busy elsewhere */
    uint64_t t0 = mono_ms();
    assert_int_equal(wf_fetch_poll(&work), WF_ETIMEDOUT);
    assert_true(mono_ms() - t0 < 100);
    assert_int_equal(r.step, WF_STEP_RESPONSE);
    assert_int_equal(wf_fetch_poll(&work), WF_ETIMEDOUT); /* over: the same again */
    assert_all_sockets_free(fx);
    /* A body source that never has anything: the deadline ends the wait for it. */
    unsigned asked;
    post_never_ready(&o, &asked, 10);
    assert_int_equal(wf_fetch_start(&work, &fx->net, NULL, &o, NULL, &r), 0);
    unsigned polls;
    uint64_t longest;
    assert_int_equal(poll_to_end(&polls, &longest), WF_ETIMEDOUT);
    assert_int_equal(r.step, WF_STEP_REQUEST);
    assert_true(asked > 1);
    assert_all_sockets_free(fx);
    server_stop(s);
}

/* A body source that alternates "nothing yet" and a few bytes: the body
 * arrives whole, with a known length and chunked. */
struct slow_source {
    uint8_t data[3000];
    size_t off;
    unsigned calls, again;
};

static int slow_read(void *ctx, uint8_t *buf, size_t cap)
{
    struct slow_source *src = ctx;
    if (src->calls++ % 2 == 0) {
        src->again++;
        return WF_EAGAIN;
    }
    size_t n = sizeof src->data - src->off;
    n = n < 97 ? n : 97;
    n = n < cap ? n : cap;
    memcpy(buf, src->data + src->off, n);
    src->off += n;
    return (int)n;
}

static void test_body_source_asks_again(void **state)
{
    struct wf_fixture *fx = *state;
    struct server *s = server_start(0, 2, 0);
    static struct slow_source src;
    for (int chunked = 0; chunked < 2; chunked++) {
        memset(&src, 0, sizeof src);
        for (size_t i = 0; i < sizeof src.data; i++) {
            src.data[i] = (uint8_t)(i * 31 + 7);
        }
        struct wf_fetch_options o;
        set_url("http", s->port, &o);
        o.method = "PUT";
        o.body.read = slow_read;
        o.body.ctx = &src;
        o.body.length = chunked ? WF_FETCH_LENGTH_UNKNOWN : sizeof src.data;
        struct wf_fetch_result r;
        assert_int_equal(wf_fetch_start(&work, &fx->net, NULL, &o, NULL, &r), 0);
        unsigned polls;
        uint64_t longest;
        assert_int_equal(poll_to_end(&polls, &longest), 0);
        assert_int_equal(r.http_status, 200);
        assert_true(src.again >= 30); /* it said "ask again" often, and was asked again */
        assert_int_equal(s->body_len, sizeof src.data);
        assert_memory_equal(s->body, src.data, sizeof src.data);
    }
    /* The blocking call runs the same machine: it waits for the source too. */
    memset(&src, 0, sizeof src);
    struct wf_fetch_options o;
    set_url("http", s->port, &o);
    o.method = "POST";
    o.body.read = slow_read;
    o.body.ctx = &src;
    o.body.length = sizeof src.data;
    struct wf_fetch_result r;
    assert_int_equal(wf_fetch(&work, &fx->net, NULL, &o, NULL, &r), 0);
    assert_int_equal(s->body_len, sizeof src.data);
    assert_true(src.again >= 30);
    assert_all_sockets_free(fx);
    server_stop(s);
}

/* Two fetches at once under one loop, each with its own work area and
 * hardware socket: two servers that each answer after 400 ms are done in
 * about 400 ms, not 800, and each body is its own. */
static void test_two_fetches_at_once(void **state)
{
    struct wf_fixture *fx = *state;
    struct server *a = server_start(400, 2, 0);
    struct server *b = server_start(400, 3, 0);
    static wf_fetch_t second;
    struct wf_fetch_options oa, ob;
    static char url_b[96];
    set_url("http", a->port, &oa);
    wf_fetch_options_default(&ob);
    snprintf(url_b, sizeof url_b, "http://10.0.0.1:%u/", b->port);
    ob.url = url_b;
    struct sink ka = {0}, kb = {0};
    struct wf_fetch_callbacks cba = {.ctx = &ka, .body = on_body}, cbb = {.ctx = &kb, .body = on_body};
    struct wf_fetch_result ra, rb;
    uint64_t t0 = mono_ms();
    assert_int_equal(wf_fetch_start(&work, &fx->net, NULL, &oa, &cba, &ra), 0);
    assert_int_equal(wf_fetch_start(&second, &fx->net, NULL, &ob, &cbb, &rb), 0);
    int rca = WF_EAGAIN, rcb = WF_EAGAIN;
    while ((rca == WF_EAGAIN || rcb == WF_EAGAIN) && mono_ms() - t0 < 5000) {
        if (rca == WF_EAGAIN) {
            rca = wf_fetch_poll(&work);
        }
        if (rcb == WF_EAGAIN) {
            rcb = wf_fetch_poll(&second);
        }
        sleep_ms(1);
    }
    uint64_t took = mono_ms() - t0;
    print_message("two fetches at once: %llu ms\n", (unsigned long long)took);
    assert_int_equal(rca, 0);
    assert_int_equal(rcb, 0);
    assert_int_equal(ka.len, 20);
    assert_int_equal(kb.len, 30);
    assert_int_equal(a->connections, 1);
    assert_int_equal(b->connections, 1);
    assert_true(took >= 390 && took < 750);
    assert_all_sockets_free(fx);
    server_stop(a);
    server_stop(b);
}

/* ---- several at once (wf_fetch_multi_t) ---------------------------------- */

/* Which transfer delivered each body piece, in order (interleaving). */
static char piece_order[64];
static size_t piece_count;

struct tagged_sink {
    struct sink sink;
    char tag;
};

static int on_tagged_body(void *ctx, const uint8_t *data, size_t len)
{
    struct tagged_sink *t = ctx;
    if (piece_count < sizeof piece_order) {
        piece_order[piece_count++] = t->tag;
    }
    return on_body(&t->sink, data, len);
}

/* One transfer of the set: its work area, options, URL, output and result. */
struct xfer {
    wf_fetch_t f;
    struct wf_fetch_options o;
    char url[96];
    struct tagged_sink out;
    struct wf_fetch_callbacks cb;
    struct wf_fetch_result r;
    int rc;
    uint64_t done_ms;
};

static struct xfer xfers[WF_CHIP_MAX_SOCKETS + 1];

static void xfer_prepare(struct xfer *x, char tag, const char *scheme, uint16_t port)
{
    memset(x, 0, sizeof *x);
    wf_fetch_options_default(&x->o);
    snprintf(x->url, sizeof x->url, "%s://10.0.0.1:%u/", scheme, port);
    x->o.url = x->url;
    x->out.tag = tag;
    x->cb = (struct wf_fetch_callbacks){.ctx = &x->out, .body = on_tagged_body};
    x->rc = WF_EAGAIN;
}

static void xfer_add(struct wf_fixture *fx, wf_fetch_multi_t *m, struct xfer *x, wf_tls_t *tls)
{
    assert_int_equal(wf_fetch_start(&x->f, &fx->net, tls, &x->o, &x->cb, &x->r), 0);
    assert_int_equal(wf_fetch_multi_add(m, &x->f), 0);
}

static struct xfer *xfer_of(wf_fetch_t *f)
{
    return (struct xfer *)(void *)((char *)f - offsetof(struct xfer, f));
}

/* Poll the set (1 ms pause when nothing moved) until `until` (NULL: every
 * fetch) is over or `limit_ms` passed; records each result as it comes. */
static void multi_run(wf_fetch_multi_t *m, const struct xfer *until, uint64_t t0, uint64_t limit_ms)
{
    while (m->count > 0 && (until == NULL || until->rc == WF_EAGAIN) && mono_ms() - t0 < limit_ms) {
        wf_fetch_t *done;
        int rc = wf_fetch_multi_poll(m, &done);
        if (rc != WF_EAGAIN) {
            xfer_of(done)->rc = rc;
            xfer_of(done)->done_ms = mono_ms() - t0;
        } else if (!m->progressed) {
            sleep_ms(1);
        }
    }
}

/* Sockets free now (taken and given back). */
static unsigned free_sockets(struct wf_fixture *fx)
{
    int fds[WF_CHIP_MAX_SOCKETS];
    unsigned n = 0;
    while (n < WF_CHIP_MAX_SOCKETS && (fds[n] = wf_net_socket(&fx->net, WF_SOCK_STREAM)) >= 0) {
        n++;
    }
    for (unsigned i = 0; i < n; i++) {
        wf_net_close(&fx->net, fds[i]);
    }
    return n;
}

/* Two servers that answer in 5 pieces 60 ms apart and one that never
 * answers: the two finish together in about the time of one, their pieces
 * interleaved, while the stalled one goes on until its own deadline. */
static void test_multi_interleaved_one_stalled(void **state)
{
    struct wf_fixture *fx = *state;
    struct server *a = server_start(100, 5, 60);
    struct server *c = server_start(100, 5, 60);
    struct server *stall = server_start(0, 1, 0);
    stall->silent = true;
    wf_fetch_multi_t m;
    wf_fetch_multi_init(&m, &fx->net);
    struct xfer *xa = &xfers[0], *xs = &xfers[1], *xc = &xfers[2];
    xfer_prepare(xa, 'a', "http", a->port);
    xfer_prepare(xs, 's', "http", stall->port);
    xs->o.total_timeout_ms = 1500;
    xfer_prepare(xc, 'c', "http", c->port);
    piece_count = 0;
    uint64_t t0 = mono_ms();
    xfer_add(fx, &m, xa, NULL);
    xfer_add(fx, &m, xs, NULL);
    xfer_add(fx, &m, xc, NULL);
    assert_int_equal(m.count, 3);
    multi_run(&m, xc, t0, 5000);
    multi_run(&m, xa, t0, 5000);
    print_message("a done at %llu ms, c at %llu ms; pieces %.*s\n", (unsigned long long)xa->done_ms,
                  (unsigned long long)xc->done_ms, (int)piece_count, piece_order);
    assert_int_equal(xa->rc, 0);
    assert_int_equal(xc->rc, 0);
    assert_int_equal(xa->out.sink.len, 50);
    assert_int_equal(xc->out.sink.len, 50);
    assert_true(xa->done_ms < 750 && xc->done_ms < 750); /* one alone takes ~400 ms; in turn ~800 */
    /* Interleaved: some piece of a comes after a piece of c and before another. */
    const char *first_c = memchr(piece_order, 'c', piece_count);
    const char *last_c = memrchr(piece_order, 'c', piece_count);
    assert_non_null(first_c);
    assert_non_null(memchr(first_c, 'a', (size_t)(last_c - first_c)));
    /* The stalled one is still in progress, holding its socket only. */
    assert_int_equal(xs->rc, WF_EAGAIN);
    assert_int_equal(m.count, 1);
    assert_int_equal(free_sockets(fx), fx->chip.sockets - 1);
    multi_run(&m, xs, t0, 5000);
    assert_int_equal(xs->rc, WF_ETIMEDOUT);
    assert_int_equal(xs->r.step, WF_STEP_RESPONSE);
    assert_true(xs->done_ms >= 1500 && xs->done_ms < 1700);
    wf_fetch_t *none;
    assert_int_equal(wf_fetch_multi_poll(&m, &none), WF_EINVAL); /* empty */
    assert_null(none);
    assert_all_sockets_free(fx);
    server_stop(a);
    server_stop(c);
    server_stop(stall);
}

/* A UDP port on 127.0.0.1 that takes DNS queries and never answers. */
static int silent_udp(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* Poll the set until `x` reaches `step` and stays there. */
static void multi_into(wf_fetch_multi_t *m, struct xfer *x, enum wf_fetch_step step)
{
    uint64_t give_up = mono_ms() + 5000;
    wf_fetch_t *done;
    while (x->r.step != step && mono_ms() < give_up) {
        assert_int_equal(wf_fetch_multi_poll(m, &done), WF_EAGAIN);
        sleep_ms(1);
    }
    for (int i = 0; i < 20; i++) {
        assert_int_equal(wf_fetch_multi_poll(m, &done), WF_EAGAIN);
    }
    assert_int_equal(x->r.step, step);
}

/* While one transfer runs (a slow body), another is aborted in each state:
 * resolve (a DNS server that never answers), connect, TLS handshake,
 * request body, response. Each abort gives back at once its socket (UDP
 * for the DNS query, TCP else) and, in the handshake, every byte of the
 * mbedTLS heap the handshake took; the running one is not disturbed, and
 * a new transfer with the same wf_tls_t works afterwards. */
static void test_multi_abort_each_state_beside_another(void **state)
{
    struct wf_fixture *fx = *state;
    struct server *slow = server_start(0, 40, 40); /* ~1.6 s of body */
    struct server *s = server_start(0, 3, 0);
    uint16_t dns_port;
    int dns_fd = silent_udp(&dns_port);
    wf_tls_t *tls = insecure_tls(fx);
    struct wf_peer *silent = wf_peer_start(WF_PEER_TCP_SILENT, 0);
    assert_non_null(silent);

    wf_fetch_multi_t m;
    wf_fetch_multi_init(&m, &fx->net);
    struct xfer *run = &xfers[0], *x = &xfers[1];
    xfer_prepare(run, 'r', "http", slow->port);
    uint64_t t0 = mono_ms();
    xfer_add(fx, &m, run, NULL);
    const unsigned all = fx->chip.sockets;
    unsigned asked;
    for (enum wf_fetch_step step = WF_STEP_RESOLVE; step <= WF_STEP_RESPONSE; step++) {
        s->silent = step == WF_STEP_RESPONSE;
        wf_tls_t *t = NULL;
        size_t heap_before = wf_tls_heap_used();
        switch (step) {
        case WF_STEP_RESOLVE:
            xfer_prepare(x, 'x', "http", s->port);
            snprintf(x->url, sizeof x->url, "http://never.example.test:%u/", s->port);
            x->o.dns.servers[0] = (wf_sockaddr_t){{10, 0, 0, 1}, dns_port};
            x->o.dns.server_count = 1;
            break;
        case WF_STEP_CONNECT:
            xfer_prepare(x, 'x', "http", 8080);
            snprintf(x->url, sizeof x->url, "http://10.0.0.77:8080/"); /* nobody answers ARP: */
            wf_sim_chip_fault_unreachable(fx->model, 0x0A00004Du);     /* whatever the host's network does */
            break;
        case WF_STEP_TLS:
            xfer_prepare(x, 'x', "https", wf_peer_port(silent));
            t = tls;
            break;
        case WF_STEP_REQUEST:
            xfer_prepare(x, 'x', "http", s->port);
            post_never_ready(&x->o, &asked, 100);
            break;
        default:
            xfer_prepare(x, 'x', "http", s->port);
            break;
        }
        xfer_add(fx, &m, x, t);
        multi_into(&m, x, step);
        assert_int_equal(free_sockets(fx), all - 2); /* each holds one */
        if (step == WF_STEP_TLS) {
            assert_true(wf_tls_heap_used() > heap_before); /* the handshake holds heap */
        }
        wf_fetch_multi_abort(&m, &x->f);
        assert_int_equal(m.count, 1);
        assert_int_equal(wf_fetch_poll(&x->f), WF_EINVAL);
        assert_int_equal(free_sockets(fx), all - 1); /* only the running one's */
        assert_int_equal(wf_tls_heap_used(), heap_before);
        assert_int_equal(run->rc, WF_EAGAIN); /* still going */
    }
    /* The running one ends as if alone; then a new https transfer on the same
     * wf_tls_t gets as far as its handshake again, and an http one works. */
    multi_run(&m, run, t0, 10000);
    assert_int_equal(run->rc, 0);
    assert_int_equal(run->out.sink.len, 400);
    s->stop = true; /* lets the silent connection go */
    pthread_join(s->thread, NULL);
    s->stop = false;
    s->silent = false;
    assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
    xfer_prepare(x, 'x', "https", wf_peer_port(silent));
    xfer_add(fx, &m, x, tls);
    multi_into(&m, x, WF_STEP_TLS);
    wf_fetch_multi_abort(&m, &x->f);
    xfer_prepare(x, 'x', "http", s->port);
    xfer_add(fx, &m, x, NULL);
    multi_run(&m, x, mono_ms(), 5000);
    assert_int_equal(x->rc, 0);
    assert_int_equal(x->out.sink.len, 30);
    assert_all_sockets_free(fx);
    wf_peer_stop(silent);
    wf_tls_free(tls);
    close(dns_fd);
    server_stop(slow);
    server_stop(s);
}

/* Deadlines run while nobody polls: two transfers stalled in different
 * steps (a silent DNS server, a silent HTTP server), total time-outs of 200
 * and 400 ms; the loop is away 600 ms; the next two polls of the set end
 * both with WF_ETIMEDOUT, at once, and every socket is free. */
static void test_multi_deadlines_while_not_polled(void **state)
{
    struct wf_fixture *fx = *state;
    struct server *s = server_start(0, 1, 0);
    s->silent = true;
    uint16_t dns_port;
    int dns_fd = silent_udp(&dns_port);
    wf_fetch_multi_t m;
    wf_fetch_multi_init(&m, &fx->net);
    struct xfer *xd = &xfers[0], *xr = &xfers[1];
    xfer_prepare(xd, 'd', "http", s->port);
    snprintf(xd->url, sizeof xd->url, "http://never.example.test:%u/", s->port);
    xd->o.dns.servers[0] = (wf_sockaddr_t){{10, 0, 0, 1}, dns_port};
    xd->o.dns.server_count = 1;
    xd->o.total_timeout_ms = 200;
    xfer_prepare(xr, 'r', "http", s->port);
    xr->o.total_timeout_ms = 400;
    xfer_add(fx, &m, xd, NULL);
    xfer_add(fx, &m, xr, NULL);
    multi_into(&m, xr, WF_STEP_RESPONSE);
    assert_int_equal(xd->r.step, WF_STEP_RESOLVE);
    sleep_ms(600); /* the main loop is busy elsewhere */
    uint64_t t0 = mono_ms();
    for (int i = 0; i < 2; i++) {
        wf_fetch_t *done;
        int rc = wf_fetch_multi_poll(&m, &done);
        assert_int_equal(rc, WF_ETIMEDOUT);
        xfer_of(done)->rc = rc;
    }
    assert_true(mono_ms() - t0 < 100);
    assert_int_equal(xd->rc, WF_ETIMEDOUT);
    assert_int_equal(xd->r.step, WF_STEP_RESOLVE);
    assert_int_equal(xr->rc, WF_ETIMEDOUT);
    assert_int_equal(xr->r.step, WF_STEP_RESPONSE);
    assert_int_equal(m.count, 0);
    assert_all_sockets_free(fx);
    close(dns_fd);
    server_stop(s);
}

/* The bound: a set takes as many fetches as the chip has sockets (4 on the
 * W5100, 8 on the W5500) and refuses one more with WF_EMFILE; a fetch that
 * finds every socket taken (by the application) ends at once with
 * WF_EMFILE, in its DNS query or its connect, and does not wait for one. */
static void check_cap(struct wf_fixture *fx, unsigned sockets)
{
    struct server *s = server_start(0, 1, 0);
    wf_fetch_multi_t m;
    wf_fetch_multi_init(&m, &fx->net);
    assert_int_equal(wf_fetch_multi_capacity(&m), sockets);
    for (unsigned i = 0; i <= sockets; i++) {
        xfer_prepare(&xfers[i], (char)('0' + i), "http", s->port);
        assert_int_equal(wf_fetch_start(&xfers[i].f, &fx->net, NULL, &xfers[i].o, &xfers[i].cb, &xfers[i].r),
                         0);
        assert_int_equal(wf_fetch_multi_add(&m, &xfers[i].f), i < sockets ? 0 : WF_EMFILE);
    }
    assert_int_equal(wf_fetch_multi_add(&m, &xfers[0].f), WF_EINVAL); /* already in */
    wf_fetch_abort(&xfers[sockets].f);
    multi_run(&m, NULL, mono_ms(), 5000);
    assert_int_equal(m.count, 0);
    for (unsigned i = 0; i < sockets; i++) {
        assert_int_equal(xfers[i].rc, 0);
        assert_int_equal(xfers[i].out.sink.len, 10);
    }
    assert_true(s->connections == sockets);

    /* Every socket held by the application: WF_EMFILE at once, no wait. */
    int held[WF_CHIP_MAX_SOCKETS];
    for (unsigned i = 0; i < sockets; i++) {
        held[i] = wf_net_socket(&fx->net, WF_SOCK_DGRAM);
        assert_true(held[i] >= 0);
    }
    struct xfer *x = &xfers[0];
    for (int dns = 0; dns < 2; dns++) {
        xfer_prepare(x, 'x', "http", s->port);
        if (dns) {
            snprintf(x->url, sizeof x->url, "http://www.example.test:%u/", s->port);
            x->o.dns.servers[0] = (wf_sockaddr_t){{10, 0, 0, 1}, 53};
            x->o.dns.server_count = 1;
        }
        xfer_add(fx, &m, x, NULL);
        uint64_t t0 = mono_ms();
        multi_run(&m, x, t0, 5000);
        assert_int_equal(x->rc, WF_EMFILE);
        assert_int_equal(x->r.step, dns ? WF_STEP_RESOLVE : WF_STEP_CONNECT);
        assert_true(mono_ms() - t0 < 100);
    }
    for (unsigned i = 0; i < sockets; i++) {
        wf_net_close(&fx->net, held[i]);
    }
    assert_all_sockets_free(fx);
    server_stop(s);
}

static void test_multi_cap_w5100(void **state)
{
    check_cap(*state, 4);
}

static int fixture_w5500_setup(void **state)
{
    *state = wf_fixture_new_variant(0x5500, WF_SIM_W5500);
    return *state == NULL ? -1 : 0;
}

static void test_multi_cap_w5500(void **state)
{
    check_cap(*state, 8);
}

/* ---- https transfers at once, each with its own wf_tls_t ------------------ */

extern char **environ;

/* tests/e2e/slow_server.py over TLS (a thread per connection, so handshakes
 * run at once), with a throw-away self-signed certificate (the clients are
 * `insecure`: this is about concurrency, not verification). */
struct tls_server {
    pid_t pid;
    uint16_t port;
    char dir[32];
};

static void run_quiet(char *const argv[])
{
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    assert_int_equal(posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static struct tls_server *running_server;

static void tls_server_kill(struct tls_server *t)
{
    kill(-t->pid, SIGTERM);
    waitpid(t->pid, NULL, 0);
    char *rm[] = {"rm", "-rf", t->dir, NULL};
    pid_t pid;
    if (posix_spawnp(&pid, rm[0], NULL, NULL, rm, environ) == 0) {
        waitpid(pid, NULL, 0);
    }
}

static void tls_server_stop_at_exit(void)
{
    if (running_server != NULL) {
        tls_server_kill(running_server);
        running_server = NULL;
    }
}

static void tls_server_start(struct tls_server *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/wf-tls-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    char cert[64], key[64], log[64], port[8];
    snprintf(cert, sizeof cert, "%s/cert.pem", t->dir);
    snprintf(key, sizeof key, "%s/key.pem", t->dir);
    snprintf(log, sizeof log, "%s/log", t->dir);
    char *req[] = {"openssl",
                   "req",
                   "-x509",
                   "-newkey",
                   "ec",
                   "-pkeyopt",
                   "ec_paramgen_curve:P-256",
                   "-nodes",
                   "-subj",
                   "/CN=www.example.test",
                   "-days",
                   "2",
                   "-keyout",
                   key,
                   "-out",
                   cert,
                   NULL};
    run_quiet(req);
    int probe = socket(AF_INET, SOCK_STREAM, 0); /* a free port */
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(probe, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(probe, (struct sockaddr *)&a, &al), 0);
    t->port = ntohs(a.sin_port);
    close(probe);
    snprintf(port, sizeof port, "%u", t->port);
    char *server[] = {"python3", WF_SOURCE_DIR "/tests/e2e/slow_server.py", port, log, cert, key, NULL};
    posix_spawnattr_t attr; /* a process group of its own: python3 may be a wrapper that forks */
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    assert_int_equal(posix_spawnp(&t->pid, server[0], NULL, &attr, server, environ), 0);
    posix_spawnattr_destroy(&attr);
    running_server = t;
    atexit(tls_server_stop_at_exit); /* also when a check fails before tls_server_stop */
    for (int i = 0; i < 100; i++) {  /* until it listens (at most 5 s) */
        int c = socket(AF_INET, SOCK_STREAM, 0);
        bool up = connect(c, (struct sockaddr *)&a, sizeof a) == 0;
        close(c);
        if (up) {
            return;
        }
        sleep_ms(50);
    }
    fail_msg("the TLS server did not start");
}

static void tls_server_stop(struct tls_server *t)
{
    tls_server_kill(t);
    running_server = NULL;
}

/* `n` https transfers at once, each with its own wf_tls_t: all complete
 * (TLS 1.3, whose handshakes hold PSA key slots: the slots are sized for
 * WF_TLS_CONTEXTS contexts, else a handshake at once with another fails with
 * WF_ETLS_HANDSHAKE or WF_ENOMEM).
 * Returns the mbedTLS heap peak of the run. */
static size_t https_at_once(struct wf_fixture *fx, const struct tls_server *srv, wf_tls_t *tls, unsigned n)
{
    wf_fetch_multi_t m;
    wf_fetch_multi_init(&m, &fx->net);
    wf_tls_heap_peak_reset();
    for (unsigned i = 0; i < n; i++) {
        xfer_prepare(&xfers[i], (char)('0' + i), "https", srv->port);
        snprintf(xfers[i].url, sizeof xfers[i].url, "https://10.0.0.1:%u/fast/%u", srv->port, i);
        xfer_add(fx, &m, &xfers[i], &tls[i]);
    }
    multi_run(&m, NULL, mono_ms(), 20000);
    for (unsigned i = 0; i < n; i++) {
        char want[24];
        snprintf(want, sizeof want, "fast %u\n", i);
        assert_int_equal(xfers[i].rc, 0);
        assert_int_equal(xfers[i].r.http_status, 200);
        assert_int_equal(xfers[i].out.sink.len, strlen(want));
        assert_memory_equal(xfers[i].out.sink.data, want, strlen(want));
    }
    return wf_tls_heap_peak();
}

static void test_multi_https_each_own_tls(void **state)
{
    struct wf_fixture *fx = *state;
    static struct tls_server srv;
    tls_server_start(&srv);
    static _Alignas(16) unsigned char pool[256 * 1024];
    assert_int_equal(wf_tls_platform_init(&fx->host.port, pool, sizeof pool), 0);
    static wf_tls_t tls[4];
    struct wf_tls_options to = {.insecure = true, .accept_unknown_time = true, .no_session_cache = true};
    size_t idle = 0;
    for (unsigned i = 0; i < 4; i++) {
        wf_tls_init(&tls[i]);
        assert_int_equal(wf_tls_setup(&tls[i], &to), 0);
        if (i == 0) {
            idle = wf_tls_heap_used(); /* one context set up, no handshake */
        }
    }
    size_t one = https_at_once(fx, &srv, tls, 1);
    size_t two = https_at_once(fx, &srv, tls, 2);
    size_t four = https_at_once(fx, &srv, tls, 4);
    print_message(
        "mbedTLS heap: one context set up %zu B; peak with 4 set up and 1 handshake %zu B, 2 at once "
        "%zu B, 4 at once %zu B\n",
        idle, one, two, four);
    assert_true(two > one); /* the second handshake's state is its own */
    assert_all_sockets_free(fx);
    for (unsigned i = 0; i < 4; i++) {
        wf_tls_free(&tls[i]);
    }
    tls_server_stop(&srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_slow_answer_many_short_polls, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_abort_in_every_state, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_deadline_while_not_polled, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_body_source_asks_again, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_two_fetches_at_once, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_multi_interleaved_one_stalled, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_multi_abort_each_state_beside_another, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_multi_deadlines_while_not_polled, wf_fixture_setup,
                                        wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_multi_cap_w5100, wf_fixture_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_multi_cap_w5500, fixture_w5500_setup, wf_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_multi_https_each_own_tls, wf_fixture_setup, wf_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
