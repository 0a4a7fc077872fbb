/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_64 page-table helpers (model in mm/pt.h).
 *
 * Every operation is a recursive walk over the entries of one table that
 * intersect an inclusive range [va, last] (inclusive so the top of the
 * address space needs no special case), in two phases:
 *   *_check: no side effects; finds conflicts (ERR_ALREADY_EXISTS,
 *            ERR_NOT_FOUND) and counts the table pages the second phase
 *            will take. A table that does not exist yet is walked as NULL.
 *   *_apply: takes tables from a pool filled beforehand, cannot fail.
 * The pool must be exactly used up afterwards; a kassert checks that the
 * two phases agree.
 *
 * Intermediate entries are always P|W|U and never NX: the CPU ANDs the
 * permissions of every level, so restrictions belong in the leaves alone.
 * Then one table can hold user and kernel, writable and read-only pages,
 * and pt_protect only has to touch leaves. Existing intermediate entries
 * (made by early boot code) are used as they are.
 */
#include "mm/pt.h"

#include "lib/kassert.h"
#include "lib/kstring.h"

#define PT_ENTRIES 512
#define PT_TOP_LEVEL 4
#define PTE_TABLE (PTE_P | PTE_W | PTE_U)
/* Leaf bits kept when a leaf is copied or its flags are reported. */
#define PTE_LEAF_ATTRS                                                         \
    (PTE_P | PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_A | PTE_D | PTE_G | PTE_NX)

/* Tables taken by the check phase's count and handed out by _apply. */
struct pt_pool {
    paddr_t head;   /* linked through the first word of each page */
    size_t count;
};

/* ---- geometry ---------------------------------------------------------- */

static unsigned level_shift(int level)
{
    return PAGE_SHIFT + 9 * (unsigned)(level - 1);
}

static uint64_t level_size(int level)
{
    return 1ull << level_shift(level);
}

static unsigned pt_index(vaddr_t va, int level)
{
    return (unsigned)(va >> level_shift(level)) & (PT_ENTRIES - 1);
}

/* Clips entry i of the level-`level` table holding [va, last] to it. */
static void entry_span(int level, vaddr_t va, vaddr_t last, unsigned i,
                       vaddr_t *s, vaddr_t *e)
{
    uint64_t size = level_size(level);
    vaddr_t base = (va & ~(size * PT_ENTRIES - 1)) | ((vaddr_t)i << level_shift(level));

    *s = MAX(base, va);
    *e = MIN(base + (size - 1), last);
}

static bool covers_entry(vaddr_t s, vaddr_t e, int level)
{
    return IS_ALIGNED(s, level_size(level)) && e - s == level_size(level) - 1;
}

static bool canonical(vaddr_t va)
{
    return (vaddr_t)((int64_t)(va << 16) >> 16) == va;
}

/* ---- entries ------------------------------------------------------------ */

static uint64_t *table_at(const pt_ctx_t *c, paddr_t pa)
{
    return (uint64_t *)(uintptr_t)(pa + c->virt_offset);
}

static bool present(uint64_t ent)
{
    return ent & PTE_P;
}

/* PS means a large page only in level 3 and 2 entries (reserved in 4). */
static bool is_leaf(uint64_t ent, int level)
{
    return level == 1 || (level <= 3 && (ent & PTE_PS));
}

static paddr_t leaf_addr(uint64_t ent, int level)
{
    return ent & PTE_ADDR_MASK & ~(level_size(level) - 1);
}

static paddr_t table_addr(uint64_t ent)
{
    return ent & PTE_ADDR_MASK;
}

/* A leaf's flags in the 4 KiB encoding the API uses. */
static uint64_t leaf_flags(uint64_t ent, int level)
{
    uint64_t pat = level == 1 ? PTE_PAT : PTE_PAT_LARGE;

    return (ent & PTE_LEAF_ATTRS) | ((ent & pat) ? PTE_PAT : 0);
}

static uint64_t make_leaf(paddr_t pa, uint64_t flags, int level)
{
    uint64_t ent = pa | PTE_P | (flags & PTE_LEAF_ATTRS);

    if (level == 1)
        return ent | (flags & PTE_PAT);
    return ent | PTE_PS | ((flags & PTE_PAT) ? PTE_PAT_LARGE : 0);
}

/* The only way entries are written: strips NX when the CPU lacks it, and
 * stores once, since other CPUs' page walkers may read the entry. */
static void set_entry(const pt_ctx_t *c, uint64_t *slot, uint64_t ent)
{
    ent &= ~PTE_NX | c->nx_mask;
    *(volatile uint64_t *)slot = ent;
}

static bool table_empty(const uint64_t *t)
{
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        if (t[i] != 0)
            return false;
    return true;
}

