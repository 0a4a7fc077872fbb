/* SPDX-License-Identifier: BSD-2-Clause
 *
 * ramdisk: a block device in memory (Linux's brd), on the block driver
 * library (cairn/blkdrv.h, docs/block.md). Its blocks are one vmo of its
 * own; every request copies between it and the request's buffer. It may
 * serve several devices (units) from one process, as an NVMe controller's
 * driver serves its namespaces: each has its own vmo and geometry, and
 * they share the depth, the async queue and the timeouts.
 *
 *     ramdisk SIZE [NAME] [OPTION...]
 *
 * SIZE in bytes, or with K, M or G. NAME is the device's (published as
 * "blk.NAME"); without one, the first free of ram0, ram1, ... Options:
 *
 *   bs=N        block size (512 by default; a power of two up to 65536)
 *   ro          read-only
 *   unit=SIZE,NAME[,bs=N][,ro]
 *               one more device served by this process (up to 15 more),
 *               with its own size, name, block size and read-only flag;
 *               bs= and ro above are the first device's. A "%u" in the
 *               names is the process's number, the same in each
 *               (cairn/blkdrv.h)
 *   dma         behave as a DMA device: requests come with bounce buffers
 *               and physical addresses (needs the "dma" handle)
 *   async       complete requests from the poll op (every poll-ms) instead
 *               of at once, as a device with a queue does; depth 8
 *   depth=N     requests at the driver at once (with async)
 *   dev-queue=N with async: the device's own queue holds only N; submit
 *               says ERR_SHOULD_WAIT beyond (a device fuller than its
 *               declared depth, for the library's retry)
 *   poll-ms=N   poll period with async (default 1)
 *   hang=LBA    a read or write starting at LBA (of any device) is taken
 *               and never completed (a stuck device), for the library's
 *               timeout and reset; reset forgets it
 *   timeout-ms=N  the library's request timeout (default 30 s)
 *   no-reset    no reset op: a timeout ends the driver (status 1)
 *   wcache      claim a volatile write cache, so flushes reach the driver
 *               (which has nothing to write back)
 *
 * Discard zeroes the blocks. Without wcache a flush is answered by the
 * library without reaching the driver: what completed is in memory.
 *
 * It checks what the library promises (a request for one of its devices,
 * inside that device, never more at the driver than the depth across all
 * devices) and says "broke its promise ... ERR_INTERNAL" when that fails;
 * with several devices it says how many devices' requests fill the driver
 * when it is full (once for each number), for the tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/blkdrv.h"
#include "cairn/errors.h"
#include "cairn/sys.h"

#define RAM_MAX_QUEUE BLKDRV_MAX_DEPTH
#define RAM_MAX_UNITS BLKDRV_MAX_UNITS
#define MS 1000000ull

typedef struct ram_unit {
    uint64_t size;
    uint8_t *mem;
    char name[BLK_NAME_MAX + 1];
    uint32_t block_size;
    bool read_only;
} ram_unit_t;

typedef struct ramdisk {
    ram_unit_t units[RAM_MAX_UNITS];
    uint32_t nunits;
    uint32_t depth;
    uint32_t dev_queue;                 /* async: submit says ERR_SHOULD_WAIT beyond */
    uint64_t poll_ns, timeout_ns;
    bool dma, async, no_reset, wcache;
    bool hang;
    uint64_t hang_lba;
    blkdrv_req_t *queue[RAM_MAX_QUEUE]; /* async: taken, not done */
    uint32_t nqueue;
    uint32_t nhung;                     /* stuck at hang_lba */
    uint64_t full;                      /* ERR_SHOULD_WAIT answers */
    uint32_t resets;
    uint32_t said_full;                 /* several units: bit n, full with n devices' requests was logged */
} ramdisk_t;

static void transfer(ramdisk_t *rd, blkdrv_req_t *r)
{
    const ram_unit_t *u = &rd->units[r->unit];
    uint8_t *at = u->mem + r->lba * u->block_size;
    switch (r->op) {
    case BLK_OP_READ:
        memcpy(r->va, at, r->bytes);
        break;
    case BLK_OP_WRITE:
        memcpy(at, r->va, r->bytes);
        break;
    case BLK_OP_DISCARD:
        memset(at, 0, (uint64_t)r->count * u->block_size);
        break;
    default: /* flush: nothing is cached */
        break;
    }
}

