/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The NVMe controller: its registers, bring-up, resets and shutdown
 * (NVMe Base Specification 2.0, "Controller Initialization"), and the
 * synchronous admin commands they use. Model and states in nvme.h.
 *
 * Bring-up:
 *   1. memory decoding on (no bus mastering yet), map the registers and
 *      the doorbells of the queues that may be used (map_regs);
 *   2. CAP, VS: the NVM command set, a 4 KiB page allowed (MPSMIN 0);
 *   3. disable: CC.EN 0, wait CSTS.RDY 0 (CAP.TO) - a controller left
 *      running by a previous driver must stop before DMA is turned on;
 *   4. interrupts (MSI-X, one vector per wanted queue; MSI or INTx: one),
 *      DMA memory, bus mastering;
 *   5. admin queues (AQA, ASQ, ACQ), CC (4 KiB pages, 64/16-byte entries,
 *      NVM), CC.EN 1, wait CSTS.RDY 1 - CSTS.CFS fails it;
 *   6. Identify Controller, Identify active namespace list, Identify
 *      Namespace for each;
 *   7. Set Features (Number of Queues), Doorbell Buffer Config when OACS
 *      has it and it is wanted, then Create I/O CQ + SQ for each pair.
 * A reset repeats 3 and 5-7 (without the namespace discovery).
 *
 * Admin commands are polled: bring-up and resets run outside the loop's
 * turns (from init, or from the timer callback), where no interrupt can be
 * taken. The admin CQ still signals vector 0; nvme_ctrl_interrupt drains
 * whatever a timed-out admin command posts late.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "nvme_impl.h"

#define MS (1000ull * 1000)

uint64_t nvme_now_ns(void) { return libsys_now_ns(); }

static void pause_us(uint64_t us) { sys_thread_sleep(libsys_now_ns() + us * 1000); }

static uint64_t round_page(uint64_t n) { return (n + NVME_PAGE - 1) & ~(uint64_t)(NVME_PAGE - 1); }

/* ---- registers ------------------------------------------------------------- */

static void unmap_regs(nvme_ctrl_t *c)
{
    if (c->regs)
        sys_vm_unmap(HANDLE_INVALID, (uint64_t)(uintptr_t)c->regs, c->regs_len);
    c->regs = NULL;
    c->regs_len = 0;
}

static int map_len(nvme_ctrl_t *c, uint64_t len)
{
    uint64_t addr = 0;
    unmap_regs(c);
    int64_t err = sys_vm_map(HANDLE_INVALID, c->bar_vmo, 0, len, MAP_READ | MAP_WRITE, &addr);
    if (err != OK)
        return (int)err;
    c->regs = (volatile uint8_t *)(uintptr_t)addr;
    c->regs_len = len;
    return OK;
}

/* The one place BAR 0 is mapped: the registers and the doorbells of
 * `nqueues` queues (admin included), nothing beyond - not the MSI-X table
 * and PBA QEMU puts after them in the same BAR, which belong to the pci
 * server. The doorbell stride is in CAP, so the first page is mapped
 * alone first. (When pcidev grows a way to ask for a range of a BAR, this
 * function is where to use it.) */
