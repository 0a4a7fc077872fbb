/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the acpi server's table parsers (servers/acpi/
 * tables.h): the loader, every table parser and the \_S5_ decoder.
 *
 * Model: the first input byte picks the target, the rest is its data.
 *   0      acpi_load + acpi_platform_build over the data as physical memory
 *          at FUZZ_BASE, the RSDP at its start (reads outside fail);
 *   1..5   MADT, FADT, MCFG, HPET, DMAR parsers on the data as one table;
 *   6      acpi_s5_find on the data as a definition block;
 *   7      acpi_rsdp_parse, 8 acpi_rsdp_scan on the data.
 * Each parser gets a heap copy of exactly the data's length (the loader
 * makes its own exact-size copies), so ASan catches any read past it. The
 * target checks the contract, not just the absence of crashes: a refusal is
 * a negative error with a non-empty, terminated reason and (for the table
 * parsers) an all-zero result; an acceptance keeps every promise of
 * tables.h (kept <= total <= what fits, bounded values). A broken promise
 * calls __builtin_trap(), which libFuzzer records as a crash.
 *
 * Not part of the CMake build (as tests/fuzz/fuzz_elf.c). By hand, from the
 * repository root:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iservers/acpi -Ilibsys/include \
 *       tests/fuzz/fuzz_acpi.c servers/acpi/{tables,madt,fadt,aml,mcfg,hpet,dmar,platform}.c \
 *       -o /tmp/fuzz_acpi
 *   mkdir -p /tmp/acpi-corpus && /tmp/fuzz_acpi -max_total_time=60 -max_len=16384 /tmp/acpi-corpus
 * The comparisons against signatures and opcodes are found quickly by
 * libFuzzer's value profiling (-use_value_profile=1 helps the loader).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tables.h"

#define FUZZ_BASE 0x1000ull

#define ENSURE(cond)                                                           \
    do {                                                                       \
        if (!(cond))                                                           \
            __builtin_trap();                                                  \
    } while (0)

typedef struct mem {
    const uint8_t *p;
    size_t len;
} mem_t;

static int mem_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
    const mem_t *m = ctx;
    ENSURE(len > 0 && pa <= UINT64_MAX - (len - 1)); /* the loader's promise */
    if (pa < FUZZ_BASE || pa - FUZZ_BASE > m->len || len > m->len - (pa - FUZZ_BASE))
        return ERR_NOT_FOUND;
    memcpy(buf, m->p + (pa - FUZZ_BASE), len);
    return OK;
}

static void mem_report(void *ctx, const char *msg)
{
    (void)ctx;
    ENSURE(strlen(msg) < ACPI_ERR_MAX && msg[0] != '\0');
}

static bool reason_ok(const acpi_err_t *e) { return memchr(e->msg, '\0', sizeof e->msg) && e->msg[0] != '\0'; }

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* A parser's result: refused cleanly (false), or accepted (true). */
static bool accepted(int rc, const acpi_err_t *e, const void *out, size_t n)
{
    ENSURE(rc == OK || (rc < 0 && reason_ok(e) && all_zero(out, n)));
    return rc == OK;
}

#define REFUSED_OR(rc, e, out) accepted((rc), &(e), &(out), sizeof(out))

static void check_madt(const acpi_madt_t *m)
{
    ENSURE(m->ncpus <= ACPI_MAX_CPUS && m->ncpus <= m->cpus_total && m->cpus_enabled <= m->cpus_total);
    ENSURE(m->nioapics <= ACPI_MAX_IOAPICS && m->nioapics <= m->ioapics_total);
    ENSURE(m->noverrides <= ACPI_MAX_OVERRIDES && m->noverrides <= m->overrides_total);
    ENSURE(m->nnmi_sources <= ACPI_MAX_NMI_SOURCES && m->nnmi_sources <= m->nmi_sources_total);
    ENSURE(m->nlapic_nmis <= ACPI_MAX_LAPIC_NMIS && m->nlapic_nmis <= m->lapic_nmis_total);
    for (uint32_t i = 0; i < m->nlapic_nmis; i++)
        ENSURE(m->lapic_nmis[i].lint <= 1);
    for (uint32_t i = 0; i < m->ncpus; i++)
        ENSURE(!(m->cpus[i].enabled && m->cpus[i].online_capable));
}

static void check_gas(const acpi_gas_t *g, unsigned min_bits)
{
    if (g->addr == 0)
        return;
    ENSURE(g->space == ACPI_SPACE_MEMORY || g->space == ACPI_SPACE_IO);
    ENSURE(g->bit_width >= min_bits);
}

static void check_fadt(const acpi_fadt_t *f, size_t len)
{
    ENSURE(f->length == len && len >= ACPI_FADT_V1_LEN);
    check_gas(&f->pm1a_cnt, 16), check_gas(&f->pm1b_cnt, 16);
    check_gas(&f->pm1a_evt, 32), check_gas(&f->pm1b_evt, 32), check_gas(&f->pm_tmr, 32);
    ENSURE(!(f->reset_supported && f->reset_refused));
    if (f->reset_supported)
        ENSURE(f->reset_reg.bit_width == 8 && f->reset_reg.bit_offset == 0 && f->reset_reg.addr != 0 &&
               f->reset_reg.space <= ACPI_SPACE_PCI_CONFIG && (f->flags & ACPI_FADT_RESET_REG_SUP) && len > 128);
}

