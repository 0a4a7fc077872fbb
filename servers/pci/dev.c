/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Bindings and proto/pcidev.proto. pcid_bind makes a channel whose server
 * end is a client of the device server (d->dev_srv) tied to one function:
 * every op reaches that function only (the binding is the client's ctx;
 * no message names another address). pcid_unbind - on pci-bind's unbind
 * or when the driver's end closes - switches the function's interrupts
 * and bus mastering off, revokes every anchor (so the driver's BAR vmos
 * are unmapped everywhere, its ioport and irq objects die) and closes the
 * channel, which the driver then sees as ERR_PEER_CLOSED. Which pages of
 * a BAR a driver may have (never those of the MSI-X table and PBA, never
 * another function's) is barmap.c's decision.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/sys.h"
#include "pcid.h"
#include "pcidev.h"

static pcid_t *server_of(srv_client_t *c) { return c->srv->ctx; }
static uint32_t index_of(srv_client_t *c) { return (uint32_t)((pcid_binding_t *)c->ctx - server_of(c)->bind); }
static pci_func_t *func_of(srv_client_t *c) { return &server_of(c)->tree.funcs[index_of(c)]; }

int pcid_bind(pcid_t *d, uint32_t i, const char *driver, handle_t *dev)
{
    pcid_binding_t *b = &d->bind[i];
    handle_t mine, theirs;
    int64_t err = sys_chan_create(&mine, &theirs);
    if (err != OK)
        return (int)err;
    srv_client_t *c;
    if ((err = srv_add_client(&d->dev_srv, mine, driver, &c)) != OK) {
        sys_handle_close(theirs);
        return (int)err;
    }
    memset(b, 0, sizeof *b);
    for (uint32_t v = 0; v < PCID_MAX_VECTORS; v++)
        b->irqs[v] = HANDLE_INVALID;
    b->msix_vmo = HANDLE_INVALID;
    b->bound = true;
    snprintf(b->driver, sizeof b->driver, "%s", driver);
    b->client = c;
    b->command_at_bind = (uint16_t)pcid_cfg_read(d, d->tree.funcs[i].bdf, PCI_COMMAND, 2);
    c->ctx = b;
    *dev = theirs;
    return OK;
}

void pcid_unbind(pcid_t *d, uint32_t i)
{
    pcid_binding_t *b = &d->bind[i];
    uint32_t bdf = d->tree.funcs[i].bdf;
    pcid_irq_teardown(d, i);
    uint32_t cmd = pcid_cfg_read(d, bdf, PCI_COMMAND, 2);
    cmd = (cmd & ~(uint32_t)PCI_CMD_OWNED) | (b->command_at_bind & (PCI_CMD_IO | PCI_CMD_MEMORY)) | PCI_CMD_INTX_DISABLE;
    pcid_cfg_write(d, bdf, PCI_COMMAND, 2, cmd);
    for (uint32_t a = 0; a < b->nanchors; a++) {
        sys_handle_revoke(b->anchors[a]);
        sys_handle_close(b->anchors[a]);
    }
    srv_client_t *c = b->client;
    printf("pci: %02x:%02x.%u unbound from '%s': %u resources revoked\n", PCI_BUS(bdf), PCI_DEV(bdf), PCI_FN(bdf),
           b->driver, b->nanchors);
    memset(b, 0, sizeof *b);
    if (c != NULL) {
        c->ctx = NULL;
        srv_close_client(&d->dev_srv, c);
    }
}

void pcid_dev_closed(srv_client_t *c)
{
    pcid_binding_t *b = c->ctx;
    if (b == NULL || !b->bound || b->client != c)
        return; /* closed by pcid_unbind */
    b->client = NULL;
    pcid_unbind(c->srv->ctx, index_of(c));
}

static int info_op(void *ctx, const proto_txn_t *txn, pcidev_info_result_t *out)
{
    (void)txn;
    const pci_func_t *f = func_of(ctx);
    *out = (pcidev_info_result_t){.addr = f->bdf, .vendor = f->vendor, .device = f->device,
                                   .subsys_vendor = f->subsys_vendor, .subsys_device = f->subsys_device,
                                   .class_code = f->class_code, .subclass = f->subclass, .prog_if = f->prog_if,
                                   .revision = f->revision};
    return OK;
}

static int config_read_op(void *ctx, const proto_txn_t *txn, uint32_t off, uint32_t width,
                          pcidev_config_read_result_t *out)
{
    (void)txn;
    const pci_func_t *f = func_of(ctx);
    int err = pci_access_check(f, off, width);
    if (err != OK)
        return err;
    out->value = pcid_cfg_read(server_of(ctx), f->bdf, off, width);
    return OK;
}

/* The bits of PCI_CMD_OWNED inside an access of `width` bytes at `off`. */
static uint32_t owned_mask(uint32_t off, uint32_t width)
{
    uint32_t m = 0;
    for (uint32_t p = off; p < off + width; p++) {
        if (p == PCI_COMMAND || p == PCI_COMMAND + 1)
            m |= (PCI_CMD_OWNED >> (8 * (p - PCI_COMMAND)) & 0xff) << (8 * (p - off));
    }
    return m;
}

static int config_write_op(void *ctx, const proto_txn_t *txn, uint32_t off, uint32_t width, uint32_t value)
{
    (void)txn;
    pcid_t *d = server_of(ctx);
    const pci_func_t *f = func_of(ctx);
    int err = pci_access_check(f, off, width);
    if (err == OK)
        err = pci_write_allowed(f, off, width);
    if (err != OK)
        return err;
    uint32_t m = owned_mask(off, width);
    if (m != 0)
        value = (value & ~m) | (pcid_cfg_read(d, f->bdf, off, width) & m);
    pcid_cfg_write(d, f->bdf, off, width, value);
    return OK;
}

static int enable_op(void *ctx, const proto_txn_t *txn, bool bus_master)
{
    (void)txn;
    pcid_t *d = server_of(ctx);
    const pci_func_t *f = func_of(ctx);
    uint32_t cmd = pcid_cfg_read(d, f->bdf, PCI_COMMAND, 2);
    for (uint32_t i = 0; i < PCI_NBARS; i++) {
        if (f->bars[i].kind == PCI_BAR_IO)
            cmd |= PCI_CMD_IO;
        else if (f->bars[i].kind != PCI_BAR_NONE)
            cmd |= PCI_CMD_MEMORY;
    }
    cmd = bus_master ? cmd | PCI_CMD_MASTER : cmd & ~PCI_CMD_MASTER;
    pcid_cfg_write(d, f->bdf, PCI_COMMAND, 2, cmd);
    return OK;
}

/* A physical vmo over the pages barmap.c (pci_bar_map_*) granted: made
 * from the BAR's anchor (derived once, for all of the BAR's pages), so
 * unbind's revocation takes it back. `err` is the decision's answer; a
 * refusal is logged with its reason. */
static int bar_vmo_make(srv_client_t *c, uint32_t index, int err, const pci_bar_map_t *m, bool wc, handle_t *vmo)
{
    pcid_t *d = server_of(c);
    pcid_binding_t *b = c->ctx;
    const pci_func_t *f = func_of(c);
    if (err != OK) {
        if (m->why != NULL)
            printf("pci: %02x:%02x.%u BAR %u for '%s': %s: %s\n", PCI_BUS(f->bdf), PCI_DEV(f->bdf), PCI_FN(f->bdf),
                   index, b->driver, m->why, cairn_error_name(err));
        return err;
    }
    if (b->bar_anchor[index] == 0) {
        int a = pcid_anchor(d, b, RESOURCE_MMIO, m->span_start, m->span_end - m->span_start);
        if (a < 0)
            return a;
        b->bar_anchor[index] = (uint8_t)(a + 1);
    }
    uint32_t cache = wc && f->bars[index].prefetchable ? VMO_CACHE_WC : VMO_CACHE_UC;
    return (int)sys_vmo_create_physical(b->anchors[b->bar_anchor[index] - 1], m->start, m->end - m->start, cache,
                                        vmo);
}

static int bar_vmo_op(void *ctx, const proto_txn_t *txn, uint32_t index, bool wc, pcidev_bar_vmo_result_t *out)
{
    (void)txn;
    pci_bar_map_t m;
    int err = pci_bar_map_whole(&server_of(ctx)->tree, index_of(ctx), index, &m);
    err = bar_vmo_make(ctx, index, err, &m, wc, &out->vmo);
    if (err == OK)
        out->size = m.size;
    return err;
}

static int bar_range_op(void *ctx, const proto_txn_t *txn, uint32_t index, uint64_t offset, uint64_t length, bool wc,
                        pcidev_bar_range_result_t *out)
{
    (void)txn;
    pci_bar_map_t m;
    int err = pci_bar_map_range(&server_of(ctx)->tree, index_of(ctx), index, offset, length, &m);
    err = bar_vmo_make(ctx, index, err, &m, wc, &out->vmo);
    if (err == OK)
        out->size = m.size;
    return err;
}

static int bar_io_op(void *ctx, const proto_txn_t *txn, uint32_t index, pcidev_bar_io_result_t *out)
{
    (void)txn;
    pcid_t *d = server_of(ctx);
    pcid_binding_t *b = ((srv_client_t *)ctx)->ctx;
    const pci_func_t *f = func_of(ctx);
    if (index >= PCI_NBARS || f->bars[index].kind == PCI_BAR_NONE)
        return ERR_NOT_FOUND;
    const pci_bar_t *bar = &f->bars[index];
    if (bar->kind != PCI_BAR_IO)
        return ERR_WRONG_TYPE;
    if (bar->base == 0)
        return ERR_BAD_STATE;
    if (b->bar_anchor[index] == 0) {
        int a = pcid_anchor(d, b, RESOURCE_IOPORT, bar->base, bar->size);
        if (a < 0)
            return a;
        b->bar_anchor[index] = (uint8_t)(a + 1);
    }
    int64_t err = sys_ioport_create(b->anchors[b->bar_anchor[index] - 1], (uint32_t)bar->base, (uint32_t)bar->size,
                                    &out->io);
    if (err != OK)
        return (int)err;
    out->base = (uint32_t)bar->base;
    out->size = (uint32_t)bar->size;
    return OK;
}

static int irq_op(void *ctx, const proto_txn_t *txn, uint32_t index, uint32_t count, uint32_t allow,
                  pcidev_irq_result_t *out)
{
    (void)txn;
    pcid_t *d = server_of(ctx);
    pcid_binding_t *b = ((srv_client_t *)ctx)->ctx;
    if (index == 0 && b->irq_mode == PCID_IRQ_NONE) {
        int err = pcid_irq_setup(d, index_of(ctx), count, allow);
        if (err != OK)
            return err;
    }
    if (b->irq_mode == PCID_IRQ_NONE)
        return ERR_BAD_STATE; /* index 0 first */
    if (index >= b->nvec)
        return ERR_OUT_OF_RANGE;
    if (b->irqs[index] == HANDLE_INVALID)
        return ERR_ALREADY_EXISTS; /* handed out before */
    out->irq = b->irqs[index];
    b->irqs[index] = HANDLE_INVALID;
    out->mode = b->irq_mode;
    out->granted = b->nvec;
    return OK;
}

static const pcidev_ops_t dev_ops = {
    .info = info_op, .config_read = config_read_op, .config_write = config_write_op, .enable = enable_op,
    .bar_vmo = bar_vmo_op, .bar_io = bar_io_op, .irq = irq_op, .bar_range = bar_range_op,
};

int pcid_dev_dispatch(srv_client_t *c, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh)
{
    if (c->ctx == NULL)
        return ERR_PEER_CLOSED; /* being torn down */
    return pcidev_dispatch(&dev_ops, c, c->ch, msg, n, hs, nh);
}
