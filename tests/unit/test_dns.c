/* DNS: query encoding byte by byte, the reply parser against hand-built good
 * and malformed messages, and the resolver end to end through the chip model
 * to real UDP responders (kernel sockets on 127.0.0.1, one thread each). */
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
#include "wizfetch/dns.h"

#define ID 0x1234

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

static void mb_u16(struct mb *m, uint16_t v)
{
    mb_u8(m, (uint8_t)(v >> 8));
    mb_u8(m, (uint8_t)v);
}

static void mb_u32(struct mb *m, uint32_t v)
{
    mb_u16(m, (uint16_t)(v >> 16));
    mb_u16(m, (uint16_t)v);
}

/* Labels of dotted `text` without the terminating zero (for a pointer after). */
static void mb_labels(struct mb *m, const char *text)
{
    while (*text != '\0') {
        const char *dot = strchr(text, '.');
        size_t n = dot ? (size_t)(dot - text) : strlen(text);
        mb_u8(m, (uint8_t)n);
        for (size_t i = 0; i < n; i++) {
            mb_u8(m, (uint8_t)text[i]);
        }
        text += n + (dot ? 1 : 0);
    }
}

static void mb_name(struct mb *m, const char *text)
{
    mb_labels(m, text);
    mb_u8(m, 0);
}

static void mb_ptr(struct mb *m, uint16_t off)
{
    mb_u16(m, (uint16_t)(0xC000 | off));
}

static void mb_header(struct mb *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an)
{
    m->n = 0;
    mb_u16(m, id);
    mb_u16(m, flags);
    mb_u16(m, qd);
    mb_u16(m, an);
    mb_u16(m, 0);
    mb_u16(m, 0);
}

static void mb_set16(struct mb *m, size_t off, uint16_t v)
{
    m->b[off] = (uint8_t)(v >> 8);
    m->b[off + 1] = (uint8_t)v;
}

/* Header (QR RD RA, `rcode`), question `qname` A IN at offset 12. */
static void mb_reply(struct mb *m, uint16_t rcode, uint16_t an, const char *qname)
{
    mb_header(m, ID, (uint16_t)(0x8180 | rcode), 1, an);
    mb_name(m, qname);
    mb_u16(m, 1);
    mb_u16(m, 1);
}

/* Fixed part of a record after its owner name. */
static void mb_rr_fixed(struct mb *m, uint16_t type, uint16_t rdlen)
{
    mb_u16(m, type);
    mb_u16(m, 1);
    mb_u32(m, 300);
    mb_u16(m, rdlen);
}

static void mb_a(struct mb *m, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    mb_rr_fixed(m, 1, 4);
    mb_u8(m, a);
    mb_u8(m, b);
    mb_u8(m, c);
    mb_u8(m, d);
}

/* A CNAME record's fixed part + uncompressed target; returns the RDATA offset. */
static size_t mb_cname(struct mb *m, const char *target)
{
    size_t len = strlen(target) + 2;
    mb_rr_fixed(m, 5, (uint16_t)len);
    size_t at = m->n;
    mb_name(m, target);
    return at;
}

static int parse(const struct mb *m, const char *host, uint8_t (*addrs)[4], size_t max)
{
    return wf_dns_answer_parse(m->b, m->n, ID, host, addrs, max);
}

static int parse1(const struct mb *m, const char *host)
{
    uint8_t addrs[4][4];
    return parse(m, host, addrs, 4);
}

static void assert_ip(const uint8_t ip[4], uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    const uint8_t want[4] = {a, b, c, d};
    assert_memory_equal(ip, want, 4);
}

/* ---- query ---------------------------------------------------------------- */

