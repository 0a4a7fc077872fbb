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
paddr_t vm_kernel_root(void);

int vm_map_kernel(vaddr_t va, paddr_t pa, size_t len, uint64_t flags);
int vm_unmap_kernel(vaddr_t va, size_t len);
int vm_query_kernel(vaddr_t va, paddr_t *pa);
/* Flags and page size of the mapping of va (for self-tests and reports). */
int vm_query_kernel_flags(vaddr_t va, uint64_t *flags, size_t *page_size);

#endif
