/**
 * @file socket.h
 * @brief BSD-shaped sockets over the chip's hardware sockets.
 *
 * A `wf_net_t` owns the chip's sockets. Descriptors are small integers
 * (0..sockets-1, the hardware socket number). Every call returns 0 or a positive
 * count on success and a negative WF_E* code on failure (see error.h).
 *
 * Blocking: every socket has a per-call timeout (default
 * WF_NET_DEFAULT_TIMEOUT_MS). A blocking call returns WF_ETIMEDOUT when it
 * passes. A timeout of 0 makes the socket non-blocking: calls that would wait
 * return WF_EAGAIN (connect: WF_EINPROGRESS; poll wf_net_poll for WF_POLLOUT
 * and read the outcome with wf_net_socket_error). There is no "wait forever".
 *
 * Resources: a socket taken by wf_net_socket is returned to the pool by
 * wf_net_close, always, whatever the state; no other call closes it. A failed
 * connect leaves the descriptor open (as in BSD) so its error can be read.
 *
 * TCP end of stream: wf_net_recv returns 0 once the peer's FIN was seen and all
 * data before it was read. A reset is WF_ECONNRESET, a retransmission give-up
 * WF_ETIMEDOUT.
 */
#ifndef WIZFETCH_SOCKET_H
#define WIZFETCH_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wizfetch/chip.h"
#include "wizfetch/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Socket types. */
enum wf_sock_type {
    WF_SOCK_STREAM = 1, /**< TCP */
    WF_SOCK_DGRAM = 2,  /**< UDP */
};

/** IPv4 address and port. `ip` in network order as bytes, `port` in host order. */
typedef struct wf_sockaddr {
    uint8_t ip[4];
    uint16_t port;
} wf_sockaddr_t;

/** wf_net_shutdown directions. */
enum wf_shutdown_how {
    WF_SHUT_RD = 1,
    WF_SHUT_WR = 2,
    WF_SHUT_RDWR = 3,
};

/** Readiness events for wf_net_poll. */
enum {
    WF_POLLIN = 0x01,  /**< data to read, or end of stream, or a datagram */
    WF_POLLOUT = 0x02, /**< connected and TX space free (UDP: TX space free) */
    WF_POLLERR = 0x04, /**< an error is pending (read it with wf_net_socket_error) */
    WF_POLLHUP = 0x08, /**< the peer closed its side (FIN) or the connection is gone */
};

/** One entry of a wf_net_poll set. */
struct wf_pollfd {
    int fd;
    uint8_t events;  /**< requested WF_POLL* bits (ERR/HUP are always reported) */
    uint8_t revents; /**< set by wf_net_poll */
};

/** Internal per-socket state; callers do not touch it. */
struct wf_net_sock {
    uint8_t type;  /**< 0 = free, else enum wf_sock_type */
    uint8_t state; /**< internal connection state */
    uint8_t flags; /**< internal flags */
    int8_t error;  /**< pending error for wf_net_socket_error, 0 if none */
    int8_t reason; /**< why a dead connection died: 0 = peer FIN, else WF_E* */
    uint16_t local_port;
    uint16_t keepalive_s;  /**< keep-alive interval, 0 = off */
    uint32_t timeout_ms;   /**< per-call deadline, 0 = non-blocking */
    uint32_t keepalive_at; /**< port ms of the last keep-alive probe (W5100) */
    uint16_t rx_known;     /**< internal: RX bytes known present (last Sn_RX_RSR less reads) */
};

struct wf_net_prefetch;

/** Networking context; owned by the caller, initialised by wf_net_init. */
typedef struct wf_net {
    wf_chip_t *chip;
    struct wf_net_sock socks[WF_CHIP_MAX_SOCKETS];
    uint16_t next_port; /**< next ephemeral port to try */
    /* The RX prefetch (wf_net_set_rx_prefetch); internal but the two set there. */
    const struct wf_net_prefetch *pf_ops; /**< internal: its code, NULL: no prefetch */
    uint8_t *rx_prefetch;                 /**< the caller's buffer */
    uint16_t prefetch_size;               /**< its size */
    uint16_t pf_off;                      /**< internal: bytes of the prefetch already handed out */
    uint16_t pf_len;                      /**< internal: bytes the prefetch holds (or is reading) */
    uint8_t pf_state;                     /**< internal: 0 none, 1 reading (on the bus), 2 read */
    uint8_t pf_fd;                        /**< internal: the socket the prefetch belongs to */
} wf_net_t;

