/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The temporary self-test of the NVMe hardware layer (`selftest` in the
 * driver's arguments, docs/nvme.md). It runs at the end of init and uses
 * the layer as the block library will: nvme_io_submit on several queues at
 * once, completions through interrupts (the loop is turned here with
 * loop_run_once: init runs before drv_run's own loop, so nothing nests).
 *
 * Disks hold the pattern of nvme_pattern.h. Namespace nvmeXnY was filled
 * with seed `seed` + 256 X + Y, so a disk read under the wrong name fails.
 * For each usable namespace:
 *   read-all   every block, in commands of 4 KiB, 8 KiB, 64 KiB and the
 *              maximum transfer in turn (PRP1 only, PRP2, PRP lists), spread
 *              round robin over the I/O queues, several in flight; every
 *              other list-sized command gets its pages in reverse order,
 *              which only a device that follows the list entries reads
 *              into the right place;
 *   write      `write=OFF:LEN` with seed `wseed` + 256 X + Y, then flush,
 *              then read-back (the host checks the image after the run);
 * on the first: discard (`discard=OFF:LEN`, when ONCS has DSM), the error
 * paths (refused before the device; refused by the device, decoded),
 * and at the end that every queue and every interrupt vector was used.
 *
 * `selftest=timeout` instead: a read QEMU holds back (a throttled drive)
 * must fail with ERR_TIMED_OUT through a controller reset, and a read after
 * it must succeed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "nvme_drv.h"
#include "nvme_pattern.h"

#define ST_BUFS 12u
#define ST_REQS 32u
#define ST_GUARD_NS (150ull * 1000 * 1000 * 1000) /* no completion at all for so long: give up */
#define NO_BUF 0xffffffffu

enum st_kind { ST_VERIFY, ST_WRITE, ST_STATUS };

typedef struct st_req {
    bool busy, done;
    int status;
    int kind;
    uint32_t buf;
    uint64_t seed;       /* ST_VERIFY: the pattern the data must have */
    uint64_t disk_off;   /* byte offset of the transfer in the namespace */
    uint32_t bytes;
    bool reversed;       /* its pages were given last to first */
} st_req_t;

typedef struct st {
    nvme_drv_t *n;
    nvme_ctrl_t *c;
    drv_t *d;
    drv_dma_t buf[ST_BUFS];
    bool buf_busy[ST_BUFS];
    uint32_t nbufs;
    st_req_t req[ST_REQS];
    uint32_t inflight, max_inflight;
    uint64_t completions;
    uint64_t per_queue[NVME_MAX_IO_QUEUES];
    /* the current stream */
    uint64_t bad_words, first_bad, errors, commands;
    int first_err;
    uint32_t checks, failed;
} st_t;

static st_t the_st;

static void check(st_t *st, const char *who, bool ok, const char *fmt, ...)
{
    va_list ap;
    char text[200];
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    st->checks++;
    if (!ok)
        st->failed++;
    printf("%s: selftest: %s %s\n", who, ok ? "ok" : "FAIL", text);
}

static uint64_t ns_seed(const st_t *st, uint64_t base, const nvme_ns_t *ns)
{
    return base + 256 * (uint64_t)st->c->cfg.index + ns->nsid;
}

static uint32_t pages_of(uint32_t bytes) { return (bytes + NVME_PAGE - 1) / NVME_PAGE; }

/* Where byte `t` of a transfer sits in its buffer. */
static uint64_t *word_at(st_t *st, const st_req_t *r, uint32_t t)
{
    uint32_t need = pages_of(r->bytes), page = t / NVME_PAGE;
    uint32_t bpage = r->reversed ? need - 1 - page : page;
    return (uint64_t *)((uint8_t *)st->buf[r->buf].va + (uint64_t)bpage * NVME_PAGE + t % NVME_PAGE);
}

static void verify(st_t *st, st_req_t *r)
{
    for (uint32_t t = 0; t < r->bytes; t += 8) {
        if (*word_at(st, r, t) != pattern_word(r->seed, r->disk_off + t)) {
            if (st->bad_words++ == 0)
                st->first_bad = r->disk_off + t;
        }
    }
}

static void st_done(void *ctx, nvme_queue_t *q, uint64_t tag, int status)
{
    st_t *st = ctx;
    if (tag >= ST_REQS || !st->req[tag].busy) {
        printf("%s: selftest: completion of unknown tag %llu\n", st->c->name, (unsigned long long)tag);
        return;
    }
    st_req_t *r = &st->req[tag];
    r->status = status;
    r->done = true;
    r->busy = false;
    if (status != OK && st->errors++ == 0)
        st->first_err = status;
    if (status == OK && r->kind == ST_VERIFY)
        verify(st, r);
    if (r->buf != NO_BUF)
        st->buf_busy[r->buf] = false;
    st->inflight--;
    st->completions++;
    if (q->qid >= 1 && q->qid <= NVME_MAX_IO_QUEUES)
        st->per_queue[q->qid - 1]++;
}

static int free_buf(st_t *st)
{
    for (uint32_t i = 0; i < st->nbufs; i++)
        if (!st->buf_busy[i])
            return (int)i;
    return -1;
}

static int free_req(st_t *st)
{
    for (uint32_t i = 0; i < ST_REQS; i++)
        if (!st->req[i].busy)
            return (int)i;
    return -1;
}

/* One command of the test: buffer `b` (or NO_BUF) with its pages in
 * order or reversed; for writes the pattern goes in first. *tag_out: the
 * request, when it was submitted. */
static int submit(st_t *st, nvme_queue_t *q, int op, const nvme_ns_t *ns, uint32_t nsid, uint64_t lba,
                  uint32_t nblocks, uint32_t b, int kind, uint64_t seed, bool reversed, bool unchecked,
                  int *tag_out)
{
    int t = free_req(st);
    if (t < 0)
        return ERR_QUEUE_FULL;
    st_req_t *r = &st->req[t];
    uint32_t bs = ns->block_size;
    *r = (st_req_t){.kind = kind, .buf = b, .seed = seed, .disk_off = lba * bs, .bytes = nblocks * bs,
                    .reversed = reversed};
    uint64_t pages[NVME_MAX_TRANSFER / NVME_PAGE + 1];
    uint32_t need = 0;
    if (b != NO_BUF) {
        need = pages_of(r->bytes);
        if (need > st->c->max_pages + 1)
            need = st->c->max_pages + 1; /* a request the layer must refuse */
        for (uint32_t i = 0; i < need; i++)
            pages[i] = st->buf[b].phys + (uint64_t)(reversed ? need - 1 - i : i) * NVME_PAGE;
        if (kind == ST_WRITE)
            for (uint32_t x = 0; x < r->bytes; x += 8)
                *word_at(st, r, x) = pattern_word(seed, r->disk_off + x);
    }
    r->busy = true;
    int err = unchecked ? nvme_io_submit_unchecked(q, op, nsid, lba, nblocks, bs, pages, need, (uint64_t)t)
                        : nvme_io_submit(q, op, nsid, lba, nblocks, pages, need, (uint64_t)t);
    if (err != OK) {
        r->busy = false;
        return err;
    }
    if (b != NO_BUF)
        st->buf_busy[b] = true;
    if (++st->inflight > st->max_inflight)
        st->max_inflight = st->inflight;
    st->commands++;
    if (tag_out)
        *tag_out = t;
    return OK;
}

/* Turns the loop until a completion comes (interrupts, the timeout timer). */
static int wait_progress(st_t *st)
{
    uint64_t before = st->completions, start = libsys_now_ns();
    while (st->completions == before) {
        if (st->d->unbound)
            return ERR_PEER_CLOSED;
        if (libsys_now_ns() - start > ST_GUARD_NS) {
            printf("%s: selftest: no completion for %llu s: giving up\n", st->c->name,
                   (unsigned long long)(ST_GUARD_NS / 1000000000ull));
            return ERR_TIMED_OUT;
        }
        int err = loop_run_once(&st->d->loop, libsys_now_ns() + 1000ull * 1000 * 1000);
        if (err != OK && err != ERR_TIMED_OUT)
            return err;
    }
    return OK;
}

/* Turns the loop for `ms` (completions and the timer go on). */
static int turn_for(st_t *st, uint64_t ms)
{
    uint64_t end = libsys_now_ns() + ms * 1000 * 1000;
    while (libsys_now_ns() < end) {
        if (st->d->unbound)
            return ERR_PEER_CLOSED;
        int err = loop_run_once(&st->d->loop, end);
        if (err != OK && err != ERR_TIMED_OUT)
            return err;
    }
    return OK;
}

static int wait_req(st_t *st, int t)
{
    while (!st->req[t].done) {
        int err = wait_progress(st);
        if (err != OK)
            return err;
    }
    return OK;
}

static void stream_reset(st_t *st)
{
    st->bad_words = st->errors = st->commands = 0;
    st->first_bad = 0;
    st->first_err = OK;
}

/* [lba0, lba0 + count) of `ns` read (and checked against `seed`) or
 * written with `seed`, in commands of `fixed` bytes or (0) of changing
 * sizes, over every queue. */
static int stream(st_t *st, const nvme_ns_t *ns, int op, uint64_t lba0, uint64_t count, uint64_t seed,
                  uint32_t fixed)
{
    static const uint32_t sizes[] = {4096, 8192, 65536, 0};
    uint32_t bs = ns->block_size;
    uint64_t next = lba0, end = lba0 + count;
    stream_reset(st);
    for (uint32_t k = 0; next < end || st->inflight > 0;) {
        while (next < end) {
            int b = free_buf(st);
            if (b < 0)
                break;
            uint32_t size = fixed ? fixed : sizes[k % 4] ? sizes[k % 4] : st->c->max_transfer;
            uint64_t nb = size / bs ? size / bs : 1;
            if (nb > end - next)
                nb = end - next;
            bool reversed = (k & 2) && pages_of((uint32_t)nb * bs) > 2;
            int err = submit(st, nvme_io_queue(st->c, k), op, ns, ns->nsid, next, (uint32_t)nb, (uint32_t)b,
                             op == NVME_OP_READ ? ST_VERIFY : ST_WRITE, seed, reversed, false, NULL);
            if (err == ERR_QUEUE_FULL)
                break;
            if (err != OK) {
                if (st->errors++ == 0)
                    st->first_err = err;
                next = end;
                break;
            }
            next += nb;
            k++;
        }
        if (st->inflight == 0)
            break;
        int err = wait_progress(st);
        if (err != OK)
            return err;
    }
    return OK;
}

static void stream_check(st_t *st, const nvme_ns_t *ns, const char *what, uint64_t lba0, uint64_t count,
                         uint64_t t0)
{
    uint64_t ms = (libsys_now_ns() - t0) / 1000000 + 1;
    uint64_t bytes = count * ns->block_size;
    char how[120] = "all as expected";
    if (st->errors || st->bad_words)
        snprintf(how, sizeof how, "%llu errors (the first %s), %llu words wrong (the first at byte %#llx)",
                 (unsigned long long)st->errors, cairn_error_name(st->first_err), (unsigned long long)st->bad_words,
                 (unsigned long long)st->first_bad);
    check(st, ns->name, st->errors == 0 && st->bad_words == 0, "%s: blocks %llu-%llu in %llu commands, %llu KiB/s: %s",
          what, (unsigned long long)lba0, (unsigned long long)(lba0 + count - 1), (unsigned long long)st->commands,
          (unsigned long long)(bytes * 1000 / 1024 / ms), how);
}

/* One command and its status. */
static int one(st_t *st, nvme_queue_t *q, int op, const nvme_ns_t *ns, uint32_t nsid, uint64_t lba,
               uint32_t nblocks, int kind, uint64_t seed, bool unchecked, int *status)
{
    int t;
    stream_reset(st);
    uint32_t b = op == NVME_OP_READ || op == NVME_OP_WRITE ? 0 : NO_BUF;
    int err = submit(st, q, op, ns, nsid, lba, nblocks, b, kind, seed, false, unchecked, &t);
    if (err != OK) {
        *status = err;
        return OK;
    }
    if ((err = wait_req(st, t)) != OK)
        return err;
    *status = st->req[t].status;
    return OK;
}

static int write_phase(st_t *st, const nvme_ns_t *ns)
{
    const nvme_opts_t *o = &st->n->opt;
    uint32_t bs = ns->block_size;
    uint64_t size = ns->nblocks * bs;
    if (o->woff % bs || o->wlen % bs || o->woff >= size || o->wlen > size - o->woff) {
        check(st, ns->name, false, "write: range %#llx+%#llx is not whole blocks inside the namespace",
              (unsigned long long)o->woff, (unsigned long long)o->wlen);
        return OK;
    }
    uint64_t lba = o->woff / bs, count = o->wlen / bs, wseed = ns_seed(st, o->wseed, ns);
    uint64_t t0 = libsys_now_ns();
    int err = stream(st, ns, NVME_OP_WRITE, lba, count, wseed, 0);
    if (err != OK)
        return err;
    stream_check(st, ns, "write", lba, count, t0);
    int status;
    if ((err = one(st, nvme_io_queue(st->c, 0), NVME_OP_FLUSH, ns, ns->nsid, 0, 0, ST_STATUS, 0, false,
                   &status)) != OK)
        return err;
    check(st, ns->name, status == OK, "flush: %s", cairn_error_name(status));
    t0 = libsys_now_ns();
    if ((err = stream(st, ns, NVME_OP_READ, lba, count, wseed, 0)) != OK)
        return err;
    stream_check(st, ns, "read-back", lba, count, t0);
    return OK;
}

static int discard_phase(st_t *st, const nvme_ns_t *ns)
{
    const nvme_opts_t *o = &st->n->opt;
    uint32_t bs = ns->block_size;
    if (!(st->c->id.oncs & NVME_ONCS_DSM)) {
        printf("%s: selftest: no discard: ONCS lacks Dataset Management\n", ns->name);
        return OK;
    }
    if (o->doff % bs || o->dlen % bs || o->dlen == 0 || o->doff / bs >= ns->nblocks ||
        o->dlen / bs > ns->nblocks - o->doff / bs || o->dlen > st->c->max_transfer) {
        check(st, ns->name, false, "discard: range %#llx+%#llx is not whole blocks inside the namespace "
              "(and one transfer long at most)", (unsigned long long)o->doff, (unsigned long long)o->dlen);
        return OK;
    }
    int status, err;
    uint64_t lba = o->doff / bs;
    uint32_t nb = (uint32_t)(o->dlen / bs);
    if ((err = one(st, nvme_io_queue(st->c, 1), NVME_OP_DISCARD, ns, ns->nsid, lba, nb, ST_STATUS, 0, false,
                   &status)) != OK)
        return err;
    check(st, ns->name, status == OK, "discard: blocks %llu-%llu: %s", (unsigned long long)lba,
          (unsigned long long)(lba + nb - 1), cairn_error_name(status));
    if ((err = one(st, nvme_io_queue(st->c, 0), NVME_OP_READ, ns, ns->nsid, lba, nb, ST_STATUS, 0, false,
                   &status)) != OK)
        return err;
    uint64_t nonzero = 0;
    const uint64_t *w = st->buf[0].va;
    for (uint64_t i = 0; i < (uint64_t)nb * bs / 8; i++)
        nonzero += w[i] != 0;
    printf("%s: selftest: after the discard the range reads back %s (%s)\n", ns->name,
           nonzero == 0 ? "as zeros" : "with data: the device kept it", cairn_error_name(status));
    return OK;
}

static int error_phase(st_t *st, const nvme_ns_t *ns)
{
    nvme_queue_t *q = nvme_io_queue(st->c, 0);
    uint64_t sent = q->stats.submitted;
    uint32_t bs = ns->block_size;
    int status, err;
    uint32_t two = 2;

    if ((err = one(st, q, NVME_OP_READ, ns, ns->nsid, ns->nblocks - 1, two, ST_STATUS, 0, false, &status)) != OK)
        return err;
    check(st, ns->name, status == ERR_OUT_OF_RANGE && q->stats.submitted == sent,
          "read of blocks %llu-%llu (past the end) refused before the device: %s",
          (unsigned long long)(ns->nblocks - 1), (unsigned long long)ns->nblocks, cairn_error_name(status));
    if ((err = one(st, q, NVME_OP_READ, ns, ns->nsid, UINT64_MAX - 1, two, ST_STATUS, 0, false, &status)) != OK)
        return err;
    check(st, ns->name, status == ERR_OUT_OF_RANGE && q->stats.submitted == sent,
          "read at lba 2^64-2 (wrapping) refused before the device: %s", cairn_error_name(status));
    if ((err = one(st, q, NVME_OP_READ, ns, ns->nsid, 0, st->c->max_transfer / bs + 1, ST_STATUS, 0, false,
                   &status)) != OK)
        return err;
    check(st, ns->name, status == ERR_INVALID_ARGS && q->stats.submitted == sent,
          "read of max transfer + 1 block refused before the device: %s", cairn_error_name(status));
    if ((err = one(st, q, NVME_OP_READ, ns, 0x7777, 0, 1, ST_STATUS, 0, false, &status)) != OK)
        return err;
    check(st, ns->name, status == ERR_NOT_FOUND && q->stats.submitted == sent,
          "read of unknown namespace 0x7777 refused before the device: %s", cairn_error_name(status));
    uint64_t page = st->buf[0].phys + 512;
    err = nvme_io_submit(q, NVME_OP_READ, ns->nsid, 0, 1, &page, 1, 0);
    check(st, ns->name, err == ERR_INVALID_ARGS && q->stats.submitted == sent,
          "a data page not 4 KiB aligned refused before the device: %s", cairn_error_name(err));

    if ((err = one(st, q, NVME_OP_READ, ns, ns->nsid, ns->nblocks, 1, ST_STATUS, 0, true, &status)) != OK)
        return err;
    check(st, ns->name, status == ERR_OUT_OF_RANGE && q->stats.submitted == sent + 1,
          "read of block %llu sent anyway: the device refused it, decoded as %s", (unsigned long long)ns->nblocks,
          cairn_error_name(status));
    uint32_t absent = 0;
    for (uint32_t id = 1; id < 256 && absent == 0; id++)
        if (nvme_ns_find(st->c, id) == NULL)
            absent = id;
    if ((err = one(st, q, NVME_OP_READ, ns, absent, 0, 1, ST_STATUS, 0, true, &status)) != OK)
        return err;
    check(st, ns->name, status != OK && status != ERR_TIMED_OUT,
          "read of inactive namespace %u sent anyway: the device refused it, decoded as %s", absent,
          cairn_error_name(status));
    return OK;
}

static void doorbells(const nvme_ctrl_t *c, uint64_t *mmio, uint64_t *shadow)
{
    *mmio = *shadow = 0;
    for (uint32_t i = 0; i < c->nio; i++) {
        *mmio += c->io[i].stats.sq_mmio + c->io[i].stats.cq_mmio;
        *shadow += c->io[i].stats.sq_shadow_only + c->io[i].stats.cq_shadow_only;
    }
}

/* Many small reads, as many in flight as there are buffers: what the
 * doorbells cost, to compare with and without shadow doorbells. */
static int burst_phase(st_t *st, const nvme_ns_t *ns)
{
    uint64_t count = (1u << 20) / ns->block_size, mmio0, shadow0, mmio, shadow;
    if (count > ns->nblocks)
        count = ns->nblocks;
    doorbells(st->c, &mmio0, &shadow0);
    uint64_t t0 = libsys_now_ns();
    int err = OK;
    uint64_t errors = 0, bad = 0, passes = st->n->opt.bursts;
    for (uint64_t pass = 0; pass < passes && err == OK; pass++) {
        err = stream(st, ns, NVME_OP_READ, 0, count, ns_seed(st, st->n->opt.seed, ns), NVME_PAGE);
        errors += st->errors;
        bad += st->bad_words;
    }
    if (err != OK)
        return err;
    st->errors = errors;
    st->bad_words = bad;
    uint64_t us = (libsys_now_ns() - t0) / 1000;
    doorbells(st->c, &mmio, &shadow);
    check(st, ns->name, st->errors == 0 && st->bad_words == 0,
          "burst: %llu reads of 4 KiB in %llu us, %llu doorbell MMIO writes, %llu left to the shadow buffer",
          (unsigned long long)(passes * count * ns->block_size / NVME_PAGE), (unsigned long long)us,
          (unsigned long long)(mmio - mmio0), (unsigned long long)(shadow - shadow0));
    return OK;
}

static void queue_report(st_t *st)
{
    nvme_ctrl_t *c = st->c;
    bool all_used = true;
    uint64_t sq_mmio = 0, sq_shadow = 0, cq_mmio = 0, cq_shadow = 0;
    for (uint32_t i = 0; i < c->nio; i++) {
        const nvme_queue_stats_t *s = &c->io[i].stats;
        printf("%s: selftest: queue %u (vector %u): %llu commands, %u in flight at most; doorbells: SQ %llu MMIO "
               "+ %llu shadow only, CQ %llu MMIO + %llu shadow only\n",
               c->name, c->io[i].qid, c->io[i].vector, (unsigned long long)s->completed, s->max_inflight,
               (unsigned long long)s->sq_mmio, (unsigned long long)s->sq_shadow_only,
               (unsigned long long)s->cq_mmio, (unsigned long long)s->cq_shadow_only);
        all_used = all_used && st->per_queue[i] > 0;
        sq_mmio += s->sq_mmio;
        sq_shadow += s->sq_shadow_only;
        cq_mmio += s->cq_mmio;
        cq_shadow += s->cq_shadow_only;
    }
    check(st, c->name, all_used, "all %u I/O queues completed commands", c->nio);
    check(st, c->name, st->max_inflight >= 2 || st->nbufs < 2, "commands in flight at once: %u",
          st->max_inflight);
    bool irqs = true;
    uint32_t used = c->nvectors < c->nio ? c->nvectors : c->nio;
    for (uint32_t v = 0; v < used; v++)
        irqs = irqs && st->d->irq[v].count > 0;
    check(st, c->name, irqs, "interrupts taken on each of the %u vector%s in use", used, used == 1 ? "" : "s");
    check(st, c->name, c->missed_interrupts == 0 && c->resets == 0,
          "every completion came with its interrupt (%u found only at a deadline), %u resets",
          c->missed_interrupts, c->resets);
    printf("%s: selftest: doorbell writes: %llu MMIO, %llu left to the shadow buffer (shadow doorbells %s), "
           "%u rung again by the tick\n",
           c->name, (unsigned long long)(sq_mmio + cq_mmio), (unsigned long long)(sq_shadow + cq_shadow),
           c->shadow ? "on" : "off", c->rerung);
}

static int st_begin(st_t *st, nvme_drv_t *n)
{
    memset(st, 0, sizeof *st);
    st->n = n;
    st->c = &n->ctrl;
    st->d = n->d;
    for (uint32_t i = 0; i < ST_BUFS; i++) {
        if (drv_dma_alloc(st->d, st->c->max_transfer, &st->buf[i]) != OK)
            break;
        st->nbufs++;
    }
    if (st->nbufs == 0) {
        printf("%s: selftest: FAIL no DMA memory for buffers\n", st->c->name);
        return ERR_NO_MEMORY;
    }
    n->done = st_done;
    n->done_ctx = st;
    return OK;
}

static int st_end(st_t *st, int err)
{
    if (err != OK)
        check(st, st->c->name, false, "the test could not go on: %s", cairn_error_name(err));
    if (st->failed == 0)
        printf("%s: selftest: PASS (%u checks)\n", st->c->name, st->checks);
    else
        printf("%s: selftest: FAIL (%u of %u checks failed)\n", st->c->name, st->failed, st->checks);
    if (st->inflight == 0) { /* buffers the device may still write stay allocated */
        for (uint32_t i = 0; i < st->nbufs; i++)
            drv_dma_free(&st->buf[i]);
        st->nbufs = 0;
    }
    st->n->done = NULL;
    return st->d->unbound ? ERR_PEER_CLOSED : OK;
}

static const nvme_ns_t *first_usable(const nvme_ctrl_t *c)
{
    for (uint32_t i = 0; i < c->nns; i++)
        if (c->ns[i].usable)
            return &c->ns[i];
    return NULL;
}

int nvme_selftest(nvme_drv_t *n)
{
    st_t *st = &the_st;
    int err = st_begin(st, n);
    if (err != OK)
        return OK;
    nvme_ctrl_t *c = st->c;
    printf("%s: selftest: %u I/O queues, %u buffers of %u KiB, seed %#llx\n", c->name, c->nio, st->nbufs,
           c->max_transfer / 1024, (unsigned long long)n->opt.seed);
    const nvme_ns_t *first = first_usable(c);
    check(st, c->name, first != NULL, "a usable namespace");
    for (uint32_t i = 0; i < c->nns && err == OK; i++) {
        const nvme_ns_t *ns = &c->ns[i];
        if (!ns->usable)
            continue;
        uint64_t t0 = libsys_now_ns();
        err = stream(st, ns, NVME_OP_READ, 0, ns->nblocks, ns_seed(st, n->opt.seed, ns), 0);
        if (err == OK)
            stream_check(st, ns, "read-all", 0, ns->nblocks, t0);
        if (err == OK && n->opt.wlen)
            err = write_phase(st, ns);
    }
    if (err == OK && first && n->opt.dlen)
        err = discard_phase(st, first);
    if (err == OK && first)
        err = burst_phase(st, first);
    if (err == OK && first)
        err = error_phase(st, first);
    if (err == OK)
        queue_report(st);
    return st_end(st, err);
}

int nvme_selftest_timeout(nvme_drv_t *n)
{
    st_t *st = &the_st;
    int err = st_begin(st, n);
    if (err != OK)
        return OK;
    nvme_ctrl_t *c = st->c;
    const nvme_ns_t *ns = first_usable(c);
    check(st, c->name, ns != NULL, "a usable namespace");
    if (ns == NULL)
        return st_end(st, OK);
    uint64_t seed = ns_seed(st, n->opt.seed, ns);
    uint32_t bs = ns->block_size, timeout = c->cfg.io_timeout_ms;
    nvme_queue_t *q = nvme_io_queue(c, 0);
    int status;
    printf("%s: selftest: timeouts: commands time out after %u ms\n", c->name, timeout);
    err = one(st, q, NVME_OP_READ, ns, ns->nsid, 0, 65536 / bs, ST_VERIFY, seed, false, &status);
    if (err == OK)
        check(st, ns->name, status == OK && st->bad_words == 0, "64 KiB read before the stall: %s",
              cairn_error_name(status));
    /* Two reads held back: the first reaches its deadline and fails with
     * ERR_TIMED_OUT; the second, sent a second later, is still within its
     * time when the reset takes it back: ERR_CANCELED. */
    int ta = -1, tb = -1;
    uint64_t t0 = libsys_now_ns();
    if (err == OK) {
        stream_reset(st);
        err = submit(st, q, NVME_OP_READ, ns, ns->nsid, 128, 4096 / bs, 0, ST_VERIFY, seed, false, false, &ta);
    }
    if (err == OK)
        err = turn_for(st, 1000);
    if (err == OK)
        err = submit(st, nvme_io_queue(c, 1), NVME_OP_READ, ns, ns->nsid, 136, 4096 / bs, 1, ST_VERIFY, seed,
                     false, false, &tb);
    if (err == OK)
        err = wait_req(st, ta);
    if (err == OK)
        err = wait_req(st, tb);
    if (err == OK) {
        uint64_t ms = (libsys_now_ns() - t0) / 1000000;
        check(st, ns->name, st->req[ta].status == ERR_TIMED_OUT, "held back read failed after %llu ms: %s",
              (unsigned long long)ms, cairn_error_name(st->req[ta].status));
        check(st, ns->name, st->req[tb].status == ERR_CANCELED, "the read sent 1 s later failed with it: %s",
              cairn_error_name(st->req[tb].status));
        check(st, c->name, c->resets == 1 && c->state == NVME_LIVE, "%u reset%s, controller %s", c->resets,
              c->resets == 1 ? "" : "s", c->state == NVME_LIVE ? "live" : "not live");
        c->cfg.io_timeout_ms = 60000; /* the throttle still holds reads back for a while */
        err = one(st, nvme_io_queue(c, 1), NVME_OP_READ, ns, ns->nsid, 256, 4096 / bs, ST_VERIFY, seed, false,
                  &status);
        c->cfg.io_timeout_ms = timeout;
    }
    if (err == OK)
        check(st, ns->name, status == OK && st->bad_words == 0, "read after the reset: %s, %llu words wrong",
              cairn_error_name(status), (unsigned long long)st->bad_words);
    return st_end(st, err);
}
