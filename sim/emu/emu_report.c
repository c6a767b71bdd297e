/* End-of-run measurements. */
#include "emu_report.h"

#include <inttypes.h>
#include <string.h>

#include "wf_sim_chip.h"

static const char *stop_name(enum wf_emu_stop s)
{
    switch (s) {
    case WF_EMU_STOP_NONE:
        return "none";
    case WF_EMU_STOP_EXIT:
        return "exit";
    case WF_EMU_STOP_FAULT:
        return "fault";
    case WF_EMU_STOP_UNMODELLED:
        return "unmodelled";
    case WF_EMU_STOP_RULE:
        return "rule";
    case WF_EMU_STOP_TIMEOUT:
        return "timeout";
    case WF_EMU_STOP_POWER_CUT:
        return "power-cut";
    case WF_EMU_STOP_UNHANDLED:
        return "unhandled-exception";
    }
    return "?";
}

/* Estimated wall time on the board: the phase's instructions at the assumed CPI
 * and the final HCLK, plus its SPI bytes at the final SPI1 SCK. */
static double estimate_s(const struct wf_emu *b, const struct wf_emu_phase *p, double cpi)
{
    double hclk = wf_emu_hclk(b), sck = wf_emu_spi1_hz(b);
    return (double)p->instructions * cpi / hclk + (sck > 0 ? (double)p->spi_bytes * 8.0 / sck : 0.0);
}

static void totals(const struct wf_emu *b, struct wf_emu_phase *t)
{
    memset(t, 0, sizeof *t);
    for (unsigned i = 0; i < b->nphases; i++) {
        t->instructions += b->phases[i].instructions;
        t->cycles += b->phases[i].cycles;
        t->time_ps += b->phases[i].time_ps;
        t->spi_bytes += b->phases[i].spi_bytes;
        t->payload_bytes += b->phases[i].payload_bytes;
    }
}

void wf_emu_report_print(struct wf_emu_cpu *e, const struct wf_emu_report_opts *o, FILE *out)
{
    struct wf_emu *b = e->b;
    struct wf_emu_phase t;
    totals(b, &t);
    fprintf(out, "\n== wf-board-emu report ==\n");
    fprintf(out, "stop: %s: %s\n", stop_name(b->stop), b->stop_msg);
    fprintf(out, "%-15s %14s %12s %10s %10s %9s %12s\n", "phase", "instructions", "stall cyc", "emu ms",
            "SPI bytes", "payload", "board ms*");
    for (unsigned i = 0; i <= b->nphases; i++) {
        const struct wf_emu_phase *p = i < b->nphases ? &b->phases[i] : &t;
        fprintf(out, "%-15s %14" PRIu64 " %12" PRIu64 " %10.1f %10" PRIu64 " %9" PRIu64 " %12.1f\n",
                i < b->nphases ? p->name : "total", p->instructions, p->cycles - p->instructions,
                (double)p->time_ps / 1e9, p->spi_bytes, p->payload_bytes, estimate_s(b, p, o->cpi) * 1e3);
    }
    uint32_t paint = 0;
    long peak = wf_emu_cpu_stack_peak(e, &paint);
    if (peak >= 0) {
        fprintf(
            out,
            "peak stack: %ld of %u bytes (lowest word below _estack no longer holding the paint 0x%08X)\n",
            peak, e->stack_hi - e->stack_lo, paint);
    } else {
        fprintf(out, "peak stack: unknown (no _sstack/_estack symbols, or the stack was not painted)\n");
    }
    if (b->chip) {
        const struct wf_sim_chip_stats *s = wf_sim_chip_stats(b->chip);
        fprintf(out,
                "SPI: %" PRIu64 " frames, %" PRIu64 " bytes; payload %" PRIu64 " bytes (%" PRIu64
                " sent, %" PRIu64 " received)",
                s->frames, s->bytes, s->tx_mem_writes + s->rx_mem_reads, s->tx_mem_writes, s->rx_mem_reads);
        if (s->tx_mem_writes + s->rx_mem_reads) {
            fprintf(out, "; %.2f SPI bytes per payload byte",
                    (double)s->bytes / (double)(s->tx_mem_writes + s->rx_mem_reads));
        }
        fprintf(out, "\n");
    }
    fprintf(out,
            "clocks at exit: SYSCLK %u Hz, HCLK %u Hz, PCLK1 %u Hz, PCLK2 %u Hz, SPI1 SCK %u Hz; flash %u "
            "wait states\n",
            wf_emu_sysclk(b), wf_emu_hclk(b), wf_emu_pclk1(b), wf_emu_pclk2(b), wf_emu_spi1_hz(b),
            b->fl.dev.r[FLASH_ACR] & 0xFu);
    fprintf(out,
            "resets: %" PRIu64 " (watchdog %" PRIu64 "); flash erases %" PRIu64 ", programs %" PRIu64
            "; console %" PRIu64 " bytes; ADC conversions %" PRIu64 "\n",
            b->resets, b->watchdog_resets, b->fl.erases, b->fl.programs, b->usart.tx_bytes,
            b->adc.conversions);
    if (b->sleep_cycles) {
        fprintf(out,
                "sleep: %" PRIu64 " cycles (%.1f ms) in WFI/WFE, %" PRIu64
                " sleeps (in emu ms, not in board ms)\n",
                b->sleep_cycles, (double)b->sleep_cycles * 1e3 / wf_emu_hclk(b), b->sleeps);
    }
    if (o->loopgap) {
        wf_emu_loopgap_print(o->loopgap, o->cpi, out);
    }
    if (b->usart.baud) {
        fprintf(out, "console: %s at %u Bd (BRR 0x%04X); expected %s%u\n", b->usart.dev.name, b->usart.baud,
                b->usart.dev.r[USART_BRR], b->console_baud ? "" : "any, default ",
                b->console_baud ? b->console_baud : WF_EMU_CONSOLE_BAUD);
    }
    fprintf(out, "board %s", b->board->id);
    char pn[8];
    if (b->board->chip_reset.port >= 0) {
        fprintf(out, "; chip /RESET (%s): %" PRIu64 " pulses", emu_pin_name(b->board->chip_reset, pn),
                b->chip_reset_pulses);
    }
    if (b->board->led.port >= 0) {
        fprintf(out, "; LED (%s): %" PRIu64 " changes", emu_pin_name(b->board->led, pn), b->led_toggles);
    }
    fprintf(out, "\n");
    fprintf(
        out,
        "* assumptions: emulated time runs the CPU at 1 instruction per HCLK cycle (CPI 1) plus flash "
        "stalls; "
        "\"board ms\" = instructions x CPI %.2f / HCLK at exit + SPI bytes x 8 / SCK at exit (bus time only, "
        "no gaps between bytes; phases before the PLL ran slower); chip model wire %u Mbit/s (SEND_OK once "
        "a SEND's frames have left the wire, in emulated time; 0 = no wire time).\n",
        o->cpi, b->chip ? wf_sim_chip_wire_rate(b->chip) / 1000000u : 0u);
}