static int map_regs(nvme_ctrl_t *c, uint32_t nqueues)
{
    pcidev_bar_vmo_result_t r;
    int err = pcidev_bar_vmo(c->drv->dev, 0, false, &r, libsys_now_ns() + DRV_CALL_NS);
    if (err != OK) {
        fprintf(stderr, "%s: BAR 0: %s\n", c->name, cairn_error_name(err));
        return err;
    }
    c->bar_vmo = r.vmo;
    uint64_t vmo_size = 0;
    if (sys_vmo_get_size(r.vmo, &vmo_size) == OK && vmo_size < r.size)
        r.size = vmo_size; /* a vmo that stops short of the BAR's end (before the MSI-X table) */
    if (r.size < NVME_REGS_SIZE + 8) {
        fprintf(stderr, "%s: BAR 0 is %llu bytes: too small for the registers and a doorbell\n", c->name,
                (unsigned long long)r.size);
        return ERR_NOT_SUPPORTED;
    }
    if ((err = map_len(c, NVME_REGS_SIZE)) != OK)
        return err;
    uint32_t stride = 4u << NVME_CAP_DSTRD(nvme_rd64(c, NVME_REG_CAP));
    uint64_t len = round_page(NVME_REG_SQ0TDBL + 2ull * nqueues * stride);
    if (len > round_page(r.size)) {
        fprintf(stderr, "%s: BAR 0 (%llu bytes) lacks the doorbells of %u queues\n", c->name,
                (unsigned long long)r.size, nqueues);
        return ERR_NOT_SUPPORTED;
    }
    return len > NVME_REGS_SIZE ? map_len(c, len) : OK;
}

/* Waits until CSTS.RDY is `ready`, at most CAP.TO. */
static int wait_ready(nvme_ctrl_t *c, bool ready, const char *step)
{
    uint64_t deadline = libsys_now_ns() + (uint64_t)c->ready_timeout_ms * MS;
    for (;;) {
        uint32_t csts = nvme_rd32(c, NVME_REG_CSTS);
        if (csts == 0xffffffffu) {
            fprintf(stderr, "%s: %s: the controller does not answer (CSTS reads all ones)\n", c->name, step);
            return ERR_IO;
        }
        if (ready && (csts & NVME_CSTS_CFS)) {
            fprintf(stderr, "%s: %s: controller fatal status (CSTS %#x)\n", c->name, step, csts);
            return ERR_IO;
        }
        if (!!(csts & NVME_CSTS_RDY) == ready)
            return OK;
        if (libsys_now_ns() > deadline) {
            fprintf(stderr, "%s: %s: CSTS.RDY still %u after %u ms (CAP.TO)\n", c->name, step, !ready,
                    c->ready_timeout_ms);
            return ERR_TIMED_OUT;
        }
        pause_us(100);
    }
}

static int ctrl_disable(nvme_ctrl_t *c)
{
    uint32_t cc = nvme_rd32(c, NVME_REG_CC);
    if (cc & NVME_CC_EN)
        nvme_wr32(c, NVME_REG_CC, cc & ~NVME_CC_EN);
    return wait_ready(c, false, "disable");
}

/* Admin queues in place, then CC.EN. */
static int ctrl_enable(nvme_ctrl_t *c)
{
    nvme_queue_t *a = &c->admin;
    nvme_queue_restart(a);
    nvme_wr32(c, NVME_REG_AQA, NVME_AQA(a->depth, a->depth));
    nvme_wr64(c, NVME_REG_ASQ, a->ring.phys);
    nvme_wr64(c, NVME_REG_ACQ, a->ring.phys + round_page((uint64_t)a->depth * sizeof(nvme_sqe_t)));
    uint32_t cc = NVME_CC_CSS_NVM | NVME_CC_MPS(NVME_PAGE_SHIFT) | NVME_CC_AMS_RR |
                  NVME_CC_IOSQES(NVME_SQES_LOG2) | NVME_CC_IOCQES(NVME_CQES_LOG2);
    nvme_wr32(c, NVME_REG_CC, cc);
    nvme_wr32(c, NVME_REG_CC, cc | NVME_CC_EN);
    return wait_ready(c, true, "enable");
}

/* ---- admin commands --------------------------------------------------------- */

