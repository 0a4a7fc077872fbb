/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the x86_64 page-table helpers (kernel/mm/pt.c).
 *
 * "Physical memory" for the tables is an aligned arena from aligned_alloc,
 * placed at the fake physical address ARENA_PHYS (virt_offset = arena -
 * ARENA_PHYS). The fake table allocator hands out arena pages filled with
 * garbage (the helpers must zero them), poisons freed pages, counts the
 * pages outstanding, rejects double frees and can be told to fail after a
 * number of allocations. Mapped physical addresses are never dereferenced,
 * so they can be anything. The tests also walk the tables by hand, to check
 * entry encodings independently of pt_query.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mm/pt.h"

#define ARENA_PHYS 0x100000000ull
#define ARENA_PAGES 2048
#define K4 ((size_t)PAGE_SIZE)
#define M2 ((size_t)LARGE_PAGE_SIZE)
#define G1 ((size_t)1 << 30)

struct fake_mem {
    uint8_t *arena;
    bool used[ARENA_PAGES];
    size_t outstanding;
    size_t allocs;
    long fail_after;      /* < 0: never fail; else allocations left */
    bool bad_free;
};

static struct fake_mem mem;
static pt_ctx_t ctx;
static paddr_t root;

static int fake_alloc(void *c, paddr_t *out)
{
    struct fake_mem *m = c;

    if (m->fail_after == 0)
        return ERR_NO_MEMORY;
    for (size_t i = 0; i < ARENA_PAGES; i++) {
        if (m->used[i])
            continue;
        m->used[i] = true;
        m->outstanding++;
        m->allocs++;
        if (m->fail_after > 0)
            m->fail_after--;
        memset(m->arena + i * K4, 0xcc, K4);
        *out = ARENA_PHYS + i * K4;
        return OK;
    }
    return ERR_NO_MEMORY;
}

static void fake_free(void *c, paddr_t pa)
{
    struct fake_mem *m = c;
    size_t i = (size_t)((pa - ARENA_PHYS) / K4);

    if (pa < ARENA_PHYS || i >= ARENA_PAGES || !m->used[i] || pa % K4) {
        m->bad_free = true;
        return;
    }
    m->used[i] = false;
    m->outstanding--;
    memset(m->arena + i * K4, 0xdd, K4);
}

/* Fresh arena, context and root for each test. */
static void setup(uint64_t nx_mask)
{
    free(mem.arena);
    memset(&mem, 0, sizeof(mem));
    mem.arena = aligned_alloc(K4, ARENA_PAGES * K4);
    mem.fail_after = -1;
    ctx = (pt_ctx_t){
        .virt_offset = (uintptr_t)mem.arena - ARENA_PHYS,
        .alloc_table = fake_alloc,
        .free_table = fake_free,
        .ctx = &mem,
        .nx_mask = nx_mask,
    };
    fake_alloc(&mem, &root);
    memset(mem.arena + (root - ARENA_PHYS), 0, K4);
}

static uint64_t *tab(paddr_t pa)
{
    return (uint64_t *)(mem.arena + (pa - ARENA_PHYS));
}

/* Independent walk: the entry that maps va and its level, or NULL. */
static uint64_t *leaf_slot(vaddr_t va, int *level_out)
{
    paddr_t t = root;

    for (int level = 4; level >= 1; level--) {
        uint64_t *e = &tab(t)[(va >> (12 + 9 * (level - 1))) & 511];

        if (!(*e & PTE_P))
            return NULL;
        if (level == 1 || (*e & PTE_PS)) {
            *level_out = level;
            return e;
        }
        t = *e & PTE_ADDR_MASK;
    }
    return NULL;
}

/* Every intermediate entry on the way to va is exactly P|W|U + address. */
static bool path_is_open(vaddr_t va)
{
    paddr_t t = root;

    for (int level = 4; level > 1; level--) {
        uint64_t e = tab(t)[(va >> (12 + 9 * (level - 1))) & 511];

        if (e & PTE_PS)
            return true;
        if ((e & ~PTE_ADDR_MASK) != (PTE_P | PTE_W | PTE_U))
            return false;
        t = e & PTE_ADDR_MASK;
    }
    return true;
}

