/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The block client library (cairn/blk.h): a connection to a block driver
 * (proto/block.proto) with its shared memory (cairn/blk_ring.h), the
 * submission side of the ring, reaping completions, sleeping on events,
 * and synchronous I/O on top.
 *
 * Each outstanding request has a slot; the tag on the wire is the slot
 * number and a generation (gen << 32 | slot), so a completion naming a
 * slot that is free, or a stale generation, is caught as the driver's
 * corruption rather than handed to the caller as someone else's request.
 */
#include "cairn/blk.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "cairn/sys.h"
#include "ns.h"

#define PAGE 4096ull
#define CALL_NS (5ull * 1000000000)
#define EVENT_BUF 512u /* bigger than any block message */

typedef struct blk_slot {
    uint64_t tag; /* the caller's */
    uint32_t gen;
    bool used;
} blk_slot_t;

struct blk {
    handle_t ch;
    blk_info_t info;
    uint64_t timeout_ns;
    handle_t data_vmo, ring_vmo;
    uint8_t *data;
    uint64_t data_size;
    void *ring_mem;
    uint64_t ring_map;
    blk_ring_t ring;
    uint32_t sq_tail, cq_head; /* ours; published to the header */
    uint32_t kicks_sent;
    blk_slot_t *slots;
    uint32_t *free_slots;      /* a stack of slot numbers */
    uint32_t nfree;
    uint32_t outstanding;
    int error;                 /* sticky: ERR_CORRUPT, ERR_PEER_CLOSED */
};

static uint64_t page_up(uint64_t n) { return (n + PAGE - 1) & ~(PAGE - 1); }

static int fail(blk_t *b, int err, const char *why)
{
    if (b->error == OK)
        fprintf(stderr, "blk: %s: %s: %s\n", b->info.name, why, cairn_error_name(err));
    if (b->error == OK || b->error == ERR_PEER_CLOSED)
        b->error = err;
    return b->error;
}

/* ---- notifications ------------------------------------------------------------- */

/* Kicks the driver if it asked for it and our last kick has been taken
 * (one not yet taken will make it read the ring anyway). */
static void kick_if_needed(blk_t *b)
{
    blk_ring_hdr_t *h = b->ring.hdr;
    blk_ring_fence(); /* sq_tail / cq_head stores before the flag loads */
    if (!(blk_ring_load(&h->driver_flags) & BLK_RING_NEED_KICK))
        return;
    if (blk_ring_load(&h->kicks_seen) != b->kicks_sent)
        return;
    if (block_kick_send(b->ch) == OK)
        b->kicks_sent++;
}

static void ev_completed(void *ctx) { (void)ctx; }

static void ev_ring_error(void *ctx, int32_t status)
{
    blk_t *b = ctx;
    fail(b, status < 0 ? status : ERR_CORRUPT, "the driver stopped reading the ring");
}

static const block_ops_t event_ops = {.completed = ev_completed, .ring_error = ev_ring_error};

/* Reads every queued message: events, and stray replies of calls that
 * timed out (the dispatcher refuses those). */
static void drain_events(blk_t *b)
{
    uint8_t buf[EVENT_BUF];
    handle_t hs[CHAN_MAX_HANDLES];
    for (;;) {
        chan_sizes_t sz = {sizeof buf, CHAN_MAX_HANDLES};
        int64_t err = sys_chan_read(b->ch, buf, hs, &sz);
        if (err == ERR_SHOULD_WAIT)
            return;
        if (err == ERR_BUFFER_TOO_SMALL) {
            fail(b, ERR_CORRUPT, "a message too large for the block protocol");
            return;
        }
        if (err != OK) {
            fail(b, err == ERR_PEER_CLOSED ? ERR_PEER_CLOSED : (int)err, "the driver's channel");
            return;
        }
        block_dispatch(&event_ops, b, b->ch, buf, sz.bytes, hs, sz.handles);
    }
}

/* ---- the ring ---------------------------------------------------------------------- */

