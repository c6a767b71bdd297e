/* wf-board-emu: run firmware.elf for an STM32F411 board against the W5100 or W5500 chip model.
 *
 *   wf-board-emu [--map VIP[:VPORT]=HOST:PORT]... [--seed-file FILE]
 *                [--credentials-file FILE] [--json FILE]
 *                [--max-seconds S] [--max-instructions N] [--cpi X] [--seed N]
 *                [--chip w5100|w5500] [--wire-mbps 100|10|0] [--no-chip] [--trace]
 *                [--power-cut-program N] [--power-cut-erase N] [--seed-records N]
 *                [--profile FILE] [--gdb PORT] [--console-baud N] firmware.elf
 *
 * The board is the one the image describes in its board descriptor (section
 * `.board_desc`, ports/stm32f4/stm32f4_board_desc.h, read by emu_boards.c): the
 * HSE crystal, the console USART and pins, the chip's select, reset and interrupt
 * pins, the chip modelled by default (--chip overrides it) and the flash layout
 * (seed and credentials sectors). An image without a descriptor (built before
 * there were descriptors), or with one this emulator cannot read, is an error
 * (exit 2). --print-board prints the board's name and the chip it would model
 * ("blackpill_f411ce W5500") and exits, for scripts.
 *
 * --seed-file keeps the seed sectors (1 and 2 on both boards: the firmware's entropy seed, 32 KiB)
 * between runs; the seed store's latest valid record is reported at the start and
 * the end. --power-cut-program N / --power-cut-erase N: the Nth flash program
 * (word write) / sector erase of the run is torn (its first half done) and the
 * run stops there, like a power loss; rerun with the same seed file to see
 * what the firmware makes of it. --seed-records N: before the run, append N
 * records (payload from --seed) by the store's own rule, as N earlier boots
 * would have (e.g. 204 fill sector 1, so the firmware's next update erases 2).
 *
 * --flash-file FILE keeps the whole flash (512 KiB) between runs, as a board keeps it
 * across power cycles: when FILE exists the flash comes from it and the ELF image is not
 * loaded (it still names the board and gives the symbols); at the end of the run (a
 * power cut included) the flash is written back. --load ADDR:FILE puts FILE's bytes
 * into flash at ADDR after that (the bootloader's .bin at 0x08000000, a signed update
 * image at its slot; docs/ota.md); repeatable.
 *
 * --credentials-file FILE puts FILE (at most 16 KiB, from scripts/make-credentials.py)
 * into the credentials sector (3 on both boards), as `make provision` writes it on
 * a board; without it the sector is erased (no client certificate).
 * --profile FILE: instructions per function, self and inclusive, per phase and in
 * all (emu_prof.h), written at the end of the run to FILE (tables sorted by self
 * instructions) and FILE.folded (folded stacks "phase;outer;...;inner COUNT", the
 * text flame-graph tools read). Without it the profiler costs nothing.
 * --console-baud N: the rate the console expects of the image's USART (default 115200,
 * +-2 %: another rate stops the run as a terminal at 115200 would show garbage);
 * "any" accepts the rate BRR gives. The report states the rate used.
 * --gdb PORT: before the first instruction, wait for gdb on 127.0.0.1:PORT (the GDB
 * remote protocol, emu_gdb.h; docs/emulator.md has a session); after gdb detaches the
 * run goes on.
 *
 * The chip model runs on the board's emulated time, in microseconds; its SEND_OK
 * comes after each SEND's frames have left a wire of --wire-mbps (default 100;
 * 0 = frames take no time). The report states the rate.
 * The serial console (the board's USART) is this program's stdout/stdin; diagnostics and the
 * chip model's violations go to stderr; the report table follows the console on
 * stdout. Exit code: the firmware's own (bkpt #0xAB, r0 = code), 0x70 CPU fault,
 * 0x71 unmodelled access, 0x72 time/instruction limit, 0x73 broken silicon rule,
 * 0x74 power cut, 0x76 killed from gdb, 0x75 an exception reached a default handler (fault report on stderr),
 * 70 (decimal) when the firmware exited 0 but the chip model recorded violations.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu_machine.h"
#include "emu_elf.h"
#include "emu_cpu.h"
#include "emu_gdb.h"
#include "emu_loopgap.h"
#include "emu_power.h"
#include "emu_report.h"
#include "emu_polls.h"
#include "../../ports/stm32f4/seed_store.h"
#include "wf_sim_chip.h"

struct polls_report {
    const struct wf_emu_polls *polls;
    const struct wf_emu *b;
    double cpi;
};

static void polls_json(void *ctx, FILE *f)
{
    const struct polls_report *r = ctx;
    wf_emu_polls_json(r->polls, wf_emu_hclk(r->b), r->cpi, f);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: wf-board-emu [--map VIP[:VPORT]=HOST:PORT]... [--seed-file FILE] "
               "[--credentials-file FILE] "
               "[--json FILE]\n"
               "                    [--max-seconds S] [--max-instructions N] [--cpi X] [--seed N]\n"
               "                    [--chip w5100|w5500] [--wire-mbps 100|10|0] [--no-chip] [--trace]\n"
               "                    [--power-cut-program N] [--power-cut-erase N] [--seed-records N] "
               "[--print-board]\n"
               "                    [--profile FILE] [--gdb PORT] [--console-baud N]\n"
               "                    [--flash-file FILE] [--load ADDR:FILE]...\n"
               "                    firmware.elf\n");
}

/* The firmware's seed store in the board's seed sectors (ports/stm32f4/seed_store.h). */
static void seed_report(const struct wf_emu *b, const char *when)
{
    uint32_t half = b->board->seed_size / 2;
    const uint8_t *sec[SEED_STORE_SECTORS] = {b->flash + b->board->seed_off,
                                              b->flash + b->board->seed_off + half};
    struct seed_store_record rec;
    if (seed_store_find_latest(sec, half, &rec) != 0) {
        printf("seed store %s: no valid record\n", when);
        return;
    }
    printf("seed store %s: latest valid record seq %" PRIu32 " (%zu bytes) in sector %d slot %d\n", when,
           rec.seq, rec.len, (int)b->board->seed_first_sector + rec.sector, rec.slot);
}

