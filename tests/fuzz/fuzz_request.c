/*
 * libFuzzer target for the request writer (src/http/request.c): method,
 * User-Agent and caller header names/values from the input.
 *
 * Input layout: byte 0 = flags (bits 0-1 framing, bit 2 drop Authorization,
 * bit 3 drop body fields, bits 4-7 how small the buffer is), then
 * NUL-separated strings: method, user agent (empty = the default), then
 * name/value pairs (a value that is the single byte 0xFF is NULL: a removal;
 * an odd last name gets the value "v"). At most 16 fields.
 *
 * Checked besides the sanitizers: the writer refuses (WF_EINVAL) exactly the
 * inputs an independent check says are invalid; what it writes is one
 * request line and well-formed field lines, CRLF only as line ends, the
 * empty line only at the end; every field the caller asked for is there and
 * nothing else; WF_ENOMEM only when the buffer is too small for what a large
 * buffer receives.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wizfetch/error.h"
#include "wizfetch/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS 16

static void check(int ok)
{
    if (!ok) {
        abort();
    }
}

static bool tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool token(const char *s)
{
    if (s == NULL || *s == '\0') {
        return false;
    }
    for (; *s; s++) {
        if (!tchar((unsigned char)*s)) {
            return false;
        }
    }
    return true;
}

static bool field_value(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return false;
        }
    }
    return true;
}

static bool is_default(const char *name)
{
    return strcasecmp(name, "Host") == 0 || strcasecmp(name, "User-Agent") == 0 ||
           strcasecmp(name, "Accept") == 0 || strcasecmp(name, "Connection") == 0;
}

/* The last field of this name, or -1. */
static int last_of(const struct wf_http_header *f, size_t n, const char *name)
{
    int found = -1;
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(f[i].name, name) == 0) {
            found = (int)i;
        }
    }
    return found;
}

