/* SPDX-License-Identifier: BSD-2-Clause
 *
 * A fake PCI configuration space for the pci server's host tests: a few
 * functions with 4 KiB of registers each and BARs that answer the sizing
 * protocol (the bits below their size read as zero, the type bits are
 * read-only). It records whether a BAR was written while the function
 * decoded memory or I/O (what sizing must avoid). Absent functions read as
 * all ones.
 */
#ifndef PCI_FAKE_H
#define PCI_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "pcicfg.h"

#define FAKE_FUNCS 32

typedef struct fake_fn {
    bool used;
    uint32_t bdf;
    uint8_t cfg[4096];
    uint64_t bar_size[6]; /* 0: BAR not implemented; for a 64-bit BAR in the low slot */
} fake_fn_t;

typedef struct fake_pci {
    fake_fn_t fn[FAKE_FUNCS];
    bool bar_written_decoding; /* a BAR write with decoding on */
    uint32_t reads;
} fake_pci_t;

void fake_init(fake_pci_t *p);
pci_cfg_t fake_cfg(fake_pci_t *p, uint32_t limit);
/* A type-0 (or type-1 with header 1) function; returns it for more setup. */
fake_fn_t *fake_add(fake_pci_t *p, uint32_t bdf, uint16_t vendor, uint16_t device, uint8_t cls, uint8_t sub,
                    uint8_t header);
/* BAR i: flags are its low bits (1: I/O; 0x4: 64-bit; 0x8: prefetchable). */
void fake_bar(fake_fn_t *f, uint32_t i, uint32_t flags, uint64_t base, uint64_t size);
/* A standard capability at off, linking to next. Sets the status bit and,
 * when first is set, the capabilities pointer. */
void fake_cap(fake_fn_t *f, uint8_t off, uint8_t id, uint8_t next, bool first);
void fake_w8(fake_fn_t *f, uint32_t off, uint8_t v);
void fake_w16(fake_fn_t *f, uint32_t off, uint16_t v);
void fake_w32(fake_fn_t *f, uint32_t off, uint32_t v);
uint32_t fake_r32(const fake_fn_t *f, uint32_t off);

#endif
