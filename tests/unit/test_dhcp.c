/* DHCP: the message encoder byte by byte, the parser against hand-built good
 * and malformed server messages (every check), and the client end to end
 * through the chip model to a scripted DHCP server (kernel UDP sockets on
 * 127.0.0.1 in a thread): DISCOVER/OFFER/REQUEST/ACK, retransmission backoff,
 * NAK, foreign and malformed replies, renewal (unicast), rebinding
 * (broadcast), expiry, and the ARP-erratum rule SUBR = 0 while SIPR = 0. */
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
#include <unistd.h>

#include "fixture.h"
#include "wizfetch/dhcp.h"
#include "wizfetch/netif.h"

#define XID 0xA1B2C3D4u
static const uint8_t MAC[6] = {0x02, 0x00, 0x5E, 0x10, 0x00, 0x02};

/* ---- message builder ------------------------------------------------------ */

struct mb {
    uint8_t b[1024];
    size_t n;
};

static void mb_u8(struct mb *m, uint8_t v)
{
    assert_true(m->n < sizeof m->b);
    m->b[m->n++] = v;
}

static void mb_bytes(struct mb *m, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mb_u8(m, p[i]);
    }
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* The 240-byte head of a BOOTREPLY: xid, chaddr, yiaddr, cookie. */
static void mb_head(struct mb *m, uint32_t xid, const uint8_t mac[6], uint32_t yiaddr)
{
    memset(m->b, 0, 240);
    m->n = 240;
    m->b[0] = 2;
    m->b[1] = 1;
    m->b[2] = 6;
    put32(&m->b[4], xid);
    put32(&m->b[16], yiaddr);
    memcpy(&m->b[28], mac, 6);
    const uint8_t cookie[4] = {99, 130, 83, 99};
    memcpy(&m->b[236], cookie, 4);
}

static void mb_opt(struct mb *m, uint8_t code, const uint8_t *v, uint8_t len)
{
    mb_u8(m, code);
    mb_u8(m, len);
    mb_bytes(m, v, len);
}

static void mb_opt8(struct mb *m, uint8_t code, uint8_t v)
{
    mb_opt(m, code, &v, 1);
}

static void mb_opt32(struct mb *m, uint8_t code, uint32_t v)
{
    uint8_t b[4];
    put32(b, v);
    mb_opt(m, code, b, 4);
}

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/* A complete OFFER/ACK: type, server id 10.0.0.1, lease 3600, mask /24,
 * router 10.0.0.254, DNS 10.0.0.53 + 10.0.0.54, NTP 10.0.0.123, END. */
static void mb_full(struct mb *m, uint8_t type, uint32_t yiaddr)
{
    mb_head(m, XID, MAC, yiaddr);
    mb_opt8(m, 53, type);
    mb_opt32(m, 54, IP(10, 0, 0, 1));
    mb_opt32(m, 51, 3600);
    mb_opt32(m, 1, IP(255, 255, 255, 0));
    mb_opt32(m, 3, IP(10, 0, 0, 254));
    const uint8_t dns[8] = {10, 0, 0, 53, 10, 0, 0, 54};
    mb_opt(m, 6, dns, 8);
    mb_opt32(m, 42, IP(10, 0, 0, 123));
    mb_u8(m, 255);
}

static int parse(const struct mb *m, struct wf_dhcp_reply *r)
{
    return wf_dhcp_parse(m->b, m->n, XID, MAC, r);
}

static void assert_ip(const uint8_t ip[4], uint32_t want)
{
    assert_int_equal(get32(ip), want);
}

/* ---- encoder -------------------------------------------------------------- */

static void test_build_discover(void **state)
{
    (void)state;
    uint8_t buf[600];
    struct wf_dhcp_request r = {.type = WF_DHCP_DISCOVER, .xid = 0x01020304, .secs = 3, .broadcast = true};
    memcpy(r.mac, MAC, 6);
    memset(buf, 0xEE, sizeof buf);
    assert_int_equal(wf_dhcp_build(buf, sizeof buf, &r), 300);
    static const uint8_t head[12] = {1, 1, 6, 0, 1, 2, 3, 4, 0, 3, 0x80, 0};
    assert_memory_equal(buf, head, sizeof head);
    static const uint8_t zero16[16] = {0};
    assert_memory_equal(&buf[12], zero16, 16); /* ciaddr yiaddr siaddr giaddr */
    assert_memory_equal(&buf[28], MAC, 6);
    assert_memory_equal(&buf[34], zero16, 10);
    for (size_t i = 44; i < 236; i++) {
        assert_int_equal(buf[i], 0); /* sname, file */
    }
    static const uint8_t opts[] = {99, 130, 83, 99, 53, 1,  1,  55, 8, 1,  3,
                                   6,  42,  51, 54, 58, 59, 57, 2,  2, 64, 255};
    assert_memory_equal(&buf[236], opts, sizeof opts);
    for (size_t i = 236 + sizeof opts; i < 300; i++) {
        assert_int_equal(buf[i], 0); /* padding to the BOOTP minimum */
    }
    assert_int_equal(buf[300], 0xEE); /* nothing written past the length */
}

static void test_build_request(void **state)
{
    (void)state;
    uint8_t buf[300];
    struct wf_dhcp_request r = {.type = WF_DHCP_REQUEST, .xid = 7, .broadcast = true};
    memcpy(r.mac, MAC, 6);
    put32(r.requested, IP(10, 0, 0, 77));
    put32(r.server_id, IP(10, 0, 0, 1));
    assert_int_equal(wf_dhcp_build(buf, sizeof buf, &r), 300);
    static const uint8_t opts[] = {53, 1, 3, 50, 4, 10, 0, 0, 77, 54, 4, 10, 0, 0, 1, 55, 8};
    assert_memory_equal(&buf[240], opts, sizeof opts);
    /* Renewal: ciaddr, no flag, no 50/54. */
    struct wf_dhcp_request renew = {.type = WF_DHCP_REQUEST, .xid = 8};
    memcpy(renew.mac, MAC, 6);
    put32(renew.ciaddr, IP(10, 0, 0, 77));
    assert_int_equal(wf_dhcp_build(buf, sizeof buf, &renew), 300);
    assert_int_equal(buf[10], 0);
    assert_int_equal(get32(&buf[12]), IP(10, 0, 0, 77));
    static const uint8_t ropts[] = {53, 1, 3, 55, 8};
    assert_memory_equal(&buf[240], ropts, sizeof ropts);
    /* Errors. */
    assert_int_equal(wf_dhcp_build(buf, 299, &r), WF_ENOMEM);
    r.type = WF_DHCP_ACK;
    assert_int_equal(wf_dhcp_build(buf, sizeof buf, &r), WF_EINVAL);
}

/* ---- parser: good messages ------------------------------------------------ */

static void test_parse_full_offer(void **state)
{
    (void)state;
    struct mb m;
    struct wf_dhcp_reply r;
    mb_full(&m, WF_DHCP_OFFER, IP(10, 0, 0, 77));
    assert_int_equal(parse(&m, &r), WF_DHCP_OFFER);
    assert_ip(r.ip, IP(10, 0, 0, 77));
    assert_ip(r.lease.ip, IP(10, 0, 0, 77));
    assert_ip(r.lease.mask, IP(255, 255, 255, 0));
    assert_ip(r.lease.router, IP(10, 0, 0, 254));
    assert_ip(r.lease.server_id, IP(10, 0, 0, 1));
    assert_int_equal(r.lease.dns_count, 2);
    assert_ip(r.lease.dns[0], IP(10, 0, 0, 53));
    assert_ip(r.lease.dns[1], IP(10, 0, 0, 54));
    assert_int_equal(r.lease.ntp_count, 1);
    assert_ip(r.lease.ntp[0], IP(10, 0, 0, 123));
    assert_int_equal(r.lease.lease_s, 3600);
    assert_int_equal(r.lease.t1_s, 1800); /* defaults: 1/2 and 7/8 */
    assert_int_equal(r.lease.t2_s, 3150);
    assert_true(r.has_mask && r.has_lease && r.has_server_id);
    mb_full(&m, WF_DHCP_ACK, IP(10, 0, 0, 77));
    assert_int_equal(parse(&m, &r), WF_DHCP_ACK);
    /* Longer than the 240 + options (trailing bytes after END) is fine. */
    mb_u8(&m, 0xAB);
    mb_u8(&m, 0xCD);
    assert_int_equal(parse(&m, &r), WF_DHCP_ACK);
}

