/* URL parser and reference resolution (src/http/url.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wizfetch/error.h"
#include "wizfetch/url.h"

static struct wf_url url_buf, url_buf2;

static void assert_url_equal(const struct wf_url *a, const struct wf_url *b)
{
    assert_int_equal(a->https, b->https);
    assert_int_equal(a->host_is_ipv4, b->host_is_ipv4);
    assert_memory_equal(a->ipv4, b->ipv4, 4);
    assert_int_equal(a->port, b->port);
    assert_string_equal(a->host, b->host);
    assert_string_equal(a->path, b->path);
}

static void expect_ok(const char *text, bool https, const char *host, unsigned port, const char *path)
{
    const char *why = "untouched";
    int rc = wf_url_parse(text, &url_buf, &why);
    if (rc != 0) {
        fail_msg("%s: %s (%s)", text, wf_strerror_name(rc), why);
    }
    assert_string_equal(why, "untouched");
    assert_int_equal(url_buf.https, https);
    assert_string_equal(url_buf.host, host);
    assert_int_equal(url_buf.port, port);
    assert_string_equal(url_buf.path, path);
}

static void expect_bad_n(const char *text, size_t n, int code, const char *why_part)
{
    char copy[4096];
    assert_true(n < sizeof copy);
    memcpy(copy, text, n);
    copy[n] = '\0';
    const char *why = NULL;
    int rc = wf_url_parse(copy, &url_buf, &why);
    if (rc != code) {
        fail_msg("\"%s\": got %s, want %s", copy, wf_strerror_name(rc), wf_strerror_name(code));
    }
    assert_non_null(why);
    if (why_part != NULL && strstr(why, why_part) == NULL) {
        fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", copy, why, why_part);
    }
}

static void expect_bad(const char *text, int code, const char *why_part)
{
    expect_bad_n(text, strlen(text), code, why_part);
}

static void test_parse_basic(void **state)
{
    (void)state;
    expect_ok("http://example.com", false, "example.com", 80, "/");
    expect_ok("https://example.com", true, "example.com", 443, "/");
    expect_ok("http://example.com/", false, "example.com", 80, "/");
    expect_ok("https://example.com/a/b.html", true, "example.com", 443, "/a/b.html");
    expect_ok("https://example.com/a?x=1&y=2", true, "example.com", 443, "/a?x=1&y=2");
    expect_ok("https://example.com?x", true, "example.com", 443, "/?x");
    expect_ok("https://example.com/a#frag", true, "example.com", 443, "/a");
    expect_ok("https://example.com#frag", true, "example.com", 443, "/");
    expect_ok("https://example.com/a?q#frag?x", true, "example.com", 443, "/a?q");
    expect_ok("https://example.com/a/?", true, "example.com", 443, "/a/?");
    expect_ok("http://a/b/c/", false, "a", 80, "/b/c/");
    expect_ok("http://x//double//slash", false, "x", 80, "//double//slash");
    assert_false(url_buf.host_is_ipv4);
}

static void test_parse_case_and_ports(void **state)
{
    (void)state;
    expect_ok("HTTP://Example.COM/Path", false, "example.com", 80, "/Path");
    expect_ok("HtTpS://WWW.EXAMPLE.org", true, "www.example.org", 443, "/");
    expect_ok("http://h:8080/", false, "h", 8080, "/");
    expect_ok("https://h:1", true, "h", 1, "/");
    expect_ok("https://h:65535/x", true, "h", 65535, "/x");
    expect_ok("https://h:80/", true, "h", 80, "/");
    expect_ok("http://h:443/", false, "h", 443, "/");
    expect_ok("https://h:/x", true, "h", 443, "/x"); /* empty port = default */
    expect_ok("http://h:0080", false, "h", 80, "/");
    expect_ok("http://h:?q", false, "h", 80, "/?q");
    expect_ok("http://my_host-1.example.:81", false, "my_host-1.example.", 81, "/");
}

