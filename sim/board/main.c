/* wf-board-emu: run firmware.elf for the Nucleo-F411RE against the W5100 or W5500 chip model.
 *
 *   wf-board-emu [--map VIP[:VPORT]=HOST:PORT]... [--seed-file FILE] [--json FILE]
 *                [--max-seconds S] [--max-instructions N] [--cpi X] [--seed N]
 *                [--chip w5100|w5500] [--wire-mbps 100|10|0] [--no-chip] [--trace] firmware.elf
 *
 * The chip model runs on the board's emulated time, in microseconds; its SEND_OK
 * comes after each SEND's frames have left a wire of --wire-mbps (default 100;
 * 0 = frames take no time). The report states the rate.
 * The serial console (USART2) is this program's stdout/stdin; diagnostics and the
 * chip model's violations go to stderr; the report table follows the console on
 * stdout. Exit code: the firmware's own (bkpt #0xAB, r0 = code), 0x70 CPU fault,
 * 0x71 unmodelled access, 0x72 time/instruction limit, 0x73 broken silicon rule,
 * 70 (decimal) when the firmware exited 0 but the chip model recorded violations.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "elf_loader.h"
#include "emu.h"
#include "host_app.h"
#include "report.h"
#include "wf_sim_chip.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: wf-board-emu [--map VIP[:VPORT]=HOST:PORT]... [--seed-file FILE] [--json FILE]\n"
               "                    [--max-seconds S] [--max-instructions N] [--cpi X] [--seed N]\n"
               "                    [--chip w5100|w5500] [--wire-mbps 100|10|0] [--no-chip] [--trace]\n"
               "                    firmware.elf\n");
}

/* The chip model's clock: the board's emulated time in microseconds. */
static uint64_t board_micros(void *board)
{
    return wf_board_time_ps(board) / 1000000u;
}

static void console_out(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    fwrite(data, 1, len, stdout);
    if (memchr(data, '\n', len)) {
        fflush(stdout);
    }
}

struct stdin_ctx {
    struct wf_board *b;
    uint64_t last_poll;
    bool eof;
};

static int console_in(void *ctx)
{
    struct stdin_ctx *s = ctx;
    if (s->eof || s->b->icount - s->last_poll < 10000u) {
        return -1; /* poll the host at most every 10k instructions */
    }
    s->last_poll = s->b->icount;
    struct pollfd p = {.fd = 0, .events = POLLIN};
    if (poll(&p, 1, 0) != 1) {
        return -1;
    }
    unsigned char c;
    ssize_t n = read(0, &c, 1);
    if (n != 1) {
        s->eof = true;
        return -1;
    }
    return c;
}