static void test_query_bytes(void **state)
{
    (void)state;
    uint8_t buf[WF_DNS_QUERY_MAX];
    static const uint8_t want[] = {
        0xBE, 0xEF, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* header, RD */
        3,    'w',  'w',  'w',  7,    'E',  'x',  'a',  'm',  'p',  'l',  'e',
        3,    'c',  'o',  'm',  0,    0x00, 0x01, 0x00, 0x01, /* A, IN */
    };
    assert_int_equal(wf_dns_query_build(buf, sizeof buf, 0xBEEF, "www.Example.com"), (int)sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    /* The trailing dot is the same name. */
    assert_int_equal(wf_dns_query_build(buf, sizeof buf, 0xBEEF, "www.Example.com."), (int)sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    static const uint8_t one[] = {0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1};
    assert_int_equal(wf_dns_query_build(buf, sizeof buf, 7, "a"), (int)sizeof one);
    assert_memory_equal(buf, one, sizeof one);
    /* Exactly enough room, and one byte less. */
    assert_int_equal(wf_dns_query_build(buf, sizeof one, 7, "a"), (int)sizeof one);
    assert_int_equal(wf_dns_query_build(buf, sizeof one - 1, 7, "a"), WF_ENOMEM);
}

/* Name of `total` characters made of 63-character labels (last one shorter). */
static void long_name(char *out, size_t total)
{
    for (size_t i = 0; i < total; i++) {
        out[i] = (i % 64 == 63) ? '.' : 'a';
    }
    out[total] = '\0';
}

static void test_name_validation(void **state)
{
    (void)state;
    uint8_t buf[WF_DNS_QUERY_MAX];
    static const char *const good[] = {"a",     "A-1.b",           "x.y.z.", "_acme-challenge.example.org",
                                       "1a.2b", "xn--bcher-kva.de"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_true(wf_dns_query_build(buf, sizeof buf, 1, good[i]) > 0);
    }
    static const char *const bad[] = {"",       ".",    "..",    "a..b",    ".a",  "a.b..",
                                      "-a.b",   "a-.b", "a.-b",  "a b",     "a/b", "caf\xc3\xa9",
                                      "a*.com", "a:80", "a.b/c", "tab\t.x", "@",   "a.b.c.d-"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(wf_dns_query_build(buf, sizeof buf, 1, bad[i]), WF_EDNS_BADNAME);
    }
    char name[300];
    /* Label of 63 is fine, 64 is not. */
    memset(name, 'a', 63);
    strcpy(name + 63, ".com");
    assert_int_equal(wf_dns_query_build(buf, sizeof buf, 1, name), 12 + (1 + 63) + (1 + 3) + 1 + 4);
    memset(name, 'a', 64);
    strcpy(name + 64, ".com");
    assert_int_equal(wf_dns_query_build(buf, sizeof buf, 1, name), WF_EDNS_BADNAME);
    /* 253 characters is the longest name (255 on the wire), also with its dot. */
    long_name(name, 253);
    assert_int_equal(wf_dns_query_build(buf, sizeof buf, 1, name), WF_DNS_QUERY_MAX);
    strcat(name, ".");
    assert_int_equal(wf_dns_query_build(buf, sizeof buf, 1, name), WF_DNS_QUERY_MAX);
    long_name(name, 254);
    assert_int_equal(wf_dns_query_build(buf, sizeof buf, 1, name), WF_EDNS_BADNAME);
    /* The parser validates the host as well. */
    struct mb m;
    mb_reply(&m, 0, 0, "a..b");
    assert_int_equal(parse1(&m, "a..b"), WF_EDNS_BADNAME);
}

/* ---- good answers --------------------------------------------------------- */

static void test_parse_good(void **state)
{
    (void)state;
    struct mb m;
    mb_reply(&m, 0, 1, "example.com");
    mb_ptr(&m, 12);
    mb_a(&m, 93, 184, 216, 34);
    uint8_t addrs[4][4];
    assert_int_equal(parse(&m, "example.com", addrs, 4), 1);
    assert_ip(addrs[0], 93, 184, 216, 34);
    /* Trailing dot and case do not matter. */
    assert_int_equal(parse(&m, "EXAMPLE.Com.", addrs, 4), 1);
    /* Authority and additional sections are not read: garbage there is harmless. */
    mb_set16(&m, 8, 3);
    mb_u8(&m, 0xFF);
    assert_int_equal(parse(&m, "example.com", addrs, 4), 1);
}

static void test_parse_multiple(void **state)
{
    (void)state;
    struct mb m;
    mb_reply(&m, 0, 4, "Multi.Example");
    mb_ptr(&m, 12);
    mb_a(&m, 10, 0, 0, 1);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, 28, 16); /* AAAA: skipped */
    for (int i = 0; i < 16; i++) {
        mb_u8(&m, (uint8_t)i);
    }
    mb_name(&m, "multi.EXAMPLE"); /* uncompressed, other case */
    mb_a(&m, 10, 0, 0, 2);
    mb_ptr(&m, 12);
    mb_a(&m, 10, 0, 0, 3);
    uint8_t addrs[8][4];
    assert_int_equal(parse(&m, "multi.example", addrs, 8), 3);
    assert_ip(addrs[0], 10, 0, 0, 1);
    assert_ip(addrs[1], 10, 0, 0, 2);
    assert_ip(addrs[2], 10, 0, 0, 3);
    memset(addrs, 0, sizeof addrs);
    assert_int_equal(parse(&m, "multi.example", addrs, 2), 2);
    assert_ip(addrs[0], 10, 0, 0, 1);
    assert_ip(addrs[1], 10, 0, 0, 2);
    assert_ip(addrs[2], 0, 0, 0, 0); /* nothing written past max */
}

static void test_parse_cname_chain(void **state)
{
    (void)state;
    struct mb m;
    /* www.example.com CNAME edge.cdn.net CNAME host7.cdn.net A 1.2.3.4, with
     * decoys: an A for the query name itself (not the chain's end), an A for
     * an unrelated name, and an A for the middle of the chain. */
    mb_reply(&m, 0, 6, "www.example.com");
    mb_ptr(&m, 12);
    size_t edge = mb_cname(&m, "edge.cdn.net");
    mb_ptr(&m, 12);
    mb_a(&m, 6, 6, 6, 1);
    mb_name(&m, "other.net");
    mb_a(&m, 6, 6, 6, 2);
    mb_ptr(&m, (uint16_t)edge);
    mb_a(&m, 6, 6, 6, 3);
    mb_ptr(&m, (uint16_t)edge);
    /* host7 + pointer to "cdn.net" inside the first target: compressed RDATA. */
    mb_rr_fixed(&m, 5, 8);
    size_t host7 = m.n;
    mb_labels(&m, "host7");
    mb_ptr(&m, (uint16_t)(edge + 5));
    mb_ptr(&m, (uint16_t)host7);
    mb_a(&m, 1, 2, 3, 4);
    uint8_t addrs[4][4];
    assert_int_equal(parse(&m, "www.example.com", addrs, 4), 1);
    assert_ip(addrs[0], 1, 2, 3, 4);
}

static void test_parse_cname_any_order(void **state)
{
    (void)state;
    struct mb m;
    /* The A record first, then the links in reverse order, all uncompressed. */
    mb_reply(&m, 0, 3, "a.test");
    mb_name(&m, "C.test");
    mb_a(&m, 9, 9, 9, 9);
    mb_name(&m, "b.test");
    mb_cname(&m, "c.test");
    mb_name(&m, "A.TEST");
    mb_cname(&m, "B.Test");
    uint8_t addrs[4][4];
    assert_int_equal(parse(&m, "a.test", addrs, 4), 1);
    assert_ip(addrs[0], 9, 9, 9, 9);
}

/* a0 -> a1 -> ... -> a<links>, A 7.7.7.7 on the last; `loop` points the last back to a0. */
static void build_chain(struct mb *m, int links, bool loop)
{
    char from[16], to[16];
    mb_reply(m, 0, (uint16_t)(links + 1), "a0.x");
    for (int i = 0; i < links; i++) {
        snprintf(from, sizeof from, "a%d.x", i);
        snprintf(to, sizeof to, "a%d.x", i + 1);
        mb_name(m, from);
        mb_cname(m, to);
    }
    snprintf(from, sizeof from, "a%d.x", links);
    mb_name(m, from);
    if (loop) {
        mb_cname(m, "a0.x");
    } else {
        mb_a(m, 7, 7, 7, 7);
    }
}

static void test_parse_cname_bounds(void **state)
{
    (void)state;
    struct mb m;
    build_chain(&m, WF_DNS_MAX_CNAME, false);
    assert_int_equal(parse1(&m, "a0.x"), 1);
    build_chain(&m, WF_DNS_MAX_CNAME + 1, false);
    assert_int_equal(parse1(&m, "a0.x"), WF_EDNS_BADREPLY);
    build_chain(&m, 2, true); /* a0 -> a1 -> a2 -> a0 */
    assert_int_equal(parse1(&m, "a0.x"), WF_EDNS_BADREPLY);
    /* A self-referencing CNAME. */
    mb_reply(&m, 0, 1, "self.x");
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, 5, 2);
    mb_ptr(&m, 12);
    assert_int_equal(parse1(&m, "self.x"), WF_EDNS_BADREPLY);
    /* A chain that ends at a name without an A record. */
    mb_reply(&m, 0, 2, "w.x");
    mb_ptr(&m, 12);
    mb_cname(&m, "z.y");
    mb_ptr(&m, 12);
    mb_a(&m, 1, 1, 1, 1);
    assert_int_equal(parse1(&m, "w.x"), WF_EDNS_NODATA);
}

static void test_parse_compression(void **state)
{
    (void)state;
    struct mb m;
    /* Owner "www" + pointer to "example.com" inside the question (offset 16). */
    mb_reply(&m, 0, 2, "api.example.com");
    mb_labels(&m, "api");
    mb_ptr(&m, 16);
    mb_a(&m, 1, 1, 1, 1);
    /* Pointer to a name that itself ends in a pointer: the first owner. */
    mb_ptr(&m, (uint16_t)(12 + 17 + 4));
    mb_a(&m, 2, 2, 2, 2);
    uint8_t addrs[4][4];
    assert_int_equal(parse(&m, "api.example.com", addrs, 4), 2);
    assert_ip(addrs[0], 1, 1, 1, 1);
    assert_ip(addrs[1], 2, 2, 2, 2);
}

/* ---- RCODE, TC, NODATA ---------------------------------------------------- */

