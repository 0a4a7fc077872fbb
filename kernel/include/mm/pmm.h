/*
 * Physical memory manager: the buddy allocator (mm/buddy.c) over usable RAM
 * from the multiboot2 memory map, minus the kernel image, the boot modules,
 * the boot information, the first MiB and its own bookkeeping.
 *
 * Set up in two steps because free blocks are written through the direct
 * map: pmm_init() hands over RAM below 4 GiB (covered by the early page
 * tables), pmm_add_high_memory() the rest once vm_init() has mapped it.
 */
#ifndef MM_PMM_H
#define MM_PMM_H

#include "types.h"
#include "init/multiboot2.h"

#define PMM_EARLY_LIMIT 0x100000000ull

/* Highest physical address + 1 the kernel uses: what the CPU can address
 * and the direct map can hold. The memory map is clipped to it. */
paddr_t pmm_phys_limit(void);

void pmm_init(const boot_info_t *bi, paddr_t info_phys);
void pmm_add_high_memory(void);

int pmm_alloc(unsigned order, paddr_t *out);  /* OK or ERR_NO_MEMORY */
int pmm_alloc_zeroed(unsigned order, paddr_t *out);
/* A zeroed block ending at or below `limit` (contiguous DMA vmos made from
 * a DMA resource narrowed to a device's reach). OK or ERR_NO_MEMORY. */
int pmm_alloc_zeroed_below(unsigned order, paddr_t limit, paddr_t *out);
void pmm_free(paddr_t pa, unsigned order);

size_t pmm_free_pages(void);
size_t pmm_total_pages(void);  /* usable pages handed to the allocator */
uint64_t pmm_ram_bytes(void);  /* available RAM in the memory map */

#endif