int nvme_admin_sync(nvme_ctrl_t *c, nvme_sqe_t *sqe, uint32_t *dw0, const char *what)
{
    nvme_queue_t *q = &c->admin;
    uint16_t cid;
    void *area;
    uint64_t area_phys;
    int err = nvme_queue_slot_get(q, &cid, &area, &area_phys);
    if (err != OK)
        return err;
    nvme_admin_wait_t w = {0};
    uint64_t deadline = libsys_now_ns() + NVME_ADMIN_TIMEOUT_MS * MS;
    nvme_queue_push(q, cid, sqe, (uint64_t)(uintptr_t)&w, deadline, 0, 0);
    for (uint32_t spins = 0; !w.done; spins++) {
        nvme_queue_poll(q);
        if (w.done)
            break;
        uint32_t csts = nvme_rd32(c, NVME_REG_CSTS);
        if (csts == 0xffffffffu || (csts & NVME_CSTS_CFS)) {
            fprintf(stderr, "%s: %s: controller fatal status (CSTS %#x)\n", c->name, what, csts);
            nvme_queue_abandon(q, cid);
            return ERR_IO;
        }
        if (libsys_now_ns() > deadline) {
            fprintf(stderr, "%s: %s: no completion after %u ms\n", c->name, what, NVME_ADMIN_TIMEOUT_MS);
            nvme_queue_abandon(q, cid);
            return ERR_TIMED_OUT;
        }
        if (spins > 64)
            pause_us(50);
    }
    if (dw0)
        *dw0 = w.dw0;
    return nvme_status_error(w.sf); /* a failure was logged by the poll */
}

static int identify_ctrl(nvme_ctrl_t *c)
{
    nvme_sqe_t sqe;
    memset(c->idbuf.va, 0, NVME_IDENTIFY_SIZE);
    nvme_sqe_identify(&sqe, NVME_CNS_CTRL, 0, c->idbuf.phys);
    int err = nvme_admin_sync(c, &sqe, NULL, "Identify Controller");
    if (err == OK)
        nvme_parse_ctrl(c->idbuf.va, &c->id);
    return err;
}

/* The active namespaces, each identified; unusable ones are kept (named,
 * logged, refused at submit). */
static int identify_namespaces(nvme_ctrl_t *c)
{
    uint32_t ids[NVME_MAX_NS], n = 0, more = 0;
    nvme_sqe_t sqe;
    memset(c->idbuf.va, 0, NVME_IDENTIFY_SIZE);
    nvme_sqe_identify(&sqe, NVME_CNS_NS_ACTIVE_LIST, 0, c->idbuf.phys);
    int err = nvme_admin_sync(c, &sqe, NULL, "Identify active namespace list");
    if (err == OK) {
        const uint32_t *list = c->idbuf.va;
        for (uint32_t i = 0; i < NVME_NS_LIST_MAX && list[i] != 0; i++) {
            if (n < NVME_MAX_NS)
                ids[n++] = list[i];
            else
                more++;
        }
    } else {
        /* An NVMe 1.0 controller has no list: namespaces are 1..NN. */
        for (uint32_t id = 1; id <= c->id.nn; id++) {
            if (n < NVME_MAX_NS)
                ids[n++] = id;
            else
                more++;
        }
    }
    if (more)
        printf("%s: %u namespaces beyond the first %u are not used\n", c->name, more, NVME_MAX_NS);
    c->nns = 0;
    for (uint32_t i = 0; i < n; i++) {
        nvme_ns_t *ns = &c->ns[c->nns];
        memset(ns, 0, sizeof *ns);
        ns->nsid = ids[i];
        snprintf(ns->name, sizeof ns->name, "nvme%un%u", c->cfg.index, ids[i]);
        memset(c->idbuf.va, 0, NVME_IDENTIFY_SIZE);
        nvme_sqe_identify(&sqe, NVME_CNS_NS, ids[i], c->idbuf.phys);
        if ((err = nvme_admin_sync(c, &sqe, NULL, "Identify Namespace")) != OK)
            return err;
        const char *why = nvme_parse_ns(c->idbuf.va, ns);
        if (why) {
            printf("%s: not used: %s\n", ns->name, why);
        } else {
            uint64_t bytes = ns->nblocks << ns->lba_shift;
            printf("%s: %llu blocks of %u bytes (%llu MiB)\n", ns->name, (unsigned long long)ns->nblocks,
                   ns->block_size, (unsigned long long)(bytes >> 20));
        }
        c->nns++;
    }
    if (c->nns == 0)
        printf("%s: no active namespaces\n", c->name);
    return OK;
}

