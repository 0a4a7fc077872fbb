/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the buddy frame allocator (kernel/mm/buddy.c).
 *
 * "Physical memory" is an anonymous mapping; virt_offset makes physical
 * address P live at arena + (P - ARENA_PHYS). Only free-block heads are
 * written, so a mapping of several GiB costs a few pages. Each test checks
 * returned blocks against an independent per-frame bitmap (which frames
 * were added, which are handed out) and runs buddy_check after each phase.
 * Invariant violations (kassert) are tested in a forked child.
 */
/* mmap flags, fork and waitpid are POSIX, not C11. */
#define _DEFAULT_SOURCE

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "mm/buddy.h"

#define MIB ((paddr_t)1 << 20)
#define GIB ((paddr_t)1 << 30)

/* A zone plus everything a test needs to cross-check it. */
struct zone {
    buddy_t b;
    uint8_t *state;
    void *arena;
    size_t arena_bytes;
    paddr_t base, end;
    size_t npages;
    uint8_t *added;   /* per frame of [base, end): given to the allocator */
    uint8_t *taken;   /* per frame: inside a live allocated block */
};

static void zone_open(struct zone *z, paddr_t base, paddr_t end)
{
    memset(z, 0, sizeof(*z));
    z->base = base;
    z->end = end;
    z->arena_bytes = (size_t)(end - ALIGN_DOWN(base, PAGE_SIZE));
    z->arena = mmap(NULL, z->arena_bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (z->arena == MAP_FAILED)
        abort();
    z->npages = buddy_state_bytes(base, end);
    z->state = malloc(z->npages + 1);
    z->added = calloc(z->npages + 1, 1);
    z->taken = calloc(z->npages + 1, 1);
    buddy_init(&z->b, base, end, z->state,
               (uintptr_t)z->arena - ALIGN_DOWN(base, PAGE_SIZE));
}

static void zone_close(struct zone *z)
{
    munmap(z->arena, z->arena_bytes);
    free(z->state);
    free(z->added);
    free(z->taken);
}

/* Adds a range and records which frames the rounding rules say it gives. */
static void zone_add(struct zone *z, paddr_t start, paddr_t end)
{
    paddr_t zb = ALIGN_UP(z->base, PAGE_SIZE);

    buddy_add_range(&z->b, start, end);
    for (size_t i = 0; i < z->npages; i++) {
        paddr_t pa = zb + i * PAGE_SIZE;

        if (pa >= start && pa + PAGE_SIZE <= end)
            z->added[i] = 1;
    }
}

static size_t frame_of(const struct zone *z, paddr_t pa)
{
    return (size_t)((pa - ALIGN_UP(z->base, PAGE_SIZE)) / PAGE_SIZE);
}

/* Checks a fresh block: aligned, inside added frames, not already taken. */
static bool take_block(struct zone *z, paddr_t pa, unsigned order)
{
    size_t n = (size_t)1 << order;

    if (!IS_ALIGNED(pa, (paddr_t)PAGE_SIZE << order) || pa < z->base ||
        pa >= z->end || frame_of(z, pa) + n > z->npages)
        return false;
    for (size_t i = frame_of(z, pa); i < frame_of(z, pa) + n; i++) {
        if (!z->added[i] || z->taken[i])
            return false;
        z->taken[i] = 1;
    }
    return true;
}

static void give_block(struct zone *z, paddr_t pa, unsigned order)
{
    memset(&z->taken[frame_of(z, pa)], 0, (size_t)1 << order);
    buddy_free(&z->b, pa, order);
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
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

TEST(state_bytes_and_empty_zone)
{
    struct zone z;
    paddr_t pa = 0;

    CHECK_EQ(buddy_state_bytes(0x9f000, 0x9f000 + 10 * PAGE_SIZE + 123), 10);
    CHECK_EQ(buddy_state_bytes(0x9f001, 0x9f000 + 10 * PAGE_SIZE), 9);
    CHECK_EQ(buddy_state_bytes(0x5000, 0x5000), 0);
    CHECK_EQ(buddy_state_bytes(0x9000, 0x5000), 0);
    CHECK_EQ(buddy_state_bytes(UINT64_MAX - 10, UINT64_MAX), 0);

    zone_open(&z, 0x9f000, 0x9f000 + 64 * PAGE_SIZE);
    CHECK_EQ(buddy_free_pages(&z.b), 0);
    CHECK_EQ(buddy_total_pages(&z.b), 0);
    CHECK_EQ(buddy_alloc(&z.b, 0, &pa), ERR_NO_MEMORY);
    CHECK(buddy_check(&z.b));
    zone_close(&z);
}

TEST(order_too_big_is_invalid)
{
    struct zone z;
    paddr_t pa = 0x1234;

    zone_open(&z, 0, 16 * MIB);
    zone_add(&z, 0, 16 * MIB);
    CHECK_EQ(buddy_alloc(&z.b, BUDDY_MAX_ORDER + 1, &pa), ERR_INVALID_ARGS);
    CHECK_EQ(buddy_alloc(&z.b, 1000, &pa), ERR_INVALID_ARGS);
    CHECK_EQ(pa, 0x1234);
    CHECK_EQ(buddy_free_pages(&z.b), 4096);
    /* Valid but larger than anything free. */
    CHECK_EQ(buddy_alloc(&z.b, 13, &pa), ERR_NO_MEMORY);
    CHECK(buddy_check(&z.b));
    zone_close(&z);
}

TEST(split_everything_then_merge_back)
{
    enum { PAGES = 4096 }; /* 16 MiB: one order-12 block */
    static paddr_t got[PAGES];
    struct zone z;

    zone_open(&z, 0, PAGES * PAGE_SIZE);
    zone_add(&z, 0, PAGES * PAGE_SIZE);
    CHECK_EQ(buddy_free_blocks(&z.b, 12), 1);
    REQUIRE(buddy_check(&z.b));

    for (size_t i = 0; i < PAGES; i++) {
        REQUIRE(buddy_alloc(&z.b, 0, &got[i]) == OK);
        REQUIRE(take_block(&z, got[i], 0));
    }
    CHECK_EQ(buddy_free_pages(&z.b), 0);
    CHECK_EQ(buddy_alloc(&z.b, 0, &got[0]), ERR_NO_MEMORY);
    CHECK(buddy_check(&z.b));

    /* Free in a scrambled order so merges happen in every pattern. */
    rng_state = 42;
    for (size_t i = PAGES - 1; i > 0; i--) {
        size_t j = rng() % (i + 1);
        paddr_t t = got[i];
        got[i] = got[j];
        got[j] = t;
    }
    for (size_t i = 0; i < PAGES; i++)
        give_block(&z, got[i], 0);
    CHECK_EQ(buddy_free_pages(&z.b), PAGES);
    CHECK_EQ(buddy_free_blocks(&z.b, 12), 1);
    for (unsigned o = 0; o < 12; o++)
        CHECK_EQ(buddy_free_blocks(&z.b, o), 0);
    CHECK(buddy_check(&z.b));
    zone_close(&z);
}

TEST(exhaustion_count_is_exact)
{
    struct zone z;
    paddr_t pa;
    size_t n = 0;

    zone_open(&z, 0x9f000, 0x9f000 + 1000 * PAGE_SIZE);
    zone_add(&z, 0, UINT64_MAX); /* clipped to the zone */
    CHECK_EQ(buddy_total_pages(&z.b), 1000);
    CHECK_EQ(buddy_free_pages(&z.b), 1000);
    while (buddy_alloc(&z.b, 0, &pa) == OK) {
        CHECK(take_block(&z, pa, 0));
        n++;
        CHECK_EQ(buddy_free_pages(&z.b), 1000 - n);
    }
    CHECK_EQ(n, 1000);
    CHECK_EQ(buddy_free_pages(&z.b), 0);
    CHECK_EQ(buddy_total_pages(&z.b), 1000);
    CHECK(buddy_check(&z.b));
    zone_close(&z);
}

TEST(blocks_are_physically_aligned)
{
    struct zone z;
    paddr_t pa;

    /* Base 0x9f000 is only page aligned; alignment must still be physical. */
    zone_open(&z, 0x9f000, 0x9f000 + 64 * MIB);
    zone_add(&z, 0x9f000, 0x9f000 + 64 * MIB);
    /* Largest first, so that every order still finds a block. */
    for (unsigned order = 14; order-- > 0;) {
        int got = 0;

        for (int k = 0; k < 3 && buddy_alloc(&z.b, order, &pa) == OK; k++) {
            CHECK(IS_ALIGNED(pa, (paddr_t)PAGE_SIZE << order));
            CHECK(take_block(&z, pa, order));
            got++;
        }
        CHECK(got > 0);
        CHECK(buddy_check(&z.b));
    }
    /* The whole 64 MiB cannot hold an aligned 64 MiB block. */
    CHECK_EQ(buddy_alloc(&z.b, 14, &pa), ERR_NO_MEMORY);
    zone_close(&z);
}

TEST(never_merges_outside_zone_or_across_holes)
{
    struct zone z;
    paddr_t pa;

    /* 0x9f000's buddy 0x9e000 is below base; 0xa0000's is 0xa1000, absent. */
    zone_open(&z, 0x9f000, 0x9f000 + 16 * PAGE_SIZE);
    zone_add(&z, 0x9f000, 0xa1000);
    CHECK_EQ(buddy_free_pages(&z.b), 2);
    CHECK_EQ(buddy_free_blocks(&z.b, 0), 2);
    CHECK_EQ(buddy_alloc(&z.b, 1, &pa), ERR_NO_MEMORY);
    CHECK(buddy_check(&z.b));
    zone_add(&z, 0xa1000, 0xa2000);
    CHECK_EQ(buddy_free_blocks(&z.b, 1), 1); /* 0xa0000 + 0xa1000 */
    REQUIRE(buddy_alloc(&z.b, 1, &pa) == OK);
    CHECK_EQ(pa, 0xa0000);
    CHECK(buddy_check(&z.b));
    zone_close(&z);
}

TEST(partial_pages_are_rounded_inward)
{
    struct zone z;
    paddr_t base = 0x100000;

    zone_open(&z, base, base + 64 * PAGE_SIZE);
    zone_add(&z, base + 100, base + 3 * PAGE_SIZE + 5); /* frames 1, 2 */
    CHECK_EQ(buddy_total_pages(&z.b), 2);
    zone_add(&z, base + 5 * PAGE_SIZE + 1, base + 6 * PAGE_SIZE + 7); /* none */
    zone_add(&z, base + 9 * PAGE_SIZE, base + 9 * PAGE_SIZE);           /* empty */
    zone_add(&z, base + 12 * PAGE_SIZE, base + 10 * PAGE_SIZE);         /* reversed */
    zone_add(&z, 0, base - 1);                                          /* below */
    zone_add(&z, base + 64 * PAGE_SIZE, UINT64_MAX);                    /* above */
    zone_add(&z, UINT64_MAX - 5, UINT64_MAX);     /* would wrap when rounded */
    CHECK_EQ(buddy_total_pages(&z.b), 2);
    CHECK_EQ(buddy_free_pages(&z.b), 2);
    zone_add(&z, base + 63 * PAGE_SIZE, base + 70 * PAGE_SIZE); /* clipped */
    CHECK_EQ(buddy_total_pages(&z.b), 3);
    CHECK(buddy_check(&z.b));
    zone_close(&z);
}

/* Allocates random orders until nothing fits; checks every frame. */
static size_t drain_randomly(struct zone *z)
{
    size_t pages = 0;
    paddr_t pa;

    for (unsigned order = 10;;) {
        if (buddy_alloc(&z->b, order, &pa) == OK) {
            CHECK(take_block(z, pa, order));
            pages += (size_t)1 << order;
            order = (unsigned)(rng() % 11);
        } else if (order-- == 0) {
            return pages;
        }
    }
}

TEST(holes_and_unaligned_base)
{
    struct zone z;
    size_t expect = 0;

    rng_state = 7;
    zone_open(&z, 0x9f000, 0x9f000 + 32 * MIB);
    zone_add(&z, 0x9f000, 0xa0000);
    zone_add(&z, 0x100000, 0x800000);
    zone_add(&z, 0x800800, 0x1000000 - 0x123);
    zone_add(&z, 0x9f000 + 32 * MIB - 8 * PAGE_SIZE, 0x9f000 + 33 * MIB);
    for (size_t i = 0; i < z.npages; i++)
        expect += z.added[i];
    CHECK_EQ(buddy_total_pages(&z.b), expect);
    CHECK_EQ(buddy_free_pages(&z.b), expect);
    REQUIRE(buddy_check(&z.b));

    CHECK_EQ(drain_randomly(&z), expect);
    CHECK_EQ(buddy_free_pages(&z.b), 0);
    CHECK(buddy_check(&z.b));
    zone_close(&z);
}

struct live {
    paddr_t pa;
    unsigned order;
};

/* One random step: allocate (more often) or free a random live block. */
static void stress_step(struct zone *z, struct live *live, size_t *n,
                        size_t max, size_t *used)
{
    if (*n < max && (rng() % 3 != 0 || *n == 0)) {
        unsigned order = (unsigned)(rng() % 100 < 70 ? rng() % 3 : rng() % 9);
        paddr_t pa;
        int rc = buddy_alloc(&z->b, order, &pa);

        if (rc == OK) {
            CHECK(take_block(z, pa, order));
            live[(*n)++] = (struct live){pa, order};
            *used += (size_t)1 << order;
        } else {
            CHECK_EQ(rc, ERR_NO_MEMORY);
        }
    } else if (*n > 0) {
        size_t i = rng() % *n;

        give_block(z, live[i].pa, live[i].order);
        *used -= (size_t)1 << live[i].order;
        live[i] = live[--*n];
    }
}

TEST(random_stress_no_overlap_and_full_coalescing)
{
    enum { MAXLIVE = 4000, STEPS = 200000 };
    static struct live live[MAXLIVE];
    struct zone z, fresh;
    size_t n = 0, used = 0;

    rng_state = 0x5eed;
    zone_open(&z, 0x9f000, 0x9f000 + 8 * MIB);
    zone_add(&z, 0x9f000, 0x400000);
    zone_add(&z, 0x480000, 0x9f000 + 8 * MIB);
    for (int step = 0; step < STEPS; step++) {
        stress_step(&z, live, &n, MAXLIVE, &used);
        if (step % 20000 == 0) {
            CHECK(buddy_check(&z.b));
            CHECK_EQ(buddy_free_pages(&z.b), buddy_total_pages(&z.b) - used);
        }
    }
    while (n > 0) {
        give_block(&z, live[n - 1].pa, live[n - 1].order);
        n--;
    }
    CHECK(buddy_check(&z.b));

    /* Fully coalesced: the same block shape as a never-used allocator. */
    zone_open(&fresh, 0x9f000, 0x9f000 + 8 * MIB);
    zone_add(&fresh, 0x9f000, 0x400000);
    zone_add(&fresh, 0x480000, 0x9f000 + 8 * MIB);
    for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
        CHECK_EQ(buddy_free_blocks(&z.b, o), buddy_free_blocks(&fresh.b, o));
    CHECK_EQ(buddy_free_pages(&z.b), buddy_free_pages(&fresh.b));
    zone_close(&fresh);
    zone_close(&z);
}

TEST(max_order_caps_block_size)
{
    struct zone z;
    paddr_t pa;

    zone_open(&z, 0, 4 * GIB + 3 * PAGE_SIZE);
    zone_add(&z, 0, 4 * GIB + 3 * PAGE_SIZE);
    CHECK_EQ(buddy_free_blocks(&z.b, BUDDY_MAX_ORDER), 4);
    CHECK_EQ(buddy_free_blocks(&z.b, 1), 1);
    CHECK_EQ(buddy_free_blocks(&z.b, 0), 1);
    CHECK(buddy_check(&z.b));
    REQUIRE(buddy_alloc(&z.b, BUDDY_MAX_ORDER, &pa) == OK);
    CHECK(IS_ALIGNED(pa, GIB));
    buddy_free(&z.b, pa, BUDDY_MAX_ORDER);
    CHECK_EQ(buddy_free_blocks(&z.b, BUDDY_MAX_ORDER), 4);
    CHECK(buddy_check(&z.b));
    zone_close(&z);
}

TEST(free_part_of_a_bigger_allocation)
{
    struct zone z;
    paddr_t pa;

    zone_open(&z, 0, 64 * PAGE_SIZE);
    zone_add(&z, 0, 64 * PAGE_SIZE);
    REQUIRE(buddy_alloc(&z.b, 3, &pa) == OK);
    for (unsigned i = 0; i < 8; i++) {
        buddy_free(&z.b, pa + i * PAGE_SIZE, 0);
        CHECK(buddy_check(&z.b));
    }
    CHECK_EQ(buddy_free_blocks(&z.b, 6), 1);
    zone_close(&z);
}

TEST(check_detects_corruption)
{
    struct zone z;
    paddr_t pa;

    zone_open(&z, 0, 64 * PAGE_SIZE);
    zone_add(&z, 0, 64 * PAGE_SIZE);
    REQUIRE(buddy_alloc(&z.b, 0, &pa) == OK);
    REQUIRE(buddy_check(&z.b));
    z.state[frame_of(&z, pa)] = 0x80 | 1; /* claim the allocated page free */
    CHECK(!buddy_check(&z.b));
    z.state[frame_of(&z, pa)] = 0x80;
    CHECK(buddy_check(&z.b));
    z.b.free_pages++;
    CHECK(!buddy_check(&z.b));
    zone_close(&z);
}

static void do_double_free(void)
{
    struct zone z;
    paddr_t pa, other;

    zone_open(&z, 0, 64 * PAGE_SIZE);
    zone_add(&z, 0, 64 * PAGE_SIZE);
    buddy_alloc(&z.b, 0, &pa);
    buddy_alloc(&z.b, 0, &other); /* keeps pa's block from merging away */
    buddy_free(&z.b, pa, 0);
    buddy_free(&z.b, pa, 0);
}

static void do_add_twice(void)
{
    struct zone z;

    zone_open(&z, 0, 64 * PAGE_SIZE);
    zone_add(&z, 0, 32 * PAGE_SIZE);
    zone_add(&z, 31 * PAGE_SIZE, 40 * PAGE_SIZE);
}

static void do_free_reserved(void)
{
    struct zone z;

    zone_open(&z, 0, 64 * PAGE_SIZE);
    zone_add(&z, 0, 32 * PAGE_SIZE);
    buddy_free(&z.b, 40 * PAGE_SIZE, 0);
}

static void do_free_misaligned(void)
{
    struct zone z;
    paddr_t pa;

    zone_open(&z, 0, 64 * PAGE_SIZE);
    zone_add(&z, 0, 64 * PAGE_SIZE);
    buddy_alloc(&z.b, 2, &pa);
    buddy_free(&z.b, pa + PAGE_SIZE, 2);
}

static void do_nothing_wrong(void)
{
    struct zone z;
    paddr_t pa;

    zone_open(&z, 0, 64 * PAGE_SIZE);
    zone_add(&z, 0, 64 * PAGE_SIZE);
    buddy_alloc(&z.b, 2, &pa);
    buddy_free(&z.b, pa, 2);
    zone_close(&z);
}

TEST(invariant_violations_are_caught)
{
    CHECK(!dies(do_nothing_wrong)); /* the harness itself can tell */
    CHECK(dies(do_double_free));
    CHECK(dies(do_add_twice));
    CHECK(dies(do_free_reserved));
    CHECK(dies(do_free_misaligned));
}

int main(void) { return RUN_TESTS(); }
