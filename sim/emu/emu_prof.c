/* The profiler: instructions per function and per call stack (see emu_prof.h). */
#include "emu_prof.h"

#include "emu_machine.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_RET 0xFFFFFFFFu
#define NONE 0xFFFFFFFFu

static int cmp_func(const void *a, const void *b)
{
    const struct wf_emu_prof_func *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

struct wf_emu_prof *wf_emu_prof_new(const struct wf_emu_elf *elf, uint32_t (*read_lr)(void *ctx), void *ctx)
{
    struct wf_emu_prof *p = calloc(1, sizeof *p);
    if (p == NULL || (p->funcs = calloc(elf->nsyms + 1 + EMU_EXC_COUNT, sizeof *p->funcs)) == NULL ||
        (p->exc_names = calloc(EMU_EXC_COUNT, sizeof *p->exc_names)) == NULL) {
        if (p) {
            free(p->funcs);
        }
        free(p);
        fprintf(stderr, "wf-board-emu: --profile: out of memory\n");
        return NULL;
    }
    for (size_t i = 0; i < elf->nsyms; i++) {
        const struct wf_emu_elf_sym *s = &elf->syms[i];
        if (s->func) {
            p->funcs[p->nfuncs++] = (struct wf_emu_prof_func){s->addr, s->size, s->name};
        }
    }
    qsort(p->funcs, p->nfuncs, sizeof *p->funcs, cmp_func);
    /* One entry per address (aliases keep the first name); a function ends at its
     * size, or where the next one starts (assembly without .size). */
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->nfuncs; i++) {
        if (n > 0 && p->funcs[n - 1].lo == p->funcs[i].lo) {
            if (p->funcs[i].size > p->funcs[n - 1].size) {
                p->funcs[n - 1].size = p->funcs[i].size;
            }
            continue;
        }
        p->funcs[n++] = p->funcs[i];
    }
    p->nfuncs = n;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t gap = i + 1 < n ? p->funcs[i + 1].lo - p->funcs[i].lo : 0x10000u;
        if (p->funcs[i].size == 0 || p->funcs[i].size > gap) {
            p->funcs[i].size = gap;
        }
    }
    p->funcs[n] = (struct wf_emu_prof_func){0, 0, "[unknown]"};
    for (unsigned exc = 0; exc < EMU_EXC_COUNT; exc++) {
        char name[20];
        snprintf(p->exc_names[exc], sizeof p->exc_names[exc], "[exception %s]",
                 emu_exc_name(exc, name, sizeof name));
        p->funcs[n + 1 + exc] = (struct wf_emu_prof_func){0, 0, p->exc_names[exc]};
    }
    p->nall = n + 1 + EMU_EXC_COUNT;
    if (n == 0) {
        fprintf(stderr, "wf-board-emu: --profile: the image has no function symbols\n");
        wf_emu_prof_free(p);
        return NULL;
    }
    p->cap = 4096;
    p->nodes = calloc(p->cap, sizeof *p->nodes);
    if (p->nodes == NULL) {
        wf_emu_prof_free(p);
        fprintf(stderr, "wf-board-emu: --profile: out of memory\n");
        return NULL;
    }
    /* node 0 takes instructions only if the tree cannot grow (out of memory) */
    p->nodes[0] = (struct wf_emu_prof_node){.func = n, .parent = NONE, .child = NONE, .sibling = NONE};
    p->nnodes = 1;
    p->read_lr = read_lr;
    p->lr_ctx = ctx;
    p->phase_seq = ~0u; /* the first instruction takes the slow path */
    p->size = 0;
    return p;
}

void wf_emu_prof_free(struct wf_emu_prof *p)
{
    if (p) {
        free(p->nodes);
        free(p->funcs);
        free(p->exc_names);
        free(p);
    }
}

void wf_emu_prof_reset(struct wf_emu_prof *p)
{
    p->depth = 0;
    p->size = 0;
    p->lo = 0;
    p->exc_entry = false;
    p->top_ret = NO_RET;
    p->phase_seq = ~0u;
}

static uint32_t func_at(const struct wf_emu_prof *p, uint32_t pc)
{
    uint32_t lo = 0, hi = p->nfuncs;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p->funcs[mid].lo <= pc) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo > 0 && pc - p->funcs[lo - 1].lo < p->funcs[lo - 1].size) {
        return lo - 1;
    }
    return p->nfuncs; /* [unknown] */
}

