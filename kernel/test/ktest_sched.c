/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Self-tests of threads and the scheduler: start and join, exit codes,
 * sleeping with deadlines, wait-queue timeouts and wake-ups, priorities,
 * preemption of busy threads, and spreading work over every CPU.
 */
#include "arch/cpu.h"
#include "arch/percpu.h"
#include "arch/smp.h"
#include "lib/kstring.h"
#include "obj/thread.h"
#include "sched/sched.h"
#include "test/ktest.h"

#define MS 1000000ull

static void set_flag(void *arg)
{
    *(volatile int *)arg = 42;
    thread_exit(7);
}

KTEST(thread_start_join)
{
    volatile int flag = 0;
    thread_t *t = thread_create_kernel("t-join", set_flag, (void *)&flag, SCHED_PRIO_DEFAULT, THREAD_ANY_CPU);
    KT_CHECK(t != NULL);
    KT_CHECK(t->state == THREAD_NEW);
    thread_start(t);
    int code = -1;
    KT_CHECK(thread_join(t, DEADLINE_INFINITE, &code) == OK);
    KT_CHECK(code == 7 && flag == 42);
    KT_CHECK(thread_join(t, DEADLINE_INFINITE, &code) == OK); /* already dead: immediate */
    obj_unref(&t->obj);
    KT_CHECK(thread_create_kernel("bad-prio", set_flag, NULL, SCHED_PRIORITIES, THREAD_ANY_CPU) == NULL);
    return OK;
}

static void sleeper(void *arg)
{
    thread_sleep_until(clock_now_ns() + 5 * MS);
    *(volatile int *)arg = 1;
}

KTEST(thread_sleep_and_join_timeout)
{
    volatile int done = 0;
    thread_t *t = thread_create_kernel("t-sleep", sleeper, (void *)&done, SCHED_PRIO_DEFAULT, THREAD_ANY_CPU);
    KT_CHECK(t != NULL);
    thread_start(t);
    /* A deadline already in the past fails at once, one in the near
     * future fails by timing out; the thread is still asleep then. */
    KT_CHECK(thread_join(t, clock_now_ns() - 1, NULL) == ERR_TIMED_OUT);
    KT_CHECK(thread_join(t, clock_now_ns() + MS / 10, NULL) == ERR_TIMED_OUT || done);
    KT_CHECK(thread_join(t, DEADLINE_INFINITE, NULL) == OK);
    KT_CHECK(done == 1);
    obj_unref(&t->obj);
    return OK;
}

static wait_queue_t test_wq;
static volatile int woken;

static void waiter(void *arg)
{
    (void)arg;
    uint64_t fl = spin_lock_irqsave(&test_wq.lock);
    int r = wait_block_locked(&test_wq, fl, DEADLINE_INFINITE);
    __atomic_fetch_add(&woken, r == ERR_CANCELED ? 1 : 1000, __ATOMIC_RELAXED);
}

/* Four threads block on one queue; wake_all wakes each exactly once with
 * the waker's result. */
KTEST(wait_queue_wake_all)
{
    thread_t *t[4];
    wait_queue_init(&test_wq);
    woken = 0;
    for (int i = 0; i < 4; i++) {
        t[i] = thread_create_kernel("t-wait", waiter, NULL, SCHED_PRIO_DEFAULT, THREAD_ANY_CPU);
        KT_CHECK(t[i] != NULL);
        thread_start(t[i]);
    }
    int total = 0;
    uint64_t give_up = clock_now_ns() + 2000 * MS;
    while (total < 4 && clock_now_ns() < give_up) {
        total += wait_wake_all(&test_wq, ERR_CANCELED);
        thread_sleep_until(clock_now_ns() + MS);
    }
    for (int i = 0; i < 4; i++) {
        KT_CHECK(thread_join(t[i], DEADLINE_INFINITE, NULL) == OK);
        obj_unref(&t[i]->obj);
    }
    KT_CHECK(total == 4);
    KT_CHECK(woken == 4);
    KT_CHECK(wait_wake_one(&test_wq, OK) == 0);
    return OK;
}

static volatile bool stop_spinning;

static void spinner(void *arg)
{
    volatile uint64_t *count = arg;
    while (!stop_spinning)
        (*count)++;
}

/* Two busy threads pinned to one CPU both make progress: the time slice
 * preempts them (no cooperation). */
