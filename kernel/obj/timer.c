/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Timer objects over kernel timers (model in obj/timer.h). The expiry
 * callback runs in interrupt context on the CPU that armed the timer; a
 * periodic timer re-arms itself from there, skipping whole periods already
 * past so a late CPU does not fire a burst.
 */
#include "obj/timer.h"
#include "lib/kstring.h"
#include "mm/kheap.h"

static kcache_t timer_cache;

static void expired(ktimer_t *kt, void *arg)
{
    (void)kt;
    timer_object_t *t = arg;
    spin_lock(&t->lock);
    if (!t->armed) {
        spin_unlock(&t->lock);
        return;
    }
    if (t->period) {
        uint64_t now = clock_now_ns();
        uint64_t next = t->deadline + t->period;
        if (next <= now)
            next += (now - next) / t->period * t->period + t->period;
        t->deadline = next;
        ktimer_arm(&t->kt, next);
    } else {
        t->armed = false;
    }
    bool periodic = t->period != 0;
    spin_unlock(&t->lock);
    /* Each expiry is a rising edge, so a bound port gets a packet per
     * expiry (coalesced if the last one is still unread). */
    if (periodic)
        obj_signal(&t->obj, SIG_TIMER, 0);
    obj_signal(&t->obj, 0, SIG_TIMER);
}

static void timer_destroy(kobject_t *o)
{
    timer_object_t *t = (timer_object_t *)o;
    timer_obj_cancel(t);
    kcache_free(&timer_cache, t);
}

static const obj_ops_t timer_ops = {.name = "timer", .destroy = timer_destroy};

void timer_init_type(void)
{
    kcache_init(&timer_cache, "timer", sizeof(timer_object_t), 16);
    obj_register_type(OBJ_TIMER, &timer_ops);
}

int timer_obj_create(timer_object_t **out)
{
    timer_object_t *t = kcache_alloc(&timer_cache);
    if (!t)
        return ERR_NO_MEMORY;
    memset(t, 0, sizeof *t);
    obj_init(&t->obj, OBJ_TIMER);
    t->lock = (spinlock_t)SPINLOCK_INIT;
    ktimer_init(&t->kt, expired, t);
    *out = t;
    return OK;
}

int timer_obj_set(timer_object_t *t, uint64_t deadline, uint64_t period)
{
    if (period != 0 && period < TIMER_MIN_PERIOD_NS)
        return ERR_OUT_OF_RANGE;
    timer_obj_cancel(t);
    uint64_t fl = spin_lock_irqsave(&t->lock);
    t->deadline = deadline;
    t->period = period;
    t->armed = true;
    ktimer_arm(&t->kt, deadline);
    spin_unlock_irqrestore(&t->lock, fl);
    return OK;
}

void timer_obj_cancel(timer_object_t *t)
{
    uint64_t fl = spin_lock_irqsave(&t->lock);
    t->armed = false;
    spin_unlock_irqrestore(&t->lock, fl);
    ktimer_cancel(&t->kt); /* also waits for a callback running elsewhere */
    obj_signal(&t->obj, SIG_TIMER, 0);
}