/* A new node under `parent` (NONE: a root); 0 when the tree cannot grow. */
static uint32_t new_node(struct wf_emu_prof *p, uint32_t parent, uint32_t func)
{
    if (p->oom) {
        return 0;
    }
    if (p->nnodes == p->cap) {
        struct wf_emu_prof_node *nn =
            p->cap < 0x40000000u ? realloc(p->nodes, p->cap * 2 * sizeof *nn) : NULL;
        if (nn == NULL) {
            p->oom = true;
            fprintf(stderr, "wf-board-emu: --profile: out of memory: stacks from here on are lost\n");
            return 0;
        }
        p->nodes = nn;
        p->cap *= 2;
    }
    uint32_t c = (uint32_t)p->nnodes++;
    p->nodes[c] = (struct wf_emu_prof_node){.func = func, .parent = parent, .child = NONE, .sibling = NONE};
    if (parent != NONE) {
        p->nodes[c].sibling = p->nodes[parent].child;
        p->nodes[parent].child = c;
    }
    return c;
}

/* The child of `parent` for `func`, made if new; 0 when the tree cannot grow. */
static uint32_t child(struct wf_emu_prof *p, uint32_t parent, uint32_t func)
{
    for (uint32_t c = p->nodes[parent].child; c != NONE; c = p->nodes[c].sibling) {
        if (p->nodes[c].func == func) {
            return c;
        }
    }
    return parent == 0 ? 0 : new_node(p, parent, func);
}

static uint32_t phase_root(struct wf_emu_prof *p)
{
    return p->phases[p->phase].root;
}

/* Node of frame k under the current phase's tree. */
static uint32_t frame_parent(struct wf_emu_prof *p, unsigned k)
{
    return k == 0 ? phase_root(p) : p->stack[k - 1].node;
}

static void switch_phase(struct wf_emu_prof *p, const char *name)
{
    unsigned i;
    for (i = 0; i < p->nphases; i++) {
        if (strcmp(p->phases[i].name, name) == 0) {
            break;
        }
    }
    if (i == p->nphases && i < WF_EMU_PROF_MAX_PHASES) {
        snprintf(p->phases[i].name, sizeof p->phases[i].name, "%s", name);
        /* a root: the phase itself (it never counts instructions) */
        uint32_t r = new_node(p, NONE, NONE);
        p->phases[i].root = r;
        p->nphases++;
    } else if (i == p->nphases) {
        i = p->nphases - 1; /* too many phases: the last one takes the rest */
    }
    p->phase = i;
    for (unsigned k = 0; k < p->depth; k++) {
        p->stack[k].node = child(p, frame_parent(p, k), p->stack[k].func);
    }
}

static void set_top(struct wf_emu_prof *p)
{
    const struct wf_emu_prof_frame *t = &p->stack[p->depth - 1];
    p->lo = p->funcs[t->func].lo;
    p->size = p->funcs[t->func].size;
    p->top_ret = t->ret;
    p->cur = t->node;
}

static void enter(struct wf_emu_prof *p, unsigned k, uint32_t ret, uint32_t func)
{
    p->stack[k].ret = ret;
    p->stack[k].func = func;
    p->stack[k].node = child(p, frame_parent(p, k), func);
    p->nodes[p->stack[k].node].calls++;
}

