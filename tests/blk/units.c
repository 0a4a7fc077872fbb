/* SPDX-License-Identifier: BSD-2-Clause
 *
 * blktest: several block devices served by one driver process (docs/block.md,
 * "Several devices"). The manifest's "mu" is one RAM disk process with
 * three units sharing a depth of 8, completions from the poll op, and LBA
 * 100 stuck on any unit (reset after 1 s):
 *
 *   mu0  2 MiB, 512-byte blocks (4096)
 *   mu1  256 KiB, 4 KiB blocks (64)
 *   mu2  64 KiB, 512-byte blocks (128), read-only
 *
 * Checked: each unit's own geometry; clients on two units at once, each
 * seeing its own data; requests checked against the right unit's limits;
 * the driver's depth shared fairly between a busy unit and a quieter one
 * (the RAM disk itself fails loudly if more than the depth reach it); a
 * reset failing every unit's requests at the driver. Then unitdrv
 * (unitdrv.c): the library's refusals of blkdrv_add_unit, sixteen units
 * in one process, and a unit whose name cannot be published ending the
 * driver.
 */
#include <stdlib.h>
#include <string.h>

#include "blktest.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "proc.h"

#define MU_DEPTH 8u
#define UD_UNITS 16u /* unitdrv api: BLKDRV_MAX_UNITS */
#define MU_HANG 100u

static const struct {
    const char *name;
    uint32_t bs;
    uint64_t blocks;
    uint32_t max_transfer;
    uint32_t flags;
    const char *serial;
} mu[] = {
    {"mu0", 512, 4096, 128 * 1024, BLK_INFO_DISCARD, "RAM-2048"},
    {"mu1", 4096, 64, 128 * 1024, BLK_INFO_DISCARD, "RAM-256.1"},
    {"mu2", 512, 128, 64 * 1024, BLK_INFO_DISCARD | BLK_INFO_READ_ONLY, "RAM-64.2"},
};
#define MU_UNITS (sizeof mu / sizeof mu[0])

int t_units_info(void)
{
    for (uint32_t i = 0; i < MU_UNITS; i++) {
        blk_t *b;
        blk_info_t in;
        EQ(blk_open(mu[i].name, NULL, &b), OK);
        EQ(blk_info(b, &in), OK);
        CHECK(strcmp(in.name, mu[i].name) == 0);
        CHECK(strcmp(in.model, "Cairn RAM disk") == 0);
        CHECK(strcmp(in.serial, mu[i].serial) == 0);
        EQ(in.block_size, mu[i].bs);
        EQ(in.block_count, mu[i].blocks);
        EQ(in.max_transfer, mu[i].max_transfer);
        EQ(in.queue_depth, MU_DEPTH); /* the driver's, shared */
        EQ(in.queues, 1);
        EQ(in.flags, mu[i].flags);
        blk_close(b);
    }
    uint32_t cursor = 0, found = 0;
    char name[BLK_NAME_MAX + 1];
    while (blk_list(&cursor, name) == OK) {
        for (uint32_t i = 0; i < MU_UNITS; i++)
            found |= strcmp(name, mu[i].name) == 0 ? 1u << i : 0;
    }
    EQ(found, 7);
    return 0;
}

/* Waits for `n` completions on b, each OK. */
static int wait_all(blk_t *b, uint32_t n)
{
    for (uint32_t got = 0; got < n;) {
        blk_done_t d[16];
        int k = blk_wait(b, d, 16, blktest_deadline(10 * SEC));
        CHECK(k > 0);
        for (int j = 0; j < k; j++)
            EQ(d[j].status, OK);
        got += (uint32_t)k;
    }
    return 0;
}

/* The same LBAs on mu0 and mu1, written with different data by two
 * clients at once, read back the same way: each unit has its own. */
