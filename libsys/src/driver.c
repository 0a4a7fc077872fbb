/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The driver library (cairn/driver.h): drv_run owns the driver's loop -
 * interrupts first, then the service's clients - and the device
 * capability; the helpers turn pcidev calls and DMA resources into what a
 * driver touches: mapped registers, interrupt sources, DMA buffers.
 *
 * States: taking handles -> init -> serving -> stopping (unbound or quit).
 * A no_device driver skips the device capability: only drv_quit ends it.
 */
#include "cairn/driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"

#define PAGE 4096ull

static uint64_t deadline(void) { return libsys_now_ns() + DRV_CALL_NS; }

static void on_irq(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    drv_irq_t *irq = src->ctx;
    drv_t *d = irq->drv;
    (void)loop;
    (void)signals;
    irq->count++;
    if (d->ops->interrupt)
        d->ops->interrupt(d, irq->index);
    if (!d->unbound)
        sys_irq_ack(irq->h);
}

static void on_dev_gone(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    drv_t *d = src->ctx;
    (void)signals;
    printf("%s: the device capability is gone (unbound): stopping\n", d->ops->name);
    d->unbound = true;
    loop_remove(loop, src);
    loop_quit(loop, 0);
}

static int on_message(srv_client_t *c, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh)
{
    drv_t *d = c->srv->ctx;
    return d->ops->message(d, c, msg, n, hs, nh);
}

drv_t *drv_of(srv_client_t *c) { return c->srv->ctx; }

int drv_enable(drv_t *d, bool bus_master)
{
    if (d->dev == HANDLE_INVALID)
        return ERR_BAD_STATE;
    return pcidev_enable(d->dev, bus_master, deadline());
}

int drv_config_read(drv_t *d, uint32_t offset, uint32_t width, uint32_t *value)
{
    pcidev_config_read_result_t r;
    if (d->dev == HANDLE_INVALID)
        return ERR_BAD_STATE;
    int err = pcidev_config_read(d->dev, offset, width, &r, deadline());
    if (err == OK)
        *value = r.value;
    return err;
}

int drv_config_write(drv_t *d, uint32_t offset, uint32_t width, uint32_t value)
{
    if (d->dev == HANDLE_INVALID)
        return ERR_BAD_STATE;
    return pcidev_config_write(d->dev, offset, width, value, deadline());
}

int drv_map_bar(drv_t *d, uint32_t index, bool write_combining, volatile void **regs, uint64_t *size)
{
    if (d->dev == HANDLE_INVALID)
        return ERR_BAD_STATE;
    if (index >= DRV_MAX_BARS)
        return ERR_OUT_OF_RANGE;
    drv_bar_t *b = &d->bar[index];
    if (b->regs == NULL) {
        pcidev_bar_vmo_result_t r;
        int err = pcidev_bar_vmo(d->dev, index, write_combining, &r, deadline());
        if (err != OK)
            return err;
        uint64_t len = (r.size + PAGE - 1) & ~(PAGE - 1), addr = 0;
        int64_t m = sys_vm_map(HANDLE_INVALID, r.vmo, 0, len, MAP_READ | MAP_WRITE, &addr);
        if (m != OK) {
            sys_handle_close(r.vmo);
            return (int)m;
        }
        b->vmo = r.vmo;
        b->regs = (volatile void *)(uintptr_t)addr;
        b->size = r.size;
    }
    *regs = b->regs;
    if (size)
        *size = b->size;
    return OK;
}

int drv_irqs(drv_t *d, uint32_t count, uint32_t allow, uint32_t *granted)
{
    if (d->nirq != 0 || d->dev == HANDLE_INVALID)
        return ERR_BAD_STATE;
    if (count == 0 || count > DRV_MAX_IRQS)
        return ERR_OUT_OF_RANGE;
    uint32_t n = count;
    for (uint32_t i = 0; i < n; i++) {
        pcidev_irq_result_t r;
        int err = pcidev_irq(d->dev, i, count, allow, &r, deadline());
        if (err != OK) {
            if (i > 0)
                break; /* fewer than asked: the device or the pci server said so */
            return err;
        }
        if (i == 0) {
            d->irq_mode = r.mode;
            n = r.granted < count ? r.granted : count;
        }
        drv_irq_t *irq = &d->irq[i];
        irq->drv = d;
        irq->h = r.irq;
        irq->index = i;
        err = loop_add(&d->loop, &irq->src, r.irq, SIG_IRQ, LOOP_URGENT, on_irq, irq);
        if (err != OK) {
            sys_handle_close(r.irq);
            return err;
        }
        d->nirq = i + 1;
    }
    if (granted)
        *granted = d->nirq;
    return d->nirq > 0 ? OK : ERR_NOT_FOUND;
}

int drv_irq_mask(drv_t *d, uint32_t index, bool masked)
{
    if (index >= d->nirq)
        return ERR_OUT_OF_RANGE;
    return (int)sys_irq_mask(d->irq[index].h, masked ? 1 : 0);
}

