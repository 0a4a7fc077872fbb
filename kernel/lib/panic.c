/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Kernel panic. Interrupts off, the log switched to its lock-free emergency
 * path, message and backtrace printed, then QEMU's isa-debug-exit is told
 * (only when the kernel was booted with `test`, so an interactive user still
 * sees the halted machine), and the CPU halts.
 */
#include <stdarg.h>

#include "lib/panic.h"
#include "arch/cpu.h"
#include "arch/percpu.h"
#include "arch/platform.h"
#include "lib/backtrace.h"
#include "lib/kprintf.h"
#include "lib/log.h"

void panic_halt(void)
{
    platform_test_exit(TEST_EXIT_PANIC);
    cpu_halt_forever();
}

void panic(const char *fmt, ...)
{
    char msg[LOG_LINE_MAX];
    cpu_cli();
    log_enter_panic();
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_emergency("\nKERNEL PANIC: %s\n", msg);
    /* After an exception report the trace was already printed. */
    if (!percpu_ready() || this_cpu()->trap_depth == 0) {
        uint64_t sp;
        __asm__ volatile("movq %%rsp, %0" : "=r"(sp));
        backtrace_print(0, (uint64_t)__builtin_frame_address(0), sp);
    }
    log_emergency("System halted.\n");
    panic_halt();
}
