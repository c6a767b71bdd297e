/**
 * @file emu_prof.h
 * @brief The board emulator's profiler (--profile FILE): every executed instruction
 * is attributed to the function containing the PC (the ELF's function symbols) and,
 * through a shadow call stack, to the chain of callers, per phase of the run.
 *
 * The shadow stack: a transfer to a function's first instruction with LR equal to
 * the address after the previous instruction (a BL or BLX just executed) is a call
 * (pushed, with LR as its return address); a transfer to a function's entry without
 * that is a tail call (the top frame becomes the callee); reaching the return address
 * of a frame pops it and every frame above it (so a missed return resynchronises at
 * the next one found further down); landing elsewhere in a function that is on the
 * stack pops down to it; anywhere else the top frame is replaced. An exception entry
 * pushes a frame "[exception NAME]" (wf_emu_prof_exception) under which the handler
 * is a call; its return (wf_emu_prof_exception_return) pops down to below that frame,
 * so the handlers appear in the folded stacks as e.g.
 * "phase;main;...;wait_loop;[exception SysTick];SysTick_Handler". A CPU reset empties
 * the stack.
 *
 * Cost: one range test per instruction on the fast path (the PC still inside the
 * current function); the slow path runs on transfers between functions only. None
 * of this runs without --profile (the CPU's hook checks one pointer).
 *
 * Output (wf_emu_prof_write): FILE, a table per phase and for the whole run
 * (function, self instructions, self %, inclusive instructions, inclusive %, calls),
 * sorted by self instructions; FILE.folded, one line per distinct stack:
 * "phase;outer;...;inner COUNT" (the folded-stack text that flame-graph tools read),
 * COUNT being the instructions executed with exactly that stack.
 */
#ifndef WF_EMU_PROF_H
#define WF_EMU_PROF_H

#include <stdbool.h>
#include <stdint.h>

#include "emu_elf.h"

struct wf_emu_prof_func {
    uint32_t lo, size; /**< [lo, lo + size): the function's code (Thumb bit clear) */
    const char *name;  /**< borrowed from the ELF's symbols (or a static string) */
};

struct wf_emu_prof_node { /* one node of a phase's call tree */
    uint32_t func, parent, child, sibling;
    uint64_t count; /**< instructions executed with exactly this stack */
    uint64_t calls; /**< times this stack was entered (calls and tail calls) */
};

struct wf_emu_prof_frame {
    uint32_t ret; /**< return address in the caller (Thumb bit clear); NO_RET for the base */
    uint32_t func, node;
};

#define WF_EMU_PROF_MAX_DEPTH 256
#define WF_EMU_PROF_MAX_PHASES 32

struct wf_emu_prof {
    /* hot state, read on every instruction */
    uint32_t lo, size, top_ret, prev_pc, cur;
    unsigned phase_seq;
    struct wf_emu_prof_node *nodes;
    /* the rest */
    size_t nnodes, cap;
    struct wf_emu_prof_func *funcs; /**< sorted by lo; funcs[nfuncs] is "[unknown]", then one
                                       "[exception NAME]" per exception number */
    uint32_t nfuncs, nall;          /**< nall: every entry of funcs[] */
    char (*exc_names)[28];
    bool exc_entry; /**< an exception was entered: the next instruction is its handler */
    struct wf_emu_prof_frame stack[WF_EMU_PROF_MAX_DEPTH];
    unsigned depth;
    struct {
        char name[32];
        uint32_t root;
    } phases[WF_EMU_PROF_MAX_PHASES];
    unsigned nphases, phase; /**< phase: index in phases[] now */
    uint32_t (*read_lr)(void *ctx);
    void *lr_ctx;
    bool oom;
};

/**
 * A profiler for the functions of `elf` (kept borrowed: it must outlive the profiler).
 * `read_lr` reads the CPU's LR (on transfers between functions only). NULL when out
 * of memory or when `elf` has no function symbols (message on stderr).
 */
struct wf_emu_prof *wf_emu_prof_new(const struct wf_emu_elf *elf, uint32_t (*read_lr)(void *ctx), void *ctx);
void wf_emu_prof_free(struct wf_emu_prof *p);

/** The CPU was reset: the shadow stack is emptied (the next instruction starts it). */
void wf_emu_prof_reset(struct wf_emu_prof *p);

/** The CPU entered exception `exc`, interrupting the instruction at `ret_pc`. */
void wf_emu_prof_exception(struct wf_emu_prof *p, unsigned exc, uint32_t ret_pc);
/** The CPU returned from the current exception. */
void wf_emu_prof_exception_return(struct wf_emu_prof *p);

/** Slow path of wf_emu_prof_insn: a transfer between functions, or a phase change. */
void wf_emu_prof_transfer(struct wf_emu_prof *p, uint32_t pc, unsigned phase_seq, const char *phase);

/**
 * Count one executed instruction at `pc` in the phase named `phase`. `phase_seq`
 * changes whenever the phase does (the name is only read then).
 */
static inline void wf_emu_prof_insn(struct wf_emu_prof *p, uint32_t pc, unsigned phase_seq, const char *phase)
{
    if (pc - p->lo >= p->size || pc == p->lo || pc == p->top_ret || phase_seq != p->phase_seq) {
        wf_emu_prof_transfer(p, pc, phase_seq, phase);
    }
    p->nodes[p->cur].count++;
    p->prev_pc = pc;
}

/** Write `path` (the tables) and `path`.folded. Returns 0, or -1 (errno set). */
int wf_emu_prof_write(const struct wf_emu_prof *p, const char *path, const char *image);

#endif
