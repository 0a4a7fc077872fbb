/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The standard streams over a console session (cairn/streams.h). picolibc's
 * stdio buffers as usual (stdout by line, stderr not at all) and calls
 * write() and read() (rt_posix.c), which come here while a session is set:
 *
 *   write(1|2)  console write calls of at most 4096 bytes (the protocol's
 *               bound) until everything is sent;
 *   read(0)     one console read of at most min(len, 4096) bytes: what its
 *               reply holds (a cooked line, raw bytes; 0 is end of file).
 *
 * The session comes from the bootstrap handle "stdio", picked up by a
 * constructor (before any program constructor can print), or from
 * libsys_stdio_set. When the console goes away (ERR_PEER_CLOSED), the
 * streams fall back to the log for good: write() sends what the console
 * did not take to the log, and stdin reads end of file after the read
 * that failed.
 * Not thread-safe, like the rest of stdio here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cairn/runtime.h"
#include "cairn/streams.h"
#include "console.h"
#include "rt_private.h"

#define STDIO_CHUNK 4096u /* bytes<4096> in proto/console.proto */

static handle_t session = HANDLE_INVALID;

__attribute__((constructor(101))) static void stdio_init(void)
{
    session = libsys_handle("stdio");
}

handle_t libsys_stdio(void)
{
    return session;
}

void libsys_stdio_set(handle_t s)
{
    fflush(stdout);
    fflush(stderr);
    rt_console_flush();
    session = s;
}

/* A console that went away cannot come back on this channel. */
static ssize_t failed(int err)
{
    if (err == ERR_PEER_CLOSED || err == ERR_BAD_HANDLE)
        session = HANDLE_INVALID;
    errno = libsys_errno(err);
    return -1;
}

ssize_t rt_stdio_write(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    size_t done = 0;
    while (done < len) {
        uint32_t n = len - done < STDIO_CHUNK ? (uint32_t)(len - done) : STDIO_CHUNK;
        int err = console_write(session, p + done, n, DEADLINE_INFINITE);
        if (err != OK)
            return done > 0 ? (ssize_t)done : failed(err);
        done += n;
    }
    return (ssize_t)len;
}

ssize_t rt_stdio_read(void *buf, size_t len)
{
    static console_read_result_t res; /* 4 KiB: kept off small thread stacks */
    if (len == 0)
        return 0;
    uint32_t max = len < STDIO_CHUNK ? (uint32_t)len : STDIO_CHUNK;
    int err = console_read(session, max, &res, DEADLINE_INFINITE);
    if (err != OK)
        return failed(err);
    /* The validator bounds data_len by the protocol, not by max. */
    size_t n = res.data_len < max ? res.data_len : max;
    memcpy(buf, res.data, n);
    return (ssize_t)n;
}
