/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the kernel's minimal ACPI reader (kernel/init/acpi_tables.c).
 *
 * Model: fake physical memory is a handful of regions, each an exact-size
 * heap buffer at a chosen fake physical address. The mapper answers a
 * request only when it lies wholly inside one region (anything else counts
 * as a miss and returns NULL), and it answers with a fresh exact-size copy
 * whose alignment mirrors the physical address, so ASan catches a read past
 * what was mapped and UBSan an unaligned wide load. A table builder (tbl_*)
 * writes SDTs with correct lengths and checksums; tests then break exactly
 * the property they are about. Reports are captured and checked. The last
 * tests truncate and randomly mutate a rich MADT (checksum recomputed so the
 * parser reaches the entries) and check the invariants of every result.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "init/acpi_tables.h"

/* ---- fake physical memory ------------------------------------------------ */

#define MAX_REGIONS 16

typedef struct region {
    paddr_t pa;
    size_t len;
    uint8_t *buf;
} region_t;

static struct {
    region_t r[MAX_REGIONS];
    size_t n;
    void **maps; /* every copy handed out, freed by mem_reset() */
    size_t nmaps, capmaps;
    unsigned calls, misses, wraps;
} M;

static void mem_reset(void)
{
    for (size_t i = 0; i < M.n; i++)
        free(M.r[i].buf);
    for (size_t i = 0; i < M.nmaps; i++)
        free(M.maps[i]);
    free(M.maps);
    memset(&M, 0, sizeof(M));
}

static void mem_add(paddr_t pa, const void *data, size_t len)
{
    if (M.n == MAX_REGIONS || len == 0)
        abort();
    for (size_t i = 0; i < M.n; i++) {
        if (pa < M.r[i].pa + M.r[i].len && M.r[i].pa < pa + len)
            abort(); /* a test's layout is broken, not the reader */
    }
    uint8_t *b = malloc(len);
    if (b == NULL)
        abort();
    memcpy(b, data, len);
    M.r[M.n++] = (region_t){ .pa = pa, .len = len, .buf = b };
}

static void *remember(void *p)
{
    if (M.nmaps == M.capmaps) {
        M.capmaps = M.capmaps ? 2 * M.capmaps : 64;
        M.maps = realloc(M.maps, M.capmaps * sizeof(void *));
        if (M.maps == NULL)
            abort();
    }
    return M.maps[M.nmaps++] = p;
}

static const void *fake_map(void *ctx, paddr_t pa, size_t len)
{
    (void)ctx;
    M.calls++;
    if (len == 0 || pa > UINT64_MAX - (len - 1)) {
        M.wraps++; /* the reader promises never to ask for these */
        return NULL;
    }
    for (size_t i = 0; i < M.n; i++) {
        const region_t *r = &M.r[i];
        if (pa < r->pa || pa - r->pa > r->len || len > r->len - (pa - r->pa))
            continue;
        size_t mis = (size_t)(pa & 7);
        uint8_t *copy = remember(malloc(mis + len));
        if (copy == NULL)
            abort();
        memcpy(copy + mis, r->buf + (pa - r->pa), len);
        return copy + mis;
    }
    M.misses++;
    return NULL;
}

/* ---- table builder ------------------------------------------------------- */

typedef struct tbl {
    uint8_t b[8192];
    size_t len;
} tbl_t;

static void t_bytes(tbl_t *t, const void *p, size_t n)
{
    if (t->len + n > sizeof(t->b))
        abort();
    memcpy(t->b + t->len, p, n);
    t->len += n;
}

static void t_u8(tbl_t *t, uint8_t v) { t_bytes(t, &v, 1); }
static void t_u16(tbl_t *t, uint16_t v) { t_bytes(t, &v, 2); }
static void t_u32(tbl_t *t, uint32_t v) { t_bytes(t, &v, 4); }
static void t_u64(tbl_t *t, uint64_t v) { t_bytes(t, &v, 8); }

static void sdt_begin(tbl_t *t, const char *sig)
{
    t->len = 0;
    t_bytes(t, sig, 4);
    t_u32(t, 0);             /* length, set by sdt_seal() */
    t_u8(t, 1);              /* revision */
    t_u8(t, 0);              /* checksum, set by sdt_seal() */
    t_bytes(t, "CAIRN ", 6);
    t_bytes(t, "TESTTBL ", 8);
    t_u32(t, 1);             /* OEM revision */
    t_u32(t, 0x4e524143);    /* creator id */
    t_u32(t, 1);             /* creator revision */
}

/* Makes the table's bytes sum to zero (over its real size, not its length
 * field, so a lying length still passes a checksum it should not reach). */
static void sdt_resum(tbl_t *t)
{
    uint8_t s = 0;
    t->b[9] = 0;
    for (size_t i = 0; i < t->len; i++)
        s = (uint8_t)(s + t->b[i]);
    t->b[9] = (uint8_t)-s;
}

static void sdt_set_len(tbl_t *t, uint32_t len)
{
    memcpy(t->b + 4, &len, 4);
    sdt_resum(t);
}

static void sdt_seal(tbl_t *t) { sdt_set_len(t, (uint32_t)t->len); }

static void madt_begin(tbl_t *t, uint32_t lapic, uint32_t flags)
{
    sdt_begin(t, "APIC");
    t_u32(t, lapic);
    t_u32(t, flags);
}

static void e_lapic(tbl_t *t, uint8_t uid, uint8_t id, uint32_t flags)
{
    t_u8(t, 0), t_u8(t, 8), t_u8(t, uid), t_u8(t, id), t_u32(t, flags);
}

static void e_ioapic(tbl_t *t, uint8_t id, uint32_t addr, uint32_t gsi)
{
    t_u8(t, 1), t_u8(t, 12), t_u8(t, id), t_u8(t, 0), t_u32(t, addr), t_u32(t, gsi);
}

static void e_iso(tbl_t *t, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    t_u8(t, 2), t_u8(t, 10), t_u8(t, 0), t_u8(t, irq), t_u32(t, gsi), t_u16(t, flags);
}

static void e_nmi(tbl_t *t, uint8_t uid, uint16_t flags, uint8_t lint)
{
    t_u8(t, 4), t_u8(t, 6), t_u8(t, uid), t_u16(t, flags), t_u8(t, lint);
}

static void e_lapic_addr(tbl_t *t, uint64_t addr)
{
    t_u8(t, 5), t_u8(t, 12), t_u16(t, 0), t_u64(t, addr);
}

static void e_x2apic(tbl_t *t, uint32_t id, uint32_t flags, uint32_t uid)
{
    t_u8(t, 9), t_u8(t, 16), t_u16(t, 0), t_u32(t, id), t_u32(t, flags), t_u32(t, uid);
}

