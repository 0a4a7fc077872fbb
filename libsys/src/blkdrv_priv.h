/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The block driver library's own structures (cairn/blkdrv.h is the
 * contract), shared by blkdrv.c (the run, the device, timeouts and reset)
 * and blkdrv_client.c (clients, their rings, requests and completions).
 *
 * A request's life:
 *
 *   FREE --taken from the ring--> checked --bad--> posted with the error
 *                                   |
 *                                   +--> HELD (device full) --+
 *                                   |                         |
 *                                   +--> AT_DRIVER <----------+
 *                                          |  blkdrv_complete, reset, stop
 *                                          v
 *                                        posted to the client's completion
 *                                        queue (or dropped: client gone) -> FREE
 *
 * A client counts the requests it has taken and not posted (`inflight`);
 * the ring is only read while completion room for all of them is left, so
 * a post never overwrites a completion the client has not taken. A client
 * whose channel closed is `gone`: its held request is dropped at once, its
 * requests at the driver run to their end, and the client (its mappings
 * with it) is freed when inflight reaches 0.
 *
 * Units: each device of the driver is a unit with its own geometry, limits,
 * service and server (srv_t, whose ctx is the unit); a client belongs to
 * the unit it connected to. The clients of all units are one list, served
 * round-robin, and the requests at the driver one list (the hardware and
 * its depth are shared); share[] counts per unit what blkdrv_share.h
 * decides on.
 */
#ifndef LIBSYS_BLKDRV_PRIV_H
#define LIBSYS_BLKDRV_PRIV_H

#include "block.h"
#include "blkdrv_share.h"
#include "cairn/blkdrv.h"
#include "cairn/server.h"

#define BLKDRV_BUDGET 16u      /* requests taken from one ring per round */
#define BLKDRV_ROUNDS 64u      /* rounds over the clients per pump, then a loop turn */
#define BLKDRV_REJECT_LOGGED 8u
#define BLKDRV_TICK_NS (100ull * 1000 * 1000) /* timeout checks without a poll op */

enum req_state { REQ_FREE, REQ_HELD, REQ_AT_DRIVER };

typedef struct blk_client blk_client_t;

/* One device of the driver. */
typedef struct blkdrv_unit {
    blkdrv_t *b;
    uint32_t index;
    blkdrv_geometry_t geo;  /* settled; the driver fields copied from unit 0's */
    blk_limits_t lim;
    char service[32];       /* "blk.NAME" */
    char who[48];           /* log prefix: the driver's name, and ": NAME" with several units */
    srv_t srv;
} blkdrv_unit_t;

typedef struct blk_req {
    blkdrv_req_t pub;       /* what the driver sees: first, so the driver's pointer is ours */
    enum req_state state;
    blk_client_t *c;
    uint64_t tag;           /* the client's */
    uint64_t offset;        /* in the client's data vmo */
    uint64_t started_ns;    /* given to the driver */
    int bounce;             /* bounce buffer index, or -1 */
    struct blk_req *prev, *next; /* the at-driver list (oldest first), or the free list */
} blk_req_t;

struct blk_client {
    blkdrv_t *b;
    blkdrv_unit_t *u;       /* the device it connected to */
    srv_client_t *sc;       /* NULL once gone */
    uint64_t id;
    char label[32];
    bool attached;
    bool broken;            /* its ring's indices were impossible: not read any more */
    handle_t data_vmo, ring_vmo;
    uint8_t *data;          /* mapped; data_size bytes */
    uint64_t data_size;
    void *ring_mem;         /* mapped; ring_map bytes */
    uint64_t ring_map;
    blk_ring_t ring;
    uint32_t sq_head, cq_tail; /* ours; published to the header */
    uint32_t kicks;         /* kick events taken */
    bool kick_asked;        /* BLK_RING_NEED_KICK as we last published it */
    uint32_t inflight;      /* taken from the ring and not posted */
    blk_req_t *reqs;        /* ring.entries of them */
    blk_req_t *free;
    blk_req_t *held;        /* waiting for room at the driver */
    bool notify;            /* posted since the last look at WANT_EVENT */
    uint32_t rejected;      /* bad requests */
    blk_client_t *next;
};

struct blkdrv {
    const blkdrv_ops_t *ops;
    void *ctx;
    drv_ops_t drv_ops;      /* the driver library runs us through these */
    drv_t *drv;
    blkdrv_unit_t units[BLKDRV_MAX_UNITS];
    uint32_t nunits;
    bool in_init;           /* blkdrv_add_unit allowed */
    /* The driver fields of the geometry (unit 0's), settled. */
    uint32_t depth;
    bool dma;
    uint64_t timeout_ns, poll_ns;
    uint32_t bounce_bytes;  /* the largest max_transfer of the units */
    bool serving;           /* published; clients may come */
    bool stopping;
    bool post_pending;      /* a loop_post will pump again */
    blk_client_t *clients;  /* live and gone-but-busy, of all units */
    bool reap;              /* some gone client may be done */
    uint32_t at_driver;     /* of all units */
    blkdrv_share_t share[BLKDRV_MAX_UNITS]; /* per unit: at the driver, waiting, last start */
    uint64_t starts;        /* requests given to the driver, ever */
    blk_req_t *oldest, *newest;
    handle_t timer;
    loop_source_t timer_src;
    bool timer_on;
    drv_dma_t bounce[BLKDRV_MAX_BOUNCE];
    uint32_t nbounce;
    uint32_t bounce_busy;   /* bit i: bounce[i] is a request's */
};

/* blkdrv_client.c */
int blkdrv_serve(blkdrv_unit_t *u);              /* srv_init + the client callbacks */
void blkdrv_pump(blkdrv_t *b);                   /* read rings, start requests, notify */
void blkdrv_finish(blkdrv_t *b, blk_req_t *r, int status); /* post (or drop) and free */
void blkdrv_detach_all(blkdrv_t *b);
void blkdrv_hold(blk_client_t *c, blk_req_t *r);  /* r waits in c->held (its unit counted waiting) */
void blkdrv_unhold(blk_client_t *c);              /* c->held back to NULL */

/* blkdrv.c */
bool blkdrv_start(blkdrv_t *b, blk_req_t *r);     /* false: no room at the driver now (for its unit) */
void blkdrv_timer_arm(blkdrv_t *b);

#endif
