/* SPDX-License-Identifier: BSD-2-Clause
 *
 * One NVMe queue pair: a submission queue the driver fills at its tail and
 * a completion queue the controller fills, both in DMA memory, with the
 * two doorbells that tell the controller what moved.
 *
 * Slots: a command in flight holds slot `cid` (its command identifier)
 * from nvme_queue_slot_get until its completion (or a reset, or stop,
 * takes it back). At most depth - 1 slots are used, so neither ring can
 * overflow: the controller never has more than depth - 1 entries to post.
 *
 * Completions: the controller writes entries with the phase tag it is
 * on; an entry whose tag equals q->phase is new. The tag flips each time
 * the head wraps, so the driver never clears entries.
 *
 * Doorbells: without shadow doorbells every move is an MMIO write. With
 * them (Doorbell Buffer Config, OACS bit 8) the value goes to the shadow
 * buffer in memory and the MMIO write is made only when the controller's
 * event index says it is waiting for it (nvme_need_event). The admin queue
 * always rings by MMIO as well (QEMU and Linux treat it that way); a CQ
 * head always does when interrupts are not MSI-X, since a pin-based
 * controller lowers its interrupt only when the head doorbell is written.
 * Skipping the MMIO write is a Dekker handshake (store the shadow, fence,
 * load the event index; the device: store the event index, fence, load
 * the shadow): where fences are not kept (QEMU 7.2's single-threaded TCG
 * runs the device in another host thread and emits no host barrier for
 * the guest's mfence) a tail
 * can go unseen, so the controller's tick writes by MMIO a tail that is
 * only in the shadow when the queue has made no progress since the last
 * tick (nvme_queue_rering).
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "nvme_impl.h"

static uint64_t round_page(uint64_t n) { return (n + NVME_PAGE - 1) & ~(uint64_t)(NVME_PAGE - 1); }

int nvme_queue_alloc(nvme_queue_t *q, nvme_ctrl_t *c, uint16_t qid, uint16_t depth, uint16_t vector,
                     uint32_t prp_slot_bytes)
{
    memset(q, 0, sizeof *q);
    q->ring.vmo = q->prp.vmo = HANDLE_INVALID;
    q->ctrl = c;
    q->qid = qid;
    q->depth = depth;
    q->vector = vector;
    q->prp_slot_bytes = prp_slot_bytes;
    uint64_t sq_bytes = round_page((uint64_t)depth * sizeof(nvme_sqe_t));
    uint64_t cq_bytes = round_page((uint64_t)depth * sizeof(nvme_cqe_t));
    int err = drv_dma_alloc(c->drv, sq_bytes + cq_bytes, &q->ring);
    if (err == OK)
        err = drv_dma_alloc(c->drv, round_page((uint64_t)depth * prp_slot_bytes), &q->prp);
    if (err != OK) {
        fprintf(stderr, "%s: queue %u: no DMA memory: %s\n", c->name, qid, cairn_error_name(err));
        nvme_queue_free(q);
        return err;
    }
    q->sq = q->ring.va;
    q->cq = (volatile nvme_cqe_t *)((uint8_t *)q->ring.va + sq_bytes);
    q->sq_db = (volatile uint32_t *)(c->regs + NVME_REG_SQ0TDBL + (2u * qid) * c->db_stride);
    q->cq_db = (volatile uint32_t *)(c->regs + NVME_REG_SQ0TDBL + (2u * qid + 1) * c->db_stride);
    return OK;
}

void nvme_queue_free(nvme_queue_t *q)
{
    if (q->ring.vmo != HANDLE_INVALID)
        drv_dma_free(&q->ring);
    if (q->prp.vmo != HANDLE_INVALID)
        drv_dma_free(&q->prp);
    q->sq = NULL;
    q->cq = NULL;
}

/* Empty rings, as the controller sees a queue it has just created (or an
 * admin queue after enabling): entries zeroed, so the first phase is 1. */
