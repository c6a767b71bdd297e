/* The telemetry report as JSON: see fw_report.h. */
#include "fw_report.h"

#include <stdio.h>

#include "wizfetch/error.h"

size_t fw_report_json(char *buf, size_t cap, const struct fw_report_stats *s)
{
    if (cap == 0) {
        return 0;
    }
    /* wf_strerror_name gives identifiers (WF_E...): nothing to escape. */
    int n = snprintf(buf, cap,
                     "{\"uptime_s\":%lu,\"reports\":%lu,\"fetches\":%lu,\"last_error\":\"%s\","
                     "\"last_status\":%d,\"heap_peak\":%lu,\"stack_peak\":%lu,\"reconnects\":%lu,"
                     "\"reused\":%lu,\"resumed\":%lu,\"handshakes\":%lu}",
                     (unsigned long)s->uptime_s, (unsigned long)s->reports, (unsigned long)s->fetches,
                     s->last_error == 0 ? "none" : wf_strerror_name(s->last_error), s->last_status,
                     (unsigned long)s->heap_peak, (unsigned long)s->stack_peak, (unsigned long)s->reconnects,
                     (unsigned long)s->reused, (unsigned long)s->resumed, (unsigned long)s->handshakes);
    if (n < 0 || (size_t)n >= cap) {
        buf[0] = '\0';
        return 0;
    }
    return (size_t)n;
}

void fw_uptime_start(struct fw_uptime *u, uint32_t now_ms)
{
    u->ms = 0;
    u->mark = now_ms;
}

uint32_t fw_uptime_poll(struct fw_uptime *u, uint32_t now_ms)
{
    u->ms += (uint32_t)(now_ms - u->mark); /* modulo 2^32: right across one wrap */
    u->mark = now_ms;
    return (uint32_t)(u->ms / 1000u);
}

uint32_t fw_reconnects_total(const struct fw_reconnects *r, uint32_t session)
{
    return r->ended + session;
}

void fw_reconnects_session_ended(struct fw_reconnects *r, uint32_t session)
{
    r->ended += session;
}
