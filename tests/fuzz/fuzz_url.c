/*
 * libFuzzer target for the URL parser and reference resolution
 * (src/http/url.c). Input layout: a base URL, '\n', a reference. The base is
 * parsed (a fixed base is used when it does not parse) and the reference is
 * resolved against it. Besides the sanitizers, every accepted URL must keep
 * the documented invariants and survive two round trips: format -> parse,
 * and resolving its own path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wizfetch/error.h"
#include "wizfetch/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok) {
        abort();
    }
}

static void check_same(const struct wf_url *a, const struct wf_url *b)
{
    check(a->https == b->https && a->host_is_ipv4 == b->host_is_ipv4 && a->port == b->port);
    check(memcmp(a->ipv4, b->ipv4, 4) == 0);
    check(strcmp(a->host, b->host) == 0 && strcmp(a->path, b->path) == 0);
}

static void check_result(int rc, const char *why)
{
    check(rc == 0 || ((rc == WF_EURL || rc == WF_EURL_SCHEME) && why != NULL && why[0] != '\0'));
}

static void check_url(const struct wf_url *u)
{
    size_t hl = strnlen(u->host, sizeof u->host);
    size_t pl = strnlen(u->path, sizeof u->path);
    check(hl >= 1 && hl <= WF_URL_MAX_HOST && pl >= 1 && pl <= WF_URL_MAX_PATH);
    check(u->port != 0 && u->path[0] == '/');
    for (size_t i = 0; i < hl; i++) {
        char c = u->host[i];
        check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_');
    }
    for (size_t i = 0; i < pl; i++) {
        unsigned char c = (unsigned char)u->path[i];
        check(c > 0x20 && c < 0x7f && c != '#');
    }

    /* format -> parse gives the same URL. */
    static char text[WF_URL_MAX_HOST + WF_URL_MAX_PATH + 16];
    int n = wf_url_format(u, text, sizeof text);
    check(n > 0 && (size_t)n == strlen(text));
    struct wf_url again;
    const char *why = NULL;
    check(wf_url_parse(text, &again, &why) == 0);
    check_same(u, &again);

    /* The path is already normalised: resolving it changes nothing, and
     * neither does an empty reference. A path starting with "//" would read
     * as a scheme-relative reference (RFC 3986 4.2), so it gets "/." first. */
    static char ref[WF_URL_MAX_PATH + 3];
    size_t rl = 0;
    if (u->path[1] == '/') {
        memcpy(ref, "/.", 2);
        rl = 2;
    }
    memcpy(ref + rl, u->path, pl);
    check(wf_url_resolve(u, ref, rl + pl, &again, &why) == 0);
    check_same(u, &again);
    check(wf_url_resolve(u, "", 0, &again, &why) == 0);
    check_same(u, &again);

    char auth[WF_URL_MAX_HOST + 8];
    n = wf_url_authority(u, auth, sizeof auth);
    check(n >= (int)hl && strncmp(auth, u->host, hl) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t base_len = nl != NULL ? (size_t)(nl - data) : size;
    size_t ref_len = nl != NULL ? size - base_len - 1 : 0;

    char *base_text = malloc(base_len + 1);
    char *ref = malloc(ref_len ? ref_len : 1); /* exact size: ASan sees over-reads */
    if (base_text == NULL || ref == NULL) {
        abort();
    }
    memcpy(base_text, data, base_len);
    base_text[base_len] = '\0';
    if (ref_len > 0) {
        memcpy(ref, nl + 1, ref_len);
    }

    static struct wf_url base, out;
    const char *why = NULL;
    int rc = wf_url_parse(base_text, &base, &why);
    check_result(rc, why);
    if (rc == 0) {
        check_url(&base);
    } else {
        check(wf_url_parse("http://a/b/c/d;p?q", &base, NULL) == 0);
    }

    why = NULL;
    rc = wf_url_resolve(&base, ref, ref_len, &out, &why);
    check_result(rc, why);
    if (rc == 0) {
        check_url(&out);
    }
    free(base_text);
    free(ref);
    return 0;
}
