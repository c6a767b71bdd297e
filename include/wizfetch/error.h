/**
 * @file error.h
 * @brief The one error scheme of wizfetch.
 *
 * Every function that can fail returns 0 or a positive count on success and a
 * negative WF_E* code on failure. The codes are deliberately errno-shaped so a
 * reader used to BSD sockets knows what they mean; their numeric values are our
 * own (stable, negative, never reused) and are not errno values.
 *
 * Caller bugs (NULL contexts, out-of-range socket numbers) are asserts, not
 * error codes.
 */
#ifndef WIZFETCH_ERROR_H
#define WIZFETCH_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/** Error codes. Always returned negated-by-definition (they are negative). */
enum wf_error {
    WF_OK = 0,
    WF_EINVAL = -1,         /**< invalid argument (e.g. port 0, bad buffer size set) */
    WF_ENODEV = -2,         /**< chip missing or not answering (bad SPI echo, MR stuck) */
    WF_EIO = -3,            /**< chip answered with something impossible (corrupt state) */
    WF_ETIMEDOUT = -4,      /**< deadline passed, or the chip's TCP retransmission gave up */
    WF_ECONNREFUSED = -5,   /**< peer answered the SYN with RST */
    WF_ECONNRESET = -6,     /**< established connection reset by the peer */
    WF_EHOSTUNREACH = -7,   /**< ARP for the peer (or gateway) never answered */
    WF_EMFILE = -8,         /**< all hardware sockets are in use */
    WF_EPIPE = -9,          /**< send after the connection was shut down or closed */
    WF_EAGAIN = -10,        /**< non-blocking call would have to wait */
    WF_EINPROGRESS = -11,   /**< non-blocking connect started; poll for WF_POLLOUT */
    WF_ENOTCONN = -12,      /**< socket not connected (or not bound, for UDP) */
    WF_EBADF = -13,         /**< not an open socket descriptor */
    WF_EISCONN = -14,       /**< connect on a socket that is already connected */
    WF_EALREADY = -15,      /**< connect already in progress */
    WF_EMSGSIZE = -16,      /**< datagram larger than the socket's TX buffer */
    WF_EADDRNOTAVAIL = -17, /**< destination 0.0.0.0/255.255.255.255 or port 0 where not allowed */
    WF_ENOTSUP = -18,       /**< operation not supported by this socket type or chip */
    WF_ERANGE = -19,        /**< value out of range (e.g. buffer sizes that do not fit) */
    WF_ENETDOWN = -20,      /**< chip not initialised or network not configured */
    WF_ENOENTROPY = -21,    /**< the entropy source failed */
    WF_ENOMEM = -22,        /**< a fixed-size buffer or pool is too small */

    /* DNS (src/net/dns.c) */
    WF_EDNS_NXDOMAIN = -30, /**< the name does not exist (RCODE 3) */
    WF_EDNS_SERVFAIL = -31, /**< the server failed (RCODE 2) */
    WF_EDNS_REFUSED = -32,  /**< the server refused, or another RCODE */
    WF_EDNS_NODATA = -33,   /**< the name exists but has no A record */
    WF_EDNS_BADREPLY =
        -34, /**< malformed answer: loop, bad pointer, truncated record, ID/question mismatch */
    WF_EDNS_TRUNCATED = -35, /**< TC bit set (answer does not fit UDP) */
    WF_EDNS_NOSERVER = -36,  /**< no server answered before the deadline */
    WF_EDNS_BADNAME = -37,   /**< host name not valid for DNS */

    /* URL and HTTP (src/http) */
    WF_EURL = -40,              /**< malformed URL */
    WF_EURL_SCHEME = -41,       /**< unsupported URL scheme */
    WF_EHTTP_PROTO = -42,       /**< malformed HTTP response */
    WF_EHTTP_TOOBIG = -43,      /**< status line, header or chunk line beyond the limits */
    WF_EHTTP_SHORT = -44,       /**< body or chunk ended before its announced length */
    WF_EHTTP_EMPTY = -45,       /**< connection closed before any response byte */
    WF_EHTTP_REDIRECTS = -46,   /**< too many redirects */
    WF_EHTTP_STATUS = -47,      /**< HTTP status >= 400 (reported when the caller asked to fail) */
    WF_EWRITE = -48,            /**< the body callback refused the data (e.g. disk full) */
    WF_EHTTP_REDIR_PROTO = -49, /**< a redirect to a protocol not allowed (https -> http by default) */
    WF_EREAD = -50, /**< the request body's read callback failed, or gave a length other than announced */
    WF_EHTTP_REWIND = -51, /**< a 307/308 redirect needs the request body again, and it cannot be rewound */
    WF_EHTTP_RANGE = -52,  /**< a resumed download: the server did not answer with the range asked for */

