/* SPDX-License-Identifier: BSD-2-Clause
 *
 * libc_test: picolibc on Cairn through libsys_rt. Every test compares what
 * the C library and the runtime produce against known answers: formatted
 * output, number parsing, sorting, strings, the heap, math, errno in TLS,
 * a second thread's TLS, stdio's descriptors, time, and the start-up itself
 * (argv from the bootstrap message, named handles, constructors). It runs
 * as init (tests/qemu/libc.test) with the arguments "arg1 arg2"; main
 * returns the number of failures, and an atexit handler prints a line the
 * test run expects, proving that exit() ran the handlers and flushed stdio.
 *
 * This file: the harness, main, and the start-up tests.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "ltest.h"

int lt_argc;
char **lt_argv;

static const struct {
    const char *name;
    int (*fn)(void);
} tests[] = {
    {"args", t_args},
    {"handles", t_handles},
    {"constructors", t_constructors},
    {"printf_int", t_printf_int},
    {"printf_str", t_printf_str},
    {"printf_float", t_printf_float},
    {"sscanf", t_sscanf},
    {"strtol", t_strtol},
    {"strtoul", t_strtoul},
    {"strtod", t_strtod},
    {"string", t_string},
    {"memory_ops", t_memory_ops},
    {"qsort_bsearch", t_qsort_bsearch},
    {"malloc_sizes", t_malloc_sizes},
    {"malloc_churn", t_malloc_churn},
    {"realloc", t_realloc},
    {"malloc_large", t_malloc_large},
    {"malloc_limits", t_malloc_limits},
    {"math", t_math},
    {"errno_tls", t_errno_tls},
    {"tls_thread", t_tls_thread},
    {"stdio_fds", t_stdio_fds},
    {"time", t_time},
    {"setjmp", t_setjmp},
    {"errors", t_errors},
    {"environ", t_environ},
    {"loop_order", t_loop_order},
    {"loop_remove", t_loop_remove},
    {"loop_post_quit", t_loop_post_quit},
    {"srv_dispatch", t_srv_dispatch},
    {"srv_fairness", t_srv_fairness},
};

static const char *current = "?";
static bool reported;

static void fail_line(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_line(const char *file, int line, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    printf("utest: FAIL %s: %s:%d: %s\n", current, file, line, msg);
    reported = true;
}

bool lt_check(const char *file, int line, bool ok, const char *expr)
{
    if (!ok)
        fail_line(file, line, "%s", expr);
    return ok;
}

bool lt_int(const char *file, int line, long long got, long long want, const char *expr)
{
    if (got != want)
        fail_line(file, line, "%s (got %lld, want %lld)", expr, got, want);
    return got == want;
}

bool lt_str(const char *file, int line, const char *got, const char *want, const char *expr)
{
    bool ok = got && strcmp(got, want) == 0;
    if (!ok)
        fail_line(file, line, "%s (got \"%s\", want \"%s\")", expr, got ? got : "(null)", want);
    return ok;
}

bool lt_near(const char *file, int line, double got, double want, double tol, const char *expr)
{
    double scale = fabs(want) > 1.0 ? fabs(want) : 1.0;
    bool ok = fabs(got - want) <= tol * scale;
    if (!ok)
        fail_line(file, line, "%s (got %.17g, want %.17g)", expr, got, want);
    return ok;
}

bool lt_fmt(const char *file, int line, const char *want, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    bool ok = strcmp(buf, want) == 0 && n == (int)strlen(want);
    if (!ok)
        fail_line(file, line, "format \"%s\" (got \"%s\" (%d), want \"%s\" (%zu))", fmt, buf, n, want,
                  strlen(want));
    return ok;
}

/* ---- start-up ---------------------------------------------------------- */

int t_args(void)
{
    LT_INT(lt_argc, 3);
    LT_STR(lt_argv[0], "libc_test");
    LT_STR(lt_argv[1], "arg1");
    LT_STR(lt_argv[2], "arg2");
    LT_CHECK(lt_argv[3] == NULL);
    return 0;
}

/* As init, the program gets every boot module as a vmo named after it and
 * the root resources mmio, irq, ioport and dma. */
