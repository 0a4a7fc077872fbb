/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_64 4-level page-table helpers: map, unmap, protect, query and tear
 * down ranges of one address space, given the physical address of its root
 * (PML4). Levels are numbered 4 (PML4) down to 1 (page table).
 *
 * pt_map makes 2 MiB pages where va, pa and the remaining length allow it
 * and 4 KiB pages elsewhere; it never makes 1 GiB pages but every function
 * understands them (early boot may use them). Large pages only partly
 * covered by pt_unmap/pt_protect are split first.
 *
 * Every function validates its arguments and returns an error instead of
 * panicking. Each operation runs in two phases (check, then perform): the
 * first walks the range without changing anything, detects conflicts and
 * counts the table pages needed; those are allocated up front, so the
 * second phase cannot fail and no error leaves a half-done change behind.
 *
 * Not done here: locking (the caller serializes operations on one root)
 * and TLB invalidation. The caller flushes [va, va+len) after pt_unmap and
 * pt_protect (and after pt_map if the range was ever mapped before) on
 * every CPU that may use the root.
 */
#ifndef MM_PT_H
#define MM_PT_H

#include "types.h"

#define PTE_P (1ull << 0)          /* present */
#define PTE_W (1ull << 1)          /* writable */
#define PTE_U (1ull << 2)          /* user accessible */
#define PTE_PWT (1ull << 3)        /* write-through */
#define PTE_PCD (1ull << 4)        /* cache disable */
#define PTE_A (1ull << 5)          /* accessed (set by the CPU) */
#define PTE_D (1ull << 6)          /* dirty (set by the CPU, leaves only) */
#define PTE_PS (1ull << 7)         /* large page, in level 3 and 2 entries */
#define PTE_PAT (1ull << 7)        /* PAT index bit, in 4 KiB entries */
#define PTE_G (1ull << 8)          /* global */
#define PTE_PAT_LARGE (1ull << 12) /* PAT index bit, in large-page entries */
#define PTE_NX (1ull << 63)        /* no execute (needs EFER.NXE) */

#define PTE_ADDR_MASK 0x000ffffffffff000ull

/*
 * Flags callers pass to pt_map/pt_protect and get back from pt_query. They
 * use the 4 KiB encoding: PTE_PAT means the PAT bit whatever the page size
 * (the helpers move it to bit 12 in large pages). PTE_P is implied.
 */
#define PT_MAP_FLAGS                                                           \
    (PTE_P | PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_PAT | PTE_G | PTE_NX)

#define PT_MAX_PHYS (1ull << 52)   /* architectural MAXPHYADDR limit */
#define PT_LOWER_TOP (1ull << 47)  /* end of the canonical lower half */

typedef struct pt_ctx {
    uintptr_t virt_offset;  /* table virt = phys + virt_offset */
    /*
     * Returns one page for a table (it need not be zeroed: the helpers zero
     * it) or an error, normally ERR_NO_MEMORY, which is passed on.
     */
    int (*alloc_table)(void *ctx, paddr_t *out);
    /*
     * Called for table pages that pt_unmap/pt_destroy no longer use. The
     * CPU's paging-structure caches may still hold them until the caller's
     * TLB flush, so the page must not be reused before that flush (queue it
     * and release it after the shootdown).
     */
    void (*free_table)(void *ctx, paddr_t pa);
    void *ctx;
    uint64_t nx_mask;       /* PTE_NX, or 0 without NX: then every entry
                               written has PTE_NX stripped */
} pt_ctx_t;

/*
 * Maps [va, va+len) to [pa, pa+len) with flags (a subset of PT_MAP_FLAGS).
 * ERR_INVALID_ARGS: va/pa/len not 4 KiB aligned, len 0, a range that wraps,
 * is not canonical or crosses the canonical hole, pa beyond PT_MAX_PHYS,
 * unknown flags. ERR_ALREADY_EXISTS: some page of the range is mapped.
 * ERR_NO_MEMORY (from alloc_table). On error nothing has changed.
 */
int pt_map(pt_ctx_t *c, paddr_t root, vaddr_t va, paddr_t pa, size_t len,
           uint64_t flags);

/*
 * Unmaps every page in [va, va+len); unmapped holes are fine. Large pages
 * partly inside are split first, which may need tables (ERR_NO_MEMORY,
 * nothing changed). Tables left empty are freed, except the root and the
 * tables the root points to for the upper (kernel) half: those are shared
 * by every address space and must live as long as the kernel.
 */
int pt_unmap(pt_ctx_t *c, paddr_t root, vaddr_t va, size_t len);

/*
 * Sets the PT_MAP_FLAGS of every page in [va, va+len) to flags (A and D are
 * kept). ERR_NOT_FOUND if any page of the range is unmapped, ERR_NO_MEMORY
 * if splitting needs tables; in both cases nothing has changed.
 */
int pt_protect(pt_ctx_t *c, paddr_t root, vaddr_t va, size_t len,
               uint64_t flags);

/*
 * Translates va: *pa gets the physical address of va itself (offset
 * included), *flags the leaf's flags (PT_MAP_FLAGS | PTE_A | PTE_D, in the
 * 4 KiB encoding), *page_size 4 KiB, 2 MiB or 1 GiB. Any output may be NULL.
 * ERR_NOT_FOUND if unmapped, ERR_INVALID_ARGS if va is not canonical.
 */
int pt_query(pt_ctx_t *c, paddr_t root, vaddr_t va, paddr_t *pa,
             uint64_t *flags, size_t *page_size);

/*
 * Address-space teardown: frees every table page below the root entries
 * whose 512 GiB slot lies entirely inside [lo, hi) and in the lower half,
 * and clears those root entries. The mapped frames themselves are not
 * touched (their owners free them). Parts of the range outside the lower
 * half, or slots only partly inside it, are left alone.
 */
void pt_destroy(pt_ctx_t *c, paddr_t root, vaddr_t lo, vaddr_t hi);

#endif