int blk_submit(blk_t *b, const blk_req_t *r)
{
    uint32_t queued;
    if (b->error != OK)
        return b->error;
    if (b->outstanding >= b->ring.entries || b->nfree == 0)
        return ERR_SHOULD_WAIT;
    if (blk_ring_pending(blk_ring_load(&b->ring.hdr->sq_head), b->sq_tail, b->ring.entries, &queued) != OK)
        return fail(b, ERR_CORRUPT, "the driver's submission head is impossible");
    if (queued >= b->ring.entries)
        return ERR_SHOULD_WAIT;
    uint32_t slot = b->free_slots[--b->nfree];
    blk_slot_t *s = &b->slots[slot];
    s->gen++;
    s->tag = r->tag;
    s->used = true;
    volatile blk_sqe_t *e = &b->ring.sq[b->sq_tail & (b->ring.entries - 1)];
    e->tag = (uint64_t)s->gen << 32 | slot;
    e->op = r->op;
    e->flags = 0;
    e->count = r->count;
    e->lba = r->lba;
    e->offset = r->offset;
    b->sq_tail++;
    blk_ring_store(&b->ring.hdr->sq_tail, b->sq_tail);
    b->outstanding++;
    kick_if_needed(b);
    return OK;
}

/* One completion into *out; ERR_CORRUPT when it names no outstanding request. */
static int reap_one(blk_t *b, blk_done_t *out)
{
    const volatile blk_cqe_t *e = &b->ring.cq[b->cq_head & (b->ring.entries - 1)];
    uint64_t tag = e->tag;
    int32_t status = e->status;
    uint32_t slot = (uint32_t)tag, gen = (uint32_t)(tag >> 32);
    if (slot >= b->ring.entries || !b->slots[slot].used || b->slots[slot].gen != gen)
        return fail(b, ERR_CORRUPT, "a completion for no outstanding request");
    blk_slot_t *s = &b->slots[slot];
    out->tag = s->tag;
    out->status = status > 0 ? ERR_CORRUPT : status;
    s->used = false;
    b->free_slots[b->nfree++] = slot;
    b->outstanding--;
    b->cq_head++;
    return OK;
}

int blk_poll(blk_t *b, blk_done_t *out, uint32_t max)
{
    uint32_t ready, n = 0;
    if (max == 0 || out == NULL)
        return ERR_INVALID_ARGS;
    if (blk_ring_pending(b->cq_head, blk_ring_load(&b->ring.hdr->cq_tail), b->ring.entries, &ready) != OK)
        return fail(b, ERR_CORRUPT, "the driver's completion tail is impossible");
    if (ready > b->outstanding)
        return fail(b, ERR_CORRUPT, "more completions than requests");
    while (n < max && n < ready) {
        int err = reap_one(b, &out[n]);
        if (err != OK)
            return err;
        n++;
    }
    if (n > 0) {
        blk_ring_store(&b->ring.hdr->cq_head, b->cq_head);
        /* Completion room is back: a driver that stopped for it waits for a
         * kick if submissions are queued. */
        if (b->sq_tail != blk_ring_load(&b->ring.hdr->sq_head))
            kick_if_needed(b);
        return (int)n;
    }
    return b->error != OK ? b->error : 0;
}

int blk_wait(blk_t *b, blk_done_t *out, uint32_t max, uint64_t deadline)
{
    uint32_t *flags = &b->ring.hdr->client_flags;
    for (;;) {
        int n = blk_poll(b, out, max);
        if (n != 0)
            return n;
        if (b->outstanding == 0)
            return ERR_BAD_STATE;
        /* Going to sleep: ask for an event, then look once more. */
        blk_ring_store(flags, BLK_RING_WANT_EVENT);
        blk_ring_fence();
        n = blk_poll(b, out, max);
        if (n != 0) {
            blk_ring_store(flags, 0);
            return n;
        }
        uint32_t seen = 0;
        int64_t err = sys_object_wait(b->ch, SIG_READABLE | SIG_PEER_CLOSED, deadline, &seen);
        blk_ring_store(flags, 0);
        if (err == ERR_TIMED_OUT) {
            n = blk_poll(b, out, max);
            return n != 0 ? n : ERR_TIMED_OUT;
        }
        if (err != OK)
            return fail(b, (int)err, "waiting for the driver");
        drain_events(b);
    }
}

uint32_t blk_outstanding(const blk_t *b) { return b->outstanding; }
handle_t blk_channel(const blk_t *b) { return b->ch; }

void *blk_data(blk_t *b, uint64_t *size)
{
    if (size)
        *size = b->data_size;
    return b->data;
}

