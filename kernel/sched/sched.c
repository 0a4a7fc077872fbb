/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Run queues and context switching.
 *
 * Each CPU has a run_queue: a bitmap of non-empty priority levels and a
 * FIFO per level. rq->lock protects the queue and the [rq] fields of every
 * thread whose `cpu` names this queue. The lock is held across
 * context_switch and released by the thread that starts running
 * (sched_finish_switch), which is also where the previous thread stops
 * being on_cpu and, if it died, is reaped.
 *
 * A blocked thread is in no queue; sched_ready puts it on the queue of the
 * CPU it is still switching away from (on_cpu), else on the least loaded
 * allowed CPU. Lock order: two run queues, lower CPU id first; a run queue
 * before a CPU's timer lock.
 */
#include "sched/sched.h"
#include "arch/cpu.h"
#include "arch/fpu.h"
#include "mm/aspace.h"
#include "obj/ioport.h"
#include "obj/process.h"
#include "arch/intr.h"
#include "arch/lapic.h"
#include "arch/percpu.h"
#include "arch/smp.h"
#include "arch/trap_vectors.h"
#include "lib/kassert.h"
#include "lib/kprintf.h"
#include "lib/kstring.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "mm/kheap.h"

typedef struct run_queue {
    spinlock_t lock;
    uint32_t bitmap;                 /* bit p set: queue[p] non-empty */
    list_t queue[SCHED_PRIORITIES];
    size_t length;                   /* read without the lock as a hint */
    thread_t *idle;
    uint64_t switches;
    bool started;
} run_queue_t;

static run_queue_t rqs[MAX_CPUS];

thread_t *context_switch(uint64_t *save_rsp, uint64_t new_rsp, thread_t *prev);
void thread_reap(thread_t *t);

thread_t *sched_current_or_null(void)
{
    return percpu_ready() ? (thread_t *)PERCPU_READ64(current) : NULL;
}

static void enqueue_locked(run_queue_t *rq, thread_t *t)
{
    list_push_back(&rq->queue[t->priority], &t->run_link);
    rq->bitmap |= 1u << t->priority;
    rq->length++;
}

static void dequeue_locked(run_queue_t *rq, thread_t *t)
{
    list_remove(&t->run_link);
    if (list_empty(&rq->queue[t->priority]))
        rq->bitmap &= ~(1u << t->priority);
    rq->length--;
}

static thread_t *pick_locked(run_queue_t *rq)
{
    if (!rq->bitmap)
        return NULL;
    int prio = 31 - __builtin_clz(rq->bitmap);
    thread_t *t = list_entry(rq->queue[prio].next, thread_t, run_link);
    dequeue_locked(rq, t);
    return t;
}

/* The thread a synchronous wake-up handed this CPU: it is READY but in no
 * queue. It runs next, on the giver's slice, unless something of higher
 * priority waits or that slice is used up; then it joins the queue like
 * any other. (Two threads handing the CPU to each other would otherwise
 * keep it from the queue for ever: the slice's end preempts one of them
 * just as it hands over.) */
static thread_t *take_handoff_locked(percpu_t *cpu, run_queue_t *rq, bool slice_over)
{
    thread_t *h = cpu->handoff;
    cpu->handoff = NULL;
    if (!h)
        return NULL;
    if (slice_over || rq->bitmap >> h->priority >> 1) { /* a higher level is non-empty */
        enqueue_locked(rq, h);
        return NULL;
    }
    return h;
}

/* Take a ready thread from the busiest other CPU. Called with our lock
 * held; may drop and retake it to respect the lock order. */
