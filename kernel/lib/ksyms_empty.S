/* SPDX-License-Identifier: BSD-2-Clause
 * The empty symbol table of the first kernel link (see kernel/CMakeLists.txt). */
    .section .ksyms, "a"
    .balign 8
    .globl ksyms_count, ksyms_addrs, ksyms_name_offs, ksyms_names
ksyms_count:
    .quad 0
ksyms_addrs:
ksyms_name_offs:
ksyms_names:
    .byte 0
