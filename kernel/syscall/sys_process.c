/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Process and thread system calls. A child's quotas are set by its
 * creator, each at most the creator's own (a process cannot hand out more
 * than it was allowed). process_start moves one handle (typically the
 * child's bootstrap channel) into the child and passes its value in RDI.
 */
#include "arch/cpu.h"
#include "lib/kstring.h"
#include "mm/aspace.h"
#include "obj/process.h"
#include "obj/thread.h"
#include "sched/sched.h"
#include "syscall/syscall.h"
#include "syscall/usercopy.h"

#define PROCESS_RIGHTS (RIGHT_READ | RIGHT_MANAGE | RIGHT_WAIT | RIGHT_DUPLICATE | RIGHT_TRANSFER)
#define THREAD_RIGHTS (RIGHT_READ | RIGHT_MANAGE | RIGHT_WAIT | RIGHT_DUPLICATE | RIGHT_TRANSFER)

/* process_create(name, quota*, out*) */
int64_t sys_process_create(uint64_t name, uint64_t quota, uint64_t out, uint64_t a3, uint64_t a4, uint64_t a5)
{
    process_t *self = current_process();
    char buf[PROCESS_NAME_MAX];
    process_quota_t q;
    int err = copy_str_from_user(buf, uptr(name), sizeof buf); /* ERR_INVALID_ARGS: no terminator */
    if (err >= 0)
        err = copy_from_user(&q, uptr(quota), sizeof q);
    if (err != OK)
        return err;
    if (q.memory_bytes > self->quota.memory_bytes || q.handles > self->quota.handles ||
        q.threads > self->quota.threads || q.threads == 0 || q.handles == 0)
        return ERR_OUT_OF_RANGE;
    process_t *p;
    if ((err = process_create(buf, &q, &p)) != OK)
        return err;
    return syscall_give_handle(&p->obj, PROCESS_RIGHTS, HANDLE_INVALID, out);
}

/*
 * process_start(process, entry, stack, arg handle). The first thread is
 * made before the argument handle moves, so every failure leaves that
 * handle with the caller under its old value and the process startable.
 */
int64_t sys_process_start(uint64_t ph, uint64_t entry, uint64_t stack, uint64_t arg, uint64_t a4, uint64_t a5)
{
    process_t *self = current_process(), *p;
    int err = handle_get(self, (handle_t)ph, OBJ_PROCESS, RIGHT_MANAGE, (kobject_t **)&p);
    if (err != OK)
        return err;
    handle_node_t *node = NULL;
    handle_t argv = (handle_t)arg;
    uint64_t fl = spin_lock_irqsave(&p->lock);
    bool startable = !p->started && !p->dead;
    p->started = startable ? true : p->started;
    spin_unlock_irqrestore(&p->lock, fl);
    if (!startable)
        err = ERR_BAD_STATE;
    thread_t *t = NULL;
    if (err == OK)
        err = thread_create_user(p, entry, stack, HANDLE_INVALID, &t);
    if (err == OK && argv != HANDLE_INVALID)
        err = handle_take_for_transfer(self, &argv, 1, &node);
    handle_t child_value = HANDLE_INVALID;
    if (err == OK && node && (err = handle_install_transferred(p, &node, 1, &child_value)) != OK)
        handle_restore_after_failed_transfer(self, &node, 1);
    if (err == OK) {
        t->user_arg = child_value;
        thread_start(t);
        obj_unref(&t->obj);
    } else if (startable) {
        fl = spin_lock_irqsave(&p->lock);
        p->started = false;
        spin_unlock_irqrestore(&p->lock, fl);
        if (t)
            obj_unref(&t->obj); /* never ran; the process stays unstarted */
    }
    obj_unref(&p->obj);
    return err;
}

int64_t sys_process_kill(uint64_t ph, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    process_t *p;
    int err = handle_get(current_process(), (handle_t)ph, OBJ_PROCESS, RIGHT_MANAGE, (kobject_t **)&p);
    if (err != OK)
        return err;
    process_terminate(p, -1, PROCESS_KILLED);
    obj_unref(&p->obj);
    return OK;
}

int64_t sys_process_exit(uint64_t code, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    process_terminate(current_process(), (int)code, PROCESS_EXITED);
    return OK; /* the dispatcher ends this thread on the way out */
}

int64_t sys_process_info(uint64_t ph, uint64_t out, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    process_t *p;
    int err = handle_get(current_process(), (handle_t)ph, OBJ_PROCESS, RIGHT_READ, (kobject_t **)&p);
    if (err != OK)
        return err;
    process_info_t info;
    process_get_info(p, &info);
    obj_unref(&p->obj);
    return copy_to_user(uptr(out), &info, sizeof info);
}

/*
 * process_handle_info(process, cursor, out*): the first handle of the
 * process at slot >= cursor, for tools that show what a process holds.
 * Returns the cursor to pass next (> 0), so a walk is
 *     for (c = 0; (c = process_handle_info(p, c, &e)) > 0;) ...
 */
int64_t sys_process_handle_info(uint64_t ph, uint64_t cursor, uint64_t out, uint64_t a3, uint64_t a4,
                                uint64_t a5)
{
    process_t *p;
    int err = handle_get(current_process(), (handle_t)ph, OBJ_PROCESS, RIGHT_READ, (kobject_t **)&p);
    if (err != OK)
        return err;
    process_handle_info_t e;
    uint32_t next = 0;
    if (cursor > HANDLE_TABLE_MAX)
        err = ERR_OUT_OF_RANGE;
    else
        err = handle_entry_at(p, (uint32_t)cursor, &e, &next);
    obj_unref(&p->obj);
    if (err == OK)
        err = copy_to_user(uptr(out), &e, sizeof e);
    return err == OK ? (int64_t)next : err;
}

/* thread_create(process, entry, stack, arg, out*): created and started. */
int64_t sys_thread_create(uint64_t ph, uint64_t entry, uint64_t stack, uint64_t arg, uint64_t out, uint64_t a5)
{
    process_t *self = current_process(), *p;
    int err = ph == HANDLE_INVALID ? (obj_ref(&self->obj), p = self, OK)
                                   : handle_get(self, (handle_t)ph, OBJ_PROCESS, RIGHT_MANAGE, (kobject_t **)&p);
    if (err != OK)
        return err;
    thread_t *t;
    err = p->started ? thread_create_user(p, entry, stack, arg, &t) : ERR_BAD_STATE;
    handle_t h = HANDLE_INVALID;
    if (err == OK) {
        err = handle_create(self, &t->obj, THREAD_RIGHTS, &h);
        if (err == OK)
            err = copy_to_user(uptr(out), &h, sizeof h);
        if (err == OK)
            thread_start(t);
        else if (h)
            handle_close(self, h);
        obj_unref(&t->obj);
    }
    obj_unref(&p->obj);
    return err;
}

int64_t sys_thread_exit(uint64_t code, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    thread_exit((int)code);
}

int64_t sys_thread_set_fs(uint64_t base, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    if (base != 0 && !user_range_ok(base, 8))
        return ERR_BAD_ADDRESS;
    sched_current()->fs_base = base;
    wrmsr(MSR_FS_BASE, base);
    return OK;
}
