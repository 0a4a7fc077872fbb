/* SPDX-License-Identifier: BSD-2-Clause
 *
 * utest: the in-guest system test program. Started as init by the kernel
 * (init=utest) it reads its bootstrap message, runs every UTEST and reports;
 * started by itself with "child=NAME" it runs that child body instead (the
 * tests that need a fresh process: faults, kills, quotas, sharing). The
 * benchmarks are a program of their own (tools/bench/cairn).
 */
#include <stdarg.h>

#include "lib/kprintf.h"
#include "lib/kstring.h"
#include "utest.h"

extern const utest_t __utests_start[], __utests_end[];
extern const uchild_t __uchildren_start[], __uchildren_end[];

handle_t utest_image;
handle_t ut_boot;
handle_t ut_extra[CHAN_MAX_HANDLES];
uint32_t ut_nextra;
static char extra_names[CHAN_MAX_HANDLES][BOOTSTRAP_NAME_MAX];

handle_t ut_named(const char *name)
{
    for (uint32_t i = 0; i < ut_nextra; i++)
        if (strcmp(extra_names[i], name) == 0)
            return ut_extra[i];
    return HANDLE_INVALID;
}
static const char *current_test = "?";
static bool failure_reported;

void ut_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sys_debug_write(buf, (size_t)MIN(n, (int)sizeof buf - 1));
}

void ut_fail(const char *file, int line, const char *expr, long long got)
{
    ut_printf("utest: FAIL %s: %s:%d: %s (got %lld)", current_test, file, line, expr, got);
    failure_reported = true;
}

static const char *strstr_simple(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

/* Read the bootstrap message: arguments, then named handles. */
static int read_bootstrap(handle_t boot, bootstrap_msg_t *msg, handle_t *hs)
{
    uint32_t seen;
    int64_t err = sys_object_wait(boot, SIG_READABLE, DEADLINE_INFINITE, &seen);
    if (err != OK)
        return (int)err;
    chan_sizes_t sz = {sizeof *msg, CHAN_MAX_HANDLES};
    err = sys_chan_read(boot, msg, hs, &sz);
    if (err != OK)
        return (int)err;
    if (sz.bytes != sizeof *msg || msg->magic != BOOTSTRAP_MAGIC || msg->nhandles != sz.handles)
        return ERR_CORRUPT;
    msg->args[BOOTSTRAP_ARGS_MAX - 1] = '\0';
    return OK;
}

static int run_child(const char *name, handle_t chan)
{
    for (const uchild_t *c = __uchildren_start; c < __uchildren_end; c++)
        if (strcmp(c->name, name) == 0)
            return c->fn(chan);
    ut_printf("utest: child '%s' does not exist", name);
    return 99;
}

static int run_all(void)
{
    int n = (int)(__utests_end - __utests_start), passed = 0, failed = 0;
    ut_printf("utest: running %d tests", n);
    for (const utest_t *t = __utests_start; t < __utests_end; t++) {
        current_test = t->name;
        failure_reported = false;
        int r = t->fn();
        if (r == 0) {
            ut_printf("utest: PASS %s", t->name);
            passed++;
        } else {
            if (!failure_reported)
                ut_printf("utest: FAIL %s: returned %d", t->name, r);
            failed++;
        }
    }
    ut_printf("utest: done, %d passed, %d failed", passed, failed);
    return failed;
}

int main(handle_t boot)
{
    static bootstrap_msg_t msg;
    handle_t hs[CHAN_MAX_HANDLES];
    ut_boot = boot;
    int err = read_bootstrap(boot, &msg, hs);
    if (err != OK) {
        ut_printf("utest: cannot read the bootstrap message: error %d", err);
        return 100;
    }
    for (uint32_t i = 0; i < msg.nhandles; i++) {
        if (strcmp(msg.handle_names[i], "utest") == 0 && !utest_image)
            utest_image = hs[i];
        else if (ut_nextra < CHAN_MAX_HANDLES) {
            memcpy(extra_names[ut_nextra], msg.handle_names[i], BOOTSTRAP_NAME_MAX);
            extra_names[ut_nextra][BOOTSTRAP_NAME_MAX - 1] = '\0';
            ut_extra[ut_nextra++] = hs[i];
        }
    }
    const char *child = strstr_simple(msg.args, "child=");
    if (child) {
        current_test = child + 6;
        return run_child(child + 6, boot);
    }
    if (!utest_image) {
        ut_printf("utest: no 'utest' module among the bootstrap handles");
        return 101;
    }
    return run_all();
}

/* kassert() in the borrowed kernel code (elf.c) ends up here. */
void panic(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ut_printf("utest: internal error: %s", buf);
    sys_process_exit(102);
    __builtin_unreachable();
}
