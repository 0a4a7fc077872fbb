/* SPDX-License-Identifier: BSD-2-Clause
 *
 * multiboot2 header and the 32-bit entry point.
 *
 * GRUB2 enters boot_entry32 in 32-bit protected mode, paging off, with
 * EAX = multiboot2 magic and EBX = physical address of the boot information.
 * This code runs at its physical address (see kernel.ld) and:
 *   1. sets up COM1 so it can explain itself when it must stop;
 *   2. checks the magic, CPUID, long mode and PAE (message + halt if absent);
 *   3. builds the early page tables: the first 4 GiB identity mapped and at
 *      DIRECT_MAP_BASE, the first 1 GiB at KERNEL_VMA_BASE (2 MiB pages);
 *   4. enables PAE, long mode (and NX when present), paging, write protect;
 *   5. far-jumps to 64-bit code, which jumps to boot_entry64 in the higher half.
 * boot_entry64 (kernel/arch/x86_64/entry64.S) takes it from there.
 */
#include "mm/layout.h"

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define MB2_BOOTLOADER_MAGIC 0x36d76289

#define COM1 0x3f8

#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

#define EFER_MSR 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long MB2_HEADER_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    /* end tag */
    .balign 8
    .short 0
    .short 0
    .long 8
mb2_header_end:

    .section .boot.text, "ax"
    .code32
    .globl boot_entry32
boot_entry32:
    cli
    cld
    movl $boot_stack32_top, %esp
    movl %eax, %edi                 /* keep magic and info across the checks */
    movl %ebx, %esi

    rdtsc                           /* the "time since entry" origin */
    movl %eax, boot_tsc
    movl %edx, boot_tsc + 4

    call serial32_init

    cmpl $MB2_BOOTLOADER_MAGIC, %edi
    jne  .Lno_multiboot2

    /* CPUID exists when EFLAGS.ID can be toggled. */
    pushfl
    popl %eax
    movl %eax, %ecx
    xorl $(1 << 21), %eax
    pushl %eax
    popfl
    pushfl
    popl %eax
    pushl %ecx
    popfl
    cmpl %eax, %ecx
    je   .Lno_long_mode

    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb   .Lno_long_mode
    movl $0x80000001, %eax
    cpuid
    testl $(1 << 29), %edx          /* LM */
    jz   .Lno_long_mode
    xorl %ebp, %ebp
    testl $(1 << 20), %edx          /* NX: optional, used when present */
    jz   1f
    movl $EFER_NXE, %ebp
1:
    movl $1, %eax
    cpuid
    testl $(1 << 6), %edx           /* PAE */
    jz   .Lno_long_mode

    call build_early_page_tables

    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl %cr4, %eax
    orl  $(1 << 5), %eax            /* PAE */
    movl %eax, %cr4
    movl $EFER_MSR, %ecx
    rdmsr
    orl  $EFER_LME, %eax
    orl  %ebp, %eax
    wrmsr
    movl %cr0, %eax
    orl  $((1 << 31) | (1 << 16) | 1), %eax   /* PG, WP, PE */
    movl %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $long_mode_low

/* Zero the table area, then fill it. Tables are 4 KiB each, in .boot.bss:
 * pml4, pdpt_low, pd[4] (0-4 GiB), pdpt_high. */
build_early_page_tables:
    pushl %edi
    movl $boot_pml4, %edi
    movl $(7 * 1024), %ecx
    xorl %eax, %eax
    rep stosl

    movl $boot_pdpt_low, %eax
    orl  $(PTE_P | PTE_W), %eax
    movl %eax, boot_pml4                    /* [0]: identity */
    movl %eax, boot_pml4 + 256 * 8          /* [256]: direct map */
    movl $boot_pdpt_high, %eax
    orl  $(PTE_P | PTE_W), %eax
    movl %eax, boot_pml4 + 511 * 8          /* [511]: kernel image */

    /* pdpt_low[i] = pd[i] for the four GiB; pdpt_high[510] = pd[0]. */
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $12, %eax
    addl $boot_pd, %eax
    orl  $(PTE_P | PTE_W), %eax
    movl %eax, boot_pdpt_low(, %ecx, 8)
    incl %ecx
    cmpl $4, %ecx
    jb   1b
    movl $boot_pd, %eax
    orl  $(PTE_P | PTE_W), %eax
    movl %eax, boot_pdpt_high + 510 * 8

    /* 2048 2 MiB pages: physical 0 - 4 GiB. */
    xorl %ecx, %ecx
2:  movl %ecx, %eax
    shll $21, %eax
    orl  $(PTE_P | PTE_W | PTE_PS), %eax
    movl %eax, boot_pd(, %ecx, 8)
    movl %ecx, %eax
    shrl $11, %eax                          /* high dword: bits 32+ of the address */
    movl %eax, boot_pd + 4(, %ecx, 8)
    incl %ecx
    cmpl $2048, %ecx
    jb   2b
    popl %edi
    ret

/* 115200 8N1, FIFO on, interrupts off. */
serial32_init:
    movw $(COM1 + 1), %dx
    movb $0x00, %al
    outb %al, %dx
    movw $(COM1 + 3), %dx
    movb $0x80, %al
    outb %al, %dx
    movw $(COM1 + 0), %dx
    movb $0x01, %al
    outb %al, %dx
    movw $(COM1 + 1), %dx
    movb $0x00, %al
    outb %al, %dx
    movw $(COM1 + 3), %dx
    movb $0x03, %al
    outb %al, %dx
    movw $(COM1 + 2), %dx
    movb $0xc7, %al
    outb %al, %dx
    movw $(COM1 + 4), %dx
    movb $0x0b, %al
    outb %al, %dx
    ret

/* Print the NUL-terminated string at %esi. */
serial32_puts:
1:  lodsb
    testb %al, %al
    jz   3f
    movb %al, %bl
    movw $(COM1 + 5), %dx
2:  inb  %dx, %al
    testb $0x20, %al
    jz   2b
    movw $COM1, %dx
    movb %bl, %al
    outb %al, %dx
    jmp  1b
3:  ret

.Lno_multiboot2:
    movl $msg_no_mb2, %esi
    jmp  .Lstop
.Lno_long_mode:
    movl $msg_no_lm, %esi
.Lstop:
    call serial32_puts
1:  cli
    hlt
    jmp  1b

    .code64
long_mode_low:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movl %edi, %edi                 /* zero-extend magic and info */
    movl %esi, %esi
    movq boot_tsc, %rdx             /* third argument: TSC at entry */
    movabsq $boot_entry64, %rax
    jmp  *%rax

    .section .boot.data, "aw"
    .balign 8
    .globl boot_tsc
boot_tsc:
    .quad 0
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff        /* 0x10: data */
boot_gdt_ptr:
    .short boot_gdt_ptr - boot_gdt - 1
    .long boot_gdt
msg_no_mb2:
    .asciz "Cairn: not started by a multiboot2 boot loader (bad magic); stopping.\r\n"
msg_no_lm:
    .asciz "Cairn: this CPU does not support 64-bit long mode (x86_64); Cairn needs an x86_64 CPU. Stopping.\r\n"

    .section .boot.bss, "aw", @nobits
    .balign 4096
    .globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pd:        .skip 4 * 4096
boot_pdpt_high: .skip 4096
boot_stack32:   .skip 4096
boot_stack32_top:
