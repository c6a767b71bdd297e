/* The GDB remote serial protocol stub (see emu_gdb.h). */
#include "emu_gdb.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <unicorn/unicorn.h>

#define PACKET_MAX 4096
#define NREGS 40 /* r0-r12 sp lr pc xpsr | d0-d15 fpscr | msp psp primask basepri faultmask control */

struct gdb {
    int fd;
    struct wf_emu_cpu *e;
    bool ended;       /**< the run is over: the next resume answers W/X */
    bool interrupted; /**< 0x03 seen while running */
    uc_hook watch_hooks[4];
    struct {
        uint32_t addr, len;
        unsigned kind; /* 2 write, 3 read, 4 access */
    } watch[4];
    unsigned nwatch;
    char in[PACKET_MAX + 8];
};

static const char target_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\">\n"
    "<architecture>arm</architecture>\n"
    "<feature name=\"org.gnu.gdb.arm.m-profile\">\n"
    "<reg name=\"r0\" bitsize=\"32\"/><reg name=\"r1\" bitsize=\"32\"/><reg name=\"r2\" bitsize=\"32\"/>\n"
    "<reg name=\"r3\" bitsize=\"32\"/><reg name=\"r4\" bitsize=\"32\"/><reg name=\"r5\" bitsize=\"32\"/>\n"
    "<reg name=\"r6\" bitsize=\"32\"/><reg name=\"r7\" bitsize=\"32\"/><reg name=\"r8\" bitsize=\"32\"/>\n"
    "<reg name=\"r9\" bitsize=\"32\"/><reg name=\"r10\" bitsize=\"32\"/><reg name=\"r11\" bitsize=\"32\"/>\n"
    "<reg name=\"r12\" bitsize=\"32\"/><reg name=\"sp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
    "<reg name=\"lr\" bitsize=\"32\"/><reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\"/>\n"
    "<reg name=\"xpsr\" bitsize=\"32\"/>\n"
    "</feature>\n"
    "<feature name=\"org.gnu.gdb.arm.vfp\">\n"
    "<reg name=\"d0\" bitsize=\"64\" type=\"ieee_double\"/><reg name=\"d1\" bitsize=\"64\" "
    "type=\"ieee_double\"/>\n"
    "<reg name=\"d2\" bitsize=\"64\" type=\"ieee_double\"/><reg name=\"d3\" bitsize=\"64\" "
    "type=\"ieee_double\"/>\n"
    "<reg name=\"d4\" bitsize=\"64\" type=\"ieee_double\"/><reg name=\"d5\" bitsize=\"64\" "
    "type=\"ieee_double\"/>\n"
    "<reg name=\"d6\" bitsize=\"64\" type=\"ieee_double\"/><reg name=\"d7\" bitsize=\"64\" "
    "type=\"ieee_double\"/>\n"
    "<reg name=\"d8\" bitsize=\"64\" type=\"ieee_double\"/><reg name=\"d9\" bitsize=\"64\" "
    "type=\"ieee_double\"/>\n"
    "<reg name=\"d10\" bitsize=\"64\" type=\"ieee_double\"/><reg name=\"d11\" bitsize=\"64\" "
    "type=\"ieee_double\"/>\n"
    "<reg name=\"d12\" bitsize=\"64\" type=\"ieee_double\"/><reg name=\"d13\" bitsize=\"64\" "
    "type=\"ieee_double\"/>\n"
    "<reg name=\"d14\" bitsize=\"64\" type=\"ieee_double\"/><reg name=\"d15\" bitsize=\"64\" "
    "type=\"ieee_double\"/>\n"
    "<reg name=\"fpscr\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "</feature>\n"
    "<feature name=\"org.gnu.gdb.arm.m-system\">\n"
    "<reg name=\"msp\" bitsize=\"32\" type=\"data_ptr\"/><reg name=\"psp\" bitsize=\"32\" "
    "type=\"data_ptr\"/>\n"
    "<reg name=\"primask\" bitsize=\"32\"/><reg name=\"basepri\" bitsize=\"32\"/>\n"
    "<reg name=\"faultmask\" bitsize=\"32\"/><reg name=\"control\" bitsize=\"32\"/>\n"
    "</feature>\n"
    "</target>\n";

