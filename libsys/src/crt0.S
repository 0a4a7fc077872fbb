/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Program entry: the kernel (or the parent, through process_start) starts
 * the first thread here with RDI = the bootstrap channel handle and RSP at
 * the top of the stack. Align the stack as the ABI wants at a call, then
 * libsys_start(handle) runs main and never returns.
 */
    .section .text
    .globl _start
_start:
    xorl %ebp, %ebp
    andq $-16, %rsp
    call libsys_start
    ud2