void nvme_queue_restart(nvme_queue_t *q)
{
    nvme_ctrl_t *c = q->ctrl;
    memset(q->ring.va, 0, q->ring.size);
    memset(q->slot, 0, sizeof q->slot);
    q->sq_tail = q->sq_head = q->cq_head = 0;
    q->sq_db_last = q->cq_db_last = q->sq_mmio_last = 0;
    q->completed_at_tick = q->stats.completed;
    q->phase = 1;
    q->inflight = 0;
    q->sq_shadow = q->cq_shadow = q->sq_ei = q->cq_ei = NULL;
    if (c->shadow) {
        volatile uint32_t *dbs = c->dbbuf.va;
        volatile uint32_t *eis = (volatile uint32_t *)((uint8_t *)c->dbbuf.va + NVME_PAGE);
        uint32_t sq_i = 2u * q->qid * c->db_stride / 4, cq_i = (2u * q->qid + 1) * c->db_stride / 4;
        q->sq_shadow = dbs + sq_i;
        q->cq_shadow = dbs + cq_i;
        q->sq_ei = eis + sq_i;
        q->cq_ei = eis + cq_i;
        *q->sq_shadow = 0;
        *q->cq_shadow = 0;
    }
}

int nvme_queue_slot_get(nvme_queue_t *q, uint16_t *cid, void **area, uint64_t *area_phys)
{
    if (q->inflight + 1u >= q->depth)
        return ERR_QUEUE_FULL;
    /* The SQ entry at the tail must have been fetched: sq_head comes from
     * completions, and fewer than depth - 1 commands are in flight. */
    if ((uint16_t)((q->sq_tail + 1) % q->depth) == q->sq_head)
        return ERR_QUEUE_FULL;
    for (uint16_t i = 0; i < q->depth; i++) {
        if (!q->slot[i].busy) {
            q->slot[i] = (nvme_slot_t){.busy = true};
            q->inflight++;
            *cid = i;
            *area = (uint8_t *)q->prp.va + (uint64_t)i * q->prp_slot_bytes;
            *area_phys = q->prp.phys + (uint64_t)i * q->prp_slot_bytes;
            return OK;
        }
    }
    return ERR_QUEUE_FULL;
}

void nvme_queue_slot_put(nvme_queue_t *q, uint16_t cid)
{
    if (cid < q->depth && q->slot[cid].busy) {
        q->slot[cid].busy = false;
        q->inflight--;
    }
}

static void ring_sq(nvme_queue_t *q)
{
    uint16_t new_ = q->sq_tail, old = q->sq_db_last;
    q->sq_db_last = new_;
    nvme_compiler_barrier(); /* the entries are in memory before the doorbell moves */
    if (q->sq_shadow) {
        *q->sq_shadow = new_;
        nvme_full_fence(); /* the shadow store before the event index load */
        if (q->qid != 0 && !nvme_need_event((uint16_t)*q->sq_ei, new_, old, q->depth)) {
            q->stats.sq_shadow_only++;
            return;
        }
    }
    *q->sq_db = new_;
    q->sq_mmio_last = new_;
    q->stats.sq_mmio++;
}

static void ring_cq(nvme_queue_t *q)
{
    uint16_t new_ = q->cq_head, old = q->cq_db_last;
    q->cq_db_last = new_;
    nvme_compiler_barrier();
    if (q->cq_shadow) {
        *q->cq_shadow = new_;
        nvme_full_fence();
        if (q->qid != 0 && q->ctrl->irq_mode == DRV_IRQ_MSIX &&
            !nvme_need_event((uint16_t)*q->cq_ei, new_, old, q->depth)) {
            q->stats.cq_shadow_only++;
            return;
        }
    }
    *q->cq_db = new_;
    q->stats.cq_mmio++;
}