static void test_parse_lists_pad_unknown(void **state)
{
    (void)state;
    struct mb m;
    struct wf_dhcp_reply r;
    mb_head(&m, XID, MAC, IP(192, 168, 1, 20));
    mb_u8(&m, 0); /* pads anywhere */
    mb_opt8(&m, 53, WF_DHCP_ACK);
    mb_u8(&m, 0);
    mb_opt32(&m, 54, IP(192, 168, 1, 1));
    mb_opt32(&m, 51, 600);
    const uint8_t five[20] = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5};
    mb_opt(&m, 6, five, 20);
    mb_opt(&m, 42, five, 12);
    mb_opt(&m, 3, five + 4, 8);                /* two routers: the first is used */
    mb_opt(&m, 15, (const uint8_t *)"lan", 3); /* domain name: skipped */
    mb_opt(&m, 200, NULL, 0);                  /* unknown, empty: skipped */
    mb_opt(&m, 15, (const uint8_t *)"x", 1);   /* unknown options may repeat */
    mb_u8(&m, 255);
    assert_int_equal(parse(&m, &r), WF_DHCP_ACK);
    assert_int_equal(r.lease.dns_count, WF_DNS_MAX_SERVERS);
    assert_ip(r.lease.dns[WF_DNS_MAX_SERVERS - 1], 0x01010101u * WF_DNS_MAX_SERVERS);
    assert_int_equal(r.lease.ntp_count, WF_DHCP_MAX_NTP);
    assert_ip(r.lease.router, IP(2, 2, 2, 2));
    /* No mask option: the classful mask of the address. */
    assert_false(r.has_mask);
    assert_ip(r.lease.mask, IP(255, 255, 255, 0));
    mb_head(&m, XID, MAC, IP(172, 16, 5, 5));
    mb_opt8(&m, 53, WF_DHCP_ACK);
    mb_opt32(&m, 54, IP(172, 16, 0, 1));
    mb_opt32(&m, 51, 600);
    mb_u8(&m, 255);
    assert_int_equal(parse(&m, &r), WF_DHCP_ACK);
    assert_ip(r.lease.mask, IP(255, 255, 0, 0));
    assert_ip(r.lease.router, 0);
    assert_int_equal(r.lease.dns_count, 0);
    put32(&m.b[16], IP(10, 9, 9, 9));
    assert_int_equal(parse(&m, &r), WF_DHCP_ACK);
    assert_ip(r.lease.mask, IP(255, 0, 0, 0));
}

/* An ACK with lease `lease` and, if non-zero, T1/T2. */
static int parse_times(uint32_t lease, uint32_t t1, uint32_t t2, struct wf_dhcp_reply *r)
{
    struct mb m;
    mb_head(&m, XID, MAC, IP(10, 0, 0, 77));
    mb_opt8(&m, 53, WF_DHCP_ACK);
    mb_opt32(&m, 54, IP(10, 0, 0, 1));
    mb_opt32(&m, 51, lease);
    if (t1) {
        mb_opt32(&m, 58, t1);
    }
    if (t2) {
        mb_opt32(&m, 59, t2);
    }
    mb_u8(&m, 255);
    return parse(&m, r);
}

static void test_parse_t1_t2(void **state)
{
    (void)state;
    struct wf_dhcp_reply r;
    assert_int_equal(parse_times(1000, 300, 600, &r), WF_DHCP_ACK);
    assert_int_equal(r.lease.t1_s, 300);
    assert_int_equal(r.lease.t2_s, 600);
    assert_int_equal(parse_times(1000, 300, 0, &r), WF_DHCP_ACK); /* T2 defaults to 7/8 */
    assert_int_equal(r.lease.t1_s, 300);
    assert_int_equal(r.lease.t2_s, 875);
    assert_int_equal(parse_times(1000, 900, 0, &r), WF_DHCP_ACK); /* T1 > default T2: T2 = T1 */
    assert_int_equal(r.lease.t1_s, 900);
    assert_int_equal(r.lease.t2_s, 900);
    assert_int_equal(parse_times(1000, 0, 400, &r), WF_DHCP_ACK); /* T1 default above T2: capped */
    assert_int_equal(r.lease.t1_s, 400);
    assert_int_equal(r.lease.t2_s, 400);
    /* Inconsistent values are replaced by the defaults. */
    assert_int_equal(parse_times(1000, 700, 600, &r), WF_DHCP_ACK);
    assert_int_equal(r.lease.t1_s, 500);
    assert_int_equal(r.lease.t2_s, 875);
    assert_int_equal(parse_times(1000, 300, 2000, &r), WF_DHCP_ACK);
    assert_int_equal(r.lease.t1_s, 500);
    assert_int_equal(r.lease.t2_s, 875);
    /* Infinite lease: never renewed. */
    assert_int_equal(parse_times(WF_DHCP_INFINITE, 0, 0, &r), WF_DHCP_ACK);
    assert_int_equal(r.lease.t1_s, WF_DHCP_INFINITE);
    assert_int_equal(r.lease.t2_s, WF_DHCP_INFINITE);
    /* Odd leases round down. */
    assert_int_equal(parse_times(7, 0, 0, &r), WF_DHCP_ACK);
    assert_int_equal(r.lease.t1_s, 3);
    assert_int_equal(r.lease.t2_s, 6);
    assert_int_equal(parse_times(0, 0, 0, &r), WF_EDHCP_BADREPLY);
}

static void test_parse_nak_and_other_types(void **state)
{
    (void)state;
    struct mb m;
    struct wf_dhcp_reply r;
    mb_head(&m, XID, MAC, 0);
    mb_opt8(&m, 53, WF_DHCP_NAK);
    mb_opt32(&m, 54, IP(10, 0, 0, 1));
    mb_u8(&m, 255);
    assert_int_equal(parse(&m, &r), WF_DHCP_NAK);
    assert_ip(r.lease.server_id, IP(10, 0, 0, 1));
    /* NAK without server id: refused. */
    mb_head(&m, XID, MAC, 0);
    mb_opt8(&m, 53, WF_DHCP_NAK);
    mb_u8(&m, 255);
    assert_int_equal(parse(&m, &r), WF_EDHCP_BADREPLY);
    /* Other types are reported as such (the client ignores them). */
    mb_head(&m, XID, MAC, 0);
    mb_opt8(&m, 53, WF_DHCP_INFORM);
    mb_u8(&m, 255);
    assert_int_equal(parse(&m, &r), WF_DHCP_INFORM);
}

