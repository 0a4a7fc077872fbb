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

/* ---- the NVMe cases ------------------------------------------------------------
 *
 * 4 KiB random reads of the disk the harness made (tools/bench/bench.py):
 * the 8-byte little-endian word at the start of each 4 KiB block at byte
 * offset o is bench_splitmix64(SEED ^ o), which is also what the test
 * runner's "splitmix" image pattern puts there (tools/testrun.py), so every
 * read can be checked with one compare. The i-th read of a case goes to
 * the 4 KiB block bench_nvme_block(i, blocks): the same sequence on both
 * systems.
 */
#define BENCH_NVME_IO 4096u      /* bytes per read, 4 KiB aligned on the disk */
#define BENCH_NVME_DEPTH 32u     /* reads in flight in the qd32 cases */
#define BENCH_NVME_LBA_SEED 0x4e564d6552616e64ull

/* Steele, Lea and Flood's splitmix64: one state step and the output mix. */
static inline uint64_t bench_splitmix64(uint64_t x)
{
    uint64_t z = x + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The 4 KiB block (of `blocks`) the i-th read of a case goes to. */
static inline uint64_t bench_nvme_block(uint64_t i, uint64_t blocks)
{
    return bench_splitmix64(BENCH_NVME_LBA_SEED + i) % blocks;
}

/* What the first word of 4 KiB block `block` holds on a disk of `seed`. */
static inline uint64_t bench_nvme_word(uint64_t seed, uint64_t block)
{
    return bench_splitmix64(seed ^ (block * BENCH_NVME_IO));
}

/* ---- soaking up idle time ------------------------------------------------------
 *
 * Under -icount shift=0,sleep=off a CPU with nothing to run does not wait:
 * QEMU moves the clock (and the TSC) straight to the next timer deadline,
 * which for a guest waiting on a device is whatever timer happens to be
 * armed, milliseconds away, not the device's answer. So while the I/O
 * cases run, a "soaker" thread of the lowest standing takes the CPU
 * whenever nothing else wants it and counts its loops; a sample is the
 * TSC delta less the soaker's loops times their measured cost
 * (bench_soak_busy): the instructions everything else executed, the
 * program, the kernel and the driver. Each program has its own loop
 * (Cairn's yields at every turn, Linux's is SCHED_IDLE); the cost of
 * BENCH_SOAK_BLOCK turns is measured before the soaker starts, by the
 * same loop in the measuring thread.
 */
#define BENCH_SOAK_BLOCK 1024u

static inline uint64_t bench_soak_busy(uint64_t ticks, uint64_t loops, uint64_t block_cost)
{
    uint64_t idle = loops * block_cost / BENCH_SOAK_BLOCK;
    return ticks > idle ? ticks - idle : 0;
}

#endif
