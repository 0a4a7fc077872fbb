/* SPDX-License-Identifier: BSD-2-Clause
 *
 * What a driver may touch in its function's configuration space (pure,
 * host-tested). Reads: anything inside the function's space (256 bytes,
 * 4096 for a PCIe function reached through ECAM). Writes: everything but
 * the registers the pci server owns, because changing them would move the
 * device onto another device's addresses, break the server's interrupt
 * setup or renumber buses:
 *
 *   - the BARs and the expansion ROM BAR (the firmware's allocation);
 *   - the capabilities pointer and every capability's header (id and
 *     next pointer), standard and extended, so the lists stay as walked;
 *   - the whole MSI and MSI-X capabilities (the server programs them);
 *   - the Interrupt Line register (the server's INTx routing);
 *   - on bridges: bus numbers, the forwarding windows and the bridge
 *     control register (secondary bus reset).
 *
 * The command register may be written; its decoding, bus master and INTx
 * disable bits keep the value the server gave them (the caller merges).
 */
#include <stddef.h>

#include "cairn/errors.h"
#include "enum.h"

typedef struct span {
    uint32_t lo, hi; /* [lo, hi) */
} span_t;

static bool overlaps(uint32_t off, uint32_t width, span_t s)
{
    return off < s.hi && s.lo < off + width;
}

static const span_t TYPE0[] = {{0x10, 0x28}, {0x30, 0x35}, {0x3c, 0x3d}};
static const span_t TYPE1[] = {{0x10, 0x1e}, {0x20, 0x35}, {0x38, 0x3d}, {0x3e, 0x40}};
static const span_t TYPE2[] = {{0x10, 0x40}};

int pci_access_check(const pci_func_t *f, uint32_t off, uint32_t width)
{
    if ((width != 1 && width != 2 && width != 4) || off % width != 0)
        return ERR_INVALID_ARGS;
    if (off >= f->cfg_size || width > f->cfg_size - off)
        return ERR_OUT_OF_RANGE;
    return OK;
}

int pci_write_allowed(const pci_func_t *f, uint32_t off, uint32_t width)
{
    const span_t *hdr = f->header_type == 0 ? TYPE0 : f->header_type == 1 ? TYPE1 : TYPE2;
    size_t n = f->header_type == 0 ? sizeof TYPE0 / sizeof TYPE0[0]
             : f->header_type == 1 ? sizeof TYPE1 / sizeof TYPE1[0] : 1;
    for (size_t i = 0; i < n; i++)
        if (overlaps(off, width, hdr[i]))
            return ERR_ACCESS_DENIED;
    if (f->msi != 0 && overlaps(off, width, (span_t){f->msi, f->msi + f->msi_len}))
        return ERR_ACCESS_DENIED;
    if (f->msix != 0 && overlaps(off, width, (span_t){f->msix, f->msix + 12u}))
        return ERR_ACCESS_DENIED;
    /* Capability headers not all kept: none of the lists' space is safe. */
    if (f->caps_dropped != 0 && off + width > PCI_STD_CAPS_START)
        return ERR_ACCESS_DENIED;
    for (uint32_t i = 0; i < f->ncaps; i++) {
        const pci_cap_t *c = &f->caps[i];
        if (overlaps(off, width, (span_t){c->offset, c->offset + (c->extended ? 4u : 2u)}))
            return ERR_ACCESS_DENIED;
    }
    return OK;
}
