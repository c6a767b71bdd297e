/*
 * curl's progress meter and bar: see progress.h.
 */
#include "progress.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define KB 1024ull
#define MB (1024ull * KB)
#define GB (1024ull * MB)
#define TB (1024ull * GB)
#define PB (1024ull * TB)

const char wf_cli_progress_header[] =
    "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
    "                                 Dload  Upload   Total   Spent    Left  Speed\n";

/* `text` cut to `cap` - 1 characters (the figures are chosen so that they
 * fit; the cut only keeps the compiler's range check quiet). */
static void fit(char *out, size_t cap, const char *text)
{
    size_t n = strlen(text);
    n = n < cap ? n : cap - 1;
    memcpy(out, text, n);
    out[n] = '\0';
}

void wf_cli_progress_size(uint64_t b, char out[6])
{
    char t[48];
    unsigned long long v = b;
    if (b < 100000) {
        snprintf(t, sizeof t, "%5llu", v);
    } else if (b < 10000 * KB) {
        snprintf(t, sizeof t, "%4lluk", v / KB);
    } else if (b < 100 * MB) {
        snprintf(t, sizeof t, "%2llu.%01lluM", v / MB, (v % MB) / (MB / 10));
    } else if (b < 10000 * MB) {
        snprintf(t, sizeof t, "%4lluM", v / MB);
    } else if (b < 100 * GB) {
        snprintf(t, sizeof t, "%2llu.%01lluG", v / GB, (v % GB) / (GB / 10));
    } else if (b < 10000 * GB) {
        snprintf(t, sizeof t, "%4lluG", v / GB);
    } else if (b < 10000 * TB) {
        snprintf(t, sizeof t, "%4lluT", v / TB);
    } else {
        snprintf(t, sizeof t, "%4lluP", v / PB);
    }
    fit(out, 6, t);
}

void wf_cli_progress_time(int64_t s, char out[9])
{
    char t[64];
    long long v = s;
    if (s <= 0) {
        snprintf(t, sizeof t, "--:--:--");
    } else if (v / 3600 <= 99) {
        snprintf(t, sizeof t, "%2lld:%02lld:%02lld", v / 3600, (v % 3600) / 60, v % 60);
    } else if (v / 86400 <= 999) {
        snprintf(t, sizeof t, "%3lldd %02lldh", v / 86400, (v % 86400) / 3600);
    } else {
        snprintf(t, sizeof t, "%7lldd", v / 86400);
    }
    fit(out, 9, t);
}

/* curl's share in percent: coarse for large totals (no overflow). */
static uint64_t percent(uint64_t total, uint64_t now)
{
    if (total > 10000) {
        return now / (total / 100);
    }
    return total > 0 ? now * 100 / total : 0;
}

/* Bytes per second over `ms`, as an integer (curl's trspeed). */
static uint64_t speed(uint64_t bytes, uint32_t ms)
{
    return ms == 0 ? bytes * 1000 : bytes * 1000 / ms;
}

