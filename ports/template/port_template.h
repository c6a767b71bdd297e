/**
 * @file port_template.h
 * @brief The skeleton port's table (see port_template.c). A real port
 * exports its `const struct wf_port` the same way, for the board's main()
 * to pass to wf_chip_init() and wf_tls_platform_init().
 */
#ifndef WF_PORT_TEMPLATE_H
#define WF_PORT_TEMPLATE_H

#include "wizfetch/port.h"

extern const struct wf_port template_port;

#endif
