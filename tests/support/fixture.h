/**
 * @file fixture.h
 * @brief The whole portable stack on the host: chip model + host port + W5100
 * driver + socket layer, configured as 10.0.0.2/24 (gateway 10.0.0.254) with
 * short retry timers (RTR 10 ms, RCR 2) so timeout cases finish quickly.
 */
#ifndef WF_TEST_FIXTURE_H
#define WF_TEST_FIXTURE_H

#include <stdint.h>

#include "port_sim.h"
#include "wf_sim_chip.h"
#include "wizfetch/chip.h"
#include "wizfetch/error.h"
#include "wizfetch/socket.h"

/** 10.0.0.1: the test network's server address, mapped to 127.0.0.1. */
#define WF_FIX_SERVER_IP 0x0A000001u
/** RTR/RCR used by the fixture: ARP gives up after 10 ms * 3 = 30 ms. */
#define WF_FIX_RTR 100u
#define WF_FIX_RCR 2u

struct wf_fixture {
    struct wf_sim_chip *model;
    struct wf_port_sim host;
    wf_chip_t chip;
    wf_net_t net;
};

/** Build and start everything on a modelled W5100; a heap fixture, or the test fails. */
struct wf_fixture *wf_fixture_new(uint64_t seed);
/** The same on the given modelled chip, found by wf_chip_detect. */
struct wf_fixture *wf_fixture_new_variant(uint64_t seed, enum wf_sim_variant variant);
/** (Re)start the chip and the socket layer with the fixture's settings (after a chip loss). */
void wf_fixture_restart(struct wf_fixture *f);
/** Close the sockets, fail the test if the model recorded any violation, free. */
void wf_fixture_free(struct wf_fixture *f);
/** Free without the violation check (tests that provoke violations on purpose). */
void wf_fixture_free_unchecked(struct wf_fixture *f);

/** 10.0.0.1:port, mapped by the fixture to 127.0.0.1:port. */
wf_sockaddr_t wf_fix_server(uint16_t port);
/** A virtual address from a host-order IPv4 and a port. */
wf_sockaddr_t wf_fix_addr(uint32_t ip, uint16_t port);

/** A TCP socket connected to 10.0.0.1:port (the test fails otherwise). */
int wf_fix_tcp_connect(struct wf_fixture *f, uint16_t port);

/**
 * Send `len` bytes of the peer pattern in 777-byte pieces over `fd` (to an
 * echo peer) while reading the echo back; the test fails unless every byte
 * comes back in order. `out` and `in` are caller buffers of `len` bytes.
 */
void wf_fix_echo_pattern(struct wf_fixture *f, int fd, uint8_t *out, uint8_t *in, size_t len);

/**
 * Receive on `fd` until end of stream or an error, 3000 bytes per call, failing
 * the test on any byte that is not the peer pattern. Returns the byte count;
 * `*last_rc` gets the final wf_net_recv result (0 = end of stream).
 */
size_t wf_fix_recv_pattern(struct wf_fixture *f, int fd, int *last_rc);

/** Send `len` bytes of the peer pattern on `fd` in 4096-byte calls (each must be taken whole). */
void wf_fix_send_pattern(struct wf_fixture *f, int fd, size_t len);

/** cmocka setup/teardown wrappers using a random-but-printed seed. */
int wf_fixture_setup(void **state);
int wf_fixture_teardown(void **state);

#endif
