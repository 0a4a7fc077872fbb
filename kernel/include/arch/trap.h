/*
 * The saved state of an interrupted context, as isr_common lays it out:
 * general registers (pushed last, so lowest), the vector and error code,
 * then what the CPU pushed.
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include "types.h"
#include "arch/trap_vectors.h"

typedef struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
} trap_frame_t;

_Static_assert(sizeof(trap_frame_t) == 22 * 8, "trap frame layout must match isr.S");
/* syscall/entry.S stores these by offset. */
_Static_assert(__builtin_offsetof(trap_frame_t, r10) == 40 && __builtin_offsetof(trap_frame_t, r9) == 48 &&
                   __builtin_offsetof(trap_frame_t, r8) == 56 && __builtin_offsetof(trap_frame_t, rbp) == 64 && __builtin_offsetof(trap_frame_t, rdi) == 72 &&
                   __builtin_offsetof(trap_frame_t, rsi) == 80 && __builtin_offsetof(trap_frame_t, rdx) == 88 &&
                   __builtin_offsetof(trap_frame_t, rax) == 112 && __builtin_offsetof(trap_frame_t, vector) == 120,
               "syscall/entry.S frame offsets");

void idt_init(void);
void idt_load(void);
void idt_use_ist(void);
void trap_dispatch(trap_frame_t *f);
void pic_disable(void);

#endif