/* Overload: options continue in `file` (1), `sname` (2) or both (3). */
static void test_parse_overload(void **state)
{
    (void)state;
    struct mb m;
    struct wf_dhcp_reply r;
    for (uint8_t ov = 1; ov <= 3; ov++) {
        mb_head(&m, XID, MAC, IP(10, 0, 0, 77));
        mb_opt8(&m, 53, WF_DHCP_ACK);
        mb_opt8(&m, 52, ov);
        mb_u8(&m, 255);
        uint8_t *file = &m.b[108], *sname = &m.b[44];
        uint8_t *first = (ov & 1) ? file : sname;
        /* server id + lease in the first overloaded field, DNS in sname if both */
        const uint8_t a[] = {54, 4, 10, 0, 0, 1, 51, 4, 0, 0, 0x0E, 0x10, 0, 255};
        memcpy(first, a, sizeof a);
        if (ov == 3) {
            const uint8_t b[] = {6, 4, 9, 9, 9, 9, 255};
            memcpy(sname, b, sizeof b);
        }
        assert_int_equal(parse(&m, &r), WF_DHCP_ACK);
        assert_ip(r.lease.server_id, IP(10, 0, 0, 1));
        assert_int_equal(r.lease.lease_s, 3600);
        assert_int_equal(r.lease.dns_count, ov == 3 ? 1 : 0);
        /* The same field without END: malformed. */
        memset(first, 1, ov & 1 ? 128 : 64); /* option code 1 len 1 ... runs off */
        assert_int_equal(parse(&m, &r), WF_EDHCP_BADREPLY);
    }
    /* Without the overload option the fields are not read. */
    mb_full(&m, WF_DHCP_ACK, IP(10, 0, 0, 77));
    memset(&m.b[44], 0xFF, 192);
    assert_int_equal(parse(&m, &r), WF_DHCP_ACK);
    /* Overload values 0 and 4, overload twice (also from inside the file field). */
    for (uint8_t bad = 0; bad <= 4; bad += 4) {
        mb_full(&m, WF_DHCP_ACK, IP(10, 0, 0, 77));
        m.n--;
        mb_opt8(&m, 52, bad);
        mb_u8(&m, 255);
        assert_int_equal(parse(&m, &r), WF_EDHCP_BADREPLY);
    }
    mb_full(&m, WF_DHCP_ACK, IP(10, 0, 0, 77));
    m.n--;
    mb_opt8(&m, 52, 1);
    mb_u8(&m, 255);
    const uint8_t again[] = {52, 1, 1, 255};
    memcpy(&m.b[108], again, sizeof again);
    assert_int_equal(parse(&m, &r), WF_EDHCP_BADREPLY);
}

/* ---- parser: malformed ------------------------------------------------------ */

static void test_parse_bad_header(void **state)
{
    (void)state;
    struct mb m;
    struct wf_dhcp_reply r;
    mb_full(&m, WF_DHCP_OFFER, IP(10, 0, 0, 77));
    assert_int_equal(parse(&m, &r), WF_DHCP_OFFER);
    const struct {
        size_t off;
        uint8_t val;
    } pokes[] = {
        {0, 1},      /* op BOOTREQUEST */
        {1, 6},      /* htype IEEE 802 */
        {2, 16},     /* hlen */
        {4, 0xA0},   /* xid */
        {7, 0xD5},   /* xid last byte */
        {28, 0x03},  /* chaddr */
        {33, 0x03},  /* chaddr last byte */
        {236, 98},   /* cookie */
        {239, 0x64}, /* cookie last byte */
    };
    for (size_t i = 0; i < sizeof pokes / sizeof pokes[0]; i++) {
        struct mb c = m;
        c.b[pokes[i].off] = pokes[i].val;
        assert_int_equal(parse(&c, &r), WF_EDHCP_BADREPLY);
    }
    /* Bytes of chaddr beyond hlen are not compared. */
    struct mb c = m;
    c.b[40] = 0x77;
    assert_int_equal(parse(&c, &r), WF_DHCP_OFFER);
    /* Every length below the whole message with END. */
    for (size_t n = 0; n < m.n; n++) {
        assert_int_equal(wf_dhcp_parse(m.b, n, XID, MAC, &r), WF_EDHCP_BADREPLY);
    }
    assert_int_equal(wf_dhcp_parse(NULL, 0, XID, MAC, &r), WF_EDHCP_BADREPLY);
}

/* An OFFER whose options are exactly `opts` (then END unless `no_end`). */
static int parse_opts(const uint8_t *opts, size_t n, bool no_end)
{
    struct mb m;
    struct wf_dhcp_reply r;
    mb_head(&m, XID, MAC, IP(10, 0, 0, 77));
    mb_bytes(&m, opts, n);
    if (!no_end) {
        mb_u8(&m, 255);
    }
    return parse(&m, &r);
}

#define BASE 53, 1, 2, 54, 4, 10, 0, 0, 1, 51, 4, 0, 0, 1, 0 /* OFFER, server id, lease 256 */

static void test_parse_bad_options(void **state)
{
    (void)state;
    static const uint8_t ok[] = {BASE};
    assert_int_equal(parse_opts(ok, sizeof ok, false), WF_DHCP_OFFER);
    assert_int_equal(parse_opts(ok, sizeof ok, true), WF_EDHCP_BADREPLY); /* no END */
    static const uint8_t pads_no_end[] = {BASE, 0, 0, 0};
    assert_int_equal(parse_opts(pads_no_end, sizeof pads_no_end, true), WF_EDHCP_BADREPLY);
    static const uint8_t no_len[] = {BASE, 3};
    assert_int_equal(parse_opts(no_len, sizeof no_len, true), WF_EDHCP_BADREPLY);
    static const uint8_t overrun[] = {BASE, 3, 8, 1, 2, 3, 4};
    assert_int_equal(parse_opts(overrun, sizeof overrun, true), WF_EDHCP_BADREPLY);
    /* The END inside an option's value does not count. */
    static const uint8_t end_inside[] = {BASE, 12, 3, 'a', 255, 'b'};
    assert_int_equal(parse_opts(end_inside, sizeof end_inside, true), WF_EDHCP_BADREPLY);

    const uint8_t *const bad[] = {
        (const uint8_t[]){BASE, 1, 3, 255, 255, 255},                            /* mask length 3 */
        (const uint8_t[]){BASE, 1, 4, 255, 0, 255, 0},                           /* mask not contiguous */
        (const uint8_t[]){BASE, 1, 4, 0, 0, 0, 0},                               /* mask 0 */
        (const uint8_t[]){BASE, 1, 4, 255, 255, 255, 0, 1, 4, 255, 255, 255, 0}, /* mask twice */
        (const uint8_t[]){BASE, 3, 0},                                           /* router empty */
        (const uint8_t[]){BASE, 3, 5, 1, 2, 3, 4, 5},                            /* router 5 bytes */
        (const uint8_t[]){BASE, 6, 6, 1, 2, 3, 4, 5, 6},                         /* dns 6 bytes */
        (const uint8_t[]){BASE, 6, 4, 1, 1, 1, 1, 6, 4, 2, 2, 2, 2},             /* dns twice */
        (const uint8_t[]){BASE, 42, 2, 1, 1},                                    /* ntp 2 bytes */
        (const uint8_t[]){BASE, 58, 2, 0, 1},                                    /* T1 2 bytes */
        (const uint8_t[]){BASE, 59, 5, 0, 0, 0, 1, 0},                           /* T2 5 bytes */
        (const uint8_t[]){BASE, 53, 1, 2},                                       /* type twice */
        (const uint8_t[]){BASE, 54, 4, 10, 0, 0, 2},                             /* server id twice */
        (const uint8_t[]){BASE, 51, 4, 0, 0, 0, 9},                              /* lease twice */
        (const uint8_t[]){BASE, 52, 2, 0, 1},                                    /* overload 2 bytes */
    };
    static const size_t bad_len[] = {15 + 5, 15 + 6, 15 + 6, 15 + 12, 15 + 2, 15 + 7, 15 + 8, 15 + 12,
                                     15 + 4, 15 + 4, 15 + 7, 15 + 3,  15 + 6, 15 + 6, 15 + 4};
    assert_int_equal(sizeof bad / sizeof bad[0], sizeof bad_len / sizeof bad_len[0]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        print_message("bad option case %zu\n", i);
        assert_int_equal(parse_opts(bad[i], bad_len[i], false), WF_EDHCP_BADREPLY);
    }
    /* Message type: length, value range, missing. */
    static const uint8_t type_len2[] = {53, 2, 2, 0, 54, 4, 10, 0, 0, 1, 51, 4, 0, 0, 1, 0};
    assert_int_equal(parse_opts(type_len2, sizeof type_len2, false), WF_EDHCP_BADREPLY);
    static const uint8_t type0[] = {53, 1, 0, 54, 4, 10, 0, 0, 1, 51, 4, 0, 0, 1, 0};
    assert_int_equal(parse_opts(type0, sizeof type0, false), WF_EDHCP_BADREPLY);
    static const uint8_t type9[] = {53, 1, 9, 54, 4, 10, 0, 0, 1, 51, 4, 0, 0, 1, 0};
    assert_int_equal(parse_opts(type9, sizeof type9, false), WF_EDHCP_BADREPLY);
    static const uint8_t no_type[] = {54, 4, 10, 0, 0, 1, 51, 4, 0, 0, 1, 0};
    assert_int_equal(parse_opts(no_type, sizeof no_type, false), WF_EDHCP_BADREPLY);
    /* OFFER/ACK need server id and lease. */
    static const uint8_t no_sid[] = {53, 1, 2, 51, 4, 0, 0, 1, 0};
    assert_int_equal(parse_opts(no_sid, sizeof no_sid, false), WF_EDHCP_BADREPLY);
    static const uint8_t no_lease[] = {53, 1, 5, 54, 4, 10, 0, 0, 1};
    assert_int_equal(parse_opts(no_lease, sizeof no_lease, false), WF_EDHCP_BADREPLY);
    static const uint8_t sid3[] = {53, 1, 2, 54, 3, 10, 0, 0, 51, 4, 0, 0, 1, 0};
    assert_int_equal(parse_opts(sid3, sizeof sid3, false), WF_EDHCP_BADREPLY);
}