/* Set Features (Number of Queues), shadow doorbells, the I/O queue pairs.
 * `nio` pairs must be granted; on the first bring-up it shrinks to what
 * the controller grants. */
static int setup_io_queues(nvme_ctrl_t *c, bool first)
{
    nvme_sqe_t sqe;
    uint32_t dw0 = 0;
    nvme_sqe_set_num_queues(&sqe, c->nio);
    int err = nvme_admin_sync(c, &sqe, &dw0, "Set Features (Number of Queues)");
    if (err != OK)
        return err;
    uint32_t granted = nvme_granted_queues(dw0);
    if (granted < c->nio) {
        if (!first) {
            fprintf(stderr, "%s: the controller now grants %u I/O queues, not %u\n", c->name, granted, c->nio);
            return ERR_NO_RESOURCES;
        }
        c->nio = granted;
    }
    c->shadow = false;
    if (c->cfg.shadow_doorbells && (c->id.oacs & NVME_OACS_DBBUF)) {
        memset(c->dbbuf.va, 0, c->dbbuf.size);
        nvme_sqe_dbbuf_config(&sqe, c->dbbuf.phys, c->dbbuf.phys + NVME_PAGE);
        if (nvme_admin_sync(c, &sqe, NULL, "Doorbell Buffer Config") == OK) {
            c->shadow = true;
            /* The controller took the admin queue's doorbells as they
             * stand: the shadow copies start from there. */
            c->admin.sq_shadow = c->dbbuf.va;
            c->admin.cq_shadow = (volatile uint32_t *)((uint8_t *)c->dbbuf.va + c->db_stride);
            c->admin.sq_ei = (volatile uint32_t *)((uint8_t *)c->dbbuf.va + NVME_PAGE);
            c->admin.cq_ei = (volatile uint32_t *)((uint8_t *)c->dbbuf.va + NVME_PAGE + c->db_stride);
            *c->admin.sq_shadow = c->admin.sq_tail;
            *c->admin.cq_shadow = c->admin.cq_head;
        }
    }
    for (uint32_t i = 0; i < c->nio; i++) {
        nvme_queue_t *q = &c->io[i];
        uint16_t qid = (uint16_t)(i + 1);
        if (first && (err = nvme_queue_alloc(q, c, qid, (uint16_t)c->io_depth, (uint16_t)(i % c->nvectors),
                                             c->prp_slot_bytes)) != OK)
            return err;
        nvme_queue_restart(q);
        nvme_sqe_create_cq(&sqe, qid, q->depth, q->ring.phys + round_page((uint64_t)q->depth * sizeof(nvme_sqe_t)),
                           q->vector);
        if ((err = nvme_admin_sync(c, &sqe, NULL, "Create I/O CQ")) != OK)
            return err;
        nvme_sqe_create_sq(&sqe, qid, q->depth, q->ring.phys, qid);
        if ((err = nvme_admin_sync(c, &sqe, NULL, "Create I/O SQ")) != OK)
            return err;
    }
    return OK;
}

/* ---- bring-up ------------------------------------------------------------------ */

