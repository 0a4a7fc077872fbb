/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Exception and interrupt dispatch. An exception in kernel mode is a kernel
 * bug: it is reported in full on the serial line (vector, name, error code
 * decoded, registers, CR2, a symbolized backtrace, and a note when a stack
 * guard page was hit) and the kernel panics. User-mode exceptions will end
 * the faulting process once processes exist (next issue). Device interrupts
 * arrive through the LAPIC later; for now any other vector is logged.
 */
#include "arch/cpu.h"
#include "arch/intr.h"
#include "arch/percpu.h"
#include "arch/trap.h"
#include "lib/backtrace.h"
#include "lib/kassert.h"
#include "lib/kprintf.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "mm/kstack.h"
#include "obj/ioport.h"
#include "obj/process.h"
#include "obj/thread.h"
#include "sched/sched.h"
#include "syscall/usercopy.h"

static const char *const exception_names[32] = {
    [VEC_DIVIDE] = "#DE divide error",
    [VEC_DEBUG] = "#DB debug",
    [VEC_NMI] = "NMI",
    [VEC_BREAKPOINT] = "#BP breakpoint",
    [VEC_OVERFLOW] = "#OF overflow",
    [VEC_BOUND] = "#BR bound range exceeded",
    [VEC_INVALID_OPCODE] = "#UD invalid opcode",
    [VEC_NO_FPU] = "#NM device not available",
    [VEC_DOUBLE_FAULT] = "#DF double fault",
    [9] = "coprocessor segment overrun",
    [VEC_INVALID_TSS] = "#TS invalid TSS",
    [VEC_NO_SEGMENT] = "#NP segment not present",
    [VEC_STACK_FAULT] = "#SS stack-segment fault",
    [VEC_GP] = "#GP general protection",
    [VEC_PAGE_FAULT] = "#PF page fault",
    [VEC_X87] = "#MF x87 floating-point",
    [VEC_ALIGNMENT] = "#AC alignment check",
    [VEC_MACHINE_CHECK] = "#MC machine check",
    [VEC_SIMD] = "#XM SIMD floating-point",
    [VEC_VIRT] = "#VE virtualization",
    [VEC_CONTROL_PROTECTION] = "#CP control protection",
};

static const char *exception_name(uint64_t vec)
{
    if (vec < 32 && exception_names[vec])
        return exception_names[vec];
    return "reserved exception";
}

static void describe_page_fault(uint64_t err, char *buf, size_t len)
{
    ksnprintf(buf, len, "%s, %s, %s mode%s%s", (err & 1) ? "protection violation" : "not present",
              (err & 16) ? "instruction fetch" : (err & 2) ? "write" : "read",
              (err & 4) ? "user" : "kernel", (err & 8) ? ", reserved bit set" : "",
              (err & 32) ? ", protection key" : "");
}

static void report(const trap_frame_t *f, uint64_t cr2)
{
    char detail[128] = "";
    if (f->vector == VEC_PAGE_FAULT)
        describe_page_fault(f->error_code, detail, sizeof detail);

    log_emergency("\n*** EXCEPTION: %s (vector %lu) in %s mode, error code 0x%lx%s%s%s\n",
                  exception_name(f->vector), (unsigned long)f->vector,
                  (f->cs & 3) ? "user" : "kernel", (unsigned long)f->error_code,
                  detail[0] ? " [" : "", detail, detail[0] ? "]" : "");
    char sym[96];
    ksym_format(f->rip, sym, sizeof sym);
    log_emergency("    rip %p %s  cs 0x%lx  rflags 0x%lx\n", (void *)f->rip, sym,
                  (unsigned long)f->cs, (unsigned long)f->rflags);
    log_emergency("    rsp %p  ss 0x%lx  cr2 %p  cr3 %p\n", (void *)f->rsp, (unsigned long)f->ss,
                  (void *)cr2, (void *)read_cr3());
    log_emergency("    rax %p rbx %p rcx %p rdx %p\n", (void *)f->rax, (void *)f->rbx,
                  (void *)f->rcx, (void *)f->rdx);
    log_emergency("    rsi %p rdi %p rbp %p r8  %p\n", (void *)f->rsi, (void *)f->rdi,
                  (void *)f->rbp, (void *)f->r8);
    log_emergency("    r9  %p r10 %p r11 %p r12 %p\n", (void *)f->r9, (void *)f->r10,
                  (void *)f->r11, (void *)f->r12);
    log_emergency("    r13 %p r14 %p r15 %p\n", (void *)f->r13, (void *)f->r14, (void *)f->r15);
    if ((f->vector == VEC_PAGE_FAULT || f->vector == VEC_DOUBLE_FAULT) && kstack_is_guard(cr2))
        log_emergency("    cr2 is in the guard page of a kernel stack: kernel stack overflow\n");
    backtrace_print(f->rip, f->rbp, f->rsp);
}

