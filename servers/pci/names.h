/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Names for what lspci prints (names.c, pure; the shell links it too): a
 * small table of classes and of the vendors and devices QEMU emulates.
 * Anything not in the tables gets a generic name, never NULL.
 */
#ifndef PCI_NAMES_H
#define PCI_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* "Host bridge", "Ethernet controller", ...; "Class xxxx" if unknown
 * (written to buf, which must hold 16 bytes). */
const char *pci_class_name(uint8_t class_code, uint8_t subclass, char *buf, size_t len);

/* "Intel", "Red Hat", ...; NULL when not in the table. */
const char *pci_vendor_name(uint16_t vendor);

/* "Vendor device" into buf: "Intel 82G33/G31/P35/P31 DRAM controller", or
 * "Intel device 1234", or "vendor 1234 device 5678". */
void pci_device_name(uint16_t vendor, uint16_t device, char *buf, size_t len);

#endif
