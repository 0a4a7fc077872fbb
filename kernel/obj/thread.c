/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Thread objects: creation with a guarded kernel stack, the first run,
 * exit, join, sleep, and reaping.
 *
 * A new thread's stack holds a frame for context_switch to pop: six
 * callee-saved registers (rbx = entry, r12 = argument) and a return address
 * of thread_first_run, which calls thread_boot(). The running thread holds
 * one reference to itself; it is dropped when the thread is reaped, after
 * the next thread has switched off its stack.
 */
#include "obj/thread.h"
#include "arch/fpu.h"
#include "arch/intr.h"
#include "arch/lapic.h"
#include "arch/trap_vectors.h"
#include "obj/ioport.h"
#include "obj/process.h"
#include "arch/percpu.h"
#include "lib/kassert.h"
#include "lib/kprintf.h"
#include "lib/kstring.h"
#include "lib/log.h"
#include "mm/kheap.h"
#include "mm/kstack.h"
#include "sched/sched.h"

void thread_first_run(void);
void thread_boot(void (*entry)(void *), void *arg, thread_t *prev);
void sched_finish_switch(thread_t *prev);
void thread_reap(thread_t *t);

static kcache_t thread_cache;

static void thread_destroy(kobject_t *o)
{
    thread_t *t = (thread_t *)o;
    kassert(t->state == THREAD_DEAD || t->state == THREAD_NEW);
    if (t->proc)
        process_remove_thread(t->proc, t); /* one that never ran (reaping detaches the others) */
    if (t->fpu)
        fpu_free_state(t->fpu);
    if (t->kstack_top)
        kstack_free(t->kstack_top);
    kcache_free(&thread_cache, t);
}

static const obj_ops_t thread_ops = {.name = "thread", .destroy = thread_destroy};

void thread_init_types(void)
{
    kcache_init(&thread_cache, "thread", sizeof(thread_t), 64);
    obj_register_type(OBJ_THREAD, &thread_ops);
}

thread_t *thread_create_kernel(const char *name, void (*fn)(void *), void *arg, uint8_t priority,
                               int32_t affinity)
{
    if (priority >= SCHED_PRIORITIES)
        return NULL;
    thread_t *t = kcache_alloc(&thread_cache);
    if (!t)
        return NULL;
    memset(t, 0, sizeof *t);
    t->kstack_top = kstack_alloc();
    if (!t->kstack_top) {
        kcache_free(&thread_cache, t);
        return NULL;
    }
    obj_init(&t->obj, OBJ_THREAD);
    ksnprintf(t->name, sizeof t->name, "%s", name);
    t->state = THREAD_NEW;
    t->priority = priority;
    t->affinity = affinity;
    t->cpu = affinity >= 0 ? (uint32_t)affinity : 0;
    t->entry = fn;
    t->arg = arg;
    list_node_init(&t->run_link);
    list_node_init(&t->proc_link);
    wait_queue_init(&t->exit_wq);

    uint64_t *sp = (uint64_t *)t->kstack_top;
    *--sp = 0;                          /* two words of padding: thread_boot */
    *--sp = 0;                          /* is entered with rsp % 16 == 8 */
    *--sp = (uint64_t)thread_first_run; /* context_switch's ret */
    *--sp = 0;                          /* rbp */
    *--sp = (uint64_t)fn;               /* rbx */
    *--sp = (uint64_t)arg;              /* r12 */
    *--sp = 0;                          /* r13 */
    *--sp = 0;                          /* r14 */
    *--sp = 0;                          /* r15 */
    t->saved_rsp = (uint64_t)sp;
    return t;
}

void thread_start(thread_t *t)
{
    if (__atomic_exchange_n(&t->start_claimed, true, __ATOMIC_ACQ_REL))
        return;
    kassert(t->state == THREAD_NEW);
    obj_ref(&t->obj); /* the running thread's own reference */
    sched_ready(t);
}

void thread_boot(void (*entry)(void *), void *arg, thread_t *prev)
{
    sched_finish_switch(prev);
    intr_enable();
    entry(arg);
    thread_exit(0);
}

