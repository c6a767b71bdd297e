/**
 * @file firmware_config.h
 * @brief The firmware's build-time configuration, in one place. Every value
 * can be overridden with -D (the CMake cache variables WF_FW_* do that, see
 * docs/firmware.md); the defaults describe the test network that `make run-firmware`
 * and the emulator provide.
 *
 * The trust anchors are not here: they are the store in flash generated from the
 * PEM bundles named by CMake's WF_CA_BUNDLE ("system" = the build machine's).
 */
#ifndef WF_FIRMWARE_CONFIG_H
#define WF_FIRMWARE_CONFIG_H

/** The page to fetch. */
#ifndef WF_FW_URL
#define WF_FW_URL "https://www.example.test/"
#endif

/**
 * Pinned server keys, curl's --pinnedpubkey syntax: "sha256//BASE64[;sha256//BASE64...]"
 * (SHA-256 of the server certificate's DER SubjectPublicKeyInfo, at most
 * WF_TLS_MAX_PINS). After the chain verified, the key must be one of these, or the
 * fetch fails with WF_ETLS_PINNED. "" = no pinning.
 */
#ifndef WF_FW_PINNED_KEY
#define WF_FW_PINNED_KEY ""
#endif

/**
 * Telemetry: with WF_FW_REPORT_S > 0 the firmware is a reporting device. Every
 * WF_FW_REPORT_S seconds it POSTs a small JSON document (uptime, report and
 * fetch counts, last error, heap and stack peaks, reconnects, reused
 * connections, resumed sessions: apps/firmware/fw_report.h) to WF_FW_URL,
 * over the connection it kept from the last report when the server allowed
 * that, else over a new one that resumes the TLS session when the server
 * allows that. The console says which for each report. Errors back off as
 * the single fetch does. WF_FW_REPORT_COUNT > 0 stops after that many
 * attempts (tests); 0 = forever. WF_FW_BODY is not used in this mode.
 */
#ifndef WF_FW_REPORT_S
#define WF_FW_REPORT_S 0u
#endif
#ifndef WF_FW_REPORT_COUNT
#define WF_FW_REPORT_COUNT 0u
#endif

/**
 * Superloop mode (apps/firmware/fw_superloop.h; docs/firmware.md, "Superloop
 * mode"): 1 = one main loop that never waits for the network: a 1 kHz job (its
 * missed ticks counted), DHCP polled (WF_FW_USE_DHCP), the fetch of WF_FW_URL
 * (a GET) and, with WF_FW_REPORT_S, the telemetry reports to WF_FW_REPORT_URL
 * at the same time (their own socket and TLS context), all driven by
 * wf_fetch_start/wf_fetch_poll. No SNTP in this mode. WF_FW_WAKEUP = 1: the
 * loop sleeps (WFI) when nothing moved, woken by the chip's INTn (boards that
 * wire it: ports/board_api.h, wf_board_wake_start) or the 1 kHz tick.
 */
#ifndef WF_FW_SUPERLOOP
#define WF_FW_SUPERLOOP 0
#endif
#ifndef WF_FW_WAKEUP
#define WF_FW_WAKEUP 0
#endif
#ifndef WF_FW_REPORT_URL
#define WF_FW_REPORT_URL WF_FW_URL
#endif
#if WF_FW_WAKEUP && !WF_FW_SUPERLOOP
#error "WF_FW_WAKEUP is a setting of the superloop mode (WF_FW_SUPERLOOP=1)"
#endif

/**
 * The request. WF_FW_BODY: the request body, a string sent as it is with
 * Content-Length (e.g. {"hello":"board"}); undefined: no body.
 * WF_FW_METHOD: any method token; default POST with a body, else GET.
 * WF_FW_HEADERS: extra header fields, a comma-separated list of "Name: value"
 * C strings (e.g. "Authorization: Bearer abc", "Content-Type: application/json");
 * a field named like a default (Host, User-Agent, Accept, Connection) replaces
 * it; at most WF_FW_MAX_HEADERS fields, names up to 47 bytes. The request line,
 * the fields (secret values not shown: fw_request_field_is_secret) and the body are printed on
 * the console before the response.
 */
#ifndef WF_FW_METHOD
#if defined(WF_FW_BODY) || (WF_FW_REPORT_S > 0 && !WF_FW_SUPERLOOP)
#define WF_FW_METHOD "POST"
#else
#define WF_FW_METHOD "GET"
#endif
#endif
#ifndef WF_FW_HEADERS
#if WF_FW_REPORT_S > 0 && !WF_FW_SUPERLOOP /* the superloop's reports set their own */
#define WF_FW_HEADERS "Content-Type: application/json"
#else
#define WF_FW_HEADERS /* none */
#endif
#endif
#ifndef WF_FW_MAX_HEADERS
#define WF_FW_MAX_HEADERS 8
#endif

/** MAC address (locally administered by default: set the shield's own for a real LAN). */
#ifndef WF_FW_MAC
#define WF_FW_MAC                                                                                            \
    {                                                                                                        \
        0x02, 0x00, 0x5E, 0x10, 0x00, 0x02                                                                   \
    }
#endif

/**
 * Address configuration: 1 = DHCP (address, mask, router, DNS and NTP servers
 * from the lease; renewed at T1 between fetches), 0 = the static settings below.
 */
#ifndef WF_FW_USE_DHCP
#define WF_FW_USE_DHCP 1
#endif

