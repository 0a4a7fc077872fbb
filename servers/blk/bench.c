/* SPDX-License-Identifier: BSD-2-Clause
 *
 * blk bench DEV [MS]: what a block device does through the block layer,
 * measured with the monotonic clock (microsecond granularity). Four
 * phases, each MS milliseconds (1000) of back-to-back requests through the
 * asynchronous API:
 *
 *   4 KiB random reads at depth 1     IOPS and latency percentiles
 *   4 KiB random reads at depth 32    IOPS and latency percentiles
 *   sequential reads                  MB/s, max_transfer per request, depth 8
 *   sequential writes                 MB/s, the same (skipped when read-only)
 *
 * The writes leave the device as they found it: each of the 8 requests
 * rewrites one range of its own (together the first 8 x max_transfer
 * bytes), with the data read from that range just before the phase. So
 * `blk bench` is safe on a disk with data on it (unless something else
 * writes those blocks during the phase).
 *
 * A request's latency runs from its blk_submit to the blk_wait that
 * returned it. Under QEMU's TCG the figures measure the emulator as much
 * as the code; compare runs on the same machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blktool.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"

#define MS 1000000ull
#define RAND_UNIT 4096u
#define SEQ_DEPTH 8u
#define MAX_DEPTH 32u
#define MAX_SAMPLES 100000u

typedef struct phase {
    const char *what;
    uint16_t op;
    bool random;
    uint32_t depth;
    uint32_t unit;          /* bytes per request */
    uint64_t ios;           /* done */
    uint64_t ns;            /* how long */
    uint32_t *lat_us;       /* samples, up to MAX_SAMPLES */
    uint32_t nlat;
} phase_t;

typedef struct bench {
    blk_t *b;
    blk_info_t info;
    uint64_t rng;
    uint64_t next_lba;      /* sequential */
    uint64_t started[MAX_DEPTH];
} bench_t;

static uint64_t rnd(bench_t *bn)
{
    bn->rng ^= bn->rng << 13;
    bn->rng ^= bn->rng >> 7;
    bn->rng ^= bn->rng << 17;
    return bn->rng;
}

static uint64_t next_lba(bench_t *bn, const phase_t *p, uint32_t slot)
{
    uint64_t per = p->unit / bn->info.block_size, slots = bn->info.block_count / per;
    if (p->random)
        return rnd(bn) % slots * per;
    if (p->op == BLK_OP_WRITE)
        return (uint64_t)slot * per; /* its own range, rewritten with its own data */
    uint64_t lba = bn->next_lba;
    bn->next_lba = lba + 2 * per > bn->info.block_count ? 0 : lba + per;
    return lba;
}

/* Request `slot` (its own unit of the data area) issued again. */
static int issue(bench_t *bn, const phase_t *p, uint32_t slot)
{
    blk_req_t r = {.tag = slot, .op = p->op, .count = p->unit / bn->info.block_size,
                   .lba = next_lba(bn, p, slot), .offset = (uint64_t)slot * p->unit};
    bn->started[slot] = libsys_now_ns();
    return blk_submit(bn->b, &r);
}

/* Before the write phase: each slot's data is what its range holds. */
static int read_write_ranges(bench_t *bn, const phase_t *p)
{
    blk_done_t done[MAX_DEPTH];
    for (uint32_t i = 0; i < p->depth; i++) {
        blk_req_t r = {.tag = i, .op = BLK_OP_READ, .count = p->unit / bn->info.block_size,
                       .lba = (uint64_t)i * (p->unit / bn->info.block_size), .offset = (uint64_t)i * p->unit};
        int err = blk_submit(bn->b, &r);
        if (err != OK)
            return err;
    }
    while (blk_outstanding(bn->b) > 0) {
        int n = blk_wait(bn->b, done, MAX_DEPTH, libsys_now_ns() + 30000 * MS);
        if (n < 0)
            return n;
        for (int i = 0; i < n; i++)
            if (done[i].status != OK)
                return done[i].status;
    }
    return OK;
}

