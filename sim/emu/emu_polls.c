/* The longest wf_fetch_poll per step (see emu_polls.h). */
#include "emu_polls.h"

#include <inttypes.h>
#include <string.h>

#include <unicorn/unicorn.h>

#include "emu_cpu.h"
#include "emu_elf.h"
#include "fetch_state.h"
#include "mbedtls/ssl.h"

static const char *fetch_state_name(unsigned s)
{
    switch ((enum fetch_state)s) {
    case FS_IDLE:
        return "idle";
    case FS_EXCHANGE:
        return "exchange (start: resolve)";
    case FS_OPEN:
        return "open (resolve)";
    case FS_RESOLVE:
        return "resolve";
    case FS_CONNECT:
        return "connect";
    case FS_TLS:
        return "tls";
    case FS_READY:
        return "request (start)";
    case FS_HEAD:
        return "request head";
    case FS_BODY:
        return "request body";
    case FS_PIECE:
        return "request body piece";
    case FS_RESPONSE:
        return "response";
    case FS_CLOSE:
        return "close";
    case FS_FINISH:
        return "finish";
    case FS_DONE:
        return "done";
    }
    return NULL;
}

/* mbedTLS 3.6's handshake states (client side) as the TLS messages they handle;
 * `pk`: the step carries a public-key operation in that version. */
static const char *tls_state_name(int s, unsigned version, bool *pk)
{
    bool v13 = version == 0x0304;
    *pk = false;
    switch ((mbedtls_ssl_states)s) {
    case MBEDTLS_SSL_HELLO_REQUEST:
        return "start";
    case MBEDTLS_SSL_CLIENT_HELLO:
        *pk = v13; /* the key share: an ephemeral key pair */
        return "ClientHello";
    case MBEDTLS_SSL_SERVER_HELLO:
        *pk = v13; /* ECDHE: the shared secret */
        return "ServerHello";
    case MBEDTLS_SSL_SERVER_CERTIFICATE:
        *pk = true; /* the chain's signatures */
        return "server Certificate";
    case MBEDTLS_SSL_SERVER_KEY_EXCHANGE:
        *pk = true; /* its signature */
        return "ServerKeyExchange";
    case MBEDTLS_SSL_CERTIFICATE_REQUEST:
        return "CertificateRequest";
    case MBEDTLS_SSL_SERVER_HELLO_DONE:
        return "ServerHelloDone";
    case MBEDTLS_SSL_CLIENT_CERTIFICATE:
        return "client Certificate";
    case MBEDTLS_SSL_CLIENT_KEY_EXCHANGE:
        *pk = true; /* ECDHE: key pair and shared secret */
        return "ClientKeyExchange";
    case MBEDTLS_SSL_CERTIFICATE_VERIFY:
        *pk = true; /* 1.2: the client's signature; 1.3: the server's, verified */
        return v13 ? "server CertificateVerify" : "client CertificateVerify";
    case MBEDTLS_SSL_CLIENT_CHANGE_CIPHER_SPEC:
        return "client ChangeCipherSpec";
    case MBEDTLS_SSL_CLIENT_FINISHED:
        return "client Finished";
    case MBEDTLS_SSL_SERVER_CHANGE_CIPHER_SPEC:
        return "server ChangeCipherSpec";
    case MBEDTLS_SSL_SERVER_FINISHED:
        return "server Finished";
    case MBEDTLS_SSL_FLUSH_BUFFERS:
        return "flush";
    case MBEDTLS_SSL_HANDSHAKE_WRAPUP:
        return "wrap-up";
    case MBEDTLS_SSL_NEW_SESSION_TICKET:
        return "NewSessionTicket";
    case MBEDTLS_SSL_SERVER_HELLO_VERIFY_REQUEST_SENT:
        return "HelloVerifyRequest";
    case MBEDTLS_SSL_HELLO_RETRY_REQUEST:
        return "HelloRetryRequest";
    case MBEDTLS_SSL_ENCRYPTED_EXTENSIONS:
        return "EncryptedExtensions";
    case MBEDTLS_SSL_END_OF_EARLY_DATA:
        return "EndOfEarlyData";
    case MBEDTLS_SSL_CLIENT_CERTIFICATE_VERIFY:
        *pk = true; /* 1.3: the client's signature */
        return "client CertificateVerify";
    case MBEDTLS_SSL_CLIENT_CCS_AFTER_SERVER_FINISHED:
    case MBEDTLS_SSL_CLIENT_CCS_BEFORE_2ND_CLIENT_HELLO:
    case MBEDTLS_SSL_CLIENT_CCS_AFTER_CLIENT_HELLO:
        return "client ChangeCipherSpec";
    case MBEDTLS_SSL_SERVER_CCS_AFTER_SERVER_HELLO:
    case MBEDTLS_SSL_SERVER_CCS_AFTER_HELLO_RETRY_REQUEST:
        return "server ChangeCipherSpec";
    case MBEDTLS_SSL_HANDSHAKE_OVER:
        return "over";
    case MBEDTLS_SSL_TLS1_3_NEW_SESSION_TICKET:
    case MBEDTLS_SSL_TLS1_3_NEW_SESSION_TICKET_FLUSH:
        return "NewSessionTicket";
    }
    return NULL;
}