/** Static network settings (used when WF_FW_USE_DHCP is 0; the DNS server also
 * when a lease names none). */
#ifndef WF_FW_IP
#define WF_FW_IP                                                                                             \
    {                                                                                                        \
        10, 0, 0, 2                                                                                          \
    }
#endif
#ifndef WF_FW_MASK
#define WF_FW_MASK                                                                                           \
    {                                                                                                        \
        255, 255, 255, 0                                                                                     \
    }
#endif
#ifndef WF_FW_GATEWAY
#define WF_FW_GATEWAY                                                                                        \
    {                                                                                                        \
        10, 0, 0, 254                                                                                        \
    }
#endif
#ifndef WF_FW_DNS
#define WF_FW_DNS                                                                                            \
    {                                                                                                        \
        10, 0, 0, 53                                                                                         \
    }
#endif

/** mbedTLS heap pool (static), bytes: set by the build from the measured peak
 *  plus a margin (cmake/firmware.cmake). The peak of a fetch and the high
 *  water since boot are printed after each attempt. */
#ifndef WF_FW_TLS_POOL_BYTES
#error "WF_FW_TLS_POOL_BYTES comes from the build (cmake/firmware.cmake)"
#endif

/** Retry after a failure: first delay, doubling up to the maximum (ms). */
#ifndef WF_FW_RETRY_FIRST_MS
#define WF_FW_RETRY_FIRST_MS 2000u
#endif
#ifndef WF_FW_RETRY_MAX_MS
#define WF_FW_RETRY_MAX_MS 60000u
#endif

/** Fetch again this many seconds after a success (0 = fetch once, then idle). */
#ifndef WF_FW_REFETCH_S
#define WF_FW_REFETCH_S 0u
#endif

/**
 * Deadlines (ms): one per attempt, covering everything after the chip's start
 * (DHCP, SNTP, DNS, connect, TLS, the body and the closing); and one for the
 * DHCP lease and for each connect + TLS handshake, within it.
 */
#ifndef WF_FW_FETCH_TIMEOUT_MS
#define WF_FW_FETCH_TIMEOUT_MS 60000u
#endif
#ifndef WF_FW_CONNECT_TIMEOUT_MS
#define WF_FW_CONNECT_TIMEOUT_MS 20000u
#endif

/**
 * NTP server for the clock, as a C initialiser ({a,b,c,d}); {0,0,0,0} = the
 * servers the DHCP lease names (option 42), or none.
 */
#ifndef WF_FW_NTP
#define WF_FW_NTP                                                                                            \
    {                                                                                                        \
        0, 0, 0, 0                                                                                           \
    }
#endif

/**
 * Certificate dates without a clock. The board has no battery-backed clock; it
 * learns the time by SNTP. If no NTP server answers, with 1 the firmware goes on with
 * reduced date checks: "expired" is checked against WF_FW_TIME_FLOOR (the build
 * time: certificates that expired before the image was built are refused),
 * "not yet valid" cannot be checked. It says so on the console at every fetch.
 * With 0, every fetch fails with "time not known" until a clock is set.
 */
#ifndef WF_FW_ACCEPT_UNKNOWN_TIME
#define WF_FW_ACCEPT_UNKNOWN_TIME 1
#endif
/** Unix time of the build (set by CMake); a moment that has certainly passed. */
#ifndef WF_FW_TIME_FLOOR
#define WF_FW_TIME_FLOOR 0
#endif

/* The lowest TLS version offered (enum wf_tls_version, e.g. WF_TLS_1_3 for a TLS 1.3-only
 * image, which then sends no max_fragment_length; 0 = TLS 1.2). */
#ifndef WF_FW_TLS_MIN
#define WF_FW_TLS_MIN 0
#endif

/** Measurement build: > 0 prints that many raw noise LSBs per entropy channel on
 * the console at boot (for SP 800-90B's estimator, see docs/security.md), then
 * stops; no fetch. */
/**
 * 1: a measurement build (make bench): the response body is counted, not printed
 * on the console (at 115200 baud a 1 MiB body would take 91 s of console time and
 * its printing would dominate the figures). The byte count is printed as always.
 */
#ifndef WF_FW_DISCARD_BODY
#define WF_FW_DISCARD_BODY 0
#endif

#ifndef WF_FW_ENTROPY_DUMP
#define WF_FW_ENTROPY_DUMP 0
#endif

#if WF_FW_RETRY_FIRST_MS == 0 || WF_FW_RETRY_FIRST_MS > WF_FW_RETRY_MAX_MS
#error "WF_FW_RETRY_FIRST_MS must be 1..WF_FW_RETRY_MAX_MS"
#endif
#if WF_FW_ACCEPT_UNKNOWN_TIME && WF_FW_TIME_FLOOR == 0
#error                                                                                                       \
    "Accepting an unknown time needs WF_FW_TIME_FLOOR (the build time) so expired certificates are still refused"
#endif

/* Firmware updates (docs/ota.md): an image linked for an update slot (WF_FW_OTA, set
 * by the build) confirms itself after a successful fetch and then, when
 * WF_FW_OTA_URL is set, downloads the update from it ("%s": the inactive slot's
 * letter, a or b: each release is built for both slots), verifies it, marks it for
 * trial and resets. */
#ifndef WF_FW_OTA
#define WF_FW_OTA 0
#endif
#ifndef WF_FW_OTA_URL
#define WF_FW_OTA_URL ""
#endif

#endif
