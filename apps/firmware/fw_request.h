/**
 * @file fw_request.h
 * @brief The firmware's request from its build-time settings (WF_FW_METHOD,
 * WF_FW_HEADERS, WF_FW_BODY in firmware_config.h): parsed once into static
 * storage, then set in the fetch options and printed on the console.
 */
#ifndef WF_FW_REQUEST_H
#define WF_FW_REQUEST_H

#include "wizfetch/fetch.h"

/**
 * @brief Set method, header fields and body of `o` from the build settings.
 * @return 0, or WF_EINVAL if a WF_FW_HEADERS entry is not "Name: value" with
 *         a token name and no control bytes (or there are too many); the
 *         fields up to the bad one are kept, and `bad` points to it.
 */
int fw_request_configure(struct wf_fetch_options *o, const char **bad);

/**
 * @brief Is a field named `name` a secret whose value the console must not
 * show? Any case: the credential fields (`Authorization`,
 * `Proxy-Authorization`, `Cookie`: wf_http_is_credential), names ending in
 * "key" or "token" (`X-Api-Key`, `X-Auth-Token`), names containing "secret".
 */
bool fw_request_field_is_secret(const char *name);

/** @brief Print the request (method, URL, fields, body) through `print`;
 *  the value of a field fw_request_field_is_secret names is not shown. */
void fw_request_print(const struct wf_fetch_options *o, void (*print)(const char *text, size_t len));

#endif