static void e_x2nmi(tbl_t *t, uint16_t flags, uint32_t uid, uint8_t lint)
{
    t_u8(t, 10), t_u8(t, 12), t_u16(t, flags), t_u32(t, uid), t_u8(t, lint);
    t_u8(t, 0), t_u8(t, 0), t_u8(t, 0);
}

/* An entry of any type claiming length len, with zero payload. */
static void e_raw(tbl_t *t, uint8_t type, uint8_t len)
{
    t_u8(t, type);
    t_u8(t, len);
    for (unsigned i = 2; i < len; i++)
        t_u8(t, 0);
}

static void hpet_build(tbl_t *t, uint8_t space, uint64_t base)
{
    sdt_begin(t, "HPET");
    t_u32(t, 0x8086a201);  /* event timer block id */
    t_u8(t, space), t_u8(t, 0), t_u8(t, 0), t_u8(t, 0), t_u64(t, base);
    t_u8(t, 0);            /* HPET number */
    t_u16(t, 0x80);        /* minimum tick */
    t_u8(t, 0);            /* page protection */
    sdt_seal(t);
}

static void root_build(tbl_t *t, bool x, const uint64_t *e, size_t n)
{
    sdt_begin(t, x ? "XSDT" : "RSDT");
    for (size_t i = 0; i < n; i++) {
        if (x)
            t_u64(t, e[i]);
        else
            t_u32(t, (uint32_t)e[i]);
    }
    sdt_seal(t);
}

static size_t rsdp_build(uint8_t *r, unsigned rev, uint32_t rsdt, uint64_t xsdt)
{
    memset(r, 0, 36);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "CAIRN ", 6);
    r[15] = (uint8_t)rev;
    memcpy(r + 16, &rsdt, 4);
    uint8_t s = 0;
    for (int i = 0; i < 20; i++)
        s = (uint8_t)(s + r[i]);
    r[8] = (uint8_t)-s;
    if (rev < 2)
        return 20;
    uint32_t len = 36;
    memcpy(r + 20, &len, 4);
    memcpy(r + 24, &xsdt, 8);
    s = 0;
    for (int i = 0; i < 36; i++)
        s = (uint8_t)(s + r[i]);
    r[32] = (uint8_t)-s;
    return 36;
}

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
static struct {
    tbl_t facp, madt, hpet, mcfg, rsdt, xsdt, madt2, hpet2;
} G;

static void q35_madt(tbl_t *t)
{
    madt_begin(t, 0xfee00000, 1);
    for (uint8_t i = 0; i < 4; i++)
        e_lapic(t, i, i, 1);
    e_ioapic(t, 0, 0xfec00000, 0);
    e_iso(t, 0, 2, 0);
    e_iso(t, 5, 5, 0xd);
    e_iso(t, 9, 9, 0xd);
    e_iso(t, 10, 10, 0xd);
    e_iso(t, 11, 11, 0xd);
    e_nmi(t, 0xff, 0, 1);
    sdt_seal(t);
}

static void build_q35(void)
{
    memset(&G, 0, sizeof(G));
    sdt_begin(&G.facp, "FACP");
    for (int i = 0; i < 80; i++)
        t_u8(&G.facp, (uint8_t)i);
    sdt_seal(&G.facp);
    q35_madt(&G.madt);
    hpet_build(&G.hpet, 0, 0xfed00000);
    sdt_begin(&G.mcfg, "MCFG");
    for (int i = 0; i < 24; i++)
        t_u8(&G.mcfg, 0);
    sdt_seal(&G.mcfg);
    static const uint64_t e[] = { FACP_PA, MADT_PA, HPET_PA, MCFG_PA };
    root_build(&G.rsdt, false, e, 4);
}

static void set_rsdt(const uint64_t *e, size_t n) { root_build(&G.rsdt, false, e, n); }
static void set_xsdt(const uint64_t *e, size_t n) { root_build(&G.xsdt, true, e, n); }

static void load_memory(void)
{
    mem_reset();
    const struct { paddr_t pa; const tbl_t *t; } all[] = {
        { FACP_PA, &G.facp }, { MADT_PA, &G.madt }, { HPET_PA, &G.hpet },
        { MCFG_PA, &G.mcfg }, { RSDT_PA, &G.rsdt }, { XSDT_PA, &G.xsdt },
        { MADT2_PA, &G.madt2 }, { HPET2_PA, &G.hpet2 },
    };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (all[i].t->len > 0)
            mem_add(all[i].pa, all[i].t->b, all[i].t->len);
    }
}

/* ---- running the reader -------------------------------------------------- */

#define MAX_KEPT_REPORTS 80

static struct {
    acpi_platform_t p;
    int rc;
    int nrep;
    char rep[MAX_KEPT_REPORTS][256];
} R;

static void capture(void *ctx, const char *m)
{
    (void)ctx;
    if (strncmp(m, "acpi: ", 6) != 0) {
        printf("  report without prefix: %s\n", m);
        check_failed_now = 1;
    }
    if (R.nrep < MAX_KEPT_REPORTS)
        snprintf(R.rep[R.nrep], sizeof(R.rep[0]), "%s", m);
    R.nrep++;
}

static const acpi_mem_t MEM = { .map = fake_map, .ctx = NULL, .report = capture };

/* Runs on an exact-size heap copy of the RSDP, with memory already loaded. */
static int run_rsdp(const uint8_t *rsdp, size_t len)
{
    memset(&R.p, 0xa5, sizeof(R.p)); /* the reader must clear what it leaves */
    R.nrep = 0;
    M.calls = M.misses = M.wraps = 0;
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL)
        abort();
    memcpy(copy, rsdp, len);
    R.rc = acpi_read_platform(copy, len, &MEM, &R.p);
    free(copy);
    return R.rc;
}

/* Revision 0 RSDP pointing at the RSDT, as QEMU 7.2 gives it. */
static int run_v1(void)
{
    uint8_t r[36];
    load_memory();
    return run_rsdp(r, rsdp_build(r, 0, RSDT_PA, 0));
}

static int run_v2(uint64_t xsdt)
{
    uint8_t r[36];
    load_memory();
    return run_rsdp(r, rsdp_build(r, 2, RSDT_PA, xsdt));
}

static bool saw(const char *needle)
{
    for (int i = 0; i < R.nrep && i < MAX_KEPT_REPORTS; i++)
        if (strstr(R.rep[i], needle) != NULL)
            return true;
    printf("  no report contains \"%s\"; reports:\n", needle);
    for (int i = 0; i < R.nrep && i < MAX_KEPT_REPORTS; i++)
        printf("    %s\n", R.rep[i]);
    return false;
}

static bool is_zero(const acpi_platform_t *p)
{
    static const acpi_platform_t zero;
    return memcmp(p, &zero, sizeof(zero)) == 0;
}

