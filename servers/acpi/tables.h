/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The acpi server's table parsers (docs/acpi.md): pure C over byte
 * buffers, shared by the server (servers/acpi), the host tests
 * (tests/host/test_acpi_srv_*.c) and the fuzzer (tests/fuzz/fuzz_acpi.c).
 *
 * Model, from the outside in:
 *   acpi_rsdp_scan()   finds the RSDP in a copy of the BIOS area;
 *   acpi_load()        RSDP -> RSDT (revision 0) or XSDT (revision >= 2) ->
 *                      every table it lists, plus the DSDT the FADT names.
 *                      Physical memory is read only through acpi_phys_t's
 *                      read callback; each table is copied into a buffer of
 *                      exactly its length, after its length was bounded and
 *                      before its checksum is checked;
 *   acpi_*_parse()     one table each (MADT, FADT, MCFG, HPET, DMAR) and the
 *                      \_S5_ package in the DSDT's AML, on (bytes, length):
 *                      every read is bounded by the table's length, and a
 *                      malformed table is refused as a whole with
 *                      ERR_CORRUPT and one line saying why (acpi_err_t) -
 *                      never a partial answer passed off as the whole;
 *   acpi_platform_build()  runs them all over a loaded set and keeps, per
 *                      table, its result or the reason it was refused.
 * Lists longer than the arrays below keep the first entries and count the
 * rest (`total`), so a client can tell that something was left out.
 *
 * Nothing here allocates except acpi_load (the table copies, malloc) and
 * nothing keeps a pointer into a caller's buffer past the call.
 */
#ifndef ACPI_TABLES_H
#define ACPI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/errors.h"
#include "acpi_abi.h"

#define ACPI_ERR_MAX 160             /* one reason, NUL included */
#define ACPI_MAX_TABLES 64           /* tables kept from the root, DSDT included */
#define ACPI_MAX_TABLE_LEN (4u << 20) /* a large server's DSDT is ~1 MiB */
#define ACPI_MAX_TOTAL_LEN (16u << 20)
#define ACPI_SDT_HDR_LEN 36u
#define ACPI_RSDP_V1_LEN 20u
#define ACPI_RSDP_V2_LEN 36u
#define ACPI_RSDP_MAX_LEN 1024u      /* a revision >= 2 RSDP's length, bounded */

#define ACPI_MAX_CPUS 256
#define ACPI_MAX_IOAPICS 32
#define ACPI_MAX_OVERRIDES 48
#define ACPI_MAX_NMI_SOURCES 16
#define ACPI_MAX_LAPIC_NMIS 256      /* firmware often lists one per CPU */
#define ACPI_MAX_ECAM 16
#define ACPI_MAX_DRHD 16
#define ACPI_MAX_PROBLEMS 16

/* Why something was refused: one line, for the log and for clients. */
typedef struct acpi_err {
    char msg[ACPI_ERR_MAX];
} acpi_err_t;

