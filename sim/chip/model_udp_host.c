/*
 * Host UDP sockets behind the model's UDP sockets (DHCP/SNTP support).
 *
 * Every chip UDP socket is carried by one host UDP socket:
 *  - SO_BROADCAST is set, so a datagram the chip sends to 255.255.255.255
 *    (a DHCP DISCOVER/REQUEST) leaves as a real limited broadcast when the
 *    network map does not redirect it;
 *  - a privileged chip source port (below 1024: DHCP's 68, NTP's 123) is bound
 *    on the host as well when the host allows it (root, e.g. inside the
 *    network namespaces of tests/e2e/net.sh), so a DHCP server's broadcast
 *    reply to port 68 reaches the model; otherwise (not root, port taken) the
 *    socket gets an ephemeral port, which is all the unit tests need, since
 *    their responders answer the datagram's real source;
 *  - the socket is bound to INADDR_ANY, not to loopback, so it can talk to
 *    servers on a real interface (the namespace LAN), and replies to it from
 *    127.0.0.1 are delivered all the same.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "model_internal.h"

int sim_udp_host_socket(uint16_t chip_port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (chip_port != 0 && chip_port < 1024) {
        a.sin_port = htons(chip_port);
        if (bind(fd, (const struct sockaddr *)&a, sizeof a) == 0) {
            return fd;
        }
    }
    a.sin_port = 0;
    if (bind(fd, (const struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}
