/*
 * The C library's system calls for a bare-metal STM32F4 (newlib-nano's, and picolibc's
 * at the end; cmake/arm-none-eabi.cmake, WF_LIBC): the console is the board's USART
 * (fd 1 and 2 / stdout and stderr; fd 0 / stdin reads it without blocking), the heap is
 * the linker's fixed region [_heap_start, _heap_end) with a high-water mark, everything
 * else is minimal. wizfetch itself never mallocs; mbedTLS uses a static pool. The heap
 * serves the C library and whatever the application wants.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#if defined(__PICOLIBC__)
#include <stdio.h>
#endif

#include "port_stm32f4.h"
#include "stm32f4_sys.h"
#include "usart.h"

extern uint8_t _heap_start, _heap_end;

/* Prototypes (newlib calls these by name; declared here for -Wmissing-prototypes). */
int _write(int fd, const char *buf, int len);
int _read(int fd, char *buf, int len);
int _close(int fd);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);
int _lseek(int fd, int offset, int whence);
void *_sbrk(ptrdiff_t incr);
void _exit(int status);
int _kill(int pid, int sig);
int _getpid(void);
int _gettimeofday(struct timeval *tv, void *tz);
#if defined(__PICOLIBC__)
void *sbrk(ptrdiff_t incr);
#endif

static uint8_t *heap_brk = &_heap_start;
static size_t heap_peak;

int _write(int fd, const char *buf, int len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    if (len > 0) {
        stm32f4_console_write_text(buf, (size_t)len);
    }
    return len;
}

int _read(int fd, char *buf, int len)
{
    if (fd != 0) {
        errno = EBADF;
        return -1;
    }
    /* Whatever has arrived, possibly nothing: a console read never blocks the firmware. */
    int n = 0;
    while (n < len) {
        int c = stm32f4_console_getc();
        if (c < 0) {
            break;
        }
        buf[n++] = (char)c;
    }
    return n;
}

int _close(int fd)
{
    (void)fd;
    return -1;
}

int _fstat(int fd, struct stat *st)
{
    (void)fd;
    st->st_mode = S_IFCHR; /* a character device: newlib then buffers by line */
    return 0;
}

int _isatty(int fd)
{
    return fd >= 0 && fd <= 2;
}

int _lseek(int fd, int offset, int whence)
{
    (void)fd;
    (void)offset;
    (void)whence;
    return 0;
}

void *_sbrk(ptrdiff_t incr)
{
    uint8_t *old = heap_brk;
    if (incr < 0 ? (size_t)-incr > (size_t)(heap_brk - &_heap_start)
                 : (size_t)incr > (size_t)(&_heap_end - heap_brk)) {
        errno = ENOMEM;
        return (void *)-1;
    }
    heap_brk += incr;
    size_t used = (size_t)(heap_brk - &_heap_start);
    if (used > heap_peak) {
        heap_peak = used;
    }
    return old;
}

size_t stm32f4_heap_size(void)
{
    return (size_t)(&_heap_end - &_heap_start);
}

size_t stm32f4_heap_high_water(void)
{
    return heap_peak;
}

void _exit(int status)
{
    (void)status;
    for (;;) {
    }
}

int _kill(int pid, int sig)
{
    (void)pid;
    (void)sig;
    errno = EINVAL;
    return -1;
}

int _getpid(void)
{
    return 1;
}

/* time(): the wall clock once something (SNTP) set it; until then there is no
 * time to give (mbedTLS gets its clock through the port, not through this). */
int _gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    int64_t now = stm32f4_unix_time();
    if (now < 0) {
        errno = ENOSYS;
        return -1;
    }
    if (tv != NULL) {
        tv->tv_sec = (time_t)now;
        tv->tv_usec = 0;
    }
    return 0;
}

#if defined(__PICOLIBC__)
/* picolibc: its malloc grows the heap with sbrk() and its time() asks gettimeofday(),
 * the same calls under their plain names; its stdio writes through the streams below. */
void *sbrk(ptrdiff_t incr)
{
    return _sbrk(incr);
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    return _gettimeofday(tv, tz);
}

static int console_put(char c, FILE *f)
{
    (void)f;
    stm32f4_console_write_text(&c, 1);
    return (unsigned char)c;
}

static int console_get(FILE *f)
{
    (void)f;
    int c = stm32f4_console_getc();
    return c < 0 ? _FDEV_EOF : c; /* never blocks, like _read */
}

static FILE console = FDEV_SETUP_STREAM(console_put, console_get, NULL, _FDEV_SETUP_RW);
FILE *const stdin = &console;
FILE *const stdout = &console;
FILE *const stderr = &console;
#endif