static void test_parse_ipv4(void **state)
{
    (void)state;
    expect_ok("http://10.0.0.1/x", false, "10.0.0.1", 80, "/x");
    assert_true(url_buf.host_is_ipv4);
    assert_memory_equal(url_buf.ipv4, ((uint8_t[]){10, 0, 0, 1}), 4);
    expect_ok("https://255.255.255.255:8443", true, "255.255.255.255", 8443, "/");
    assert_true(url_buf.host_is_ipv4);
    assert_memory_equal(url_buf.ipv4, ((uint8_t[]){255, 255, 255, 255}), 4);
    expect_ok("http://0.0.0.0", false, "0.0.0.0", 80, "/");
    assert_true(url_buf.host_is_ipv4);
    /* Mixed letters: a name for DNS, not a literal. */
    expect_ok("http://1.2.3.4a", false, "1.2.3.4a", 80, "/");
    assert_false(url_buf.host_is_ipv4);
    expect_ok("http://0x7f.1", false, "0x7f.1", 80, "/");
    assert_false(url_buf.host_is_ipv4);

    expect_bad("http://1.2.3", WF_EURL, "IPv4");
    expect_bad("http://1.2.3.4.5", WF_EURL, "IPv4");
    expect_bad("http://256.1.1.1", WF_EURL, "IPv4");
    expect_bad("http://1.2.3.1000", WF_EURL, "IPv4");
    expect_bad("http://01.2.3.4", WF_EURL, "IPv4");
    expect_bad("http://1.2.3.00", WF_EURL, "IPv4");
    expect_bad("http://1.2.3.4.", WF_EURL, "IPv4");
    expect_bad("http://127", WF_EURL, "IPv4");
    expect_bad("http://2130706433/", WF_EURL, "IPv4");
}

static void test_parse_path_normalisation(void **state)
{
    (void)state;
    expect_ok("http://h/a/./b/../c", false, "h", 80, "/a/c");
    expect_ok("http://h/a/b/..", false, "h", 80, "/a/");
    expect_ok("http://h/..", false, "h", 80, "/");
    expect_ok("http://h/../../x", false, "h", 80, "/x");
    expect_ok("http://h/.", false, "h", 80, "/");
    expect_ok("http://h/a/.../b", false, "h", 80, "/a/.../b");
    expect_ok("http://h/a/..b/.c", false, "h", 80, "/a/..b/.c");
    expect_ok("http://h/a?x/../y", false, "h", 80, "/a?x/../y"); /* query untouched */
    expect_ok("http://h/%2e%2E/x", false, "h", 80, "/%2e%2E/x"); /* escapes kept as written */
    expect_ok("http://h/a%20b?c%2Fd", false, "h", 80, "/a%20b?c%2Fd");
    /* Non-ASCII bytes are escaped, in the path and in the query. */
    expect_ok("http://h/caf\xc3\xa9?q=\xff", false, "h", 80, "/caf%C3%A9?q=%FF");
    /* Printable ASCII outside the URI grammar is passed through. */
    expect_ok("http://h/a\"<>\\^`{|}", false, "h", 80, "/a\"<>\\^`{|}");
    expect_ok("http://h/a:b@c;d=e,f$g!h'i(j)k*l+m", false, "h", 80, "/a:b@c;d=e,f$g!h'i(j)k*l+m");
}

