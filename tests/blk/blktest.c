/* SPDX-License-Identifier: BSD-2-Clause
 *
 * blktest: the block layer's system test (blktest.h has the roles). The
 * manifest (tests/qemu/data/blk/manifest) runs three RAM disks:
 *
 *   ram0  4 MiB, 512-byte blocks, requests done at once (no DMA)
 *   ram1  4 MiB, 4 KiB blocks, completions from the poll op, depth 4, DMA
 *         bounce buffers, LBA 1000 stuck, 300 ms timeout (reset)
 *   ram2  1 MiB, read-only
 *
 * and this program checks, through the client library (cairn/blk.h) and
 * by writing rings by hand (raw.c): what info says, written patterns read
 * back, many requests in flight, every bad request refused while the
 * driver stays up, the ring's indices being garbage, notification
 * suppression, several client processes at once, a client killed in the
 * middle of its I/O, a request that times out, and a client library that
 * holds out against a driver breaking the protocol. Each test prints
 *     blktest: PASS name    or    blktest: FAIL name: file:line: check (got N)
 * and the run ends with "blktest: done, N passed, M failed".
 */
#include "blktest.h"

#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "cairn/sys.h"
#include "ns.h"
#include "proc.h"

static handle_t proc_ch;
static const char *current;
static bool failed_once;

void blktest_fail(int line, const char *what, long long got)
{
    printf("blktest: FAIL %s: line %d: %s (got %lld%s%s)\n", current, line, what, got,
           got < 0 && got >= ERR_LAST ? " " : "", got < 0 && got >= ERR_LAST ? cairn_error_name((int)got) : "");
    failed_once = true;
}

uint64_t blktest_deadline(uint64_t ns) { return libsys_now_ns() + ns; }

void blktest_fill(uint8_t *p, uint64_t n, uint64_t seed)
{
    for (uint64_t i = 0; i < n; i++)
        p[i] = blktest_byte(seed, i);
}

bool blktest_same(const uint8_t *p, uint64_t n, uint64_t seed)
{
    for (uint64_t i = 0; i < n; i++) {
        if (p[i] != blktest_byte(seed, i))
            return false;
    }
    return true;
}

/* ---- helper processes ------------------------------------------------------ */

int blktest_spawn(const char *args, handle_t *report, uint64_t *pid)
{
    proc_create_result_t cr;
    ns_derive_result_t d;
    int err = proc_create(proc_ch, "blktest", args, "", &cr, blktest_deadline(5 * SEC));
    if (err != OK)
        return err;
    *pid = cr.pid;
    if ((err = ns_derive(libsys_handle("ns"), "blkhelper", "blk.fk-*", "blk.*", &d, blktest_deadline(5 * SEC))) != OK ||
        (err = proc_add_handle(proc_ch, cr.pid, "ns", d.session, blktest_deadline(5 * SEC))) != OK)
        return err;
    if (report != NULL) {
        handle_t theirs;
        if ((err = (int)sys_chan_create(report, &theirs)) != OK ||
            (err = proc_add_handle(proc_ch, cr.pid, "report", theirs, blktest_deadline(5 * SEC))) != OK)
            return err;
    }
    return proc_start(proc_ch, cr.pid, blktest_deadline(5 * SEC));
}

int blktest_wait(uint64_t pid, uint32_t *reason, int32_t *code, uint64_t timeout_ns)
{
    proc_wait_result_t w;
    int err = proc_wait(proc_ch, pid, &w, blktest_deadline(timeout_ns));
    if (err == OK) {
        *reason = w.reason;
        *code = w.code;
    }
    return err;
}

int blktest_kill(uint64_t pid) { return proc_kill(proc_ch, pid, blktest_deadline(5 * SEC)); }

/* ---- helpers ----------------------------------------------------------------- */

int blktest_roundtrip(blk_t *b, uint64_t lba, uint32_t count, uint64_t seed)
{
    blk_info_t in;
    blk_info(b, &in);
    uint64_t n = (uint64_t)count * in.block_size;
    uint8_t *w = malloc(n), *r = malloc(n);
    CHECK(w != NULL && r != NULL);
    blktest_fill(w, n, seed);
    memset(r, 0xee, n);
    EQ(blk_write(b, lba, count, w), OK);
    EQ(blk_read(b, lba, count, r), OK);
    CHECK(memcmp(w, r, n) == 0);
    free(w);
    free(r);
    return 0;
}

