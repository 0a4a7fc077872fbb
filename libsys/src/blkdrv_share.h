/* SPDX-License-Identifier: BSD-2-Clause
 *
 * How the units of one block driver (cairn/blkdrv.h: an NVMe controller's
 * namespaces) share the driver's queue_depth. Pure C, host-tested
 * (tests/host/test_blkdrv_share.c).
 *
 * A request may go to the driver while fewer than queue_depth requests of
 * all units are there, unless another unit waits (a client of it holds a
 * request the driver had no room for) with fewer requests at the driver
 * than the asking unit has, or as many and its last start longer ago: the
 * free place is that unit's. Max-min fairness: the waiting units' counts
 * at the driver stay level, a unit with nothing at the driver gets the
 * next free place, equals take turns (also when the depth is smaller than
 * the number of busy units), and with nobody waiting any free place may be
 * taken, so one busy unit alone fills the whole depth. The first waiting
 * unit in that order is never refused, so a free place never stays empty
 * while a unit waits for one.
 */
#ifndef LIBSYS_BLKDRV_SHARE_H
#define LIBSYS_BLKDRV_SHARE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct blkdrv_share {
    uint32_t at_driver; /* the unit's requests at the driver */
    uint32_t waiting;   /* its clients holding a request for want of room */
    uint64_t last;      /* when it last started one: a count of starts, growing */
} blkdrv_share_t;

/* May unit `unit` (of units[0..n)) start one more request, with `total`
 * requests at the driver and room for `depth`? */
bool blkdrv_share_may_start(const blkdrv_share_t *units, uint32_t n, uint32_t unit, uint32_t total,
                            uint32_t depth);

#endif