int blk_info(blk_t *b, blk_info_t *out)
{
    *out = b->info;
    return OK;
}

/* ---- synchronous I/O ------------------------------------------------------------ */

/* One request at offset 0 of the data area, waited for. */
static int one(blk_t *b, uint16_t op, uint64_t lba, uint32_t count)
{
    blk_req_t r = {.tag = 0, .op = op, .count = count, .lba = lba, .offset = 0};
    blk_done_t d;
    int err = blk_submit(b, &r);
    if (err != OK)
        return err;
    err = blk_wait(b, &d, 1, libsys_now_ns() + b->timeout_ns);
    return err < 0 ? err : d.status;
}

static int sync_rw(blk_t *b, uint16_t op, uint64_t lba, uint32_t count, uint8_t *buf)
{
    uint32_t bs = b->info.block_size;
    uint64_t chunk = b->info.max_transfer < b->data_size ? b->info.max_transfer : b->data_size;
    uint32_t per = (uint32_t)(chunk / bs);
    if (count == 0 || buf == NULL)
        return ERR_INVALID_ARGS;
    if (b->outstanding != 0)
        return ERR_BAD_STATE;
    while (count > 0) {
        uint32_t n = count < per ? count : per;
        uint64_t bytes = (uint64_t)n * bs;
        if (op == BLK_OP_WRITE)
            memcpy(b->data, buf, bytes);
        int err = one(b, op, lba, n);
        if (err != OK)
            return err;
        if (op == BLK_OP_READ)
            memcpy(buf, b->data, bytes);
        buf += bytes;
        lba += n;
        count -= n;
    }
    return OK;
}

int blk_read(blk_t *b, uint64_t lba, uint32_t count, void *buf) { return sync_rw(b, BLK_OP_READ, lba, count, buf); }

int blk_write(blk_t *b, uint64_t lba, uint32_t count, const void *buf)
{
    return sync_rw(b, BLK_OP_WRITE, lba, count, (uint8_t *)(uintptr_t)buf);
}

int blk_flush(blk_t *b) { return b->outstanding != 0 ? ERR_BAD_STATE : one(b, BLK_OP_FLUSH, 0, 0); }

int blk_discard(blk_t *b, uint64_t lba, uint32_t count)
{
    if (count == 0)
        return ERR_INVALID_ARGS;
    return b->outstanding != 0 ? ERR_BAD_STATE : one(b, BLK_OP_DISCARD, lba, count);
}

/* ---- opening ------------------------------------------------------------------------ */

static int map_new(uint64_t size, handle_t *vmo, void **va)
{
    uint64_t addr = 0;
    int err = (int)sys_vmo_create(size, 0, vmo);
    if (err != OK)
        return err;
    err = (int)sys_vm_map(HANDLE_INVALID, *vmo, 0, size, MAP_READ | MAP_WRITE, &addr);
    if (err != OK) {
        sys_handle_close(*vmo);
        *vmo = HANDLE_INVALID;
        return err;
    }
    *va = (void *)(uintptr_t)addr;
    return OK;
}

/* The driver's copies of our vmos: what it needs and nothing more. */
static int attach(blk_t *b)
{
    const uint32_t rights = RIGHT_READ | RIGHT_WRITE | RIGHT_MAP | RIGHT_TRANSFER;
    handle_t d, r;
    int err = (int)sys_handle_dup(b->data_vmo, rights, &d);
    if (err != OK)
        return err;
    if ((err = (int)sys_handle_dup(b->ring_vmo, rights, &r)) != OK) {
        sys_handle_close(d);
        return err;
    }
    return block_attach(b->ch, d, r, b->ring.entries, libsys_now_ns() + CALL_NS);
}

