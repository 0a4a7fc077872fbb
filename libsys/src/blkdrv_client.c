/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The block driver library (cairn/blkdrv.h), its client half: the
 * proto/block.proto server (info, attach, kick), each client's shared
 * memory, reading its submission ring, checking each request before the
 * driver may see it, posting completions and sending the events the
 * client asked for, and letting go of a client that left once the driver
 * is done with its requests (blkdrv_priv.h has the request states).
 *
 * Everything a client wrote is untrusted: its indices are bounded by
 * blk_ring_pending, each submission is read out of shared memory once
 * (volatile loads into a private copy) and checked by blk_req_check
 * against the limits of the unit (the device) it connected to. A ring
 * whose indices are impossible is not read any more (ring_error).
 *
 * Each unit has its own server (srv_t, its ctx the unit); the clients of
 * all units are one list, served round-robin by blkdrv_pump.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkdrv_priv.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"

#define PAGE 4096ull

static uint64_t page_up(uint64_t n) { return (n + PAGE - 1) & ~(PAGE - 1); }

static blkdrv_unit_t *unit_of(srv_client_t *sc) { return sc->srv->ctx; }

/* ---- posting completions --------------------------------------------------- */

static void req_free(blk_client_t *c, blk_req_t *r)
{
    r->state = REQ_FREE;
    r->prev = NULL;
    r->next = c->free;
    c->free = r;
    c->inflight--;
}

void blkdrv_hold(blk_client_t *c, blk_req_t *r)
{
    c->held = r;
    c->b->share[c->u->index].waiting++;
}

void blkdrv_unhold(blk_client_t *c)
{
    c->held = NULL;
    c->b->share[c->u->index].waiting--;
}

void blkdrv_finish(blkdrv_t *b, blk_req_t *r, int status)
{
    blk_client_t *c = r->c;
    if (c->sc != NULL) {
        volatile blk_cqe_t *e = &c->ring.cq[c->cq_tail & (c->ring.entries - 1)];
        e->tag = r->tag;
        e->status = status;
        e->reserved = 0;
        c->cq_tail++;
        blk_ring_store(&c->ring.hdr->cq_tail, c->cq_tail);
        c->notify = true;
    } else {
        b->reap = true;
    }
    req_free(c, r);
}

/* A completed event to every client that posted something and sleeps. */
static void notify_all(blkdrv_t *b)
{
    bool fenced = false;
    for (blk_client_t *c = b->clients; c != NULL; c = c->next) {
        if (!c->notify || c->sc == NULL)
            continue;
        c->notify = false;
        if (!fenced) {
            blk_ring_fence(); /* cq_tail stores before the flag loads */
            fenced = true;
        }
        if (blk_ring_load(&c->ring.hdr->client_flags) & BLK_RING_WANT_EVENT) {
            /* A full channel already holds events to wake it: fine. */
            block_completed_send(c->sc->ch);
        }
    }
}

/* ---- reading a ring ------------------------------------------------------------ */

static void ring_broken(blk_client_t *c, const char *what, uint32_t ours, uint32_t theirs)
{
    c->broken = true;
    fprintf(stderr,
            "%s: client %llu (%s): %s %u is impossible (ours %u, %u entries): %s; its ring is not read any more\n",
            c->u->who, (unsigned long long)c->id, c->label, what, theirs, ours, c->ring.entries,
            cairn_error_name(ERR_CORRUPT));
    if (c->sc != NULL)
        block_ring_error_send(c->sc->ch, ERR_CORRUPT);
}

enum take { TAKE_OK, TAKE_NONE, TAKE_CORRUPT };

/* What the ring allows now: a submission with completion room for it. */
static enum take ring_ready(blk_client_t *c)
{
    uint32_t n = c->ring.entries, tail, head, avail, used;
    tail = blk_ring_load(&c->ring.hdr->sq_tail);
    if (blk_ring_pending(c->sq_head, tail, n, &avail) != OK) {
        ring_broken(c, "submission tail", c->sq_head, tail);
        return TAKE_CORRUPT;
    }
    head = blk_ring_load(&c->ring.hdr->cq_head);
    if (blk_ring_pending(head, c->cq_tail, n, &used) != OK) {
        ring_broken(c, "completion head", c->cq_tail, head);
        return TAKE_CORRUPT;
    }
    return avail > 0 && used + c->inflight < n ? TAKE_OK : TAKE_NONE;
}