static void test_parse_rejects(void **state)
{
    (void)state;
    expect_bad("", WF_EURL, "empty");
    expect_bad("example.com/x", WF_EURL, "scheme");
    expect_bad("//example.com/x", WF_EURL, "scheme");
    expect_bad("/x", WF_EURL, "scheme");
    expect_bad("1http://h", WF_EURL, "scheme");
    expect_bad(":http://h", WF_EURL, "scheme");
    expect_bad("ht tp://h", WF_EURL, "space");
    expect_bad("ftp://h/", WF_EURL_SCHEME, "scheme");
    expect_bad("httpx://h/", WF_EURL_SCHEME, "scheme");
    expect_bad("file:///etc/passwd", WF_EURL_SCHEME, NULL);
    expect_bad("mailto:a@b", WF_EURL_SCHEME, NULL);
    expect_bad("ws://h/", WF_EURL_SCHEME, NULL);
    expect_bad("http:h", WF_EURL, "//");
    expect_bad("http:/h", WF_EURL, "//");
    expect_bad("http:", WF_EURL, "//");
    expect_bad("https://", WF_EURL, "empty host");
    expect_bad("https:///x", WF_EURL, "empty host");
    expect_bad("https://:443/x", WF_EURL, "empty host");
    expect_bad("https://?q", WF_EURL, "empty host");
    expect_bad("https://user@h/", WF_EURL, "user");
    expect_bad("https://user:pw@h/", WF_EURL, "user");
    expect_bad("https://@h/", WF_EURL, "user");
    expect_bad("https://[::1]/", WF_EURL, "IPv6");
    expect_bad("https://[::1]:443/", WF_EURL, "IPv6");
    expect_bad("https://h:0/", WF_EURL, "port");
    expect_bad("https://h:65536/", WF_EURL, "port");
    expect_bad("https://h:99999999999999999999/", WF_EURL, "port");
    expect_bad("https://h:8a/", WF_EURL, "port");
    expect_bad("https://h:-1/", WF_EURL, "port");
    expect_bad("https://h:+80/", WF_EURL, "port");
    expect_bad("https://h:80:81/", WF_EURL, "port");
    expect_bad("https://h%41/", WF_EURL, "percent");
    expect_bad("https://h!/", WF_EURL, "host");
    expect_bad("https://a,b/", WF_EURL, "host");
    expect_bad("https://ex\xc3\xa4mple.com/", WF_EURL, "host");
    expect_bad("https://.h/", WF_EURL, "label");
    expect_bad("https://a..b/", WF_EURL, "label");
    expect_bad("https://./", WF_EURL, "label");
    expect_bad("https://h/a%", WF_EURL, "%");
    expect_bad("https://h/a%4", WF_EURL, "%");
    expect_bad("https://h/a%zz", WF_EURL, "%");
    expect_bad("https://h/?a=%g0", WF_EURL, "%");
    expect_bad("https://h/a b", WF_EURL, "space");
    expect_bad(" https://h/", WF_EURL, "space");
    expect_bad("https://h/ ", WF_EURL, "space");
    expect_bad("https://h/a\tb", WF_EURL, "control");
    expect_bad("https://h/a\r\nHost: evil", WF_EURL, "control");
    expect_bad("https://h\n/", WF_EURL, "control");
    expect_bad("https://h/\x7f", WF_EURL, "control");
    expect_bad("https://h/#frag with space", WF_EURL, "space");
    /* A bad escape in the dropped fragment does not matter. */
    expect_ok("https://h/a#%zz", true, "h", 443, "/a");
}

static void test_parse_limits(void **state)
{
    (void)state;
    static char text[3000];
    char label[64];
    memset(label, 'a', 63);
    label[63] = '\0';

    /* 63-character labels are fine, 64 are not. */
    char name[80];
    snprintf(name, sizeof name, "%s.com", label);
    snprintf(text, sizeof text, "http://%s/", name);
    expect_ok(text, false, name, 80, "/");
    snprintf(text, sizeof text, "http://%sb.com/", label);
    expect_bad(text, WF_EURL, "63");

    /* 253-character host: 3 x 63 + 61 + 3 dots. */
    char host[WF_URL_MAX_HOST + 2];
    snprintf(host, sizeof host, "%s.%s.%s.%.*s", label, label, label, 61, label);
    assert_int_equal(strlen(host), 253);
    snprintf(text, sizeof text, "http://%s/", host);
    expect_ok(text, false, host, 80, "/");
    snprintf(text, sizeof text, "http://%sx/", host);
    expect_bad(text, WF_EURL, "too long");

    /* Path: exactly WF_URL_MAX_PATH characters, then one more. */
    strcpy(text, "http://h");
    size_t base = strlen(text);
    text[base] = '/';
    memset(text + base + 1, 'p', WF_URL_MAX_PATH - 1);
    text[base + WF_URL_MAX_PATH] = '\0';
    expect_ok(text, false, "h", 80, text + base);
    strcat(text, "q");
    expect_bad(text, WF_EURL, "too long");
    /* The query counts too. */
    text[base + WF_URL_MAX_PATH - 1] = '?';
    expect_bad(text, WF_EURL, "too long");
    /* Escaping non-ASCII bytes makes a path three times longer. */
    memset(text + base + 1, '\x80', WF_URL_MAX_PATH / 3);
    text[base + 1 + WF_URL_MAX_PATH / 3] = '\0';
    expect_ok(text, false, "h", 80, url_buf.path);
    assert_int_equal(strlen(url_buf.path), 1 + 3 * (WF_URL_MAX_PATH / 3));
    text[base + 1 + WF_URL_MAX_PATH / 3] = '\x80';
    text[base + 2 + WF_URL_MAX_PATH / 3] = '\0';
    expect_bad(text, WF_EURL, "too long");
}