/* A contiguous buffer from DMA resource `res`, mapped. */
static int dma_alloc_from(handle_t res, uint64_t size, drv_dma_t *out)
{
    memset(out, 0, sizeof *out);
    out->vmo = HANDLE_INVALID;
    if (res == HANDLE_INVALID)
        return ERR_ACCESS_DENIED;
    uint64_t len = (size + PAGE - 1) & ~(PAGE - 1), addr = 0;
    int64_t err = sys_vmo_create_contiguous(res, len, &out->vmo);
    if (err == OK)
        err = sys_vmo_get_phys(out->vmo, &out->phys);
    if (err == OK)
        err = sys_vm_map(HANDLE_INVALID, out->vmo, 0, len, MAP_READ | MAP_WRITE, &addr);
    if (err != OK) {
        if (out->vmo != HANDLE_INVALID)
            sys_handle_close(out->vmo);
        out->vmo = HANDLE_INVALID;
        return (int)err;
    }
    out->va = (void *)(uintptr_t)addr;
    out->size = len;
    return OK;
}

int drv_dma_alloc(drv_t *d, uint64_t size, drv_dma_t *out)
{
    return dma_alloc_from(d->dma_res, size, out);
}

int drv_dma_alloc_below(drv_t *d, uint64_t size, uint64_t limit, drv_dma_t *out)
{
    handle_t narrow = HANDLE_INVALID;
    if (d->dma_res == HANDLE_INVALID)
        return dma_alloc_from(HANDLE_INVALID, size, out);
    int err = (int)sys_resource_derive(d->dma_res, RESOURCE_DMA, 0, limit, &narrow);
    if (err != OK)
        return err;
    err = dma_alloc_from(narrow, size, out);
    /* On OK the narrowed resource stays: the buffer's handle descends from
     * it, so a revoke of the driver's DMA resource reaches the buffer. */
    if (err != OK)
        sys_handle_close(narrow);
    return err;
}

void drv_dma_free(drv_dma_t *b)
{
    if (b->va)
        sys_vm_unmap(HANDLE_INVALID, (uint64_t)(uintptr_t)b->va, b->size);
    if (b->vmo != HANDLE_INVALID)
        sys_handle_close(b->vmo);
    memset(b, 0, sizeof *b);
    b->vmo = HANDLE_INVALID;
}

void drv_quit(drv_t *d, int status) { loop_quit(&d->loop, status); }

/* The handles and the loop; init runs after. */
static int drv_setup(drv_t *d)
{
    d->dma_res = libsys_handle("dma");
    d->devmgr = libsys_handle("devmgr");
    const char *inst = getenv("DRIVER_INSTANCE");
    if (inst) {
        char *end;
        unsigned long v = strtoul(inst, &end, 10);
        if (end != inst && *end == '\0' && v < 1000)
            d->instance = (uint32_t)v;
        else
            fprintf(stderr, "%s: DRIVER_INSTANCE '%s' is not a number below 1000: using 0\n", d->ops->name, inst);
    }
    if (d->ops->no_device) {
        d->dev = HANDLE_INVALID;
        return loop_init(&d->loop);
    }
    d->dev = libsys_handle("dev");
    if (d->dev == HANDLE_INVALID) {
        fprintf(stderr, "%s: no device capability ('dev'): a driver is started by devmgr\n", d->ops->name);
        return ERR_BAD_STATE;
    }
    int err = loop_init(&d->loop);
    if (err == OK)
        err = loop_add(&d->loop, &d->dev_src, d->dev, SIG_PEER_CLOSED, LOOP_URGENT, on_dev_gone, d);
    if (err == OK)
        err = pcidev_info(d->dev, &d->info, deadline());
    if (err != OK)
        fprintf(stderr, "%s: the device capability does not answer: %s\n", d->ops->name, cairn_error_name(err));
    return err;
}

int drv_run(const drv_ops_t *ops, void *ctx)
{
    static drv_t drv;
    drv_t *d = &drv;
    memset(d, 0, sizeof *d);
    d->ops = ops;
    d->ctx = ctx;
    int err = drv_setup(d);
    if (err != OK)
        return 1;
    if ((err = ops->init(d)) != OK) {
        fprintf(stderr, "%s: init: %s\n", ops->name, cairn_error_name(err));
        if (ops->stop)
            ops->stop(d);
        return 1;
    }
    if (ops->message && ops->service) {
        err = srv_init(&d->srv, &d->loop, ops->name, on_message, d);
        if (err == OK)
            err = srv_publish(&d->srv, libsys_handle("ns"), ops->service);
        if (err != OK) {
            fprintf(stderr, "%s: cannot publish '%s': %s\n", ops->name, ops->service, cairn_error_name(err));
            if (ops->stop)
                ops->stop(d);
            return 1;
        }
    }
    if (ops->no_device)
        printf("%s: ready\n", ops->name);
    else
        printf("%s: %02x:%02x.%u %04x:%04x ready (%u interrupt%s%s)\n", ops->name, d->info.addr >> 8,
               d->info.addr >> 3 & 0x1f, d->info.addr & 7, d->info.vendor, d->info.device, d->nirq,
               d->nirq == 1 ? "" : "s",
               d->irq_mode == DRV_IRQ_MSIX   ? ", MSI-X"
               : d->irq_mode == DRV_IRQ_MSI  ? ", MSI"
               : d->irq_mode == DRV_IRQ_INTX ? ", INTx"
                                             : "");
    int status = loop_run(&d->loop);
    if (ops->stop)
        ops->stop(d);
    return status;
}