/* Formats the reason into e (if not NULL) and returns code. */
int acpi_fail(acpi_err_t *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- finding and loading the tables ---------------------------------- */

/* How the parsers reach physical memory. read copies [pa, pa + len) into
 * buf: OK, or an error when any of it cannot be read (the loader turns that
 * into a refusal). report, if not NULL, gets one line per table the loader
 * skips (bad checksum, unreadable, ...), the same lines acpi_tables_t keeps. */
typedef struct acpi_phys {
    void *ctx;
    int (*read)(void *ctx, uint64_t pa, void *buf, size_t len);
    void (*report)(void *ctx, const char *msg);
} acpi_phys_t;

typedef struct acpi_rsdp {
    unsigned revision;   /* 0: ACPI 1.0 (RSDT only); 2 and up: XSDT too */
    char oem_id[7];      /* printable, trailing blanks removed */
    uint32_t rsdt;
    uint64_t xsdt;       /* 0 for revision 0 */
    uint32_t length;     /* 20 for revision 0 */
} acpi_rsdp_t;

/* Checks an RSDP copy of n readable bytes: signature, the checksum of the
 * first 20 bytes, and for revision >= 2 a length within [36, n] and the
 * extended checksum over it. */
int acpi_rsdp_parse(const uint8_t *r, size_t n, acpi_rsdp_t *out, acpi_err_t *e);

/* Finds a valid RSDP at a 16-byte boundary of area (a copy of physical
 * [area_pa, area_pa + len)): the first one whose checks pass, as
 * acpi_rsdp_parse with the bytes left in the area. ERR_NOT_FOUND if none. */
int acpi_rsdp_scan(const uint8_t *area, size_t len, uint64_t area_pa, uint64_t *rsdp_pa);

typedef struct acpi_table {
    char sig[5];          /* as in the header, non-printable bytes as '?' */
    char oem_id[7];       /* printable, trailing blanks removed */
    char oem_table_id[9];
    uint8_t revision;
    uint32_t length;
    uint64_t pa;
    uint8_t *bytes;       /* length bytes, checksum verified (malloc) */
} acpi_table_t;

typedef struct acpi_tables {
    acpi_rsdp_t rsdp;
    uint64_t rsdp_pa;
    bool xsdt;            /* the root used is the XSDT (else the RSDT) */
    uint64_t root_pa;
    uint32_t root_len;
    uint32_t root_entries;
    acpi_table_t t[ACPI_MAX_TABLES]; /* the root, then its entries in order (the DSDT after its FADT) */
    size_t n;
    uint32_t skipped;     /* entries not loaded, each with a problem line */
    size_t total_len;     /* bytes held in t[].bytes */
    char problems[ACPI_MAX_PROBLEMS][ACPI_ERR_MAX];
    size_t nproblems;     /* kept; more are counted in problems_dropped */
    uint32_t problems_dropped;
} acpi_tables_t;

/* Loads everything from the RSDP at rsdp_pa. OK when a root table was
 * read (entries it lists may still have been skipped: out->problems);
 * ERR_CORRUPT or ERR_NOT_FOUND with the reason otherwise, out empty.
 * Release with acpi_tables_free, whatever it returned. */
int acpi_load(const acpi_phys_t *phys, uint64_t rsdp_pa, acpi_tables_t *out, acpi_err_t *e);
void acpi_tables_free(acpi_tables_t *t);

/* The i-th loaded table with signature sig (0 = first), or NULL. */
const acpi_table_t *acpi_find(const acpi_tables_t *t, const char *sig, size_t i);

/* Checks one whole table copy of len bytes: the length field equals len
 * (at least the 36-byte header) and the bytes sum to zero. */
int acpi_sdt_check(const uint8_t *p, size_t len, acpi_err_t *e);

/* ---- MADT ("APIC") ---------------------------------------------------- */

typedef struct acpi_cpu {
    uint32_t apic_id;
    uint32_t uid;         /* ACPI processor UID */
    bool enabled;
    bool online_capable;  /* disabled, but may be brought online */
    bool x2apic;          /* from a type 9 entry */
} acpi_cpu_t;

typedef struct acpi_ioapic {
    uint8_t id;
    uint32_t addr;
    uint32_t gsi_base;
} acpi_ioapic_t;

typedef struct acpi_override {
    uint8_t bus;          /* 0: ISA */
    uint8_t source;       /* the bus-relative IRQ */
    uint32_t gsi;
    uint16_t flags;       /* MPS INTI: polarity bits 0-1, trigger bits 2-3 */
} acpi_override_t;

typedef struct acpi_nmi_source {
    uint16_t flags;
    uint32_t gsi;
} acpi_nmi_source_t;

typedef struct acpi_lapic_nmi {
    uint32_t uid;         /* ACPI_UID_ALL: every processor */
    uint16_t flags;
    uint8_t lint;         /* 0 or 1 */
} acpi_lapic_nmi_t;

typedef struct acpi_madt {
    uint64_t lapic_addr;  /* the 32-bit field, or a type 5 override */
    uint32_t flags;       /* bit 0: PC-AT dual 8259 present */
    acpi_cpu_t cpus[ACPI_MAX_CPUS];
    uint32_t ncpus, cpus_total, cpus_enabled; /* kept, listed, listed enabled */
    acpi_ioapic_t ioapics[ACPI_MAX_IOAPICS];
    uint32_t nioapics, ioapics_total;
    acpi_override_t overrides[ACPI_MAX_OVERRIDES];
    uint32_t noverrides, overrides_total;
    acpi_nmi_source_t nmi_sources[ACPI_MAX_NMI_SOURCES];
    uint32_t nnmi_sources, nmi_sources_total;
    acpi_lapic_nmi_t lapic_nmis[ACPI_MAX_LAPIC_NMIS];
    uint32_t nlapic_nmis, lapic_nmis_total;
    uint32_t other_entries; /* types this parser does not keep */
} acpi_madt_t;

int acpi_madt_parse(const uint8_t *p, size_t len, acpi_madt_t *out, acpi_err_t *e);

/* ---- FADT ("FACP") ----------------------------------------------------- */

/* A register: a Generic Address Structure, or one made from a FADT 1.0
 * block address (I/O space, width from the block length). addr 0: absent. */
typedef struct acpi_gas {
    uint8_t space;        /* enum acpi_space, or another space id */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;  /* 0 undefined, 1 byte, 2 word, 3 dword, 4 qword */
    uint64_t addr;
} acpi_gas_t;

#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HW_REDUCED (1u << 20)

typedef struct acpi_fadt {
    uint8_t revision;
    uint32_t length;
    uint16_t sci_irq;
    uint32_t smi_cmd;
    uint8_t acpi_enable, acpi_disable;
    uint32_t flags;
    uint16_t iapc_boot_arch;
    uint64_t facs;        /* X_FIRMWARE_CTRL when set, else FIRMWARE_CTRL */
    uint64_t dsdt;        /* X_DSDT when set, else DSDT */
    bool dsdt_from_x;
    acpi_gas_t pm1a_evt, pm1b_evt, pm1a_cnt, pm1b_cnt, pm_tmr;
    bool reset_supported; /* RESET_REG_SUP, a FADT long enough to hold it, a valid register */
    bool reset_refused;   /* RESET_REG_SUP, but the register is not one the spec allows */
    acpi_gas_t reset_reg;
    uint8_t reset_value;
} acpi_fadt_t;

#define ACPI_FADT_V1_LEN 116u /* through Flags: the ACPI 1.0 table */

int acpi_fadt_parse(const uint8_t *p, size_t len, acpi_fadt_t *out, acpi_err_t *e);

/* ---- \_S5_ from the AML ------------------------------------------------ */

typedef struct acpi_sleep {
    uint8_t typ_a;        /* SLP_TYPa for PM1a_CNT (3 bits) */
    uint8_t typ_b;        /* SLP_TYPb for PM1b_CNT */
    uint32_t offset;      /* of the NameOp in the table */
} acpi_sleep_t;

/* Finds `Name(_S5_, Package(){a, b, ...})` in the AML of a whole DSDT or
 * SSDT (header included: the scan starts after it) and decodes the
 * package's first two integers. ERR_NOT_FOUND: no such name; ERR_CORRUPT:
 * the name is there but its package is not (truncated, not integers, out
 * of range). No interpreter: a name made at run time is not found. */
int acpi_s5_find(const uint8_t *p, size_t len, acpi_sleep_t *out, acpi_err_t *e);

/* ---- MCFG, HPET, DMAR ---------------------------------------------------- */

typedef struct acpi_ecam {
    uint64_t base;        /* the address of bus 0 of the segment */
    uint16_t segment;
    uint8_t bus_start, bus_end;
} acpi_ecam_t;

typedef struct acpi_mcfg {
    acpi_ecam_t ranges[ACPI_MAX_ECAM];
    uint32_t n, total;
} acpi_mcfg_t;

int acpi_mcfg_parse(const uint8_t *p, size_t len, acpi_mcfg_t *out, acpi_err_t *e);

typedef struct acpi_hpet {
    uint64_t addr;        /* register block, system memory */
    uint32_t block_id;    /* the Event Timer Block ID as listed */
    uint8_t number;       /* HPET sequence number */
    uint16_t min_tick;    /* main counter minimum clock tick in periodic mode */
    uint8_t comparators;  /* number of comparators (block_id bits 8-12, + 1) */
    bool counter_64;      /* COUNT_SIZE_CAP */
    bool legacy_capable;  /* LegacyReplacement IRQ routing capable */
    uint16_t vendor;      /* PCI vendor id of the block */
    uint8_t page_protection;
} acpi_hpet_t;

int acpi_hpet_parse(const uint8_t *p, size_t len, acpi_hpet_t *out, acpi_err_t *e);

typedef struct acpi_drhd {
    uint64_t base;        /* remapping unit registers */
    uint16_t segment;
    uint8_t flags;        /* bit 0: INCLUDE_PCI_ALL */
    uint32_t scopes;      /* device scope entries */
} acpi_drhd_t;

typedef struct acpi_dmar {
    uint8_t host_addr_width; /* the DMA address width is this + 1 */
    uint8_t flags;        /* bit 0 INTR_REMAP, bit 1 X2APIC_OPT_OUT */
    acpi_drhd_t units[ACPI_MAX_DRHD];
    uint32_t nunits, units_total;
    uint32_t rmrrs, other;  /* reserved memory regions; other structures */
} acpi_dmar_t;

int acpi_dmar_parse(const uint8_t *p, size_t len, acpi_dmar_t *out, acpi_err_t *e);

/* ---- everything together --------------------------------------------- */

/* enum acpi_state and enum acpi_part are in acpi_abi.h. */
typedef struct acpi_platform {
    uint8_t state[ACPI_NPARTS]; /* enum acpi_state */
    char why[ACPI_NPARTS][ACPI_ERR_MAX];
    acpi_madt_t madt;
    acpi_fadt_t fadt;
    acpi_mcfg_t mcfg;
    acpi_hpet_t hpet;
    acpi_dmar_t dmar;
    acpi_sleep_t s5;
    char s5_table[5];     /* where \_S5_ was found: "DSDT" or "SSDT" */
} acpi_platform_t;

/* Parses the tables of a loaded set: the first valid one of each kind, and
 * \_S5_ from the DSDT (or, if it has none, the first SSDT that does). */
void acpi_platform_build(const acpi_tables_t *t, acpi_platform_t *out);

/* "MADT", "FADT", ... for a part. */
const char *acpi_part_name(enum acpi_part part);

#endif
