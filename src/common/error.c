#include "wizfetch/error.h"

#include <stddef.h>

struct error_text {
    int code;
    const char *name;
    const char *text;
};

static const struct error_text error_texts[] = {
    {WF_OK, "WF_OK", "success"},
    {WF_EINVAL, "WF_EINVAL", "invalid argument"},
    {WF_ENODEV, "WF_ENODEV", "network chip not found or not answering"},
    {WF_EIO, "WF_EIO", "network chip reported an impossible state"},
    {WF_ETIMEDOUT, "WF_ETIMEDOUT", "timed out"},
    {WF_ECONNREFUSED, "WF_ECONNREFUSED", "connection refused"},
    {WF_ECONNRESET, "WF_ECONNRESET", "connection reset by peer"},
    {WF_EHOSTUNREACH, "WF_EHOSTUNREACH", "host unreachable (no ARP reply)"},
    {WF_EMFILE, "WF_EMFILE", "all chip sockets are in use"},
    {WF_EPIPE, "WF_EPIPE", "connection is closed for sending"},
    {WF_EAGAIN, "WF_EAGAIN", "operation would block"},
    {WF_EINPROGRESS, "WF_EINPROGRESS", "connection in progress"},
    {WF_ENOTCONN, "WF_ENOTCONN", "socket is not connected"},
    {WF_EBADF, "WF_EBADF", "bad socket descriptor"},
    {WF_EISCONN, "WF_EISCONN", "socket is already connected"},
    {WF_EALREADY, "WF_EALREADY", "connection already in progress"},
    {WF_EMSGSIZE, "WF_EMSGSIZE", "message too long for the socket buffer"},
    {WF_EADDRNOTAVAIL, "WF_EADDRNOTAVAIL", "address not usable as a destination"},
    {WF_ENOTSUP, "WF_ENOTSUP", "operation not supported"},
    {WF_ERANGE, "WF_ERANGE", "value out of range"},
    {WF_ENETDOWN, "WF_ENETDOWN", "network chip is not initialised"},
};

static const struct error_text *find(int err)
{
    for (size_t i = 0; i < sizeof error_texts / sizeof error_texts[0]; i++) {
        if (error_texts[i].code == err) {
            return &error_texts[i];
        }
    }
    return NULL;
}

const char *wf_strerror(int err)
{
    const struct error_text *e = find(err);
    return e ? e->text : "unknown error";
}

const char *wf_strerror_name(int err)
{
    const struct error_text *e = find(err);
    return e ? e->name : "WF_E?";
}
