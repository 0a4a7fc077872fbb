/* SPDX-License-Identifier: BSD-2-Clause
 *
 * nvme: the driver of NVM Express controllers (PCI class 01/08/02), one
 * process per controller, started by devmgr (nvme.driver). docs/nvme.md.
 *
 * It is the block library's ops table (cairn/blkdrv.h) around the hardware
 * layer (nvme.h): init brings the controller up and makes every usable
 * namespace a block device (blk.nvmeXnY), submit turns a checked request
 * into an NVM command on the I/O queues in turn, interrupts go to
 * nvme_ctrl_interrupt, a timer looks for commands past their deadline
 * while any are outstanding (the controller resets itself; the library's
 * longer timeout is the backstop), stop shuts the controller down. The
 * `selftest` arguments prove the layer at the end of init, before the
 * devices are served.
 *
 * Arguments (the manifest's `args`): selftest | selftest=timeout,
 * noshadow, queues=N, irq=msix|msi|intx, timeout=MS, seed=N, wseed=N,
 * write=OFF:LEN, discard=OFF:LEN, bursts=N (sizes take K, M, G suffixes).
 * The controller's index X in nvmeX is devmgr's instance number
 * (DRIVER_INSTANCE, drv_t.instance): the controllers in PCI order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "nvme_drv.h"

static nvme_drv_t nvme;
static int g_argc;
static char **g_argv;

static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    uint64_t v = strtoull(s, &end, 0);
    if (end == s)
        return false;
    uint32_t shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
    if (shift)
        end++;
    if (*end != '\0' && *end != ':')
        return false;
    *out = v << shift;
    return true;
}

static bool parse_range(const char *s, uint64_t *off, uint64_t *len)
{
    const char *colon = strchr(s, ':');
    return colon && parse_size(s, off) && parse_size(colon + 1, len);
}

int nvme_opts_parse(nvme_opts_t *o, int argc, char **argv)
{
    *o = (nvme_opts_t){.shadow = true, .bursts = 2};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = strchr(a, '=');
        v = v ? v + 1 : "";
        uint64_t n = 0;
        bool ok = true;
        if (strcmp(a, "selftest") == 0)
            o->selftest = true;
        else if (strcmp(a, "selftest=timeout") == 0)
            o->timeout_test = true;
        else if (strcmp(a, "noshadow") == 0)
            o->shadow = false;
        else if (strcmp(a, "irq=msix") == 0)
            o->irq_allow = DRV_ALLOW(DRV_IRQ_MSIX);
        else if (strcmp(a, "irq=msi") == 0)
            o->irq_allow = DRV_ALLOW(DRV_IRQ_MSI);
        else if (strcmp(a, "irq=intx") == 0)
            o->irq_allow = DRV_ALLOW(DRV_IRQ_INTX);
        else if (strncmp(a, "queues=", 7) == 0 && (ok = parse_size(v, &n) && n >= 1 && n <= NVME_MAX_IO_QUEUES))
            o->queues = (uint32_t)n;
        else if (strncmp(a, "timeout=", 8) == 0 && (ok = parse_size(v, &n) && n >= 1 && n <= 3600000))
            o->timeout_ms = (uint32_t)n;
        else if (strncmp(a, "bursts=", 7) == 0 && (ok = parse_size(v, &n) && n >= 1 && n <= 100000))
            o->bursts = (uint32_t)n;
        else if (strncmp(a, "seed=", 5) == 0)
            ok = parse_size(v, &o->seed);
        else if (strncmp(a, "wseed=", 6) == 0)
            ok = parse_size(v, &o->wseed);
        else if (strncmp(a, "write=", 6) == 0)
            ok = parse_range(v, &o->woff, &o->wlen);
        else if (strncmp(a, "discard=", 8) == 0)
            ok = parse_range(v, &o->doff, &o->dlen);
        else
            ok = false;
        if (!ok) {
            fprintf(stderr, "nvme: unknown or bad argument '%s'\n", a);
            return ERR_INVALID_ARGS;
        }
    }
    return OK;
}

static void on_done(void *ctx, nvme_queue_t *q, uint64_t tag, int status)
{
    nvme_drv_t *n = ctx;
    if (n->done)
        n->done(n->done_ctx, q, tag, status);
    else
        printf("%s: completion of tag %llu with nobody to take it (%s)\n", n->ctrl.name, (unsigned long long)tag,
               cairn_error_name(status));
}

static void arm_timer(void *ctx, uint64_t deadline_ns)
{
    nvme_drv_t *n = ctx;
    sys_timer_set(n->timer, deadline_ns, 0);
}

static void on_timer(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    nvme_drv_t *n = src->ctx;
    (void)loop;
    (void)signals;
    uint64_t next = nvme_ctrl_tick(&n->ctrl, libsys_now_ns());
    if (next)
        sys_timer_set(n->timer, next, 0);
    if (n->ctrl.state == NVME_DEAD) {
        printf("%s: the controller is dead: ending the driver (devmgr starts a new one)\n", n->ctrl.name);
        blkdrv_quit(n->b, 2);
    }
}

/* ---- the block library's ops ------------------------------------------------- */