/* As many earlier boots would have: append `n` records by seed_store_plan(). */
static void seed_prefill(struct wf_emu *b, uint64_t n, uint64_t seed)
{
    uint8_t *base = b->flash + b->board->seed_off;
    uint32_t half = b->board->seed_size / 2;
    const uint8_t *sec[SEED_STORE_SECTORS] = {base, base + half};
    for (uint64_t k = 0; k < n; k++) {
        struct seed_store_plan plan;
        uint8_t payload[64], img[SEED_STORE_SLOT_SIZE];
        for (size_t i = 0; i < sizeof payload; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            payload[i] = (uint8_t)(seed >> 56);
        }
        seed_store_plan(sec, half, &plan);
        uint8_t *sector = base + (size_t)plan.sector * half;
        if (plan.erase) {
            memset(sector, 0xFF, half);
        }
        (void)seed_store_encode(img, plan.seq, payload, sizeof payload);
        memcpy(sector + (size_t)plan.slot * SEED_STORE_SLOT_SIZE, img, sizeof img);
    }
}

/* Seconds as a decimal number ("2", "0.5"), at most a day, -> milliseconds (> 0). */
static bool seconds_arg(const char *v, uint32_t *ms)
{
    char *end;
    errno = 0;
    double s = strtod(v, &end);
    if (errno || end == v || *end || !(s > 0) || s > 86400.0) {
        return false;
    }
    *ms = (uint32_t)(s * 1000.0 + 0.5);
    return *ms > 0;
}

static bool count_arg(const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    *out = strtoull(v, &end, 10);
    return !errno && !*end && end != v && *out > 0;
}

