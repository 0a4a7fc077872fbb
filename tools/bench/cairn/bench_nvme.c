/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The NVMe cases of bench (`bench nvme`): 4 KiB random reads of a block
 * device through the block layer's client library (cairn/blk.h), the way
 * any client reads a disk. bench runs them as a component of a system
 * with ns, proc, acpi, pci, devmgr and the NVMe driver
 * (tools/bench/cairn/nvme/manifest), not as init.
 *
 *   nvme_randread_4k_qd1    one read at a time: blk_submit, blk_wait; a
 *                           sample is one read
 *   nvme_randread_4k_qd32   32 reads in flight, each completion's slot
 *                           submitted again at once; a sample is a window
 *                           of at least 32 completions, divided by them
 *
 * The i-th read goes to 4 KiB block bench_nvme_block(i, blocks) and its
 * first word is checked against the disk's pattern (bench_common.h): a
 * read that fails or brings the wrong data makes the case "unavailable".
 * With `soak` (icount runs) a thread soaks up the idle time and its loops
 * are taken out of every sample (bench_common.h says why).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench_common.h"
#include "bench.h"
#include "cairn/blk.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"

#define SEC 1000000000ull
#define OPEN_WAIT_NS (120 * SEC) /* devmgr, pci and the driver start first */

typedef struct nvme_bench {
    blk_t *b;
    uint8_t *data;
    uint32_t per_io;   /* device blocks per read */
    uint64_t blocks;   /* 4 KiB blocks on the device */
    uint64_t seed;
    uint64_t next;     /* the index of the next read: bench_nvme_block */
    uint64_t failed;   /* reads that failed or brought wrong data */
    int first_err;
} nvme_bench_t;

/* ---- the soaker ------------------------------------------------------------------ */

/* All user threads have one priority: the soaker yields at every turn, so
 * a thread made ready by an interrupt runs at the soaker's next turn. */
static volatile uint64_t soak_loops;
static volatile bool soak_stop;
static uint64_t soak_cost; /* TSC ticks per BENCH_SOAK_BLOCK loops */

static __attribute__((noinline)) void soak(uint64_t limit)
{
    for (uint64_t i = 0; i < limit && !soak_stop; i++) {
        soak_loops++;
        sys_thread_yield();
    }
}

static void soaker(uint64_t arg)
{
    (void)arg;
    soak(UINT64_MAX);
    sys_thread_exit(0);
}

/* The cost of BENCH_SOAK_BLOCK loops, in this thread with nothing else
 * to run (each yield comes straight back): the median of 16 blocks. */
static uint64_t soak_calibrate(void)
{
    uint64_t s[16];
    for (size_t i = 0; i < 16; i++) {
        uint64_t t0 = bench_tsc();
        soak(BENCH_SOAK_BLOCK);
        s[i] = bench_tsc() - t0;
    }
    qsort(s, 16, sizeof s[0], bench_cmp_u64);
    return s[8];
}

typedef struct stamp {
    uint64_t tsc, loops;
} stamp_t;

static stamp_t stamp(void)
{
    stamp_t st;
    st.loops = soak_loops;
    st.tsc = bench_tsc();
    return st;
}

/* The ticks from a to b that were not the soaker's. */
static uint64_t busy(stamp_t a, stamp_t b)
{
    return bench_soak_busy(b.tsc - a.tsc, b.loops - a.loops, soak_cost);
}

/* ---- reads ----------------------------------------------------------------------- */

/* Read i into data slot `slot`; its 4 KiB block goes to *block. */
static int submit_read(nvme_bench_t *nb, uint32_t slot, uint64_t *block)
{
    *block = bench_nvme_block(nb->next++, nb->blocks);
    blk_req_t r = {.tag = slot, .op = BLK_OP_READ, .count = nb->per_io, .lba = *block * nb->per_io,
                   .offset = (uint64_t)slot * BENCH_NVME_IO};
    return blk_submit(nb->b, &r);
}

