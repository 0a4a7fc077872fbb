/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Names of PCI classes, vendors and the devices QEMU's q35 and pc
 * machines and common -device options show (names.h). Class codes from
 * the PCI Code and ID Assignment specification; ids as QEMU assigns them.
 */
#include <stdio.h>

#include "names.h"

typedef struct class_name {
    uint8_t cls, sub; /* sub 0xff: any subclass */
    const char *name;
} class_name_t;

static const class_name_t CLASSES[] = {
    {0x00, 0xff, "Unclassified device"},
    {0x01, 0x00, "SCSI storage controller"},
    {0x01, 0x01, "IDE interface"},
    {0x01, 0x06, "SATA controller"},
    {0x01, 0x08, "Non-Volatile memory controller"},
    {0x01, 0xff, "Mass storage controller"},
    {0x02, 0x00, "Ethernet controller"},
    {0x02, 0xff, "Network controller"},
    {0x03, 0x00, "VGA compatible controller"},
    {0x03, 0xff, "Display controller"},
    {0x04, 0x01, "Audio device"},
    {0x04, 0x03, "Audio device"},
    {0x04, 0xff, "Multimedia controller"},
    {0x05, 0xff, "Memory controller"},
    {0x06, 0x00, "Host bridge"},
    {0x06, 0x01, "ISA bridge"},
    {0x06, 0x04, "PCI bridge"},
    {0x06, 0x80, "Bridge"},
    {0x06, 0xff, "Bridge"},
    {0x07, 0x00, "Serial controller"},
    {0x07, 0xff, "Communication controller"},
    {0x08, 0xff, "System peripheral"},
    {0x09, 0xff, "Input device controller"},
    {0x0c, 0x03, "USB controller"},
    {0x0c, 0x05, "SMBus"},
    {0x0c, 0xff, "Serial bus controller"},
    {0xff, 0xff, "Unassigned class"},
};

typedef struct vendor_name {
    uint16_t id;
    const char *name;
} vendor_name_t;

static const vendor_name_t VENDORS[] = {
    {0x8086, "Intel"},
    {0x1b36, "Red Hat"},
    {0x1af4, "Red Hat (virtio)"},
    {0x1234, "QEMU"},
    {0x1013, "Cirrus Logic"},
    {0x10ec, "Realtek"},
    {0x15ad, "VMware"},
    {0x1b21, "ASMedia"},
};

typedef struct device_name {
    uint16_t vendor, device;
    const char *name;
} device_name_t;

static const device_name_t DEVICES[] = {
    {0x8086, 0x29c0, "82G33/G31/P35/P31 DRAM controller"},
    {0x8086, 0x2918, "82801IB (ICH9) LPC interface"},
    {0x8086, 0x2922, "82801IR/IO/IH (ICH9) SATA controller"},
    {0x8086, 0x2930, "82801I (ICH9) SMBus controller"},
    {0x8086, 0x1237, "440FX - 82441FX PMC"},
    {0x8086, 0x7000, "82371SB PIIX3 ISA"},
    {0x8086, 0x7010, "82371SB PIIX3 IDE"},
    {0x8086, 0x7020, "82371SB PIIX3 USB"},
    {0x8086, 0x7113, "82371AB/EB/MB PIIX4 ACPI"},
    {0x8086, 0x100e, "82540EM Gigabit Ethernet"},
    {0x8086, 0x10d3, "82574L Gigabit Ethernet"},
    {0x8086, 0x293e, "82801I (ICH9) HD Audio"},
    {0x1b36, 0x0001, "QEMU PCI-PCI bridge"},
    {0x1b36, 0x0008, "QEMU PCIe host bridge"},
    {0x1b36, 0x000c, "QEMU PCIe root port"},
    {0x1b36, 0x000d, "QEMU XHCI host controller"},
    {0x1b36, 0x0010, "QEMU NVM Express controller"},
    {0x1af4, 0x1000, "virtio network device"},
    {0x1af4, 0x1001, "virtio block device"},
    {0x1af4, 0x1041, "virtio 1.0 network device"},
    {0x1af4, 0x1042, "virtio 1.0 block device"},
    {0x1234, 0x1111, "standard VGA"},
    {0x1234, 0x11e8, "edu device"},
};

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *pci_class_name(uint8_t cls, uint8_t sub, char *buf, size_t len)
{
    for (size_t i = 0; i < LEN(CLASSES); i++)
        if (CLASSES[i].cls == cls && (CLASSES[i].sub == sub || CLASSES[i].sub == 0xff))
            return CLASSES[i].name;
    snprintf(buf, len, "Class %02x%02x", cls, sub);
    return buf;
}

const char *pci_vendor_name(uint16_t vendor)
{
    for (size_t i = 0; i < LEN(VENDORS); i++)
        if (VENDORS[i].id == vendor)
            return VENDORS[i].name;
    return NULL;
}

void pci_device_name(uint16_t vendor, uint16_t device, char *buf, size_t len)
{
    const char *v = pci_vendor_name(vendor);
    for (size_t i = 0; i < LEN(DEVICES); i++) {
        if (DEVICES[i].vendor == vendor && DEVICES[i].device == device) {
            snprintf(buf, len, "%s %s", v, DEVICES[i].name);
            return;
        }
    }
    if (v != NULL)
        snprintf(buf, len, "%s device %04x", v, device);
    else
        snprintf(buf, len, "vendor %04x device %04x", vendor, device);
}
