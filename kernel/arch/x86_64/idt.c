/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The IDT (shared by all CPUs) and the legacy PIC. Every vector has a stub
 * (isr.S); exceptions that must work on a broken stack (double fault, NMI,
 * machine check) run on their own interrupt stacks (IST).
 */
#include "arch/cpu.h"
#include "arch/percpu.h"
#include "arch/trap.h"

typedef struct PACKED idt_entry {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} idt_entry_t;

#define IDT_INTERRUPT_GATE 0x8e /* P, DPL0, 64-bit interrupt gate: IF cleared */

extern const uint64_t isr_stub_table[256];
static idt_entry_t idt[256] __attribute__((aligned(16)));

static void idt_set(int vec, uint64_t handler, uint8_t ist)
{
    idt[vec] = (idt_entry_t){
        .offset_lo = handler & 0xffff,
        .selector = SEL_KCODE,
        .ist = ist,
        .type_attr = IDT_INTERRUPT_GATE,
        .offset_mid = (handler >> 16) & 0xffff,
        .offset_hi = handler >> 32,
    };
}

void idt_init(void)
{
    for (int v = 0; v < 256; v++)
        idt_set(v, isr_stub_table[v], 0);
    idt_load();
}

/* Called once the CPU has its interrupt stacks (percpu_init_ist). Until then
 * a double fault is reported on the faulting stack, which is fine that early. */
void idt_use_ist(void)
{
    idt[VEC_DOUBLE_FAULT].ist = IST_DOUBLE_FAULT;
    idt[VEC_NMI].ist = IST_NMI;
    idt[VEC_MACHINE_CHECK].ist = IST_MACHINE_CHECK;
}

void idt_load(void)
{
    struct PACKED {
        uint16_t limit;
        uint64_t base;
    } ptr = {sizeof idt - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" ::"m"(ptr));
}

/*
 * The 8259 PICs: remap them away from the exception vectors (their power-on
 * mapping overlaps vectors 8-15) and mask every line. Interrupts come through
 * the IOAPIC and LAPIC (next issue); only spurious IRQ 7/15 can still appear.
 */
void pic_disable(void)
{
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, VEC_PIC_BASE);
    outb(0xa1, VEC_PIC_BASE + 8);
    outb(0x21, 4);
    outb(0xa1, 2);
    outb(0x21, 0x01);
    outb(0xa1, 0x01);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}
