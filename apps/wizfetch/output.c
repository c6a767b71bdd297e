/*
 * wizfetch's printers: see output.h.
 */
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "wizfetch/error.h"

void wf_cli_output_init(struct wf_cli_output *o, FILE *messages, FILE *std_out, const char *path,
                        bool head_to_out)
{
    memset(o, 0, sizeof *o);
    o->messages = messages;
    o->std_out = std_out;
    o->path = path;
    o->head_to_out = head_to_out;
}

/* --create-dirs: every directory leading to `path` (as curl, mode 0750). */
static bool make_dirs(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL) {
        return false;
    }
    bool ok = true;
    for (char *p = strchr(copy + 1, '/'); p != NULL && ok; p = strchr(p + 1, '/')) {
        *p = '\0';
        ok = mkdir(copy, 0750) == 0 || errno == EEXIST;
        *p = '/';
    }
    free(copy);
    return ok;
}

/* The output stream, opened on first use. */
static FILE *output_stream(struct wf_cli_output *o)
{
    if (o->out == NULL && !o->failed) {
        if (o->path != NULL && o->create_dirs && !make_dirs(o->path)) {
            o->failed = true;
            return NULL;
        }
        o->out = o->path != NULL ? fopen(o->path, o->append ? "ab" : "wb") : o->std_out;
        o->failed = o->out == NULL;
    }
    return o->out;
}

static int write_out(struct wf_cli_output *o, const void *data, size_t len)
{
    if (len == 0) {
        return 0;
    }
    FILE *f = output_stream(o);
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        o->failed = true;
        return WF_EWRITE;
    }
    o->written += len;
    return 0;
}

static int write_text(struct wf_cli_output *o, const char *text)
{
    return write_out(o, text, strlen(text));
}

void wf_cli_output_log(void *ctx, const char *line)
{
    struct wf_cli_output *o = ctx;
    if (o->log != NULL) {
        fprintf(o->log, "* [%5u ms] %s\n", (unsigned)(o->clock_ms() - o->t0), line);
    }
}

void wf_cli_output_certificate(void *ctx, const char *summary)
{
    struct wf_cli_output *o = ctx;
    if (o->messages == NULL) {
        return;
    }
    fputs("* server certificate:\n", o->messages);
    for (const char *p = summary; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        fputs("*   ", o->messages);
        fwrite(p, 1, n, o->messages);
        fputc('\n', o->messages);
        p += n + (nl ? 1 : 0);
    }
}

/* Keep one field of the latest head ("name\0value\0"); out of memory only
 * loses it for -w. */
static void keep_field(struct wf_cli_output *o, const char *name, const char *value)
{
    size_t n = strlen(name) + 1, v = strlen(value) + 1;
    if (o->fields_cap - o->fields_len < n + v) {
        size_t cap = (o->fields_cap + n + v) * 2;
        char *bigger = realloc(o->fields, cap);
        if (bigger == NULL) {
            return;
        }
        o->fields = bigger;
        o->fields_cap = cap;
    }
    memcpy(o->fields + o->fields_len, name, n);
    memcpy(o->fields + o->fields_len + n, value, v);
    o->fields_len += n + v;
}

const char *wf_cli_output_field(void *ctx, const char *name, size_t len)
{
    const struct wf_cli_output *o = ctx;
    for (size_t i = 0; i < o->fields_len;) {
        const char *n = o->fields + i;
        const char *v = n + strlen(n) + 1;
        if (strlen(n) == len && strncasecmp(n, name, len) == 0) {
            return v;
        }
        i = (size_t)(v + strlen(v) + 1 - o->fields);
    }
    return NULL;
}

void wf_cli_output_free(struct wf_cli_output *o)
{
    free(o->fields);
    o->fields = NULL;
    o->fields_len = o->fields_cap = 0;
}

/* A head line made of `n` parts: to -D (CRLF-terminated, each part written
 * as it is, whatever its length); its size counts for -w. */
static void head_line(struct wf_cli_output *o, const char *const *parts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        o->head_bytes += strlen(parts[i]);
        if (o->dump_header != NULL) {
            fputs(parts[i], o->dump_header);
        }
    }
    o->head_bytes += 2;
    if (o->dump_header != NULL) {
        fputs("\r\n", o->dump_header);
    }
}

int wf_cli_output_status(void *ctx, int code, const char *reason)
{
    struct wf_cli_output *o = ctx;
    char number[16]; /* "%d" of an int always fits */
    snprintf(number, sizeof number, "%d", code);
    if (!o->got_response) {
        o->got_response = true;
        o->first_byte_ms = o->clock_ms != NULL ? o->clock_ms() - o->t0 : 0;
    }
    o->fields_len = 0;
    o->status = code;
    const char *const line[] = {"HTTP/1.1 ", number, " ", reason};
    head_line(o, line, 4);
    if (o->messages != NULL) {
        fprintf(o->messages, "< HTTP/1.1 %s %s\n", number, reason);
    }
    if (!o->head_to_out) {
        return 0;
    }
    int rc = write_text(o, "HTTP/1.1 ");
    rc = rc ? rc : write_text(o, number);
    rc = rc ? rc : write_text(o, " ");
    rc = rc ? rc : write_text(o, reason);
    return rc ? rc : write_text(o, "\r\n");
}

int wf_cli_output_header(void *ctx, const char *name, const char *value)
{
    struct wf_cli_output *o = ctx;
    const char *const line[] = {name, ": ", value};
    head_line(o, line, 3);
    keep_field(o, name, value);
    if (o->messages != NULL) {
        fprintf(o->messages, "< %s: %s\n", name, value);
    }
    if (!o->head_to_out) {
        return 0;
    }
    int rc = write_text(o, name);
    rc = rc ? rc : write_text(o, ": ");
    rc = rc ? rc : write_text(o, value);
    return rc ? rc : write_text(o, "\r\n");
}

int wf_cli_output_headers_done(void *ctx)
{
    struct wf_cli_output *o = ctx;
    head_line(o, NULL, 0);
    if (o->dump_header != NULL) {
        fflush(o->dump_header);
    }
    if (o->messages != NULL) {
        fputs("<\n", o->messages);
    }
    return o->head_to_out ? write_text(o, "\r\n") : 0;
}

int wf_cli_output_body(void *ctx, const uint8_t *data, size_t len)
{
    return write_out(ctx, data, len);
}

int wf_cli_output_finish(struct wf_cli_output *o, bool success)
{
    if (success && o->path != NULL) {
        (void)output_stream(o); /* an empty body still makes the file */
    }
    if (o->out != NULL) {
        if (o->out == o->std_out) {
            o->failed |= fflush(o->out) != 0;
        } else {
            o->failed |= fclose(o->out) != 0;
        }
        o->out = NULL;
    }
    return o->failed ? WF_EWRITE : 0;
}
