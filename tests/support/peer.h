/**
 * @file peer.h
 * @brief Real TCP/UDP peers on 127.0.0.1 for the tests, each served by its own
 * thread with ordinary kernel sockets (no mock: the chip model talks to them
 * through the host network stack). Every peer stops by itself when the test
 * calls wf_peer_stop, and every wait inside is bounded.
 */
#ifndef WF_TEST_PEER_H
#define WF_TEST_PEER_H

#include <stddef.h>
#include <stdint.h>

enum wf_peer_mode {
    WF_PEER_TCP_ECHO,      /**< echo every byte back until the client closes */
    WF_PEER_TCP_SOURCE,    /**< send `nbytes` of pattern, then close (FIN) */
    WF_PEER_TCP_SINK,      /**< read until EOF, count and check the pattern */
    WF_PEER_TCP_RST_AFTER, /**< send `nbytes` of pattern, then reset (RST) */
    WF_PEER_TCP_SLOW,      /**< send `nbytes` of pattern in 64-byte pieces every 5 ms, then close */
    WF_PEER_TCP_SILENT,    /**< accept and say nothing; hold the connection open */
    WF_PEER_TCP_CLOSE_NOW, /**< accept and close at once */
    WF_PEER_UDP_ECHO,      /**< echo every datagram back to its sender */
};

struct wf_peer;

/** Start a peer on 127.0.0.1 (kernel-chosen port). NULL on failure. */
struct wf_peer *wf_peer_start(enum wf_peer_mode mode, size_t nbytes);
/** The peer's port (host byte order). */
uint16_t wf_peer_port(const struct wf_peer *p);

struct wf_peer_result {
    size_t received;       /**< bytes the peer read (sink/echo) */
    size_t pattern_errors; /**< sink: bytes that did not match the pattern */
    unsigned connections;  /**< connections accepted */
    unsigned datagrams;    /**< UDP datagrams echoed */
};

/** Stop the thread, close everything, free `p`, return what it saw. */
struct wf_peer_result wf_peer_stop(struct wf_peer *p);

/** The test pattern: byte `i` of every stream the peers send or expect. */
uint8_t wf_peer_pattern(size_t i);

/** A loopback port with nothing listening (bound then closed), for refusals. */
uint16_t wf_peer_closed_port(void);

#endif