/* Checks one translation; returns false with a message on mismatch. */
static bool maps(vaddr_t va, paddr_t want_pa, uint64_t want_flags,
                 size_t want_size)
{
    paddr_t pa = 0;
    uint64_t flags = 0;
    size_t size = 0;
    int rc = pt_query(&ctx, root, va, &pa, &flags, &size);

    if (rc != OK || pa != want_pa || (flags & PT_MAP_FLAGS) != (want_flags | PTE_P) ||
        size != want_size) {
        printf("  va %#lx: rc %d pa %#lx flags %#lx size %#zx\n",
               (unsigned long)va, rc, (unsigned long)pa, (unsigned long)flags, size);
        return false;
    }
    return true;
}

static bool unmapped(vaddr_t va)
{
    return pt_query(&ctx, root, va, NULL, NULL, NULL) == ERR_NOT_FOUND;
}

TEST(map_4k_pages_and_query)
{
    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, 0x400000, 0x12345000, 3 * K4, PTE_W | PTE_NX) == OK);
    for (size_t i = 0; i < 3; i++)
        CHECK(maps(0x400000 + i * K4, 0x12345000 + i * K4, PTE_W | PTE_NX, K4));
    CHECK(maps(0x401234, 0x12346234, PTE_W | PTE_NX, K4));
    CHECK(unmapped(0x3ff000));
    CHECK(unmapped(0x403000));
    CHECK_EQ(mem.outstanding, 4); /* root, PDPT, PD, PT */
    CHECK(path_is_open(0x400000));
    CHECK(!mem.bad_free);
}

TEST(map_2m_pages_when_aligned)
{
    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, 0x40000000, 0x80000000, 2 * M2, PTE_W | PTE_G) == OK);
    CHECK(maps(0x40000000, 0x80000000, PTE_W | PTE_G, M2));
    CHECK(maps(0x40200000 + 0x1234, 0x80201234, PTE_W | PTE_G, M2));
    CHECK_EQ(mem.outstanding, 3); /* root, PDPT, PD: no page table */
    CHECK(path_is_open(0x40000000));
}

TEST(map_mixed_sizes)
{
    /* 2 small pages, then two 2 MiB pages, then 3 small ones. */
    vaddr_t va = 0x1fe000;
    paddr_t pa = 0x401fe000;
    size_t len = 2 * K4 + 2 * M2 + 3 * K4;

    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, va, pa, len, PTE_U) == OK);
    for (size_t off = 0; off < len; off += K4) {
        size_t want = (off >= 2 * K4 && off < 2 * K4 + 2 * M2) ? M2 : K4;

        CHECK(maps(va + off, pa + off, PTE_U, want));
    }
    CHECK(unmapped(va - K4));
    CHECK(unmapped(va + len));

    /* va and pa disagree modulo 2 MiB: only 4 KiB pages are possible. */
    REQUIRE(pt_map(&ctx, root, 0x10000000, 0x50001000, 2 * M2, 0) == OK);
    for (size_t off = 0; off < 2 * M2; off += 97 * K4)
        CHECK(maps(0x10000000 + off, 0x50001000 + off, 0, K4));
}