/* Registers, capabilities, a stopped controller: steps 1-3. */
static int probe(nvme_ctrl_t *c, uint32_t want)
{
    int err = drv_enable(c->drv, false);
    if (err == OK)
        err = map_regs(c, want + 1);
    if (err != OK)
        return err;
    c->cap = nvme_rd64(c, NVME_REG_CAP);
    c->vs = nvme_rd32(c, NVME_REG_VS);
    if (c->cap == ~0ull) {
        fprintf(stderr, "%s: the registers read all ones: no controller answers\n", c->name);
        return ERR_IO;
    }
    if (!(NVME_CAP_CSS(c->cap) & NVME_CAP_CSS_NVM)) {
        fprintf(stderr, "%s: CAP.CSS %#x lacks the NVM command set\n", c->name, NVME_CAP_CSS(c->cap));
        return ERR_NOT_SUPPORTED;
    }
    if (NVME_CAP_MPSMIN(c->cap) != 0) {
        fprintf(stderr, "%s: the smallest memory page it takes is %u KiB: only 4 KiB pages here\n", c->name,
                4u << NVME_CAP_MPSMIN(c->cap));
        return ERR_NOT_SUPPORTED;
    }
    c->db_stride = 4u << NVME_CAP_DSTRD(c->cap);
    c->ready_timeout_ms = (NVME_CAP_TO(c->cap) ? NVME_CAP_TO(c->cap) : 1) * NVME_CAP_TO_UNIT_MS;
    uint32_t mqes = NVME_CAP_MQES(c->cap) + 1;
    if (mqes < 2) {
        fprintf(stderr, "%s: CAP.MQES allows queues of %u entries\n", c->name, mqes);
        return ERR_NOT_SUPPORTED;
    }
    c->io_depth = mqes < NVME_IO_DEPTH ? mqes : NVME_IO_DEPTH;
    return ctrl_disable(c);
}

/* Interrupts, memory, bus mastering: step 4. */
static int resources(nvme_ctrl_t *c, uint32_t want)
{
    uint32_t granted = 0;
    int err = drv_irqs(c->drv, want, c->cfg.irq_allow ? c->cfg.irq_allow : DRV_ALLOW_ANY, &granted);
    if (err != OK) {
        fprintf(stderr, "%s: no interrupts: %s\n", c->name, cairn_error_name(err));
        return err;
    }
    c->nvectors = granted;
    c->irq_mode = c->drv->irq_mode;
    uint32_t admin_depth = c->io_depth < NVME_ADMIN_DEPTH ? c->io_depth : NVME_ADMIN_DEPTH;
    if ((err = drv_dma_alloc(c->drv, NVME_IDENTIFY_SIZE, &c->idbuf)) == OK &&
        (err = drv_dma_alloc(c->drv, 2 * NVME_PAGE, &c->dbbuf)) == OK)
        err = nvme_queue_alloc(&c->admin, c, 0, (uint16_t)admin_depth, 0, 64);
    if (err != OK) {
        fprintf(stderr, "%s: no DMA memory: %s\n", c->name, cairn_error_name(err));
        return err;
    }
    return drv_enable(c->drv, true);
}

static const char *irq_mode_name(uint32_t mode)
{
    return mode == DRV_IRQ_MSIX ? "MSI-X" : mode == DRV_IRQ_MSI ? "MSI" : mode == DRV_IRQ_INTX ? "INTx" : "none";
}

static void log_ctrl(nvme_ctrl_t *c)
{
    const pcidev_info_result_t *pi = &c->drv->info;
    printf("%s: %02x:%02x.%u '%s' serial '%s' firmware '%s', NVMe %u.%u, max transfer %u KiB, "
           "OACS %#x, ONCS %#x%s\n",
           c->name, pi->addr >> 8, pi->addr >> 3 & 0x1f, pi->addr & 7, c->id.model, c->id.serial, c->id.firmware,
           NVME_VS_MJR(c->vs), NVME_VS_MNR(c->vs), c->max_transfer / 1024, c->id.oacs, c->id.oncs,
           (c->id.vwc & NVME_VWC_PRESENT) ? ", volatile write cache" : "");
}

static void log_queues(nvme_ctrl_t *c)
{
    const char *shadow = c->shadow ? "on"
                         : !(c->id.oacs & NVME_OACS_DBBUF) ? "not offered"
                         : c->cfg.shadow_doorbells        ? "refused"
                                                          : "off (asked)";
    printf("%s: %u I/O queue%s of %u entries, %s with %u vector%s, shadow doorbells %s\n", c->name, c->nio,
           c->nio == 1 ? "" : "s", c->io_depth, irq_mode_name(c->irq_mode), c->nvectors,
           c->nvectors == 1 ? "" : "s", shadow);
}

