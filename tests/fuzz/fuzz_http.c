/*
 * libFuzzer target for the streaming HTTP response parser
 * (src/http/response.c). Input layout: byte 0 = flags (bit 0: the request
 * was HEAD; bits 1..3: make the header callback fail on that field number),
 * byte 1 = seed for the slice sizes, the rest = the response bytes.
 *
 * The response is fed three ways: whole, in pseudo-random slices derived
 * from the seed, and one byte at a time; each run ends with finish(). All
 * three must agree on the result, the bytes consumed, every callback and the
 * body, and each must keep the API's promises (checked with abort()).
 *
 * A fourth pass feeds the response to the wizfetch command's printers
 * (apps/wizfetch/output.c: status line, headers and body with -i, into a
 * memory stream), and prints the response bytes as a certificate summary,
 * so ASan sees any over-read on the app side too; the output must hold
 * exactly the body the parser delivered.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "wizfetch/error.h"
#include "wizfetch/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok) {
        abort();
    }
}

struct run {
    int fail_field; /* 1-based header number whose callback fails, 0 = none */
    int rc;
    size_t consumed;
    int complete;
    int status;
    int status_calls;
    int headers_done;
    int fields;
    uint64_t head_hash;
    uint64_t body_hash;
    uint64_t body_len;
    char location[WF_HTTP_MAX_LOCATION + 1];
    int has_location;
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 0x100000001b3ull; /* FNV-1a */
    }
    return h;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static int on_status(void *ctx, int code, const char *reason)
{
    struct run *r = ctx;
    check(code >= 200 && code <= 599 && r->status_calls == 0);
    r->status_calls++;
    r->head_hash = mix(r->head_hash, &code, sizeof code);
    r->head_hash = mix(r->head_hash, reason, strlen(reason) + 1);
    return 0;
}

static int on_header(void *ctx, const char *name, const char *value)
{
    struct run *r = ctx;
    size_t nl = strlen(name), vl = strlen(value);
    check(nl > 0 && r->status_calls == 1 && r->headers_done == 0);
    check(strpbrk(name, " \t\r\n:") == NULL && strpbrk(value, "\r\n") == NULL);
    check(vl == 0 || (!is_ows(value[0]) && !is_ows(value[vl - 1])));
    r->head_hash = mix(r->head_hash, name, nl + 1);
    r->head_hash = mix(r->head_hash, value, vl + 1);
    return ++r->fields == r->fail_field ? WF_EWRITE : 0;
}

static int on_headers_done(void *ctx)
{
    struct run *r = ctx;
    check(r->status_calls == 1 && r->headers_done == 0);
    r->headers_done++;
    return 0;
}

static int on_body(void *ctx, const uint8_t *d, size_t n)
{
    struct run *r = ctx;
    check(n > 0 && r->headers_done == 1);
    r->body_hash = mix(r->body_hash, d, n);
    r->body_len += n;
    return 0;
}

static const struct wf_http_callbacks cbs = {on_status, on_header, on_headers_done, on_body};

static wf_http_parser_t parser;

/* mode 0: whole; 1: slices from the seed; 2: one byte at a time. */
static void drive(const uint8_t *msg, size_t len, int head, unsigned seed, int mode, struct run *r)
{
    wf_http_parser_init(&parser, head != 0, &cbs, r);
    uint32_t x = seed * 2654435761u + 1u;
    size_t pos = 0;
    while (pos < len) {
        size_t n = len - pos;
        if (mode == 2) {
            n = 1;
        } else if (mode == 1) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            size_t want = (x & 3) == 0 ? (x >> 8) % 512 : (x >> 8) % 8; /* mostly tiny, some large */
            n = want < n ? want : n;                                    /* 0-byte feeds included */
        }
        int rc = wf_http_parser_feed(&parser, msg + pos, n);
        if (rc < 0) {
            r->rc = rc;
            check(wf_http_parser_feed(&parser, msg, len) == rc && wf_http_parser_finish(&parser) == rc);
            check(!wf_http_parser_complete(&parser));
            r->consumed = 0;
            goto out;
        }
        check((size_t)rc <= n);
        r->consumed += (size_t)rc;
        if ((size_t)rc < n) {
            check(wf_http_parser_complete(&parser));
            break;
        }
        pos += n;
        if (wf_http_parser_complete(&parser)) {
            break;
        }
    }
    r->rc = wf_http_parser_finish(&parser);
    check(r->rc == 0 || r->rc == WF_EHTTP_SHORT || r->rc == WF_EHTTP_PROTO || r->rc == WF_EHTTP_EMPTY);
    check((r->rc == 0) == wf_http_parser_complete(&parser));
    check(r->rc != WF_EHTTP_EMPTY || len == 0);
