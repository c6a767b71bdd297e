/*
 * wizfetch's request options (curl's names and semantics): see request.h.
 */
#include "request.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "wizfetch/error.h"

static int fail(int code, const char *fmt, const char *a, const char *b)
{
    fputs("wizfetch: ", stderr);
    fprintf(stderr, fmt, a, b ? b : "");
    fputc('\n', stderr);
    return code;
}

static char *keep(struct wf_cli_request *r, char *s)
{
    if (s != NULL && r->owned_count < sizeof r->owned / sizeof r->owned[0]) {
        r->owned[r->owned_count++] = s;
        return s;
    }
    free(s);
    return NULL;
}

size_t wf_cli_base64(const unsigned char *in, size_t len, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < len) {
            v |= (unsigned)in[i + 1] << 8;
        }
        if (i + 2 < len) {
            v |= in[i + 2];
        }
        out[o++] = abc[(v >> 18) & 63];
        out[o++] = abc[(v >> 12) & 63];
        out[o++] = i + 1 < len ? abc[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? abc[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}

/* -H "Name: value" (value trimmed of leading blanks; nothing after the colon
 * removes the header), or "Name;" (an empty value), as curl. */
static int add_header(struct wf_cli_request *r, const char *arg)
{
    size_t n = strcspn(arg, ":;");
    if (arg[n] == '\0' || n == 0) {
        return fail(WF_CLI_EXIT_BAD_OPTION, "bad header '%s': want \"Name: value\", \"Name:\" or \"Name;\"%s",
                    arg, NULL);
    }
    char *name = keep(r, strndup(arg, n));
    if (name == NULL) {
        return fail(WF_CLI_EXIT_BAD_OPTION, "out of memory%s%s", "", NULL);
    }
    const char *value;
    if (arg[n] == ';') {
        if (arg[n + 1] != '\0') {
            return fail(WF_CLI_EXIT_BAD_OPTION, "bad header '%s': nothing may follow \"Name;\"%s", arg, NULL);
        }
        value = "";
    } else {
        value = arg + n + 1;
        value += strspn(value, " \t");
        if (*value == '\0') {
            value = NULL; /* "Name:" removes the header */
        }
    }
    if (wf_http_header_check(name, value) < 0) {
        return fail(WF_CLI_EXIT_BAD_OPTION,
                    "bad header '%s': the name must be a token and the value must hold no CR, LF or other "
                    "control bytes%s",
                    arg, NULL);
    }
    if (r->header_count == WF_CLI_MAX_HEADERS) {
        return fail(WF_CLI_EXIT_BAD_OPTION, "too many headers (at most %s)%s", "64", NULL);
    }
    r->headers[r->header_count++] = (struct wf_http_header){name, value, 0};
    return -1;
}

int wf_cli_request_option(struct wf_cli_request *r, int opt, const char *arg)
{
    switch (opt) {
    case 'X':
        if (!wf_http_method_valid(arg)) {
            return fail(WF_CLI_EXIT_BAD_OPTION, "bad -X method '%s' (want a token such as POST)%s", arg,
                        NULL);
        }
        r->method = arg;
        return -1;
    case 'H':
        return add_header(r, arg);
    case 'd':
    case WF_CLI_OPT_DATA_BINARY:
    case WF_CLI_OPT_DATA_RAW:
    case WF_CLI_OPT_JSON:
        if (r->data_count == WF_CLI_MAX_DATA) {
            return fail(WF_CLI_EXIT_BAD_OPTION, "too many data options (at most %s)%s", "32", NULL);
        }
        r->data[r->data_count].kind = opt == 'd'                      ? WF_CLI_DATA
                                      : opt == WF_CLI_OPT_DATA_BINARY ? WF_CLI_DATA_BINARY
                                      : opt == WF_CLI_OPT_DATA_RAW    ? WF_CLI_DATA_RAW
                                                                      : WF_CLI_JSON;
        r->data[r->data_count++].arg = arg;
        return -1;
    case 'T':
        r->upload = arg;
        return -1;
    case 'u':
        r->user = arg;
        return -1;
    case 'G':
        r->get = true;
        return -1;
    case 'A':
        r->agent = arg;
        return -1;
    case 'e':
        r->referer = arg;
        return -1;
    default:
        return fail(WF_CLI_EXIT_BAD_OPTION, "internal: unknown request option%s%s", "", NULL);
    }
}

/* ---- data ------------------------------------------------------------------ */

struct buf {
    char *p;
    size_t len, cap;
};

static bool put(struct buf *b, const void *data, size_t len)
{
    if (b->cap - b->len < len + 1) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < len + 1) {
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            return false;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
    return true;
}

/* Append a file's bytes ("-" = standard input); -d strips CR and LF as curl does. */
static int put_file(struct buf *b, const char *path, bool strip_newlines)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        return fail(WF_CLI_EXIT_READ, "cannot read %s: %s", path, strerror(errno));
    }
    char chunk[8192];
    size_t n;
    bool ok = true;
    while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (!strip_newlines) {
            ok = put(b, chunk, n);
            continue;
        }
        for (size_t i = 0; ok && i < n; i++) {
            if (chunk[i] != '\r' && chunk[i] != '\n') {
                ok = put(b, &chunk[i], 1);
            }
        }
    }
    bool err = ferror(f) != 0;
    int saved = errno;
    if (f != stdin) {
        fclose(f);
    }
    if (err || !ok) {
        return fail(WF_CLI_EXIT_READ, "cannot read %s: %s", path, err ? strerror(saved) : "out of memory");
    }
    return -1;
}

