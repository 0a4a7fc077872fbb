/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The block driver library (docs/block.md): a block driver is an ops table
 * and one call (STYLE.md item 4).
 *
 *     static const blkdrv_ops_t nvme_ops = {
 *         .name = "nvme", .pci = true,
 *         .init = nvme_init,           // the device up; fills the geometry
 *         .submit = nvme_submit,       // one checked request to the device
 *         .interrupt = nvme_interrupt, // reap completions: blkdrv_complete
 *         .reset = nvme_reset,         // a request timed out
 *     };
 *     int main(void) { static nvme_t n; return blkdrv_run(&nvme_ops, &n); }
 *
 * The library owns the loop (on the driver library, cairn/driver.h),
 * publishes the device as the ns service "blk.NAME", serves
 * proto/block.proto to any number of clients, maps each client's ring and
 * data vmos, reads the rings, checks every request (blk_req_check: the
 * blocks inside the device, the data inside the client's vmo, at most
 * max_transfer bytes, block-aligned, count > 0) and completes a bad one
 * with its error itself: `submit` only ever sees requests that are valid
 * for the geometry init gave (the request's unit's, below). It keeps at
 * most queue_depth requests at the driver, posts completions to the
 * clients' rings, sends their events, times requests out (reset), and
 * drops a client that goes away once the driver has finished what it had
 * of it (its memory stays mapped until then, so the device never writes
 * into freed pages).
 *
 * Several devices ("units"). One driver process may serve several block
 * devices over one piece of hardware (an NVMe controller's namespaces:
 * nvme0n1, nvme0n2...). init fills the first unit's geometry as for one
 * device and adds each further one with blkdrv_add_unit, which returns its
 * index; every unit is a device of its own (name, service "blk.NAME",
 * block size and count, max transfer, flags, model, serial) and a
 * request's r->unit says which one it is for, checked against that unit's
 * geometry. A "%u" in the names is the driver's number, the same in each
 * (nvme%un1, nvme%un2). The hardware is shared: queue_depth, queues, dma,
 * timeout_ns and poll_ns are the driver's (the first geometry's). At most
 * queue_depth requests of all units together are at the driver; a unit
 * alone may use all of them, but while another unit waits for room with
 * fewer requests at the driver, a free place is that one's (max-min
 * fairness, equals taking turns), so a busy device cannot starve the
 * others, however many clients it has. A reset (timeout) is the whole
 * driver's: every unit's requests at the driver fail. A unit that cannot
 * be published ends the driver with status 1.
 *
 * Data and DMA. A client's data vmo is ordinary memory it created; the
 * kernel gives physical addresses only of contiguous vmos made from a DMA
 * resource (vmo_get_phys). So:
 *   - geometry.dma false: r->va points into the client's data vmo, mapped
 *     in the driver; r->phys is 0. (The RAM disk: no copy at all.)
 *   - geometry.dma true: the library gives the request a bounce buffer of
 *     its own, physically contiguous (drv_dma_alloc: the driver needs the
 *     "dma" handle): r->va and r->phys are that buffer. It copies the
 *     client's data in before submit (write) and out after the completion
 *     (read). The driver sees one contiguous buffer of r->bytes bytes.
 * The client never maps driver-owned DMA memory: devmgr revokes a driver's
 * DMA memory when the driver ends, and every mapping of it goes with it, so
 * clients holding such mappings would fault when the driver restarts.
 *
 * Single-threaded: every op runs on the loop's thread. blkdrv_complete may
 * be called from any op (submit included, for a device that finishes at
 * once) and from nowhere else.
 */
#ifndef CAIRN_BLKDRV_H
#define CAIRN_BLKDRV_H

#include <stdbool.h>
#include <stdint.h>

#include "cairn/blk_ring.h"
#include "cairn/driver.h"

#define BLKDRV_DEFAULT_MAX_TRANSFER (128u * 1024) /* geometry.max_transfer 0 */
#define BLKDRV_DEFAULT_TIMEOUT_NS (30ull * 1000 * 1000 * 1000)
#define BLKDRV_DEFAULT_POLL_NS (1000ull * 1000)   /* 1 ms */
#define BLKDRV_MIN_POLL_NS (100ull * 1000)        /* shorter poll_ns is raised to this */
#define BLKDRV_MAX_DEPTH 1024u                    /* geometry.queue_depth, at most */
#define BLKDRV_MAX_BOUNCE 32u                     /* bounce buffers of a DMA driver */
#define BLKDRV_MAX_UNITS 16u                      /* devices of one driver */

typedef struct blkdrv blkdrv_t;

/* What init says about the device. Zeroed before init; 0 means the default
 * where one is given. The fields marked "driver" belong to the hardware all
 * units share: the first unit's apply, and a geometry given to
 * blkdrv_add_unit leaves them 0. */
typedef struct blkdrv_geometry {
    /* The device's name: published as "blk.NAME". One "%u" in it (e.g.
     * "nvme%un1") is the driver's number, for drivers of which several
     * run: the same in every unit's name (nvme%un1, nvme%un2), the first
     * from 0 up for which all of them are free. */
    char name[BLK_NAME_MAX + 1];
    uint32_t block_size;    /* a power of two, 512 to 65536 */
    uint64_t block_count;
    uint32_t max_transfer;  /* bytes per read or write, a multiple of block_size (0: 128 KiB) */
    uint32_t queue_depth;   /* driver: requests at it at once, all units, 1 to BLKDRV_MAX_DEPTH (0: 1) */
    uint32_t queues;        /* driver: hardware queues, for block.info (0: 1) */
    uint32_t flags;         /* BLK_INFO_READ_ONLY, BLK_INFO_FLUSH, BLK_INFO_DISCARD */
    bool dma;               /* driver: requests carry physical addresses (bounce buffers, above) */
    uint64_t timeout_ns;    /* driver: a request at it longer than this: reset (0: 30 s) */
    uint64_t poll_ns;       /* driver: with a poll op, how often while requests are out (0: 1 ms; >= 100 us) */
    char model[BLK_MODEL_MAX + 1];
    char serial[BLK_SERIAL_MAX + 1];
} blkdrv_geometry_t;

