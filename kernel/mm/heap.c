/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Slab caches and the general kernel heap (model in mm/heap.h).
 *
 * Slab layout (2^order pages, aligned to that size):
 *   [struct slab | allocation bitmap | pad to align | obj 0 | obj 1 | ...]
 * The bitmap has one bit per object, set while it is handed out. It makes
 * slab_free() reject double frees and pointers that are not objects in O(1),
 * and lets slab_alloc() check each free-list link before following it, so a
 * use-after-free write into a free object is caught instead of handing out
 * a wild pointer.
 *
 * Slab states: partial (on c->partial), full (on no list; found again
 * through the header when an object is freed), empty (cached in c->empty,
 * at most one; more are returned to the page source at once).
 *
 * How heap_free() tells allocations apart from the pointer alone:
 *   - large blocks come page aligned from the source and are recorded in
 *     h->large[], a hash table of descriptors keyed by address. The record
 *     lives in heap metadata, never next to the data, so no object contents
 *     can make a pointer look large.
 *   - anything else must be a size-class object: all class slabs are
 *     HEAP_SLAB_ORDER pages, so its header is ALIGN_DOWN(p, 16 KiB); the
 *     header's magic and its cache pointer (one of h->classes) are checked.
 * A page-aligned size-class object (possible inside a 16 KiB slab) is not in
 * the table, so it correctly falls through to the slab path.
 */
#include "mm/heap.h"

#include "lib/kassert.h"
#include "lib/kstring.h"

#define SLAB_MAGIC 0x51ab51ab5eedc0deull
#define SLAB_DEAD 0xdeadde4dull
#define SLAB_MAX_WASTE_SHIFT 3 /* accept wasting up to 1/8 of a slab */

struct slab {
    uint64_t magic;
    slab_cache_t *cache;
    struct slab *next;          /* partial list links */
    struct slab *prev;
    void *free;                 /* first free object; links in the objects */
    size_t in_use;
    uint64_t bitmap[];          /* bit set: object handed out */
};

struct heap_large {
    struct heap_large *next;    /* hash chain */
    void *addr;
    unsigned order;
};

/* ---- slab geometry -------------------------------------------------- */

static size_t slab_bytes(const slab_cache_t *c)
{
    return PAGE_SIZE << c->order;
}

static size_t bitmap_words(size_t n)
{
    return (n + 63) / 64;
}

/* Objects that fit in a slab of `bytes`, with the header and bitmap. */
static size_t slab_layout(size_t bytes, size_t stride, size_t align,
                          size_t *first_off)
{
    size_t n = (bytes - sizeof(struct slab)) / stride;

    /* The bitmap grows with n, so shrink n until everything fits. */
    for (; n > 0; n--) {
        size_t off = ALIGN_UP(sizeof(struct slab) + bitmap_words(n) * 8, align);

        if (off + n * stride <= bytes) {
            *first_off = off;
            return n;
        }
    }
    return 0;
}

static void cache_setup(slab_cache_t *c, const char *name, size_t obj_size,
                        size_t align, unsigned order,
                        const heap_page_source_t *src)
{
    memset(c, 0, sizeof(*c));
    c->name = name;
    c->src = *src;
    c->obj_size = obj_size;
    c->stride = ALIGN_UP(MAX(obj_size, sizeof(void *)), align);
    c->order = order;
    c->per_slab = slab_layout(slab_bytes(c), c->stride, align, &c->first_off);
    kassert(c->per_slab > 0);
}

void slab_cache_init(slab_cache_t *c, const char *name, size_t obj_size,
                     size_t align, const heap_page_source_t *src)
{
    unsigned order = 0;

    align = MAX(align, sizeof(void *)); /* free-list links live in objects */
    kassert(obj_size > 0 && obj_size <= (PAGE_SIZE << SLAB_MAX_ORDER));
    kassert((align & (align - 1)) == 0 && align <= PAGE_SIZE);

    for (; order < SLAB_MAX_ORDER; order++) {
        size_t bytes = PAGE_SIZE << order, first;
        size_t stride = ALIGN_UP(MAX(obj_size, sizeof(void *)), align);
        size_t n = slab_layout(bytes, stride, align, &first);

        if (n > 0 && bytes - n * stride <= bytes >> SLAB_MAX_WASTE_SHIFT)
            break;
    }
    cache_setup(c, name, obj_size, align, order, src);
}

/* ---- slab lists and objects ----------------------------------------- */

static void partial_push(slab_cache_t *c, struct slab *s)
{
    s->prev = NULL;
    s->next = c->partial;
    if (c->partial)
        c->partial->prev = s;
    c->partial = s;
}

