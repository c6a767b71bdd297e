/* SNTP: request bytes, every reply check of the parser, the NTP era
 * arithmetic (1900 epoch, the 2036 wrap), the wall clock helper, and the
 * client end to end through the chip model to scripted NTP servers (kernel
 * UDP sockets on 127.0.0.1, one thread each). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "wizfetch/sntp.h"

static const uint8_t NONCE[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

/* 2024-01-01T00:00:00Z */
#define UNIX_2024 1704067200LL
#define NTP_2024 ((uint32_t)(UNIX_2024 + 2208988800LL))
/* 2020-01-01T00:00:00Z */
#define UNIX_2020 1577836800LL
#define NTP_2020 ((uint32_t)(UNIX_2020 + 2208988800LL))

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A good server reply: LI 0, VN 4, mode 4, stratum 2, originate = `nonce`,
 * transmit = `secs`.`frac`. */
static void reply(uint8_t *p, const uint8_t nonce[8], uint32_t secs, uint32_t frac)
{
    memset(p, 0, 48);
    p[0] = (0 << 6) | (4 << 3) | 4;
    p[1] = 2;
    p[2] = 6;
    p[3] = (uint8_t)-20;
    memcpy(&p[12], "GPS\0", 4);
    put32(&p[16], secs - 10); /* reference */
    memcpy(&p[24], nonce, 8);
    put32(&p[32], secs); /* receive */
    put32(&p[36], frac);
    put32(&p[40], secs); /* transmit */
    put32(&p[44], frac);
}

/* ---- request, parser, era ---------------------------------------------------- */

static void test_build(void **state)
{
    (void)state;
    uint8_t buf[64];
    memset(buf, 0xEE, sizeof buf);
    assert_int_equal(wf_sntp_build(buf, sizeof buf, NONCE), 48);
    assert_int_equal(buf[0], 0x23); /* LI 0, VN 4, mode 3 */
    for (int i = 1; i < 40; i++) {
        assert_int_equal(buf[i], 0); /* nothing about our clock */
    }
    assert_memory_equal(&buf[40], NONCE, 8);
    assert_int_equal(buf[48], 0xEE);
    assert_int_equal(wf_sntp_build(buf, 47, NONCE), WF_ENOMEM);
}