static bool no_cpus_found(const acpi_platform_t *p)
{
    return p->ncpus == 0 && p->nioapics == 0 && p->noverrides == 0 && p->nnmis == 0 &&
           p->lapic_addr == 0 && !p->pcat_compat;
}

/* What every result promises, whatever the input. */
static void check_invariants(void)
{
    const acpi_platform_t *p = &R.p;
    CHECK(R.rc == OK || R.rc == ERR_NOT_FOUND || R.rc == ERR_CORRUPT);
    CHECK(R.nrep <= 64);
    CHECK_EQ(M.wraps, 0);
    CHECK(p->ncpus <= ACPI_MAX_CPUS && p->nioapics <= ACPI_MAX_IOAPICS);
    CHECK(p->noverrides <= ACPI_MAX_OVERRIDES && p->nnmis <= ACPI_MAX_NMIS);
    if (R.rc != OK)
        CHECK(no_cpus_found(p));
    if (R.rc == ERR_CORRUPT)
        CHECK(is_zero(p));
    for (size_t i = 0; i < p->ncpus && i < ACPI_MAX_CPUS; i++) {
        CHECK(p->cpus[i].enabled != p->cpus[i].online_capable);
        for (size_t j = 0; j < i; j++)
            CHECK(p->cpus[i].apic_id != p->cpus[j].apic_id);
    }
    for (size_t i = 0; i < p->nnmis && i < ACPI_MAX_NMIS; i++)
        CHECK(p->nmis[i].lint <= 1);
    CHECK(!p->has_hpet || p->hpet_addr != 0);
    CHECK(p->has_hpet || p->hpet_addr == 0);
}

/* ---- good machines -------------------------------------------------------- */

TEST(qemu_q35_layout_parsed_exactly)
{
    build_q35();
    REQUIRE(run_v1() == OK);
    const acpi_platform_t *p = &R.p;
    CHECK_EQ(R.nrep, 0);
    CHECK_EQ(M.misses, 0);
    CHECK_EQ(p->rsdp_revision, 0);
    CHECK_EQ(p->rsdt_or_xsdt, RSDT_PA);
    CHECK(!p->xsdt);
    CHECK_EQ(p->lapic_addr, 0xfee00000);
    CHECK(p->pcat_compat);
    REQUIRE(p->ncpus == 4);
    for (uint32_t i = 0; i < 4; i++) {
        CHECK_EQ(p->cpus[i].apic_id, i);
        CHECK_EQ(p->cpus[i].acpi_uid, i);
        CHECK(p->cpus[i].enabled);
        CHECK(!p->cpus[i].online_capable);
    }
    REQUIRE(p->nioapics == 1);
    CHECK_EQ(p->ioapics[0].id, 0);
    CHECK_EQ(p->ioapics[0].addr, 0xfec00000);
    CHECK_EQ(p->ioapics[0].gsi_base, 0);
    REQUIRE(p->noverrides == 5);
    static const uint8_t irq[] = { 0, 5, 9, 10, 11 };
    static const uint32_t gsi[] = { 2, 5, 9, 10, 11 };
    static const uint16_t fl[] = { 0, 0xd, 0xd, 0xd, 0xd };
    for (size_t i = 0; i < 5; i++) {
        CHECK_EQ(p->overrides[i].bus, 0);
        CHECK_EQ(p->overrides[i].source_irq, irq[i]);
        CHECK_EQ(p->overrides[i].gsi, gsi[i]);
        CHECK_EQ(p->overrides[i].flags, fl[i]);
    }
    REQUIRE(p->nnmis == 1);
    CHECK_EQ(p->nmis[0].acpi_uid, ACPI_NMI_ALL_CPUS);
    CHECK_EQ(p->nmis[0].flags, 0);
    CHECK_EQ(p->nmis[0].lint, 1);
    CHECK(p->has_hpet);
    CHECK_EQ(p->hpet_addr, 0xfed00000);
    check_invariants();
}

TEST(rev2_prefers_the_xsdt)
{
    build_q35();
    /* The RSDT leads to a one-CPU MADT: seeing 4 CPUs proves the XSDT won. */
    madt_begin(&G.madt2, 0xfee00000, 0);
    e_lapic(&G.madt2, 0, 0, 1);
    sdt_seal(&G.madt2);
    static const uint64_t r[] = { MADT2_PA };
    set_rsdt(r, 1);
    static const uint64_t x[] = { FACP_PA, MADT_PA, HPET_PA, MCFG_PA };
    set_xsdt(x, 4);
    REQUIRE(run_v2(XSDT_PA) == OK);
    CHECK_EQ(R.nrep, 0);
    CHECK_EQ(M.misses, 0);
    CHECK_EQ(R.p.rsdp_revision, 2);
    CHECK(R.p.xsdt);
    CHECK_EQ(R.p.rsdt_or_xsdt, XSDT_PA);
    CHECK_EQ(R.p.ncpus, 4);
    CHECK(R.p.pcat_compat);
    CHECK(R.p.has_hpet);
    check_invariants();
}

TEST(xsdt_entries_above_4g_and_unaligned)
{
    /* The XSDT at an odd address puts every u64 entry off alignment; a
     * 64-bit entry is read whole, not truncated to 32 bits. */
    build_q35();
    static const uint64_t x[] = { 0x100000000ull | MADT_PA, HPET_PA };
    set_xsdt(x, 2);
    REQUIRE(run_v2(XSDT_PA) == ERR_NOT_FOUND);
    CHECK(saw("XSDT entry 0: table at 0x107fe1000 not readable; skipped"));
    CHECK(R.p.has_hpet);

    static const uint64_t y[] = { HPET_PA, MADT_PA };
    set_xsdt(y, 2);
    REQUIRE(run_v2(XSDT_PA) == OK);
    CHECK_EQ(R.nrep, 0);
    CHECK_EQ(R.p.ncpus, 4);
    CHECK(R.p.has_hpet);
}

TEST(rev2_with_bad_xsdt_falls_back_to_rsdt)
{
    build_q35();
    static const uint64_t x[] = { MADT_PA };
    set_xsdt(x, 1);
    G.xsdt.b[40] ^= 1; /* checksum no longer matches */
    REQUIRE(run_v2(XSDT_PA) == OK);
    CHECK(saw("XSDT at 0x7fe5003 has a bad checksum; table skipped"));
    CHECK(saw("falling back to the RSDT at 0x7fe4000"));
    CHECK_EQ(R.nrep, 2);
    CHECK(!R.p.xsdt);
    CHECK_EQ(R.p.rsdt_or_xsdt, RSDT_PA);
    CHECK_EQ(R.p.ncpus, 4);

    set_xsdt(x, 1);
    memcpy(G.xsdt.b, "RSDT", 4);
    sdt_resum(&G.xsdt);
    REQUIRE(run_v2(XSDT_PA) == OK);
    CHECK(saw("XSDT at 0x7fe5003 has signature \"RSDT\""));

    REQUIRE(run_v2(0x9000000) == OK); /* nothing mapped there */
    CHECK(saw("XSDT at 0x9000000: header not readable"));
    CHECK_EQ(R.p.ncpus, 4);

    /* A revision-2 RSDP may leave the XSDT out: then the RSDT, silently. */
    REQUIRE(run_v2(0) == OK);
    CHECK_EQ(R.nrep, 0);
    CHECK_EQ(R.p.rsdp_revision, 2);
    CHECK(!R.p.xsdt);
}