void nvme_queue_push(nvme_queue_t *q, uint16_t cid, nvme_sqe_t *sqe, uint64_t tag, uint64_t deadline_ns,
                     uint64_t lba, uint32_t nblocks)
{
    nvme_slot_t *s = &q->slot[cid];
    s->opc = sqe->opc;
    s->nsid = sqe->nsid;
    s->lba = lba;
    s->nblocks = nblocks;
    s->tag = tag;
    s->deadline_ns = deadline_ns;
    sqe->cid = cid;
    q->sq[q->sq_tail] = *sqe;
    q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->depth);
    q->stats.submitted++;
    if (q->inflight > q->stats.max_inflight)
        q->stats.max_inflight = q->inflight;
    ring_sq(q);
}

static const char *op_name(const nvme_queue_t *q, uint8_t opc)
{
    if (q->qid == 0) {
        switch (opc) {
        case NVME_ADMIN_DELETE_SQ: return "Delete I/O SQ";
        case NVME_ADMIN_CREATE_SQ: return "Create I/O SQ";
        case NVME_ADMIN_DELETE_CQ: return "Delete I/O CQ";
        case NVME_ADMIN_CREATE_CQ: return "Create I/O CQ";
        case NVME_ADMIN_IDENTIFY: return "Identify";
        case NVME_ADMIN_SET_FEATURES: return "Set Features";
        case NVME_ADMIN_GET_FEATURES: return "Get Features";
        case NVME_ADMIN_DBBUF_CONFIG: return "Doorbell Buffer Config";
        default: return "admin command";
        }
    }
    switch (opc) {
    case NVME_NVM_READ: return "read";
    case NVME_NVM_WRITE: return "write";
    case NVME_NVM_FLUSH: return "flush";
    case NVME_NVM_DSM: return "discard";
    default: return "command";
    }
}

/* "nvme0n1: read lba 8+8" - who, which command, where. */
static void describe(const nvme_queue_t *q, const nvme_slot_t *s, char *buf, size_t len)
{
    const nvme_ctrl_t *c = q->ctrl;
    const nvme_ns_t *ns = q->qid != 0 ? nvme_ns_find(c, s->nsid) : NULL;
    int n;
    if (q->qid == 0)
        n = snprintf(buf, len, "%s: %s", c->name, op_name(q, s->opc));
    else if (ns)
        n = snprintf(buf, len, "%s: %s", ns->name, op_name(q, s->opc));
    else
        n = snprintf(buf, len, "%s nsid %u: %s", c->name, s->nsid, op_name(q, s->opc));
    if (n > 0 && (size_t)n < len &&
        (s->opc == NVME_NVM_READ || s->opc == NVME_NVM_WRITE || s->opc == NVME_NVM_DSM) && q->qid != 0)
        snprintf(buf + n, len - (size_t)n, " lba %llu+%u", (unsigned long long)s->lba, s->nblocks);
}

/* One log line per failed command: which, where, the device's words, and
 * what the client will see. */
static void log_failure(nvme_queue_t *q, const nvme_slot_t *s, uint16_t sf, int err)
{
    char what[80];
    describe(q, s, what, sizeof what);
    printf("%s (queue %u): %s (sct %u sc %#x%s): %s\n", what, q->qid, nvme_status_name(sf), NVME_SF_SCT(sf),
           NVME_SF_SC(sf), NVME_SF_DNR(sf) ? ", do not retry" : "", cairn_error_name(err));
}

typedef struct done_entry {
    uint64_t tag;
    int status;
    uint16_t sf;
    uint32_t dw0;
} done_entry_t;

