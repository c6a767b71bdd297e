/*
 * The superloop mode (fw_superloop.h; docs/firmware.md, "Superloop mode"). One
 * loop, never waiting: each iteration marks itself (wf_superloop_iteration),
 * runs the 1 kHz job when a tick of the DWT cycle counter is due (counting the
 * ticks it could not run on time), feeds the watchdog, polls DHCP (with
 * WF_FW_USE_DHCP), the GET and the reports (in turn: one that moves per
 * iteration), and, when none of them moved and
 * the wake-up pin is in use (WF_FW_WAKEUP), sleeps in WFI until the chip's INTn
 * or the next tick. What is not in the loop: the chip's reset and start and the
 * TLS set-up (before it, in main.c), SNTP (wf_sntp_query waits: this mode does
 * not ask it; the time stays unknown unless the board has it, and the
 * certificate policy for an unknown time applies, WF_FW_ACCEPT_UNKNOWN_TIME).
 * Console lines are written when a transfer starts or ends (the USART is
 * polled: on the board a line costs about 87 us per character).
 */
#include "fw_superloop.h"

#include <stdio.h>
#include <string.h>

#include "board_api.h"
#include "firmware_config.h"
#include "fw_report.h"
#include "wizfetch/dhcp.h"
#include "wizfetch/error.h"

__attribute__((noinline)) void wf_superloop_iteration(void)
{
    __asm volatile("" ::: "memory"); /* the emulator hooks this function's first instruction */
}

/* ---- the fixed periodic job: a 1 kHz tick from the cycle counter ---------------- */

struct tick {
    uint32_t period; /* cycles per tick */
    uint32_t next;   /* cycle count at which the next tick is due */
    uint32_t run;    /* ticks run */
    uint32_t missed; /* ticks that came and went before the loop got round to them */
};

static void tick_start(struct tick *t)
{
    t->period = wf_board_cpu_hz() / 1000u;
    t->next = wf_board_cycles() + t->period;
    t->run = t->missed = 0;
}

/* The job runs once for the ticks due now; the others due with it are missed. */
static void tick_poll(struct tick *t)
{
    int32_t late = (int32_t)(wf_board_cycles() - t->next); /* wrap-safe: < 21 s at 100 MHz */
    if (late < 0) {
        return;
    }
    uint32_t due = (uint32_t)late / t->period + 1u;
    t->run++;
    t->missed += due - 1u;
    t->next += due * t->period;
}

/* ---- one transfer driven by polls ---------------------------------------------- */

enum transfer_state { T_IDLE, T_RUNNING, T_DONE };

struct transfer {
    wf_fetch_t fetch;
    struct wf_fetch_result result;
    uint8_t state; /* enum transfer_state */
    int rc;
    uint32_t started_ms;
    char head[48]; /* the first bytes of the response body, for the console */
    size_t head_len;
};

static int keep_head(void *ctx, const uint8_t *data, size_t len)
{
    struct transfer *t = ctx;
    size_t room = sizeof t->head - 1 - t->head_len;
    size_t n = len < room ? len : room;
    memcpy(t->head + t->head_len, data, n);
    t->head_len += n;
    t->head[t->head_len] = '\0';
    return 0;
}

/* Poll `t` once: true if it moved on. */
static bool transfer_poll(struct transfer *t)
{
    if (t->state != T_RUNNING) {
        return false;
    }
    int rc = wf_fetch_poll(&t->fetch);
    if (rc != WF_EAGAIN) {
        t->state = T_DONE;
        t->rc = rc;
        return true;
    }
    return t->fetch.progressed;
}

/* ---- the loop -------------------------------------------------------------------- */

static const struct fw_superloop_env *env;
static struct transfer get;
static struct tick tick;

#if WF_FW_REPORT_S > 0
/* The head of the body on one line: up to its first line end. */
static const char *head_line(struct transfer *t)
{
    t->head[strcspn(t->head, "\r\n")] = '\0';
    return t->head;
}