TEST(overlap_is_rejected_without_side_effects)
{
    const vaddr_t a = 0x8000000000; /* first page of root slot 1 */
    size_t before, allocs;

    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, a, 0x1000000, 4 * K4, PTE_W) == OK);
    REQUIRE(pt_map(&ctx, root, 0x40000000, 0x80000000, M2, 0) == OK);
    before = mem.outstanding;
    allocs = mem.allocs;

    /* Starts where new tables would be needed, ends on a mapped page. */
    CHECK_EQ(pt_map(&ctx, root, a - 4 * K4, 0x2000000, 5 * K4, PTE_W), ERR_ALREADY_EXISTS);
    CHECK_EQ(pt_map(&ctx, root, a + 3 * K4, 0x2000000, 2 * K4, 0), ERR_ALREADY_EXISTS);
    CHECK_EQ(pt_map(&ctx, root, 0x40100000, 0x3000000, K4, 0), ERR_ALREADY_EXISTS);
    CHECK_EQ(pt_map(&ctx, root, 0x3fe00000, 0x3000000, 2 * M2, 0), ERR_ALREADY_EXISTS);
    CHECK_EQ(mem.outstanding, before);
    CHECK_EQ(mem.allocs, allocs); /* checked before allocating anything */
    CHECK(unmapped(a - K4));
    CHECK(unmapped(a + 4 * K4));
    CHECK(unmapped(0x3fe00000));
    CHECK(maps(a + 3 * K4, 0x1003000, PTE_W, K4));
    CHECK(maps(0x40000000, 0x80000000, 0, M2));
}

TEST(bad_arguments_are_rejected)
{
    setup(PTE_NX);
    /* Unaligned, empty. */
    CHECK_EQ(pt_map(&ctx, root, 0x1001, 0x2000, K4, 0), ERR_INVALID_ARGS);
    CHECK_EQ(pt_map(&ctx, root, 0x1000, 0x2001, K4, 0), ERR_INVALID_ARGS);
    CHECK_EQ(pt_map(&ctx, root, 0x1000, 0x2000, K4 + 1, 0), ERR_INVALID_ARGS);
    CHECK_EQ(pt_map(&ctx, root, 0x1000, 0x2000, 0, 0), ERR_INVALID_ARGS);
    /* Non-canonical, crossing the hole, wrapping. */
    CHECK_EQ(pt_map(&ctx, root, 0x0000800000000000, 0, K4, 0), ERR_INVALID_ARGS);
    CHECK_EQ(pt_map(&ctx, root, 0xffff7ffffffff000, 0, K4, 0), ERR_INVALID_ARGS);
    CHECK_EQ(pt_map(&ctx, root, 0x00007ffffffff000, 0, 2 * K4, 0), ERR_INVALID_ARGS);
    CHECK_EQ(pt_map(&ctx, root, 0xfffffffffffff000, 0, 2 * K4, 0), ERR_INVALID_ARGS);
    CHECK_EQ(pt_map(&ctx, root, 0x1000, 0, SIZE_MAX - K4 + 1, 0), ERR_INVALID_ARGS);
    /* Physical range beyond 52 bits or wrapping. */
    CHECK_EQ(pt_map(&ctx, root, 0x1000, PT_MAX_PHYS, K4, 0), ERR_INVALID_ARGS);
    CHECK_EQ(pt_map(&ctx, root, 0x1000, PT_MAX_PHYS - K4, 2 * K4, 0), ERR_INVALID_ARGS);
    CHECK_EQ(pt_map(&ctx, root, 0x1000, 0xfffffffffffff000, K4, 0), ERR_INVALID_ARGS);
    /* Flags that are not the caller's to set. */
    CHECK_EQ(pt_map(&ctx, root, 0x1000, 0x2000, K4, PTE_A), ERR_INVALID_ARGS);
    CHECK_EQ(pt_map(&ctx, root, 0x1000, 0x2000, K4, PTE_D), ERR_INVALID_ARGS);
    CHECK_EQ(pt_map(&ctx, root, 0x1000, 0x2000, K4, 1ull << 9), ERR_INVALID_ARGS);
    CHECK_EQ(pt_map(&ctx, root, 0x1000, 0x2000, K4, 0x5000), ERR_INVALID_ARGS);
    CHECK_EQ(mem.outstanding, 1);
    CHECK_EQ(mem.allocs, 1);

    CHECK_EQ(pt_unmap(&ctx, root, 0x1001, K4), ERR_INVALID_ARGS);
    CHECK_EQ(pt_unmap(&ctx, root, 0x1000, 0), ERR_INVALID_ARGS);
    CHECK_EQ(pt_unmap(&ctx, root, 0x0000800000000000, K4), ERR_INVALID_ARGS);
    CHECK_EQ(pt_protect(&ctx, root, 0x1000, 3, 0), ERR_INVALID_ARGS);
    CHECK_EQ(pt_protect(&ctx, root, 0xfffffffffffff000, 2 * K4, 0), ERR_INVALID_ARGS);
    CHECK_EQ(pt_query(&ctx, root, 0x0000900000000000, NULL, NULL, NULL), ERR_INVALID_ARGS);

    /* Valid corner cases: the very top of the address space. */
    CHECK_EQ(pt_map(&ctx, root, 0xfffffffffffff000, 0x5000, K4, 0), OK);
    CHECK(maps(0xffffffffffffffff, 0x5fff, 0, K4));
    CHECK_EQ(pt_map(&ctx, root, 0xffffffffffc00000, 0x40000000, M2, 0), OK);
    CHECK(maps(0xffffffffffc00000, 0x40000000, 0, M2));
    CHECK_EQ(pt_map(&ctx, root, 0x00007ffffffff000, PT_MAX_PHYS - K4, K4, 0), OK);
    CHECK(maps(0x00007ffffffff000, PT_MAX_PHYS - K4, 0, K4));
}

