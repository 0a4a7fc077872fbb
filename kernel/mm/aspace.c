/* SPDX-License-Identifier: BSD-2-Clause
 *
 * User address spaces (model in mm/aspace.h): mappings of vmos into the
 * lower half, placement, permissions, and the TLB shootdown that must
 * finish before an unmapped vmo's pages can be reused.
 */
#include "mm/aspace.h"
#include "arch/cpu.h"
#include "arch/percpu.h"
#include "arch/tlb.h"
#include "lib/kassert.h"
#include "lib/kstring.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/vm.h"

/* Where mappings without a fixed address go: above the 4 GiB that ELF
 * images conventionally use. */
#define DYNAMIC_BASE 0x100000000ull

static pt_ctx_t uctx;

static int alloc_table(void *ctx, paddr_t *out)
{
    (void)ctx;
    return pmm_alloc(0, out); /* pt.c zeroes new tables itself */
}

/*
 * A page-table page emptied by an unmap cannot go back to the allocator
 * yet: other CPUs running this address space may still cache it (paging-
 * structure caches) until the TLB shootdown. It waits on the address
 * space's list, linked through its own first word, under as->lock.
 */
static void free_table(void *ctx, paddr_t pa)
{
    aspace_t *as = ctx;
    *(paddr_t *)phys_to_virt(pa) = as->deferred_tables;
    as->deferred_tables = pa;
}

/* After the shootdown: really free the emptied tables. */
static void free_deferred_tables(aspace_t *as)
{
    uint64_t fl = spin_lock_irqsave(&as->lock);
    paddr_t pa = as->deferred_tables;
    as->deferred_tables = 0;
    spin_unlock_irqrestore(&as->lock, fl);
    while (pa) {
        paddr_t next = *(paddr_t *)phys_to_virt(pa);
        pmm_free(pa, 0);
        pa = next;
    }
}

/* The page-table context for as: its own, so freed tables go on its list. */
#define CTX(as) (&(pt_ctx_t){.virt_offset = uctx.virt_offset, .alloc_table = uctx.alloc_table, \
                             .free_table = free_table, .ctx = (as), .nx_mask = uctx.nx_mask})

void aspace_init(void)
{
    uctx = (pt_ctx_t){
        .virt_offset = DIRECT_MAP_BASE,
        .alloc_table = alloc_table,
        .free_table = free_table,
        .nx_mask = cpu_features.nx ? PTE_NX : 0,
    };
}

int aspace_create(aspace_t **out)
{
    aspace_t *as = kzalloc(sizeof *as);
    if (!as)
        return ERR_NO_MEMORY;
    if (pmm_alloc_zeroed(0, &as->root) != OK) {
        kfree(as);
        return ERR_NO_MEMORY;
    }
    vm_copy_kernel_half(as->root);
    as->lock = (spinlock_t)SPINLOCK_INIT;
    as->refs = 1;
    list_init(&as->mappings);
    *out = as;
    return OK;
}

static uint64_t pte_flags(uint32_t perms)
{
    return PTE_U | ((perms & MAP_WRITE) ? PTE_W : 0) | ((perms & MAP_EXEC) ? 0 : PTE_NX);
}

/* First free range of len bytes at or above `from` (as->lock held). */
static vaddr_t find_free_locked(aspace_t *as, vaddr_t from, uint64_t len)
{
    vaddr_t cand = from;
    list_for_each(n, &as->mappings) {
        mapping_t *m = list_entry(n, mapping_t, link);
        if (m->va + m->len <= cand)
            continue;
        if (m->va >= cand + len)
            break;
        cand = m->va + m->len;
    }
    return user_range_ok(cand, len) ? cand : 0;
}

static bool overlaps_locked(aspace_t *as, vaddr_t va, uint64_t len)
{
    list_for_each(n, &as->mappings) {
        mapping_t *m = list_entry(n, mapping_t, link);
        if (m->va < va + len && va < m->va + m->len)
            return true;
    }
    return false;
}

static void insert_sorted_locked(aspace_t *as, mapping_t *m)
{
    list_node_t *pos = &as->mappings;
    list_for_each(n, &as->mappings) {
        if (list_entry(n, mapping_t, link)->va > m->va)
            break;
        pos = n;
    }
    list_insert_after(pos, &m->link);
}

