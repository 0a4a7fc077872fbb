/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Wait queues. A blocked thread is on exactly one queue (waiting_on) until
 * someone removes it under the queue's lock: a waker (wait_wake_*) or its
 * own deadline timer. Whoever removes it sets wait_result and makes it
 * ready; the other party then finds it gone and does nothing.
 */
#include "sched/wait.h"
#include "arch/intr.h"
#include "lib/kassert.h"
#include "obj/process.h"
#include "obj/thread.h"
#include "sched/sched.h"

void wait_queue_init(wait_queue_t *wq)
{
    wq->lock = (spinlock_t)SPINLOCK_INIT;
    list_init(&wq->waiters);
}

/* With wq->lock held: take t off wq and make it ready. */
static void wake_locked(thread_t *t, int result)
{
    list_remove(&t->run_link);
    t->waiting_on = NULL;
    t->wait_result = result;
    sched_ready(t);
}

/*
 * The canceller reads waiting_on and then locks that queue: the queue (on
 * the waiter's stack, or in an object the waiter holds) must outlive both
 * steps, so the waiter does not return from wait_block_locked while a
 * canceller is at work (t->cancelling, checked after it wakes).
 */
void wait_cancel(thread_t *t, int result)
{
    __atomic_fetch_add(&t->cancelling, 1, __ATOMIC_SEQ_CST);
    wait_queue_t *wq = __atomic_load_n(&t->waiting_on, __ATOMIC_SEQ_CST);
    if (wq) {
        uint64_t fl = spin_lock_irqsave(&wq->lock);
        if (t->waiting_on == wq)
            wake_locked(t, result);
        spin_unlock_irqrestore(&wq->lock, fl);
    }
    __atomic_fetch_sub(&t->cancelling, 1, __ATOMIC_SEQ_CST);
}

static void deadline_expired(ktimer_t *timer, void *arg)
{
    (void)timer;
    wait_cancel(arg, ERR_TIMED_OUT);
}

/* Every way to block, one body: each entry point below passes constants
 * for what it does not use, which the compiler folds away (the direct
 * path's exchange pays for no deadline and no timer). */
static inline __attribute__((always_inline)) int block(wait_queue_t *wq, spinlock_t *also, uint64_t flags,
                                                       uint64_t deadline, thread_t *next)
{
    thread_t *t = sched_current();
    kassert(!t->is_idle);
    intr_disable(); /* already off (irqsave); stays off until we switch */
    if (deadline != DEADLINE_INFINITE && deadline <= clock_now_ns()) {
        if (also)
            spin_unlock(also);
        spin_unlock_irqrestore(&wq->lock, flags);
        if (next)
            sched_ready(next);
        return ERR_TIMED_OUT;
    }
    /* Publish waiting_on before checking for a kill; process_terminate sets
     * `dead` before looking at waiting_on: one of the two sees the other. */
    __atomic_store_n(&t->waiting_on, wq, __ATOMIC_SEQ_CST);
    if (t->proc && process_dying(t->proc)) {
        t->waiting_on = NULL;
        if (also)
            spin_unlock(also);
        spin_unlock_irqrestore(&wq->lock, flags);
        if (next)
            sched_ready(next);
        return ERR_CANCELED;
    }
    t->state = THREAD_BLOCKED;
    t->wait_result = OK;
    list_push_back(&wq->waiters, &t->run_link);
    if (deadline != DEADLINE_INFINITE) {
        ktimer_init(&t->wait_timer, deadline_expired, t);
        ktimer_arm(&t->wait_timer, deadline);
    }
    if (also)
        spin_unlock(also);
    spin_unlock(&wq->lock);
    if (next)
        sched_switch_to(next);
    else
        sched_switch_away();
    if (deadline != DEADLINE_INFINITE)
        ktimer_cancel(&t->wait_timer);
    while (__atomic_load_n(&t->cancelling, __ATOMIC_SEQ_CST)) /* see wait_cancel */
        __asm__ volatile("pause");
    int result = t->wait_result;
    if (flags & (1u << 9))
        intr_enable();
    return result;
}

int wait_block_switch(wait_queue_t *wq, uint64_t flags, uint64_t deadline, thread_t *next)
{
    return block(wq, NULL, flags, deadline, next);
}

int wait_block_direct(wait_queue_t *wq, spinlock_t *also, uint64_t flags, thread_t *next)
{
    return block(wq, also, flags, DEADLINE_INFINITE, next);
}

int wait_block_locked(wait_queue_t *wq, uint64_t flags, uint64_t deadline)
{
    return block(wq, NULL, flags, deadline, NULL);
}

thread_t *wait_take_locked(wait_queue_t *wq, thread_t *t, int result)
{
    (void)wq;
    list_remove(&t->run_link);
    t->waiting_on = NULL;
    t->wait_result = result;
    return t;
}

int wait_wake_one(wait_queue_t *wq, int result)
{
    uint64_t fl = spin_lock_irqsave(&wq->lock);
    int n = 0;
    if (!list_empty(&wq->waiters)) {
        wake_locked(list_entry(wq->waiters.next, thread_t, run_link), result);
        n = 1;
    }
    spin_unlock_irqrestore(&wq->lock, fl);
    return n;
}

int wait_wake_all(wait_queue_t *wq, int result)
{
    uint64_t fl = spin_lock_irqsave(&wq->lock);
    int n = 0;
    while (!list_empty(&wq->waiters)) {
        wake_locked(list_entry(wq->waiters.next, thread_t, run_link), result);
        n++;
    }
    spin_unlock_irqrestore(&wq->lock, fl);
    return n;
}
