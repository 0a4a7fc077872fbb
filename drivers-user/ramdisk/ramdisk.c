/* SPDX-License-Identifier: BSD-2-Clause
 *
 * ramdisk: a block device in memory (Linux's brd), on the block driver
 * library (cairn/blkdrv.h, docs/block.md). Its blocks are one vmo of its
 * own; every request copies between it and the request's buffer.
 *
 *     ramdisk SIZE [NAME] [OPTION...]
 *
 * SIZE in bytes, or with K, M or G. NAME is the device's (published as
 * "blk.NAME"); without one, the first free of ram0, ram1, ... Options:
 *
 *   bs=N        block size (512 by default; a power of two up to 65536)
 *   ro          read-only
 *   dma         behave as a DMA device: requests come with bounce buffers
 *               and physical addresses (needs the "dma" handle)
 *   async       complete requests from the poll op (every poll-ms) instead
 *               of at once, as a device with a queue does; depth 8
 *   depth=N     requests at the driver at once (with async)
 *   dev-queue=N with async: the device's own queue holds only N; submit
 *               says ERR_SHOULD_WAIT beyond (a device fuller than its
 *               declared depth, for the library's retry)
 *   poll-ms=N   poll period with async (default 1)
 *   hang=LBA    a read or write starting at LBA is taken and never
 *               completed (a stuck device), for the library's timeout and
 *               reset; reset forgets it
 *   timeout-ms=N  the library's request timeout (default 30 s)
 *   no-reset    no reset op: a timeout ends the driver (status 1)
 *   wcache      claim a volatile write cache, so flushes reach the driver
 *               (which has nothing to write back)
 *
 * Discard zeroes the blocks. Without wcache a flush is answered by the
 * library without reaching the driver: what completed is in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/blkdrv.h"
#include "cairn/errors.h"
#include "cairn/sys.h"

#define RAM_MAX_QUEUE BLKDRV_MAX_DEPTH
#define MS 1000000ull

typedef struct ramdisk {
    uint64_t size;
    uint8_t *mem;
    char name[BLK_NAME_MAX + 1];
    uint32_t block_size;
    uint32_t depth;
    uint32_t dev_queue;                 /* async: submit says ERR_SHOULD_WAIT beyond */
    uint64_t poll_ns, timeout_ns;
    bool read_only, dma, async, no_reset, wcache;
    bool hang;
    uint64_t hang_lba;
    blkdrv_req_t *queue[RAM_MAX_QUEUE]; /* async: taken, not done */
    uint32_t nqueue;
    uint32_t nhung;                     /* stuck at hang_lba */
    uint64_t full;                      /* ERR_SHOULD_WAIT answers */
    uint32_t resets;
} ramdisk_t;

static void transfer(ramdisk_t *rd, blkdrv_req_t *r)
{
    uint8_t *at = rd->mem + r->lba * rd->block_size;
    switch (r->op) {
    case BLK_OP_READ:
        memcpy(r->va, at, r->bytes);
        break;
    case BLK_OP_WRITE:
        memcpy(at, r->va, r->bytes);
        break;
    case BLK_OP_DISCARD:
        memset(at, 0, (uint64_t)r->count * rd->block_size);
        break;
    default: /* flush: nothing is cached */
        break;
    }
}

static int ram_submit(blkdrv_t *b, blkdrv_req_t *r)
{
    ramdisk_t *rd = blkdrv_ctx(b);
    if (rd->dma && r->bytes != 0 && r->phys == 0)
        return ERR_INTERNAL; /* the library promised a physical address */
    if (rd->hang && r->lba == rd->hang_lba && (r->op == BLK_OP_READ || r->op == BLK_OP_WRITE)) {
        rd->nhung++;
        return OK; /* taken, never completed: reset forgets it */
    }
    if (rd->async) {
        if (rd->nqueue >= rd->dev_queue) {
            rd->full++;
            return ERR_SHOULD_WAIT;
        }
        rd->queue[rd->nqueue++] = r;
        return OK;
    }
    transfer(rd, r);
    blkdrv_complete(b, r, OK);
    return OK;
}

static void ram_poll(blkdrv_t *b)
{
    ramdisk_t *rd = blkdrv_ctx(b);
    uint32_t n = rd->nqueue;
    rd->nqueue = 0;
    for (uint32_t i = 0; i < n; i++) {
        transfer(rd, rd->queue[i]);
        blkdrv_complete(b, rd->queue[i], OK);
    }
}

static int ram_reset(blkdrv_t *b)
{
    ramdisk_t *rd = blkdrv_ctx(b);
    rd->resets++;
    printf("ramdisk: %s: reset %u: forgetting %u queued and %u stuck requests (the device was full %llu times)\n",
           rd->name, rd->resets, rd->nqueue, rd->nhung, (unsigned long long)rd->full);
    rd->nqueue = 0;
    rd->nhung = 0;
    return OK;
}