static void test_parse_rcodes(void **state)
{
    (void)state;
    static const struct {
        uint16_t rcode;
        int want;
    } cases[] = {
        {1, WF_EDNS_REFUSED}, {2, WF_EDNS_SERVFAIL}, {3, WF_EDNS_NXDOMAIN}, {4, WF_EDNS_REFUSED},
        {5, WF_EDNS_REFUSED}, {9, WF_EDNS_REFUSED},  {15, WF_EDNS_REFUSED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mb m;
        mb_reply(&m, cases[i].rcode, 0, "n.example");
        assert_int_equal(parse1(&m, "n.example"), cases[i].want);
    }
    /* NOERROR: no records, or only records of other types/names. */
    struct mb m;
    mb_reply(&m, 0, 0, "n.example");
    assert_int_equal(parse1(&m, "n.example"), WF_EDNS_NODATA);
    mb_reply(&m, 0, 2, "n.example");
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, 16, 3); /* TXT */
    mb_u8(&m, 2);
    mb_u8(&m, 'h');
    mb_u8(&m, 'i');
    mb_name(&m, "m.example");
    mb_a(&m, 1, 2, 3, 4);
    assert_int_equal(parse1(&m, "n.example"), WF_EDNS_NODATA);
    /* An A record of another class is not an A record for us. */
    mb_reply(&m, 0, 1, "n.example");
    mb_ptr(&m, 12);
    mb_u16(&m, 1);
    mb_u16(&m, 3); /* CHAOS */
    mb_u32(&m, 0);
    mb_u16(&m, 4);
    mb_u32(&m, 0x01020304);
    assert_int_equal(parse1(&m, "n.example"), WF_EDNS_NODATA);
}

static void test_parse_truncated_flag(void **state)
{
    (void)state;
    struct mb m;
    mb_reply(&m, 0, 1, "big.example");
    mb_set16(&m, 2, 0x8380); /* QR TC RD RA */
    mb_ptr(&m, 12);
    mb_a(&m, 1, 2, 3, 4);
    assert_int_equal(parse1(&m, "big.example"), WF_EDNS_TRUNCATED);
    m.n = 12 + 13 + 4; /* the usual TC reply: answer section cut away */
    assert_int_equal(parse1(&m, "big.example"), WF_EDNS_TRUNCATED);
}

/* ---- malformed ------------------------------------------------------------ */

/* A good one-record reply for "ok.test" to start each malformed case from. */
static void good(struct mb *m)
{
    mb_reply(m, 0, 1, "ok.test");
    mb_ptr(m, 12);
    mb_a(m, 5, 5, 5, 5);
}

static void test_malformed_header_question(void **state)
{
    (void)state;
    struct mb m;
    good(&m);
    assert_int_equal(parse1(&m, "ok.test"), 1);
    /* Header shorter than 12 bytes; empty datagram. */
    for (size_t n = 0; n < 12; n++) {
        assert_int_equal(wf_dns_answer_parse(m.b, n, ID, "ok.test", (uint8_t(*)[4])m.b, 1) < 0, true);
    }
    uint8_t a[1][4];
    assert_int_equal(wf_dns_answer_parse(NULL, 0, ID, "ok.test", a, 1), WF_EDNS_BADREPLY);
    assert_int_equal(wf_dns_answer_parse(m.b, 11, ID, "ok.test", a, 1), WF_EDNS_BADREPLY);
    /* Every truncation of the message is malformed. */
    for (size_t n = 12; n < m.n; n++) {
        assert_int_equal(wf_dns_answer_parse(m.b, n, ID, "ok.test", a, 1), WF_EDNS_BADREPLY);
    }
    /* Wrong ID. */
    assert_int_equal(wf_dns_answer_parse(m.b, m.n, ID ^ 1, "ok.test", a, 1), WF_EDNS_BADREPLY);
    /* QR clear (a query, not a response). */
    good(&m);
    mb_set16(&m, 2, 0x0180);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* OPCODE 1 (inverse query) and 2 (status). */
    mb_set16(&m, 2, 0x8980);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    mb_set16(&m, 2, 0x9180);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* QDCOUNT 0 and 2. */
    good(&m);
    mb_set16(&m, 4, 0);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    mb_set16(&m, 4, 2);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* Another question: name, prefix/suffix of the name, QTYPE, QCLASS. */
    good(&m);
    assert_int_equal(parse1(&m, "ok.tesT"), 1);
    assert_int_equal(parse1(&m, "ok.tost"), WF_EDNS_BADREPLY);
    assert_int_equal(parse1(&m, "ok"), WF_EDNS_BADREPLY);
    assert_int_equal(parse1(&m, "ok.test.x"), WF_EDNS_BADREPLY);
    assert_int_equal(parse1(&m, "x.ok.test"), WF_EDNS_BADREPLY);
    assert_int_equal(parse1(&m, "oktest"), WF_EDNS_BADREPLY);
    mb_set16(&m, 12 + 9, 28);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    good(&m);
    mb_set16(&m, 12 + 11, 3);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* The question may not use a pointer (nothing before it to point to). */
    mb_header(&m, ID, 0x8180, 1, 0);
    mb_labels(&m, "ok");
    mb_ptr(&m, 2);
    mb_u16(&m, 1);
    mb_u16(&m, 1);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* An RCODE does not excuse a wrong question. */
    mb_reply(&m, 3, 0, "other.test");
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
}