static thread_t *steal_locked(run_queue_t *mine, uint32_t me)
{
    uint32_t victim = me;
    size_t most = 0;
    for (uint32_t c = 0; c < smp_cpu_count(); c++) {
        size_t len = __atomic_load_n(&rqs[c].length, __ATOMIC_RELAXED);
        if (c != me && len > most) {
            most = len;
            victim = c;
        }
    }
    if (victim == me)
        return NULL;
    run_queue_t *other = &rqs[victim];
    if (victim < me) {
        spin_unlock(&mine->lock);
        spin_lock(&other->lock);
        spin_lock(&mine->lock);
        /* Our lock was dropped: a thread may have been queued here meanwhile
         * (a wake-up of the thread that is blocking right now). */
        if (mine->bitmap) {
            spin_unlock(&other->lock);
            return pick_locked(mine);
        }
    } else {
        spin_lock(&other->lock);
    }
    thread_t *found = NULL;
    for (int p = SCHED_PRIORITIES - 1; p >= 0 && !found; p--) {
        list_for_each(n, &other->queue[p]) {
            thread_t *t = list_entry(n, thread_t, run_link);
            if (t->affinity == THREAD_ANY_CPU && !t->on_cpu) {
                dequeue_locked(other, t);
                t->cpu = me;
                found = t;
                break;
            }
        }
    }
    spin_unlock(&other->lock);
    return found;
}

/* In the thread that just started running, with this CPU's rq lock held. */
void sched_finish_switch(thread_t *prev)
{
    prev->on_cpu = false;
    bool dead = prev->state == THREAD_DEAD;
    spin_unlock(&rqs[this_cpu()->cpu_id].lock);
    if (dead)
        thread_reap(prev);
}

/*
 * What a user thread owns beyond its kernel stack: the address space (CR3),
 * the FPU registers and the FS base. Kernel and idle threads run on the
 * kernel's own tables, so a dead process's tables are never left loaded.
 */
static inline __attribute__((always_inline)) void switch_user_state(percpu_t *cpu, thread_t *prev, thread_t *next)
{
    if (prev->fpu)
        fpu_save(prev->fpu);
    aspace_t *as = next->proc ? next->proc->as : NULL;
    aspace_switch(cpu->cur_as, as);
    cpu->cur_as = as;
    if (next->fpu) {
        fpu_restore(next->fpu);
        wrmsr(MSR_FS_BASE, next->fs_base);
    }
    ioport_sync_cpu_if_stale(next->proc);
}

/* The switch itself, from prev to next (RUNNING, on this CPU), with rq's
 * lock held: released by whichever thread runs next (sched_finish_switch). */
static inline __attribute__((always_inline)) void switch_locked(percpu_t *cpu, run_queue_t *rq, thread_t *prev,
                                                                thread_t *next, uint64_t now)
{
    prev->runtime_ns += now - prev->last_start_ns;
    next->last_start_ns = now;
    cpu->current = next;
    percpu_set_kernel_stack(next->kstack_top);
    switch_user_state(cpu, prev, next);
    rq->switches++;
    thread_t *from = context_switch(&prev->saved_rsp, next->saved_rsp, prev);
    sched_finish_switch(from);
}

/* Pick the next thread and switch to it. Interrupts off, no rq lock held. */
static void schedule(void)
{
    kassert(!intr_enabled());
    percpu_t *cpu = this_cpu();
    run_queue_t *rq = &rqs[cpu->cpu_id];
    thread_t *prev = cpu->current;

    spin_lock(&rq->lock);
    cpu->need_resched = false;
    if (prev->state == THREAD_RUNNING && !prev->is_idle) {
        prev->state = THREAD_READY;
        enqueue_locked(rq, prev);
    }
    uint64_t now = clock_now_ns();
    thread_t *next = take_handoff_locked(cpu, rq, prev->slice_end <= now);
    bool handed = next != NULL;
    if (!next)
        next = pick_locked(rq);
    if (!next)
        next = steal_locked(rq, cpu->cpu_id);
    if (!next)
        next = rq->idle;

    next->state = THREAD_RUNNING;
    next->on_cpu = true;
    next->cpu = cpu->cpu_id;
    /* A hand-off continues the giver's slice: two threads handing the CPU
     * back and forth must still yield it to others when the slice ends. */
    next->slice_end = handed && prev->slice_end > now ? prev->slice_end : now + SCHED_SLICE_NS;
    ktimer_program(next->is_idle ? DEADLINE_INFINITE : next->slice_end);
    if (next == prev) {
        spin_unlock(&rq->lock);
        return;
    }
    switch_locked(cpu, rq, prev, next, now);
}

