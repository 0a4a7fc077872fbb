/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Start-up and end of a picolibc program (libsys_rt). crt0.S calls
 * libsys_start with the bootstrap channel; in order:
 *   1. the main thread's TLS, first, because errno lives there and any
 *      failing libc call below could set it;
 *   2. the bootstrap message: argv and the named handles;
 *   3. constructors (__libc_init_array: .preinit_array, .init_array);
 *   4. exit(main(argc, argv)): exit runs the atexit handlers and the
 *      destructors (stdout's flush among them), then _exit.
 * The heap needs no step: sbrk maps its first vmo on first use.
 * A failure in 1 or 2 is logged and ends the process with status
 * LIBSYS_START_FAILED before main runs.
 */
#include <stdlib.h>
#include <unistd.h>

#include "cairn/errors.h"
#include "rt_private.h"

#define LIBSYS_START_FAILED 127

int main(int argc, char **argv);
void libsys_start(handle_t bootstrap) __attribute__((noreturn));
extern void __libc_init_array(void);

uint64_t rt_start_ns;

void rt_log_error(const char *msg, int err)
{
    const char *parts[] = {"libsys: ", msg, ": ", cairn_error_name(err)};
    char line[160];
    size_t n = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        for (const char *s = parts[i]; *s && n < sizeof line; s++)
            line[n++] = *s;
    sys_debug_write(line, n);
}

void libsys_start(handle_t bootstrap)
{
    rt_start_ns = (uint64_t)sys_clock_get();
    int err = rt_tls_init_main();
    if (err != OK) {
        rt_log_error("cannot set up thread-local storage", err);
        sys_process_exit(LIBSYS_START_FAILED);
    }
    int argc;
    char **argv;
    err = rt_bootstrap_read(bootstrap, &argc, &argv);
    if (err != OK) {
        rt_log_error("cannot read the bootstrap message", err);
        sys_process_exit(LIBSYS_START_FAILED);
    }
    __libc_init_array();
    exit(main(argc, argv));
}

/* The end of every path out: exit, abort (through raise) and _exit itself.
 * Whatever stdio has flushed into a half line is written first. */
void _exit(int status)
{
    rt_console_flush();
    sys_process_exit(status);
    for (;;)
        __asm__ volatile("ud2");
}
