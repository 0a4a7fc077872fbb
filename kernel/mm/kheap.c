/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Kernel heap glue: the page source (buddy frames through the direct map,
 * which are naturally aligned to their size as mm/heap.h requires) and the
 * locks around the pure heap code.
 */
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/pmm.h"

static spinlock_t heap_lock = SPINLOCK_INIT; /* protects heap */
static heap_t heap;

static void *page_alloc(void *ctx, unsigned order)
{
    (void)ctx;
    paddr_t pa;
    return pmm_alloc(order, &pa) == OK ? phys_to_virt(pa) : NULL;
}

static void page_free(void *ctx, void *p, unsigned order)
{
    (void)ctx;
    pmm_free(virt_to_phys(p), order);
}

static const heap_page_source_t page_source = {page_alloc, page_free, NULL};

void kheap_init(void)
{
    heap_init(&heap, &page_source);
}

void *kmalloc(size_t size)
{
    uint64_t fl = spin_lock_irqsave(&heap_lock);
    void *p = heap_alloc(&heap, size);
    spin_unlock_irqrestore(&heap_lock, fl);
    return p;
}

void *kzalloc(size_t size)
{
    uint64_t fl = spin_lock_irqsave(&heap_lock);
    void *p = heap_zalloc(&heap, size);
    spin_unlock_irqrestore(&heap_lock, fl);
    return p;
}

void kfree(void *p)
{
    uint64_t fl = spin_lock_irqsave(&heap_lock);
    heap_free(&heap, p);
    spin_unlock_irqrestore(&heap_lock, fl);
}

void kheap_stats(heap_stats_t *out)
{
    uint64_t fl = spin_lock_irqsave(&heap_lock);
    heap_stats(&heap, out);
    spin_unlock_irqrestore(&heap_lock, fl);
}

void kcache_init(kcache_t *c, const char *name, size_t size, size_t align)
{
    c->lock = (spinlock_t)SPINLOCK_INIT;
    slab_cache_init(&c->cache, name, size, align, &page_source);
}

void *kcache_alloc(kcache_t *c)
{
    uint64_t fl = spin_lock_irqsave(&c->lock);
    void *p = slab_alloc(&c->cache);
    spin_unlock_irqrestore(&c->lock, fl);
    return p;
}

void kcache_free(kcache_t *c, void *p)
{
    uint64_t fl = spin_lock_irqsave(&c->lock);
    slab_free(&c->cache, p);
    spin_unlock_irqrestore(&c->lock, fl);
}