int blktest_one(blk_t *b, uint16_t op, uint64_t lba, uint32_t count, uint64_t offset)
{
    blk_req_t r = {.tag = 0x5eed, .op = op, .count = count, .lba = lba, .offset = offset};
    blk_done_t d;
    int err = blk_submit(b, &r);
    if (err != OK)
        return err;
    err = blk_wait(b, &d, 1, blktest_deadline(10 * SEC));
    if (err < 0)
        return err;
    return d.tag == 0x5eed ? d.status : ERR_INTERNAL;
}

/* ---- tests ------------------------------------------------------------------- */

static int t_info(void)
{
    blk_t *b;
    blk_info_t in;
    EQ(blk_open("ram0", NULL, &b), OK);
    EQ(blk_info(b, &in), OK);
    CHECK(strcmp(in.name, "ram0") == 0);
    CHECK(strcmp(in.model, "Cairn RAM disk") == 0);
    EQ(in.block_size, 512);
    EQ(in.block_count, 8192);
    EQ(in.max_transfer, 128 * 1024);
    EQ(in.queue_depth, 1);
    EQ(in.flags, BLK_INFO_DISCARD);
    blk_close(b);
    EQ(blk_open("ram1", NULL, &b), OK);
    blk_info(b, &in);
    EQ(in.block_size, 4096);
    EQ(in.block_count, 1024);
    EQ(in.queue_depth, 4);
    EQ(in.flags, BLK_INFO_DISCARD | BLK_INFO_FLUSH);
    blk_close(b);
    EQ(blk_open("ram2", NULL, &b), OK);
    blk_info(b, &in);
    EQ(in.flags, BLK_INFO_DISCARD | BLK_INFO_READ_ONLY);
    blk_close(b);
    /* blk_list finds the three, by the "blk." convention. */
    uint32_t cursor = 0, found = 0;
    char name[BLK_NAME_MAX + 1];
    while (blk_list(&cursor, name) == OK)
        found |= strcmp(name, "ram0") == 0   ? 1
                 : strcmp(name, "ram1") == 0 ? 2
                 : strcmp(name, "ram2") == 0 ? 4
                 : strcmp(name, "ram3") == 0 ? 8
                 : strncmp(name, "mu", 2) == 0 ? 0 /* units_info's */
                                             : 16;
    EQ(found, 15);
    return 0;
}

static int t_open_refused(void)
{
    blk_t *b;
    blk_config_t quick = {.wait_ns = 200 * MSEC};
    EQ(blk_open("nosuch", &quick, &b), ERR_TIMED_OUT);
    CHECK(b == NULL);
    EQ(blk_open("", NULL, &b), ERR_INVALID_ARGS);
    EQ(blk_open("a-name-longer-than-twenty-seven", NULL, &b), ERR_INVALID_ARGS);
    blk_config_t bad = {.entries = 3};
    EQ(blk_open("ram0", &bad, &b), ERR_INVALID_ARGS);
    blk_config_t big = {.data_bytes = BLK_DATA_MAX + 1};
    EQ(blk_open("ram0", &big, &b), ERR_INVALID_ARGS);
    return 0;
}