static void test_parse_good(void **state)
{
    (void)state;
    uint8_t p[64];
    struct wf_sntp_reply r;
    reply(p, NONCE, NTP_2024, 0x80000000u);
    assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), 0);
    assert_int_equal(r.stratum, 2);
    assert_int_equal(r.version, 4);
    assert_int_equal(r.leap, 0);
    assert_int_equal(r.tx_secs, NTP_2024);
    assert_int_equal(r.unix_ms, UNIX_2024 * 1000 + 500);
    assert_string_equal(r.kiss, "");
    /* Version 3, leap 1 and 2 (a leap second announced), stratum 1 and 15. */
    p[0] = (1 << 6) | (3 << 3) | 4;
    p[1] = 1;
    assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), 0);
    assert_int_equal(r.version, 3);
    assert_int_equal(r.leap, 1);
    p[0] = (2 << 6) | (4 << 3) | 4;
    p[1] = 15;
    assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), 0);
    /* Extension fields / MAC after the 48 bytes are ignored. */
    memset(&p[48], 0xAA, 16);
    assert_int_equal(wf_sntp_parse(p, 64, NONCE, &r), 0);
    /* Fraction: 2^-32 s units, truncated to ms. */
    reply(p, NONCE, NTP_2024, 0xFFFFFFFFu);
    assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), 0);
    assert_int_equal(r.unix_ms, UNIX_2024 * 1000 + 999);
    reply(p, NONCE, NTP_2024, 0x00418937u); /* just under 1 ms */
    assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), 0);
    assert_int_equal(r.unix_ms, UNIX_2024 * 1000);
    reply(p, NONCE, NTP_2024, 0x00418938u); /* just over 1 ms */
    assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), 0);
    assert_int_equal(r.unix_ms, UNIX_2024 * 1000 + 1);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    uint8_t good[48], p[48];
    struct wf_sntp_reply r;
    reply(good, NONCE, NTP_2024, 0);
    /* Short. */
    for (size_t n = 0; n < 48; n++) {
        assert_int_equal(wf_sntp_parse(good, n, NONCE, &r), WF_ESNTP_BADREPLY);
    }
    assert_int_equal(wf_sntp_parse(NULL, 0, NONCE, &r), WF_ESNTP_BADREPLY);
    /* Every mode but 4 (server); 5 = broadcast, 3 = our own request echoed. */
    for (uint8_t mode = 0; mode < 8; mode++) {
        memcpy(p, good, 48);
        p[0] = (uint8_t)((p[0] & 0xF8) | mode);
        assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), mode == 4 ? 0 : WF_ESNTP_BADREPLY);
    }
    /* Versions other than 3 and 4. */
    for (uint8_t vn = 0; vn < 8; vn++) {
        memcpy(p, good, 48);
        p[0] = (uint8_t)((p[0] & 0xC7) | (vn << 3));
        assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), (vn == 3 || vn == 4) ? 0 : WF_ESNTP_BADREPLY);
    }
    /* Originate must be our nonce, every byte. */
    for (int i = 0; i < 8; i++) {
        memcpy(p, good, 48);
        p[24 + i] ^= 0x01;
        assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), WF_ESNTP_BADREPLY);
    }
    /* The nonce placed in receive or transmit but not originate. */
    memcpy(p, good, 48);
    memset(&p[24], 0, 8);
    memcpy(&p[32], NONCE, 8);
    assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), WF_ESNTP_BADREPLY);
    /* Kiss-o'-death: stratum 0, code in refid. */
    memcpy(p, good, 48);
    p[1] = 0;
    memcpy(&p[12], "RATE", 4);
    assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), WF_ESNTP_KOD);
    assert_string_equal(r.kiss, "RATE");
    memcpy(&p[12], "D\x01\xffY", 4);
    assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), WF_ESNTP_KOD);
    assert_string_equal(r.kiss, "D??Y");
    /* A KoD that does not echo our nonce is just a bad reply (could be forged). */
    p[24] ^= 1;
    assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), WF_ESNTP_BADREPLY);
    /* Stratum 16 (unsynchronised) and above. */
    for (unsigned st = 16; st < 256; st += 60) {
        memcpy(p, good, 48);
        p[1] = (uint8_t)st;
        assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), WF_ESNTP_UNSYNC);
    }
    /* Leap indicator 3 = clock not synchronised. */
    memcpy(p, good, 48);
    p[0] |= 0xC0;
    assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), WF_ESNTP_UNSYNC);
    /* Transmit timestamp zero. */
    memcpy(p, good, 48);
    memset(&p[40], 0, 8);
    assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), WF_ESNTP_BADREPLY);
    p[47] = 1; /* a fraction alone is non-zero */
    assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), 0);
}

