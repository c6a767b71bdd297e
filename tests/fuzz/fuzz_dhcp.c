/*
 * libFuzzer target for the DHCP server-message parser. Input layout: the whole
 * input is the message. xid and chaddr are taken from the message itself (when
 * it is long enough) so the fuzzer gets past the header checks at once and
 * spends its time in the options, the overload fields and the lease checks.
 * The encoder is exercised too, with fields drawn from the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wizfetch/dhcp.h"
#include "wizfetch/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t mac[6] = {2, 0, 0x5E, 0x10, 0, 2};
    uint32_t xid = 0x12345678u;
    if (size >= 34) {
        xid = be32(&data[4]);
        memcpy(mac, &data[28], 6);
    }
    /* A copy of exactly `size` bytes on the heap, so ASan sees any over-read. */
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, data, size);
    struct wf_dhcp_reply r;
    int rc = wf_dhcp_parse(copy, size, xid, mac, &r);
    if (rc != WF_EDHCP_BADREPLY && (rc < WF_DHCP_DISCOVER || rc > WF_DHCP_INFORM)) {
        abort();
    }
    if (rc == WF_DHCP_OFFER || rc == WF_DHCP_ACK) {
        const struct wf_dhcp_lease *l = &r.lease;
        uint32_t inv = ~be32(l->mask);
        if (l->lease_s == 0 || l->t1_s > l->t2_s || l->t2_s > l->lease_s || !r.has_server_id ||
            l->dns_count > WF_DNS_MAX_SERVERS || l->ntp_count > WF_DHCP_MAX_NTP || (inv & (inv + 1u)) != 0 ||
            memcmp(l->ip, r.ip, 4) != 0 || r.ip[0] == 0 || r.ip[0] == 127 || r.ip[0] >= 224) {
            abort();
        }
    }
    /* The same bytes with another xid are never accepted. */
    if (size >= 34 && wf_dhcp_parse(copy, size, xid ^ 1u, mac, &r) != WF_EDHCP_BADREPLY) {
        abort();
    }
    free(copy);

    struct wf_dhcp_request q;
    memset(&q, 0, sizeof q);
    q.type = (size > 0 && (data[0] & 1)) ? WF_DHCP_REQUEST : WF_DHCP_DISCOVER;
    q.xid = xid;
    memcpy(q.mac, mac, 6);
    if (size >= 12) {
        memcpy(q.requested, &data[size - 12], 4);
        memcpy(q.server_id, &data[size - 8], 4);
        memcpy(q.ciaddr, &data[size - 4], 4);
    }
    uint8_t out[WF_DHCP_MSG_MAX];
    if (wf_dhcp_build(out, sizeof out, &q) != 300 || out[0] != 1 || be32(&out[4]) != xid) {
        abort();
    }
    return 0;
}
