/* SPDX-License-Identifier: BSD-2-Clause
 *
 * blktest's raw connections: proto/block.proto without the client
 * library, the ring written by hand (cairn/blk_ring.h), to do what the
 * library never would: attach wrongly, set reserved fields, put garbage in
 * the indices, leave out kicks. The driver must answer each with an error
 * (a refused attach, an error completion, a ring_error event) and go on
 * serving everyone else.
 */
#include <stdlib.h>
#include <string.h>

#include "blktest.h"
#include "block.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "cairn/sys.h"

#define PAGE 4096ull
#define RIGHTS_OK (RIGHT_READ | RIGHT_WRITE | RIGHT_MAP | RIGHT_TRANSFER)

static uint64_t page_up(uint64_t n) { return (n + PAGE - 1) & ~(PAGE - 1); }

int raw_connect(const char *dev, raw_t *out)
{
    char service[40];
    memset(out, 0, sizeof *out);
    snprintf(service, sizeof service, BLK_SERVICE_PREFIX "%s", dev);
    return libsys_connect(service, 5 * SEC, &out->ch);
}

static int map_new(uint64_t size, handle_t *vmo, void **va)
{
    uint64_t addr = 0;
    int err = (int)sys_vmo_create(size, 0, vmo);
    if (err == OK)
        err = (int)sys_vm_map(HANDLE_INVALID, *vmo, 0, size, MAP_READ | MAP_WRITE, &addr);
    *va = (void *)(uintptr_t)addr;
    return err;
}

/* attach with copies of our vmos holding `rights`; the ring vmo is
 * `ring_bytes` long (0: what `entries` needs). */
static int attach_with(raw_t *raw, uint32_t entries, uint32_t data_rights, uint64_t ring_bytes)
{
    handle_t d, r;
    int err = (int)sys_handle_dup(raw->data, data_rights, &d);
    if (err != OK)
        return err;
    if ((err = (int)sys_handle_dup(raw->ring, RIGHTS_OK, &r)) != OK)
        return err;
    (void)ring_bytes;
    return block_attach(raw->ch, d, r, entries, blktest_deadline(5 * SEC));
}

/* Our vmos: a data area and a ring of `ring_bytes`. */
static int make_vmos(raw_t *raw, uint64_t data_bytes, uint64_t ring_bytes)
{
    void *d;
    int err = map_new(data_bytes, &raw->data, &d);
    if (err != OK)
        return err;
    raw->data_mem = d;
    raw->data_size = data_bytes;
    raw->ring_size = ring_bytes;
    return map_new(ring_bytes, &raw->ring, &raw->ring_mem);
}

int raw_attach(raw_t *raw, uint32_t entries, uint64_t data_bytes)
{
    int err = make_vmos(raw, data_bytes, page_up(blk_ring_bytes(entries)));
    if (err != OK)
        return err;
    raw->r = blk_ring_at(raw->ring_mem, entries);
    return attach_with(raw, entries, RIGHTS_OK, 0);
}

void raw_close(raw_t *raw)
{
    if (raw->ch)
        sys_handle_close(raw->ch);
    if (raw->data_mem)
        sys_vm_unmap(HANDLE_INVALID, (uint64_t)(uintptr_t)raw->data_mem, raw->data_size);
    if (raw->ring_mem)
        sys_vm_unmap(HANDLE_INVALID, (uint64_t)(uintptr_t)raw->ring_mem, raw->ring_size);
    if (raw->data)
        sys_handle_close(raw->data);
    if (raw->ring)
        sys_handle_close(raw->ring);
    memset(raw, 0, sizeof *raw);
}

/* ---- events --------------------------------------------------------------- */

static int last_ordinal;
static int32_t last_status;

static void ev_completed(void *ctx)
{
    (void)ctx;
    last_ordinal = BLOCK_COMPLETED_ORDINAL;
}

static void ev_ring_error(void *ctx, int32_t status)
{
    (void)ctx;
    last_ordinal = BLOCK_RING_ERROR_ORDINAL;
    last_status = status;
}

static const block_ops_t event_ops = {.completed = ev_completed, .ring_error = ev_ring_error};