static int map_pages_locked(aspace_t *as, mapping_t *m)
{
    uint64_t flags = pte_flags(m->perms) | vmo_pte_cache(m->vmo);
    size_t first = m->offset / PAGE_SIZE, n = m->len / PAGE_SIZE;
    if (vmo_is_contiguous(m->vmo))
        return pt_map(CTX(as), as->root, m->va, vmo_page(m->vmo, first), m->len, flags);
    for (size_t i = 0; i < n; i++) {
        int err = pt_map(CTX(as), as->root, m->va + i * PAGE_SIZE, vmo_page(m->vmo, first + i), PAGE_SIZE, flags);
        if (err != OK) {
            if (i)
                pt_unmap(CTX(as), as->root, m->va, i * PAGE_SIZE);
            return err;
        }
    }
    return OK;
}

int aspace_map(aspace_t *as, vaddr_t va, vmo_t *vmo, uint64_t offset, uint64_t len, uint32_t flags,
               vaddr_t *out)
{
    uint32_t perms = flags & (MAP_READ | MAP_WRITE | MAP_EXEC);
    if (!(perms & MAP_READ))
        return ERR_INVALID_ARGS; /* x86 cannot map a page write- or execute-only */
    if (len == 0 || !IS_ALIGNED(len, PAGE_SIZE) || !IS_ALIGNED(offset, PAGE_SIZE) || !IS_ALIGNED(va, PAGE_SIZE))
        return ERR_INVALID_ARGS;
    if ((perms & MAP_WRITE) && (perms & MAP_EXEC))
        return ERR_ACCESS_DENIED; /* W^X */
    if (offset > vmo->size || len > vmo->size - offset)
        return ERR_OUT_OF_RANGE;
    if ((flags & MAP_FIXED) && !user_range_ok(va, len))
        return ERR_OUT_OF_RANGE;
    mapping_t *m = kzalloc(sizeof *m);
    if (!m)
        return ERR_NO_MEMORY;
    uint64_t fl = spin_lock_irqsave(&as->lock);
    int err = OK;
    if (flags & MAP_FIXED) {
        if (overlaps_locked(as, va, len))
            err = ERR_ALREADY_EXISTS;
    } else if (!(va = find_free_locked(as, va ? va : DYNAMIC_BASE, len))) {
        err = ERR_NO_RESOURCES;
    }
    if (err == OK) {
        *m = (mapping_t){.va = va, .len = len, .vmo = vmo, .offset = offset, .perms = perms, .max_perms = perms,
                         .as = as};
        /* Checked and linked under the vmo's lock: a revocation either
         * finds this mapping or has refused it (see aspace_revoke_vmo). */
        spin_lock(&vmo->lock);
        err = vmo->revoked ? ERR_BAD_HANDLE : map_pages_locked(as, m);
        if (err == OK)
            list_push_back(&vmo->mappings, &m->vmo_link);
        spin_unlock(&vmo->lock);
    }
    if (err == OK) {
        obj_ref(&vmo->obj);
        insert_sorted_locked(as, m);
    }
    spin_unlock_irqrestore(&as->lock, fl);
    if (err != OK) {
        kfree(m);
        return err;
    }
    *out = va;
    return OK;
}

/*
 * An unmapped mapping keeps its range until the TLB shootdown is done:
 * were the range free at once, another thread of the process could map
 * something new there and, on a CPU still holding the old translations
 * (its own, if it runs where the unmapper was preempted before the flush),
 * read and write the old pages instead. Such a mapping is "dying": unmap
 * and protect see a gap there, placement sees the range taken.
 */
static bool dying(const mapping_t *m)
{
    return m->dying;
}

/* Which mappings an unmap takes: those inside a range, or those of a vmo. */
typedef struct unmap_sel {
    vaddr_t va;
    uint64_t len;
    const vmo_t *vmo;
} unmap_sel_t;

static bool selected(const mapping_t *m, const unmap_sel_t *sel)
{
    return sel->vmo ? m->vmo == sel->vmo : m->va >= sel->va && m->va + m->len <= sel->va + sel->len;
}

/* First phase (as->lock held): the selected live mappings lose their
 * pages and become dying. Returns how many. */
static size_t mark_dying_locked(aspace_t *as, const unmap_sel_t *sel)
{
    spin_assert_held(&as->lock);
    size_t n = 0;
    list_for_each(l, &as->mappings) {
        mapping_t *m = list_entry(l, mapping_t, link);
        if (!dying(m) && selected(m, sel)) {
            pt_unmap(CTX(as), as->root, m->va, m->len);
            __atomic_store_n(&m->dying, true, __ATOMIC_RELAXED); /* aspace_revoke_vmo peeks */
            m->reaper = sel;
            n++;
        }
    }
    return n;
}