int nvme_ctrl_init(nvme_ctrl_t *c, drv_t *d, const nvme_config_t *cfg)
{
    memset(c, 0, sizeof *c);
    c->drv = d;
    c->cfg = *cfg;
    if (c->cfg.io_timeout_ms == 0)
        c->cfg.io_timeout_ms = NVME_DEFAULT_IO_TIMEOUT_MS;
    c->bar_vmo = HANDLE_INVALID;
    c->idbuf.vmo = c->dbbuf.vmo = c->admin.ring.vmo = c->admin.prp.vmo = HANDLE_INVALID;
    for (uint32_t i = 0; i < NVME_MAX_IO_QUEUES; i++)
        c->io[i].ring.vmo = c->io[i].prp.vmo = HANDLE_INVALID;
    snprintf(c->name, sizeof c->name, "nvme%u", cfg->index);
    uint32_t want = cfg->want_queues;
    want = want < 1 ? 1 : want > NVME_MAX_IO_QUEUES ? NVME_MAX_IO_QUEUES : want;

    int err = probe(c, want);
    if (err == OK)
        err = resources(c, want);
    if (err == OK && (err = ctrl_enable(c)) == OK)
        err = identify_ctrl(c);
    if (err == OK) {
        c->max_transfer = nvme_max_transfer(c->cap, c->id.mdts, NVME_MAX_TRANSFER);
        c->max_pages = c->max_transfer / NVME_PAGE;
        /* A list of max_pages - 1 entries (or a DSM range) per slot, in a
         * power of two so that it never crosses a page. */
        c->prp_slot_bytes = 64;
        while (c->prp_slot_bytes < (c->max_pages - 1) * 8)
            c->prp_slot_bytes *= 2;
        log_ctrl(c);
        err = identify_namespaces(c);
    }
    if (err == OK) {
        /* MSI-X: a vector per queue; one shared vector otherwise. */
        c->nio = c->irq_mode == DRV_IRQ_MSIX && c->nvectors < want ? c->nvectors : want;
        err = setup_io_queues(c, true);
    }
    if (err != OK) {
        fprintf(stderr, "%s: bring-up failed: %s\n", c->name, cairn_error_name(err));
        nvme_ctrl_stop(c, !d->unbound && c->regs != NULL);
        return err;
    }
    c->state = NVME_LIVE;
    log_queues(c);
    return OK;
}

/* ---- running ---------------------------------------------------------------------- */

const nvme_ns_t *nvme_ns_find(const nvme_ctrl_t *c, uint32_t nsid)
{
    for (uint32_t i = 0; i < c->nns; i++)
        if (c->ns[i].nsid == nsid)
            return &c->ns[i];
    return NULL;
}

nvme_queue_t *nvme_io_queue(nvme_ctrl_t *c, uint32_t index) { return c->nio ? &c->io[index % c->nio] : NULL; }

void nvme_ctrl_interrupt(nvme_ctrl_t *c, uint32_t index)
{
    if (c->state != NVME_LIVE)
        return;
    if (index == 0)
        nvme_queue_poll(&c->admin); /* only late answers to abandoned commands */
    for (uint32_t i = 0; i < c->nio; i++)
        if (c->nvectors == 1 || c->io[i].vector == index)
            nvme_queue_poll(&c->io[i]);
}

static uint32_t outstanding(const nvme_ctrl_t *c)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->nio; i++)
        n += c->io[i].inflight;
    return n;
}

/* How often outstanding commands are looked at: a quarter of the timeout,
 * 10 ms to 1 s. */
uint64_t nvme_tick_interval_ns(const nvme_ctrl_t *c)
{
    uint64_t ms = c->cfg.io_timeout_ms / 4;
    return (ms < 10 ? 10 : ms > 1000 ? 1000 : ms) * MS;
}

