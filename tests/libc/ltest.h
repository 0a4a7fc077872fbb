/*
 * The harness of libc_test: each test is an int fn(void) returning 0 on
 * success; a failed check prints one verdict line and makes the test
 * return -1 at once. Lines use the in-guest suite format the runner counts
 * (suite name "utest"):
 *     utest: PASS name
 *     utest: FAIL name: file:line: check (got ..., want ...)
 */
#ifndef TESTS_LIBC_LTEST_H
#define TESTS_LIBC_LTEST_H

#include <stdbool.h>

/* Each reports the failure (if the check fails) and returns whether it
 * held. */
bool lt_check(const char *file, int line, bool ok, const char *expr);
bool lt_int(const char *file, int line, long long got, long long want, const char *expr);
bool lt_str(const char *file, int line, const char *got, const char *want, const char *expr);
bool lt_near(const char *file, int line, double got, double want, double tol, const char *expr);
/* snprintf(fmt, ...) into a buffer, then compares the text with want and
 * the return value with strlen(want). */
bool lt_fmt(const char *file, int line, const char *want, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define LT_CHECK(c)                                                             \
    do {                                                                        \
        if (!lt_check(__FILE__, __LINE__, (c), #c))                             \
            return -1;                                                          \
    } while (0)
#define LT_INT(got, want)                                                       \
    do {                                                                        \
        if (!lt_int(__FILE__, __LINE__, (long long)(got), (long long)(want), #got)) \
            return -1;                                                          \
    } while (0)
#define LT_STR(got, want)                                                       \
    do {                                                                        \
        if (!lt_str(__FILE__, __LINE__, (got), (want), #got))                   \
            return -1;                                                          \
    } while (0)
/* |got - want| <= tol * max(1, |want|) */
#define LT_NEAR(got, want, tol)                                                 \
    do {                                                                        \
        if (!lt_near(__FILE__, __LINE__, (got), (want), (tol), #got))           \
            return -1;                                                          \
    } while (0)
#define LT_FMT(want, ...)                                                       \
    do {                                                                        \
        if (!lt_fmt(__FILE__, __LINE__, (want), __VA_ARGS__))                   \
            return -1;                                                          \
    } while (0)

/* The program's own argc/argv, for the argument tests. */
extern int lt_argc;
extern char **lt_argv;

/* Tests, by file. */
int t_args(void);
int t_handles(void);
int t_constructors(void);
int t_printf_int(void);
int t_printf_str(void);
int t_printf_float(void);
int t_sscanf(void);
int t_strtol(void);
int t_strtoul(void);
int t_strtod(void);
int t_string(void);
int t_memory_ops(void);
int t_qsort_bsearch(void);
int t_malloc_sizes(void);
int t_malloc_churn(void);
int t_realloc(void);
int t_malloc_large(void);
int t_malloc_limits(void);
int t_math(void);
int t_errno_tls(void);
int t_tls_thread(void);
int t_stdio_fds(void);
int t_time(void);
int t_setjmp(void);
int t_errors(void);
int t_environ(void);
/* libc_test env-child: the child t_environ starts (t_env.c). */
int lt_env_child(int argc, char **argv);
int t_loop_order(void);
int t_loop_remove(void);
int t_loop_post_quit(void);
int t_srv_dispatch(void);
int t_srv_fairness(void);

#endif
