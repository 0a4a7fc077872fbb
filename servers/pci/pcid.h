/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The pci server (docs/pci.md): what its parts share. main.c takes the
 * resources, chooses the configuration access (access.c: ECAM from the
 * acpi server's MCFG ranges, else mechanism #1), enumerates (enum.c) and
 * serves; list.c answers proto/pci.proto; dev.c answers proto/pcidev.proto
 * on each binding's channel and tears bindings down; irq.c sets up MSI-X,
 * MSI or INTx for a binding.
 *
 * Single-threaded: one loop, three servers on it: "pci" (lists), "pci-bind"
 * (lists, bind, unbind) and the unpublished device server whose clients
 * are the bindings' channels.
 *
 * A binding holds an anchor resource per kind of thing it handed out (a
 * child of the server's own resource, derived for exactly that BAR, port
 * range, GSI or MSI number): everything the driver got was made from an
 * anchor, so revoking the anchors at unbind takes all of it back, mapped
 * BARs included.
 */
#ifndef PCID_H
#define PCID_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/resource.h"
#include "cairn/loop.h"
#include "cairn/server.h"
#include "enum.h"

#define PCID_MAX_RES 8u      /* a component gets at most 8 resource lines */
#define PCID_MAX_ANCHORS 48u /* per binding: BARs, ports, interrupts */
#define PCID_MAX_VECTORS 32u /* interrupts per binding */

typedef struct pcid_res {
    handle_t h;
    resource_info_t info;
} pcid_res_t;

enum pcid_irq_mode { PCID_IRQ_NONE = 0, PCID_IRQ_INTX = 1, PCID_IRQ_MSI = 2, PCID_IRQ_MSIX = 3 };

typedef struct pcid_binding {
    bool bound;
    char driver[32];
    srv_client_t *client;          /* the device channel's client, NULL once closing */
    uint16_t command_at_bind;      /* restored (less bus mastering) at unbind */
    handle_t anchors[PCID_MAX_ANCHORS];
    uint32_t nanchors;
    uint8_t bar_anchor[PCI_NBARS]; /* index + 1 into anchors, 0: none yet */
    /* Interrupts, once irq index 0 chose them. */
    uint32_t irq_mode;             /* enum pcid_irq_mode */
    uint32_t nvec;
    uint32_t gsi;                  /* INTx */
    uint32_t msi_num[PCID_MAX_VECTORS];
    handle_t irqs[PCID_MAX_VECTORS]; /* not yet handed to the driver, or HANDLE_INVALID */
    uint64_t msix_map;             /* the MSI-X table mapped in the server, or 0 */
    uint64_t msix_map_len;
    handle_t msix_vmo;
} pcid_binding_t;

typedef struct pcid {
    loop_t loop;
    srv_t srv;       /* "pci" */
    srv_t bind_srv;  /* "pci-bind" */
    srv_t dev_srv;   /* the bindings' device channels */

    pcid_res_t mmio[PCID_MAX_RES], ioport[PCID_MAX_RES], irq[PCID_MAX_RES], msi[PCID_MAX_RES];
    uint32_t nmmio, nioport, nirq, nmsi;
    uint8_t msi_used[MSI_MAX / 8];

    pci_cfg_t cfg;
    const char *access;  /* "ECAM" or "mechanism #1" */
    pci_tree_t tree;
    pcid_binding_t bind[PCI_MAX_FUNCS]; /* by index into tree.funcs */
} pcid_t;

/* ---- configuration access (access.c) ---- */
/* ECAM at base for buses [0, bus_end], through an MMIO resource. */
int pcid_ecam_init(pcid_t *d, uint64_t base, uint32_t bus_end);
/* Configuration mechanism #1 through an ioport resource for 0xcf8-0xcff. */
int pcid_cam_init(pcid_t *d);

/* ---- resources (main.c) ---- */
/* A resource of `kind` covering [base, base + len), or HANDLE_INVALID. */
handle_t pcid_res_covering(const pcid_t *d, uint32_t kind, uint64_t base, uint64_t len);
/* Derives an anchor for [base, base + len) of `kind` into binding b;
 * its index in b->anchors, or a negative error. */
int pcid_anchor(pcid_t *d, pcid_binding_t *b, uint32_t kind, uint64_t base, uint64_t len);

/* ---- the protocols (list.c, dev.c) ---- */
extern const struct pci_ops pcid_list_ops;
extern const struct pci_ops pcid_bind_ops;
int pcid_dev_dispatch(srv_client_t *c, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh);
void pcid_dev_closed(srv_client_t *c);
/* Binds function number i (tree index) for `driver`: the driver's end of
 * the device channel in *dev. */
int pcid_bind(pcid_t *d, uint32_t i, const char *driver, handle_t *dev);
/* Ends binding i: device quiet, everything handed out revoked. */
void pcid_unbind(pcid_t *d, uint32_t i);

/* ---- interrupts (irq.c) ---- */
/* Sets up to `count` interrupts of a mode in `allow` (a mask of 1 << mode;
 * 0: any) for binding i. */
int pcid_irq_setup(pcid_t *d, uint32_t i, uint32_t count, uint32_t allow);
/* Switches the function's interrupts off at the device and forgets them
 * (the irq objects die with the anchors). */
void pcid_irq_teardown(pcid_t *d, uint32_t i);

static inline uint32_t pcid_cfg_read(pcid_t *d, uint32_t bdf, uint32_t off, uint32_t w)
{
    return d->cfg.read(d->cfg.ctx, bdf, off, w);
}
static inline void pcid_cfg_write(pcid_t *d, uint32_t bdf, uint32_t off, uint32_t w, uint32_t v)
{
    d->cfg.write(d->cfg.ctx, bdf, off, w, v);
}

#endif
