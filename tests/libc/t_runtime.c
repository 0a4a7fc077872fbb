/* SPDX-License-Identifier: BSD-2-Clause
 *
 * libc_test: what the runtime adds under picolibc. errno lives in TLS (a
 * second thread with its own TLS area sees its own errno and its own copy
 * of initialized and zeroed thread-locals); the standard descriptors and
 * the absent file system answer with the documented errors; the clocks
 * move forward and nanosleep waits; setjmp/longjmp; the Cairn error
 * helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "ltest.h"

static __thread int tls_counter = 12345; /* .tdata */
static __thread char tls_zeroes[64];     /* .tbss */

static void *thread_pointer(void)
{
    void *tp;
    __asm__ volatile("movq %%fs:0, %0" : "=r"(tp));
    return tp;
}

int t_errno_tls(void)
{
    errno = 0;
    LT_INT(strtol("99999999999999999999", NULL, 10), LONG_MAX);
    LT_INT(errno, ERANGE);
    errno = 0;
    LT_INT(errno, 0);
    /* %fs:0 holds the thread pointer itself (variant II's TCB). */
    LT_CHECK(thread_pointer() != NULL);
    LT_CHECK((char *)&errno < (char *)thread_pointer());
    LT_CHECK((char *)thread_pointer() - (char *)&errno <= (ptrdiff_t)libsys_tls_size());
    LT_INT(tls_counter, 12345);
    for (size_t i = 0; i < sizeof tls_zeroes; i++)
        LT_INT(tls_zeroes[i], 0);
    return 0;
}

/* What the second thread saw, read by the main thread after it ended. */
static struct {
    void *tp;
    int *errno_addr;
    int errno_after;
    int counter_before;
    int zeroes_ok;
} seen;

__attribute__((noreturn)) static void thread_main(uint64_t tp)
{
    sys_thread_set_fs(tp);
    seen.tp = thread_pointer();
    seen.counter_before = tls_counter;
    tls_counter = 777;
    seen.zeroes_ok = 1;
    for (size_t i = 0; i < sizeof tls_zeroes; i++)
        seen.zeroes_ok &= tls_zeroes[i] == 0;
    memset(tls_zeroes, 0xab, sizeof tls_zeroes);
    errno = 0;
    strtol("-99999999999999999999", NULL, 10);
    seen.errno_after = errno;
    seen.errno_addr = &errno;
    sys_thread_exit(0);
    __builtin_unreachable();
}

int t_tls_thread(void)
{
    enum { STACK = 64 * 1024 };
    void *tls = aligned_alloc(libsys_tls_align(), (libsys_tls_size() + libsys_tls_align() - 1) &
                                                      ~(libsys_tls_align() - 1));
    char *stack = aligned_alloc(16, STACK);
    LT_CHECK(tls != NULL && stack != NULL);
    memset(tls, 0x77, libsys_tls_size()); /* libsys_tls_init must clear .tbss */
    void *tp = libsys_tls_init(tls);
    LT_CHECK(*(void **)tp == tp);

    errno = 0;
    tls_counter = 5;
    /* At a function's entry RSP + 8 is 16-byte aligned, as after a call. */
    handle_t th;
    LT_INT(sys_thread_create(HANDLE_INVALID, (uint64_t)(uintptr_t)thread_main,
                             (uint64_t)(uintptr_t)(stack + STACK - 8), (uint64_t)(uintptr_t)tp, &th),
           OK);
    uint32_t sig = 0;
    LT_INT(sys_object_wait(th, SIG_TERMINATED, libsys_now_ns() + 5000000000ull, &sig), OK);
    LT_INT(sys_handle_close(th), OK);

    LT_CHECK(seen.tp == tp);
    LT_INT(seen.counter_before, 12345); /* its own copy of the image */
    LT_INT(seen.zeroes_ok, 1);
    LT_INT(seen.errno_after, ERANGE);
    LT_CHECK(seen.errno_addr != &errno);
    LT_CHECK((char *)seen.errno_addr < (char *)tp && (char *)seen.errno_addr >= (char *)tls);
    LT_INT(errno, 0); /* the main thread's errno was not touched */
    LT_INT(tls_counter, 5);
    LT_INT(tls_zeroes[0], 0);
    free(stack);
    free(tls);
    return 0;
}

