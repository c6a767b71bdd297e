/* Network bring-up in one call (see include/wizfetch/netif.h). */
#include "wizfetch/netif.h"

#include <string.h>

#include "wizfetch/error.h"

#define NETIF_DHCP_DEFAULT_MS 30000u

/* Time left of the call's bound; UINT32_MAX without one. */
static uint32_t left_ms(const struct wf_netif_config *cfg, const wf_chip_t *chip, uint32_t start)
{
    if (cfg->total_ms == 0) {
        return UINT32_MAX;
    }
    uint32_t used = wf_port_millis(chip->port) - start;
    return used < cfg->total_ms ? cfg->total_ms - used : 0;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* The address: keep or renew a lease the context holds, else acquire one. */
static int address_from_dhcp(wf_chip_t *chip, wf_net_t *net, wf_dhcp_t *dhcp,
                             const struct wf_netif_config *cfg, uint32_t limit, struct wf_netif_result *r)
{
    if (cfg->step != NULL) {
        cfg->step(cfg->step_ctx, "dhcp");
    }
    if (dhcp->net == net && wf_dhcp_lease(dhcp) != NULL) {
        /* Renew or rebind if due; a NAK or an expiry drops the lease. */
        int ev = wf_dhcp_poll(dhcp, wf_port_millis(chip->port));
        const struct wf_dhcp_lease *kept = wf_dhcp_lease(dhcp);
        if (ev >= 0 && kept != NULL) {
            /* The chip may have been reset since (a recovery): give it the
             * lease's address again. */
            struct wf_chip_netcfg nc = cfg->address;
            memcpy(nc.ip, kept->ip, 4);
            memcpy(nc.mask, kept->mask, 4);
            memcpy(nc.gateway, kept->router, 4);
            r->lease_renewed = true;
            return wf_chip_set_netcfg(chip, &nc);
        }
    } else {
        struct wf_dhcp_config dc;
        wf_dhcp_config_default(&dc, cfg->address.mac);
        wf_dhcp_init(dhcp, net, &dc);
    }
    if (limit == 0) {
        return WF_ETIMEDOUT;
    }
    return wf_dhcp_acquire(dhcp, limit);
}

static void servers_from(wf_sockaddr_t *out, uint8_t *count, uint8_t cap, const wf_sockaddr_t *given,
                         uint8_t given_count, uint16_t default_port)
{
    *count = 0;
    for (uint8_t i = 0; i < given_count && *count < cap; i++) {
        out[*count] = given[i];
        if (out[*count].port == 0) {
            out[*count].port = default_port;
        }
        (*count)++;
    }
}

static void servers_from_lease(wf_sockaddr_t *out, uint8_t *count, uint8_t cap, const uint8_t (*ips)[4],
                               uint8_t n, uint16_t port)
{
    *count = 0;
    for (uint8_t i = 0; i < n && *count < cap; i++) {
        memcpy(out[*count].ip, ips[i], 4);
        out[*count].port = port;
        (*count)++;
    }
}

int wf_netif_up(wf_chip_t *chip, wf_net_t *net, wf_dhcp_t *dhcp, const struct wf_netif_config *cfg,
                struct wf_netif_result *r)
{
    memset(r, 0, sizeof *r);
    const uint32_t start = wf_port_millis(chip->port);
    const struct wf_dhcp_lease *lease = NULL;

    if (cfg->use_dhcp) {
        uint32_t dhcp_ms = cfg->dhcp_timeout_ms ? cfg->dhcp_timeout_ms : NETIF_DHCP_DEFAULT_MS;
        r->dhcp_rc = address_from_dhcp(chip, net, dhcp, cfg, min_u32(dhcp_ms, left_ms(cfg, chip, start)), r);
        if (r->dhcp_rc == 0) {
            lease = wf_dhcp_lease(dhcp);
            r->address_from = WF_NETIF_DHCP;
        } else if (!cfg->static_fallback) {
            return left_ms(cfg, chip, start) == 0 ? WF_ETIMEDOUT : r->dhcp_rc;
        }
    }
    if (r->address_from == WF_NETIF_NONE) {
        int rc = wf_chip_set_netcfg(chip, &cfg->address);
        if (rc < 0) {
            return rc;
        }
        r->address_from = WF_NETIF_CONFIG;
    }

    if (cfg->dns_count > 0) {
        servers_from(r->dns, &r->dns_count, WF_DNS_MAX_SERVERS, cfg->dns, cfg->dns_count, WF_DNS_PORT);
        r->dns_from = WF_NETIF_CONFIG;
    } else if (lease != NULL && lease->dns_count > 0) {
        servers_from_lease(r->dns, &r->dns_count, WF_DNS_MAX_SERVERS, lease->dns, lease->dns_count,
                           WF_DNS_PORT);
        r->dns_from = WF_NETIF_DHCP;
    }

    struct wf_sntp_config sc;
    wf_sntp_config_default(&sc);
    sc.floor = cfg->time_floor;
    if (cfg->ntp_count > 0) {
        servers_from(sc.servers, &sc.server_count, WF_SNTP_MAX_SERVERS, cfg->ntp, cfg->ntp_count,
                     WF_SNTP_PORT);
        r->ntp_from = WF_NETIF_CONFIG;
    } else if (cfg->ntp_from_dhcp && lease != NULL && lease->ntp_count > 0) {
        servers_from_lease(sc.servers, &sc.server_count, WF_SNTP_MAX_SERVERS, lease->ntp, lease->ntp_count,
                           WF_SNTP_PORT);
        r->ntp_from = WF_NETIF_DHCP;
    }
    if (sc.server_count == 0) {
        r->sntp_rc = WF_ESNTP_NOSERVER;
        return 0;
    }
    uint32_t left = left_ms(cfg, chip, start);
    if (left == 0) {
        r->sntp_rc = WF_ETIMEDOUT;
        return 0;
    }
    sc.total_ms = left == UINT32_MAX ? 0 : left;
    if (cfg->step != NULL) {
        cfg->step(cfg->step_ctx, "sntp");
    }
    r->sntp_rc = wf_sntp_query(net, &sc, &r->time);
    if (r->sntp_rc == 0) {
        r->ntp_server = sc.servers[r->time.server];
    }
    return 0;
}
