/**
 * @file host_app.h
 * @brief What the host programs share: command-line value parsers and the
 * modelled chip's bring-up and violation check.
 */
#ifndef WF_APPS_HOST_APP_H
#define WF_APPS_HOST_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port_sim.h"
#include "wf_sim_chip.h"
#include "wizfetch/chip.h"

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

/**
 * The whole file `path`, NUL-terminated (mbedTLS's PEM reader needs that), in
 * memory the caller frees; NULL if it cannot be read or is larger than
 * `max_bytes`.
 */
char *wf_app_read_text(const char *path, size_t max_bytes);

/**
 * The host programs' chip: bind the driver `variant` (NULL: auto-detect, W5500
 * first, then W5100) to the chip behind `host`, start it and give it the test
 * network's static settings, 10.0.0.2/24 with gateway 10.0.0.254.
 */
int wf_app_start_chip(struct wf_port_sim *host, wf_chip_t *chip, const struct wf_chip_variant *variant);

/**
 * Parse a chip name: "w5100", "w5500" or (if `allow_auto`) "auto". Sets
 * `*variant` (NULL for auto) and `*model` (the chip to model; auto models a
 * W5100). False for an unknown name.
 */
bool wf_app_chip_name(const char *name, bool allow_auto, const struct wf_chip_variant **variant,
                      enum wf_sim_variant *model);

/**
 * Print the model's violations (if any) to stderr as "<prog>: N chip-model
 * violations" and return `code`, or `violation_code` if `code` was 0 and there
 * were violations.
 */
int wf_app_check_model(struct wf_sim_chip *model, const char *prog, int code, int violation_code);

#endif