int t_stdio_fds(void)
{
    char c;
    LT_INT(getchar(), EOF); /* no console service yet: stdin is at its end */
    LT_CHECK(feof(stdin));
    LT_INT(read(0, &c, 1), 0);
    errno = 0;
    LT_INT(write(5, "x", 1), -1);
    LT_INT(errno, EBADF);
    LT_INT(read(7, &c, 1), -1);
    LT_INT(errno, EBADF);
    LT_INT(lseek(1, 0, SEEK_SET), -1);
    LT_INT(errno, ESPIPE);
    LT_INT(close(9), -1);
    LT_INT(errno, EBADF);
    LT_INT(isatty(1), 1);
    errno = 0;
    LT_CHECK(fopen("/etc/motd", "r") == NULL);
    LT_INT(errno, ENOENT);
    /* A line written in pieces through write() comes out whole. */
    LT_INT(write(1, "libc_test: one ", 15), 15);
    LT_INT(write(1, "line\n", 5), 5);
    LT_CHECK(fputs("libc_test: via fputs\n", stdout) >= 0);
    LT_INT(fflush(stdout), 0);
    return 0;
}

int t_time(void)
{
    struct timespec a, b, res;
    LT_INT(clock_gettime(CLOCK_MONOTONIC, &a), 0);
    LT_CHECK(a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
    LT_INT(clock_getres(CLOCK_MONOTONIC, &res), 0);
    LT_CHECK(res.tv_sec == 0 && res.tv_nsec > 0);
    errno = 0;
    LT_INT(clock_gettime(12345, &b), -1);
    LT_INT(errno, EINVAL);

    uint64_t t0 = libsys_now_ns();
    struct timespec nap = {0, 10 * 1000 * 1000};
    LT_INT(nanosleep(&nap, NULL), 0);
    uint64_t t1 = libsys_now_ns();
    LT_CHECK(t1 - t0 >= 10 * 1000 * 1000);
    struct timespec bad = {0, 1000000000};
    LT_INT(nanosleep(&bad, NULL), -1);
    LT_INT(errno, EINVAL);

    LT_INT(clock_gettime(CLOCK_MONOTONIC, &b), 0);
    LT_CHECK(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec + 10000000));
    struct timeval tv;
    LT_INT(gettimeofday(&tv, NULL), 0);
    LT_CHECK(tv.tv_sec >= b.tv_sec && tv.tv_sec <= b.tv_sec + 1);
    LT_CHECK(time(NULL) >= b.tv_sec);
    clock_t c = clock();
    LT_CHECK(c != (clock_t)-1 && c >= (clock_t)(10000 * CLOCKS_PER_SEC / 1000000));
    return 0;
}

static jmp_buf jump;

static void jump_back(volatile int *depth)
{
    if (++*depth == 3)
        longjmp(jump, 42);
    jump_back(depth);
}

int t_setjmp(void)
{
    volatile int depth = 0;
    int r = setjmp(jump);
    if (r == 0) {
        jump_back(&depth);
        LT_CHECK(!"longjmp returned to its caller");
    }
    LT_INT(r, 42);
    LT_INT(depth, 3);
    return 0;
}

int t_errors(void)
{
    LT_STR(cairn_strerror(ERR_BAD_HANDLE), "bad handle");
    LT_STR(cairn_error_name(ERR_NO_MEMORY), "ERR_NO_MEMORY");
    LT_INT(libsys_errno(OK), 0);
    LT_INT(libsys_errno(ERR_NO_MEMORY), ENOMEM);
    LT_INT(libsys_errno(ERR_BAD_HANDLE), EBADF);
    LT_INT(libsys_errno(ERR_TIMED_OUT), ETIMEDOUT);
    LT_INT(libsys_errno(-1000), EIO);
    return 0;
}
