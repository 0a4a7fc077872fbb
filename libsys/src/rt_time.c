/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Time for picolibc programs, all from the kernel's monotonic clock
 * (sys_clock_get: nanoseconds since boot, microsecond granularity).
 * Cairn has no wall clock yet, so CLOCK_REALTIME, gettimeofday and time()
 * count from boot too; the epoch is the boot, not 1970.
 *
 * times() (behind clock()) has no per-process CPU time to report: that
 * needs a handle to the process itself, which a program does not get yet.
 * It reports the time since the program started as user time, so clock()
 * measures elapsed time, which equals CPU time only while the program
 * has the CPU to itself. Ticks are CLOCKS_PER_SEC (microseconds).
 */
#include <errno.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

#include "cairn/runtime.h"
#include "rt_private.h"

#define NS_PER_S 1000000000ull
#define NS_PER_TICK (NS_PER_S / CLOCKS_PER_SEC)

uint64_t libsys_now_ns(void)
{
    return (uint64_t)sys_clock_get();
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    if (id != CLOCK_MONOTONIC && id != CLOCK_REALTIME) {
        errno = EINVAL;
        return -1;
    }
    uint64_t now = libsys_now_ns();
    ts->tv_sec = (time_t)(now / NS_PER_S);
    ts->tv_nsec = (long)(now % NS_PER_S);
    return 0;
}

int clock_getres(clockid_t id, struct timespec *res)
{
    if (id != CLOCK_MONOTONIC && id != CLOCK_REALTIME) {
        errno = EINVAL;
        return -1;
    }
    if (res) {
        res->tv_sec = 0;
        res->tv_nsec = 1000;
    }
    return 0;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    (void)tz;
    if (tv) {
        uint64_t now = libsys_now_ns();
        tv->tv_sec = (time_t)(now / NS_PER_S);
        tv->tv_usec = (suseconds_t)(now % NS_PER_S / 1000);
    }
    return 0;
}

clock_t times(struct tms *t)
{
    uint64_t now = libsys_now_ns();
    if (t) {
        t->tms_utime = (clock_t)((now - rt_start_ns) / NS_PER_TICK);
        t->tms_stime = 0;
        t->tms_cutime = 0;
        t->tms_cstime = 0;
    }
    return (clock_t)(now / NS_PER_TICK);
}

/* Sleeps are not interrupted (there are no signals), so *rem is 0. */
int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= (long)NS_PER_S) {
        errno = EINVAL;
        return -1;
    }
    uint64_t now = libsys_now_ns(), sec = (uint64_t)req->tv_sec;
    uint64_t ns = sec > (UINT64_MAX - now) / NS_PER_S ? UINT64_MAX - now : sec * NS_PER_S + (uint64_t)req->tv_nsec;
    uint64_t deadline = now + ns < now ? DEADLINE_INFINITE : now + ns;
    sys_thread_sleep(deadline);
    if (rem) {
        rem->tv_sec = 0;
        rem->tv_nsec = 0;
    }
    return 0;
}
