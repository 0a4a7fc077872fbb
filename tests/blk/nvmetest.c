/* SPDX-License-Identifier: BSD-2-Clause
 *
 * nvmetest: the NVMe driver through the block layer, with the host as the
 * judge (tests/qemu/nvme-blk.test, docs/nvme.md, docs/block.md). The
 * runner fills the disk image with the pattern of drivers-user/nvme/
 * nvme_pattern.h (the word at byte offset o is splitmix64(SEED ^ o)); this
 * program, a client of blk.nvme0n1 like any other:
 *
 *   info          the device is what QEMU was told (size, block size)
 *   read_all      reads every block, 32 requests in flight, and checks it
 *   bad_requests  LBA past the end, a run over it, zero and huge counts,
 *                 data outside the data area or misaligned: each an error,
 *                 and the driver serves on
 *   clients       three client processes (roles below) write, flush and
 *                 check regions of their own while this one reads
 *   killed        a region written and flushed; then the driver is killed
 *                 with writes in flight: each of them ends (done or an
 *                 error, none hangs), devmgr starts the driver again, the
 *                 device comes back, the flushed region is intact, and the
 *                 interrupted region is written again
 *
 * The runner then checks every region of the image (the test's
 * image-check lines): what was written where, and the rest untouched.
 *
 *   nvmetest [seed=S]                the test (S: the image's seed)
 *   nvmetest worker INDEX            a client writing region INDEX
 *   nvmetest devices DEV=S:W...      for several controllers and namespaces
 *                                    (tests/qemu/nvme-multi.test): each
 *                                    DEV's first MiB read and checked against
 *                                    seed S, the next 320 KiB (the driver's
 *                                    self-test wrote them) against W
 *
 * Output: "nvmetest: PASS name" / "nvmetest: FAIL name: line N: ...", and
 * "nvmetest: done, N passed, M failed".
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/blk.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "cairn/sys.h"
#include "ns.h"
#include "proc.h"

#define SEC 1000000000ull
#define MSEC 1000000ull
#define BS 512u
#define DEV "nvme0n1"
#define DISK_BLOCKS 16384u /* 8 MiB: the test's image */

/* The regions (in blocks) and their seeds: the image-check lines of
 * nvme-blk.test say the same. */
#define WORKERS 3u
#define WORKER_LBA(i) (4096u + (i) * 512u)
#define WORKER_BLOCKS 512u
#define WORKER_SEED(i) (0x7100u + (i))
#define KEPT_LBA 6144u /* written and flushed before the kill */
#define KEPT_BLOCKS 256u
#define KEPT_SEED 0x7200u
#define CUT_LBA 7000u /* in flight at the kill, written again after */
#define CUT_BLOCKS 256u
#define CUT_SEED 0x7300u

static uint64_t disk_seed = 0x6001;
static handle_t proc_ch = HANDLE_INVALID;
static const char *current = "";
static bool failed_once;

static void fail(int line, const char *what, long long got)
{
    printf("nvmetest: FAIL %s: line %d: %s (got %lld%s%s)\n", current, line, what, got, got < 0 ? " " : "",
           got < 0 && got >= ERR_LAST ? cairn_error_name((int)got) : "");
    failed_once = true;
}