static void partial_remove(slab_cache_t *c, struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        c->partial = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static uint8_t *slab_obj(const slab_cache_t *c, struct slab *s, size_t i)
{
    return (uint8_t *)s + c->first_off + i * c->stride;
}

/* Index of the object p in s, or per_slab when p is not an object start. */
static size_t slab_index(const slab_cache_t *c, struct slab *s, const void *p)
{
    uintptr_t first = (uintptr_t)slab_obj(c, s, 0);
    uintptr_t addr = (uintptr_t)p;

    if (addr < first || (addr - first) % c->stride != 0)
        return c->per_slab;
    return MIN((addr - first) / c->stride, c->per_slab);
}

static bool bit_test(const struct slab *s, size_t i)
{
    return (s->bitmap[i / 64] >> (i % 64)) & 1;
}

static void bit_flip(struct slab *s, size_t i)
{
    s->bitmap[i / 64] ^= (uint64_t)1 << (i % 64);
}

static struct slab *slab_new(slab_cache_t *c)
{
    struct slab *s = c->src.alloc(c->src.ctx, c->order);

    if (!s)
        return NULL;
    kassert(IS_ALIGNED((uintptr_t)s, slab_bytes(c)));
    memset(s, 0, c->first_off);
    s->magic = SLAB_MAGIC;
    s->cache = c;
    /* Chain in address order so fresh slabs hand out ascending objects. */
    for (size_t i = c->per_slab; i-- > 0;) {
        void **obj = (void **)slab_obj(c, s, i);

        *obj = s->free;
        s->free = obj;
    }
    c->slabs++;
    return s;
}

static void slab_release(slab_cache_t *c, struct slab *s)
{
    s->magic = SLAB_DEAD; /* stale pointers into it now fail the check */
    c->slabs--;
    c->src.free(c->src.ctx, s, c->order);
}

/* A slab has just become empty: cache it, or give it back. */
static void slab_went_empty(slab_cache_t *c, struct slab *s)
{
    partial_remove(c, s);
    if (!c->empty)
        c->empty = s;
    else
        slab_release(c, s);
}

/* A slab to allocate from: partial first, then the cached empty one. */
static struct slab *slab_for_alloc(slab_cache_t *c)
{
    struct slab *s = c->partial;

    if (s)
        return s;
    s = c->empty ? c->empty : slab_new(c);
    c->empty = NULL;
    if (s)
        partial_push(c, s);
    return s;
}

/* Free-list links live in free objects, where a use-after-free write can
 * clobber them: trust a link only if it names a free object of the slab. */
static bool link_ok(const slab_cache_t *c, struct slab *s, const void *p)
{
    size_t i = slab_index(c, s, p);

    return i < c->per_slab && !bit_test(s, i);
}

void *slab_alloc(slab_cache_t *c)
{
    struct slab *s = slab_for_alloc(c);
    void **obj;

    if (!s)
        return NULL;
    obj = s->free;
    kassert(obj && link_ok(c, s, obj));
    kassert(!*obj || (*obj != obj && link_ok(c, s, *obj)));
    s->free = *obj;
    bit_flip(s, slab_index(c, s, obj));
    s->in_use++;
    c->in_use++;
    if (s->in_use == c->per_slab)
        partial_remove(c, s);
    return obj;
}

static struct slab *slab_of(const slab_cache_t *c, const void *p)
{
    return (struct slab *)ALIGN_DOWN((uintptr_t)p, slab_bytes(c));
}

void slab_free(slab_cache_t *c, void *p)
{
    struct slab *s = slab_of(c, p);
    size_t i;

    kassert(p && s->magic == SLAB_MAGIC && s->cache == c);
    i = slab_index(c, s, p);
    kassert(i < c->per_slab && bit_test(s, i));
    bit_flip(s, i);
    *(void **)p = s->free;
    s->free = p;
    if (s->in_use == c->per_slab)
        partial_push(c, s); /* it was full, so it was on no list */
    s->in_use--;
    c->in_use--;
    if (s->in_use == 0)
        slab_went_empty(c, s);
}

void slab_cache_trim(slab_cache_t *c)
{
    if (c->empty)
        slab_release(c, c->empty);
    c->empty = NULL;
}

void slab_cache_destroy(slab_cache_t *c)
{
    kassert(c->in_use == 0);
    slab_cache_trim(c);
    kassert(c->slabs == 0 && !c->partial);
}

void slab_cache_stats(const slab_cache_t *c, slab_stats_t *out)
{
    out->objs_in_use = c->in_use;
    out->objs_capacity = c->slabs * c->per_slab;
    out->slabs = c->slabs;
    out->pages = c->slabs << c->order;
}

/* ---- general heap: large allocations --------------------------------- */

static struct heap_large **large_bucket(heap_t *h, const void *p)
{
    uint64_t key = (uint64_t)(uintptr_t)p >> PAGE_SHIFT;

    /* Fibonacci hashing: consecutive pages spread over all buckets. */
    return &h->large[(key * 0x9e3779b97f4a7c15ull) >> (64 - HEAP_LARGE_BUCKET_BITS)];
}

/* The link pointing at p's record (or the chain's NULL end). */
static struct heap_large **large_find(heap_t *h, const void *p)
{
    struct heap_large **link = large_bucket(h, p);

    while (*link && (*link)->addr != p)
        link = &(*link)->next;
    return link;
}

/* Order for a large request, or -1 when no block can hold it. */
static int large_order(size_t size)
{
    size_t pages;
    int order = 0;

    if (size > (PAGE_SIZE << HEAP_LARGE_MAX_ORDER))
        return -1;
    pages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT; /* cannot wrap: bounded */
    while (((size_t)1 << order) < pages)
        order++;
    return order;
}

static void *large_alloc(heap_t *h, size_t size)
{
    int order = large_order(size);
    struct heap_large *rec, **bucket;

    if (order < 0)
        return NULL;
    rec = slab_alloc(&h->large_desc);
    if (!rec)
        return NULL;
    rec->addr = h->src.alloc(h->src.ctx, (unsigned)order);
    if (!rec->addr) {
        slab_free(&h->large_desc, rec);
        return NULL;
    }
    kassert(IS_ALIGNED((uintptr_t)rec->addr, PAGE_SIZE));
    rec->order = (unsigned)order;
    bucket = large_bucket(h, rec->addr);
    rec->next = *bucket;
    *bucket = rec;
    h->large_count++;
    h->large_pages += (size_t)1 << order;
    return rec->addr;
}

static void large_release(heap_t *h, struct heap_large **link)
{
    struct heap_large *rec = *link;

    *link = rec->next;
    h->large_count--;
    h->large_pages -= (size_t)1 << rec->order;
    h->src.free(h->src.ctx, rec->addr, rec->order);
    slab_free(&h->large_desc, rec);
}

/* The record of p when p is a live large block, else NULL. */
static struct heap_large *large_lookup(heap_t *h, const void *p)
{
    if (!IS_ALIGNED((uintptr_t)p, PAGE_SIZE))
        return NULL;
    return *large_find(h, p);
}

/* ---- general heap: size classes -------------------------------------- */

static const char *const class_names[HEAP_NCLASSES] = {
    "heap-16", "heap-32", "heap-64", "heap-128",
    "heap-256", "heap-512", "heap-1024", "heap-2048",
};

static unsigned class_index(size_t size)
{
    unsigned shift = HEAP_MIN_SHIFT;

    while (((size_t)1 << shift) < size)
        shift++;
    return shift - HEAP_MIN_SHIFT;
}

/* The cache owning size-class object p; anything else is a caller bug. */
static slab_cache_t *class_of(heap_t *h, const void *p)
{
    const struct slab *s =
        (const struct slab *)ALIGN_DOWN((uintptr_t)p, PAGE_SIZE << HEAP_SLAB_ORDER);
    uintptr_t c = (uintptr_t)s->cache;

    kassert(s->magic == SLAB_MAGIC);
    kassert(c >= (uintptr_t)&h->classes[0] &&
            c < (uintptr_t)&h->classes[HEAP_NCLASSES]);
    return s->cache;
}

void heap_init(heap_t *h, const heap_page_source_t *src)
{
    memset(h, 0, sizeof(*h));
    h->src = *src;
    for (unsigned i = 0; i < HEAP_NCLASSES; i++) {
        size_t size = (size_t)1 << (i + HEAP_MIN_SHIFT);

        /* Cache-line alignment from 64 bytes up avoids false sharing. */
        cache_setup(&h->classes[i], class_names[i], size, MIN(size, 64),
                    HEAP_SLAB_ORDER, src);
    }
    slab_cache_init(&h->large_desc, "heap-large", sizeof(struct heap_large),
                    0, src);
}

void *heap_alloc(heap_t *h, size_t size)
{
    if (size == 0)
        return NULL;
    if (size > HEAP_MAX_SMALL)
        return large_alloc(h, size);
    return slab_alloc(&h->classes[class_index(size)]);
}

void *heap_zalloc(heap_t *h, size_t size)
{
    void *p = heap_alloc(h, size);

    if (p)
        memset(p, 0, heap_alloc_size(h, p));
    return p;
}

void heap_free(heap_t *h, void *p)
{
    struct heap_large **link;

    if (!p)
        return;
    if (IS_ALIGNED((uintptr_t)p, PAGE_SIZE)) {
        link = large_find(h, p);
        if (*link) {
            large_release(h, link);
            return;
        }
    }
    slab_free(class_of(h, p), p);
}

size_t heap_alloc_size(heap_t *h, const void *p)
{
    struct heap_large *rec;

    if (!p)
        return 0;
    rec = large_lookup(h, p);
    if (rec)
        return PAGE_SIZE << rec->order;
    return class_of(h, p)->stride;
}

void heap_trim(heap_t *h)
{
    for (unsigned i = 0; i < HEAP_NCLASSES; i++)
        slab_cache_trim(&h->classes[i]);
    slab_cache_trim(&h->large_desc);
}

void heap_stats(const heap_t *h, heap_stats_t *out)
{
    slab_stats_t s;

    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < HEAP_NCLASSES; i++) {
        slab_cache_stats(&h->classes[i], &s);
        out->small_in_use += s.objs_in_use;
        out->pages += s.pages;
    }
    slab_cache_stats(&h->large_desc, &s);
    out->pages += s.pages + h->large_pages;
    out->large_count = h->large_count;
}