static void test_era(void **state)
{
    (void)state;
    /* Era 0. */
    assert_int_equal(wf_sntp_ntp_to_unix(2208988800u), 0); /* 1970-01-01 */
    assert_int_equal(wf_sntp_ntp_to_unix(NTP_2024), UNIX_2024);
    assert_int_equal(wf_sntp_ntp_to_unix(0x80000000u), 2147483648LL - 2208988800LL); /* 1968-01-20 03:14:08 */
    assert_int_equal(wf_sntp_ntp_to_unix(0xFFFFFFFFu), 2085978495LL);                /* 2036-02-07 06:28:15 */
    /* Era 1: the 2036 wrap. */
    assert_int_equal(wf_sntp_ntp_to_unix(0), 2085978496LL); /* 2036-02-07 06:28:16 */
    assert_int_equal(wf_sntp_ntp_to_unix(1), 2085978497LL);
    assert_int_equal(wf_sntp_ntp_to_unix(0x7FFFFFFFu), 4233462143LL); /* 2104-02-26 09:42:23 */
    /* 2038 (the signed 32-bit Unix wrap) is nothing special here. */
    assert_int_equal(wf_sntp_ntp_to_unix((uint32_t)(2147483648LL + 2208988800LL - 4294967296LL)),
                     2147483648LL);
    /* Through the parser: a reply just after the NTP wrap. */
    uint8_t p[48];
    struct wf_sntp_reply r;
    reply(p, NONCE, 5, 0);
    assert_int_equal(wf_sntp_parse(p, 48, NONCE, &r), 0);
    assert_int_equal(r.unix_ms, (2085978496LL + 5) * 1000);
    /* Monotonic across the wrap. */
    assert_true(wf_sntp_ntp_to_unix(0) == wf_sntp_ntp_to_unix(0xFFFFFFFFu) + 1);
}

static void test_clock(void **state)
{
    (void)state;
    struct wf_sntp_clock c;
    memset(&c, 0, sizeof c);
    assert_int_equal(wf_sntp_clock_unix(&c, 123), -1);
    assert_int_equal(wf_sntp_clock_unix(NULL, 123), -1);
    struct wf_sntp_result res = {.unix_ms = UNIX_2024 * 1000 + 700, .millis = 0xFFFFFF00u};
    wf_sntp_clock_set(&c, &res);
    assert_int_equal(wf_sntp_clock_unix(&c, 0xFFFFFF00u), UNIX_2024);
    assert_int_equal(wf_sntp_clock_unix(&c, 0xFFFFFF00u + 299), UNIX_2024);
    assert_int_equal(wf_sntp_clock_unix(&c, 0xFFFFFF00u + 300), UNIX_2024 + 1);
    assert_int_equal(wf_sntp_clock_unix(&c, 0x00000100u), UNIX_2024 + 1); /* across the ms wrap */
    assert_int_equal(wf_sntp_clock_unix(&c, 0xFFFFFF00u + 3600300u), UNIX_2024 + 3601);
}

static void test_parse_random(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252u;
    uint8_t p[48];
    struct wf_sntp_reply r;
    for (int i = 0; i < 50000; i++) {
        reply(p, NONCE, NTP_2024, 0);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        p[x % 48] ^= (uint8_t)(x >> 40);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        p[x % 48] = (uint8_t)(x >> 40);
        int rc = wf_sntp_parse(p, 48, NONCE, &r);
        assert_true(rc == 0 || rc == WF_ESNTP_BADREPLY || rc == WF_ESNTP_KOD || rc == WF_ESNTP_UNSYNC);
        if (rc == 0) {
            assert_true((p[0] & 7) == 4 && r.stratum >= 1 && r.stratum <= 15 && r.leap != 3);
            assert_memory_equal(&p[24], NONCE, 8);
        }
    }
}

/* ---- scripted NTP servers ----------------------------------------------------------- */

enum act {
    A_GOOD,   /* a proper reply: the host's real time */
    A_SILENT, /* nothing */
    A_KOD,    /* kiss-o'-death RATE */
    A_UNSYNC, /* leap indicator 3 */
    A_WRONG_NONCE_THEN_GOOD,
    A_BAD_MODE_THEN_GOOD,
    A_SHORT_THEN_GOOD,
    A_OTHER_PORT_THEN_GOOD, /* first from a second socket (another port), then the real one */
    A_ONLY_GARBAGE,
    A_DELAY_150, /* a proper reply after 150 ms */
    A_PAST,      /* a proper reply, but the time is 2020-01-01 (a clock set back) */
};