static uint32_t choose_cpu(const thread_t *t)
{
    if (t->affinity != THREAD_ANY_CPU)
        return (uint32_t)t->affinity;
    uint32_t best = t->cpu < smp_cpu_count() ? t->cpu : 0;
    size_t best_len = __atomic_load_n(&rqs[best].length, __ATOMIC_RELAXED);
    bool best_idle = percpu_area[best].current && percpu_area[best].current->is_idle;
    for (uint32_t c = 0; c < smp_cpu_count(); c++) {
        if (!rqs[c].started)
            continue;
        size_t len = __atomic_load_n(&rqs[c].length, __ATOMIC_RELAXED);
        bool idle = percpu_area[c].current && percpu_area[c].current->is_idle;
        if ((idle && !best_idle) || (idle == best_idle && len < best_len)) {
            best = c;
            best_len = len;
            best_idle = idle;
        }
    }
    return best;
}

void sched_ready(thread_t *t)
{
    uint64_t fl = read_rflags();
    intr_disable();
    /* A thread still switching away must stay on its CPU's queue; on_cpu
     * only goes from true to false while t is in no queue, so reading it
     * unlocked is safe: false stays false. */
    percpu_t *me = this_cpu();
    bool sync = me->sync_wake && !t->on_cpu &&
                (t->affinity == THREAD_ANY_CPU || t->affinity == (int32_t)me->cpu_id);
    uint32_t target = t->on_cpu ? t->cpu : sync ? me->cpu_id : choose_cpu(t);
    run_queue_t *rq = &rqs[target];
    spin_lock(&rq->lock);
    kassert(t->state == THREAD_NEW || t->state == THREAD_BLOCKED);
    t->state = THREAD_READY;
    t->cpu = target;
    bool preempt = false;
    if (sync && !me->handoff) {
        /* The fast path: the waker blocks next and switches straight to
         * t (schedule takes it from cpu->handoff), no run queue involved. */
        me->handoff = t;
    } else {
        enqueue_locked(rq, t);
        thread_t *cur = percpu_area[target].current;
        preempt = !sync && cur && (cur->is_idle || t->priority > cur->priority);
    }
    spin_unlock(&rq->lock);
    if (preempt) {
        if (target == this_cpu()->cpu_id)
            this_cpu()->need_resched = true;
        else
            lapic_send_ipi(percpu_area[target].apic_id, VEC_IPI_RESCHEDULE);
    }
    if (fl & (1u << 9))
        intr_enable();
}

void sched_yield(void)
{
    uint64_t fl = read_rflags();
    intr_disable();
    schedule();
    if (fl & (1u << 9))
        intr_enable();
}

/*
 * The direct switch: the current thread has just blocked (or was made
 * ready again already) and hands this CPU to `next`, a thread it took off
 * a wait queue (BLOCKED, in no queue). Unless something should run
 * before it - a higher priority level is waiting, the slice is used up,
 * another hand-off is pending - next runs now, on the rest of the giver's
 * slice (whose end the timer is already set for), without a run queue.
 */
void sched_switch_to(thread_t *next)
{
    kassert(!intr_enabled());
    percpu_t *cpu = this_cpu();
    run_queue_t *rq = &rqs[cpu->cpu_id];
    thread_t *prev = cpu->current;
    uint64_t now = clock_now_ns();
    spin_lock(&rq->lock);
    bool direct = !cpu->handoff && !next->on_cpu && prev->slice_end > now && !(rq->bitmap >> next->priority >> 1) &&
                  (next->affinity == THREAD_ANY_CPU || next->affinity == (int32_t)cpu->cpu_id);
    if (!direct) {
        spin_unlock(&rq->lock);
        sched_ready(next);
        schedule();
        return;
    }
    kassert(next->state == THREAD_BLOCKED);
    next->state = THREAD_RUNNING;
    next->on_cpu = true;
    next->cpu = cpu->cpu_id;
    next->slice_end = prev->slice_end;
    switch_locked(cpu, rq, prev, next, now);
}