static int t_sync_patterns(void)
{
    const char *devs[] = {"ram0", "ram1"};
    for (int d = 0; d < 2; d++) {
        blk_t *b;
        blk_info_t in;
        EQ(blk_open(devs[d], NULL, &b), OK);
        blk_info(b, &in);
        uint8_t *zero = calloc(1, in.block_size), *buf = malloc(in.block_size);
        CHECK(zero && buf);
        EQ(blk_read(b, 7, 1, buf), OK); /* never written: zeroes */
        CHECK(memcmp(buf, zero, in.block_size) == 0);
        if (blktest_roundtrip(b, 0, 1, 1 + d) || blktest_roundtrip(b, in.block_count - 1, 1, 2 + d) ||
            blktest_roundtrip(b, 100, 3, 3 + d))
            return -1;
        /* More than max_transfer: the library splits it. */
        uint32_t many = (uint32_t)(3 * in.max_transfer / in.block_size + 5);
        if (blktest_roundtrip(b, 200, many, 4 + d))
            return -1;
        /* Overwrite and read again: the second pattern wins. */
        if (blktest_roundtrip(b, 100, 3, 99 + d))
            return -1;
        EQ(blk_read(b, in.block_count, 1, buf), ERR_OUT_OF_RANGE);
        EQ(blk_read(b, 0, 0, buf), ERR_INVALID_ARGS);
        EQ(blk_flush(b), OK);
        free(zero);
        free(buf);
        blk_close(b);
    }
    return 0;
}

static int t_discard_and_read_only(void)
{
    blk_t *b;
    uint8_t buf[512], zero[512] = {0};
    EQ(blk_open("ram0", NULL, &b), OK);
    if (blktest_roundtrip(b, 50, 1, 77))
        return -1;
    EQ(blk_discard(b, 50, 1), OK);
    EQ(blk_read(b, 50, 1, buf), OK);
    CHECK(memcmp(buf, zero, sizeof buf) == 0);
    EQ(blk_discard(b, 8190, 3), ERR_OUT_OF_RANGE);
    EQ(blk_discard(b, 0, 0), ERR_INVALID_ARGS);
    blk_close(b);
    EQ(blk_open("ram2", NULL, &b), OK);
    blktest_fill(buf, sizeof buf, 5);
    EQ(blk_write(b, 0, 1, buf), ERR_ACCESS_DENIED);
    EQ(blk_discard(b, 0, 1), ERR_ACCESS_DENIED);
    EQ(blk_read(b, 0, 1, buf), OK);
    EQ(blk_flush(b), OK);
    blk_close(b);
    return 0;
}

/* A full ring of writes, then of reads, all in flight at once. */
static int many_in_flight(const char *dev, uint64_t seed)
{
    blk_t *b;
    blk_info_t in;
    blk_config_t cfg = {.entries = 64, .data_bytes = 128 * 4096};
    EQ(blk_open(dev, &cfg, &b), OK);
    blk_info(b, &in);
    uint8_t *data = blk_data(b, NULL);
    uint32_t bs = in.block_size;
    for (int pass = 0; pass < 2; pass++) {
        uint16_t op = pass == 0 ? BLK_OP_WRITE : BLK_OP_READ;
        for (uint32_t i = 0; i < 64; i++) {
            uint64_t off = (uint64_t)(pass * 64 + i) * bs; /* reads land elsewhere */
            if (op == BLK_OP_WRITE)
                blktest_fill(data + off, bs, seed + i);
            else
                memset(data + off, 0, bs);
            blk_req_t r = {.tag = 1000 + i, .op = op, .count = 1, .lba = 300 + 3 * i, .offset = off};
            EQ(blk_submit(b, &r), OK);
        }
        EQ(blk_outstanding(b), 64);
        blk_req_t extra = {.tag = 1, .op = BLK_OP_READ, .count = 1, .lba = 0, .offset = 0};
        EQ(blk_submit(b, &extra), ERR_SHOULD_WAIT); /* the ring is full */
        uint64_t seen = 0;
        uint32_t got = 0;
        uint64_t give_up = blktest_deadline(10 * SEC);
        while (got < 64) {
            blk_done_t done[16];
            int n;
            if (pass == 0) {
                n = blk_wait(b, done, 16, give_up);
            } else { /* the reads by polling, never sleeping in the library */
                n = blk_poll(b, done, 16);
                CHECK(n >= 0 && libsys_now_ns() < give_up);
                if (n == 0) {
                    sys_thread_sleep(blktest_deadline(MSEC));
                    continue;
                }
            }
            CHECK(n > 0);
            for (int k = 0; k < n; k++) {
                EQ(done[k].status, OK);
                CHECK(done[k].tag >= 1000 && done[k].tag < 1064);
                CHECK(!(seen & (1ull << (done[k].tag - 1000)))); /* each once */
                seen |= 1ull << (done[k].tag - 1000);
            }
            got += (uint32_t)n;
        }
        EQ(blk_outstanding(b), 0);
        blk_done_t none;
        EQ(blk_wait(b, &none, 1, blktest_deadline(SEC)), ERR_BAD_STATE); /* nothing to wait for */
        EQ(blk_poll(b, &none, 0), ERR_INVALID_ARGS);
    }
    for (uint32_t i = 0; i < 64; i++)
        CHECK(blktest_same(data + (uint64_t)(64 + i) * bs, bs, seed + i));
    blk_close(b);
    return 0;
}

