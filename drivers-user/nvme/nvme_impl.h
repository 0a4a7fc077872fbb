/* SPDX-License-Identifier: BSD-2-Clause
 *
 * What the files of the NVMe driver share and the glue does not see:
 * register access, queue internals (nvme_queue.c) and synchronous admin
 * commands (nvme_ctrl.c).
 */
#ifndef NVME_IMPL_H
#define NVME_IMPL_H

#include "nvme.h"

#define NVME_ADMIN_TIMEOUT_MS 10000u
#define NVME_DEFAULT_IO_TIMEOUT_MS 30000u

/* x86 keeps stores in order and loads in order, and a store to uncached
 * memory after stores to ordinary memory; the compiler must not reorder.
 * A store followed by a load of another location needs a full fence. */
#define nvme_compiler_barrier() __asm__ volatile("" ::: "memory")
#define nvme_full_fence() __atomic_thread_fence(__ATOMIC_SEQ_CST)

static inline uint32_t nvme_rd32(nvme_ctrl_t *c, uint32_t off) { return *(volatile uint32_t *)(c->regs + off); }
static inline void nvme_wr32(nvme_ctrl_t *c, uint32_t off, uint32_t v) { *(volatile uint32_t *)(c->regs + off) = v; }
/* 64-bit registers as two 32-bit accesses, low half first (allowed by the
 * specification; some controllers take nothing wider). */
static inline uint64_t nvme_rd64(nvme_ctrl_t *c, uint32_t off)
{
    uint64_t lo = nvme_rd32(c, off);
    return lo | (uint64_t)nvme_rd32(c, off + 4) << 32;
}
static inline void nvme_wr64(nvme_ctrl_t *c, uint32_t off, uint64_t v)
{
    nvme_wr32(c, off, (uint32_t)v);
    nvme_wr32(c, off + 4, (uint32_t)(v >> 32));
}

/* A command taken from the device (reset, stop), to be completed after. */
typedef struct nvme_failed {
    nvme_queue_t *q;
    uint64_t tag;
    int status;
} nvme_failed_t;

/* The waiter of a synchronous admin command: its tag points here. */
typedef struct nvme_admin_wait {
    bool done;
    uint16_t sf;   /* status field */
    uint32_t dw0;
} nvme_admin_wait_t;

/* nvme_queue.c */
int nvme_queue_alloc(nvme_queue_t *q, nvme_ctrl_t *c, uint16_t qid, uint16_t depth, uint16_t vector,
                     uint32_t prp_slot_bytes);
void nvme_queue_free(nvme_queue_t *q);
void nvme_queue_restart(nvme_queue_t *q);
int nvme_queue_slot_get(nvme_queue_t *q, uint16_t *cid, void **area, uint64_t *area_phys);
void nvme_queue_slot_put(nvme_queue_t *q, uint16_t cid);
void nvme_queue_push(nvme_queue_t *q, uint16_t cid, nvme_sqe_t *sqe, uint64_t tag, uint64_t deadline_ns,
                     uint64_t lba, uint32_t nblocks);
bool nvme_queue_expired(const nvme_queue_t *q, uint64_t now_ns);
size_t nvme_queue_take_all(nvme_queue_t *q, uint64_t now_ns, nvme_failed_t *out, size_t max);
void nvme_queue_abandon(nvme_queue_t *q, uint16_t cid);
bool nvme_queue_rering(nvme_queue_t *q);

/* nvme_ctrl.c */
/* Submits an admin command and polls for its completion (bring-up and
 * reset run outside the loop's turns, so no interrupt is waited for). */
int nvme_admin_sync(nvme_ctrl_t *c, nvme_sqe_t *sqe, uint32_t *dw0, const char *what);
uint64_t nvme_now_ns(void);
uint64_t nvme_tick_interval_ns(const nvme_ctrl_t *c);

#endif