static void test_parse_bad_yiaddr(void **state)
{
    (void)state;
    static const uint32_t bad[] = {
        0, IP(255, 255, 255, 255), IP(127, 0, 0, 1), IP(224, 0, 0, 1), IP(240, 0, 0, 1), IP(0, 1, 2, 3)};
    struct mb m;
    struct wf_dhcp_reply r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mb_full(&m, WF_DHCP_OFFER, bad[i]);
        assert_int_equal(parse(&m, &r), WF_EDHCP_BADREPLY);
        mb_full(&m, WF_DHCP_ACK, bad[i]);
        assert_int_equal(parse(&m, &r), WF_EDHCP_BADREPLY);
    }
    mb_full(&m, WF_DHCP_ACK, IP(223, 255, 255, 254));
    assert_int_equal(parse(&m, &r), WF_DHCP_ACK);
}

static void test_parse_random_bytes(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15u;
    struct mb m;
    struct wf_dhcp_reply r;
    for (int iter = 0; iter < 20000; iter++) {
        mb_full(&m, (uint8_t)(iter % 2 ? WF_DHCP_ACK : WF_DHCP_OFFER), IP(10, 0, 0, 77));
        /* Flip a few bytes in the options and cut at a random length. */
        for (int k = 0; k < 3; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            m.b[240 + x % (m.n - 240)] = (uint8_t)(x >> 32);
        }
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t n = 240 + x % (m.n - 240 + 1);
        int rc = wf_dhcp_parse(m.b, n, XID, MAC, &r);
        assert_true(rc == WF_EDHCP_BADREPLY || (rc >= 1 && rc <= 8));
        if (rc == WF_DHCP_ACK || rc == WF_DHCP_OFFER) {
            assert_true(r.lease.lease_s > 0 && r.lease.t1_s <= r.lease.t2_s &&
                        r.lease.t2_s <= r.lease.lease_s);
            assert_true(r.lease.dns_count <= WF_DNS_MAX_SERVERS && r.lease.ntp_count <= WF_DHCP_MAX_NTP);
        }
    }
}

/* ---- scripted server ----------------------------------------------------------
 *
 * Two kernel UDP sockets on 127.0.0.1: `bfd` receives what the chip broadcasts
 * (rule 255.255.255.255:67 -> bfd), `ufd` what it unicasts to the server
 * 10.0.0.1:67 (a later rule 10.0.0.1:67 -> ufd, which also makes replies sent
 * from ufd appear to come from 10.0.0.1:67). Every reply is sent from ufd to
 * the request's real source.
 */

enum srv_flags {
    S_SILENT = 0x01,        /* answer nothing */
    S_NAK_FIRST_REQ = 0x02, /* NAK the first REQUEST of SELECTING */
    S_NAK_ALL = 0x04,       /* NAK every REQUEST */
    S_JUNK_FIRST = 0x08,    /* before the first OFFER: foreign and malformed replies */
    S_ONLY_BAD = 0x10,      /* answer DISCOVER only with malformed messages */
    S_NO_UNICAST = 0x20,    /* ignore unicast requests (renewals) */
    S_NAK_RENEW = 0x40,     /* NAK requests with ciaddr set */
    S_ONE_LEASE = 0x80,     /* after the first ACK, answer nothing */
    S_OTHER_SERVER = 0x100, /* before the right ACK, an ACK naming another server */
};

#define MAX_REQ 32

struct seen {
    uint8_t type;
    bool unicast;
    bool bcast_flag;
    uint32_t xid;
    uint32_t ciaddr;
    uint32_t requested; /* option 50 */
    uint32_t server_id; /* option 54 */
    uint32_t ms;        /* when it arrived (CLOCK_MONOTONIC ms) */
};

struct server {
    int bfd, ufd;
    uint16_t bport, uport;
    unsigned flags;
    unsigned ignore_discovers; /* drop this many DISCOVERs first */
    uint32_t lease, t1, t2;
    uint32_t yiaddr;
    atomic_uint nseen;
    struct seen seen[MAX_REQ];
    atomic_uint acks;
    bool nak_done;
    atomic_bool stop;
    pthread_t thread;
};

static int srv_socket(uint16_t *port)
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

/* Find option `code` in a client message; its value or NULL. */
static const uint8_t *req_opt(const uint8_t *msg, size_t n, uint8_t code, uint8_t *len)
{
    for (size_t i = 240; i < n;) {
        uint8_t c = msg[i++];
        if (c == 0) {
            continue;
        }
        if (c == 255 || i >= n) {
            return NULL;
        }
        uint8_t l = msg[i++];
        if (i + l > n) {
            return NULL;
        }
        if (c == code) {
            *len = l;
            return &msg[i];
        }
        i += l;
    }
    return NULL;
}

static void srv_reply(struct server *s, const struct sockaddr_in *to, const struct mb *m)
{
    sendto(s->ufd, m->b, m->n, 0, (const struct sockaddr *)to, sizeof *to);
}

/* An OFFER/ACK/NAK to the request `req` (xid, chaddr copied). */
static void srv_answer(struct server *s, const uint8_t *req, uint8_t type, uint32_t server_id,
                       const struct sockaddr_in *to)
{
    struct mb m;
    mb_head(&m, get32(&req[4]), &req[28], type == WF_DHCP_NAK ? 0 : s->yiaddr);
    mb_opt8(&m, 53, type);
    mb_opt32(&m, 54, server_id);
    if (type != WF_DHCP_NAK) {
        mb_opt32(&m, 51, s->lease);
        if (s->t1) {
            mb_opt32(&m, 58, s->t1);
        }
        if (s->t2) {
            mb_opt32(&m, 59, s->t2);
        }
        mb_opt32(&m, 1, IP(255, 255, 255, 0));
        mb_opt32(&m, 3, IP(10, 0, 0, 254));
        mb_opt32(&m, 6, IP(10, 0, 0, 53));
        mb_opt32(&m, 42, IP(10, 0, 0, 123));
    }
    mb_u8(&m, 255);
    srv_reply(s, to, &m);
}

static void srv_junk(struct server *s, const uint8_t *req, const struct sockaddr_in *to)
{
    struct mb m;
    uint32_t xid = get32(&req[4]);
    mb_full(&m, WF_DHCP_OFFER, IP(10, 0, 0, 66)); /* another xid (XID constant), same MAC */
    put32(&m.b[4], xid ^ 1);
    srv_reply(s, to, &m);
    static const uint8_t other_mac[6] = {2, 0, 0, 0, 0, 9};
    mb_full(&m, WF_DHCP_OFFER, IP(10, 0, 0, 66)); /* our xid, another client's MAC */
    put32(&m.b[4], xid);
    memcpy(&m.b[28], other_mac, 6);
    srv_reply(s, to, &m);
    mb_full(&m, WF_DHCP_ACK, IP(10, 0, 0, 66)); /* an ACK while selecting: ignored */
    put32(&m.b[4], xid);
    memcpy(&m.b[28], &req[28], 6);
    srv_reply(s, to, &m);
}

