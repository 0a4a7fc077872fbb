/*
 * Multiprocessor bring-up: every enabled CPU of the MADT is started with
 * INIT-SIPI-SIPI and given its per-CPU data, interrupt stacks and LAPIC.
 * CPU ids are dense (0 = boot CPU, then MADT order); APIC ids are not.
 */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#include "types.h"
#include "init/acpi_tables.h"

void smp_init(const acpi_platform_t *p);
uint32_t smp_cpu_count(void);
/* True once CPU id has finished its start-up. */
bool smp_cpu_online(uint32_t id);

/* Run fn(arg) on CPU id (an IPI) and wait for it to finish; OK, or
 * ERR_TIMED_OUT when the CPU does not answer, ERR_INVALID_ARGS for a
 * CPU that is not online. Used by self-tests and, later, TLB shootdown. */
int smp_call_on(uint32_t id, void (*fn)(void *), void *arg);

#endif
