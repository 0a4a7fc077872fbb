/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The SYSCALL entry and the ways into user mode.
 *
 * syscall_entry: the CPU arrives with RCX = user RIP, R11 = user RFLAGS,
 * interrupts off (SFMASK), still on the user stack and user GS. We swap to
 * the kernel GS, park the user RSP in the per-CPU scratch slot, switch to
 * this thread's kernel stack and build a trap_frame_t exactly like an
 * interrupt would (vector SYSCALL_VECTOR), so one frame layout serves
 * syscalls, exceptions and interrupts. syscall_dispatch(frame) runs with
 * interrupts on. The return uses SYSRET when the return address is
 * canonical (user code cannot make it otherwise: the last user page stays
 * unmapped) and IRETQ otherwise.
 *
 * user_enter(entry, stack, arg): first entry of a new user thread.
 */
#include "arch/percpu.h"
#include "arch/frame.h"

#define SYSCALL_VECTOR 0x100
#define USER_CS (SEL_UCODE | 3)
#define USER_SS (SEL_UDATA | 3)

    .section .text
    .globl syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:PERCPU_USER_RSP
    movq %gs:PERCPU_KSTACK_TOP, %rsp
    pushq $USER_SS
    pushq %gs:PERCPU_USER_RSP
    pushq %r11                      /* rflags */
    pushq $USER_CS
    pushq %rcx                      /* rip */
    pushq $0                        /* error code */
    pushq $SYSCALL_VECTOR
    PUSH_GPRS
    xorl %ebp, %ebp                 /* backtraces end at the user boundary */
    movq %rsp, %rdi
    sti
    call syscall_dispatch
    cli
    /* Back to user: restore what the frame says (the kernel may have
     * changed rax, or rip for a new thread). */
    POP_GPRS
    addq $16, %rsp                  /* vector, error code */
    /* rip must be canonical for SYSRET (else it faults in ring 0 on Intel). */
    movq (%rsp), %rcx
    movq %rcx, %r11
    sarq $47, %r11
    cmpq $0, %r11
    jne .Liret
    movq 16(%rsp), %r11             /* rflags */
    movq 24(%rsp), %rsp             /* user rsp */
    swapgs
    sysretq
.Liret:
    swapgs
    iretq

    .globl user_enter
user_enter:
    cli
    pushq $USER_SS
    pushq %rsi                      /* stack */
    pushq $0x202                    /* IF, reserved bit 1 */
    pushq $USER_CS
    pushq %rdi                      /* entry */
    movq %rdx, %rdi                 /* first argument */
    xorl %eax, %eax
    xorl %ebx, %ebx
    xorl %ecx, %ecx
    xorl %edx, %edx
    xorl %esi, %esi
    xorl %ebp, %ebp
    xorl %r8d, %r8d
    xorl %r9d, %r9d
    xorl %r10d, %r10d
    xorl %r11d, %r11d
    xorl %r12d, %r12d
    xorl %r13d, %r13d
    xorl %r14d, %r14d
    xorl %r15d, %r15d
    swapgs
    iretq
