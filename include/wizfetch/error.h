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
    WF_EINVAL = -1,        /**< invalid argument (e.g. port 0, bad buffer size set) */
    WF_ENODEV = -2,        /**< chip missing or not answering (bad SPI echo, MR stuck) */
    WF_EIO = -3,           /**< chip answered with something impossible (corrupt state) */
    WF_ETIMEDOUT = -4,     /**< deadline passed, or the chip's TCP retransmission gave up */
    WF_ECONNREFUSED = -5,  /**< peer answered the SYN with RST */
    WF_ECONNRESET = -6,    /**< established connection reset by the peer */
    WF_EHOSTUNREACH = -7,  /**< ARP for the peer (or gateway) never answered */
    WF_EMFILE = -8,        /**< all hardware sockets are in use */
    WF_EPIPE = -9,         /**< send after the connection was shut down or closed */
    WF_EAGAIN = -10,       /**< non-blocking call would have to wait */
    WF_EINPROGRESS = -11,  /**< non-blocking connect started; poll for WF_POLLOUT */
    WF_ENOTCONN = -12,     /**< socket not connected (or not bound, for UDP) */
    WF_EBADF = -13,        /**< not an open socket descriptor */
    WF_EISCONN = -14,      /**< connect on a socket that is already connected */
    WF_EALREADY = -15,     /**< connect already in progress */
    WF_EMSGSIZE = -16,     /**< datagram larger than the socket's TX buffer */
    WF_EADDRNOTAVAIL = -17,/**< destination 0.0.0.0/255.255.255.255 or port 0 where not allowed */
    WF_ENOTSUP = -18,      /**< operation not supported by this socket type or chip */
    WF_ERANGE = -19,       /**< value out of range (e.g. buffer sizes that do not fit) */
    WF_ENETDOWN = -20,     /**< chip not initialised or network not configured */
    WF_ELAST = WF_ENETDOWN /**< the lowest code in use; new codes go above and move this */
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
