/* SPDX-License-Identifier: BSD-2-Clause
 *
 * AP start-up and cross-CPU calls.
 *
 * Start-up is sequential: one AP at a time runs the trampoline (they share
 * its parameter block), and the boot CPU waits until that AP says it is
 * online, or gives up on it after a second with a log line. The trampoline
 * page is identity-mapped in the kernel tables only while APs start: once
 * they are all in, the mapping is removed (never global, so no CPU keeps a
 * stale translation after its next CR3 load).
 *
 * Cross-CPU calls: one call slot per target CPU, guarded by call_lock (so
 * one call at a time system-wide; enough for tests and shootdowns at boot).
 */
#include "arch/smp.h"
#include "arch/cpu.h"
#include "arch/fpu.h"
#include "syscall/syscall.h"
#include "arch/intr.h"
#include "arch/lapic.h"
#include "arch/percpu.h"
#include "arch/smp_trampoline.h"
#include "arch/trap.h"
#include "arch/tsc.h"
#include "lib/kstring.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "lib/spinlock.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "mm/vm.h"
#include "sched/sched.h"

#define AP_START_TIMEOUT_US 1000000
#define CALL_TIMEOUT_US 1000000

extern const char trampoline_start[], trampoline_end[];

static volatile bool online[MAX_CPUS] = {true};
static uint32_t ncpus = 1;

static spinlock_t call_lock = SPINLOCK_INIT; /* one cross-CPU call at a time */
static void (*volatile call_fn)(void *);
static void *volatile call_arg;
static volatile bool call_done;

static vaddr_t ap_stack_top[MAX_CPUS];

NORETURN void ap_entry(uint64_t cpu);

static void call_handler(trap_frame_t *f, void *ctx)
{
    (void)f;
    (void)ctx;
    call_fn(call_arg);
    __atomic_store_n(&call_done, true, __ATOMIC_RELEASE);
}

void ap_entry(uint64_t cpu)
{
    write_cr3(read_cr3()); /* drop any translation left from the trampoline */
    percpu_init((uint32_t)cpu);
    idt_load();
    cpu_enable_protections();
    cpu_init_pat();
    fpu_init_cpu();
    syscall_init_cpu();
    lapic_init_ap();
    this_cpu()->apic_id = lapic_id();
    percpu_init_ist();
    percpu_set_kernel_stack(ap_stack_top[cpu]);
    sched_init_cpu();
    __atomic_store_n(&online[cpu], true, __ATOMIC_RELEASE);
    sched_idle_loop();
}

static bool wait_online(uint32_t id)
{
    uint64_t end = tsc_us_since_entry() + AP_START_TIMEOUT_US;
    while (!__atomic_load_n(&online[id], __ATOMIC_ACQUIRE)) {
        if (tsc_us_since_entry() > end)
            return false;
        cpu_relax();
    }
    return true;
}

static bool start_one(uint32_t id, uint32_t apic_id)
{
    vaddr_t stack = kstack_alloc();
    if (!stack) {
        klog(LOG_WARN, "smp: no memory for the stack of cpu %u", id);
        return false;
    }
    size_t code = (size_t)(trampoline_end - trampoline_start);
    trampoline_params_t *params = (trampoline_params_t *)((char *)phys_to_virt(TRAMPOLINE_PHYS) + code -
                                                          sizeof(trampoline_params_t));
    params->cr3 = vm_kernel_root();
    params->stack = stack;
    ap_stack_top[id] = stack;
    params->entry = (uint64_t)ap_entry;
    params->cpu = id;
    params->efer_or = cpu_features.nx ? EFER_NXE : 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    lapic_start_ap(apic_id, TRAMPOLINE_PHYS >> 12);
    if (!wait_online(id)) {
        klog(LOG_WARN, "smp: cpu with apic id %u did not start; continuing without it", apic_id);
        return false; /* its stack stays allocated: the CPU might still wake up on it */
    }
    percpu_area[id].apic_id = apic_id;
    return true;
}

void smp_init(const acpi_platform_t *p)
{
    this_cpu()->apic_id = lapic_id();
    intr_set_handler(VEC_IPI_CALL, call_handler, NULL);
    if (vm_kernel_root() >= 0x100000000ull)
        panic("smp: kernel page tables above 4 GiB cannot be loaded by the trampoline");

    size_t code = (size_t)(trampoline_end - trampoline_start);
    memcpy(phys_to_virt(TRAMPOLINE_PHYS), trampoline_start, code);
    if (vm_map_low_identity(TRAMPOLINE_PHYS, PAGE_SIZE) != OK)
        panic("smp: cannot map the trampoline");

    uint32_t bsp = lapic_id();
    for (size_t i = 0; i < p->ncpus; i++) {
        const acpi_cpu_t *c = &p->cpus[i];
        if (c->apic_id == bsp || !c->enabled)
            continue;
        if (ncpus == MAX_CPUS) {
            klog(LOG_WARN, "smp: more than %d CPUs; the rest stay off", MAX_CPUS);
            break;
        }
        if (c->apic_id > 0xff) {
            klog(LOG_WARN, "smp: cpu with x2APIC id %u cannot be started in xAPIC mode", c->apic_id);
            continue;
        }
        if (start_one(ncpus, c->apic_id))
            ncpus++;
    }
    vm_unmap_low_identity(TRAMPOLINE_PHYS, PAGE_SIZE);
    klog(LOG_INFO, "smp: %u CPU%s online", ncpus, ncpus == 1 ? "" : "s");
}

uint32_t smp_cpu_count(void)
{
    return ncpus;
}

bool smp_cpu_online(uint32_t id)
{
    return id < MAX_CPUS && __atomic_load_n(&online[id], __ATOMIC_ACQUIRE);
}

int smp_call_on(uint32_t id, void (*fn)(void *), void *arg)
{
    if (!smp_cpu_online(id))
        return ERR_INVALID_ARGS;
    if (id == this_cpu()->cpu_id) {
        fn(arg);
        return OK;
    }
    uint64_t fl = spin_lock_irqsave(&call_lock);
    call_fn = fn;
    call_arg = arg;
    __atomic_store_n(&call_done, false, __ATOMIC_RELEASE);
    lapic_send_ipi(percpu_area[id].apic_id, VEC_IPI_CALL);
    uint64_t end = tsc_us_since_entry() + CALL_TIMEOUT_US;
    int err = OK;
    while (!__atomic_load_n(&call_done, __ATOMIC_ACQUIRE)) {
        if (tsc_us_since_entry() > end) {
            err = ERR_TIMED_OUT;
            break;
        }
        cpu_relax();
    }
    spin_unlock_irqrestore(&call_lock, fl);
    return err;
}