int main(int argc, char **argv)
{
    const char *elf_path = NULL, *seed_file = NULL, *json = NULL;
    const char *maps[64];
    unsigned nmaps = 0;
    uint32_t max_ms = 120000;
    uint64_t max_instr = 0, seed = 1;
    double cpi = 1.3;
    bool trace = false, no_chip = false;
    enum wf_sim_variant variant = WF_SIM_W5100;
    uint32_t wire_bps = WF_SIM_WIRE_DEFAULT_BPS;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--map") == 0 && v) {
            if (nmaps == 64) {
                fprintf(stderr, "wf-board-emu: too many --map rules\n");
                return 2;
            }
            maps[nmaps++] = v;
            i++;
        } else if (strcmp(a, "--seed-file") == 0 && v) {
            seed_file = v;
            i++;
        } else if (strcmp(a, "--json") == 0 && v) {
            json = v;
            i++;
        } else if (strcmp(a, "--max-seconds") == 0 && v) {
            if (!wf_args_seconds(v, &max_ms)) {
                fprintf(stderr, "wf-board-emu: bad --max-seconds: %s\n", v);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--max-instructions") == 0 && v) {
            char *end;
            errno = 0;
            max_instr = strtoull(v, &end, 10);
            if (errno || *end || end == v) {
                fprintf(stderr, "wf-board-emu: bad --max-instructions: %s\n", v);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--cpi") == 0 && v) {
            char *end;
            cpi = strtod(v, &end);
            if (*end || !(cpi > 0.1 && cpi < 100)) {
                fprintf(stderr, "wf-board-emu: bad --cpi: %s\n", v);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--wire-mbps") == 0 && v) {
            char *end;
            unsigned long mbps = strtoul(v, &end, 10);
            if (*end || (mbps != 0 && mbps != 10 && mbps != 100)) {
                fprintf(stderr, "wf-board-emu: bad --wire-mbps (100, 10 or 0): %s\n", v);
                return 2;
            }
            wire_bps = (uint32_t)mbps * 1000000u;
            i++;
        } else if (strcmp(a, "--seed") == 0 && v) {
            seed = strtoull(v, NULL, 0);
            i++;
        } else if (strcmp(a, "--chip") == 0 && v) {
            if (strcmp(v, "w5100") == 0) {
                variant = WF_SIM_W5100;
            } else if (strcmp(v, "w5500") == 0) {
                variant = WF_SIM_W5500;
            } else {
                fprintf(stderr, "wf-board-emu: bad --chip (w5100 or w5500): %s\n", v);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--trace") == 0) {
            trace = true;
        } else if (strcmp(a, "--no-chip") == 0) {
            no_chip = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] != '-' && elf_path == NULL) {
            elf_path = a;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (elf_path == NULL) {
        usage(stderr);
        return 2;
    }

    struct wf_sim_chip *chip = wf_sim_chip_new_variant(seed, variant);
    struct wf_board *b = chip ? wf_board_new(chip, seed) : NULL;
    if (b == NULL) {
        fprintf(stderr, "wf-board-emu: out of memory\n");
        return 2;
    }
    for (unsigned i = 0; i < nmaps; i++) {
        if (!wf_args_map_rule(chip, maps[i])) {
            fprintf(stderr, "wf-board-emu: bad --map rule: %s\n", maps[i]);
            return 2;
        }
    }
    wf_sim_chip_set_clock_us(chip, board_micros, b);
    wf_sim_chip_set_wire_rate(chip, wire_bps);
    if (no_chip) {
        b->chip_absent = true;
        b->chip_absent_miso = 0xFF;
        wf_sim_chip_fault_absent(chip, true, 0xFF);
    }
    struct stdin_ctx in = {.b = b};
    b->console_out = console_out;
    b->console_in = console_in;
    b->console_in_ctx = &in;

    char err[256];
    struct wf_elf elf;
    if (wf_elf_load(&elf, b, elf_path, err, sizeof err) != 0) {
        fprintf(stderr, "wf-board-emu: %s\n", err);
        return 2;
    }
    if (seed_file && wf_board_seed_load(b, seed_file) != 0) {
        fprintf(stderr, "wf-board-emu: %s: cannot read the seed sector (128 KiB expected)\n", seed_file);
        return 2;
    }
    struct wf_emu e;
    if (wf_emu_open(&e, b) != 0) {
        return 2;
    }
    wf_emu_use_symbols(&e, &elf);
    e.max_ps = (uint64_t)max_ms * 1000000000ull;
    e.max_instructions = max_instr;
    e.trace = trace;
    if (e.guard_hi == 0) {
        fprintf(stderr,
                "wf-board-emu: note: no _stack_guard_start/_stack_guard_end symbols: stack overflow is not "
                "checked\n");
    }

    enum wf_board_stop stop = wf_emu_cpu_reset(&e) == 0 ? wf_emu_run(&e) : b->stop;
    fflush(stdout);
    wf_board_phase_close(b);

    int code;
    switch (stop) {
    case WF_STOP_EXIT:
        code = b->exit_code & 0xFF;
        break;
    case WF_STOP_UNMODELLED:
        code = WF_BOARD_EXIT_UNMODELLED;
        break;
    case WF_STOP_TIMEOUT:
        code = WF_BOARD_EXIT_TIMEOUT;
        break;
    case WF_STOP_RULE:
        code = WF_BOARD_EXIT_RULE;
        break;
    default:
        code = WF_BOARD_EXIT_FAULT;
        break;
    }
    if (stop != WF_STOP_EXIT) {
        fprintf(stderr, "wf-board-emu: stopped: %s\n", b->stop_msg);
        if (stop == WF_STOP_FAULT || stop == WF_STOP_UNMODELLED || stop == WF_STOP_RULE) {
            wf_emu_dump(&e, stderr);
        }
    }
    if (b->usart2.line_len) {
        fputc('\n', stdout); /* the console's last line had no newline */
    }
    struct wf_report_opts ro = {.cpi = cpi};
    wf_report_print(&e, &ro, stdout);
    fflush(stdout);
    if (json && wf_report_json(&e, &ro, json) != 0) {
        fprintf(stderr, "wf-board-emu: cannot write %s\n", json);
    }
    if (seed_file && wf_board_seed_save(b, seed_file) != 0) {
        fprintf(stderr, "wf-board-emu: cannot write the seed sector to %s\n", seed_file);
    }
    code = wf_app_check_model(chip, "wf-board-emu", code, 70);
    wf_emu_close(&e);
    wf_elf_free(&elf);
    wf_board_free(b);
    wf_sim_chip_free(chip);
    return code;
}