int t_units_own_data(void)
{
    static const uint64_t lbas[] = {0, 1, 5, 62, 63};
    const uint32_t n = sizeof lbas / sizeof lbas[0];
    blk_t *b[2];
    uint8_t *data[2];
    blk_config_t cfg = {.entries = 16, .data_bytes = 16 * 4096};
    for (int u = 0; u < 2; u++) {
        EQ(blk_open(mu[u].name, &cfg, &b[u]), OK);
        data[u] = blk_data(b[u], NULL);
    }
    for (int pass = 0; pass < 2; pass++) {
        uint16_t op = pass == 0 ? BLK_OP_WRITE : BLK_OP_READ;
        for (uint32_t i = 0; i < n; i++) {
            for (int u = 0; u < 2; u++) {
                uint64_t off = (uint64_t)(pass * n + i) * mu[u].bs;
                if (op == BLK_OP_WRITE)
                    blktest_fill(data[u] + off, mu[u].bs, 7000 + 100 * u + lbas[i]);
                else
                    memset(data[u] + off, 0, mu[u].bs);
                blk_req_t r = {.tag = i, .op = op, .count = 1, .lba = lbas[i], .offset = off};
                EQ(blk_submit(b[u], &r), OK);
            }
        }
        for (int u = 0; u < 2; u++) {
            if (wait_all(b[u], n))
                return -1;
        }
    }
    for (int u = 0; u < 2; u++) {
        for (uint32_t i = 0; i < n; i++)
            CHECK(blktest_same(data[u] + (uint64_t)(n + i) * mu[u].bs, mu[u].bs, 7000 + 100 * u + lbas[i]));
        blk_close(b[u]);
    }
    /* mu2, written by nobody, still reads zeroes where the others were written. */
    blk_t *ro;
    uint8_t buf[512], zero[512] = {0};
    EQ(blk_open("mu2", NULL, &ro), OK);
    for (uint32_t i = 0; i < n; i++) {
        EQ(blk_read(ro, lbas[i], 1, buf), OK);
        CHECK(memcmp(buf, zero, sizeof buf) == 0);
    }
    blk_close(ro);
    return 0;
}

/* Requests valid on mu0 and refused on mu1 or mu2 by their own limits. */
int t_units_bad_requests(void)
{
    const struct {
        uint32_t unit;
        uint16_t op;
        uint64_t lba;
        uint32_t count;
        uint64_t offset;
        int want;
    } cases[] = {
        {1, BLK_OP_READ, 64, 1, 0, ERR_OUT_OF_RANGE},        /* past mu1's end, inside mu0 */
        {0, BLK_OP_READ, 64, 1, 0, OK},
        {1, BLK_OP_READ, 1000, 1, 0, ERR_OUT_OF_RANGE},
        {0, BLK_OP_READ, 1000, 1, 0, OK},
        {1, BLK_OP_READ, 63, 2, 0, ERR_OUT_OF_RANGE},        /* runs past mu1's end */
        {1, BLK_OP_READ, 63, 1, 0, OK},                      /* mu1's last block */
        {1, BLK_OP_READ, 0, 1, 512, ERR_INVALID_ARGS},       /* not a multiple of mu1's 4 KiB */
        {0, BLK_OP_READ, 0, 1, 512, OK},
        {1, BLK_OP_DISCARD, 60, 5, 0, ERR_OUT_OF_RANGE},
        {0, BLK_OP_DISCARD, 60, 5, 0, OK},
        {2, BLK_OP_WRITE, 0, 1, 0, ERR_ACCESS_DENIED},       /* mu2 is read-only, mu0 not */
        {0, BLK_OP_WRITE, 2000, 1, 0, OK},
        {2, BLK_OP_READ, 128, 1, 0, ERR_OUT_OF_RANGE},
        {0, BLK_OP_READ, 128, 1, 0, OK},
        {2, BLK_OP_FLUSH, 0, 0, 0, OK},
    };
    blk_t *b[MU_UNITS];
    blk_config_t cfg = {.entries = 32, .data_bytes = 128 * 1024};
    for (uint32_t u = 0; u < MU_UNITS; u++)
        EQ(blk_open(mu[u].name, &cfg, &b[u]), OK);
    for (uint32_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = blktest_one(b[cases[i].unit], cases[i].op, cases[i].lba, cases[i].count, cases[i].offset);
        if (got != cases[i].want) {
            printf("blktest: units_bad_requests: case %u (%s): got %s, want %s\n", i, mu[cases[i].unit].name,
                   cairn_error_name(got), cairn_error_name(cases[i].want));
            EQ(got, cases[i].want);
        }
    }
    for (uint32_t u = 0; u < MU_UNITS; u++)
        blk_close(b[u]);
    return 0;
}

/* ---- the depth shared between units --------------------------------------- */

#define LOAD_ENTRIES 32u

typedef struct load {
    blk_t *b;
    uint32_t unit;
    uint64_t done;
    uint32_t next;
} load_t;

/* Reads in flight up to a full ring (data irrelevant, LBAs below MU_HANG). */
static int keep_full(load_t *l)
{
    while (blk_outstanding(l->b) < LOAD_ENTRIES) {
        uint32_t slot = l->next++ % LOAD_ENTRIES;
        blk_req_t r = {.tag = slot, .op = BLK_OP_READ, .count = 1, .lba = (l->next * 7u) % 64,
                       .offset = (uint64_t)slot * mu[l->unit].bs};
        EQ(blk_submit(l->b, &r), OK);
    }
    return 0;
}

