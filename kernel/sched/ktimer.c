/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Per-CPU timer lists and the LAPIC one-shot programming.
 *
 * timer_cpu.lock protects the list and `programmed`; callbacks run after the
 * lock is dropped (they wake threads, which takes run-queue locks). A timer
 * is cancelled from any CPU under its owner's lock; `cpu` says which list
 * holds it (-1: none) and only changes under that lock.
 */
#include "sched/ktimer.h"
#include "arch/cpu.h"
#include "arch/intr.h"
#include "arch/lapic.h"
#include "arch/percpu.h"
#include "arch/tsc.h"
#include "lib/kassert.h"
#include "lib/spinlock.h"

typedef struct timer_cpu {
    spinlock_t lock;
    list_t armed; /* sorted by deadline */
    uint64_t slice_end;
    /* When the LAPIC timer will fire (absolute ns), DEADLINE_INFINITE when
     * stopped or fired. A later deadline than this need not be programmed:
     * the earlier interrupt reprograms (ktimer_interrupt), so a context
     * switch that only pushes the slice end out writes no LAPIC register. */
    uint64_t programmed;
} timer_cpu_t;

static timer_cpu_t tcpus[MAX_CPUS];

uint64_t clock_now_ns(void)
{
    return tsc_ns_since_entry();
}

void ktimer_init_cpu(void)
{
    timer_cpu_t *tc = &tcpus[this_cpu()->cpu_id];
    tc->lock = (spinlock_t)SPINLOCK_INIT;
    list_init(&tc->armed);
    tc->slice_end = DEADLINE_INFINITE;
    tc->programmed = DEADLINE_INFINITE;
}

void ktimer_init(ktimer_t *t, void (*fn)(ktimer_t *, void *), void *arg)
{
    list_node_init(&t->link);
    t->fn = fn;
    t->arg = arg;
    t->cpu = -1;
    t->running_on = -1;
    t->deadline = DEADLINE_INFINITE;
}

static uint64_t next_deadline_locked(timer_cpu_t *tc)
{
    uint64_t next = tc->slice_end;
    if (!list_empty(&tc->armed)) {
        ktimer_t *first = list_entry(tc->armed.next, ktimer_t, link);
        next = MIN(next, first->deadline);
    }
    return next;
}

static void program_locked(timer_cpu_t *tc)
{
    uint64_t next = next_deadline_locked(tc);
    tc->programmed = next;
    if (next == DEADLINE_INFINITE) {
        lapic_timer_stop();
        return;
    }
    uint64_t now = clock_now_ns();
    lapic_timer_oneshot(next > now ? next - now : 0);
}

/* Remove t from its list if armed; returns whether it was. */
static bool detach(ktimer_t *t)
{
    for (;;) {
        int32_t cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
        if (cpu < 0)
            return false;
        timer_cpu_t *tc = &tcpus[cpu];
        uint64_t fl = spin_lock_irqsave(&tc->lock);
        bool here = t->cpu == cpu;
        if (here) {
            list_remove(&t->link);
            t->cpu = -1;
        }
        spin_unlock_irqrestore(&tc->lock, fl);
        if (here)
            return true;
    }
}

void ktimer_arm(ktimer_t *t, uint64_t deadline)
{
    detach(t);
    uint64_t fl = read_rflags();
    intr_disable();
    uint32_t me = this_cpu()->cpu_id;
    timer_cpu_t *tc = &tcpus[me];
    spin_lock(&tc->lock);
    t->deadline = deadline;
    list_node_t *pos = &tc->armed;
    list_for_each(n, &tc->armed) {
        if (list_entry(n, ktimer_t, link)->deadline > deadline)
            break;
        pos = n;
    }
    list_insert_after(pos, &t->link);
    t->cpu = (int32_t)me;
    if (tc->armed.next == &t->link)
        program_locked(tc);
    spin_unlock(&tc->lock);
    if (fl & (1u << 9))
        intr_enable();
}

bool ktimer_cancel(ktimer_t *t)
{
    bool was_armed = detach(t);
    while (__atomic_load_n(&t->running_on, __ATOMIC_ACQUIRE) >= 0)
        cpu_relax();
    return was_armed;
}

void ktimer_interrupt(void)
{
    timer_cpu_t *tc = &tcpus[this_cpu()->cpu_id];
    uint64_t now = clock_now_ns();
    for (;;) {
        spin_lock(&tc->lock);
        ktimer_t *t = NULL;
        if (!list_empty(&tc->armed)) {
            ktimer_t *first = list_entry(tc->armed.next, ktimer_t, link);
            if (first->deadline <= now) {
                list_remove(&first->link);
                first->cpu = -1;
                first->running_on = (int32_t)this_cpu()->cpu_id;
                t = first;
            }
        }
        if (!t) {
            program_locked(tc);
            spin_unlock(&tc->lock);
            return;
        }
        spin_unlock(&tc->lock);
        t->fn(t, t->arg);
        __atomic_store_n(&t->running_on, -1, __ATOMIC_RELEASE);
    }
}

void ktimer_program(uint64_t slice_end)
{
    timer_cpu_t *tc = &tcpus[this_cpu()->cpu_id];
    /* slice_end and programmed are written only by this CPU with
     * interrupts off (here, in program_locked, from ktimer_arm on this CPU
     * and the timer interrupt), so a slice end past what is programmed -
     * every switch but the first after an interrupt - needs no lock. */
    kassert(!intr_enabled());
    if (slice_end >= tc->programmed) {
        tc->slice_end = slice_end;
        return;
    }
    uint64_t fl = spin_lock_irqsave(&tc->lock);
    tc->slice_end = slice_end;
    if (next_deadline_locked(tc) < tc->programmed)
        program_locked(tc);
    spin_unlock_irqrestore(&tc->lock, fl);
}
