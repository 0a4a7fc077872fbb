/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The SYSCALL entry and the ways into user mode.
 *
 * syscall_entry: the CPU arrives with RCX = user RIP, R11 = user RFLAGS,
 * interrupts off (SFMASK), still on the user stack and user GS. We swap to
 * the kernel GS, park the user RSP in the per-CPU scratch slot, switch to
 * this thread's kernel stack and build a trap_frame_t in the layout an
 * interrupt gives (vector SYSCALL_VECTOR), so one frame type serves
 * syscalls, exceptions and interrupts. syscall_dispatch(frame) runs with
 * interrupts on. The return uses SYSRET when the return address is
 * canonical (user code cannot make it otherwise: the last user page stays
 * unmapped) and IRETQ otherwise.
 *
 * Only the registers a system call reads or must give back are stored:
 * rax (number, result), the six argument registers, which the user's
 * stubs expect unchanged, and rbp, zeroed here so kernel backtraces end.
 * rbx and r12-r15 are callee-saved in the C code below, so they reach user
 * mode again untouched, and rcx and r11 are
 * the return address and flags SYSRET reloads; their frame slots are left
 * as they are (nothing reads a system call frame's slots but these). Eight
 * stores instead of fifteen pushes, and the same on the way out: the
 * fixed cost of every call.
 *
 * user_enter(entry, stack, arg): first entry of a new user thread.
 */
#include "arch/percpu.h"
#include "arch/frame.h"

#define SYSCALL_VECTOR 0x100

/* trap_frame_t offsets (arch/trap.h checks them). */
#define FRAME_GPRS 120
#define FRAME_R10 40
#define FRAME_R9 48
#define FRAME_R8 56
#define FRAME_RBP 64
#define FRAME_RDI 72
#define FRAME_RSI 80
#define FRAME_RDX 88
#define FRAME_RAX 112
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
    subq $FRAME_GPRS, %rsp
    movq %rax, FRAME_RAX(%rsp)
    movq %rdx, FRAME_RDX(%rsp)
    movq %rsi, FRAME_RSI(%rsp)
    movq %rdi, FRAME_RDI(%rsp)
    movq %r8, FRAME_R8(%rsp)
    movq %r9, FRAME_R9(%rsp)
    movq %r10, FRAME_R10(%rsp)
    movq %rbp, FRAME_RBP(%rsp)
    xorl %ebp, %ebp                 /* backtraces end at the user boundary */
    movq %rsp, %rdi
    sti
    call syscall_dispatch
    cli
    /* Back to user: the result in rax, the argument registers as they
     * were; rbx, rbp and r12-r15 are the user's still (callee-saved). */
    movq FRAME_RAX(%rsp), %rax
    movq FRAME_RDX(%rsp), %rdx
    movq FRAME_RSI(%rsp), %rsi
    movq FRAME_RDI(%rsp), %rdi
    movq FRAME_R8(%rsp), %r8
    movq FRAME_R9(%rsp), %r9
    movq FRAME_R10(%rsp), %r10
    movq FRAME_RBP(%rsp), %rbp
    addq $FRAME_GPRS + 16, %rsp     /* the registers, vector, error code */
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