/* A completion: counted as failed unless OK with the block's word. */
static void check_read(nvme_bench_t *nb, const blk_done_t *d, uint64_t block)
{
    uint64_t w;
    int st = d->status;
    if (st == OK) {
        memcpy(&w, nb->data + d->tag * BENCH_NVME_IO, sizeof w);
        if (w != bench_nvme_word(nb->seed, block))
            st = ERR_CORRUPT;
    }
    if (st != OK && nb->failed++ == 0)
        nb->first_err = st;
}

/* Prints the case's line, or why it has none. */
static void finish(nvme_bench_t *nb, const char *name, uint64_t *s, size_t got, int err)
{
    char why[96];
    if (err != OK) {
        snprintf(why, sizeof why, "the block layer said %s", cairn_error_name(err));
        bench_unavailable(name, why);
    } else if (nb->failed) {
        snprintf(why, sizeof why, "%llu reads failed or brought wrong data (the first: %s)",
                 (unsigned long long)nb->failed, cairn_error_name(nb->first_err));
        bench_unavailable(name, why);
    } else {
        bench_report(name, s, got, 1);
    }
    nb->failed = 0;
}

static void run_qd1(nvme_bench_t *nb, const char *name, size_t n)
{
    uint64_t *s = bench_samples(n);
    size_t got = 0, warm = bench_warmup(n);
    int err = OK;
    for (size_t i = 0; i < warm + n && err == OK; i++) {
        uint64_t block;
        blk_done_t d;
        stamp_t a = stamp();
        err = submit_read(nb, 0, &block);
        int k = err == OK ? blk_wait(nb->b, &d, 1, DEADLINE_INFINITE) : err;
        stamp_t b = stamp();
        if (k < 0) {
            err = k;
            break;
        }
        check_read(nb, &d, block);
        if (i >= warm)
            s[got++] = busy(a, b);
    }
    finish(nb, name, s, got, err);
    free(s);
}

/* Keeps BENCH_NVME_DEPTH reads in flight: each completion's slot is
 * submitted again before the next wait. A window ends at the first wait
 * that brings its completions to BENCH_NVME_DEPTH or more. */
static void run_qd32(nvme_bench_t *nb, const char *name, size_t n)
{
    uint64_t *s = bench_samples(n), block[BENCH_NVME_DEPTH];
    size_t got = 0, warm = bench_warmup(n);
    int err = OK;
    for (uint32_t slot = 0; slot < BENCH_NVME_DEPTH && err == OK; slot++)
        err = submit_read(nb, slot, &block[slot]);
    for (size_t w = 0; w < warm + n && err == OK; w++) {
        uint32_t done_in_window = 0;
        stamp_t a = stamp();
        while (done_in_window < BENCH_NVME_DEPTH && err == OK) {
            blk_done_t d[BENCH_NVME_DEPTH];
            int k = blk_wait(nb->b, d, BENCH_NVME_DEPTH, DEADLINE_INFINITE);
            if (k < 0) {
                err = k;
                break;
            }
            for (int j = 0; j < k && err == OK; j++) {
                uint32_t slot = (uint32_t)d[j].tag;
                check_read(nb, &d[j], block[slot]);
                err = submit_read(nb, slot, &block[slot]);
            }
            done_in_window += (uint32_t)k;
        }
        stamp_t b = stamp();
        if (err == OK && w >= warm)
            s[got++] = busy(a, b) / done_in_window;
    }
    /* The reads still in flight: taken, not counted. */
    while (blk_outstanding(nb->b) > 0) {
        blk_done_t d[BENCH_NVME_DEPTH];
        if (blk_wait(nb->b, d, BENCH_NVME_DEPTH, DEADLINE_INFINITE) < 0)
            break;
    }
    finish(nb, name, s, got, err);
    free(s);
}

/* ---- the cases ------------------------------------------------------------------- */

