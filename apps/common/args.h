/**
 * @file args.h
 * @brief Command-line value parsers shared by the host programs.
 */
#ifndef WF_APPS_ARGS_H
#define WF_APPS_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wf_sim_chip.h"

/** "a.b.c.d" (exactly `len` chars) -> host-order address. */
bool wf_args_ipv4(const char *s, size_t len, uint32_t *ip);
/** Decimal port 1..65535 (whole string). */
bool wf_args_port(const char *s, uint16_t *port);
/** "IP:PORT", or with `port_optional` also "IP" (port 0). */
bool wf_args_endpoint(const char *s, bool port_optional, uint32_t *ip, uint16_t *port);
/** A network-map rule "VIP[:VPORT]=HOST:PORT", added to `model`. */
bool wf_args_map_rule(struct wf_sim_chip *model, const char *rule);
/** Seconds as a decimal number ("2", "0.5") -> milliseconds (> 0). */
bool wf_args_seconds(const char *s, uint32_t *ms);
/** Host-order address -> 4 bytes in network order. */
void wf_args_ip_bytes(uint32_t ip, uint8_t out[4]);

#endif