static int t_async_many(void)
{
    if (many_in_flight("ram0", 500) || many_in_flight("ram1", 600))
        return -1;
    return 0;
}

/* Each bad request gets its error; good ones around them are served. */
static int bad_requests(const char *dev)
{
    blk_t *b;
    blk_info_t in;
    uint64_t size;
    blk_config_t cfg = {.entries = 32, .data_bytes = 64 * 1024};
    EQ(blk_open(dev, &cfg, &b), OK);
    blk_info(b, &in);
    uint8_t *data = blk_data(b, &size);
    uint32_t bs = in.block_size, maxb = in.max_transfer / bs;
    const struct {
        uint16_t op;
        uint64_t lba;
        uint32_t count;
        uint64_t offset;
        int want;
    } cases[] = {
        {BLK_OP_READ, 0, 1, 0, OK},
        {BLK_OP_READ, in.block_count, 1, 0, ERR_OUT_OF_RANGE},      /* LBA past the end */
        {BLK_OP_WRITE, in.block_count - 1, 2, 0, ERR_OUT_OF_RANGE}, /* runs past the end */
        {BLK_OP_READ, UINT64_MAX, 1, 0, ERR_OUT_OF_RANGE},          /* wraps */
        {BLK_OP_READ, 0, 1, size, ERR_BAD_ADDRESS},                 /* offset outside the vmo */
        {BLK_OP_WRITE, 0, 2, size - bs, ERR_BAD_ADDRESS},           /* runs out of it */
        {BLK_OP_READ, 0, 1, UINT64_MAX - bs + 1, ERR_BAD_ADDRESS},  /* wraps */
        {BLK_OP_READ, 0, 1, 1, ERR_INVALID_ARGS},                   /* misaligned */
        {BLK_OP_WRITE, 0, 1, bs / 2, ERR_INVALID_ARGS},
        {BLK_OP_READ, 0, 0, 0, ERR_INVALID_ARGS},                   /* zero count */
        {BLK_OP_READ, 0, maxb + 1, 0, ERR_OUT_OF_RANGE},            /* more than max transfer */
        {BLK_OP_WRITE, 0, UINT32_MAX, 0, ERR_OUT_OF_RANGE},         /* huge */
        {0, 0, 1, 0, ERR_NOT_SUPPORTED},                            /* no such op */
        {77, 0, 1, 0, ERR_NOT_SUPPORTED},
        {BLK_OP_FLUSH, 5, 0, 0, ERR_INVALID_ARGS},                  /* a flush has no range */
        {BLK_OP_DISCARD, 0, 1, bs, ERR_INVALID_ARGS},               /* nor a discard data */
        {BLK_OP_WRITE, 2, 1, bs, OK},
        {BLK_OP_FLUSH, 0, 0, 0, OK},
    };
    const uint32_t n = sizeof cases / sizeof cases[0];
    blktest_fill(data + bs, bs, 4242);
    for (uint32_t i = 0; i < n; i++) {
        blk_req_t r = {.tag = i, .op = cases[i].op, .count = cases[i].count, .lba = cases[i].lba,
                       .offset = cases[i].offset};
        EQ(blk_submit(b, &r), OK);
    }
    for (uint32_t got = 0; got < n;) {
        blk_done_t done[32];
        int k = blk_wait(b, done, 32, blktest_deadline(10 * SEC));
        CHECK(k > 0);
        for (int j = 0; j < k; j++) {
            CHECK(done[j].tag < n);
            if (done[j].status != cases[done[j].tag].want) {
                printf("blktest: %s: case %llu: got %s, want %s\n", dev, (unsigned long long)done[j].tag,
                       cairn_error_name(done[j].status), cairn_error_name(cases[done[j].tag].want));
                EQ(done[j].status, cases[done[j].tag].want);
            }
        }
        got += (uint32_t)k;
    }
    /* The good write among them landed; the connection goes on working. */
    uint8_t *back = malloc(bs);
    CHECK(back != NULL);
    EQ(blk_read(b, 2, 1, back), OK);
    CHECK(blktest_same(back, bs, 4242));
    free(back);
    blk_close(b);
    return 0;
}