#define CHECK(c)                                                                \
    do {                                                                        \
        if (!(c)) {                                                             \
            fail(__LINE__, #c, 0);                                              \
            return -1;                                                          \
        }                                                                       \
    } while (0)
#define EQ(expr, want)                                                          \
    do {                                                                        \
        long long got_ = (long long)(expr);                                     \
        if (got_ != (long long)(want)) {                                        \
            fail(__LINE__, #expr " == " #want, got_);                           \
            return -1;                                                          \
        }                                                                       \
    } while (0)

static uint64_t deadline(uint64_t ns) { return libsys_now_ns() + ns; }

/* ---- the pattern -------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t x)
{
    uint64_t z = x + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void fill(void *buf, uint64_t lba, uint32_t blocks, uint64_t seed)
{
    uint64_t *w = buf, base = lba * BS;
    for (uint64_t i = 0; i < (uint64_t)blocks * BS / 8; i++)
        w[i] = splitmix64(seed ^ (base + i * 8));
}

/* The disk offset of the first word that differs, or -1. */
static long long differs(const void *buf, uint64_t lba, uint32_t blocks, uint64_t seed)
{
    const uint64_t *w = buf;
    uint64_t base = lba * BS;
    for (uint64_t i = 0; i < (uint64_t)blocks * BS / 8; i++) {
        if (w[i] != splitmix64(seed ^ (base + i * 8)))
            return (long long)(base + i * 8);
    }
    return -1;
}

/* ---- many requests in flight ---------------------------------------------------- */

#define DEPTH 32u
#define CHUNK 128u /* blocks per request: 64 KiB */

static blk_t *open_dev(uint64_t wait_ns)
{
    blk_config_t cfg = {.data_bytes = DEPTH * CHUNK * BS, .entries = 64, .wait_ns = wait_ns};
    blk_t *b = NULL;
    int err = blk_open(DEV, &cfg, &b);
    if (err != OK)
        printf("nvmetest: %s: open %s: %s\n", current, DEV, cairn_error_name(err));
    return err == OK ? b : NULL;
}

/* [lba, lba + blocks) read (checked against `seed`) or written with it,
 * DEPTH requests of CHUNK blocks in flight. OK, the first error a request
 * completed with, ERR_CORRUPT (data differ: logged), or the connection's
 * error. */
static int stream(blk_t *b, uint16_t op, uint64_t lba, uint32_t blocks, uint64_t seed)
{
    uint64_t size;
    uint8_t *data = blk_data(b, &size);
    uint64_t slot_lba[DEPTH];
    uint32_t slot_count[DEPTH], free_slots[DEPTH], nfree = DEPTH;
    for (uint32_t i = 0; i < DEPTH; i++)
        free_slots[i] = DEPTH - 1 - i;
    uint64_t next = lba, end = lba + blocks;
    int first_err = OK;
    while (next < end || blk_outstanding(b) > 0) {
        while (next < end && nfree > 0) {
            uint32_t s = free_slots[--nfree];
            uint32_t n = end - next < CHUNK ? (uint32_t)(end - next) : CHUNK;
            uint8_t *p = data + (uint64_t)s * CHUNK * BS;
            if (op == BLK_OP_WRITE)
                fill(p, next, n, seed);
            blk_req_t r = {.tag = s, .op = op, .count = n, .lba = next, .offset = (uint64_t)s * CHUNK * BS};
            int err = blk_submit(b, &r);
            if (err != OK)
                return err;
            slot_lba[s] = next;
            slot_count[s] = n;
            next += n;
        }
        blk_done_t done[DEPTH];
        int got = blk_wait(b, done, DEPTH, deadline(60 * SEC));
        if (got < 0)
            return got;
        for (int k = 0; k < got; k++) {
            uint32_t s = (uint32_t)done[k].tag;
            if (s >= DEPTH)
                return ERR_CORRUPT;
            if (done[k].status != OK && first_err == OK)
                first_err = done[k].status;
            if (done[k].status == OK && op == BLK_OP_READ) {
                long long at = differs(data + (uint64_t)s * CHUNK * BS, slot_lba[s], slot_count[s], seed);
                if (at >= 0) {
                    printf("nvmetest: %s: the word at disk offset %#llx is not seed %#llx's\n", current, at,
                           (unsigned long long)seed);
                    if (first_err == OK)
                        first_err = ERR_CORRUPT;
                }
            }
            free_slots[nfree++] = s;
        }
    }
    return first_err;
}

/* ---- client processes ------------------------------------------------------------ */

static int spawn(const char *args, uint64_t *pid)
{
    proc_create_result_t cr;
    ns_derive_result_t d;
    int err = proc_create(proc_ch, "nvmetest", args, "", &cr, deadline(5 * SEC));
    if (err != OK)
        return err;
    *pid = cr.pid;
    if ((err = ns_derive(libsys_handle("ns"), "nvmeworker", "", "blk.*", &d, deadline(5 * SEC))) != OK ||
        (err = proc_add_handle(proc_ch, cr.pid, "ns", d.session, deadline(5 * SEC))) != OK)
        return err;
    return proc_start(proc_ch, cr.pid, deadline(5 * SEC));
}

static int wait_exit(uint64_t pid, uint32_t *reason, int32_t *code)
{
    proc_wait_result_t w;
    int err = proc_wait(proc_ch, pid, &w, deadline(180 * SEC));
    if (err == OK) {
        *reason = w.reason;
        *code = w.code;
    }
    return err;
}

/* Region INDEX: written, flushed and read back three times over. */
static int worker(uint32_t index)
{
    current = "worker";
    blk_t *b = open_dev(30 * SEC);
    if (b == NULL)
        return 1;
    for (int round = 0; round < 3; round++) {
        int err = stream(b, BLK_OP_WRITE, WORKER_LBA(index), WORKER_BLOCKS, WORKER_SEED(index));
        if (err == OK)
            err = blk_flush(b);
        if (err == OK)
            err = stream(b, BLK_OP_READ, WORKER_LBA(index), WORKER_BLOCKS, WORKER_SEED(index));
        if (err != OK) {
            printf("nvmetest: worker %u: round %d: %s\n", index, round, cairn_error_name(err));
            return 1;
        }
    }
    blk_close(b);
    return 0;
}

/* ---- the tests ---------------------------------------------------------------------- */

static int t_info(void)
{
    blk_t *b = open_dev(60 * SEC); /* devmgr starts the driver: allow for a slow boot */
    CHECK(b != NULL);
    blk_info_t in;
    EQ(blk_info(b, &in), OK);
    EQ(in.block_size, BS);
    EQ(in.block_count, DISK_BLOCKS);
    CHECK(strcmp(in.name, DEV) == 0);
    CHECK(strcmp(in.model, "QEMU NVMe Ctrl") == 0);
    CHECK(strcmp(in.serial, "blk0") == 0);
    CHECK(in.max_transfer >= CHUNK * BS);
    CHECK(in.queue_depth >= DEPTH);
    printf("nvmetest: %s: %u queues, depth %u, max transfer %u, flags %#x\n", DEV, in.queues, in.queue_depth,
           in.max_transfer, in.flags);
    blk_close(b);
    return 0;
}

static int t_read_all(void)
{
    blk_t *b = open_dev(10 * SEC);
    CHECK(b != NULL);
    EQ(stream(b, BLK_OP_READ, 0, DISK_BLOCKS, disk_seed), OK);
    blk_close(b);
    return 0;
}

/* One request on its own: its completion's status. */
static int one(blk_t *b, uint16_t op, uint64_t lba, uint32_t count, uint64_t offset)
{
    blk_req_t r = {.tag = 77, .op = op, .count = count, .lba = lba, .offset = offset};
    int err = blk_submit(b, &r);
    if (err != OK)
        return err;
    blk_done_t d;
    int got = blk_wait(b, &d, 1, deadline(30 * SEC));
    if (got < 0)
        return got;
    return got == 1 && d.tag == 77 ? d.status : ERR_CORRUPT;
}

static int t_bad_requests(void)
{
    blk_t *b = open_dev(10 * SEC);
    CHECK(b != NULL);
    uint64_t size;
    blk_data(b, &size);
    EQ(one(b, BLK_OP_READ, DISK_BLOCKS, 1, 0), ERR_OUT_OF_RANGE);     /* past the end */
    EQ(one(b, BLK_OP_READ, DISK_BLOCKS - 1, 2, 0), ERR_OUT_OF_RANGE); /* over it */
    EQ(one(b, BLK_OP_WRITE, ~0ull - 1, 4, 0), ERR_OUT_OF_RANGE);      /* wrapping */
    EQ(one(b, BLK_OP_READ, 0, 0, 0), ERR_INVALID_ARGS);               /* zero blocks */
    CHECK(one(b, BLK_OP_READ, 0, 1u << 30, 0) != OK);                 /* huge */
    CHECK(one(b, BLK_OP_READ, 0, 8, size - 2 * BS) != OK);            /* data past the area */
    CHECK(one(b, BLK_OP_READ, 0, 1, size) != OK);                     /* data after it */
    CHECK(one(b, BLK_OP_READ, 0, 1, 100) != OK);                      /* misaligned */
    CHECK(one(b, 99, 0, 1, 0) != OK);                                 /* no such operation */
    /* And the driver serves on. */
    EQ(one(b, BLK_OP_READ, 3, 2, 0), OK);
    uint8_t *data = blk_data(b, &size);
    EQ(differs(data, 3, 2, disk_seed), -1);
    blk_close(b);
    return 0;
}

static int t_clients(void)
{
    uint64_t pids[WORKERS];
    for (uint32_t i = 0; i < WORKERS; i++) {
        char args[32];
        snprintf(args, sizeof args, "worker %u", i);
        EQ(spawn(args, &pids[i]), OK);
    }
    blk_t *b = open_dev(10 * SEC);
    CHECK(b != NULL);
    for (int round = 0; round < 2; round++)
        EQ(stream(b, BLK_OP_READ, 0, 2048, disk_seed), OK);
    blk_close(b);
    for (uint32_t i = 0; i < WORKERS; i++) {
        uint32_t reason = 0;
        int32_t code = -1;
        EQ(wait_exit(pids[i], &reason, &code), OK);
        EQ(reason, PROCESS_EXITED);
        EQ(code, 0);
    }
    return 0;
}

static int driver_pid(uint64_t *pid)
{
    proc_list_result_t r;
    uint64_t after = 0;
    while (proc_list(proc_ch, after, &r, deadline(5 * SEC)) == OK) {
        if (strcmp(r.name, "nvme") == 0 && r.state == PROCESS_RUNNING) {
            *pid = r.pid;
            return OK;
        }
        after = r.pid;
    }
    return ERR_NOT_FOUND;
}

static int t_killed(void)
{
    blk_t *b = open_dev(10 * SEC);
    CHECK(b != NULL);
    EQ(stream(b, BLK_OP_WRITE, KEPT_LBA, KEPT_BLOCKS, KEPT_SEED), OK);
    EQ(blk_flush(b), OK);
    /* Writes in flight, then the driver killed under them. */
    uint64_t size;
    uint8_t *data = blk_data(b, &size);
    uint32_t sent = 0;
    for (uint32_t s = 0; s < DEPTH && sent < CUT_BLOCKS; s++, sent += 8) {
        fill(data + (uint64_t)s * CHUNK * BS, CUT_LBA + sent, 8, CUT_SEED);
        blk_req_t r = {.tag = s, .op = BLK_OP_WRITE, .count = 8, .lba = CUT_LBA + sent,
                       .offset = (uint64_t)s * CHUNK * BS};
        EQ(blk_submit(b, &r), OK);
    }
    uint64_t pid = 0;
    EQ(driver_pid(&pid), OK);
    EQ(proc_kill(proc_ch, pid, deadline(5 * SEC)), OK);
    /* Every request ends: done, or an error once the driver is gone. */
    uint32_t ended = 0, ok = 0;
    int last = OK;
    while (blk_outstanding(b) > 0) {
        blk_done_t done[DEPTH];
        int got = blk_wait(b, done, DEPTH, deadline(30 * SEC));
        if (got == ERR_PEER_CLOSED || got == ERR_CORRUPT) {
            last = got;
            break;
        }
        CHECK(got > 0);
        for (int k = 0; k < got; k++, ended++)
            ok += done[k].status == OK;
    }
    printf("nvmetest: %s: %u of %u writes done, %u ended, then %s\n", current, ok, sent / 8, ended,
           cairn_error_name(last));
    blk_close(b);
    /* devmgr starts the driver again; the device comes back. */
    b = NULL;
    uint64_t end = deadline(60 * SEC);
    while (b == NULL && libsys_now_ns() < end) {
        b = open_dev(5 * SEC);
        if (b == NULL)
            sys_thread_sleep(deadline(100 * MSEC));
    }
    CHECK(b != NULL);
    EQ(stream(b, BLK_OP_READ, KEPT_LBA, KEPT_BLOCKS, KEPT_SEED), OK);
    EQ(stream(b, BLK_OP_WRITE, CUT_LBA, CUT_BLOCKS, CUT_SEED), OK);
    EQ(blk_flush(b), OK);
    EQ(stream(b, BLK_OP_READ, CUT_LBA, CUT_BLOCKS, CUT_SEED), OK);
    blk_close(b);
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(void);
} tests[] = {
    {"info", t_info}, {"read_all", t_read_all}, {"bad_requests", t_bad_requests},
    {"clients", t_clients}, {"killed", t_killed},
};

/* Each DEV=S:W: blocks 0-2047 hold seed S, 2048-2687 seed W. */
static int devices(int argc, char **argv)
{
    int failed = 0;
    for (int i = 0; i < argc; i++) {
        char name[BLK_NAME_MAX + 1];
        const char *eq = strchr(argv[i], '='), *colon = eq ? strchr(eq, ':') : NULL;
        if (!eq || !colon || (size_t)(eq - argv[i]) > BLK_NAME_MAX) {
            printf("nvmetest: bad device argument '%s'\n", argv[i]);
            return 2;
        }
        snprintf(name, sizeof name, "%.*s", (int)(eq - argv[i]), argv[i]);
        uint64_t seed = strtoull(eq + 1, NULL, 0), wseed = strtoull(colon + 1, NULL, 0);
        current = name;
        blk_config_t cfg = {.data_bytes = DEPTH * CHUNK * BS, .entries = 64, .wait_ns = 60 * SEC};
        blk_t *b = NULL;
        int err = blk_open(name, &cfg, &b);
        if (err == OK)
            err = stream(b, BLK_OP_READ, 0, 2048, seed);
        if (err == OK)
            err = stream(b, BLK_OP_READ, 2048, 640, wseed);
        if (b)
            blk_close(b);
        if (err == OK) {
            printf("nvmetest: PASS %s\n", name);
        } else {
            printf("nvmetest: FAIL %s: %s\n", name, cairn_error_name(err));
            failed++;
        }
    }
    printf("nvmetest: done, %d passed, %d failed\n", argc - failed, failed);
    return failed;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "worker") == 0)
        return worker((uint32_t)strtoul(argv[2], NULL, 0));
    if (argc >= 2 && strcmp(argv[1], "devices") == 0)
        return devices(argc - 2, argv + 2);
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "seed=", 5) == 0) {
            disk_seed = strtoull(argv[i] + 5, NULL, 0);
        } else {
            printf("nvmetest: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    int err = libsys_connect("proc", 10 * SEC, &proc_ch);
    if (err != OK) {
        printf("nvmetest: FAIL connect proc: %s\n", cairn_error_name(err));
        return 1;
    }
    int n = (int)(sizeof tests / sizeof tests[0]), passed = 0, failed = 0;
    printf("nvmetest: running %d tests\n", n);
    for (int i = 0; i < n; i++) {
        current = tests[i].name;
        failed_once = false;
        int r = tests[i].fn();
        if (r == 0 && !failed_once) {
            printf("nvmetest: PASS %s\n", current);
            passed++;
        } else {
            if (!failed_once)
                printf("nvmetest: FAIL %s: returned %d\n", current, r);
            failed++;
        }
    }
    printf("nvmetest: done, %d passed, %d failed\n", passed, failed);
    return failed;
}
