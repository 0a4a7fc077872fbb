/*
 * IOAPICs: routing of global system interrupts (GSIs) to vectors on a CPU.
 * ISA IRQs map to GSIs through the MADT's source overrides (on QEMU the PIT's
 * IRQ 0 arrives on GSI 2).
 */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include "types.h"
#include "init/acpi_tables.h"

typedef struct irq_trigger {
    bool level;      /* level-triggered (else edge) */
    bool active_low; /* active low (else high) */
} irq_trigger_t;

/* Map every IOAPIC of the platform and mask all their lines. */
void ioapic_init(const acpi_platform_t *p);
size_t ioapic_gsi_count(void);
bool ioapic_gsi_valid(uint32_t gsi);

/* The GSI and trigger mode of ISA IRQ irq (identity, edge/high unless overridden). */
uint32_t ioapic_isa_to_gsi(uint8_t irq, irq_trigger_t *trig);

/* Route gsi to vector on the CPU with apic_id, masked until ioapic_unmask. */
int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id, irq_trigger_t trig);
void ioapic_mask(uint32_t gsi);
void ioapic_unmask(uint32_t gsi);

#endif
