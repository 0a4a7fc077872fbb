/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Helpers shared by the handle and channel tests (t_handle.c, t_channel.c):
 * the rights of a new vmo and channel, whether a handle is alive and which
 * object it names, a step protocol between a test and its child process
 * over the bootstrap channel, and a page with nothing after it for bad
 * pointers that straddle into unmapped memory.
 *
 * The page is at EDGE_VA, which the including file defines before it
 * includes this (each file its own, so a test that fails with the page
 * still mapped breaks no other file's tests).
 */
#ifndef TESTS_USER_UHANDLE_H
#define TESTS_USER_UHANDLE_H

#include <stdbool.h>

#include "uhelp.h"
#include "utest.h"

/* The rights of a new vmo and of a new channel endpoint. */
#define VMO_RIGHTS \
    (RIGHT_READ | RIGHT_WRITE | RIGHT_MAP | RIGHT_EXECUTE | RIGHT_DUPLICATE | RIGHT_TRANSFER | RIGHT_WAIT)
#define CHAN_RIGHTS (RIGHT_READ | RIGHT_WRITE | RIGHT_DUPLICATE | RIGHT_TRANSFER | RIGHT_WAIT | RIGHT_SIGNAL)

/* Bound on waits for another process (uhelp.h's): a kernel bug then fails
 * one test instead of hanging the suite. */
#define LONG_WAIT UT_LONG_WAIT

static inline bool alive(handle_t h)
{
    handle_info_t i;
    return sys_handle_info(h, &i) == OK;
}

/* The object a handle names, 0 when the handle is bad. */
static inline uint64_t object_of(handle_t h)
{
    handle_info_t i;
    return sys_handle_info(h, &i) == OK ? i.object_id : 0;
}

/* ---- the edge page ---------------------------------------------------- */

#ifdef EDGE_VA
/* Map one page at EDGE_VA with nothing after it: EDGE_VA + 4094 is a
 * pointer whose first bytes are fine and whose rest faults. */
static inline int edge_map(void)
{
    handle_t v;
    uint64_t va = EDGE_VA;
    int64_t err = sys_vmo_create(4096, 0, &v);
    if (err == OK) {
        err = sys_vm_map(HANDLE_INVALID, v, 0, 4096, MAP_READ | MAP_WRITE | MAP_FIXED, &va);
        sys_handle_close(v);
    }
    return (int)err;
}

static inline void edge_unmap(void) { sys_vm_unmap(HANDLE_INVALID, EDGE_VA, 4096); }
#endif

/* ---- child processes: a step protocol over the bootstrap channel ------ */

/* Child: tell the parent a step is done and wait for its go-ahead (one
 * byte each way), so the parent can look at the child (process_info)
 * between steps. */
static inline int child_step(handle_t chan)
{
    uint8_t b = 's';
    uint32_t seen;
    chan_sizes_t sz = {1, 0};
    int64_t err = sys_chan_write(chan, &b, 1, NULL, 0);
    if (err == OK)
        err = sys_object_wait(chan, SIG_READABLE | SIG_PEER_CLOSED, ut_now() + LONG_WAIT, &seen);
    if (err == OK)
        err = sys_chan_read(chan, &b, NULL, &sz);
    return (int)err;
}

/* Parent: wait until the child reports a step. */
static inline int parent_await(handle_t c)
{
    uint8_t b;
    uint32_t seen;
    chan_sizes_t sz = {1, 0};
    int64_t err = sys_object_wait(c, SIG_READABLE | SIG_PEER_CLOSED, ut_now() + LONG_WAIT, &seen);
    if (err == OK)
        err = sys_chan_read(c, &b, NULL, &sz);
    return (int)err;
}

/* Parent: let the child go on past its step. */
static inline int parent_go(handle_t c)
{
    uint8_t b = 'g';
    return (int)sys_chan_write(c, &b, 1, NULL, 0);
}

/* Close the test's end, wait for the child and close it; its exit code,
 * or -1000 - reason when it did not exit by itself. */
static inline int child_result(handle_t p, handle_t c)
{
    process_info_t info;
    uint32_t seen;
    sys_handle_close(c);
    int64_t err = sys_object_wait(p, SIG_TERMINATED, ut_now() + LONG_WAIT, &seen);
    if (err != OK)
        sys_process_kill(p);
    else
        err = sys_process_info(p, &info);
    sys_handle_close(p);
    if (err != OK)
        return (int)err;
    return info.exit_reason == PROCESS_EXITED ? info.exit_code : -1000 - (int)info.exit_reason;
}

#endif