/* Keeps every load's ring full until `total` requests completed. */
static int run_loads(load_t *loads, uint32_t n, uint64_t total)
{
    uint64_t done = 0, give_up = blktest_deadline(60 * SEC);
    for (uint32_t i = 0; i < n; i++) {
        if (keep_full(&loads[i]))
            return -1;
    }
    while (done < total) {
        bool any = false;
        CHECK(libsys_now_ns() < give_up);
        for (uint32_t i = 0; i < n; i++) {
            blk_done_t d[LOAD_ENTRIES];
            int k = blk_poll(loads[i].b, d, LOAD_ENTRIES);
            CHECK(k >= 0);
            for (int j = 0; j < k; j++)
                EQ(d[j].status, OK);
            loads[i].done += (uint64_t)k;
            done += (uint64_t)k;
            any |= k > 0;
            if (keep_full(&loads[i]))
                return -1;
        }
        if (!any)
            sys_thread_sleep(blktest_deadline(MSEC / 2));
    }
    for (uint32_t i = 0; i < n; i++) {
        blk_close(loads[i].b); /* what is still out is dropped with it */
        loads[i].b = NULL;
    }
    return 0;
}

/* mu0 alone with three clients fills the whole depth; then one client of
 * mu1 joins, and mu1 gets about as many requests through as the three of
 * mu0 together (a place per client would give it a quarter). The RAM disk
 * logs when the driver is full and with requests of how many devices, and
 * fails loudly if the depth is ever passed. */
int t_units_share(void)
{
    load_t loads[4];
    blk_config_t cfg = {.entries = LOAD_ENTRIES, .data_bytes = LOAD_ENTRIES * 4096};
    memset(loads, 0, sizeof loads);
    for (uint32_t i = 0; i < 3; i++)
        EQ(blk_open("mu0", &cfg, &loads[i].b), OK);
    if (run_loads(loads, 3, 400))
        return -1;
    memset(loads, 0, sizeof loads);
    for (uint32_t i = 0; i < 4; i++) {
        loads[i].unit = i == 3 ? 1 : 0;
        EQ(blk_open(mu[loads[i].unit].name, &cfg, &loads[i].b), OK);
    }
    if (run_loads(loads, 4, 2000))
        return -1;
    uint64_t busy = loads[0].done + loads[1].done + loads[2].done, quiet = loads[3].done;
    printf("blktest: units_share: mu0 (3 clients) %llu requests, mu1 (1 client) %llu\n",
           (unsigned long long)busy, (unsigned long long)quiet);
    CHECK(quiet * 10 >= busy * 6);
    CHECK(busy * 10 >= quiet * 6);
    return 0;
}

/* LBA 100 is stuck on every unit: one request stuck on mu0, one on mu2
 * 100 ms later. mu0's times out after 1 s, the reset is the driver's, so
 * mu2's fails with it (ERR_IO: it was not late yet); all three units serve
 * on. */
int t_units_reset(void)
{
    blk_t *b0, *b2, *b1;
    blk_config_t cfg = {.entries = 8, .data_bytes = 8 * 4096};
    EQ(blk_open("mu0", &cfg, &b0), OK);
    EQ(blk_open("mu2", &cfg, &b2), OK);
    EQ(blk_open("mu1", &cfg, &b1), OK);
    uint64_t start = libsys_now_ns();
    blk_req_t r = {.tag = 1, .op = BLK_OP_READ, .count = 1, .lba = MU_HANG, .offset = 0};
    EQ(blk_submit(b0, &r), OK);
    sys_thread_sleep(blktest_deadline(100 * MSEC));
    EQ(blk_submit(b2, &r), OK);
    CHECK(libsys_now_ns() - start < 700 * MSEC); /* well before mu0's times out */
    blk_done_t d;
    EQ(blk_wait(b0, &d, 1, blktest_deadline(10 * SEC)), 1);
    EQ(d.status, ERR_TIMED_OUT);
    CHECK(libsys_now_ns() - start >= 900 * MSEC);
    EQ(blk_wait(b2, &d, 1, blktest_deadline(10 * SEC)), 1);
    EQ(d.status, ERR_IO);
    if (blktest_roundtrip(b0, MU_HANG + 1, 2, 61) || blktest_roundtrip(b1, 10, 1, 62))
        return -1;
    uint8_t buf[512];
    EQ(blk_read(b2, 0, 1, buf), OK);
    blk_close(b0);
    blk_close(b1);
    blk_close(b2);
    return 0;
}

/* ---- unitdrv: the library's side of several units --------------------------- */

