/* SPDX-License-Identifier: BSD-2-Clause
 *
 * What the two files of the Linux benchmark program share: bench_linux.c
 * (the micro-benchmarks, main) and bench_linux_nvme.c (the NVMe cases).
 */
#ifndef BENCH_LINUX_H
#define BENCH_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bcase {
    const char *name;
    void (*run)(const struct bcase *c, size_t n);
    size_t div;
    int kind;
    uint32_t bytes;
    bool process;
    size_t size;
} bcase_t;

/* The NVMe cases' arguments: dev=NAME (without it they are unavailable:
 * on a host the program must not read a real disk), seed=S, soak. */
typedef struct nvme_opts {
    const char *dev;     /* "nvme0n1": /dev/nvme0n1 */
    uint64_t seed;       /* the disk's pattern (bench_nvme_word) */
    bool soak;           /* soak up idle time (bench_common.h): icount runs */
} nvme_opts_t;

extern nvme_opts_t nvme_opts;

void run_nvme_qd1(const bcase_t *c, size_t n);
void run_nvme_qd32(const bcase_t *c, size_t n);
/* Stops the soaker and closes the device, if an NVMe case opened them. */
void nvme_close(void);

#endif