static struct transfer report;
static wf_session_t report_session;
static struct wf_fetch_options report_options;
static struct wf_fetch_callbacks report_callbacks;
static struct fw_report_stats stats;
static struct fw_uptime uptime;
static char report_body[FW_REPORT_MAX];
static uint32_t next_report_ms;
static const struct wf_http_header report_fields[] = {{"Content-Type", "application/json", 0}};

static void report_start(uint32_t now)
{
    stats.uptime_s = fw_uptime_poll(&uptime, now);
    stats.heap_peak = (uint32_t)wf_tls_heap_peak();
    stats.stack_peak = (uint32_t)wf_board_stack_peak();
    report_options.body.data = (const uint8_t *)report_body;
    report_options.body.len = fw_report_json(report_body, sizeof report_body, &stats);
    unsigned n = (unsigned)++stats.fetches;
    char head[48];
    int hl = snprintf(head, sizeof head, "report %u (the GET %s): ", n,
                      get.state == T_RUNNING ? "in progress"
                      : get.state == T_DONE  ? "over"
                                             : "not started");
    env->console(head, hl > 0 ? (size_t)hl : 0); /* the JSON is longer than a say() line */
    env->console(report_body, report_options.body.len);
    env->console("\n", 1);
    report.head_len = 0;
    report.head[0] = '\0';
    report.started_ms = now;
    report.rc = wf_fetch_session_start(&report.fetch, &report_session, &report_options, &report_callbacks,
                                       &report.result);
    report.state = report.rc < 0 ? T_DONE : T_RUNNING;
}

static void report_ended(uint32_t now)
{
    unsigned n = (unsigned)stats.fetches;
    if (report.rc < 0) {
        stats.last_error = report.rc;
        env->say("report %u failed in %s: %s", n, wf_fetch_step_name(report.result.step),
                 wf_strerror(report.rc));
    } else {
        stats.reports++;
        stats.last_status = report.result.http_status;
        env->say("report %u: HTTP %d, %s connection, in %lu ms; server: %s", n, report.result.http_status,
                 report.result.reused_connection ? "reused" : "new", (unsigned long)(now - report.started_ms),
                 head_line(&report));
    }
    report.state = T_IDLE;
    next_report_ms = now + WF_FW_REPORT_S * 1000u;
}

static bool reports_over(void)
{
#if WF_FW_REPORT_COUNT > 0
    return stats.fetches >= WF_FW_REPORT_COUNT && report.state == T_IDLE;
#else
    return false; /* reports forever */
#endif
}

/* Start, poll or end the reports: true if one moved on. */
static bool reports_poll(bool network_up, uint32_t now)
{
    if (!network_up || reports_over()) {
        return false;
    }
    if (report.state == T_IDLE && (int32_t)(now - next_report_ms) >= 0) {
        report_start(now);
        return true;
    }
    bool moved = transfer_poll(&report);
    if (report.state == T_DONE) {
        report_ended(now);
    }
    return moved;
}

static void reports_setup(uint32_t now)
{
    wf_fetch_options_default(&report_options);
    report_options.url = WF_FW_REPORT_URL;
    report_options.method = "POST";
    report_options.headers = report_fields;
    report_options.header_count = 1;
    report_options.connect_timeout_ms = WF_FW_CONNECT_TIMEOUT_MS;
    report_options.total_timeout_ms = WF_FW_FETCH_TIMEOUT_MS;
    report_callbacks.ctx = &report;
    report_callbacks.body = keep_head;
    wf_session_init(&report_session, env->net, env->report_tls);
    fw_uptime_start(&uptime, now);
    next_report_ms = now; /* the first one at once, with the GET */
}
#else
static bool reports_over(void)
{
    return true;
}
static bool reports_poll(bool network_up, uint32_t now)
{
    (void)network_up;
    (void)now;
    return false;
}
#endif

