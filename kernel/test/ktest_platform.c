/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Self-tests of the interrupt and multiprocessor layer on the real (QEMU)
 * hardware: the LAPIC timer fires, IPIs arrive, an ISA interrupt routed
 * through the IOAPIC (with the MADT's source override) arrives, every CPU
 * of the MADT came online and runs code on request, every CPU has the same
 * PAT, and an MSI irq object follows its delivery rules.
 */
#include "arch/cpu.h"
#include "arch/intr.h"
#include "arch/ioapic.h"
#include "arch/lapic.h"
#include "arch/percpu.h"
#include "arch/smp.h"
#include "arch/tsc.h"
#include "init/platform.h"
#include "obj/irq.h"
#include "sched/ktimer.h"
#include "test/ktest.h"

#define WAIT_US 2000000 /* generous: TCG on a loaded machine is slow */

static volatile int hits;

static void count_hit(trap_frame_t *f, void *ctx)
{
    (void)f;
    (void)ctx;
    hits++;
}

/* Enable interrupts until hits reaches want or the wait runs out. */
static bool wait_hits(int want)
{
    uint64_t end = tsc_us_since_entry() + WAIT_US;
    intr_enable();
    while (hits < want && tsc_us_since_entry() < end)
        cpu_relax();
    intr_disable();
    return hits >= want;
}

static void timer_hit(ktimer_t *t, void *arg)
{
    (void)t;
    (void)arg;
    hits++;
}

/* The LAPIC one-shot drives kernel timers: two timers fire in deadline
 * order, a cancelled one never fires. */
KTEST(ktimer_fires)
{
    ktimer_t a, b, c;
    hits = 0;
    ktimer_init(&a, timer_hit, NULL);
    ktimer_init(&b, timer_hit, NULL);
    ktimer_init(&c, timer_hit, NULL);
    uint64_t now = clock_now_ns();
    ktimer_arm(&b, now + 4000000);
    ktimer_arm(&a, now + 2000000);
    ktimer_arm(&c, now + 10000000000ull); /* far away: cancelled long before */
    KT_CHECK(ktimer_cancel(&c));
    KT_CHECK(!ktimer_cancel(&c)); /* second cancel: no longer armed */
    KT_CHECK(wait_hits(2));
    KT_CHECK(a.cpu == -1 && b.cpu == -1);
    KT_CHECK(hits == 2);
    return OK;
}

KTEST(ipi_self)
{
    hits = 0;
    int vec = intr_alloc_vector(count_hit, NULL);
    KT_CHECK(vec >= VEC_DEVICE_FIRST && vec <= VEC_DEVICE_LAST);
    lapic_send_ipi(lapic_id(), (uint8_t)vec);
    KT_CHECK(wait_hits(1));
    intr_free_vector((unsigned)vec);
    return OK;
}

KTEST(intr_vector_exhaustion)
{
    int got[VEC_DEVICE_LAST - VEC_DEVICE_FIRST + 1];
    int n = 0, v;
    while ((v = intr_alloc_vector(count_hit, NULL)) >= 0)
        got[n++] = v;
    KT_CHECK(v == ERR_NO_RESOURCES);
    KT_CHECK(n > 0);
    for (int i = 0; i < n; i++)
        intr_free_vector((unsigned)got[i]);
    v = intr_alloc_vector(count_hit, NULL);
    KT_CHECK(v >= 0);
    intr_free_vector((unsigned)v);
    return OK;
}

/* PIT channel 0 in mode 0 raises IRQ 0 once when its count runs out. */
KTEST(ioapic_isa_irq)
{
    if (platform.nioapics == 0)
        return OK; /* nothing to route through (reported at boot) */
    irq_trigger_t trig;
    uint32_t gsi = ioapic_isa_to_gsi(0, &trig);
    KT_CHECK(ioapic_gsi_valid(gsi));
    hits = 0;
    int vec = intr_alloc_vector(count_hit, NULL);
    KT_CHECK(vec >= 0);
    KT_CHECK(ioapic_route(gsi, (uint8_t)vec, lapic_id(), trig) == OK);
    ioapic_unmask(gsi);
    outb(0x43, 0x30); /* channel 0, lo/hi byte, mode 0 */
    outb(0x40, 0xa9);
    outb(0x40, 0x04); /* 1193 ticks: 1 ms */
    bool fired = wait_hits(1);
    ioapic_mask(gsi);
    intr_free_vector((unsigned)vec);
    KT_CHECK(fired);
    KT_CHECK(ioapic_route(0xffff, (uint8_t)vec, lapic_id(), trig) == ERR_NOT_FOUND);
    return OK;
}

static void record_cpu(void *arg)
{
    uint32_t *out = arg;
    out[0] = this_cpu()->cpu_id;
    out[1] = lapic_id();
}

KTEST(smp_all_cpus)
{
    size_t enabled = 0;
    for (size_t i = 0; i < platform.ncpus; i++)
        enabled += platform.cpus[i].enabled;
    KT_CHECK(smp_cpu_count() == (enabled ? enabled : 1));
    for (uint32_t id = 0; id < smp_cpu_count(); id++) {
        uint32_t got[2] = {~0u, ~0u};
        KT_CHECK(smp_call_on(id, record_cpu, got) == OK);
        KT_CHECK(got[0] == id);
        KT_CHECK(got[1] == percpu_area[id].apic_id);
    }
    KT_CHECK(smp_call_on(MAX_CPUS, record_cpu, NULL) == ERR_INVALID_ARGS);
    KT_CHECK(smp_call_on(smp_cpu_count(), record_cpu, NULL) == ERR_INVALID_ARGS);
    return OK;
}

static void read_pat(void *arg)
{
    *(uint64_t *)arg = rdmsr(MSR_PAT);
}

/* Every CPU holds the same PAT, with write-combining in entry 4. */
KTEST(pat_all_cpus)
{
    if (!cpu_features.pat)
        return OK; /* reported at boot; write-combining is refused then */
    for (uint32_t id = 0; id < smp_cpu_count(); id++) {
        uint64_t pat = 0;
        KT_CHECK(smp_call_on(id, read_pat, &pat) == OK);
        KT_CHECK(pat == PAT_VALUE);
    }
    KT_CHECK(((PAT_VALUE >> 32) & 7) == 1); /* entry 4: WC */
    KT_CHECK((PAT_VALUE & 0xffffffffu) == 0x00070406u); /* entries 0-3 as at power-on */
    return OK;
}

/* Until irq->count reaches want (interrupts on meanwhile). */
static bool wait_count(irq_t *irq, uint64_t want)
{
    uint64_t end = tsc_us_since_entry() + WAIT_US;
    intr_enable();
    while (__atomic_load_n(&irq->count, __ATOMIC_ACQUIRE) < want && tsc_us_since_entry() < end)
        cpu_relax();
    intr_disable();
    return __atomic_load_n(&irq->count, __ATOMIC_ACQUIRE) >= want;
}

/* An MSI irq object's delivery rules, with the message sent as an IPI of
 * its vector to its CPU (what the device's write to the message address
 * amounts to): signal, hold until the ack, hold while masked. */
KTEST(msi_irq_object)
{
    irq_t *irq, *dup;
    KT_CHECK(irq_create_msi(MSI_MAX, 0, &irq) == ERR_OUT_OF_RANGE);
    KT_CHECK(irq_create_msi(MSI_MAX - 1, smp_cpu_count(), &irq) == ERR_OUT_OF_RANGE);
    KT_CHECK(irq_create_msi(MSI_MAX - 1, 0, &irq) == OK);
    KT_CHECK(irq_create_msi(MSI_MAX - 1, 0, &dup) == ERR_ALREADY_EXISTS);
    msi_msg_t m = irq_msi_msg(irq);
    KT_CHECK(m.address == (0xfee00000ull | (uint64_t)percpu_area[0].apic_id << 12));
    KT_CHECK(m.data == (uint32_t)irq->vector);
    uint8_t vec = (uint8_t)m.data;
    uint32_t dest = (uint32_t)(m.address >> 12) & 0xff;
    lapic_send_ipi(dest, vec);
    KT_CHECK(wait_count(irq, 1));
    KT_CHECK(obj_signals(&irq->obj) & SIG_IRQ);
    lapic_send_ipi(dest, vec); /* before the ack: held */
    KT_CHECK(wait_count(irq, 2));
    KT_CHECK(irq->pending);
    irq_ack(irq);
    KT_CHECK(obj_signals(&irq->obj) & SIG_IRQ); /* the held one */
    KT_CHECK(!irq->pending);
    irq_ack(irq);
    KT_CHECK(!(obj_signals(&irq->obj) & SIG_IRQ));
    irq_set_mask(irq, true);
    lapic_send_ipi(dest, vec);
    KT_CHECK(wait_count(irq, 3));
    KT_CHECK(!(obj_signals(&irq->obj) & SIG_IRQ) && irq->pending);
    irq_set_mask(irq, false);
    KT_CHECK(obj_signals(&irq->obj) & SIG_IRQ);
    irq_ack(irq);
    obj_unref(&irq->obj);
    KT_CHECK(irq_create_msi(MSI_MAX - 1, 0, &irq) == OK); /* the number is free again */
    obj_unref(&irq->obj);
    /* One for the last CPU: its message names that CPU, which takes it. */
    uint32_t last = smp_cpu_count() - 1;
    KT_CHECK(irq_create_msi(MSI_MAX - 2, last, &irq) == OK);
    m = irq_msi_msg(irq);
    KT_CHECK(m.address == (0xfee00000ull | (uint64_t)percpu_area[last].apic_id << 12));
    lapic_send_ipi((uint32_t)(m.address >> 12) & 0xff, (uint8_t)m.data);
    KT_CHECK(wait_count(irq, 1));
    KT_CHECK(obj_signals(&irq->obj) & SIG_IRQ);
    obj_unref(&irq->obj);
    return OK;
}
