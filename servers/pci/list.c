/* SPDX-License-Identifier: BSD-2-Clause
 *
 * proto/pci.proto: the lists (function, bar, capability, irq_mode), from
 * what enumeration found, on both services; bind and unbind on "pci-bind"
 * only ("pci" answers them ERR_NOT_SUPPORTED: the manifest decides who may
 * connect to which).
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "names.h"
#include "pci.h"
#include "pcid.h"

static pcid_t *server_of(void *ctx) { return ((srv_client_t *)ctx)->srv->ctx; }

/* The tree index of function `addr`, or -1. */
static int index_of(pcid_t *d, uint32_t addr)
{
    pci_func_t *f = addr <= 0xffff ? pci_find(&d->tree, addr) : NULL;
    return f == NULL ? -1 : (int)(f - d->tree.funcs);
}

static int function_op(void *ctx, const proto_txn_t *txn, uint32_t index, pci_function_result_t *out)
{
    (void)txn;
    pcid_t *d = server_of(ctx);
    if (index >= d->tree.n)
        return ERR_NOT_FOUND;
    const pci_func_t *f = &d->tree.funcs[index];
    *out = (pci_function_result_t){
        .addr = f->bdf, .vendor = f->vendor, .device = f->device, .subsys_vendor = f->subsys_vendor,
        .subsys_device = f->subsys_device, .class_code = f->class_code, .subclass = f->subclass,
        .prog_if = f->prog_if, .revision = f->revision, .header_type = f->header_type, .irq_pin = f->irq_pin,
    };
    if (d->bind[index].bound)
        snprintf(out->driver, sizeof out->driver, "%s", d->bind[index].driver);
    pci_device_name(f->vendor, f->device, out->name, sizeof out->name);
    return OK;
}

static int bar_op(void *ctx, const proto_txn_t *txn, uint32_t addr, uint32_t index, pci_bar_result_t *out)
{
    (void)txn;
    pcid_t *d = server_of(ctx);
    int i = index_of(d, addr);
    if (i < 0 || index >= PCI_NBARS)
        return ERR_NOT_FOUND;
    const pci_bar_t *b = &d->tree.funcs[i].bars[index];
    *out = (pci_bar_result_t){.kind = b->kind, .prefetchable = b->prefetchable, .base = b->base, .size = b->size};
    return OK;
}

static int capability_op(void *ctx, const proto_txn_t *txn, uint32_t addr, uint32_t index,
                         pci_capability_result_t *out)
{
    (void)txn;
    pcid_t *d = server_of(ctx);
    int i = index_of(d, addr);
    if (i < 0 || index >= d->tree.funcs[i].ncaps)
        return ERR_NOT_FOUND;
    const pci_cap_t *c = &d->tree.funcs[i].caps[index];
    *out = (pci_capability_result_t){.id = c->id, .offset = c->offset, .extended = c->extended,
                                      .cap_version = c->version};
    return OK;
}

static int irq_mode_op(void *ctx, const proto_txn_t *txn, uint32_t addr, pci_irq_mode_result_t *out)
{
    (void)txn;
    pcid_t *d = server_of(ctx);
    int i = index_of(d, addr);
    if (i < 0)
        return ERR_NOT_FOUND;
    const pcid_binding_t *b = &d->bind[i];
    *out = (pci_irq_mode_result_t){.mode = b->bound ? b->irq_mode : 0, .vectors = b->bound ? b->nvec : 0,
                                    .gsi = b->bound && b->irq_mode == PCID_IRQ_INTX ? b->gsi : 0};
    return OK;
}

static int bind_op(void *ctx, const proto_txn_t *txn, uint32_t addr, const char *driver, pci_bind_result_t *out)
{
    (void)txn;
    pcid_t *d = server_of(ctx);
    int i = index_of(d, addr);
    if (i < 0)
        return ERR_NOT_FOUND;
    if (d->bind[i].bound)
        return ERR_ALREADY_EXISTS;
    int err = pcid_bind(d, (uint32_t)i, driver, &out->dev);
    if (err == OK)
        printf("pci: %02x:%02x.%u bound to '%s' for '%s'\n", PCI_BUS(addr), PCI_DEV(addr), PCI_FN(addr), driver,
               ((srv_client_t *)ctx)->label);
    return err;
}

static int unbind_op(void *ctx, const proto_txn_t *txn, uint32_t addr)
{
    (void)txn;
    pcid_t *d = server_of(ctx);
    int i = index_of(d, addr);
    if (i < 0)
        return ERR_NOT_FOUND;
    if (!d->bind[i].bound)
        return ERR_BAD_STATE;
    pcid_unbind(d, (uint32_t)i);
    return OK;
}

static int not_here(void *ctx, const proto_txn_t *txn, uint32_t addr, const char *driver, pci_bind_result_t *out)
{
    (void)ctx, (void)txn, (void)addr, (void)driver, (void)out;
    return ERR_NOT_SUPPORTED;
}

static int not_here_unbind(void *ctx, const proto_txn_t *txn, uint32_t addr)
{
    (void)ctx, (void)txn, (void)addr;
    return ERR_NOT_SUPPORTED;
}

const pci_ops_t pcid_list_ops = {
    .function = function_op, .bar = bar_op, .capability = capability_op, .irq_mode = irq_mode_op,
    .bind = not_here, .unbind = not_here_unbind,
};

const pci_ops_t pcid_bind_ops = {
    .function = function_op, .bar = bar_op, .capability = capability_op, .irq_mode = irq_mode_op,
    .bind = bind_op, .unbind = unbind_op,
};
