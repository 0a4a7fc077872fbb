/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Configuration space access for the pci server, behind a small ops
 * interface: the enumeration (enum.c) and the write filter (protect.c)
 * see only this, so the host tests run them against a fake configuration
 * space; the server plugs in ECAM or configuration mechanism #1
 * (access.c). A function is addressed by its BDF: bus << 8 | dev << 3 | fn.
 *
 * Reads of a function that does not exist return all ones (as the
 * hardware does); widths are 1, 2 or 4 bytes at aligned offsets below
 * `limit` (4096 through ECAM, 256 through mechanism #1), which the
 * callers check.
 */
#ifndef PCICFG_H
#define PCICFG_H

#include <stdint.h>

typedef struct pci_cfg {
    void *ctx;
    uint32_t (*read)(void *ctx, uint32_t bdf, uint32_t off, uint32_t width);
    void (*write)(void *ctx, uint32_t bdf, uint32_t off, uint32_t width, uint32_t value);
    uint32_t limit;   /* bytes of configuration space per function: 256 or 4096 */
    uint32_t bus_end; /* last bus reachable (ECAM: the MCFG's end bus) */
} pci_cfg_t;

#define PCI_BDF(bus, dev, fn) ((uint32_t)(bus) << 8 | (uint32_t)(dev) << 3 | (uint32_t)(fn))
#define PCI_BUS(bdf) ((bdf) >> 8 & 0xff)
#define PCI_DEV(bdf) ((bdf) >> 3 & 0x1f)
#define PCI_FN(bdf) ((bdf) & 7)

/* Registers of the common header (PCI Local Bus 3.0, 6.1). */
enum {
    PCI_VENDOR = 0x00,
    PCI_DEVICE = 0x02,
    PCI_COMMAND = 0x04,
    PCI_STATUS = 0x06,
    PCI_REVISION = 0x08,
    PCI_PROG_IF = 0x09,
    PCI_SUBCLASS = 0x0a,
    PCI_CLASS = 0x0b,
    PCI_HEADER_TYPE = 0x0e,
    PCI_BAR0 = 0x10,
    PCI_PRIMARY_BUS = 0x18,   /* type 1 */
    PCI_SECONDARY_BUS = 0x19, /* type 1 */
    PCI_SUBORDINATE_BUS = 0x1a,
    PCI_SUBSYS_VENDOR = 0x2c, /* type 0 */
    PCI_SUBSYS_ID = 0x2e,
    PCI_ROM0 = 0x30,          /* type 0 expansion ROM */
    PCI_CAP_PTR = 0x34,
    PCI_ROM1 = 0x38,          /* type 1 expansion ROM */
    PCI_INT_LINE = 0x3c,
    PCI_INT_PIN = 0x3d,
    PCI_BRIDGE_CONTROL = 0x3e,
};

#define PCI_CMD_IO 0x1u
#define PCI_CMD_MEMORY 0x2u
#define PCI_CMD_MASTER 0x4u
#define PCI_CMD_INTX_DISABLE 0x400u
#define PCI_STATUS_CAPS 0x10u

/* Capability ids (PCI Code and ID Assignment). */
#define PCI_CAP_PM 0x01
#define PCI_CAP_MSI 0x05
#define PCI_CAP_VENDOR 0x09
#define PCI_CAP_PCIE 0x10
#define PCI_CAP_MSIX 0x11

#define PCI_STD_CAPS_START 0x40u
#define PCI_EXT_CAPS_START 0x100u

#endif
