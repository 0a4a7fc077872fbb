/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The block driver library (cairn/blkdrv.h), its device half: the run on
 * top of the driver library (drv_run with our own drv_ops), the geometry
 * and its publication as "blk.NAME", the bounce buffers of DMA drivers,
 * handing requests to the driver and taking them back (blkdrv_complete),
 * and the timer that polls and times requests out (reset). The clients and
 * their rings are blkdrv_client.c's.
 *
 * States: init -> serving -> stopping. Every entry from the loop (a
 * client's message, an interrupt, a tick) ends in blkdrv_pump, which reads
 * the rings again and sends the events the clients asked for.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "blkdrv_priv.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"

#define PUBLISH_TRIES 64u /* numbers tried for a "%u" name */

static blkdrv_t *of(drv_t *d) { return d->ctx; }

void *blkdrv_ctx(blkdrv_t *b) { return b->ctx; }
drv_t *blkdrv_drv(blkdrv_t *b) { return b->drv; }
const blkdrv_geometry_t *blkdrv_geometry(blkdrv_t *b) { return &b->geo; }

void blkdrv_quit(blkdrv_t *b, int status)
{
    b->stopping = true;
    drv_quit(b->drv, status);
}

/* ---- the geometry ------------------------------------------------------------ */

static bool name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
           ch == '_' || ch == '-';
}

/* A manifest name once "blk." is in front (docs/manifest.md). */
static bool device_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > BLK_NAME_MAX || !name_char(name[0]) || name[0] == '.' || name[0] == '_' || name[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!name_char(name[i]))
            return false;
    }
    return true;
}

/* Defaults in, then checked: OK or ERR_INVALID_ARGS (logged). */
static int geometry_settle(blkdrv_t *b)
{
    blkdrv_geometry_t *g = &b->geo;
    g->name[BLK_NAME_MAX] = g->model[BLK_MODEL_MAX] = g->serial[BLK_SERIAL_MAX] = '\0';
    if (g->max_transfer == 0)
        g->max_transfer = BLKDRV_DEFAULT_MAX_TRANSFER;
    if (g->queue_depth == 0)
        g->queue_depth = 1;
    if (g->queues == 0)
        g->queues = 1;
    if (g->timeout_ns == 0)
        g->timeout_ns = BLKDRV_DEFAULT_TIMEOUT_NS;
    if (g->poll_ns == 0)
        g->poll_ns = BLKDRV_DEFAULT_POLL_NS;
    if (g->poll_ns < BLKDRV_MIN_POLL_NS)
        g->poll_ns = BLKDRV_MIN_POLL_NS; /* the kernel's shortest timer period */
    b->lim = (blk_limits_t){.block_size = g->block_size, .block_count = g->block_count,
                            .max_transfer = g->max_transfer, .flags = g->flags};
    const char *bad = NULL;
    if (blk_limits_check(&b->lim) != OK)
        bad = "block size, block count, max transfer or flags";
    else if (g->queue_depth > BLKDRV_MAX_DEPTH)
        bad = "queue depth";
    else if (strstr(g->name, "%u") == NULL && !device_name_valid(g->name))
        bad = "name";
    if (bad == NULL)
        return OK;
    fprintf(stderr, "%s: init gave a bad geometry (%s): name '%s', %u-byte blocks, %llu blocks, max transfer %u, "
                    "depth %u, flags %#x\n",
            b->ops->name, bad, g->name, g->block_size, (unsigned long long)g->block_count, g->max_transfer,
            g->queue_depth, g->flags);
    return ERR_INVALID_ARGS;
}

/* "blk.NAME" with NAME the geometry's, its "%u" tried from 0 up. */
static int publish(blkdrv_t *b)
{
    char pattern[BLK_NAME_MAX + 1];
    const char *pct = strstr(b->geo.name, "%u");
    bool numbered = pct != NULL;
    int err = ERR_INVALID_ARGS;

    memcpy(pattern, b->geo.name, sizeof pattern);
    /* At most one '%', and then only as "%u". */
    if (strchr(b->geo.name, '%') != pct || (numbered && strchr(pct + 1, '%') != NULL))
        return ERR_INVALID_ARGS;
    for (uint32_t i = 0; i < (numbered ? PUBLISH_TRIES : 1); i++) {
        char name[64];
        if (numbered)
            snprintf(name, sizeof name, pattern, i);
        else
            snprintf(name, sizeof name, "%s", pattern);
        if (!device_name_valid(name))
            return ERR_INVALID_ARGS;
        snprintf(b->service, sizeof b->service, BLK_SERVICE_PREFIX "%s", name);
        err = srv_publish(&b->srv, libsys_handle("ns"), b->service);
        if (err == OK) {
            snprintf(b->geo.name, sizeof b->geo.name, "%s", name);
            return OK;
        }
        if (err != ERR_ALREADY_EXISTS)
            break;
    }
    return err;
}

