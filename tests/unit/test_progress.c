/* wizfetch's progress meter and bar (apps/wizfetch/progress.c): curl's size
 * and time columns, a meter line's figures (percentages, speeds, estimates),
 * the bar line, and a whole transfer's output on a stream with a fake clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "progress.h"

static void sizes(void **state)
{
    (void)state;
    static const struct {
        uint64_t bytes;
        const char *text;
    } cases[] = {
        {0, "    0"},
        {99999, "99999"},
        {100000, "  97k"},
        {10239999, "9999k"},
        {10240000, " 9.7M"},
        {12900000, "12.3M"},
        {104857599, "99.10"}, /* curl's arithmetic gives a tenth of 10 here, cut to 5 */
        {104800000, "99.9M"},
        {104857600, " 100M"},
        {10485760000ull, " 9.7G"},
        {107374182400ull, " 100G"},
        {10995116277759999ull, "9999T"},
        {10995116277760000ull, "   9P"},
        {UINT64_MAX, "16383"}, /* 16383P does not fit: cut to 5, never longer */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[6];
        wf_cli_progress_size(cases[i].bytes, out);
        char want[6];
        snprintf(want, sizeof want, "%s", cases[i].text); /* the column is 5 wide */
        if (strcmp(out, want) != 0) {
            fail_msg("%llu: '%s', want '%s'", (unsigned long long)cases[i].bytes, out, want);
        }
    }
}

static void times(void **state)
{
    (void)state;
    char out[9];
    wf_cli_progress_time(0, out);
    assert_string_equal(out, "--:--:--");
    wf_cli_progress_time(-5, out);
    assert_string_equal(out, "--:--:--");
    wf_cli_progress_time(5, out);
    assert_string_equal(out, " 0:00:05");
    wf_cli_progress_time(3 * 3600 + 25 * 60 + 7, out);
    assert_string_equal(out, " 3:25:07");
    wf_cli_progress_time(99 * 3600 + 59 * 60 + 59, out);
    assert_string_equal(out, "99:59:59");
    wf_cli_progress_time(100 * 3600, out);
    assert_string_equal(out, "  4d 04h");
    wf_cli_progress_time(1000LL * 86400, out);
    assert_string_equal(out, "   1000d");
}

static void meter_line(void **state)
{
    (void)state;
    char line[128];
    struct wf_cli_progress_figures f = {0};
    wf_cli_progress_line(&f, line, sizeof line);
    assert_string_equal(line,
                        "\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0");
    /* 40000 of 100000 bytes in 2 s: 20000 B/s, total 5 s, 3 s left */
    f = (struct wf_cli_progress_figures){
        .dl_now = 40000, .dl_total = 100000, .dl_known = true, .elapsed_ms = 2000, .current_speed = 25000};
    wf_cli_progress_line(&f, line, sizeof line);
    assert_string_equal(line,
                        "\r 40   97k   40 40000    0     0  20000      0  0:00:05  0:00:02  0:00:03 25000");
    /* an upload of 3 bytes and a body of unknown length */
    f = (struct wf_cli_progress_figures){.dl_now = 500,
                                         .ul_now = 3,
                                         .ul_total = 3,
                                         .ul_known = true,
                                         .elapsed_ms = 500,
                                         .current_speed = 1006};
    wf_cli_progress_line(&f, line, sizeof line);
    assert_string_equal(line,
                        "\r100   503    0   500  100     3   1000      6 --:--:-- --:--:-- --:--:--  1006");
    assert_int_equal(strlen(line), 1 + 78);
}

static void bar_line(void **state)
{
    (void)state;
    char line[300];
    wf_cli_progress_bar_line(0, 100, 40, line, sizeof line);
    assert_string_equal(line, "\r                                    0.0%");
    wf_cli_progress_bar_line(50, 100, 40, line, sizeof line);
    assert_string_equal(line, "\r################                   50.0%");
    wf_cli_progress_bar_line(100, 100, 40, line, sizeof line);
    assert_string_equal(line, "\r################################# 100.0%");
    wf_cli_progress_bar_line(150, 100, 40, line, sizeof line); /* more than announced: 100% */
    assert_string_equal(line, "\r################################# 100.0%");
}

static uint32_t fake_now;
static uint32_t fake_clock(void)
{
    return fake_now;
}

static void whole_transfer(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct wf_cli_progress p;
    fake_now = 5000;
    wf_cli_progress_start(&p, WF_CLI_PROGRESS_METER, f, fake_clock, WF_CLI_PROGRESS_UNKNOWN);
    fake_now = 5100;
    wf_cli_progress_head(&p, 30000);
    wf_cli_progress_body(&p, 10000); /* still second 0: no line */
    fake_now = 6000;
    wf_cli_progress_body(&p, 10000); /* second 1: a line */
    fake_now = 6500;
    wf_cli_progress_body(&p, 5000); /* still second 1 */
    fake_now = 7000;
    wf_cli_progress_body(&p, 5000);
    wf_cli_progress_end(&p);
    fclose(f);
    const char *lines = text + strlen(wf_cli_progress_header);
    assert_memory_equal(text, wf_cli_progress_header, strlen(wf_cli_progress_header));
    assert_string_equal(lines,
                        "\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0"
                        "\r 66 30000   66 20000    0     0  20000      0  0:00:01  0:00:01 --:--:-- 20000"
                        "\r100 30000  100 30000    0     0  15000      0  0:00:02  0:00:02 --:--:-- 15000"
                        "\r100 30000  100 30000    0     0  15000      0  0:00:02  0:00:02 --:--:-- 15000\n");
    free(text);
    /* nothing at all in NONE mode */
    text = NULL;
    f = open_memstream(&text, &len);
    wf_cli_progress_start(&p, WF_CLI_PROGRESS_NONE, f, fake_clock, 0);
    wf_cli_progress_body(&p, 10);
    wf_cli_progress_end(&p);
    fclose(f);
    assert_int_equal(len, 0);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes),    cmocka_unit_test(times),          cmocka_unit_test(meter_line),
        cmocka_unit_test(bar_line), cmocka_unit_test(whole_transfer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
