/**
 * @file fetch_state.h
 * @brief Where a fetch driven by wf_fetch_poll is (wf_fetch_t.state), and the
 * measurement probe that reports it (internal: src/fetch.c and the board
 * emulator's poll measurement, sim/emu/emu_polls.c, which names the states).
 *
 * Each state does what it can without waiting and says MOVED (go on in the
 * same poll), YIELD (it did a long piece of work, e.g. one handshake step:
 * the poll ends there) or WF_EAGAIN (waiting for the network or the body
 * source); a fetch that is over is in FS_DONE with its result in f->rc.
 *
 * The probe (images built with WF_FETCH_POLL_PROBE: the emulator's test images,
 * never a user's image): wf_fetch_poll calls wf_fetch_poll_probe on entry
 * (event 1) and before it returns (event 0) with the fetch's state and, in
 * FS_TLS, mbedTLS's handshake state (mbedtls_ssl_states) and the TLS version
 * (0x0303, 0x0304; 0 when there is no TLS context). The emulator counts the
 * instructions between the two calls: the cost of one poll, keyed by the
 * state it started in.
 */
#ifndef WF_FETCH_STATE_H
#define WF_FETCH_STATE_H

enum fetch_state {
    FS_IDLE,     /* not started, or aborted */
    FS_EXCHANGE, /* a request to f->url: pick its connection */
    FS_OPEN,     /* a new connection: resolve */
    FS_RESOLVE,  /* the DNS look-up is under way */
    FS_CONNECT,  /* the TCP connect is under way */
    FS_TLS,      /* the handshake, one step per poll */
    FS_READY,    /* the connection is ready: the request starts */
    FS_HEAD,     /* sending the request head (f->out) */
    FS_BODY,     /* the next piece of the request body */
    FS_PIECE,    /* sending that piece (f->out) */
    FS_RESPONSE, /* reading the response */
    FS_CLOSE,    /* the session's connection closes; then f->after_close */
    FS_FINISH,   /* the exchange is over (f->rc): the result, or a redirect */
    FS_DONE,     /* over: f->rc */
};

enum { WF_FETCH_PROBE_END = 0, WF_FETCH_PROBE_BEGIN = 1 };

/** The probe's symbol: the emulator looks it up in the image. */
#define WF_FETCH_POLL_PROBE_SYMBOL "wf_fetch_poll_probe"

#endif