static int stop(uint64_t pid)
{
    uint32_t reason;
    int32_t code;
    EQ(blktest_kill(pid), OK);
    EQ(blktest_wait(pid, &reason, &code, 10 * SEC), OK);
    return 0;
}

static int exits_with_1(const char *args)
{
    uint64_t pid;
    uint32_t reason;
    int32_t code;
    EQ(blktest_spawn(args, NULL, &pid), OK);
    EQ(blktest_wait(pid, &reason, &code, 10 * SEC), OK);
    EQ(reason, PROCESS_EXITED);
    EQ(code, 1);
    return 0;
}

/* A device that is not there (any more): opening it fails. */
static int absent(const char *name)
{
    blk_t *b;
    blk_config_t quick = {.wait_ns = 200 * MSEC};
    int err = blk_open(name, &quick, &b);
    CHECK(err != OK);
    return 0;
}

/* Sixteen units in one process (unitdrv checks the refusals itself): each
 * answers with its own geometry, keeps its own data, and refuses what lies
 * past its own end. With them running, a second driver whose first name is
 * free but whose second is not takes the next driver number for both, and
 * a third whose second name is a non-numbered one of theirs ends. */
int t_units_api(void)
{
    uint64_t pid, pid2;
    EQ(blktest_spawn("unitdrv api", NULL, &pid), OK);
    blk_config_t cfg = {.entries = 4, .data_bytes = 64 * 1024, .wait_ns = 10 * SEC};
    for (uint32_t i = 0; i < UD_UNITS; i++) {
        char name[32];
        blk_t *b;
        blk_info_t in;
        snprintf(name, sizeof name, "fk-0n%u", i);
        EQ(blk_open(name, &cfg, &b), OK);
        EQ(blk_info(b, &in), OK);
        CHECK(strcmp(in.name, name) == 0);
        EQ(in.block_size, blktest_unitdrv_bs(i));
        EQ(in.block_count, blktest_unitdrv_blocks(i));
        EQ(in.max_transfer, 4 * blktest_unitdrv_bs(i));
        EQ(in.queue_depth, 4);
        uint64_t last = in.block_count - 1;
        if (blktest_roundtrip(b, last, 1, 300 + i) || blktest_roundtrip(b, 0, 2, 400 + i))
            return -1;
        EQ(blktest_one(b, BLK_OP_READ, in.block_count, 1, 0), ERR_OUT_OF_RANGE);
        EQ(blktest_one(b, BLK_OP_READ, 0, 5, 0), ERR_OUT_OF_RANGE); /* max transfer is 4 blocks */
        EQ(blk_flush(b), OK);
        blk_close(b);
    }
    /* Each unit kept its own: the first and last blocks of each, again. */
    for (uint32_t i = 0; i < UD_UNITS; i++) {
        char name[32];
        blk_t *b;
        snprintf(name, sizeof name, "fk-0n%u", i);
        EQ(blk_open(name, &cfg, &b), OK);
        uint8_t *buf = malloc(blktest_unitdrv_bs(i));
        CHECK(buf != NULL);
        EQ(blk_read(b, 0, 1, buf), OK);
        CHECK(blktest_same(buf, blktest_unitdrv_bs(i), 400 + i));
        EQ(blk_read(b, blktest_unitdrv_blocks(i) - 1, 1, buf), OK);
        CHECK(blktest_same(buf, blktest_unitdrv_bs(i), 300 + i));
        free(buf);
        blk_close(b);
    }
    EQ(blktest_spawn("unitdrv numbered", NULL, &pid2), OK);
    const char *numbered[] = {"fk-1n16", "fk-1n1"};
    for (uint32_t i = 0; i < 2; i++) {
        blk_t *b;
        blk_info_t in;
        EQ(blk_open(numbered[i], &cfg, &b), OK);
        EQ(blk_info(b, &in), OK);
        CHECK(strcmp(in.name, numbered[i]) == 0);
        EQ(in.block_count, blktest_unitdrv_blocks(i));
        if (blktest_roundtrip(b, 1, 1, 500 + i))
            return -1;
        blk_close(b);
    }
    if (absent("fk-0n16") || stop(pid2) || exits_with_1("unitdrv taken"))
        return -1;
    return stop(pid);
}

/* A second unit not the driver's to publish, or a first unit named like
 * the second only once init returned: the driver logs it and ends with
 * status 1, and its other unit goes with it. */
int t_units_publish_refused(void)
{
    if (exits_with_1("unitdrv denied") || absent("fk-denied") || exits_with_1("unitdrv late-dup") ||
        absent("fk-late") || absent("fk-taken"))
        return -1;
    return 0;
}
