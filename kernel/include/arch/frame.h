/*
 * The general-register part of trap_frame_t (arch/trap.h), pushed and popped
 * by every way into the kernel (isr.S, syscall/entry.S): one definition of
 * the order, so the C struct and the assembly cannot drift apart.
 */
#ifndef ARCH_FRAME_H
#define ARCH_FRAME_H

#ifdef __ASSEMBLER__
.macro PUSH_GPRS
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
.endm

.macro POP_GPRS
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
.endm
#endif

#endif