size_t wf_cli_progress_line(const struct wf_cli_progress_figures *f, char *buf, size_t cap)
{
    uint64_t secs = f->elapsed_ms / 1000;
    uint64_t dl_speed = speed(f->dl_now, f->elapsed_ms);
    uint64_t ul_speed = speed(f->ul_now, f->elapsed_ms);
    uint64_t dl_secs = f->dl_known && dl_speed > 0 ? f->dl_total / dl_speed : 0;
    uint64_t ul_secs = f->ul_known && ul_speed > 0 ? f->ul_total / ul_speed : 0;
    uint64_t total_secs = dl_secs > ul_secs ? dl_secs : ul_secs;
    uint64_t expected = (f->ul_known ? f->ul_total : f->ul_now) + (f->dl_known ? f->dl_total : f->dl_now);
    char total[6], dl[6], ul[6], dls[6], uls[6], cur[6], t_total[9], t_spent[9], t_left[9];
    wf_cli_progress_size(expected, total);
    wf_cli_progress_size(f->dl_now, dl);
    wf_cli_progress_size(f->ul_now, ul);
    wf_cli_progress_size(dl_speed, dls);
    wf_cli_progress_size(ul_speed, uls);
    wf_cli_progress_size(f->current_speed, cur);
    wf_cli_progress_time((int64_t)total_secs, t_total);
    wf_cli_progress_time((int64_t)secs, t_spent);
    wf_cli_progress_time(total_secs > 0 ? (int64_t)total_secs - (int64_t)secs : 0, t_left);
    int n = snprintf(buf, cap, "\r%3llu %s  %3llu %s  %3llu %s  %s  %s %s %s %s %s",
                     (unsigned long long)percent(expected, f->dl_now + f->ul_now), total,
                     (unsigned long long)(f->dl_known ? percent(f->dl_total, f->dl_now) : 0), dl,
                     (unsigned long long)(f->ul_known ? percent(f->ul_total, f->ul_now) : 0), ul, dls, uls,
                     t_total, t_spent, t_left, cur);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

size_t wf_cli_progress_bar_line(uint64_t done, uint64_t total, unsigned width, char *buf, size_t cap)
{
    if (done > total) {
        total = done;
    }
    double frac = total > 0 ? (double)done / (double)total : 1.0;
    unsigned barwidth = width > 7 ? width - 7 : 1;
    size_t num = (size_t)((double)barwidth * frac);
    char line[260];
    if (num >= sizeof line) {
        num = sizeof line - 1;
    }
    memset(line, '#', num);
    line[num] = '\0';
    int n = snprintf(buf, cap, "\r%-*s %5.1f%%", (int)barwidth, line, frac * 100.0);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* curl's width: $COLUMNS (21..9999), else the terminal's, else 79; at most 256. */
static unsigned bar_width(FILE *to)
{
    const char *env = getenv("COLUMNS");
    long n = env != NULL ? strtol(env, NULL, 10) : 0;
    if (n > 20 && n < 10000) {
        return n > 256 ? 256 : (unsigned)n;
    }
    struct winsize ws;
    if (ioctl(fileno(to), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        return ws.ws_col > 256 ? 256 : ws.ws_col;
    }
    return 79;
}

/* The current speed: bytes over the span of the kept samples (one per second). */
static void sample(struct wf_cli_progress *p, uint32_t now)
{
    unsigned i = p->sample_count % WF_CLI_SPEED_SAMPLES;
    uint64_t bytes = p->f.dl_now + p->f.ul_now;
    p->samples[i] = bytes;
    p->sample_ms[i] = now;
    p->sample_count++;
    unsigned kept = p->sample_count >= WF_CLI_SPEED_SAMPLES ? WF_CLI_SPEED_SAMPLES : p->sample_count;
    if (kept == 1) {
        p->f.current_speed = speed(p->f.dl_now, now - p->start_ms) + speed(p->f.ul_now, now - p->start_ms);
        return;
    }
    unsigned oldest = p->sample_count >= WF_CLI_SPEED_SAMPLES ? p->sample_count % WF_CLI_SPEED_SAMPLES : 0;
    uint32_t span = now - p->sample_ms[oldest];
    p->f.current_speed = speed(bytes - p->samples[oldest], span == 0 ? 1 : span);
}

void wf_cli_progress_start(struct wf_cli_progress *p, enum wf_cli_progress_mode mode, FILE *to,
                           uint32_t (*clock_ms)(void), uint64_t ul_total)
{
    memset(p, 0, sizeof *p);
    p->mode = mode;
    p->to = to;
    p->clock_ms = clock_ms;
    if (mode == WF_CLI_PROGRESS_NONE) {
        return;
    }
    p->start_ms = clock_ms();
    p->f.ul_known = ul_total != WF_CLI_PROGRESS_UNKNOWN;
    p->f.ul_total = p->f.ul_known ? ul_total : 0;
    p->width = mode == WF_CLI_PROGRESS_BAR ? bar_width(to) : 0;
    if (mode == WF_CLI_PROGRESS_METER) {
        sample(p, p->start_ms);            /* the first of the speed samples: nothing yet */
        fputs(wf_cli_progress_header, to); /* for each transfer, as curl */
        char line[128];
        fwrite(line, 1, wf_cli_progress_line(&p->f, line, sizeof line), to);
        fflush(to);
        p->drawn = true;
    }
}

static void draw_bar(struct wf_cli_progress *p)
{
    char line[300];
    size_t n;
    if (p->f.dl_known || p->f.ul_known) {
        uint64_t total = (p->f.dl_known ? p->f.dl_total : 0) + (p->f.ul_known ? p->f.ul_total : 0);
        n = wf_cli_progress_bar_line(p->f.dl_now + p->f.ul_now, total, p->width, line, sizeof line);
    } else { /* unknown size: a marker moving to and fro */
        unsigned span = p->width > 7 ? p->width - 7 : 1;
        unsigned pos = p->tick % (2 * span);
        pos = pos < span ? pos : 2 * span - pos - 1;
        p->tick++;
        memset(line, ' ', p->width + 1);
        line[0] = '\r';
        memcpy(line + 1 + pos, "-=O=-", 5);
        n = p->width + 1;
    }
    fwrite(line, 1, n, p->to);
    fflush(p->to);
    p->drawn = true;
}

static void update(struct wf_cli_progress *p, bool done)
{
    uint32_t now = p->clock_ms();
    p->f.elapsed_ms = now - p->start_ms;
    if (p->mode == WF_CLI_PROGRESS_METER) {
        uint32_t sec = p->f.elapsed_ms / 1000;
        if (sec != p->shown_sec || done) { /* a sample a second, and the last one */
            sample(p, now);
        }
        if (sec != p->shown_sec || done) {
            p->shown_sec = sec;
            char line[128];
            fwrite(line, 1, wf_cli_progress_line(&p->f, line, sizeof line), p->to);
            fflush(p->to);
        }
    } else if (p->mode == WF_CLI_PROGRESS_BAR) {
        uint64_t bytes = p->f.dl_now + p->f.ul_now;
        bool complete = p->f.dl_known && p->f.dl_now >= p->f.dl_total;
        if (bytes != p->bar_bytes && (now - p->bar_ms >= 100 || complete || done)) {
            p->bar_bytes = bytes;
            p->bar_ms = now;
            draw_bar(p);
        }
    }
}

void wf_cli_progress_head(struct wf_cli_progress *p, uint64_t body_length)
{
    if (p->mode == WF_CLI_PROGRESS_NONE) {
        return;
    }
    p->f.ul_now = p->f.ul_total; /* an answer came: the request went out */
    p->f.dl_known = body_length != WF_CLI_PROGRESS_UNKNOWN;
    p->f.dl_total = p->f.dl_known ? body_length : 0;
    update(p, false);
}

void wf_cli_progress_body(struct wf_cli_progress *p, size_t len)
{
    if (p->mode == WF_CLI_PROGRESS_NONE) {
        return;
    }
    p->f.dl_now += len;
    update(p, false);
}

void wf_cli_progress_end(struct wf_cli_progress *p)
{
    if (p->mode == WF_CLI_PROGRESS_NONE) {
        return;
    }
    update(p, true);
    fputc('\n', p->to); /* also after a bar that never moved (an empty body), as curl */
    fflush(p->to);
    p->mode = WF_CLI_PROGRESS_NONE;
}