KTEST(preemption_round_robin)
{
    static volatile uint64_t counts[2];
    counts[0] = counts[1] = 0;
    stop_spinning = false;
    uint32_t cpu = smp_cpu_count() - 1;
    thread_t *t[2];
    for (int i = 0; i < 2; i++) {
        t[i] = thread_create_kernel("t-spin", spinner, (void *)&counts[i], SCHED_PRIO_DEFAULT - 1, (int32_t)cpu);
        KT_CHECK(t[i] != NULL);
        thread_start(t[i]);
    }
    uint64_t end = clock_now_ns() + 3000 * MS;
    while ((counts[0] == 0 || counts[1] == 0) && clock_now_ns() < end)
        thread_sleep_until(clock_now_ns() + 5 * MS);
    stop_spinning = true;
    for (int i = 0; i < 2; i++) {
        KT_CHECK(thread_join(t[i], DEADLINE_INFINITE, NULL) == OK);
        obj_unref(&t[i]->obj);
    }
    KT_CHECK(counts[0] > 0 && counts[1] > 0);
    return OK;
}

static volatile uint32_t ran_on_mask, all_cpus_mask;

/* Stays busy (so the others spread out) until every CPU has run one of
 * these threads, or 3 s: under TCG a busy host may not run a vCPU for a
 * while, so a fixed short spin would make the test depend on host load. */
static void note_cpu(void *arg)
{
    (void)arg;
    uint64_t end = clock_now_ns() + 3000 * MS;
    do
        __atomic_fetch_or(&ran_on_mask, 1u << this_cpu()->cpu_id, __ATOMIC_RELAXED);
    while (clock_now_ns() < end && __atomic_load_n(&ran_on_mask, __ATOMIC_RELAXED) != all_cpus_mask);
}

/* Busy unpinned threads end up on every CPU (placement and stealing). */
KTEST(threads_use_all_cpus)
{
    uint32_t n = smp_cpu_count();
    thread_t *t[2 * MAX_CPUS];
    ran_on_mask = 0;
    all_cpus_mask = n >= 32 ? ~0u : (1u << n) - 1;
    for (uint32_t i = 0; i < 2 * n; i++) {
        t[i] = thread_create_kernel("t-spread", note_cpu, NULL, SCHED_PRIO_DEFAULT, THREAD_ANY_CPU);
        KT_CHECK(t[i] != NULL);
        thread_start(t[i]);
    }
    for (uint32_t i = 0; i < 2 * n; i++) {
        KT_CHECK(thread_join(t[i], DEADLINE_INFINITE, NULL) == OK);
        obj_unref(&t[i]->obj);
    }
    uint32_t all = n >= 32 ? ~0u : (1u << n) - 1;
    KT_CHECK(ran_on_mask == all);
    return OK;
}

static volatile int order[3];
static volatile int order_n;
static volatile bool gate_open, gate_running;

static void record_order(void *arg)
{
    order[__atomic_fetch_add(&order_n, 1, __ATOMIC_RELAXED)] = (int)(uintptr_t)arg;
}

static void gate(void *arg)
{
    (void)arg;
    gate_running = true;
    while (!gate_open)
        cpu_relax();
}

/*
 * On one CPU, the highest-priority ready thread runs first. Three threads
 * (priorities 5, 20, 12) are queued on one CPU while it is kept busy - by a
 * priority-30 gate thread on another CPU, or on a single CPU by this thread
 * with interrupts off - then released: they must run 20, 12, 5.
 */
KTEST(priority_order)
{
    uint32_t n = smp_cpu_count();
    uint32_t cpu = n > 1 ? (this_cpu()->cpu_id + 1) % n : 0;
    order_n = 0;
    gate_open = gate_running = false;
    thread_t *g = NULL;
    if (n > 1) {
        g = thread_create_kernel("t-gate", gate, NULL, 30, (int32_t)cpu);
        KT_CHECK(g != NULL);
        thread_start(g);
        while (!gate_running)
            thread_sleep_until(clock_now_ns() + MS);
    }
    thread_t *t[3];
    static const uint8_t prio[3] = {5, 20, 12};
    for (int i = 0; i < 3; i++) {
        t[i] = thread_create_kernel("t-prio", record_order, (void *)(uintptr_t)prio[i], prio[i], (int32_t)cpu);
        KT_CHECK(t[i] != NULL);
    }
    uint64_t fl = read_rflags();
    __asm__ volatile("cli");
    for (int i = 0; i < 3; i++)
        thread_start(t[i]);
    gate_open = true;
    if (fl & (1u << 9))
        __asm__ volatile("sti");
    sched_yield();
    for (int i = 0; i < 3; i++) {
        KT_CHECK(thread_join(t[i], DEADLINE_INFINITE, NULL) == OK);
        obj_unref(&t[i]->obj);
    }
    if (g) {
        KT_CHECK(thread_join(g, DEADLINE_INFINITE, NULL) == OK);
        obj_unref(&g->obj);
    }
    KT_CHECK(order_n == 3);
    KT_CHECK(order[0] == 20 && order[1] == 12 && order[2] == 5);
    return OK;
}
