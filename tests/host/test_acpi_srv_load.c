/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Host tests for the acpi server's loader (servers/acpi/tables.c): the
 * RSDP checks and the BIOS-area scan, the choice of root table, and every
 * way a root or a listed table can be bad (checksum, length past what is
 * readable, stray bytes, null entries, too many tables). The fixture is
 * acpi_srv_fixture.h.
 */
#include <string.h>

#include "acpi_srv_fixture.h"
#include "check.h"

/* ---- the RSDP ------------------------------------------------------------ */

TEST(rsdp_revision_0_names_the_rsdt)
{
    uint8_t r[36];
    acpi_rsdp_t out;
    acpi_err_t e;
    size_t n = rsdp_build(r, 0, 0x7fe6000, 0);
    REQUIRE(acpi_rsdp_parse(r, n, &out, &e) == OK);
    CHECK_EQ(out.revision, 0);
    CHECK_EQ(out.rsdt, 0x7fe6000);
    CHECK_EQ(out.xsdt, 0);
    CHECK_EQ(out.length, 20);
    CHECK(strcmp(out.oem_id, "BOCHS") == 0);
}

TEST(rsdp_revision_2_names_the_xsdt)
{
    uint8_t r[36];
    acpi_rsdp_t out;
    acpi_err_t e;
    size_t n = rsdp_build(r, 2, 0x1000, 0x123456789000ull);
    REQUIRE(acpi_rsdp_parse(r, n, &out, &e) == OK);
    CHECK_EQ(out.revision, 2);
    CHECK_EQ(out.xsdt, 0x123456789000ull);
    CHECK_EQ(out.length, 36);
}

TEST(rsdp_refusals_say_why)
{
    uint8_t r[36];
    acpi_rsdp_t out;
    acpi_err_t e;
    rsdp_build(r, 0, 0x1000, 0);
    CHECK_EQ(acpi_rsdp_parse(r, 19, &out, &e), ERR_CORRUPT);
    CHECK(has(e.msg, "19 bytes"));

    r[0] = 'X';
    CHECK_EQ(acpi_rsdp_parse(r, 20, &out, &e), ERR_CORRUPT);
    CHECK(has(e.msg, "signature"));

    rsdp_build(r, 0, 0x1000, 0);
    r[16] ^= 1;
    CHECK_EQ(acpi_rsdp_parse(r, 20, &out, &e), ERR_CORRUPT);
    CHECK(has(e.msg, "checksum of its first 20"));
    CHECK_EQ(out.rsdt, 0);

    rsdp_build(r, 2, 0x1000, 0x2000);
    CHECK_EQ(acpi_rsdp_parse(r, 20, &out, &e), ERR_CORRUPT); /* revision 2, 20 bytes */
    CHECK(has(e.msg, "revision 2"));

    rsdp_build(r, 2, 0x1000, 0x2000);
    r[24] ^= 0x10; /* the XSDT address: only the extended checksum covers it */
    CHECK_EQ(acpi_rsdp_parse(r, 36, &out, &e), ERR_CORRUPT);
    CHECK(has(e.msg, "extended checksum"));
}

TEST(rsdp_length_bounded_by_what_was_read)
{
    uint8_t r[36];
    acpi_rsdp_t out;
    acpi_err_t e;
    static const uint32_t lens[] = {0, 35, 37, 0xffffffffu};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        rsdp_build(r, 2, 0x1000, 0x2000);
        for (int k = 0; k < 4; k++)
            r[20 + k] = (uint8_t)(lens[i] >> (8 * k));
        CHECK_EQ(acpi_rsdp_parse(r, 36, &out, &e), ERR_CORRUPT);
        CHECK(has(e.msg, "length"));
    }
}

TEST(scan_finds_the_first_valid_rsdp_on_a_16_byte_boundary)
{
    static uint8_t area[0x20000];
    uint8_t r[36];
    uint64_t pa = 0;
    memset(area, 0, sizeof area);
    CHECK_EQ(acpi_rsdp_scan(area, sizeof area, 0xe0000, &pa), ERR_NOT_FOUND);

    rsdp_build(r, 0, 0x1000, 0);
    memcpy(area + 0x15a48, r, 20); /* not on a boundary: not an RSDP */
    memcpy(area + 0x15a50, r, 20);
    area[0x15a50 + 16] ^= 1;       /* bad checksum: skipped */
    memcpy(area + 0x15a60, r, 20); /* this one */
    REQUIRE(acpi_rsdp_scan(area, sizeof area, 0xe0000, &pa) == OK);
    CHECK_EQ(pa, 0xf5a60);

    /* Cut off by the end of the area: not found, and never read past it. */
    memset(area, 0, sizeof area);
    memcpy(area + sizeof area - 16, r, 16);
    CHECK_EQ(acpi_rsdp_scan(area, sizeof area, 0xe0000, &pa), ERR_NOT_FOUND);
}