/* Unicorn register of gdb register `n` and its size in bytes; -1 when none. */
static int reg_id(unsigned n, unsigned *bytes)
{
    static const int sys[6] = {UC_ARM_REG_MSP,     UC_ARM_REG_PSP,       UC_ARM_REG_PRIMASK,
                               UC_ARM_REG_BASEPRI, UC_ARM_REG_FAULTMASK, UC_ARM_REG_CONTROL};
    *bytes = 4;
    if (n <= 12) {
        return UC_ARM_REG_R0 + (int)n;
    }
    switch (n) {
    case 13:
        return UC_ARM_REG_SP;
    case 14:
        return UC_ARM_REG_LR;
    case 15:
        return UC_ARM_REG_PC;
    case 16:
        return UC_ARM_REG_XPSR;
    case 33:
        return UC_ARM_REG_FPSCR;
    default:
        break;
    }
    if (n >= 17 && n <= 32) {
        *bytes = 8;
        return UC_ARM_REG_D0 + (int)(n - 17);
    }
    if (n >= 34 && n < NREGS) {
        return sys[n - 34];
    }
    return -1;
}

/* ---- packets ---- */

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static void put_hex(char *out, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static bool get_hex(const char *s, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int h = hexval(s[2 * i]), l = h < 0 ? -1 : hexval(s[2 * i + 1]);
        if (l < 0) {
            return false;
        }
        p[i] = (uint8_t)(h << 4 | l);
    }
    return true;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int reply_n(struct gdb *g, const char *data, size_t n)
{
    char *pkt = malloc(n + 5);
    if (pkt == NULL) {
        return -1;
    }
    unsigned sum = 0;
    pkt[0] = '$';
    memcpy(pkt + 1, data, n);
    for (size_t i = 0; i < n; i++) {
        sum += (unsigned char)data[i];
    }
    snprintf(pkt + 1 + n, 4, "#%02x", sum & 0xFFu);
    int rc = send_all(g->fd, pkt, n + 4);
    free(pkt);
    return rc;
}

static int reply(struct gdb *g, const char *s)
{
    return reply_n(g, s, strlen(s));
}

/* Read one packet into g->in (NUL-terminated, unescaped), acknowledging it.
 * Returns its length, or -1 when the connection closed. A 0x03 between packets
 * is returned as the one-byte packet "\x03". */
static int read_packet(struct gdb *g)
{
    for (;;) {
        unsigned char c;
        ssize_t r = recv(g->fd, &c, 1, 0);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (c == 0x03) {
            g->in[0] = 0x03;
            g->in[1] = '\0';
            return 1;
        }
        if (c != '$') {
            continue; /* acks, noise */
        }
        size_t n = 0;
        unsigned sum = 0;
        bool esc = false;
        for (;;) {
            if (recv(g->fd, &c, 1, 0) != 1) {
                return -1;
            }
            if (c == '#') {
                break;
            }
            sum += c;
            if (esc) {
                c ^= 0x20;
                esc = false;
            } else if (c == '}') {
                esc = true;
                continue;
            }
            if (n < PACKET_MAX) {
                g->in[n++] = (char)c;
            }
        }
        unsigned char ck[2];
        if (recv(g->fd, ck, 2, MSG_WAITALL) != 2) {
            return -1;
        }
        int got = hexval(ck[0]) << 4 | hexval(ck[1]);
        g->in[n] = '\0';
        if (got != (int)(sum & 0xFFu)) {
            send_all(g->fd, "-", 1);
            continue;
        }
        send_all(g->fd, "+", 1);
        return (int)n;
    }
}

/* ---- memory: flash and SRAM only ---- */

static uint8_t *mem(struct wf_emu *b, uint32_t addr, uint32_t len)
{
    if (addr >= WF_EMU_FLASH_BASE && addr - WF_EMU_FLASH_BASE <= WF_EMU_FLASH_SIZE &&
        len <= WF_EMU_FLASH_SIZE && addr - WF_EMU_FLASH_BASE <= WF_EMU_FLASH_SIZE - len) {
        return b->flash + (addr - WF_EMU_FLASH_BASE);
    }
    if (addr >= WF_EMU_SRAM_BASE && addr - WF_EMU_SRAM_BASE <= WF_EMU_SRAM_SIZE && len <= WF_EMU_SRAM_SIZE &&
        addr - WF_EMU_SRAM_BASE <= WF_EMU_SRAM_SIZE - len) {
        return b->sram + (addr - WF_EMU_SRAM_BASE);
    }
    return NULL;
}

static bool parse_addr_len(const char *s, uint32_t *addr, uint32_t *len, const char **rest)
{
    char *end;
    unsigned long a = strtoul(s, &end, 16);
    if (*end != ',') {
        return false;
    }
    unsigned long l = strtoul(end + 1, &end, 16);
    *addr = (uint32_t)a;
    *len = (uint32_t)l;
    if (rest) {
        *rest = end;
    }
    return l <= PACKET_MAX / 2;
}

static int mem_write(struct gdb *g, uint32_t addr, const uint8_t *data, uint32_t len)
{
    uint8_t *p = mem(g->e->b, addr, len);
    if (p == NULL) {
        return reply(g, "E01");
    }
    memcpy(p, data, len);
    if (addr < WF_EMU_SRAM_BASE) {
        uc_ctl_remove_cache((uc_engine *)g->e->uc, addr, (uint64_t)addr + len); /* code changed */
    }
    return reply(g, "OK");
}

/* ---- breakpoints and watchpoints ---- */

static void watch_hit(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user)
{
    struct gdb *g = user;
    (void)size, (void)value;
    for (unsigned i = 0; i < g->nwatch; i++) {
        bool write = type == UC_MEM_WRITE;
        unsigned k = g->watch[i].kind;
        if (addr + (uint64_t)size > g->watch[i].addr && addr < (uint64_t)g->watch[i].addr + g->watch[i].len &&
            (k == 4 || (k == 2 && write) || (k == 3 && !write))) {
            g->e->debug_halt = true;
            g->e->debug_watch_addr = (uint32_t)addr;
            g->e->debug_watch_kind = k;
            uc_emu_stop(uc); /* the access completes; the CPU halts after its instruction */
            return;
        }
    }
}

static int point(struct gdb *g, bool insert)
{
    struct wf_emu_cpu *e = g->e;
    char *end;
    unsigned long type = strtoul(g->in + 1, &end, 10);
    uint32_t addr, len;
    if (*end != ',' || !parse_addr_len(end + 1, &addr, &len, NULL)) {
        return reply(g, "E01");
    }
    if (type <= 1) { /* software and hardware breakpoints: both are address hooks */
        addr &= ~1u;
        for (unsigned i = 0; i < e->nbreakpoints; i++) {
            if (e->breakpoints[i] == addr) {
                if (!insert) {
                    e->breakpoints[i] = e->breakpoints[--e->nbreakpoints];
                }
                return reply(g, "OK");
            }
        }
        if (!insert) {
            return reply(g, "OK");
        }
        if (e->nbreakpoints == sizeof e->breakpoints / sizeof e->breakpoints[0]) {
            return reply(g, "E02");
        }
        e->breakpoints[e->nbreakpoints++] = addr;
        return reply(g, "OK");
    }
    if (type > 4) {
        return reply(g, "");
    }
    if (insert) {
        if (g->nwatch == 4 || len == 0) {
            return reply(g, "E02");
        }
        int kinds = type == 2   ? UC_HOOK_MEM_WRITE
                    : type == 3 ? UC_HOOK_MEM_READ
                                : UC_HOOK_MEM_WRITE | UC_HOOK_MEM_READ;
        if (uc_hook_add((uc_engine *)e->uc, &g->watch_hooks[g->nwatch], kinds, (void *)watch_hit, g, addr,
                        (uint64_t)addr + len - 1) != UC_ERR_OK) {
            return reply(g, "E03");
        }
        g->watch[g->nwatch].addr = addr;
        g->watch[g->nwatch].len = len;
        g->watch[g->nwatch].kind = (unsigned)type;
        g->nwatch++;
        return reply(g, "OK");
    }
    for (unsigned i = 0; i < g->nwatch; i++) {
        if (g->watch[i].addr == addr && g->watch[i].len == len && g->watch[i].kind == type) {
            uc_hook_del((uc_engine *)e->uc, g->watch_hooks[i]);
            g->nwatch--;
            g->watch[i] = g->watch[g->nwatch];
            g->watch_hooks[i] = g->watch_hooks[g->nwatch];
            break;
        }
    }
    return reply(g, "OK");
}

/* ---- running ---- */

/* Between slices: a 0x03 from gdb halts the run. */
static bool poll_interrupt(void *ctx)
{
    struct gdb *g = ctx;
    struct pollfd p = {.fd = g->fd, .events = POLLIN};
    if (poll(&p, 1, 0) != 1) {
        return false;
    }
    unsigned char c;
    if (recv(g->fd, &c, 1, MSG_PEEK) == 1 && c == 0x03) {
        (void)recv(g->fd, &c, 1, 0);
        g->interrupted = true;
        return true;
    }
    return false;
}

static int stop_reply(struct gdb *g)
{
    struct wf_emu_cpu *e = g->e;
    struct wf_emu *b = e->b;
    char buf[64];
    if (b->stop == WF_EMU_STOP_EXIT) {
        g->ended = true;
        snprintf(buf, sizeof buf, "W%02x", wf_emu_gdb_exit_code(b) & 0xFF);
        return reply(g, buf);
    }
    if (b->stop != WF_EMU_STOP_NONE) {
        /* a fault, an unmodelled access, a broken rule, a time limit: the state stays readable */
        fprintf(stderr, "wf-board-emu: gdb: the run stopped: %s\n", b->stop_msg);
        g->ended = true;
        return reply(g, b->stop == WF_EMU_STOP_TIMEOUT ? "T0e" : "T0b"); /* SIGALRM, SIGSEGV */
    }
    if (e->debug_watch_kind) {
        static const char *const names[5] = {NULL, NULL, "watch", "rwatch", "awatch"};
        snprintf(buf, sizeof buf, "T05%s:%08x;", names[e->debug_watch_kind], e->debug_watch_addr);
        e->debug_watch_kind = 0;
        return reply(g, buf);
    }
    return reply(g, g->interrupted ? "T02" : "T05"); /* SIGINT after Ctrl-C, else SIGTRAP */
}

static int resume(struct gdb *g, bool step)
{
    struct wf_emu_cpu *e = g->e;
    struct wf_emu *b = e->b;
    if (g->ended) {
        char buf[8];
        snprintf(buf, sizeof buf, "W%02x", wf_emu_gdb_exit_code(b) & 0xFF);
        return reply(g, buf);
    }
    uint32_t pc = 0;
    uc_reg_read((uc_engine *)e->uc, UC_ARM_REG_PC, &pc);
    e->resume_pc = pc & ~1u;
    e->resume_icount = b->icount;
    e->step_until = step ? b->icount + 1 : 0;
    e->debug_halt = false;
    g->interrupted = false;
    wf_emu_cpu_run(e);
    e->step_until = 0;
    return stop_reply(g);
}

/* ---- the packet loop ---- */

static int handle(struct gdb *g, int n, bool *done)
{
    struct wf_emu_cpu *e = g->e;
    uc_engine *uc = e->uc;
    char *p = g->in;
    static char out[PACKET_MAX + 1];
    uint32_t addr, len;
    (void)n;
    switch (p[0]) {
    case 0x03:
        return 0; /* not running: nothing to interrupt */
    case '?':
        return stop_reply(g);
    case 'g': {
        char *o = out;
        for (unsigned r = 0; r < NREGS; r++) {
            unsigned bytes;
            uint64_t v = 0;
            uc_reg_read(uc, reg_id(r, &bytes), &v);
            put_hex(o, (const uint8_t *)&v, bytes); /* little-endian, as the target */
            o += 2 * bytes;
        }
        return reply(g, out);
    }
    case 'G': {
        const char *s = p + 1;
        for (unsigned r = 0; r < NREGS && *s; r++) {
            unsigned bytes;
            int id = reg_id(r, &bytes);
            uint64_t v = 0;
            if (!get_hex(s, (uint8_t *)&v, bytes)) {
                return reply(g, "E01");
            }
            uc_reg_write(uc, id, &v);
            s += 2 * bytes;
        }
        return reply(g, "OK");
    }
    case 'p': {
        unsigned bytes;
        int id = reg_id((unsigned)strtoul(p + 1, NULL, 16), &bytes);
        uint64_t v = 0;
        if (id < 0) {
            return reply(g, "E01");
        }
        uc_reg_read(uc, id, &v);
        put_hex(out, (const uint8_t *)&v, bytes);
        return reply(g, out);
    }
    case 'P': {
        char *eq;
        unsigned bytes;
        int id = reg_id((unsigned)strtoul(p + 1, &eq, 16), &bytes);
        uint64_t v = 0;
        if (id < 0 || *eq != '=' || !get_hex(eq + 1, (uint8_t *)&v, bytes)) {
            return reply(g, "E01");
        }
        uc_reg_write(uc, id, &v);
        return reply(g, "OK");
    }
    case 'm': {
        const uint8_t *m;
        if (!parse_addr_len(p + 1, &addr, &len, NULL) || (m = mem(e->b, addr, len)) == NULL) {
            return reply(g, "E01");
        }
        put_hex(out, m, len);
        return reply(g, out);
    }
    case 'M': {
        const char *rest;
        uint8_t data[PACKET_MAX / 2];
        if (!parse_addr_len(p + 1, &addr, &len, &rest) || *rest != ':' || !get_hex(rest + 1, data, len)) {
            return reply(g, "E01");
        }
        return mem_write(g, addr, data, len);
    }
    case 'X': {
        const char *rest;
        if (!parse_addr_len(p + 1, &addr, &len, &rest) || *rest != ':' ||
            (size_t)(n - (rest + 1 - p)) < len) {
            return reply(g, "E01");
        }
        return len == 0 ? reply(g, mem(e->b, addr, 1) ? "OK" : "E01")
                        : mem_write(g, addr, (const uint8_t *)rest + 1, len);
    }
    case 'Z':
    case 'z':
        return point(g, p[0] == 'Z');
    case 'c':
    case 's':
        if (p[1]) { /* resume at an address */
            uint32_t a = (uint32_t)strtoul(p + 1, NULL, 16) & ~1u;
            uc_reg_write(uc, UC_ARM_REG_PC, &a);
        }
        return resume(g, p[0] == 's');
    case 'k':
        if (!g->ended && e->b->stop == WF_EMU_STOP_NONE) {
            e->b->stop = WF_EMU_STOP_EXIT;
            e->b->exit_code = WF_EMU_EXIT_GDB_KILL;
            snprintf(e->b->stop_msg, sizeof e->b->stop_msg, "killed from gdb");
        }
        *done = true;
        return 0;
    case 'D':
        *done = true;
        return reply(g, "OK");
    case 'H':
        return reply(g, "OK");
    case 'T':
        return reply(g, "OK");
    case 'q':
        if (strncmp(p, "qSupported", 10) == 0) {
            snprintf(out, sizeof out, "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+", PACKET_MAX);
            return reply(g, out);
        }
        if (strncmp(p, "qXfer:features:read:target.xml:", 31) == 0) {
            unsigned long off = strtoul(p + 31, NULL, 16), want = strtoul(strchr(p + 31, ',') + 1, NULL, 16);
            size_t total = sizeof target_xml - 1;
            if (off >= total) {
                return reply(g, "l");
            }
            size_t chunk = total - off < want ? total - off : want;
            if (chunk > PACKET_MAX - 2) {
                chunk = PACKET_MAX - 2;
            }
            out[0] = off + chunk >= total ? 'l' : 'm';
            memcpy(out + 1, target_xml + off, chunk);
            return reply_n(g, out, chunk + 1);
        }
        if (strcmp(p, "qAttached") == 0) {
            return reply(g, "1");
        }
        if (strcmp(p, "qC") == 0) {
            return reply(g, "QC1");
        }
        if (strcmp(p, "qfThreadInfo") == 0) {
            return reply(g, "m1");
        }
        if (strcmp(p, "qsThreadInfo") == 0) {
            return reply(g, "l");
        }
        if (strncmp(p, "qSymbol", 7) == 0) {
            return reply(g, "OK");
        }
        return reply(g, "");
    case 'v':
        if (strncmp(p, "vKill", 5) == 0) {
            p[0] = 'k';
            p[1] = '\0';
            int rc = handle(g, 1, done);
            return rc == 0 ? reply(g, "OK") : rc;
        }
        return reply(g, "");
    default:
        return reply(g, "");
    }
}

int wf_emu_gdb_exit_code(const struct wf_emu *b)
{
    return wf_emu_exit_code(b);
}

int wf_emu_gdb_serve(struct wf_emu_cpu *e, uint16_t port)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 1) != 0) {
        fprintf(stderr, "wf-board-emu: --gdb: cannot listen on 127.0.0.1:%u: %s\n", port, strerror(errno));
        if (ls >= 0) {
            close(ls);
        }
        return -1;
    }
    fprintf(stderr, "wf-board-emu: gdb: waiting for a connection on 127.0.0.1:%u\n", port);
    int fd;
    do {
        fd = accept(ls, NULL, NULL);
    } while (fd < 0 && errno == EINTR);
    close(ls);
    if (fd < 0) {
        fprintf(stderr, "wf-board-emu: --gdb: accept: %s\n", strerror(errno));
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct gdb *g = calloc(1, sizeof *g);
    if (g == NULL) {
        close(fd);
        return -1;
    }
    g->fd = fd;
    g->e = e;
    e->debug = true;
    e->debug_poll = poll_interrupt;
    e->debug_ctx = g;
    bool done = false;
    while (!done) {
        int n = read_packet(g);
        if (n < 0) {
            break; /* gdb went away: as a detach */
        }
        if (handle(g, n, &done) != 0) {
            break;
        }
    }
    for (unsigned i = 0; i < g->nwatch; i++) {
        uc_hook_del((uc_engine *)e->uc, g->watch_hooks[i]);
    }
    e->debug = false;
    e->debug_halt = false;
    e->debug_poll = NULL;
    e->nbreakpoints = 0;
    e->step_until = 0;
    close(fd);
    free(g);
    fprintf(stderr, "wf-board-emu: gdb: %s\n",
            e->b->stop != WF_EMU_STOP_NONE ? "session over" : "detached: the run goes on");
    return 0;
}