/**
 * @brief Bind the socket layer to a started chip. Cannot fail. The ephemeral
 * port sequence starts at a random point drawn from the port's entropy source
 * (a fixed start if entropy fails; ports are not a security boundary here).
 */
void wf_net_init(wf_net_t *net, wf_chip_t *chip);

/**
 * @brief Give the TCP receive path a prefetch buffer of `size` bytes (owned by the
 * caller, untouched by it while set; NULL or 0: none, the default). After a TCP
 * receive that left bytes in the chip's RX ring, the socket layer starts reading
 * the next of them (up to `size`) into this buffer and returns while the bus
 * moves them (wf_chip_sock_rx_read_start: DMA on a board whose port has
 * spi_read_start), so the caller's work on what it received (TLS decrypting a
 * record) overlaps the next read; the next wf_net_recv takes its bytes from
 * there. Ports without spi_read_start (and the W5100) never prefetch.
 */
void wf_net_set_rx_prefetch(wf_net_t *net, uint8_t *buf, uint16_t size);

/** @brief Does the TCP receive path prefetch (a buffer is set, and the chip and
 *  the port can read in the background)? Then the bytes received cost the CPU
 *  next to nothing to move (the TLS layer takes a whole record per call that
 *  does not wait: WF_TLS_NOWAIT_READ_MAX_PREFETCH). */
bool wf_net_rx_prefetches(const wf_net_t *net);

/** @brief Close every open socket (CLOSE, no graceful shutdown). Accepts a zeroed context. */
void wf_net_free(wf_net_t *net);

/** @brief Take a free hardware socket. Returns the descriptor, or WF_EMFILE. */
int wf_net_socket(wf_net_t *net, enum wf_sock_type type);

/** @brief Per-call timeout in ms for blocking calls on `fd` (0 = non-blocking). */
int wf_net_set_timeout(wf_net_t *net, int fd, uint32_t timeout_ms);

/**
 * @brief Bind to a local port (0 = a random ephemeral port). UDP sockets must
 * be bound before sendto/recvfrom (sendto binds an unbound socket itself). TCP
 * sockets are bound by connect if not bound here.
 */
int wf_net_bind(wf_net_t *net, int fd, uint16_t port);

/**
 * @brief TCP connect. Errors: WF_ECONNREFUSED (RST), WF_EHOSTUNREACH (ARP
 * timeout), WF_ETIMEDOUT (no SYN/ACK, or the call's deadline), WF_EISCONN,
 * WF_EALREADY, WF_EADDRNOTAVAIL (0.0.0.0, 255.255.255.255 or port 0).
 * Non-blocking: WF_EINPROGRESS, then poll for WF_POLLOUT.
 */
int wf_net_connect(wf_net_t *net, int fd, const wf_sockaddr_t *addr);

/**
 * @brief TCP send. Blocking: returns `len` once everything is queued in the
 * chip (or an error, or WF_ETIMEDOUT with nothing sent; if part was queued
 * before the deadline, that count). Non-blocking: queues what fits, or
 * WF_EAGAIN. WF_EPIPE after shutdown(WR) or once the connection is closed.
 */
int wf_net_send(wf_net_t *net, int fd, const void *buf, size_t len);

/**
 * @brief TCP receive up to `len` bytes. Returns the count (> 0), 0 at end of
 * stream, WF_EAGAIN (non-blocking, nothing there), WF_ETIMEDOUT, WF_ECONNRESET.
 */
int wf_net_recv(wf_net_t *net, int fd, void *buf, size_t len);