TEST(unmap_inside_a_2m_page_splits_it)
{
    const uint64_t fl = PTE_W | PTE_G | PTE_PCD | PTE_PAT | PTE_NX;
    vaddr_t va = 0x200000;
    int level;

    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, va, 0x40000000, 3 * M2, fl) == OK);
    CHECK_EQ(mem.outstanding, 3);
    REQUIRE(leaf_slot(va + M2, &level) && level == 2);
    CHECK(*leaf_slot(va + M2, &level) & PTE_PAT_LARGE); /* PAT moved to bit 12 */

    REQUIRE(pt_unmap(&ctx, root, va + M2 + 3 * K4, 2 * K4) == OK);
    CHECK_EQ(mem.outstanding, 4); /* the new page table */
    for (size_t off = 0; off < M2; off += K4) {
        if (off == 3 * K4 || off == 4 * K4)
            CHECK(unmapped(va + M2 + off));
        else
            CHECK(maps(va + M2 + off, 0x40000000 + M2 + off, fl, K4));
    }
    REQUIRE(leaf_slot(va + M2, &level) && level == 1);
    CHECK(*leaf_slot(va + M2, &level) & PTE_PAT);          /* bit 7 at 4 KiB */
    CHECK(!(*leaf_slot(va + M2, &level) & PTE_PAT_LARGE));
    CHECK(maps(va, 0x40000000, fl, M2));
    CHECK(maps(va + 2 * M2 + 0x5000, 0x40000000 + 2 * M2 + 0x5000, fl, M2));
}

TEST(unmap_removes_everything_and_frees_tables)
{
    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, 0x1000, 0x1000, 5 * K4, PTE_W) == OK);
    REQUIRE(pt_map(&ctx, root, 0x40000000, 0x40000000, 3 * M2 + K4, 0) == OK);
    REQUIRE(pt_map(&ctx, root, 0x7f0000000000, 0x9000, 2 * K4, PTE_U) == OK);
    CHECK(mem.outstanding > 5);

    /* Piecewise, including holes and an unmapped region. */
    CHECK_EQ(pt_unmap(&ctx, root, 0x2000, K4), OK);
    CHECK(unmapped(0x2000));
    CHECK(maps(0x3000, 0x3000, PTE_W, K4));
    CHECK_EQ(pt_unmap(&ctx, root, 0, 0x10000), OK);
    CHECK_EQ(pt_unmap(&ctx, root, 0x40100000, 0x100000), OK); /* half a 2M page */
    CHECK(maps(0x400ff000, 0x400ff000, 0, K4));
    CHECK_EQ(pt_unmap(&ctx, root, 0x3fe00000, 8 * M2), OK);
    CHECK_EQ(pt_unmap(&ctx, root, 0x7f0000000000, 2 * K4), OK);
    CHECK_EQ(pt_unmap(&ctx, root, 0x500000000000, 4 * G1), OK); /* nothing there */
    CHECK_EQ(mem.outstanding, 1); /* only the root is left */
    CHECK(!mem.bad_free);
    for (size_t i = 0; i < 512; i++)
        CHECK_EQ(tab(root)[i], 0);
}