static void test_malformed_pointers(void **state)
{
    (void)state;
    struct mb m;
    const size_t owner = 12 + 9 + 4; /* first answer's owner name */
    /* Pointer to itself. */
    good(&m);
    mb_set16(&m, owner, (uint16_t)(0xC000 | owner));
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* Forward pointer (to the record's own TYPE field and beyond). */
    mb_set16(&m, owner, (uint16_t)(0xC000 | (owner + 2)));
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* Out of range, and into the header. */
    mb_set16(&m, owner, 0xFFFF);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    mb_set16(&m, owner, 0xC000 | 4);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* Two names pointing at each other: x -> y -> x. */
    mb_reply(&m, 0, 2, "ok.test");
    size_t x = m.n;
    mb_labels(&m, "p");
    mb_ptr(&m, (uint16_t)(x + 2 + 2 + 10 + 4 + 2)); /* y, later: forward */
    mb_a(&m, 1, 1, 1, 1);
    mb_labels(&m, "q");
    mb_ptr(&m, (uint16_t)x);
    mb_a(&m, 1, 1, 1, 1);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* A loop made only of backward-looking jumps: label at L, pointer after it back to L. */
    mb_reply(&m, 0, 1, "ok.test");
    size_t l = m.n;
    mb_labels(&m, "r");
    mb_ptr(&m, (uint16_t)l);
    mb_a(&m, 1, 1, 1, 1);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* Pointer truncated: only its first byte present. */
    good(&m);
    m.n = owner + 1;
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
}

static void test_malformed_labels_and_names(void **state)
{
    (void)state;
    struct mb m;
    const size_t owner = 12 + 9 + 4;
    /* Length bytes 64 (0x40) and 128 (0x80): over 63, or reserved label types. */
    static const uint8_t bad_len[] = {0x40, 0x7F, 0x80, 0xBF};
    for (size_t i = 0; i < sizeof bad_len; i++) {
        mb_reply(&m, 0, 1, "ok.test");
        mb_u8(&m, bad_len[i]);
        for (int k = 0; k < 0x7F; k++) {
            mb_u8(&m, 'a');
        }
        mb_u8(&m, 0);
        mb_a(&m, 1, 1, 1, 1);
        assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    }
    /* A 64-byte label in the question. */
    mb_header(&m, ID, 0x8180, 1, 0);
    mb_u8(&m, 64);
    for (int k = 0; k < 64; k++) {
        mb_u8(&m, 'a');
    }
    mb_u8(&m, 0);
    mb_u16(&m, 1);
    mb_u16(&m, 1);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* A label running past the end. */
    good(&m);
    m.b[owner] = 10;
    m.n = owner + 5;
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* 256 bytes on the wire written out: 4 labels of 63 + 1 + 0 = 257. */
    char big[300];
    mb_reply(&m, 0, 1, "ok.test");
    for (int k = 0; k < 4; k++) {
        memset(big, 'b', 63);
        big[63] = '\0';
        mb_labels(&m, big);
    }
    mb_name(&m, "c");
    mb_a(&m, 1, 1, 1, 1);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* Exactly 255 (3 x 64 + 62 + 1) is fine for a record we then ignore. */
    mb_reply(&m, 0, 2, "ok.test");
    for (int k = 0; k < 3; k++) {
        mb_labels(&m, big);
    }
    big[61] = '\0';
    mb_name(&m, big);
    mb_a(&m, 1, 1, 1, 1);
    mb_ptr(&m, 12);
    mb_a(&m, 2, 2, 2, 2);
    uint8_t addrs[2][4];
    assert_int_equal(parse(&m, "ok.test", addrs, 2), 1);
    assert_ip(addrs[0], 2, 2, 2, 2);
    /* Over 255 only through compression: each name adds 64 to the previous.
     * The names live inside an AAAA record's RDATA (skipped), the A record's
     * owner points at them. */
    memset(big, 'd', 63);
    big[63] = '\0';
    struct mb v;
    mb_reply(&v, 0, 2, "ok.test");
    mb_ptr(&v, 12);
    size_t rdlen_at = v.n + 8;
    mb_rr_fixed(&v, 28, 0);
    size_t r1 = v.n;
    mb_name(&v, big);
    size_t r2 = v.n;
    mb_labels(&v, big);
    mb_ptr(&v, (uint16_t)r1);
    size_t r3 = v.n;
    mb_labels(&v, big);
    mb_ptr(&v, (uint16_t)r2);
    size_t r4 = v.n;
    mb_labels(&v, big);
    mb_ptr(&v, (uint16_t)r3);
    mb_set16(&v, rdlen_at, (uint16_t)(v.n - r1));
    size_t before = v.n;
    mb_ptr(&v, (uint16_t)r3); /* 193 bytes: fine */
    mb_a(&v, 3, 3, 3, 3);
    assert_int_equal(parse1(&v, "ok.test"), WF_EDNS_NODATA);
    v.n = before;
    mb_ptr(&v, (uint16_t)r4); /* 257 bytes */
    mb_a(&v, 3, 3, 3, 3);
    assert_int_equal(parse1(&v, "ok.test"), WF_EDNS_BADREPLY);
}

static void test_malformed_records(void **state)
{
    (void)state;
    struct mb m;
    const size_t fixed = 12 + 9 + 4 + 2; /* first answer's TYPE */
    /* RDLENGTH of an A record other than 4. */
    static const uint16_t lens[] = {0, 3, 5, 16};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        mb_reply(&m, 0, 1, "ok.test");
        mb_ptr(&m, 12);
        mb_rr_fixed(&m, 1, lens[i]);
        for (uint16_t k = 0; k < lens[i]; k++) {
            mb_u8(&m, 1);
        }
        assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    }
    /* ... also when the bad A record is for another name. */
    mb_reply(&m, 0, 2, "ok.test");
    mb_ptr(&m, 12);
    mb_a(&m, 1, 1, 1, 1);
    mb_name(&m, "else.test");
    mb_rr_fixed(&m, 1, 2);
    mb_u16(&m, 0);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* RDLENGTH past the end of the message. */
    good(&m);
    mb_set16(&m, fixed + 8, 5);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* ANCOUNT larger than the records present. */
    good(&m);
    mb_set16(&m, 6, 2);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    mb_set16(&m, 6, 0xFFFF);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* A CNAME whose target does not fill its RDATA exactly, or runs past it. */
    mb_reply(&m, 0, 1, "ok.test");
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, 5, 6);
    mb_name(&m, "a.b"); /* 5 bytes */
    mb_u8(&m, 0);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    mb_reply(&m, 0, 1, "ok.test");
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, 5, 3);
    mb_name(&m, "a.b");
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
    /* An unknown record with a malformed owner spoils the answer too. */
    mb_reply(&m, 0, 2, "ok.test");
    mb_ptr(&m, 12);
    mb_a(&m, 1, 1, 1, 1);
    mb_u8(&m, 0x40);
    mb_u8(&m, 0);
    mb_rr_fixed(&m, 99, 0);
    assert_int_equal(parse1(&m, "ok.test"), WF_EDNS_BADREPLY);
}

/* Deterministic junk must never crash the parser or be accepted. */
static void test_parse_random_bytes(void **state)
{
    (void)state;
    uint32_t x = 0x9E3779B9u;
    uint8_t buf[600];
    uint8_t addrs[4][4];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(round % 600);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            buf[i] = (uint8_t)x;
        }
        /* Give some of them a plausible header so the deeper code runs. */
        if (n >= 12 && (round & 1)) {
            buf[0] = ID >> 8;
            buf[1] = ID & 0xFF;
            buf[2] = 0x81;
            buf[3] = 0x80;
            buf[4] = 0;
            buf[5] = 1;
        }
        int rc = wf_dns_answer_parse(buf, n, ID, "ok.test", addrs, 4);
        assert_true(rc < 0 || (rc >= 1 && rc <= 4));
    }
}

/* ---- resolver end to end -------------------------------------------------- */

enum act {
    ACT_GOOD,
    ACT_NXDOMAIN,
    ACT_SERVFAIL,
    ACT_REFUSED,
    ACT_NODATA,
    ACT_TC,
    ACT_SILENT,
    ACT_WRONG_ID_FIRST,       /* a reply with another ID (and address), then the good one */
    ACT_WRONG_PORT_FIRST,     /* a reply from another port (and address), then the good one */
    ACT_WRONG_PORT_ONLY,      /* only the reply from another port */
    ACT_GARBAGE,              /* random bytes only */
    ACT_GARBAGE_FIRST,        /* random bytes, then the good reply */
    ACT_OTHER_QUESTION_FIRST, /* right ID, another question, then the good one */
    ACT_CNAME,                /* "target.test": the address; any other name: only a CNAME to it */
    ACT_CNAME_ENDLESS,        /* only a CNAME, to a new name every time */
};

#define MAX_SEEN 16

struct responder {
    int fd, alt_fd;
    uint16_t port;
    enum act script[4];
    size_t nscript;
    uint8_t addr[4];
    atomic_uint queries;
    uint16_t ids[MAX_SEEN];
    atomic_bool stop;
    pthread_t thread;
};

