/* SPDX-License-Identifier: BSD-2-Clause
 *
 * What the two halves of Cairn's bench program share: bench.c (the
 * micro-benchmarks, run with bench as init) and bench_nvme.c (the NVMe
 * cases, run as a component of a system with the NVMe driver: `bench
 * nvme`). Threads of the program's own, and the TSC rate.
 */
#ifndef BENCH_CAIRN_H
#define BENCH_CAIRN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/handle.h"

/* A thread's stack and TLS, made once and reused. */
typedef struct thread_area {
    void *stack;
    void *tls;
    void *tp;
} thread_area_t;

bool area_init(thread_area_t *a);
void area_free(thread_area_t *a);
/* Starts fn(a) on a's stack; fn must set its FS base from a->tp if it
 * touches thread-local data. */
int64_t thread_start(thread_area_t *a, void (*fn)(uint64_t), handle_t *out);
/* Waits for the thread's end and closes its handle. */
void thread_join(handle_t t);

/* What `bench nvme` was asked (its arguments, docs/benchmarks.md). */
typedef struct nvme_args {
    size_t iters;        /* iterations of the cheap cases; qd1 runs iters / 4, qd32 iters / 20 windows */
    const char *only;    /* only the cases whose name contains this */
    const char *dev;     /* the block device, "nvme0n1" */
    uint64_t seed;       /* the disk's pattern (bench_nvme_word) */
    bool soak;           /* soak up idle time (bench_common.h): icount runs */
} nvme_args_t;

/* Runs the NVMe cases; how many ran (each printed its line). */
unsigned bench_nvme(const nvme_args_t *a);

#endif
