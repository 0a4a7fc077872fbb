/*
 * System call handlers. Every handler has the same shape: sys_NAME(a0..a5)
 * returns int64_t, >= 0 success, < 0 an error. Each one first checks
 * everything (handles, rights, ranges, user memory) without side effects,
 * then performs work that cannot fail (STYLE.md item 2); where a partial
 * effect is unavoidable (copying results out), it is undone on failure.
 */
#ifndef SYSCALL_SYSCALL_H
#define SYSCALL_SYSCALL_H

#include "types.h"
#include "abi/handle.h"
#include "abi/syscalls.h"
#include "arch/trap.h"

#define SYSCALL_VECTOR 0x100

#define SYSCALL_DECLARE(num, name, nargs) \
    int64_t sys_##name(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);
CAIRN_SYSCALLS(SYSCALL_DECLARE)
#undef SYSCALL_DECLARE

void syscall_init_cpu(void);
void syscall_dispatch(trap_frame_t *f);

struct process;
struct process *current_process(void);

struct kobject;
/*
 * Give the caller a new handle to obj (consuming the reference passed in)
 * and store its value at user address out. With a parent handle the new
 * handle is its child in the derivation tree and cannot be more duplicable
 * or transferable than the parent. On failure nothing is left behind.
 */
int syscall_give_handle(struct kobject *obj, uint32_t rights, handle_t parent, uint64_t out);
/* The same, with the object's anchor between the parent and the new
 * handle (obj/handle.h): revoking the parent then reaches the object. */
struct handle_node;
int syscall_give_anchored_handle(struct kobject *obj, uint32_t rights, handle_t parent, struct handle_node *anchor,
                                 uint64_t out);


#endif
