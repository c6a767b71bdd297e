/**
 * @file emu_polls.h
 * @brief The longest wf_fetch_poll per step: an image built with the fetch's poll
 * probe (src/fetch_state.h, WF_FETCH_POLL_PROBE: the emulator's test images) calls
 * wf_fetch_poll_probe when each wf_fetch_poll starts and before it returns. The
 * emulator counts the instructions between the two (exception handlers that ran
 * meanwhile included) and keys the poll by the step it started in: the fetch's
 * state, and in the handshake mbedTLS's state and the TLS version ("tls1.3
 * ServerHello"). Per step: polls, longest poll, total.
 *
 * A handshake poll is named by the TLS version at its end (at its start if the
 * poll ended the connection): until ServerHello is parsed that is the highest
 * version offered, so with a TLS 1.3 client the polls that wait for a TLS 1.2
 * server's ServerHello count as "tls1.3 ServerHello" (the one that parses it as
 * "tls1.2 ServerHello").
 *
 * Printed after the run's report ("== longest wf_fetch_poll per step =="), in the
 * --json report ("polls"). Steps that carry a public-key operation by the protocol
 * (key share, ECDHE, certificate chain, signatures) are marked: every other step
 * should stay under WF_EMU_POLL_BOUND instructions (docs/embedding.md).
 */
#ifndef WF_EMU_POLLS_H
#define WF_EMU_POLLS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/** The goal for a step without a public-key operation: 10 ms at 100 MHz. */
#define WF_EMU_POLL_BOUND 1000000u
#define WF_EMU_POLL_STEPS 48

struct wf_emu_poll_step {
    char name[40];
    bool public_key; /**< the step carries a public-key operation */
    uint64_t polls, longest, total;
};

struct wf_emu_cpu;
struct wf_emu_elf;

struct wf_emu_polls {
    bool active;            /**< the image has the probe: the hook is in place */
    const uint64_t *icount; /**< the machine's instruction count */
    uint64_t last_icount;   /**< of the last probe call seen */
    bool in_poll;
    uint64_t start;       /**< icount at the poll's start */
    unsigned state;       /**< the fetch's state then */
    int tls_state;        /**< mbedTLS's handshake state then, -1: none */
    unsigned tls_version; /**< the TLS version then (0: none yet) */
    struct wf_emu_poll_step steps[WF_EMU_POLL_STEPS];
    unsigned nsteps;
    uint64_t unmatched; /**< probe calls out of order (an end without a start) */
};

/**
 * Hook the probe's first instruction if `elf` has the symbol (else `p` stays
 * inactive). Returns 0, or -1 if the hook cannot be added (message on stderr).
 */
int wf_emu_polls_attach(struct wf_emu_polls *p, struct wf_emu_cpu *e, const struct wf_emu_elf *elf);

/** One probe call: event (1 start, 0 end) and its arguments, at instruction `icount`. */
void wf_emu_polls_probe(struct wf_emu_polls *p, uint64_t icount, uint32_t event, uint32_t state,
                        int32_t tls_state, uint32_t tls_version);

/** The table; ms at `hclk_hz` and `cpi` cycles per instruction. Nothing when no poll was seen. */
void wf_emu_polls_print(const struct wf_emu_polls *p, double hclk_hz, double cpi, FILE *out);
/** The "polls" member of the JSON report (without a trailing comma). */
void wf_emu_polls_json(const struct wf_emu_polls *p, double hclk_hz, double cpi, FILE *out);

#endif
