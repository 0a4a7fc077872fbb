/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The frame allocator's set-up from the boot memory map, and its lock.
 *
 * The memory map is firmware data: entries may overlap, be unsorted or
 * contradict each other. So: collect the available ranges, sort and merge
 * them; collect everything that must not be handed out (non-available
 * entries, kernel, modules, boot info, the first MiB, the buddy's state
 * array); give the allocator exactly the difference. A byte that any entry
 * calls reserved is never used.
 */
#include "mm/pmm.h"
#include "arch/cpu.h"
#include "lib/kassert.h"
#include "lib/kstring.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "lib/spinlock.h"
#include "mm/buddy.h"
#include "mm/layout.h"
#include "mm/range.h"

#define MAX_RANGES (BOOT_MAX_MMAP + BOOT_MAX_MODULES + 8)
#define LOW_MEMORY_END 0x100000ull /* BIOS data, and later the AP trampoline */

extern char _kernel_phys_start[], _kernel_end[];

static spinlock_t pmm_lock = SPINLOCK_INIT; /* protects zone */
static buddy_t zone;
static range_t avail[BOOT_MAX_MMAP];
static size_t navail;
static range_t reserved[MAX_RANGES];
static size_t nreserved;
static uint64_t ram_bytes;

static void reserve(paddr_t start, paddr_t end)
{
    if (end <= start)
        return;
    if (nreserved == MAX_RANGES)
        panic("pmm: too many reserved ranges");
    /* Round outward; an end within the last page of the address space
     * would wrap when rounded up. */
    paddr_t e = end > ~0ull - PAGE_SIZE ? ALIGN_DOWN(~0ull, PAGE_SIZE) : ALIGN_UP(end, PAGE_SIZE);
    reserved[nreserved++] = (range_t){ALIGN_DOWN(start, PAGE_SIZE), e};
}

paddr_t pmm_phys_limit(void)
{
    return MIN(1ull << cpu_features.phys_bits, (paddr_t)DIRECT_MAP_SIZE);
}

static void collect(const boot_info_t *bi, paddr_t info_phys)
{
    paddr_t limit = pmm_phys_limit();
    for (size_t i = 0; i < bi->mmap_count; i++) {
        const boot_mmap_entry_t *e = &bi->mmap[i];
        if (e->type == BOOT_MEM_AVAILABLE) {
            if (e->base + e->len > limit)
                klog(LOG_WARN, "pmm: RAM %lx-%lx is beyond the %lu-bit physical limit; the part above is ignored",
                     (unsigned long)e->base, (unsigned long)(e->base + e->len),
                     (unsigned long)__builtin_ctzll(limit));
            /* Round inward: a partial page is not usable. */
            range_t r = {ALIGN_UP(e->base, PAGE_SIZE), ALIGN_DOWN(MIN(e->base + e->len, limit), PAGE_SIZE)};
            if (r.start < r.end)
                avail[navail++] = r;
            ram_bytes += e->len;
        } else {
            reserve(e->base, e->base + e->len);
        }
    }
    navail = range_merge(avail, navail);
    reserve(0, LOW_MEMORY_END);
    reserve((paddr_t)_kernel_phys_start, (paddr_t)_kernel_end - KERNEL_VMA_BASE);
    reserve(info_phys, info_phys + bi->total_size);
    for (size_t i = 0; i < bi->module_count; i++)
        reserve(bi->modules[i].start, bi->modules[i].end);
}

/* Call fn for each piece of available memory inside [lo, hi) not reserved. */
static void for_each_free_piece(paddr_t lo, paddr_t hi, void (*fn)(paddr_t, paddr_t, void *), void *ctx)
{
    for (size_t i = 0; i < navail; i++) {
        paddr_t s = MAX(avail[i].start, lo), e = MIN(avail[i].end, hi);
        for (size_t j = 0; j < nreserved && s < e; j++) {
            const range_t *r = &reserved[j]; /* sorted and merged */
            if (r->end <= s || r->start >= e)
                continue;
            if (r->start > s)
                fn(s, r->start, ctx);
            s = r->end;
        }
        if (s < e)
            fn(s, e, ctx);
    }
}

