/* SPDX-License-Identifier: BSD-2-Clause
 *
 * pci: the PCI server (docs/pci.md, proto/pci.proto, proto/pcidev.proto).
 * At start it sorts the resources of its manifest entry by kind, asks the
 * acpi server for the MCFG's ECAM range (segment 0) and uses it, or falls
 * back to configuration mechanism #1 when there is none (QEMU pc);
 * enumerates every function once (enum.c), logs one line per function,
 * and serves "pci" (lists), "pci-bind" (lists, bind, unbind) and the
 * bindings' device channels from one loop.
 */
#include <stdio.h>
#include <string.h>

#include "acpi.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "cairn/sys.h"
#include "names.h"
#include "pci.h"
#include "pcid.h"

#define ACPI_WAIT_NS (5ull * 1000 * 1000 * 1000)

static pcid_t pcid;

static void take_resources(pcid_t *d)
{
    for (size_t i = 0; i < libsys_handle_count(); i++) {
        const char *name;
        handle_t h = libsys_handle_at(i, &name);
        resource_info_t info;
        if (sys_resource_info(h, &info) != OK)
            continue; /* ns */
        pcid_res_t *set = NULL;
        uint32_t *n = NULL;
        switch (info.kind) {
        case RESOURCE_MMIO: set = d->mmio, n = &d->nmmio; break;
        case RESOURCE_IOPORT: set = d->ioport, n = &d->nioport; break;
        case RESOURCE_IRQ: set = d->irq, n = &d->nirq; break;
        case RESOURCE_MSI: set = d->msi, n = &d->nmsi; break;
        default: printf("pci: handle '%s': a resource of kind %u, not used\n", name, info.kind); continue;
        }
        if (*n < PCID_MAX_RES)
            set[(*n)++] = (pcid_res_t){h, info};
    }
}

handle_t pcid_res_covering(const pcid_t *d, uint32_t kind, uint64_t base, uint64_t len)
{
    const pcid_res_t *set = kind == RESOURCE_MMIO ? d->mmio : kind == RESOURCE_IOPORT ? d->ioport
                          : kind == RESOURCE_IRQ ? d->irq : d->msi;
    uint32_t n = kind == RESOURCE_MMIO ? d->nmmio : kind == RESOURCE_IOPORT ? d->nioport
               : kind == RESOURCE_IRQ ? d->nirq : d->nmsi;
    for (uint32_t i = 0; i < n; i++) {
        const resource_info_t *r = &set[i].info;
        if (len != 0 && base >= r->base && len <= r->len && base - r->base <= r->len - len)
            return set[i].h;
    }
    return HANDLE_INVALID;
}

int pcid_anchor(pcid_t *d, pcid_binding_t *b, uint32_t kind, uint64_t base, uint64_t len)
{
    if (b->nanchors >= PCID_MAX_ANCHORS)
        return ERR_NO_RESOURCES;
    handle_t parent = pcid_res_covering(d, kind, base, len);
    if (parent == HANDLE_INVALID)
        return ERR_ACCESS_DENIED; /* the manifest does not grant it to the server */
    handle_t a;
    int64_t err = sys_resource_derive(parent, kind, base, len, &a);
    if (err != OK)
        return (int)err;
    b->anchors[b->nanchors] = a;
    return (int)b->nanchors++;
}

/* ECAM from the acpi server's first segment-0 range, else mechanism #1. */
static int choose_access(pcid_t *d)
{
    handle_t acpi;
    int err = libsys_connect("acpi", ACPI_WAIT_NS, &acpi);
    if (err == OK) {
        for (uint32_t i = 0; i < 16; i++) {
            acpi_ecam_result_t r;
            if (acpi_ecam(acpi, i, &r, libsys_now_ns() + ACPI_WAIT_NS) != OK)
                break;
            if (r.segment != 0 || r.bus_start != 0 || r.bus_end > 255)
                continue;
            if (pcid_ecam_init(d, r.base, r.bus_end) == OK) {
                sys_handle_close(acpi);
                return OK;
            }
        }
        sys_handle_close(acpi);
    } else {
        printf("pci: no 'acpi' service (%s): trying configuration mechanism #1\n", cairn_error_name(err));
    }
    return pcid_cam_init(d);
}

static void log_tree(const pcid_t *d)
{
    const pci_tree_t *t = &d->tree;
    printf("pci: %s: %u functions on %u buses", d->access, t->n, t->buses);
    if (t->dropped)
        printf(", %u more not kept", t->dropped);
    if (t->bad_bridges)
        printf(", %u bridges with a bad secondary bus", t->bad_bridges);
    printf("\n");
    for (uint32_t i = 0; i < t->n; i++) {
        const pci_func_t *f = &t->funcs[i];
        char cbuf[16], name[64];
        pci_device_name(f->vendor, f->device, name, sizeof name);
        printf("pci: %02x:%02x.%u %04x:%04x %s: %s%s\n", PCI_BUS(f->bdf), PCI_DEV(f->bdf), PCI_FN(f->bdf),
               f->vendor, f->device, pci_class_name(f->class_code, f->subclass, cbuf, sizeof cbuf), name,
               f->caps_malformed ? " (malformed capability list)" : "");
    }
}

static int list_dispatch(srv_client_t *c, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh)
{
    return pci_dispatch(&pcid_list_ops, c, c->ch, msg, n, hs, nh);
}

static int bind_dispatch(srv_client_t *c, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh)
{
    return pci_dispatch(&pcid_bind_ops, c, c->ch, msg, n, hs, nh);
}

int main(void)
{
    pcid_t *d = &pcid;
    int err = loop_init(&d->loop);
    if (err == OK)
        err = srv_init(&d->srv, &d->loop, "pci", list_dispatch, d);
    if (err == OK)
        err = srv_init(&d->bind_srv, &d->loop, "pci-bind", bind_dispatch, d);
    if (err == OK)
        err = srv_init(&d->dev_srv, &d->loop, "pcidev", pcid_dev_dispatch, d);
    if (err != OK) {
        fprintf(stderr, "pci: cannot set up the loop: %s\n", cairn_error_name(err));
        return 1;
    }
    d->dev_srv.on_close = pcid_dev_closed;
    d->dev_srv.max_clients = PCI_MAX_FUNCS;
    take_resources(d);
    if ((err = choose_access(d)) != OK) {
        fprintf(stderr, "pci: no configuration access: %s\n", cairn_error_name(err));
        return 1;
    }
    pci_enumerate(&d->cfg, &d->tree);
    log_tree(d);
    handle_t ns = libsys_handle("ns");
    if ((err = srv_publish(&d->srv, ns, "pci")) != OK) {
        fprintf(stderr, "pci: cannot publish 'pci': %s\n", cairn_error_name(err));
        return 1;
    }
    if ((err = srv_publish(&d->bind_srv, ns, "pci-bind")) != OK)
        fprintf(stderr, "pci: not serving 'pci-bind': %s\n", cairn_error_name(err));
    return loop_run(&d->loop);
}
