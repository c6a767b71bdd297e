/**
 * @file dhcp.h
 * @brief A DHCP client (RFC 2131, options from RFC 2132) over one UDP socket
 * of the chip: obtains the address, mask, router, DNS and NTP servers, applies
 * them to the chip and keeps the lease (renewal at T1, rebinding at T2).
 *
 * ## How it runs
 * The client is a state machine driven by the caller: wf_dhcp_poll(d, now)
 * does whatever is due at `now` (a value of the port's millisecond clock) and
 * returns at once; it never waits for the network. wf_dhcp_acquire() is the
 * blocking convenience for start-up: it polls (sleeping 1 ms between polls)
 * until a lease is bound or its deadline passes.
 *
 *   INIT -> SELECTING (DISCOVER, broadcast) -> REQUESTING (REQUEST, broadcast)
 *        -> BOUND -> (T1) RENEWING (REQUEST unicast to the server)
 *                 -> (T2) REBINDING (REQUEST broadcast) -> (lease end) INIT
 *   A NAK in REQUESTING, RENEWING or REBINDING, or the lease running out,
 *   removes the address from the chip and starts over at INIT.
 *
 * Retransmissions (RFC 2131 section 4.1): DISCOVER and REQUEST are resent
 * after 4 s, 8 s, 16 s, 32 s, 64 s, 64 s ... each randomised by +-1 s from the
 * entropy source (all three figures are in wf_dhcp_config, so tests use a few
 * ms). A REQUEST that got no answer after `request_tries` transmissions sends
 * the client back to INIT. While RENEWING/REBINDING the REQUEST is resent
 * after half the time left until T2 (resp. the lease end), but not sooner than
 * `renew_retry_min_ms` (RFC: 60 s).
 *
 * ## The address 0.0.0.0 and the W5100 ARP erratum
 * While it has no lease the client sets the chip's SIPR, SUBR and GAR to
 * 0.0.0.0 (the MAC stays): DHCP messages then leave with source 0.0.0.0 as
 * RFC 2131 requires, and SUBR stays 0.0.0.0 for as long as SIPR is 0.0.0.0,
 * which is WIZnet's workaround for the ARP erratum of the W5100 family (the
 * chip's subnet test mishandles 0.0.0.0 and answers ARP via the gateway;
 * docs/w5100-w5500.md §5.6). The lease (ip, mask, router) is written with
 * wf_chip_set_netcfg only once the ACK is in. Other sockets cannot work while
 * the address is 0.0.0.0: acquire the lease before opening them.
 *
 * Messages go to 255.255.255.255:67 from port 68 with the BROADCAST flag set
 * (the chip cannot receive unicast for an address it does not have yet);
 * renewals are unicast to the server identifier, without the flag.
 *
 * ## What is accepted
 * A reply counts only if it is a well-formed BOOTREPLY (wf_dhcp_parse) with
 * our xid and our MAC in chaddr, from source port 67, and, once an offer was
 * chosen, from the chosen server (option 54). Everything else is ignored (and
 * remembered, so a silent failure can say WF_EDHCP_BADREPLY). The first
 * acceptable OFFER is taken. No ARP probe of the offered address is made
 * (no DHCPDECLINE), no DHCPRELEASE is sent, no client identifier (option 61)
 * is sent: servers identify us by chaddr.
 *
 * ## Memory
 * No allocation. The context is about 120 bytes; a poll uses a 576-byte
 * message buffer on the stack. The socket is held only while a message
 * exchange is in progress (not while BOUND).
 */
#ifndef WIZFETCH_DHCP_H
#define WIZFETCH_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wizfetch/dns.h"
#include "wizfetch/socket.h"

