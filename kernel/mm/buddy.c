/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Buddy frame allocator (model in mm/buddy.h).
 *
 * State byte per frame:
 *   bit 7      BUDDY_MANAGED: the frame was given by buddy_add_range();
 *              frames never added (holes, firmware, the kernel image) are 0
 *              and can never become free.
 *   bits 0..4  order + 1 when the frame heads a free block, else 0.
 * Frames inside a free block other than its head read just BUDDY_MANAGED,
 * so only heads are found free: a buddy is free exactly when its head byte
 * is MANAGED | (order + 1).
 *
 * Invariants (checked by buddy_check):
 *   - every free block is naturally aligned, lies inside [base, end), is
 *     made of managed frames and sits on the list of its order;
 *   - free blocks never overlap and no two free buddies of the same order
 *     coexist (they would have been merged);
 *   - free_pages and free_blocks[] equal what the lists hold.
 *
 * List links are physical addresses rather than pointers, so a node only
 * depends on virt_offset when it is dereferenced.
 */
#include "mm/buddy.h"

#include "lib/kassert.h"
#include "lib/kstring.h"

#define BUDDY_MANAGED 0x80u
#define BUDDY_ORDER_MASK 0x1fu
#define BUDDY_NIL ((paddr_t)-1)

struct buddy_node {
    paddr_t next;
    paddr_t prev;
};

static paddr_t block_bytes(unsigned order)
{
    return (paddr_t)PAGE_SIZE << order;
}

static size_t frame_index(const buddy_t *b, paddr_t pa)
{
    return (size_t)((pa - b->base) >> PAGE_SHIFT);
}

static struct buddy_node *node_at(const buddy_t *b, paddr_t pa)
{
    return (struct buddy_node *)(uintptr_t)(pa + b->virt_offset);
}

static bool frame_in_zone(const buddy_t *b, paddr_t pa)
{
    return pa >= b->base && pa < b->end;
}

/* Whole block inside the zone; written so that nothing can overflow. */
static bool block_in_zone(const buddy_t *b, paddr_t pa, unsigned order)
{
    return frame_in_zone(b, pa) && b->end - pa >= block_bytes(order);
}

static uint8_t free_head_state(unsigned order)
{
    return (uint8_t)(BUDDY_MANAGED | (order + 1));
}

static void list_push(buddy_t *b, paddr_t pa, unsigned order)
{
    struct buddy_node *n = node_at(b, pa);
    paddr_t head = b->free_head[order];

    n->next = head;
    n->prev = BUDDY_NIL;
    if (head != BUDDY_NIL)
        node_at(b, head)->prev = pa;
    b->free_head[order] = pa;
    b->free_blocks[order]++;
    b->state[frame_index(b, pa)] = free_head_state(order);
}

static void list_remove(buddy_t *b, paddr_t pa, unsigned order)
{
    struct buddy_node *n = node_at(b, pa);

    if (n->prev != BUDDY_NIL)
        node_at(b, n->prev)->next = n->next;
    else
        b->free_head[order] = n->next;
    if (n->next != BUDDY_NIL)
        node_at(b, n->next)->prev = n->prev;
    b->free_blocks[order]--;
    b->state[frame_index(b, pa)] = BUDDY_MANAGED;
}

static bool buddy_is_free(const buddy_t *b, paddr_t pa, unsigned order)
{
    /* A free head implies the whole block is in the zone, so checking the
     * head frame is enough to never merge across the zone's edges. */
    return frame_in_zone(b, pa) &&
           b->state[frame_index(b, pa)] == free_head_state(order);
}

/* Puts a block on the free lists, merging upwards as far as possible. */
static void free_block(buddy_t *b, paddr_t pa, unsigned order)
{
    while (order < BUDDY_MAX_ORDER) {
        paddr_t bud = pa ^ block_bytes(order);

        if (!buddy_is_free(b, bud, order))
            break;
        list_remove(b, bud, order);
        pa = MIN(pa, bud);
        order++;
    }
    list_push(b, pa, order);
}