/* A command of the block library's finished: its request is the tag. */
static void blk_done(void *ctx, nvme_queue_t *q, uint64_t tag, int status)
{
    nvme_drv_t *n = ctx;
    (void)q;
    blkdrv_complete(n->b, (blkdrv_req_t *)(uintptr_t)tag, status);
}

/* Bounce buffers (the library's, one per request at the driver) are what
 * the device reads and writes: 32 of them, each of the largest transfer,
 * so 128 KiB per command keeps that at 4 MiB. */
#define NVME_BLK_MAX_TRANSFER (128u * 1024)

/* Namespace ns as a block device: named as the hardware layer names it
 * (nvmeXnY, X devmgr's instance number), the controller's model and
 * serial, flush when it has a volatile write cache, discard when it
 * supports Dataset Management. */
static void ns_geometry(const nvme_ctrl_t *c, const nvme_ns_t *ns, blkdrv_geometry_t *g)
{
    memset(g, 0, sizeof *g);
    snprintf(g->name, sizeof g->name, "%s", ns->name);
    g->block_size = ns->block_size;
    g->block_count = ns->nblocks;
    uint32_t max = c->max_transfer < NVME_BLK_MAX_TRANSFER ? c->max_transfer : NVME_BLK_MAX_TRANSFER;
    g->max_transfer = max / ns->block_size * ns->block_size;
    g->flags = (c->id.vwc & 1 ? BLK_INFO_FLUSH : 0) | (c->id.oncs & NVME_ONCS_DSM ? BLK_INFO_DISCARD : 0);
    snprintf(g->model, sizeof g->model, "%s", c->id.model);
    snprintf(g->serial, sizeof g->serial, "%s", c->id.serial);
}

static int nvme_blk_init(blkdrv_t *b, blkdrv_geometry_t *geo)
{
    nvme_drv_t *n = blkdrv_ctx(b);
    drv_t *d = blkdrv_drv(b);
    n->b = b;
    n->d = d;
    n->timer = HANDLE_INVALID;
    int err = nvme_opts_parse(&n->opt, g_argc, g_argv);
    if (err != OK)
        return err;
    system_info_t si;
    uint32_t cpus = sys_system_info(&si) == OK && si.cpus > 0 ? si.cpus : 1;
    if ((err = (int)sys_timer_create(&n->timer)) != OK ||
        (err = loop_add(&d->loop, &n->timer_src, n->timer, SIG_TIMER, LOOP_URGENT, on_timer, n)) != OK)
        return err;
    nvme_config_t cfg = {
        .index = d->instance,
        .want_queues = n->opt.queues && n->opt.queues < cpus ? n->opt.queues : cpus,
        .shadow_doorbells = n->opt.shadow,
        .irq_allow = n->opt.irq_allow,
        .io_timeout_ms = n->opt.timeout_ms,
        .done = on_done,
        .arm_timer = arm_timer,
        .ctx = n,
    };
    if ((err = nvme_ctrl_init(&n->ctrl, d, &cfg)) != OK)
        return err;
    if (n->opt.timeout_test)
        err = nvme_selftest_timeout(n);
    else if (n->opt.selftest)
        err = nvme_selftest(n);
    if (err == OK && n->ctrl.state == NVME_DEAD)
        err = ERR_IO; /* died under the self-test: a fresh start is all that helps */
    if (err != OK)
        return err;

    /* Every usable namespace a block device; the first is unit 0. */
    nvme_ctrl_t *c = &n->ctrl;
    uint32_t units = 0;
    for (uint32_t i = 0; i < c->nns; i++) {
        const nvme_ns_t *ns = &c->ns[i];
        if (!ns->usable) {
            printf("%s: namespace %u has a format this driver does not handle: not served\n", c->name, ns->nsid);
            continue;
        }
        blkdrv_geometry_t g;
        ns_geometry(c, ns, &g);
        if (units == 0) {
            *geo = g;
            /* The controller's queues are shared by its namespaces; the
             * library keeps at most this many requests here, each with a
             * bounce buffer of its own (32 at most). */
            uint32_t slots = c->nio * (c->io_depth - 1);
            geo->queue_depth = slots < BLKDRV_MAX_BOUNCE ? slots : BLKDRV_MAX_BOUNCE;
            geo->queues = c->nio;
            geo->dma = true;
            /* Later than the controller's own command timeout, which resets
             * it and fails the commands itself: the library's is the
             * backstop. */
            uint64_t io_ms = n->opt.timeout_ms ? n->opt.timeout_ms : 30000;
            geo->timeout_ns = (io_ms + 15000) * 1000ull * 1000;
            n->unit_nsid[0] = ns->nsid;
        } else {
            int u = blkdrv_add_unit(b, &g);
            if (u < 0)
                return u;
            n->unit_nsid[u] = ns->nsid;
        }
        units++;
        if (units == BLKDRV_MAX_UNITS) {
            printf("%s: %u namespaces served, the rest not (the library's limit)\n", c->name, units);
            break;
        }
    }
    if (units == 0) {
        printf("%s: no namespace to serve\n", c->name);
        return ERR_NOT_FOUND;
    }
    n->done = blk_done;
    n->done_ctx = n;
    return OK;
}

