/* SPDX-License-Identifier: BSD-2-Clause
 *
 * blktest's helper processes (blktest.h), started by the test through
 * proc with a session derived from its own:
 *
 *   worker DEV INDEX ROUNDS  each round writes 32 distinct blocks of its
 *                            region (1/16 of the device, number 8 + INDEX)
 *                            with 32 requests in flight, reads them back
 *                            in flight too, and compares; exit 0 when all
 *                            matched, 1 otherwise (said on the log)
 *   hammer DEV               keeps 64 requests in flight in region 12
 *                            until killed; writes one byte to "report"
 *                            once 100 are done
 *   fakedrv MODE             publishes "blk.fk-MODE" and breaks the
 *                            protocol the MODE way (blktest.c, fake())
 *   unitdrv MODE             a driver of several units (unitdrv.c)
 */
#include <stdlib.h>
#include <string.h>

#include "blktest.h"
#include "block.h"
#include "cairn/errors.h"
#include "cairn/loop.h"
#include "cairn/runtime.h"
#include "cairn/server.h"
#include "cairn/sys.h"

#define WORKER_BATCH 32u
#define HAMMER_DEPTH 64u

static uint64_t rng;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int worker_fail(const char *dev, uint64_t index, const char *what, int err)
{
    printf("blktest: worker %s %llu: %s: %s\n", dev, (unsigned long long)index, what, cairn_error_name(err));
    return 1;
}

/* Submits n requests (op, lba[i], data slot first + i) and waits for all. */
static int batch(blk_t *b, uint16_t op, const uint64_t *lba, uint32_t n, uint32_t first, uint32_t bs)
{
    for (uint32_t i = 0; i < n; i++) {
        blk_req_t r = {.tag = i, .op = op, .count = 1, .lba = lba[i], .offset = (uint64_t)(first + i) * bs};
        int err = blk_submit(b, &r);
        if (err != OK)
            return err;
    }
    for (uint32_t got = 0; got < n;) {
        blk_done_t d[WORKER_BATCH];
        int k = blk_wait(b, d, WORKER_BATCH, blktest_deadline(60 * SEC));
        if (k < 0)
            return k;
        for (int j = 0; j < k; j++) {
            if (d[j].status != OK)
                return d[j].status;
        }
        got += (uint32_t)k;
    }
    return OK;
}

static int worker(const char *dev, uint64_t index, uint64_t rounds)
{
    blk_t *b;
    blk_info_t in;
    blk_config_t cfg = {.entries = 64, .data_bytes = 2 * WORKER_BATCH * 4096};
    int err = blk_open(dev, &cfg, &b);
    if (err != OK)
        return worker_fail(dev, index, "open", err);
    blk_info(b, &in);
    uint32_t bs = in.block_size;
    uint64_t region = in.block_count / 16, base = (8 + index) * region;
    uint8_t *data = blk_data(b, NULL);
    uint64_t lba[WORKER_BATCH], *perm = malloc(region * sizeof *perm);
    if (perm == NULL || region < WORKER_BATCH)
        return worker_fail(dev, index, "region", ERR_NO_MEMORY);
    rng = 0x1234567 + index * 7919 + bs;
    for (uint64_t i = 0; i < region; i++)
        perm[i] = i;
    for (uint64_t round = 0; round < rounds; round++) {
        for (uint32_t i = 0; i < WORKER_BATCH; i++) { /* distinct blocks: a partial shuffle */
            uint64_t j = i + rnd() % (region - i), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
            lba[i] = base + perm[i];
            blktest_fill(data + (uint64_t)i * bs, bs, lba[i] * 1000003 + round * 31 + index);
            memset(data + (uint64_t)(WORKER_BATCH + i) * bs, 0, bs);
        }
        if ((err = batch(b, BLK_OP_WRITE, lba, WORKER_BATCH, 0, bs)) != OK)
            return worker_fail(dev, index, "write", err);
        if ((err = batch(b, BLK_OP_READ, lba, WORKER_BATCH, WORKER_BATCH, bs)) != OK)
            return worker_fail(dev, index, "read", err);
        for (uint32_t i = 0; i < WORKER_BATCH; i++) {
            if (!blktest_same(data + (uint64_t)(WORKER_BATCH + i) * bs, bs, lba[i] * 1000003 + round * 31 + index))
                return worker_fail(dev, index, "compare", ERR_CORRUPT);
        }
    }
    blk_close(b);
    free(perm);
    return 0;
}

