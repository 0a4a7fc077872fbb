/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The fake configuration space of pci_fake.h.
 */
#include <string.h>

#include "pci_fake.h"

void fake_init(fake_pci_t *p) { memset(p, 0, sizeof *p); }

static fake_fn_t *lookup(fake_pci_t *p, uint32_t bdf)
{
    for (int i = 0; i < FAKE_FUNCS; i++)
        if (p->fn[i].used && p->fn[i].bdf == bdf)
            return &p->fn[i];
    return NULL;
}

void fake_w8(fake_fn_t *f, uint32_t off, uint8_t v) { f->cfg[off] = v; }
void fake_w16(fake_fn_t *f, uint32_t off, uint16_t v) { memcpy(&f->cfg[off], &v, 2); }
void fake_w32(fake_fn_t *f, uint32_t off, uint32_t v) { memcpy(&f->cfg[off], &v, 4); }
uint32_t fake_r32(const fake_fn_t *f, uint32_t off)
{
    uint32_t v;
    memcpy(&v, &f->cfg[off], 4);
    return v;
}

static uint32_t fread_(void *ctx, uint32_t bdf, uint32_t off, uint32_t w)
{
    fake_pci_t *p = ctx;
    p->reads++;
    fake_fn_t *f = lookup(p, bdf);
    if (f == NULL || off + w > 4096)
        return w == 4 ? 0xffffffffu : w == 2 ? 0xffffu : 0xffu;
    uint32_t v = 0;
    memcpy(&v, &f->cfg[off], w);
    return v;
}

/* A BAR register write: keep the type bits, the size's bits read as 0. */
static void bar_write(fake_pci_t *p, fake_fn_t *f, uint32_t off, uint32_t v)
{
    uint32_t i = (off - PCI_BAR0) / 4;
    uint16_t cmd;
    memcpy(&cmd, &f->cfg[PCI_COMMAND], 2);
    if (cmd & (PCI_CMD_IO | PCI_CMD_MEMORY))
        p->bar_written_decoding = true;
    uint32_t old = fake_r32(f, off);
    /* The upper half of a 64-bit BAR? */
    if (i > 0 && f->bar_size[i] == 0 && (fake_r32(f, off - 4) & 7) == 4 && f->bar_size[i - 1] != 0) {
        uint64_t mask = ~(f->bar_size[i - 1] - 1);
        fake_w32(f, off, v & (uint32_t)(mask >> 32));
        return;
    }
    if (f->bar_size[i] == 0) {
        fake_w32(f, off, 0);
        return;
    }
    uint32_t flags = old & (old & 1 ? 3u : 0xfu);
    uint32_t mask = (uint32_t)~(f->bar_size[i] - 1) & (old & 1 ? ~3u : ~0xfu);
    if (old & 1)
        mask &= 0xffff; /* 16-bit I/O decoder */
    fake_w32(f, off, (v & mask) | flags);
}

static void fwrite_(void *ctx, uint32_t bdf, uint32_t off, uint32_t w, uint32_t v)
{
    fake_pci_t *p = ctx;
    fake_fn_t *f = lookup(p, bdf);
    if (f == NULL || off + w > 4096)
        return;
    uint32_t hdr = f->cfg[PCI_HEADER_TYPE] & 0x7f;
    uint32_t nbars = hdr == 0 ? 6 : hdr == 1 ? 2 : 0;
    if (off >= PCI_BAR0 && off < PCI_BAR0 + 4 * nbars && w == 4) {
        bar_write(p, f, off, v);
        return;
    }
    memcpy(&f->cfg[off], &v, w);
}

pci_cfg_t fake_cfg(fake_pci_t *p, uint32_t limit)
{
    return (pci_cfg_t){.ctx = p, .read = fread_, .write = fwrite_, .limit = limit, .bus_end = 255};
}

fake_fn_t *fake_add(fake_pci_t *p, uint32_t bdf, uint16_t vendor, uint16_t device, uint8_t cls, uint8_t sub,
                    uint8_t header)
{
    for (int i = 0; i < FAKE_FUNCS; i++) {
        fake_fn_t *f = &p->fn[i];
        if (f->used)
            continue;
        memset(f, 0, sizeof *f);
        f->used = true;
        f->bdf = bdf;
        fake_w16(f, PCI_VENDOR, vendor);
        fake_w16(f, PCI_DEVICE, device);
        f->cfg[PCI_CLASS] = cls;
        f->cfg[PCI_SUBCLASS] = sub;
        f->cfg[PCI_HEADER_TYPE] = header;
        return f;
    }
    return NULL;
}

void fake_bar(fake_fn_t *f, uint32_t i, uint32_t flags, uint64_t base, uint64_t size)
{
    f->bar_size[i] = size;
    fake_w32(f, PCI_BAR0 + 4 * i, (uint32_t)base | flags);
    if ((flags & 7) == 4)
        fake_w32(f, PCI_BAR0 + 4 * (i + 1), (uint32_t)(base >> 32));
}

void fake_cap(fake_fn_t *f, uint8_t off, uint8_t id, uint8_t next, bool first)
{
    f->cfg[off] = id;
    f->cfg[off + 1] = next;
    f->cfg[PCI_STATUS] |= PCI_STATUS_CAPS;
    if (first)
        f->cfg[PCI_CAP_PTR] = off;
}
