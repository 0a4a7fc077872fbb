/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Enumeration (enum.h): pure code over a pci_cfg_t, host-tested against a
 * fake configuration space (tests/host/test_pci_*.c).
 *
 * Buses: bus 0, then the secondary bus of every type-1 function (PCI-PCI
 * bridges, PCIe root and downstream ports) as the firmware numbered it,
 * depth first. A secondary bus is scanned only when it lies above the
 * bridge's own bus, within the reachable buses and was not scanned
 * before, so a bridge pointing back at an ancestor cannot loop; anything
 * else counts as a bad bridge. The result is sorted by BDF.
 *
 * BARs are sized the classic way (write all ones, read the mask back,
 * restore) with memory and I/O decoding switched off in the command
 * register meanwhile, so the device never decodes the probe addresses;
 * the command register is restored after. Values that make no sense (a
 * 64-bit BAR in the last slot, a mask that is not a power of two, a range
 * that wraps) make the BAR absent rather than wrong.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/errors.h"
#include "enum.h"

#define MAX_DEPTH 32u /* bridges deep; 256 buses bound it anyway */

static uint32_t rd(const pci_cfg_t *c, uint32_t bdf, uint32_t off, uint32_t w)
{
    return c->read(c->ctx, bdf, off, w);
}

static void wr(const pci_cfg_t *c, uint32_t bdf, uint32_t off, uint32_t w, uint32_t v)
{
    c->write(c->ctx, bdf, off, w, v);
}

/* Writes all ones to the dword at off, returns what reads back, restores. */
static uint32_t probe_mask(const pci_cfg_t *c, uint32_t bdf, uint32_t off, uint32_t orig)
{
    wr(c, bdf, off, 4, 0xffffffffu);
    uint32_t m = rd(c, bdf, off, 4);
    wr(c, bdf, off, 4, orig);
    return m;
}

