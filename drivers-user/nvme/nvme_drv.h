/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The nvme driver program around the hardware layer (nvme.h): its
 * arguments, its timer, the block library's ops (nvme_main.c: every
 * active namespace a block device) and the self-test (nvme_selftest.c),
 * which drives the layer directly before serving starts.
 */
#ifndef NVME_DRV_H
#define NVME_DRV_H

#include "cairn/blkdrv.h"
#include "nvme.h"

typedef struct nvme_opts {
    bool selftest;           /* `selftest`: the self-test after bring-up */
    bool timeout_test;       /* `selftest=timeout`: the timeout and reset test instead */
    bool shadow;             /* false with `noshadow` */
    uint32_t queues;         /* `queues=N`: at most N I/O queues (0: one per CPU) */
    uint32_t irq_allow;      /* `irq=msix|msi|intx`: only that interrupt mode (0: the best) */
    uint32_t timeout_ms;     /* `timeout=MS`: per I/O command */
    uint64_t seed, wseed;    /* `seed=N`, `wseed=N`: patterns of the disks and of the writes */
    uint64_t woff, wlen;     /* `write=OFF:LEN`: the range the self-test writes (bytes) */
    uint64_t doff, dlen;     /* `discard=OFF:LEN`: the range it discards */
    uint32_t bursts;         /* `bursts=N`: passes of the 1 MiB burst of 4 KiB reads (2) */
} nvme_opts_t;

typedef struct nvme_drv nvme_drv_t;

struct nvme_drv {
    blkdrv_t *b;
    drv_t *d;
    nvme_ctrl_t ctrl;
    nvme_opts_t opt;
    handle_t timer;
    loop_source_t timer_src;
    /* Who gets completions: the self-test while it runs, then the block
     * library (blkdrv_complete). */
    nvme_done_fn done;
    void *done_ctx;
    uint32_t unit_nsid[BLKDRV_MAX_UNITS]; /* the namespace of each block device */
    uint32_t next_queue;                  /* I/O queues taken in turn */
};

/* Parses the driver's arguments; ERR_INVALID_ARGS (logged) on a bad one. */
int nvme_opts_parse(nvme_opts_t *o, int argc, char **argv);

/* The self-tests: each prints its checks and one verdict line,
 * "nvmeX: selftest: PASS (N checks)" or "... FAIL (K of N checks failed)";
 * OK unless the driver must stop (its device went away). */
int nvme_selftest(nvme_drv_t *n);
int nvme_selftest_timeout(nvme_drv_t *n);

#endif
