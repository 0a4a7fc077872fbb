/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The self-test runner: walks the .ktests section (collected by the linker
 * script), runs the selected tests in order and prints one verdict line
 * each. A name in the spec that matches no test is itself a failure, so a
 * renamed test cannot silently stop running.
 */
#include "test/ktest.h"
#include "init/cmdline.h"
#include "lib/kstring.h"
#include "lib/log.h"

extern const ktest_t __ktests_start[], __ktests_end[];

static const char *current;
static bool failure_reported;

void ktest_report_failure(const char *file, int line, const char *expr)
{
    klog(LOG_ERROR, "ktest: FAIL %s: %s:%d: %s", current, file, line, expr);
    failure_reported = true;
}

static bool run_one(const ktest_t *t)
{
    current = t->name;
    failure_reported = false;
    klog(LOG_INFO, "ktest: RUN %s", t->name);
    int err = t->fn();
    if (err == OK) {
        klog(LOG_INFO, "ktest: PASS %s", t->name);
        return true;
    }
    if (!failure_reported)
        klog(LOG_ERROR, "ktest: FAIL %s: returned error %d", t->name, err);
    return false;
}

static bool exists(const char *name)
{
    for (const ktest_t *t = __ktests_start; t < __ktests_end; t++)
        if (strcmp(t->name, name) == 0)
            return true;
    return false;
}

/* Names in the spec that match nothing. */
static int check_unknown(const char *spec)
{
    int unknown = 0;
    char name[64];
    for (const char *p = spec; *p;) {
        size_t len = 0;
        while (p[len] && p[len] != ',')
            len++;
        if (len > 0 && !(len == 3 && strncmp(p, "all", 3) == 0)) {
            size_t n = MIN(len, sizeof name - 1);
            memcpy(name, p, n);
            name[n] = '\0';
            if (!exists(name)) {
                klog(LOG_ERROR, "ktest: FAIL %s: no such test", name);
                unknown++;
            }
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return unknown;
}

static bool selected_by(const ktest_t *t, const char *spec, bool all)
{
    return cmdline_list_contains(spec, t->name) || (all && !t->manual);
}

int ktest_run(const char *spec)
{
    bool all = cmdline_list_contains(spec, "all");
    int passed = 0, failed = check_unknown(spec), selected = 0;
    for (const ktest_t *t = __ktests_start; t < __ktests_end; t++)
        selected += selected_by(t, spec, all);
    /* The runner checks that this many verdict lines follow. */
    klog(LOG_INFO, "ktest: running %d tests", selected);
    for (const ktest_t *t = __ktests_start; t < __ktests_end; t++) {
        if (!selected_by(t, spec, all))
            continue;
        if (run_one(t))
            passed++;
        else
            failed++;
    }
    klog(LOG_INFO, "ktest: done, %d passed, %d failed", passed, failed);
    return failed;
}
