/* SPDX-License-Identifier: BSD-2-Clause
 *
 * TLB shootdown by IPI. One shootdown at a time (tlb_lock, taken with
 * interrupts enabled so a waiting CPU still answers others). The target
 * flushes its whole non-global TLB if it still runs the address space; a
 * CPU that moved on already lost the entries when it reloaded CR3 (no
 * PCID in use).
 */
#include "arch/tlb.h"
#include "arch/cpu.h"
#include "arch/intr.h"
#include "arch/lapic.h"
#include "arch/percpu.h"
#include "arch/smp.h"
#include "arch/trap_vectors.h"
#include "lib/kassert.h"
#include "lib/spinlock.h"
#include "mm/aspace.h"

static spinlock_t tlb_lock = SPINLOCK_INIT;
static volatile paddr_t req_root;
static volatile uint32_t pending;

static void tlb_ipi(trap_frame_t *f, void *ctx)
{
    (void)f;
    (void)ctx;
    if ((read_cr3() & ~0xfffull) == req_root)
        write_cr3(read_cr3());
    __atomic_fetch_sub(&pending, 1, __ATOMIC_RELEASE);
}

void tlb_init(void)
{
    intr_set_handler(VEC_IPI_TLB, tlb_ipi, NULL);
}

void tlb_shootdown(struct aspace *as)
{
    kassert(intr_enabled());
    /* Which CPU we are on, the local flush and the set of others must agree:
     * no migration in between. */
    intr_disable();
    uint64_t me = 1ull << this_cpu()->cpu_id;
    if ((read_cr3() & ~0xfffull) == as->root)
        write_cr3(read_cr3());
    uint64_t others = __atomic_load_n(&as->active_cpus, __ATOMIC_SEQ_CST) & ~me;
    intr_enable();
    if (!others)
        return;
    spin_lock(&tlb_lock);
    req_root = as->root;
    pending = (uint32_t)__builtin_popcountll(others);
    for (uint32_t c = 0; c < smp_cpu_count(); c++)
        if (others & (1ull << c))
            lapic_send_ipi(percpu_area[c].apic_id, VEC_IPI_TLB);
    while (__atomic_load_n(&pending, __ATOMIC_ACQUIRE))
        cpu_relax();
    spin_unlock(&tlb_lock);
}
