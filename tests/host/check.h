/*
 * A tiny unit-test harness for host tests of pure kernel code.
 *
 *   TEST(name) { CHECK(x == 1); CHECK_EQ(a, b); }
 *   int main(void) { return RUN_TESTS(); }
 *
 * Tests register themselves through a constructor; RUN_TESTS runs each one,
 * prints "PASS name" or "FAIL name: file:line: expr" per test and a summary,
 * and returns non-zero when any test failed (ctest turns that into a failure).
 */
#ifndef TESTS_HOST_CHECK_H
#define TESTS_HOST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

typedef void (*check_fn_t)(void);

struct check_test {
    const char *name;
    check_fn_t fn;
};

#define CHECK_MAX_TESTS 256
extern struct check_test check_tests[CHECK_MAX_TESTS];
extern int check_ntests;
extern int check_failed_now;

#define TEST(name)                                                             \
    static void test_##name(void);                                             \
    __attribute__((constructor)) static void register_##name(void)             \
    {                                                                          \
        if (check_ntests < CHECK_MAX_TESTS)                                    \
            check_tests[check_ntests++] = (struct check_test){#name, test_##name}; \
    }                                                                          \
    static void test_##name(void)

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            printf("  check failed: %s:%d: %s\n", __FILE__, __LINE__, #cond);  \
            check_failed_now = 1;                                              \
        }                                                                      \
    } while (0)

#define CHECK_EQ(a, b)                                                         \
    do {                                                                       \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);        \
        if (check_a_ != check_b_) {                                            \
            printf("  check failed: %s:%d: %s == %s (%lld != %lld)\n",         \
                   __FILE__, __LINE__, #a, #b, check_a_, check_b_);            \
            check_failed_now = 1;                                              \
        }                                                                      \
    } while (0)

/* Stop the current test early (after a failed precondition). */
#define REQUIRE(cond)                                                          \
    do {                                                                       \
        CHECK(cond);                                                           \
        if (check_failed_now)                                                  \
            return;                                                            \
    } while (0)

#define CHECK_DEFINE_GLOBALS                                                   \
    struct check_test check_tests[CHECK_MAX_TESTS];                            \
    int check_ntests;                                                          \
    int check_failed_now

static inline int check_run_all(void)
{
    int failed = 0;
    for (int i = 0; i < check_ntests; i++) {
        check_failed_now = 0;
        check_tests[i].fn();
        printf("%s %s\n", check_failed_now ? "FAIL" : "PASS", check_tests[i].name);
        failed += check_failed_now;
    }
    printf("%d tests, %d failed\n", check_ntests, failed);
    return failed ? 1 : 0;
}

#define RUN_TESTS() check_run_all()

#endif
