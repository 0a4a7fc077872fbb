/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The MADT ("APIC"): processors (local APIC and local x2APIC entries),
 * I/O APICs, interrupt source overrides, NMI sources, local APIC NMIs and
 * the local APIC address override.
 *
 * The entries are {type, length} records after a 44-byte header. Each
 * record's length must be at least 2 and fit in the table, or the next one
 * cannot be found: the table is refused. A record of a type kept here must
 * be at least that type's defined size (later revisions may append fields,
 * never remove them); types not kept are counted and stepped over.
 */
#include <string.h>

#include "bytes.h"
#include "tables.h"

#define MADT_HDR_LEN 44u
#define CPU_ENABLED 1u
#define CPU_ONLINE_CAPABLE 2u
#define LAPIC_NMI_ALL 0xffu

typedef int (*madt_entry_fn)(acpi_madt_t *m, const uint8_t *r, size_t off, acpi_err_t *e);

/* Adds to a bounded list: kept while there is room, counted always. */
#define KEEP(arr, n, total, ...)                                                                         \
    do {                                                                                                 \
        if ((n) < sizeof(arr) / sizeof((arr)[0]))                                                        \
            (arr)[(n)++] = __VA_ARGS__;                                                                  \
        (total)++;                                                                                       \
    } while (0)

static void add_cpu(acpi_madt_t *m, uint32_t apic_id, uint32_t uid, uint32_t flags, bool x2apic)
{
    bool enabled = flags & CPU_ENABLED;
    /* Online-capable is defined only for a disabled processor. */
    bool online_capable = !enabled && (flags & CPU_ONLINE_CAPABLE);
    KEEP(m->cpus, m->ncpus, m->cpus_total,
         (acpi_cpu_t){.apic_id = apic_id, .uid = uid, .enabled = enabled, .online_capable = online_capable,
                      .x2apic = x2apic});
    if (enabled)
        m->cpus_enabled++;
}

/* Type 0: u8 processor UID, u8 APIC id, u32 flags. */
static int lapic(acpi_madt_t *m, const uint8_t *r, size_t off, acpi_err_t *e)
{
    (void)off, (void)e;
    add_cpu(m, r[3], r[2], rd32(r + 4), false);
    return OK;
}

/* Type 9: u16 reserved, u32 x2APIC id, u32 flags, u32 processor UID. */
static int x2apic(acpi_madt_t *m, const uint8_t *r, size_t off, acpi_err_t *e)
{
    (void)off, (void)e;
    add_cpu(m, rd32(r + 4), rd32(r + 12), rd32(r + 8), true);
    return OK;
}

/* Type 1: u8 id, u8 reserved, u32 address, u32 GSI base. */
static int ioapic(acpi_madt_t *m, const uint8_t *r, size_t off, acpi_err_t *e)
{
    (void)off, (void)e;
    KEEP(m->ioapics, m->nioapics, m->ioapics_total,
         (acpi_ioapic_t){.id = r[2], .addr = rd32(r + 4), .gsi_base = rd32(r + 8)});
    return OK;
}

/* Type 2: u8 bus, u8 source, u32 GSI, u16 flags. */
static int override(acpi_madt_t *m, const uint8_t *r, size_t off, acpi_err_t *e)
{
    (void)off, (void)e;
    KEEP(m->overrides, m->noverrides, m->overrides_total,
         (acpi_override_t){.bus = r[2], .source = r[3], .gsi = rd32(r + 4), .flags = rd16(r + 8)});
    return OK;
}

/* Type 3: u16 flags, u32 GSI. */
static int nmi_source(acpi_madt_t *m, const uint8_t *r, size_t off, acpi_err_t *e)
{
    (void)off, (void)e;
    KEEP(m->nmi_sources, m->nnmi_sources, m->nmi_sources_total,
         (acpi_nmi_source_t){.flags = rd16(r + 2), .gsi = rd32(r + 4)});
    return OK;
}

