/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Self-tests of memory management on the real machine: the frame
 * allocator over the real memory map, the heap, the final kernel page
 * tables' permissions, the stack guard pages and the memory types of
 * user mappings.
 */
#include "abi/resource.h"
#include "arch/cpu.h"
#include "lib/kstring.h"
#include "mm/aspace.h"
#include "mm/kheap.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/vm.h"
#include "test/ktest.h"

extern char _text_start[], _rodata_start[], _data_start[], _kernel_end[];

#define NPAGES 512

/* Pages are distinct, writable through the direct map, and all come back. */
KTEST(pmm_alloc_free)
{
    static paddr_t pages[NPAGES];
    size_t before = pmm_free_pages();
    for (size_t i = 0; i < NPAGES; i++) {
        KT_CHECK(pmm_alloc(0, &pages[i]) == OK);
        KT_CHECK(IS_ALIGNED(pages[i], PAGE_SIZE));
        KT_CHECK(pages[i] >= 0x100000);
        uint64_t *p = phys_to_virt(pages[i]);
        p[0] = pages[i] ^ 0x5a5a5a5a5a5a5a5aull;
        p[511] = i;
    }
    KT_CHECK(pmm_free_pages() == before - NPAGES);
    for (size_t i = 0; i < NPAGES; i++) {
        uint64_t *p = phys_to_virt(pages[i]);
        KT_CHECK(p[0] == (pages[i] ^ 0x5a5a5a5a5a5a5a5aull) && p[511] == i);
    }
    for (size_t i = 0; i < NPAGES; i++)
        pmm_free(pages[i], 0);
    KT_CHECK(pmm_free_pages() == before);

    paddr_t big;
    KT_CHECK(pmm_alloc(9, &big) == OK); /* 2 MiB, naturally aligned */
    KT_CHECK(IS_ALIGNED(big, 2u << 20));
    pmm_free(big, 9);
    KT_CHECK(pmm_alloc(64, &big) == ERR_INVALID_ARGS);
    KT_CHECK(pmm_free_pages() == before);
    return OK;
}

/* The kernel image and its frames must never be handed out. */
KTEST(pmm_reserved)
{
    paddr_t kstart = (paddr_t)_text_start - KERNEL_VMA_BASE;
    paddr_t kend = (paddr_t)_kernel_end - KERNEL_VMA_BASE;
    static paddr_t pages[NPAGES];
    for (size_t i = 0; i < NPAGES; i++) {
        KT_CHECK(pmm_alloc(0, &pages[i]) == OK);
        KT_CHECK(pages[i] + PAGE_SIZE <= kstart || pages[i] >= kend);
    }
    for (size_t i = 0; i < NPAGES; i++)
        pmm_free(pages[i], 0);
    return OK;
}

KTEST(heap_kmalloc)
{
    heap_stats_t s0, s1;
    kheap_stats(&s0);
    void *p[12];
    static const size_t sizes[12] = {1, 16, 17, 100, 256, 1000, 2048, 2049, 4096, 10000, 65536, 1 << 20};
    for (size_t i = 0; i < 12; i++) {
        p[i] = kmalloc(sizes[i]);
        KT_CHECK(p[i] != NULL);
        KT_CHECK(IS_ALIGNED((uintptr_t)p[i], 16));
        memset(p[i], (int)i + 1, sizes[i]);
    }
    for (size_t i = 0; i < 12; i++) {
        const unsigned char *b = p[i];
        KT_CHECK(b[0] == i + 1 && b[sizes[i] - 1] == i + 1);
    }
    for (size_t i = 0; i < 12; i++)
        kfree(p[i]);
    KT_CHECK(kmalloc(0) == NULL);
    KT_CHECK(kmalloc((size_t)-1) == NULL);
    unsigned char *z = kzalloc(3000);
    KT_CHECK(z != NULL && z[0] == 0 && z[2999] == 0);
    kfree(z);
    kheap_stats(&s1);
    KT_CHECK(s1.small_in_use == s0.small_in_use && s1.large_count == s0.large_count);
    return OK;
}

static int check_flags(vaddr_t va, bool writable, bool exec)
{
    uint64_t flags;
    size_t size;
    if (vm_query_kernel_flags(va, &flags, &size) != OK)
        return ERR_NOT_FOUND;
    if (!!(flags & PTE_W) != writable)
        return ERR_ACCESS_DENIED;
    if (cpu_features.nx && !(flags & PTE_NX) != exec)
        return ERR_ACCESS_DENIED;
    return OK;
}

