/* SPDX-License-Identifier: BSD-2-Clause
 *
 * System calls without an object of their own: null, debug output, the
 * clock, yielding and sleeping, object_wait and system_info.
 */
#include "abi/sysinfo.h"
#include "arch/smp.h"
#include "lib/kprintf.h"
#include "lib/kstring.h"
#include "lib/log.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "obj/process.h"
#include "sched/sched.h"
#include "syscall/syscall.h"
#include "syscall/usercopy.h"

#define DEBUG_WRITE_MAX 1024

int64_t sys_null(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    return OK;
}

/* Write text to the kernel log, prefixed with the process name (the
 * console server takes this over in the next issue). */
int64_t sys_debug_write(uint64_t buf, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    char text[DEBUG_WRITE_MAX + 1];
    if (len > DEBUG_WRITE_MAX)
        return ERR_OUT_OF_RANGE;
    int err = copy_from_user(text, uptr(buf), len);
    if (err != OK)
        return err;
    text[len] = '\0';
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    klog(LOG_INFO, "[%s] %s", current_process()->name, text);
    return OK;
}

int64_t sys_clock_get(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    return (int64_t)clock_now_ns();
}

int64_t sys_thread_yield(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    sched_yield();
    return OK;
}

int64_t sys_thread_sleep(uint64_t deadline, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    thread_sleep_until(deadline);
    return process_dying(current_process()) ? ERR_CANCELED : OK;
}

/* object_wait(h, signals, deadline, observed*): until any of signals. */
int64_t sys_object_wait(uint64_t h, uint64_t signals, uint64_t deadline, uint64_t observed, uint64_t a4, uint64_t a5)
{
    kobject_t *obj;
    int err = handle_get(current_process(), (handle_t)h, OBJ_NONE, RIGHT_WAIT, &obj);
    if (err != OK)
        return err;
    if (signals == 0 || signals > UINT32_MAX) {
        obj_unref(obj);
        return ERR_INVALID_ARGS;
    }
    uint32_t seen = 0;
    err = obj_wait(obj, (uint32_t)signals, deadline, &seen);
    obj_unref(obj);
    if (observed) {
        int cerr = copy_to_user(uptr(observed), &seen, sizeof seen);
        if (cerr != OK)
            return cerr;
    }
    return err;
}

/*
 * system_info(out*): machine-wide counters. No capability is asked for:
 * they are totals that name no object, and a process can learn most of
 * them anyway (the clock; free memory by allocating until it fails).
 */
int64_t sys_system_info(uint64_t out, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    system_info_t si;
    heap_stats_t hs;
    memset(&si, 0, sizeof si);
    kheap_stats(&hs);
    si.mem_total = (uint64_t)pmm_total_pages() * PAGE_SIZE;
    si.mem_free = (uint64_t)pmm_free_pages() * PAGE_SIZE;
    si.kheap_bytes = (uint64_t)hs.pages * PAGE_SIZE;
    si.uptime_ns = clock_now_ns();
    si.cpus = smp_cpu_count();
    process_counts(&si.processes, &si.threads);
    return copy_to_user(uptr(out), &si, sizeof si);
}
