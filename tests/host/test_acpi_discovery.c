/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the kernel's minimal ACPI reader (kernel/init/acpi_tables.c):
 * finding the tables. Good q35-like machines through an RSDT or an XSDT,
 * the fallbacks between root tables and the entries they skip, every way
 * an RSDP can be bad, and the header checks (checksum, length, fixed
 * fields) that decide which MADT is used. Fake memory, the table builder
 * and the harness are in acpi_builder.h.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "acpi_builder.h"

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

int main(void) { return RUN_TESTS(); }