/* The chip model's clock: the board's emulated time in microseconds. */
static uint64_t board_micros(void *board)
{
    return wf_emu_time_ps(board) / 1000000u;
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
    struct wf_emu *b;
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
    const char *elf_path = NULL, *seed_file = NULL, *json = NULL, *cred_file = NULL, *profile = NULL;
    const char *maps[64], *loads[8], *flash_file = NULL;
    unsigned nmaps = 0, nloads = 0;
    uint32_t max_ms = 120000;
    uint64_t max_instr = 0, seed = 1, cut_program = 0, cut_erase = 0, prefill = 0;
    double cpi = 1.3;
    bool trace = false, no_chip = false;
    enum wf_sim_variant variant = WF_SIM_W5100;
    bool chip_given = false, print_board = false;
    uint32_t wire_bps = WF_SIM_WIRE_DEFAULT_BPS;
    uint16_t gdb_port = 0;
    uint32_t console_baud = WF_EMU_CONSOLE_BAUD;
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
        } else if (strcmp(a, "--flash-file") == 0 && v) {
            flash_file = v;
            i++;
        } else if (strcmp(a, "--load") == 0 && v) {
            if (nloads == 8) {
                fprintf(stderr, "wf-board-emu: too many --load\n");
                return 2;
            }
            loads[nloads++] = v;
            i++;
        } else if (strcmp(a, "--seed-file") == 0 && v) {
            seed_file = v;
            i++;
        } else if (strcmp(a, "--credentials-file") == 0 && v) {
            cred_file = v;
            i++;
        } else if (strcmp(a, "--profile") == 0 && v) {
            profile = v;
            i++;
        } else if (strcmp(a, "--gdb") == 0 && v) {
            char *end;
            unsigned long p = strtoul(v, &end, 10);
            if (*end || end == v || p == 0 || p > 65535) {
                fprintf(stderr, "wf-board-emu: bad --gdb (a TCP port, 1-65535): %s\n", v);
                return 2;
            }
            gdb_port = (uint16_t)p;
            i++;
        } else if (strcmp(a, "--console-baud") == 0 && v) {
            char *end;
            unsigned long bd = strtoul(v, &end, 10);
            if (strcmp(v, "any") == 0) {
                console_baud = 0;
            } else if (*end || end == v || bd < 300 || bd > 12000000) {
                fprintf(stderr, "wf-board-emu: bad --console-baud (a rate 300-12000000, or any): %s\n", v);
                return 2;
            } else {
                console_baud = (uint32_t)bd;
            }
            i++;
        } else if (strcmp(a, "--json") == 0 && v) {
            json = v;
            i++;
        } else if (strcmp(a, "--max-seconds") == 0 && v) {
            if (!seconds_arg(v, &max_ms)) {
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
            chip_given = true;
            if (strcmp(v, "w5100") == 0) {
                variant = WF_SIM_W5100;
            } else if (strcmp(v, "w5500") == 0) {
                variant = WF_SIM_W5500;
            } else {
                fprintf(stderr, "wf-board-emu: bad --chip (w5100 or w5500): %s\n", v);
                return 2;
            }
            i++;
        } else if ((strcmp(a, "--power-cut-program") == 0 || strcmp(a, "--power-cut-erase") == 0) && v) {
            if (!count_arg(v, strcmp(a, "--power-cut-erase") == 0 ? &cut_erase : &cut_program)) {
                fprintf(stderr, "wf-board-emu: bad %s (a count from 1): %s\n", a, v);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--seed-records") == 0 && v) {
            if (!count_arg(v, &prefill)) {
                fprintf(stderr, "wf-board-emu: bad --seed-records: %s\n", v);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--print-board") == 0) {
            print_board = true;
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

    char err[512];
    static struct wf_emu_board board_desc; /* the machine keeps a pointer to it */
    if (wf_emu_board_load(&board_desc, elf_path, err, sizeof err) != 0) {
        fprintf(stderr, "wf-board-emu: %s\n", err);
        return 2;
    }
    const struct wf_emu_board *board = &board_desc;
    if (!chip_given) {
        variant = board->chip;
    }
    if (print_board) {
        printf("%s %s\n", board->id, variant == WF_SIM_W5500 ? "W5500" : "W5100");
        return 0;
    }
    struct wf_sim_chip *chip = wf_sim_chip_new_variant(seed, variant);
    struct wf_emu *b = chip ? wf_emu_new(board, chip, seed) : NULL;
    if (b == NULL) {
        fprintf(stderr, "wf-board-emu: out of memory\n");
        return 2;
    }
    b->board_cpi_milli = (uint32_t)(cpi * 1000.0 + 0.5); /* the report's board timeline */
    fprintf(stderr, "wf-board-emu: board %s (%s), chip model %s\n", board->id, board->title,
            wf_sim_chip_name(chip));
    for (unsigned i = 0; i < nmaps; i++) {
        if (wf_sim_chip_map_rule(chip, maps[i]) != 0) {
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
    b->console_baud = console_baud;
    struct stdin_ctx in = {.b = b};
    b->console_out = console_out;
    b->console_in = console_in;
    b->console_in_ctx = &in;

    struct wf_emu_elf elf;
    if (wf_emu_elf_load(&elf, b, elf_path, err, sizeof err) != 0) {
        fprintf(stderr, "wf-board-emu: %s\n", err);
        return 2;
    }
    int flash_loaded = flash_file ? wf_emu_flash_file_load(b, flash_file) : 0;
    if (flash_loaded < 0) {
        fprintf(stderr, "wf-board-emu: %s: cannot read the flash (%u KiB expected)\n", flash_file,
                WF_EMU_FLASH_SIZE / 1024);
        return 2;
    }
    for (unsigned i = 0; i < nloads; i++) {
        if (wf_emu_load_raw(b, loads[i], err, sizeof err) != 0) {
            fprintf(stderr, "wf-board-emu: %s\n", err);
            return 2;
        }
    }
    if (seed_file && wf_emu_seed_load(b, seed_file) != 0) {
        fprintf(stderr, "wf-board-emu: %s: cannot read the seed sectors (%" PRIu32 " KiB expected)\n",
                seed_file, board->seed_size / 1024);
        return 2;
    }
    if (cred_file && wf_emu_cred_load(b, cred_file) != 0) {
        fprintf(stderr, "wf-board-emu: %s: cannot read the credentials area (at most %" PRIu32 " KiB)\n",
                cred_file, board->cred_size / 1024);
        return 2;
    }
    seed_prefill(b, prefill, seed);
    b->fl.cut_program = cut_program;
    b->fl.cut_erase = cut_erase;
    if (seed_file || prefill) {
        seed_report(b, "at start");
    }
    struct wf_emu_cpu e;
    if (wf_emu_cpu_open(&e, b) != 0) {
        return 2;
    }
    wf_emu_cpu_use_symbols(&e, &elf);
    e.max_ps = (uint64_t)max_ms * 1000000000ull;
    e.max_instructions = max_instr;
    e.trace = trace;
    if (profile && wf_emu_cpu_profile(&e, &elf) != 0) {
        return 2;
    }
    static struct wf_emu_loopgap loopgap; /* the hook keeps a pointer to it */
    if (wf_emu_loopgap_attach(&loopgap, &e, &elf) != 0) {
        return 2;
    }
    static struct wf_emu_polls polls; /* the hook keeps a pointer to it */
    if (wf_emu_polls_attach(&polls, &e, &elf) != 0) {
        return 2;
    }
    if (e.guard_hi == 0) {
        fprintf(stderr,
                "wf-board-emu: note: no _stack_guard_start/_stack_guard_end symbols: stack overflow is not "
                "checked\n");
    }

    enum wf_emu_stop stop;
    if (wf_emu_cpu_reset(&e) != 0) {
        stop = b->stop;
    } else if (gdb_port != 0) {
        if (wf_emu_gdb_serve(&e, gdb_port) != 0) {
            return 2;
        }
        stop = b->stop == WF_EMU_STOP_NONE ? wf_emu_cpu_run(&e) : b->stop; /* detached: the run goes on */
    } else {
        stop = wf_emu_cpu_run(&e);
    }
    fflush(stdout);
    wf_emu_phase_close(b);

    int code = wf_emu_exit_code(b);
    if (stop != WF_EMU_STOP_EXIT) {
        fprintf(stderr, "wf-board-emu: stopped: %s\n", b->stop_msg);
        if (stop == WF_EMU_STOP_UNHANDLED) {
            wf_emu_exc_report(&e, stderr);
        } else if (stop == WF_EMU_STOP_FAULT || stop == WF_EMU_STOP_UNMODELLED || stop == WF_EMU_STOP_RULE) {
            wf_emu_cpu_dump(&e, stderr);
        }
    }
    if (b->usart.line_len) {
        fputc('\n', stdout); /* the console's last line had no newline */
    }
    struct polls_report pr = {&polls, b, cpi};
    struct wf_emu_report_opts ro = {.cpi = cpi, .loopgap = &loopgap};
    if (polls.active) {
        ro.json_more = polls_json;
        ro.json_ctx = &pr;
    }
    wf_emu_report_print(&e, &ro, stdout);
    wf_emu_polls_print(&polls, wf_emu_hclk(b), cpi, stdout);
    fflush(stdout);
    if (json && wf_emu_report_json(&e, &ro, json) != 0) {
        fprintf(stderr, "wf-board-emu: cannot write %s\n", json);
    }
    if (profile && wf_emu_prof_write(e.prof, profile, elf_path) != 0) {
        fprintf(stderr, "wf-board-emu: cannot write %s: %s\n", profile, strerror(errno));
        code = code != 0 ? code : 2;
    }
    if (flash_file && wf_emu_flash_file_save(b, flash_file) != 0) {
        fprintf(stderr, "wf-board-emu: cannot write the flash to %s\n", flash_file);
        code = code != 0 ? code : 2;
    }
    if (seed_file) {
        seed_report(b, "at end");
        if (wf_emu_seed_save(b, seed_file) != 0) {
            fprintf(stderr, "wf-board-emu: cannot write the seed sectors to %s\n", seed_file);
        }
    }
    size_t violations = wf_sim_chip_violation_count(chip);
    if (violations != 0) {
        wf_sim_chip_print_violations(chip, stderr);
        fprintf(stderr, "wf-board-emu: %zu chip-model violations (a driver bug)\n", violations);
        code = code != 0 ? code : 70;
    }
    wf_emu_cpu_close(&e);
    wf_emu_elf_free(&elf);
    wf_emu_free(b);
    wf_sim_chip_free(chip);
    return code;
}
