/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Minimal ACPI table reader (see init/acpi_tables.h).
 *
 * Model: each layer validates its container before looking inside it.
 *   acpi_check_rsdp()  the RSDP copy: signature, checksum of the first 20
 *                      bytes and, from revision 2, the extended checksum over
 *                      a length bounded by the copy; yields the root addresses;
 *   acpi_load_sdt()    one System Description Table at a physical address:
 *                      the 36-byte header is mapped first, then the length it
 *                      claims is bounded (36 .. 1 MiB), mapped and checksummed;
 *   acpi_pick_root()   the XSDT when the RSDP has one and it validates, else
 *                      the RSDT;
 *   acpi_walk_root()   the root's entries (u32 or unaligned u64 addresses);
 *                      each listed table's header is mapped and only "APIC"
 *                      and "HPET" are loaded, the rest belong to the acpi server;
 *   madt_*()           the MADT entry list: {type, length} bounded by the
 *                      table, then fields bounded by the type's defined size
 *                      (MADT_KINDS), each kind with its own small handler.
 * Everything is read with byte-wise little-endian loads, so unaligned
 * firmware fields can neither trap nor break aliasing rules. Reports are
 * capped so that hostile firmware cannot flood the early log.
 */
#include "init/acpi_tables.h"
#include "lib/kassert.h"
#include "lib/kprintf.h"
#include "lib/kstring.h"

#define RSDP_V1_LEN 20u          /* checksummed part of every RSDP */
#define RSDP_V2_LEN 36u          /* revision 2+: adds length, XSDT, ext. checksum */
#define SDT_HDR_LEN 36u
#define ACPI_MAX_TABLE_LEN (1u << 20) /* far above any real MADT/HPET/root table */
#define MADT_HDR_LEN 44u         /* SDT header + local APIC address + flags */
#define HPET_GAS_OFF 40u         /* Generic Address Structure of the base address */
#define HPET_MIN_LEN 52u         /* through the end of that structure */
#define GAS_SPACE_SYSTEM_MEMORY 0u

#define MADT_FLAG_PCAT_COMPAT 1u
#define CPU_FLAG_ENABLED 1u
#define CPU_FLAG_ONLINE_CAPABLE 2u
#define XAPIC_BROADCAST_ID 0xffu
#define X2APIC_BROADCAST_ID 0xffffffffu
#define LAPIC_NMI_ALL_CPUS 0xffu   /* in the 8-bit UID of a type-4 entry */
#define LAPIC_MAX_LINT 1u          /* a local APIC has LINT0 and LINT1 only */

#define ACPI_MSG_MAX 200
#define ACPI_MAX_REPORTS 64

typedef struct acpi_parser {
    const acpi_mem_t *mem;
    acpi_platform_t *out;
    bool have_madt;
    bool have_lapic_override;
    unsigned reports;     /* messages passed to mem->report, the cap included */
    unsigned suppressed;  /* messages dropped once the cap was reached */
    size_t dropped_cpus, dropped_ioapics, dropped_overrides, dropped_nmis;
} acpi_parser_t;

/* A validated table: p[0, len) is mapped and its bytes sum to zero. */
typedef struct acpi_sdt {
    const uint8_t *p;
    uint32_t len;
    paddr_t pa;
} acpi_sdt_t;

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static unsigned long long ull(paddr_t pa) { return (unsigned long long)pa; }

static uint8_t acpi_sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

static PRINTF_LIKE(2, 3) void acpi_say(acpi_parser_t *ps, const char *fmt, ...)
{
    if (ps->mem->report == NULL)
        return;
    if (ps->reports >= ACPI_MAX_REPORTS - 1) {
        ps->suppressed++; /* the last slot is kept for the summary */
        return;
    }
    ps->reports++;
    char msg[ACPI_MSG_MAX];
    int n = ksnprintf(msg, sizeof(msg), "acpi: ");
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
    va_end(ap);
    ps->mem->report(ps->mem->ctx, msg);
}

static void acpi_flush_reports(acpi_parser_t *ps)
{
    if (ps->suppressed == 0 || ps->mem->report == NULL)
        return;
    char msg[ACPI_MSG_MAX];
    ksnprintf(msg, sizeof(msg), "acpi: %u further messages suppressed", ps->suppressed);
    ps->mem->report(ps->mem->ctx, msg);
}

/* Firmware signatures go into messages; bytes that are not printable ASCII
 * are shown as '?' so a corrupt table cannot write control codes to the log. */
