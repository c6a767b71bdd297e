/*
 * libFuzzer target for the SNTP reply parser and the NTP era arithmetic.
 * Input layout: the whole input is the reply; the nonce is the reply's own
 * originate field (when present) so the fuzzer gets past the echo check and
 * reaches the stratum, leap and timestamp checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wizfetch/error.h"
#include "wizfetch/sntp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t nonce[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    if (size >= 32) {
        memcpy(nonce, &data[24], 8);
    }
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, data, size);
    struct wf_sntp_reply r;
    int rc = wf_sntp_parse(copy, size, nonce, &r);
    switch (rc) {
    case 0: {
        if (size < 48 || (copy[0] & 7) != 4 || r.stratum < 1 || r.stratum > 15 || r.leap == 3 ||
            (r.version != 3 && r.version != 4) || (r.tx_secs == 0 && r.tx_frac == 0)) {
            abort();
        }
        /* The era window: 1968-01-20 .. 2104-02-26. */
        int64_t s = wf_sntp_ntp_to_unix(r.tx_secs);
        if (s < -(int64_t)61505152 || s > (int64_t)4233462143 || r.unix_ms - s * 1000 < 0 ||
            r.unix_ms - s * 1000 > 999) {
            abort();
        }
        break;
    }
    case WF_ESNTP_KOD:
        if (r.stratum != 0 || strlen(r.kiss) != 4) {
            abort();
        }
        break;
    case WF_ESNTP_BADREPLY:
    case WF_ESNTP_UNSYNC:
        break;
    default:
        abort();
    }
    /* Another nonce never matches a reply that only echoed this one. */
    if (size >= 48) {
        uint8_t other[8];
        memcpy(other, nonce, 8);
        other[7] ^= 0x80;
        if (wf_sntp_parse(copy, size, other, &r) != WF_ESNTP_BADREPLY) {
            abort();
        }
    }
    free(copy);
    return 0;
}
