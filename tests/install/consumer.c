/*
 * A program outside this repository's build, compiled against an installed
 * wizfetch (find_package or pkg-config): it parses a URL, writes the request
 * head and sets up a TLS context, so the headers, the libraries and the
 * bundled mbedTLS configuration must all fit together. Exit 0 on success.
 */
#include <stdio.h>
#include <string.h>

#include "wizfetch/error.h"
#include "wizfetch/http.h"
#include "wizfetch/tls.h"
#include "wizfetch/url.h"

int main(void)
{
    struct wf_url url;
    const char *why = NULL;
    if (wf_url_parse("https://www.example.test:8443/a?b", &url, &why) != 0 || url.port != 8443) {
        fprintf(stderr, "consumer: URL parse failed (%s)\n", why ? why : "?");
        return 1;
    }
    char head[512];
    int n = wf_http_request_write(head, sizeof head, WF_HTTP_GET, &url, "consumer");
    if (n <= 0 || strncmp(head, "GET /a?b HTTP/1.1\r\n", 19) != 0) {
        fprintf(stderr, "consumer: request head wrong: %d\n", n);
        return 1;
    }
    static wf_tls_t tls;
    wf_tls_init(&tls);
    wf_tls_free(&tls);
    if (strcmp(wf_strerror(WF_ETIMEDOUT), "timed out") != 0) {
        return 1;
    }
    puts("consumer: ok");
    return 0;
}
