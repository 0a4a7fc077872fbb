/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Test-and-test-and-set spinlocks. Fairness is not needed yet (a big kernel
 * lock is acceptable at first, DESIGN.md §1); if contention shows up in the
 * benchmarks this becomes a ticket lock.
 */
#include "lib/spinlock.h"
#include "arch/cpu.h"
#include "arch/percpu.h"

static int32_t my_cpu(void)
{
    return percpu_ready() ? (int32_t)this_cpu()->cpu_id : 0;
}

void spin_lock(spinlock_t *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            cpu_relax();
    }
    l->holder = my_cpu();
}

bool spin_trylock(spinlock_t *l)
{
    if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        return false;
    l->holder = my_cpu();
    return true;
}

void spin_unlock(spinlock_t *l)
{
    l->holder = -1;
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

uint64_t spin_lock_irqsave(spinlock_t *l)
{
    uint64_t flags = read_rflags();
    cpu_cli();
    spin_lock(l);
    return flags;
}

void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags)
{
    spin_unlock(l);
    if (flags & (1u << 9))
        __asm__ volatile("sti" ::: "memory");
}

bool spin_held_by_me(const spinlock_t *l)
{
    return l->locked && l->holder == my_cpu();
}