TEST(no_usable_root_table)
{
    build_q35();
    set_xsdt((const uint64_t[]){ MADT_PA }, 1);
    G.xsdt.b[4] = 20; /* length below the header */
    uint8_t r[36];
    load_memory();
    REQUIRE(run_rsdp(r, rsdp_build(r, 2, 0, XSDT_PA)) == ERR_NOT_FOUND);
    CHECK(saw("XSDT at 0x7fe5003 has length 0x14 (need 0x24..0x100000)"));
    CHECK(saw("RSDP gives no usable root table"));
    CHECK(saw("no valid MADT"));
    CHECK_EQ(R.p.rsdp_revision, 2);
    CHECK(no_cpus_found(&R.p));
    check_invariants();

    G.rsdt.b[50] ^= 0xff;
    REQUIRE(run_v1() == ERR_NOT_FOUND);
    CHECK(saw("RSDT at 0x7fe4000 has a bad checksum"));
    CHECK_EQ(R.p.rsdt_or_xsdt, 0);
    CHECK(!R.p.has_hpet);
}

TEST(root_length_not_a_whole_number_of_entries)
{
    build_q35();
    t_u8(&G.rsdt, 0x77);
    t_u8(&G.rsdt, 0x77);
    sdt_seal(&G.rsdt);
    REQUIRE(run_v1() == OK);
    CHECK(saw("RSDT ends with 2 stray bytes; ignored"));
    CHECK_EQ(R.nrep, 1);
    CHECK_EQ(R.p.ncpus, 4);
}

TEST(null_and_unreadable_root_entries_are_skipped)
{
    build_q35();
    static const uint64_t e[] = { 0, 0xdead000, FACP_PA, 0xfffffff0, MADT_PA, HPET_PA };
    set_rsdt(e, 6);
    REQUIRE(run_v1() == OK);
    CHECK(saw("RSDT entry 0 is null; skipped"));
    CHECK(saw("RSDT entry 1: table at 0xdead000 not readable; skipped"));
    CHECK(saw("RSDT entry 3: table at 0xfffffff0 not readable"));
    CHECK_EQ(R.nrep, 3);
    CHECK_EQ(R.p.ncpus, 4);
    CHECK(R.p.has_hpet);

    /* An address whose 36 bytes would wrap past 2^64 never reaches the mapper. */
    static const uint64_t x[] = { 0xfffffffffffffff0ull, MADT_PA };
    set_xsdt(x, 2);
    REQUIRE(run_v2(XSDT_PA) == OK);
    CHECK_EQ(M.wraps, 0);
    CHECK(saw("XSDT entry 0: table at 0xfffffffffffffff0 not readable"));
}

TEST(null_report_function_is_allowed)
{
    build_q35();
    G.madt.b[60] ^= 1;
    load_memory();
    uint8_t r[36];
    size_t n = rsdp_build(r, 0, RSDT_PA, 0);
    acpi_mem_t quiet = { .map = fake_map };
    acpi_platform_t p;
    CHECK_EQ(acpi_read_platform(r, n, &quiet, &p), ERR_NOT_FOUND);
    CHECK(p.has_hpet);
    r[0] = 'X';
    CHECK_EQ(acpi_read_platform(r, n, &quiet, &p), ERR_CORRUPT);
}

/* ---- the RSDP ------------------------------------------------------------- */

static void check_corrupt(const char *needle)
{
    CHECK_EQ(R.rc, ERR_CORRUPT);
    CHECK(saw(needle));
    CHECK_EQ(R.nrep, 1);
    CHECK(is_zero(&R.p));
    CHECK_EQ(M.calls, 0); /* nothing is followed from a bad RSDP */
}

TEST(bad_rsdp_is_corrupt)
{
    build_q35();
    load_memory();
    uint8_t r[64];

    rsdp_build(r, 0, RSDT_PA, 0);
    r[7] = 'X';
    r[8] = (uint8_t)(r[8] + ' ' - 'X');  /* checksum still right */
    run_rsdp(r, 20);
    check_corrupt("RSDP has a bad signature");

    rsdp_build(r, 0, RSDT_PA, 0);
    r[16] ^= 0x10;
    run_rsdp(r, 20);
    check_corrupt("RSDP checksum is wrong");

    rsdp_build(r, 0, RSDT_PA, 0);
    run_rsdp(r, 19);
    check_corrupt("RSDP copy holds 19 bytes (< 20)");
    run_rsdp(r, 0);
    check_corrupt("RSDP copy holds 0 bytes");

    rsdp_build(r, 2, RSDT_PA, XSDT_PA);
    r[28] ^= 1; /* in the extended part: the first 20 bytes still sum right */
    run_rsdp(r, 36);
    check_corrupt("RSDP extended checksum is wrong");

    rsdp_build(r, 2, RSDT_PA, XSDT_PA);
    run_rsdp(r, 20); /* a revision-2 RSDP in a 20-byte copy */
    check_corrupt("revision 2 RSDP copy holds 20 bytes (< 36)");
}

static void rsdp_set_len(uint8_t *r, uint32_t len)
{
    memcpy(r + 20, &len, 4);
    r[32] = 0;
    uint8_t s = 0;
    for (uint32_t i = 0; i < len && i < 64; i++)
        s = (uint8_t)(s + r[i]);
    r[32] = (uint8_t)-s;
}

TEST(rsdp_length_field_is_bounded_by_the_copy)
{
    build_q35();
    set_xsdt((const uint64_t[]){ MADT_PA }, 1);
    load_memory();
    uint8_t r[64] = { 0 };

    rsdp_build(r, 2, RSDT_PA, XSDT_PA);
    rsdp_set_len(r, 40);
    run_rsdp(r, 36);
    check_corrupt("RSDP length 40 is outside 36..36");

    rsdp_build(r, 2, RSDT_PA, XSDT_PA);
    rsdp_set_len(r, 24);
    run_rsdp(r, 36);
    check_corrupt("RSDP length 24 is outside");

    /* A longer copy and a longer RSDP (a future revision) are fine. */
    rsdp_build(r, 3, RSDT_PA, XSDT_PA);
    memset(r + 36, 0x11, 8);
    rsdp_set_len(r, 44);
    REQUIRE(run_rsdp(r, 48) == OK);
    CHECK_EQ(R.p.rsdp_revision, 3);
    CHECK(R.p.xsdt);
    CHECK_EQ(R.nrep, 0);
}

