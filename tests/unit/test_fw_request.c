/* The firmware's request settings and what the console shows of them
 * (apps/firmware/fw_request.c), built with the WF_FW_HEADERS the CMake target
 * sets: secret values must not reach the console. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fw_request.h"

static void secret_names(void **state)
{
    (void)state;
    static const char *const secret[] = {
        "Authorization",
        "authorization",
        "AUTHORIZATION",
        "Proxy-Authorization",
        "proxy-authorization",
        "Cookie",
        "cookie",
        "X-Api-Key",
        "x-api-key",
        "X-API-KEY",
        "Api-Key",
        "X-Auth-Token",
        "x-csrf-token",
        "Token",
        "X-Client-Secret",
        "secret",
        "X-SECRET-ID",
        "Client-Secret-Hash",
    };
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++) {
        if (!fw_request_field_is_secret(secret[i])) {
            fail_msg("%s is shown", secret[i]);
        }
    }
    static const char *const shown[] = {
        "Content-Type", "Accept", "User-Agent", "X-Trace", "X-Keyboard", "X-Tokens", "Secre", "Host", "",
    };
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
        if (fw_request_field_is_secret(shown[i])) {
            fail_msg("%s is hidden", shown[i]);
        }
    }
}

static char console[2048];
static size_t console_len;

static void print(const char *text, size_t len)
{
    assert_true(console_len + len < sizeof console);
    memcpy(console + console_len, text, len);
    console_len += len;
    console[console_len] = '\0';
}

/* The target's WF_FW_HEADERS: each secret value is "s3cret-N". */
static void console_hides_secret_values(void **state)
{
    (void)state;
    struct wf_fetch_options o;
    wf_fetch_options_default(&o);
    o.url = "https://www.example.test/";
    const char *bad = NULL;
    assert_int_equal(fw_request_configure(&o, &bad), 0);
    assert_int_equal(o.header_count, 7);
    console_len = 0;
    fw_request_print(&o, print);
    assert_null(strstr(console, "s3cret"));
    assert_non_null(strstr(console, "> cookie: (set, not shown)\n"));
    assert_non_null(strstr(console, "> X-Api-Key: (set, not shown)\n"));
    assert_non_null(strstr(console, "> Content-Type: application/json\n")); /* others shown */
    assert_non_null(strstr(console, "> X-Trace: 7\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(secret_names),
        cmocka_unit_test(console_hides_secret_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