/* Rounds a zone inward to whole pages; an empty zone gets end == base. */
static void zone_round(paddr_t *base, paddr_t *end)
{
    paddr_t b = ALIGN_UP(*base, (paddr_t)PAGE_SIZE);
    paddr_t e = ALIGN_DOWN(*end, (paddr_t)PAGE_SIZE);

    if (b < *base || e <= b) /* b < *base: rounding wrapped past 2^64 */
        e = b = ALIGN_DOWN(*base, (paddr_t)PAGE_SIZE);
    *base = b;
    *end = e;
}

size_t buddy_state_bytes(paddr_t base, paddr_t end)
{
    zone_round(&base, &end);
    return (size_t)((end - base) >> PAGE_SHIFT);
}

void buddy_init(buddy_t *b, paddr_t base, paddr_t end, uint8_t *state,
                uintptr_t virt_offset)
{
    memset(b, 0, sizeof(*b));
    zone_round(&base, &end);
    b->base = base;
    b->end = end;
    b->state = state;
    b->virt_offset = virt_offset;
    for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
        b->free_head[o] = BUDDY_NIL;
    memset(state, 0, buddy_state_bytes(b->base, b->end));
}

/* Largest order a block starting at pa may have without passing end. */
static unsigned largest_fit(paddr_t pa, paddr_t end)
{
    unsigned order = 0;

    while (order < BUDDY_MAX_ORDER && IS_ALIGNED(pa, block_bytes(order + 1)) &&
           end - pa >= block_bytes(order + 1))
        order++;
    return order;
}

void buddy_add_range(buddy_t *b, paddr_t start, paddr_t end)
{
    /* Clip to the zone first so that rounding up cannot wrap (b->end is
     * page aligned), then round inward: partial pages are not usable. */
    if (start >= b->end || end <= b->base)
        return;
    start = ALIGN_UP(MAX(start, b->base), (paddr_t)PAGE_SIZE);
    end = ALIGN_DOWN(MIN(end, b->end), (paddr_t)PAGE_SIZE);
    if (start >= end)
        return;

    for (paddr_t pa = start; pa < end; pa += PAGE_SIZE) {
        uint8_t *s = &b->state[frame_index(b, pa)];

        kassert(!(*s & BUDDY_MANAGED));
        *s = BUDDY_MANAGED;
    }
    b->total_pages += (size_t)((end - start) >> PAGE_SHIFT);
    b->free_pages += (size_t)((end - start) >> PAGE_SHIFT);

    for (paddr_t pa = start; pa < end;) {
        unsigned order = largest_fit(pa, end);

        free_block(b, pa, order);
        pa += block_bytes(order);
    }
}

/* Takes free block pa of order o and splits it down to `order`. */
static void take_block(buddy_t *b, paddr_t pa, unsigned o, unsigned order)
{
    list_remove(b, pa, o);
    /* Split: keep the lower half, free the upper halves. */
    while (o > order) {
        o--;
        list_push(b, pa + block_bytes(o), o);
    }
    b->free_pages -= (size_t)1 << order;
}

int buddy_alloc_below(buddy_t *b, unsigned order, paddr_t limit, paddr_t *out)
{
    if (order > BUDDY_MAX_ORDER)
        return ERR_INVALID_ARGS;
    for (unsigned o = order; o <= BUDDY_MAX_ORDER; o++) {
        for (paddr_t pa = b->free_head[o]; pa != BUDDY_NIL; pa = node_at(b, pa)->next) {
            if (pa < limit && limit - pa >= block_bytes(order)) {
                take_block(b, pa, o, order);
                *out = pa;
                return OK;
            }
        }
    }
    return ERR_NO_MEMORY;
}

