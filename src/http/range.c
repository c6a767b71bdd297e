/* Byte ranges (RFC 9110 14): the Range request field's value and the
 * Content-Range response field. */
#include <string.h>

#include "wizfetch/http.h"
#include "wizfetch/error.h"

/* Decimal digits at *p, at most 19 (always below 2^63): advances *p. */
static bool parse_u64(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t n = 0;
    size_t digits = 0;
    while (*s >= '0' && *s <= '9') {
        if (++digits > 19) {
            return false;
        }
        n = n * 10 + (uint64_t)(*s - '0');
        s++;
    }
    if (digits == 0) {
        return false;
    }
    *p = s;
    *v = n;
    return true;
}

/* "bytes " at the start of s, the unit in any case. */
static bool bytes_unit(const char *s)
{
    static const char unit[] = "bytes";
    for (size_t i = 0; i < sizeof unit - 1; i++) {
        char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
        if (c != unit[i]) {
            return false;
        }
    }
    return s[sizeof unit - 1] == ' ';
}

int wf_http_content_range_parse(const char *value, struct wf_http_content_range *out)
{
    if (value == NULL || !bytes_unit(value)) {
        return WF_EHTTP_PROTO;
    }
    const char *p = value + 6;
    struct wf_http_content_range r = {.complete = WF_HTTP_LENGTH_UNKNOWN};
    if (*p == '*') {
        p++;
        r.unsatisfied = true;
    } else if (!parse_u64(&p, &r.first) || *p++ != '-' || !parse_u64(&p, &r.last) || r.last < r.first) {
        return WF_EHTTP_PROTO;
    }
    if (*p++ != '/') {
        return WF_EHTTP_PROTO;
    }
    if (*p == '*' && !r.unsatisfied) {
        p++;
    } else if (!parse_u64(&p, &r.complete) || (!r.unsatisfied && r.last >= r.complete)) {
        return WF_EHTTP_PROTO;
    }
    if (*p != '\0') {
        return WF_EHTTP_PROTO;
    }
    *out = r;
    return 0;
}

bool wf_http_range_valid(const struct wf_http_range *r)
{
    return r->suffix ? r->last > 0 : r->last >= r->first;
}

/* Writes the digits of v backwards, ending at `end`; returns the first. */
static char *u64_digits(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return end;
}

size_t wf_http_range_value(const struct wf_http_range *r, char out[WF_HTTP_RANGE_VALUE_MAX])
{
    char tmp[WF_HTTP_RANGE_VALUE_MAX];
    char *end = tmp + sizeof tmp;
    char *p = end;
    if (r->suffix || r->last != WF_HTTP_RANGE_TO_END) {
        p = u64_digits(r->last, p);
    }
    *--p = '-';
    if (!r->suffix) {
        p = u64_digits(r->first, p);
    }
    static const char unit[] = "bytes=";
    p -= sizeof unit - 1;
    memcpy(p, unit, sizeof unit - 1);
    size_t n = (size_t)(end - p);
    memcpy(out, p, n);
    out[n] = '\0';
    return n;
}
