/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The two ways the pci server reaches configuration space (pcicfg.h):
 *
 *   ECAM (PCIe, the MCFG's range): bus b, device d, function f's 4 KiB at
 *   base + (b << 20 | d << 15 | f << 12). One uncached physical vmo over
 *   the whole range; each bus's megabyte is mapped the first time it is
 *   touched, so a scan of a few buses maps a few megabytes.
 *
 *   Configuration mechanism #1 (PCI 3.0 3.2.2.3.2; QEMU pc has no MCFG):
 *   the address 0x80000000 | bus << 16 | dev << 11 | fn << 8 | reg goes
 *   to port 0xcf8, the dword to 0xcfc (a narrower access at 0xcfc + the
 *   offset's low bits). 256 bytes per function.
 *
 * The server is single-threaded, so an address/data pair is never split.
 */
#include <stdio.h>

#include "cairn/errors.h"
#include "cairn/sys.h"
#include "pcid.h"

#define BUS_BYTES (1u << 20)

static struct {
    handle_t vmo;
    uint64_t bus_va[256];
} ecam;

static volatile void *ecam_ptr(uint32_t bdf, uint32_t off)
{
    uint32_t bus = PCI_BUS(bdf);
    if (ecam.bus_va[bus] == 0) {
        uint64_t va = 0;
        if (sys_vm_map(HANDLE_INVALID, ecam.vmo, (uint64_t)bus * BUS_BYTES, BUS_BYTES, MAP_READ | MAP_WRITE, &va) != OK)
            return NULL;
        ecam.bus_va[bus] = va;
    }
    return (volatile uint8_t *)(uintptr_t)ecam.bus_va[bus] + ((bdf & 0xff) << 12 | off);
}

static uint32_t ecam_read(void *ctx, uint32_t bdf, uint32_t off, uint32_t w)
{
    const pci_cfg_t *c = ctx;
    volatile void *p = PCI_BUS(bdf) <= c->bus_end ? ecam_ptr(bdf, off) : NULL;
    if (p == NULL)
        return w == 4 ? 0xffffffffu : w == 2 ? 0xffffu : 0xffu;
    return w == 4 ? *(volatile uint32_t *)p : w == 2 ? *(volatile uint16_t *)p : *(volatile uint8_t *)p;
}

static void ecam_write(void *ctx, uint32_t bdf, uint32_t off, uint32_t w, uint32_t v)
{
    const pci_cfg_t *c = ctx;
    volatile void *p = PCI_BUS(bdf) <= c->bus_end ? ecam_ptr(bdf, off) : NULL;
    if (p == NULL)
        return;
    if (w == 4)
        *(volatile uint32_t *)p = v;
    else if (w == 2)
        *(volatile uint16_t *)p = (uint16_t)v;
    else
        *(volatile uint8_t *)p = (uint8_t)v;
}

int pcid_ecam_init(pcid_t *d, uint64_t base, uint32_t bus_end)
{
    uint64_t len = (uint64_t)(bus_end + 1) * BUS_BYTES;
    handle_t res = pcid_res_covering(d, RESOURCE_MMIO, base, len);
    if (res == HANDLE_INVALID) {
        printf("pci: no MMIO resource covers ECAM %#llx-%#llx (manifest: mmio %#llx %#llx)\n",
               (unsigned long long)base, (unsigned long long)(base + len - 1), (unsigned long long)base,
               (unsigned long long)len);
        return ERR_ACCESS_DENIED;
    }
    int64_t err = sys_vmo_create_physical(res, base, len, VMO_CACHE_UC, &ecam.vmo);
    if (err != OK) {
        printf("pci: ECAM at %#llx: vmo_create_physical: %s\n", (unsigned long long)base,
               cairn_error_name((int)err));
        return (int)err;
    }
    d->cfg = (pci_cfg_t){.ctx = &d->cfg, .read = ecam_read, .write = ecam_write, .limit = 4096, .bus_end = bus_end};
    d->access = "ECAM";
    return OK;
}

#define CAM_ADDR 0xcf8
#define CAM_DATA 0xcfc

static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static uint16_t cam_select(uint32_t bdf, uint32_t off)
{
    outl(CAM_ADDR, 0x80000000u | bdf << 8 | (off & 0xfc));
    return (uint16_t)(CAM_DATA + (off & 3));
}

static uint32_t cam_read(void *ctx, uint32_t bdf, uint32_t off, uint32_t w)
{
    (void)ctx;
    uint16_t port = cam_select(bdf, off);
    return w == 4 ? inl(port) : w == 2 ? inw(port) : inb(port);
}

static void cam_write(void *ctx, uint32_t bdf, uint32_t off, uint32_t w, uint32_t v)
{
    (void)ctx;
    uint16_t port = cam_select(bdf, off);
    if (w == 4)
        outl(port, v);
    else if (w == 2)
        outw(port, (uint16_t)v);
    else
        outb(port, (uint8_t)v);
}

int pcid_cam_init(pcid_t *d)
{
    handle_t res = pcid_res_covering(d, RESOURCE_IOPORT, CAM_ADDR, 8);
    if (res == HANDLE_INVALID) {
        printf("pci: no ioport resource covers 0xcf8-0xcff (manifest: ioport 0xcf8 8)\n");
        return ERR_ACCESS_DENIED;
    }
    handle_t io;
    int64_t err = sys_ioport_create(res, CAM_ADDR, 8, &io);
    if (err != OK) {
        printf("pci: ioport_create 0xcf8: %s\n", cairn_error_name((int)err));
        return (int)err;
    }
    d->cfg = (pci_cfg_t){.ctx = NULL, .read = cam_read, .write = cam_write, .limit = 256, .bus_end = 255};
    d->access = "mechanism #1";
    return OK;
}