int t_handles(void)
{
    handle_info_t info;
    handle_t self = libsys_handle("libc_test");
    LT_CHECK(self != HANDLE_INVALID);
    LT_INT(sys_handle_info(self, &info), OK);
    LT_INT(info.kind, KIND_VMO);
    LT_CHECK(libsys_handle("no-such-handle") == HANDLE_INVALID);
    LT_CHECK(libsys_handle("") == HANDLE_INVALID);

    static const char *const roots[] = {"mmio", "irq", "ioport", "dma"};
    for (size_t i = 0; i < 4; i++) {
        handle_t h = libsys_handle(roots[i]);
        LT_CHECK(h != HANDLE_INVALID);
        LT_INT(sys_handle_info(h, &info), OK);
        LT_INT(info.kind, KIND_RESOURCE);
    }

    size_t n = libsys_handle_count();
    LT_CHECK(n >= 5);
    const char *name = NULL;
    LT_CHECK(libsys_handle_at(0, &name) != HANDLE_INVALID && name != NULL);
    LT_CHECK(libsys_handle_at(n, &name) == HANDLE_INVALID);

    /* Taking moves ownership: the runtime forgets it. */
    handle_t dma = libsys_handle_take("dma");
    LT_CHECK(dma != HANDLE_INVALID);
    LT_CHECK(libsys_handle("dma") == HANDLE_INVALID);
    LT_CHECK(libsys_handle_take("dma") == HANDLE_INVALID);
    LT_INT(libsys_handle_count(), n - 1);
    LT_INT(sys_handle_close(dma), OK);

    /* The kernel sends one message and closes its end. */
    handle_t boot = libsys_bootstrap_channel();
    LT_CHECK(boot != HANDLE_INVALID);
    char byte;
    chan_sizes_t sz = {1, 0};
    LT_INT(sys_chan_read(boot, &byte, NULL, &sz), ERR_PEER_CLOSED);
    return 0;
}

/* Constructors run in priority order before main; plain ones after the
 * prioritized ones. */
static int ctor_order[3], ctor_calls;

__attribute__((constructor(101))) static void ctor_first(void)
{
    ctor_order[ctor_calls++ % 3] = 1;
}

__attribute__((constructor(200))) static void ctor_second(void)
{
    ctor_order[ctor_calls++ % 3] = 2;
}

__attribute__((constructor)) static void ctor_plain(void)
{
    ctor_order[ctor_calls++ % 3] = 3;
}

int t_constructors(void)
{
    LT_INT(ctor_calls, 3);
    LT_INT(ctor_order[0], 1);
    LT_INT(ctor_order[1], 2);
    LT_INT(ctor_order[2], 3);
    return 0;
}

/* atexit handlers run last registered first; the first one registered
 * prints the line the test run expects only if the second ran before it.
 * It prints to stderr: stdout still holds main's unterminated last line,
 * which exit's flush and _exit must get out after the handlers. */
static volatile int atexit_second_ran;

static void atexit_first(void)
{
    fprintf(stderr, "libc_test: atexit handlers ran %s\n", atexit_second_ran ? "in order" : "OUT OF ORDER");
}

static void atexit_second(void)
{
    atexit_second_ran = 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "env-child") == 0)
        return lt_env_child(argc, argv); /* started by t_environ */
    lt_argc = argc;
    lt_argv = argv;
    if (atexit(atexit_first) != 0 || atexit(atexit_second) != 0)
        printf("libc_test: atexit failed\n");

    int n = (int)(sizeof tests / sizeof tests[0]), passed = 0, failed = 0;
    printf("utest: running %d tests\n", n);
    for (int i = 0; i < n; i++) {
        current = tests[i].name;
        reported = false;
        int r = tests[i].fn();
        if (r == 0) {
            printf("utest: PASS %s\n", current);
            passed++;
        } else {
            if (!reported)
                printf("utest: FAIL %s: returned %d\n", current, r);
            failed++;
        }
    }
    printf("utest: done, %d passed, %d failed\n", passed, failed);
    fprintf(stderr, "libc_test: stderr %s %d\n", "works", 42);
    /* No newline: exit's flush and _exit must still get this out. */
    printf("libc_test: unterminated last line");
    return failed;
}
