/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Which pages of a memory BAR a driver may map (enum.h, pure and
 * host-tested). The pci server hands a driver physical vmos over its
 * function's BARs (pcidev bar_vmo, bar_range); this decides their range
 * before anything is created.
 *
 * A BAR's pages (its "span": from the page holding its first byte to the
 * page holding its last) are the driver's, except:
 *
 *   - pages holding the MSI-X table or the pending bit array (whichever
 *     BAR names them: small BARs may share a page). The server programs
 *     MSI-X (irq.c): a driver that could write the table would send its
 *     interrupts to any address and vector it likes. bar_vmo therefore
 *     stops before the first such page, and bar_range refuses a range
 *     touching one. Only a capability the server knows counts: an
 *     MSI-X it does not know it never enables, and the enable bit is in
 *     configuration space the driver cannot write, so that table is never
 *     used.
 *   - pages another function's memory BAR shares: the driver would reach
 *     that device's registers.
 *
 * Checks run in this order and the first failure is the answer: the BAR
 * (ERR_NOT_FOUND, ERR_WRONG_TYPE, ERR_BAD_STATE), the arguments
 * (ERR_INVALID_ARGS, ERR_OUT_OF_RANGE), the pages (ERR_ACCESS_DENIED).
 */
#include <stddef.h>

#include "cairn/errors.h"
#include "enum.h"

#define PAGE 4096ull
#define MSIX_ENTRY_BYTES 16u

static uint64_t page_down(uint64_t a) { return a & ~(PAGE - 1); }
static uint64_t page_up(uint64_t a) { return (a + PAGE - 1) & ~(PAGE - 1); }

/* The BAR and its span, or why not. */
static int bar_of(const pci_tree_t *t, uint32_t self, uint32_t index, const pci_bar_t **bar, pci_bar_map_t *out)
{
    out->why = NULL;
    if (index >= PCI_NBARS) {
        out->why = "no such BAR index";
        return ERR_NOT_FOUND;
    }
    const pci_bar_t *b = &t->funcs[self].bars[index];
    if (b->kind == PCI_BAR_NONE)
        return ERR_NOT_FOUND; /* a driver may probe: not worth a log line */
    if (b->kind == PCI_BAR_IO)
        return ERR_WRONG_TYPE;
    if (b->base == 0) {
        out->why = "left unassigned by the firmware";
        return ERR_BAD_STATE;
    }
    out->span_start = page_down(b->base);
    out->span_end = page_up(b->base + b->size); /* enumeration drops BARs that wrap */
    *bar = b;
    return OK;
}

/* The pages of MSI-X structure `which` (0: the table, 1: the PBA) as
 * [*lo, *hi), physical; false if it is in no assigned memory BAR. A
 * structure running past its BAR is clipped to the BAR: what lies beyond
 * is not that BAR's to give anyway. Any BAR's bar_vmo must keep out of
 * these pages, not only the one the BIR names: small BARs of one
 * function may share a page. */
static bool msix_pages(const pci_func_t *f, int which, uint64_t *lo, uint64_t *hi)
{
    uint32_t reg = which == 0 ? f->msix_table : f->msix_pba;
    uint64_t bytes = which == 0 ? (uint64_t)f->msix_entries * MSIX_ENTRY_BYTES
                                : ((uint64_t)f->msix_entries + 63) / 64 * 8; /* one bit each, in qwords */
    uint32_t bir = reg & 7;
    if (f->msix == 0 || bir >= PCI_NBARS)
        return false;
    const pci_bar_t *b = &f->bars[bir];
    uint64_t off = reg & ~7u;
    if ((b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64) || b->base == 0 || off >= b->size)
        return false;
    uint64_t end = bytes > b->size - off ? b->size : off + bytes;
    *lo = page_down(b->base + off);
    *hi = page_up(b->base + end);
    return true;
}

static const char *const MSIX_WHAT[2] = {"holds the MSI-X table", "holds the MSI-X pending bit array"};

/* Does [start, end) touch a page of the MSI-X table or PBA? */
static const char *msix_conflict(const pci_func_t *f, uint64_t start, uint64_t end)
{
    for (int which = 0; which < 2; which++) {
        uint64_t lo, hi;
        if (msix_pages(f, which, &lo, &hi) && start < hi && lo < end)
            return MSIX_WHAT[which];
    }
    return NULL;
}

/* Another function's memory BAR on any page of [start, end)? Then the
 * vmo would reach that device's registers too. */
static bool shares_page(const pci_tree_t *t, uint32_t self, uint64_t start, uint64_t end)
{
    for (uint32_t i = 0; i < t->n; i++) {
        for (uint32_t j = 0; i != self && j < PCI_NBARS; j++) {
            const pci_bar_t *o = &t->funcs[i].bars[j];
            if ((o->kind == PCI_BAR_MEM32 || o->kind == PCI_BAR_MEM64) && o->base != 0 && o->base < end &&
                start < o->base + o->size)
                return true;
        }
    }
    return false;
}

/* The last check of both: [out->start, out->end) is the driver's. */
static int pages_free(const pci_tree_t *t, uint32_t self, pci_bar_map_t *out)
{
    const char *why = msix_conflict(&t->funcs[self], out->start, out->end);
    if (why == NULL && shares_page(t, self, out->start, out->end))
        why = "shares a page with another function's BAR";
    out->why = why;
    return why == NULL ? OK : ERR_ACCESS_DENIED;
}

int pci_bar_map_whole(const pci_tree_t *t, uint32_t self, uint32_t index, pci_bar_map_t *out)
{
    const pci_bar_t *b = NULL;
    int err = bar_of(t, self, index, &b, out);
    if (err != OK)
        return err;
    const pci_func_t *f = &t->funcs[self];
    uint64_t lo, hi, end = out->span_end;
    for (int which = 0; which < 2; which++) {
        if (msix_pages(f, which, &lo, &hi) && lo < end && hi > out->span_start)
            end = lo > out->span_start ? lo : out->span_start;
    }
    if (end == out->span_start) {
        out->why = "its first page holds MSI-X structures (use bar_range)";
        return ERR_ACCESS_DENIED;
    }
    out->start = out->span_start;
    out->end = end;
    out->size = end == out->span_end ? b->size : end - b->base;
    return pages_free(t, self, out);
}

int pci_bar_map_range(const pci_tree_t *t, uint32_t self, uint32_t index, uint64_t off, uint64_t len,
                      pci_bar_map_t *out)
{
    const pci_bar_t *b = NULL;
    int err = bar_of(t, self, index, &b, out);
    if (err != OK)
        return err;
    if (off % PAGE != 0 || len % PAGE != 0 || len == 0) {
        out->why = "offset and length must be whole pages";
        return ERR_INVALID_ARGS;
    }
    uint64_t span = out->span_end - out->span_start;
    if (off >= span || len > span - off) {
        out->why = "range past the BAR";
        return ERR_OUT_OF_RANGE;
    }
    out->start = out->span_start + off;
    out->end = out->start + len;
    out->size = len;
    return pages_free(t, self, out);
}
