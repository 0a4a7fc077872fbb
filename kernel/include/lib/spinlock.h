/*
 * Spinlocks. spin_lock_irqsave() also disables interrupts on this CPU so an
 * interrupt handler taking the same lock cannot deadlock against the code it
 * interrupted. A lock records its holder CPU so spin_assert_held() can check
 * the _locked convention of STYLE.md item 12.
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include "types.h"

typedef struct spinlock {
    volatile uint32_t locked;
    int32_t holder; /* CPU id, -1 when free */
} spinlock_t;

#define SPINLOCK_INIT {0, -1}

void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
bool spin_trylock(spinlock_t *l);
uint64_t spin_lock_irqsave(spinlock_t *l);
void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags);
bool spin_held_by_me(const spinlock_t *l);

#define spin_assert_held(l) kassert(spin_held_by_me(l))

#endif