static void release_mappings(list_t *gone)
{
    list_node_t *l;
    while ((l = list_pop_front(gone))) {
        mapping_t *m = list_entry(l, mapping_t, link);
        obj_unref(&m->vmo->obj);
        kfree(m);
    }
}

/* Take m out of the address space's list and its vmo's (as->lock held). */
static void unlink_locked(mapping_t *m, list_t *gone)
{
    spin_assert_held(&m->as->lock);
    list_remove(&m->link);
    spin_lock(&m->vmo->lock);
    list_remove(&m->vmo_link);
    spin_unlock(&m->vmo->lock);
    list_push_back(gone, &m->link);
}

/* Second phase: no CPU may still reach the pages before the range or the
 * vmo's pages are reused. The mappings this unmap marked go now; those a
 * concurrent one marked wait for its own shootdown (a range may have gaps
 * where new mappings appear, and be unmapped by others, meanwhile). */
static void finish_unmap(aspace_t *as, const unmap_sel_t *sel)
{
    tlb_shootdown(as);
    free_deferred_tables(as);
    list_t gone = LIST_INIT(gone);
    uint64_t fl = spin_lock_irqsave(&as->lock);
    list_for_each_safe(l, tmp, &as->mappings) {
        mapping_t *m = list_entry(l, mapping_t, link);
        if (dying(m) && m->reaper == sel)
            unlink_locked(m, &gone);
    }
    spin_unlock_irqrestore(&as->lock, fl);
    release_mappings(&gone);
}

int aspace_unmap(aspace_t *as, vaddr_t va, uint64_t len)
{
    if (len == 0 || !IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(len, PAGE_SIZE) || !user_range_ok(va, len))
        return ERR_INVALID_ARGS;
    unmap_sel_t sel = {va, len, NULL};
    uint64_t fl = spin_lock_irqsave(&as->lock);
    /* Only whole mappings: a range that cuts one is refused, untouched. */
    int err = ERR_NOT_FOUND;
    list_for_each(n, &as->mappings) {
        mapping_t *m = list_entry(n, mapping_t, link);
        if (!dying(m) && m->va < va + len && va < m->va + m->len) {
            if (m->va < va || m->va + m->len > va + len) {
                err = ERR_INVALID_ARGS;
                break;
            }
            err = OK;
        }
    }
    if (err == OK)
        mark_dying_locked(as, &sel);
    spin_unlock_irqrestore(&as->lock, fl);
    if (err == OK)
        finish_unmap(as, &sel);
    return err;
}

static void aspace_ref(aspace_t *as)
{
    __atomic_fetch_add(&as->refs, 1, __ATOMIC_RELAXED);
}

static void aspace_unref(aspace_t *as)
{
    if (__atomic_fetch_sub(&as->refs, 1, __ATOMIC_ACQ_REL) != 1)
        return;
    pmm_free(as->root, 0);
    kfree(as);
}

/*
 * One address space at a time: the first live mapping on v's list names
 * it; a reference keeps it while we work (taken under v's lock, while that
 * mapping is still linked, so its process has not yet dropped its own:
 * aspace_destroy clears, which unlinks, before it drops it). Once that
 * address space is done it holds no live mapping of v (v->revoked refuses
 * new ones), so each turn of the loop finishes one and the loop ends.
 * Mappings already dying belong to a concurrent vm_unmap: their pages are
 * unmapped, and that call's own shootdown is under way.
 */
size_t aspace_revoke_vmo(vmo_t *v)
{
    unmap_sel_t sel = {0, 0, v};
    size_t total = 0;
    for (;;) {
        aspace_t *as = NULL;
        uint64_t fl = spin_lock_irqsave(&v->lock);
        list_for_each(l, &v->mappings) {
            mapping_t *m = list_entry(l, mapping_t, vmo_link);
            if (!__atomic_load_n(&m->dying, __ATOMIC_RELAXED)) {
                as = m->as;
                aspace_ref(as);
                break;
            }
        }
        spin_unlock_irqrestore(&v->lock, fl);
        if (!as)
            return total;
        fl = spin_lock_irqsave(&as->lock);
        total += mark_dying_locked(as, &sel);
        spin_unlock_irqrestore(&as->lock, fl);
        finish_unmap(as, &sel);
        aspace_unref(as);
    }
}