/* The next submission, copied out of shared memory once. */
static void take(blk_client_t *c, blk_sqe_t *out)
{
    const volatile blk_sqe_t *s = &c->ring.sq[c->sq_head & (c->ring.entries - 1)];
    out->tag = s->tag;
    out->op = s->op;
    out->flags = s->flags;
    out->count = s->count;
    out->lba = s->lba;
    out->offset = s->offset;
    c->sq_head++;
    blk_ring_store(&c->ring.hdr->sq_head, c->sq_head);
}

static void log_rejected(blk_client_t *c, const blk_sqe_t *s, int err)
{
    c->rejected++;
    if (c->rejected > BLKDRV_REJECT_LOGGED) {
        if (c->rejected % 1000 == 0)
            fprintf(stderr, "%s: client %llu (%s): %u bad requests\n", c->u->who, (unsigned long long)c->id,
                    c->label, c->rejected);
        return;
    }
    fprintf(stderr, "%s: client %llu (%s): bad request (%s, op %u, lba %llu, count %u, offset %llu, flags %#x): %s%s\n",
            c->u->who, (unsigned long long)c->id, c->label, blk_op_name(s->op), s->op,
            (unsigned long long)s->lba, s->count, (unsigned long long)s->offset, s->flags, cairn_error_name(err),
            c->rejected == BLKDRV_REJECT_LOGGED ? " (no more logged for this client)" : "");
}

/* One submission taken and checked: started, held, or completed with its
 * error. False when it is held (the driver is full). */
static bool take_one(blkdrv_t *b, blk_client_t *c)
{
    blk_sqe_t s;
    take(c, &s);
    blk_req_t *r = c->free; /* one is free: inflight < entries */
    c->free = r->next;
    c->inflight++;
    r->c = c;
    r->tag = s.tag;
    r->offset = s.offset;
    r->bounce = -1;
    r->pub = (blkdrv_req_t){.op = s.op, .count = s.count, .lba = s.lba, .unit = c->u->index};
    int err = blk_req_check(&c->u->lim, c->data_size, &s);
    if (err != OK) {
        log_rejected(c, &s, err);
        blkdrv_finish(b, r, err);
        return true;
    }
    if (s.op == BLK_OP_READ || s.op == BLK_OP_WRITE)
        r->pub.bytes = (uint64_t)s.count * c->u->geo.block_size;
    if (s.op == BLK_OP_FLUSH && !(c->u->geo.flags & BLK_INFO_FLUSH)) {
        blkdrv_finish(b, r, OK); /* no volatile cache: what completed is stable */
        return true;
    }
    r->state = REQ_HELD;
    if (blkdrv_start(b, r))
        return true;
    blkdrv_hold(c, r);
    return false;
}

/* Our NEED_KICK, published when it changes. */
static void ask_kick(blk_client_t *c, bool on)
{
    if (c->kick_asked == on)
        return;
    c->kick_asked = on;
    blk_ring_store(&c->ring.hdr->driver_flags, on ? BLK_RING_NEED_KICK : 0);
}

/* Serves one client a round; true when anything moved. */
static bool serve(blkdrv_t *b, blk_client_t *c)
{
    bool moved = false;

    if (!c->attached || c->broken || c->sc == NULL)
        return false;
    if (c->held != NULL) {
        if (!blkdrv_start(b, c->held))
            return false;
        blkdrv_unhold(c);
        moved = true;
    }
    for (uint32_t n = 0; n < BLKDRV_BUDGET && !b->stopping; n++) {
        enum take t = ring_ready(c);
        if (t == TAKE_NONE) {
            /* Going idle: ask for a kick, then look once more, so a
             * submission published meanwhile is not left sleeping. */
            ask_kick(c, true);
            blk_ring_fence();
            t = ring_ready(c);
            if (t != TAKE_OK)
                return moved;
        }
        if (t == TAKE_CORRUPT)
            return moved;
        ask_kick(c, false); /* reading: no kick needed until we stop */
        moved = true;
        if (!take_one(b, c))
            return true;
    }
    return moved;
}

