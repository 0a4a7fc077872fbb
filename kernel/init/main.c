/* SPDX-License-Identifier: BSD-2-Clause
 *
 * kmain: the boot sequence of the kernel, in order.
 *
 *   boot/entry.S (32-bit) -> boot_entry64 -> kmain():
 *     serial + TSC (so every later line has a time), CPU features, per-CPU
 *     data (GDT/TSS/GS), IDT (exceptions reported from here on), the
 *     multiboot2 information, command line, frame allocator (< 4 GiB),
 *     heap, final page tables, memory above 4 GiB, CPU protections,
 *     interrupt stacks; then a switch to a guarded kernel stack and
 *   kmain_late():
 *     the scheduler on this CPU, the platform (ACPI MADT/HPET, LAPIC, timer,
 *     IOAPIC, the other CPUs), then the first thread (kmain_thread: self-tests
 *     when asked, the one-line summary) while this context becomes the boot
 *     CPU's idle thread.
 *
 * Each step logs one line. Anything wrong with the machine or the boot
 * information ends in a panic with a message that says what.
 */
#include "arch/cpu.h"
#include "arch/percpu.h"
#include "arch/platform.h"
#include "arch/serial.h"
#include "arch/trap.h"
#include "arch/tsc.h"
#include "init/cmdline.h"
#include "init/multiboot2.h"
#include "init/platform.h"
#include "lib/kstring.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "mm/kheap.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "mm/memtype.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "arch/fpu.h"
#include "arch/tlb.h"
#include "init/userinit.h"
#include "mm/aspace.h"
#include "obj/channel.h"
#include "obj/ioport.h"
#include "obj/irq.h"
#include "obj/port.h"
#include "obj/resource.h"
#include "obj/timer.h"
#include "obj/process.h"
#include "obj/thread.h"
#include "obj/vmo.h"
#include "syscall/syscall.h"
#include "sched/sched.h"
#include "test/ktest.h"

void kmain(uint32_t magic, paddr_t info_phys, uint64_t entry_tsc);
NORETURN void stack_switch_call(vaddr_t top, void (*fn)(void));

/* The parsed boot information, for the rest of the kernel (and self-tests). */
boot_info_t boot_info;

static void report_boot_problem(void *ctx, const char *msg)
{
    (void)ctx;
    klog(LOG_WARN, "%s", msg);
}

static void parse_boot_info(uint32_t magic, paddr_t info_phys)
{
    if (magic != MB2_BOOTLOADER_MAGIC)
        panic("boot: not started by a multiboot2 boot loader (magic 0x%x)", magic);
    /* The early tables map the first 4 GiB: the parser may read up to there. */
    if (info_phys == 0 || info_phys >= PMM_EARLY_LIMIT)
        panic("boot: boot information at %p is outside the early mapping", (void *)info_phys);
    int err = mb2_parse(phys_to_virt(info_phys), PMM_EARLY_LIMIT - info_phys, &boot_info,
                        report_boot_problem, NULL);
    if (err != OK)
        panic("boot: the multiboot2 boot information was rejected (see above); cannot continue");
}

static void apply_cmdline(void)
{
    cmdline_init(boot_info.cmdline);
    platform_set_test_mode(cmdline_has("test"));
    const char *lvl = cmdline_get("loglevel");
    if (lvl) {
        static const char *const names[] = {"debug", "info", "warn", "error"};
        size_t i = 0;
        while (i < ARRAY_SIZE(names) && strcmp(lvl, names[i]) != 0)
            i++;
        if (i < ARRAY_SIZE(names))
            log_set_console_level((enum log_level)i);
        else
            klog(LOG_WARN, "cmdline: unknown loglevel '%s' (debug, info, warn, error)", lvl);
    }
}