static int file_read(void *ctx, uint8_t *buf, size_t cap)
{
    FILE *f = ctx;
    size_t n = fread(buf, 1, cap, f);
    if (n == 0 && ferror(f)) {
        return WF_EREAD;
    }
    return (int)n;
}

static int file_rewind(void *ctx)
{
    return fseek((FILE *)ctx, 0, SEEK_SET) == 0 ? 0 : WF_EREAD;
}

/* Stream `path` as the body: its length if it is a regular file (rewindable),
 * else chunked; "-" = standard input, always chunked and not rewindable. */
static int stream_file(struct wf_cli_request *r, const char *path, struct wf_fetch_body *body)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL) {
        return fail(WF_CLI_EXIT_READ, "cannot read %s: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fileno(f), &st) < 0) {
        int saved = errno;
        if (!is_stdin) {
            fclose(f);
        }
        return fail(WF_CLI_EXIT_READ, "cannot read %s: %s", path, strerror(saved));
    }
    if (S_ISDIR(st.st_mode)) {
        fclose(f);
        return fail(WF_CLI_EXIT_READ, "cannot read %s: %s", path, "it is a directory");
    }
    r->file = is_stdin ? NULL : f;
    body->read = file_read;
    body->ctx = f;
    if (S_ISREG(st.st_mode) && !is_stdin) { /* standard input is chunked, as curl -T - does */
        body->length = (uint64_t)st.st_size;
        body->rewind = file_rewind;
    } else {
        body->length = WF_FETCH_LENGTH_UNKNOWN;
    }
    return -1;
}

