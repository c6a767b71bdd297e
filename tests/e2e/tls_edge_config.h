/*
 * mbedTLS configuration of the e2e test server tests/e2e/tls_edge_server.c:
 * wizfetch's own configuration (same algorithms, same profile) plus the
 * server side of TLS, which wizfetch itself never compiles in.
 */
#ifndef WF_TLS_EDGE_CONFIG_H
#define WF_TLS_EDGE_CONFIG_H
#include "wf_mbedtls_config.h"
#define MBEDTLS_SSL_SRV_C
#endif