void wf_emu_prof_transfer(struct wf_emu_prof *p, uint32_t pc, unsigned phase_seq, const char *phase)
{
    if (phase_seq != p->phase_seq) {
        p->phase_seq = phase_seq;
        switch_phase(p, phase);
    }
    if (p->exc_entry && p->depth > 0) { /* the handler: called by its exception frame */
        p->exc_entry = false;
        if (p->depth < WF_EMU_PROF_MAX_DEPTH) {
            enter(p, p->depth++, NO_RET, func_at(p, pc));
        }
        set_top(p);
        return;
    }
    if (p->depth == 0) { /* after reset: the first function is the base */
        p->depth = 1;
        enter(p, 0, NO_RET, func_at(p, pc));
        set_top(p);
        return;
    }
    struct wf_emu_prof_frame *top = &p->stack[p->depth - 1];
    if (pc == top->ret) { /* return */
        p->depth--;
        top = &p->stack[p->depth - 1];
        if (pc - p->funcs[top->func].lo >= p->funcs[top->func].size) {
            enter(p, p->depth - 1, top->ret, func_at(p, pc)); /* the caller was mistracked */
        }
        set_top(p);
        return;
    }
    if (pc - p->lo < p->size && pc != p->lo) {
        set_top(p); /* a phase change only */
        return;
    }
    uint32_t g = func_at(p, pc);
    bool entry = g < p->nfuncs && pc == p->funcs[g].lo;
    if (entry || g == p->nfuncs) {
        uint32_t lr = p->read_lr(p->lr_ctx);
        bool call = (lr & 1u) && ((lr & ~1u) == p->prev_pc + 4u || (lr & ~1u) == p->prev_pc + 2u);
        if (call && p->depth < WF_EMU_PROF_MAX_DEPTH) {
            enter(p, p->depth++, lr & ~1u, g);
        } else if (g != top->func) {
            enter(p, p->depth - 1, top->ret, g); /* tail call (or stack full) */
        }
        set_top(p);
        return;
    }
    if (g == top->func) {
        set_top(p);
        return;
    }
    /* A return further down (frames lost above it), then a function on the stack. */
    unsigned k;
    for (k = p->depth - 1; k >= 1 && p->stack[k].ret != pc; k--) {
    }
    if (k >= 1) {
        p->depth = k;
    } else {
        for (k = p->depth; k-- > 0 && p->stack[k].func != g;) {
        }
        if (k != (unsigned)-1) {
            p->depth = k + 1;
        }
    }
    top = &p->stack[p->depth - 1];
    if (top->func != g) {
        enter(p, p->depth - 1, top->ret, g);
    }
    set_top(p);
}

void wf_emu_prof_exception(struct wf_emu_prof *p, unsigned exc, uint32_t ret_pc)
{
    (void)ret_pc;
    if (p->depth == 0 || p->depth >= WF_EMU_PROF_MAX_DEPTH || exc >= EMU_EXC_COUNT) {
        return;
    }
    enter(p, p->depth++, NO_RET, p->nfuncs + 1 + exc);
    set_top(p);
    p->size = 0; /* the next instruction takes the slow path */
    p->exc_entry = true;
}

void wf_emu_prof_exception_return(struct wf_emu_prof *p)
{
    for (unsigned k = p->depth; k-- > 1;) {
        if (p->stack[k].func > p->nfuncs) { /* the innermost exception frame */
            p->depth = k;
            set_top(p);
            p->size = 0; /* the interrupted function resumes through the slow path */
            break;
        }
    }
    p->exc_entry = false;
}

/* ---- output ---- */

struct stats {
    uint64_t self, incl, calls;
    uint32_t func;
};

struct walk {
    const struct wf_emu_prof *p;
    uint64_t *total;   /* per node: instructions in its subtree */
    uint32_t *onpath;  /* per function: frames of it on the path now */
    struct stats *st;  /* per function, this phase */
    FILE *folded;      /* NULL: no folded output */
    const char **path; /* names of the path */
    unsigned depth;
};

static uint64_t subtree(const struct wf_emu_prof *p, uint64_t *total, uint32_t n)
{
    uint64_t t = p->nodes[n].count;
    for (uint32_t c = p->nodes[n].child; c != NONE; c = p->nodes[c].sibling) {
        t += subtree(p, total, c);
    }
    total[n] = t;
    return t;
}

static void visit(struct walk *w, uint32_t n)
{
    const struct wf_emu_prof_node *nd = &w->p->nodes[n];
    uint32_t f = nd->func;
    w->st[f].self += nd->count;
    w->st[f].calls += nd->calls;
    if (w->onpath[f]++ == 0) {
        w->st[f].incl += w->total[n]; /* the outermost frame of f on this path */
    }
    w->path[w->depth++] = w->p->funcs[f].name;
    if (w->folded && nd->count) {
        for (unsigned i = 0; i < w->depth; i++) {
            fprintf(w->folded, "%s%s", w->path[i], i + 1 < w->depth ? ";" : "");
        }
        fprintf(w->folded, " %" PRIu64 "\n", nd->count);
    }
    for (uint32_t c = nd->child; c != NONE; c = w->p->nodes[c].sibling) {
        visit(w, c);
    }
    w->depth--;
    w->onpath[f]--;
}

