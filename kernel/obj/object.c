/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Reference counting and the per-type operations table. Counts are atomic
 * so references can be taken and dropped without a lock; whoever drops the
 * last one destroys the object, outside any lock that destroy may need.
 */
#include "obj/object.h"
#include "lib/kassert.h"
#include "arch/cpu.h"
#include "obj/port.h"
#include "obj/thread.h"
#include "sched/sched.h"

static const obj_ops_t *ops_table[OBJ_TYPE_COUNT];
static uint64_t next_id = 1; /* atomic; 0 is never an object id */

void obj_register_type(obj_type_t type, const obj_ops_t *ops)
{
    kassert(type > OBJ_NONE && type < OBJ_TYPE_COUNT);
    ops_table[type] = ops;
}

void obj_init(kobject_t *o, obj_type_t type)
{
    kassert(type > OBJ_NONE && type < OBJ_TYPE_COUNT && ops_table[type]);
    o->type = type;
    o->refs = 1;
    o->signals = 0;
    wait_queue_init(&o->waiters);
    list_init(&o->bindings);
    o->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
}

void obj_ref_slow_fail(kobject_t *o)
{
    panic("object %p (%s): reference taken after the last one was dropped", (void *)o, obj_type_name(o->type));
}

bool obj_try_ref(kobject_t *o)
{
    uint32_t old = __atomic_load_n(&o->refs, __ATOMIC_RELAXED);
    while (old != 0)
        if (__atomic_compare_exchange_n(&o->refs, &old, old + 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return true;
    return false;
}

static void destroy_now(kobject_t *o)
{
    if (!list_empty(&o->bindings))
        port_unbind_all(o);
    ops_table[o->type]->destroy(o);
}

/*
 * Destroying an object can drop the last reference to others (a channel's
 * queued messages hold handles to more channels, and so on, without bound).
 * Recursing would run off the kernel stack, so a destruction that starts
 * inside another on the same thread is queued on the thread and run by the
 * outermost one, in a loop. Interrupt handlers that drop a last reference
 * while their thread is mid-destruction queue it the same way.
 */
static void destroy(kobject_t *o)
{
    thread_t *t = sched_current_or_null();
    if (!t) {
        destroy_now(o); /* boot, before the first thread */
        return;
    }
    uint64_t fl = read_rflags();
    __asm__ volatile("cli" ::: "memory");
    bool nested = t->destroying;
    if (nested) {
        o->next_dead = t->dead_list;
        t->dead_list = o;
    } else {
        t->destroying = true;
    }
    if (fl & (1u << 9))
        __asm__ volatile("sti" ::: "memory");
    if (nested)
        return;
    for (;;) {
        destroy_now(o);
        __asm__ volatile("cli" ::: "memory");
        o = t->dead_list;
        if (o)
            t->dead_list = o->next_dead;
        else
            t->destroying = false;
        if (fl & (1u << 9))
            __asm__ volatile("sti" ::: "memory");
        if (!o)
            return;
    }
}

void obj_unref_last(kobject_t *o, uint32_t old)
{
    kassert(old > 0);
    destroy(o);
}

const char *obj_type_name(obj_type_t type)
{
    if (type <= OBJ_NONE || type >= OBJ_TYPE_COUNT || !ops_table[type])
        return "none";
    return ops_table[type]->name;
}

void obj_revoked(kobject_t *o)
{
    if (ops_table[o->type]->revoked)
        ops_table[o->type]->revoked(o);
}

static void signal_update(kobject_t *o, uint32_t clear, uint32_t set, uint64_t gen, uint64_t *applied)
{
    uint64_t fl = spin_lock_irqsave(&o->waiters.lock);
    if (applied) {
        if (gen <= *applied) {
            spin_unlock_irqrestore(&o->waiters.lock, fl);
            return; /* a newer update got here first */
        }
        *applied = gen;
    }
    uint32_t old = o->signals;
    o->signals = (old & ~clear) | set;
    uint32_t now = o->signals;
    bool raised = (now & ~old) != 0;
    spin_unlock_irqrestore(&o->waiters.lock, fl);
    /* Waiters re-check their own mask after waking: wake all on any rise. */
    if (raised) {
        wait_wake_all(&o->waiters, OK);
        if (!list_empty(&o->bindings)) /* a hint; port_notify re-checks under its lock */
            port_notify(o, now & ~old);
    }
}

void obj_signal(kobject_t *o, uint32_t clear, uint32_t set)
{
    signal_update(o, clear, set, 0, NULL);
}

void obj_signal_ordered(kobject_t *o, uint32_t clear, uint32_t set, uint64_t gen, uint64_t *applied)
{
    signal_update(o, clear, set, gen, applied);
}

uint32_t obj_signals(kobject_t *o)
{
    return __atomic_load_n(&o->signals, __ATOMIC_ACQUIRE);
}

int obj_wait(kobject_t *o, uint32_t mask, uint64_t deadline, uint32_t *observed)
{
    for (;;) {
        uint64_t fl = spin_lock_irqsave(&o->waiters.lock);
        uint32_t sig = o->signals;
        if (sig & mask) {
            spin_unlock_irqrestore(&o->waiters.lock, fl);
            *observed = sig;
            return OK;
        }
        int err = wait_block_locked(&o->waiters, fl, deadline);
        if (err != OK) {
            *observed = obj_signals(o);
            return err;
        }
    }
}
