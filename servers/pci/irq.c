/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Interrupts for a binding, best first among the modes the driver allows
 * (`allow`: a mask of 1 << mode; 0 allows all):
 *
 *   MSI-X: up to `count` table entries (PCID_MAX_VECTORS at most), each
 *     with its own MSI number and irq object (msi_create), entry n
 *     delivered to CPU n mod the CPU count (a driver with a queue per CPU
 *     gets each queue's interrupt on its own CPU); the table, in
 *     one of the function's BARs, is mapped by the server only. Entries
 *     are programmed with the function masked, every entry not granted
 *     stays masked (per-vector mask bit), then the function is unmasked.
 *   MSI: one message (Multiple Message Enable 0, as msi_create wants),
 *     vector 0 unmasked when the function has per-vector masking.
 *   INTx: the pin routed as the firmware says. With no AML interpreter
 *     the _PRT cannot be read; the Interrupt Line register SeaBIOS writes
 *     (the ISA IRQ, 9-11 on QEMU pc and q35, whose IOAPIC receives the
 *     PIRQs there too) names the GSI. Level-triggered, active high below
 *     16 as QEMU's MADT overrides say, active low above. One irq object
 *     per GSI exists system-wide: a second function on the same line gets
 *     ERR_ALREADY_EXISTS (shared INTx is not supported).
 *
 * Every MSI number and GSI is derived as an anchor of the binding, so
 * unbind's revocation destroys the irq objects wherever they went.
 */
#include <stdio.h>

#include "cairn/errors.h"
#include "cairn/sys.h"
#include "pcid.h"

#define PAGE 4096ull
#define MSIX_ENTRY 16u
#define MSIX_CTRL_ENABLE 0x8000u
#define MSIX_CTRL_MASK 0x4000u
#define MSI_CTRL_ENABLE 0x1u

static bool msi_num_used(const pcid_t *d, uint32_t n) { return d->msi_used[n / 8] >> (n % 8) & 1; }

/* CPUs running: MSI-X vectors are spread over them. */
static uint32_t cpu_count(void)
{
    static uint32_t n;
    if (n == 0) {
        system_info_t si;
        n = sys_system_info(&si) == OK && si.cpus > 0 ? si.cpus : 1;
    }
    return n;
}

/* An MSI number of the server's, its anchor in b and an irq object
 * delivered to `cpu`. */
static int msi_alloc(pcid_t *d, pcid_binding_t *b, uint32_t cpu, uint32_t *num, handle_t *irq, msi_msg_t *msg)
{
    for (uint32_t r = 0; r < d->nmsi; r++) {
        const resource_info_t *ri = &d->msi[r].info;
        for (uint64_t n = ri->base; n < ri->base + ri->len && n < MSI_MAX; n++) {
            if (msi_num_used(d, (uint32_t)n))
                continue;
            int a = pcid_anchor(d, b, RESOURCE_MSI, n, 1);
            if (a < 0)
                return a;
            int64_t err = sys_msi_create(b->anchors[a], (uint32_t)n, irq, msg, cpu);
            if (err != OK)
                return (int)err;
            d->msi_used[n / 8] |= (uint8_t)(1u << (n % 8));
            *num = (uint32_t)n;
            return OK;
        }
    }
    return ERR_NO_RESOURCES;
}

static void cmd_update(pcid_t *d, uint32_t bdf, uint32_t set, uint32_t clear)
{
    uint32_t cmd = pcid_cfg_read(d, bdf, PCI_COMMAND, 2);
    pcid_cfg_write(d, bdf, PCI_COMMAND, 2, (cmd | set) & ~clear);
}

static volatile uint32_t *msix_entry(const pcid_binding_t *b, uint64_t table_off, uint32_t j)
{
    return (volatile uint32_t *)(uintptr_t)(b->msix_map + table_off + (uint64_t)j * MSIX_ENTRY);
}

static int msix_setup(pcid_t *d, uint32_t i, uint32_t count)
{
    const pci_func_t *f = &d->tree.funcs[i];
    pcid_binding_t *b = &d->bind[i];
    /* Where the table is and its size as enumeration read them: the
     * pages barmap.c keeps from the driver. */
    uint32_t ctrl = pcid_cfg_read(d, f->bdf, f->msix + 2, 2);
    uint32_t size = f->msix_entries, bir = f->msix_table & 7;
    uint64_t off = f->msix_table & ~7u;
    if (bir >= PCI_NBARS || f->bars[bir].kind < PCI_BAR_MEM32 || f->bars[bir].base == 0 ||
        off + (uint64_t)size * MSIX_ENTRY > f->bars[bir].size)
        return ERR_CORRUPT; /* the table is not inside a memory BAR */
    uint64_t pa = f->bars[bir].base + off;
    uint64_t start = pa & ~(PAGE - 1), end = (pa + (uint64_t)size * MSIX_ENTRY + PAGE - 1) & ~(PAGE - 1);
    handle_t res = pcid_res_covering(d, RESOURCE_MMIO, start, end - start);
    if (res == HANDLE_INVALID)
        return ERR_ACCESS_DENIED;
    int64_t err = sys_vmo_create_physical(res, start, end - start, VMO_CACHE_UC, &b->msix_vmo);
    if (err == OK)
        err = sys_vm_map(HANDLE_INVALID, b->msix_vmo, 0, end - start, MAP_READ | MAP_WRITE, &b->msix_map);
    if (err != OK) {
        if (b->msix_vmo != HANDLE_INVALID)
            sys_handle_close(b->msix_vmo);
        b->msix_vmo = HANDLE_INVALID;
        b->msix_map = 0;
        return (int)err;
    }
    b->msix_map_len = end - start;
    uint64_t toff = pa - start;
    cmd_update(d, f->bdf, PCI_CMD_MEMORY, 0);
    pcid_cfg_write(d, f->bdf, f->msix + 2, 2, (ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_MASK));
    for (uint32_t j = 0; j < size; j++)
        msix_entry(b, toff, j)[3] |= 1; /* vector control: masked */
    uint32_t want = count < size ? count : size;
    if (want > PCID_MAX_VECTORS)
        want = PCID_MAX_VECTORS;
    uint32_t n = 0;
    for (; n < want; n++) {
        msi_msg_t msg;
        if (msi_alloc(d, b, n % cpu_count(), &b->msi_num[n], &b->irqs[n], &msg) != OK)
            break;
        volatile uint32_t *e = msix_entry(b, toff, n);
        e[0] = (uint32_t)msg.address;
        e[1] = (uint32_t)(msg.address >> 32);
        e[2] = msg.data;
        e[3] &= ~1u;
    }
    b->irq_mode = PCID_IRQ_MSIX; /* so that teardown undoes what was done */
    b->nvec = n;
    if (n == 0) {
        pcid_irq_teardown(d, i);
        return ERR_NO_RESOURCES;
    }
    pcid_cfg_write(d, f->bdf, f->msix + 2, 2, (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASK);
    cmd_update(d, f->bdf, PCI_CMD_INTX_DISABLE, 0);
    return OK;
}

static int msi_setup(pcid_t *d, uint32_t i)
{
    const pci_func_t *f = &d->tree.funcs[i];
    pcid_binding_t *b = &d->bind[i];
    msi_msg_t msg;
    int err = msi_alloc(d, b, 0, &b->msi_num[0], &b->irqs[0], &msg);
    if (err != OK)
        return err;
    uint32_t ctrl = pcid_cfg_read(d, f->bdf, f->msi + 2, 2);
    bool is64 = ctrl & 0x80;
    pcid_cfg_write(d, f->bdf, f->msi + 4, 4, (uint32_t)msg.address);
    if (is64)
        pcid_cfg_write(d, f->bdf, f->msi + 8, 4, (uint32_t)(msg.address >> 32));
    pcid_cfg_write(d, f->bdf, f->msi + (is64 ? 0x0c : 0x08), 2, msg.data);
    if (ctrl & 0x100) {
        uint32_t mreg = f->msi + (is64 ? 0x10 : 0x0c);
        pcid_cfg_write(d, f->bdf, mreg, 4, pcid_cfg_read(d, f->bdf, mreg, 4) & ~1u);
    }
    pcid_cfg_write(d, f->bdf, f->msi + 2, 2, (ctrl & ~0x70u) | MSI_CTRL_ENABLE);
    cmd_update(d, f->bdf, PCI_CMD_INTX_DISABLE, 0);
    b->irq_mode = PCID_IRQ_MSI;
    b->nvec = 1;
    return OK;
}

static int intx_setup(pcid_t *d, uint32_t i)
{
    const pci_func_t *f = &d->tree.funcs[i];
    pcid_binding_t *b = &d->bind[i];
    uint32_t gsi = f->irq_line;
    if (gsi == 0 || gsi == 0xff)
        return ERR_NOT_SUPPORTED; /* the firmware routed no line */
    int a = pcid_anchor(d, b, RESOURCE_IRQ, gsi, 1);
    if (a < 0)
        return a;
    uint32_t flags = gsi < 16 ? IRQ_LEVEL : IRQ_LEVEL | IRQ_ACTIVE_LOW;
    int64_t err = sys_irq_create(b->anchors[a], gsi, flags, &b->irqs[0]);
    if (err != OK)
        return (int)err;
    cmd_update(d, f->bdf, 0, PCI_CMD_INTX_DISABLE);
    b->irq_mode = PCID_IRQ_INTX;
    b->nvec = 1;
    b->gsi = gsi;
    return OK;
}

int pcid_irq_setup(pcid_t *d, uint32_t i, uint32_t count, uint32_t allow)
{
    const pci_func_t *f = &d->tree.funcs[i];
    if (count == 0)
        return ERR_INVALID_ARGS;
    if (allow == 0)
        allow = 1u << PCID_IRQ_INTX | 1u << PCID_IRQ_MSI | 1u << PCID_IRQ_MSIX;
    int err = ERR_NOT_SUPPORTED;
    if (f->msix != 0 && (allow & 1u << PCID_IRQ_MSIX) && (err = msix_setup(d, i, count)) == OK)
        return OK;
    if (f->msi != 0 && (allow & 1u << PCID_IRQ_MSI) && (err = msi_setup(d, i)) == OK)
        return OK;
    if (f->irq_pin != 0 && (allow & 1u << PCID_IRQ_INTX) && (err = intx_setup(d, i)) == OK)
        return OK;
    return err;
}

void pcid_irq_teardown(pcid_t *d, uint32_t i)
{
    const pci_func_t *f = &d->tree.funcs[i];
    pcid_binding_t *b = &d->bind[i];
    if (b->irq_mode == PCID_IRQ_MSI) {
        uint32_t ctrl = pcid_cfg_read(d, f->bdf, f->msi + 2, 2);
        pcid_cfg_write(d, f->bdf, f->msi + 2, 2, ctrl & ~MSI_CTRL_ENABLE);
    } else if (b->irq_mode == PCID_IRQ_MSIX) {
        uint32_t ctrl = pcid_cfg_read(d, f->bdf, f->msix + 2, 2);
        pcid_cfg_write(d, f->bdf, f->msix + 2, 2, (ctrl | MSIX_CTRL_MASK) & ~MSIX_CTRL_ENABLE);
    }
    if (b->irq_mode != PCID_IRQ_NONE)
        cmd_update(d, f->bdf, PCI_CMD_INTX_DISABLE, 0);
    if (b->msix_map != 0)
        sys_vm_unmap(HANDLE_INVALID, b->msix_map, b->msix_map_len);
    if (b->msix_vmo != HANDLE_INVALID)
        sys_handle_close(b->msix_vmo);
    b->msix_map = 0;
    b->msix_vmo = HANDLE_INVALID;
    for (uint32_t v = 0; v < b->nvec; v++) {
        if (b->irq_mode != PCID_IRQ_INTX)
            d->msi_used[b->msi_num[v] / 8] &= (uint8_t)~(1u << (b->msi_num[v] % 8));
        if (b->irqs[v] != HANDLE_INVALID)
            sys_handle_close(b->irqs[v]);
        b->irqs[v] = HANDLE_INVALID;
    }
    b->irq_mode = PCID_IRQ_NONE;
    b->nvec = 0;
}