static int setup(blk_t *b, const blk_config_t *cfg)
{
    uint32_t entries = cfg && cfg->entries ? cfg->entries : BLK_DEFAULT_ENTRIES;
    uint64_t data = cfg && cfg->data_bytes ? cfg->data_bytes : BLK_DEFAULT_DATA;
    if (!blk_ring_entries_valid(entries) || data > BLK_DATA_MAX || data < b->info.block_size)
        return ERR_INVALID_ARGS;
    b->slots = calloc(entries, sizeof *b->slots);
    b->free_slots = calloc(entries, sizeof *b->free_slots);
    if (b->slots == NULL || b->free_slots == NULL)
        return ERR_NO_MEMORY;
    for (uint32_t i = 0; i < entries; i++)
        b->free_slots[b->nfree++] = entries - 1 - i;
    b->data_size = page_up(data);
    b->ring_map = page_up(blk_ring_bytes(entries));
    void *d;
    int err = map_new(b->data_size, &b->data_vmo, &d);
    if (err != OK)
        return err;
    b->data = d;
    if ((err = map_new(b->ring_map, &b->ring_vmo, &b->ring_mem)) != OK)
        return err;
    b->ring = blk_ring_at(b->ring_mem, entries);
    return attach(b);
}

int blk_open(const char *name, const blk_config_t *cfg, blk_t **out)
{
    char service[40];
    *out = NULL;
    if (name == NULL || strlen(name) == 0 || strlen(name) > BLK_NAME_MAX)
        return ERR_INVALID_ARGS;
    blk_t *b = calloc(1, sizeof *b);
    if (b == NULL)
        return ERR_NO_MEMORY;
    b->ch = b->data_vmo = b->ring_vmo = HANDLE_INVALID;
    b->timeout_ns = cfg && cfg->timeout_ns ? cfg->timeout_ns : BLK_DEFAULT_TIMEOUT_NS;
    snprintf(service, sizeof service, BLK_SERVICE_PREFIX "%s", name);
    snprintf(b->info.name, sizeof b->info.name, "%s", name);
    int err = libsys_connect(service, cfg && cfg->wait_ns ? cfg->wait_ns : BLK_DEFAULT_WAIT_NS, &b->ch);
    block_info_result_t r;
    if (err == OK)
        err = block_info(b->ch, &r, libsys_now_ns() + CALL_NS);
    if (err == OK) {
        b->info.block_size = r.block_size;
        b->info.block_count = r.block_count;
        b->info.max_transfer = r.max_transfer;
        b->info.queues = r.queues;
        b->info.queue_depth = r.queue_depth;
        b->info.flags = r.flags;
        snprintf(b->info.model, sizeof b->info.model, "%s", r.model);
        snprintf(b->info.serial, sizeof b->info.serial, "%s", r.serial);
        /* The driver's answer is checked like anything it says. */
        blk_limits_t lim = {r.block_size, r.block_count, r.max_transfer, r.flags};
        if (blk_limits_check(&lim) != OK)
            err = ERR_CORRUPT;
    }
    if (err == OK)
        err = setup(b, cfg);
    if (err != OK) {
        blk_close(b);
        return err;
    }
    *out = b;
    return OK;
}

void blk_close(blk_t *b)
{
    if (b == NULL)
        return;
    if (b->ch != HANDLE_INVALID)
        sys_handle_close(b->ch);
    if (b->ring_mem != NULL)
        sys_vm_unmap(HANDLE_INVALID, (uint64_t)(uintptr_t)b->ring_mem, b->ring_map);
    if (b->data != NULL)
        sys_vm_unmap(HANDLE_INVALID, (uint64_t)(uintptr_t)b->data, b->data_size);
    if (b->ring_vmo != HANDLE_INVALID)
        sys_handle_close(b->ring_vmo);
    if (b->data_vmo != HANDLE_INVALID)
        sys_handle_close(b->data_vmo);
    free(b->slots);
    free(b->free_slots);
    free(b);
}

/* ---- listing ------------------------------------------------------------------------- */

int blk_list(uint32_t *cursor, char name[BLK_NAME_MAX + 1])
{
    handle_t ns = libsys_handle("ns");
    const size_t plen = sizeof BLK_SERVICE_PREFIX - 1;
    if (ns == HANDLE_INVALID)
        return ERR_BAD_STATE;
    for (;;) {
        ns_list_result_t r;
        int err = ns_list(ns, *cursor, &r, libsys_now_ns() + CALL_NS);
        if (err != OK)
            return err;
        (*cursor)++;
        if (strncmp(r.name, BLK_SERVICE_PREFIX, plen) == 0 && r.name[plen] != '\0') {
            snprintf(name, BLK_NAME_MAX + 1, "%s", r.name + plen);
            return OK;
        }
    }
}