static int bounce_alloc(blkdrv_t *b)
{
    uint32_t n = b->geo.queue_depth < BLKDRV_MAX_BOUNCE ? b->geo.queue_depth : BLKDRV_MAX_BOUNCE;
    for (uint32_t i = 0; i < n; i++) {
        int err = drv_dma_alloc(b->drv, b->geo.max_transfer, &b->bounce[i]);
        if (err != OK) {
            fprintf(stderr, "%s: %u-byte DMA bounce buffer: %s%s\n", b->ops->name, b->geo.max_transfer,
                    cairn_error_name(err), err == ERR_ACCESS_DENIED ? " (no 'dma' handle)" : "");
            return err;
        }
        b->nbounce = i + 1;
    }
    return OK;
}

static void bounce_free(blkdrv_t *b)
{
    for (uint32_t i = 0; i < b->nbounce; i++)
        drv_dma_free(&b->bounce[i]);
    b->nbounce = 0;
}

/* ---- requests at the driver ------------------------------------------------- */

static void list_add(blkdrv_t *b, blk_req_t *r)
{
    r->next = NULL;
    r->prev = b->newest;
    if (b->newest)
        b->newest->next = r;
    else
        b->oldest = r;
    b->newest = r;
    b->at_driver++;
}

static void list_remove(blkdrv_t *b, blk_req_t *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        b->oldest = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        b->newest = r->prev;
    r->prev = r->next = NULL;
    b->at_driver--;
}

static int bounce_get(blkdrv_t *b)
{
    for (uint32_t i = 0; i < b->nbounce; i++) {
        if (!(b->bounce_busy & (1u << i))) {
            b->bounce_busy |= 1u << i;
            return (int)i;
        }
    }
    return -1;
}

/* Gives the driver its data view of r: the client's mapping, or a bounce
 * buffer (filled for a write). False: no bounce buffer free now. */
static bool data_view(blkdrv_t *b, blk_req_t *r)
{
    blkdrv_req_t *p = &r->pub;
    r->bounce = -1;
    if (p->bytes == 0) {
        p->va = NULL;
        p->phys = 0;
        return true;
    }
    if (!b->geo.dma) {
        p->va = r->c->data + r->offset;
        p->phys = 0;
        return true;
    }
    int i = bounce_get(b);
    if (i < 0)
        return false;
    r->bounce = i;
    p->va = b->bounce[i].va;
    p->phys = b->bounce[i].phys;
    if (p->op == BLK_OP_WRITE)
        memcpy(p->va, r->c->data + r->offset, p->bytes);
    return true;
}

/* A read's data back from its bounce buffer; the buffer freed. */
static void data_done(blkdrv_t *b, blk_req_t *r, int status)
{
    if (r->bounce < 0)
        return;
    if (r->pub.op == BLK_OP_READ && status == OK && r->c->sc != NULL)
        memcpy(r->c->data + r->offset, b->bounce[r->bounce].va, r->pub.bytes);
    b->bounce_busy &= ~(1u << r->bounce);
    r->bounce = -1;
}

bool blkdrv_start(blkdrv_t *b, blk_req_t *r)
{
    if (b->at_driver >= b->geo.queue_depth || !data_view(b, r))
        return false;
    r->state = REQ_AT_DRIVER;
    r->started_ns = libsys_now_ns();
    list_add(b, r);
    int err = b->ops->submit(b, &r->pub);
    if (err == OK || r->state != REQ_AT_DRIVER)
        return true; /* taken (maybe done already) */
    list_remove(b, r);
    data_done(b, r, err);
    if (err == ERR_SHOULD_WAIT) {
        if (b->at_driver > 0) {
            r->state = REQ_HELD;
            return false;
        }
        fprintf(stderr, "%s: submit said the device is full with nothing at the driver: failing the request\n",
                b->ops->name);
        err = ERR_IO;
    }
    blkdrv_finish(b, r, err);
    return true;
}

void blkdrv_complete(blkdrv_t *b, blkdrv_req_t *pub, int status)
{
    blk_req_t *r = (blk_req_t *)pub;
    if (r == NULL || r->state != REQ_AT_DRIVER) {
        fprintf(stderr, "%s: blkdrv_complete on a request that is not at the driver: ignored\n", b->ops->name);
        return;
    }
    if (status > 0)
        status = ERR_INTERNAL;
    list_remove(b, r);
    data_done(b, r, status);
    blkdrv_finish(b, r, status);
}

/* Every request at the driver completed by us: `late` for those older than
 * the timeout (when timing out), `status` for the rest. */
static void fail_at_driver(blkdrv_t *b, int status, bool timing_out)
{
    uint64_t now = libsys_now_ns();
    while (b->oldest != NULL) {
        blk_req_t *r = b->oldest;
        int st = timing_out && now - r->started_ns >= b->geo.timeout_ns ? ERR_TIMED_OUT : status;
        list_remove(b, r);
        data_done(b, r, st);
        blkdrv_finish(b, r, st);
    }
}

/* ---- the timer: polling and timeouts ------------------------------------------ */

static uint64_t tick_ns(blkdrv_t *b) { return b->ops->poll ? b->geo.poll_ns : BLKDRV_TICK_NS; }

