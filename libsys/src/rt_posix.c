/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The POSIX calls picolibc leaves to the system, but for time (rt_time.c):
 * those its stdio stands on (posix-console), where descriptors 0, 1 and 2
 * are the only ones and there is no file system, and getentropy.
 *
 *   write(1|2)  with a console session (cairn/streams.h): console writes
 *               (rt_stdio.c). Without one, the kernel log, one
 *               sys_debug_write per line: each descriptor gathers bytes
 *               until a newline (or a full DEBUG_LINE_MAX line) because the
 *               log prefixes every write with the process name and ends it
 *               with a newline. stderr reaches write() a byte at a time
 *               (picolibc gives it a one-byte buffer), so this gathering is
 *               what keeps its lines whole. _exit writes what is left
 *               (rt_console_flush).
 *   read(0)     with a console session: a console read (rt_stdio.c);
 *               without one, end of file.
 *   others      lseek: ESPIPE on 0-2; open, stat: ENOENT (no file system
 *               yet); every other descriptor: EBADF.
 *   getentropy  ENOSYS: no entropy source is wired up yet (nothing in the
 *               runtime needs one; rdrand is not on every CPU model).
 * Not thread-safe: two threads printing at once may mix their bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn/runtime.h"
#include "cairn/streams.h"
#include "rt_private.h"

#define DEBUG_LINE_MAX 1024 /* sys_debug_write's limit */

typedef struct line_buf {
    size_t len;
    char bytes[DEBUG_LINE_MAX];
} line_buf_t;

static line_buf_t out_lines[2]; /* stdout, stderr */

static void line_emit(line_buf_t *lb)
{
    sys_debug_write(lb->bytes, lb->len);
    lb->len = 0;
}

void rt_console_flush(void)
{
    for (size_t i = 0; i < 2; i++)
        if (out_lines[i].len)
            line_emit(&out_lines[i]);
}

ssize_t write(int fd, const void *buf, size_t len)
{
    if (fd != STDOUT_FILENO && fd != STDERR_FILENO) {
        errno = EBADF;
        return -1;
    }
    if (libsys_stdio() != HANDLE_INVALID) {
        ssize_t n = rt_stdio_write(buf, len);
        if (n >= 0 || libsys_stdio() != HANDLE_INVALID)
            return n;
        /* The console went away: the log takes this write and the rest. */
    }
    line_buf_t *lb = &out_lines[fd - STDOUT_FILENO];
    const char *p = buf;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\n') {
            line_emit(lb);
            continue;
        }
        lb->bytes[lb->len++] = p[i];
        if (lb->len == DEBUG_LINE_MAX)
            line_emit(lb);
    }
    return (ssize_t)len;
}

ssize_t read(int fd, void *buf, size_t len)
{
    if (fd != STDIN_FILENO) {
        errno = EBADF;
        return -1;
    }
    if (libsys_stdio() != HANDLE_INVALID)
        return rt_stdio_read(buf, len);
    return 0;
}

static int is_std(int fd)
{
    return fd >= STDIN_FILENO && fd <= STDERR_FILENO;
}

off_t lseek(int fd, off_t off, int whence)
{
    (void)off;
    (void)whence;
    errno = is_std(fd) ? ESPIPE : EBADF;
    return -1;
}

/* The three standard descriptors stay usable after close (fclose(stdout)
 * must not lose output still in the line buffer); others do not exist. */
int close(int fd)
{
    if (!is_std(fd)) {
        errno = EBADF;
        return -1;
    }
    if (fd != STDIN_FILENO && out_lines[fd - STDOUT_FILENO].len)
        line_emit(&out_lines[fd - STDOUT_FILENO]);
    return 0;
}

int isatty(int fd)
{
    if (!is_std(fd)) {
        errno = EBADF;
        return 0;
    }
    return 1;
}

int fstat(int fd, struct stat *st)
{
    if (!is_std(fd)) {
        errno = EBADF;
        return -1;
    }
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFCHR | 0620;
    return 0;
}

int open(const char *path, int flags, ...)
{
    (void)path;
    (void)flags;
    errno = ENOENT;
    return -1;
}

int stat(const char *path, struct stat *st)
{
    (void)path;
    (void)st;
    errno = ENOENT;
    return -1;
}

int unlink(const char *path)
{
    (void)path;
    errno = ENOENT;
    return -1;
}

int getentropy(void *buf, size_t len)
{
    (void)buf;
    (void)len;
    errno = ENOSYS;
    return -1;
}
