/*
 * Kernel self-tests, run at boot when the command line says
 * `ktest=all` or `ktest=NAME,...`. Each test reports one line the host
 * runner (tools/testrun.py) counts:
 *     ktest: PASS name
 *     ktest: FAIL name: file:line: expression
 * and the run ends with "ktest: done, N passed, M failed".
 * KTEST_MANUAL tests (the deliberately faulting ones) never run under
 * `all`: they must be named, and they end the boot with an exception report.
 */
#ifndef TEST_KTEST_H
#define TEST_KTEST_H

#include "types.h"

typedef struct ktest {
    const char *name;
    int (*fn)(void);
    bool manual;
} ktest_t;

#define KTEST_DEFINE(tname, is_manual)                                          \
    static int ktest_fn_##tname(void);                                         \
    __attribute__((section(".ktests"), used)) static const ktest_t ktest_##tname = { \
        #tname, ktest_fn_##tname, is_manual};                                  \
    static int ktest_fn_##tname(void)

#define KTEST(tname) KTEST_DEFINE(tname, false)
#define KTEST_MANUAL(tname) KTEST_DEFINE(tname, true)

void ktest_report_failure(const char *file, int line, const char *expr);

#define KT_CHECK(cond)                                                         \
    do {                                                                       \
        if (!(cond)) {                                                         \
            ktest_report_failure(__FILE__, __LINE__, #cond);                   \
            return ERR_INTERNAL;                                               \
        }                                                                      \
    } while (0)

/* Runs the tests the spec names; returns the number that failed. */
int ktest_run(const char *spec);

#endif