struct ntpd {
    int fd, alt_fd;
    uint16_t port;
    enum act act;
    atomic_uint requests;
    uint8_t last_req[48];
    uint16_t last_src_port;
    atomic_bool stop;
    pthread_t thread;
};

static void now_ntp(uint32_t *secs, uint32_t *frac)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *secs = (uint32_t)((uint64_t)ts.tv_sec + 2208988800u);
    *frac = (uint32_t)(((uint64_t)ts.tv_nsec << 32) / 1000000000u);
}

static void ntpd_send(struct ntpd *d, int fd, const uint8_t *p, size_t n, const struct sockaddr_in *to)
{
    (void)d;
    sendto(fd, p, n, 0, (const struct sockaddr *)to, sizeof *to);
}

static void ntpd_handle(struct ntpd *d, const uint8_t *req, const struct sockaddr_in *from)
{
    uint8_t p[48];
    uint32_t s, f;
    now_ntp(&s, &f);
    reply(p, &req[40], s, f);
    switch (d->act) {
    case A_GOOD:
        break;
    case A_SILENT:
        return;
    case A_KOD:
        p[1] = 0;
        memcpy(&p[12], "RATE", 4);
        break;
    case A_UNSYNC:
        p[0] |= 0xC0;
        break;
    case A_WRONG_NONCE_THEN_GOOD: {
        uint8_t q[48];
        memcpy(q, p, 48);
        q[31] ^= 0xFF;
        ntpd_send(d, d->fd, q, 48, from);
        break;
    }
    case A_BAD_MODE_THEN_GOOD: {
        uint8_t q[48];
        memcpy(q, p, 48);
        q[0] = (uint8_t)((q[0] & 0xF8) | 5);
        ntpd_send(d, d->fd, q, 48, from);
        break;
    }
    case A_SHORT_THEN_GOOD:
        ntpd_send(d, d->fd, p, 47, from);
        break;
    case A_OTHER_PORT_THEN_GOOD:
        ntpd_send(d, d->alt_fd, p, 48, from);
        break;
    case A_ONLY_GARBAGE:
        p[0] = 0x24 | 0xC0 | 0x07;
        ntpd_send(d, d->fd, p, 48, from);
        return;
    case A_PAST:
        reply(p, &req[40], NTP_2020, 0);
        break;
    case A_DELAY_150:
        usleep(150 * 1000);
        now_ntp(&s, &f);
        reply(p, &req[40], s, f);
        break;
    }
    ntpd_send(d, d->fd, p, 48, from);
}

