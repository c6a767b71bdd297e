/*
 * libFuzzer target for the DNS reply parser (and the host-name checks of the
 * query encoder). Input layout: byte 0 picks the queried host, the rest is the
 * reply datagram. The ID is taken from the datagram itself so the fuzzer gets
 * past the ID check at once and spends its time in the names and records.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wizfetch/dns.h"
#include "wizfetch/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const hosts[] = {
    "example.com", "www.example.com.", "a", "A.B.C.D.E.F", "x-y_z.test",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    const char *host = hosts[data[0] % (sizeof hosts / sizeof hosts[0])];
    const uint8_t *msg = data + 1;
    size_t len = size - 1;
    uint16_t id = len >= 2 ? (uint16_t)((msg[0] << 8) | msg[1]) : 0;

    /* A copy of exactly `len` bytes on the heap, so ASan sees any over-read. */
    uint8_t *copy = malloc(len ? len : 1);
    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, msg, len);
    uint8_t addrs[3][4];
    int rc = wf_dns_answer_parse(copy, len, id, host, addrs, 3);
    if (!(rc < 0 || (rc >= 1 && rc <= 3))) {
        abort();
    }
    /* Same answer with room for one address: same outcome class, count 1. */
    uint8_t one[1][4];
    int rc1 = wf_dns_answer_parse(copy, len, id, host, one, 1);
    if ((rc > 0) != (rc1 > 0) || (rc > 0 && (rc1 != 1 || memcmp(one[0], addrs[0], 4) != 0)) ||
        (rc <= 0 && rc != rc1)) {
        abort();
    }
    free(copy);

    /* The input as a host name: the encoder must accept or refuse it cleanly. */
    char name[300];
    size_t n = len < sizeof name - 1 ? len : sizeof name - 1;
    memcpy(name, msg, n);
    name[n] = '\0';
    uint8_t q[WF_DNS_QUERY_MAX];
    int qlen = wf_dns_query_build(q, sizeof q, 0x4242, name);
    if (qlen != WF_EDNS_BADNAME && (qlen < 18 || qlen > WF_DNS_QUERY_MAX)) {
        abort();
    }
    return 0;
}
