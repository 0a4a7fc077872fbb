/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Process objects (model in obj/process.h). A process is finalized -
 * handles closed, address space torn down, SIG_TERMINATED raised - when its
 * last thread is reaped, which happens after that thread's CPU has switched
 * to another address space (see thread_destroy), so no CPU can still be
 * running on the page tables being freed.
 */
#include "obj/process.h"
#include "arch/lapic.h"
#include "arch/percpu.h"
#include "arch/trap_vectors.h"
#include "lib/kprintf.h"
#include "lib/kstring.h"
#include "lib/log.h"
#include "mm/kheap.h"
#include "obj/thread.h"

static kcache_t process_cache;

/* For system_info: processes created and not yet finished, and threads
 * counted in some process (process_add_thread to process_remove_thread).
 * Atomic, read without a lock. */
static uint32_t live_processes;
static uint32_t live_threads;

static void process_destroy(kobject_t *o)
{
    process_t *p = (process_t *)o;
    /* Threads hold references, so none is left; a never-started process
     * still has its table and address space. */
    if (!p->finished) /* never started, and never killed */
        __atomic_fetch_sub(&live_processes, 1, __ATOMIC_RELAXED);
    if (p->handles.slots)
        handle_table_destroy(p);
    if (p->as)
        aspace_destroy(p->as);
    kcache_free(&process_cache, p);
}

static const obj_ops_t process_ops = {.name = "process", .destroy = process_destroy};

void process_init_type(void)
{
    kcache_init(&process_cache, "process", sizeof(process_t), 64);
    obj_register_type(OBJ_PROCESS, &process_ops);
}

int process_create(const char *name, const process_quota_t *quota, process_t **out)
{
    process_t *p = kcache_alloc(&process_cache);
    if (!p)
        return ERR_NO_MEMORY;
    memset(p, 0, sizeof *p);
    if (aspace_create(&p->as) != OK) {
        kcache_free(&process_cache, p);
        return ERR_NO_MEMORY;
    }
    obj_init(&p->obj, OBJ_PROCESS);
    ksnprintf(p->name, sizeof p->name, "%s", name);
    p->lock = (spinlock_t)SPINLOCK_INIT;
    p->quota = *quota;
    handle_table_init(&p->handles, quota->handles);
    list_init(&p->threads);
    __atomic_fetch_add(&live_processes, 1, __ATOMIC_RELAXED);
    *out = p;
    return OK;
}

int process_charge_memory(process_t *p, uint64_t bytes)
{
    uint64_t fl = spin_lock_irqsave(&p->lock);
    int err = OK;
    if (bytes > p->quota.memory_bytes || p->mem_used > p->quota.memory_bytes - bytes)
        err = ERR_NO_RESOURCES;
    else
        p->mem_used += bytes;
    spin_unlock_irqrestore(&p->lock, fl);
    return err;
}

void process_uncharge_memory(process_t *p, uint64_t bytes)
{
    uint64_t fl = spin_lock_irqsave(&p->lock);
    p->mem_used -= MIN(bytes, p->mem_used);
    spin_unlock_irqrestore(&p->lock, fl);
}

int process_add_thread(process_t *p, thread_t *t)
{
    uint64_t fl = spin_lock_irqsave(&p->lock);
    int err = OK;
    if (p->dead)
        err = ERR_BAD_STATE;
    else if (p->nthreads >= p->quota.threads)
        err = ERR_NO_RESOURCES;
    if (err == OK) {
        list_push_back(&p->threads, &t->proc_link);
        p->nthreads++;
        __atomic_fetch_add(&live_threads, 1, __ATOMIC_RELAXED);
        obj_ref(&p->obj);
        t->proc = p;
    }
    spin_unlock_irqrestore(&p->lock, fl);
    return err;
}

/* Runs once per process: the paths that call it are exclusive (the last
 * thread leaving a started or dead process, or a kill with no threads,
 * after which no thread can be added). */
static void finalize(process_t *p)
{
    p->finished = true;
    __atomic_fetch_sub(&live_processes, 1, __ATOMIC_RELAXED);
    handle_table_destroy(p);
    /* Free the memory now, but keep the address space itself (its root)
     * until the process object goes: vm_map & co. on a handle to this
     * process may be using it right now, and they hold a reference to the
     * process, not to the address space. */
    aspace_clear(p->as);
    obj_signal(&p->obj, 0, SIG_TERMINATED);
}

/* Called when a thread of p is reaped (off its stack and off p's tables),
 * or dropped before it ever ran. */
void process_remove_thread(process_t *p, thread_t *t)
{
    uint64_t fl = spin_lock_irqsave(&p->lock);
    list_remove(&t->proc_link);
    p->nthreads--;
    __atomic_fetch_sub(&live_threads, 1, __ATOMIC_RELAXED);
    p->cpu_ns += t->runtime_ns;
    /* A process whose start failed after making its first thread lost that
     * thread unstarted: it waits for another start instead of ending. */
    bool last = p->nthreads == 0 && (p->dead || p->started);
    if (last && !p->dead) {
        p->dead = true;
        p->exit_reason = PROCESS_EXITED;
        p->exit_code = 0;
    }
    spin_unlock_irqrestore(&p->lock, fl);
    if (last)
        finalize(p);
    obj_unref(&p->obj);
}

void process_terminate(process_t *p, int code, uint32_t reason)
{
    uint64_t fl = spin_lock_irqsave(&p->lock);
    if (p->dead) {
        spin_unlock_irqrestore(&p->lock, fl);
        return;
    }
    __atomic_store_n(&p->dead, true, __ATOMIC_SEQ_CST);
    p->exit_code = code;
    p->exit_reason = reason;
    bool no_threads = p->nthreads == 0;
    list_for_each(n, &p->threads) {
        thread_t *t = list_entry(n, thread_t, proc_link);
        thread_interrupt(t); /* out of any wait; off the CPU at the next chance */
        /* A thread created but never started (its creator failed to hand
         * out the handle, say) would keep the process from ending: start
         * it, and it exits before reaching user mode. */
        if (t->state == THREAD_NEW && p->started)
            thread_start(t);
    }
    spin_unlock_irqrestore(&p->lock, fl);
    if (no_threads)
        finalize(p);
}

void process_get_info(process_t *p, process_info_t *info)
{
    uint64_t fl = spin_lock_irqsave(&p->lock);
    memset(info, 0, sizeof *info);
    memcpy(info->name, p->name, sizeof info->name);
    info->exit_reason = p->dead ? p->exit_reason : PROCESS_RUNNING;
    info->exit_code = p->exit_code;
    info->threads = p->nthreads;
    info->memory_bytes = p->mem_used;
    info->cpu_ns = p->cpu_ns;
    list_for_each(n, &p->threads)
        info->cpu_ns += list_entry(n, thread_t, proc_link)->runtime_ns;
    spin_unlock_irqrestore(&p->lock, fl);
    info->handles = handle_count(p);
    if (p->as)
        info->mapped_bytes = aspace_mapped_bytes(p->as);
}

void process_counts(uint32_t *processes, uint32_t *threads)
{
    *processes = __atomic_load_n(&live_processes, __ATOMIC_RELAXED);
    *threads = __atomic_load_n(&live_threads, __ATOMIC_RELAXED);
}