/* The next event on the channel, by `deadline`: its ordinal (and
 * last_status for ring_error), or an error (ERR_TIMED_OUT). */
static int next_event(raw_t *raw, uint64_t deadline)
{
    uint8_t buf[256];
    handle_t hs[4];
    uint32_t seen;
    int err = (int)sys_object_wait(raw->ch, SIG_READABLE, deadline, &seen);
    if (err != OK)
        return err;
    chan_sizes_t sz = {sizeof buf, 4};
    if ((err = (int)sys_chan_read(raw->ch, buf, hs, &sz)) != OK)
        return err;
    last_ordinal = 0;
    if ((err = block_dispatch(&event_ops, raw, raw->ch, buf, sz.bytes, hs, sz.handles)) != OK)
        return err;
    return last_ordinal;
}

/* ---- the ring by hand ------------------------------------------------------ */

static void put_sqe(raw_t *raw, uint32_t index, uint64_t tag, uint16_t op, uint16_t flags, uint64_t lba,
                    uint32_t count, uint64_t offset)
{
    volatile blk_sqe_t *s = &raw->r.sq[index & (raw->r.entries - 1)];
    s->tag = tag;
    s->op = op;
    s->flags = flags;
    s->lba = lba;
    s->count = count;
    s->offset = offset;
}

static int kick(raw_t *raw) { return block_kick_send(raw->ch); }

/* Waits until the driver's cq_tail reaches `n` (polling, 5 s at most). */
static bool wait_cq(raw_t *raw, uint32_t n)
{
    uint64_t end = blktest_deadline(5 * SEC);
    while (blk_ring_load(&raw->r.hdr->cq_tail) != n) {
        if (libsys_now_ns() > end)
            return false;
        sys_thread_sleep(blktest_deadline(MSEC));
    }
    return true;
}

/* Waits until the driver says it is idle (NEED_KICK), 5 s at most: it
 * raises the flag just after its last completion. */
static bool wait_idle(raw_t *raw)
{
    uint64_t end = blktest_deadline(5 * SEC);
    while (!(blk_ring_load(&raw->r.hdr->driver_flags) & BLK_RING_NEED_KICK)) {
        if (libsys_now_ns() > end)
            return false;
        sys_thread_sleep(blktest_deadline(MSEC));
    }
    return true;
}

/* The status of the completion with `tag` among the first n, or 1. */
static int status_of(raw_t *raw, uint32_t n, uint64_t tag)
{
    for (uint32_t i = 0; i < n; i++) {
        if (raw->r.cq[i & (raw->r.entries - 1)].tag == tag)
            return raw->r.cq[i & (raw->r.entries - 1)].status;
    }
    return 1;
}

/* ---- tests ------------------------------------------------------------------- */

