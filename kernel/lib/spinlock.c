/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Test-and-test-and-set spinlocks: the inline paths are in lib/spinlock.h;
 * this is where a CPU waits for a lock another holds. Fairness is not
 * needed yet (DESIGN.md §1); if contention shows up in the benchmarks this
 * becomes a ticket lock.
 */
#include "lib/spinlock.h"
#include "arch/cpu.h"
#include "arch/percpu.h"

_Static_assert(__builtin_offsetof(percpu_t, cpu_id) == SPIN_PERCPU_CPU_ID_OFFSET,
               "lib/spinlock.h reads the CPU id at this offset");

void spin_lock_slow(spinlock_t *l)
{
    do {
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            cpu_relax();
    } while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE));
}

bool spin_held_by_me(const spinlock_t *l)
{
    return l->locked && l->holder == spin_my_cpu();
}
