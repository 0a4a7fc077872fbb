/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fake physical memory, table builder, q35-like machine and reader
 * harness of acpi_builder.h. Tables are built byte by byte in little-endian
 * order, with the checksums ACPI asks for.
 */
#include <string.h>

#include "check.h"
#include "acpi_builder.h"

/* ---- fake physical memory ------------------------------------------------ */

fake_mem_t M;

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

const void *fake_map(void *ctx, paddr_t pa, size_t len)
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

static void t_bytes(tbl_t *t, const void *p, size_t n)
{
    if (t->len + n > sizeof(t->b))
        abort();
    memcpy(t->b + t->len, p, n);
    t->len += n;
}

void t_u8(tbl_t *t, uint8_t v) { t_bytes(t, &v, 1); }
void t_u16(tbl_t *t, uint16_t v) { t_bytes(t, &v, 2); }
void t_u32(tbl_t *t, uint32_t v) { t_bytes(t, &v, 4); }
void t_u64(tbl_t *t, uint64_t v) { t_bytes(t, &v, 8); }

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

void sdt_resum(tbl_t *t)
{
    uint8_t s = 0;
    t->b[9] = 0;
    for (size_t i = 0; i < t->len; i++)
        s = (uint8_t)(s + t->b[i]);
    t->b[9] = (uint8_t)-s;
}

void sdt_set_len(tbl_t *t, uint32_t len)
{
    memcpy(t->b + 4, &len, 4);
    sdt_resum(t);
}

void sdt_seal(tbl_t *t) { sdt_set_len(t, (uint32_t)t->len); }

void madt_begin(tbl_t *t, uint32_t lapic, uint32_t flags)
{
    sdt_begin(t, "APIC");
    t_u32(t, lapic);
    t_u32(t, flags);
}

void e_lapic(tbl_t *t, uint8_t uid, uint8_t id, uint32_t flags)
{
    t_u8(t, 0), t_u8(t, 8), t_u8(t, uid), t_u8(t, id), t_u32(t, flags);
}

void e_ioapic(tbl_t *t, uint8_t id, uint32_t addr, uint32_t gsi)
{
    t_u8(t, 1), t_u8(t, 12), t_u8(t, id), t_u8(t, 0), t_u32(t, addr), t_u32(t, gsi);
}

void e_iso(tbl_t *t, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    t_u8(t, 2), t_u8(t, 10), t_u8(t, 0), t_u8(t, irq), t_u32(t, gsi), t_u16(t, flags);
}

void e_nmi(tbl_t *t, uint8_t uid, uint16_t flags, uint8_t lint)
{
    t_u8(t, 4), t_u8(t, 6), t_u8(t, uid), t_u16(t, flags), t_u8(t, lint);
}

void e_lapic_addr(tbl_t *t, uint64_t addr)
{
    t_u8(t, 5), t_u8(t, 12), t_u16(t, 0), t_u64(t, addr);
}

void e_x2apic(tbl_t *t, uint32_t id, uint32_t flags, uint32_t uid)
{
    t_u8(t, 9), t_u8(t, 16), t_u16(t, 0), t_u32(t, id), t_u32(t, flags), t_u32(t, uid);
}

void e_x2nmi(tbl_t *t, uint16_t flags, uint32_t uid, uint8_t lint)
{
    t_u8(t, 10), t_u8(t, 12), t_u16(t, flags), t_u32(t, uid), t_u8(t, lint);
    t_u8(t, 0), t_u8(t, 0), t_u8(t, 0);
}

void e_raw(tbl_t *t, uint8_t type, uint8_t len)
{
    t_u8(t, type);
    t_u8(t, len);
    for (unsigned i = 2; i < len; i++)
        t_u8(t, 0);
}

void hpet_build(tbl_t *t, uint8_t space, uint64_t base)
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

size_t rsdp_build(uint8_t *r, unsigned rev, uint32_t rsdt, uint64_t xsdt)
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

machine_t G;

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

void build_q35(void)
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

void set_rsdt(const uint64_t *e, size_t n) { root_build(&G.rsdt, false, e, n); }
void set_xsdt(const uint64_t *e, size_t n) { root_build(&G.xsdt, true, e, n); }

void load_memory(void)
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

acpi_run_t R;

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

const acpi_mem_t MEM = { .map = fake_map, .ctx = NULL, .report = capture };

int run_rsdp(const uint8_t *rsdp, size_t len)
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

int run_v1(void)
{
    uint8_t r[36];
    load_memory();
    return run_rsdp(r, rsdp_build(r, 0, RSDT_PA, 0));
}

int run_v2(uint64_t xsdt)
{
    uint8_t r[36];
    load_memory();
    return run_rsdp(r, rsdp_build(r, 2, RSDT_PA, xsdt));
}

bool saw(const char *needle)
{
    for (int i = 0; i < R.nrep && i < MAX_KEPT_REPORTS; i++)
        if (strstr(R.rep[i], needle) != NULL)
            return true;
    printf("  no report contains \"%s\"; reports:\n", needle);
    for (int i = 0; i < R.nrep && i < MAX_KEPT_REPORTS; i++)
        printf("    %s\n", R.rep[i]);
    return false;
}

bool is_zero(const acpi_platform_t *p)
{
    static const acpi_platform_t zero;
    return memcmp(p, &zero, sizeof(zero)) == 0;
}

bool no_cpus_found(const acpi_platform_t *p)
{
    return p->ncpus == 0 && p->nioapics == 0 && p->noverrides == 0 && p->nnmis == 0 &&
           p->lapic_addr == 0 && !p->pcat_compat;
}

void check_invariants(void)
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