TEST(upper_half_top_tables_are_kept)
{
    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, 0xffffffff80000000, 0x100000, 4 * K4, PTE_W | PTE_G) == OK);
    CHECK_EQ(mem.outstanding, 4);
    REQUIRE(pt_unmap(&ctx, root, 0xffffffff80000000, 4 * K4) == OK);
    CHECK(unmapped(0xffffffff80000000));
    /* The PDPT under the root stays: every address space shares it. */
    CHECK_EQ(mem.outstanding, 2);
    CHECK(tab(root)[511] & PTE_P);
    CHECK(!mem.bad_free);
}

TEST(protect_changes_flags)
{
    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, 0x10000, 0x20000, 3 * K4, PTE_W | PTE_U) == OK);
    REQUIRE(pt_map(&ctx, root, 0x600000, 0xa00000, 2 * M2, PTE_W) == OK);

    REQUIRE(pt_protect(&ctx, root, 0x11000, K4, PTE_U | PTE_NX) == OK);
    CHECK(maps(0x10000, 0x20000, PTE_W | PTE_U, K4));
    CHECK(maps(0x11000, 0x21000, PTE_U | PTE_NX, K4));
    CHECK(maps(0x12000, 0x22000, PTE_W | PTE_U, K4));

    /* A whole 2 MiB page keeps its size. */
    REQUIRE(pt_protect(&ctx, root, 0x600000, M2, PTE_G) == OK);
    CHECK(maps(0x600000, 0xa00000, PTE_G, M2));
    /* Part of one is split, the rest keeps the old flags. */
    REQUIRE(pt_protect(&ctx, root, 0x800000 + 8 * K4, 4 * K4, PTE_PWT | PTE_PAT) == OK);
    CHECK(maps(0x800000, 0xc00000, PTE_W, K4));
    CHECK(maps(0x800000 + 8 * K4, 0xc08000, PTE_PWT | PTE_PAT, K4));
    CHECK(maps(0x800000 + 11 * K4, 0xc0b000, PTE_PWT | PTE_PAT, K4));
    CHECK(maps(0x800000 + 12 * K4, 0xc0c000, PTE_W, K4));
    CHECK(maps(0x600000, 0xa00000, PTE_G, M2));
    CHECK(path_is_open(0x800000));
}

TEST(protect_keeps_accessed_and_dirty)
{
    int level;
    uint64_t flags;

    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, 0x10000, 0x20000, K4, PTE_W) == OK);
    *leaf_slot(0x10000, &level) |= PTE_A | PTE_D; /* as the CPU would */
    REQUIRE(pt_protect(&ctx, root, 0x10000, K4, PTE_NX) == OK);
    REQUIRE(pt_query(&ctx, root, 0x10000, NULL, &flags, NULL) == OK);
    CHECK_EQ(flags, PTE_P | PTE_A | PTE_D | PTE_NX);
}