/*
 * An exception in user mode ends the process: one report line (process,
 * thread, what, where) and the kernel goes on.
 */
static void user_exception(trap_frame_t *f)
{
    thread_t *t = sched_current();
    process_t *p = t->proc;
    char detail[128] = "";
    uint64_t cr2 = read_cr2();
    if (f->vector == VEC_PAGE_FAULT)
        describe_page_fault(f->error_code, detail, sizeof detail);
    klog(LOG_ERROR, "fault: process '%s' (id %lu) thread %lu: %s at rip %p, address %p%s%s%s; process killed",
         p ? p->name : "?", p ? (unsigned long)p->obj.id : 0ul, (unsigned long)t->obj.id,
         exception_name(f->vector), (void *)f->rip, (void *)(f->vector == VEC_PAGE_FAULT ? cr2 : 0),
         detail[0] ? " [" : "", detail, detail[0] ? "]" : "");
    if (p)
        process_terminate(p, -(int)f->vector - 1, PROCESS_FAULTED);
    thread_exit(-1);
}

static void kernel_exception(trap_frame_t *f)
{
    uint64_t cr2 = read_cr2();
    uint64_t fixup = f->vector == VEC_PAGE_FAULT || f->vector == VEC_GP ? usercopy_fixup(f->rip) : 0;
    if (fixup) {
        f->rip = fixup; /* a bad user pointer: the copy returns ERR_BAD_ADDRESS */
        return;
    }
    percpu_t *cpu = percpu_ready() ? this_cpu() : NULL;
    if (cpu && ++cpu->trap_depth > 1) {
        /* Faulted while reporting a fault: say so with the least machinery. */
        log_emergency("\n*** nested %s while handling an exception; rip %p cr2 %p\n",
                      exception_name(f->vector), (void *)f->rip, (void *)cr2);
        panic_halt();
    }
    log_enter_panic();
    report(f, cr2);
    panic("unhandled %s in kernel mode", exception_name(f->vector));
}

void trap_dispatch(trap_frame_t *f)
{
    if (f->vector == VEC_NMI) {
        /* Watchdogs and QEMU's monitor `nmi` send these: report and carry
         * on. An NMI can interrupt code holding the log lock, so this uses
         * the lock-free emergency path. */
        char sym[96];
        if (percpu_ready())
            this_cpu()->nmi_count++;
        ksym_format(f->rip, sym, sizeof sym);
        log_emergency("trap: NMI on cpu %u at rip %p %s\n", percpu_ready() ? this_cpu()->cpu_id : 0,
                      (void *)f->rip, sym);
        return;
    }
    bool from_user = (f->cs & 3) != 0;
    if (f->vector < VEC_FIRST_IRQ) {
        if (from_user)
            user_exception(f);
        else
            kernel_exception(f);
        return;
    }
    intr_dispatch(f);
    /* Back to user mode: a thread of a dying process stops here. */
    if (from_user) {
        thread_t *t = sched_current();
        if (t->proc && process_dying(t->proc))
            thread_exit(0);
        ioport_sync_cpu(t->proc);
    }
}
