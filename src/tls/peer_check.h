/**
 * @file peer_check.h
 * @brief Internal: checks of the server's certificate that wizfetch adds to
 * mbedTLS's chain verification (tls.c calls them from its verification and
 * CA look-up callbacks). Each only ever refuses more than mbedTLS does; none
 * makes a certificate acceptable that mbedTLS refused. See docs/security.md.
 *
 * Pure functions over parsed certificates: no allocation, no I/O.
 */
#ifndef WF_TLS_PEER_CHECK_H
#define WF_TLS_PEER_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "mbedtls/x509_crt.h"

/**
 * Does `leaf` name `host` (NUL-terminated), by RFC 6125 rules stricter than
 * mbedTLS 3.6's?
 *  - an IPv4 literal ("10.0.0.1") matches only an iPAddress entry of the
 *    subjectAltName with those 4 bytes, never a dNSName or the CN; an IPv6
 *    literal (anything with ':') matches nothing (the chips have no IPv6);
 *  - a DNS name matches a dNSName entry exactly (ASCII case-insensitive), or a
 *    wildcard "*.rest" for one whole first label, and only when "rest" has two
 *    labels or more: "*.example.test" names "www.example.test", "*.test" names
 *    nothing. Without a Public Suffix List, "*.co.uk" is not caught;
 *  - without a subjectAltName extension, the subject's CNs take the dNSName's
 *    place (DNS names only).
 * @return 0 if it does, MBEDTLS_X509_BADCERT_CN_MISMATCH if not.
 */
uint32_t wf_tls_peer_name_flags(const mbedtls_x509_crt *leaf, const char *host);

/**
 * Is `crt` a CA certificate, unfit as a server's (end-entity) certificate?
 * True when its basicConstraints say cA=TRUE, or it has a keyUsage extension
 * with keyCertSign.
 */
bool wf_tls_cert_is_ca(const mbedtls_x509_crt *crt);

/**
 * Put the certificates the server sent in issuing order, leaf first: after
 * each certificate comes the one (among those not yet placed) whose subject is
 * its issuer; certificates that continue no path keep their order at the end.
 * Only the `next` links of the certificates after `leaf` change; `leaf` stays
 * the head and every certificate stays in the list (so freeing the list frees
 * them all). mbedTLS looks for a certificate's issuer only later in the list;
 * in this order it finds it wherever the server put it. Trust is unchanged:
 * the sent certificates are intermediates, never anchors.
 * @return true if the order changed.
 */
bool wf_tls_chain_order(mbedtls_x509_crt *leaf);

#endif
