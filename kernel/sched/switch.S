/* SPDX-License-Identifier: BSD-2-Clause
 *
 * thread_t *context_switch(uint64_t *save_rsp, uint64_t new_rsp, thread_t *prev)
 *
 * Saves the callee-saved registers on the current kernel stack, stores the
 * stack pointer in *save_rsp, loads new_rsp and pops the next thread's
 * registers. Returns, in the next thread, `prev` (carried in RAX across the
 * switch), so the thread that starts running knows whom it replaced. Everything else (caller-saved registers, rflags, the user
 * context) is already on the stacks by the C calling convention and the
 * interrupt entry. A new thread's stack is prepared by thread.c so this
 * "returns" into thread_first_run.
 */
    .section .text
    .globl context_switch
context_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rdx, %rax
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret

/* First instructions of a new thread: rbx = entry, r12 = argument (placed
 * in the initial frame by thread.c), rax = the thread switched away from. */
    .globl thread_first_run
thread_first_run:
    movq %rbx, %rdi
    movq %r12, %rsi
    movq %rax, %rdx
    xorl %ebp, %ebp
    call thread_boot
1:  cli
    hlt
    jmp 1b