/* What the library promised (cairn/blkdrv.h): NULL, or what it broke. */
static const char *broken_promise(const ramdisk_t *rd, const blkdrv_req_t *r)
{
    if (r->unit >= rd->nunits)
        return "a request for no device of ours";
    const ram_unit_t *u = &rd->units[r->unit];
    uint64_t blocks = u->size / u->block_size;
    bool data = r->op == BLK_OP_READ || r->op == BLK_OP_WRITE;
    if (r->op != BLK_OP_FLUSH && (r->lba >= blocks || r->count > blocks - r->lba))
        return "blocks past the end of the device";
    if (data && r->bytes != (uint64_t)r->count * u->block_size)
        return "a length that is not its blocks";
    if (rd->dma && data && r->phys == 0)
        return "no physical address";
    if (rd->nqueue + rd->nhung >= rd->depth)
        return "more requests at the driver than its depth";
    return NULL;
}

/* Several units: when the driver is full, how many devices' requests fill
 * it, logged the first time for each number (the tests look for 1 and 2). */
static void note_full(blkdrv_t *b, ramdisk_t *rd)
{
    if (rd->nunits < 2 || rd->nqueue + rd->nhung < rd->depth)
        return;
    uint32_t seen = 0, devices = 0;
    for (uint32_t i = 0; i < rd->nqueue; i++) {
        if (!(seen & (1u << rd->queue[i]->unit)))
            devices++;
        seen |= 1u << rd->queue[i]->unit;
    }
    if (rd->said_full & (1u << devices))
        return;
    rd->said_full |= 1u << devices;
    printf("ramdisk: %s: the driver full (%u of depth %u) with requests of %u device%s\n", blkdrv_geometry(b)->name,
           rd->nqueue + rd->nhung, rd->depth, devices, devices == 1 ? "" : "s");
}

static int ram_submit(blkdrv_t *b, blkdrv_req_t *r)
{
    ramdisk_t *rd = blkdrv_ctx(b);
    const char *broken = broken_promise(rd, r);
    if (broken != NULL) {
        fprintf(stderr, "ramdisk: the library broke its promise: %s (unit %u of %u, %s, lba %llu, count %u, "
                        "%u at the driver of depth %u): ERR_INTERNAL\n",
                broken, r->unit, rd->nunits, blk_op_name(r->op), (unsigned long long)r->lba, r->count,
                rd->nqueue + rd->nhung, rd->depth);
        return ERR_INTERNAL;
    }
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
        note_full(b, rd);
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
           blkdrv_geometry(b)->name, rd->resets, rd->nqueue, rd->nhung, (unsigned long long)rd->full);
    rd->nqueue = 0;
    rd->nhung = 0;
    return OK;
}

static int unit_memory(ram_unit_t *u)
{
    handle_t vmo;
    uint64_t addr = 0;
    int err = (int)sys_vmo_create(u->size, 0, &vmo);
    if (err == OK)
        err = (int)sys_vm_map(HANDLE_INVALID, vmo, 0, u->size, MAP_READ | MAP_WRITE, &addr);
    if (err != OK) {
        fprintf(stderr, "ramdisk: %llu bytes of memory: %s\n", (unsigned long long)u->size, cairn_error_name(err));
        return err;
    }
    u->mem = (uint8_t *)(uintptr_t)addr;
    return OK;
}

/* The unit's own fields of its geometry (the driver's are the first's). */
static void unit_geometry(const ramdisk_t *rd, uint32_t i, blkdrv_geometry_t *geo)
{
    const ram_unit_t *u = &rd->units[i];
    snprintf(geo->name, sizeof geo->name, "%s", u->name);
    geo->block_size = u->block_size;
    geo->block_count = u->size / u->block_size;
    geo->max_transfer = 128 * 1024 < u->size ? 128 * 1024 : (uint32_t)u->size;
    geo->max_transfer -= geo->max_transfer % u->block_size;
    geo->flags = BLK_INFO_DISCARD | (u->read_only ? BLK_INFO_READ_ONLY : 0) | (rd->wcache ? BLK_INFO_FLUSH : 0);
    snprintf(geo->model, sizeof geo->model, "Cairn RAM disk");
    if (i == 0)
        snprintf(geo->serial, sizeof geo->serial, "RAM-%llu", (unsigned long long)(u->size >> 10));
    else
        snprintf(geo->serial, sizeof geo->serial, "RAM-%llu.%u", (unsigned long long)(u->size >> 10), i);
}