/* A queue with a command past its deadline: first its completions are
 * looked for without an interrupt (one may have been lost on the way:
 * logged, counted in missed_interrupts, no reset needed); what is still
 * outstanding and expired then has really timed out. */
static bool really_expired(nvme_ctrl_t *c, nvme_queue_t *q, uint64_t now_ns)
{
    if (!nvme_queue_expired(q, now_ns))
        return false;
    uint64_t before = q->stats.completed;
    nvme_queue_poll(q);
    if (q->stats.completed != before) {
        c->missed_interrupts++;
        printf("%s: queue %u: %llu completion%s waiting at a command's deadline with no interrupt taken "
               "(vector %u, %llu interrupts so far)\n",
               c->name, q->qid, (unsigned long long)(q->stats.completed - before),
               q->stats.completed - before == 1 ? "" : "s", q->vector,
               (unsigned long long)c->drv->irq[q->vector].count);
    }
    return nvme_queue_expired(q, now_ns);
}

/* What a queue looked like when the controller was given up on: the
 * driver's indexes and, with shadow doorbells, both buffers' values. */
static void log_queue_state(nvme_ctrl_t *c, const nvme_queue_t *q)
{
    char shadow[96] = "";
    if (q->sq_shadow)
        snprintf(shadow, sizeof shadow, ", shadow SQ %u CQ %u, event index SQ %u CQ %u", *q->sq_shadow,
                 *q->cq_shadow, *q->sq_ei, *q->cq_ei);
    printf("%s: queue %u: %u in flight, SQ tail %u (device head %u), CQ head %u phase %u%s, vector %u: "
           "%llu interrupts\n",
           c->name, q->qid, q->inflight, q->sq_tail, q->sq_head, q->cq_head, q->phase, shadow, q->vector,
           (unsigned long long)c->drv->irq[q->vector].count);
}

uint64_t nvme_ctrl_tick(nvme_ctrl_t *c, uint64_t now_ns)
{
    c->timer_armed = false;
    if (c->state == NVME_LIVE && outstanding(c) > 0) {
        uint32_t csts = nvme_rd32(c, NVME_REG_CSTS);
        bool expired = false;
        for (uint32_t i = 0; i < c->nio; i++) {
            nvme_queue_t *q = &c->io[i];
            uint32_t ei = q->sq_ei ? *q->sq_ei : 0;
            if (nvme_queue_rering(q)) {
                c->rerung++;
                printf("%s: queue %u: no progress since the last tick with SQ tail %u only in the shadow doorbell "
                       "(event index %u): written by MMIO\n",
                       c->name, q->qid, q->sq_tail, ei);
            }
            expired = really_expired(c, q, now_ns) || expired;
        }
        if (csts == 0xffffffffu) {
            nvme_ctrl_reset(c, "the controller does not answer (CSTS reads all ones)");
        } else if (csts & NVME_CSTS_CFS) {
            nvme_ctrl_reset(c, "controller fatal status (CSTS.CFS)");
        } else if (expired) {
            for (uint32_t i = 0; i < c->nio; i++)
                if (c->io[i].inflight)
                    log_queue_state(c, &c->io[i]);
            nvme_ctrl_reset(c, "a command timed out");
        }
    }
    if (c->state != NVME_LIVE || outstanding(c) == 0)
        return 0;
    c->timer_armed = true;
    return libsys_now_ns() + nvme_tick_interval_ns(c);
}

/* Commands taken back by a reset or stop, completed once the controller
 * is settled (their `done` may submit again). */
static nvme_failed_t failed[NVME_MAX_IO_QUEUES * NVME_IO_DEPTH];