KTEST(vm_permissions)
{
    KT_CHECK(check_flags((vaddr_t)_text_start, false, true) == OK);
    KT_CHECK(check_flags((vaddr_t)_rodata_start, false, false) == OK);
    KT_CHECK(check_flags((vaddr_t)_data_start, true, false) == OK);
    paddr_t pa;
    KT_CHECK(pmm_alloc(0, &pa) == OK);
    KT_CHECK(check_flags((vaddr_t)phys_to_virt(pa), true, false) == OK);
    pmm_free(pa, 0);
    /* The kernel image through the direct map: read-only, not executable. */
    KT_CHECK(check_flags((vaddr_t)phys_to_virt((paddr_t)_text_start - KERNEL_VMA_BASE), false, false) == OK);
    /* The early identity map is gone. */
    paddr_t dummy;
    KT_CHECK(vm_query_kernel(0x100000, &dummy) == ERR_NOT_FOUND);
    KT_CHECK(vm_query_kernel(0, &dummy) == ERR_NOT_FOUND);
    return OK;
}

KTEST(kstack_guard)
{
    vaddr_t top = kstack_alloc();
    KT_CHECK(top != 0);
    vaddr_t lo, hi;
    KT_CHECK(kstack_bounds(top - 8, &lo, &hi));
    KT_CHECK(hi == top && lo == top - KSTACK_SIZE);
    paddr_t pa;
    KT_CHECK(vm_query_kernel(top - PAGE_SIZE, &pa) == OK);
    KT_CHECK(vm_query_kernel(lo, &pa) == OK);
    KT_CHECK(vm_query_kernel(lo - PAGE_SIZE, &pa) == ERR_NOT_FOUND); /* the guard */
    KT_CHECK(kstack_is_guard(lo - 1));
    KT_CHECK(!kstack_is_guard(lo));
    /* A freed stack is cached, still mapped, and handed out next. */
    size_t cached = kstack_cached();
    kstack_free(top);
    KT_CHECK(kstack_cached() == cached + 1);
    KT_CHECK(vm_query_kernel(lo, &pa) == OK);
    KT_CHECK(kstack_alloc() == top);
    KT_CHECK(kstack_cached() == cached);
    kstack_free(top);
    return OK;
}

/* A mapping's memory type comes from its vmo, through the PAT: uncached
 * is PCD|PWT, write-combining the PAT bit (entry 4), anonymous memory
 * write-back; vm_protect keeps them. Physical vmos never touch RAM. */
KTEST(physical_vmo_cache_bits)
{
    static const struct {
        uint32_t cache;
        uint64_t bits;
    } cases[] = {{VMO_CACHE_UC, PTE_PCD | PTE_PWT}, {VMO_CACHE_WC, PTE_PAT}};
    const paddr_t hole = 0x300000000ull; /* 12 GiB: nothing there below 4 GiB of RAM */
    const uint64_t mask = PTE_PCD | PTE_PWT | PTE_PAT;
    aspace_t *as;
    KT_CHECK(aspace_create(&as) == OK);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        vmo_t *v;
        KT_CHECK(vmo_create_physical(hole, 0x400000, cases[i].cache, &v) == OK);
        vaddr_t va;
        KT_CHECK(aspace_map(as, 0x200000000ull, v, 0, 0x400000, MAP_READ | MAP_WRITE | MAP_FIXED, &va) == OK);
        obj_unref(&v->obj); /* the mapping holds it */
        paddr_t pa;
        uint64_t flags;
        KT_CHECK(aspace_query(as, va + 0x201000, &pa, &flags) == OK); /* inside a 2 MiB page */
        KT_CHECK(pa == hole + 0x201000);
        KT_CHECK((flags & mask) == cases[i].bits);
        KT_CHECK(aspace_protect(as, va, 0x400000, MAP_READ) == OK);
        KT_CHECK(aspace_query(as, va, &pa, &flags) == OK);
        KT_CHECK((flags & mask) == cases[i].bits && !(flags & PTE_W));
        KT_CHECK(aspace_unmap(as, va, 0x400000) == OK);
    }
    vmo_t *anon;
    KT_CHECK(vmo_create(NULL, PAGE_SIZE, 0, &anon) == OK);
    vaddr_t va;
    KT_CHECK(aspace_map(as, 0, anon, 0, PAGE_SIZE, MAP_READ, &va) == OK);
    obj_unref(&anon->obj);
    uint64_t flags;
    KT_CHECK(aspace_query(as, va, NULL, &flags) == OK);
    KT_CHECK((flags & mask) == 0);
    aspace_destroy(as);
    return OK;
}
