/* SPDX-License-Identifier: BSD-2-Clause
 *
 * usercopy_raw(dst, src, n): the one place the kernel touches user memory.
 * A fault between usercopy_start and usercopy_end is redirected by the
 * exception handler to usercopy_fault, which returns ERR_BAD_ADDRESS.
 * With SMAP on, user pages are reachable only between STAC and CLAC.
 *
 * The copy moves 8 bytes per step and the last n % 8 one at a time: a
 * `rep` instruction counts one step per element in QEMU's instruction
 * count (and costs about that on small copies in hardware), so a 64-byte
 * message is 8 steps, not 64.
 */
    .section .text
    .globl usercopy_raw, usercopy_start, usercopy_end, usercopy_fault
usercopy_raw:
    cmpb $0, smap_enabled(%rip)
    je 1f
    stac
1:  movq %rdx, %rcx
    shrq $3, %rcx
    andl $7, %edx
usercopy_start:
    rep movsq
    movl %edx, %ecx
    rep movsb
usercopy_end:
    cmpb $0, smap_enabled(%rip)
    je 2f
    clac
2:  xorl %eax, %eax
    ret
usercopy_fault:
    cmpb $0, smap_enabled(%rip)
    je 3f
    clac
3:  movl $-17, %eax             /* ERR_BAD_ADDRESS */
    ret
