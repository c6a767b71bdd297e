/*
 * -w/--write-out: see write_out.h.
 */
#include "write_out.h"

#include <stdlib.h>
#include <string.h>

enum kind { K_UINT, K_INT, K_LONG, K_U64, K_SECONDS, K_STRING, K_CODE, K_SPEED };

struct variable {
    const char *name;
    enum kind kind;
    size_t offset; /* of the member in struct wf_cli_write_out_info */
};

#define V(name, kind, member)                                                                                \
    {                                                                                                        \
        name, kind, offsetof(struct wf_cli_write_out_info, member)                                           \
    }

/* curl 7.88's names; several names may show one member. */
static const struct variable variables[] = {
    V("http_code", K_CODE, http_code),
    V("response_code", K_CODE, http_code),
    V("size_download", K_U64, size_download),
    V("size_upload", K_U64, size_upload),
    V("size_header", K_U64, size_header),
    V("time_namelookup", K_SECONDS, time_namelookup),
    V("time_connect", K_SECONDS, time_connect),
    V("time_appconnect", K_SECONDS, time_appconnect),
    V("time_pretransfer", K_SECONDS, time_pretransfer),
    V("time_starttransfer", K_SECONDS, time_starttransfer),
    V("time_redirect", K_SECONDS, time_redirect),
    V("time_total", K_SECONDS, time_total),
    V("speed_download", K_SPEED, size_download),
    V("url_effective", K_STRING, url_effective),
    V("redirect_url", K_STRING, redirect_url),
    V("content_type", K_STRING, content_type),
    V("errormsg", K_STRING, errormsg),
    V("scheme", K_STRING, scheme),
    V("remote_ip", K_STRING, remote_ip),
    V("method", K_STRING, method),
    V("http_version", K_STRING, http_version),
    V("filename_effective", K_STRING, filename_effective),
    V("num_connects", K_UINT, num_connects),
    V("num_redirects", K_UINT, num_redirects),
    V("remote_port", K_UINT, remote_port),
    V("exitcode", K_INT, exitcode),
    V("ssl_verify_result", K_LONG, ssl_verify_result),
};

static void print_variable(const struct variable *v, const struct wf_cli_write_out_info *info, FILE *f)
{
    const char *member = (const char *)info + v->offset;
    switch (v->kind) {
    case K_CODE:
        fprintf(f, "%03d", *(const int *)member);
        break;
    case K_U64:
        fprintf(f, "%llu", (unsigned long long)*(const uint64_t *)member);
        break;
    case K_SECONDS:
        fprintf(f, "%.6f", *(const double *)member);
        break;
    case K_SPEED: { /* bytes per second over the whole transfer, as an integer */
        double t = info->time_total;
        fprintf(f, "%llu", t > 0 ? (unsigned long long)((double)info->size_download / t) : 0ull);
        break;
    }
    case K_STRING:
        fputs(*(const char *const *)member, f);
        break;
    case K_UINT:
        fprintf(f, "%u", *(const unsigned *)member);
        break;
    case K_INT:
        fprintf(f, "%d", *(const int *)member);
        break;
    case K_LONG:
        fprintf(f, "%ld", *(const long *)member);
        break;
    }
}

static const struct variable *find_variable(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof variables / sizeof variables[0]; i++) {
        if (strlen(variables[i].name) == len && memcmp(variables[i].name, name, len) == 0) {
            return &variables[i];
        }
    }
    return NULL;
}

/* "%{...}" at p (p points at '%'): prints it, returns what follows. */
static const char *braced(const char *p, const struct wf_cli_write_out_info *info, FILE **cur, FILE *out,
                          FILE *err, FILE *warn)
{
    const char *name = p + 2;
    const char *end = strchr(name, '}');
    if (end == NULL) {
        fputs("%{", *cur);
        return name;
    }
    size_t len = (size_t)(end - name);
    const struct variable *v = find_variable(name, len);
    if (v != NULL) {
        print_variable(v, info, *cur);
    } else if (len == 6 && memcmp(name, "stdout", 6) == 0) {
        *cur = out;
    } else if (len == 6 && memcmp(name, "stderr", 6) == 0) {
        *cur = err;
    } else if (warn != NULL) {
        fprintf(warn, "wizfetch: unknown --write-out variable: '%.*s'\n", (int)len, name);
    }
    return end + 1;
}

/* "%header{...}" at p: prints the field's value, returns what follows. */
static const char *header_value(const char *p, const struct wf_cli_write_out_info *info, FILE *cur)
{
    const char *name = p + 8;
    const char *end = strchr(name, '}');
    if (end == NULL) {
        fputs("%header{", cur);
        return name;
    }
    const char *value =
        info->header != NULL ? info->header(info->header_ctx, name, (size_t)(end - name)) : NULL;
    if (value != NULL) {
        fputs(value, cur);
    }
    return end + 1;
}

void wf_cli_write_out(const char *format, const struct wf_cli_write_out_info *info, FILE *out, FILE *err,
                      FILE *warn)
{
    FILE *cur = out;
    const char *p = format;
    while (*p != '\0') {
        if (p[0] == '%' && p[1] != '\0') {
            if (p[1] == '%') {
                fputc('%', cur);
                p += 2;
            } else if (p[1] == '{') {
                p = braced(p, info, &cur, out, err, warn);
            } else if (strncmp(p + 1, "header{", 7) == 0) {
                p = header_value(p, info, cur);
            } else {
                fputc(p[0], cur);
                fputc(p[1], cur);
                p += 2;
            }
        } else if (p[0] == '\\' && p[1] != '\0') {
            switch (p[1]) {
            case 'n':
                fputc('\n', cur);
                break;
            case 'r':
                fputc('\r', cur);
                break;
            case 't':
                fputc('\t', cur);
                break;
            default:
                fputc(p[0], cur);
                fputc(p[1], cur);
                break;
            }
            p += 2;
        } else {
            fputc(*p++, cur);
        }
    }
    fflush(out);
    fflush(err);
}

char *wf_cli_write_out_load(const char *arg, FILE *in)
{
    if (arg[0] != '@') {
        return strdup(arg);
    }
    FILE *f = strcmp(arg + 1, "-") == 0 ? in : fopen(arg + 1, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t len = 0, cap = 256;
    char *text = malloc(cap);
    int c;
    while (text != NULL && (c = getc(f)) != EOF) {
        if (c == '\r' || c == '\n') {
            continue;
        }
        if (len + 1 == cap) {
            char *bigger = realloc(text, cap * 2);
            if (bigger == NULL) {
                free(text);
                text = NULL;
                break;
            }
            text = bigger;
            cap *= 2;
        }
        text[len++] = (char)c;
    }
    if (f != in) {
        fclose(f);
    }
    if (text != NULL) {
        text[len] = '\0';
    }
    return text;
}