TEST(missing_rsdp_is_not_found)
{
    acpi_platform_t p;
    memset(&p, 0x5a, sizeof(p));
    R.nrep = 0;
    CHECK_EQ(acpi_read_platform(NULL, 36, &MEM, &p), ERR_NOT_FOUND);
    CHECK(is_zero(&p));
    CHECK(saw("no RSDP"));
}

/* ---- table validation ----------------------------------------------------- */

TEST(bad_madt_checksum_is_skipped)
{
    build_q35();
    G.madt.b[50] ^= 0x40;
    REQUIRE(run_v1() == ERR_NOT_FOUND);
    CHECK(saw("APIC at 0x7fe1000 has a bad checksum; table skipped"));
    CHECK(saw("no valid MADT"));
    CHECK_EQ(R.nrep, 2);
    CHECK(no_cpus_found(&R.p));
    CHECK(R.p.has_hpet); /* the HPET is still there to calibrate with */
    CHECK_EQ(R.p.hpet_addr, 0xfed00000);
    CHECK_EQ(R.p.rsdt_or_xsdt, RSDT_PA);
    check_invariants();
}

TEST(madt_length_below_header_or_huge)
{
    static const struct {
        uint32_t len;
        const char *msg;
    } bad[] = {
        { 0, "APIC at 0x7fe1000 has length 0 (need 0x24..0x100000)" },
        { 35, "has length 0x23 (need" },
        { 0x100001, "has length 0x100001 (need" },
        { 0xffffffff, "has length 0xffffffff (need" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        build_q35();
        sdt_set_len(&G.madt, bad[i].len);
        REQUIRE(run_v1() == ERR_NOT_FOUND);
        CHECK(saw(bad[i].msg));
        CHECK_EQ(M.misses, 0); /* rejected before the mapper is asked for it */
        check_invariants();
    }
}

TEST(madt_length_past_mapped_memory)
{
    build_q35();
    size_t real = G.madt.len;
    sdt_set_len(&G.madt, (uint32_t)real + 16);
    REQUIRE(run_v1() == ERR_NOT_FOUND);
    CHECK(saw("APIC at 0x7fe1000: 0xa0 bytes not readable; table skipped"));
    CHECK_EQ(M.misses, 1);

    build_q35();
    sdt_set_len(&G.madt, 0x100000); /* the largest length allowed, not mapped */
    REQUIRE(run_v1() == ERR_NOT_FOUND);
    CHECK(saw("APIC at 0x7fe1000: 0x100000 bytes not readable"));
}

TEST(madt_shorter_than_its_fixed_fields)
{
    build_q35();
    madt_begin(&G.madt, 0xfee00000, 1);
    G.madt.len = 40; /* the flags field is cut off */
    sdt_seal(&G.madt);
    REQUIRE(run_v1() == ERR_NOT_FOUND);
    CHECK(saw("APIC at 0x7fe1000 has length 0x28 (< 0x2c); table skipped"));

    /* Exactly the fixed fields and no entry: valid, just no processors. */
    madt_begin(&G.madt, 0xfee00000, 0);
    sdt_seal(&G.madt);
    REQUIRE(run_v1() == OK);
    CHECK_EQ(R.nrep, 0);
    CHECK_EQ(R.p.ncpus, 0);
    CHECK_EQ(R.p.lapic_addr, 0xfee00000);
    CHECK(!R.p.pcat_compat);
}

TEST(first_valid_madt_wins)
{
    build_q35();
    madt_begin(&G.madt2, 0xfee00000, 0);
    e_lapic(&G.madt2, 7, 7, 1);
    sdt_seal(&G.madt2);
    tbl_t broken = G.madt2;
    broken.b[44 + 3] = 9; /* apic id 9, checksum now wrong */

    /* Bad one first: skipped, then the good ones in order. */
    G.madt2 = broken;
    static const uint64_t e[] = { MADT2_PA, MADT_PA, HPET_PA };
    set_rsdt(e, 3);
    REQUIRE(run_v1() == OK);
    CHECK(saw("APIC at 0x7fe6000 has a bad checksum"));
    CHECK_EQ(R.p.ncpus, 4);

    madt_begin(&G.madt2, 0xfee00000, 0);
    e_lapic(&G.madt2, 7, 7, 1);
    sdt_seal(&G.madt2);
    static const uint64_t f[] = { MADT2_PA, MADT_PA, MADT2_PA };
    set_rsdt(f, 3);
    REQUIRE(run_v1() == OK);
    REQUIRE(R.p.ncpus == 1);
    CHECK_EQ(R.p.cpus[0].apic_id, 7);
    CHECK(saw("another MADT at 0x7fe1000 ignored; the first valid one is used"));
    CHECK(saw("another MADT at 0x7fe6000 ignored"));
    CHECK_EQ(R.nrep, 2);
}

/* ---- MADT entries --------------------------------------------------------- */

TEST(madt_entry_length_zero_or_one_stops_the_walk)
{
    for (uint8_t len = 0; len < 2; len++) {
        build_q35();
        madt_begin(&G.madt, 0xfee00000, 1);
        e_lapic(&G.madt, 0, 0, 1);
        t_u8(&G.madt, 0);
        t_u8(&G.madt, len);
        t_u8(&G.madt, 0);
        t_u8(&G.madt, 0);
        e_lapic(&G.madt, 1, 1, 1); /* unreachable: its start is unknown */
        sdt_seal(&G.madt);
        REQUIRE(run_v1() == OK);
        CHECK(saw(len == 0 ? "MADT entry at offset 0x34 (type 0) has length 0; rest of MADT ignored"
                           : "(type 0) has length 1; rest of MADT ignored"));
        CHECK_EQ(R.nrep, 1);
        CHECK_EQ(R.p.ncpus, 1);
    }
}

TEST(madt_entry_past_the_end_stops_the_walk)
{
    build_q35();
    madt_begin(&G.madt, 0xfee00000, 1);
    e_lapic(&G.madt, 0, 0, 1);
    e_ioapic(&G.madt, 0, 0xfec00000, 0);
    G.madt.b[G.madt.len - 11] = 13; /* the I/O APIC claims one byte more */
    sdt_seal(&G.madt);
    REQUIRE(run_v1() == OK);
    CHECK(saw("MADT entry at offset 0x34 (type 1, length 13) runs past the table end (0x40)"));
    CHECK_EQ(R.p.ncpus, 1);
    CHECK_EQ(R.p.nioapics, 0);

    /* A lone trailing byte cannot even hold {type, length}. */
    madt_begin(&G.madt, 0xfee00000, 1);
    e_lapic(&G.madt, 0, 0, 1);
    t_u8(&G.madt, 0);
    sdt_seal(&G.madt);
    REQUIRE(run_v1() == OK);
    CHECK(saw("MADT entry header at offset 0x34 is cut off by the table end (0x35)"));
    CHECK_EQ(R.p.ncpus, 1);
}

TEST(short_entries_are_skipped_longer_ones_accepted)
{
    static const struct {
        uint8_t type, len;
        const char *name;
    } shortie[] = {
        { 0, 7, "local APIC entry at offset 0x2c has length 7 (< 8)" },
        { 1, 11, "I/O APIC entry at offset 0x2c has length 11 (< 12)" },
        { 2, 9, "interrupt source override entry at offset 0x2c has length 9 (< 10)" },
        { 4, 5, "local APIC NMI entry at offset 0x2c has length 5 (< 6)" },
        { 5, 11, "local APIC address override entry at offset 0x2c has length 11 (< 12)" },
        { 9, 15, "local x2APIC entry at offset 0x2c has length 15 (< 16)" },
        { 10, 11, "local x2APIC NMI entry at offset 0x2c has length 11 (< 12)" },
        { 1, 2, "I/O APIC entry at offset 0x2c has length 2 (< 12)" },
    };
    for (size_t i = 0; i < sizeof(shortie) / sizeof(shortie[0]); i++) {
        build_q35();
        madt_begin(&G.madt, 0xfee00000, 1);
        e_raw(&G.madt, shortie[i].type, shortie[i].len);
        e_lapic(&G.madt, 3, 3, 1); /* the walk continues after a short entry */
        sdt_seal(&G.madt);
        REQUIRE(run_v1() == OK);
        CHECK(saw(shortie[i].name));
        CHECK_EQ(R.nrep, 1);
        REQUIRE(R.p.ncpus == 1);
        CHECK_EQ(R.p.cpus[0].apic_id, 3);
        CHECK_EQ(R.p.nioapics + R.p.noverrides + R.p.nnmis, 0);
        CHECK_EQ(R.p.lapic_addr, 0xfee00000);
    }

    /* Extra bytes after the defined fields (a later revision): read as usual. */
    build_q35();
    madt_begin(&G.madt, 0xfee00000, 1);
    t_u8(&G.madt, 0), t_u8(&G.madt, 11), t_u8(&G.madt, 2), t_u8(&G.madt, 5);
    t_u32(&G.madt, 1), t_u8(&G.madt, 0xee), t_u8(&G.madt, 0xee), t_u8(&G.madt, 0xee);
    e_lapic(&G.madt, 3, 3, 1);
    sdt_seal(&G.madt);
    REQUIRE(run_v1() == OK);
    CHECK_EQ(R.nrep, 0);
    REQUIRE(R.p.ncpus == 2);
    CHECK_EQ(R.p.cpus[0].apic_id, 5);
    CHECK_EQ(R.p.cpus[0].acpi_uid, 2);
}

TEST(unknown_entry_types_are_skipped_silently)
{
    build_q35();
    madt_begin(&G.madt, 0xfee00000, 1);
    e_raw(&G.madt, 3, 8);     /* NMI source: the IOAPIC driver's concern */
    e_raw(&G.madt, 7, 17);    /* local SAPIC */
    e_lapic(&G.madt, 0, 0, 1);
    e_raw(&G.madt, 0x7f, 2);  /* reserved */
    e_raw(&G.madt, 0xff, 255);
    e_lapic(&G.madt, 1, 1, 1);
    sdt_seal(&G.madt);
    REQUIRE(run_v1() == OK);
    CHECK_EQ(R.nrep, 0);
    CHECK_EQ(R.p.ncpus, 2);
}

TEST(too_many_entries_are_dropped_and_reported)
{
    build_q35();
    madt_begin(&G.madt, 0xfee00000, 1);
    for (uint32_t i = 0; i < ACPI_MAX_CPUS + 6; i++)
        e_lapic(&G.madt, (uint8_t)i, (uint8_t)i, 1);
    for (uint32_t i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
        e_ioapic(&G.madt, (uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
    for (uint32_t i = 0; i < ACPI_MAX_OVERRIDES + 3; i++)
        e_iso(&G.madt, (uint8_t)i, i + 100, 0);
    for (uint32_t i = 0; i < ACPI_MAX_NMIS + 4; i++)
        e_nmi(&G.madt, (uint8_t)i, 0, 1);
    sdt_seal(&G.madt);
    REQUIRE(run_v1() == OK);
    CHECK(saw("MADT lists 6 more processors than the 64 kept"));
    CHECK(saw("MADT lists 2 more I/O APICs than the 8 kept"));
    CHECK(saw("MADT lists 3 more interrupt source overrides than the 24 kept"));
    CHECK(saw("MADT lists 4 more local APIC NMIs than the 16 kept"));
    CHECK_EQ(R.nrep, 4);
    CHECK_EQ(R.p.ncpus, ACPI_MAX_CPUS);
    CHECK_EQ(R.p.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
    CHECK_EQ(R.p.nioapics, ACPI_MAX_IOAPICS);
    CHECK_EQ(R.p.ioapics[7].addr, 0xfec07000);
    CHECK_EQ(R.p.ioapics[7].gsi_base, 7 * 24);
    CHECK_EQ(R.p.noverrides, ACPI_MAX_OVERRIDES);
    CHECK_EQ(R.p.overrides[23].gsi, 123);
    CHECK_EQ(R.p.nnmis, ACPI_MAX_NMIS);
    CHECK_EQ(R.p.nmis[15].acpi_uid, 15);
    check_invariants();
}

TEST(duplicate_apic_ids_keep_the_first)
{
    build_q35();
    madt_begin(&G.madt, 0xfee00000, 1);
    e_lapic(&G.madt, 0, 0, 1);
    e_lapic(&G.madt, 1, 1, 1);
    e_lapic(&G.madt, 2, 1, 1);          /* repeats id 1 */
    e_x2apic(&G.madt, 0, 1, 9);         /* x2APIC entry repeating xAPIC id 0 */
    e_x2apic(&G.madt, 0x100, 1, 0x100);
    e_x2apic(&G.madt, 0x100, 2, 0x101); /* repeats 0x100 */
    e_lapic(&G.madt, 3, 1, 0);          /* disabled: not a duplicate, just absent */
    sdt_seal(&G.madt);
    REQUIRE(run_v1() == OK);
    CHECK(saw("MADT processor at offset 0x3c repeats APIC id 1; entry ignored"));
    CHECK(saw("MADT processor at offset 0x44 repeats APIC id 0"));
    CHECK(saw("MADT processor at offset 0x64 repeats APIC id 256"));
    CHECK_EQ(R.nrep, 3);
    REQUIRE(R.p.ncpus == 3);
    CHECK_EQ(R.p.cpus[1].acpi_uid, 1);
    CHECK_EQ(R.p.cpus[2].apic_id, 0x100);
    CHECK_EQ(R.p.cpus[2].acpi_uid, 0x100);
    check_invariants();
}

TEST(disabled_and_online_capable_processors)
{
    build_q35();
    madt_begin(&G.madt, 0xfee00000, 1);
    e_lapic(&G.madt, 0, 0, 1);
    e_lapic(&G.madt, 1, 1, 0);                /* absent: skipped silently */
    e_lapic(&G.madt, 2, 2, 2);                /* online capable, not enabled */
    e_lapic(&G.madt, 3, 3, 3);                /* enabled; bit 1 reserved then */
    e_lapic(&G.madt, 4, 4, 0xfffffffcu);      /* neither bit: absent */
    e_x2apic(&G.madt, 0x200, 0, 0x200);       /* absent */
    e_x2apic(&G.madt, 0x201, 2, 0x201);
    sdt_seal(&G.madt);
    REQUIRE(run_v1() == OK);
    CHECK_EQ(R.nrep, 0);
    REQUIRE(R.p.ncpus == 4);
    CHECK(R.p.cpus[0].enabled && !R.p.cpus[0].online_capable);
    CHECK_EQ(R.p.cpus[1].apic_id, 2);
    CHECK(!R.p.cpus[1].enabled && R.p.cpus[1].online_capable);
    CHECK_EQ(R.p.cpus[2].apic_id, 3);
    CHECK(R.p.cpus[2].enabled && !R.p.cpus[2].online_capable);
    CHECK_EQ(R.p.cpus[3].apic_id, 0x201);
    CHECK(!R.p.cpus[3].enabled && R.p.cpus[3].online_capable);
}

TEST(broadcast_apic_ids_are_not_processors)
{
    build_q35();
    madt_begin(&G.madt, 0xfee00000, 1);
    e_lapic(&G.madt, 0, 0xff, 1);
    e_x2apic(&G.madt, 0xffffffffu, 1, 5);
    e_x2apic(&G.madt, 0xff, 1, 6); /* 0xff is an ordinary x2APIC id */
    sdt_seal(&G.madt);
    REQUIRE(run_v1() == OK);
    CHECK(saw("MADT processor at offset 0x2c has the broadcast APIC id 0xff"));
    CHECK(saw("MADT processor at offset 0x34 has the broadcast APIC id 0xffffffff"));
    CHECK_EQ(R.nrep, 2);
    REQUIRE(R.p.ncpus == 1);
    CHECK_EQ(R.p.cpus[0].apic_id, 0xff);
    CHECK_EQ(R.p.cpus[0].acpi_uid, 6);
}

TEST(x2apic_entries_and_nmis)
{
    build_q35();
    madt_begin(&G.madt, 0xfee00000, 0);
    e_lapic(&G.madt, 0, 0, 1);
    e_x2apic(&G.madt, 0x100, 1, 0x1000);
    e_x2apic(&G.madt, 0x12345678, 1, 0xfffffffe);
    e_nmi(&G.madt, 0, 0x5, 0);
    e_nmi(&G.madt, 0xff, 0xd, 1);
    e_x2nmi(&G.madt, 0x5, 0x1000, 1);
    e_x2nmi(&G.madt, 0xf, 0xffffffffu, 0);
    e_x2nmi(&G.madt, 0, 0x1000, 2);   /* no LINT2 exists */
    e_nmi(&G.madt, 1, 0, 0xff);
    sdt_seal(&G.madt);
    REQUIRE(run_v1() == OK);
    CHECK(saw("MADT local APIC NMI at offset 0x78 names LINT2; entry ignored"));
    CHECK(saw("names LINT255"));
    CHECK_EQ(R.nrep, 2);
    REQUIRE(R.p.ncpus == 3);
    CHECK_EQ(R.p.cpus[1].apic_id, 0x100);
    CHECK_EQ(R.p.cpus[1].acpi_uid, 0x1000);
    CHECK_EQ(R.p.cpus[2].apic_id, 0x12345678);
    CHECK_EQ(R.p.cpus[2].acpi_uid, 0xfffffffe);
    REQUIRE(R.p.nnmis == 4);
    CHECK_EQ(R.p.nmis[0].acpi_uid, 0);
    CHECK_EQ(R.p.nmis[0].flags, 5);
    CHECK_EQ(R.p.nmis[0].lint, 0);
    CHECK_EQ(R.p.nmis[1].acpi_uid, ACPI_NMI_ALL_CPUS); /* 0xff widened */
    CHECK_EQ(R.p.nmis[1].flags, 0xd);
    CHECK_EQ(R.p.nmis[2].acpi_uid, 0x1000);
    CHECK_EQ(R.p.nmis[2].lint, 1);
    CHECK_EQ(R.p.nmis[3].acpi_uid, ACPI_NMI_ALL_CPUS);
    CHECK_EQ(R.p.nmis[3].flags, 0xf);
}

TEST(lapic_address_override)
{
    build_q35();
    madt_begin(&G.madt, 0xfee00000, 1);
    e_lapic(&G.madt, 0, 0, 1);
    e_lapic_addr(&G.madt, 0x10fee00000ull);
    e_lapic_addr(&G.madt, 0x20fee00000ull);
    sdt_seal(&G.madt);
    REQUIRE(run_v1() == OK);
    CHECK_EQ(R.p.lapic_addr, 0x10fee00000ull);
    CHECK(saw("MADT has a second local APIC address override (offset 0x40); entry ignored"));
    CHECK_EQ(R.nrep, 1);

    /* The override wins even when it comes first: the 32-bit field is read
     * before the entries. */
    madt_begin(&G.madt, 0xfee00000, 1);
    e_lapic_addr(&G.madt, 0xfee01000);
    sdt_seal(&G.madt);
    REQUIRE(run_v1() == OK);
    CHECK_EQ(R.p.lapic_addr, 0xfee01000);
}

/* ---- HPET ------------------------------------------------------------------ */

TEST(hpet_in_io_space_or_at_zero_is_ignored)
{
    build_q35();
    hpet_build(&G.hpet, 1, 0xfed00000);
    REQUIRE(run_v1() == OK);
    CHECK(saw("HPET at 0x7fe2000: base 0xfed00000 in address space 1 is not usable memory; "
              "HPET ignored"));
    CHECK(!R.p.has_hpet);
    CHECK_EQ(R.p.hpet_addr, 0);

    hpet_build(&G.hpet, 0, 0);
    REQUIRE(run_v1() == OK);
    CHECK(saw("base 0 in address space 0 is not usable memory"));
    CHECK(!R.p.has_hpet);
}

TEST(hpet_table_validation)
{
    build_q35();
    hpet_build(&G.hpet, 0, 0xfed00000);
    G.hpet.len = 51; /* the base address is cut off */
    sdt_seal(&G.hpet);
    REQUIRE(run_v1() == OK);
    CHECK(saw("HPET at 0x7fe2000 has length 0x33 (< 0x34); table skipped"));
    CHECK(!R.p.has_hpet);

    /* Only through the address is needed: the spec's trailing fields may be missing. */
    hpet_build(&G.hpet, 0, 0xfed00000);
    G.hpet.len = 52;
    sdt_seal(&G.hpet);
    REQUIRE(run_v1() == OK);
    CHECK_EQ(R.nrep, 0);
    CHECK(R.p.has_hpet);

    hpet_build(&G.hpet, 0, 0xfed00000);
    G.hpet.b[45] ^= 1;
    REQUIRE(run_v1() == OK);
    CHECK(saw("HPET at 0x7fe2000 has a bad checksum"));
    CHECK(!R.p.has_hpet);
}

TEST(first_usable_hpet_is_used)
{
    build_q35();
    hpet_build(&G.hpet, 1, 0x1000);
    hpet_build(&G.hpet2, 0, 0xfed01000);
    static const uint64_t e[] = { HPET_PA, MADT_PA, HPET2_PA };
    set_rsdt(e, 3);
    REQUIRE(run_v1() == OK);
    CHECK(R.p.has_hpet);
    CHECK_EQ(R.p.hpet_addr, 0xfed01000);
    CHECK_EQ(R.nrep, 1);

    hpet_build(&G.hpet, 0, 0xfed00000);
    REQUIRE(run_v1() == OK);
    CHECK_EQ(R.p.hpet_addr, 0xfed00000);
    CHECK_EQ(R.nrep, 0); /* a second timer block is legitimate */
}

/* ---- hostile firmware ------------------------------------------------------ */

TEST(report_flood_is_capped)
{
    build_q35();
    static uint64_t e[1001];
    memset(e, 0, sizeof(e));
    e[1000] = MADT_PA;
    set_rsdt(e, 1001);
    REQUIRE(run_v1() == OK);
    CHECK_EQ(R.p.ncpus, 4);
    CHECK_EQ(R.nrep, 64);
    CHECK(strcmp(R.rep[63], "acpi: 937 further messages suppressed") == 0);
}

/* Entries of the q35 MADT end at these offsets; entry 0..3 are the CPUs. */
static size_t complete_cpus(size_t len)
{
    if (len < 44)
        return 0;
    size_t n = (len - 44) / 8;
    return n < 4 ? n : 4;
}

TEST(every_truncation_is_safe)
{
    build_q35();
    tbl_t full = G.madt;
    for (size_t n = 0; n <= full.len && !check_failed_now; n++) {
        /* Truncated with a matching length field and checksum. */
        G.madt = full;
        G.madt.len = n;
        if (n >= 10)
            sdt_set_len(&G.madt, (uint32_t)n);
        run_v1();
        check_invariants();
        CHECK_EQ(R.rc, n >= 44 ? OK : ERR_NOT_FOUND);
        CHECK_EQ(R.p.ncpus, complete_cpus(n));
        CHECK(R.p.has_hpet);

        /* Truncated memory under an intact header: never read past it. */
        G.madt = full;
        G.madt.len = n; /* 0: no region at all */
        run_v1();
        check_invariants();
        CHECK_EQ(R.rc, n == full.len ? OK : ERR_NOT_FOUND);
        CHECK(n == full.len || M.misses == 1);
    }
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Every entry kind, a few unknown ones, and more CPUs than kept. */
static void rich_madt(tbl_t *t)
{
    madt_begin(t, 0xfee00000, 1);
    for (uint8_t i = 0; i < 6; i++)
        e_lapic(t, i, i, i == 4 ? 2 : 1);
    e_ioapic(t, 0, 0xfec00000, 0);
    e_ioapic(t, 1, 0xfec01000, 24);
    e_iso(t, 0, 2, 0);
    e_iso(t, 9, 9, 0xd);
    e_nmi(t, 0xff, 0, 1);
    e_lapic_addr(t, 0xfee00000);
    e_x2apic(t, 0x100, 1, 0x100);
    e_x2apic(t, 0x101, 2, 0x101);
    e_x2nmi(t, 0, 0xffffffffu, 1);
    e_raw(t, 3, 8);
    e_raw(t, 0x42, 5);
    sdt_seal(t);
}

/* Random corruptions of the MADT's bytes, checksum recomputed so the parser
 * gets past it; length fields (the table's and the entries') are the likely
 * targets, so half the edits write small values. */
TEST(random_madt_mutations_are_safe)
{
    build_q35();
    rich_madt(&G.madt);
    tbl_t good = G.madt;
    int ok = 0, dropped_some = 0;
    for (int iter = 0; iter < 4000 && !check_failed_now; iter++) {
        G.madt = good;
        int edits = 1 + (int)(rng() % 4);
        for (int k = 0; k < edits; k++) {
            size_t off = 36 + rng() % (good.len - 36);
            if (rng() % 8 == 0)
                off = 4 + rng() % 2; /* the table's own length */
            G.madt.b[off] = (uint8_t)(rng() % 2 ? rng() : rng() % 20);
        }
        sdt_resum(&G.madt);
        run_v1();
        check_invariants();
        ok += R.rc == OK;
        dropped_some += R.rc == OK && R.p.ncpus < 8;
    }
    CHECK(ok > 1000);
    CHECK(dropped_some > 0);
}

/* The same for the root table: whatever it lists, nothing escapes. */
TEST(random_xsdt_mutations_are_safe)
{
    build_q35();
    static const uint64_t x[] = { FACP_PA, MADT_PA, HPET_PA, MCFG_PA, 0 };
    set_xsdt(x, 5);
    tbl_t good = G.xsdt;
    int ok = 0;
    for (int iter = 0; iter < 2000 && !check_failed_now; iter++) {
        G.xsdt = good;
        int edits = 1 + (int)(rng() % 3);
        for (int k = 0; k < edits; k++)
            G.xsdt.b[rng() % good.len] = (uint8_t)(rng() % 2 ? rng() : rng() % 40);
        if (rng() % 4 != 0)
            sdt_resum(&G.xsdt);
        run_v2(XSDT_PA);
        check_invariants();
        CHECK(R.rc != ERR_CORRUPT);
        ok += R.rc == OK && R.p.xsdt;
    }
    CHECK(ok > 100);
}

int main(void) { return RUN_TESTS(); }