out:
    check(r->rc == 0 || r->rc == WF_EHTTP_SHORT || r->rc == WF_EHTTP_PROTO || r->rc == WF_EHTTP_EMPTY ||
          r->rc == WF_EHTTP_TOOBIG || r->rc == WF_EWRITE);
    r->complete = wf_http_parser_complete(&parser);
    r->status = wf_http_parser_status(&parser);
    check(wf_http_parser_body_received(&parser) == r->body_len);
    check(r->body_len <= len);
    const char *loc = wf_http_parser_location(&parser);
    if (loc != NULL) {
        size_t ll = strlen(loc);
        check(ll <= WF_HTTP_MAX_LOCATION && r->status >= 300 && r->status <= 399);
        memcpy(r->location, loc, ll + 1);
        r->has_location = 1;
    }
    uint64_t cl;
    if (wf_http_parser_content_length(&parser, &cl) && r->rc == 0) {
        check(cl == r->body_len);
    }
}

static void check_agree(const struct run *a, const struct run *b)
{
    check(a->rc == b->rc && a->consumed == b->consumed && a->complete == b->complete);
    check(a->status == b->status && a->status_calls == b->status_calls && a->headers_done == b->headers_done);
    check(a->fields == b->fields && a->head_hash == b->head_hash);
    check(a->body_len == b->body_len && a->body_hash == b->body_hash);
    check(a->has_location == b->has_location && strcmp(a->location, b->location) == 0);
}

static const struct wf_http_callbacks printer_cbs = {wf_cli_output_status, wf_cli_output_header,
                                                     wf_cli_output_headers_done, wf_cli_output_body};

/* The app's printers over the whole message (-i: heads and body into `out`,
 * messages into `messages`); the body at the output's end must be the one of
 * the first run. */
static void drive_printers(const uint8_t *msg, size_t len, int head, const struct run *first)
{
    char *out_buf = NULL, *msg_buf = NULL;
    size_t out_len = 0, msg_len = 0;
    FILE *out = open_memstream(&out_buf, &out_len);
    FILE *messages = open_memstream(&msg_buf, &msg_len);
    check(out != NULL && messages != NULL);
    struct wf_cli_output o;
    wf_cli_output_init(&o, messages, out, NULL, true);
    wf_http_parser_init(&parser, head != 0, &printer_cbs, &o);
    int rc = wf_http_parser_feed(&parser, msg, len);
    if (rc >= 0 && !wf_http_parser_complete(&parser)) {
        (void)wf_http_parser_finish(&parser);
    }
    /* The summary printer takes any text, line by line. */
    char *summary = malloc(len + 1);
    check(summary != NULL);
    memcpy(summary, msg, len);
    summary[len] = '\0';
    wf_cli_output_certificate(&o, summary);
    free(summary);
    check(wf_cli_output_finish(&o, true) == 0);
    wf_cli_output_free(&o);
    fclose(out);
    fclose(messages);
    if (first->fail_field == 0) { /* the same parse as the first run: the same body, last */
        check(out_len >= first->body_len);
        check(mix(0, out_buf + out_len - first->body_len, first->body_len) == first->body_hash);
    }
    free(out_buf);
    free(msg_buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    int head = data[0] & 1;
    int fail_field = (data[0] >> 1) & 7;
    unsigned seed = data[1];
    size_t len = size - 2;
    uint8_t *msg = malloc(len ? len : 1); /* exact size: ASan sees over-reads */
    if (msg == NULL) {
        abort();
    }
    memcpy(msg, data + 2, len);

    static struct run runs[3];
    for (int mode = 0; mode < 3; mode++) {
        memset(&runs[mode], 0, sizeof runs[mode]);
        runs[mode].fail_field = fail_field;
        drive(msg, len, head, seed, mode, &runs[mode]);
    }
    check_agree(&runs[0], &runs[1]);
    check_agree(&runs[0], &runs[2]);
    drive_printers(msg, len, head, &runs[0]);
    free(msg);
    return 0;
}
