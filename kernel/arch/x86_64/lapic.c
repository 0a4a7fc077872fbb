/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Local APIC in xAPIC mode (registers through MMIO; every CPU sees its own
 * LAPIC at the same address). x2APIC mode would be faster for IPIs but the
 * xAPIC interface works on every x86_64 CPU, QEMU's TCG included; firmware
 * that hands over in x2APIC mode is refused loudly rather than misdriven.
 *
 * The timer runs in one-shot mode, divide by 16; its rate is measured once
 * against the HPET (or the TSC when there is no HPET) for 10 ms.
 */
#include "arch/lapic.h"
#include "arch/cpu.h"
#include "arch/hpet.h"
#include "arch/trap_vectors.h"
#include "arch/tsc.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "mm/vm.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_X2APIC (1u << 10)
#define APIC_BASE_ENABLE (1u << 11)

#define REG_ID 0x020
#define REG_VERSION 0x030
#define REG_TPR 0x080
#define REG_EOI 0x0b0
#define REG_SVR 0x0f0
#define REG_ESR 0x280
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_LVT_ERROR 0x370
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR 0x390
#define REG_TIMER_DIV 0x3e0

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_NMI (4u << 8)
#define ICR_PENDING (1u << 12)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_NMI (4u << 8)
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_ALL_BUT_SELF (3u << 18)
#define TIMER_DIV_16 0x3

#define CALIBRATE_NS 10000000ull

static volatile uint32_t *regs;
static uint64_t timer_hz;

static uint32_t rd(unsigned reg) { return regs[reg / 4]; }
static void wr(unsigned reg, uint32_t v) { regs[reg / 4] = v; }

static void enable_this_cpu(void)
{
    wr(REG_TPR, 0);
    wr(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    wr(REG_LVT_ERROR, VEC_LAPIC_ERROR);
    wr(REG_ESR, 0);
    wr(REG_SVR, SVR_ENABLE | VEC_SPURIOUS);
    wr(REG_TIMER_DIV, TIMER_DIV_16);
    /* LINT0 is the legacy 8259 path (masked: interrupts come through the
     * IOAPIC); LINT1 carries NMI on PC-compatible boards. */
    wr(REG_LVT_LINT0, LVT_MASKED);
    wr(REG_LVT_LINT1, LVT_NMI);
    lapic_eoi();
}

void lapic_init(paddr_t base)
{
    uint64_t msr = rdmsr(MSR_APIC_BASE);
    if (msr & APIC_BASE_X2APIC)
        panic("lapic: firmware left the LAPIC in x2APIC mode, which this kernel does not drive yet");
    if (!base)
        base = msr & 0xfffff000ull;
    void *va;
    if (vm_map_phys(base, PAGE_SIZE, VM_CACHE_UC, true, &va) != OK)
        panic("lapic: cannot map the registers at %lx", (unsigned long)base);
    regs = va;
    wrmsr(MSR_APIC_BASE, msr | APIC_BASE_ENABLE);
    enable_this_cpu();
    klog(LOG_INFO, "lapic: at %lx, version 0x%x, boot CPU apic id %u", (unsigned long)base,
         rd(REG_VERSION) & 0xff, lapic_id());
}

void lapic_init_ap(void)
{
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
    enable_this_cpu();
}

bool lapic_ready(void)
{
    return regs != NULL;
}

uint32_t lapic_id(void)
{
    return rd(REG_ID) >> 24;
}

void lapic_eoi(void)
{
    wr(REG_EOI, 0);
}

static void icr_wait(void)
{
    for (int i = 0; i < 1000000 && (rd(REG_ICR_LO) & ICR_PENDING); i++)
        cpu_relax();
}

static void icr_send(uint32_t dest, uint32_t lo)
{
    icr_wait();
    wr(REG_ICR_HI, dest << 24);
    wr(REG_ICR_LO, lo);
    icr_wait();
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    icr_send(apic_id, vector);
}

void lapic_send_ipi_others(uint8_t vector)
{
    icr_send(0, ICR_ALL_BUT_SELF | vector);
}

void lapic_send_nmi_others(void)
{
    icr_send(0, ICR_ALL_BUT_SELF | ICR_NMI);
}

static void delay_us(uint64_t us)
{
    uint64_t end = tsc_us_since_entry() + us;
    while (tsc_us_since_entry() < end)
        cpu_relax();
}

/* The Intel SDM's (vol. 3, 8.4.4.1) universal start-up sequence. */
void lapic_start_ap(uint32_t apic_id, uint8_t page)
{
    wr(REG_ESR, 0);
    icr_send(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
    delay_us(200);
    icr_send(apic_id, ICR_INIT | ICR_LEVEL); /* de-assert */
    delay_us(10000);
    for (int i = 0; i < 2; i++) {
        icr_send(apic_id, ICR_STARTUP | page);
        delay_us(200);
    }
}

/* Reference clock for calibration, in nanoseconds. */
static uint64_t ref_now_ns(void)
{
    if (hpet_present())
        return hpet_now_fs() / 1000000;
    return tsc_us_since_entry() * 1000;
}

uint64_t lapic_timer_calibrate(void)
{
    wr(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    wr(REG_TIMER_DIV, TIMER_DIV_16);
    uint64_t t0 = ref_now_ns();
    wr(REG_TIMER_INIT, 0xffffffffu);
    uint64_t t1;
    do
        t1 = ref_now_ns();
    while (t1 - t0 < CALIBRATE_NS);
    uint32_t elapsed = 0xffffffffu - rd(REG_TIMER_CUR);
    wr(REG_TIMER_INIT, 0);
    timer_hz = (uint64_t)elapsed * 1000000000ull / (t1 - t0);
    if (timer_hz == 0)
        panic("lapic: the timer did not count during calibration");
    klog(LOG_INFO, "lapic: timer %lu.%03lu MHz (calibrated against the %s)", (unsigned long)(timer_hz / 1000000),
         (unsigned long)(timer_hz / 1000 % 1000), hpet_present() ? "HPET" : "TSC");
    return timer_hz;
}

void lapic_timer_oneshot(uint64_t ns)
{
    if (ns > 1000000000000ull) /* 1000 s: keeps the arithmetic below in range */
        ns = 1000000000000ull;
    uint64_t ticks = ns / 1000 * timer_hz / 1000000 + 1;
    if (ticks > 0xffffffffu)
        ticks = 0xffffffffu;
    wr(REG_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
    wr(REG_TIMER_INIT, (uint32_t)ticks);
}

void lapic_timer_stop(void)
{
    wr(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    wr(REG_TIMER_INIT, 0);
}
