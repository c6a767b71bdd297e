/*
 * wf-echo: bring up the (modelled) W5100, connect to an echo server through
 * the chip, send a message, print the reply and what it cost on the SPI bus.
 *
 *   wf-echo [--map VIP[:VPORT]=HOST:PORT]... [--udp] [--timeout MS] IP:PORT MESSAGE
 *
 * Exit codes: 0 ok, 1 wrong reply or chip-model violation, 2 chip init failure,
 * 3 bad arguments, 7 connect failure, 28 timeout, 55 send failure, 56 receive failure.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_app.h"
#include "port_sim.h"
#include "wf_sim_chip.h"
#include "wizfetch/chip.h"
#include "wizfetch/error.h"
#include "wizfetch/socket.h"

enum {
    EXIT_VIOLATION = 1,
    EXIT_CHIP = 2,
    EXIT_USAGE = 3,
    EXIT_CONNECT = 7,
    EXIT_TIMEOUT = 28,
    EXIT_SEND = 55,
    EXIT_RECV = 56,
};

struct options {
    bool udp;
    uint32_t timeout_ms;
    wf_sockaddr_t dest;
    const char *message;
};

static int usage(const char *why)
{
    fprintf(stderr,
            "wf-echo: %s\nusage: wf-echo [--map VIP[:VPORT]=HOST:PORT]... [--udp] [--timeout MS] IP:PORT "
            "MESSAGE\n",
            why);
    return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct wf_sim_chip *model, struct options *o)
{
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--udp") == 0) {
            o->udp = true;
        } else if (strcmp(argv[i], "--map") == 0 && i + 1 < argc) {
            if (!wf_args_map_rule(model, argv[++i])) {
                return usage("bad --map rule (want VIP[:VPORT]=HOST:PORT)");
            }
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            o->timeout_ms = (uint32_t)strtoul(argv[++i], NULL, 10);
            if (o->timeout_ms == 0) {
                return usage("--timeout must be a positive number of ms");
            }
        } else {
            return usage("unknown option");
        }
    }
    if (argc - i != 2) {
        return usage("need IP:PORT and MESSAGE");
    }
    uint32_t ip;
    if (!wf_args_endpoint(argv[i], false, &ip, &o->dest.port)) {
        return usage("bad destination (want IP:PORT)");
    }
    wf_args_ip_bytes(ip, o->dest.ip);
    o->message = argv[i + 1];
    if (o->message[0] == '\0') {
        return usage("MESSAGE must not be empty");
    }
    return 0;
}

static int exit_code_for(int err, int fallback)
{
    return err == WF_ETIMEDOUT ? EXIT_TIMEOUT : fallback;
}

static int fail(const char *what, int err, int code)
{
    fprintf(stderr, "wf-echo: %s: %s (%s)\n", what, wf_strerror(err), wf_strerror_name(err));
    return exit_code_for(err, code);
}

/* Send the message and read the same number of bytes back. */
static int exchange(wf_net_t *net, const struct options *o, char *reply, size_t len)
{
    int fd = wf_net_socket(net, o->udp ? WF_SOCK_DGRAM : WF_SOCK_STREAM);
    if (fd < 0) {
        return fail("socket", fd, EXIT_CONNECT);
    }
    wf_net_set_timeout(net, fd, o->timeout_ms);
    int rc;
    if (o->udp) {
        rc = wf_net_sendto(net, fd, o->message, len, &o->dest);
        if (rc < 0) {
            wf_net_close(net, fd);
            return fail("sendto", rc, EXIT_SEND);
        }
        rc = wf_net_recvfrom(net, fd, reply, len, NULL, NULL);
        wf_net_close(net, fd);
        return rc < 0 ? fail("recvfrom", rc, EXIT_RECV) : 0;
    }
    rc = wf_net_connect(net, fd, &o->dest);
    if (rc < 0) {
        wf_net_close(net, fd);
        return fail("connect", rc, EXIT_CONNECT);
    }
    rc = wf_net_send(net, fd, o->message, len);
    if (rc < 0) {
        wf_net_close(net, fd);
        return fail("send", rc, EXIT_SEND);
    }
    for (size_t got = 0; got < len; got += (size_t)rc) {
        rc = wf_net_recv(net, fd, reply + got, len - got);
        if (rc <= 0) {
            wf_net_close(net, fd);
            return rc == 0 ? fail("recv", WF_ECONNRESET, EXIT_RECV) : fail("recv", rc, EXIT_RECV);
        }
    }
    wf_net_close(net, fd);
    return 0;
}

static int run(struct wf_sim_chip *model, const struct options *o)
{
    struct wf_port_sim host;
    wf_port_sim_init(&host, model);
    wf_chip_t chip;
    int rc = wf_app_start_chip(&host, &chip, &wf_chip_w5100);
    if (rc < 0) {
        return fail("chip start", rc, EXIT_CHIP);
    }
    printf("chip: %s up, 10.0.0.2/24 gw 10.0.0.254, %u sockets\n", chip.variant->name, chip.sockets);

    wf_net_t net;
    wf_net_init(&net, &chip);
    size_t len = strlen(o->message);
    char *reply = calloc(1, len + 1);
    if (reply == NULL) {
        return fail("memory", WF_EINVAL, EXIT_VIOLATION);
    }
    uint32_t t0 = wf_port_sim_millis(NULL);
    wf_sim_chip_stats_reset(model);
    rc = exchange(&net, o, reply, len);
    if (rc == 0) {
        const struct wf_sim_chip_stats *st = wf_sim_chip_stats(model);
        printf("%s %u.%u.%u.%u:%u -> \"%s\"\n", o->udp ? "udp" : "tcp", o->dest.ip[0], o->dest.ip[1],
               o->dest.ip[2], o->dest.ip[3], o->dest.port, reply);
        printf("spi: %llu frames, %llu bytes for %zu payload bytes each way; %u ms\n",
               (unsigned long long)st->frames, (unsigned long long)st->bytes, len,
               (unsigned)(wf_port_sim_millis(NULL) - t0));
        if (strcmp(reply, o->message) != 0) {
            fprintf(stderr, "wf-echo: the reply differs from the message\n");
            rc = EXIT_VIOLATION;
        }
    }
    free(reply);
    wf_net_free(&net);
    return rc;
}

int main(int argc, char **argv)
{
    struct wf_sim_chip *model = wf_sim_chip_new(0x5EED);
    if (model == NULL) {
        fprintf(stderr, "wf-echo: out of memory\n");
        return EXIT_CHIP;
    }
    struct options o = {.timeout_ms = 5000};
    int rc = parse_args(argc, argv, model, &o);
    if (rc == 0) {
        rc = run(model, &o);
    }
    rc = wf_app_check_model(model, "wf-echo", rc, EXIT_VIOLATION);
    wf_sim_chip_free(model);
    return rc;
}
