/*
 * The kernel's virtual address layout (x86_64, 4-level paging, 48-bit).
 *
 *   0x0000000000000000 - 0x00007fffffffffff   user space (later issues)
 *   0xffff800000000000 - ...                  direct map of physical RAM (RW, NX)
 *   0xfffffd0000000000 - 0xfffffdffffffffff   device and firmware mappings
 *                                             (LAPIC, IOAPIC, HPET, ACPI tables)
 *   0xfffffe0000000000 - 0xfffffe7fffffffff   kernel stacks, each with an
 *                                             unmapped guard page below it
 *   0xffffffff80000000 + phys                 the kernel image (-2 GiB,
 *                                             so -mcmodel=kernel works)
 *
 * Early boot (boot/entry.S) maps the first 4 GiB both at 0 and at the
 * direct-map base, and the first 1 GiB at the kernel base; vm_init() then
 * replaces that with the final tables and drops the identity map.
 */
#ifndef MM_LAYOUT_H
#define MM_LAYOUT_H

#define KERNEL_VMA_BASE 0xffffffff80000000
#define DIRECT_MAP_BASE 0xffff800000000000
#define DIRECT_MAP_SIZE 0x0000400000000000 /* 64 TiB: RAM above is ignored */
#define PHYSMAP_REGION_BASE 0xfffffd0000000000
#define PHYSMAP_REGION_SIZE 0x0000010000000000
#define KSTACK_REGION_BASE 0xfffffe0000000000
#define KSTACK_REGION_SIZE 0x0000008000000000

/* Kernel stacks: 16 KiB plus one guard page. */
#define KSTACK_PAGES 4
#define KSTACK_SIZE (KSTACK_PAGES * 4096)

#ifndef __ASSEMBLER__
#include "types.h"

static inline void *phys_to_virt(paddr_t pa)
{
    return (void *)(uintptr_t)(pa + DIRECT_MAP_BASE);
}

static inline paddr_t virt_to_phys(const void *va)
{
    uintptr_t v = (uintptr_t)va;
    if (v >= KERNEL_VMA_BASE)
        return v - KERNEL_VMA_BASE;
    return v - DIRECT_MAP_BASE;
}
#endif

#endif
