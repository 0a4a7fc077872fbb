/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel's minimal ACPI reader: what SMP bring-up and timer calibration
 * need, nothing more (DESIGN.md §3; a user-space acpi server reads the rest).
 *
 * Model: RSDP -> XSDT (or RSDT) -> the tables it lists, of which only the
 * MADT ("APIC") and the HPET table ("HPET") are read. Firmware tables are
 * untrusted input: every table is checksummed and every length is bounded by
 * its container before anything inside is read; a table that fails is
 * reported and skipped, never followed, and later tables are still examined.
 * Physical memory is reached only through the caller's mapper, so the host
 * tests can feed fake memory and the kernel decides what may be mapped.
 *
 * acpi_read_platform() is the single entry point. It is pure: no globals,
 * no locks, no allocation.
 */
#ifndef INIT_ACPI_TABLES_H
#define INIT_ACPI_TABLES_H

#include "types.h"

typedef struct acpi_mem {
    /* Returns a pointer to len readable bytes at physical address pa, or NULL when that range is not
       readable (not RAM/ACPI memory, or outside what the caller maps). Pointers it returns must stay
       valid until acpi_read_platform() returns: the reader walks a root table while mapping the
       tables it lists. */
    const void *(*map)(void *ctx, paddr_t pa, size_t len);
    void *ctx;
    void (*report)(void *ctx, const char *msg);   /* one message per call, prefix "acpi: "; may be NULL */
} acpi_mem_t;

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 24
#define ACPI_MAX_NMIS 16

/* acpi_lapic_nmi_t.acpi_uid meaning "every processor". A Local APIC NMI
 * entry's 8-bit 0xff is widened to this, so a consumer has one value to test
 * and a real x2APIC processor with UID 255 is not mistaken for "all". */
#define ACPI_NMI_ALL_CPUS 0xffffffffu

/* online_capable is set only for a processor that is not enabled now but can
 * be brought online later (ACPI 6.3+); for an enabled one the bit is reserved. */
typedef struct acpi_cpu { uint32_t apic_id; uint32_t acpi_uid; bool enabled; bool online_capable; } acpi_cpu_t;
typedef struct acpi_ioapic { uint8_t id; paddr_t addr; uint32_t gsi_base; } acpi_ioapic_t;
typedef struct acpi_override { uint8_t bus; uint8_t source_irq; uint32_t gsi; uint16_t flags; /* MPS INTI polarity/trigger */ } acpi_override_t;
typedef struct acpi_lapic_nmi { uint32_t acpi_uid; /* ACPI_NMI_ALL_CPUS = all */ uint16_t flags; uint8_t lint; } acpi_lapic_nmi_t;

typedef struct acpi_platform {
    unsigned rsdp_revision; paddr_t rsdt_or_xsdt; bool xsdt;  /* the root table actually used */
    paddr_t lapic_addr;  /* from MADT, or the 64-bit override entry (type 5) */
    bool pcat_compat;    /* MADT flags bit 0: 8259s present */
    acpi_cpu_t cpus[ACPI_MAX_CPUS]; size_t ncpus;     /* MADT order, unique apic_id */
    acpi_ioapic_t ioapics[ACPI_MAX_IOAPICS]; size_t nioapics;
    acpi_override_t overrides[ACPI_MAX_OVERRIDES]; size_t noverrides;
    acpi_lapic_nmi_t nmis[ACPI_MAX_NMIS]; size_t nnmis;
    bool has_hpet; paddr_t hpet_addr; /* HPET table's base address (must be system memory space, id 0) */
} acpi_platform_t;

/*
 * rsdp: a copy of the RSDP (e.g. from the multiboot2 tag), rsdp_len its length.
 * Returns
 *   OK             a valid MADT was found and parsed (the first valid one when
 *                  there are several); the HPET fields are optional;
 *   ERR_NOT_FOUND  no RSDP (NULL or empty), no usable root table, or no valid
 *                  MADT: *out then holds whatever else was found (the HPET
 *                  may still be there) and no CPUs;
 *   ERR_CORRUPT    the RSDP itself is bad (signature, checksum, length);
 *                  *out is all zero.
 * Every table or entry skipped is told to mem->report.
 */
int acpi_read_platform(const void *rsdp, size_t rsdp_len, const acpi_mem_t *mem, acpi_platform_t *out);

#endif
