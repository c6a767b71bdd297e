#include "peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { POLL_SLICE_MS = 20 };

struct wf_peer {
    enum wf_peer_mode mode;
    size_t nbytes;
    int listen_fd;
    uint16_t port;
    atomic_bool stop;
    pthread_t thread;
    struct wf_peer_result result;
};

uint8_t wf_peer_pattern(size_t i)
{
    return (uint8_t)((i * 131u) ^ (i >> 9) ^ 0x5Au);
}

/* Wait until `fd` is readable/writable or the peer is told to stop. */
static bool wait_fd(struct wf_peer *p, int fd, short events)
{
    while (!atomic_load(&p->stop)) {
        struct pollfd pfd = {.fd = fd, .events = events};
        int n = poll(&pfd, 1, POLL_SLICE_MS);
        if (n > 0) {
            return true;
        }
        if (n < 0 && errno != EINTR) {
            return false;
        }
    }
    return false;
}

static bool send_all(struct wf_peer *p, int fd, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        if (!wait_fd(p, fd, POLLOUT)) {
            return false;
        }
        ssize_t n = send(fd, buf + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return false;
        }
        done += n > 0 ? (size_t)n : 0;
    }
    return true;
}

static void send_pattern(struct wf_peer *p, int fd, size_t total, size_t piece, unsigned pause_ms)
{
    uint8_t buf[4096];
    for (size_t off = 0; off < total;) {
        size_t n = total - off < piece ? total - off : piece;
        for (size_t i = 0; i < n; i++) {
            buf[i] = wf_peer_pattern(off + i);
        }
        if (!send_all(p, fd, buf, n)) {
            return;
        }
        off += n;
        if (pause_ms) {
            struct timespec ts = {0, (long)pause_ms * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
}

static void echo_or_sink(struct wf_peer *p, int fd, bool echo)
{
    uint8_t buf[4096];
    while (wait_fd(p, fd, POLLIN)) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            return;
        }
        if (n < 0) {
            continue;
        }
        for (ssize_t i = 0; !echo && i < n; i++) {
            p->result.pattern_errors += buf[i] != wf_peer_pattern(p->result.received + (size_t)i);
        }
        p->result.received += (size_t)n;
        if (echo && !send_all(p, fd, buf, (size_t)n)) {
            return;
        }
    }
}

static void hold_open(struct wf_peer *p, int fd)
{
    uint8_t buf[256];
    while (wait_fd(p, fd, POLLIN)) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            return;
        }
    }
}

static void reset_close(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

static void serve_tcp(struct wf_peer *p, int fd)
{
    switch (p->mode) {
    case WF_PEER_TCP_ECHO:
        echo_or_sink(p, fd, true);
        break;
    case WF_PEER_TCP_SINK:
        echo_or_sink(p, fd, false);
        break;
    case WF_PEER_TCP_SOURCE:
        send_pattern(p, fd, p->nbytes, 4096, 0);
        break;
    case WF_PEER_TCP_SLOW:
        send_pattern(p, fd, p->nbytes, 64, 5);
        break;
    case WF_PEER_TCP_RST_AFTER:
        send_pattern(p, fd, p->nbytes, 4096, 0);
        /* Let the bytes reach the client before the RST overtakes them. */
        usleep(100 * 1000);
        reset_close(fd);
        return;
    case WF_PEER_TCP_SILENT:
        hold_open(p, fd);
        break;
    default:
        break;
    }
    close(fd);
}

static void serve_udp(struct wf_peer *p)
{
    uint8_t buf[2048];
    while (wait_fd(p, p->listen_fd, POLLIN)) {
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(p->listen_fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
        if (n >= 0) {
            sendto(p->listen_fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
            p->result.datagrams++;
            p->result.received += (size_t)n;
        }
    }
}

static void *peer_main(void *arg)
{
    struct wf_peer *p = arg;
    if (p->mode == WF_PEER_UDP_ECHO) {
        serve_udp(p);
        return NULL;
    }
    while (wait_fd(p, p->listen_fd, POLLIN)) {
        int fd = accept(p->listen_fd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        p->result.connections++;
        serve_tcp(p, fd);
    }
    return NULL;
}

static int bound_socket(int type, uint16_t *port)
{
    int fd = socket(AF_INET, type, 0);
    if (fd < 0) {
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

struct wf_peer *wf_peer_start(enum wf_peer_mode mode, size_t nbytes)
{
    struct wf_peer *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return NULL;
    }
    p->mode = mode;
    p->nbytes = nbytes;
    bool udp = mode == WF_PEER_UDP_ECHO;
    p->listen_fd = bound_socket(udp ? SOCK_DGRAM : SOCK_STREAM, &p->port);
    if (p->listen_fd < 0 || (!udp && listen(p->listen_fd, 4) < 0) ||
        pthread_create(&p->thread, NULL, peer_main, p) != 0) {
        if (p->listen_fd >= 0) {
            close(p->listen_fd);
        }
        free(p);
        return NULL;
    }
    return p;
}

uint16_t wf_peer_port(const struct wf_peer *p)
{
    return p->port;
}

struct wf_peer_result wf_peer_stop(struct wf_peer *p)
{
    atomic_store(&p->stop, true);
    pthread_join(p->thread, NULL);
    close(p->listen_fd);
    struct wf_peer_result r = p->result;
    free(p);
    return r;
}

uint16_t wf_peer_closed_port(void)
{
    uint16_t port = 0;
    int fd = bound_socket(SOCK_STREAM, &port);
    if (fd >= 0) {
        close(fd);
    }
    return port;
}
