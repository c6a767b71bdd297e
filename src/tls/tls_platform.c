/*
 * mbedTLS's platform hooks, bound to one wizfetch port: entropy (via
 * MBEDTLS_ENTROPY_HARDWARE_ALT), the wall clock and the millisecond clock
 * (MBEDTLS_PLATFORM_TIME_ALT / _MS_TIME_ALT), and the static heap pool.
 * mbedTLS calls these without a context argument, hence the one binding.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "mbedtls/entropy.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/platform_util.h"
#include "psa/crypto.h"
#include "tls/tls_platform.h"
#include "wizfetch/error.h"
#include "wizfetch/tls.h"

static const struct wf_port *bound_port;
static int64_t time_floor;
/* The pool's high-water mark folded in before each peak reset (wf_tls_heap_peak_reset). */
static size_t pool_high_water;

/* Declared by mbedTLS for MBEDTLS_ENTROPY_HARDWARE_ALT (entropy_poll.h). */
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen);

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen)
{
    (void)data;
    *olen = 0;
    if (bound_port == NULL || bound_port->entropy(bound_port->ctx, output, len) != 0) {
        return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    }
    *olen = len;
    return 0;
}

int wf_mbedtls_fprintf_discard(void *stream, const char *format, ...)
{
    (void)stream;
    (void)format;
    return 0;
}

/* Days since 1970-01-01 -> civil date (proleptic Gregorian), by the
 * era/day-of-era method: exact for every date mbedTLS can hold. */
struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *out)
{
    int64_t secs = (int64_t)*tt;
    int64_t days = secs / 86400;
    int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    out->tm_hour = (int)(rem / 3600);
    out->tm_min = (int)(rem % 3600 / 60);
    out->tm_sec = (int)(rem % 60);
    out->tm_wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365], from March 1 */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11], March = 0 */
    int64_t mday = doy - (153 * mp + 2) / 5 + 1;
    int64_t month = mp < 10 ? mp + 3 : mp - 9; /* [1, 12] */
    int64_t year = yoe + era * 400 + (month <= 2);
    out->tm_year = (int)(year - 1900);
    out->tm_mon = (int)(month - 1);
    out->tm_mday = (int)mday;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    static const short before_month[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    out->tm_yday = before_month[month - 1] + (int)mday - 1 + (leap && month > 2);
    out->tm_isdst = 0;
    return out;
}

int64_t wf_tls_platform_unix_time(void)
{
    if (bound_port == NULL || bound_port->unix_time == NULL) {
        return -1;
    }
    return bound_port->unix_time(bound_port->ctx);
}

void wf_tls_platform_set_time_floor(int64_t floor)
{
    time_floor = floor > 0 ? floor : 0;
}

/* "Now" is never before the floor: a clock set back (by a rogue NTP server,
 * say) cannot make a certificate that expired before the floor valid again.
 * An unknown time reads as the floor (by default 1970: every certificate is
 * then "not yet valid", which fails closed); tls.c decides which date checks
 * to waive. */
static mbedtls_time_t port_time(mbedtls_time_t *out)
{
    int64_t now = wf_tls_platform_unix_time();
    mbedtls_time_t t = (mbedtls_time_t)(now < time_floor ? time_floor : now);
    if (out != NULL) {
        *out = t;
    }
    return t;
}

/* The port's 32-bit counter, widened to 64 bits (TLS 1.3 ticket ages). */
mbedtls_ms_time_t mbedtls_ms_time(void)
{
    static uint32_t last;
    static uint64_t high;
    uint32_t now = bound_port != NULL ? wf_port_millis(bound_port) : 0;
    if (now < last) {
        high += (uint64_t)1 << 32;
    }
    last = now;
    return (mbedtls_ms_time_t)(high + now);
}

int wf_tls_platform_init(const struct wf_port *port, unsigned char *pool, size_t pool_len)
{
    bound_port = port;
    mbedtls_memory_buffer_alloc_init(pool, pool_len);
    pool_high_water = 0;
    mbedtls_platform_set_time(port_time);
    uint8_t probe[16];
    if (port->entropy(port->ctx, probe, sizeof probe) != 0) {
        return WF_ENOENTROPY;
    }
    /* PSA starts its own entropy pool later, in wf_tls_setup: with an NV seed
     * it reads the seed store, which the caller sets after this call. */
    return 0;
}

