/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Allocation of guarded kernel stacks. Slots are handed out from a bump
 * index; pages come from the frame allocator and are mapped through the
 * kernel page tables (vm.c). The slot size is fixed, so "which stack is
 * this address on" is arithmetic.
 *
 * A freed stack keeps its pages and mappings and goes on a free list for
 * the next thread. That is faster than remapping, and it means a kernel
 * stack address always translates to the same frames, so no CPU can hold a
 * stale TLB entry for it: unmapping would need a TLB shootdown on every CPU
 * that ever touched the stack (its creator included).
 */
#include "mm/kstack.h"
#include "lib/kassert.h"
#include "lib/spinlock.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/vm.h"

#define SLOT_SIZE ((KSTACK_PAGES + 1) * PAGE_SIZE)
#define MAX_SLOTS (KSTACK_REGION_SIZE / SLOT_SIZE)

extern char boot_stack_bottom[], boot_stack_top[];

static spinlock_t kstack_lock = SPINLOCK_INIT;
static size_t next_slot;   /* slots [0, next_slot) were handed out once */
static vaddr_t free_list;  /* top of a freed, still mapped stack; its word
                              below the top links to the next one */
static size_t nfree;

static vaddr_t slot_base(size_t slot)
{
    return KSTACK_REGION_BASE + slot * SLOT_SIZE;
}

/* A cached stack, or 0. */
static vaddr_t take_cached(void)
{
    uint64_t fl = spin_lock_irqsave(&kstack_lock);
    vaddr_t top = free_list;
    if (top) {
        free_list = *(vaddr_t *)(top - sizeof(vaddr_t));
        nfree--;
    }
    spin_unlock_irqrestore(&kstack_lock, fl);
    return top;
}

static bool take_slot(size_t *slot)
{
    uint64_t fl = spin_lock_irqsave(&kstack_lock);
    bool ok = next_slot < MAX_SLOTS;
    if (ok)
        *slot = next_slot++;
    spin_unlock_irqrestore(&kstack_lock, fl);
    return ok;
}

/* Unmap and free the first n pages of the stack at `stack`. */
static void release_pages(vaddr_t stack, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        paddr_t pa;
        if (vm_query_kernel(stack + i * PAGE_SIZE, &pa) == OK) {
            vm_unmap_kernel(stack + i * PAGE_SIZE, PAGE_SIZE);
            pmm_free(pa, 0);
        }
    }
}

vaddr_t kstack_alloc(void)
{
    vaddr_t cached = take_cached();
    if (cached)
        return cached;
    size_t slot, i;
    if (!take_slot(&slot))
        return 0;
    vaddr_t stack = slot_base(slot) + PAGE_SIZE; /* above the guard page */
    for (i = 0; i < KSTACK_PAGES; i++) {
        paddr_t pa;
        if (pmm_alloc(0, &pa) != OK)
            goto fail;
        if (vm_map_kernel(stack + i * PAGE_SIZE, pa, PAGE_SIZE, PTE_W | PTE_NX) != OK) {
            pmm_free(pa, 0);
            goto fail;
        }
    }
    return stack + KSTACK_SIZE;

fail:
    /* The slot stays used (never reached by take_slot again); its pages go back. */
    release_pages(stack, i);
    return 0;
}

void kstack_free(vaddr_t top)
{
    vaddr_t stack = top - KSTACK_SIZE;
    kassert(stack >= KSTACK_REGION_BASE + PAGE_SIZE &&
            (stack - KSTACK_REGION_BASE) % SLOT_SIZE == PAGE_SIZE);
    uint64_t fl = spin_lock_irqsave(&kstack_lock);
    *(vaddr_t *)(top - sizeof(vaddr_t)) = free_list;
    free_list = top;
    nfree++;
    spin_unlock_irqrestore(&kstack_lock, fl);
}

size_t kstack_cached(void)
{
    return nfree;
}

bool kstack_is_guard(vaddr_t addr)
{
    if (addr < KSTACK_REGION_BASE || addr >= slot_base(next_slot))
        return false;
    return (addr - KSTACK_REGION_BASE) % SLOT_SIZE < PAGE_SIZE;
}

bool kstack_bounds(vaddr_t sp, vaddr_t *lo, vaddr_t *hi)
{
    if (sp >= (vaddr_t)boot_stack_bottom && sp <= (vaddr_t)boot_stack_top) {
        *lo = (vaddr_t)boot_stack_bottom;
        *hi = (vaddr_t)boot_stack_top;
        return true;
    }
    if (sp < KSTACK_REGION_BASE || sp > slot_base(next_slot))
        return false;
    /* sp == top of a stack (nothing pushed yet) belongs to the slot below. */
    size_t slot = (sp - 1 - KSTACK_REGION_BASE) / SLOT_SIZE;
    *lo = slot_base(slot) + PAGE_SIZE;
    *hi = slot_base(slot) + SLOT_SIZE;
    return true;
}
