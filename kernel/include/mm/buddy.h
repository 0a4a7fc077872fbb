/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Buddy allocator for 4 KiB physical frames in one zone [base, end).
 *
 * A block of order k is 2^k frames aligned to its own size in PHYSICAL
 * terms (a 2 MiB block sits on a 2 MiB physical boundary), so a block's
 * buddy is simply pa ^ (PAGE_SIZE << k). Buddies that fall outside the zone
 * are never merged with, so base only needs to be page aligned.
 *
 * Free blocks are kept on one doubly-linked list per order; the list nodes
 * live in the free memory itself, reached through virt = phys + virt_offset.
 * A caller-provided byte array (buddy_state_bytes() long, one byte per frame)
 * says for each frame whether it was ever added ("managed") and, for the
 * head frame of a free block, the block's order. That is what makes finding
 * and unlinking a free buddy O(1); every operation is O(BUDDY_MAX_ORDER).
 *
 * Pure code: no locks, no globals. The kernel wraps it with its own lock.
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include "types.h"

#define BUDDY_MAX_ORDER 18 /* largest block: 2^18 pages = 1 GiB */

typedef struct buddy {
    paddr_t base;            /* first frame of the zone (page aligned) */
    paddr_t end;             /* one past the last frame (page aligned) */
    uint8_t *state;          /* one byte per frame, see buddy.c */
    uintptr_t virt_offset;   /* virt = phys + virt_offset for list nodes */
    paddr_t free_head[BUDDY_MAX_ORDER + 1]; /* BUDDY_NIL when empty */
    size_t free_blocks[BUDDY_MAX_ORDER + 1];
    size_t free_pages;
    size_t total_pages;      /* pages ever added */
} buddy_t;

/* Size in bytes of the per-frame state array for the zone [base, end). */
size_t buddy_state_bytes(paddr_t base, paddr_t end);

/*
 * Sets up an empty allocator: every frame starts reserved. base is rounded
 * up and end down to pages. state must hold buddy_state_bytes(base, end)
 * bytes and stay valid for the allocator's lifetime.
 */
void buddy_init(buddy_t *b, paddr_t base, paddr_t end, uint8_t *state,
                uintptr_t virt_offset);

/*
 * Gives [start, end) to the allocator: start is rounded up and end down to
 * pages, parts outside the zone are ignored, and the frames coalesce with
 * free neighbours. Each frame may be added once: adding a frame that was
 * already added (free or allocated) is an invariant violation (kassert), so
 * firmware memory maps must be sanitized (sorted, overlaps removed) first.
 */
void buddy_add_range(buddy_t *b, paddr_t start, paddr_t end);

/*
 * Allocates 2^order frames aligned to their size in physical memory.
 * Returns OK and the block's address in *out, ERR_NO_MEMORY, or
 * ERR_INVALID_ARGS when order > BUDDY_MAX_ORDER.
 */
int buddy_alloc(buddy_t *b, unsigned order, paddr_t *out);

/* The same, for a block that ends at or below `limit` (a device that
 * reaches only low addresses): the free lists are searched, lowest order
 * first, for a block whose lower 2^order frames fit. */
int buddy_alloc_below(buddy_t *b, unsigned order, paddr_t limit, paddr_t *out);

/*
 * Returns a block; it merges with free buddies. pa must be an allocated,
 * naturally aligned block of 2^order managed frames (it may be a part of a
 * bigger allocation). Freeing a free block is an invariant violation.
 */
void buddy_free(buddy_t *b, paddr_t pa, unsigned order);

size_t buddy_free_pages(const buddy_t *b);
size_t buddy_total_pages(const buddy_t *b);

/* Number of free blocks of exactly this order (0 when order is too big). */
size_t buddy_free_blocks(const buddy_t *b, unsigned order);

/*
 * Debug check for tests: walks the lists and the state array and returns
 * false when any invariant is broken (counts, alignment, overlap, state
 * bytes, blocks left uncoalesced). O(frames).
 */
bool buddy_check(const buddy_t *b);

#endif
