/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Helpers shared by the vm, process and SMP tests (t_vm.c, t_process.c,
 * t_smp.c): threads with their own stacks in the calling process, waits
 * that give up after a bound (a kernel bug then fails one test instead of
 * hanging the suite), and "armed" children - a child body sends one byte
 * right before the operation that must kill it, so the parent knows the
 * child died of that operation and not of an earlier one.
 */
#ifndef TESTS_USER_UHELP_H
#define TESTS_USER_UHELP_H

#include <stdbool.h>

#include "utest.h"

#define UT_THREAD_STACK (16 * 1024)
#define UT_LONG_WAIT (20000 * UT_MS) /* bound on waits that should end at once */

static inline uint64_t ut_deadline(uint64_t ns) { return ut_now() + ns; }

/* ---- threads ------------------------------------------------------------ */

typedef int (*ut_thread_fn_t)(void *arg);

typedef struct ut_thread {
    handle_t handle;
    uint64_t stack; /* base of its stack mapping */
} ut_thread_t;

/* What a new thread finds at the top of its stack. */
typedef struct ut_thread_boot {
    ut_thread_fn_t fn;
    void *arg;
} ut_thread_boot_t;

/* Entered with RSP % 16 == 8 (as after a call) and RDI = the boot block. */
static inline void __attribute__((noreturn)) ut_thread_entry(ut_thread_boot_t *b)
{
    sys_thread_exit(b->fn(b->arg));
    __builtin_unreachable();
}

/* Start fn(arg) in a new thread of this process with a fresh stack. */
static inline int ut_thread_start(ut_thread_t *t, ut_thread_fn_t fn, void *arg)
{
    handle_t v;
    int64_t err = sys_vmo_create(UT_THREAD_STACK, 0, &v);
    if (err != OK)
        return (int)err;
    uint64_t base = 0;
    err = sys_vm_map(HANDLE_INVALID, v, 0, UT_THREAD_STACK, MAP_READ | MAP_WRITE, &base);
    sys_handle_close(v); /* the mapping keeps the vmo */
    if (err != OK)
        return (int)err;
    uint64_t top = base + UT_THREAD_STACK;
    ut_thread_boot_t *b = (ut_thread_boot_t *)(top - 16);
    b->fn = fn;
    b->arg = arg;
    *(uint64_t *)(top - 24) = 0; /* the return address nobody uses */
    err = sys_thread_create(HANDLE_INVALID, (uint64_t)(uintptr_t)ut_thread_entry, top - 24, (uint64_t)(uintptr_t)b,
                            &t->handle);
    if (err != OK) {
        sys_vm_unmap(HANDLE_INVALID, base, UT_THREAD_STACK);
        return (int)err;
    }
    t->stack = base;
    return OK;
}

/* Wait for the thread to end, then close its handle and free its stack. */
static inline int ut_thread_join(ut_thread_t *t)
{
    uint32_t seen;
    int64_t err = sys_object_wait(t->handle, SIG_TERMINATED, ut_deadline(UT_LONG_WAIT), &seen);
    if (err != OK)
        return (int)err;
    sys_handle_close(t->handle);
    return (int)sys_vm_unmap(HANDLE_INVALID, t->stack, UT_THREAD_STACK);
}

/* ---- processes and channels ---------------------------------------------- */

/* Wait (bounded) for a process to end; *info gets its status. */
static inline int ut_proc_wait(handle_t proc, process_info_t *info)
{
    uint32_t seen;
    int64_t err = sys_object_wait(proc, SIG_TERMINATED, ut_deadline(UT_LONG_WAIT), &seen);
    if (err == OK)
        err = sys_process_info(proc, info);
    return (int)err;
}

/* Receive one message of at most cap bytes (no handles) by the deadline;
 * returns its size or an error (ERR_PEER_CLOSED once nothing more can come). */
static inline int ut_recv(handle_t chan, void *buf, uint32_t cap, uint64_t deadline)
{
    for (;;) {
        chan_sizes_t sz = {cap, 0};
        int64_t err = sys_chan_read(chan, buf, NULL, &sz);
        if (err == OK)
            return (int)sz.bytes;
        if (err != ERR_SHOULD_WAIT)
            return (int)err;
        uint32_t seen;
        err = sys_object_wait(chan, SIG_READABLE | SIG_PEER_CLOSED, deadline, &seen);
        if (err != OK)
            return (int)err;
    }
}

#define UT_ARMED 'A'

/* In a child: tell the parent the next operation is the one that must end us. */
static inline void ut_arm(handle_t chan)
{
    char a = UT_ARMED;
    sys_chan_write(chan, &a, 1, NULL, 0);
}

/*
 * Spawn child `name`, wait for it to end and read its status. *armed says
 * whether it sent UT_ARMED first. The child's handles are closed here.
 */
static inline int ut_run_child(const char *name, const handle_t *extra, uint32_t nextra, process_info_t *info,
                               bool *armed)
{
    handle_t p, c;
    int err = utest_spawn(name, &p, &c, extra, nextra);
    if (err != OK)
        return err;
    err = ut_proc_wait(p, info);
    char a = 0;
    *armed = err == OK && ut_recv(c, &a, 1, ut_deadline(UT_LONG_WAIT)) == 1 && a == UT_ARMED;
    sys_handle_close(c);
    sys_handle_close(p);
    return err;
}

#endif