static void client_destroy(blkdrv_t *b, blk_client_t *c)
{
    blk_client_t **pp = &b->clients;
    while (*pp != NULL && *pp != c)
        pp = &(*pp)->next;
    if (*pp == c)
        *pp = c->next;
    if (c->ring_mem != NULL)
        sys_vm_unmap(HANDLE_INVALID, (uint64_t)(uintptr_t)c->ring_mem, c->ring_map);
    if (c->data != NULL)
        sys_vm_unmap(HANDLE_INVALID, (uint64_t)(uintptr_t)c->data, page_up(c->data_size));
    if (c->ring_vmo != HANDLE_INVALID)
        sys_handle_close(c->ring_vmo);
    if (c->data_vmo != HANDLE_INVALID)
        sys_handle_close(c->data_vmo);
    free(c->reqs);
    free(c);
}

/* Frees the clients that left and have nothing at the driver any more. */
static void reap(blkdrv_t *b)
{
    b->reap = false;
    for (blk_client_t *c = b->clients, *next; c != NULL; c = next) {
        next = c->next;
        if (c->sc == NULL && c->inflight == 0)
            client_destroy(b, c);
    }
}

/* The first client to the end: when the driver is full, whoever comes
 * first in the list gets the next free place, so the list turns. */
static void rotate(blkdrv_t *b)
{
    blk_client_t *first = b->clients, *last = first;
    if (first == NULL || first->next == NULL)
        return;
    while (last->next != NULL)
        last = last->next;
    b->clients = first->next;
    first->next = NULL;
    last->next = first;
}

void blkdrv_pump(blkdrv_t *b)
{
    bool moved = true;
    for (uint32_t round = 0; moved && !b->stopping; round++) {
        if (round == BLKDRV_ROUNDS) {
            /* Clients keep the rings full: let the loop's other sources
             * (new clients, interrupts) have a turn, and come back. */
            if (!b->post_pending && loop_post(&b->drv->loop, 0, 0) == OK)
                b->post_pending = true;
            break;
        }
        moved = false;
        for (blk_client_t *c = b->clients; c != NULL; c = c->next) {
            if (serve(b, c))
                moved = true;
        }
    }
    notify_all(b);
    if (b->reap)
        reap(b);
    rotate(b);
    blkdrv_timer_arm(b);
}

void blkdrv_detach_all(blkdrv_t *b)
{
    notify_all(b);
    while (b->clients != NULL) {
        blk_client_t *c = b->clients;
        if (c->held != NULL) {
            req_free(c, c->held);
            blkdrv_unhold(c);
        }
        if (c->sc != NULL)
            c->sc->ctx = NULL;
        client_destroy(b, c);
    }
}

/* ---- the protocol ------------------------------------------------------------------ */

static int op_info(void *ctx, const proto_txn_t *txn, block_info_result_t *out)
{
    const blkdrv_geometry_t *g = &unit_of(ctx)->geo;
    (void)txn;
    out->block_size = g->block_size;
    out->block_count = g->block_count;
    out->max_transfer = g->max_transfer;
    out->queues = g->queues;
    out->queue_depth = g->queue_depth;
    out->flags = g->flags;
    snprintf(out->model, sizeof out->model, "%s", g->model);
    snprintf(out->serial, sizeof out->serial, "%s", g->serial);
    snprintf(out->name, sizeof out->name, "%s", g->name);
    return OK;
}

/* A vmo the driver may keep mapped: ordinary memory. A vmo made from a
 * resource (DMA memory, device memory) could be revoked under the
 * driver's mapping and fault it (vmo_info says which). */
static int vmo_acceptable(handle_t vmo, uint64_t *size)
{
    vmo_info_t vi;
    int err = (int)sys_vmo_info(vmo, &vi);
    if (err != OK)
        return err;
    if (vi.kind != VMO_INFO_ANONYMOUS || (vi.flags & VMO_INFO_REVOCABLE))
        return ERR_ACCESS_DENIED;
    *size = vi.size;
    return OK;
}

static int map_rw(handle_t vmo, uint64_t len, void **out)
{
    uint64_t addr = 0;
    int err = (int)sys_vm_map(HANDLE_INVALID, vmo, 0, page_up(len), MAP_READ | MAP_WRITE, &addr);
    *out = err == OK ? (void *)(uintptr_t)addr : NULL;
    return err;
}