TEST(scan_of_an_unaligned_area_starts_at_its_first_boundary)
{
    uint8_t area[64] = {0}, r[36];
    uint64_t pa = 0;
    rsdp_build(r, 0, 0x1000, 0);
    memcpy(area + 8, r, 20); /* 0x1008 + 8 = 0x1010 */
    REQUIRE(acpi_rsdp_scan(area, 40, 0x1008, &pa) == OK);
    CHECK_EQ(pa, 0x1010);
    CHECK_EQ(acpi_rsdp_scan(area, 27, 0x1008, &pa), ERR_NOT_FOUND); /* 19 bytes after the boundary */
}

/* ---- the root ------------------------------------------------------------ */

TEST(qemu_q35_layout_loads_every_table)
{
    build_q35();
    load_machine(0);
    REQUIRE(run_load() == OK);
    CHECK_EQ(R.t.nproblems, 0);
    CHECK_EQ(FP.misses, 0);
    CHECK(!R.t.xsdt);
    CHECK_EQ(R.t.root_pa, RSDT_PA);
    CHECK_EQ(R.t.root_entries, 4);
    REQUIRE(R.t.n == 6);
    static const char *sigs[] = {"RSDT", "FACP", "DSDT", "APIC", "HPET", "MCFG"};
    static const uint64_t pas[] = {RSDT_PA, FACP_PA, DSDT_PA, MADT_PA, HPET_PA, MCFG_PA};
    for (size_t i = 0; i < 6; i++) {
        CHECK(strcmp(R.t.t[i].sig, sigs[i]) == 0);
        CHECK_EQ(R.t.t[i].pa, pas[i]);
        CHECK(strcmp(R.t.t[i].oem_id, "CAIRN") == 0);
        CHECK(strcmp(R.t.t[i].oem_table_id, "TESTTBL") == 0);
    }
    CHECK_EQ(R.t.t[1].length, 244);
    CHECK_EQ(R.t.t[1].revision, 3);
    for (int part = 0; part < ACPI_PART_DMAR; part++)
        CHECK_EQ(R.p.state[part], ACPI_VALID);
    CHECK_EQ(R.p.state[ACPI_PART_DMAR], ACPI_ABSENT);
    CHECK(has(R.p.why[ACPI_PART_DMAR], "no DMAR table"));
    CHECK_EQ(R.p.state[ACPI_PART_S5], ACPI_VALID);
    CHECK(strcmp(R.p.s5_table, "DSDT") == 0);
    CHECK_EQ(R.p.madt.ncpus, 4);
    CHECK_EQ(R.p.mcfg.ranges[0].base, 0xb0000000);
    CHECK_EQ(R.p.hpet.addr, 0xfed00000);
}

TEST(revision_2_uses_the_xsdt_with_unaligned_entries)
{
    build_q35();
    uint64_t e[] = {MADT_PA, FACP_PA};
    set_xsdt(e, 2);
    load_machine(2);
    REQUIRE(run_load() == OK);
    CHECK(R.t.xsdt);
    CHECK_EQ(R.t.root_pa, XSDT_PA);
    REQUIRE(R.t.n == 4); /* XSDT, APIC, FACP, DSDT: not the RSDT's HPET and MCFG */
    CHECK(strcmp(R.t.t[0].sig, "XSDT") == 0);
    CHECK(strcmp(R.t.t[1].sig, "APIC") == 0);
    CHECK(strcmp(R.t.t[3].sig, "DSDT") == 0);
    CHECK_EQ(R.p.state[ACPI_PART_HPET], ACPI_ABSENT);
}