int wf_emu_report_json(struct wf_emu_cpu *e, const struct wf_emu_report_opts *o, const char *path)
{
    struct wf_emu *b = e->b;
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return -1;
    }
    struct wf_emu_phase t;
    totals(b, &t);
    fprintf(f, "{\n  \"stop\": \"%s\",\n  \"exit_code\": %d,\n", stop_name(b->stop), b->exit_code);
    fprintf(
        f,
        "  \"assumptions\": {\"emulated_cpi\": 1, \"board_cpi\": %.3f, \"hclk_hz\": %u, \"spi_sck_hz\": %u, "
        "\"spi_gaps\": false, \"wire_bps\": %u},\n",
        o->cpi, wf_emu_hclk(b), wf_emu_spi1_hz(b), b->chip ? wf_sim_chip_wire_rate(b->chip) : 0u);
    fprintf(f, "  \"phases\": [\n");
    for (unsigned i = 0; i <= b->nphases; i++) {
        const struct wf_emu_phase *p = i < b->nphases ? &b->phases[i] : &t;
        fprintf(f,
                "    {\"name\": \"%s\", \"instructions\": %" PRIu64 ", \"stall_cycles\": %" PRIu64
                ", \"emulated_ms\": %.3f, \"spi_bytes\": %" PRIu64 ", \"payload_bytes\": %" PRIu64
                ", \"board_ms_estimate\": %.3f}%s\n",
                i < b->nphases ? p->name : "total", p->instructions, p->cycles - p->instructions,
                (double)p->time_ps / 1e9, p->spi_bytes, p->payload_bytes, estimate_s(b, p, o->cpi) * 1e3,
                i < b->nphases ? "," : "");
    }
    fprintf(f, "  ],\n  \"peak_stack_bytes\": %ld,\n", wf_emu_cpu_stack_peak(e, NULL));
    fprintf(f, "  \"sleep_cycles\": %" PRIu64 ",\n  \"sleeps\": %" PRIu64 ",\n", b->sleep_cycles, b->sleeps);
    if (o->loopgap) {
        wf_emu_loopgap_json(o->loopgap, o->cpi, f);
    }
    if (b->chip) {
        const struct wf_sim_chip_stats *s = wf_sim_chip_stats(b->chip);
        fprintf(f,
                "  \"spi_frames\": %" PRIu64 ",\n  \"spi_bytes\": %" PRIu64 ",\n  \"payload_bytes\": %" PRIu64
                ",\n",
                s->frames, s->bytes, s->tx_mem_writes + s->rx_mem_reads);
        fprintf(f, "  \"chip_violations\": %zu,\n", wf_sim_chip_violation_count(b->chip));
    }
    fprintf(f,
            "  \"resets\": %" PRIu64 ",\n  \"watchdog_resets\": %" PRIu64 ",\n  \"instructions\": %" PRIu64
            "\n}\n",
            b->resets, b->watchdog_resets, b->icount);
    return fclose(f) == 0 ? 0 : -1;
}
