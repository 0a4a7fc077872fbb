/*
 * Interrupt vectors above the exceptions: a table from vector to handler.
 * Handlers run with interrupts disabled on the interrupted CPU's stack; the
 * dispatcher sends the LAPIC its EOI after the handler returns (handlers for
 * level-triggered lines mask their line first).
 */
#ifndef ARCH_INTR_H
#define ARCH_INTR_H

#include "arch/trap.h"

typedef void (*intr_handler_t)(trap_frame_t *f, void *ctx);

void intr_set_handler(unsigned vec, intr_handler_t fn, void *ctx);
/* A free device vector, or -1 (ERR_NO_RESOURCES) when none is left. */
int intr_alloc_vector(intr_handler_t fn, void *ctx);
void intr_free_vector(unsigned vec);
/* Called by trap_dispatch for vectors >= VEC_FIRST_IRQ. */
void intr_dispatch(trap_frame_t *f);

static inline void intr_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void intr_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline bool intr_enabled(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f & (1u << 9);
}

#endif