/* ---- table pool ---------------------------------------------------------- */

static void pool_drain(pt_ctx_t *c, struct pt_pool *p)
{
    while (p->count > 0) {
        paddr_t pa = p->head;

        p->head = *table_at(c, pa);
        p->count--;
        c->free_table(c->ctx, pa);
    }
}

static int pool_fill(pt_ctx_t *c, struct pt_pool *p, size_t n)
{
    p->head = 0;
    p->count = 0;
    while (p->count < n) {
        paddr_t pa;
        int rc = c->alloc_table(c->ctx, &pa);

        if (rc != OK) {
            pool_drain(c, p);
            return rc;
        }
        kassert(IS_ALIGNED(pa, (paddr_t)PAGE_SIZE));
        *table_at(c, pa) = p->head;
        p->head = pa;
        p->count++;
    }
    return OK;
}

/* A zeroed table from the pool; the check phase guaranteed there is one. */
static paddr_t pool_take(pt_ctx_t *c, struct pt_pool *p)
{
    paddr_t pa = p->head;

    kassert(p->count > 0);
    p->head = *table_at(c, pa);
    p->count--;
    memset(table_at(c, pa), 0, PAGE_SIZE);
    return pa;
}

/* ---- argument checks ------------------------------------------------------ */

/* A non-empty, page-aligned, canonical range inside one half. */
static int check_range(vaddr_t va, size_t len, vaddr_t *last)
{
    if (len == 0 || !IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(len, PAGE_SIZE))
        return ERR_INVALID_ARGS;
    *last = va + (len - 1);
    if (*last < va || !canonical(va) || !canonical(*last) ||
        (va >> 63) != (*last >> 63))
        return ERR_INVALID_ARGS;
    return OK;
}

static int check_phys(paddr_t pa, size_t len)
{
    if (!IS_ALIGNED(pa, (paddr_t)PAGE_SIZE) || pa >= PT_MAX_PHYS ||
        PT_MAX_PHYS - pa < len)
        return ERR_INVALID_ARGS;
    return OK;
}

static int check_flags(uint64_t flags)
{
    return (flags & ~PT_MAP_FLAGS) ? ERR_INVALID_ARGS : OK;
}

/* ---- splitting large pages ------------------------------------------------ */

/* Tables needed to split a level-`level` large page of which only [s, e]
 * is affected: one, plus the children that are themselves only partly
 * affected and large (a 1 GiB page splits into 2 MiB pages). */
static size_t split_need(int level, vaddr_t s, vaddr_t e)
{
    size_t need = 1;

    if (level - 1 < 2)
        return need;
    for (unsigned i = pt_index(s, level - 1); i <= pt_index(e, level - 1); i++) {
        vaddr_t cs, ce;

        entry_span(level - 1, s, e, i, &cs, &ce);
        if (!covers_entry(cs, ce, level - 1))
            need += split_need(level - 1, cs, ce);
    }
    return need;
}

/* Replaces a large leaf by a table of leaves with the same translation. */
static void split_leaf(pt_ctx_t *c, struct pt_pool *pool, uint64_t *slot,
                       int level)
{
    paddr_t t = pool_take(c, pool);
    uint64_t *tab = table_at(c, t);
    paddr_t base = leaf_addr(*slot, level);
    uint64_t flags = leaf_flags(*slot, level);

    for (unsigned i = 0; i < PT_ENTRIES; i++)
        set_entry(c, &tab[i],
                  make_leaf(base + i * level_size(level - 1), flags, level - 1));
    set_entry(c, slot, t | PTE_TABLE);
}

/* Split counting shared by unmap and protect: leaves partly in [s, e]. */
static size_t leaf_need(int level, vaddr_t s, vaddr_t e)
{
    if (level == 1 || covers_entry(s, e, level))
        return 0;
    return split_need(level, s, e);
}

/* ---- pt_map ------------------------------------------------------------------ */

/* Where a 2 MiB leaf goes instead of a page table. */
static bool use_large(int level, vaddr_t s, vaddr_t e, paddr_t pa)
{
    return level == 2 && covers_entry(s, e, 2) &&
           IS_ALIGNED(pa, (paddr_t)LARGE_PAGE_SIZE);
}