static int t_bad_requests(void)
{
    if (bad_requests("ram0") || bad_requests("ram1"))
        return -1;
    return 0;
}

/* Closing with requests in the ring and at the driver: the driver drops
 * the connection safely and the next one works. */
static int t_close_with_outstanding(void)
{
    const char *devs[] = {"ram0", "ram1"};
    for (int d = 0; d < 2; d++) {
        for (int round = 0; round < 5; round++) {
            blk_t *b;
            blk_config_t cfg = {.entries = 64, .data_bytes = 64 * 4096};
            EQ(blk_open(devs[d], &cfg, &b), OK);
            for (uint32_t i = 0; i < 64; i++) {
                blk_req_t r = {.tag = i, .op = i % 2 ? BLK_OP_READ : BLK_OP_WRITE, .count = 1,
                               .lba = 400 + i, .offset = (uint64_t)i * 4096};
                EQ(blk_submit(b, &r), OK);
            }
            blk_close(b);
        }
        blk_t *b;
        EQ(blk_open(devs[d], NULL, &b), OK);
        if (blktest_roundtrip(b, 10, 2, 31 + d))
            return -1;
        blk_close(b);
    }
    return 0;
}

/* ram1's LBA 1000 never completes: after 300 ms the library resets the
 * device, the stuck request fails with ERR_TIMED_OUT, and the device
 * serves on, also the connection that had it. */
static int t_timeout_reset(void)
{
    blk_t *b;
    blk_config_t cfg = {.entries = 8, .data_bytes = 8 * 4096};
    EQ(blk_open("ram1", &cfg, &b), OK);
    uint64_t start = libsys_now_ns();
    EQ(blktest_one(b, BLK_OP_READ, 1000, 1, 0), ERR_TIMED_OUT);
    CHECK(libsys_now_ns() - start >= 250 * MSEC);
    if (blktest_roundtrip(b, 999, 1, 8) || blktest_roundtrip(b, 1001, 1, 9))
        return -1;
    EQ(blktest_one(b, BLK_OP_WRITE, 1000, 1, 0), ERR_TIMED_OUT);
    if (blktest_roundtrip(b, 3, 1, 10))
        return -1;
    blk_close(b);
    return 0;
}

/* ram3 has no reset op: its stuck request times out, the driver fails it
 * and ends; the connection then says ERR_PEER_CLOSED, and the driver
 * init restarts serves a new one. */
static int t_timeout_fatal(void)
{
    blk_t *b;
    blk_config_t cfg = {.entries = 8, .data_bytes = 8 * 512};
    EQ(blk_open("ram3", &cfg, &b), OK);
    if (blktest_roundtrip(b, 6, 1, 13))
        return -1;
    EQ(blktest_one(b, BLK_OP_READ, 7, 1, 0), ERR_TIMED_OUT);
    EQ(blktest_one(b, BLK_OP_READ, 6, 1, 0), ERR_PEER_CLOSED);
    EQ(blk_submit(b, &(blk_req_t){.op = BLK_OP_READ, .count = 1}), ERR_PEER_CLOSED);
    blk_close(b);
    blk_config_t wait = {.wait_ns = 10 * SEC};
    uint64_t end = blktest_deadline(10 * SEC);
    int err;
    /* The old name may still be there for a moment: retry until served. */
    while ((err = blk_open("ram3", &wait, &b)) != OK && libsys_now_ns() < end)
        sys_thread_sleep(blktest_deadline(50 * MSEC));
    EQ(err, OK);
    if (blktest_roundtrip(b, 6, 1, 14))
        return -1;
    blk_close(b);
    return 0;
}