TEST(revision_0_ignores_an_xsdt)
{
    build_q35();
    uint64_t e[] = {MADT_PA};
    set_xsdt(e, 1);
    load_machine(0);
    REQUIRE(run_load() == OK);
    CHECK(!R.t.xsdt);
    CHECK_EQ(R.t.root_entries, 4);
}

TEST(a_bad_xsdt_falls_back_to_the_rsdt_on_record)
{
    build_q35();
    uint64_t e[] = {MADT_PA};
    set_xsdt(e, 1);
    G.xsdt.b[20] ^= 0x55; /* checksum broken */
    load_machine(2);
    REQUIRE(run_load() == OK);
    CHECK(!R.t.xsdt);
    CHECK_EQ(R.t.root_pa, RSDT_PA);
    CHECK(saw_problem("XSDT: bad checksum; using the RSDT"));
    CHECK_EQ(FP.nreports, 1);
}

TEST(truncated_rsdt_is_refused)
{
    build_q35();
    G.rsdt.len -= 2; /* memory ends before the length the header claims */
    load_machine(0);
    CHECK_EQ(run_load(), ERR_CORRUPT);
    CHECK(has(R.e.msg, "RSDT at 0x7fe6000: 0x34 bytes not readable"));
    CHECK_EQ(R.t.n, 0);
}

TEST(truncated_xsdt_without_rsdt_is_refused)
{
    build_q35();
    uint64_t e[] = {MADT_PA, FACP_PA};
    set_xsdt(e, 2);
    sdt_set_len(&G.xsdt, (uint32_t)G.xsdt.len + 8); /* one entry more than there is */
    G.rsdt.len = 0;
    load_machine(2);
    CHECK_EQ(run_load(), ERR_CORRUPT);
    CHECK(has(R.e.msg, "not readable"));
    CHECK(has(R.e.msg, "names no RSDT"));
}

TEST(root_with_stray_bytes_is_refused)
{
    build_q35();
    t_u16(&G.rsdt, 0);
    sdt_seal(&G.rsdt);
    load_machine(0);
    CHECK_EQ(run_load(), ERR_CORRUPT);
    CHECK(has(R.e.msg, "leaves 2 bytes"));
}

TEST(root_length_out_of_bounds_is_refused)
{
    static const uint32_t lens[] = {0, 35, ACPI_MAX_TABLE_LEN + 1, 0xffffffffu};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        build_q35();
        sdt_set_len(&G.rsdt, lens[i]);
        load_machine(0);
        CHECK_EQ(run_load(), ERR_CORRUPT);
        CHECK(has(R.e.msg, "is outside"));
    }
}

TEST(wrong_root_signature_and_missing_rsdp)
{
    build_q35();
    memcpy(G.rsdt.b, "XSDT", 4);
    sdt_resum(&G.rsdt);
    load_machine(0);
    CHECK_EQ(run_load(), ERR_CORRUPT);
    CHECK(has(R.e.msg, "RSDT at 0x7fe6000 has signature \"XSDT\""));

    fp_reset();
    CHECK_EQ(run_load(), ERR_NOT_FOUND);
    CHECK(has(R.e.msg, "RSDP at 0xf5a40: not readable"));
}

TEST(rsdp_naming_no_root)
{
    uint8_t r[36];
    fp_reset();
    fp_add(RSDP_PA, r, rsdp_build(r, 0, 0, 0));
    CHECK_EQ(run_load(), ERR_NOT_FOUND);
    CHECK(has(R.e.msg, "names no root table"));
}

/* ---- the tables a root lists ---------------------------------------------- */

TEST(bad_entries_are_skipped_with_a_reason)
{
    build_q35();
    uint64_t e[] = {0, MADT_PA, 0x9990000, HPET_PA, MCFG_PA, FACP_PA};
    set_rsdt(e, 6);
    G.hpet.b[40] ^= 1;                          /* checksum */
    sdt_set_len(&G.mcfg, (uint32_t)G.mcfg.len + 4); /* past the end of memory */
    load_machine(0);
    REQUIRE(run_load() == OK);
    CHECK_EQ(R.t.skipped, 4);
    CHECK(saw_problem("RSDT entry 0 is null"));
    CHECK(saw_problem("RSDT entry 2 skipped: table at 0x9990000: header not readable"));
    CHECK(saw_problem("RSDT entry 3 skipped: HPET: bad checksum"));
    CHECK(saw_problem("RSDT entry 4 skipped: MCFG at 0x7fe5000: 0x40 bytes not readable"));
    CHECK_EQ(R.p.state[ACPI_PART_HPET], ACPI_ABSENT);
    CHECK_EQ(R.p.state[ACPI_PART_MADT], ACPI_VALID);
    CHECK_EQ(R.p.state[ACPI_PART_FADT], ACPI_VALID);
    CHECK_EQ(FP.nreports, 4);
}

