/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Platform set-up: read the MADT and HPET tables through acpi_tables.c,
 * then bring up the LAPIC, HPET, LAPIC timer, IOAPICs and the APs, in that
 * order. The ACPI reader gets physical memory only inside ranges the memory
 * map describes (RAM, ACPI, reserved): a table pointer into a hole (device
 * registers) is refused instead of read.
 */
#include "init/platform.h"
#include "arch/hpet.h"
#include "arch/ioapic.h"
#include "arch/lapic.h"
#include "arch/smp.h"
#include "lib/log.h"
#include "mm/layout.h"
#include "mm/vm.h"

acpi_platform_t platform;

static bool in_memory_map(const boot_info_t *bi, paddr_t pa, size_t len, bool *direct)
{
    for (size_t i = 0; i < bi->mmap_count; i++) {
        const boot_mmap_entry_t *e = &bi->mmap[i];
        if (pa >= e->base && len <= e->len && pa - e->base <= e->len - len) {
            *direct = e->type == BOOT_MEM_AVAILABLE || e->type == BOOT_MEM_ACPI_RECLAIMABLE ||
                      e->type == BOOT_MEM_NVS;
            return true;
        }
    }
    return false;
}

static const void *acpi_map(void *ctx, paddr_t pa, size_t len)
{
    const boot_info_t *bi = ctx;
    bool direct;
    if (len == 0 || pa + len < pa || !in_memory_map(bi, pa, len, &direct))
        return NULL;
    if (direct)
        return phys_to_virt(pa);
    void *va;
    return vm_map_phys(pa, len, VM_CACHE_WB, false, &va) == OK ? va : NULL;
}

static void acpi_report(void *ctx, const char *msg)
{
    (void)ctx;
    klog(LOG_WARN, "%s", msg);
}

void platform_init(const boot_info_t *bi)
{
    acpi_mem_t mem = {acpi_map, (void *)bi, acpi_report};
    int err = ERR_NOT_FOUND;
    if (bi->rsdp)
        err = acpi_read_platform(bi->rsdp, bi->rsdp_len, &mem, &platform);
    if (err != OK) {
        klog(LOG_WARN, "platform: no usable MADT (error %d): one CPU, no IOAPIC", err);
        platform = (acpi_platform_t){0};
    } else {
        klog(LOG_INFO, "platform: ACPI %s, %zu CPU%s, %zu IOAPIC%s, %zu override%s, HPET %s",
             platform.xsdt ? "XSDT" : "RSDT", platform.ncpus, platform.ncpus == 1 ? "" : "s",
             platform.nioapics, platform.nioapics == 1 ? "" : "s", platform.noverrides,
             platform.noverrides == 1 ? "" : "s", platform.has_hpet ? "yes" : "no");
    }
    lapic_init(platform.lapic_addr);
    if (platform.has_hpet)
        hpet_init(platform.hpet_addr);
    lapic_timer_calibrate();
    ioapic_init(&platform);
    smp_init(&platform);
}