/* The DNS servers: the lease's if it names some, else WF_FW_DNS. */
static void use_dns(struct wf_fetch_options *o, const uint8_t (*lease_dns)[4], uint8_t count)
{
    static const uint8_t fallback[4] = WF_FW_DNS;
    o->dns.server_count = 1;
    memcpy(o->dns.servers[0].ip, fallback, 4);
    o->dns.servers[0].port = WF_DNS_PORT;
    for (uint8_t i = 0; i < count && i < WF_DNS_MAX_SERVERS; i++) {
        memcpy(o->dns.servers[i].ip, lease_dns[i], 4);
        o->dns.servers[i].port = WF_DNS_PORT;
        o->dns.server_count = (uint8_t)(i + 1);
    }
}

#if WF_FW_USE_DHCP
static wf_dhcp_t dhcp;

/* DHCP in the loop: true once a lease is bound (the DNS servers are then set). */
static bool network_poll(bool *moved, uint32_t now)
{
    static bool bound;
    int ev = wf_dhcp_poll(&dhcp, now);
    if (ev == WF_DHCP_EV_BOUND) {
        const struct wf_dhcp_lease *l = wf_dhcp_lease(&dhcp);
        env->say("DHCP address %u.%u.%u.%u (in the loop)", l->ip[0], l->ip[1], l->ip[2], l->ip[3]);
        use_dns(env->options, l->dns, l->dns_count);
#if WF_FW_REPORT_S > 0
        use_dns(&report_options, l->dns, l->dns_count);
#endif
        bound = *moved = true;
    } else if (ev == WF_DHCP_EV_NAK || ev == WF_DHCP_EV_EXPIRED) {
        bound = false; /* a transfer under way fails on its own; a new one waits for the lease */
        *moved = true;
    }
    return bound;
}

static void network_setup(void)
{
    struct wf_dhcp_config cfg;
    static const uint8_t mac[6] = WF_FW_MAC;
    wf_dhcp_config_default(&cfg, mac);
    wf_dhcp_init(&dhcp, env->net, &cfg);
}
#else
static bool network_poll(bool *moved, uint32_t now)
{
    (void)moved;
    (void)now;
    return true; /* the static address went in with the chip's start */
}

static void network_setup(void)
{
    use_dns(env->options, NULL, 0);
#if WF_FW_REPORT_S > 0
    use_dns(&report_options, NULL, 0);
#endif
}
#endif

/* The GET: started once the network is up, retried after WF_FW_RETRY_FIRST_MS on failure. */
static bool get_poll(bool network_up, uint32_t now)
{
    static uint32_t retry_at;
    static bool waiting;
    if (get.state == T_IDLE && network_up && (!waiting || (int32_t)(now - retry_at) >= 0)) {
        get.head_len = 0;
        get.started_ms = now;
        env->options->total_timeout_ms = WF_FW_FETCH_TIMEOUT_MS;
        get.rc = wf_fetch_start(&get.fetch, env->net, env->tls, env->options, env->callbacks, &get.result);
        get.state = get.rc < 0 ? T_DONE : T_RUNNING;
        waiting = false;
        return true;
    }
    if (get.state == T_RUNNING && transfer_poll(&get) && get.state == T_DONE) {
        env->say("[phase] done");
        if (get.rc < 0) {
            env->say("fetch failed in %s: %s; again in %u ms", wf_fetch_step_name(get.result.step),
                     wf_strerror(get.rc), (unsigned)WF_FW_RETRY_FIRST_MS);
            get.state = T_IDLE;
            waiting = true;
            retry_at = now + WF_FW_RETRY_FIRST_MS;
        } else {
            env->say("fetched %lu bytes, HTTP %d, in %lu ms", (unsigned long)get.result.body_bytes,
                     get.result.http_status, (unsigned long)(now - get.started_ms));
        }
        return true;
    }
    return get.state == T_RUNNING && get.fetch.progressed;
}

