/* SPDX-License-Identifier: BSD-2-Clause
 *
 * I/O commands (model in nvme.h): a request is checked against its
 * namespace and the controller's limits, laid out as an NVM command with
 * its PRPs (or DSM range) in the slot's area, and pushed to the queue.
 * Nothing reaches the device unless every check passed.
 */
#include <stdio.h>

#include "cairn/errors.h"
#include "nvme_impl.h"

/* Arms the glue's timer for the first outstanding command: timeouts are
 * looked for only while something is in flight. */
static void arm(nvme_ctrl_t *c)
{
    if (c->timer_armed || c->cfg.arm_timer == NULL)
        return;
    c->timer_armed = true;
    c->cfg.arm_timer(c->cfg.ctx, nvme_now_ns() + nvme_tick_interval_ns(c));
}

int nvme_io_submit_unchecked(nvme_queue_t *q, int op, uint32_t nsid, uint64_t lba, uint32_t nblocks,
                             uint32_t block_size, const uint64_t *phys_pages, size_t npages, uint64_t tag)
{
    if (q == NULL || q->qid == 0 || q->sq == NULL)
        return ERR_INVALID_ARGS;
    nvme_ctrl_t *c = q->ctrl;
    if (c->state != NVME_LIVE)
        return ERR_BAD_STATE;
    uint64_t bytes = (uint64_t)nblocks * block_size;
    switch (op) {
    case NVME_OP_READ:
    case NVME_OP_WRITE:
        if (nblocks == 0 || nblocks > NVME_RW_MAX_BLOCKS || block_size == 0 || bytes > c->max_transfer ||
            phys_pages == NULL)
            return ERR_INVALID_ARGS;
        break;
    case NVME_OP_DISCARD:
        if (nblocks == 0)
            return ERR_INVALID_ARGS;
        if (!(c->id.oncs & NVME_ONCS_DSM))
            return ERR_NOT_SUPPORTED;
        break;
    case NVME_OP_FLUSH:
        break;
    default:
        return ERR_NOT_SUPPORTED;
    }
    uint16_t cid;
    void *area;
    uint64_t area_phys;
    int err = nvme_queue_slot_get(q, &cid, &area, &area_phys);
    if (err != OK)
        return err;
    nvme_sqe_t sqe = {0};
    switch (op) {
    case NVME_OP_READ:
    case NVME_OP_WRITE:
        err = nvme_prp_setup(&sqe, bytes, phys_pages, npages, area, area_phys, q->prp_slot_bytes / 8);
        if (err == OK)
            nvme_sqe_rw(&sqe, op == NVME_OP_READ ? NVME_NVM_READ : NVME_NVM_WRITE, nsid, lba, nblocks);
        break;
    case NVME_OP_DISCARD:
        nvme_sqe_discard(&sqe, nsid, lba, nblocks, area, area_phys);
        break;
    default:
        nvme_sqe_flush(&sqe, nsid);
        lba = 0;
        nblocks = 0;
        break;
    }
    if (err != OK) {
        nvme_queue_slot_put(q, cid);
        return err == ERR_BUFFER_TOO_SMALL || err == ERR_OUT_OF_RANGE ? ERR_INVALID_ARGS : err;
    }
    uint64_t deadline = nvme_now_ns() + (uint64_t)c->cfg.io_timeout_ms * 1000 * 1000;
    nvme_queue_push(q, cid, &sqe, tag, deadline, lba, nblocks);
    arm(c);
    return OK;
}

int nvme_io_submit(nvme_queue_t *q, int op, uint32_t nsid, uint64_t lba, uint32_t nblocks,
                   const uint64_t *phys_pages, size_t npages, uint64_t tag)
{
    if (q == NULL || q->ctrl == NULL)
        return ERR_INVALID_ARGS;
    const nvme_ns_t *ns = nvme_ns_find(q->ctrl, nsid);
    if (ns == NULL)
        return ERR_NOT_FOUND;
    if (!ns->usable)
        return ERR_NOT_SUPPORTED;
    if (op == NVME_OP_READ || op == NVME_OP_WRITE || op == NVME_OP_DISCARD) {
        if (nblocks == 0)
            return ERR_INVALID_ARGS;
        if (lba >= ns->nblocks || nblocks > ns->nblocks - lba)
            return ERR_OUT_OF_RANGE; /* past the namespace's end: the device never sees it */
    }
    return nvme_io_submit_unchecked(q, op, nsid, lba, nblocks, ns->block_size, phys_pages, npages, tag);
}