static int add_lapic_nmi(acpi_madt_t *m, uint32_t uid, uint16_t flags, uint8_t lint, size_t off, acpi_err_t *e)
{
    if (lint > 1)
        return acpi_fail(e, ERR_CORRUPT, "MADT: local APIC NMI at offset %#zx names LINT%u (a local APIC has 0 and 1)",
                         off, lint);
    KEEP(m->lapic_nmis, m->nlapic_nmis, m->lapic_nmis_total,
         (acpi_lapic_nmi_t){.uid = uid, .flags = flags, .lint = lint});
    return OK;
}

/* Type 4: u8 processor UID (0xff: all), u16 flags, u8 LINT#. */
static int lapic_nmi(acpi_madt_t *m, const uint8_t *r, size_t off, acpi_err_t *e)
{
    return add_lapic_nmi(m, r[2] == LAPIC_NMI_ALL ? ACPI_UID_ALL : r[2], rd16(r + 3), r[5], off, e);
}

/* Type 10: u16 flags, u32 processor UID (all ones: all), u8 LINT#. */
static int x2apic_nmi(acpi_madt_t *m, const uint8_t *r, size_t off, acpi_err_t *e)
{
    return add_lapic_nmi(m, rd32(r + 4), rd16(r + 2), r[8], off, e);
}

/* Type 5: u16 reserved, u64 address replacing the 32-bit one. */
static int lapic_addr(acpi_madt_t *m, const uint8_t *r, size_t off, acpi_err_t *e)
{
    (void)off, (void)e;
    m->lapic_addr = rd64(r + 4);
    return OK;
}

static const struct madt_kind {
    uint8_t type;
    uint8_t min_len;
    const char *name;
    madt_entry_fn parse;
} KINDS[] = {
    {0, 8, "local APIC", lapic},
    {1, 12, "I/O APIC", ioapic},
    {2, 10, "interrupt source override", override},
    {3, 8, "NMI source", nmi_source},
    {4, 6, "local APIC NMI", lapic_nmi},
    {5, 12, "local APIC address override", lapic_addr},
    {9, 16, "local x2APIC", x2apic},
    {10, 12, "local x2APIC NMI", x2apic_nmi},
};

static int entry(acpi_madt_t *m, const uint8_t *r, size_t off, acpi_err_t *e)
{
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++) {
        const struct madt_kind *k = &KINDS[i];
        if (k->type != r[0])
            continue;
        if (r[1] < k->min_len)
            return acpi_fail(e, ERR_CORRUPT, "MADT: %s entry at offset %#zx has length %u (< %u)", k->name, off,
                             r[1], k->min_len);
        return k->parse(m, r, off, e);
    }
    m->other_entries++;
    return OK;
}

static int walk(const uint8_t *p, size_t len, acpi_madt_t *out, acpi_err_t *e)
{
    if (len < MADT_HDR_LEN)
        return acpi_fail(e, ERR_CORRUPT, "MADT: %zu bytes, the header alone is %u", len, MADT_HDR_LEN);
    out->lapic_addr = rd32(p + 36);
    out->flags = rd32(p + 40);
    bool overridden = false;
    for (size_t off = MADT_HDR_LEN; off < len;) {
        size_t room = len - off;
        int err;
        if (room < 2)
            return acpi_fail(e, ERR_CORRUPT, "MADT: entry header at offset %#zx is cut off by the table end %#zx",
                             off, len);
        uint8_t type = p[off], elen = p[off + 1];
        if (elen < 2)
            return acpi_fail(e, ERR_CORRUPT, "MADT: entry at offset %#zx (type %u) has length %u", off, type, elen);
        if (elen > room)
            return acpi_fail(e, ERR_CORRUPT, "MADT: entry at offset %#zx (type %u, length %u) runs past the table end %#zx",
                             off, type, elen, len);
        if (type == 5 && overridden)
            return acpi_fail(e, ERR_CORRUPT, "MADT: a second local APIC address override at offset %#zx", off);
        overridden |= type == 5;
        if ((err = entry(out, p + off, off, e)) != OK)
            return err;
        off += elen;
    }
    return OK;
}

int acpi_madt_parse(const uint8_t *p, size_t len, acpi_madt_t *out, acpi_err_t *e)
{
    memset(out, 0, sizeof *out);
    int err = walk(p, len, out, e);
    if (err != OK)
        memset(out, 0, sizeof *out); /* refused whole: no partial lists */
    return err;
}