static int attach_checked(blk_client_t *c, handle_t data, handle_t ring, uint32_t entries)
{
    uint64_t dsize, rsize;
    int err;
    if (!blk_ring_entries_valid(entries))
        return ERR_INVALID_ARGS;
    if ((err = vmo_acceptable(data, &dsize)) != OK || (err = vmo_acceptable(ring, &rsize)) != OK)
        return err;
    if (dsize < c->u->geo.block_size || dsize > BLK_DATA_MAX || rsize < blk_ring_bytes(entries))
        return ERR_OUT_OF_RANGE;
    c->reqs = calloc(entries, sizeof *c->reqs);
    if (c->reqs == NULL)
        return ERR_NO_MEMORY;
    c->ring_map = page_up(blk_ring_bytes(entries));
    if ((err = map_rw(ring, c->ring_map, &c->ring_mem)) != OK)
        return err;
    void *d;
    if ((err = map_rw(data, dsize, &d)) != OK)
        return err;
    c->data = d;
    c->data_size = dsize;
    c->data_vmo = data;
    c->ring_vmo = ring;
    c->ring = blk_ring_at(c->ring_mem, entries);
    for (uint32_t i = entries; i-- > 0;) {
        c->reqs[i].next = c->free;
        c->free = &c->reqs[i];
    }
    blk_ring_hdr_t *h = c->ring.hdr;
    blk_ring_store(&h->sq_head, 0);
    blk_ring_store(&h->cq_tail, 0);
    blk_ring_store(&h->kicks_seen, 0);
    blk_ring_store(&h->driver_flags, BLK_RING_NEED_KICK);
    c->kick_asked = true;
    c->attached = true;
    return OK;
}

static int op_attach(void *ctx, const proto_txn_t *txn, handle_t data, handle_t ring, uint32_t entries)
{
    srv_client_t *sc = ctx;
    blk_client_t *c = sc->ctx;
    blkdrv_unit_t *u = unit_of(sc);
    (void)txn;
    int err = c == NULL ? ERR_NO_MEMORY : c->attached ? ERR_BAD_STATE : attach_checked(c, data, ring, entries);
    if (err == OK)
        return OK;
    if (c != NULL && !c->attached) {
        /* Undo a partial attach; the handles are closed below. */
        if (c->ring_mem != NULL)
            sys_vm_unmap(HANDLE_INVALID, (uint64_t)(uintptr_t)c->ring_mem, c->ring_map);
        c->ring_mem = NULL;
        free(c->reqs);
        c->reqs = NULL;
        c->free = NULL;
    }
    fprintf(stderr, "%s: client %llu (%s): attach (%u entries): %s\n", u->who,
            (unsigned long long)sc->id, sc->label, entries, cairn_error_name(err));
    sys_handle_close(data);
    sys_handle_close(ring);
    return err;
}

static void op_kick(void *ctx)
{
    srv_client_t *sc = ctx;
    blk_client_t *c = sc->ctx;
    if (c == NULL || !c->attached)
        return;
    c->kicks++;
    blk_ring_store(&c->ring.hdr->kicks_seen, c->kicks);
}

static const block_ops_t block_srv_ops = {.info = op_info, .attach = op_attach, .kick = op_kick};

static int on_message(srv_client_t *sc, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh)
{
    blkdrv_t *b = unit_of(sc)->b;
    int err = block_dispatch(&block_srv_ops, sc, sc->ch, msg, n, hs, nh);
    blkdrv_pump(b);
    return err;
}

static void on_open(srv_client_t *sc)
{
    blkdrv_unit_t *u = unit_of(sc);
    blkdrv_t *b = u->b;
    blk_client_t *c = calloc(1, sizeof *c);
    sc->ctx = c;
    if (c == NULL)
        return; /* its calls answer ERR_NO_MEMORY */
    c->b = b;
    c->u = u;
    c->sc = sc;
    c->id = sc->id;
    c->data_vmo = c->ring_vmo = HANDLE_INVALID;
    snprintf(c->label, sizeof c->label, "%s", sc->label);
    c->next = b->clients;
    b->clients = c;
}

static void on_close(srv_client_t *sc)
{
    blk_client_t *c = sc->ctx;
    if (c == NULL)
        return;
    sc->ctx = NULL;
    c->sc = NULL;
    if (c->held != NULL) {
        req_free(c, c->held);
        blkdrv_unhold(c);
    }
    if (c->inflight > 0) {
        printf("%s: client %llu (%s) left with %u requests at the driver: freed when they are done\n",
               c->u->who, (unsigned long long)c->id, c->label, c->inflight);
    }
    c->b->reap = true;
    reap(c->b);
}

int blkdrv_serve(blkdrv_unit_t *u)
{
    int err = srv_init(&u->srv, &u->b->drv->loop, u->who, on_message, u);
    u->srv.on_open = on_open;
    u->srv.on_close = on_close;
    return err;
}
