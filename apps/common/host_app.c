#include "host_app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parsers live with the chip model's network map (sim/chip), which owns the
 * rule syntax; the host programs use the same ones for their own addresses. */
bool wf_args_ipv4(const char *s, size_t len, uint32_t *ip)
{
    return wf_sim_chip_parse_ipv4(s, len, ip);
}

bool wf_args_port(const char *s, uint16_t *port)
{
    return wf_sim_chip_parse_port(s, port);
}

bool wf_args_endpoint(const char *s, bool port_optional, uint32_t *ip, uint16_t *port)
{
    return wf_sim_chip_parse_endpoint(s, port_optional, ip, port);
}

bool wf_args_map_rule(struct wf_sim_chip *model, const char *rule)
{
    return wf_sim_chip_map_rule(model, rule) == 0;
}

bool wf_args_seconds(const char *s, uint32_t *ms)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 86400.0 * 24) {
        return false;
    }
    *ms = (uint32_t)(v * 1000.0 + 0.5);
    return *ms > 0;
}

void wf_args_ip_bytes(uint32_t ip, uint8_t out[4])
{
    out[0] = (uint8_t)(ip >> 24);
    out[1] = (uint8_t)(ip >> 16);
    out[2] = (uint8_t)(ip >> 8);
    out[3] = (uint8_t)ip;
}

bool wf_app_chip_name(const char *name, bool allow_auto, const struct wf_chip_variant **variant,
                      enum wf_sim_variant *model)
{
    if (strcmp(name, "w5100") == 0) {
        *variant = &wf_chip_w5100;
        *model = WF_SIM_W5100;
    } else if (strcmp(name, "w5500") == 0) {
        *variant = &wf_chip_w5500;
        *model = WF_SIM_W5500;
    } else if (allow_auto && strcmp(name, "auto") == 0) {
        *variant = NULL;
        *model = WF_SIM_W5100;
    } else {
        return false;
    }
    return true;
}

int wf_app_start_chip(struct wf_port_sim *host, wf_chip_t *chip, const struct wf_chip_variant *variant)
{
    static const struct wf_chip_netcfg cfg = {
        .mac = {0x02, 0x00, 0x5E, 0x10, 0x00, 0x02}, /* locally administered */
        .ip = {10, 0, 0, 2},
        .mask = {255, 255, 255, 0},
        .gateway = {10, 0, 0, 254},
    };
    int rc = 0;
    if (variant != NULL) {
        wf_chip_init(chip, &host->port, variant);
    } else {
        rc = wf_chip_detect(chip, &host->port);
    }
    rc = rc < 0 ? rc : wf_chip_start(chip);
    return rc < 0 ? rc : wf_chip_set_netcfg(chip, &cfg);
}

int wf_app_check_model(struct wf_sim_chip *model, const char *prog, int code, int violation_code)
{
    size_t violations = wf_sim_chip_violation_count(model);
    if (violations == 0) {
        return code;
    }
    wf_sim_chip_print_violations(model, stderr);
    fprintf(stderr, "%s: %zu chip-model violations (a driver bug)\n", prog, violations);
    return code != 0 ? code : violation_code;
}

char *wf_app_read_text(const char *path, size_t max_bytes)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            char *grown = cap <= max_bytes ? realloc(buf, cap) : NULL;
            if (grown == NULL) {
                break;
            }
            buf = grown;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) {
            bool ok = !ferror(f);
            fclose(f);
            if (!ok) {
                free(buf);
                return NULL;
            }
            buf[len] = '\0';
            return buf;
        }
    }
    fclose(f);
    free(buf);
    return NULL;
}