static int ram_init(blkdrv_t *b, blkdrv_geometry_t *geo)
{
    ramdisk_t *rd = blkdrv_ctx(b);
    int err;
    for (uint32_t i = 0; i < rd->nunits; i++) {
        if ((err = unit_memory(&rd->units[i])) != OK)
            return err;
    }
    unit_geometry(rd, 0, geo);
    geo->queue_depth = rd->depth;
    geo->queues = 1;
    geo->dma = rd->dma;
    geo->timeout_ns = rd->timeout_ns;
    geo->poll_ns = rd->poll_ns;
    for (uint32_t i = 1; i < rd->nunits; i++) {
        blkdrv_geometry_t g = {0};
        unit_geometry(rd, i, &g);
        int unit = blkdrv_add_unit(b, &g);
        if (unit != (int)i) {
            fprintf(stderr, "ramdisk: %s: blkdrv_add_unit: %s\n", rd->units[i].name,
                    unit < 0 ? cairn_error_name(unit) : "not the next unit");
            return unit < 0 ? unit : ERR_INTERNAL;
        }
    }
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
    fprintf(stderr, "ramdisk: %s\nusage: ramdisk SIZE [NAME] [bs=N] [ro] [unit=SIZE,NAME[,bs=N][,ro]]... [dma] "
                    "[async] [depth=N] [poll-ms=N] [dev-queue=N] [hang=LBA] [timeout-ms=N] [no-reset] [wcache]\n",
            why);
    return 2;
}

static bool block_size_valid(const ram_unit_t *u)
{
    uint32_t bs = u->block_size;
    return bs >= 512 && bs <= 65536 && (bs & (bs - 1)) == 0 && u->size % bs == 0;
}

/* "SIZE,NAME[,bs=N][,ro]" (after "unit="): one more unit. */
static int parse_unit(ramdisk_t *rd, const char *spec)
{
    char buf[128];
    uint64_t v;
    if (rd->nunits >= RAM_MAX_UNITS)
        return usage("unit: too many devices");
    if (strlen(spec) >= sizeof buf)
        return usage("unit: too long");
    ram_unit_t *u = &rd->units[rd->nunits];
    *u = (ram_unit_t){.block_size = 512};
    snprintf(buf, sizeof buf, "%s", spec);
    char *field = buf, *next;
    for (int i = 0; field != NULL; i++, field = next) {
        next = strchr(field, ',');
        if (next != NULL)
            *next++ = '\0';
        if (i == 0) {
            if ((u->size = parse_size(field)) == 0)
                return usage("unit: SIZE: a number of bytes, K, M or G, up to 4G");
        } else if (strcmp(field, "ro") == 0) {
            u->read_only = true;
        } else if (parse_num(field, "bs", &v) && v <= 65536) {
            u->block_size = (uint32_t)v;
        } else if (i == 1 && *field != '\0' && strchr(field, '=') == NULL && strlen(field) <= BLK_NAME_MAX) {
            snprintf(u->name, sizeof u->name, "%s", field);
        } else {
            return usage("unit: SIZE,NAME[,bs=N][,ro]");
        }
    }
    if (u->name[0] == '\0')
        return usage("unit: SIZE,NAME[,bs=N][,ro]: the NAME is needed");
    if (!block_size_valid(u))
        return usage("unit: bs: a power of two from 512 to 65536 that divides SIZE");
    rd->nunits++;
    return OK;
}

static int parse_args(ramdisk_t *rd, int argc, char **argv)
{
    uint64_t v;
    ram_unit_t *first = &rd->units[0];
    int err;
    rd->nunits = 1;
    if (argc < 2 || (first->size = parse_size(argv[1])) == 0)
        return usage("SIZE: a number of bytes, K, M or G, up to 4G");
    first->block_size = 512;
    rd->depth = 1;
    rd->dev_queue = RAM_MAX_QUEUE;
    snprintf(first->name, sizeof first->name, "ram%%u");
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "unit=", 5) == 0) {
            if ((err = parse_unit(rd, a + 5)) != OK)
                return err;
        } else if (strcmp(a, "ro") == 0)
            first->read_only = true;
        else if (strcmp(a, "dma") == 0)
            rd->dma = true;
        else if (strcmp(a, "no-reset") == 0)
            rd->no_reset = true;
        else if (strcmp(a, "wcache") == 0)
            rd->wcache = true;
        else if (strcmp(a, "async") == 0)
            rd->async = true, rd->depth = rd->depth > 1 ? rd->depth : 8;
        else if (parse_num(a, "bs", &v) && v <= 65536)
            first->block_size = (uint32_t)v;
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
            snprintf(first->name, sizeof first->name, "%s", a);
        else
            return usage("unknown or bad option");
    }
    if (!block_size_valid(first))
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