static int udp_bind_loopback(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t alen = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* The reply to `q` (a query of `qlen` bytes): header + question copied. */
static size_t make_reply(const uint8_t *q, size_t qlen, uint8_t *r, uint16_t rcode, const uint8_t addr[4])
{
    memcpy(r, q, qlen);
    r[2] = (uint8_t)(0x81 | (q[2] & 0x01));
    r[3] = (uint8_t)(0x80 | rcode);
    r[6] = 0;
    r[7] = addr != NULL ? 1 : 0;
    size_t n = qlen;
    if (addr != NULL) {
        static const uint8_t rr[] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
        memcpy(r + n, rr, sizeof rr);
        n += sizeof rr;
        memcpy(r + n, addr, 4);
        n += 4;
    }
    return n;
}

/* The reply to `q`: NOERROR, one answer record: a CNAME from the question's
 * name to `target`, and no address. */
static size_t make_cname_reply(const uint8_t *q, size_t qlen, uint8_t *r, const char *target)
{
    size_t n = make_reply(q, qlen, r, 0, NULL);
    r[7] = 1;
    static const uint8_t rr[] = {0xC0, 0x0C, 0, 5, 0, 1, 0, 0, 0, 60};
    memcpy(r + n, rr, sizeof rr);
    n += sizeof rr;
    size_t rdlen_at = n;
    n += 2;
    const char *p = target;
    while (*p != '\0') {
        const char *dot = strchr(p, '.');
        size_t len = dot != NULL ? (size_t)(dot - p) : strlen(p);
        r[n++] = (uint8_t)len;
        memcpy(r + n, p, len);
        n += len;
        p += len + (dot != NULL ? 1 : 0);
    }
    r[n++] = 0;
    r[rdlen_at] = 0;
    r[rdlen_at + 1] = (uint8_t)(n - rdlen_at - 2);
    return n;
}

/* Is the question of `q` the name "target.test"? */
static bool asks_target(const uint8_t *q, size_t qlen)
{
    static const uint8_t wire[] = "\x06target\x04test";
    return qlen >= 12 + sizeof wire && memcmp(q + 12, wire, sizeof wire) == 0;
}

static void *responder_main(void *arg)
{
    struct responder *rs = arg;
    static const uint8_t decoy[4] = {6, 6, 6, 6};
    while (!atomic_load(&rs->stop)) {
        struct pollfd p = {.fd = rs->fd, .events = POLLIN};
        if (poll(&p, 1, 10) <= 0) {
            continue;
        }
        uint8_t q[600], r[700];
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(rs->fd, q, sizeof q, 0, (struct sockaddr *)&from, &flen);
        if (n < 12) {
            continue;
        }
        unsigned k = atomic_load(&rs->queries);
        if (k < MAX_SEEN) {
            rs->ids[k] = (uint16_t)((q[0] << 8) | q[1]);
        }
        enum act a = rs->script[k < rs->nscript ? k : rs->nscript - 1];
        atomic_store(&rs->queries, k + 1);
        const struct sockaddr *to = (const struct sockaddr *)&from;
        size_t len;
        switch (a) {
        case ACT_SILENT:
            continue;
        case ACT_NXDOMAIN:
        case ACT_SERVFAIL:
        case ACT_REFUSED:
            len = make_reply(q, (size_t)n, r, a == ACT_NXDOMAIN ? 3 : a == ACT_SERVFAIL ? 2 : 5, NULL);
            break;
        case ACT_NODATA:
            len = make_reply(q, (size_t)n, r, 0, NULL);
            break;
        case ACT_TC:
            len = make_reply(q, (size_t)n, r, 0, NULL);
            r[2] |= 0x02;
            break;
        case ACT_WRONG_ID_FIRST:
            len = make_reply(q, (size_t)n, r, 0, decoy);
            r[1] ^= 0x5A;
            sendto(rs->fd, r, len, 0, to, flen);
            len = make_reply(q, (size_t)n, r, 0, rs->addr);
            break;
        case ACT_WRONG_PORT_FIRST:
        case ACT_WRONG_PORT_ONLY:
            len = make_reply(q, (size_t)n, r, 0, decoy);
            sendto(rs->alt_fd, r, len, 0, to, flen);
            if (a == ACT_WRONG_PORT_ONLY) {
                continue;
            }
            len = make_reply(q, (size_t)n, r, 0, rs->addr);
            break;
        case ACT_OTHER_QUESTION_FIRST:
            len = make_reply(q, (size_t)n, r, 0, decoy);
            r[13] ^= 0x01; /* first character of the name */
            sendto(rs->fd, r, len, 0, to, flen);
            len = make_reply(q, (size_t)n, r, 0, rs->addr);
            break;
        case ACT_GARBAGE:
        case ACT_GARBAGE_FIRST:
            for (size_t i = 0; i < 100; i++) {
                r[i] = (uint8_t)(i * 37u + 11u);
            }
            sendto(rs->fd, r, 100, 0, to, flen);
            if (a == ACT_GARBAGE) {
                continue;
            }
            len = make_reply(q, (size_t)n, r, 0, rs->addr);
            break;
        case ACT_CNAME:
            if (asks_target(q, (size_t)n)) {
                len = make_reply(q, (size_t)n, r, 0, rs->addr);
            } else {
                len = make_cname_reply(q, (size_t)n, r, "target.test");
            }
            break;
        case ACT_CNAME_ENDLESS: {
            char next[32];
            snprintf(next, sizeof next, "hop%u.test", k);
            len = make_cname_reply(q, (size_t)n, r, next);
            break;
        }
        case ACT_GOOD:
        default:
            len = make_reply(q, (size_t)n, r, 0, rs->addr);
            break;
        }
        sendto(rs->fd, r, len, 0, to, flen);
    }
    return NULL;
}

/* Start a responder that answers its k-th query with script[k] (the last
 * entry repeats) and puts `last_octet` in 192.0.2.x as its good address. */
static struct responder *responder_start(uint8_t last_octet, const enum act *script, size_t n)
{
    struct responder *rs = calloc(1, sizeof *rs);
    assert_non_null(rs);
    assert_true(n >= 1 && n <= 4);
    memcpy(rs->script, script, n * sizeof *script);
    rs->nscript = n;
    rs->addr[0] = 192;
    rs->addr[1] = 0;
    rs->addr[2] = 2;
    rs->addr[3] = last_octet;
    uint16_t alt;
    rs->fd = udp_bind_loopback(&rs->port);
    rs->alt_fd = udp_bind_loopback(&alt);
    atomic_init(&rs->queries, 0);
    atomic_init(&rs->stop, false);
    assert_int_equal(pthread_create(&rs->thread, NULL, responder_main, rs), 0);
    return rs;
}

static unsigned responder_stop(struct responder *rs)
{
    atomic_store(&rs->stop, true);
    pthread_join(rs->thread, NULL);
    close(rs->fd);
    close(rs->alt_fd);
    unsigned q = atomic_load(&rs->queries);
    free(rs);
    return q;
}

static struct responder *responder1(uint8_t last_octet, enum act a)
{
    return responder_start(last_octet, &a, 1);
}

static struct wf_dns_config config(uint32_t timeout_ms, uint8_t attempts)
{
    struct wf_dns_config c;
    wf_dns_config_default(&c);
    c.timeout_ms = timeout_ms;
    c.attempts = attempts;
    return c;
}

static void add_server(struct wf_dns_config *c, const struct responder *rs)
{
    c->servers[c->server_count++] = wf_fix_server(rs->port);
}

static uint32_t now_ms(void)
{
    return wf_port_sim_millis(NULL);
}

static void assert_sockets_free(struct wf_fixture *f)
{
    for (int i = 0; i < f->chip.variant->sockets; i++) {
        assert_int_equal(f->net.socks[i].type, 0);
    }
}

static void test_resolve_defaults(void **state)
{
    (void)state;
    struct wf_dns_config c;
    memset(&c, 0xA5, sizeof c);
    wf_dns_config_default(&c);
    assert_int_equal(c.server_count, 0);
    assert_int_equal(c.timeout_ms, 2000);
    assert_int_equal(c.attempts, 2);
}

static void test_resolve_good(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *rs = responder1(7, ACT_GOOD);
    struct wf_dns_config c = config(500, 2);
    add_server(&c, rs);
    uint8_t addrs[2][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 2), 1);
    assert_ip(addrs[0], 192, 0, 2, 7);
    assert_sockets_free(f);
    /* Twice more: each call takes and returns a socket. */
    for (int i = 0; i < 6; i++) {
        assert_int_equal(wf_dns_resolve(&f->net, &c, "Host.Example.", addrs, 2), 1);
    }
    assert_sockets_free(f);
    assert_int_equal(responder_stop(rs), 7);
}