/* The range must be made of whole mappings, with no gap, each allowing
 * perms (for unmap, perms = 0). */
static int covered_mappings_locked(aspace_t *as, vaddr_t va, uint64_t len, uint32_t perms)
{
    vaddr_t next = va;
    list_for_each(n, &as->mappings) {
        mapping_t *m = list_entry(n, mapping_t, link);
        if (dying(m) || m->va + m->len <= va || m->va >= va + len)
            continue;
        if (m->va != next || m->va + m->len > va + len)
            return m->va > next ? ERR_NOT_FOUND : ERR_INVALID_ARGS;
        if (perms & ~m->max_perms)
            return ERR_ACCESS_DENIED;
        next = m->va + m->len;
    }
    return next == va + len ? OK : ERR_NOT_FOUND;
}

int aspace_query(aspace_t *as, vaddr_t va, paddr_t *pa, uint64_t *flags)
{
    uint64_t fl = spin_lock_irqsave(&as->lock);
    int err = pt_query(CTX(as), as->root, va, pa, flags, NULL);
    spin_unlock_irqrestore(&as->lock, fl);
    return err;
}

uint64_t aspace_mapped_bytes(aspace_t *as)
{
    uint64_t total = 0;
    uint64_t fl = spin_lock_irqsave(&as->lock);
    list_for_each(n, &as->mappings) {
        mapping_t *m = list_entry(n, mapping_t, link);
        if (!dying(m))
            total += m->len;
    }
    spin_unlock_irqrestore(&as->lock, fl);
    return total;
}

int aspace_protect(aspace_t *as, vaddr_t va, uint64_t len, uint32_t perms)
{
    perms &= MAP_READ | MAP_WRITE | MAP_EXEC;
    if (!(perms & MAP_READ))
        return ERR_INVALID_ARGS; /* to take all access away, unmap */
    if ((perms & MAP_WRITE) && (perms & MAP_EXEC))
        return ERR_ACCESS_DENIED;
    if (len == 0 || !IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(len, PAGE_SIZE) || !user_range_ok(va, len))
        return ERR_INVALID_ARGS;
    uint64_t fl = spin_lock_irqsave(&as->lock);
    int err = covered_mappings_locked(as, va, len, perms);
    if (err == OK) {
        /* Mapping by mapping: each keeps its vmo's cache bits. Whole
         * mappings never split a large page, so this cannot fail. */
        list_for_each(n, &as->mappings) {
            mapping_t *m = list_entry(n, mapping_t, link);
            if (!dying(m) && m->va >= va && m->va + m->len <= va + len) {
                int rc = pt_protect(CTX(as), as->root, m->va, m->len, pte_flags(perms) | vmo_pte_cache(m->vmo));
                kassert(rc == OK);
                m->perms = perms;
            }
        }
    }
    spin_unlock_irqrestore(&as->lock, fl);
    if (err == OK) {
        tlb_shootdown(as); /* permissions only shrink safely after a flush */
        free_deferred_tables(as);
    }
    return err;
}

void aspace_clear(aspace_t *as)
{
    /* No thread runs here any more, and CPUs load the kernel's tables
     * when they stop running this address space's threads: no shootdown. */
    list_t gone = LIST_INIT(gone);
    uint64_t fl = spin_lock_irqsave(&as->lock);
    while (!list_empty(&as->mappings)) {
        mapping_t *m = list_entry(as->mappings.next, mapping_t, link);
        if (!dying(m))
            pt_unmap(CTX(as), as->root, m->va, m->len);
        unlink_locked(m, &gone);
    }
    pt_destroy(CTX(as), as->root, 0, PT_LOWER_TOP);
    spin_unlock_irqrestore(&as->lock, fl);
    free_deferred_tables(as); /* no CPU runs a dead process's address space */
    release_mappings(&gone);
}

void aspace_destroy(aspace_t *as)
{
    aspace_clear(as);
    aspace_unref(as);
}

void aspace_switch(aspace_t *from, aspace_t *to)
{
    if (from == to)
        return;
    uint64_t bit = 1ull << this_cpu()->cpu_id;
    if (to)
        __atomic_fetch_or(&to->active_cpus, bit, __ATOMIC_SEQ_CST);
    write_cr3(to ? to->root : vm_kernel_root());
    if (from)
        __atomic_fetch_and(&from->active_cpus, ~bit, __ATOMIC_SEQ_CST);
}