/* Four client processes at once, two per device, each checking its own
 * region, while this one checks another. */
static int t_several_clients(void)
{
    const char *args[] = {"worker ram0 1 12", "worker ram0 2 12", "worker ram1 1 12", "worker ram1 2 12"};
    uint64_t pids[4];
    for (int i = 0; i < 4; i++)
        EQ(blktest_spawn(args[i], NULL, &pids[i]), OK);
    blk_t *b0, *b1;
    EQ(blk_open("ram0", NULL, &b0), OK);
    EQ(blk_open("ram1", NULL, &b1), OK);
    for (int round = 0; round < 6; round++) {
        if (blktest_roundtrip(b0, 3000 + round, 5, 70 + round) || blktest_roundtrip(b1, 100 + round, 2, 80 + round))
            return -1;
    }
    blk_close(b0);
    blk_close(b1);
    for (int i = 0; i < 4; i++) {
        uint32_t reason;
        int32_t code;
        EQ(blktest_wait(pids[i], &reason, &code, 120 * SEC), OK);
        EQ(reason, PROCESS_EXITED);
        EQ(code, 0);
    }
    return 0;
}

/* Two clients that keep the rings full are killed in the middle of their
 * I/O; two others working at the same time finish with their data intact,
 * and the drivers serve on. */
static int t_killed_mid_io(void)
{
    uint64_t hammers[2], workers[2];
    handle_t reports[2];
    EQ(blktest_spawn("hammer ram0", &reports[0], &hammers[0]), OK);
    EQ(blktest_spawn("hammer ram1", &reports[1], &hammers[1]), OK);
    EQ(blktest_spawn("worker ram0 3 400", NULL, &workers[0]), OK);
    EQ(blktest_spawn("worker ram1 3 30", NULL, &workers[1]), OK);
    for (int i = 0; i < 2; i++) {
        uint32_t seen = 0;
        EQ(sys_object_wait(reports[i], SIG_READABLE, blktest_deadline(30 * SEC), &seen), OK);
    }
    sys_thread_sleep(blktest_deadline(100 * MSEC));
    for (int i = 0; i < 2; i++) {
        uint32_t reason;
        int32_t code;
        EQ(blktest_kill(hammers[i]), OK);
        EQ(blktest_wait(hammers[i], &reason, &code, 10 * SEC), OK);
        EQ(reason, PROCESS_KILLED);
        sys_handle_close(reports[i]);
    }
    for (int i = 0; i < 2; i++) {
        uint32_t reason;
        int32_t code;
        EQ(blktest_wait(workers[i], &reason, &code, 120 * SEC), OK);
        EQ(reason, PROCESS_EXITED);
        EQ(code, 0);
    }
    const char *devs[] = {"ram0", "ram1"};
    for (int d = 0; d < 2; d++) {
        blk_t *b;
        EQ(blk_open(devs[d], NULL, &b), OK);
        if (blktest_roundtrip(b, 20, 4, 90 + d))
            return -1;
        blk_close(b);
    }
    return 0;
}

/* The client library against drivers that break the protocol: each
 * failure is ERR_CORRUPT (or ERR_PEER_CLOSED), never a crash or a
 * completion handed out that nobody asked for. */
static int fake(const char *mode, int want_open, int want_first, int want_then)
{
    char args[64], name[32];
    uint64_t pid;
    snprintf(args, sizeof args, "fakedrv %s", mode);
    snprintf(name, sizeof name, "fk-%s", mode);
    EQ(blktest_spawn(args, NULL, &pid), OK);
    blk_t *b;
    blk_config_t cfg = {.entries = 8, .data_bytes = 8 * 4096, .wait_ns = 10 * SEC};
    int err = blk_open(name, &cfg, &b);
    if (want_open != OK) {
        EQ(err, want_open);
    } else {
        EQ(err, OK);
        blk_req_t r = {.tag = 1, .op = BLK_OP_READ, .count = 1, .lba = 0, .offset = 0};
        blk_done_t d[4];
        EQ(blk_submit(b, &r), OK);
        r.tag = 2;
        EQ(blk_submit(b, &r), OK);
        int n = blk_wait(b, d, 1, blktest_deadline(10 * SEC));
        EQ(n == 1 ? d[0].status : n, want_first);
        n = blk_wait(b, d, 4, blktest_deadline(10 * SEC));
        EQ(n, want_then);
        EQ(blk_submit(b, &r), want_then); /* broken for good */
        blk_close(b);
    }
    uint32_t reason;
    int32_t code;
    EQ(blktest_kill(pid), OK);
    EQ(blktest_wait(pid, &reason, &code, 10 * SEC), OK);
    return 0;
}