static size_t take_back_all(nvme_ctrl_t *c, uint64_t now_ns)
{
    size_t n = 0;
    for (uint32_t i = 0; i < c->nio; i++)
        n += nvme_queue_take_all(&c->io[i], now_ns, failed + n, sizeof failed / sizeof failed[0] - n);
    nvme_failed_t none[1];
    if (c->admin.sq)
        nvme_queue_take_all(&c->admin, 0, none, 0); /* abandoned ones only: nobody waits */
    return n;
}

static void complete_failed(nvme_ctrl_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (c->cfg.done)
            c->cfg.done(c->cfg.ctx, failed[i].q, failed[i].tag, failed[i].status);
}

int nvme_ctrl_reset(nvme_ctrl_t *c, const char *why)
{
    if (c->state != NVME_LIVE)
        return ERR_BAD_STATE;
    c->state = NVME_RESETTING;
    c->resets++;
    printf("%s: resetting the controller: %s (CSTS %#x)\n", c->name, why, nvme_rd32(c, NVME_REG_CSTS));
    size_t n = take_back_all(c, libsys_now_ns());
    c->shadow = false; /* a reset forgets the Doorbell Buffer Config */
    int err = ctrl_disable(c);
    if (err == OK && ++c->reset_streak > NVME_MAX_RESET_STREAK) {
        printf("%s: %u resets in a row and no command succeeded: giving up on the controller\n", c->name,
               NVME_MAX_RESET_STREAK);
        err = ERR_IO;
    }
    if (err == OK)
        err = ctrl_enable(c);
    if (err == OK)
        err = identify_ctrl(c);
    if (err == OK)
        err = setup_io_queues(c, false);
    if (err == OK) {
        c->state = NVME_LIVE;
        printf("%s: reset %u done: the controller is back, %zu command%s failed\n", c->name, c->resets, n,
               n == 1 ? "" : "s");
    } else {
        c->state = NVME_DEAD;
        nvme_wr32(c, NVME_REG_CC, nvme_rd32(c, NVME_REG_CC) & ~NVME_CC_EN); /* no more DMA from it */
        printf("%s: the controller did not come back from the reset (%s): every command fails from now on\n",
               c->name, cairn_error_name(err));
    }
    complete_failed(c, n);
    return err;
}

/* A normal shutdown: the controller flushes its caches and says so in
 * CSTS.SHST; then it is disabled. */
static void shutdown(nvme_ctrl_t *c)
{
    uint32_t cc = nvme_rd32(c, NVME_REG_CC);
    if (!(cc & NVME_CC_EN))
        return;
    nvme_wr32(c, NVME_REG_CC, (cc & ~NVME_CC_SHN_MASK) | NVME_CC_SHN_NORMAL);
    uint64_t deadline = libsys_now_ns() + (uint64_t)c->ready_timeout_ms * MS;
    while ((nvme_rd32(c, NVME_REG_CSTS) & NVME_CSTS_SHST_MASK) != NVME_CSTS_SHST_DONE) {
        if (libsys_now_ns() > deadline) {
            fprintf(stderr, "%s: shutdown not complete after %u ms\n", c->name, c->ready_timeout_ms);
            break;
        }
        pause_us(100);
    }
    ctrl_disable(c);
}

void nvme_ctrl_stop(nvme_ctrl_t *c, bool device_present)
{
    size_t n = take_back_all(c, 0);
    if (device_present && c->regs)
        shutdown(c);
    c->state = NVME_OFF;
    complete_failed(c, n);
    for (uint32_t i = 0; i < NVME_MAX_IO_QUEUES; i++)
        nvme_queue_free(&c->io[i]);
    nvme_queue_free(&c->admin);
    if (c->idbuf.vmo != HANDLE_INVALID)
        drv_dma_free(&c->idbuf);
    if (c->dbbuf.vmo != HANDLE_INVALID)
        drv_dma_free(&c->dbbuf);
    unmap_regs(c);
    if (c->bar_vmo != HANDLE_INVALID)
        sys_handle_close(c->bar_vmo);
    c->bar_vmo = HANDLE_INVALID;
    c->nio = 0;
}
