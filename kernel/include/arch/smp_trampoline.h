/* Where the AP start-up code lives, and its parameter block (filled in by
 * smp.c, read by trampoline.S). */
#ifndef ARCH_SMP_TRAMPOLINE_H
#define ARCH_SMP_TRAMPOLINE_H

/* Below 1 MiB (a STARTUP IPI names a 4 KiB page there) and in the low
 * memory the frame allocator never hands out. */
#define TRAMPOLINE_PHYS 0x8000

#ifndef __ASSEMBLER__
#include "types.h"

typedef struct trampoline_params {
    uint64_t cr3;
    uint64_t stack;
    uint64_t entry;
    uint64_t cpu;
    uint64_t efer_or;
} trampoline_params_t;
#endif

#endif
