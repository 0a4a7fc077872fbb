/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Fake physical memory, a table builder and a QEMU-like machine for the
 * host tests of the acpi server's parsers (servers/acpi/tables.h),
 * tests/host/test_acpi_srv_*.c.
 *
 * Model: fake physical memory is a few regions, each an exact-size heap
 * buffer at a chosen physical address; a read is answered only when it
 * lies wholly inside one region. The parsers get exact-size heap copies
 * (the loader's own), so ASan catches any read past a table. The builder
 * writes tables byte by byte, little-endian, with correct lengths and
 * checksums; a test then breaks exactly the property it is about.
 */
#ifndef TESTS_HOST_ACPI_SRV_FIXTURE_H
#define TESTS_HOST_ACPI_SRV_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tables.h"

/* ---- fake physical memory ------------------------------------------------ */

#define FAKE_REGIONS 24

typedef struct fake_region {
    uint64_t pa;
    size_t len;
    uint8_t *buf;
} fake_region_t;

typedef struct fake_phys {
    fake_region_t r[FAKE_REGIONS];
    size_t n;
    unsigned reads, misses;
    char reports[32][ACPI_ERR_MAX];
    unsigned nreports;
} fake_phys_t;

extern fake_phys_t FP;
extern const acpi_phys_t PHYS; /* reads FP, captures reports in FP */

void fp_reset(void);
/* Puts a copy of data at pa (regions must not overlap). */
void fp_add(uint64_t pa, const void *data, size_t len);

/* ---- table builder ------------------------------------------------------- */

typedef struct tbl {
    uint8_t b[16384];
    size_t len;
} tbl_t;

void t_u8(tbl_t *t, uint8_t v);
void t_u16(tbl_t *t, uint16_t v);
void t_u32(tbl_t *t, uint32_t v);
void t_u64(tbl_t *t, uint64_t v);
void t_bytes(tbl_t *t, const void *p, size_t n);
void t_zeros(tbl_t *t, size_t n);
/* Overwrites bytes at off (inside the table). */
void t_put32(tbl_t *t, size_t off, uint32_t v);
void t_put64(tbl_t *t, size_t off, uint64_t v);

/* Starts an SDT: signature, revision, OEM "CAIRN " / "TESTTBL ". */
void sdt_begin(tbl_t *t, const char *sig, uint8_t rev);
/* Length field = real size, checksum fixed. */
void sdt_seal(tbl_t *t);
/* Checksum fixed over the real size, whatever the length field says. */
void sdt_resum(tbl_t *t);
/* Length field = len, checksum fixed over the real size. */
void sdt_set_len(tbl_t *t, uint32_t len);

/* MADT pieces. */
void madt_begin(tbl_t *t, uint32_t lapic, uint32_t flags);
void e_lapic(tbl_t *t, uint8_t uid, uint8_t id, uint32_t flags);
void e_ioapic(tbl_t *t, uint8_t id, uint32_t addr, uint32_t gsi);
void e_iso(tbl_t *t, uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t flags);
void e_nmi_src(tbl_t *t, uint16_t flags, uint32_t gsi);
void e_lapic_nmi(tbl_t *t, uint8_t uid, uint16_t flags, uint8_t lint);
void e_lapic_addr(tbl_t *t, uint64_t addr);
void e_x2apic(tbl_t *t, uint32_t id, uint32_t flags, uint32_t uid);
void e_x2nmi(tbl_t *t, uint16_t flags, uint32_t uid, uint8_t lint);
void e_raw(tbl_t *t, uint8_t type, uint8_t len); /* zero payload */

/* A Generic Address Structure. */
void t_gas(tbl_t *t, uint8_t space, uint8_t width, uint8_t offset, uint8_t access, uint64_t addr);

/* A FADT of `len` bytes (116, 244 or 276) as QEMU's: SCI 9, PM1a_EVT 0x600,
 * PM1a_CNT 0x604, PM_TMR 0x608, reset 0xcf9 <- 0xf when len > 116; X_
 * fields filled when len >= 244 (x_pm = true: the X_PM blocks too). */
void fadt_build(tbl_t *t, uint32_t len, uint32_t dsdt, uint64_t x_dsdt, bool x_pm);

/* A DSDT whose AML is `aml` (n bytes) between filler bytes. */
void dsdt_build(tbl_t *t, const char *sig, const uint8_t *aml, size_t n);

/* QEMU's \_S5_: Name(\_S5, Package(4){0, 0, 0, 0}) as AML. */
extern const uint8_t AML_S5_QEMU[];
extern const size_t AML_S5_QEMU_LEN;

void hpet_build(tbl_t *t, uint8_t space, uint64_t base, uint32_t id);
void mcfg_begin(tbl_t *t);
void mcfg_entry(tbl_t *t, uint64_t base, uint16_t seg, uint8_t start, uint8_t end);

/* Writes an RSDP of revision rev into r; returns its size (20 or 36). */
size_t rsdp_build(uint8_t *r, unsigned rev, uint32_t rsdt, uint64_t xsdt);

/* ---- a QEMU q35-like machine ------------------------------------------- */

enum {
    RSDP_PA = 0xf5a40,
    FACP_PA = 0x7fe0000,
    DSDT_PA = 0x7fe1000,
    MADT_PA = 0x7fe3000,
    HPET_PA = 0x7fe4000,
    MCFG_PA = 0x7fe5000,
    RSDT_PA = 0x7fe6000,
    XSDT_PA = 0x7fe7004, /* 4 off 8: its u64 entries are unaligned */
    SPARE_PA = 0x7fe8000, /* for extra tables; 0x1000 apart from here on */
};

typedef struct machine {
    tbl_t facp, dsdt, madt, hpet, mcfg, rsdt, xsdt;
} machine_t;

extern machine_t G;

/* FACP (244 bytes, DSDT via the 32-bit field), DSDT with QEMU's \_S5_,
 * a 4-CPU MADT, HPET and MCFG listed by an RSDT; no XSDT. */
void build_q35(void);
/* Replaces the RSDT or XSDT with one listing e[0..n). */
void set_rsdt(const uint64_t *e, size_t n);
void set_xsdt(const uint64_t *e, size_t n);
/* Fresh fake memory with G's non-empty tables and an RSDP of revision rev
 * (0: RSDT only; 2: RSDT and, if G.xsdt is not empty, the XSDT). */
void load_machine(unsigned rev);

/* ---- running ---------------------------------------------------------------- */

typedef struct run {
    acpi_tables_t t;
    acpi_platform_t p;
    acpi_err_t e;
    int rc;
} run_t;

extern run_t R;

/* acpi_load from RSDP_PA (freeing the previous run), then, if it loaded,
 * acpi_platform_build. Returns the load's result. */
int run_load(void);

/* Whether a problem line of the last run contains needle (lists them if not). */
bool saw_problem(const char *needle);
/* Whether text contains needle (prints both if not). */
bool has(const char *text, const char *needle);

#endif