int t_raw_attach(void)
{
    raw_t raw;
    EQ(raw_connect("ram0", &raw), OK);
    EQ(make_vmos(&raw, 16 * PAGE, PAGE), OK);
    EQ(attach_with(&raw, 3, RIGHTS_OK, 0), ERR_INVALID_ARGS);
    EQ(attach_with(&raw, 0, RIGHTS_OK, 0), ERR_INVALID_ARGS);
    EQ(attach_with(&raw, 2 * BLK_RING_MAX, RIGHTS_OK, 0), ERR_INVALID_ARGS);
    EQ(attach_with(&raw, 128, RIGHTS_OK, 0), ERR_OUT_OF_RANGE); /* 128 entries need more than a page */
    /* The data area must be writable by the driver: the validator refuses. */
    EQ(attach_with(&raw, 64, RIGHT_READ | RIGHT_MAP | RIGHT_TRANSFER, 0), ERR_ACCESS_DENIED);
    /* DMA memory (revocable: its resource's revocation would unmap it
     * under the driver) is refused even with RIGHT_DMA dropped. */
    handle_t contig, plain_looking, ring;
    EQ((int)sys_vmo_create_contiguous(libsys_handle("dma"), 16 * PAGE, &contig), OK);
    EQ((int)sys_handle_dup(contig, RIGHTS_OK, &plain_looking), OK);
    EQ((int)sys_handle_dup(raw.ring, RIGHTS_OK, &ring), OK);
    EQ(block_attach(raw.ch, plain_looking, ring, 64, blktest_deadline(5 * SEC)), ERR_ACCESS_DENIED);
    sys_handle_close(contig);
    /* A kick before any attach is ignored; the connection still answers. */
    EQ(kick(&raw), OK);
    block_info_result_t in;
    EQ(block_info(raw.ch, &in, blktest_deadline(5 * SEC)), OK);
    EQ(in.block_size, 512);
    /* After all of those, a good attach, and only one. */
    EQ(attach_with(&raw, 64, RIGHTS_OK, 0), OK);
    EQ(attach_with(&raw, 64, RIGHTS_OK, 0), ERR_BAD_STATE);
    raw.r = blk_ring_at(raw.ring_mem, 64);
    EQ(blk_ring_load(&raw.r.hdr->driver_flags), BLK_RING_NEED_KICK); /* idle, wants a kick */
    /* Not the block protocol at all: an error reply, the client stays. */
    uint8_t junk[40] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    EQ(sys_chan_write(raw.ch, junk, sizeof junk, NULL, 0), OK);
    EQ(block_info(raw.ch, &in, blktest_deadline(5 * SEC)), OK);
    raw_close(&raw);
    return 0;
}

int t_raw_bad_fields(void)
{
    const char *devs[] = {"ram0", "ram1"};
    for (int d = 0; d < 2; d++) {
        raw_t raw;
        EQ(raw_connect(devs[d], &raw), OK);
        EQ(raw_attach(&raw, 8, 16 * PAGE), OK);
        put_sqe(&raw, 0, 10, BLK_OP_READ, 1, 0, 1, 0);             /* reserved flags */
        put_sqe(&raw, 1, 11, 0, 0, 0, 1, 0);                       /* no op */
        put_sqe(&raw, 2, 12, BLK_OP_FLUSH, 0, 0, 0, 4096);         /* a flush with data */
        put_sqe(&raw, 3, 13, BLK_OP_READ, 0, 0, 1, 15 * PAGE + 4096); /* past the data (4 KiB blocks too) */
        put_sqe(&raw, 4, 14, BLK_OP_READ, 0, 1, 1, 0);             /* good */
        blk_ring_store(&raw.r.hdr->sq_tail, 5);
        EQ(kick(&raw), OK);
        CHECK(wait_cq(&raw, 5));
        EQ(blk_ring_load(&raw.r.hdr->sq_head), 5);
        EQ(status_of(&raw, 5, 10), ERR_INVALID_ARGS);
        EQ(status_of(&raw, 5, 11), ERR_NOT_SUPPORTED);
        EQ(status_of(&raw, 5, 12), ERR_INVALID_ARGS);
        EQ(status_of(&raw, 5, 13), ERR_BAD_ADDRESS);
        EQ(status_of(&raw, 5, 14), OK);
        raw_close(&raw);
    }
    return 0;
}

/* One connection with garbage in an index: a ring_error event, nothing
 * of its ring taken after, and the driver serves a normal client. */
