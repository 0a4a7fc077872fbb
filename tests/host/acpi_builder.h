/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fake physical memory, the table builder and the reader harness shared by
 * the host tests of the kernel's minimal ACPI reader
 * (kernel/init/acpi_tables.c), test_acpi_*.c.
 *
 * Model: fake physical memory is a handful of regions, each an exact-size
 * heap buffer at a chosen fake physical address. The mapper answers a
 * request only when it lies wholly inside one region (anything else counts
 * as a miss and returns NULL), and it answers with a fresh exact-size copy
 * whose alignment mirrors the physical address, so ASan catches a read past
 * what was mapped and UBSan an unaligned wide load. A table builder (t_*,
 * sdt_*, e_*) writes SDTs with correct lengths and checksums; tests then
 * break exactly the property they are about. G holds the tables of a QEMU
 * q35-like machine, which load_memory() puts at fixed addresses; the run_*
 * functions read it from an RSDP and leave the result and the captured
 * reports in R.
 */
#ifndef TESTS_HOST_ACPI_BUILDER_H
#define TESTS_HOST_ACPI_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "init/acpi_tables.h"

/* ---- fake physical memory ------------------------------------------------ */

#define MAX_REGIONS 16

typedef struct region {
    paddr_t pa;
    size_t len;
    uint8_t *buf;
} region_t;

typedef struct fake_mem {
    region_t r[MAX_REGIONS];
    size_t n;
    void **maps; /* every copy handed out, freed by mem_reset() */
    size_t nmaps, capmaps;
    unsigned calls, misses, wraps;
} fake_mem_t;

extern fake_mem_t M;

/* The acpi_mem_t map function over M's regions. */
const void *fake_map(void *ctx, paddr_t pa, size_t len);

/* ---- table builder ------------------------------------------------------- */

typedef struct tbl {
    uint8_t b[8192];
    size_t len;
} tbl_t;

void t_u8(tbl_t *t, uint8_t v);
void t_u16(tbl_t *t, uint16_t v);
void t_u32(tbl_t *t, uint32_t v);
void t_u64(tbl_t *t, uint64_t v);

/* Makes the table's bytes sum to zero (over its real size, not its length
 * field, so a lying length still passes a checksum it should not reach). */
void sdt_resum(tbl_t *t);

/* Sets the length field to len and fixes the checksum. */
void sdt_set_len(tbl_t *t, uint32_t len);

/* Sets the length field to the table's real size and fixes the checksum. */
void sdt_seal(tbl_t *t);

/* Starts a MADT with its local APIC address and flags; entries follow. */
void madt_begin(tbl_t *t, uint32_t lapic, uint32_t flags);

/* MADT entries, each with its standard length. */
void e_lapic(tbl_t *t, uint8_t uid, uint8_t id, uint32_t flags);
void e_ioapic(tbl_t *t, uint8_t id, uint32_t addr, uint32_t gsi);
void e_iso(tbl_t *t, uint8_t irq, uint32_t gsi, uint16_t flags);
void e_nmi(tbl_t *t, uint8_t uid, uint16_t flags, uint8_t lint);
void e_lapic_addr(tbl_t *t, uint64_t addr);
void e_x2apic(tbl_t *t, uint32_t id, uint32_t flags, uint32_t uid);
void e_x2nmi(tbl_t *t, uint16_t flags, uint32_t uid, uint8_t lint);

/* An entry of any type claiming length len, with zero payload. */
void e_raw(tbl_t *t, uint8_t type, uint8_t len);

/* A whole, sealed HPET table with its base in address space `space`. */
void hpet_build(tbl_t *t, uint8_t space, uint64_t base);

/* Writes an RSDP of revision rev into r; returns its size (20 or 36). */
size_t rsdp_build(uint8_t *r, unsigned rev, uint32_t rsdt, uint64_t xsdt);

/* ---- a QEMU q35-like machine ------------------------------------------- */

/* 4 KiB apart, so even the large test tables cannot overlap (mem_add checks). */
enum {
    FACP_PA = 0x7fe0000,
    MADT_PA = 0x7fe1000,
    HPET_PA = 0x7fe2000,
    MCFG_PA = 0x7fe3000,
    RSDT_PA = 0x7fe4000,
    XSDT_PA = 0x7fe5003, /* odd on purpose: its u64 entries are unaligned */
    MADT2_PA = 0x7fe6000,
    HPET2_PA = 0x7fe7000,
};

/* The tables of one machine; empty ones (len 0) are not put in memory. */
typedef struct machine {
    tbl_t facp, madt, hpet, mcfg, rsdt, xsdt, madt2, hpet2;
} machine_t;

extern machine_t G;

/* FACP, a 4-CPU MADT, HPET and MCFG listed by an RSDT; no XSDT. */
void build_q35(void);

/* Replaces the RSDT or XSDT with one listing e[0..n). */
void set_rsdt(const uint64_t *e, size_t n);
void set_xsdt(const uint64_t *e, size_t n);

/* Puts the non-empty tables of G into fresh fake memory. */
void load_memory(void);

/* ---- running the reader -------------------------------------------------- */

#define MAX_KEPT_REPORTS 80

typedef struct acpi_run {
    acpi_platform_t p;
    int rc;
    int nrep;
    char rep[MAX_KEPT_REPORTS][256];
} acpi_run_t;

extern acpi_run_t R;

/* Fake memory with a report function that captures into R. */
extern const acpi_mem_t MEM;

/* Runs on an exact-size heap copy of the RSDP, with memory already loaded. */
int run_rsdp(const uint8_t *rsdp, size_t len);

/* Revision 0 RSDP pointing at the RSDT, as QEMU 7.2 gives it. */
int run_v1(void);

/* Revision 2 RSDP pointing at the RSDT and at `xsdt`. */
int run_v2(uint64_t xsdt);

/* Whether some report of the last run contains needle (lists them if not). */
bool saw(const char *needle);

bool is_zero(const acpi_platform_t *p);
bool no_cpus_found(const acpi_platform_t *p);

/* What every result promises, whatever the input. */
void check_invariants(void);

#endif
