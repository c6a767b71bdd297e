/* wizfetch's -w/--write-out formatter (apps/wizfetch/write_out.c): escapes,
 * %%, every variable's format, %header{}, %{stderr}/%{stdout}, unknown
 * variables (nothing printed, one warning), unterminated forms, and the
 * @FILE loader (CR/LF removed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <cmocka.h>

#include "write_out.h"

static const char *header(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    if (len == 12 && strncasecmp(name, "content-type", len) == 0) {
        return "text/html";
    }
    if (len == 6 && strncasecmp(name, "x-note", len) == 0) {
        return "a b";
    }
    return NULL;
}

static struct wf_cli_write_out_info sample(void)
{
    return (struct wf_cli_write_out_info){
        .http_code = 206,
        .size_download = 1000,
        .size_upload = 3,
        .size_header = 188,
        .time_namelookup = 0.001,
        .time_connect = 0.002,
        .time_appconnect = 0.0105,
        .time_pretransfer = 0.0105,
        .time_starttransfer = 0.25,
        .time_total = 0.5,
        .time_redirect = 0,
        .url_effective = "https://www.example.test/a",
        .redirect_url = "",
        .content_type = "text/html",
        .errormsg = "",
        .scheme = "HTTPS",
        .remote_ip = "10.0.0.1",
        .method = "GET",
        .http_version = "1.1",
        .filename_effective = "out.bin",
        .num_connects = 1,
        .num_redirects = 2,
        .remote_port = 443,
        .exitcode = 0,
        .ssl_verify_result = 0,
        .header = header,
    };
}

struct streams {
    char *out, *err, *warn;
    size_t out_len, err_len, warn_len;
};

static void format(const char *fmt, const struct wf_cli_write_out_info *info, struct streams *s)
{
    FILE *out = open_memstream(&s->out, &s->out_len);
    FILE *err = open_memstream(&s->err, &s->err_len);
    FILE *warn = open_memstream(&s->warn, &s->warn_len);
    assert_true(out != NULL && err != NULL && warn != NULL);
    wf_cli_write_out(fmt, info, out, err, warn);
    fclose(out);
    fclose(err);
    fclose(warn);
}

static void release(struct streams *s)
{
    free(s->out);
    free(s->err);
    free(s->warn);
}

static void escapes(void **state)
{
    (void)state;
    struct wf_cli_write_out_info info = sample();
    struct streams s;
    format("a\\tb\\\\c\\n%%\\r\\q 100%x %{", &info, &s);
    assert_string_equal(s.out, "a\tb\\\\c\n%\r\\q 100%x %{");
    assert_string_equal(s.warn, "");
    release(&s);
    format("end\\", &info, &s); /* a lone backslash at the end is copied */
    assert_string_equal(s.out, "end\\");
    release(&s);
}

static void variables(void **state)
{
    (void)state;
    struct wf_cli_write_out_info info = sample();
    struct streams s;
    format("%{http_code} %{response_code} %{size_download} %{size_upload} %{size_header} "
           "%{num_connects} %{num_redirects} %{exitcode} %{ssl_verify_result} %{remote_port}",
           &info, &s);
    assert_string_equal(s.out, "206 206 1000 3 188 1 2 0 0 443");
    release(&s);
    format("%{time_namelookup} %{time_connect} %{time_appconnect} %{time_pretransfer} "
           "%{time_starttransfer} %{time_total} %{time_redirect} %{speed_download}",
           &info, &s);
    assert_string_equal(s.out, "0.001000 0.002000 0.010500 0.010500 0.250000 0.500000 0.000000 2000");
    release(&s);
    format("%{url_effective}|%{redirect_url}|%{content_type}|%{errormsg}|%{scheme}|%{remote_ip}|%{method}|"
           "%{http_version}|%{filename_effective}",
           &info, &s);
    assert_string_equal(s.out, "https://www.example.test/a||text/html||HTTPS|10.0.0.1|GET|1.1|out.bin");
    release(&s);
    info.http_code = 0; /* no response: curl's 000 */
    info.time_total = 0;
    format("%{http_code} %{speed_download}", &info, &s);
    assert_string_equal(s.out, "000 0");
    release(&s);
}

static void headers_and_streams(void **state)
{
    (void)state;
    struct wf_cli_write_out_info info = sample();
    struct streams s;
    format("[%header{Content-Type}][%header{x-note}][%header{absent}][%header{open", &info, &s);
    assert_string_equal(s.out, "[text/html][a b][][%header{open");
    release(&s);
    format("o1%{stderr}e1%{stdout}o2%{stderr}e2", &info, &s);
    assert_string_equal(s.out, "o1o2");
    assert_string_equal(s.err, "e1e2");
    release(&s);
}

static void unknown_variable(void **state)
{
    (void)state;
    struct wf_cli_write_out_info info = sample();
    struct streams s;
    format("<%{foo}|%{header{server}}>", &info, &s);
    /* curl 7.88: an unknown name prints nothing; "%{header{server}" ends at the first '}' */
    assert_string_equal(s.out, "<|}>");
    assert_string_equal(s.warn, "wizfetch: unknown --write-out variable: 'foo'\n"
                                "wizfetch: unknown --write-out variable: 'header{server'\n");
    release(&s);
}

static void load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/wo-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("a=%{http_code}\nb\r\nc\\n", f);
    fclose(f);
    char arg[sizeof path + 1] = "@";
    strcat(arg, path);
    char *text = wf_cli_write_out_load(arg, stdin);
    assert_non_null(text);
    assert_string_equal(text, "a=%{http_code}bc\\n");
    free(text);
    unlink(path);
    assert_null(wf_cli_write_out_load("@/nonexistent/wo", stdin));
    FILE *in = fmemopen((void *)"x\ny", 3, "r");
    text = wf_cli_write_out_load("@-", in);
    assert_string_equal(text, "xy");
    free(text);
    fclose(in);
    text = wf_cli_write_out_load("plain\\n", stdin);
    assert_string_equal(text, "plain\\n");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escapes),
        cmocka_unit_test(variables),
        cmocka_unit_test(headers_and_streams),
        cmocka_unit_test(unknown_variable),
        cmocka_unit_test(load_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
