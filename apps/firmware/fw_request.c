/* The firmware's request from its build-time settings: see fw_request.h. */
#include "fw_request.h"

#include <string.h>

#include "firmware_config.h"
#include "wizfetch/error.h"

#define FW_HEADER_NAME_MAX 48

/* Index 0 is a placeholder, so an empty WF_FW_HEADERS is still valid C. */
static const char *const header_lines[] = {"", WF_FW_HEADERS};
static struct wf_http_header fields[WF_FW_MAX_HEADERS];
static char names[WF_FW_MAX_HEADERS][FW_HEADER_NAME_MAX];

#ifdef WF_FW_BODY
static const char body[] = WF_FW_BODY;
#endif

int fw_request_configure(struct wf_fetch_options *o, const char **bad)
{
    size_t n = 0;
    o->method = WF_FW_METHOD;
    for (size_t i = 1; i < sizeof header_lines / sizeof header_lines[0]; i++) {
        const char *line = header_lines[i];
        const char *colon = strchr(line, ':');
        size_t len = colon != NULL ? (size_t)(colon - line) : 0;
        if (n == WF_FW_MAX_HEADERS || len == 0 || len >= FW_HEADER_NAME_MAX) {
            *bad = line;
            return WF_EINVAL;
        }
        memcpy(names[n], line, len);
        names[n][len] = '\0';
        const char *value = colon + 1;
        value += strspn(value, " \t");
        if (wf_http_header_check(names[n], value) < 0) {
            *bad = line;
            return WF_EINVAL;
        }
        fields[n] = (struct wf_http_header){names[n], value, 0};
        o->headers = fields;
        o->header_count = ++n;
    }
#ifdef WF_FW_BODY
    o->body.data = (const uint8_t *)body;
    o->body.len = sizeof body - 1;
#endif
    return 0;
}

/* Does `s` start with `word` (lower case), any case? ASCII only: no
 * strncasecmp, which would link the C library's ctype table. */
static bool starts_with_word(const char *s, const char *word)
{
    for (; *word != '\0'; s++, word++) {
        char c = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
        if (c != *word) {
            return false;
        }
    }
    return true;
}

/* Does `name` contain `word` (lower case) at `from` or later, any case? */
static bool has_word(const char *name, const char *word, size_t from)
{
    size_t len = strlen(name), wlen = strlen(word);
    for (size_t i = from; i + wlen <= len; i++) {
        if (starts_with_word(name + i, word)) {
            return true;
        }
    }
    return false;
}

static bool ends_with(const char *name, const char *suffix)
{
    size_t len = strlen(name), slen = strlen(suffix);
    return len >= slen && has_word(name, suffix, len - slen);
}

bool fw_request_field_is_secret(const char *name)
{
    return wf_http_is_credential(name) || ends_with(name, "key") || ends_with(name, "token") ||
           has_word(name, "secret", 0);
}

static void puts2(void (*print)(const char *, size_t), const char *a, const char *b)
{
    print(a, strlen(a));
    print(b, strlen(b));
}

void fw_request_print(const struct wf_fetch_options *o, void (*print)(const char *text, size_t len))
{
    puts2(print, o->method != NULL ? o->method : "GET", " ");
    puts2(print, o->url, "\n");
    for (size_t i = 0; i < o->header_count; i++) {
        const struct wf_http_header *h = &o->headers[i];
        bool secret = fw_request_field_is_secret(h->name);
        puts2(print, "> ", h->name);
        puts2(print, ": ", secret ? "(set, not shown)" : h->value);
        print("\n", 1);
    }
    if (o->body.data != NULL) {
        print("> body: ", 8);
        print((const char *)o->body.data, o->body.len);
        print("\n", 1);
    }
}
