/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the slab caches and the general heap (kernel/mm/heap.c).
 *
 * The page source is a fake that hands out size-aligned blocks from the
 * host allocator, remembers every block it gave (so a free of the wrong
 * pointer or order fails the test), counts pages outstanding and can be
 * limited to simulate exhaustion. Objects are filled with patterns derived
 * from their address to catch overlap. Invariant violations (kassert) are
 * tested in a forked child.
 */
/* mmap flags, fork and waitpid are POSIX, not C11. */
#define _DEFAULT_SOURCE

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "mm/heap.h"

#define SRC_MAX_BLOCKS 4096

struct fake_src {
    void *blocks[SRC_MAX_BLOCKS];
    unsigned orders[SRC_MAX_BLOCKS];
    size_t nblocks;
    size_t pages_out;     /* pages currently handed out */
    size_t page_limit;    /* alloc fails beyond this many pages out */
    size_t allocs, frees;
    bool bad_free;        /* a free that did not match an allocation */
};

static void *src_alloc(void *ctx, unsigned order)
{
    struct fake_src *f = ctx;
    size_t bytes = PAGE_SIZE << order;
    void *p;

    if (f->pages_out + ((size_t)1 << order) > f->page_limit ||
        f->nblocks == SRC_MAX_BLOCKS)
        return NULL;
    p = aligned_alloc(bytes, bytes);
    if (!p)
        return NULL;
    memset(p, 0xa5, bytes); /* the heap must not rely on zeroed pages */
    f->blocks[f->nblocks] = p;
    f->orders[f->nblocks++] = order;
    f->pages_out += (size_t)1 << order;
    f->allocs++;
    return p;
}

static void src_free(void *ctx, void *p, unsigned order)
{
    struct fake_src *f = ctx;

    for (size_t i = 0; i < f->nblocks; i++) {
        if (f->blocks[i] == p && f->orders[i] == order) {
            f->blocks[i] = f->blocks[--f->nblocks];
            f->orders[i] = f->orders[f->nblocks];
            f->pages_out -= (size_t)1 << order;
            f->frees++;
            free(p);
            return;
        }
    }
    f->bad_free = true;
}

static heap_page_source_t src_of(struct fake_src *f, size_t limit)
{
    memset(f, 0, sizeof(*f));
    f->page_limit = limit;
    return (heap_page_source_t){src_alloc, src_free, f};
}

/* Releases whatever a test leaked on purpose, so ASan stays quiet. */
static void src_close(struct fake_src *f)
{
    while (f->nblocks > 0)
        free(f->blocks[--f->nblocks]);
}

static uint8_t pattern(const void *p, size_t i)
{
    uintptr_t a = (uintptr_t)p;

    return (uint8_t)((a >> 4) ^ (a >> 12) ^ (i * 131));
}

static void fill(void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ((uint8_t *)p)[i] = pattern(p, i);
}

