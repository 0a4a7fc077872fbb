/*
 * The common header of every kernel object (process, thread, channel, port,
 * vmo, timer, irq, ioport, resource). An object lives while it has
 * references: handles, the kernel's own pointers (a running thread, a
 * message in flight). The last obj_unref() calls the type's destroy op.
 * Each object has a 64-bit id that is never reused (shown by handle_info
 * and the shell), so a stale report can never name a new object.
 */
#ifndef OBJ_OBJECT_H
#define OBJ_OBJECT_H

#include "types.h"
#include "lib/list.h"
#include "sched/wait.h"

typedef enum obj_type {
    OBJ_NONE = 0,
    OBJ_PROCESS,
    OBJ_THREAD,
    OBJ_CHANNEL,
    OBJ_PORT,
    OBJ_VMO,
    OBJ_TIMER,
    OBJ_IRQ,
    OBJ_IOPORT,
    OBJ_RESOURCE,
    OBJ_TYPE_COUNT,
} obj_type_t;

typedef struct kobject {
    obj_type_t type;
    uint32_t refs; /* atomic */
    uint64_t id;
    uint32_t signals;     /* SIG_* bits, under waiters.lock */
    wait_queue_t waiters; /* threads in object_wait */
    list_t bindings;      /* port bindings (obj/port.h), under port.c's bind_lock */
    struct kobject *next_dead; /* in a thread's list of objects to destroy */
} kobject_t;

typedef struct obj_ops {
    const char *name;
    void (*destroy)(kobject_t *o); /* last reference gone */
    /* Optional: a revoke reached the object's anchor node (obj/handle.h),
     * after every handle below it was destroyed. Runs in thread context
     * with no lock held; the caller holds a reference. */
    void (*revoked)(kobject_t *o);
} obj_ops_t;

void obj_register_type(obj_type_t type, const obj_ops_t *ops);
void obj_init(kobject_t *o, obj_type_t type);
void obj_ref_slow_fail(kobject_t *o);
void obj_unref_last(kobject_t *o, uint32_t old);
/* Inline: every system call takes and drops a reference or two. */
static inline void obj_ref(kobject_t *o)
{
    if (__builtin_expect(__atomic_fetch_add(&o->refs, 1, __ATOMIC_RELAXED) == 0, 0))
        obj_ref_slow_fail(o);
}
/* Take a reference unless the object is already being destroyed. */
bool obj_try_ref(kobject_t *o);
static inline void obj_unref(kobject_t *o)
{
    uint32_t old = __atomic_fetch_sub(&o->refs, 1, __ATOMIC_ACQ_REL);
    if (old <= 1)
        obj_unref_last(o, old); /* destroys it (or panics: there was no reference) */
}
const char *obj_type_name(obj_type_t type);
/* Run the type's revoked operation, if it has one. */
void obj_revoked(kobject_t *o);

/* Set and clear signal bits; waiters whose condition now holds wake up. */
void obj_signal(kobject_t *o, uint32_t clear, uint32_t set);
uint32_t obj_signals(kobject_t *o);
/*
 * obj_signal for signals computed elsewhere under another lock and applied
 * after it is dropped: two such updates can arrive in the wrong order, and
 * the older would undo the newer (a lost wake-up). Each carries a
 * generation taken under that other lock; *applied, under the object's
 * lock, remembers the newest applied, and older ones are dropped.
 */
void obj_signal_ordered(kobject_t *o, uint32_t clear, uint32_t set, uint64_t gen, uint64_t *applied);
/* Block until (signals & mask) != 0 or the deadline; *observed gets the
 * signals seen. ERR_TIMED_OUT, or ERR_CANCELED when the waiter is killed. */
int obj_wait(kobject_t *o, uint32_t mask, uint64_t deadline, uint32_t *observed);

#endif