TEST(protect_with_a_hole_changes_nothing)
{
    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, 0x10000, 0x20000, 2 * K4, PTE_W) == OK);
    REQUIRE(pt_map(&ctx, root, 0x13000, 0x23000, K4, PTE_W) == OK);
    REQUIRE(pt_map(&ctx, root, 0x200000, 0x400000, M2, PTE_W) == OK);
    CHECK_EQ(pt_protect(&ctx, root, 0x10000, 4 * K4, 0), ERR_NOT_FOUND);
    CHECK(maps(0x10000, 0x20000, PTE_W, K4));
    CHECK(maps(0x11000, 0x21000, PTE_W, K4));
    CHECK(maps(0x13000, 0x23000, PTE_W, K4));
    /* Covers part of a 2 MiB page (a split) and a hole after it. */
    CHECK_EQ(pt_protect(&ctx, root, 0x3ff000, 2 * K4, 0), ERR_NOT_FOUND);
    CHECK(maps(0x3ff000, 0x5ff000, PTE_W, M2)); /* not split */
    CHECK_EQ(pt_protect(&ctx, root, 0x70000000, K4, 0), ERR_NOT_FOUND);
    CHECK_EQ(pt_protect(&ctx, root, 0x10000, K4, PTE_D), ERR_INVALID_ARGS);
    CHECK(maps(0x10000, 0x20000, PTE_W, K4));
}

TEST(no_nx_cpu_strips_nx)
{
    int level;

    setup(0);
    REQUIRE(pt_map(&ctx, root, 0x10000, 0x20000, K4, PTE_W | PTE_NX) == OK);
    CHECK(maps(0x10000, 0x20000, PTE_W, K4));
    REQUIRE(pt_map(&ctx, root, 0x200000, 0x200000, M2, PTE_NX) == OK);
    CHECK(maps(0x200000, 0x200000, 0, M2));
    REQUIRE(pt_protect(&ctx, root, 0x10000, K4, PTE_NX | PTE_U) == OK);
    CHECK(maps(0x10000, 0x20000, PTE_U, K4));
    CHECK(!(*leaf_slot(0x10000, &level) & PTE_NX));
    REQUIRE(pt_unmap(&ctx, root, 0x201000, K4) == OK); /* split copies */
    CHECK(!(*leaf_slot(0x200000, &level) & PTE_NX));

    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, 0x10000, 0x20000, K4, PTE_W | PTE_NX) == OK);
    CHECK(maps(0x10000, 0x20000, PTE_W | PTE_NX, K4));
}

TEST(out_of_memory_in_map_leaves_nothing)
{
    vaddr_t va = 0x7f00001fe000;
    size_t len = 2 * K4 + 3 * M2 + K4;
    size_t need;
    int rc;

    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, 0x10000, 0x20000, K4, 0) == OK);
    for (long k = 0;; k++) {
        size_t before = mem.outstanding;

        mem.fail_after = k;
        rc = pt_map(&ctx, root, va, 0x801fe000, len, PTE_W);
        if (rc == OK)
            break;
        CHECK_EQ(rc, ERR_NO_MEMORY);
        CHECK_EQ(mem.outstanding, before);
        for (size_t off = 0; off < len; off += K4)
            CHECK(unmapped(va + off));
        REQUIRE(k < 10);
    }
    need = mem.outstanding - 4; /* minus root, PDPT, PD, PT of 0x10000 */
    CHECK_EQ(need, 4);          /* PDPT, PD, two PTs */
    CHECK(maps(va + len - K4, 0x801fe000 + len - K4, PTE_W, K4));
    CHECK(maps(0x10000, 0x20000, 0, K4));
    CHECK(!mem.bad_free);
}

TEST(out_of_memory_in_split_changes_nothing)
{
    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, 0x200000, 0x400000, M2, PTE_W) == OK);
    mem.fail_after = 0;
    CHECK_EQ(pt_unmap(&ctx, root, 0x201000, K4), ERR_NO_MEMORY);
    CHECK_EQ(pt_protect(&ctx, root, 0x201000, K4, 0), ERR_NO_MEMORY);
    CHECK(maps(0x201000, 0x401000, PTE_W, M2));
    /* Whole large pages need no table, so they still work. */
    CHECK_EQ(pt_protect(&ctx, root, 0x200000, M2, 0), OK);
    CHECK_EQ(pt_unmap(&ctx, root, 0x200000, M2), OK);
    CHECK(unmapped(0x200000));
}