static void *ntpd_main(void *arg)
{
    struct ntpd *d = arg;
    while (!atomic_load(&d->stop)) {
        struct pollfd pfd = {.fd = d->fd, .events = POLLIN};
        if (poll(&pfd, 1, 10) <= 0) {
            continue;
        }
        uint8_t buf[256];
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(d->fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
        if (n != 48) {
            continue;
        }
        memcpy(d->last_req, buf, 48);
        d->last_src_port = ntohs(from.sin_port);
        atomic_fetch_add(&d->requests, 1);
        ntpd_handle(d, buf, &from);
    }
    return NULL;
}

static int udp_socket(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static struct ntpd *ntpd_start(enum act act)
{
    struct ntpd *d = calloc(1, sizeof *d);
    assert_non_null(d);
    d->act = act;
    uint16_t alt;
    d->fd = udp_socket(&d->port);
    d->alt_fd = udp_socket(&alt);
    assert_int_equal(pthread_create(&d->thread, NULL, ntpd_main, d), 0);
    return d;
}

static unsigned ntpd_stop(struct ntpd *d)
{
    atomic_store(&d->stop, true);
    pthread_join(d->thread, NULL);
    close(d->fd);
    close(d->alt_fd);
    unsigned n = atomic_load(&d->requests);
    free(d);
    return n;
}

/* The server as the chip sees it: 10.0.0.1:port (the fixture maps 10.0.0.1 to loopback). */
static void add_server(struct wf_sntp_config *c, const struct ntpd *d)
{
    c->servers[c->server_count++] = wf_fix_server(d->port);
}

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cfg_fast(struct wf_sntp_config *c)
{
    wf_sntp_config_default(c);
    c->timeout_ms = 200;
}

static void assert_now(const struct wf_sntp_result *r)
{
    int64_t diff = r->unix_ms - real_ms();
    print_message("sntp: rtt %u ms, off by %lld ms\n", r->rtt_ms, (long long)diff);
    assert_true(diff > -1000 && diff < 1000);
}

static void test_query_good(void **state)
{
    struct wf_fixture *f = *state;
    struct ntpd *d = ntpd_start(A_GOOD);
    struct wf_sntp_config c;
    cfg_fast(&c);
    add_server(&c, d);
    struct wf_sntp_result r;
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), 0);
    assert_now(&r);
    assert_int_equal(r.stratum, 2);
    assert_int_equal(r.server, 0);
    assert_true(r.rtt_ms < 200);
    /* The request on the wire: client mode, the nonce is not the clock and changes. */
    uint8_t first[48];
    memcpy(first, d->last_req, 48);
    uint16_t port1 = d->last_src_port;
    assert_int_equal(first[0], 0x23);
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), 0);
    assert_memory_not_equal(&first[40], &d->last_req[40], 8);
    (void)port1; /* the host port of the model's socket says nothing about the chip's */
    assert_int_equal(ntpd_stop(d), 2);
    for (unsigned i = 0; i < f->chip.variant->sockets; i++) {
        assert_int_equal(f->net.socks[i].type, 0); /* closed on every path */
    }
}

static void test_query_delay_rtt(void **state)
{
    struct wf_fixture *f = *state;
    struct ntpd *d = ntpd_start(A_DELAY_150);
    struct wf_sntp_config c;
    cfg_fast(&c);
    c.timeout_ms = 1000;
    add_server(&c, d);
    struct wf_sntp_result r;
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), 0);
    assert_true(r.rtt_ms >= 140 && r.rtt_ms < 600);
    assert_now(&r);
    ntpd_stop(d);
}

static void test_query_ignores_bad_then_good(void **state)
{
    struct wf_fixture *f = *state;
    const enum act acts[] = {A_WRONG_NONCE_THEN_GOOD, A_BAD_MODE_THEN_GOOD, A_SHORT_THEN_GOOD,
                             A_OTHER_PORT_THEN_GOOD};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        struct ntpd *d = ntpd_start(acts[i]);
        struct wf_sntp_config c;
        cfg_fast(&c);
        add_server(&c, d);
        struct wf_sntp_result r;
        assert_int_equal(wf_sntp_query(&f->net, &c, &r), 0);
        assert_now(&r);
        assert_int_equal(ntpd_stop(d), 1); /* answered within the first attempt */
    }
}

static void test_query_kod_unsync_next_server(void **state)
{
    struct wf_fixture *f = *state;
    struct ntpd *kod = ntpd_start(A_KOD);
    struct ntpd *unsync = ntpd_start(A_UNSYNC);
    struct ntpd *good = ntpd_start(A_GOOD);
    struct wf_sntp_config c;
    cfg_fast(&c);
    add_server(&c, kod);
    add_server(&c, unsync);
    add_server(&c, good);
    struct wf_sntp_result r;
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), 0);
    assert_int_equal(r.server, 2);
    assert_now(&r);
    assert_int_equal(ntpd_stop(kod), 1);
    assert_int_equal(ntpd_stop(unsync), 1);
    assert_int_equal(ntpd_stop(good), 1);
}