static void srv_bad(struct server *s, const uint8_t *req, const struct sockaddr_in *to)
{
    struct mb m;
    mb_full(&m, WF_DHCP_OFFER, IP(10, 0, 0, 66));
    put32(&m.b[4], get32(&req[4]));
    memcpy(&m.b[28], &req[28], 6);
    m.n--; /* no END */
    srv_reply(s, to, &m);
}

static uint32_t mono_ms(void)
{
    return wf_port_sim_millis(NULL);
}

static void srv_handle(struct server *s, const uint8_t *req, size_t n, bool unicast,
                       const struct sockaddr_in *from)
{
    uint8_t len = 0;
    const uint8_t *t = req_opt(req, n, 53, &len);
    if (n < 240 || t == NULL || len != 1) {
        return;
    }
    unsigned i = atomic_load(&s->nseen);
    if (i < MAX_REQ) {
        struct seen *e = &s->seen[i];
        e->type = t[0];
        e->unicast = unicast;
        e->bcast_flag = (req[10] & 0x80) != 0;
        e->xid = get32(&req[4]);
        e->ciaddr = get32(&req[12]);
        const uint8_t *v = req_opt(req, n, 50, &len);
        e->requested = v && len == 4 ? get32(v) : 0;
        v = req_opt(req, n, 54, &len);
        e->server_id = v && len == 4 ? get32(v) : 0;
        e->ms = mono_ms();
        atomic_store(&s->nseen, i + 1);
    }
    if ((s->flags & S_SILENT) || (unicast && (s->flags & S_NO_UNICAST)) ||
        ((s->flags & S_ONE_LEASE) && atomic_load(&s->acks) > 0)) {
        return;
    }
    if (t[0] == WF_DHCP_DISCOVER) {
        if (s->ignore_discovers > 0) {
            s->ignore_discovers--;
            return;
        }
        if (s->flags & S_ONLY_BAD) {
            srv_bad(s, req, from);
            return;
        }
        if (s->flags & S_JUNK_FIRST) {
            s->flags &= ~(unsigned)S_JUNK_FIRST;
            srv_junk(s, req, from);
            srv_bad(s, req, from);
        }
        srv_answer(s, req, WF_DHCP_OFFER, IP(10, 0, 0, 1), from);
        return;
    }
    if (t[0] != WF_DHCP_REQUEST) {
        return;
    }
    bool renewal = get32(&req[12]) != 0;
    if ((s->flags & S_NAK_ALL) || (renewal && (s->flags & S_NAK_RENEW)) ||
        (!renewal && (s->flags & S_NAK_FIRST_REQ) && !s->nak_done)) {
        s->nak_done = true;
        srv_answer(s, req, WF_DHCP_NAK, IP(10, 0, 0, 1), from);
        return;
    }
    if (s->flags & S_OTHER_SERVER) {
        srv_answer(s, req, WF_DHCP_ACK, IP(10, 0, 0, 9), from);
    }
    atomic_fetch_add(&s->acks, 1);
    srv_answer(s, req, WF_DHCP_ACK, IP(10, 0, 0, 1), from);
}

static void *srv_main(void *arg)
{
    struct server *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p[2] = {{.fd = s->bfd, .events = POLLIN}, {.fd = s->ufd, .events = POLLIN}};
        if (poll(p, 2, 10) <= 0) {
            continue;
        }
        for (int k = 0; k < 2; k++) {
            if (!(p[k].revents & POLLIN)) {
                continue;
            }
            uint8_t buf[1024];
            struct sockaddr_in from;
            socklen_t flen = sizeof from;
            ssize_t n = recvfrom(p[k].fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
            if (n > 0) {
                srv_handle(s, buf, (size_t)n, k == 1, &from);
            }
        }
    }
    return NULL;
}

/* Servers live in static slots, so what one saw can be read after srv_stop. */
static struct server server_slots[4];
static unsigned next_slot;

static struct server *srv_start(struct wf_fixture *f, unsigned flags)
{
    struct server *s = &server_slots[next_slot++ % 4];
    memset(s, 0, sizeof *s);
    s->flags = flags;
    s->lease = 3600;
    s->yiaddr = IP(10, 0, 0, 77);
    s->bfd = srv_socket(&s->bport);
    s->ufd = srv_socket(&s->uport);
    assert_int_equal(wf_sim_chip_map(f->model, 0xFFFFFFFFu, 67, 0x7F000001u, s->bport), 0);
    assert_int_equal(wf_sim_chip_map(f->model, IP(10, 0, 0, 1), 67, 0x7F000001u, s->uport), 0);
    return s;
}