/**
 * @brief UDP send one datagram to `to`. Returns `len`. WF_EMSGSIZE if it can
 * never fit the socket's TX buffer, WF_EHOSTUNREACH on ARP timeout (the socket
 * stays usable). An unbound socket is bound to an ephemeral port first.
 */
int wf_net_sendto(wf_net_t *net, int fd, const void *buf, size_t len, const wf_sockaddr_t *to);

/**
 * @brief UDP receive one datagram. Copies at most `len` bytes and discards the
 * rest of the datagram. Returns the number of bytes copied; `*from` (may be
 * NULL) gets the sender; `*datagram_len` (may be NULL) gets the datagram's full
 * size, so `*datagram_len > len` means it was truncated.
 */
int wf_net_recvfrom(wf_net_t *net, int fd, void *buf, size_t len, wf_sockaddr_t *from, size_t *datagram_len);

/**
 * @brief Shut down one or both directions of a TCP connection. WF_SHUT_WR sends
 * FIN (DISCON); later sends give WF_EPIPE and recv still returns the peer's
 * remaining data. WF_SHUT_RD makes recv return 0.
 */
int wf_net_shutdown(wf_net_t *net, int fd, enum wf_shutdown_how how);

/**
 * @brief Close and return the socket to the pool. TCP: graceful DISCON, then
 * wait for the peer's FIN for at most WF_NET_CLOSE_TIMEOUT_MS (or the socket's
 * timeout if that is shorter and non-zero: non-blocking sockets wait too), then
 * CLOSE. Always frees the descriptor; returns 0, or the error that made the
 * close ungraceful (WF_ETIMEDOUT: the peer never finished the close).
 */
int wf_net_close(wf_net_t *net, int fd);

/**
 * @brief Wait until at least one socket in `fds` is ready or `timeout_ms` has
 * passed (0 = just check). Returns the number of entries with revents != 0.
 */
int wf_net_poll(wf_net_t *net, struct wf_pollfd *fds, size_t nfds, uint32_t timeout_ms);

/**
 * @brief TCP keep-alive, so that a kept (idle) connection finds out that its
 * peer is gone without sending a request. `interval_s` = 0 turns it off. May be
 * set before connect (applied once connected) or on a connected socket.
 *
 * - W5500: the chip probes on its own every `interval_s`, rounded up to a
 *   multiple of 5 s (at most 1275 s; Sn_KPALVTR).
 * - W5100: the chip has no timer; the socket layer issues a probe (SEND_KEEP)
 *   from any call on the socket (wf_net_recv, wf_net_send, wf_net_poll,
 *   wf_net_close) once `interval_s` has passed since the last probe and no
 *   send is in flight. Poll an idle kept connection (e.g. wf_net_poll with
 *   timeout 0) at least that often.
 *
 * Both chips probe only after the connection has carried data. A probe the peer
 * does not answer ends the connection after the chip's retransmission time
 * (wf_chip_set_retry; about 31.8 s with the chip defaults): then recv and send
 * return WF_ETIMEDOUT and poll reports WF_POLLERR | WF_POLLHUP. A peer that
 * answers (alive, or one that rebooted and answers with RST) keeps it or ends
 * it as usual. WF_ENOTSUP for UDP sockets.
 */
int wf_net_set_keepalive(wf_net_t *net, int fd, uint16_t interval_s);

/** @brief Read and clear the pending error of `fd` (0 if none), like SO_ERROR. */
int wf_net_socket_error(wf_net_t *net, int fd);

/** @brief Local port of `fd` (after bind/connect), or a negative WF_E* code. */
int wf_net_local_port(wf_net_t *net, int fd);

/**
 * @brief The port of the ephemeral range (WF_NET_EPHEMERAL_MIN..65535,
 * config.h) that the 32-bit `random` picks: used for the first local port
 * and for the random source ports of DNS and SNTP queries.
 */
uint16_t wf_net_ephemeral_port(uint32_t random);

#ifdef __cplusplus
}
#endif
#endif