int buddy_alloc(buddy_t *b, unsigned order, paddr_t *out)
{
    unsigned o = order;
    paddr_t pa;

    if (order > BUDDY_MAX_ORDER)
        return ERR_INVALID_ARGS;
    while (o <= BUDDY_MAX_ORDER && b->free_head[o] == BUDDY_NIL)
        o++;
    if (o > BUDDY_MAX_ORDER)
        return ERR_NO_MEMORY;

    pa = b->free_head[o];
    list_remove(b, pa, o);
    /* Split: keep the lower half, free the upper halves. */
    while (o > order) {
        o--;
        list_push(b, pa + block_bytes(o), o);
    }
    b->free_pages -= (size_t)1 << order;
    *out = pa;
    return OK;
}

void buddy_free(buddy_t *b, paddr_t pa, unsigned order)
{
    kassert(order <= BUDDY_MAX_ORDER);
    kassert(IS_ALIGNED(pa, block_bytes(order)));
    kassert(block_in_zone(b, pa, order));
    /* Head and last frame managed, head not already free: catches frees of
     * reserved memory and the common double free at O(1) cost. */
    kassert(b->state[frame_index(b, pa)] == BUDDY_MANAGED);
    kassert(b->state[frame_index(b, pa + block_bytes(order) - PAGE_SIZE)] &
            BUDDY_MANAGED);

    b->free_pages += (size_t)1 << order;
    free_block(b, pa, order);
}

size_t buddy_free_pages(const buddy_t *b)
{
    return b->free_pages;
}

size_t buddy_total_pages(const buddy_t *b)
{
    return b->total_pages;
}

size_t buddy_free_blocks(const buddy_t *b, unsigned order)
{
    return order <= BUDDY_MAX_ORDER ? b->free_blocks[order] : 0;
}

/* Walks one free list; adds its pages to *pages. */
static bool check_list(const buddy_t *b, unsigned order, size_t *pages)
{
    size_t limit = buddy_state_bytes(b->base, b->end);
    size_t count = 0;
    paddr_t prev = BUDDY_NIL;

    for (paddr_t pa = b->free_head[order]; pa != BUDDY_NIL;
         pa = node_at(b, pa)->next) {
        if (++count > limit || !block_in_zone(b, pa, order) ||
            !IS_ALIGNED(pa, block_bytes(order)) ||
            b->state[frame_index(b, pa)] != free_head_state(order) ||
            node_at(b, pa)->prev != prev)
            return false;
        prev = pa;
    }
    *pages += count << order;
    return count == b->free_blocks[order];
}

/* A free block whose buddy is free too should have been merged. */
static bool coalesced_ok(const buddy_t *b, paddr_t pa, unsigned order)
{
    return order == BUDDY_MAX_ORDER ||
           !buddy_is_free(b, pa ^ block_bytes(order), order);
}

/* One pass over the state array: overlap, managed-ness, coalescing. */
static bool check_state(const buddy_t *b)
{
    size_t n = buddy_state_bytes(b->base, b->end);
    size_t heads[BUDDY_MAX_ORDER + 1] = {0};
    size_t managed = 0, covered_until = 0;

    for (size_t i = 0; i < n; i++) {
        uint8_t s = b->state[i];
        unsigned code = s & BUDDY_ORDER_MASK;
        paddr_t pa = b->base + ((paddr_t)i << PAGE_SHIFT);

        if (s & ~(BUDDY_MANAGED | BUDDY_ORDER_MASK) || code > BUDDY_MAX_ORDER + 1)
            return false;
        if (!(s & BUDDY_MANAGED)) {
            if (s != 0 || i < covered_until)
                return false;
            continue;
        }
        managed++;
        if (code == 0)
            continue;
        if (i < covered_until || !coalesced_ok(b, pa, code - 1))
            return false;
        heads[code - 1]++;
        covered_until = i + ((size_t)1 << (code - 1));
    }
    for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
        if (heads[o] != b->free_blocks[o])
            return false;
    return managed == b->total_pages && covered_until <= n;
}

bool buddy_check(const buddy_t *b)
{
    size_t pages = 0;

    for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
        if (!check_list(b, o, &pages))
            return false;
    return pages == b->free_pages && b->free_pages <= b->total_pages &&
           check_state(b);
}