TEST(entry_near_the_top_of_the_address_space_is_never_read_wrapped)
{
    build_q35();
    uint64_t e[] = {MADT_PA, 0xffffffffffffffe0ull};
    G.xsdt.len = 0;
    set_xsdt(e, 2);
    load_machine(2);
    REQUIRE(run_load() == OK); /* the fake read aborts on a wrapped range */
    CHECK(saw_problem("XSDT entry 1 skipped: table at 0xffffffffffffffe0: header not readable"));
}

TEST(dsdt_comes_from_the_fadt_and_is_checked)
{
    build_q35();
    memcpy(G.dsdt.b, "SSDT", 4);
    sdt_resum(&G.dsdt);
    load_machine(0);
    REQUIRE(run_load() == OK);
    CHECK(saw_problem("DSDT skipped: DSDT at 0x7fe1000 has signature \"SSDT\""));
    CHECK_EQ(R.p.state[ACPI_PART_S5], ACPI_ABSENT);
    CHECK(has(R.p.why[ACPI_PART_S5], "no DSDT"));

    build_q35();
    fadt_build(&G.facp, 244, 0, 0, false);
    load_machine(0);
    REQUIRE(run_load() == OK);
    CHECK(saw_problem("FADT names no DSDT"));
}

TEST(x_dsdt_wins_over_dsdt)
{
    build_q35();
    fadt_build(&G.facp, 244, 0x1234, DSDT_PA, false);
    load_machine(0);
    REQUIRE(run_load() == OK);
    CHECK_EQ(R.t.nproblems, 0);
    REQUIRE(acpi_find(&R.t, "DSDT", 0) != NULL);
    CHECK_EQ(acpi_find(&R.t, "DSDT", 0)->pa, DSDT_PA);
    CHECK(R.p.fadt.dsdt_from_x);
}

TEST(more_tables_than_kept_are_counted)
{
    static uint64_t e[ACPI_MAX_TABLES + 10];
    build_q35();
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
        e[i] = MADT_PA;
    set_rsdt(e, sizeof e / sizeof e[0]);
    load_machine(0);
    REQUIRE(run_load() == OK);
    CHECK_EQ(R.t.n, ACPI_MAX_TABLES);
    CHECK_EQ(R.t.skipped, 11); /* the root takes one slot */
    CHECK(saw_problem("RSDT entries 63..73 skipped"));
    CHECK_EQ(acpi_find(&R.t, "APIC", ACPI_MAX_TABLES - 2)->pa, MADT_PA);
    CHECK(acpi_find(&R.t, "APIC", ACPI_MAX_TABLES - 1) == NULL);
}

TEST(problem_lines_are_bounded)
{
    static uint64_t e[40];
    build_q35();
    set_rsdt(e, 40); /* all null */
    load_machine(0);
    REQUIRE(run_load() == OK);
    CHECK_EQ(R.t.nproblems, ACPI_MAX_PROBLEMS);
    CHECK_EQ(R.t.problems_dropped, 40 - ACPI_MAX_PROBLEMS);
    CHECK_EQ(R.t.skipped, 40);
}

TEST(sdt_check_on_a_copy)
{
    tbl_t t;
    acpi_err_t e;
    sdt_begin(&t, "SSDT", 2);
    sdt_seal(&t);
    CHECK_EQ(acpi_sdt_check(t.b, t.len, &e), OK);
    CHECK_EQ(acpi_sdt_check(t.b, 35, &e), ERR_CORRUPT);
    CHECK(has(e.msg, "shorter than its 36-byte header"));
    sdt_set_len(&t, 40);
    CHECK_EQ(acpi_sdt_check(t.b, t.len, &e), ERR_CORRUPT);
    CHECK(has(e.msg, "length field 40, but 36 bytes"));
}

int main(void)
{
    int rc = check_run_all();
    acpi_tables_free(&R.t);
    fp_reset();
    return rc;
}