static int ram_init(blkdrv_t *b, blkdrv_geometry_t *geo)
{
    ramdisk_t *rd = blkdrv_ctx(b);
    handle_t vmo;
    uint64_t addr = 0;
    int err = (int)sys_vmo_create(rd->size, 0, &vmo);
    if (err == OK)
        err = (int)sys_vm_map(HANDLE_INVALID, vmo, 0, rd->size, MAP_READ | MAP_WRITE, &addr);
    if (err != OK) {
        fprintf(stderr, "ramdisk: %llu bytes of memory: %s\n", (unsigned long long)rd->size, cairn_error_name(err));
        return err;
    }
    rd->mem = (uint8_t *)(uintptr_t)addr;
    snprintf(geo->name, sizeof geo->name, "%s", rd->name);
    geo->block_size = rd->block_size;
    geo->block_count = rd->size / rd->block_size;
    geo->max_transfer = 128 * 1024 < rd->size ? 128 * 1024 : (uint32_t)rd->size;
    geo->max_transfer -= geo->max_transfer % rd->block_size;
    geo->queue_depth = rd->depth;
    geo->queues = 1;
    geo->flags = BLK_INFO_DISCARD | (rd->read_only ? BLK_INFO_READ_ONLY : 0) | (rd->wcache ? BLK_INFO_FLUSH : 0);
    geo->dma = rd->dma;
    geo->timeout_ns = rd->timeout_ns;
    geo->poll_ns = rd->poll_ns;
    snprintf(geo->model, sizeof geo->model, "Cairn RAM disk");
    snprintf(geo->serial, sizeof geo->serial, "RAM-%llu", (unsigned long long)(rd->size >> 10));
    return OK;
}

/* async: the poll op completes requests; no-reset: a timeout is fatal. */
static blkdrv_ops_t ram_ops = {
    .name = "ramdisk",
    .pci = false,
    .init = ram_init,
    .submit = ram_submit,
    .poll = ram_poll,
    .reset = ram_reset,
};

/* "16M", "512K", "4096": bytes, or 0 when malformed. */
static uint64_t parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    uint64_t unit = 1;
    if (end == s)
        return 0;
    if (*end == 'K' || *end == 'k')
        unit = 1ull << 10, end++;
    else if (*end == 'M' || *end == 'm')
        unit = 1ull << 20, end++;
    else if (*end == 'G' || *end == 'g')
        unit = 1ull << 30, end++;
    if (*end != '\0' || v == 0 || v > (1ull << 32) / unit)
        return 0;
    return v * unit;
}

static bool parse_num(const char *s, const char *key, uint64_t *out)
{
    size_t n = strlen(key);
    char *end;
    if (strncmp(s, key, n) != 0 || s[n] != '=' || s[n + 1] == '\0')
        return false;
    *out = strtoull(s + n + 1, &end, 0);
    return *end == '\0';
}

static int usage(const char *why)
{
    fprintf(stderr, "ramdisk: %s\nusage: ramdisk SIZE [NAME] [bs=N] [ro] [dma] [async] [depth=N] [poll-ms=N] "
                    "[dev-queue=N] [hang=LBA] [timeout-ms=N] [no-reset] [wcache]\n", why);
    return 2;
}

static int parse_args(ramdisk_t *rd, int argc, char **argv)
{
    uint64_t v;
    if (argc < 2 || (rd->size = parse_size(argv[1])) == 0)
        return usage("SIZE: a number of bytes, K, M or G, up to 4G");
    rd->block_size = 512;
    rd->depth = 1;
    rd->dev_queue = RAM_MAX_QUEUE;
    snprintf(rd->name, sizeof rd->name, "ram%%u");
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "ro") == 0)
            rd->read_only = true;
        else if (strcmp(a, "dma") == 0)
            rd->dma = true;
        else if (strcmp(a, "no-reset") == 0)
            rd->no_reset = true;
        else if (strcmp(a, "wcache") == 0)
            rd->wcache = true;
        else if (strcmp(a, "async") == 0)
            rd->async = true, rd->depth = rd->depth > 1 ? rd->depth : 8;
        else if (parse_num(a, "bs", &v))
            rd->block_size = (uint32_t)v;
        else if (parse_num(a, "depth", &v) && v >= 1 && v <= RAM_MAX_QUEUE)
            rd->depth = (uint32_t)v;
        else if (parse_num(a, "dev-queue", &v) && v >= 1 && v <= RAM_MAX_QUEUE)
            rd->dev_queue = (uint32_t)v;
        else if (parse_num(a, "poll-ms", &v) && v >= 1 && v <= 1000)
            rd->poll_ns = v * MS;
        else if (parse_num(a, "timeout-ms", &v) && v >= 1 && v <= 3600 * 1000)
            rd->timeout_ns = v * MS;
        else if (parse_num(a, "hang", &v))
            rd->hang = true, rd->hang_lba = v;
        else if (i == 2 && strchr(a, '=') == NULL && strlen(a) <= BLK_NAME_MAX)
            snprintf(rd->name, sizeof rd->name, "%s", a);
        else
            return usage("unknown or bad option");
    }
    if (rd->block_size < 512 || rd->block_size > 65536 || (rd->block_size & (rd->block_size - 1)) ||
        rd->size % rd->block_size != 0)
        return usage("bs: a power of two from 512 to 65536 that divides SIZE");
    return OK;
}

int main(int argc, char **argv)
{
    static ramdisk_t rd;
    int err = parse_args(&rd, argc, argv);
    if (err != OK)
        return err;
    if (!rd.async)
        ram_ops.poll = NULL;
    if (rd.no_reset)
        ram_ops.reset = NULL;
    return blkdrv_run(&ram_ops, &rd);
}