static int body_to_head(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    return keep_head(&get, data, len);
}

_Noreturn void fw_superloop_run(const struct fw_superloop_env *e)
{
    env = e;
    /* The GET keeps the first bytes of its body for the console; its other callbacks are main.c's. */
    static struct wf_fetch_callbacks get_callbacks;
    get_callbacks = *e->callbacks;
    get_callbacks.body = body_to_head;
    static struct fw_superloop_env own;
    own = *e;
    own.callbacks = &get_callbacks;
    env = &own;

    uint32_t now = wf_port_millis(env->port);
#if WF_FW_REPORT_S > 0
    reports_setup(now);
#endif
    network_setup();
    bool wake = false;
#if WF_FW_WAKEUP
    if (wf_board_wake_start()) {
        int rc = wf_chip_wake_enable(env->chip);
        wake = rc == 0;
        env->say(wake ? "wake-up: the chip's INTn (socket data) and a 1 kHz tick; WFI when idle"
                      : "wake-up: the chip cannot drive INTn (%s): no sleeping",
                 wf_strerror(rc));
    } else {
        env->say("wake-up: INTn is not wired on this board: no sleeping");
    }
#endif
    env->say("superloop: a 1 kHz job, the fetch%s polled in one loop",
             WF_FW_REPORT_S > 0 ? " and the reports" : "");
    tick_start(&tick);
    uint32_t iterations = 0, longest = 0;
    for (;;) {
        wf_superloop_iteration();
        uint32_t t0 = wf_board_cycles();
        iterations++;
        tick_poll(&tick);
        wf_board_watchdog_feed();
        if (wake && wf_board_chip_int_low()) {
            (void)wf_chip_wake_rearm(env->chip); /* what arrived so far is read by the polls below */
        }
        now = wf_port_millis(env->port);
        bool moved = false;
        bool up = network_poll(&moved, now);
        /* The transfers in turn, the first one alternating: the second is polled only
         * if the first did not move, so an iteration takes at most one long step
         * (a handshake's public-key operation) and neither transfer waits more than
         * one iteration for its turn. */
        if (iterations % 2 == 1) { /* the first iteration starts the GET, the second the first report */
            moved |= get_poll(up, now) || reports_poll(up, now);
        } else {
            moved |= reports_poll(up, now) || get_poll(up, now);
        }
        if (get.state == T_DONE && reports_over()) {
            break;
        }
        uint32_t busy = wf_board_cycles() - t0;
        longest = busy > longest ? busy : longest;
        if (wake && !moved && !wf_board_chip_int_low()) {
            wf_board_sleep();
        }
    }
    uint32_t hz = wf_board_cpu_hz();
    env->say("superloop: %lu iterations; 1 kHz job: %lu ticks run, %lu missed; longest iteration %lu cycles "
             "(%lu us)",
             (unsigned long)iterations, (unsigned long)tick.run, (unsigned long)tick.missed,
             (unsigned long)longest, (unsigned long)((uint64_t)longest * 1000000u / hz));
    if (wake) {
        struct wf_board_wake_counts c;
        wf_board_wake_counts(&c);
        env->say("wake-up: %lu sleeps (WFI); interrupts: %lu INTn edges, %lu ticks", (unsigned long)c.sleeps,
                 (unsigned long)c.intn, (unsigned long)c.ticks);
    }
    bool ok = get.rc == 0;
#if WF_FW_REPORT_S > 0
    wf_session_close(&report_session, 0);
    env->say("%lu reports answered of %lu; GET body: %s", (unsigned long)stats.reports,
             (unsigned long)stats.fetches, head_line(&get));
    ok = ok && stats.reports == stats.fetches;
#endif
    env->say_memory();
    wf_board_exit(ok ? 0 : 1);
    env->say("idle");
    for (;;) {
        env->port->delay_ms(env->port->ctx, 1000);
    }
}