TEST(gigabyte_pages_from_boot_code)
{
    uint64_t *pdpt;
    paddr_t t;
    int level;

    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, 0x1000, 0x1000, K4, 0) == OK); /* makes a PDPT */
    t = tab(root)[0] & PTE_ADDR_MASK;
    pdpt = tab(t);
    pdpt[1] = 0x80000000 | PTE_P | PTE_W | PTE_PS | PTE_G; /* 1 GiB at 1 GiB */
    CHECK(maps(G1 + 0x12345678, 0x80000000 + 0x12345678, PTE_W | PTE_G, G1));
    CHECK_EQ(pt_map(&ctx, root, G1 + 5 * M2, 0, K4, 0), ERR_ALREADY_EXISTS);

    /* Unmapping one small page: 1G -> 2M pages -> one 4K table. */
    size_t before = mem.outstanding;
    REQUIRE(pt_unmap(&ctx, root, G1 + 3 * M2 + 7 * K4, K4) == OK);
    CHECK_EQ(mem.outstanding, before + 2);
    CHECK(unmapped(G1 + 3 * M2 + 7 * K4));
    CHECK(maps(G1 + 3 * M2 + 6 * K4, 0x80000000 + 3 * M2 + 6 * K4, PTE_W | PTE_G, K4));
    CHECK(maps(G1 + 3 * M2 + 8 * K4, 0x80000000 + 3 * M2 + 8 * K4, PTE_W | PTE_G, K4));
    CHECK(maps(G1, 0x80000000, PTE_W | PTE_G, M2));
    CHECK(maps(G1 + G1 - K4, 0x80000000 + G1 - K4, PTE_W | PTE_G, M2));
    REQUIRE(leaf_slot(G1 + 500 * M2, &level) && level == 2);

    /* Protect across the end of another 1 GiB page: two splits. */
    pdpt[2] = 0xc0000000 | PTE_P | PTE_PS;
    REQUIRE(pt_protect(&ctx, root, 3 * G1 - M2 - K4, 2 * K4, PTE_W) == OK);
    CHECK(maps(3 * G1 - M2 - K4, 0xc0000000 + G1 - M2 - K4, PTE_W, K4));
    CHECK(maps(3 * G1 - M2, 0xc0000000 + G1 - M2, PTE_W, K4));
    CHECK(maps(3 * G1 - M2 - 2 * K4, 0xc0000000 + G1 - M2 - 2 * K4, 0, K4));
    CHECK(maps(3 * G1 - 2 * M2 - K4, 0xc0000000 + G1 - 2 * M2 - K4, 0, M2));
    CHECK(maps(2 * G1, 0xc0000000, 0, M2));
}

TEST(destroy_frees_lower_half_tables)
{
    setup(PTE_NX);
    REQUIRE(pt_map(&ctx, root, 0x1000, 0x1000, 5 * K4, 0) == OK);
    REQUIRE(pt_map(&ctx, root, 0x40000000, 0x40000000, 2 * M2, 0) == OK);
    REQUIRE(pt_map(&ctx, root, 0x8000000000, 0x9000, K4, 0) == OK); /* slot 1 */
    REQUIRE(pt_map(&ctx, root, 0x7f0000000000, 0x9000, K4, 0) == OK);
    REQUIRE(pt_map(&ctx, root, 0xffffffff80000000, 0x100000, K4, 0) == OK);

    pt_destroy(&ctx, root, 0x1000, PT_LOWER_TOP); /* slot 0 only partly */
    CHECK(maps(0x1000, 0x1000, 0, K4));
    CHECK(unmapped(0x8000000000));
    CHECK(unmapped(0x7f0000000000));
    CHECK(tab(root)[1] == 0 && tab(root)[254] == 0);

    pt_destroy(&ctx, root, 0, UINT64_MAX); /* clamped to the lower half */
    CHECK(unmapped(0x1000));
    CHECK(unmapped(0x40000000));
    CHECK(maps(0xffffffff80000000, 0x100000, 0, K4));
    CHECK_EQ(mem.outstanding, 4); /* root + the kernel's PDPT, PD, PT */
    pt_destroy(&ctx, root, 0xffff800000000000, UINT64_MAX); /* no-op */
    pt_destroy(&ctx, root, 5, 3);                            /* no-op */
    CHECK_EQ(mem.outstanding, 4);
    CHECK(!mem.bad_free);
}