static void test_query_all_refuse(void **state)
{
    struct wf_fixture *f = *state;
    struct ntpd *kod = ntpd_start(A_KOD);
    struct wf_sntp_config c;
    cfg_fast(&c);
    c.attempts = 3;
    add_server(&c, kod);
    struct wf_sntp_result r;
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), WF_ESNTP_KOD);
    assert_int_equal(ntpd_stop(kod), 1); /* never asked again after the KoD */
    struct ntpd *unsync = ntpd_start(A_UNSYNC);
    c.server_count = 0;
    add_server(&c, unsync);
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), WF_ESNTP_UNSYNC);
    assert_int_equal(ntpd_stop(unsync), 1);
}

static void test_query_silent_and_garbage(void **state)
{
    struct wf_fixture *f = *state;
    struct ntpd *silent = ntpd_start(A_SILENT);
    struct wf_sntp_config c;
    cfg_fast(&c);
    c.timeout_ms = 100;
    c.attempts = 2;
    add_server(&c, silent);
    struct wf_sntp_result r;
    uint32_t t0 = wf_port_sim_millis(NULL);
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), WF_ESNTP_NOSERVER);
    uint32_t took = wf_port_sim_millis(NULL) - t0;
    assert_true(took >= 200 && took < 800);
    assert_int_equal(ntpd_stop(silent), 2);
    struct ntpd *junk = ntpd_start(A_ONLY_GARBAGE);
    c.server_count = 0;
    add_server(&c, junk);
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), WF_ESNTP_BADREPLY);
    assert_int_equal(ntpd_stop(junk), 2);
    /* Silent first server, good second: the second answers in round 1. */
    silent = ntpd_start(A_SILENT);
    struct ntpd *good = ntpd_start(A_GOOD);
    c.server_count = 0;
    add_server(&c, silent);
    add_server(&c, good);
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), 0);
    assert_int_equal(r.server, 1);
    ntpd_stop(silent);
    ntpd_stop(good);
}

/* A server that turns the clock back below the floor is refused (and not asked
 * again); another server is believed; without a floor the old time is taken. */
static void test_query_floor(void **state)
{
    struct wf_fixture *f = *state;
    struct ntpd *past = ntpd_start(A_PAST);
    struct wf_sntp_config c;
    cfg_fast(&c);
    c.attempts = 3;
    c.floor = UNIX_2024;
    add_server(&c, past);
    struct wf_sntp_result r;
    memset(&r, 0, sizeof r);
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), WF_ESNTP_BEFORE_FLOOR);
    assert_int_equal(r.unix_ms, 0); /* nothing of the refused answer is kept */
    assert_int_equal(ntpd_stop(past), 1);
    /* A refusing server first, a good one second. */
    past = ntpd_start(A_PAST);
    struct ntpd *good = ntpd_start(A_GOOD);
    c.server_count = 0;
    add_server(&c, past);
    add_server(&c, good);
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), 0);
    assert_int_equal(r.server, 1);
    assert_now(&r);
    /* A floor just below the real time: a good answer passes. */
    c.server_count = 0;
    add_server(&c, good);
    c.floor = real_ms() / 1000 - 60;
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), 0);
    assert_now(&r);
    ntpd_stop(good);
    /* No floor: the old time is believed (the caller's choice). */
    c.floor = 0;
    c.server_count = 0;
    add_server(&c, past);
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), 0);
    assert_true(r.unix_ms >= UNIX_2020 * 1000 && r.unix_ms < UNIX_2020 * 1000 + 1000);
    ntpd_stop(past);
}

/* total_ms bounds the whole call: three silent servers, two rounds of 200 ms
 * each would take 1.2 s; 300 ms in all ends with WF_ETIMEDOUT. */
