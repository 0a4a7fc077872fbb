/*
 * The kernel address space: the final kernel page tables built by vm_init()
 * (direct map of RAM, the kernel image with per-section permissions) and
 * the calls that map into its dynamic regions (kernel stacks, later MMIO).
 * TLB shootdown across CPUs comes with SMP bring-up (next issue); until then
 * unmapping flushes the calling CPU only.
 */
#ifndef MM_VM_H
#define MM_VM_H

#include "types.h"
#include "init/multiboot2.h"

void vm_init(const boot_info_t *bi);
/* Fill a new user PML4's upper half with the kernel's entries (all of them
 * exist from boot on, so later kernel mappings appear everywhere). */
void vm_copy_kernel_half(paddr_t user_root);
paddr_t vm_kernel_root(void);

/*
 * Map physical range [pa, pa+len) that is not in the direct map (device
 * registers, firmware tables) into the physmap region; *va gets the address
 * of pa itself (not page aligned when pa is not). Mappings are permanent:
 * they are for boot-time discovery and kernel-owned devices only.
 * cache: VM_CACHE_WB for firmware tables, VM_CACHE_UC for registers.
 */
enum vm_cache { VM_CACHE_WB, VM_CACHE_UC };
int vm_map_phys(paddr_t pa, size_t len, enum vm_cache cache, bool writable, void **va);

/* Identity-map low physical memory (the AP trampoline) while APs start;
 * never global, so a later CR3 load forgets it. */
int vm_map_low_identity(paddr_t pa, size_t len);
void vm_unmap_low_identity(paddr_t pa, size_t len);

int vm_map_kernel(vaddr_t va, paddr_t pa, size_t len, uint64_t flags);
int vm_unmap_kernel(vaddr_t va, size_t len);
int vm_query_kernel(vaddr_t va, paddr_t *pa);
/* Flags and page size of the mapping of va (for self-tests and reports). */
int vm_query_kernel_flags(vaddr_t va, uint64_t *flags, size_t *page_size);

#endif