/* One request, checked. The driver may use `driver` as it likes; the rest
 * is the library's and stays valid until blkdrv_complete. */
typedef struct blkdrv_req {
    uint32_t op;        /* BLK_OP_READ, BLK_OP_WRITE, BLK_OP_FLUSH, BLK_OP_DISCARD */
    uint32_t count;     /* blocks (0 for a flush) */
    uint64_t lba;       /* inside the device with count (0 for a flush) */
    uint64_t bytes;     /* count * block_size for a read or write, else 0 */
    void *va;           /* a read's or write's data in the driver's address space, else NULL */
    uint64_t phys;      /* with geometry.dma: the physical address of va (contiguous), else 0 */
    uint32_t unit;      /* the device: 0, or an index blkdrv_add_unit returned */
    uint64_t driver[2]; /* the driver's (a command id, a list link...) */
} blkdrv_req_t;

typedef struct blkdrv_ops {
    const char *name; /* in log lines: "NAME: ..." */
    /* A PCI function's driver, started by devmgr with "dev" (the helpers of
     * cairn/driver.h work on blkdrv_drv(b) in init); false for a device of
     * no PCI function (the RAM disk), started from the manifest or shell. */
    bool pci;

    /* Sets the device up and fills *geo. Anything but OK ends the driver
     * with status 1 (logged). */
    int (*init)(blkdrv_t *b, blkdrv_geometry_t *geo);

    /* Starts one request. Returns OK when the driver took it: it then calls
     * blkdrv_complete(b, r, status) exactly once, now or later (from an
     * interrupt or poll). ERR_SHOULD_WAIT: the device is full; the library
     * offers it again after the driver's next completion (not allowed when
     * nothing is at the driver: it fails the request with ERR_IO). Any
     * other error completes the request with that error. */
    int (*submit)(blkdrv_t *b, blkdrv_req_t *r);

    /* Optional: interrupt `index` (of drv_irqs) fired. The library
     * acknowledges the irq object after it returns. */
    void (*interrupt)(blkdrv_t *b, uint32_t index);

    /* Optional: called every poll_ns while requests are at the driver, for
     * devices without interrupts or to reap missed ones. */
    void (*poll)(blkdrv_t *b);

    /* Optional: a request has been at the driver for timeout_ns. Stop the
     * device (no DMA to any request's buffer after this returns) and bring
     * it back. The library then completes every request still at the
     * driver itself (ERR_TIMED_OUT for the late ones, ERR_IO for the rest);
     * the driver must forget them. Anything but OK, or no reset op, ends the
     * driver with status 1 (devmgr restarts it). */
    int (*reset)(blkdrv_t *b);

    /* Optional: the driver ends (unbound, blkdrv_quit, init failed). After
     * it returns the library fails what is still at the driver with ERR_IO.
     * Check blkdrv_drv(b)->unbound before touching the device. */
    void (*stop)(blkdrv_t *b);
} blkdrv_ops_t;

/* Runs the driver; returns its exit status. */
int blkdrv_run(const blkdrv_ops_t *ops, void *ctx);

/* blkdrv_run's ctx. */
void *blkdrv_ctx(blkdrv_t *b);

/* The driver library's state: drv_map_bar, drv_irqs, drv_dma_alloc,
 * drv_enable... (cairn/driver.h). */
drv_t *blkdrv_drv(blkdrv_t *b);

/* The geometry init gave (defaults filled in), from blkdrv_run's ready on:
 * the first unit's. */
const blkdrv_geometry_t *blkdrv_geometry(blkdrv_t *b);

/* From init only: one more device, described by *geo (copied; its driver
 * fields 0). Returns its unit index (1, 2, ...) or ERR_BAD_STATE (not in
 * init), ERR_NO_RESOURCES (BLKDRV_MAX_UNITS already), ERR_INVALID_ARGS (a
 * driver field set, or a bad name, block size, count, max transfer or
 * flags), ERR_ALREADY_EXISTS (a unit of that name already: for unit 0,
 * whose name init may fill last, the driver ends after init instead); the
 * errors are logged. */
int blkdrv_add_unit(blkdrv_t *b, const blkdrv_geometry_t *geo);

/* How many units the driver serves (1 + those added). */
uint32_t blkdrv_units(blkdrv_t *b);

/* Unit `unit`'s geometry (its name as published, the driver fields the
 * driver's), or NULL for no such unit. */
const blkdrv_geometry_t *blkdrv_unit_geometry(blkdrv_t *b, uint32_t unit);

/* Request r (from submit) is done: OK or an error (ERR_IO...). Completing
 * a request that is not at the driver (done already, or taken back by a
 * reset) is logged and ignored; once the library has reused it for a new
 * request it cannot tell, so a driver completes each request once. */
void blkdrv_complete(blkdrv_t *b, blkdrv_req_t *r, int status);

/* Ends blkdrv_run with `status` after the current op (stop runs). */
void blkdrv_quit(blkdrv_t *b, int status);

#endif