static int run(bench_t *bn, phase_t *p, uint64_t ms)
{
    blk_done_t done[MAX_DEPTH];
    int err = p->op == BLK_OP_WRITE ? read_write_ranges(bn, p) : OK;
    if (err != OK)
        return err;
    uint64_t start = libsys_now_ns(), end = start + ms * MS;
    bn->next_lba = 0;
    for (uint32_t i = 0; i < p->depth && err == OK; i++)
        err = issue(bn, p, i);
    while (err == OK && blk_outstanding(bn->b) > 0) {
        int n = blk_wait(bn->b, done, MAX_DEPTH, libsys_now_ns() + 30000 * MS);
        if (n < 0)
            return n;
        uint64_t now = libsys_now_ns();
        for (int i = 0; i < n && err == OK; i++) {
            uint32_t slot = (uint32_t)done[i].tag;
            if (done[i].status != OK)
                return done[i].status;
            p->ios++;
            if (p->lat_us != NULL && p->nlat < MAX_SAMPLES)
                p->lat_us[p->nlat++] = (uint32_t)((now - bn->started[slot]) / 1000);
            if (now < end)
                err = issue(bn, p, slot);
        }
    }
    p->ns = libsys_now_ns() - start;
    return err;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const bench_t *bn, phase_t *p)
{
    double secs = (double)p->ns / 1e9;
    if (p->lat_us != NULL) {
        qsort(p->lat_us, p->nlat, sizeof *p->lat_us, cmp_u32);
        uint32_t n = p->nlat;
        printf("%s: %s: %.0f IOPS; latency us p50 %u p90 %u p99 %u max %u (%llu requests)\n", bn->info.name,
               p->what, (double)p->ios / secs, p->lat_us[n / 2], p->lat_us[n * 9 / 10], p->lat_us[n * 99 / 100],
               p->lat_us[n - 1], (unsigned long long)p->ios);
    } else {
        printf("%s: %s: %.1f MB/s (%llu requests of %u KiB)\n", bn->info.name, p->what,
               (double)p->ios * p->unit / secs / 1e6, (unsigned long long)p->ios, p->unit / 1024);
    }
}

int blk_tool_bench(const char *dev, const char *ms_s)
{
    uint64_t ms = 1000;
    bench_t bn = {.rng = 0x9e3779b97f4a7c15ull};
    if (ms_s != NULL && (!blk_tool_number(ms_s, &ms) || ms == 0 || ms > 600000)) {
        fprintf(stderr, "blk: bench: MS is 1 to 600000\n");
        return 2;
    }
    blk_config_t cfg = {.data_bytes = 4ull << 20, .entries = 64};
    if (blk_tool_open(dev, &cfg, &bn.b) != OK)
        return 1;
    blk_info(bn.b, &bn.info);
    uint32_t bs = bn.info.block_size, seq = bn.info.max_transfer;
    if (seq * SEQ_DEPTH > cfg.data_bytes)
        seq = (uint32_t)(cfg.data_bytes / SEQ_DEPTH / bs * bs);
    uint32_t unit = RAND_UNIT < bs ? bs : RAND_UNIT;
    uint64_t dev_bytes = bn.info.block_count * bs;
    if (dev_bytes / SEQ_DEPTH < seq)
        seq = (uint32_t)(dev_bytes / SEQ_DEPTH / bs * bs); /* the write phase's ranges fit in the device */
    if (seq == 0 || dev_bytes < 2ull * seq || dev_bytes < 2ull * unit) {
        fprintf(stderr, "blk: bench: %s is too small\n", dev);
        blk_close(bn.b);
        return 1;
    }
    uint32_t *lat = malloc(MAX_SAMPLES * sizeof *lat);
    phase_t phases[] = {
        {"4 KiB random read, depth 1", BLK_OP_READ, true, 1, unit, 0, 0, lat, 0},
        {"4 KiB random read, depth 32", BLK_OP_READ, true, 32, unit, 0, 0, lat, 0},
        {"sequential read, depth 8", BLK_OP_READ, false, SEQ_DEPTH, seq, 0, 0, NULL, 0},
        {"sequential write, depth 8", BLK_OP_WRITE, false, SEQ_DEPTH, seq, 0, 0, NULL, 0},
    };
    int err = lat != NULL ? OK : ERR_NO_MEMORY;
    for (unsigned i = 0; i < sizeof phases / sizeof phases[0] && err == OK; i++) {
        phase_t *p = &phases[i];
        if (p->op == BLK_OP_WRITE && (bn.info.flags & BLK_INFO_READ_ONLY)) {
            printf("%s: %s: skipped (read-only)\n", bn.info.name, p->what);
            continue;
        }
        if ((err = run(&bn, p, ms)) == OK && p->ios > 0)
            report(&bn, p);
    }
    free(lat);
    blk_close(bn.b);
    return err == OK ? 0 : blk_tool_error("bench", dev, err);
}
