/* The error scheme: every code has its own name and text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "wizfetch/error.h"

static void test_every_code_named_and_distinct(void **state)
{
    (void)state;
    /* Codes come in groups with gaps; every code that has a name has a text,
     * and no two codes share one. */
    int named = 0;
    for (int a = WF_ELAST; a <= WF_OK; a++) {
        if (strcmp(wf_strerror_name(a), "WF_E?") == 0) {
            assert_string_equal(wf_strerror(a), "unknown error");
            continue;
        }
        named++;
        assert_string_not_equal(wf_strerror(a), "unknown error");
        for (int b = a + 1; b <= WF_OK; b++) {
            if (strcmp(wf_strerror_name(b), "WF_E?") != 0) {
                assert_string_not_equal(wf_strerror(a), wf_strerror(b));
            }
        }
    }
    assert_int_equal(named, 75); /* WF_OK + 74 error codes in error.h */
    assert_string_equal(wf_strerror_name(WF_EOTA_TOOBIG), "WF_EOTA_TOOBIG");
    assert_string_equal(wf_strerror_name(WF_ETIMEDOUT), "WF_ETIMEDOUT");
}

static void test_unknown_code(void **state)
{
    (void)state;
    assert_string_equal(wf_strerror(-999), "unknown error");
    assert_string_equal(wf_strerror(WF_ELAST - 1), "unknown error");
    assert_string_equal(wf_strerror_name(12345), "WF_E?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_named_and_distinct),
        cmocka_unit_test(test_unknown_code),
    };
    return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
