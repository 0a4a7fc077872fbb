/*
 * Platform discovery and set-up at boot: the ACPI tables the kernel needs
 * (MADT, HPET), the interrupt controllers, the timer, the other CPUs.
 */
#ifndef INIT_PLATFORM_H
#define INIT_PLATFORM_H

#include "init/acpi_tables.h"
#include "init/multiboot2.h"

extern acpi_platform_t platform;

void platform_init(const boot_info_t *bi);

#endif
