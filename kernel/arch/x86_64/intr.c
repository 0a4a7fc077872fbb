/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The vector table for interrupts (vectors 32..255). The kernel's own
 * vectors are fixed (trap_vectors.h); device vectors are handed out by
 * intr_alloc_vector. Handlers are installed before their source is
 * unmasked, so dispatch reads the table without a lock; intr_lock only
 * serialises allocation.
 */
#include "arch/intr.h"
#include "arch/lapic.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "sched/sched.h"

typedef struct intr_slot {
    intr_handler_t fn;
    void *ctx;
    uint32_t active; /* handlers running now (atomic): intr_free_vector waits for 0 */
} intr_slot_t;

static intr_slot_t slots[256];
static spinlock_t intr_lock = SPINLOCK_INIT; /* protects allocation of slots */

void intr_set_handler(unsigned vec, intr_handler_t fn, void *ctx)
{
    slots[vec & 0xff].ctx = ctx;
    __atomic_store_n(&slots[vec & 0xff].fn, fn, __ATOMIC_RELEASE);
}

int intr_alloc_vector(intr_handler_t fn, void *ctx)
{
    int found = ERR_NO_RESOURCES;
    uint64_t fl = spin_lock_irqsave(&intr_lock);
    for (unsigned v = VEC_DEVICE_FIRST; v <= VEC_DEVICE_LAST; v++) {
        if (!slots[v].fn) {
            intr_set_handler(v, fn, ctx);
            found = (int)v;
            break;
        }
    }
    spin_unlock_irqrestore(&intr_lock, fl);
    return found;
}

void intr_free_vector(unsigned vec)
{
    intr_slot_t *s = &slots[vec & 0xff];
    uint64_t fl = spin_lock_irqsave(&intr_lock);
    __atomic_store_n(&s->fn, NULL, __ATOMIC_SEQ_CST);
    spin_unlock_irqrestore(&intr_lock, fl);
    /* A handler that started before the store may still run on another
     * CPU with the old ctx: wait for it, so the caller may free ctx. */
    while (__atomic_load_n(&s->active, __ATOMIC_SEQ_CST))
        __asm__ volatile("pause");
    s->ctx = NULL;
}

void intr_dispatch(trap_frame_t *f)
{
    unsigned vec = (unsigned)f->vector;
    if (vec == VEC_SPURIOUS)
        return; /* the LAPIC wants no EOI for its spurious vector */
    if (vec >= VEC_PIC_BASE && vec < VEC_PIC_BASE + 16) {
        /* The masked 8259 can still raise IRQ 7/15 spuriously; it is not
         * the LAPIC's interrupt, so no LAPIC EOI either. */
        return;
    }
    /* Count ourselves in before looking at fn (see intr_free_vector). */
    intr_slot_t *s = &slots[vec];
    __atomic_fetch_add(&s->active, 1, __ATOMIC_SEQ_CST);
    intr_handler_t fn = __atomic_load_n(&s->fn, __ATOMIC_SEQ_CST);
    if (fn)
        fn(f, s->ctx);
    __atomic_fetch_sub(&s->active, 1, __ATOMIC_SEQ_CST);
    if (!fn)
        klog(LOG_WARN, "intr: interrupt on vector %u with no handler", vec);
    lapic_eoi();
    sched_preempt_point();
}
