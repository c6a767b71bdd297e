/* The CA bundle embedded at build time: the generated wf_ca_bundle.c defines
 * wf_ca_bundle_pem (possibly empty). */
#include <stddef.h>

#include "wizfetch/tls.h"

extern const char wf_ca_bundle_pem[];

int wf_tls_add_builtin_cas(wf_tls_t *t)
{
    if (wf_ca_bundle_pem[0] == '\0') {
        return 0;
    }
    int rc = wf_tls_add_ca_pem(t, wf_ca_bundle_pem);
    return rc < 0 ? rc : (int)wf_tls_ca_count(t);
}