#ifdef __cplusplus
extern "C" {
#endif

/** NTP servers (option 42) kept from a lease. */
#ifndef WF_DHCP_MAX_NTP
#define WF_DHCP_MAX_NTP 2
#endif
#if WF_DHCP_MAX_NTP < 1 || WF_DHCP_MAX_NTP > 16
#error "WF_DHCP_MAX_NTP must be 1..16"
#endif

/** The client and server ports. */
#define WF_DHCP_CLIENT_PORT 68
#define WF_DHCP_SERVER_PORT 67

/**
 * Largest DHCP message accepted or sent: 576 bytes, the size every host must
 * accept (RFC 2131 section 2; it is what option 57 announces). Larger
 * datagrams are ignored.
 */
#define WF_DHCP_MSG_MAX 576
/** Smallest message: the 236-byte fixed part plus the 4-byte magic cookie. */
#define WF_DHCP_MSG_MIN 240

/** A lease time meaning "forever" (RFC 2132 section 9.2). */
#define WF_DHCP_INFINITE 0xFFFFFFFFu

/** DHCP message types (option 53). */
enum wf_dhcp_msg_type {
    WF_DHCP_DISCOVER = 1,
    WF_DHCP_OFFER = 2,
    WF_DHCP_REQUEST = 3,
    WF_DHCP_DECLINE = 4,
    WF_DHCP_ACK = 5,
    WF_DHCP_NAK = 6,
    WF_DHCP_RELEASE = 7,
    WF_DHCP_INFORM = 8,
};

/** A lease: plain data, addresses in network order as bytes. */
struct wf_dhcp_lease {
    uint8_t ip[4];                      /**< our address (yiaddr) */
    uint8_t mask[4];                    /**< option 1; if absent, the classful mask of `ip` */
    uint8_t router[4];                  /**< first address of option 3; 0.0.0.0 if none */
    uint8_t server_id[4];               /**< option 54: the server that granted the lease */
    uint8_t dns[WF_DNS_MAX_SERVERS][4]; /**< option 6, the first WF_DNS_MAX_SERVERS */
    uint8_t dns_count;
    uint8_t ntp[WF_DHCP_MAX_NTP][4]; /**< option 42, the first WF_DHCP_MAX_NTP */
    uint8_t ntp_count;
    uint32_t lease_s;     /**< option 51 (WF_DHCP_INFINITE = forever) */
    uint32_t t1_s;        /**< renewal time: option 58, default lease/2 */
    uint32_t t2_s;        /**< rebinding time: option 59, default lease*7/8 */
    uint32_t obtained_ms; /**< port clock when the ACK was accepted */
};

/** What wf_dhcp_parse found in a message. */
struct wf_dhcp_reply {
    uint8_t type;  /**< enum wf_dhcp_msg_type (option 53) */
    uint8_t ip[4]; /**< yiaddr */
    bool has_server_id;
    bool has_lease;             /**< option 51 present */
    bool has_mask;              /**< option 1 present (lease.mask is classful otherwise) */
    struct wf_dhcp_lease lease; /**< all options (obtained_ms = 0) */
};

/**
 * @brief Check a DHCP message from a server and decode its options (no I/O;
 * safe on arbitrary input, read only within `len`).
 *
 * Checks, in order: `len` >= WF_DHCP_MSG_MIN; op = 2 (BOOTREPLY), htype = 1,
 * hlen = 6; xid = `xid`; chaddr starts with `mac`; the magic cookie
 * 99.130.83.99. Then the options: PAD (0) is skipped, END (255) ends them, any
 * other option needs its length byte and must fit entirely before `len`; a
 * missing END is malformed. Option overload (52, value 1..3) is honoured: the
 * `file` field, then `sname`, are read as further options (each must end with
 * END). An option appearing twice is malformed (RFC 3396 splitting is not
 * supported: nothing we read needs it). Lengths: 1, 51, 54, 58, 59 exactly 4;
 * 3, 6, 42 a non-zero multiple of 4; 53 exactly 1 (value 1..8); 52 exactly 1.
 * The mask must be contiguous ones. Unknown options are skipped.
 *
 * Then by type: OFFER and ACK need option 54, option 51 (non-zero), and a
 * yiaddr that is a usable unicast address (not 0.0.0.0, 255.255.255.255,
 * 127/8, 224/4 and up); NAK needs option 54. T1/T2 default to 1/2 and 7/8 of
 * the lease; if given but not T1 <= T2 <= lease, both are replaced by the
 * defaults (RFC 2131 4.4.5 lets the client choose them).
 *
 * @return the message type (1..8) with `*out` filled, or WF_EDHCP_BADREPLY.
 */
int wf_dhcp_parse(const uint8_t *msg, size_t len, uint32_t xid, const uint8_t mac[6],
                  struct wf_dhcp_reply *out);

/** What wf_dhcp_build puts into a client message. */
struct wf_dhcp_request {
    uint8_t type; /**< WF_DHCP_DISCOVER or WF_DHCP_REQUEST (others: WF_EINVAL) */
    uint32_t xid;
    uint16_t secs;        /**< seconds since the client began the exchange */
    bool broadcast;       /**< set the BROADCAST flag */
    uint8_t mac[6];       /**< chaddr */
    uint8_t ciaddr[4];    /**< our address when renewing/rebinding, else 0 */
    uint8_t requested[4]; /**< option 50 if non-zero (REQUEST in SELECTING) */
    uint8_t server_id[4]; /**< option 54 if non-zero (REQUEST in SELECTING) */
};

/**
 * @brief Encode a client message (no I/O): BOOTREQUEST, htype 1, hlen 6, the
 * fields of `r`, magic cookie, options 53, [50], [54], 55 (parameter request
 * list: 1 3 6 42 51 54 58 59), 57 (max message size 576), END, zero-padded to
 * 300 bytes (the BOOTP minimum some relays insist on).
 * @return the length (300), WF_ENOMEM if `cap` < 300, WF_EINVAL for a bad type.
 */
int wf_dhcp_build(uint8_t *buf, size_t cap, const struct wf_dhcp_request *r);

/** Client settings; plain data. */
struct wf_dhcp_config {
    uint8_t mac[6];              /**< our hardware address (must be what the chip's SHAR holds) */
    uint32_t retry_initial_ms;   /**< first retransmission wait (RFC: 4000) */
    uint32_t retry_max_ms;       /**< the wait doubles up to this (RFC: 64000) */
    uint32_t retry_jitter_ms;    /**< each wait is randomised by +- this (RFC: 1000) */
    uint8_t request_tries;       /**< REQUESTs in REQUESTING before starting over (4) */
    uint32_t renew_retry_min_ms; /**< shortest wait between renewal REQUESTs (RFC: 60000) */
};

/** Fill `cfg` with the RFC 2131 defaults above and `mac`. */
void wf_dhcp_config_default(struct wf_dhcp_config *cfg, const uint8_t mac[6]);

/** Client states. */
enum wf_dhcp_state {
    WF_DHCP_STATE_INIT = 0,
    WF_DHCP_STATE_SELECTING,
    WF_DHCP_STATE_REQUESTING,
    WF_DHCP_STATE_BOUND,
    WF_DHCP_STATE_RENEWING,
    WF_DHCP_STATE_REBINDING,
};

/** What wf_dhcp_poll reports (besides 0 = nothing happened, and errors). */
enum wf_dhcp_event {
    WF_DHCP_EV_BOUND = 1,   /**< a lease was (re)applied to the chip: new, renewed or rebound */
    WF_DHCP_EV_NAK = 2,     /**< the server said NAK: address removed, starting over */
    WF_DHCP_EV_EXPIRED = 3, /**< the lease ran out: address removed, starting over */
};

/** Client context; owned by the caller. Fields are read-only for users. */
typedef struct wf_dhcp {
    wf_net_t *net;
    struct wf_dhcp_config cfg;
    uint8_t state;   /**< enum wf_dhcp_state */
    int8_t fd;       /**< the UDP socket while an exchange runs, else -1 */
    bool have_lease; /**< `lease` is valid (BOUND, RENEWING, REBINDING) */
    bool saw_offer;  /**< an acceptable OFFER arrived since wf_dhcp_init */
    bool saw_bad;    /**< an unacceptable reply arrived since wf_dhcp_init */
    bool saw_nak;    /**< the last exchange ended with a NAK */
    bool hold;       /**< INIT: wait until `next_ms` before the next DISCOVER */
    uint8_t tries;   /**< transmissions of the current message */
    uint32_t xid;
    uint32_t exchange_ms; /**< when the current exchange began (for `secs`) */
    uint32_t next_ms;     /**< when to retransmit */
    uint32_t backoff_ms;  /**< the current retransmission wait, before jitter */
    uint32_t last_ms;     /**< `now` of the previous poll */
    uint64_t age_ms;      /**< time since the lease was obtained (wrap-free) */
    uint8_t offer_ip[4];
    uint8_t offer_server[4];
    struct wf_dhcp_lease lease;
} wf_dhcp_t;

/** @brief Bind a client to a socket layer; state INIT. Cannot fail; no I/O. */
void wf_dhcp_init(wf_dhcp_t *d, wf_net_t *net, const struct wf_dhcp_config *cfg);

/** @brief Close the socket if one is open. Keeps the chip's address. Accepts a zeroed context. */
void wf_dhcp_free(wf_dhcp_t *d);

/**
 * @brief Do what is due at `now` (port clock, ms): send or resend a message,
 * take in replies (without waiting), renew/rebind at T1/T2, start over on NAK
 * or expiry. Call it often (every few ms while an exchange runs, at least
 * every few seconds while BOUND; never less than every 24 days).
 * @return 0 (nothing to report), an enum wf_dhcp_event, or a local error:
 *   WF_ENOENTROPY, WF_EMFILE (no free socket), WF_EINVAL (port 68 taken by
 *   another socket), chip errors. After an error the client retries at the
 *   next retransmission time.
 */
int wf_dhcp_poll(wf_dhcp_t *d, uint32_t now);

/**
 * @brief Poll until a lease is bound (0) or `timeout_ms` has passed. On
 * success the chip is configured and wf_dhcp_lease() holds the lease.
 * @return 0, WF_EDHCP_NAK (the last answer was a NAK), WF_EDHCP_BADREPLY
 *   (only unacceptable replies arrived), WF_EDHCP_NOSERVER (nothing, or no
 *   ACK, arrived), or a local error from wf_dhcp_poll.
 */
int wf_dhcp_acquire(wf_dhcp_t *d, uint32_t timeout_ms);

/** @brief The current lease, or NULL when none is held. */
const struct wf_dhcp_lease *wf_dhcp_lease(const wf_dhcp_t *d);

#ifdef __cplusplus
}
#endif
#endif
