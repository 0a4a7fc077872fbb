/* Exception vector numbers (Intel SDM vol. 3, table 6-1), usable from C and
 * assembly. */
#ifndef ARCH_TRAP_VECTORS_H
#define ARCH_TRAP_VECTORS_H

#define VEC_DIVIDE 0
#define VEC_DEBUG 1
#define VEC_NMI 2
#define VEC_BREAKPOINT 3
#define VEC_OVERFLOW 4
#define VEC_BOUND 5
#define VEC_INVALID_OPCODE 6
#define VEC_NO_FPU 7
#define VEC_DOUBLE_FAULT 8
#define VEC_INVALID_TSS 10
#define VEC_NO_SEGMENT 11
#define VEC_STACK_FAULT 12
#define VEC_GP 13
#define VEC_PAGE_FAULT 14
#define VEC_X87 16
#define VEC_ALIGNMENT 17
#define VEC_MACHINE_CHECK 18
#define VEC_SIMD 19
#define VEC_VIRT 20
#define VEC_CONTROL_PROTECTION 21
#define VEC_FIRST_IRQ 32
/* The legacy 8259 PICs are remapped here and masked; spurious IRQ 7/15
 * arrive on VEC_PIC_BASE + 7 / + 15. */
#define VEC_PIC_BASE 0x20

/* Vectors the kernel hands out for device interrupts (IOAPIC lines, later
 * MSI), then its own: the local timer, inter-processor interrupts, the
 * LAPIC's spurious vector. A higher vector is a higher priority class. */
#define VEC_DEVICE_FIRST 0x30
#define VEC_DEVICE_LAST 0xdf
#define VEC_TIMER 0xf0
#define VEC_IPI_RESCHEDULE 0xf1
#define VEC_IPI_TLB 0xf2
#define VEC_IPI_HALT 0xf3
#define VEC_IPI_CALL 0xf4
#define VEC_LAPIC_ERROR 0xfe
#define VEC_SPURIOUS 0xff

#endif
