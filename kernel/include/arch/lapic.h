/*
 * The local APIC (xAPIC, memory-mapped): per-CPU interrupt acceptance, EOI,
 * inter-processor interrupts, the AP start-up sequence and the one-shot
 * timer the scheduler programs.
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include "types.h"

/* Map the LAPIC registers (once) and enable this CPU's LAPIC. */
void lapic_init(paddr_t base);
/* Enable the LAPIC on an AP (the registers are already mapped). */
void lapic_init_ap(void);
bool lapic_ready(void);
uint32_t lapic_id(void);
void lapic_eoi(void);

void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_ipi_others(uint8_t vector);
void lapic_send_nmi_others(void);
/* INIT, then two STARTUPs at page `page` (real-mode code at page * 4096). */
void lapic_start_ap(uint32_t apic_id, uint8_t page);

/* Measure the timer's rate (against the HPET when there is one, else the
 * TSC) and program LINT0/LINT1 per the MADT. Returns the rate in Hz. */
uint64_t lapic_timer_calibrate(void);
/* Fire VEC_TIMER once, ns nanoseconds from now (clamped to the counter). */
void lapic_timer_oneshot(uint64_t ns);
void lapic_timer_stop(void);

#endif