static void test_parse_control_bytes_everywhere(void **state)
{
    (void)state;
    /* Every control byte (NUL aside: it ends the C string) in every part. */
    static const char *const tmpl[] = {"h%ctp://h/",  "http:/%c/h/",  "http://h%c/", "http://h:8%c/",
                                       "http://h/%c", "http://h/?%c", "http://h/#%c"};
    for (unsigned c = 1; c < 0x20; c++) {
        for (size_t t = 0; t < sizeof tmpl / sizeof tmpl[0]; t++) {
            char text[64];
            snprintf(text, sizeof text, tmpl[t], (int)c);
            expect_bad(text, WF_EURL, "control");
        }
    }
}

static void test_authority_and_format(void **state)
{
    (void)state;
    char buf[400];
    expect_ok("https://Example.com/x?y#z", true, "example.com", 443, "/x?y");
    assert_int_equal(wf_url_authority(&url_buf, buf, sizeof buf), 11);
    assert_string_equal(buf, "example.com");
    assert_int_equal(wf_url_format(&url_buf, buf, sizeof buf), 23);
    assert_string_equal(buf, "https://example.com/x?y");

    expect_ok("https://h:8443", true, "h", 8443, "/");
    assert_int_equal(wf_url_authority(&url_buf, buf, sizeof buf), 6);
    assert_string_equal(buf, "h:8443");
    expect_ok("http://h:443", false, "h", 443, "/");
    assert_int_equal(wf_url_authority(&url_buf, buf, sizeof buf), 5);
    assert_string_equal(buf, "h:443");
    expect_ok("https://h:443", true, "h", 443, "/");
    assert_int_equal(wf_url_authority(&url_buf, buf, sizeof buf), 1);
    expect_ok("http://10.1.2.3:1/a/../b", false, "10.1.2.3", 1, "/b");
    assert_int_equal(wf_url_format(&url_buf, buf, sizeof buf), 19);
    assert_string_equal(buf, "http://10.1.2.3:1/b");

    /* Exact fit and one byte short. */
    expect_ok("https://h:8443", true, "h", 8443, "/");
    assert_int_equal(wf_url_authority(&url_buf, buf, 7), 6);
    assert_int_equal(wf_url_authority(&url_buf, buf, 6), WF_ENOMEM);
    assert_string_equal(buf, "");
    assert_int_equal(wf_url_authority(&url_buf, buf, 0), WF_ENOMEM);
    assert_int_equal(wf_url_format(&url_buf, buf, 16), 15);
    assert_int_equal(wf_url_format(&url_buf, buf, 15), WF_ENOMEM);
    assert_string_equal(buf, "");
    assert_int_equal(wf_url_default_port(true), 443);
    assert_int_equal(wf_url_default_port(false), 80);
}

static void test_format_round_trip(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "http://a",       "HTTPS://A.B:1/x/../y/./z?q=%41#f",   "http://1.2.3.4:65535//x//?",
        "https://h:443/", "http://h/\xe2\x82\xac?\xe2\x82\xac", "http://h/%2e%2e/?x/../y",
    };
    static char buf[WF_URL_MAX_HOST + WF_URL_MAX_PATH + 16];
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        assert_int_equal(wf_url_parse(urls[i], &url_buf, NULL), 0);
        assert_true(wf_url_format(&url_buf, buf, sizeof buf) > 0);
        assert_int_equal(wf_url_parse(buf, &url_buf2, NULL), 0);
        assert_url_equal(&url_buf, &url_buf2);
    }
}

/* ---- resolution: RFC 3986 5.4 with base "http://a/b/c/d;p?q" ---- */

static void expect_resolve(const char *base, const char *ref, const char *want)
{
    struct wf_url b;
    static char buf[WF_URL_MAX_HOST + WF_URL_MAX_PATH + 16];
    assert_int_equal(wf_url_parse(base, &b, NULL), 0);
    const char *why = "untouched";
    int rc = wf_url_resolve(&b, ref, strlen(ref), &url_buf, &why);
    if (rc != 0) {
        fail_msg("resolve \"%s\": %s (%s)", ref, wf_strerror_name(rc), why);
    }
    assert_int_equal(wf_url_format(&url_buf, buf, sizeof buf) > 0, 1);
    if (strcmp(buf, want) != 0) {
        fail_msg("resolve \"%s\": got %s, want %s", ref, buf, want);
    }
}