static int garbage(const char *dev, int which)
{
    raw_t raw;
    EQ(raw_connect(dev, &raw), OK);
    EQ(raw_attach(&raw, 8, 16 * PAGE), OK);
    blk_ring_hdr_t *h = raw.r.hdr;
    uint32_t good = which == 3 ? 3 : 0;
    for (uint32_t i = 0; i < good; i++)
        put_sqe(&raw, i, 100 + i, BLK_OP_READ, 0, i, 1, 0);
    if (good) {
        blk_ring_store(&h->sq_tail, good);
        EQ(kick(&raw), OK);
        CHECK(wait_cq(&raw, good));
        blk_ring_store(&h->cq_head, good);
    }
    switch (which) {
    case 0:
        blk_ring_store(&h->sq_tail, 8 + 7); /* more than the ring holds */
        break;
    case 1:
        blk_ring_store(&h->sq_tail, UINT32_MAX); /* behind the driver's head */
        break;
    case 2:
        put_sqe(&raw, 0, 1, BLK_OP_READ, 0, 0, 1, 0);
        blk_ring_store(&h->cq_head, 0x40000000u); /* completions taken that never came */
        blk_ring_store(&h->sq_tail, 1);
        break;
    default:
        put_sqe(&raw, good, 1, BLK_OP_READ, 0, 0, 1, 0);
        blk_ring_store(&h->cq_head, good + 1); /* ahead of the driver's tail */
        blk_ring_store(&h->sq_tail, good + 1);
        break;
    }
    EQ(kick(&raw), OK);
    EQ(next_event(&raw, blktest_deadline(5 * SEC)), BLOCK_RING_ERROR_ORDINAL);
    EQ(last_status, ERR_CORRUPT);
    EQ(blk_ring_load(&h->sq_head), good); /* nothing more taken */
    /* Set right again: the driver no longer reads this ring. */
    blk_ring_store(&h->cq_head, good);
    blk_ring_store(&h->sq_tail, good + 1);
    EQ(kick(&raw), OK);
    sys_thread_sleep(blktest_deadline(50 * MSEC));
    EQ(blk_ring_load(&h->sq_head), good);
    EQ(blk_ring_load(&h->cq_tail), good);
    raw_close(&raw);
    blk_t *b;
    uint8_t buf[4096];
    EQ(blk_open(dev, NULL, &b), OK);
    EQ(blk_read(b, 1, 1, buf), OK);
    blk_close(b);
    return 0;
}

int t_raw_garbage_indices(void)
{
    for (int which = 0; which < 4; which++) {
        if (garbage("ram0", which) || garbage("ram1", which))
            return -1;
    }
    return 0;
}

/* No kick, no work: the driver does not poll rings. No WANT_EVENT, no
 * event: a busy queue costs no messages. */
int t_raw_suppression(void)
{
    raw_t raw;
    uint32_t seen;
    EQ(raw_connect("ram0", &raw), OK);
    EQ(raw_attach(&raw, 8, 16 * PAGE), OK);
    blk_ring_hdr_t *h = raw.r.hdr;
    put_sqe(&raw, 0, 1, BLK_OP_READ, 0, 0, 1, 0);
    blk_ring_store(&h->sq_tail, 1);
    sys_thread_sleep(blktest_deadline(100 * MSEC));
    EQ(blk_ring_load(&h->sq_head), 0); /* not kicked: not read */
    EQ(kick(&raw), OK);
    CHECK(wait_cq(&raw, 1));
    EQ(blk_ring_load(&h->kicks_seen), 1);
    CHECK(wait_idle(&raw)); /* idle again, wants a kick */
    sys_thread_sleep(blktest_deadline(50 * MSEC));
    EQ(sys_object_wait(raw.ch, SIG_READABLE, 0, &seen), ERR_TIMED_OUT); /* no event asked, none sent */
    /* Many more without WANT_EVENT: still not one message. */
    for (uint32_t i = 1; i < 40; i++) {
        put_sqe(&raw, i, 1 + i, BLK_OP_READ, 0, i, 1, 0);
        CHECK(wait_idle(&raw));
        blk_ring_store(&h->sq_tail, i + 1);
        EQ(kick(&raw), OK);
        CHECK(wait_cq(&raw, i + 1));
        blk_ring_store(&h->cq_head, i + 1);
    }
    sys_thread_sleep(blktest_deadline(50 * MSEC));
    EQ(sys_object_wait(raw.ch, SIG_READABLE, 0, &seen), ERR_TIMED_OUT);
    /* Asked for: one completed event. */
    blk_ring_store(&h->client_flags, BLK_RING_WANT_EVENT);
    put_sqe(&raw, 40, 99, BLK_OP_READ, 0, 0, 1, 0);
    blk_ring_store(&h->sq_tail, 41);
    EQ(kick(&raw), OK);
    EQ(next_event(&raw, blktest_deadline(5 * SEC)), BLOCK_COMPLETED_ORDINAL);
    EQ(blk_ring_load(&h->cq_tail), 41);
    raw_close(&raw);
    return 0;
}