static void test_resolve_literal_and_bad_args(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_dns_config c = config(100, 1); /* no servers: nothing may be sent */
    uint8_t addrs[1][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "10.0.0.1", addrs, 1), 1);
    assert_ip(addrs[0], 10, 0, 0, 1);
    assert_int_equal(wf_dns_resolve(&f->net, &c, "255.255.255.0", addrs, 1), 1);
    assert_ip(addrs[0], 255, 255, 255, 0);
    assert_int_equal(wf_dns_resolve(&f->net, &c, "0.0.0.0", addrs, 1), 1);
    static const char *const bad[] = {"1.2.3",  "1.2.3.4.",   "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3",
                                      ".1.2.3", "1234.1.1.1", "",          "a..b",      "-x.com"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(addrs, 0xEE, sizeof addrs);
        assert_int_equal(wf_dns_resolve(&f->net, &c, bad[i], addrs, 1), WF_EDNS_BADNAME);
        assert_ip(addrs[0], 0xEE, 0xEE, 0xEE, 0xEE);
    }
    /* Names that contain digits are names. */
    assert_int_equal(wf_dns_resolve(&f->net, &c, "1.2.3.com", addrs, 1), WF_EDNS_NOSERVER);
    /* Configuration errors. */
    struct wf_dns_config z = config(100, 0);
    z.server_count = 1;
    z.servers[0] = wf_fix_server(53);
    assert_int_equal(wf_dns_resolve(&f->net, &z, "a.b", addrs, 1), WF_EINVAL);
    z = config(0, 1);
    z.server_count = 1;
    assert_int_equal(wf_dns_resolve(&f->net, &z, "a.b", addrs, 1), WF_EINVAL);
    z = config(100, 1);
    z.server_count = WF_DNS_MAX_SERVERS + 1;
    assert_int_equal(wf_dns_resolve(&f->net, &z, "a.b", addrs, 1), WF_EINVAL);
    assert_sockets_free(f);
}

static void test_resolve_nxdomain_is_final(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *a = responder1(1, ACT_NXDOMAIN), *b = responder1(2, ACT_GOOD);
    struct wf_dns_config c = config(300, 2);
    add_server(&c, a);
    add_server(&c, b);
    uint8_t addrs[1][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "nope.example", addrs, 1), WF_EDNS_NXDOMAIN);
    assert_sockets_free(f);
    assert_int_equal(responder_stop(a), 1);
    assert_int_equal(responder_stop(b), 0);
}

static void test_resolve_nodata_is_final(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *a = responder1(1, ACT_NODATA), *b = responder1(2, ACT_GOOD);
    struct wf_dns_config c = config(300, 2);
    add_server(&c, a);
    add_server(&c, b);
    uint8_t addrs[1][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "v6only.example", addrs, 1), WF_EDNS_NODATA);
    assert_sockets_free(f);
    assert_int_equal(responder_stop(a), 1);
    assert_int_equal(responder_stop(b), 0);
}

static void test_resolve_servfail_then_second_server(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *a = responder1(1, ACT_SERVFAIL), *b = responder1(2, ACT_GOOD);
    struct wf_dns_config c = config(300, 2);
    add_server(&c, a);
    add_server(&c, b);
    uint8_t addrs[1][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), 1);
    assert_ip(addrs[0], 192, 0, 2, 2);
    assert_sockets_free(f);
    assert_int_equal(responder_stop(a), 1);
    assert_int_equal(responder_stop(b), 1);
}

static void test_resolve_all_fail_reports_error(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *a = responder1(1, ACT_SERVFAIL), *b = responder1(2, ACT_REFUSED);
    struct wf_dns_config c = config(1000, 3);
    add_server(&c, a);
    add_server(&c, b);
    uint8_t addrs[1][4];
    uint32_t t0 = now_ms();
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), WF_EDNS_REFUSED);
    assert_true(now_ms() - t0 < 900); /* no deadline ran out: both answered */
    /* A server that said no is not asked again in later rounds. */
    assert_int_equal(responder_stop(a), 1);
    assert_int_equal(responder_stop(b), 1);
    struct responder *t = responder1(3, ACT_TC);
    c = config(300, 2);
    add_server(&c, t);
    assert_int_equal(wf_dns_resolve(&f->net, &c, "big.example", addrs, 1), WF_EDNS_TRUNCATED);
    assert_int_equal(responder_stop(t), 1);
    assert_sockets_free(f);
}

static void test_resolve_wrong_id_then_right(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *rs = responder1(9, ACT_WRONG_ID_FIRST);
    struct wf_dns_config c = config(500, 1);
    add_server(&c, rs);
    uint8_t addrs[1][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), 1);
    assert_ip(addrs[0], 192, 0, 2, 9);
    assert_sockets_free(f);
    assert_int_equal(responder_stop(rs), 1);
}

static void test_resolve_other_question_then_right(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *rs = responder1(10, ACT_OTHER_QUESTION_FIRST);
    struct wf_dns_config c = config(500, 1);
    add_server(&c, rs);
    uint8_t addrs[1][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), 1);
    assert_ip(addrs[0], 192, 0, 2, 10);
    assert_int_equal(responder_stop(rs), 1);
}

static void test_resolve_wrong_source_port_ignored(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *rs = responder1(11, ACT_WRONG_PORT_FIRST);
    struct wf_dns_config c = config(500, 1);
    add_server(&c, rs);
    uint8_t addrs[1][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), 1);
    assert_ip(addrs[0], 192, 0, 2, 11);
    assert_int_equal(responder_stop(rs), 1);
    /* Only the spoofed reply: ignored until the deadline, then BADREPLY. */
    rs = responder1(12, ACT_WRONG_PORT_ONLY);
    c = config(150, 1);
    add_server(&c, rs);
    uint32_t t0 = now_ms();
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), WF_EDNS_BADREPLY);
    uint32_t took = now_ms() - t0;
    assert_true(took >= 140 && took < 600);
    assert_int_equal(responder_stop(rs), 1);
    assert_sockets_free(f);
}