static int map_check(const pt_ctx_t *c, const uint64_t *table, int level,
                     vaddr_t va, vaddr_t last, paddr_t pa, size_t *need)
{
    if (!table && level == 1)
        return OK; /* a new page table only receives leaves */
    for (unsigned i = pt_index(va, level); i <= pt_index(last, level); i++) {
        uint64_t ent = table ? table[i] : 0;
        vaddr_t s, e;
        int rc;

        entry_span(level, va, last, i, &s, &e);
        if (present(ent)) {
            if (is_leaf(ent, level))
                return ERR_ALREADY_EXISTS;
            rc = map_check(c, table_at(c, table_addr(ent)), level - 1, s, e,
                           pa + (s - va), need);
            if (rc != OK)
                return rc;
        } else if (level > 1 && !use_large(level, s, e, pa + (s - va))) {
            (*need)++;
            map_check(c, NULL, level - 1, s, e, pa + (s - va), need);
        }
    }
    return OK;
}

static void map_apply(pt_ctx_t *c, struct pt_pool *pool, uint64_t *table,
                      int level, vaddr_t va, vaddr_t last, paddr_t pa,
                      uint64_t flags)
{
    for (unsigned i = pt_index(va, level); i <= pt_index(last, level); i++) {
        uint64_t *slot = &table[i];
        vaddr_t s, e;
        paddr_t spa;

        entry_span(level, va, last, i, &s, &e);
        spa = pa + (s - va);
        if (level == 1 || (!present(*slot) && use_large(level, s, e, spa))) {
            set_entry(c, slot, make_leaf(spa, flags, level));
            continue;
        }
        if (!present(*slot))
            set_entry(c, slot, pool_take(c, pool) | PTE_TABLE);
        map_apply(c, pool, table_at(c, table_addr(*slot)), level - 1, s, e,
                  spa, flags);
    }
}

int pt_map(pt_ctx_t *c, paddr_t root, vaddr_t va, paddr_t pa, size_t len,
           uint64_t flags)
{
    struct pt_pool pool;
    size_t need = 0;
    vaddr_t last;
    int rc;

    if ((rc = check_range(va, len, &last)) != OK ||
        (rc = check_phys(pa, len)) != OK || (rc = check_flags(flags)) != OK)
        return rc;
    rc = map_check(c, table_at(c, root), PT_TOP_LEVEL, va, last, pa, &need);
    if (rc != OK)
        return rc;
    if ((rc = pool_fill(c, &pool, need)) != OK)
        return rc;
    map_apply(c, &pool, table_at(c, root), PT_TOP_LEVEL, va, last, pa, flags);
    kassert(pool.count == 0);
    return OK;
}

/* ---- pt_unmap ---------------------------------------------------------------- */

static size_t unmap_check(const pt_ctx_t *c, const uint64_t *table, int level,
                          vaddr_t va, vaddr_t last)
{
    size_t need = 0;

    for (unsigned i = pt_index(va, level); i <= pt_index(last, level); i++) {
        uint64_t ent = table[i];
        vaddr_t s, e;

        if (!present(ent))
            continue;
        entry_span(level, va, last, i, &s, &e);
        if (is_leaf(ent, level))
            need += leaf_need(level, s, e);
        else
            need += unmap_check(c, table_at(c, table_addr(ent)), level - 1, s, e);
    }
    return need;
}

/* Root entries of the upper half point at tables every address space
 * shares; everything below the root is private and freed when empty. */
static bool may_free_child(int level, vaddr_t va)
{
    return !(level == PT_TOP_LEVEL && (va >> 63));
}

static void unmap_apply(pt_ctx_t *c, struct pt_pool *pool, uint64_t *table,
                        int level, vaddr_t va, vaddr_t last)
{
    for (unsigned i = pt_index(va, level); i <= pt_index(last, level); i++) {
        uint64_t *slot = &table[i];
        paddr_t child;
        vaddr_t s, e;

        if (!present(*slot))
            continue;
        entry_span(level, va, last, i, &s, &e);
        if (is_leaf(*slot, level)) {
            if (level == 1 || covers_entry(s, e, level)) {
                set_entry(c, slot, 0);
                continue;
            }
            split_leaf(c, pool, slot, level);
        }
        child = table_addr(*slot);
        unmap_apply(c, pool, table_at(c, child), level - 1, s, e);
        if (may_free_child(level, s) && table_empty(table_at(c, child))) {
            set_entry(c, slot, 0);
            c->free_table(c->ctx, child);
        }
    }
}

int pt_unmap(pt_ctx_t *c, paddr_t root, vaddr_t va, size_t len)
{
    struct pt_pool pool;
    vaddr_t last;
    int rc;

    if ((rc = check_range(va, len, &last)) != OK)
        return rc;
    rc = pool_fill(c, &pool, unmap_check(c, table_at(c, root), PT_TOP_LEVEL,
                                         va, last));
    if (rc != OK)
        return rc;
    unmap_apply(c, &pool, table_at(c, root), PT_TOP_LEVEL, va, last);
    kassert(pool.count == 0);
    return OK;
}