typedef struct nvme_case {
    const char *name;
    void (*run)(nvme_bench_t *nb, const char *name, size_t n);
    size_t div; /* samples = iters / div */
} nvme_case_t;

static const nvme_case_t nvme_cases[] = {
    {"nvme_randread_4k_qd1", run_qd1, 4},
    {"nvme_randread_4k_qd32", run_qd32, 20},
};

#define NCASES (sizeof nvme_cases / sizeof nvme_cases[0])

static bool wanted(const nvme_args_t *a, const nvme_case_t *c)
{
    return !a->only || strstr(c->name, a->only);
}

/* Every wanted case says it cannot run, and why. */
static unsigned none_available(const nvme_args_t *a, const char *why)
{
    unsigned ran = 0;
    for (size_t i = 0; i < NCASES; i++) {
        if (wanted(a, &nvme_cases[i])) {
            bench_unavailable(nvme_cases[i].name, why);
            ran++;
        }
    }
    return ran;
}

unsigned bench_nvme(const nvme_args_t *a)
{
    char why[96];
    nvme_bench_t nb = {.seed = a->seed};
    blk_config_t cfg = {.data_bytes = BENCH_NVME_DEPTH * BENCH_NVME_IO, .entries = 2 * BENCH_NVME_DEPTH,
                        .wait_ns = OPEN_WAIT_NS};
    int err = blk_open(a->dev, &cfg, &nb.b);
    if (err != OK) {
        snprintf(why, sizeof why, "cannot open %s: %s", a->dev, cairn_error_name(err));
        return none_available(a, why);
    }
    blk_info_t in;
    blk_info(nb.b, &in);
    if (in.block_size == 0 || BENCH_NVME_IO % in.block_size != 0 || in.max_transfer < BENCH_NVME_IO ||
        in.block_count / (BENCH_NVME_IO / in.block_size) == 0) {
        blk_close(nb.b);
        snprintf(why, sizeof why, "%s cannot take 4 KiB reads (blocks of %u bytes)", a->dev, in.block_size);
        return none_available(a, why);
    }
    nb.data = blk_data(nb.b, NULL);
    nb.per_io = BENCH_NVME_IO / in.block_size;
    nb.blocks = in.block_count / nb.per_io;
    printf("bench: nvme: %s: '%s' serial '%s', %llu blocks of %u bytes, %u queue(s) of depth %u\n", a->dev,
           in.model, in.serial, (unsigned long long)in.block_count, in.block_size, in.queues, in.queue_depth);

    thread_area_t area;
    handle_t th = HANDLE_INVALID;
    if (a->soak) {
        soak_cost = soak_calibrate();
        soak_stop = false;
        bool have_area = area_init(&area);
        if (!have_area || thread_start(&area, soaker, &th) != OK) {
            if (have_area)
                area_free(&area);
            blk_close(nb.b);
            return none_available(a, "cannot start the soaker thread");
        }
        printf("bench: nvme: soaking idle time, %llu ticks per %u loops\n", (unsigned long long)soak_cost,
               BENCH_SOAK_BLOCK);
    }
    unsigned ran = 0;
    for (size_t i = 0; i < NCASES; i++) {
        const nvme_case_t *c = &nvme_cases[i];
        if (!wanted(a, c))
            continue;
        size_t n = a->iters / c->div;
        uint64_t loops0 = soak_loops, t0 = bench_tsc();
        nb.next = 0;
        c->run(&nb, c->name, n < 5 ? 5 : n);
        if (a->soak) {
            uint64_t ticks = bench_tsc() - t0, idle = (soak_loops - loops0) * soak_cost / BENCH_SOAK_BLOCK;
            printf("bench: nvme: %s: %llu of %llu ticks were the soaker's\n", c->name, (unsigned long long)idle,
                   (unsigned long long)ticks);
        }
        ran++;
    }
    if (th != HANDLE_INVALID) {
        soak_stop = true;
        thread_join(th);
        area_free(&area);
    }
    blk_close(nb.b);
    return ran;
}
