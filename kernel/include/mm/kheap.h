/*
 * The kernel heap: kmalloc/kfree over mm/heap.c, with pages from the frame
 * allocator seen through the direct map, and one lock. Object caches for
 * kernel object types (kernel/obj/) use kcache_t, each with its own lock.
 */
#ifndef MM_KHEAP_H
#define MM_KHEAP_H

#include "types.h"
#include "lib/spinlock.h"
#include "mm/heap.h"

void kheap_init(void);

void *kmalloc(size_t size);   /* NULL when out of memory or size is 0 */
void *kzalloc(size_t size);
void kfree(void *p);
void kheap_stats(heap_stats_t *out);

typedef struct kcache {
    spinlock_t lock; /* protects cache */
    slab_cache_t cache;
} kcache_t;

void kcache_init(kcache_t *c, const char *name, size_t size, size_t align);
void *kcache_alloc(kcache_t *c);
void kcache_free(kcache_t *c, void *p);

#endif
