/*
 * Wait queues: threads blocked until an event or a deadline. The waker
 * removes a thread from the queue and makes it ready with a result code
 * (OK for a wake, ERR_TIMED_OUT from the deadline timer, or whatever the
 * waker says, e.g. ERR_CANCELED). Removal from the queue happens once,
 * under the queue's lock, so a thread is never woken twice.
 */
#ifndef SCHED_WAIT_H
#define SCHED_WAIT_H

#include "types.h"
#include "lib/list.h"
#include "lib/spinlock.h"

typedef struct wait_queue {
    spinlock_t lock; /* protects waiters */
    list_t waiters;
} wait_queue_t;

void wait_queue_init(wait_queue_t *wq);

/*
 * Block the current thread on wq until woken or until deadline
 * (DEADLINE_INFINITE: no deadline). The caller holds wq->lock (taken with
 * spin_lock_irqsave, flags passed here) and has checked the condition
 * under it; the lock is released while blocked and NOT retaken on return.
 * Returns the wake result.
 */
int wait_block_locked(wait_queue_t *wq, uint64_t flags, uint64_t deadline);

/* Wake one / all waiters with result; returns how many were woken. */
int wait_wake_one(wait_queue_t *wq, int result);
int wait_wake_all(wait_queue_t *wq, int result);

struct thread;
/* Wake t if it is blocked on a wait queue, with result. */
void wait_cancel(struct thread *t, int result);

/*
 * The direct switch (channels' fast path, sched_switch_to). With wq->lock
 * held, wait_take_locked takes t, one of wq's waiters, off it with
 * `result` but does not make it ready: it is the caller's, who must pass
 * it on either to sched_ready or as `next` to wait_block_switch, which
 * blocks like wait_block_locked and runs `next` on this CPU at once
 * (or makes it ready, if it returns without blocking).
 */
struct thread *wait_take_locked(wait_queue_t *wq, struct thread *t, int result);
int wait_block_switch(wait_queue_t *wq, uint64_t flags, uint64_t deadline, struct thread *next);
/* wait_block_switch with no deadline, for a caller that holds another
 * lock too (`also`, interrupts off), released once the thread is on wq. */
int wait_block_direct(wait_queue_t *wq, spinlock_t *also, uint64_t flags, struct thread *next);

#endif