static void sig_text(const uint8_t *p, char text[5])
{
    for (int i = 0; i < 4; i++)
        text[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    text[4] = '\0';
}

/* The mapper need not guard against ranges wrapping past 2^64; we do. */
static const uint8_t *acpi_map(const acpi_parser_t *ps, paddr_t pa, size_t len)
{
    if (len > 0 && pa > UINT64_MAX - (len - 1))
        return NULL;
    return ps->mem->map(ps->mem->ctx, pa, len);
}

/* ---- RSDP and root table ------------------------------------------------ */

/* Revision 2+: the extended part, with its own length and checksum. */
static int acpi_check_rsdp_ext(acpi_parser_t *ps, const uint8_t *r, size_t n, unsigned rev)
{
    if (n < RSDP_V2_LEN) {
        acpi_say(ps, "revision %u RSDP copy holds %zu bytes (< %u); ACPI ignored", rev, n,
                 RSDP_V2_LEN);
        return ERR_CORRUPT;
    }
    uint32_t len = rd32(r + 20);
    if (len < RSDP_V2_LEN || len > n) {
        acpi_say(ps, "RSDP length %u is outside %u..%zu (the copy); ACPI ignored", len,
                 RSDP_V2_LEN, n);
        return ERR_CORRUPT;
    }
    if (acpi_sum(r, len) != 0) {
        acpi_say(ps, "RSDP extended checksum is wrong; ACPI ignored");
        return ERR_CORRUPT;
    }
    return OK;
}

static int acpi_check_rsdp(acpi_parser_t *ps, const uint8_t *r, size_t n,
                           paddr_t *rsdt, paddr_t *xsdt)
{
    if (n < RSDP_V1_LEN) {
        acpi_say(ps, "RSDP copy holds %zu bytes (< %u); ACPI ignored", n, RSDP_V1_LEN);
        return ERR_CORRUPT;
    }
    if (memcmp(r, "RSD PTR ", 8) != 0) {
        acpi_say(ps, "RSDP has a bad signature; ACPI ignored");
        return ERR_CORRUPT;
    }
    if (acpi_sum(r, RSDP_V1_LEN) != 0) {
        acpi_say(ps, "RSDP checksum is wrong; ACPI ignored");
        return ERR_CORRUPT;
    }
    /* ACPI 1.0 wrote revision 0 and 2.0 jumped to 2; 1 was never used. */
    unsigned rev = r[15];
    *rsdt = rd32(r + 16);
    *xsdt = 0;
    if (rev >= 2) {
        int err = acpi_check_rsdp_ext(ps, r, n, rev);
        if (err != OK)
            return err;
        *xsdt = rd64(r + 24);
    }
    ps->out->rsdp_revision = rev;
    return OK;
}

/* Loads the table at pa if it carries signature `sig` and passes the length
 * and checksum checks; otherwise reports why and returns false. */
static bool acpi_load_sdt(acpi_parser_t *ps, paddr_t pa, const char *sig, acpi_sdt_t *t)
{
    const uint8_t *h = acpi_map(ps, pa, SDT_HDR_LEN);
    if (h == NULL) {
        acpi_say(ps, "%s at %#llx: header not readable; table skipped", sig, ull(pa));
        return false;
    }
    if (memcmp(h, sig, 4) != 0) {
        char found[5];
        sig_text(h, found);
        acpi_say(ps, "%s at %#llx has signature \"%s\"; table skipped", sig, ull(pa), found);
        return false;
    }
    uint32_t len = rd32(h + 4);
    if (len < SDT_HDR_LEN || len > ACPI_MAX_TABLE_LEN) {
        acpi_say(ps, "%s at %#llx has length %#x (need %#x..%#x); table skipped", sig, ull(pa),
                 len, SDT_HDR_LEN, ACPI_MAX_TABLE_LEN);
        return false;
    }
    const uint8_t *p = acpi_map(ps, pa, len);
    if (p == NULL) {
        acpi_say(ps, "%s at %#llx: %#x bytes not readable; table skipped", sig, ull(pa), len);
        return false;
    }
    if (acpi_sum(p, len) != 0) {
        acpi_say(ps, "%s at %#llx has a bad checksum; table skipped", sig, ull(pa));
        return false;
    }
    *t = (acpi_sdt_t){ .p = p, .len = len, .pa = pa };
    return true;
}

static bool acpi_pick_root(acpi_parser_t *ps, paddr_t rsdt, paddr_t xsdt, acpi_sdt_t *root)
{
    acpi_platform_t *out = ps->out;
    if (xsdt != 0) {
        if (acpi_load_sdt(ps, xsdt, "XSDT", root)) {
            out->xsdt = true;
            out->rsdt_or_xsdt = xsdt;
            return true;
        }
        if (rsdt != 0)
            acpi_say(ps, "falling back to the RSDT at %#llx", ull(rsdt));
    }
    if (rsdt == 0) {
        acpi_say(ps, "RSDP gives no usable root table");
        return false;
    }
    if (!acpi_load_sdt(ps, rsdt, "RSDT", root))
        return false;
    out->rsdt_or_xsdt = rsdt;
    return true;
}

/* ---- MADT entries ------------------------------------------------------- */

static bool cpu_known(const acpi_platform_t *out, uint32_t apic_id)
{
    for (size_t i = 0; i < out->ncpus; i++) {
        if (out->cpus[i].apic_id == apic_id)
            return true;
    }
    return false;
}

static void madt_add_cpu(acpi_parser_t *ps, size_t off, uint32_t apic_id, uint32_t broadcast,
                         uint32_t uid, uint32_t flags)
{
    acpi_platform_t *out = ps->out;
    bool enabled = flags & CPU_FLAG_ENABLED;
    /* Online-capable is defined only for a disabled processor (reserved otherwise). */
    bool online_capable = !enabled && (flags & CPU_FLAG_ONLINE_CAPABLE);
    if (!enabled && !online_capable)
        return; /* an absent processor: normal, e.g. unused hot-plug slots */
    if (apic_id == broadcast) {
        acpi_say(ps, "MADT processor at offset %#zx has the broadcast APIC id %#x; entry ignored",
                 off, apic_id);
        return;
    }
    if (cpu_known(out, apic_id)) {
        acpi_say(ps, "MADT processor at offset %#zx repeats APIC id %u; entry ignored", off,
                 apic_id);
        return;
    }
    if (out->ncpus == ACPI_MAX_CPUS) {
        ps->dropped_cpus++;
        return;
    }
    out->cpus[out->ncpus++] = (acpi_cpu_t){ .apic_id = apic_id, .acpi_uid = uid,
                                            .enabled = enabled, .online_capable = online_capable };
}

/* Type 0: u8 ACPI processor UID, u8 APIC id, u32 flags. */
static void madt_lapic(acpi_parser_t *ps, const uint8_t *e, size_t off)
{
    madt_add_cpu(ps, off, e[3], XAPIC_BROADCAST_ID, e[2], rd32(e + 4));
}

/* Type 9: u16 reserved, u32 x2APIC id, u32 flags, u32 ACPI processor UID. */
static void madt_x2apic(acpi_parser_t *ps, const uint8_t *e, size_t off)
{
    madt_add_cpu(ps, off, rd32(e + 4), X2APIC_BROADCAST_ID, rd32(e + 12), rd32(e + 8));
}

/* Type 1: u8 I/O APIC id, u8 reserved, u32 address, u32 GSI base. */
static void madt_ioapic(acpi_parser_t *ps, const uint8_t *e, size_t off)
{
    (void)off;
    acpi_platform_t *out = ps->out;
    if (out->nioapics == ACPI_MAX_IOAPICS) {
        ps->dropped_ioapics++;
        return;
    }
    out->ioapics[out->nioapics++] = (acpi_ioapic_t){ .id = e[2], .addr = rd32(e + 4),
                                                     .gsi_base = rd32(e + 8) };
}

/* Type 2: u8 bus, u8 source IRQ, u32 GSI, u16 MPS INTI flags. */
static void madt_override(acpi_parser_t *ps, const uint8_t *e, size_t off)
{
    (void)off;
    acpi_platform_t *out = ps->out;
    if (out->noverrides == ACPI_MAX_OVERRIDES) {
        ps->dropped_overrides++;
        return;
    }
    out->overrides[out->noverrides++] = (acpi_override_t){ .bus = e[2], .source_irq = e[3],
                                                           .gsi = rd32(e + 4),
                                                           .flags = rd16(e + 8) };
}

static void madt_add_nmi(acpi_parser_t *ps, size_t off, uint32_t uid, uint16_t flags,
                         uint8_t lint)
{
    acpi_platform_t *out = ps->out;
    /* The kernel indexes the LVT by lint; anything else would program a
     * register that is not a LINT entry. */
    if (lint > LAPIC_MAX_LINT) {
        acpi_say(ps, "MADT local APIC NMI at offset %#zx names LINT%u; entry ignored", off, lint);
        return;
    }
    if (out->nnmis == ACPI_MAX_NMIS) {
        ps->dropped_nmis++;
        return;
    }
    out->nmis[out->nnmis++] = (acpi_lapic_nmi_t){ .acpi_uid = uid, .flags = flags, .lint = lint };
}

/* Type 4: u8 ACPI processor UID (0xff = all), u16 MPS INTI flags, u8 LINT#. */
static void madt_lapic_nmi(acpi_parser_t *ps, const uint8_t *e, size_t off)
{
    uint32_t uid = e[2] == LAPIC_NMI_ALL_CPUS ? ACPI_NMI_ALL_CPUS : e[2];
    madt_add_nmi(ps, off, uid, rd16(e + 3), e[5]);
}

/* Type 10: u16 MPS INTI flags, u32 ACPI processor UID (all ones = all), u8 LINT#. */
static void madt_x2apic_nmi(acpi_parser_t *ps, const uint8_t *e, size_t off)
{
    madt_add_nmi(ps, off, rd32(e + 4), rd16(e + 2), e[8]);
}

/* Type 5: u16 reserved, u64 local APIC address, replacing the 32-bit one. */
static void madt_lapic_addr(acpi_parser_t *ps, const uint8_t *e, size_t off)
{
    if (ps->have_lapic_override) {
        acpi_say(ps, "MADT has a second local APIC address override (offset %#zx); entry ignored",
                 off);
        return;
    }
    ps->have_lapic_override = true;
    ps->out->lapic_addr = rd64(e + 4);
}

/* The entry types the kernel reads, with their defined sizes; an entry may
 * be longer (later revisions append fields), never shorter. */
typedef struct madt_kind {
    uint8_t type;
    uint8_t min_len;
    const char *name;
    void (*parse)(acpi_parser_t *ps, const uint8_t *e, size_t off);
} madt_kind_t;

static const madt_kind_t MADT_KINDS[] = {
    { 0, 8, "local APIC", madt_lapic },
    { 1, 12, "I/O APIC", madt_ioapic },
    { 2, 10, "interrupt source override", madt_override },
    { 4, 6, "local APIC NMI", madt_lapic_nmi },
    { 5, 12, "local APIC address override", madt_lapic_addr },
    { 9, 16, "local x2APIC", madt_x2apic },
    { 10, 12, "local x2APIC NMI", madt_x2apic_nmi },
};

static void madt_entry(acpi_parser_t *ps, const uint8_t *e, size_t off)
{
    for (size_t i = 0; i < ARRAY_SIZE(MADT_KINDS); i++) {
        const madt_kind_t *k = &MADT_KINDS[i];
        if (k->type != e[0])
            continue;
        if (e[1] < k->min_len) {
            acpi_say(ps, "MADT %s entry at offset %#zx has length %u (< %u); entry ignored",
                     k->name, off, e[1], k->min_len);
            return;
        }
        k->parse(ps, e, off);
        return;
    }
    /* Other types (NMI sources, SAPIC, GIC, ...) are not the kernel's concern. */
}

/* Walks the entries; a broken {type, length} ends the walk, since the next
 * entry can no longer be located. */
static void madt_walk(acpi_parser_t *ps, const acpi_sdt_t *t)
{
    size_t off = MADT_HDR_LEN;
    while (off < t->len) {
        size_t room = t->len - off;
        if (room < 2) {
            acpi_say(ps, "MADT entry header at offset %#zx is cut off by the table end (%#x); "
                     "rest of MADT ignored", off, t->len);
            return;
        }
        uint8_t type = t->p[off], len = t->p[off + 1];
        if (len < 2) {
            acpi_say(ps, "MADT entry at offset %#zx (type %u) has length %u; rest of MADT "
                     "ignored", off, type, len);
            return;
        }
        if (len > room) {
            acpi_say(ps, "MADT entry at offset %#zx (type %u, length %u) runs past the table "
                     "end (%#x); rest of MADT ignored", off, type, len, t->len);
            return;
        }
        madt_entry(ps, t->p + off, off);
        off += len;
    }
}

static void madt_report_dropped(acpi_parser_t *ps)
{
    if (ps->dropped_cpus > 0)
        acpi_say(ps, "MADT lists %zu more processors than the %d kept; they stay offline",
                 ps->dropped_cpus, ACPI_MAX_CPUS);
    if (ps->dropped_ioapics > 0)
        acpi_say(ps, "MADT lists %zu more I/O APICs than the %d kept; their GSIs are unusable",
                 ps->dropped_ioapics, ACPI_MAX_IOAPICS);
    if (ps->dropped_overrides > 0)
        acpi_say(ps, "MADT lists %zu more interrupt source overrides than the %d kept; "
                 "they are ignored", ps->dropped_overrides, ACPI_MAX_OVERRIDES);
    if (ps->dropped_nmis > 0)
        acpi_say(ps, "MADT lists %zu more local APIC NMIs than the %d kept; they are ignored",
                 ps->dropped_nmis, ACPI_MAX_NMIS);
}

/* ---- the two tables the kernel reads ------------------------------------ */

static void acpi_madt_at(acpi_parser_t *ps, paddr_t pa)
{
    if (ps->have_madt) {
        acpi_say(ps, "another MADT at %#llx ignored; the first valid one is used", ull(pa));
        return;
    }
    acpi_sdt_t t;
    if (!acpi_load_sdt(ps, pa, "APIC", &t))
        return;
    if (t.len < MADT_HDR_LEN) {
        acpi_say(ps, "APIC at %#llx has length %#x (< %#x); table skipped", ull(pa), t.len,
                 MADT_HDR_LEN);
        return;
    }
    ps->have_madt = true;
    ps->out->lapic_addr = rd32(t.p + 36);
    ps->out->pcat_compat = rd32(t.p + 40) & MADT_FLAG_PCAT_COMPAT;
    madt_walk(ps, &t);
    madt_report_dropped(ps);
}

/* Several HPET tables mean several timer blocks; the first usable one is
 * enough to calibrate the LAPIC timer. */
static void acpi_hpet_at(acpi_parser_t *ps, paddr_t pa)
{
    acpi_platform_t *out = ps->out;
    if (out->has_hpet)
        return;
    acpi_sdt_t t;
    if (!acpi_load_sdt(ps, pa, "HPET", &t))
        return;
    if (t.len < HPET_MIN_LEN) {
        acpi_say(ps, "HPET at %#llx has length %#x (< %#x); table skipped", ull(pa), t.len,
                 HPET_MIN_LEN);
        return;
    }
    const uint8_t *gas = t.p + HPET_GAS_OFF;
    paddr_t base = rd64(gas + 4);
    if (gas[0] != GAS_SPACE_SYSTEM_MEMORY || base == 0) {
        acpi_say(ps, "HPET at %#llx: base %#llx in address space %u is not usable memory; "
                 "HPET ignored", ull(pa), ull(base), gas[0]);
        return;
    }
    out->has_hpet = true;
    out->hpet_addr = base;
}

/* One root entry: the header tells what the table is before we trust it. */
static void acpi_visit(acpi_parser_t *ps, const char *root, size_t i, paddr_t pa)
{
    if (pa == 0) {
        acpi_say(ps, "%s entry %zu is null; skipped", root, i);
        return;
    }
    const uint8_t *h = acpi_map(ps, pa, SDT_HDR_LEN);
    if (h == NULL) {
        acpi_say(ps, "%s entry %zu: table at %#llx not readable; skipped", root, i, ull(pa));
        return;
    }
    if (memcmp(h, "APIC", 4) == 0)
        acpi_madt_at(ps, pa);
    else if (memcmp(h, "HPET", 4) == 0)
        acpi_hpet_at(ps, pa);
}

static void acpi_walk_root(acpi_parser_t *ps, const acpi_sdt_t *root)
{
    const char *name = ps->out->xsdt ? "XSDT" : "RSDT";
    size_t esize = ps->out->xsdt ? 8 : 4;
    size_t body = root->len - SDT_HDR_LEN;
    if (body % esize != 0)
        acpi_say(ps, "%s ends with %zu stray bytes; ignored", name, body % esize);
    for (size_t i = 0; i < body / esize; i++) {
        const uint8_t *e = root->p + SDT_HDR_LEN + i * esize;
        acpi_visit(ps, name, i, esize == 8 ? rd64(e) : rd32(e));
    }
}

int acpi_read_platform(const void *rsdp, size_t rsdp_len, const acpi_mem_t *mem,
                       acpi_platform_t *out)
{
    kassert(mem != NULL && mem->map != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    acpi_parser_t ps = { .mem = mem, .out = out };
    int err = ERR_NOT_FOUND;
    paddr_t rsdt, xsdt;
    acpi_sdt_t root;
    if (rsdp == NULL) {
        acpi_say(&ps, "no RSDP; no ACPI tables");
        goto done;
    }
    err = acpi_check_rsdp(&ps, rsdp, rsdp_len, &rsdt, &xsdt);
    if (err != OK) {
        memset(out, 0, sizeof(*out));
        goto done;
    }
    if (acpi_pick_root(&ps, rsdt, xsdt, &root))
        acpi_walk_root(&ps, &root);
    err = ps.have_madt ? OK : ERR_NOT_FOUND;
    if (err != OK)
        acpi_say(&ps, "no valid MADT");
done:
    acpi_flush_reports(&ps);
    return err;
}