static int hammer(const char *dev)
{
    blk_t *b;
    blk_info_t in;
    blk_config_t cfg = {.entries = HAMMER_DEPTH, .data_bytes = HAMMER_DEPTH * 4096};
    handle_t report = libsys_handle("report");
    uint64_t done = 0;
    int err = blk_open(dev, &cfg, &b);
    if (err != OK)
        return worker_fail(dev, 99, "open", err);
    blk_info(b, &in);
    uint64_t region = in.block_count / 16, base = 12 * region;
    rng = 0xabcdef;
    for (;;) {
        while (blk_outstanding(b) < HAMMER_DEPTH) {
            uint32_t slot = (uint32_t)(rnd() % HAMMER_DEPTH);
            blk_req_t r = {.tag = slot, .op = rnd() % 2 ? BLK_OP_READ : BLK_OP_WRITE, .count = 1,
                           .lba = base + rnd() % region, .offset = (uint64_t)slot * in.block_size};
            if ((err = blk_submit(b, &r)) != OK)
                return worker_fail(dev, 99, "submit", err);
        }
        blk_done_t d[HAMMER_DEPTH];
        int n = blk_wait(b, d, HAMMER_DEPTH, blktest_deadline(60 * SEC));
        if (n < 0)
            return worker_fail(dev, 99, "wait", n);
        for (int i = 0; i < n; i++) {
            if (d[i].status != OK)
                return worker_fail(dev, 99, "status", d[i].status);
        }
        if (done < 100 && done + (uint64_t)n >= 100 && report != HANDLE_INVALID)
            sys_chan_write(report, "1", 1, NULL, 0);
        done += (uint64_t)n;
    }
}

/* ---- a driver that breaks the protocol ------------------------------------------- */

typedef struct fake {
    const char *mode;
    blk_ring_t r;
    bool attached;
} fake_t;

static fake_t fk;

static int fk_info(void *ctx, const proto_txn_t *txn, block_info_result_t *out)
{
    (void)ctx;
    (void)txn;
    out->block_size = strcmp(fk.mode, "geometry") == 0 ? 3 : 512;
    out->block_count = 1024;
    out->max_transfer = 4096;
    out->queues = out->queue_depth = 1;
    snprintf(out->name, sizeof out->name, "fk-%s", fk.mode);
    return OK;
}

static int fk_attach(void *ctx, const proto_txn_t *txn, handle_t data, handle_t ring, uint32_t entries)
{
    uint64_t addr = 0;
    (void)ctx;
    (void)txn;
    sys_handle_close(data);
    int err = (int)sys_vm_map(HANDLE_INVALID, ring, 0, (blk_ring_bytes(entries) + 4095) & ~4095ull,
                              MAP_READ | MAP_WRITE, &addr);
    if (err != OK)
        return err;
    fk.r = blk_ring_at((void *)(uintptr_t)addr, entries);
    blk_ring_store(&fk.r.hdr->driver_flags, BLK_RING_NEED_KICK);
    fk.attached = true;
    return OK;
}

static void fk_post(uint32_t index, uint64_t tag)
{
    fk.r.cq[index & (fk.r.entries - 1)].tag = tag;
    fk.r.cq[index & (fk.r.entries - 1)].status = OK;
}

static srv_client_t *fk_client;

static void fk_kick(void *ctx)
{
    fk_client = ctx;
    if (!fk.attached)
        return;
    uint64_t first = fk.r.sq[0].tag;
    if (strcmp(fk.mode, "tail") == 0) {
        blk_ring_store(&fk.r.hdr->cq_tail, 1000);
    } else if (strcmp(fk.mode, "tag") == 0) {
        fk_post(0, 0xdead0000ffffull);
        blk_ring_store(&fk.r.hdr->cq_tail, 1);
    } else if (strcmp(fk.mode, "dup") == 0) {
        fk_post(0, first);
        fk_post(1, first);
        blk_ring_store(&fk.r.hdr->cq_tail, 2);
    } else if (strcmp(fk.mode, "ringerr") == 0) {
        block_ring_error_send(fk_client->ch, ERR_CORRUPT);
        return;
    } else if (strcmp(fk.mode, "exit") == 0) {
        exit(0);
    }
    block_completed_send(fk_client->ch);
}

static const block_ops_t fk_ops = {.info = fk_info, .attach = fk_attach, .kick = fk_kick};

static int fk_dispatch(srv_client_t *c, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh)
{
    return block_dispatch(&fk_ops, c, c->ch, msg, n, hs, nh);
}

static int fakedrv(const char *mode)
{
    static loop_t loop;
    static srv_t srv;
    char name[32];
    fk.mode = mode;
    snprintf(name, sizeof name, BLK_SERVICE_PREFIX "fk-%s", mode);
    if (loop_init(&loop) != OK || srv_init(&srv, &loop, "fakedrv", fk_dispatch, NULL) != OK)
        return 1;
    int err = srv_publish(&srv, libsys_handle("ns"), name);
    if (err != OK) {
        printf("blktest: fakedrv: publish %s: %s\n", name, cairn_error_name(err));
        return 1;
    }
    return loop_run(&loop);
}

static bool number(const char *s, uint64_t *out)
{
    char *end;
    *out = strtoull(s, &end, 10);
    return end != s && *end == '\0';
}

int blktest_role(int argc, char **argv)
{
    uint64_t index, rounds;
    if (argc == 5 && strcmp(argv[1], "worker") == 0 && number(argv[3], &index) && number(argv[4], &rounds) &&
        index < 8)
        return worker(argv[2], index, rounds);
    if (argc == 3 && strcmp(argv[1], "hammer") == 0)
        return hammer(argv[2]);
    if (argc == 3 && strcmp(argv[1], "fakedrv") == 0)
        return fakedrv(argv[2]);
    if (argc == 3 && strcmp(argv[1], "unitdrv") == 0)
        return blktest_unitdrv(argv[2]);
    printf("blktest: unknown role\n");
    return 2;
}
