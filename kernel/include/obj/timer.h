/*
 * Timer objects: raise SIG_TIMER at a deadline (ns, monotonic clock), once
 * or periodically. timer_set re-arms (clearing SIG_TIMER), timer_cancel
 * disarms (clearing it too). A periodic timer pulses the signal at each
 * expiry, so a port bound to it gets a packet per expiry (coalesced while
 * one is unread).
 */
#ifndef OBJ_TIMER_H
#define OBJ_TIMER_H

#include "types.h"
#include "lib/spinlock.h"
#include "abi/handle.h"
#include "obj/object.h"
#include "sched/ktimer.h"

#define TIMER_MIN_PERIOD_NS 100000ull /* 100 µs: shorter periods would swamp a CPU */

typedef struct timer_object {
    kobject_t obj;
    spinlock_t lock;   /* protects deadline, period, armed */
    ktimer_t kt;
    uint64_t deadline;
    uint64_t period;   /* 0: one-shot */
    bool armed;
} timer_object_t;

int timer_obj_create(timer_object_t **out);
int timer_obj_set(timer_object_t *t, uint64_t deadline, uint64_t period);
void timer_obj_cancel(timer_object_t *t);

void timer_init_type(void);

#endif