void blkdrv_timer_arm(blkdrv_t *b)
{
    if (b->timer_on || b->at_driver == 0 || b->timer == HANDLE_INVALID)
        return;
    if (sys_timer_set(b->timer, libsys_now_ns() + tick_ns(b), tick_ns(b)) == OK)
        b->timer_on = true;
}

static void reset_device(blkdrv_t *b)
{
    blk_req_t *r = b->oldest;
    fprintf(stderr, "%s: %s of client %llu (lba %llu, %u blocks) not done after %llu ms: resetting the device\n",
            b->ops->name, blk_op_name(r->pub.op), (unsigned long long)r->c->id, (unsigned long long)r->pub.lba,
            r->pub.count, (unsigned long long)(b->geo.timeout_ns / 1000000));
    int err = b->ops->reset ? b->ops->reset(b) : ERR_NOT_SUPPORTED;
    fail_at_driver(b, ERR_IO, true);
    if (err != OK) {
        fprintf(stderr, "%s: reset: %s: stopping\n", b->ops->name, cairn_error_name(err));
        blkdrv_quit(b, 1);
    } else {
        printf("%s: reset done; the requests it had failed\n", b->ops->name);
    }
}

static void on_tick(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    blkdrv_t *b = src->ctx;
    (void)loop;
    (void)signals;
    if (b->at_driver == 0) {
        sys_timer_cancel(b->timer);
        b->timer_on = false;
        return;
    }
    if (b->ops->poll)
        b->ops->poll(b);
    if (b->oldest != NULL && libsys_now_ns() - b->oldest->started_ns >= b->geo.timeout_ns)
        reset_device(b);
    blkdrv_pump(b);
}

/* The pump's own wake-up (loop_post), after it yielded to the loop. */
static void on_post(loop_t *loop, uint64_t d0, uint64_t d1)
{
    drv_t *d = (drv_t *)((char *)loop - offsetof(drv_t, loop));
    blkdrv_t *b = of(d);
    (void)d0;
    (void)d1;
    b->post_pending = false;
    blkdrv_pump(b);
}

/* ---- the driver library's ops ---------------------------------------------- */

static int blk_init(drv_t *d)
{
    blkdrv_t *b = of(d);
    b->drv = d;
    b->timer = HANDLE_INVALID;
    int err = b->ops->init(b, &b->geo);
    if (err != OK)
        return err;
    if ((err = geometry_settle(b)) != OK)
        return err;
    if (b->geo.dma && (err = bounce_alloc(b)) != OK)
        return err;
    if ((err = (int)sys_timer_create(&b->timer)) != OK ||
        (err = loop_add(&d->loop, &b->timer_src, b->timer, SIG_TIMER, LOOP_URGENT, on_tick, b)) != OK)
        return err;
    d->loop.post = on_post;
    if ((err = blkdrv_serve(b)) != OK)
        return err;
    if ((err = publish(b)) != OK) {
        fprintf(stderr, "%s: cannot publish '%s%s': %s\n", b->ops->name, BLK_SERVICE_PREFIX, b->geo.name,
                cairn_error_name(err));
        return err;
    }
    b->serving = true;
    const blkdrv_geometry_t *g = &b->geo;
    uint64_t bytes = g->block_count * g->block_size;
    printf("%s: %s: %llu blocks of %u bytes (%llu MiB), max transfer %u, depth %u%s%s: serving '%s'\n",
           b->ops->name, g->name, (unsigned long long)g->block_count, g->block_size,
           (unsigned long long)(bytes >> 20), g->max_transfer, g->queue_depth, g->dma ? ", DMA" : "",
           g->flags & BLK_INFO_READ_ONLY ? ", read-only" : "", b->service);
    return OK;
}

static void blk_interrupt(drv_t *d, uint32_t index)
{
    blkdrv_t *b = of(d);
    if (b->ops->interrupt)
        b->ops->interrupt(b, index);
    blkdrv_pump(b);
}

static void blk_stop(drv_t *d)
{
    blkdrv_t *b = of(d);
    b->stopping = true;
    if (b->ops->stop)
        b->ops->stop(b);
    fail_at_driver(b, ERR_IO, false);
    blkdrv_detach_all(b);
    if (b->timer != HANDLE_INVALID)
        sys_handle_close(b->timer);
    b->timer = HANDLE_INVALID;
    bounce_free(b);
}

int blkdrv_run(const blkdrv_ops_t *ops, void *ctx)
{
    static blkdrv_t blk;
    blkdrv_t *b = &blk;
    memset(b, 0, sizeof *b);
    b->ops = ops;
    b->ctx = ctx;
    b->timer = HANDLE_INVALID;
    b->drv_ops = (drv_ops_t){.name = ops->name, .no_device = !ops->pci, .init = blk_init,
                             .interrupt = blk_interrupt, .stop = blk_stop};
    if (ops->init == NULL || ops->submit == NULL) {
        fprintf(stderr, "%s: a block driver needs init and submit\n", ops->name);
        return 1;
    }
    return drv_run(&b->drv_ops, b);
}
