/*
 * Kernel stacks with guard pages. Each stack occupies a slot of
 * KSTACK_PAGES + 1 pages in the kernel-stack region; the lowest page of the
 * slot is never mapped, so running off the bottom of a stack faults
 * instead of silently overwriting whatever lies below.
 */
#ifndef MM_KSTACK_H
#define MM_KSTACK_H

#include "types.h"

/* Returns the top of a new stack (16-byte aligned), or 0 when out of memory. */
vaddr_t kstack_alloc(void);
/* The stack is kept, mapped, for the next kstack_alloc (see kstack.c). */
void kstack_free(vaddr_t top);
size_t kstack_cached(void);

/* True when addr falls in the guard page of an allocated stack. */
bool kstack_is_guard(vaddr_t addr);

/* Bounds [lo, hi) of the kernel stack containing sp (a slot stack or the
 * boot stack); false when sp is on no known stack. */
bool kstack_bounds(vaddr_t sp, vaddr_t *lo, vaddr_t *hi);

#endif