static void srv_run(struct server *s)
{
    assert_int_equal(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

static void srv_stop(struct server *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    close(s->bfd);
    close(s->ufd);
}

/* ---- client helpers ------------------------------------------------------------ */

/* Test timings: retransmissions after 40, 80, 160 ms (+-5 ms). */
static void fast_config(struct wf_dhcp_config *c)
{
    wf_dhcp_config_default(c, MAC);
    c->retry_initial_ms = 40;
    c->retry_max_ms = 160;
    c->retry_jitter_ms = 5;
    c->renew_retry_min_ms = 50;
}

static void assert_chip(struct wf_fixture *f, uint32_t ip, uint32_t mask, uint32_t gw)
{
    struct wf_chip_netcfg c;
    assert_int_equal(wf_chip_get_netcfg(&f->chip, &c), 0);
    assert_memory_equal(c.mac, MAC, 6);
    assert_ip(c.ip, ip);
    assert_ip(c.mask, mask);
    assert_ip(c.gateway, gw);
}

static unsigned free_sockets(struct wf_fixture *f)
{
    unsigned n = 0;
    for (unsigned i = 0; i < f->chip.variant->sockets; i++) {
        n += f->net.socks[i].type == 0;
    }
    return n;
}

/* Poll with the clock `offset` ms ahead of the real one until something other
 * than 0 comes back (or `real_ms` of real time pass: then 0). */
static int poll_until(wf_dhcp_t *d, uint32_t offset, uint32_t real_ms)
{
    uint32_t end = mono_ms() + real_ms;
    while ((int32_t)(mono_ms() - end) < 0) {
        int rc = wf_dhcp_poll(d, mono_ms() + offset);
        if (rc != 0) {
            return rc;
        }
        usleep(1000);
    }
    return 0;
}

/* ---- client tests ---------------------------------------------------------------- */

static void test_acquire_good(void **state)
{
    struct wf_fixture *f = *state;
    struct server *s = srv_start(f, 0);
    s->t1 = 1000;
    s->t2 = 2000;
    srv_run(s);
    struct wf_dhcp_config cfg;
    fast_config(&cfg);
    wf_dhcp_t d;
    wf_dhcp_init(&d, &f->net, &cfg);
    assert_null(wf_dhcp_lease(&d));
    uint32_t t0 = mono_ms();
    assert_int_equal(wf_dhcp_acquire(&d, 2000), 0);
    assert_true(mono_ms() - t0 < 500);
    const struct wf_dhcp_lease *l = wf_dhcp_lease(&d);
    assert_non_null(l);
    assert_ip(l->ip, IP(10, 0, 0, 77));
    assert_ip(l->mask, IP(255, 255, 255, 0));
    assert_ip(l->router, IP(10, 0, 0, 254));
    assert_ip(l->server_id, IP(10, 0, 0, 1));
    assert_int_equal(l->dns_count, 1);
    assert_ip(l->dns[0], IP(10, 0, 0, 53));
    assert_int_equal(l->ntp_count, 1);
    assert_ip(l->ntp[0], IP(10, 0, 0, 123));
    assert_int_equal(l->lease_s, 3600);
    assert_int_equal(l->t1_s, 1000);
    assert_int_equal(l->t2_s, 2000);
    assert_int_equal(d.state, WF_DHCP_STATE_BOUND);
    assert_chip(f, IP(10, 0, 0, 77), IP(255, 255, 255, 0), IP(10, 0, 0, 254));
    /* The socket went back to the pool. */
    assert_int_equal(d.fd, -1);
    assert_int_equal(free_sockets(f), f->chip.variant->sockets);
    unsigned n = atomic_load(&s->nseen);
    srv_stop(s);
    assert_int_equal(n, 2);
    assert_int_equal(s->seen[0].type, WF_DHCP_DISCOVER);
    assert_false(s->seen[0].unicast);
    assert_true(s->seen[0].bcast_flag);
    assert_int_equal(s->seen[0].ciaddr, 0);
    assert_int_equal(s->seen[1].type, WF_DHCP_REQUEST);
    assert_false(s->seen[1].unicast);
    assert_true(s->seen[1].bcast_flag);
    assert_int_equal(s->seen[1].xid, s->seen[0].xid);
    assert_int_equal(s->seen[1].requested, IP(10, 0, 0, 77));
    assert_int_equal(s->seen[1].server_id, IP(10, 0, 0, 1));
    assert_int_equal(s->seen[1].ciaddr, 0);
    /* Polling a bound lease early does nothing. */
    assert_int_equal(wf_dhcp_poll(&d, mono_ms()), 0);
    wf_dhcp_free(&d);
}

static void test_acquire_backoff(void **state)
{
    struct wf_fixture *f = *state;
    struct server *s = srv_start(f, 0);
    s->ignore_discovers = 3;
    srv_run(s);
    struct wf_dhcp_config cfg;
    fast_config(&cfg);
    wf_dhcp_t d;
    wf_dhcp_init(&d, &f->net, &cfg);
    assert_int_equal(wf_dhcp_acquire(&d, 3000), 0);
    unsigned n = atomic_load(&s->nseen);
    srv_stop(s);
    assert_int_equal(n, 5); /* 4 DISCOVERs, 1 REQUEST */
    /* Waits of 40, 80, 160 ms, each +-5 ms (and a little scheduling slack). The
     * server stamps arrivals: a DISCOVER that took longer to write into the chip
     * than the next one (a loaded CI machine) shortens the gap it sees by that
     * difference, hence 10 ms of slack below as well. */
    const uint32_t want[3] = {40, 80, 160};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(s->seen[i].type, WF_DHCP_DISCOVER);
        assert_int_equal(s->seen[i].xid, s->seen[0].xid); /* retransmissions keep the xid */
        uint32_t gap = s->seen[i + 1].ms - s->seen[i].ms;
        print_message("gap %d: %u ms\n", i, gap);
        assert_true(gap + 5 + 10 >= want[i] && gap <= want[i] + 5 + 40);
    }
    wf_dhcp_free(&d);
}

static void test_acquire_no_server(void **state)
{
    struct wf_fixture *f = *state;
    struct server *s = srv_start(f, S_SILENT);
    srv_run(s);
    struct wf_dhcp_config cfg;
    fast_config(&cfg);
    wf_dhcp_t d;
    wf_dhcp_init(&d, &f->net, &cfg);
    uint32_t t0 = mono_ms();
    assert_int_equal(wf_dhcp_acquire(&d, 300), WF_EDHCP_NOSERVER);
    uint32_t took = mono_ms() - t0;
    assert_true(took >= 300 && took < 1000);
    assert_null(wf_dhcp_lease(&d));
    assert_int_equal(free_sockets(f), f->chip.variant->sockets);
    assert_chip(f, 0, 0, 0);
    unsigned n = atomic_load(&s->nseen);
    srv_stop(s);
    assert_true(n >= 3 && n <= 5); /* 0, 40, 120, 280 ms */
    /* A later attempt starts a fresh exchange. */
    struct server *s2 = srv_start(f, 0);
    srv_run(s2);
    assert_int_equal(wf_dhcp_acquire(&d, 2000), 0);
    srv_stop(s2);
    wf_dhcp_free(&d);
}

static void test_acquire_nak_then_ack(void **state)
{
    struct wf_fixture *f = *state;
    struct server *s = srv_start(f, S_NAK_FIRST_REQ);
    srv_run(s);
    struct wf_dhcp_config cfg;
    fast_config(&cfg);
    wf_dhcp_t d;
    wf_dhcp_init(&d, &f->net, &cfg);
    assert_int_equal(wf_dhcp_acquire(&d, 2000), 0);
    unsigned n = atomic_load(&s->nseen);
    srv_stop(s);
    assert_int_equal(n, 4); /* DISCOVER REQUEST(NAK) DISCOVER REQUEST(ACK) */
    assert_int_equal(s->seen[2].type, WF_DHCP_DISCOVER);
    assert_int_not_equal(s->seen[2].xid, s->seen[0].xid); /* a new exchange */
    /* After the NAK the client waited retry_initial_ms before rediscovering. */
    assert_true(s->seen[2].ms - s->seen[1].ms >= 35);
    assert_chip(f, IP(10, 0, 0, 77), IP(255, 255, 255, 0), IP(10, 0, 0, 254));
    wf_dhcp_free(&d);
}

static void test_acquire_only_nak(void **state)
{
    struct wf_fixture *f = *state;
    struct server *s = srv_start(f, S_NAK_ALL);
    srv_run(s);
    struct wf_dhcp_config cfg;
    fast_config(&cfg);
    wf_dhcp_t d;
    wf_dhcp_init(&d, &f->net, &cfg);
    assert_int_equal(wf_dhcp_acquire(&d, 300), WF_EDHCP_NAK);
    assert_chip(f, 0, 0, 0);
    assert_int_equal(free_sockets(f), f->chip.variant->sockets);
    srv_stop(s);
    wf_dhcp_free(&d);
}

static void test_acquire_ignores_foreign_and_bad(void **state)
{
    struct wf_fixture *f = *state;
    struct server *s = srv_start(f, S_JUNK_FIRST | S_OTHER_SERVER);
    srv_run(s);
    struct wf_dhcp_config cfg;
    fast_config(&cfg);
    wf_dhcp_t d;
    wf_dhcp_init(&d, &f->net, &cfg);
    assert_int_equal(wf_dhcp_acquire(&d, 2000), 0);
    srv_stop(s);
    /* The junk offered 10.0.0.66 and the other server's ACK named 10.0.0.9. */
    assert_ip(wf_dhcp_lease(&d)->ip, IP(10, 0, 0, 77));
    assert_ip(wf_dhcp_lease(&d)->server_id, IP(10, 0, 0, 1));
    assert_true(d.saw_bad); /* the message with our xid and MAC but no END */
    wf_dhcp_free(&d);
}

static void test_acquire_only_bad(void **state)
{
    struct wf_fixture *f = *state;
    struct server *s = srv_start(f, S_ONLY_BAD);
    srv_run(s);
    struct wf_dhcp_config cfg;
    fast_config(&cfg);
    wf_dhcp_t d;
    wf_dhcp_init(&d, &f->net, &cfg);
    assert_int_equal(wf_dhcp_acquire(&d, 200), WF_EDHCP_BADREPLY);
    srv_stop(s);
    wf_dhcp_free(&d);
}

/* ARP erratum: with a static configuration in place, the first poll already
 * has SIPR, SUBR and GAR at 0.0.0.0 (and the DISCOVER went out like that). */
static void test_erratum_subr_zero_while_sipr_zero(void **state)
{
    struct wf_fixture *f = *state;
    assert_chip(f, IP(10, 0, 0, 2), IP(255, 255, 255, 0), IP(10, 0, 0, 254)); /* the fixture's */
    struct server *s = srv_start(f, S_SILENT);
    srv_run(s);
    struct wf_dhcp_config cfg;
    fast_config(&cfg);
    wf_dhcp_t d;
    wf_dhcp_init(&d, &f->net, &cfg);
    assert_int_equal(wf_dhcp_poll(&d, mono_ms()), 0);
    assert_int_equal(d.state, WF_DHCP_STATE_SELECTING);
    assert_chip(f, 0, 0, 0);
    assert_int_equal(free_sockets(f), f->chip.variant->sockets - 1u);
    wf_dhcp_free(&d);
    assert_int_equal(free_sockets(f), f->chip.variant->sockets);
    srv_stop(s);
}

/* A lease with T1 = 100 s, T2 = 200 s, lease 300 s, in the poll's clock. */
static struct server *bound_lease(struct wf_fixture *f, unsigned flags, wf_dhcp_t *d)
{
    struct server *s = srv_start(f, flags);
    s->lease = 300;
    s->t1 = 100;
    s->t2 = 200;
    srv_run(s);
    struct wf_dhcp_config cfg;
    fast_config(&cfg);
    wf_dhcp_init(d, &f->net, &cfg);
    assert_int_equal(wf_dhcp_acquire(d, 2000), 0);
    assert_int_equal(atomic_load(&s->nseen), 2);
    return s;
}

static void test_renew_unicast_at_t1(void **state)
{
    struct wf_fixture *f = *state;
    wf_dhcp_t d;
    struct server *s = bound_lease(f, 0, &d);
    assert_int_equal(poll_until(&d, 99000, 50), 0); /* just before T1: nothing */
    assert_int_equal(d.state, WF_DHCP_STATE_BOUND);
    assert_int_equal(poll_until(&d, 100000, 2000), WF_DHCP_EV_BOUND);
    assert_int_equal(d.state, WF_DHCP_STATE_BOUND);
    assert_int_equal(d.fd, -1);
    unsigned n = atomic_load(&s->nseen);
    srv_stop(s);
    assert_int_equal(n, 3);
    const struct seen *r = &s->seen[2];
    assert_int_equal(r->type, WF_DHCP_REQUEST);
    assert_true(r->unicast);
    assert_false(r->bcast_flag);
    assert_int_equal(r->ciaddr, IP(10, 0, 0, 77));
    assert_int_equal(r->requested, 0);
    assert_int_equal(r->server_id, 0);
    assert_int_not_equal(r->xid, s->seen[0].xid);
    /* The lease restarted: the next renewal is 100 s after this one. */
    assert_int_equal(poll_until(&d, 150000, 50), 0);
    assert_int_equal(d.state, WF_DHCP_STATE_BOUND);
    assert_chip(f, IP(10, 0, 0, 77), IP(255, 255, 255, 0), IP(10, 0, 0, 254));
    wf_dhcp_free(&d);
}

static void test_rebind_broadcast_at_t2(void **state)
{
    struct wf_fixture *f = *state;
    wf_dhcp_t d;
    struct server *s = bound_lease(f, S_NO_UNICAST, &d);
    assert_int_equal(poll_until(&d, 100000, 200), 0); /* renewal unanswered */
    assert_int_equal(d.state, WF_DHCP_STATE_RENEWING);
    assert_int_equal(free_sockets(f), f->chip.variant->sockets - 1u);
    assert_int_equal(poll_until(&d, 200000, 2000), WF_DHCP_EV_BOUND);
    unsigned n = atomic_load(&s->nseen);
    srv_stop(s);
    assert_true(n >= 4);
    /* The renewal went unicast (its resend is due only after half the time to T2),
     * the rebinding REQUEST broadcast. */
    for (unsigned i = 2; i + 1 < n; i++) {
        assert_true(s->seen[i].unicast);
        assert_int_equal(s->seen[i].ciaddr, IP(10, 0, 0, 77));
    }
    const struct seen *rb = &s->seen[n - 1];
    assert_false(rb->unicast);
    assert_int_equal(rb->type, WF_DHCP_REQUEST);
    assert_int_equal(rb->ciaddr, IP(10, 0, 0, 77));
    assert_false(rb->bcast_flag);
    assert_int_equal(d.state, WF_DHCP_STATE_BOUND);
    assert_int_equal(free_sockets(f), f->chip.variant->sockets);
    wf_dhcp_free(&d);
}

static void test_renew_nak_restarts(void **state)
{
    struct wf_fixture *f = *state;
    wf_dhcp_t d;
    struct server *s = bound_lease(f, S_NAK_RENEW, &d);
    assert_int_equal(poll_until(&d, 100000, 2000), WF_DHCP_EV_NAK);
    assert_null(wf_dhcp_lease(&d));
    assert_chip(f, 0, 0, 0);
    assert_int_equal(d.state, WF_DHCP_STATE_INIT);
    /* Discovery starts over (after retry_initial_ms) and binds again. */
    assert_int_equal(poll_until(&d, 100000, 2000), WF_DHCP_EV_BOUND);
    assert_chip(f, IP(10, 0, 0, 77), IP(255, 255, 255, 0), IP(10, 0, 0, 254));
    srv_stop(s);
    wf_dhcp_free(&d);
}

static void test_lease_expiry(void **state)
{
    struct wf_fixture *f = *state;
    wf_dhcp_t d;
    struct server *s = bound_lease(f, S_ONE_LEASE, &d);
    assert_int_equal(poll_until(&d, 250000, 100), 0); /* rebinding, unanswered */
    assert_int_equal(d.state, WF_DHCP_STATE_REBINDING);
    assert_int_equal(poll_until(&d, 300000, 500), WF_DHCP_EV_EXPIRED);
    assert_null(wf_dhcp_lease(&d));
    assert_chip(f, 0, 0, 0);
    assert_int_equal(free_sockets(f), f->chip.variant->sockets);
    srv_stop(s);
    wf_dhcp_free(&d);
}

static void test_infinite_lease(void **state)
{
    struct wf_fixture *f = *state;
    struct server *s = srv_start(f, 0);
    s->lease = WF_DHCP_INFINITE;
    srv_run(s);
    struct wf_dhcp_config cfg;
    fast_config(&cfg);
    wf_dhcp_t d;
    wf_dhcp_init(&d, &f->net, &cfg);
    assert_int_equal(wf_dhcp_acquire(&d, 2000), 0);
    /* Polls spread over ~70 days of clock (wrapping the 32-bit ms clock). */
    for (uint32_t day = 0; day < 70; day++) {
        assert_int_equal(wf_dhcp_poll(&d, mono_ms() + day * 86400000u), 0);
    }
    assert_int_equal(d.state, WF_DHCP_STATE_BOUND);
    assert_int_equal(atomic_load(&s->nseen), 2);
    srv_stop(s);
    wf_dhcp_free(&d);
}

/* A lease longer than the 49-day wrap of the ms clock is renewed at T1, not early. */
static void test_long_lease_clock_wrap(void **state)
{
    struct wf_fixture *f = *state;
    struct server *s = srv_start(f, 0);
    s->lease = 200 * 86400; /* T1 = 100 days */
    srv_run(s);
    struct wf_dhcp_config cfg;
    fast_config(&cfg);
    wf_dhcp_t d;
    wf_dhcp_init(&d, &f->net, &cfg);
    assert_int_equal(wf_dhcp_acquire(&d, 2000), 0);
    uint32_t base = mono_ms();
    for (uint32_t day = 1; day < 100; day++) {
        assert_int_equal(wf_dhcp_poll(&d, base + day * 86400000u), 0);
    }
    assert_int_equal(d.state, WF_DHCP_STATE_BOUND);
    /* Day 100 (the clock wrapped twice): renewal. */
    uint32_t off = 100u * 86400000u + 1000u;
    assert_int_equal(poll_until(&d, off - (mono_ms() - base), 2000), WF_DHCP_EV_BOUND);
    assert_int_equal(atomic_load(&s->nseen), 3);
    srv_stop(s);
    wf_dhcp_free(&d);
}

static void test_no_free_socket(void **state)
{
    struct wf_fixture *f = *state;
    int fds[WF_CHIP_MAX_SOCKETS];
    unsigned k = f->chip.variant->sockets;
    for (unsigned i = 0; i < k; i++) {
        fds[i] = wf_net_socket(&f->net, WF_SOCK_DGRAM);
        assert_true(fds[i] >= 0);
    }
    struct wf_dhcp_config cfg;
    fast_config(&cfg);
    wf_dhcp_t d;
    wf_dhcp_init(&d, &f->net, &cfg);
    assert_int_equal(wf_dhcp_acquire(&d, 100), WF_EMFILE);
    assert_int_equal(d.fd, -1);
    for (unsigned i = 0; i < k; i++) {
        wf_net_close(&f->net, fds[i]);
    }
    /* Port 68 held by another socket. */
    int other = wf_net_socket(&f->net, WF_SOCK_DGRAM);
    assert_int_equal(wf_net_bind(&f->net, other, 68), 0);
    wf_dhcp_init(&d, &f->net, &cfg);
    assert_int_equal(wf_dhcp_poll(&d, mono_ms()), WF_EINVAL);
    assert_int_equal(free_sockets(f), k - 1);
    wf_net_close(&f->net, other);
    wf_dhcp_free(&d);
}

static int failing_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return WF_EIO;
}

