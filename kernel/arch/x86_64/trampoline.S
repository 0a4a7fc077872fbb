/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Application-processor start-up code. smp.c copies the bytes between
 * trampoline_start and trampoline_end to TRAMPOLINE_PHYS (below 1 MiB, where
 * a STARTUP IPI can point), fills in the parameter block at the end, and
 * starts each AP there in 16-bit real mode. The code is position-dependent
 * on TRAMPOLINE_PHYS only (every address is TRAMPOLINE_PHYS + offset), so it
 * can be assembled into the kernel image and copied.
 *
 * Real mode -> long mode in one step (PAE, CR3 = the kernel's page tables,
 * EFER.LME, then CR0.PE|PG together), a far jump into 64-bit code, and a jump
 * to the kernel's ap_entry(cpu) on the stack smp.c allocated.
 */
#include "arch/smp_trampoline.h"

#define T(sym) (TRAMPOLINE_PHYS + ((sym) - trampoline_start))

    .section .rodata
    .code16
    .globl trampoline_start, trampoline_end
trampoline_start:
    cli
    cld
    ljmp $0, $T(1f)             /* the SIPI starts us at CS=page, IP=0 */
1:  xorw %ax, %ax
    movw %ax, %ds
    movw %ax, %ss
    lgdtl T(tr_gdt_ptr)

    movl %cr4, %eax
    orl $(1 << 5), %eax         /* PAE */
    movl %eax, %cr4
    movl T(tr_cr3), %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx      /* EFER */
    rdmsr
    orl $(1 << 8), %eax         /* LME */
    orl T(tr_efer_or), %eax     /* NXE when the CPU has NX */
    wrmsr
    movl %cr0, %eax
    orl $0x80010001, %eax       /* PG, WP, PE */
    movl %eax, %cr0
    ljmpl $0x08, $T(tr_long)

    .code64
tr_long:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movq T(tr_stack), %rsp
    movq T(tr_cpu), %rdi
    movq T(tr_entry), %rax
    xorl %ebp, %ebp
    jmp *%rax

    .balign 8
    /* Accessed bits preset: the CPU would otherwise write them, and this
     * page is mapped read-only. */
tr_gdt:
    .quad 0
    .quad 0x00af9b000000ffff    /* 0x08: 64-bit code */
    .quad 0x00cf93000000ffff    /* 0x10: data */
tr_gdt_ptr:
    .short 23
    .long T(tr_gdt)

    .balign 8
    /* Parameter block: trampoline_params_t, the last bytes of the code. */
tr_params:
tr_cr3:     .quad 0
tr_stack:   .quad 0
tr_entry:   .quad 0
tr_cpu:     .quad 0
tr_efer_or: .quad 0
trampoline_end:
