/* SPDX-License-Identifier: BSD-2-Clause
 *
 * What the pci server knows about the machine's functions, found once at
 * start by pci_enumerate (enum.c) through a pci_cfg_t: every function on
 * bus 0 and, recursively, behind each bridge's secondary bus as the
 * firmware numbered it; each function's BARs (decoded and sized) and its
 * capabilities (the standard list, then the PCIe extended list). Every
 * walk is bounded: a bus is scanned once, capability lists stop at a loop
 * or after the most entries their space can hold, and what does not fit
 * in the fixed tables is counted, not kept.
 */
#ifndef PCI_ENUM_H
#define PCI_ENUM_H

#include <stdbool.h>
#include <stdint.h>

#include "pcicfg.h"

#define PCI_MAX_FUNCS 256u
#define PCI_MAX_CAPS 32u   /* per function, standard and extended */
#define PCI_NBARS 6u
#define PCI_MSIX_NO_BAR 7u /* an MSI-X BIR naming no BAR (6 and 7 are reserved) */

enum pci_bar_kind {
    PCI_BAR_NONE = 0,  /* absent, or the upper half of a 64-bit BAR */
    PCI_BAR_IO = 1,
    PCI_BAR_MEM32 = 2,
    PCI_BAR_MEM64 = 3,
};

typedef struct pci_bar {
    uint32_t kind;     /* enum pci_bar_kind */
    bool prefetchable;
    uint64_t base;
    uint64_t size;
} pci_bar_t;

typedef struct pci_cap {
    uint16_t id;
    uint16_t offset;
    bool extended;
    uint8_t version;   /* extended capabilities only */
} pci_cap_t;

typedef struct pci_func {
    uint32_t bdf;
    uint16_t vendor, device, subsys_vendor, subsys_device;
    uint8_t class_code, subclass, prog_if, revision;
    uint8_t header_type;     /* bits 0-6; bit 7 (multifunction) dropped */
    uint8_t irq_pin, irq_line;
    uint8_t secondary_bus, subordinate_bus; /* bridges */
    pci_bar_t bars[PCI_NBARS];
    pci_cap_t caps[PCI_MAX_CAPS];
    uint32_t ncaps;
    uint32_t caps_dropped;   /* entries past PCI_MAX_CAPS */
    bool caps_malformed;     /* a list had a loop or a bad pointer */
    uint16_t msi, msix, pcie; /* capability offsets, 0 if absent */
    uint8_t msi_len;         /* bytes of the MSI capability (10 to 24) */
    /* MSI-X (msix != 0), as its read-only registers said at start: where
     * the table and the pending bit array are (BIR in bits 0-2, the
     * offset in that BAR in the rest) and how many entries (1-2048). */
    uint32_t msix_table, msix_pba;
    uint16_t msix_entries;
    uint32_t cfg_size;       /* 256 or 4096: what the driver may reach */
} pci_func_t;

typedef struct pci_tree {
    pci_func_t funcs[PCI_MAX_FUNCS];
    uint32_t n;
    uint32_t dropped;        /* functions past PCI_MAX_FUNCS */
    uint32_t buses;          /* buses scanned */
    uint32_t bad_bridges;    /* bridges whose secondary bus was not scanned */
} pci_tree_t;

/* Scans everything reachable from bus 0. */
void pci_enumerate(const pci_cfg_t *cfg, pci_tree_t *out);

/* Reads one function (vendor not 0xffff) into *f: header, BARs, caps. */
void pci_probe_function(const pci_cfg_t *cfg, uint32_t bdf, pci_func_t *f);

/* Decodes and sizes the BARs of f (type 0: six, type 1: two) with memory
 * and I/O decoding off for the while, restoring every register after. */
void pci_size_bars(const pci_cfg_t *cfg, pci_func_t *f);

/* Walks the capability lists of f into f->caps. */
void pci_walk_caps(const pci_cfg_t *cfg, pci_func_t *f);

/* The function at `bdf`, or NULL. */
pci_func_t *pci_find(pci_tree_t *t, uint32_t bdf);

/* The first capability `id` (standard list) of f, offset or 0. */
uint16_t pci_cap_find(const pci_func_t *f, uint16_t id);

/* OK when a driver may write [off, off + width) of f's configuration
 * space; ERR_ACCESS_DENIED for the registers the server owns (protect.c).
 * The command register is allowed: its owned bits are kept by the caller
 * (pci_command_merge). */
int pci_write_allowed(const pci_func_t *f, uint32_t off, uint32_t width);

/* Checks offset/width for a driver's access: ERR_INVALID_ARGS for a width
 * other than 1, 2, 4 or an unaligned offset, ERR_OUT_OF_RANGE past f's
 * configuration space. */
int pci_access_check(const pci_func_t *f, uint32_t off, uint32_t width);

/* ---- which BAR pages a driver may map (barmap.c) ---- */

/* A physical vmo a driver may have: [start, end) (page-aligned), and the
 * size it is told. On ERR_ACCESS_DENIED (and for arguments that cannot
 * be right), `why` says why, for the server's log; NULL otherwise. */
typedef struct pci_bar_map {
    uint64_t start, end;
    uint64_t size;
    uint64_t span_start, span_end; /* all of the BAR's pages: the anchor */
    const char *why;
} pci_bar_map_t;

/* bar_vmo: memory BAR `index` of function number `self` of t - its pages
 * up to the first one that holds MSI-X structures (size: the bytes of
 * the BAR in them; the BAR's size when nothing is held back).
 * ERR_NOT_FOUND no such BAR, ERR_WRONG_TYPE I/O, ERR_BAD_STATE
 * unassigned, ERR_ACCESS_DENIED when its first page holds the MSI-X table
 * or PBA or another function's BAR shares a page of it. */
int pci_bar_map_whole(const pci_tree_t *t, uint32_t self, uint32_t index, pci_bar_map_t *out);

/* bar_range: [off, off + len) of BAR `index`'s pages (offsets from the
 * BAR's first page). As above, and ERR_INVALID_ARGS for an offset or
 * length not a multiple of 4096 or a length of 0, ERR_OUT_OF_RANGE past
 * the BAR's last page, ERR_ACCESS_DENIED for a range touching a page of
 * the MSI-X table or PBA. */
int pci_bar_map_range(const pci_tree_t *t, uint32_t self, uint32_t index, uint64_t off, uint64_t len,
                      pci_bar_map_t *out);

/* The command register bits the server owns (decoding, bus mastering,
 * INTx disable) keep their current value whatever the driver writes. */
#define PCI_CMD_OWNED (PCI_CMD_IO | PCI_CMD_MEMORY | PCI_CMD_MASTER | PCI_CMD_INTX_DISABLE)

#endif
