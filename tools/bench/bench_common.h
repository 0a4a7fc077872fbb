/* SPDX-License-Identifier: BSD-2-Clause
 *
 * What the two benchmark programs share: the Cairn guest program
 * (tools/bench/cairn/bench.c, on picolibc) and its Linux twin
 * (tools/bench/linux/bench_linux.c, on glibc). Both take their samples
 * with the same clock, reduce them the same way and print the same lines,
 * so tools/bench/bench.py reads both with one parser.
 *
 * The clock is the TSC read with "lfence; rdtsc": under QEMU with
 * -icount shift=0,sleep=off one tick is one guest instruction (while the
 * CPU is not idle), under plain TCG it follows the host's clock and the
 * program reports its rate (bench_report_tsc_hz) for the harness to turn
 * ticks into nanoseconds.
 *
 * Output, one line per result, every value an integer:
 *   bench: system NAME VERSION
 *   bench: tsc_hz N
 *   bench: CASE n=N min=A p10=B median=C p90=D max=E
 *   bench: CASE unavailable REASON
 *   bench: done N cases
 * A sample is the TSC delta of one measured step divided by the number of
 * operations the step holds (`per`): each figure is per operation.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline uint64_t bench_tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

static inline int bench_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts s[0..n) and prints the case's line, each sample divided by per. */
static inline void bench_report(const char *name, uint64_t *s, size_t n, uint64_t per)
{
    if (n == 0) {
        printf("bench: %s unavailable no successful sample\n", name);
        return;
    }
    qsort(s, n, sizeof *s, bench_cmp_u64);
    printf("bench: %s n=%lu min=%llu p10=%llu median=%llu p90=%llu max=%llu\n", name, (unsigned long)n,
           (unsigned long long)(s[0] / per), (unsigned long long)(s[n / 10] / per),
           (unsigned long long)(s[n / 2] / per), (unsigned long long)(s[n - 1 - n / 10] / per),
           (unsigned long long)(s[n - 1] / per));
    fflush(stdout);
}

static inline void bench_unavailable(const char *name, const char *why)
{
    printf("bench: %s unavailable %s\n", name, why);
    fflush(stdout);
}

/*
 * The TSC rate from two (clock ns, tsc) anchors taken by the program's own
 * clock (bench_anchor, defined by each program): ticks per second.
 */
static inline uint64_t bench_tsc_hz(uint64_t c0, uint64_t t0, uint64_t c1, uint64_t t1)
{
    if (c1 <= c0)
        return 0;
    return (uint64_t)((double)(t1 - t0) * 1e9 / (double)(c1 - c0));
}

/* The TSC value the anchor's clock reaches at clock time `ns` (>= c). */
static inline uint64_t bench_tsc_at(uint64_t c, uint64_t t, uint64_t hz, uint64_t ns)
{
    return t + (uint64_t)((double)(ns - c) * (double)hz / 1e9);
}

/* Iteration counts: `iters` for the cheap cases, scaled down for the
 * expensive ones, with a tenth of each (at least 5) run first as warm-up. */
static inline size_t bench_warmup(size_t n)
{
    return n / 10 > 5 ? n / 10 : 5;
}

static inline uint64_t *bench_samples(size_t n)
{
    uint64_t *s = calloc(n ? n : 1, sizeof *s);
    if (!s) {
        printf("bench: out of memory for %lu samples\n", (unsigned long)n);
        exit(1);
    }
    return s;
}

#endif
