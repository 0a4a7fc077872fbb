/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Allocation of guarded kernel stacks. Slots are handed out from a bump
 * index with a free list of returned slots; pages come from the frame
 * allocator and are mapped through the kernel page tables (vm.c). The slot
 * size is fixed, so "which stack is this address on" is arithmetic.
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
#define FREE_SLOTS_MAX 256

extern char boot_stack_bottom[], boot_stack_top[];

static spinlock_t kstack_lock = SPINLOCK_INIT;
static size_t next_slot;                 /* slots [0, next_slot) were handed out once */
static size_t free_slots[FREE_SLOTS_MAX]; /* returned slots, for reuse */
static size_t nfree;

static vaddr_t slot_base(size_t slot)
{
    return KSTACK_REGION_BASE + slot * SLOT_SIZE;
}

static bool take_slot(size_t *slot)
{
    uint64_t fl = spin_lock_irqsave(&kstack_lock);
    bool ok = true;
    if (nfree)
        *slot = free_slots[--nfree];
    else if (next_slot < MAX_SLOTS)
        *slot = next_slot++;
    else
        ok = false;
    spin_unlock_irqrestore(&kstack_lock, fl);
    return ok;
}

static void put_slot(size_t slot)
{
    uint64_t fl = spin_lock_irqsave(&kstack_lock);
    /* With the free list full the slot's address space is leaked, not its
     * memory: the pages were already freed. */
    if (nfree < FREE_SLOTS_MAX)
        free_slots[nfree++] = slot;
    spin_unlock_irqrestore(&kstack_lock, fl);
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
    release_pages(stack, i);
    put_slot(slot);
    return 0;
}

void kstack_free(vaddr_t top)
{
    vaddr_t stack = top - KSTACK_SIZE;
    kassert(stack >= KSTACK_REGION_BASE + PAGE_SIZE &&
            (stack - KSTACK_REGION_BASE) % SLOT_SIZE == PAGE_SIZE);
    release_pages(stack, KSTACK_PAGES);
    put_slot((stack - KSTACK_REGION_BASE) / SLOT_SIZE);
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
