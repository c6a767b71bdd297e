/**
 * @file url.h
 * @brief Parsing and resolving `http` and `https` URLs (RFC 3986), no I/O.
 *
 * A parsed URL is a plain value (`struct wf_url`, about 1.3 KiB with the
 * default limits) that the caller owns; nothing here allocates or keeps
 * pointers into the caller's text.
 *
 * What is accepted (everything else is rejected with WF_EURL or
 * WF_EURL_SCHEME and a reason, see wf_url_parse):
 *
 * - scheme `http` or `https`, in any letter case, followed by `//`;
 * - a host name of letters, digits, `-`, `.` and `_` (stored lowercased; no
 *   empty labels, labels of at most 63 characters, one trailing dot allowed),
 *   or a dotted-quad IPv4 literal (`10.0.0.1`; four decimal parts 0..255
 *   without leading zeros). A host made only of digits and dots that is not
 *   such a literal is rejected rather than sent to DNS;
 * - an optional port 1..65535 (`host:` with no digits means the default:
 *   80 for http, 443 for https);
 * - a path and query, which together become the request target: dot
 *   segments (`.` and `..`) are removed (RFC 3986 5.2.4), an empty path
 *   becomes `/`, bytes 0x80..0xFF are percent-encoded, `%` must start a
 *   valid `%XX` escape, and other printable ASCII is kept as written;
 * - a fragment (`#...`), which is dropped: it never goes on the wire.
 *
 * Rejected: user name or password (`user:pw@host`), IPv6 literals
 * (`[::1]`), percent-encoded or other characters in the host, any control
 * byte (0x00..0x1F, 0x7F) or space anywhere, parts longer than the limits
 * below.
 */
#ifndef WIZFETCH_URL_H
#define WIZFETCH_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wizfetch/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest host name in characters (DNS: 253). Longer hosts are WF_EURL. */
#ifndef WF_URL_MAX_HOST
#define WF_URL_MAX_HOST 253
#endif

/** Longest request target (path plus `?query`, after percent-encoding of
 *  non-ASCII bytes) in characters. Longer targets are WF_EURL. While a
 *  relative reference is merged the limit also applies to the path before
 *  its `..` segments are applied. */
#ifndef WF_URL_MAX_PATH
#define WF_URL_MAX_PATH 1024
#endif

#if WF_URL_MAX_HOST < 1 || WF_URL_MAX_HOST > 253
#error "WF_URL_MAX_HOST must be 1..253"
#endif
#if WF_URL_MAX_PATH < 1
#error "WF_URL_MAX_PATH must be at least 1"
#endif

/** A parsed `http` or `https` URL. All strings are NUL-terminated. */
struct wf_url {
    bool https;                     /**< true for https, false for http */
    bool host_is_ipv4;              /**< host is an IPv4 literal, see ipv4 */
    uint8_t ipv4[4];                /**< the literal's bytes in network order (if host_is_ipv4) */
    uint16_t port;                  /**< 1..65535; the scheme's default if none was given */
    char host[WF_URL_MAX_HOST + 1]; /**< lowercased host name or the IPv4 literal as text */
    char path[WF_URL_MAX_PATH + 1]; /**< request target: path + optional "?query", starts with '/' */
};

/**
 * @brief Parse an absolute `http://` or `https://` URL.
 *
 * @param text NUL-terminated URL text.
 * @param out  receives the URL; unspecified on failure.
 * @param why  if not NULL, receives a static English reason on failure
 *             (for example "IPv6 address literals are not supported"); left
 *             untouched on success.
 * @return 0 on success; WF_EURL_SCHEME for a well-formed scheme other than
 *         http/https (`ftp://`, `mailto:`); WF_EURL for everything else that
 *         is malformed, missing (no scheme, no `//`, empty host), too long or
 *         unsupported (userinfo, IPv6).
 */
int wf_url_parse(const char *text, struct wf_url *out, const char **why);

/**
 * @brief Parse an IPv4 literal: a strict dotted quad (exactly four parts,
 * 0..255, no leading zeros), the form wf_url_parse accepts as a host.
 * @param h  the text (need not be NUL-terminated)
 * @param n  its length in characters
 * @param ip out: the four bytes in network order (written even on failure)
 * @return true if all n characters are such a literal.
 */
bool wf_url_parse_ipv4(const char *h, size_t n, uint8_t ip[4]);

/**
 * @brief Resolve a reference (a `Location` value) against a base URL
 *        (RFC 3986 5.2, strict mode).
 *
 * Handles every reference form: absolute URL (`https://other/x`),
 * scheme-relative (`//other/x`, keeps the base's scheme), absolute path
 * (`/x`), relative path (`x`, `../x`, merged with the base's directory),
 * query only (`?q`, keeps the base's path), empty or fragment only (the base
 * itself). Dot segments are removed and the fragment dropped. `http:x`
 * (scheme without `//`) is rejected, as RFC 3986 strict mode reads it as an
 * absolute URL without authority.
 *
 * @param base    a URL filled by wf_url_parse or wf_url_resolve.
 * @param ref     the reference bytes; need not be NUL-terminated; a NUL byte
 *                inside is a control character and is rejected.
 * @param ref_len length of ref in bytes.
 * @param out     receives the result; must not be the same object as base;
 *                unspecified on failure.
 * @param why     as for wf_url_parse.
 * @return 0, WF_EURL or WF_EURL_SCHEME as for wf_url_parse.
 */
int wf_url_resolve(const struct wf_url *base, const char *ref, size_t ref_len, struct wf_url *out,
                   const char **why);

/**
 * @brief Write the authority for a `Host` header: `host`, or `host:port`
 *        when the port is not the scheme's default.
 *
 * @param u   the URL.
 * @param buf receives the NUL-terminated text.
 * @param cap size of buf in bytes (WF_URL_MAX_HOST + 7 always suffices).
 * @return the length written (without the NUL), or WF_ENOMEM if it does not
 *         fit (buf then holds an empty string if cap > 0).
 */
int wf_url_authority(const struct wf_url *u, char *buf, size_t cap);

/**
 * @brief Write the URL as text: `scheme://authority/path?query`.
 *
 * The text parses back (wf_url_parse) to an identical `struct wf_url`.
 *
 * @param u   the URL.
 * @param buf receives the NUL-terminated text.
 * @param cap size of buf in bytes (WF_URL_MAX_HOST + WF_URL_MAX_PATH + 16
 *            always suffices).
 * @return the length written (without the NUL), or WF_ENOMEM if it does not
 *         fit (buf then holds an empty string if cap > 0).
 */
int wf_url_format(const struct wf_url *u, char *buf, size_t cap);

/** @brief The scheme's default port: 443 for https, 80 for http. */
uint16_t wf_url_default_port(bool https);

#ifdef __cplusplus
}
#endif
#endif