static void test_resolve_silent_server(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *rs = responder1(1, ACT_SILENT);
    struct wf_dns_config c = config(100, 2);
    add_server(&c, rs);
    uint8_t addrs[1][4];
    uint32_t t0 = now_ms();
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), WF_EDNS_NOSERVER);
    uint32_t took = now_ms() - t0;
    print_message("# silent server: 2 rounds x 100 ms took %u ms\n", (unsigned)took);
    assert_true(took >= 195 && took < 600);
    assert_sockets_free(f);
    assert_int_equal(responder_stop(rs), 2);
}

/* The look-up in steps: a silent first server, then one that answers. No
 * poll waits for an answer (each returns within a few ms while the attempt
 * runs 150 ms), the answer comes from the second server, and the socket is
 * free after. An abort while a query is out frees its socket at once. */
static void test_resolve_in_steps(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *silent = responder1(1, ACT_SILENT);
    struct responder *good = responder1(9, ACT_GOOD);
    struct wf_dns_config c = config(150, 1);
    add_server(&c, silent);
    add_server(&c, good);
    uint8_t addrs[1][4];
    uint8_t buf[WF_DNS_UDP_MAX];
    struct wf_dns_query q;
    assert_int_equal(wf_dns_start(&q, &f->net, &c, "www.example.com", addrs, 1, buf, sizeof buf), 0);
    unsigned polls = 0;
    uint32_t longest = 0;
    int rc;
    do {
        uint32_t t0 = now_ms();
        rc = wf_dns_poll(&q);
        uint32_t took = now_ms() - t0;
        longest = took > longest ? took : longest;
        polls++;
        usleep(1000);
    } while (rc == WF_EAGAIN && polls < 5000);
    print_message("# in steps: %u polls, the longest %u ms\n", polls, (unsigned)longest);
    assert_int_equal(rc, 1);
    assert_ip(addrs[0], 192, 0, 2, 9);
    assert_true(polls > 50);
    assert_true(longest < 50);
    assert_int_equal(wf_dns_poll(&q), 1); /* over: the same again */
    assert_sockets_free(f);
    /* Abort with the query out. */
    assert_int_equal(wf_dns_start(&q, &f->net, &c, "www.example.com", addrs, 1, buf, sizeof buf), 0);
    assert_int_equal(wf_dns_poll(&q), WF_EAGAIN);
    wf_dns_abort(&q);
    assert_sockets_free(f);
    /* Too small a buffer, an IPv4 literal: decided at the start. */
    assert_int_equal(wf_dns_start(&q, &f->net, &c, "a.b", addrs, 1, buf, 100), WF_EINVAL);
    assert_int_equal(wf_dns_start(&q, &f->net, &c, "10.1.2.3", addrs, 1, buf, sizeof buf), 1);
    assert_ip(addrs[0], 10, 1, 2, 3);
    responder_stop(silent);
    responder_stop(good);
}

/* total_ms bounds the whole call: three silent servers, two rounds of 500 ms
 * each would take 3 s; 700 ms in all ends with WF_ETIMEDOUT (the third
 * server is never asked). A bound longer than every attempt together leaves
 * the answer "no server answered". */
static void test_resolve_total_budget(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *rs[3];
    struct wf_dns_config c = config(500, 2);
    for (int i = 0; i < 3; i++) {
        rs[i] = responder1((uint8_t)(i + 1), ACT_SILENT);
        add_server(&c, rs[i]);
    }
    c.total_ms = 700;
    uint8_t addrs[1][4];
    uint32_t t0 = now_ms();
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), WF_ETIMEDOUT);
    uint32_t took = now_ms() - t0;
    print_message("# silent servers, 700 ms in all: took %u ms\n", (unsigned)took);
    assert_true(took >= 690 && took < 850);
    assert_sockets_free(f);
    assert_int_equal(responder_stop(rs[0]), 1);
    assert_int_equal(responder_stop(rs[1]), 1);
    assert_int_equal(responder_stop(rs[2]), 0);
    struct responder *one = responder1(1, ACT_SILENT);
    c = config(100, 2);
    add_server(&c, one);
    c.total_ms = 5000;
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), WF_EDNS_NOSERVER);
    assert_int_equal(responder_stop(one), 2);
    /* An answer within the bound is an answer. */
    one = responder1(7, ACT_GOOD);
    c = config(100, 2);
    add_server(&c, one);
    c.total_ms = 50;
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), 1);
    assert_ip(addrs[0], 192, 0, 2, 7);
    assert_int_equal(responder_stop(one), 1);
    assert_sockets_free(f);
}

/* An answer with a CNAME but no address for its end: the query restarts at
 * the canonical name (RFC 1034 section 5.3.3); at most WF_DNS_MAX_CNAME links
 * over all the restarts. */
static void test_resolve_cname_restart(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *rs = responder1(9, ACT_CNAME);
    struct wf_dns_config c = config(500, 1);
    add_server(&c, rs);
    uint8_t addrs[1][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "alias.test", addrs, 1), 1);
    assert_ip(addrs[0], 192, 0, 2, 9);
    assert_int_equal(responder_stop(rs), 2); /* alias.test, then target.test */
    /* A new alias in every answer: the restarts end after WF_DNS_MAX_CNAME links. */
    rs = responder1(9, ACT_CNAME_ENDLESS);
    c = config(500, 1);
    add_server(&c, rs);
    assert_int_equal(wf_dns_resolve(&f->net, &c, "alias.test", addrs, 1), WF_EDNS_BADREPLY);
    assert_int_equal(responder_stop(rs), WF_DNS_MAX_CNAME + 1);
    assert_sockets_free(f);
}

static void test_resolve_lost_then_retry(void **state)
{
    struct wf_fixture *f = *state;
    /* Round 1 goes unanswered, round 2 is answered: the retry works. */
    const enum act script[] = {ACT_SILENT, ACT_GOOD};
    struct responder *rs = responder_start(5, script, 2);
    struct wf_dns_config c = config(100, 2);
    add_server(&c, rs);
    uint8_t addrs[1][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), 1);
    assert_ip(addrs[0], 192, 0, 2, 5);
    struct responder copy = *rs;
    assert_int_equal(responder_stop(rs), 2);
    /* Fresh query ID per attempt (from getrandom: equal with p = 1/65536). */
    print_message("# query IDs: %04x %04x\n", copy.ids[0], copy.ids[1]);
}

static void test_resolve_garbage(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *rs = responder1(1, ACT_GARBAGE);
    struct wf_dns_config c = config(100, 1);
    add_server(&c, rs);
    uint8_t addrs[1][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), WF_EDNS_BADREPLY);
    assert_int_equal(responder_stop(rs), 1);
    rs = responder1(4, ACT_GARBAGE_FIRST);
    c = config(500, 1);
    add_server(&c, rs);
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), 1);
    assert_ip(addrs[0], 192, 0, 2, 4);
    assert_int_equal(responder_stop(rs), 1);
    assert_sockets_free(f);
}

static void test_resolve_unreachable_then_second(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *rs = responder1(8, ACT_GOOD);
    wf_sim_chip_fault_unreachable(f->model, 0x0A000063u);
    struct wf_dns_config c = config(300, 1);
    c.servers[c.server_count++] = wf_fix_addr(0x0A000063u, 53); /* ARP never answers */
    add_server(&c, rs);
    uint8_t addrs[1][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), 1);
    assert_ip(addrs[0], 192, 0, 2, 8);
    assert_int_equal(responder_stop(rs), 1);
    assert_sockets_free(f);
}

