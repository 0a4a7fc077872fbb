/*
 * FPU/SSE/AVX state of user threads. Saved and restored eagerly at every
 * switch between user threads (XSAVE when the CPU has it, else FXSAVE);
 * the kernel itself never touches these registers (-mgeneral-regs-only).
 */
#ifndef ARCH_FPU_H
#define ARCH_FPU_H

#include "types.h"

void fpu_init_cpu(void);      /* per CPU: CR0/CR4/XCR0 */
void fpu_init_template(void); /* once: the clean state new threads start from */
size_t fpu_area_size(void);
void *fpu_alloc_state(void);  /* a clean state, or NULL */
void fpu_free_state(void *area);
void fpu_save(void *area);
void fpu_restore(const void *area);

#endif
