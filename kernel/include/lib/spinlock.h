/*
 * Spinlocks. spin_lock_irqsave() also disables interrupts on this CPU so an
 * interrupt handler taking the same lock cannot deadlock against the code it
 * interrupted. A lock records its holder CPU so spin_assert_held() can check
 * the _locked convention of STYLE.md item 12.
 *
 * The uncontended paths are inline: every IPC and scheduling operation takes
 * several locks, and a call per lock (plus one to find the CPU id) was a
 * seventh of a channel round trip (docs/benchmarks.md). Contention spins out
 * of line in spin_lock_slow (lib/spinlock.c).
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include "types.h"

typedef struct spinlock {
    volatile uint32_t locked;
    int32_t holder; /* CPU id, -1 when free */
} spinlock_t;

#define SPINLOCK_INIT {0, -1}

/* True once the boot CPU's GS base points at its own per-CPU area
 * (arch/x86_64/percpu.c). Before that, kmain points it at a zeroed one
 * (percpu_early_gs), so a lock taken in early boot reads CPU id 0. */
extern volatile bool percpu_bsp_ready;
/* offsetof(percpu_t, cpu_id), checked in percpu.c: this header cannot
 * include arch/percpu.h, which needs the lock type. */
#define SPIN_PERCPU_CPU_ID_OFFSET 8

void spin_lock_slow(spinlock_t *l);
bool spin_held_by_me(const spinlock_t *l);

static inline int32_t spin_my_cpu(void)
{
    uint32_t id;
    __asm__ volatile("movl %%gs:%c1, %0" : "=r"(id) : "i"(SPIN_PERCPU_CPU_ID_OFFSET));
    return (int32_t)id;
}

static inline void spin_lock(spinlock_t *l)
{
    if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        spin_lock_slow(l);
    l->holder = spin_my_cpu();
}

static inline bool spin_trylock(spinlock_t *l)
{
    if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        return false;
    l->holder = spin_my_cpu();
    return true;
}

static inline void spin_unlock(spinlock_t *l)
{
    l->holder = -1;
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline uint64_t spin_lock_irqsave(spinlock_t *l)
{
    uint64_t flags;
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
    spin_lock(l);
    return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags)
{
    spin_unlock(l);
    if (flags & (1u << 9))
        __asm__ volatile("sti" ::: "memory");
}

#define spin_assert_held(l) kassert(spin_held_by_me(l))

#endif