static void step_name(char *out, size_t n, unsigned state, int tls_state, unsigned version, bool *pk)
{
    *pk = false;
    const char *fs = fetch_state_name(state);
    if (state == FS_TLS && tls_state >= 0) {
        const char *ts = tls_state_name(tls_state, version, pk);
        const char *v = version == 0x0304 ? "1.3" : version == 0x0303 ? "1.2" : "";
        if (ts != NULL) {
            snprintf(out, n, "tls%s %s", v, ts);
        } else {
            snprintf(out, n, "tls%s state %d", v, tls_state);
        }
    } else if (fs != NULL) {
        snprintf(out, n, "%s", fs);
    } else {
        snprintf(out, n, "state %u", state);
    }
}

void wf_emu_polls_probe(struct wf_emu_polls *p, uint64_t icount, uint32_t event, uint32_t state,
                        int32_t tls_state, uint32_t tls_version)
{
    if (event == WF_FETCH_PROBE_BEGIN) {
        p->in_poll = true;
        p->start = icount;
        p->state = state;
        p->tls_state = tls_state;
        p->tls_version = tls_version;
        return;
    }
    if (!p->in_poll) {
        p->unmatched++;
        return;
    }
    p->in_poll = false;
    char name[sizeof p->steps[0].name];
    bool pk;
    /* the version at the end (a ServerHello poll has negotiated it), unless the
     * poll ended the connection */
    step_name(name, sizeof name, p->state, p->tls_state, tls_version != 0 ? tls_version : p->tls_version,
              &pk);
    unsigned i;
    for (i = 0; i < p->nsteps && strcmp(p->steps[i].name, name) != 0; i++) {
    }
    if (i == p->nsteps) {
        if (p->nsteps == WF_EMU_POLL_STEPS) {
            p->unmatched++;
            return;
        }
        p->nsteps++;
        memcpy(p->steps[i].name, name, sizeof name);
        p->steps[i].public_key = pk;
    }
    struct wf_emu_poll_step *s = &p->steps[i];
    uint64_t n = icount - p->start;
    s->polls++;
    s->total += n;
    if (n > s->longest) {
        s->longest = n;
    }
}

/* The probe's first instruction: its arguments are in r0-r3. */
static void on_probe(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    struct wf_emu_polls *p = user;
    (void)address;
    (void)size;
    uint32_t r[4];
    for (int i = 0; i < 4; i++) {
        uc_reg_read(uc, UC_ARM_REG_R0 + i, &r[i]);
    }
    if (*p->icount == p->last_icount) {
        return; /* the same instruction again (the run loop stopped before it, then resumed) */
    }
    p->last_icount = *p->icount;
    wf_emu_polls_probe(p, *p->icount, r[0], r[1], (int32_t)r[2], r[3]);
}

int wf_emu_polls_attach(struct wf_emu_polls *p, struct wf_emu_cpu *e, const struct wf_emu_elf *elf)
{
    memset(p, 0, sizeof *p);
    uint32_t addr;
    if (elf == NULL || !wf_emu_elf_lookup(elf, WF_FETCH_POLL_PROBE_SYMBOL, &addr)) {
        return 0;
    }
    addr &= ~1u;
    uc_hook h;
    uc_err err = uc_hook_add((uc_engine *)e->uc, &h, UC_HOOK_CODE, (void *)on_probe, p, addr, addr);
    if (err != UC_ERR_OK) {
        fprintf(stderr, "wf-board-emu: cannot hook %s: %s\n", WF_FETCH_POLL_PROBE_SYMBOL, uc_strerror(err));
        return -1;
    }
    p->icount = &e->b->icount;
    p->active = true;
    return 0;
}

static double ms(uint64_t n, double hclk, double cpi)
{
    return hclk > 0 ? (double)n * cpi / hclk * 1e3 : 0.0;
}

void wf_emu_polls_print(const struct wf_emu_polls *p, double hclk, double cpi, FILE *out)
{
    if (p->nsteps == 0) {
        return;
    }
    fprintf(out, "\n== longest wf_fetch_poll per step (instructions; ms at HCLK %.0f MHz, CPI %.2f) ==\n",
            hclk / 1e6, cpi);
    fprintf(out, "%-32s %8s %12s %9s %14s  %s\n", "step", "polls", "longest", "ms", "total", "");
    for (unsigned i = 0; i < p->nsteps; i++) {
        const struct wf_emu_poll_step *s = &p->steps[i];
        fprintf(out, "%-32s %8" PRIu64 " %12" PRIu64 " %9.2f %14" PRIu64 "  %s\n", s->name, s->polls,
                s->longest, ms(s->longest, hclk, cpi), s->total,
                s->public_key                    ? "public-key"
                : s->longest > WF_EMU_POLL_BOUND ? "over the 1 M goal"
                                                 : "");
    }
    if (p->unmatched) {
        fprintf(out, "(%" PRIu64 " probe calls out of order)\n", p->unmatched);
    }
}

void wf_emu_polls_json(const struct wf_emu_polls *p, double hclk, double cpi, FILE *out)
{
    fprintf(out, "  \"polls\": [");
    for (unsigned i = 0; i < p->nsteps; i++) {
        const struct wf_emu_poll_step *s = &p->steps[i];
        fprintf(out,
                "%s\n    {\"step\": \"%s\", \"public_key\": %s, \"polls\": %" PRIu64 ", \"longest\": %" PRIu64
                ", \"longest_ms\": %.3f, \"total\": %" PRIu64 "}",
                i ? "," : "", s->name, s->public_key ? "true" : "false", s->polls, s->longest,
                ms(s->longest, hclk, cpi), s->total);
    }
    fprintf(out, "%s]", p->nsteps ? "\n  " : "");
}