static int t_client_defenses(void)
{
    if (fake("geometry", ERR_CORRUPT, 0, 0) ||        /* info makes no sense */
        fake("tail", OK, ERR_CORRUPT, ERR_CORRUPT) || /* cq_tail far ahead */
        fake("tag", OK, ERR_CORRUPT, ERR_CORRUPT) ||  /* a tag never submitted */
        fake("dup", OK, OK, ERR_CORRUPT) ||           /* the same completion twice */
        fake("ringerr", OK, ERR_CORRUPT, ERR_CORRUPT) || fake("exit", OK, ERR_PEER_CLOSED, ERR_PEER_CLOSED))
        return -1;
    return 0;
}

/* Last: after all of the above, both devices still hold what was written. */
static int t_still_serving(void)
{
    const char *devs[] = {"ram0", "ram1"};
    for (int d = 0; d < 2; d++) {
        blk_t *b;
        blk_info_t in;
        EQ(blk_open(devs[d], NULL, &b), OK);
        blk_info(b, &in);
        uint8_t *buf = malloc(in.block_size);
        CHECK(buf != NULL);
        EQ(blk_read(b, 0, 1, buf), OK); /* t_sync_patterns' first block */
        CHECK(blktest_same(buf, in.block_size, 1 + d));
        free(buf);
        blk_close(b);
    }
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(void);
} tests[] = {
    {"info", t_info},
    {"open_refused", t_open_refused},
    {"sync_patterns", t_sync_patterns},
    {"discard_and_read_only", t_discard_and_read_only},
    {"async_many_in_flight", t_async_many},
    {"bad_requests", t_bad_requests},
    {"raw_attach", t_raw_attach},
    {"raw_bad_fields", t_raw_bad_fields},
    {"raw_garbage_indices", t_raw_garbage_indices},
    {"raw_suppression", t_raw_suppression},
    {"close_with_outstanding", t_close_with_outstanding},
    {"timeout_reset", t_timeout_reset},
    {"timeout_fatal", t_timeout_fatal},
    {"several_clients", t_several_clients},
    {"killed_mid_io", t_killed_mid_io},
    {"client_defenses", t_client_defenses},
    {"units_info", t_units_info},
    {"units_own_data", t_units_own_data},
    {"units_bad_requests", t_units_bad_requests},
    {"units_share", t_units_share},
    {"units_reset", t_units_reset},
    {"units_api", t_units_api},
    {"units_publish_refused", t_units_publish_refused},
    {"still_serving", t_still_serving},
};

int main(int argc, char **argv)
{
    if (argc > 1)
        return blktest_role(argc, argv);
    int err = libsys_connect("proc", 10 * SEC, &proc_ch);
    if (err != OK) {
        printf("blktest: FAIL connect proc: %s\n", cairn_error_name(err));
        return 1;
    }
    int n = (int)(sizeof tests / sizeof tests[0]), passed = 0, failed = 0;
    printf("blktest: running %d tests\n", n);
    for (int i = 0; i < n; i++) {
        current = tests[i].name;
        failed_once = false;
        int r = tests[i].fn();
        if (r == 0 && !failed_once) {
            printf("blktest: PASS %s\n", current);
            passed++;
        } else {
            if (!failed_once)
                printf("blktest: FAIL %s: returned %d\n", current, r);
            failed++;
        }
    }
    printf("blktest: done, %d passed, %d failed\n", passed, failed);
    return failed;
}
