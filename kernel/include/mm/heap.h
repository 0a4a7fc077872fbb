/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel heap: slab caches for fixed-size objects, and a general heap made
 * of power-of-two size-class caches (16..2048 bytes) plus large allocations
 * taken directly from the page source as 2^order pages.
 *
 * Slab cache: a slab is 2^order pages aligned to its own size; its header
 * (magic, owning cache, free list, allocation bitmap) sits at the start, so
 * the header of any object is ALIGN_DOWN(obj, slab bytes). Slabs with free
 * objects are on the cache's partial list; full slabs are on no list; one
 * empty slab is kept cached and further empty slabs go back to the source.
 *
 * General heap: every size-class slab is HEAP_SLAB_ORDER pages, so
 * heap_free() finds a slab header from the pointer alone. Large blocks are
 * headerless (a 16 KiB request costs 16 KiB, not 32) and are recorded in a
 * small hash table keyed by address; see heap.c for how heap_free tells the
 * two apart without trusting object contents.
 *
 * Pure code: no locks, no globals. The kernel wraps it with its own lock.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include "types.h"

/*
 * Where heap pages come from. alloc returns the virtual address of 2^order
 * contiguous pages ALIGNED TO THEIR SIZE (the buddy allocator seen through
 * the direct map gives exactly that), or NULL when out of memory.
 */
typedef struct heap_page_source {
    void *(*alloc)(void *ctx, unsigned order);
    void (*free)(void *ctx, void *p, unsigned order);
    void *ctx;
} heap_page_source_t;

struct slab;

typedef struct slab_cache {
    const char *name;
    heap_page_source_t src;
    size_t obj_size;        /* as requested by the creator */
    size_t stride;          /* obj_size rounded up to the alignment */
    size_t first_off;       /* offset of object 0 from the slab start */
    size_t per_slab;        /* objects per slab */
    unsigned order;         /* a slab is 2^order pages */
    struct slab *partial;   /* slabs with both free and used objects */
    struct slab *empty;     /* at most one cached empty slab */
    size_t slabs;           /* slabs held, including the cached one */
    size_t in_use;          /* objects handed out */
} slab_cache_t;

typedef struct slab_stats {
    size_t objs_in_use;
    size_t objs_capacity;   /* objects the held slabs could hold */
    size_t slabs;
    size_t pages;
} slab_stats_t;

/* Largest slab the cache picks by itself: 2^3 pages. */
#define SLAB_MAX_ORDER 3

/*
 * Creates a cache of obj_size-byte objects aligned to align (a power of two
 * up to PAGE_SIZE; 0 means pointer alignment). The slab size is the
 * smallest that wastes at most 1/8 of it, up to SLAB_MAX_ORDER. A size or
 * alignment the cache cannot hold is a programming error (kassert). src is
 * copied; name must stay valid.
 */
void slab_cache_init(slab_cache_t *c, const char *name, size_t obj_size,
                     size_t align, const heap_page_source_t *src);

/* Returns an object, or NULL when the page source is exhausted. */
void *slab_alloc(slab_cache_t *c);

/* p must be an allocated object of c (kassert otherwise, incl. double free). */
void slab_free(slab_cache_t *c, void *p);

/* Returns the cached empty slab, if any, to the page source. */
void slab_cache_trim(slab_cache_t *c);

/* Releases all slabs; every object must have been freed (kassert). */
void slab_cache_destroy(slab_cache_t *c);

void slab_cache_stats(const slab_cache_t *c, slab_stats_t *out);

#define HEAP_MIN_SHIFT 4                      /* smallest class: 16 bytes */
#define HEAP_MAX_SHIFT 11                     /* largest class: 2048 bytes */
#define HEAP_NCLASSES (HEAP_MAX_SHIFT - HEAP_MIN_SHIFT + 1)
#define HEAP_MAX_SMALL ((size_t)1 << HEAP_MAX_SHIFT)
#define HEAP_SLAB_ORDER 2                     /* all class slabs: 16 KiB */
#define HEAP_LARGE_MAX_ORDER 18               /* largest allocation: 1 GiB */
#define HEAP_LARGE_BUCKET_BITS 8
#define HEAP_LARGE_BUCKETS (1u << HEAP_LARGE_BUCKET_BITS)

struct heap_large;

/* Must not move after heap_init: slab headers point at its caches. */
typedef struct heap {
    heap_page_source_t src;
    slab_cache_t classes[HEAP_NCLASSES];
    slab_cache_t large_desc;                  /* struct heap_large records */
    struct heap_large *large[HEAP_LARGE_BUCKETS];
    size_t large_count;
    size_t large_pages;
} heap_t;

typedef struct heap_stats {
    size_t small_in_use;    /* slab objects handed out */
    size_t large_count;     /* live large allocations */
    size_t pages;           /* pages held from the source (slabs + large) */
} heap_stats_t;

void heap_init(heap_t *h, const heap_page_source_t *src);

/*
 * Returns at least size bytes, 16-byte aligned (class sizes >= 64 are
 * 64-byte aligned, large blocks page aligned). Returns NULL for size 0 (a
 * zero-length object is almost always a missed length check), for sizes
 * above PAGE_SIZE << HEAP_LARGE_MAX_ORDER, and when memory runs out.
 */
void *heap_alloc(heap_t *h, size_t size);

/* heap_alloc, then zeroes all heap_alloc_size() bytes. */
void *heap_zalloc(heap_t *h, size_t size);

/* p must come from heap_alloc/heap_zalloc of h; NULL is a no-op. */
void heap_free(heap_t *h, void *p);

/* Usable size of an allocation (>= the size asked for); 0 for NULL. */
size_t heap_alloc_size(heap_t *h, const void *p);

/* Returns every cached empty slab to the page source. */
void heap_trim(heap_t *h);

void heap_stats(const heap_t *h, heap_stats_t *out);

#endif