/* ---- pt_protect -------------------------------------------------------------- */

static int protect_check(const pt_ctx_t *c, const uint64_t *table, int level,
                         vaddr_t va, vaddr_t last, size_t *need)
{
    for (unsigned i = pt_index(va, level); i <= pt_index(last, level); i++) {
        uint64_t ent = table[i];
        vaddr_t s, e;
        int rc;

        if (!present(ent))
            return ERR_NOT_FOUND;
        entry_span(level, va, last, i, &s, &e);
        if (is_leaf(ent, level)) {
            *need += leaf_need(level, s, e);
            continue;
        }
        rc = protect_check(c, table_at(c, table_addr(ent)), level - 1, s, e, need);
        if (rc != OK)
            return rc;
    }
    return OK;
}

static void protect_apply(pt_ctx_t *c, struct pt_pool *pool, uint64_t *table,
                          int level, vaddr_t va, vaddr_t last, uint64_t flags)
{
    for (unsigned i = pt_index(va, level); i <= pt_index(last, level); i++) {
        uint64_t *slot = &table[i];
        vaddr_t s, e;

        entry_span(level, va, last, i, &s, &e);
        if (is_leaf(*slot, level)) {
            if (level == 1 || covers_entry(s, e, level)) {
                uint64_t keep = leaf_flags(*slot, level) & (PTE_A | PTE_D);

                set_entry(c, slot, make_leaf(leaf_addr(*slot, level),
                                             keep | flags, level));
                continue;
            }
            split_leaf(c, pool, slot, level);
        }
        protect_apply(c, pool, table_at(c, table_addr(*slot)), level - 1, s, e,
                      flags);
    }
}

int pt_protect(pt_ctx_t *c, paddr_t root, vaddr_t va, size_t len,
               uint64_t flags)
{
    struct pt_pool pool;
    size_t need = 0;
    vaddr_t last;
    int rc;

    if ((rc = check_range(va, len, &last)) != OK ||
        (rc = check_flags(flags)) != OK)
        return rc;
    rc = protect_check(c, table_at(c, root), PT_TOP_LEVEL, va, last, &need);
    if (rc != OK)
        return rc;
    if ((rc = pool_fill(c, &pool, need)) != OK)
        return rc;
    protect_apply(c, &pool, table_at(c, root), PT_TOP_LEVEL, va, last, flags);
    kassert(pool.count == 0);
    return OK;
}

/* ---- pt_query and pt_destroy ----------------------------------------------- */

int pt_query(pt_ctx_t *c, paddr_t root, vaddr_t va, paddr_t *pa,
             uint64_t *flags, size_t *page_size)
{
    const uint64_t *table = table_at(c, root);

    if (!canonical(va))
        return ERR_INVALID_ARGS;
    for (int level = PT_TOP_LEVEL; level >= 1; level--) {
        uint64_t ent = table[pt_index(va, level)];

        if (!present(ent))
            return ERR_NOT_FOUND;
        if (is_leaf(ent, level)) {
            if (pa)
                *pa = leaf_addr(ent, level) | (va & (level_size(level) - 1));
            if (flags)
                *flags = leaf_flags(ent, level);
            if (page_size)
                *page_size = (size_t)level_size(level);
            return OK;
        }
        table = table_at(c, table_addr(ent));
    }
    return ERR_NOT_FOUND; /* not reached: level 1 entries are leaves */
}

/* Frees a table and the tables below it (not the frames leaves map). */
static void free_tree(pt_ctx_t *c, paddr_t t, int level)
{
    const uint64_t *tab = table_at(c, t);

    for (unsigned i = 0; level > 1 && i < PT_ENTRIES; i++)
        if (present(tab[i]) && !is_leaf(tab[i], level))
            free_tree(c, table_addr(tab[i]), level - 1);
    c->free_table(c->ctx, t);
}

void pt_destroy(pt_ctx_t *c, paddr_t root, vaddr_t lo, vaddr_t hi)
{
    uint64_t *tab = table_at(c, root);
    uint64_t slot = level_size(PT_TOP_LEVEL);

    hi = MIN(hi, (vaddr_t)PT_LOWER_TOP);
    if (lo >= hi)
        return;
    /* lo < 2^47 now, so rounding up cannot wrap. Only slots wholly inside
     * [lo, hi) go: never free a table that maps something outside. */
    for (vaddr_t va = ALIGN_UP(lo, slot); va < hi && hi - va >= slot; va += slot) {
        uint64_t *ent = &tab[pt_index(va, PT_TOP_LEVEL)];

        if (present(*ent)) {
            free_tree(c, table_addr(*ent), PT_TOP_LEVEL - 1);
            set_entry(c, ent, 0);
        }
    }
}