    /* TLS (src/tls) */
    WF_ETLS_HANDSHAKE = -60,      /**< handshake failed (no common version/cipher, protocol error) */
    WF_ETLS_ALERT = -61,          /**< the peer sent a fatal alert */
    WF_ETLS_CERT_EXPIRED = -62,   /**< certificate (or one in its chain) has expired */
    WF_ETLS_CERT_FUTURE = -63,    /**< certificate not yet valid */
    WF_ETLS_CERT_NAME = -64,      /**< certificate does not match the host name */
    WF_ETLS_CERT_UNTRUSTED = -65, /**< chain does not lead to a trusted CA (unknown CA, self-signed) */
    WF_ETLS_CERT_SIGNATURE = -66, /**< a signature in the chain does not verify */
    WF_ETLS_CERT_OTHER = -67,     /**< certificate rejected for another reason */
    WF_ETLS_CA = -68,             /**< the trust anchors could not be loaded (bad CA file) */
    WF_ETLS = -69,                /**< other TLS failure (after the handshake) */
    WF_ETLS_CLOCK = -70,          /**< the time is unknown, so certificate dates cannot be checked */
    WF_ETLS_TRUNCATED = -71,      /**< TCP end of stream without close_notify: data may be missing */
    WF_ETLS_PINNED = -72,         /**< the server's public key matches no pinned key */
    WF_ETLS_CLIENT_CERT = -73,    /**< the client certificate does not parse (not PEM/DER X.509) */
    WF_ETLS_CLIENT_KEY = -74,     /**< the client private key does not parse */
    WF_ETLS_KEY_ENCRYPTED = -75,  /**< the client key is encrypted and no password was given */
    WF_ETLS_KEY_PASSWORD = -76,   /**< wrong password for the encrypted client key */
    WF_ETLS_KEY_MISMATCH = -77,   /**< the client key does not belong to the client certificate */
    WF_ETLS_KEY_TYPE = -78,       /**< client key type, curve or size refused (RSA < 2048 bits) */
    WF_ETLS_CERT_CA_LEAF = -79,   /**< the server's certificate is a CA certificate, not a server's */

    /* DHCP and SNTP (src/net/dhcp.c, src/net/sntp.c) */
    WF_EDHCP_NOSERVER = -80,     /**< no DHCP server answered (no offer, or no ACK) before the deadline */
    WF_EDHCP_NAK = -81,          /**< the server refused the address (DHCPNAK) */
    WF_EDHCP_BADREPLY = -82,     /**< replies arrived but none was acceptable (malformed, wrong xid/chaddr) */
    WF_ESNTP_NOSERVER = -85,     /**< no NTP server answered before the deadline */
    WF_ESNTP_BADREPLY = -86,     /**< malformed NTP reply, or not the reply to our request */
    WF_ESNTP_KOD = -87,          /**< kiss-o'-death (stratum 0): the server told us to go away */
    WF_ESNTP_UNSYNC = -88,       /**< the server is not synchronised (leap 3 or stratum 16) */
    WF_ESNTP_BEFORE_FLOOR = -89, /**< the server's time is before the time floor (e.g. the build time) */

    /* TLS, continued */
    WF_ETLS_CERT_UNREADABLE =
        -90, /**< the server sent no certificate this build can parse (e.g. DSA-signed) */

    /* Firmware image download (src/ota) */
    WF_EOTA_TOOBIG = -91, /**< the image is larger than the sink (the slot) it is to be written into */

    /* TLS, continued */
    WF_ETLS_RECORD_SIZE = -92,     /**< the server sent a TLS record longer than the input buffer holds
                                        (a small-records build, WF_TLS_SMALL_RECORDS: the server ignored
                                        max_fragment_length and record_size_limit) */
    WF_ELAST = WF_ETLS_RECORD_SIZE /**< the lowest code in use; new codes go above and move this */
};

/**
 * @brief Human-readable text for a WF_E* code (or 0).
 * @return a static string, never NULL; unknown codes give "unknown error".
 */
const char *wf_strerror(int err);

/** @brief Symbolic name of a code ("WF_ETIMEDOUT"), for logs and tests. */
const char *wf_strerror_name(int err);

#ifdef __cplusplus
}
#endif
#endif
