/* HTTP/1.1 request head (RFC 9112 3 and RFC 9110 7.2, 10.1.5). */
#include "wizfetch/http.h"

#include <assert.h>
#include <string.h>

#include "wizfetch/error.h"

/* A header value or request target must not be able to end its line early:
 * a CR or LF would let whoever built the string add headers of their own. */
static bool printable(const char *s, bool allow_space)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f) {
            if (!(allow_space && c == '\t')) {
                return false;
            }
        }
        if (c == ' ' && !allow_space) {
            return false;
        }
    }
    return true;
}

struct out {
    char *buf;
    size_t cap;
    size_t len;
    bool full;
};

static void add(struct out *o, const char *s)
{
    size_t n = strlen(s);
    if (o->full || o->cap - o->len <= n) {
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, s, n + 1);
    o->len += n;
}

int wf_http_request_write(char *buf, size_t cap, enum wf_http_method method, const struct wf_url *url,
                          const char *user_agent)
{
    assert(url != NULL && (buf != NULL || cap == 0));
    if (cap > 0) {
        buf[0] = '\0';
    }
    const char *name;
    switch (method) {
    case WF_HTTP_GET:
        name = "GET ";
        break;
    case WF_HTTP_HEAD:
        name = "HEAD ";
        break;
    default:
        return WF_EINVAL;
    }
    if (user_agent == NULL) {
        user_agent = WF_HTTP_USER_AGENT;
    }
    if (!printable(user_agent, true) || !printable(url->host, false) || !printable(url->path, false) ||
        url->host[0] == '\0' || url->path[0] != '/') {
        return WF_EINVAL;
    }

    char authority[WF_URL_MAX_HOST + 8];
    if (wf_url_authority(url, authority, sizeof authority) < 0) {
        return WF_EINVAL; /* cannot happen: 253 host bytes and ":65535" fit */
    }

    struct out o = {buf, cap, 0, cap == 0};
    add(&o, name);
    add(&o, url->path);
    add(&o, " HTTP/1.1\r\nHost: ");
    add(&o, authority);
    add(&o, "\r\nUser-Agent: ");
    add(&o, user_agent);
    /* Connection: close makes the end of the response the end of the
     * connection, so one request per connection needs no keep-alive logic. */
    add(&o, "\r\nAccept: */*\r\nConnection: close\r\n\r\n");
    if (o.full) {
        if (cap > 0) {
            buf[0] = '\0';
        }
        return WF_ENOMEM;
    }
    return (int)o.len;
}
