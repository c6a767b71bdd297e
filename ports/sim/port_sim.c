#include "port_sim.h"

#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "wizfetch/error.h"

static int host_spi_frame(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len)
{
    struct wf_port_sim *ph = ctx;
    return wf_sim_chip_spi_frame(ph->model, tx, rx, len);
}

static void host_reset(void *ctx, bool asserted)
{
    struct wf_port_sim *ph = ctx;
    wf_sim_chip_reset_pin(ph->model, asserted);
}

uint32_t wf_port_sim_millis(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static void host_delay_ms(void *ctx, uint32_t ms)
{
    (void)ctx;
    struct timespec ts = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int host_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    size_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(buf + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return WF_EIO;
        }
        done += (size_t)n;
    }
    return 0;
}

static int64_t host_unix_time(void *ctx)
{
    const struct wf_port_sim *ph = ctx;
    if (ph->clock_set) {
        return ph->set_secs + (int64_t)((uint32_t)(wf_port_sim_millis(NULL) - ph->set_ms) / 1000u);
    }
    return ph->clock_unknown ? -1 : (int64_t)time(NULL);
}

void wf_port_sim_set_clock_unknown(struct wf_port_sim *ph, bool unknown)
{
    ph->clock_unknown = unknown;
}

void wf_port_sim_set_unix_time(struct wf_port_sim *ph, int64_t secs)
{
    ph->clock_set = true;
    ph->set_secs = secs;
    ph->set_ms = wf_port_sim_millis(NULL);
}

static void host_console_write(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    fwrite(data, 1, len, stdout);
}

void wf_port_sim_init(struct wf_port_sim *ph, struct wf_sim_chip *model)
{
    ph->model = model;
    ph->clock_unknown = false;
    ph->clock_set = false;
    ph->set_secs = 0;
    ph->set_ms = 0;
    ph->port = (struct wf_port){
        .ctx = ph,
        .spi_frame = host_spi_frame,
        .reset = host_reset,
        .millis = wf_port_sim_millis,
        .delay_ms = host_delay_ms,
        .entropy = host_entropy,
        .unix_time = host_unix_time,
        .console_write = host_console_write,
    };
}