struct fit {
    size_t need;
    paddr_t found;
};

static void find_fit(paddr_t s, paddr_t e, void *ctx)
{
    struct fit *f = ctx;
    if (!f->found && e - s >= f->need)
        f->found = s;
}

static void give_to_zone(paddr_t s, paddr_t e, void *ctx)
{
    (void)ctx;
    buddy_add_range(&zone, s, e);
}

void pmm_init(const boot_info_t *bi, paddr_t info_phys)
{
    collect(bi, info_phys);
    nreserved = range_merge(reserved, nreserved);
    if (navail == 0)
        panic("pmm: the memory map has no available RAM");

    /* The state array spans lowest to highest RAM: a stray far-away range
     * can make it too big to place. Drop such ranges, top down. */
    struct fit fit;
    for (;;) {
        fit = (struct fit){ALIGN_UP(buddy_state_bytes(avail[0].start, avail[navail - 1].end), PAGE_SIZE), 0};
        for_each_free_piece(0, PMM_EARLY_LIMIT, find_fit, &fit);
        if (fit.found || navail == 1)
            break;
        navail--;
        klog(LOG_WARN, "pmm: ignoring RAM %lx-%lx: the allocator's map would not fit below 4 GiB",
             (unsigned long)avail[navail].start, (unsigned long)avail[navail].end);
    }
    if (!fit.found)
        panic("pmm: no room below 4 GiB for the allocator's %zu-byte state array", fit.need);
    paddr_t base = avail[0].start, end = avail[navail - 1].end;
    reserve(fit.found, fit.found + fit.need);
    nreserved = range_merge(reserved, nreserved);

    buddy_init(&zone, base, end, phys_to_virt(fit.found), DIRECT_MAP_BASE);
    for_each_free_piece(0, PMM_EARLY_LIMIT, give_to_zone, NULL);
    klog(LOG_INFO, "pmm: %lu MiB of RAM in the memory map, %zu MiB free below 4 GiB",
         (unsigned long)(ram_bytes >> 20), buddy_free_pages(&zone) >> 8);
}

void pmm_add_high_memory(void)
{
    uint64_t fl = spin_lock_irqsave(&pmm_lock);
    size_t before = buddy_free_pages(&zone);
    for_each_free_piece(PMM_EARLY_LIMIT, ~0ull, give_to_zone, NULL);
    size_t added = buddy_free_pages(&zone) - before;
    spin_unlock_irqrestore(&pmm_lock, fl);
    if (added)
        klog(LOG_INFO, "pmm: %zu MiB above 4 GiB added", added >> 8);
}

int pmm_alloc(unsigned order, paddr_t *out)
{
    uint64_t fl = spin_lock_irqsave(&pmm_lock);
    int err = buddy_alloc(&zone, order, out);
    spin_unlock_irqrestore(&pmm_lock, fl);
    return err;
}

int pmm_alloc_zeroed(unsigned order, paddr_t *out)
{
    int err = pmm_alloc(order, out);
    if (err == OK)
        memset(phys_to_virt(*out), 0, PAGE_SIZE << order);
    return err;
}

int pmm_alloc_zeroed_below(unsigned order, paddr_t limit, paddr_t *out)
{
    uint64_t fl = spin_lock_irqsave(&pmm_lock);
    int err = buddy_alloc_below(&zone, order, limit, out);
    spin_unlock_irqrestore(&pmm_lock, fl);
    if (err == OK)
        memset(phys_to_virt(*out), 0, PAGE_SIZE << order);
    return err;
}

void pmm_free(paddr_t pa, unsigned order)
{
    uint64_t fl = spin_lock_irqsave(&pmm_lock);
    buddy_free(&zone, pa, order);
    spin_unlock_irqrestore(&pmm_lock, fl);
}

size_t pmm_free_pages(void)
{
    return buddy_free_pages(&zone);
}

size_t pmm_total_pages(void)
{
    return buddy_total_pages(&zone);
}

uint64_t pmm_ram_bytes(void)
{
    return ram_bytes;
}
