/*
 * wizfetch's printers: see output.h.
 */
#include "output.h"

#include <string.h>

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

/* The output stream, opened on first use. */
static FILE *output_stream(struct wf_cli_output *o)
{
    if (o->out == NULL && !o->failed) {
        o->out = o->path != NULL ? fopen(o->path, "wb") : o->std_out;
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

int wf_cli_output_status(void *ctx, int code, const char *reason)
{
    struct wf_cli_output *o = ctx;
    char number[16]; /* "%d" of an int always fits */
    snprintf(number, sizeof number, "%d", code);
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
