/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Handle system calls: close, dup (rights only shrink), info, revoke
 * (every descendant, in every process and in flight).
 */
#include "obj/process.h"
#include "syscall/syscall.h"
#include "syscall/usercopy.h"

int64_t sys_handle_close(uint64_t h, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    return handle_close(current_process(), (handle_t)h);
}

/* handle_dup(h, rights, out*) */
int64_t sys_handle_dup(uint64_t h, uint64_t rights, uint64_t out, uint64_t a3, uint64_t a4, uint64_t a5)
{
    if (rights & ~(uint64_t)RIGHTS_ALL)
        return ERR_INVALID_ARGS;
    process_t *p = current_process();
    handle_t nh;
    int err = handle_dup(p, (handle_t)h, (uint32_t)rights, &nh);
    if (err != OK)
        return err;
    err = copy_to_user(uptr(out), &nh, sizeof nh);
    if (err != OK)
        handle_close(p, nh);
    return err;
}

int64_t sys_handle_info(uint64_t h, uint64_t out, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    handle_info_t info;
    int err = handle_info(current_process(), (handle_t)h, &info);
    if (err != OK)
        return err;
    return copy_to_user(uptr(out), &info, sizeof info);
}

int64_t sys_handle_revoke(uint64_t h, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    return handle_revoke(current_process(), (handle_t)h);
}
