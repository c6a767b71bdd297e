/*
 * --retry and its family: see retry.h.
 */
#include "retry.h"

#include <string.h>

#define RETRY_FIRST_SLEEP_MS 1000u
#define RETRY_MAX_SLEEP_MS (10u * 60u * 1000u)

enum { EXIT_RESOLVE = 6, EXIT_CONNECT = 7, EXIT_TIMEOUT = 28 };

void wf_cli_retry_start(struct wf_cli_retry *r, const struct wf_cli_retry_options *o)
{
    r->left = o->count;
    r->sleep_ms = o->delay_ms != 0 ? o->delay_ms : RETRY_FIRST_SLEEP_MS;
}

static bool transient_status(int status)
{
    return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

enum wf_cli_retry_kind wf_cli_retry_kind(const struct wf_cli_retry_options *o, const struct wf_cli_attempt *a)
{
    enum wf_cli_retry_kind kind = WF_CLI_RETRY_NO;
    if (a->exit_code == EXIT_TIMEOUT || a->exit_code == EXIT_RESOLVE) {
        kind = WF_CLI_RETRY_TIMEOUT;
    } else if (a->exit_code == EXIT_CONNECT) {
        if (o->connrefused && a->refused) {
            kind = WF_CLI_RETRY_CONNREFUSED;
        }
    } else if (a->complete && transient_status(a->http_status)) {
        kind = WF_CLI_RETRY_HTTP;
    }
    if (kind == WF_CLI_RETRY_NO && a->exit_code != 0 && o->all_errors) {
        kind = WF_CLI_RETRY_ALL_ERRORS;
    }
    return kind;
}

/* An IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", as Unix seconds. */
static bool http_date(const char *s, time_t *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == NULL || *end != '\0') {
        return false;
    }
    *t = timegm(&tm);
    return *t != (time_t)-1;
}

bool wf_cli_retry_after(const char *value, time_t now, uint64_t *seconds)
{
    size_t n = strspn(value, "0123456789");
    if (n > 0 && value[n] == '\0') {
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) {
            v = v > UINT64_MAX / 10 - 10 ? UINT64_MAX / 10 : v * 10 + (uint64_t)(value[i] - '0');
        }
        *seconds = v;
        return true;
    }
    time_t when;
    if (!http_date(value, &when)) {
        return false;
    }
    *seconds = when > now ? (uint64_t)(when - now) : 0;
    return true;
}

enum wf_cli_retry_kind wf_cli_retry_next(struct wf_cli_retry *r, const struct wf_cli_retry_options *o,
                                         const struct wf_cli_attempt *a, uint32_t elapsed_ms,
                                         const char *retry_after, time_t now, uint64_t *wait_ms)
{
    if (r->left == 0 || (o->max_time_ms != 0 && elapsed_ms >= o->max_time_ms)) {
        return WF_CLI_RETRY_NO;
    }
    enum wf_cli_retry_kind kind = wf_cli_retry_kind(o, a);
    if (kind == WF_CLI_RETRY_NO) {
        return kind;
    }
    uint64_t wait = r->sleep_ms;
    uint64_t after;
    if (kind == WF_CLI_RETRY_HTTP && retry_after != NULL && wf_cli_retry_after(retry_after, now, &after) &&
        after > 0) {
        wait = after > UINT64_MAX / 1000 ? UINT64_MAX : after * 1000;
        if (o->max_time_ms != 0 && wait > (uint64_t)(o->max_time_ms - elapsed_ms)) {
            wait = o->max_time_ms - elapsed_ms; /* never past --retry-max-time */
        }
    }
    *wait_ms = wait;
    r->left--;
    if (o->delay_ms == 0) {
        r->sleep_ms = r->sleep_ms > RETRY_MAX_SLEEP_MS / 2 ? RETRY_MAX_SLEEP_MS : r->sleep_ms * 2;
    }
    return kind;
}

void wf_cli_warn(FILE *to, const char *text)
{
    static const char prefix[] = "Warning: ";
    const size_t width = 79 - (sizeof prefix - 1);
    size_t len = strlen(text);
    while (len > 0) {
        fputs(prefix, to);
        if (len < width) { /* curl 7.88 breaks a text of exactly `width` bytes too */
            fputs(text, to);
            fputc('\n', to);
            return;
        }
        size_t cut = width - 1;
        while (cut > 0 && text[cut] != ' ' && text[cut] != '\t') {
            cut--;
        }
        if (cut == 0) {
            cut = width - 1;
        }
        fwrite(text, 1, cut + 1, to);
        fputc('\n', to);
        text += cut + 1;
        len -= cut + 1;
    }
}

void wf_cli_retry_warn(FILE *to, enum wf_cli_retry_kind kind, uint64_t wait_ms, unsigned left)
{
    static const char *const why[] = {
        [WF_CLI_RETRY_NO] = "",
        [WF_CLI_RETRY_ALL_ERRORS] = "(retrying all errors)",
        [WF_CLI_RETRY_TIMEOUT] = ": timeout",
        [WF_CLI_RETRY_CONNREFUSED] = ": connection refused",
        [WF_CLI_RETRY_HTTP] = ": HTTP error",
    };
    char text[160];
    snprintf(text, sizeof text, "Problem %s. Will retry in %llu seconds. %u retries left.", why[kind],
             (unsigned long long)(wait_ms / 1000), left);
    wf_cli_warn(to, text);
}