static void test_entropy_failure(void **state)
{
    struct wf_fixture *f = *state;
    f->host.port.entropy = failing_entropy;
    struct wf_dhcp_config cfg;
    fast_config(&cfg);
    wf_dhcp_t d;
    wf_dhcp_init(&d, &f->net, &cfg);
    assert_int_equal(wf_dhcp_acquire(&d, 100), WF_ENOENTROPY);
    assert_int_equal(free_sockets(f), f->chip.variant->sockets);
    wf_dhcp_free(&d);
}

static void test_free_zeroed(void **state)
{
    (void)state;
    wf_dhcp_t d;
    memset(&d, 0, sizeof d);
    wf_dhcp_free(&d);
    wf_dhcp_free(NULL);
    struct wf_dhcp_config c;
    wf_dhcp_config_default(&c, MAC);
    assert_int_equal(c.retry_initial_ms, 4000);
    assert_int_equal(c.retry_max_ms, 64000);
    assert_int_equal(c.retry_jitter_ms, 1000);
    assert_int_equal(c.renew_retry_min_ms, 60000);
    assert_memory_equal(c.mac, MAC, 6);
}

/* ---- wf_netif_up: the bring-up over the client ------------------------------ */

static struct wf_netif_config netif_dhcp_config(void)
{
    struct wf_netif_config nc = {
        .use_dhcp = true,
        .address = {.mac = {0x02, 0x00, 0x5E, 0x10, 0x00, 0x02},
                    .ip = {10, 0, 0, 9},
                    .mask = {255, 255, 255, 0},
                    .gateway = {10, 0, 0, 254}},
        .dhcp_timeout_ms = 2000,
    };
    return nc;
}

