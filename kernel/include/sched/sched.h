/*
 * The scheduler: preemptive, 32 priority levels with round robin inside a
 * level, one run queue per CPU. A CPU whose queue is empty steals a ready
 * thread from the busiest other CPU before it halts. Waking a thread on
 * another CPU sends that CPU a reschedule IPI when the thread should run
 * there now.
 *
 * Preemption happens at interrupt exit (time slice over, or a
 * higher-priority thread became ready): every kernel lock disables
 * interrupts, so a thread is never preempted while holding one.
 */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include "types.h"
#include "arch/percpu.h"
#include "obj/thread.h"

#define SCHED_PRIORITIES 32
#define SCHED_PRIO_DEFAULT 16
#define SCHED_SLICE_NS 10000000ull

/* Turn the code running on this CPU into its idle thread. */
void sched_init_cpu(void);
/* This CPU's idle loop: runs threads forever. */
NORETURN void sched_idle_loop(void);

static inline thread_t *sched_current(void)
{
    /* One load: the answer stays right even if we migrate right after. */
    return (thread_t *)PERCPU_READ64(current);
}
/* NULL before the scheduler runs on this CPU (boot, early AP start-up). */
thread_t *sched_current_or_null(void);
void sched_ready(thread_t *t);
void sched_yield(void);
/* Switch away from the current thread, whose state the caller already set
 * (BLOCKED or DEAD; READY if a waker was faster). Interrupts must be
 * disabled. */
void sched_switch_away(void);
/* The same, running `next` (a blocked thread the caller took off a wait
 * queue: wait_take_locked) right away when nothing outranks it. */
void sched_switch_to(thread_t *next);
/* At interrupt exit: switch if this CPU was asked to. */
void sched_preempt_point(void);
/* Ask this CPU to reschedule at the next preemption point. */
void sched_request_resched(void);

/*
 * Synchronous wake-ups (the IPC fast path): between sched_sync_begin and
 * sched_sync_end, threads made ready go on this CPU's queue and the first
 * is run next when the caller blocks, instead of being sent to another CPU.
 * For a chan_call and its reply this keeps client and server switching
 * directly on one CPU: no IPI, no idle CPU woken, no queue search.
 */
uint64_t sched_sync_begin(void);
void sched_sync_end(uint64_t flags);

/* Per-CPU counters, for self-tests and the shell. */
uint64_t sched_switch_count(uint32_t cpu);
size_t sched_queue_length(uint32_t cpu);

#endif
