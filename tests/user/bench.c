/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The small in-guest benchmark (utest started with the argument "bench"):
 * medians and minimums, in rdtsc units, of a null system call, a channel
 * call round trip to another process with 64 bytes, and a yield between
 * two threads. Under QEMU with -icount shift=0 an rdtsc unit is one guest
 * instruction. This measures; it asserts nothing (tools/cairn bench will
 * run it side by side with Linux).
 */
#include "lib/kstring.h"
#include "utest.h"

#define ITERS 2000
#define WARMUP 200

static uint64_t samples[ITERS];

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static void sort(uint64_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t x = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > x; j--)
            a[j] = a[j - 1];
        a[j] = x;
    }
}

static void report(const char *name, size_t n, uint64_t divisor)
{
    sort(samples, n);
    ut_printf("bench: %-24s median %8llu  min %8llu  (rdtsc units, %zu samples)", name,
              (unsigned long long)(samples[n / 2] / divisor), (unsigned long long)(samples[0] / divisor), n);
}

static void bench_null(void)
{
    for (int i = 0; i < WARMUP; i++)
        sys_null();
    for (int i = 0; i < ITERS; i++) {
        uint64_t t0 = rdtsc();
        sys_null();
        samples[i] = rdtsc() - t0;
    }
    report("null_syscall", ITERS, 1);
}

UCHILD(bench_echo_server)
{
    static uint8_t buf[CHAN_MAX_BYTES];
    for (;;) {
        chan_sizes_t sz = {sizeof buf, 0};
        int64_t err = sys_chan_read(chan, buf, NULL, &sz);
        if (err == ERR_SHOULD_WAIT) {
            uint32_t seen;
            sys_object_wait(chan, SIG_READABLE | SIG_PEER_CLOSED, DEADLINE_INFINITE, &seen);
            continue;
        }
        if (err != OK)
            return 0; /* the client went away */
        sys_chan_write(chan, buf, sz.bytes, NULL, 0);
    }
}

static void bench_chan_call(void)
{
    handle_t p, c;
    if (utest_spawn("bench_echo_server", &p, &c, NULL, 0) != OK) {
        ut_printf("bench: cannot start the echo server");
        return;
    }
    uint8_t req[64], rep[64];
    memset(req, 0x5a, sizeof req);
    chan_call_args_t a = {.wr_bytes = (uint64_t)req, .wr_num_bytes = sizeof req,
                          .rd_bytes = (uint64_t)rep, .rd_num_bytes = sizeof rep};
    for (int i = 0; i < WARMUP; i++)
        sys_chan_call(c, &a, DEADLINE_INFINITE);
    size_t n = 0;
    for (int i = 0; i < ITERS; i++) {
        uint64_t t0 = rdtsc();
        int64_t r = sys_chan_call(c, &a, DEADLINE_INFINITE);
        uint64_t d = rdtsc() - t0;
        if (r == (int64_t)sizeof rep)
            samples[n++] = d;
    }
    report("chan_call_rtt_xproc_64", n, 1);
    sys_handle_close(c);
    process_info_t info;
    utest_wait(p, &info);
    sys_handle_close(p);
}

static volatile int yield_stop;

static void yielder(uint64_t arg)
{
    (void)arg;
    while (!yield_stop)
        sys_thread_yield();
    sys_thread_exit(0);
}

/* Two threads yielding to each other: each sample covers ITER_YIELDS
 * yields, i.e. that many switches when they share a CPU. */
#define ITER_YIELDS 16
static uint8_t yield_stack[16384] __attribute__((aligned(16)));

static void bench_yield(void)
{
    handle_t t;
    yield_stop = 0;
    if (sys_thread_create(HANDLE_INVALID, (uint64_t)yielder, (uint64_t)(yield_stack + sizeof yield_stack), 0, &t) != OK) {
        ut_printf("bench: cannot create the second thread");
        return;
    }
    for (int i = 0; i < WARMUP; i++)
        sys_thread_yield();
    for (int i = 0; i < ITERS / 4; i++) {
        uint64_t t0 = rdtsc();
        for (int j = 0; j < ITER_YIELDS; j++)
            sys_thread_yield();
        samples[i] = rdtsc() - t0;
    }
    yield_stop = 1;
    uint32_t seen;
    sys_object_wait(t, SIG_TERMINATED, DEADLINE_INFINITE, &seen);
    sys_handle_close(t);
    report("yield", ITERS / 4, ITER_YIELDS);
}

int utest_bench(void)
{
    ut_printf("bench: starting");
    bench_null();
    bench_chan_call();
    bench_yield();
    ut_printf("bench: done");
    return 0;
}
