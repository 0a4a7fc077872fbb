/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Interrupt and exception entry stubs for all 256 vectors. Each stub makes
 * the stack look the same (a zero error code where the CPU pushes none, then
 * the vector number) and jumps to isr_common, which saves the general
 * registers into a trap_frame_t (kernel/include/arch/trap.h), swaps GS when
 * coming from user mode, and calls trap_dispatch(frame).
 */
#include "arch/trap_vectors.h"
#include "arch/frame.h"

    .section .text
    .code64

.macro ISR_STUB vec
    .balign 16
isr_stub_\vec:
    .if (\vec == 8) || (\vec == 10) || (\vec == 11) || (\vec == 12) || (\vec == 13) || (\vec == 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    .else
    pushq $0
    .endif
    pushq $\vec
    jmp isr_common
.endm

.macro ISR_ADDR vec
    .quad isr_stub_\vec
.endm

/* Expand a macro for 0..255 with plain decimal arguments (the assembler's
 * .rept cannot paste a counter into a label). */
#define X1(m, n) m n;
#define X10(m, t) X1(m, t##0) X1(m, t##1) X1(m, t##2) X1(m, t##3) X1(m, t##4) \
                  X1(m, t##5) X1(m, t##6) X1(m, t##7) X1(m, t##8) X1(m, t##9)
#define ALL_VECTORS(m) \
    X1(m, 0) X1(m, 1) X1(m, 2) X1(m, 3) X1(m, 4) X1(m, 5) X1(m, 6) X1(m, 7) X1(m, 8) X1(m, 9) \
    X10(m, 1) X10(m, 2) X10(m, 3) X10(m, 4) X10(m, 5) X10(m, 6) X10(m, 7) X10(m, 8) X10(m, 9) \
    X10(m, 10) X10(m, 11) X10(m, 12) X10(m, 13) X10(m, 14) X10(m, 15) X10(m, 16) X10(m, 17) \
    X10(m, 18) X10(m, 19) X10(m, 20) X10(m, 21) X10(m, 22) X10(m, 23) X10(m, 24) \
    X1(m, 250) X1(m, 251) X1(m, 252) X1(m, 253) X1(m, 254) X1(m, 255)

ALL_VECTORS(ISR_STUB)

isr_common:
    /* Frame so far: vector, error code, then the CPU's rip cs rflags rsp ss.
     * CS of the interrupted context is at 24(%rsp). */
    testb $3, 24(%rsp)
    jz 1f
    swapgs
1:
    /* An interrupt inside a user copy (between stac and clac) must not run
     * other kernel code with SMAP off: clear AC (iretq restores it). */
    cmpb $0, smap_enabled(%rip)
    je 3f
    clac
3:
    PUSH_GPRS
    cld
    /*
     * NMI, double fault and machine check can arrive in the few kernel
     * instructions around swapgs on syscall entry and exit, where CS says
     * kernel but GS is still the user's. For those vectors, coming from
     * kernel mode, ask the CPU: a kernel GS base is negative. RBX (saved in
     * the frame, callee-saved across the C call) remembers whether we
     * swapped here and must swap back.
     */
    xorl %ebx, %ebx
    movq 120(%rsp), %rax            /* vector */
    cmpq $2, %rax
    je 4f
    cmpq $8, %rax
    je 4f
    cmpq $18, %rax
    jne 5f
4:  testb $3, 144(%rsp)             /* from user: swapped above already */
    jnz 5f
    movl $0xc0000101, %ecx          /* GS_BASE */
    rdmsr
    testl %edx, %edx
    js 5f
    swapgs
    movl $1, %ebx
5:
    movq %rsp, %rdi
    call trap_dispatch
    testl %ebx, %ebx
    jz 6f
    swapgs
6:
    POP_GPRS
    testb $3, 24(%rsp)
    jz 2f
    swapgs
2:
    addq $16, %rsp
    iretq

    .section .rodata
    .balign 8
    .globl isr_stub_table
isr_stub_table:
ALL_VECTORS(ISR_ADDR)
