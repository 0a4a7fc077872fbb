/* SPDX-License-Identifier: BSD-2-Clause
 *
 * First 64-bit code in the higher half. boot/entry.S jumps here with
 * EDI = multiboot2 magic, ESI = physical address of the boot information and
 * RDX = the TSC read at the very first instruction, running on the early page tables. Switch to the boot stack (in .bss, so it
 * is reachable at its higher-half address), clear the frame pointer so
 * backtraces stop here, zero .bss and call kmain(). kmain() later moves to a
 * guarded stack.
 */
    .section .text.entry, "ax"
    .code64
    .globl boot_entry64
boot_entry64:
    movq %rdi, %r12
    movq %rsi, %r13
    movq %rdx, %r14

    /* The boot loader zeroes bss, but do not rely on it. */
    leaq _bss_start(%rip), %rdi
    leaq _bss_end(%rip), %rcx
    subq %rdi, %rcx
    xorl %eax, %eax
    rep stosb

    leaq boot_stack_top(%rip), %rsp
    xorl %ebp, %ebp
    movq %r12, %rdi
    movq %r13, %rsi
    movq %r14, %rdx
    call kmain
1:  cli
    hlt
    jmp 1b

    .section .bss
    .balign 16
    .globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
    .skip 16384
boot_stack_top:

/* void stack_switch_call(vaddr_t top, void (*fn)(void)): continue on a new
 * stack; fn must not return. rbp = 0 ends backtraces at fn. */
    .section .text
    .globl stack_switch_call
stack_switch_call:
    movq %rdi, %rsp
    xorl %ebp, %ebp
    call *%rsi
1:  cli
    hlt
    jmp 1b