uint32_t nvme_queue_poll(nvme_queue_t *q)
{
    done_entry_t done[NVME_IO_DEPTH];
    uint32_t n = 0, seen = 0;
    if (q->cq == NULL)
        return 0;
    while (seen < q->depth) {
        volatile nvme_cqe_t *e = &q->cq[q->cq_head];
        uint16_t status = e->status;
        if ((status & NVME_CQE_P) != q->phase)
            break;
        __atomic_thread_fence(__ATOMIC_ACQUIRE); /* the entry's other fields after its tag */
        nvme_cqe_t cqe = {.dw0 = e->dw0, .sqhd = e->sqhd, .cid = e->cid, .status = status};
        seen++;
        if (++q->cq_head == q->depth) {
            q->cq_head = 0;
            q->phase ^= 1;
        }
        if (cqe.sqhd < q->depth)
            q->sq_head = cqe.sqhd;
        if (cqe.cid >= q->depth || !q->slot[cqe.cid].busy) {
            printf("%s: queue %u: completion for command %u, which is not outstanding: ignored\n",
                   q->ctrl->name, q->qid, cqe.cid);
            continue;
        }
        nvme_slot_t *s = &q->slot[cqe.cid];
        uint16_t sf = cqe.status >> 1;
        int err = nvme_status_error(sf);
        q->stats.completed++;
        if (err == OK && q->qid != 0)
            q->ctrl->reset_streak = 0; /* the controller does I/O again */
        if (err != OK) {
            q->stats.errors++;
            log_failure(q, s, sf, err);
        }
        bool dropped = s->abandoned;
        done_entry_t de = {.tag = s->tag, .status = err, .sf = sf, .dw0 = cqe.dw0};
        s->busy = false;
        q->inflight--;
        if (!dropped)
            done[n++] = de;
    }
    if (seen > 0)
        ring_cq(q);
    /* Completions go out after the queue is consistent: `done` may submit. */
    for (uint32_t i = 0; i < n; i++) {
        if (q->qid == 0) {
            nvme_admin_wait_t *w = (nvme_admin_wait_t *)(uintptr_t)done[i].tag;
            w->sf = done[i].sf;
            w->dw0 = done[i].dw0;
            w->done = true;
        } else if (q->ctrl->cfg.done) {
            q->ctrl->cfg.done(q->ctrl->cfg.ctx, q, done[i].tag, done[i].status);
        }
    }
    return seen;
}

bool nvme_queue_expired(const nvme_queue_t *q, uint64_t now_ns)
{
    for (uint16_t i = 0; i < q->depth; i++)
        if (q->slot[i].busy && !q->slot[i].abandoned && q->slot[i].deadline_ns <= now_ns)
            return true;
    return false;
}

/* Takes every command back from the device's queue (which is about to be
 * reset or deleted): those past their deadline fail with ERR_TIMED_OUT,
 * the others with ERR_CANCELED. */
size_t nvme_queue_take_all(nvme_queue_t *q, uint64_t now_ns, nvme_failed_t *out, size_t max)
{
    size_t n = 0;
    for (uint16_t i = 0; i < q->depth; i++) {
        nvme_slot_t *s = &q->slot[i];
        if (!s->busy)
            continue;
        if (!s->abandoned && n < max) {
            int st = s->deadline_ns <= now_ns ? ERR_TIMED_OUT : ERR_CANCELED;
            char what[80];
            describe(q, s, what, sizeof what);
            printf("%s (queue %u, command %u): %s\n", what, q->qid, i,
                   st == ERR_TIMED_OUT ? "timed out: failed with ERR_TIMED_OUT"
                                       : "taken back from the device: failed with ERR_CANCELED");
            out[n++] = (nvme_failed_t){q, s->tag, st};
        }
        s->busy = false;
    }
    q->inflight = 0;
    return n;
}

/* The tick's look at a queue with shadow doorbells: commands outstanding,
 * none completed since the last tick, and a tail the MMIO doorbell never
 * had - the device may not have seen it (see the model): write it. */
bool nvme_queue_rering(nvme_queue_t *q)
{
    bool stuck = q->sq_shadow && q->inflight > 0 && q->stats.completed == q->completed_at_tick &&
                 q->sq_mmio_last != q->sq_tail;
    q->completed_at_tick = q->stats.completed;
    if (!stuck)
        return false;
    *q->sq_db = q->sq_tail;
    q->sq_mmio_last = q->sq_tail;
    q->stats.sq_mmio++;
    q->stats.sq_rerung++;
    return true;
}

void nvme_queue_abandon(nvme_queue_t *q, uint16_t cid)
{
    if (cid < q->depth && q->slot[cid].busy)
        q->slot[cid].abandoned = true;
}