/* Is `line` (without CRLF) among the lines of `head`? Counts the matches. */
static size_t count_line(const char *head, const char *line)
{
    size_t n = 0, len = strlen(line);
    for (const char *p = head; (p = strstr(p, line)) != NULL; p += len) {
        if ((p == head || p[-1] == '\n') && p[len] == '\r') {
            n++;
        }
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192) {
        return 0;
    }
    uint8_t flags = data[0];
    char *text = malloc(size); /* the strings, NUL-terminated */
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    const char *strings[2 + 2 * MAX_FIELDS];
    size_t ns = 0;
    for (char *p = text; ns < sizeof strings / sizeof strings[0] && p < text + size - 1;) {
        strings[ns++] = p;
        p += strlen(p) + 1;
    }
    if (ns == 0) {
        free(text);
        return 0;
    }

    struct wf_url u;
    check(wf_url_parse("https://h.example/p?q=1", &u, NULL) == 0);
    struct wf_http_header fields[MAX_FIELDS];
    size_t nf = 0;
    for (size_t i = 2; i < ns && nf < MAX_FIELDS; i += 2) {
        const char *value = i + 1 < ns ? strings[i + 1] : "v";
        unsigned body_flag = (flags & 0x08) && (nf & 1) ? WF_HTTP_HEADER_BODY : 0;
        fields[nf] =
            (struct wf_http_header){strings[i], strcmp(value, "\xff") == 0 ? NULL : value, body_flag};
        nf++;
    }
    struct wf_http_request_head h = {
        .method = strings[0],
        .url = &u,
        .user_agent = ns > 1 && strings[1][0] != '\0' ? strings[1] : NULL,
        .headers = fields,
        .header_count = nf,
        .framing = (enum wf_http_framing)(flags & 3),
        .content_length = size * 1000003u,
        .drop_credentials = (flags & 0x04) != 0,
        .drop_body_fields = (flags & 0x08) != 0,
    };

    /* The independent verdict. */
    bool valid = token(h.method) && h.framing <= WF_HTTP_CHUNKED &&
                 (h.user_agent == NULL || field_value(h.user_agent));
    for (size_t i = 0; i < nf; i++) {
        valid = valid && token(fields[i].name) && (fields[i].value == NULL || field_value(fields[i].value)) &&
                strcasecmp(fields[i].name, "Content-Length") != 0 &&
                strcasecmp(fields[i].name, "Transfer-Encoding") != 0;
    }

    static char big[65536];
    int n = wf_http_request_head_write(big, sizeof big, &h);
    if (!valid) {
        check(n == WF_EINVAL && big[0] == '\0');
        free(text);
        return 0;
    }
    check(n > 0 && (size_t)n == strlen(big));

    /* A small buffer: all or nothing. */
    size_t cap = (size_t)n + 1 - ((flags >> 4) % 2 ? (size_t)(flags >> 4) % (size_t)(n + 1) : 0);
    char *small = malloc(cap);
    int m = wf_http_request_head_write(small, cap, &h);
    check(cap == (size_t)n + 1 ? m == n && strcmp(small, big) == 0 : (m == WF_ENOMEM && small[0] == '\0'));
    free(small);

    /* Line structure: CR only before LF, LF only after CR, the empty line last. */
    for (int i = 0; i < n; i++) {
        if (big[i] == '\r') {
            check(i + 1 < n && big[i + 1] == '\n');
        }
        if (big[i] == '\n') {
            check(i > 0 && big[i - 1] == '\r');
        }
    }
    check(n >= 4 && memcmp(big + n - 4, "\r\n\r\n", 4) == 0);
    check(strstr(big, "\r\n\r\n") == big + n - 4);

    /* The request line. */
    static const char rest[] = " /p?q=1 HTTP/1.1\r\n";
    size_t ml = strlen(h.method);
    check(strncmp(big, h.method, ml) == 0 && strncmp(big + ml, rest, sizeof rest - 1) == 0);

    /* Every field line is "token: value" or "token:". */
    size_t lines = 0;
    for (const char *p = big + ml + sizeof rest - 1; p < big + n - 2; lines++) {
        const char *end = strstr(p, "\r\n");
        const char *colon = memchr(p, ':', (size_t)(end - p));
        check(colon != NULL && colon > p);
        for (const char *c = p; c < colon; c++) {
            check(tchar((unsigned char)*c));
        }
        check(colon + 1 == end || colon[1] == ' ');
        p = end + 2;
    }

    /* Exactly the expected fields. */
    size_t want = 0;
    char line[8400];
    static const char *const defaults[][2] = {
        {"Host", "h.example"}, {"User-Agent", NULL}, {"Accept", "*/*"}, {"Connection", "close"}};
    for (size_t d = 0; d < 4; d++) {
        if (last_of(fields, nf, defaults[d][0]) < 0) {
            const char *v =
                defaults[d][1] ? defaults[d][1] : (h.user_agent ? h.user_agent : WF_HTTP_USER_AGENT);
            snprintf(line, sizeof line, "%s: %s", defaults[d][0], v);
            check(count_line(big, line) >= 1);
            want++;
        }
    }
    if (h.framing == WF_HTTP_LENGTH) {
        snprintf(line, sizeof line, "Content-Length: %llu", (unsigned long long)h.content_length);
        check(count_line(big, line) == 1);
        want++;
    } else if (h.framing == WF_HTTP_CHUNKED) {
        check(count_line(big, "Transfer-Encoding: chunked") == 1);
        want++;
    }
    for (size_t i = 0; i < nf; i++) {
        const struct wf_http_header *f = &fields[i];
        bool sent = f->value != NULL &&
                    !(h.drop_credentials && (strcasecmp(f->name, "Authorization") == 0 ||
                                             strcasecmp(f->name, "Proxy-Authorization") == 0 ||
                                             strcasecmp(f->name, "Cookie") == 0)) &&
                    !(h.drop_body_fields && (f->flags & WF_HTTP_HEADER_BODY)) &&
                    !(is_default(f->name) && last_of(fields, nf, f->name) != (int)i);
        if (sent) {
            snprintf(line, sizeof line, "%s:%s%s", f->name, f->value[0] ? " " : "", f->value);
            check(count_line(big, line) >= 1);
            want++;
        }
    }
    check(lines == want);
    free(text);
    return 0;
}