static void check_mcfg(const acpi_mcfg_t *m)
{
    ENSURE(m->n <= ACPI_MAX_ECAM && m->n <= m->total);
    for (uint32_t i = 0; i < m->n; i++)
        ENSURE(m->ranges[i].bus_start <= m->ranges[i].bus_end && m->ranges[i].base != 0 &&
               m->ranges[i].base % (1u << 20) == 0);
}

static void check_dmar(const acpi_dmar_t *d)
{
    ENSURE(d->nunits <= ACPI_MAX_DRHD && d->nunits <= d->units_total);
    for (uint32_t i = 0; i < d->nunits; i++)
        ENSURE(d->units[i].base != 0);
}

static void check_platform(const acpi_tables_t *t, const acpi_platform_t *p)
{
    ENSURE(t->n >= 1 && t->n <= ACPI_MAX_TABLES && t->nproblems <= ACPI_MAX_PROBLEMS);
    ENSURE(strcmp(t->t[0].sig, t->xsdt ? "XSDT" : "RSDT") == 0);
    size_t total = 0;
    for (size_t i = 0; i < t->n; i++) {
        ENSURE(acpi_sdt_check(t->t[i].bytes, t->t[i].length, NULL) == OK);
        total += t->t[i].length;
    }
    ENSURE(total == t->total_len && total <= ACPI_MAX_TOTAL_LEN);
    for (int part = 0; part < ACPI_NPARTS; part++) {
        ENSURE(p->state[part] <= ACPI_REFUSED);
        ENSURE(p->state[part] == ACPI_VALID || (memchr(p->why[part], '\0', ACPI_ERR_MAX) && p->why[part][0]));
    }
    if (p->state[ACPI_PART_MADT] == ACPI_VALID)
        check_madt(&p->madt);
    if (p->state[ACPI_PART_MCFG] == ACPI_VALID)
        check_mcfg(&p->mcfg);
    if (p->state[ACPI_PART_DMAR] == ACPI_VALID)
        check_dmar(&p->dmar);
    if (p->state[ACPI_PART_S5] == ACPI_VALID)
        ENSURE(p->s5.typ_a <= 7 && p->s5.typ_b <= 7);
}

static void fuzz_load(const uint8_t *d, size_t n)
{
    static acpi_tables_t t;
    static acpi_platform_t p;
    mem_t m = {d, n};
    acpi_phys_t phys = {&m, mem_read, mem_report};
    acpi_err_t e = {{0}};
    int rc = acpi_load(&phys, FUZZ_BASE, &t, &e);
    if (rc == OK) {
        acpi_platform_build(&t, &p);
        check_platform(&t, &p);
    } else {
        ENSURE(rc < 0 && reason_ok(&e) && t.n == 0);
    }
    acpi_tables_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t which = data[0];
    size_t n = size - 1;
    uint8_t *d = malloc(n ? n : 1);
    if (d == NULL)
        return 0;
    memcpy(d, data + 1, n);
    acpi_err_t e = {{0}};
    int rc;
    static acpi_madt_t madt;
    acpi_fadt_t fadt;
    acpi_mcfg_t mcfg;
    acpi_hpet_t hpet;
    static acpi_dmar_t dmar;
    acpi_sleep_t s5;
    acpi_rsdp_t rsdp;
    uint64_t pa;
    switch (which % 9) {
    case 0:
        fuzz_load(d, n);
        break;
    case 1:
        rc = acpi_madt_parse(d, n, &madt, &e);
        if (REFUSED_OR(rc, e, madt))
            check_madt(&madt);
        break;
    case 2:
        rc = acpi_fadt_parse(d, n, &fadt, &e);
        if (REFUSED_OR(rc, e, fadt))
            check_fadt(&fadt, n);
        break;
    case 3:
        rc = acpi_mcfg_parse(d, n, &mcfg, &e);
        if (REFUSED_OR(rc, e, mcfg))
            check_mcfg(&mcfg);
        break;
    case 4:
        rc = acpi_hpet_parse(d, n, &hpet, &e);
        if (REFUSED_OR(rc, e, hpet))
            ENSURE(hpet.addr != 0 && hpet.comparators >= 1 && hpet.comparators <= 32);
        break;
    case 5:
        rc = acpi_dmar_parse(d, n, &dmar, &e);
        if (REFUSED_OR(rc, e, dmar))
            check_dmar(&dmar);
        break;
    case 6:
        rc = acpi_s5_find(d, n, &s5, &e);
        if (REFUSED_OR(rc, e, s5))
            ENSURE(s5.typ_a <= 7 && s5.typ_b <= 7 && s5.offset >= ACPI_SDT_HDR_LEN && s5.offset < n);
        break;
    case 7:
        rc = acpi_rsdp_parse(d, n, &rsdp, &e);
        if (REFUSED_OR(rc, e, rsdp))
            ENSURE(rsdp.length >= ACPI_RSDP_V1_LEN && rsdp.length <= n && (rsdp.revision >= 2 || rsdp.xsdt == 0));
        break;
    case 8:
        if (acpi_rsdp_scan(d, n, FUZZ_BASE + which, &pa) == OK)
            ENSURE(pa % 16 == 0 && pa >= FUZZ_BASE + which && pa - (FUZZ_BASE + which) + ACPI_RSDP_V1_LEN <= n);
        break;
    }
    free(d);
    return 0;
}
