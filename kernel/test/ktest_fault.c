/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Deliberately failing self-tests (KTEST_MANUAL: only when named). They
 * prove that exception reports, guard pages, panics and the host runner's
 * failure detection work: each must end the boot with a report the runner
 * recognises. None of them returns.
 */
#include "lib/panic.h"
#include "test/ktest.h"

extern const char _rodata_start[];

/* A kernel-mode read of an unmapped address: #PF, not present, read. */
__attribute__((noinline)) static int fault_pf_inner(void)
{
    volatile uint64_t *p = (volatile uint64_t *)0xdead0000ull;
    return (int)*p;
}

KTEST_MANUAL(fault_page)
{
    return fault_pf_inner();
}

/* A write to rodata: #PF, protection violation, write (CR0.WP enforced). */
KTEST_MANUAL(fault_rodata_write)
{
    *(volatile char *)_rodata_start = 1;
    return ERR_INTERNAL;
}

KTEST_MANUAL(fault_invalid_opcode)
{
    __asm__ volatile("ud2");
    return ERR_INTERNAL;
}

/* Unbounded recursion runs into the guard page below the kernel stack;
 * the #PF cannot be pushed there, so the CPU raises #DF on its own stack. */
static volatile bool stop_recursion; /* never set: hides the recursion from the compiler */

__attribute__((noinline)) static int recurse(volatile int depth)
{
    volatile char pad[256];
    if (stop_recursion)
        return 0;
    pad[0] = (char)depth;
    return recurse(depth + 1) + pad[0];
}

KTEST_MANUAL(fault_stack_overflow)
{
    return recurse(0);
}

KTEST_MANUAL(panic)
{
    panic("ktest: deliberate panic");
}

/* Never finishes and never reports: the runner must call it a timeout. */
KTEST_MANUAL(hang)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}
