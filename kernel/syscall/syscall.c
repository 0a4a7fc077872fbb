/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The system call table and the dispatcher. The table is built from the
 * X-macro list in abi/syscalls.h, so a number without a handler is a link
 * error, not a hole. After a call, a thread whose process is dying exits
 * here, before returning to user mode.
 */
#include "syscall/syscall.h"
#include "arch/cpu.h"
#include "arch/intr.h"
#include "arch/percpu.h"
#include "obj/ioport.h"
#include "obj/process.h"
#include "obj/thread.h"
#include "sched/sched.h"
#include "syscall/usercopy.h"

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define EFER_SCE 1u

typedef int64_t (*syscall_fn_t)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

static const syscall_fn_t table[SYS_COUNT] = {
#define SYSCALL_ENTRY(num, name, nargs) [num] = sys_##name,
    CAIRN_SYSCALLS(SYSCALL_ENTRY)
#undef SYSCALL_ENTRY
};


void syscall_entry(void);

void syscall_init_cpu(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    /* SYSCALL loads CS = STAR[47:32], SS = +8; SYSRET CS = STAR[63:48] + 16,
     * SS = STAR[63:48] + 8 (percpu.h orders the GDT for this). */
    wrmsr(MSR_STAR, ((uint64_t)SEL_UCODE32 << 48) | ((uint64_t)SEL_KCODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    /* Interrupts, direction, trap and alignment-check flags off on entry. */
    wrmsr(MSR_SFMASK, (1u << 9) | (1u << 10) | (1u << 8) | (1u << 18));
}

struct process *current_process(void)
{
    return sched_current()->proc;
}

/* Every system call from user mode comes here (entry.S): only user threads
 * make them, so the thread has a process. After the call: a dying process's
 * thread ends here; a pending reschedule happens; the I/O bitmap follows
 * the process's ports. */
void syscall_dispatch(trap_frame_t *f)
{
    uint64_t n = f->rax;
    int64_t ret = ERR_NOT_SUPPORTED;
    if (n < SYS_COUNT)
        ret = table[n](f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9);
    f->rax = (uint64_t)ret;
    percpu_t *cpu = this_cpu();
    process_t *p = cpu->current->proc;
    if (process_dying(p))
        thread_exit(0);
    intr_disable();
    if (cpu->need_resched) {
        sched_preempt_point();
        cpu = this_cpu(); /* we may have moved */
        /* Killed while we were preempted: do not return to user mode. */
        if (process_dying(p))
            thread_exit(0);
    }
    ioport_sync_cpu_if_stale(p);
}


static int give_handle(kobject_t *obj, uint32_t rights, handle_t parent, handle_node_t *anchor, uint64_t out)
{
    process_t *p = current_process();
    handle_t h;
    int err;
    if (parent != HANDLE_INVALID) {
        uint32_t prights = 0;
        handle_get_rights(p, parent, &prights);
        rights &= ~((RIGHT_DUPLICATE | RIGHT_TRANSFER) & ~prights);
        err = anchor ? handle_create_anchored(p, parent, anchor, obj, rights, &h)
                     : handle_create_child(p, parent, obj, rights, &h);
    } else {
        err = handle_create(p, obj, rights, &h);
    }
    obj_unref(obj);
    if (err != OK)
        return err;
    err = copy_to_user(uptr(out), &h, sizeof h);
    if (err != OK)
        handle_close(p, h);
    return err;
}

int syscall_give_handle(kobject_t *obj, uint32_t rights, handle_t parent, uint64_t out)
{
    return give_handle(obj, rights, parent, NULL, out);
}

int syscall_give_anchored_handle(kobject_t *obj, uint32_t rights, handle_t parent, handle_node_t *anchor,
                                 uint64_t out)
{
    return give_handle(obj, rights, parent, anchor, out);
}