/* ---- randomized cross-check against a flat model ------------------------ */

#define WIN_PAGES 2048 /* an 8 MiB window: four 2 MiB slots */
#define WIN_BASE 0x7fff00000000ull

struct model_page {
    bool mapped;
    paddr_t pa;
    uint64_t flags;
};

static struct model_page model[WIN_PAGES];
static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static const uint64_t flag_choices[] = {
    0, PTE_W, PTE_W | PTE_NX, PTE_U | PTE_W, PTE_G | PTE_PCD, PTE_PAT | PTE_NX,
};

/* Picks a random page range; large and 2 MiB-aligned ones are common. */
static void random_range(size_t *first, size_t *n)
{
    if (rng() % 3 == 0) {
        *first = (rng() % 4) * 512;
        *n = 512 * (1 + rng() % (4 - *first / 512));
    } else {
        *first = rng() % WIN_PAGES;
        *n = 1 + rng() % MIN((size_t)700, WIN_PAGES - *first);
    }
}

static int model_map(size_t first, size_t n, paddr_t pa, uint64_t flags)
{
    for (size_t i = first; i < first + n; i++)
        if (model[i].mapped)
            return ERR_ALREADY_EXISTS;
    for (size_t i = first; i < first + n; i++)
        model[i] = (struct model_page){true, pa + (i - first) * K4, flags};
    return OK;
}

static int model_protect(size_t first, size_t n, uint64_t flags)
{
    for (size_t i = first; i < first + n; i++)
        if (!model[i].mapped)
            return ERR_NOT_FOUND;
    for (size_t i = first; i < first + n; i++)
        model[i].flags = flags;
    return OK;
}

static void random_op(void)
{
    size_t first, n;
    uint64_t flags = flag_choices[rng() % ARRAY_SIZE(flag_choices)];
    vaddr_t va;
    int op = (int)(rng() % 3);

    random_range(&first, &n);
    va = WIN_BASE + first * K4;
    if (op == 0) {
        /* Physical base 2 MiB-congruent with va half of the time. */
        paddr_t pa = (rng() % 64) * M2 + (rng() % 2 ? (va % M2) : (rng() % 512) * K4);

        CHECK_EQ(pt_map(&ctx, root, va, pa, n * K4, flags), model_map(first, n, pa, flags));
    } else if (op == 1) {
        CHECK_EQ(pt_unmap(&ctx, root, va, n * K4), OK);
        for (size_t i = first; i < first + n; i++)
            model[i].mapped = false;
    } else {
        CHECK_EQ(pt_protect(&ctx, root, va, n * K4, flags), model_protect(first, n, flags));
    }
}

static bool model_agrees(void)
{
    for (size_t i = 0; i < WIN_PAGES; i++) {
        paddr_t pa;
        uint64_t flags;
        int rc = pt_query(&ctx, root, WIN_BASE + i * K4, &pa, &flags, NULL);

        if (!model[i].mapped ? rc != ERR_NOT_FOUND
                             : rc != OK || pa != model[i].pa ||
                                   (flags & PT_MAP_FLAGS) != (model[i].flags | PTE_P))
            return false;
    }
    return true;
}

TEST(random_operations_match_a_model)
{
    rng_state = 0xc0ffee;
    setup(PTE_NX);
    memset(model, 0, sizeof(model));
    for (int step = 0; step < 4000; step++) {
        random_op();
        if (step % 50 == 0)
            REQUIRE(model_agrees());
    }
    REQUIRE(model_agrees());
    CHECK_EQ(pt_unmap(&ctx, root, WIN_BASE, WIN_PAGES * K4), OK);
    CHECK_EQ(mem.outstanding, 1);
    CHECK(!mem.bad_free);
}

int main(void) { return RUN_TESTS(); }
