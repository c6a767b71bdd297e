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
    {WF_ENOENTROPY, "WF_ENOENTROPY", "entropy source failed"},
    {WF_ENOMEM, "WF_ENOMEM", "buffer or memory pool too small"},
    {WF_EDNS_NXDOMAIN, "WF_EDNS_NXDOMAIN", "DNS: no such host (NXDOMAIN)"},
    {WF_EDNS_SERVFAIL, "WF_EDNS_SERVFAIL", "DNS: server failure (SERVFAIL)"},
    {WF_EDNS_REFUSED, "WF_EDNS_REFUSED", "DNS: query refused"},
    {WF_EDNS_NODATA, "WF_EDNS_NODATA", "DNS: host has no IPv4 address"},
    {WF_EDNS_BADREPLY, "WF_EDNS_BADREPLY", "DNS: malformed answer"},
    {WF_EDNS_TRUNCATED, "WF_EDNS_TRUNCATED", "DNS: answer truncated (TC)"},
    {WF_EDNS_NOSERVER, "WF_EDNS_NOSERVER", "DNS: no server answered"},
    {WF_EDNS_BADNAME, "WF_EDNS_BADNAME", "DNS: invalid host name"},
    {WF_EURL, "WF_EURL", "malformed URL"},
    {WF_EURL_SCHEME, "WF_EURL_SCHEME", "unsupported URL scheme"},
    {WF_EHTTP_PROTO, "WF_EHTTP_PROTO", "malformed HTTP response"},
    {WF_EHTTP_TOOBIG, "WF_EHTTP_TOOBIG", "HTTP response line or header too long"},
    {WF_EHTTP_SHORT, "WF_EHTTP_SHORT", "HTTP body ended early (partial transfer)"},
    {WF_EHTTP_EMPTY, "WF_EHTTP_EMPTY", "empty reply from server"},
    {WF_EHTTP_REDIRECTS, "WF_EHTTP_REDIRECTS", "too many redirects"},
    {WF_EHTTP_STATUS, "WF_EHTTP_STATUS", "HTTP error status"},
    {WF_EWRITE, "WF_EWRITE", "could not write the body"},
    {WF_EHTTP_REDIR_PROTO, "WF_EHTTP_REDIR_PROTO", "protocol not allowed for a redirect (https -> http)"},
    {WF_EREAD, "WF_EREAD", "could not read the request body"},
    {WF_EHTTP_REWIND, "WF_EHTTP_REWIND",
     "a 307/308 redirect needs the request body again, but the body source cannot be rewound"},
    {WF_EHTTP_RANGE, "WF_EHTTP_RANGE", "the server did not send the byte range asked for (cannot resume)"},
    {WF_ETLS_HANDSHAKE, "WF_ETLS_HANDSHAKE", "TLS handshake failed"},
    {WF_ETLS_ALERT, "WF_ETLS_ALERT", "TLS alert from the peer"},
    {WF_ETLS_CERT_EXPIRED, "WF_ETLS_CERT_EXPIRED", "certificate has expired"},
    {WF_ETLS_CERT_FUTURE, "WF_ETLS_CERT_FUTURE", "certificate is not yet valid"},
    {WF_ETLS_CERT_NAME, "WF_ETLS_CERT_NAME", "certificate does not match the host name"},
    {WF_ETLS_CERT_UNTRUSTED, "WF_ETLS_CERT_UNTRUSTED", "certificate not issued by a trusted CA"},
    {WF_ETLS_CERT_SIGNATURE, "WF_ETLS_CERT_SIGNATURE", "certificate signature does not verify"},
    {WF_ETLS_CERT_OTHER, "WF_ETLS_CERT_OTHER", "certificate rejected"},
    {WF_ETLS_CA, "WF_ETLS_CA", "could not load the trusted CA certificates"},
    {WF_ETLS, "WF_ETLS", "TLS error"},
    {WF_ETLS_CLOCK, "WF_ETLS_CLOCK", "time not known: cannot check certificate dates"},
    {WF_ETLS_TRUNCATED, "WF_ETLS_TRUNCATED",
     "connection closed without TLS close_notify: body may be truncated"},
    {WF_ETLS_PINNED, "WF_ETLS_PINNED", "SSL public key does not match pinned public key"},
    {WF_ETLS_CLIENT_CERT, "WF_ETLS_CLIENT_CERT",
     "client certificate unreadable (not a PEM or DER certificate)"},
    {WF_ETLS_CLIENT_KEY, "WF_ETLS_CLIENT_KEY", "client private key unreadable"},
    {WF_ETLS_KEY_ENCRYPTED, "WF_ETLS_KEY_ENCRYPTED", "client key is encrypted and no password was given"},
    {WF_ETLS_KEY_PASSWORD, "WF_ETLS_KEY_PASSWORD", "wrong password for the client key"},
    {WF_ETLS_KEY_MISMATCH, "WF_ETLS_KEY_MISMATCH", "client key does not match the client certificate"},
    {WF_ETLS_KEY_TYPE, "WF_ETLS_KEY_TYPE",
     "client key not supported (want ECDSA P-256 or RSA of 2048 bits or more)"},
    {WF_ETLS_CERT_CA_LEAF, "WF_ETLS_CERT_CA_LEAF", "server certificate is a CA certificate, not a server's"},
    {WF_EDHCP_NOSERVER, "WF_EDHCP_NOSERVER", "DHCP: no server answered"},
    {WF_EDHCP_NAK, "WF_EDHCP_NAK", "DHCP: the server refused the address (NAK)"},
    {WF_EDHCP_BADREPLY, "WF_EDHCP_BADREPLY", "DHCP: malformed or foreign reply"},
    {WF_ESNTP_NOSERVER, "WF_ESNTP_NOSERVER", "NTP: no server answered"},
    {WF_ESNTP_BADREPLY, "WF_ESNTP_BADREPLY", "NTP: malformed or foreign reply"},
    {WF_ESNTP_KOD, "WF_ESNTP_KOD", "NTP: the server sent kiss-o'-death"},
    {WF_ESNTP_UNSYNC, "WF_ESNTP_UNSYNC", "NTP: the server is not synchronised"},
    {WF_ESNTP_BEFORE_FLOOR, "WF_ESNTP_BEFORE_FLOOR",
     "NTP: the server's time is before the time floor (clock set back?)"},
    {WF_ETLS_CERT_UNREADABLE, "WF_ETLS_CERT_UNREADABLE",
     "server certificate unreadable (unsupported algorithm or encoding)"},
    {WF_EOTA_TOOBIG, "WF_EOTA_TOOBIG", "image larger than its slot"},
    {WF_ETLS_RECORD_SIZE, "WF_ETLS_RECORD_SIZE",
     /* short enough for the firmware's console line (160 characters with "fetch failed in ...: ") */
     "TLS record too large for the input buffer: server ignores max_fragment_length/record_size_limit (needs "
     "a 16 KiB build)"},
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
