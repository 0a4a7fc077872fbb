/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The block driver library (cairn/blkdrv.h), its device half: the run on
 * top of the driver library (drv_run with our own drv_ops), the units'
 * geometries and their publication as "blk.NAME", the bounce buffers of
 * DMA drivers, handing requests to the driver within its depth and the
 * units' shares (blkdrv_share.h) and taking them back (blkdrv_complete),
 * and the timer that polls and times requests out (reset). The clients and
 * their rings are blkdrv_client.c's.
 *
 * States: init (blkdrv_add_unit allowed) -> serving -> stopping. Every
 * entry from the loop (a client's message, an interrupt, a tick) ends in
 * blkdrv_pump, which reads the rings again and sends the events the
 * clients asked for.
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
const blkdrv_geometry_t *blkdrv_geometry(blkdrv_t *b) { return &b->units[0].geo; }
uint32_t blkdrv_units(blkdrv_t *b) { return b->nunits; }

const blkdrv_geometry_t *blkdrv_unit_geometry(blkdrv_t *b, uint32_t unit)
{
    return unit < b->nunits ? &b->units[unit].geo : NULL;
}

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

/* A name as init gives it: a device name, or one with a single "%u" (checked
 * with 0 in its place; publish checks the numbers it tries). */
static bool name_pattern_valid(const char *name)
{
    const char *pct = strchr(name, '%');
    if (pct == NULL)
        return device_name_valid(name);
    if (pct[1] != 'u' || strchr(pct + 1, '%') != NULL)
        return false;
    char n[64];
    snprintf(n, sizeof n, "%.*s0%s", (int)(pct - name), name, pct + 2);
    return device_name_valid(n);
}

/* A unit's own fields: defaults in, then checked. NULL, or what is wrong. */
static const char *unit_settle(blkdrv_geometry_t *g, blk_limits_t *lim)
{
    g->name[BLK_NAME_MAX] = g->model[BLK_MODEL_MAX] = g->serial[BLK_SERIAL_MAX] = '\0';
    if (g->max_transfer == 0)
        g->max_transfer = BLKDRV_DEFAULT_MAX_TRANSFER;
    *lim = (blk_limits_t){.block_size = g->block_size, .block_count = g->block_count,
                          .max_transfer = g->max_transfer, .flags = g->flags};
    if (blk_limits_check(lim) != OK)
        return "block size, block count, max transfer or flags";
    if (!name_pattern_valid(g->name))
        return "name";
    return NULL;
}

static int bad_geometry(blkdrv_t *b, const char *who, const blkdrv_geometry_t *g, const char *bad)
{
    fprintf(stderr, "%s: %s a bad geometry (%s): name '%s', %u-byte blocks, %llu blocks, max transfer %u, "
                    "depth %u, flags %#x\n",
            b->ops->name, who, bad, g->name, g->block_size, (unsigned long long)g->block_count, g->max_transfer,
            g->queue_depth, g->flags);
    return ERR_INVALID_ARGS;
}

/* Is `name` (unit `unit`'s, as init gave it) one of units [0, n)'s
 * already? Logged. Two units of one name could never both be published
 * (nor, with a "%u", for any driver number). Unit 0's name may still be
 * empty while init adds units: geometry_settle asks again. */
static bool name_twice(blkdrv_t *b, uint32_t n, const char *name, uint32_t unit)
{
    for (uint32_t i = 0; i < n; i++) {
        if (strcmp(b->units[i].geo.name, name) == 0) {
            fprintf(stderr, "%s: two units named '%s' (units %u and %u)\n", b->ops->name, name, i, unit);
            return true;
        }
    }
    return false;
}

/* The first unit's geometry, which holds the driver's fields: defaults
 * in, then checked; the driver's fields then copied to the other units.
 * OK, ERR_INVALID_ARGS or ERR_ALREADY_EXISTS (logged). */
static int geometry_settle(blkdrv_t *b)
{
    blkdrv_geometry_t *g = &b->units[0].geo;
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
    const char *bad = unit_settle(g, &b->units[0].lim);
    if (bad == NULL && g->queue_depth > BLKDRV_MAX_DEPTH)
        bad = "queue depth";
    if (bad != NULL)
        return bad_geometry(b, "init gave", g, bad);
    for (uint32_t i = 1; i < b->nunits; i++) {
        if (name_twice(b, 1, b->units[i].geo.name, i))
            return ERR_ALREADY_EXISTS;
    }
    b->depth = g->queue_depth;
    b->dma = g->dma;
    b->timeout_ns = g->timeout_ns;
    b->poll_ns = g->poll_ns;
    b->bounce_bytes = 0;
    for (uint32_t i = 0; i < b->nunits; i++) {
        blkdrv_geometry_t *ug = &b->units[i].geo;
        ug->queue_depth = g->queue_depth;
        ug->queues = g->queues;
        ug->dma = g->dma;
        ug->timeout_ns = g->timeout_ns;
        ug->poll_ns = g->poll_ns;
        if (ug->max_transfer > b->bounce_bytes)
            b->bounce_bytes = ug->max_transfer;
    }
    return OK;
}

int blkdrv_add_unit(blkdrv_t *b, const blkdrv_geometry_t *geo)
{
    if (b == NULL || geo == NULL)
        return ERR_INVALID_ARGS;
    if (!b->in_init)
        return ERR_BAD_STATE;
    if (b->nunits >= BLKDRV_MAX_UNITS)
        return ERR_NO_RESOURCES;
    blkdrv_geometry_t g = *geo;
    blk_limits_t lim;
    const char *bad = NULL;
    if (g.queue_depth != 0 || g.queues != 0 || g.dma || g.timeout_ns != 0 || g.poll_ns != 0)
        bad = "a driver field set: depth, queues, dma, timeout and poll are the first unit's";
    else
        bad = unit_settle(&g, &lim);
    if (bad != NULL)
        return bad_geometry(b, "blkdrv_add_unit got", &g, bad);
    if (name_twice(b, b->nunits, g.name, b->nunits))
        return ERR_ALREADY_EXISTS;
    blkdrv_unit_t *u = &b->units[b->nunits];
    *u = (blkdrv_unit_t){.b = b, .index = b->nunits, .geo = g, .lim = lim};
    return (int)b->nunits++;
}

/* Unit u's "blk.NAME" published, its "%u" (if any) being `number`; the
 * name tried is in u->service. */
static int publish_as(blkdrv_unit_t *u, uint32_t number)
{
    char name[64];
    if (strstr(u->geo.name, "%u") != NULL)
        snprintf(name, sizeof name, u->geo.name, number); /* its only '%' (name_pattern_valid) */
    else
        snprintf(name, sizeof name, "%s", u->geo.name);
    snprintf(u->service, sizeof u->service, BLK_SERVICE_PREFIX "%.*s", (int)BLK_NAME_MAX, name);
    if (!device_name_valid(name))
        return ERR_INVALID_ARGS;
    return srv_publish(&u->srv, libsys_handle("ns"), u->service);
}

/* Every unit's "blk.NAME", in unit order. A "%u" is the driver's number,
 * the same in every unit's name (nvme%un1, nvme%un2: one controller's
 * namespaces): the first from 0 up for which all the names are free; the
 * units published for a number that did not fit are withdrawn again. OK,
 * or the error of the unit *failed (logged by the caller). */
static int publish_units(blkdrv_t *b, uint32_t *failed)
{
    bool numbered = false;
    int err = ERR_INVALID_ARGS;
    for (uint32_t i = 0; i < b->nunits; i++)
        numbered |= strstr(b->units[i].geo.name, "%u") != NULL;
    for (uint32_t number = 0; number < (numbered ? PUBLISH_TRIES : 1); number++) {
        uint32_t i = 0;
        while (i < b->nunits && (err = publish_as(&b->units[i], number)) == OK)
            i++;
        if (err == OK) {
            for (i = 0; i < b->nunits; i++) /* the names as published */
                snprintf(b->units[i].geo.name, sizeof b->units[i].geo.name, "%s",
                         b->units[i].service + strlen(BLK_SERVICE_PREFIX));
            return OK;
        }
        *failed = i;
        for (uint32_t k = 0; k < i; k++)
            srv_unpublish(&b->units[k].srv);
        if (err != ERR_ALREADY_EXISTS || strstr(b->units[i].geo.name, "%u") == NULL)
            return err; /* another number would not help */
    }
    return err;
}

static int bounce_alloc(blkdrv_t *b)
{
    uint32_t n = b->depth < BLKDRV_MAX_BOUNCE ? b->depth : BLKDRV_MAX_BOUNCE;
    for (uint32_t i = 0; i < n; i++) {
        int err = drv_dma_alloc(b->drv, b->bounce_bytes, &b->bounce[i]);
        if (err != OK) {
            fprintf(stderr, "%s: %u-byte DMA bounce buffer: %s%s\n", b->ops->name, b->bounce_bytes,
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
    b->share[r->c->u->index].at_driver++;
    b->share[r->c->u->index].last = ++b->starts;
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
    b->share[r->c->u->index].at_driver--;
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
    if (!b->dma) {
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
    if (!blkdrv_share_may_start(b->share, b->nunits, r->c->u->index, b->at_driver, b->depth) || !data_view(b, r))
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
        int st = timing_out && now - r->started_ns >= b->timeout_ns ? ERR_TIMED_OUT : status;
        list_remove(b, r);
        data_done(b, r, st);
        blkdrv_finish(b, r, st);
    }
}

/* ---- the timer: polling and timeouts ------------------------------------------ */

static uint64_t tick_ns(blkdrv_t *b) { return b->ops->poll ? b->poll_ns : BLKDRV_TICK_NS; }

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
            r->c->u->who, blk_op_name(r->pub.op), (unsigned long long)r->c->id, (unsigned long long)r->pub.lba,
            r->pub.count, (unsigned long long)(b->timeout_ns / 1000000));
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
    if (b->oldest != NULL && libsys_now_ns() - b->oldest->started_ns >= b->timeout_ns)
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

static void log_serving(blkdrv_t *b, const blkdrv_unit_t *u)
{
    const blkdrv_geometry_t *g = &u->geo;
    uint64_t bytes = g->block_count * g->block_size;
    bool mib = bytes >= (1ull << 20);
    char shared[32] = "";
    if (b->nunits > 1)
        snprintf(shared, sizeof shared, " (shared by %u devices)", b->nunits);
    printf("%s: %s: %llu blocks of %u bytes (%llu %s), max transfer %u, depth %u%s%s%s: serving '%s'\n",
           b->ops->name, g->name, (unsigned long long)g->block_count, g->block_size,
           (unsigned long long)(mib ? bytes >> 20 : bytes >> 10), mib ? "MiB" : "KiB", g->max_transfer,
           g->queue_depth, shared, g->dma ? ", DMA" : "", g->flags & BLK_INFO_READ_ONLY ? ", read-only" : "",
           u->service);
}

/* Every unit's server, then the names published. */
static int serve_units(blkdrv_t *b)
{
    int err;
    uint32_t failed = 0;
    for (uint32_t i = 0; i < b->nunits; i++) {
        blkdrv_unit_t *u = &b->units[i];
        snprintf(u->who, sizeof u->who, "%s", b->ops->name);
        if ((err = blkdrv_serve(u)) != OK)
            return err;
    }
    if ((err = publish_units(b, &failed)) != OK) {
        fprintf(stderr, "%s: cannot publish '%s': %s\n", b->ops->name, b->units[failed].service,
                cairn_error_name(err));
        return err;
    }
    for (uint32_t i = 0; i < b->nunits && b->nunits > 1; i++)
        snprintf(b->units[i].who, sizeof b->units[i].who, "%s: %s", b->ops->name, b->units[i].geo.name);
    return OK;
}

static int blk_init(drv_t *d)
{
    blkdrv_t *b = of(d);
    b->drv = d;
    b->timer = HANDLE_INVALID;
    b->in_init = true;
    int err = b->ops->init(b, &b->units[0].geo);
    b->in_init = false;
    if (err != OK)
        return err;
    if ((err = geometry_settle(b)) != OK)
        return err;
    if (b->dma && (err = bounce_alloc(b)) != OK)
        return err;
    if ((err = (int)sys_timer_create(&b->timer)) != OK ||
        (err = loop_add(&d->loop, &b->timer_src, b->timer, SIG_TIMER, LOOP_URGENT, on_tick, b)) != OK)
        return err;
    d->loop.post = on_post;
    if ((err = serve_units(b)) != OK)
        return err;
    b->serving = true;
    for (uint32_t i = 0; i < b->nunits; i++)
        log_serving(b, &b->units[i]);
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
    b->units[0] = (blkdrv_unit_t){.b = b, .index = 0};
    b->nunits = 1;
    b->drv_ops = (drv_ops_t){.name = ops->name, .no_device = !ops->pci, .init = blk_init,
                             .interrupt = blk_interrupt, .stop = blk_stop};
    if (ops->init == NULL || ops->submit == NULL) {
        fprintf(stderr, "%s: a block driver needs init and submit\n", ops->name);
        return 1;
    }
    return drv_run(&b->drv_ops, b);
}