static bool pow2(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* Decodes BAR i; returns how many slots it took (2 for a 64-bit BAR). */
static uint32_t size_bar(const pci_cfg_t *c, pci_func_t *f, uint32_t i, uint32_t nbars)
{
    uint32_t off = PCI_BAR0 + 4 * i;
    uint32_t lo = rd(c, f->bdf, off, 4);
    uint32_t m = probe_mask(c, f->bdf, off, lo);
    pci_bar_t *b = &f->bars[i];
    *b = (pci_bar_t){0};
    if (m == 0 || m == 0xffffffffu)
        return 1; /* a BAR the function does not have (reads as 0), or the function went away */
    if (lo & 1) {
        uint32_t mask = m & ~3u;
        if ((mask >> 16) == 0)
            mask |= 0xffff0000u; /* 16-bit decoder: upper half reads as 0 */
        uint64_t size = (uint64_t)(uint32_t)~mask + 1;
        uint64_t base = lo & ~3u;
        if (mask == 0xffff0000u || !pow2(size) || base + size > 0x10000)
            return 1;
        *b = (pci_bar_t){.kind = PCI_BAR_IO, .base = base, .size = size};
        return 1;
    }
    uint32_t type = lo >> 1 & 3;
    bool pf = lo & 8;
    if (type == 2) {
        if (i + 1 >= nbars)
            return 1; /* no upper half: malformed */
        uint32_t hi = rd(c, f->bdf, off + 4, 4);
        uint32_t mh = probe_mask(c, f->bdf, off + 4, hi);
        uint64_t mask = (uint64_t)mh << 32 | (m & ~0xfu);
        uint64_t size = ~mask + 1;
        uint64_t base = (uint64_t)hi << 32 | (lo & ~0xfu);
        f->bars[i + 1] = (pci_bar_t){0};
        if ((m & ~0xfu) == 0 && mh == 0)
            return 2;
        if (!pow2(size) || base + size < base)
            return 2;
        *b = (pci_bar_t){.kind = PCI_BAR_MEM64, .prefetchable = pf, .base = base, .size = size};
        return 2;
    }
    if (type == 3)
        return 1; /* reserved encoding */
    uint32_t mask = m & ~0xfu;
    uint64_t size = (uint64_t)(uint32_t)~mask + 1;
    uint64_t base = lo & ~0xfu;
    if (mask == 0 || !pow2(size) || base + size > 0x100000000ull)
        return 1;
    *b = (pci_bar_t){.kind = PCI_BAR_MEM32, .prefetchable = pf, .base = base, .size = size};
    return 1;
}

void pci_size_bars(const pci_cfg_t *c, pci_func_t *f)
{
    uint32_t nbars = f->header_type == 0 ? 6 : f->header_type == 1 ? 2 : 0;
    memset(f->bars, 0, sizeof f->bars);
    if (nbars == 0)
        return;
    uint32_t cmd = rd(c, f->bdf, PCI_COMMAND, 2);
    wr(c, f->bdf, PCI_COMMAND, 2, cmd & ~(PCI_CMD_IO | PCI_CMD_MEMORY));
    for (uint32_t i = 0; i < nbars;)
        i += size_bar(c, f, i, nbars);
    wr(c, f->bdf, PCI_COMMAND, 2, cmd);
}

static void add_cap(pci_func_t *f, uint16_t id, uint16_t off, bool ext, uint8_t ver)
{
    if (f->ncaps >= PCI_MAX_CAPS) {
        f->caps_dropped++;
        return;
    }
    f->caps[f->ncaps++] = (pci_cap_t){.id = id, .offset = off, .extended = ext, .version = ver};
}

static void walk_std(const pci_cfg_t *c, pci_func_t *f)
{
    if (!(rd(c, f->bdf, PCI_STATUS, 2) & PCI_STATUS_CAPS))
        return;
    uint32_t reg = f->header_type == 2 ? 0x14 : PCI_CAP_PTR;
    uint64_t seen = 0; /* one bit per dword of 0x00-0xff */
    uint32_t ptr = rd(c, f->bdf, reg, 1) & 0xfc;
    while (ptr != 0) {
        if (ptr < PCI_STD_CAPS_START || (seen >> (ptr / 4) & 1)) {
            f->caps_malformed = true; /* into the header, or a loop */
            return;
        }
        seen |= 1ull << (ptr / 4);
        uint32_t hdr = rd(c, f->bdf, ptr, 2);
        uint8_t id = hdr & 0xff;
        if (id == 0xff) {
            f->caps_malformed = true;
            return;
        }
        add_cap(f, id, (uint16_t)ptr, false, 0);
        if (id == PCI_CAP_MSI && f->msi == 0) {
            /* Message control: 64-bit addresses (bit 7), per-vector masking (bit 8). */
            uint32_t ctrl = rd(c, f->bdf, ptr + 2, 2);
            f->msi = (uint16_t)ptr;
            f->msi_len = (ctrl & 0x80 ? 0x0e : 0x0a) + (ctrl & 0x100 ? 0x0a : 0);
        }
        if (id == PCI_CAP_MSIX && f->msix == 0) {
            f->msix = (uint16_t)ptr;
            f->msix_entries = (uint16_t)((rd(c, f->bdf, ptr + 2, 2) & 0x7ff) + 1);
            /* Its 12 bytes must fit in the 256: otherwise it stays known
             * (its registers protected) but names no BAR (BIR 7), so the
             * server never sets it up. */
            bool fits = ptr + 12 <= 256;
            f->msix_table = fits ? rd(c, f->bdf, ptr + 4, 4) : PCI_MSIX_NO_BAR;
            f->msix_pba = fits ? rd(c, f->bdf, ptr + 8, 4) : PCI_MSIX_NO_BAR;
            f->caps_malformed |= !fits;
        }
        if (id == PCI_CAP_PCIE && f->pcie == 0)
            f->pcie = (uint16_t)ptr;
        ptr = hdr >> 8 & 0xfc;
    }
}

static void walk_ext(const pci_cfg_t *c, pci_func_t *f)
{
    uint64_t seen[16] = {0}; /* one bit per dword of 0x000-0xfff */
    uint32_t off = PCI_EXT_CAPS_START;
    for (;;) {
        if (off < PCI_EXT_CAPS_START || off > 0xffc || (seen[off / 256] >> (off / 4 % 64) & 1)) {
            f->caps_malformed = true;
            return;
        }
        seen[off / 256] |= 1ull << (off / 4 % 64);
        uint32_t hdr = rd(c, f->bdf, off, 4);
        if (hdr == 0xffffffffu) {
            f->caps_malformed = off != PCI_EXT_CAPS_START;
            return;
        }
        if (hdr == 0)
            return; /* no extended capabilities */
        uint16_t id = hdr & 0xffff;
        if (id != 0) /* id 0: a null capability, only its pointer counts */
            add_cap(f, id, (uint16_t)off, true, hdr >> 16 & 0xf);
        off = hdr >> 20 & 0xffc;
        if (off == 0)
            return;
    }
}

void pci_walk_caps(const pci_cfg_t *c, pci_func_t *f)
{
    f->ncaps = f->caps_dropped = 0;
    f->caps_malformed = false;
    f->msi = f->msix = f->pcie = 0;
    f->msix_table = f->msix_pba = 0;
    f->msix_entries = 0;
    walk_std(c, f);
    f->cfg_size = c->limit >= 4096 && f->pcie != 0 ? 4096 : 256;
    if (f->cfg_size == 4096)
        walk_ext(c, f);
}

void pci_probe_function(const pci_cfg_t *c, uint32_t bdf, pci_func_t *f)
{
    memset(f, 0, sizeof *f);
    f->bdf = bdf;
    f->vendor = rd(c, bdf, PCI_VENDOR, 2);
    f->device = rd(c, bdf, PCI_DEVICE, 2);
    f->revision = rd(c, bdf, PCI_REVISION, 1);
    f->prog_if = rd(c, bdf, PCI_PROG_IF, 1);
    f->subclass = rd(c, bdf, PCI_SUBCLASS, 1);
    f->class_code = rd(c, bdf, PCI_CLASS, 1);
    f->header_type = rd(c, bdf, PCI_HEADER_TYPE, 1) & 0x7f;
    f->irq_line = rd(c, bdf, PCI_INT_LINE, 1);
    uint8_t pin = rd(c, bdf, PCI_INT_PIN, 1);
    f->irq_pin = pin <= 4 ? pin : 0; /* 1-4: INTA-INTD; anything else is none */
    if (f->header_type == 0) {
        f->subsys_vendor = rd(c, bdf, PCI_SUBSYS_VENDOR, 2);
        f->subsys_device = rd(c, bdf, PCI_SUBSYS_ID, 2);
    } else if (f->header_type == 1) {
        f->secondary_bus = rd(c, bdf, PCI_SECONDARY_BUS, 1);
        f->subordinate_bus = rd(c, bdf, PCI_SUBORDINATE_BUS, 1);
    }
    pci_size_bars(c, f);
    pci_walk_caps(c, f);
}

typedef struct scan {
    const pci_cfg_t *cfg;
    pci_tree_t *t;
    uint32_t seen[8]; /* buses scanned */
} scan_t;

static bool present(const pci_cfg_t *c, uint32_t bdf)
{
    uint32_t v = rd(c, bdf, PCI_VENDOR, 2);
    return v != 0xffff && v != 0;
}

static void scan_bus(scan_t *s, uint32_t bus, uint32_t depth);

static void found(scan_t *s, uint32_t bdf, uint32_t depth)
{
    pci_tree_t *t = s->t;
    if (t->n >= PCI_MAX_FUNCS) {
        t->dropped++;
        return;
    }
    pci_func_t *f = &t->funcs[t->n++];
    pci_probe_function(s->cfg, bdf, f);
    if (f->header_type != 1)
        return;
    uint32_t sec = f->secondary_bus, bus = PCI_BUS(bdf);
    if (sec <= bus || sec > s->cfg->bus_end || (s->seen[sec / 32] >> (sec % 32) & 1) || depth >= MAX_DEPTH) {
        t->bad_bridges++;
        return;
    }
    scan_bus(s, sec, depth + 1);
}

static void scan_bus(scan_t *s, uint32_t bus, uint32_t depth)
{
    s->seen[bus / 32] |= 1u << (bus % 32);
    s->t->buses++;
    for (uint32_t dev = 0; dev < 32; dev++) {
        if (!present(s->cfg, PCI_BDF(bus, dev, 0)))
            continue;
        bool multi = rd(s->cfg, PCI_BDF(bus, dev, 0), PCI_HEADER_TYPE, 1) & 0x80;
        for (uint32_t fn = 0; fn < (multi ? 8u : 1u); fn++) {
            if (fn == 0 || present(s->cfg, PCI_BDF(bus, dev, fn)))
                found(s, PCI_BDF(bus, dev, fn), depth);
        }
    }
}

static int by_bdf(const void *a, const void *b)
{
    uint32_t x = ((const pci_func_t *)a)->bdf, y = ((const pci_func_t *)b)->bdf;
    return x < y ? -1 : x > y;
}

void pci_enumerate(const pci_cfg_t *cfg, pci_tree_t *out)
{
    memset(out, 0, sizeof *out);
    scan_t s = {.cfg = cfg, .t = out};
    scan_bus(&s, 0, 0);
    qsort(out->funcs, out->n, sizeof out->funcs[0], by_bdf);
}

pci_func_t *pci_find(pci_tree_t *t, uint32_t bdf)
{
    for (uint32_t i = 0; i < t->n; i++)
        if (t->funcs[i].bdf == bdf)
            return &t->funcs[i];
    return NULL;
}

uint16_t pci_cap_find(const pci_func_t *f, uint16_t id)
{
    for (uint32_t i = 0; i < f->ncaps; i++)
        if (!f->caps[i].extended && f->caps[i].id == id)
            return f->caps[i].offset;
    return 0;
}
