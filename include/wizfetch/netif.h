/**
 * @file netif.h
 * @brief Network bring-up in one call: the address (DHCP, or static, or
 * static as a fallback when DHCP fails), the DNS servers (configured, else
 * from the lease), and the time (SNTP from the configured servers, else from
 * the lease's option 42, refusing answers before a floor). Used by the
 * firmware and by the wizfetch command; what came from where is in the result.
 *
 * The DHCP client context is the caller's and outlives the call: bring-up
 * again with the same context (e.g. before the next fetch) renews or rebinds
 * the lease when it is due, and otherwise keeps it, instead of starting DHCP
 * from scratch. Between calls the caller may also run wf_dhcp_poll().
 *
 * The time is only reported (`result->time`): setting the board's clock is
 * the caller's business (the port has no setter).
 */
#ifndef WIZFETCH_NETIF_H
#define WIZFETCH_NETIF_H

#include <stdbool.h>
#include <stdint.h>

#include "wizfetch/chip.h"
#include "wizfetch/dhcp.h"
#include "wizfetch/dns.h"
#include "wizfetch/sntp.h"
#include "wizfetch/socket.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where a setting came from. */
enum wf_netif_source {
    WF_NETIF_NONE = 0, /**< nowhere: not set */
    WF_NETIF_CONFIG,   /**< the configuration (static settings, configured servers) */
    WF_NETIF_DHCP,     /**< the DHCP lease */
};

/** What to bring up. Plain data; zero = no DHCP, no servers, no bounds. */
struct wf_netif_config {
    bool use_dhcp;                         /**< the address from DHCP */
    bool static_fallback;                  /**< DHCP failed: use `address` rather than fail */
    struct wf_chip_netcfg address;         /**< the MAC (always), and the static address, mask, gateway */
    uint32_t dhcp_timeout_ms;              /**< limit of one DHCP acquisition; 0 = 30 s */
    wf_sockaddr_t dns[WF_DNS_MAX_SERVERS]; /**< configured DNS servers (port 0 = 53): win over the lease's */
    uint8_t dns_count;
    wf_sockaddr_t ntp[WF_SNTP_MAX_SERVERS]; /**< configured NTP servers (port 0 = 123) */
    uint8_t ntp_count;
    bool ntp_from_dhcp; /**< without configured NTP servers, ask the lease's (option 42) */
    int64_t time_floor; /**< Unix s: SNTP answers before it are refused (the build time) */
    uint32_t total_ms;  /**< bound on the whole call (DHCP and SNTP), ms; 0 = none */
    /** Optional: told "dhcp" and "sntp" as each exchange starts (phase markers, logs). */
    void (*step)(void *ctx, const char *what);
    void *step_ctx;
};

/** What came from where. */
struct wf_netif_result {
    enum wf_netif_source address_from; /**< DHCP, or CONFIG (static, or the fallback) */
    int dhcp_rc;                       /**< 0, or why DHCP failed (then the fallback was used) */
    bool lease_renewed;                /**< an existing lease was kept or renewed, not acquired anew */
    enum wf_netif_source dns_from;
    wf_sockaddr_t dns[WF_DNS_MAX_SERVERS]; /**< the DNS servers to use */
    uint8_t dns_count;
    enum wf_netif_source ntp_from;
    int sntp_rc;                /**< 0 = `time` is valid; else why not (WF_ESNTP_*, WF_ETIMEDOUT) */
    struct wf_sntp_result time; /**< the SNTP answer (when sntp_rc is 0) */
    wf_sockaddr_t ntp_server;   /**< who answered */
};

/**
 * @brief Bring the network up as `cfg` says (see the file comment). `dhcp`
 * is zeroed before the first call and kept between calls. The chip must be
 * started (wf_chip_start) and `net` bound to it.
 * @return 0 when the chip has an address (the time may still be unknown:
 *   see result->sntp_rc); the DHCP error (WF_EDHCP_*, WF_ETIMEDOUT when
 *   `total_ms` ran out) without a fallback; chip errors.
 */
int wf_netif_up(wf_chip_t *chip, wf_net_t *net, wf_dhcp_t *dhcp, const struct wf_netif_config *cfg,
                struct wf_netif_result *result);

#ifdef __cplusplus
}
#endif
#endif
