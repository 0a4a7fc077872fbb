/* SPDX-License-Identifier: BSD-2-Clause
 *
 * libc_test: picolibc's malloc over libsys's sbrk. Every block is filled
 * with a pattern derived from its address and size and checked before it
 * is freed, so overlapping blocks or a heap that loses memory show up as
 * a wrong byte, not only as a crash. Also: realloc growing and shrinking,
 * calloc, aligned allocation, an 8 MiB block touched page by page, and
 * the failures (too large, sbrk past the heap's range).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/runtime.h"
#include "ltest.h"

static unsigned char pattern(const void *p, size_t i)
{
    return (unsigned char)(((uintptr_t)p >> 4) * 31 + i * 7 + 1);
}

static void fill(void *p, size_t n)
{
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = pattern(p, i);
}

/* Checks `n` bytes at p against the pattern of `origin` (the address the
 * bytes were filled at, which differs after a moving realloc). */
static bool intact(const void *p, const void *origin, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != pattern(origin, i))
            return false;
    return true;
}

int t_malloc_sizes(void)
{
    enum { N = 64 };
    void *blocks[N];
    size_t sizes[N];
    for (int i = 0; i < N; i++) {
        sizes[i] = (size_t)1 << (i % 13); /* 1 B .. 4 KiB */
        sizes[i] += (size_t)i * 3;
        blocks[i] = malloc(sizes[i]);
        LT_CHECK(blocks[i] != NULL);
        LT_INT((uintptr_t)blocks[i] % 16, 0);
        fill(blocks[i], sizes[i]);
    }
    for (int i = 0; i < N; i++)
        LT_CHECK(intact(blocks[i], blocks[i], sizes[i]));
    for (int i = 0; i < N; i += 2)
        free(blocks[i]);
    for (int i = 1; i < N; i += 2) {
        LT_CHECK(intact(blocks[i], blocks[i], sizes[i]));
        free(blocks[i]);
    }
    free(NULL);

    unsigned *z = calloc(1000, sizeof *z);
    LT_CHECK(z != NULL);
    for (int i = 0; i < 1000; i++)
        LT_INT(z[i], 0);
    free(z);
    void *zero = malloc(0); /* NULL or a unique pointer; either frees */
    free(zero);

    void *al = aligned_alloc(256, 1024);
    LT_CHECK(al != NULL);
    LT_INT((uintptr_t)al % 256, 0);
    free(al);
    void *pm = NULL;
    LT_INT(posix_memalign(&pm, 4096, 100), 0);
    LT_INT((uintptr_t)pm % 4096, 0);
    free(pm);
    return 0;
}

/* A thousand rounds of allocating and freeing random sizes in random
 * slots; every live block is verified at the end. */
int t_malloc_churn(void)
{
    enum { SLOTS = 128, ROUNDS = 4000 };
    void *slot[SLOTS] = {0};
    size_t len[SLOTS] = {0};
    uint32_t seed = 7;
    for (int r = 0; r < ROUNDS; r++) {
        seed = seed * 1664525u + 1013904223u;
        unsigned k = (seed >> 10) % SLOTS;
        if (slot[k]) {
            LT_CHECK(intact(slot[k], slot[k], len[k]));
            free(slot[k]);
            slot[k] = NULL;
        } else {
            len[k] = 1 + (seed >> 16) % 3000;
            slot[k] = malloc(len[k]);
            LT_CHECK(slot[k] != NULL);
            fill(slot[k], len[k]);
        }
    }
    for (int k = 0; k < SLOTS; k++) {
        if (slot[k]) {
            LT_CHECK(intact(slot[k], slot[k], len[k]));
            free(slot[k]);
        }
    }
    return 0;
}

int t_realloc(void)
{
    size_t n = 16;
    unsigned char *p = malloc(n);
    LT_CHECK(p != NULL);
    fill(p, n);
    void *origin = p;
    /* Grow in steps (the block moves at some point): the old bytes stay. */
    while (n < 256 * 1024) {
        size_t m = n * 3;
        unsigned char *q = realloc(p, m);
        LT_CHECK(q != NULL);
        LT_CHECK(intact(q, origin, n));
        memset(q + n, 0xee, m - n);
        p = q;
        n = m;
        /* Re-pattern so the next step checks everything. */
        fill(p, n);
        origin = p;
    }
    /* Shrink: the prefix stays. */
    unsigned char *q = realloc(p, 100);
    LT_CHECK(q != NULL);
    LT_CHECK(intact(q, origin, 100));
    free(q);

    /* realloc(NULL, n) is malloc(n). */
    p = realloc(NULL, 40);
    LT_CHECK(p != NULL);
    fill(p, 40);
    LT_CHECK(intact(p, p, 40));
    free(p);
    return 0;
}

int t_malloc_large(void)
{
    const size_t big = 8u << 20;
    size_t used0, mapped0;
    libsys_heap_stats(&used0, &mapped0);
    unsigned char *p = malloc(big);
    LT_CHECK(p != NULL);
    /* Touch every page at both ends and in between. */
    for (size_t off = 0; off < big; off += 4096) {
        p[off] = (unsigned char)(off >> 12);
        p[off + 4095] = (unsigned char)~(off >> 12);
    }
    for (size_t off = 0; off < big; off += 4096) {
        LT_INT(p[off], (unsigned char)(off >> 12));
        LT_INT(p[off + 4095], (unsigned char)~(off >> 12));
    }
    size_t used, mapped;
    libsys_heap_stats(&used, &mapped);
    LT_CHECK(used >= big && mapped >= used && mapped % 4096 == 0);
    LT_CHECK((uintptr_t)p >= LIBSYS_HEAP_BASE && (uintptr_t)p + big <= LIBSYS_HEAP_BASE + used);
    free(p);

    /* The freed block is reused, not mapped again. */
    p = malloc(big / 2);
    LT_CHECK(p != NULL);
    size_t mapped2;
    libsys_heap_stats(NULL, &mapped2);
    LT_INT(mapped2, mapped);
    free(p);
    return 0;
}

/* Results go through a volatile pointer: otherwise the compiler may
 * elide an allocation whose result is only compared with NULL, and fold
 * the comparison to "succeeded". */
static void *volatile sink;

int t_malloc_limits(void)
{
    errno = 0;
    LT_CHECK((sink = malloc(SIZE_MAX)) == NULL);
    LT_CHECK((sink = malloc((size_t)LIBSYS_HEAP_MAX + 1)) == NULL);
    LT_INT(errno, ENOMEM);
    LT_CHECK((sink = calloc(SIZE_MAX / 2, 4)) == NULL); /* n * size overflows */
    void *p = malloc(64);
    LT_CHECK(p != NULL);
    LT_CHECK((sink = realloc(p, SIZE_MAX / 2)) == NULL);
    free(p); /* a failed realloc leaves the block alone */

    /* sbrk itself: inside the range, ENOMEM past its end. */
    char *brk = sbrk(0);
    LT_CHECK((uintptr_t)brk >= LIBSYS_HEAP_BASE && (uintptr_t)brk <= LIBSYS_HEAP_BASE + LIBSYS_HEAP_MAX);
    errno = 0;
    LT_CHECK(sbrk((ptrdiff_t)LIBSYS_HEAP_MAX) == (void *)-1);
    LT_INT(errno, ENOMEM);
    LT_CHECK(sbrk(0) == brk); /* a failure changes nothing */
    return 0;
}