static void expect_resolve_bad(const char *base, const char *ref, size_t len, int code, const char *why_part)
{
    struct wf_url b;
    assert_int_equal(wf_url_parse(base, &b, NULL), 0);
    const char *why = NULL;
    int rc = wf_url_resolve(&b, ref, len, &url_buf, &why);
    if (rc != code) {
        fail_msg("resolve \"%s\": got %s, want %s", ref, wf_strerror_name(rc), wf_strerror_name(code));
    }
    assert_non_null(why);
    if (why_part != NULL && strstr(why, why_part) == NULL) {
        fail_msg("resolve \"%s\": reason \"%s\" lacks \"%s\"", ref, why, why_part);
    }
}

#define RFC_BASE "http://a/b/c/d;p?q"

static void test_resolve_rfc3986_normal(void **state)
{
    (void)state;
    /* 5.4.1, except "g:h" (not http) which is below. */
    static const char *const cases[][2] = {
        {"g", "http://a/b/c/g"},
        {"./g", "http://a/b/c/g"},
        {"g/", "http://a/b/c/g/"},
        {"/g", "http://a/g"},
        {"//g", "http://g/"}, /* "http://g" in the RFC; our path is never empty */
        {"?y", "http://a/b/c/d;p?y"},
        {"g?y", "http://a/b/c/g?y"},
        {"#s", "http://a/b/c/d;p?q"}, /* fragment dropped */
        {"g#s", "http://a/b/c/g"},
        {"g?y#s", "http://a/b/c/g?y"},
        {";x", "http://a/b/c/;x"},
        {"g;x", "http://a/b/c/g;x"},
        {"g;x?y#s", "http://a/b/c/g;x?y"},
        {"", "http://a/b/c/d;p?q"},
        {".", "http://a/b/c/"},
        {"./", "http://a/b/c/"},
        {"..", "http://a/b/"},
        {"../", "http://a/b/"},
        {"../g", "http://a/b/g"},
        {"../..", "http://a/"},
        {"../../", "http://a/"},
        {"../../g", "http://a/g"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_resolve(RFC_BASE, cases[i][0], cases[i][1]);
    }
    expect_resolve_bad(RFC_BASE, "g:h", 3, WF_EURL_SCHEME, NULL);
}

static void test_resolve_rfc3986_abnormal(void **state)
{
    (void)state;
    /* 5.4.2 */
    static const char *const cases[][2] = {
        {"../../../g", "http://a/g"},
        {"../../../../g", "http://a/g"},
        {"/./g", "http://a/g"},
        {"/../g", "http://a/g"},
        {"g.", "http://a/b/c/g."},
        {".g", "http://a/b/c/.g"},
        {"g..", "http://a/b/c/g.."},
        {"..g", "http://a/b/c/..g"},
        {"./../g", "http://a/b/g"},
        {"./g/.", "http://a/b/c/g/"},
        {"g/./h", "http://a/b/c/g/h"},
        {"g/../h", "http://a/b/c/h"},
        {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
        {"g;x=1/../y", "http://a/b/c/y"},
        {"g?y/./x", "http://a/b/c/g?y/./x"},
        {"g?y/../x", "http://a/b/c/g?y/../x"},
        {"g#s/./x", "http://a/b/c/g"},
        {"g#s/../x", "http://a/b/c/g"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_resolve(RFC_BASE, cases[i][0], cases[i][1]);
    }
    /* "http:g": strict parsers (RFC 3986 5.4.2) take it as an absolute URL,
     * which has no authority, so it is rejected. */
    expect_resolve_bad(RFC_BASE, "http:g", 6, WF_EURL, "//");
}

static void test_resolve_redirect_forms(void **state)
{
    (void)state;
    /* Absolute URLs replace everything, other scheme included. */
    expect_resolve("http://a/b", "https://Other.example:8443/x?y#z", "https://other.example:8443/x?y");
    expect_resolve("https://a/b", "http://c", "http://c/");
    expect_resolve("https://a/b", "HTTPS://c/./d/../e", "https://c/e");
    /* Scheme-relative keeps the base's scheme, not its port. */
    expect_resolve("https://a:8443/b", "//c/d", "https://c/d");
    expect_resolve("http://a:81/b", "//c:82", "http://c:82/");
    expect_resolve("https://a/b", "//10.0.0.9/x", "https://10.0.0.9/x");
    assert_true(url_buf.host_is_ipv4);
    assert_memory_equal(url_buf.ipv4, ((uint8_t[]){10, 0, 0, 9}), 4);
    /* Relative forms keep host, port and (for IPv4) the address. */
    expect_resolve("http://10.0.0.1:8080/dir/file", "other", "http://10.0.0.1:8080/dir/other");
    assert_true(url_buf.host_is_ipv4);
    assert_int_equal(url_buf.port, 8080);
    expect_resolve("http://a/dir/file", "/abs?x=1", "http://a/abs?x=1");
    expect_resolve("http://a/", "x", "http://a/x");
    expect_resolve("http://a/", "../../x", "http://a/x");
    expect_resolve("http://a/dir/", "?q", "http://a/dir/?q");
    expect_resolve("http://a/dir/?old", "?new", "http://a/dir/?new");
    expect_resolve("http://a/dir/?old", "#frag", "http://a/dir/?old");
    expect_resolve("http://a/p?q", "/", "http://a/");
    expect_resolve("http://a/p", "caf\xc3\xa9", "http://a/caf%C3%A9");
    expect_resolve("http://a/p", "./a:b", "http://a/a:b"); /* colon after a slash: a path */
    expect_resolve("http://a/x/y", "%2e%2e/z", "http://a/x/%2e%2e/z");
    /* The query of a relative reference is kept verbatim. */
    expect_resolve("http://a/x/y", "?a/../b", "http://a/x/y?a/../b");
}

static void test_resolve_rejects(void **state)
{
    (void)state;
    expect_resolve_bad("http://a/", "ftp://x/", 8, WF_EURL_SCHEME, NULL);
    expect_resolve_bad("http://a/", "javascript:alert(1)", 19, WF_EURL_SCHEME, NULL);
    expect_resolve_bad("http://a/", "a\0b", 3, WF_EURL, "control");
    expect_resolve_bad("http://a/", "/a\r\nSet-Cookie: x", 18, WF_EURL, "control");
    expect_resolve_bad("http://a/", "/a b", 4, WF_EURL, "space");
    expect_resolve_bad("http://a/", "//", 2, WF_EURL, "empty host");
    expect_resolve_bad("http://a/", "//u@h/", 6, WF_EURL, "user");
    expect_resolve_bad("http://a/", "//[::1]/", 8, WF_EURL, "IPv6");
    expect_resolve_bad("http://a/", "//h:0/", 6, WF_EURL, "port");
    expect_resolve_bad("http://a/", "/%x1", 4, WF_EURL, "%");
    expect_resolve_bad("http://a/", "https://", 8, WF_EURL, "empty host");

    /* Too long: the merged path is limited. */
    static char ref[WF_URL_MAX_PATH + 2];
    memset(ref, 'r', sizeof ref);
    expect_resolve_bad("http://a/", ref, WF_URL_MAX_PATH, WF_EURL, "too long");
    expect_resolve("http://a/", "", "http://a/");
}

static void test_resolve_long_paths(void **state)
{
    (void)state;
    static char ref[WF_URL_MAX_PATH + 2];
    struct wf_url b;
    assert_int_equal(wf_url_parse("http://a/", &b, NULL), 0);
    /* "/" + 1023 characters: exactly the limit. */
    memset(ref, 'r', WF_URL_MAX_PATH - 1);
    assert_int_equal(wf_url_resolve(&b, ref, WF_URL_MAX_PATH - 1, &url_buf, NULL), 0);
    assert_int_equal(strlen(url_buf.path), WF_URL_MAX_PATH);
    /* A query-only reference on a long base path. */
    assert_int_equal(wf_url_resolve(&url_buf, "?q", 2, &url_buf2, NULL), WF_EURL);
    assert_int_equal(wf_url_resolve(&url_buf, "#q", 2, &url_buf2, NULL), 0);
    assert_string_equal(url_buf2.path, url_buf.path);
    /* Resolving an empty reference is the base itself. */
    assert_int_equal(wf_url_resolve(&url_buf, NULL, 0, &url_buf2, NULL), 0);
    assert_url_equal(&url_buf, &url_buf2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_basic),
        cmocka_unit_test(test_parse_case_and_ports),
        cmocka_unit_test(test_parse_ipv4),
        cmocka_unit_test(test_parse_path_normalisation),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_parse_control_bytes_everywhere),
        cmocka_unit_test(test_authority_and_format),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_resolve_rfc3986_normal),
        cmocka_unit_test(test_resolve_rfc3986_abnormal),
        cmocka_unit_test(test_resolve_redirect_forms),
        cmocka_unit_test(test_resolve_rejects),
        cmocka_unit_test(test_resolve_long_paths),
    };
    return cmocka_run_group_tests_name("url", tests, NULL, NULL);
}
