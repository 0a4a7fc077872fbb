/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The NVMe hardware layer: what the block library's glue calls (docs/nvme.md).
 *
 *     static nvme_ctrl_t c;
 *     nvme_config_t cfg = {.index = d->instance, .want_queues = cpus,
 *                          .shadow_doorbells = true, .io_timeout_ms = 30000,
 *                          .done = my_done, .arm_timer = my_arm, .ctx = me};
 *     nvme_ctrl_init(&c, d, &cfg);                 // bring-up, identify, queues
 *     nvme_io_submit(nvme_io_queue(&c, cpu), NVME_OP_READ, nsid, lba, n,
 *                    pages, npages, tag);         // OK: my_done(tag, status) later
 *     ... interrupt op:  nvme_ctrl_interrupt(&c, index);   // completions -> my_done
 *     ... timer:         next = nvme_ctrl_tick(&c, now);   // timeouts -> reset
 *     ... stop op:       nvme_ctrl_stop(&c, !d->unbound);
 *
 * Controller states:
 *
 *   OFF --init--> LIVE --timeout / fatal status--> RESETTING --ok--> LIVE
 *                                                      \--fails--> DEAD
 *   (the fourth reset in a row without a command succeeding in between is
 *   not tried: DEAD. DEAD is final: every submit fails with ERR_BAD_STATE;
 *   the glue ends the driver so that devmgr starts a fresh one.)
 *
 * Every command submitted gets exactly one `done` call: with the device's
 * status decoded to a Cairn error (OK, ERR_OUT_OF_RANGE, ERR_IO...), with
 * ERR_TIMED_OUT when it outlived io_timeout_ms (the controller is then
 * reset), with ERR_CANCELED when a reset or stop took it from the device.
 * `done` runs from nvme_ctrl_interrupt, nvme_queue_poll, nvme_ctrl_tick or
 * nvme_ctrl_stop, never from nvme_io_submit; it may submit again.
 *
 * Single-threaded: one thread (the driver's loop) calls everything here.
 * Data buffers are given as physical page addresses (4 KiB pages, each
 * page-aligned); the transfer starts at the first page's first byte.
 */
#ifndef NVME_H
#define NVME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/driver.h"
#include "nvme_proto.h"
#include "nvme_regs.h"

#define NVME_MAX_IO_QUEUES DRV_MAX_IRQS   /* one interrupt vector each, at most */
#define NVME_MAX_NS 16u                   /* namespaces kept per controller */
#define NVME_IO_DEPTH 64u                 /* entries per I/O queue (or CAP.MQES + 1) */
#define NVME_ADMIN_DEPTH 32u
#define NVME_MAX_TRANSFER (512u * 1024)   /* per command, when MDTS allows more */
#define NVME_MAX_RESET_STREAK 3u          /* resets in a row with no command succeeding: DEAD */

enum nvme_op {
    NVME_OP_READ = 1,
    NVME_OP_WRITE = 2,
    NVME_OP_FLUSH = 3,    /* the volatile write cache to media (lba, nblocks, pages unused) */
    NVME_OP_DISCARD = 4,  /* Dataset Management, deallocate [lba, lba + nblocks) (pages unused) */
};

enum nvme_state { NVME_OFF = 0, NVME_LIVE, NVME_RESETTING, NVME_DEAD };

typedef struct nvme_ctrl nvme_ctrl_t;
typedef struct nvme_queue nvme_queue_t;

/* One command finished: `tag` as submitted, `status` OK or a Cairn error. */
typedef void (*nvme_done_fn)(void *ctx, nvme_queue_t *q, uint64_t tag, int status);

typedef struct nvme_config {
    uint32_t index;           /* X in the names nvmeX, nvmeXnY (devmgr's instance number) */
    uint32_t want_queues;     /* I/O queue pairs wanted (the CPU count); 1..NVME_MAX_IO_QUEUES */
    bool shadow_doorbells;    /* use Doorbell Buffer Config when OACS advertises it */
    uint32_t irq_allow;       /* DRV_ALLOW() mask of interrupt modes; 0: any (MSI-X, MSI, INTx) */
    uint32_t io_timeout_ms;   /* per I/O command; 0: 30 s */
    nvme_done_fn done;
    /* The glue's timer: call nvme_ctrl_tick at `deadline_ns` (armed while
     * commands are outstanding). */
    void (*arm_timer)(void *ctx, uint64_t deadline_ns);
    void *ctx;                /* for done and arm_timer */
} nvme_config_t;

/* One submitted command, while the device has it. */
typedef struct nvme_slot {
    bool busy;
    bool abandoned;           /* its waiter gave up: the completion is dropped */
    uint8_t opc;
    uint32_t nsid;
    uint32_t nblocks;
    uint64_t lba;
    uint64_t tag;
    uint64_t deadline_ns;
} nvme_slot_t;

typedef struct nvme_queue_stats {
    uint64_t submitted, completed, errors;
    uint64_t sq_mmio, sq_shadow_only; /* SQ tail doorbells: written / left to the shadow */
    uint64_t cq_mmio, cq_shadow_only; /* CQ head doorbells */
    uint64_t sq_rerung;               /* SQ tails written by MMIO late, the device not having seen them */
    uint32_t max_inflight;
} nvme_queue_stats_t;

struct nvme_queue {
    nvme_ctrl_t *ctrl;
    uint16_t qid;             /* 0: admin */
    uint16_t depth;           /* entries in its SQ and CQ */
    uint16_t vector;          /* interrupt index its CQ signals */
    drv_dma_t ring;           /* SQ, then CQ (page aligned) */
    drv_dma_t prp;            /* one PRP list (or DSM range) area per slot */
    uint32_t prp_slot_bytes;
    nvme_sqe_t *sq;
    volatile nvme_cqe_t *cq;
    uint16_t sq_tail, sq_head, cq_head;
    uint16_t sq_db_last, cq_db_last; /* values last made known to the device */
    uint16_t sq_mmio_last;    /* the SQ tail last written to the MMIO doorbell */
    uint64_t completed_at_tick; /* stats.completed at the controller's last tick */
    uint8_t phase;            /* the phase tag of new completions */
    volatile uint32_t *sq_db, *cq_db;                  /* MMIO doorbells */
    volatile uint32_t *sq_shadow, *cq_shadow, *sq_ei, *cq_ei; /* Doorbell Buffer Config, or NULL */
    nvme_slot_t slot[NVME_IO_DEPTH]; /* indexed by command identifier */
    uint16_t inflight;
    nvme_queue_stats_t stats;
};

struct nvme_ctrl {
    drv_t *drv;
    nvme_config_t cfg;
    char name[NVME_NAME_MAX];         /* "nvme0" */
    enum nvme_state state;
    volatile uint8_t *regs;           /* registers and the doorbells in use, nothing after */
    uint64_t regs_len;
    handle_t bar_vmo;
    uint64_t cap;
    uint32_t vs;
    uint32_t db_stride;               /* bytes between doorbells: 4 << CAP.DSTRD */
    uint32_t ready_timeout_ms;        /* CAP.TO */
    nvme_ident_t id;
    uint32_t max_transfer;            /* bytes per command */
    uint32_t max_pages;               /* max_transfer / NVME_PAGE */
    uint32_t prp_slot_bytes;          /* PRP list area per command */
    nvme_ns_t ns[NVME_MAX_NS];
    uint32_t nns;
    nvme_queue_t admin;
    nvme_queue_t io[NVME_MAX_IO_QUEUES];
    uint32_t nio;                     /* I/O queue pairs in use */
    uint32_t io_depth;
    uint32_t nvectors;                /* interrupt objects granted */
    uint32_t irq_mode;                /* DRV_IRQ_MSIX, _MSI or _INTX */
    drv_dma_t idbuf;                  /* Identify data */
    drv_dma_t dbbuf;                  /* page 0: shadow doorbells, page 1: event indexes */
    bool shadow;                      /* the Doorbell Buffer Config is in force */
    bool timer_armed;
    uint32_t resets;
    uint32_t reset_streak;            /* resets since a command last succeeded */
    uint32_t missed_interrupts;       /* completions found only at a deadline */
    uint32_t rerung;                  /* SQ doorbells the tick wrote by MMIO (nvme_queue_rering) */
};

/* ---- the controller (nvme_ctrl.c) ------------------------------------------ */

/* Brings controller `d` up: registers, reset, admin queue, Identify
 * (controller, active namespaces), the queue count, shadow doorbells, one
 * I/O queue pair per wanted queue (as the controller and the interrupts
 * allow). On an error everything taken is given back; the cause is logged. */
int nvme_ctrl_init(nvme_ctrl_t *c, drv_t *d, const nvme_config_t *cfg);

/* Interrupt `index` (of drv_irqs) fired: completions of its queues. */
void nvme_ctrl_interrupt(nvme_ctrl_t *c, uint32_t index);

/* Time passed: a command past its deadline resets the controller - unless
 * its completion is found waiting (a lost interrupt: logged and counted) -
 * and so does a controller reporting a fatal status. The next deadline to
 * be called at, or 0 when nothing is outstanding. */
uint64_t nvme_ctrl_tick(nvme_ctrl_t *c, uint64_t now_ns);

/* Disables and re-enables the controller, recreating its queues; every
 * command outstanding is completed with ERR_TIMED_OUT (past its deadline)
 * or ERR_CANCELED after the controller is back (or DEAD). */
int nvme_ctrl_reset(nvme_ctrl_t *c, const char *why);

/* The driver ends: outstanding commands get ERR_CANCELED; with the device
 * still there, a normal shutdown (CC.SHN) first. Frees the DMA memory. */
void nvme_ctrl_stop(nvme_ctrl_t *c, bool device_present);

const nvme_ns_t *nvme_ns_find(const nvme_ctrl_t *c, uint32_t nsid);
nvme_queue_t *nvme_io_queue(nvme_ctrl_t *c, uint32_t index); /* index modulo the queues */

/* ---- I/O (nvme_io.c) -------------------------------------------------------- */

/* Checks the request against the namespace and the controller - a known,
 * usable namespace; 1 <= nblocks; [lba, lba + nblocks) inside it; at most
 * max_transfer bytes; enough page-aligned pages - and submits it. Errors
 * (nothing reaches the device): ERR_BAD_STATE (not LIVE), ERR_NOT_FOUND,
 * ERR_NOT_SUPPORTED (op, or discard without ONCS DSM), ERR_OUT_OF_RANGE,
 * ERR_INVALID_ARGS, ERR_QUEUE_FULL (no free slot: wait for a completion). */
int nvme_io_submit(nvme_queue_t *q, int op, uint32_t nsid, uint64_t lba, uint32_t nblocks,
                   const uint64_t *phys_pages, size_t npages, uint64_t tag);

/* The same without the namespace checks (nsid and range), so that the
 * device's own refusals can be provoked (the self-test). */
int nvme_io_submit_unchecked(nvme_queue_t *q, int op, uint32_t nsid, uint64_t lba, uint32_t nblocks,
                             uint32_t block_size, const uint64_t *phys_pages, size_t npages, uint64_t tag);

/* Completions waiting in I/O queue `q`, each given to `done`; how many.
 * (nvme_ctrl_interrupt does this for the queues of a vector.) */
uint32_t nvme_queue_poll(nvme_queue_t *q);

#endif