/* Address and DNS from the lease; a second bring-up keeps the lease (no new
 * exchange) and gives a chip that was reset meanwhile its address again. */
static void test_netif_dhcp_lease_kept(void **state)
{
    struct wf_fixture *f = *state;
    struct server *s = srv_start(f, 0);
    srv_run(s);
    struct wf_netif_config nc = netif_dhcp_config();
    wf_dhcp_t d;
    memset(&d, 0, sizeof d);
    struct wf_netif_result r;
    assert_int_equal(wf_netif_up(&f->chip, &f->net, &d, &nc, &r), 0);
    assert_int_equal(r.address_from, WF_NETIF_DHCP);
    assert_false(r.lease_renewed);
    assert_int_equal(r.dns_from, WF_NETIF_DHCP);
    assert_int_equal(r.dns_count, 1);
    assert_ip(r.dns[0].ip, IP(10, 0, 0, 53));
    assert_int_equal(r.dns[0].port, 53);
    assert_int_equal(r.ntp_from, WF_NETIF_NONE); /* option 42 not asked for */
    assert_int_equal(r.sntp_rc, WF_ESNTP_NOSERVER);
    assert_chip(f, IP(10, 0, 0, 77), IP(255, 255, 255, 0), IP(10, 0, 0, 254));
    unsigned exchanged = atomic_load(&s->nseen);
    assert_int_equal(exchanged, 2);

    const struct wf_chip_netcfg wiped = {.mac = {0x02, 0x00, 0x5E, 0x10, 0x00, 0x02}};
    assert_int_equal(wf_chip_set_netcfg(&f->chip, &wiped), 0); /* as after a chip reset */
    assert_int_equal(wf_netif_up(&f->chip, &f->net, &d, &nc, &r), 0);
    assert_true(r.lease_renewed);
    assert_int_equal(r.address_from, WF_NETIF_DHCP);
    assert_chip(f, IP(10, 0, 0, 77), IP(255, 255, 255, 0), IP(10, 0, 0, 254));
    srv_stop(s);
    assert_int_equal(atomic_load(&s->nseen), exchanged); /* nothing sent: T1 is far */
    wf_dhcp_free(&d);
}

/* Configured DNS servers win over the lease's; without DHCP the static address. */
static void test_netif_static_and_configured_dns(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_netif_config nc = netif_dhcp_config();
    nc.use_dhcp = false;
    nc.dns[0] = (wf_sockaddr_t){{10, 0, 0, 99}, 0};
    nc.dns_count = 1;
    wf_dhcp_t d;
    memset(&d, 0, sizeof d);
    struct wf_netif_result r;
    assert_int_equal(wf_netif_up(&f->chip, &f->net, &d, &nc, &r), 0);
    assert_int_equal(r.address_from, WF_NETIF_CONFIG);
    assert_int_equal(r.dns_from, WF_NETIF_CONFIG);
    assert_ip(r.dns[0].ip, IP(10, 0, 0, 99));
    assert_int_equal(r.dns[0].port, 53); /* port 0 = 53 */
    assert_chip(f, IP(10, 0, 0, 9), IP(255, 255, 255, 0), IP(10, 0, 0, 254));
}

/* No DHCP server: the static fallback when allowed, else the DHCP error; the
 * whole call stays within total_ms. */
static void test_netif_no_server(void **state)
{
    struct wf_fixture *f = *state;
    struct server *s = srv_start(f, S_SILENT);
    srv_run(s);
    struct wf_netif_config nc = netif_dhcp_config();
    nc.dhcp_timeout_ms = 300;
    wf_dhcp_t d;
    memset(&d, 0, sizeof d);
    struct wf_netif_result r;
    assert_int_equal(wf_netif_up(&f->chip, &f->net, &d, &nc, &r), WF_EDHCP_NOSERVER);
    nc.static_fallback = true;
    assert_int_equal(wf_netif_up(&f->chip, &f->net, &d, &nc, &r), 0);
    assert_int_equal(r.address_from, WF_NETIF_CONFIG);
    assert_int_equal(r.dhcp_rc, WF_EDHCP_NOSERVER);
    assert_chip(f, IP(10, 0, 0, 9), IP(255, 255, 255, 0), IP(10, 0, 0, 254));
    nc.static_fallback = false;
    nc.dhcp_timeout_ms = 5000;
    nc.total_ms = 250;
    uint32_t t0 = mono_ms();
    assert_int_equal(wf_netif_up(&f->chip, &f->net, &d, &nc, &r), WF_ETIMEDOUT);
    uint32_t took = mono_ms() - t0;
    assert_true(took >= 250 && took < 1000);
    srv_stop(s);
    wf_dhcp_free(&d);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, wf_fixture_setup, wf_fixture_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_discover),
        cmocka_unit_test(test_build_request),
        cmocka_unit_test(test_parse_full_offer),
        cmocka_unit_test(test_parse_lists_pad_unknown),
        cmocka_unit_test(test_parse_t1_t2),
        cmocka_unit_test(test_parse_nak_and_other_types),
        cmocka_unit_test(test_parse_overload),
        cmocka_unit_test(test_parse_bad_header),
        cmocka_unit_test(test_parse_bad_options),
        cmocka_unit_test(test_parse_bad_yiaddr),
        cmocka_unit_test(test_parse_random_bytes),
        cmocka_unit_test(test_free_zeroed),
        T(test_netif_dhcp_lease_kept),
        T(test_netif_static_and_configured_dns),
        T(test_netif_no_server),
        T(test_acquire_good),
        T(test_acquire_backoff),
        T(test_acquire_no_server),
        T(test_acquire_nak_then_ack),
        T(test_acquire_only_nak),
        T(test_acquire_ignores_foreign_and_bad),
        T(test_acquire_only_bad),
        T(test_erratum_subr_zero_while_sipr_zero),
        T(test_renew_unicast_at_t1),
        T(test_rebind_broadcast_at_t2),
        T(test_renew_nak_restarts),
        T(test_lease_expiry),
        T(test_infinite_lease),
        T(test_long_lease_clock_wrap),
        T(test_no_free_socket),
        T(test_entropy_failure),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