/* The header named `name` among the -H ones, or NULL. */
static bool user_has(const struct wf_cli_request *r, const char *name)
{
    for (size_t i = 0; i < r->header_count; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* -T FILE with a URL that names no file ("https://h" or ".../dir/"): the
 * file's name is appended, percent-encoded, as curl does. */
static char *upload_url(const char *url, const char *file)
{
    const char *auth = strstr(url, "://");
    if (auth == NULL || strcmp(file, "-") == 0) {
        return NULL;
    }
    auth += 3;
    size_t path_at = strcspn(auth, "/?#");
    const char *path = auth + path_at;
    if (strpbrk(path, "?#") != NULL) {
        return NULL;
    }
    bool none = *path == '\0';
    if (!none && path[strlen(path) - 1] != '/') {
        return NULL;
    }
    const char *name = base_name(file);
    size_t cap = strlen(url) + 2 + 3 * strlen(name) + 1;
    char *out = malloc(cap);
    if (out == NULL) {
        return NULL;
    }
    size_t o = (size_t)snprintf(out, cap, "%s%s", url, none ? "/" : "");
    for (const char *c = name; *c != '\0'; c++) {
        unsigned char ch = (unsigned char)*c;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("-._~", ch) != NULL) {
            out[o++] = (char)ch;
        } else {
            o += (size_t)snprintf(out + o, cap - o, "%%%02X", ch);
        }
    }
    out[o] = '\0';
    return out;
}

/* -G: the data as the query ('?' or '&' before it), before any fragment. */
static char *query_url(const char *url, const char *data, size_t len)
{
    size_t cut = strcspn(url, "#");
    char *out = malloc(cut + len + 2);
    if (out == NULL) {
        return NULL;
    }
    memcpy(out, url, cut);
    size_t o = cut;
    if (len > 0) {
        out[o++] = memchr(url, '?', cut) != NULL ? '&' : '?';
        memcpy(out + o, data, len);
        o += len;
    }
    out[o] = '\0';
    return out;
}

int wf_cli_request_finish(struct wf_cli_request *r, struct wf_fetch_options *o)
{
    bool has_data = r->data_count > 0;
    bool json = false;
    if (o->head && (has_data || r->upload != NULL)) {
        return fail(WF_CLI_EXIT_BAD_OPTION, "-I cannot send a body (-d, --data*, --json, -T)%s%s", "", NULL);
    }
    if (r->upload != NULL && has_data) {
        return fail(WF_CLI_EXIT_BAD_OPTION, "-T and -d/--data*/--json cannot be combined%s%s", "", NULL);
    }
    for (size_t i = 0; i < r->data_count; i++) {
        json = json || r->data[i].kind == WF_CLI_JSON;
    }

    /* The body: one --data-binary/--json @FILE is streamed, else the pieces are joined in memory. */
    const char *method = NULL;
    if (r->upload != NULL) {
        int code = stream_file(r, r->upload, &o->body);
        if (code >= 0) {
            return code;
        }
        char *u = upload_url(o->url, r->upload);
        if (u != NULL) {
            r->url = u;
            o->url = u;
        }
        method = "PUT";
    } else if (has_data) {
        if (!r->get && r->data_count == 1 &&
            (r->data[0].kind == WF_CLI_DATA_BINARY || r->data[0].kind == WF_CLI_JSON) &&
            r->data[0].arg[0] == '@' && strcmp(r->data[0].arg, "@-") != 0) {
            int code = stream_file(r, r->data[0].arg + 1, &o->body);
            if (code >= 0) {
                return code;
            }
        } else {
            struct buf b = {0};
            for (size_t i = 0; i < r->data_count; i++) {
                const char *arg = r->data[i].arg;
                enum wf_cli_data_kind kind = r->data[i].kind;
                /* curl joins -d pieces with '&'; --json pieces are concatenated. */
                bool ok =
                    i == 0 || (kind == WF_CLI_JSON && r->data[i - 1].kind == WF_CLI_JSON) || put(&b, "&", 1);
                if (ok && kind != WF_CLI_DATA_RAW && arg[0] == '@') {
                    int code = put_file(&b, arg + 1, kind == WF_CLI_DATA);
                    if (code >= 0) {
                        free(b.p);
                        return code;
                    }
                } else if (ok) {
                    ok = put(&b, arg, strlen(arg));
                }
                if (!ok) {
                    free(b.p);
                    return fail(WF_CLI_EXIT_BAD_OPTION, "out of memory%s%s", "", NULL);
                }
            }
            r->body = b.p != NULL ? b.p : strdup("");
            r->body_len = b.len;
            if (r->body == NULL) {
                return fail(WF_CLI_EXIT_BAD_OPTION, "out of memory%s%s", "", NULL);
            }
            if (r->get) {
                r->url = query_url(o->url, r->body, r->body_len);
                if (r->url == NULL) {
                    return fail(WF_CLI_EXIT_BAD_OPTION, "out of memory%s%s", "", NULL);
                }
                o->url = r->url;
            } else {
                o->body.data = (const uint8_t *)r->body;
                o->body.len = r->body_len;
            }
        }
        if (!r->get) {
            method = "POST";
        }
    }
    if (r->method != NULL) {
        method = r->method;
    }
    o->method = method; /* NULL: GET, or HEAD with -I */

    /* Headers: ours first, each only if no -H names it (a -H wins, as in curl), then the -H ones. */
    static struct wf_http_header all[WF_CLI_MAX_HEADERS + 8];
    size_t n = 0;
    if (r->user != NULL && !user_has(r, "Authorization")) {
        if (strchr(r->user, ':') == NULL) {
            return fail(WF_CLI_EXIT_BAD_OPTION,
                        "-u '%s': no password (wizfetch does not prompt): use -u USER:PASSWORD%s", r->user,
                        NULL);
        }
        size_t len = strlen(r->user);
        char *v = keep(r, malloc(6 + 4 * ((len + 2) / 3) + 1));
        if (v == NULL) {
            return fail(WF_CLI_EXIT_BAD_OPTION, "out of memory%s%s", "", NULL);
        }
        memcpy(v, "Basic ", 6);
        wf_cli_base64((const unsigned char *)r->user, len, v + 6);
        all[n++] = (struct wf_http_header){"Authorization", v, 0};
    }
    if (r->agent != NULL && !user_has(r, "User-Agent")) {
        all[n++] = (struct wf_http_header){"User-Agent", r->agent[0] ? r->agent : NULL, 0};
    }
    if (r->referer != NULL && !user_has(r, "Referer")) {
        size_t len = strlen(r->referer);
        if (len >= 5 && strcmp(r->referer + len - 5, ";auto") == 0) {
            len -= 5;
        }
        char *v = keep(r, strndup(r->referer, len));
        if (v == NULL) {
            return fail(WF_CLI_EXIT_BAD_OPTION, "out of memory%s%s", "", NULL);
        }
        all[n++] = (struct wf_http_header){"Referer", v[0] ? v : NULL, 0};
    }
    if (has_data && !r->get && !user_has(r, "Content-Type")) {
        /* Ours describes the data: dropped with it by a 303 (as curl's own is). */
        all[n++] = (struct wf_http_header){"Content-Type",
                                           json ? "application/json" : "application/x-www-form-urlencoded",
                                           WF_HTTP_HEADER_BODY};
    }
    if (json && !user_has(r, "Accept")) {
        all[n++] = (struct wf_http_header){"Accept", "application/json", 0};
    }
    for (size_t i = 0; i < n; i++) {
        if (wf_http_header_check(all[i].name, all[i].value) < 0) {
            return fail(WF_CLI_EXIT_BAD_OPTION, "bad %s value: control bytes (CR, LF, ...) are not allowed%s",
                        all[i].name, NULL);
        }
    }
    for (size_t i = 0; i < r->header_count; i++) {
        all[n++] = r->headers[i];
    }
    o->headers = all;
    o->header_count = n;
    return -1;
}

int wf_cli_request_for_url(struct wf_cli_request *r, size_t index, const char *url,
                           struct wf_fetch_options *o)
{
    if (index == 0) {
        return -1; /* as wf_cli_request_finish made them (-G, -T may have changed the URL) */
    }
    o->url = url;
    if (r->upload != NULL) {
        /* -T goes with the first URL only (curl pairs -T with URLs in order). */
        o->body = (struct wf_fetch_body){0};
        o->method = r->method;
        return -1;
    }
    if (r->get && r->body != NULL) {
        char *u = query_url(url, r->body, r->body_len);
        if (u == NULL) {
            return fail(WF_CLI_EXIT_BAD_OPTION, "out of memory%s%s", "", NULL);
        }
        free(r->url);
        r->url = u;
        o->url = u;
    }
    if (o->body.read != NULL) {
        /* The same body again, from its start. */
        if (o->body.rewind == NULL || o->body.rewind(o->body.ctx) < 0) {
            return fail(WF_CLI_EXIT_READ, "the request body cannot be read again for URL %s%s", url, "");
        }
    }
    return -1;
}

void wf_cli_request_free(struct wf_cli_request *r)
{
    if (r->file != NULL) {
        fclose(r->file);
    }
    free(r->body);
    free(r->url);
    for (size_t i = 0; i < r->owned_count; i++) {
        free(r->owned[i]);
    }
    memset(r, 0, sizeof *r);
}