/* One checked request to the device, on the I/O queues in turn (another
 * queue is tried when one is full). Its data is one contiguous bounce
 * buffer: its pages are the PRPs. */
static int nvme_blk_submit(blkdrv_t *b, blkdrv_req_t *r)
{
    nvme_drv_t *n = blkdrv_ctx(b);
    nvme_ctrl_t *c = &n->ctrl;
    static const int ops[] = {[BLK_OP_READ] = NVME_OP_READ, [BLK_OP_WRITE] = NVME_OP_WRITE,
                              [BLK_OP_FLUSH] = NVME_OP_FLUSH, [BLK_OP_DISCARD] = NVME_OP_DISCARD};
    if (r->op >= sizeof ops / sizeof ops[0] || ops[r->op] == 0 || r->unit >= BLKDRV_MAX_UNITS)
        return ERR_NOT_SUPPORTED;
    uint64_t pages[NVME_BLK_MAX_TRANSFER / NVME_PAGE];
    size_t npages = 0;
    if (r->bytes) {
        if (r->phys == 0 || r->phys % NVME_PAGE || r->bytes > NVME_BLK_MAX_TRANSFER)
            return ERR_INVALID_ARGS; /* not what the library promises: refuse, never guess */
        npages = (size_t)((r->bytes + NVME_PAGE - 1) / NVME_PAGE);
        for (size_t i = 0; i < npages; i++)
            pages[i] = r->phys + (uint64_t)i * NVME_PAGE;
    }
    int err = ERR_QUEUE_FULL;
    for (uint32_t tries = 0; tries < c->nio && err == ERR_QUEUE_FULL; tries++)
        err = nvme_io_submit(nvme_io_queue(c, n->next_queue++), ops[r->op], n->unit_nsid[r->unit], r->lba, r->count,
                             npages ? pages : NULL, npages, (uint64_t)(uintptr_t)r);
    if (err == ERR_QUEUE_FULL)
        return ERR_SHOULD_WAIT;
    if (err == ERR_BAD_STATE && c->state == NVME_RESETTING)
        return ERR_SHOULD_WAIT; /* offered again after the reset's completions */
    return err;
}

static void nvme_blk_interrupt(blkdrv_t *b, uint32_t index)
{
    nvme_drv_t *n = blkdrv_ctx(b);
    nvme_ctrl_interrupt(&n->ctrl, index);
}

/* The library's backstop timeout (the controller's own came first and
 * did not help): reset it; what was outstanding completes through done. */
static int nvme_blk_reset(blkdrv_t *b)
{
    nvme_drv_t *n = blkdrv_ctx(b);
    int err = nvme_ctrl_reset(&n->ctrl, "a request outlived the block library's timeout");
    return err == OK && n->ctrl.state == NVME_LIVE ? OK : ERR_IO;
}

static void nvme_blk_stop(blkdrv_t *b)
{
    nvme_drv_t *n = blkdrv_ctx(b);
    drv_t *d = blkdrv_drv(b);
    if (n->ctrl.drv)
        nvme_ctrl_stop(&n->ctrl, !d->unbound);
    if (n->timer != HANDLE_INVALID) {
        loop_remove(&d->loop, &n->timer_src);
        sys_handle_close(n->timer);
        n->timer = HANDLE_INVALID;
    }
}

static const blkdrv_ops_t nvme_ops = {
    .name = "nvme",
    .pci = true,
    .init = nvme_blk_init,
    .submit = nvme_blk_submit,
    .interrupt = nvme_blk_interrupt,
    .reset = nvme_blk_reset,
    .stop = nvme_blk_stop,
};

int main(int argc, char **argv)
{
    g_argc = argc;
    g_argv = argv;
    return blkdrv_run(&nvme_ops, &nvme);
}