void sched_switch_away(void)
{
    kassert(!intr_enabled());
    thread_t *cur = sched_current();
    /* READY too: a waker on another CPU may already have made it ready
     * again (it is then on this CPU's queue, since it is still on_cpu). */
    kassert(cur->state == THREAD_BLOCKED || cur->state == THREAD_DEAD || cur->state == THREAD_READY);
    schedule();
}

void sched_request_resched(void)
{
    this_cpu()->need_resched = true;
}

void sched_preempt_point(void)
{
    percpu_t *cpu = this_cpu();
    if (cpu->need_resched && rqs[cpu->cpu_id].started)
        schedule();
}

static void resched_ipi(trap_frame_t *f, void *ctx)
{
    (void)f;
    (void)ctx;
    this_cpu()->need_resched = true;
}

static void timer_interrupt(trap_frame_t *f, void *ctx)
{
    (void)f;
    (void)ctx;
    ktimer_interrupt();
    thread_t *cur = sched_current();
    if (cur && !cur->is_idle && clock_now_ns() >= cur->slice_end)
        this_cpu()->need_resched = true;
}

void sched_init_cpu(void)
{
    percpu_t *cpu = this_cpu();
    run_queue_t *rq = &rqs[cpu->cpu_id];
    for (int p = 0; p < SCHED_PRIORITIES; p++)
        list_init(&rq->queue[p]);
    rq->lock = (spinlock_t)SPINLOCK_INIT;

    thread_t *idle = kzalloc(sizeof *idle);
    if (!idle)
        panic("sched: no memory for the idle thread of cpu %u", cpu->cpu_id);
    obj_init(&idle->obj, OBJ_THREAD);
    ksnprintf(idle->name, sizeof idle->name, "idle/%u", cpu->cpu_id);
    idle->is_idle = true;
    idle->state = THREAD_RUNNING;
    idle->on_cpu = true;
    idle->cpu = cpu->cpu_id;
    idle->affinity = (int32_t)cpu->cpu_id;
    idle->kstack_top = cpu->kstack_top;
    idle->last_start_ns = clock_now_ns();
    list_node_init(&idle->run_link);
    wait_queue_init(&idle->exit_wq);
    rq->idle = idle;
    cpu->current = idle;

    ktimer_init_cpu();
    if (cpu->cpu_id == 0) {
        intr_set_handler(VEC_TIMER, timer_interrupt, NULL);
        intr_set_handler(VEC_IPI_RESCHEDULE, resched_ipi, NULL);
    }
    __atomic_store_n(&rq->started, true, __ATOMIC_RELEASE);
}

void sched_idle_loop(void)
{
    for (;;) {
        intr_disable();
        schedule();
        /* Back in idle: something may have been woken while we switched
         * (reaping a thread can wake its joiners). Otherwise halt until an
         * interrupt; sti's one-instruction shadow makes "enable and halt"
         * atomic, so a wake-up between the check and hlt is not lost. */
        if (this_cpu()->need_resched)
            continue;
        __asm__ volatile("sti; hlt" ::: "memory");
    }
}

uint64_t sched_switch_count(uint32_t cpu)
{
    return cpu < MAX_CPUS ? rqs[cpu].switches : 0;
}

size_t sched_queue_length(uint32_t cpu)
{
    return cpu < MAX_CPUS ? rqs[cpu].length : 0;
}

uint64_t sched_sync_begin(void)
{
    uint64_t fl = read_rflags();
    intr_disable();
    this_cpu()->sync_wake = true;
    return fl;
}

void sched_sync_end(uint64_t flags)
{
    this_cpu()->sync_wake = false;
    if (flags & (1u << 9))
        intr_enable();
}