static void test_resolve_no_free_socket(void **state)
{
    struct wf_fixture *f = *state;
    struct wf_dns_config c = config(100, 1);
    c.servers[c.server_count++] = wf_fix_server(53);
    int fds[WF_CHIP_MAX_SOCKETS];
    int n = f->chip.variant->sockets;
    for (int i = 0; i < n; i++) {
        fds[i] = wf_net_socket(&f->net, WF_SOCK_DGRAM);
        assert_true(fds[i] >= 0);
    }
    uint8_t addrs[1][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), WF_EMFILE);
    for (int i = 0; i < n; i++) {
        assert_int_equal(wf_net_close(&f->net, fds[i]), 0);
    }
}

/* ---- entropy: scripted bytes, and the chip's Sn_PORT seen on the SPI bus -- */

static struct {
    const uint8_t *bytes;
    size_t len, pos;
    int fail_at_call; /* 1-based call number that fails, 0 = never */
    int calls;
    int (*spi)(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len);
    uint8_t port_reg[4][2]; /* last Sn_PORT written per socket */
} ent;

static int scripted_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    ent.calls++;
    if (ent.fail_at_call == ent.calls) {
        return WF_EIO;
    }
    for (size_t i = 0; i < len; i++) {
        buf[i] = ent.pos < ent.len ? ent.bytes[ent.pos++] : 0;
    }
    return 0;
}

static int sniffing_spi(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len)
{
    /* W5100 write frame: 0xF0, address high, address low, data. */
    if (len == 4 && tx[0] == 0xF0) {
        unsigned addr = (unsigned)(tx[1] << 8 | tx[2]);
        if (addr >= 0x0400 && addr < 0x0800 && (addr & 0xFF) >= 0x04 && (addr & 0xFF) <= 0x05) {
            ent.port_reg[(addr - 0x0400) >> 8][(addr & 0xFF) - 0x04] = tx[3];
        }
    }
    return ent.spi(ctx, tx, rx, len);
}

static void use_scripted_entropy(struct wf_fixture *f, const uint8_t *bytes, size_t len, int fail_at_call)
{
    memset(&ent, 0, sizeof ent);
    ent.bytes = bytes;
    ent.len = len;
    ent.fail_at_call = fail_at_call;
    ent.spi = f->host.port.spi_frame;
    f->host.port.entropy = scripted_entropy;
    f->host.port.spi_frame = sniffing_spi;
}

static void test_resolve_id_and_port_from_entropy(void **state)
{
    struct wf_fixture *f = *state;
    /* Attempt 1: ID 0xABCD, 32 port bits 0x3FFF -> 49152 + 16383 = 65535. Attempt 2:
     * ID 0x0102, port bits 0x4000 -> 49152 (the range's 16384 ports wrap). */
    static const uint8_t bytes[] = {0xAB, 0xCD, 0x00, 0x00, 0x3F, 0xFF, 0x01, 0x02, 0x00, 0x00, 0x40, 0x00};
    use_scripted_entropy(f, bytes, sizeof bytes, 0);
    const enum act script[] = {ACT_SILENT, ACT_GOOD};
    struct responder *rs = responder_start(3, script, 2);
    struct wf_dns_config c = config(100, 2);
    add_server(&c, rs);
    uint8_t addrs[1][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), 1);
    assert_int_equal(ent.calls, 4);
    /* The second attempt's socket (0 again: the first was closed) was opened on 49152. */
    assert_int_equal(ent.port_reg[0][0] << 8 | ent.port_reg[0][1], 49152);
    uint16_t id0 = rs->ids[0], id1 = rs->ids[1];
    assert_int_equal(responder_stop(rs), 2);
    assert_int_equal(id0, 0xABCD);
    assert_int_equal(id1, 0x0102);
    assert_sockets_free(f);
}

static void test_resolve_first_port_from_entropy(void **state)
{
    struct wf_fixture *f = *state;
    static const uint8_t bytes[] = {0xAB, 0xCD, 0xFF, 0xFF, 0xFF, 0xFF}; /* 2^32 - 1 -> 65535 */
    use_scripted_entropy(f, bytes, sizeof bytes, 0);
    struct responder *rs = responder1(3, ACT_GOOD);
    struct wf_dns_config c = config(300, 1);
    add_server(&c, rs);
    uint8_t addrs[1][4];
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), 1);
    assert_int_equal(ent.port_reg[0][0] << 8 | ent.port_reg[0][1], 65535);
    assert_int_equal(rs->ids[0], 0xABCD);
    assert_int_equal(responder_stop(rs), 1);
}

static void test_resolve_entropy_failure(void **state)
{
    struct wf_fixture *f = *state;
    struct responder *rs = responder1(3, ACT_GOOD);
    struct wf_dns_config c = config(200, 2);
    add_server(&c, rs);
    uint8_t addrs[1][4];
    /* The ID draw fails: nothing is sent. */
    use_scripted_entropy(f, NULL, 0, 1);
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), WF_ENOENTROPY);
    assert_sockets_free(f);
    /* The port draw fails: the socket taken for it is returned. */
    use_scripted_entropy(f, NULL, 0, 2);
    assert_int_equal(wf_dns_resolve(&f->net, &c, "www.example.com", addrs, 1), WF_ENOENTROPY);
    assert_sockets_free(f);
    assert_int_equal(responder_stop(rs), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, wf_fixture_setup, wf_fixture_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_bytes),
        cmocka_unit_test(test_name_validation),
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_multiple),
        cmocka_unit_test(test_parse_cname_chain),
        cmocka_unit_test(test_parse_cname_any_order),
        cmocka_unit_test(test_parse_cname_bounds),
        cmocka_unit_test(test_parse_compression),
        cmocka_unit_test(test_parse_rcodes),
        cmocka_unit_test(test_parse_truncated_flag),
        cmocka_unit_test(test_malformed_header_question),
        cmocka_unit_test(test_malformed_pointers),
        cmocka_unit_test(test_malformed_labels_and_names),
        cmocka_unit_test(test_malformed_records),
        cmocka_unit_test(test_parse_random_bytes),
        cmocka_unit_test(test_resolve_defaults),
        T(test_resolve_good),
        T(test_resolve_literal_and_bad_args),
        T(test_resolve_nxdomain_is_final),
        T(test_resolve_nodata_is_final),
        T(test_resolve_servfail_then_second_server),
        T(test_resolve_all_fail_reports_error),
        T(test_resolve_wrong_id_then_right),
        T(test_resolve_other_question_then_right),
        T(test_resolve_wrong_source_port_ignored),
        T(test_resolve_silent_server),
        T(test_resolve_in_steps),
        T(test_resolve_total_budget),
        T(test_resolve_cname_restart),
        T(test_resolve_lost_then_retry),
        T(test_resolve_garbage),
        T(test_resolve_unreachable_then_second),
        T(test_resolve_no_free_socket),
        T(test_resolve_id_and_port_from_entropy),
        T(test_resolve_first_port_from_entropy),
        T(test_resolve_entropy_failure),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
