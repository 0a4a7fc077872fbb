/*
 * The in-guest system test harness (utest). Tests are functions registered
 * with UTEST(name); the program runs them all, or one per fresh child
 * process where the test says so (utest_spawn). Each prints one verdict
 * line the host runner counts:
 *     utest: PASS name
 *     utest: FAIL name: file:line: expression (got X)
 * and the run ends with "utest: done, N passed, M failed"; the exit status
 * is the number of failures.
 */
#ifndef TESTS_USER_UTEST_H
#define TESTS_USER_UTEST_H

#include "cairn/sys.h"

typedef struct utest {
    const char *name;
    int (*fn)(void);
} utest_t;

#define UTEST(tname)                                                            \
    static int utest_fn_##tname(void);                                          \
    __attribute__((section(".utests"), used)) static const utest_t utest_##tname = {#tname, utest_fn_##tname}; \
    static int utest_fn_##tname(void)

void ut_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ut_fail(const char *file, int line, const char *expr, long long got);

#define UT_CHECK(cond)                                                          \
    do {                                                                        \
        if (!(cond)) {                                                          \
            ut_fail(__FILE__, __LINE__, #cond, 0);                              \
            return -1;                                                          \
        }                                                                       \
    } while (0)

/* Check a call's result code; prints what it got. */
#define UT_EQ(expr, want)                                                       \
    do {                                                                        \
        long long ut_got_ = (long long)(expr);                                  \
        if (ut_got_ != (long long)(want)) {                                     \
            ut_fail(__FILE__, __LINE__, #expr " == " #want, ut_got_);           \
            return -1;                                                          \
        }                                                                       \
    } while (0)

/* ---- child processes ------------------------------------------------- */

/* Child bodies, run in a fresh process started with "child=NAME". */
typedef struct uchild {
    const char *name;
    int (*fn)(handle_t chan);
} uchild_t;

#define UCHILD(cname)                                                           \
    static int uchild_fn_##cname(handle_t chan);                                \
    __attribute__((section(".utests.child"), used)) static const uchild_t uchild_##cname = {#cname, uchild_fn_##cname}; \
    static int uchild_fn_##cname(handle_t chan)

/*
 * Start a fresh process running child body `name`, with a channel to it:
 * *chan gets the parent's end (the child's end is its `chan` argument).
 * Extra handles (moved to the child) arrive as the first message on that
 * channel. Returns OK or an error.
 */
int utest_spawn(const char *name, handle_t *proc, handle_t *chan, const handle_t *extra, uint32_t nextra);
/* Wait for a process to end; returns its info. */
int utest_wait(handle_t proc, process_info_t *info);

/* The utest binary itself (a vmo), for spawning. */
extern handle_t utest_image;
/* The channel the bootstrap message came on (main's argument). */
extern handle_t ut_boot;
/* Handles from the bootstrap message other than the image, in order (a
 * child's extra handles), and by name (init's root resources: "mmio",
 * "irq", "ioport", "dma"). */
extern handle_t ut_extra[CHAN_MAX_HANDLES];
extern uint32_t ut_nextra;
handle_t ut_named(const char *name);

static inline uint64_t ut_now(void) { return (uint64_t)sys_clock_get(); }
#define UT_MS 1000000ull

#endif
