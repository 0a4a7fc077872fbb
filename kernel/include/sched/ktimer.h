/*
 * Kernel timers: a callback at a deadline (nanoseconds on the monotonic
 * clock), run in interrupt context on the CPU that armed the timer. Each
 * CPU keeps its armed timers in a list sorted by deadline and programs its
 * LAPIC one-shot for the earliest of that and the running thread's slice.
 */
#ifndef SCHED_KTIMER_H
#define SCHED_KTIMER_H

#include "types.h"
#include "lib/list.h"

typedef struct ktimer {
    list_node_t link;   /* in the owning CPU's list while armed */
    uint64_t deadline;  /* ns */
    void (*fn)(struct ktimer *t, void *arg);
    void *arg;
    int32_t cpu;        /* CPU whose list holds it, -1 when not armed */
    int32_t running_on; /* CPU running its callback now, or -1 */
} ktimer_t;

#define DEADLINE_INFINITE UINT64_MAX

uint64_t clock_now_ns(void);

void ktimer_init(ktimer_t *t, void (*fn)(ktimer_t *, void *), void *arg);
/* Arm on this CPU (re-arming moves it). */
void ktimer_arm(ktimer_t *t, uint64_t deadline);
/* True when it was still armed (so its callback will not run). Also waits
 * for a callback running on another CPU to finish, so the caller may free
 * what the callback uses once this returns. Not from the callback itself. */
bool ktimer_cancel(ktimer_t *t);

/* Timer interrupt: run expired timers, then reprogram the hardware. */
void ktimer_interrupt(void);
/* Reprogram this CPU's hardware timer for min(next timer, slice_end). */
void ktimer_program(uint64_t slice_end); /* interrupts off */

void ktimer_init_cpu(void);

#endif