#if defined(MBEDTLS_ENTROPY_NV_SEED)
/*
 * mbedTLS writes the seed from every entropy context on its first use (PSA's,
 * then the TLS context's in mbedtls_ctr_drbg_seed) and again on every
 * mbedtls_entropy_update_nv_seed: three writes per boot in the full profile, two
 * in the small one. To mbedTLS the store is a file; here its writes go to a RAM
 * copy (which later reads return, as a file would), and only
 * wf_tls_platform_seed_commit() writes the latest copy to the board's store:
 * once per wf_tls_setup, i.e. once per boot.
 */
static int (*store_read)(unsigned char *buf, size_t len);
static int (*store_write)(unsigned char *buf, size_t len);
static unsigned char pending[MBEDTLS_ENTROPY_BLOCK_SIZE];
static bool have_pending;

static int nv_read(unsigned char *buf, size_t len)
{
    if (have_pending && len == sizeof pending) {
        memcpy(buf, pending, len);
        return 0;
    }
    return store_read(buf, len);
}

static int nv_write(unsigned char *buf, size_t len)
{
    if (len != sizeof pending) {
        return -1;
    }
    memcpy(pending, buf, len);
    have_pending = true;
    return 0;
}

int wf_tls_platform_seed_commit(void)
{
    if (!have_pending || store_write == NULL) {
        return 0; /* nothing new to store */
    }
    int rc = store_write(pending, sizeof pending) == 0 ? 0 : WF_EIO;
    if (rc == 0) {
        /* The store now holds it; reads go there again. */
        mbedtls_platform_zeroize(pending, sizeof pending);
        have_pending = false;
    }
    return rc;
}
#else
int wf_tls_platform_seed_commit(void)
{
    return 0;
}
#endif

int wf_tls_platform_set_seed_store(int (*read)(unsigned char *buf, size_t len),
                                   int (*write)(unsigned char *buf, size_t len))
{
#if defined(MBEDTLS_ENTROPY_NV_SEED)
    if (read == NULL || write == NULL) {
        return WF_EINVAL;
    }
    store_read = read;
    store_write = write;
    have_pending = false;
    return mbedtls_platform_set_nv_seed(nv_read, nv_write) == 0 ? 0 : WF_EINVAL;
#else
    (void)read;
    (void)write;
    return WF_ENOTSUP;
#endif
}

size_t wf_tls_heap_peak(void)
{
    size_t bytes = 0, blocks = 0;
    mbedtls_memory_buffer_alloc_max_get(&bytes, &blocks);
    return bytes;
}

size_t wf_tls_heap_used(void)
{
    size_t bytes = 0, blocks = 0;
    mbedtls_memory_buffer_alloc_cur_get(&bytes, &blocks);
    return bytes;
}

/* memory_buffer_alloc puts a header before each block: magic1, size, alloc,
 * four list pointers and magic2 (mbedTLS 3.6 without MBEDTLS_MEMORY_BACKTRACE),
 * eight words of the size of a pointer. Block sizes are already rounded up to
 * MBEDTLS_MEMORY_ALIGN_MULTIPLE in the byte count. */
#define POOL_HEADER_BYTES (8u * sizeof(void *))

static size_t pool_bound_since_reset(void)
{
    size_t bytes = 0, blocks = 0;
    mbedtls_memory_buffer_alloc_max_get(&bytes, &blocks);
    return bytes + blocks * POOL_HEADER_BYTES;
}

void wf_tls_heap_peak_reset(void)
{
    size_t bound = pool_bound_since_reset();
    if (bound > pool_high_water) {
        pool_high_water = bound;
    }
    mbedtls_memory_buffer_alloc_max_reset();
}

size_t wf_tls_pool_high_water(void)
{
    size_t bound = pool_bound_since_reset();
    return bound > pool_high_water ? bound : pool_high_water;
}