static void log_boot_info(void)
{
    klog(LOG_INFO, "boot: loader '%s', command line '%s'", boot_info.loader_name, cmdline_text());
    for (size_t i = 0; i < boot_info.mmap_count; i++) {
        const boot_mmap_entry_t *e = &boot_info.mmap[i];
        static const char *const types[] = {"?", "available", "reserved", "ACPI reclaimable", "ACPI NVS", "bad RAM"};
        klog(LOG_DEBUG, "boot: memory %016lx-%016lx %s", (unsigned long)e->base,
             (unsigned long)(e->base + e->len), e->type < ARRAY_SIZE(types) ? types[e->type] : "other");
    }
    for (size_t i = 0; i < boot_info.module_count; i++) {
        const boot_module_t *m = &boot_info.modules[i];
        klog(LOG_INFO, "boot: module %zu: %lx-%lx (%lu bytes) '%s'", i, (unsigned long)m->start,
             (unsigned long)m->end, (unsigned long)(m->end - m->start), m->cmdline);
    }
    if (boot_info.rsdp)
        klog(LOG_INFO, "boot: ACPI RSDP copy from tag %u (%zu bytes)", boot_info.rsdp_tag, boot_info.rsdp_len);
    else
        klog(LOG_WARN, "boot: no ACPI RSDP in the boot information");
}

static void print_summary(void)
{
    uint64_t us = tsc_us_since_entry();
    size_t free_mib = pmm_free_pages() >> 8;
    klog(LOG_INFO, "boot: Cairn up in %lu.%03lu ms: %lu MiB RAM, %zu MiB free, %zu module%s, CPU %s",
         (unsigned long)(us / 1000), (unsigned long)(us % 1000), (unsigned long)(pmm_ram_bytes() >> 20),
         free_mib, boot_info.module_count, boot_info.module_count == 1 ? "" : "s", cpu_features.model);
}

/* The first thread: what is left of the boot, in thread context (it may
 * block; the boot CPU's original context became its idle thread). */
static void kmain_thread(void *arg)
{
    (void)arg;
    int failed = 0;
    const char *tests = cmdline_get("ktest");
    if (tests)
        failed = ktest_run(tests);
    process_t *init = NULL;
    if (!tests || cmdline_has("init"))
        userinit_start(&boot_info, &init);
    print_summary();
    if (init && platform_test_mode()) {
        /* A test run with a user program: its exit decides the verdict. */
        uint32_t seen;
        obj_wait(&init->obj, SIG_TERMINATED, DEADLINE_INFINITE, &seen);
        process_info_t info;
        process_get_info(init, &info);
        klog(LOG_INFO, "init: '%s' ended: %s, status %d", info.name,
             info.exit_reason == PROCESS_EXITED ? "exited" : info.exit_reason == PROCESS_KILLED ? "killed" : "faulted",
             info.exit_code);
        failed += info.exit_reason != PROCESS_EXITED || info.exit_code != 0;
    }
    if (init)
        obj_unref(&init->obj);
    platform_test_exit(failed ? TEST_EXIT_FAIL : TEST_EXIT_PASS);
}

static NORETURN void kmain_late(void)
{
    fpu_init_cpu();
    fpu_init_template();
    syscall_init_cpu();
    aspace_init();
    tlb_init();
    sched_init_cpu();
    platform_init(&boot_info);
    thread_t *t = thread_create_kernel("kmain", kmain_thread, NULL, SCHED_PRIO_DEFAULT, THREAD_ANY_CPU);
    if (!t)
        panic("boot: no memory for the first thread");
    thread_start(t);
    obj_unref(&t->obj);
    sched_idle_loop();
}

void kmain(uint32_t magic, paddr_t info_phys, uint64_t entry_tsc)
{
    percpu_early_gs();
    serial_init();
    tsc_calibrate(entry_tsc);
    klog(LOG_INFO, "Cairn kernel starting");
    cpu_detect();
    percpu_init(0);
    idt_init();
    pic_disable();

    parse_boot_info(magic, info_phys);
    apply_cmdline();
    log_boot_info();

    pmm_init(&boot_info, info_phys);
    memtype_init(&boot_info);
    kheap_init();
    vm_init(&boot_info);
    pmm_add_high_memory();
    cpu_enable_protections();
    cpu_init_pat();
    percpu_init_ist();
    idt_use_ist();
    cpu_print_features();

    vaddr_t stack = kstack_alloc();
    if (!stack)
        panic("boot: no memory for the kernel stack");
    percpu_set_kernel_stack(stack);
    thread_init_types();
    process_init_type();
    vmo_init_type();
    channel_init_type();
    port_init_type();
    timer_init_type();
    resource_init_type();
    irq_init_type();
    ioport_init_type();
    stack_switch_call(stack, kmain_late);
}