static void test_query_total_budget(void **state)
{
    struct wf_fixture *f = *state;
    struct ntpd *silent[3];
    struct wf_sntp_config c;
    cfg_fast(&c);
    for (int i = 0; i < 3; i++) {
        silent[i] = ntpd_start(A_SILENT);
        add_server(&c, silent[i]);
    }
    c.total_ms = 300;
    struct wf_sntp_result r;
    uint32_t t0 = wf_port_sim_millis(NULL);
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), WF_ETIMEDOUT);
    uint32_t took = wf_port_sim_millis(NULL) - t0;
    print_message("sntp: budget 300 ms, took %u ms\n", (unsigned)took);
    assert_true(took >= 290 && took < 450);
    assert_int_equal(ntpd_stop(silent[0]), 1);
    assert_int_equal(ntpd_stop(silent[1]), 1);
    assert_int_equal(ntpd_stop(silent[2]), 0);
    /* A budget longer than every attempt together: still "no server". */
    struct ntpd *one = ntpd_start(A_SILENT);
    c.server_count = 0;
    add_server(&c, one);
    c.timeout_ms = 100;
    c.total_ms = 5000;
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), WF_ESNTP_NOSERVER);
    assert_int_equal(ntpd_stop(one), 2);
}

static void test_query_lost_then_retry(void **state)
{
    struct wf_fixture *f = *state;
    struct ntpd *d = ntpd_start(A_GOOD);
    wf_sim_chip_fault_udp_drop(f->model, 1, 0); /* the first reply is lost */
    struct wf_sntp_config c;
    cfg_fast(&c);
    c.timeout_ms = 100;
    add_server(&c, d);
    struct wf_sntp_result r;
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), 0);
    assert_int_equal(ntpd_stop(d), 2);
}

static void test_query_bad_config(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_sntp_config c;
    struct wf_sntp_result r;
    wf_sntp_config_default(&c);
    assert_int_equal(c.timeout_ms, 2000);
    assert_int_equal(c.attempts, 2);
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), WF_ESNTP_NOSERVER); /* no servers */
    c.attempts = 0;
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), WF_EINVAL);
    c.attempts = 1;
    c.timeout_ms = 0;
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), WF_EINVAL);
    c.timeout_ms = 10;
    c.server_count = WF_SNTP_MAX_SERVERS + 1;
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), WF_EINVAL);
}

static int failing_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return WF_EIO;
}

static void test_query_entropy_failure(void **state)
{
    struct wf_fixture *f = *state;
    f->host.port.entropy = failing_entropy;
    struct wf_sntp_config c;
    cfg_fast(&c);
    c.servers[0] = wf_fix_server(123);
    c.server_count = 1;
    struct wf_sntp_result r;
    assert_int_equal(wf_sntp_query(&f->net, &c, &r), WF_ENOENTROPY);
}

/* The host port's clock policy, which wizfetch --no-system-clock uses. */
static void test_host_clock_policy(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_port_sim *h = &f->host;
    int64_t sys = (int64_t)time(NULL);
    int64_t t = h->port.unix_time(h->port.ctx);
    assert_true(t >= sys && t <= sys + 2);
    wf_port_sim_set_clock_unknown(h, true);
    assert_int_equal(h->port.unix_time(h->port.ctx), -1);
    wf_port_sim_set_unix_time(h, UNIX_2024);
    assert_int_equal(h->port.unix_time(h->port.ctx), UNIX_2024);
    usleep(1100 * 1000);
    assert_int_equal(h->port.unix_time(h->port.ctx), UNIX_2024 + 1);
    wf_port_sim_set_clock_unknown(h, false); /* a set time wins over the system clock */
    assert_int_equal(h->port.unix_time(h->port.ctx), UNIX_2024 + 1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, wf_fixture_setup, wf_fixture_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_era),
        cmocka_unit_test(test_clock),
        cmocka_unit_test(test_parse_random),
        T(test_query_good),
        T(test_query_delay_rtt),
        T(test_query_ignores_bad_then_good),
        T(test_query_kod_unsync_next_server),
        T(test_query_all_refuse),
        T(test_query_silent_and_garbage),
        T(test_query_floor),
        T(test_query_total_budget),
        T(test_query_lost_then_retry),
        T(test_query_bad_config),
        T(test_query_entropy_failure),
        T(test_host_clock_policy),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