static int cmp_stats(const void *a, const void *b)
{
    const struct stats *x = a, *y = b;
    if (x->self != y->self) {
        return x->self < y->self ? 1 : -1;
    }
    if (x->incl != y->incl) {
        return x->incl < y->incl ? 1 : -1;
    }
    return x->func < y->func ? -1 : x->func > y->func;
}

static void table(FILE *f, const struct wf_emu_prof *p, const char *title, struct stats *st, uint64_t total)
{
    uint32_t nf = p->nall;
    struct stats *s = malloc(nf * sizeof *s);
    if (s == NULL) {
        return;
    }
    memcpy(s, st, nf * sizeof *s);
    qsort(s, nf, sizeof *s, cmp_stats);
    fprintf(f, "== %s: %" PRIu64 " instructions ==\n", title, total);
    fprintf(f, "%-40s %14s %7s %14s %7s %10s\n", "function", "self", "self%", "inclusive", "incl%", "calls");
    double d = total ? (double)total / 100.0 : 1.0;
    for (uint32_t i = 0; i < nf && s[i].incl; i++) {
        fprintf(f, "%-40s %14" PRIu64 " %7.2f %14" PRIu64 " %7.2f %10" PRIu64 "\n", p->funcs[s[i].func].name,
                s[i].self, (double)s[i].self / d, s[i].incl, (double)s[i].incl / d, s[i].calls);
    }
    fprintf(f, "\n");
    free(s);
}

int wf_emu_prof_write(const struct wf_emu_prof *p, const char *path, const char *image)
{
    size_t plen = strlen(path);
    char *fpath = malloc(plen + sizeof ".folded");
    uint32_t nf = p->nall;
    uint64_t *total = calloc(p->nnodes, sizeof *total);
    uint32_t *onpath = calloc(nf, sizeof *onpath);
    struct stats *st = calloc(nf, sizeof *st), *all = calloc(nf, sizeof *all);
    const char **names = calloc(WF_EMU_PROF_MAX_DEPTH + 2, sizeof *names);
    FILE *f = NULL, *folded = NULL;
    int rc = -1;
    if (fpath == NULL || total == NULL || onpath == NULL || st == NULL || all == NULL || names == NULL) {
        errno = ENOMEM;
        goto out;
    }
    memcpy(fpath, path, plen);
    memcpy(fpath + plen, ".folded", sizeof ".folded");
    if ((f = fopen(path, "w")) == NULL || (folded = fopen(fpath, "w")) == NULL) {
        goto out;
    }
    uint64_t grand = 0;
    for (unsigned i = 0; i < p->nphases; i++) {
        grand += subtree(p, total, p->phases[i].root);
    }
    fprintf(f,
            "# wf-board-emu --profile of %s\n"
            "# instructions per function: self = with the PC in it, inclusive = with it anywhere on the\n"
            "# call stack (once per stack), calls = entries (calls and tail calls), per phase and in all.\n"
            "# stacks: %s.folded (phase;outer;...;inner COUNT)\n"
            "# instructions attributed: %" PRIu64 "%s\n\n",
            image, path, grand, p->oom ? " (out of memory: stacks lost)" : "");
    for (uint32_t i = 0; i < nf; i++) {
        all[i].func = i;
    }
    for (unsigned i = 0; i < p->nphases; i++) {
        memset(st, 0, nf * sizeof *st);
        for (uint32_t k = 0; k < nf; k++) {
            st[k].func = k;
        }
        struct walk w = {p, total, onpath, st, folded, names, 1};
        names[0] = p->phases[i].name;
        /* the root is the phase: its children are the base frames */
        for (uint32_t c = p->nodes[p->phases[i].root].child; c != NONE; c = p->nodes[c].sibling) {
            visit(&w, c);
        }
        for (uint32_t k = 0; k < nf; k++) {
            all[k].self += st[k].self;
            all[k].incl += st[k].incl;
            all[k].calls += st[k].calls;
        }
        char title[64];
        snprintf(title, sizeof title, "phase %s", p->phases[i].name);
        table(f, p, title, st, total[p->phases[i].root]);
    }
    table(f, p, "all phases", all, grand);
    rc = 0;
out:
    if (f && fclose(f) != 0) {
        rc = -1;
    }
    if (folded && fclose(folded) != 0) {
        rc = -1;
    }
    free(fpath);
    free(total);
    free(onpath);
    free(st);
    free(all);
    free(names);
    return rc;
}