void thread_exit(int code)
{
    thread_t *t = sched_current();
    kassert(!t->is_idle);
    t->exit_code = code;
    intr_disable();
    /* Joiners look at state under exit_wq.lock, so set it there. */
    spin_lock(&t->exit_wq.lock);
    t->state = THREAD_DEAD;
    spin_unlock(&t->exit_wq.lock);
    wait_wake_all(&t->exit_wq, OK);
    sched_switch_away(); /* SIG_TERMINATED comes from thread_reap */
    __builtin_unreachable();
}

/*
 * The thread is off its CPU (and that CPU off its process's page tables):
 * it leaves its process here, not when its object dies, because handles to
 * the thread - even its own process's - must neither keep the process from
 * ending nor hold its thread quota. SIG_TERMINATED is raised only now, so a
 * waiter that sees it finds the quota back and may unmap the thread's stack.
 */
void thread_reap(thread_t *t)
{
    process_t *p = t->proc;
    if (p) {
        t->proc = NULL;
        process_remove_thread(p, t); /* may finalize the process */
    }
    obj_signal(&t->obj, 0, SIG_TERMINATED);
    obj_unref(&t->obj);
}

int thread_join(thread_t *t, uint64_t deadline, int *code)
{
    uint64_t fl = spin_lock_irqsave(&t->exit_wq.lock);
    if (t->state != THREAD_DEAD) {
        int err = wait_block_locked(&t->exit_wq, fl, deadline);
        if (err != OK)
            return err;
    } else {
        spin_unlock_irqrestore(&t->exit_wq.lock, fl);
    }
    if (code)
        *code = t->exit_code;
    return OK;
}

void thread_sleep_until(uint64_t deadline)
{
    wait_queue_t wq;
    wait_queue_init(&wq);
    uint64_t fl = spin_lock_irqsave(&wq.lock);
    wait_block_locked(&wq, fl, deadline);
}

NORETURN void user_enter(uint64_t entry, uint64_t stack, uint64_t arg);

/* Kernel entry of a user thread: its first and only trip to ring 3 from
 * here; it comes back only through syscalls and interrupts. */
static void user_thread_start(void *self)
{
    thread_t *t = self;
    intr_disable();
    if (t->proc && process_dying(t->proc))
        thread_exit(0); /* killed before it ever ran */
    ioport_sync_cpu(t->proc);
    /* FPU state and FS base were loaded by the switch to this thread. */
    user_enter(t->user_entry, t->user_stack, t->user_arg);
}

int thread_create_user(struct process *p, uint64_t entry, uint64_t stack, uint64_t arg, thread_t **out)
{
    if (!user_range_ok(entry, 1) || !user_range_ok(stack - 8, 8))
        return ERR_INVALID_ARGS;
    thread_t *t = thread_create_kernel(p->name, user_thread_start, NULL, SCHED_PRIO_DEFAULT, THREAD_ANY_CPU);
    if (!t)
        return ERR_NO_MEMORY;
    t->arg = t;
    /* The initial frame is r15 r14 r13 r12 rbx rbp ret (from saved_rsp up):
     * the argument thread_first_run passes on is r12. */
    ((uint64_t *)t->saved_rsp)[3] = (uint64_t)t;
    t->user_entry = entry;
    t->user_stack = stack;
    t->user_arg = arg;
    t->fpu = fpu_alloc_state();
    int err = t->fpu ? process_add_thread(p, t) : ERR_NO_MEMORY;
    if (err != OK) {
        obj_unref(&t->obj); /* NEW: destroyed without running */
        return err;
    }
    *out = t;
    return OK;
}

void thread_interrupt(thread_t *t)
{
    wait_cancel(t, ERR_CANCELED);
    /* Running elsewhere: an IPI makes it pass an interrupt return, where
     * a thread of a dying process exits. */
    if (t->on_cpu && t->cpu != this_cpu()->cpu_id && !t->is_idle)
        lapic_send_ipi(percpu_area[t->cpu].apic_id, VEC_IPI_RESCHEDULE);
}