static bool intact(const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (((const uint8_t *)p)[i] != pattern(p, i))
            return false;
    return true;
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static size_t next_pow2(size_t n)
{
    size_t p = 1;

    while (p < n)
        p <<= 1;
    return p;
}

/* Runs fn in a child; true when it died (a kassert fired). */
static bool dies(void (*fn)(void))
{
    pid_t pid = fork();
    int status;

    if (pid == 0) {
        freopen("/dev/null", "w", stderr);
        fn();
        _exit(0);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return false;
    return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static const size_t sizes[] = {
    1, 15, 16, 17, 24, 31, 32, 33, 48, 63, 64, 65, 100, 127, 128, 129,
    255, 256, 257, 511, 512, 513, 1000, 1023, 1024, 1025, 2047, 2048,
    2049, 4095, 4096, 4097, 8192, 12288, 65536, 65537, 1048577,
};

TEST(every_size_class_and_large)
{
    struct fake_src f;
    heap_page_source_t src = src_of(&f, SIZE_MAX);
    static heap_t h;
    void *p[ARRAY_SIZE(sizes)];
    heap_stats_t st;

    heap_init(&h, &src);
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        size_t want = sizes[i] <= HEAP_MAX_SMALL ? MAX(next_pow2(sizes[i]), 16)
                                                 : next_pow2(ALIGN_UP(sizes[i], PAGE_SIZE));

        p[i] = heap_alloc(&h, sizes[i]);
        REQUIRE(p[i] != NULL);
        CHECK(IS_ALIGNED((uintptr_t)p[i], 16));
        CHECK_EQ(heap_alloc_size(&h, p[i]), want);
        if (sizes[i] > HEAP_MAX_SMALL)
            CHECK(IS_ALIGNED((uintptr_t)p[i], PAGE_SIZE));
        fill(p[i], heap_alloc_size(&h, p[i]));
    }
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
        CHECK(intact(p[i], heap_alloc_size(&h, p[i])));
    heap_stats(&h, &st);
    CHECK_EQ(st.large_count, 9);
    CHECK_EQ(st.small_in_use, ARRAY_SIZE(sizes) - 9);
    CHECK_EQ(st.pages, f.pages_out);

    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
        heap_free(&h, p[i]);
    heap_stats(&h, &st);
    CHECK_EQ(st.small_in_use, 0);
    CHECK_EQ(st.large_count, 0);
    heap_trim(&h);
    CHECK_EQ(f.pages_out, 0);
    CHECK(!f.bad_free);
    src_close(&f);
}

TEST(many_objects_do_not_overlap)
{
    enum { N = 6000 };
    static void *p[N];
    static size_t len[N];
    struct fake_src f;
    heap_page_source_t src = src_of(&f, SIZE_MAX);
    static heap_t h;
    heap_stats_t st;

    rng_state = 99;
    heap_init(&h, &src);
    for (size_t i = 0; i < N; i++) {
        len[i] = 1 + rng() % (i % 50 == 0 ? 20000 : 2048);
        p[i] = heap_alloc(&h, len[i]);
        REQUIRE(p[i] != NULL);
        CHECK(heap_alloc_size(&h, p[i]) >= len[i]);
        fill(p[i], len[i]);
    }
    for (size_t i = 0; i < N; i++)
        CHECK(intact(p[i], len[i]));
    /* Free half at random, refill, and check again. */
    for (size_t i = 0; i < N; i++) {
        if (rng() % 2)
            continue;
        heap_free(&h, p[i]);
        len[i] = 1 + rng() % 3000;
        p[i] = heap_alloc(&h, len[i]);
        REQUIRE(p[i] != NULL);
        fill(p[i], len[i]);
    }
    for (size_t i = 0; i < N; i++) {
        CHECK(intact(p[i], len[i]));
        heap_free(&h, p[i]);
    }
    heap_stats(&h, &st);
    CHECK_EQ(st.small_in_use, 0);
    CHECK_EQ(st.large_count, 0);
    heap_trim(&h);
    CHECK_EQ(f.pages_out, 0);
    CHECK(!f.bad_free);
    src_close(&f);
}

TEST(free_then_alloc_reuses)
{
    struct fake_src f;
    heap_page_source_t src = src_of(&f, SIZE_MAX);
    static heap_t h;
    void *a, *b, *c;

    heap_init(&h, &src);
    a = heap_alloc(&h, 64);
    b = heap_alloc(&h, 64);
    REQUIRE(a && b && a != b);
    heap_free(&h, a);
    c = heap_alloc(&h, 50); /* same class */
    CHECK(c == a);
    heap_free(&h, b);
    heap_free(&h, c);
    CHECK_EQ(f.allocs, 1); /* one slab served everything */
    heap_trim(&h);
    CHECK_EQ(f.pages_out, 0);
    src_close(&f);
}

TEST(zero_and_null_and_zalloc)
{
    struct fake_src f;
    heap_page_source_t src = src_of(&f, SIZE_MAX);
    static heap_t h;
    uint8_t *p, *q;
    size_t n;

    heap_init(&h, &src);
    CHECK(heap_alloc(&h, 0) == NULL);
    CHECK(heap_zalloc(&h, 0) == NULL);
    heap_free(&h, NULL);
    CHECK_EQ(heap_alloc_size(&h, NULL), 0);

    p = heap_alloc(&h, 100);
    REQUIRE(p != NULL);
    memset(p, 0xee, heap_alloc_size(&h, p));
    heap_free(&h, p);
    q = heap_zalloc(&h, 100);
    REQUIRE(q == p); /* the dirty object comes back, and must be zero */
    n = heap_alloc_size(&h, q);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(q[i], 0);
    heap_free(&h, q);

    q = heap_zalloc(&h, 3 * PAGE_SIZE); /* fake pages start as 0xa5 */
    REQUIRE(q != NULL);
    for (size_t i = 0; i < heap_alloc_size(&h, q); i++)
        CHECK_EQ(q[i], 0);
    heap_free(&h, q);
    heap_trim(&h);
    CHECK_EQ(f.pages_out, 0);
    src_close(&f);
}

TEST(huge_sizes_fail_without_wrapping)
{
    struct fake_src f;
    heap_page_source_t src = src_of(&f, SIZE_MAX);
    static heap_t h;

    heap_init(&h, &src);
    CHECK(heap_alloc(&h, SIZE_MAX) == NULL);
    CHECK(heap_alloc(&h, SIZE_MAX - PAGE_SIZE + 2) == NULL);
    CHECK(heap_alloc(&h, SIZE_MAX / 2 + 1) == NULL);
    CHECK(heap_alloc(&h, (PAGE_SIZE << HEAP_LARGE_MAX_ORDER) + 1) == NULL);
    CHECK(heap_zalloc(&h, SIZE_MAX) == NULL);
    CHECK_EQ(f.allocs, 0); /* rejected before asking for pages */
    src_close(&f);
}

TEST(page_source_exhaustion_returns_null)
{
    enum { N = 5000 };
    static void *p[N];
    struct fake_src f;
    heap_page_source_t src = src_of(&f, 0);
    static heap_t h;
    size_t n = 0;

    heap_init(&h, &src);
    CHECK(heap_alloc(&h, 16) == NULL);
    CHECK(heap_alloc(&h, 2048) == NULL);
    CHECK(heap_alloc(&h, 3 * PAGE_SIZE) == NULL);

    /* Room for the large-record slab and one class slab, not the block. */
    f.page_limit = 1 + (1 << HEAP_SLAB_ORDER);
    CHECK(heap_alloc(&h, 100) != NULL);
    CHECK(heap_alloc(&h, 2 * PAGE_SIZE) == NULL); /* record ok, block not */
    CHECK_EQ(h.large_count, 0);
    CHECK_EQ(h.large_desc.in_use, 0); /* the record was given back */

    f.page_limit = 64;
    while (n < N && (p[n] = heap_alloc(&h, 1000)) != NULL)
        fill(p[n++], 1000);
    CHECK(n > 0 && n < N);
    CHECK(f.pages_out <= 64);
    for (size_t i = 0; i < n; i++) {
        CHECK(intact(p[i], 1000));
        heap_free(&h, p[i]);
    }
    f.page_limit = SIZE_MAX; /* recovers once memory is back */
    p[0] = heap_alloc(&h, 3 * PAGE_SIZE);
    CHECK(p[0] != NULL);
    heap_free(&h, p[0]);
    CHECK(!f.bad_free);
    src_close(&f); /* the 100-byte object is leaked on purpose */
}

TEST(empty_slabs_go_back_to_the_source)
{
    enum { N = 200 };
    struct fake_src f;
    heap_page_source_t src = src_of(&f, SIZE_MAX);
    slab_cache_t c;
    slab_stats_t st;
    void *p[N];

    slab_cache_init(&c, "t200", 200, 64, &src);
    for (size_t i = 0; i < N; i++)
        REQUIRE((p[i] = slab_alloc(&c)) != NULL);
    slab_cache_stats(&c, &st);
    CHECK_EQ(st.objs_in_use, N);
    CHECK(st.slabs >= 3);
    CHECK_EQ(st.pages, f.pages_out);
    CHECK(st.objs_capacity >= N && st.objs_capacity - N < c.per_slab);

    for (size_t i = 0; i < N; i++)
        slab_free(&c, p[i]);
    slab_cache_stats(&c, &st);
    CHECK_EQ(st.objs_in_use, 0);
    CHECK_EQ(st.slabs, 1); /* exactly one empty slab stays cached */
    CHECK_EQ(f.pages_out, (size_t)1 << c.order);

    p[0] = slab_alloc(&c); /* the cached slab is reused, no new pages */
    CHECK_EQ(f.allocs, (N + c.per_slab - 1) / c.per_slab);
    slab_free(&c, p[0]);
    slab_cache_destroy(&c);
    CHECK_EQ(f.pages_out, 0);
    CHECK(!f.bad_free);
    src_close(&f);
}

/* A cache of odd-sized objects: alignment, stride, no overlap, reuse. */
static void odd_cache(size_t size, size_t align, size_t want_align)
{
    enum { N = 300 };
    struct fake_src f;
    heap_page_source_t src = src_of(&f, SIZE_MAX);
    slab_cache_t c;
    void *p[N];

    slab_cache_init(&c, "odd", size, align, &src);
    CHECK(c.stride >= size && IS_ALIGNED(c.stride, want_align));
    CHECK(c.per_slab > 0);
    /* Waste at most 1/8 of a slab unless it is already the largest. */
    CHECK(c.order == SLAB_MAX_ORDER ||
          (PAGE_SIZE << c.order) - c.per_slab * c.stride <= (PAGE_SIZE << c.order) / 8);
    for (size_t i = 0; i < N; i++) {
        p[i] = slab_alloc(&c);
        REQUIRE(p[i] != NULL);
        CHECK(IS_ALIGNED((uintptr_t)p[i], want_align));
        fill(p[i], size);
    }
    for (size_t i = 0; i < N; i++)
        CHECK(intact(p[i], size));
    for (size_t i = 0; i < N; i += 2)
        slab_free(&c, p[i]);
    for (size_t i = 0; i < N; i += 2) {
        REQUIRE((p[i] = slab_alloc(&c)) != NULL);
        fill(p[i], size);
    }
    for (size_t i = 0; i < N; i++) {
        CHECK(intact(p[i], size));
        slab_free(&c, p[i]);
    }
    slab_cache_destroy(&c);
    CHECK_EQ(f.pages_out, 0);
    CHECK(!f.bad_free);
    src_close(&f);
}

TEST(odd_object_sizes_and_alignment)
{
    odd_cache(24, 0, 8);
    odd_cache(24, 8, 8);
    odd_cache(40, 16, 16);
    odd_cache(200, 64, 64);
    odd_cache(3, 0, 8);
    odd_cache(1500, 32, 32);
    odd_cache(5000, 0, 8);
    odd_cache(100, PAGE_SIZE, PAGE_SIZE);
}

TEST(page_aligned_small_objects_are_not_taken_for_large)
{
    enum { N = 1200 };
    static void *p[N];
    struct fake_src f;
    heap_page_source_t src = src_of(&f, SIZE_MAX);
    static heap_t h;
    size_t aligned = 0;

    heap_init(&h, &src);
    for (size_t i = 0; i < N; i++)
        REQUIRE((p[i] = heap_alloc(&h, 16)) != NULL);
    for (size_t i = 0; i < N; i++) {
        if (IS_ALIGNED((uintptr_t)p[i], PAGE_SIZE)) {
            aligned++;
            CHECK_EQ(heap_alloc_size(&h, p[i]), 16);
        }
        heap_free(&h, p[i]);
    }
    CHECK(aligned > 0); /* the case under test did occur */
    heap_trim(&h);
    CHECK_EQ(f.pages_out, 0);
    src_close(&f);
}

TEST(many_large_allocations)
{
    enum { N = 700 };
    static void *p[N];
    struct fake_src f;
    heap_page_source_t src = src_of(&f, SIZE_MAX);
    static heap_t h;

    rng_state = 3;
    heap_init(&h, &src);
    for (size_t i = 0; i < N; i++) {
        size_t len = HEAP_MAX_SMALL + 1 + rng() % (6 * PAGE_SIZE);

        REQUIRE((p[i] = heap_alloc(&h, len)) != NULL);
        CHECK(heap_alloc_size(&h, p[i]) >= len);
        fill(p[i], 64);
    }
    CHECK_EQ(h.large_count, N);
    for (size_t i = 0; i < N; i++) {
        size_t j = (i * 7919) % N; /* a scrambled but complete order */

        CHECK(intact(p[j], 64));
        heap_free(&h, p[j]);
    }
    CHECK_EQ(h.large_count, 0);
    CHECK_EQ(h.large_pages, 0);
    heap_trim(&h);
    CHECK_EQ(f.pages_out, 0);
    CHECK(!f.bad_free);
    src_close(&f);
}

/* ---- invariant violations, each in a child process --------------------- */

static struct fake_src death_src;

static void *cache_obj(slab_cache_t *c)
{
    heap_page_source_t src = src_of(&death_src, SIZE_MAX);

    slab_cache_init(c, "death", 48, 16, &src);
    return slab_alloc(c);
}

static void do_slab_double_free(void)
{
    slab_cache_t c;
    void *p = cache_obj(&c);

    slab_alloc(&c); /* keep the slab from going empty */
    slab_free(&c, p);
    slab_free(&c, p);
}

static void do_slab_misaligned_free(void)
{
    slab_cache_t c;
    uint8_t *p = cache_obj(&c);

    slab_free(&c, p + 8);
}

static void do_slab_wrong_cache(void)
{
    slab_cache_t a, b;
    void *p = cache_obj(&a);

    cache_obj(&b);
    slab_free(&b, p);
}

static void do_heap_double_free(void)
{
    heap_page_source_t src = src_of(&death_src, SIZE_MAX);
    static heap_t h;
    void *p, *keep;

    heap_init(&h, &src);
    p = heap_alloc(&h, 300);
    keep = heap_alloc(&h, 300);
    (void)keep;
    heap_free(&h, p);
    heap_free(&h, p);
}

static void do_heap_interior_free(void)
{
    heap_page_source_t src = src_of(&death_src, SIZE_MAX);
    static heap_t h;
    uint8_t *p;

    heap_init(&h, &src);
    p = heap_alloc(&h, 300);
    heap_free(&h, p + 16);
}

static void do_heap_foreign_cache_object(void)
{
    heap_page_source_t src = src_of(&death_src, SIZE_MAX);
    static heap_t h;
    slab_cache_t c;
    void *p;

    heap_init(&h, &src);
    /* An object of a standalone cache with 16 KiB slabs: the header is
     * found but its cache is not one of the heap's. */
    slab_cache_init(&c, "foreign", 3000, 0, &src);
    p = slab_alloc(&c);
    heap_free(&h, p);
}

static void do_use_after_free_write(void)
{
    slab_cache_t c;
    void **p = cache_obj(&c);

    slab_alloc(&c);
    slab_free(&c, p);
    *p = (void *)0x1234; /* clobbers the free-list link */
    slab_alloc(&c);
}

static void do_everything_right(void)
{
    slab_cache_t c;
    void *p = cache_obj(&c);

    slab_free(&c, p);
    slab_cache_destroy(&c);
}

TEST(invariant_violations_are_caught)
{
    CHECK(!dies(do_everything_right));
    CHECK(dies(do_slab_double_free));
    CHECK(dies(do_slab_misaligned_free));
    CHECK(dies(do_slab_wrong_cache));
    CHECK(dies(do_heap_double_free));
    CHECK(dies(do_heap_interior_free));
    CHECK(dies(do_heap_foreign_cache_object));
    CHECK(dies(do_use_after_free_write));
}

int main(void) { return RUN_TESTS(); }
