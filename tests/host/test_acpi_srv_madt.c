/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Host tests for the acpi server's MADT parser (servers/acpi/madt.c): every
 * entry type it keeps, decoded field by field; the structural refusals
 * (zero-length entries, entries past the end, short entries, a header cut
 * off); and lists longer than the arrays, which keep the first entries and
 * count all of them. Each parse runs on an exact-size heap copy.
 */
#include <stdlib.h>
#include <string.h>

#include "acpi_srv_fixture.h"
#include "check.h"

static acpi_madt_t M;
static acpi_err_t E;

/* Parses an exact-size copy of t, so ASan sees a read past its end. */
static int parse(const tbl_t *t)
{
    uint8_t *copy = malloc(t->len);
    if (copy == NULL)
        abort();
    memcpy(copy, t->b, t->len);
    memset(&E, 0, sizeof E);
    int rc = acpi_madt_parse(copy, t->len, &M, &E);
    free(copy);
    return rc;
}

static bool is_zero(const acpi_madt_t *m)
{
    static const acpi_madt_t zero;
    return memcmp(m, &zero, sizeof zero) == 0;
}

TEST(every_kept_entry_type_decoded)
{
    tbl_t t;
    madt_begin(&t, 0xfee00000, 1);
    e_lapic(&t, 0, 0, 1);
    e_lapic(&t, 1, 2, 0);        /* absent */
    e_lapic(&t, 2, 4, 2);        /* online capable */
    e_lapic(&t, 3, 6, 3);        /* enabled: online capable means nothing then */
    e_x2apic(&t, 0x100, 1, 0x40);
    e_ioapic(&t, 2, 0xfec00000, 0);
    e_ioapic(&t, 3, 0xfec01000, 24);
    e_iso(&t, 0, 0, 2, 0);
    e_iso(&t, 0, 9, 9, 0xd);
    e_nmi_src(&t, 0x5, 23);
    e_lapic_nmi(&t, 0xff, 0x5, 1);
    e_lapic_nmi(&t, 2, 0, 0);
    e_x2nmi(&t, 0xf, 0xffffffffu, 1);
    e_lapic_addr(&t, 0x1234567000ull);
    e_raw(&t, 0x7f, 20);         /* unknown: stepped over */
    e_raw(&t, 0x11, 2);
    sdt_seal(&t);
    REQUIRE(parse(&t) == OK);
    CHECK_EQ(M.lapic_addr, 0x1234567000ull);
    CHECK_EQ(M.flags, 1);
    REQUIRE(M.ncpus == 5);
    CHECK_EQ(M.cpus_total, 5);
    CHECK_EQ(M.cpus_enabled, 3);
    CHECK(M.cpus[0].enabled && !M.cpus[0].online_capable && !M.cpus[0].x2apic);
    CHECK(!M.cpus[1].enabled && !M.cpus[1].online_capable);
    CHECK_EQ(M.cpus[1].apic_id, 2);
    CHECK(!M.cpus[2].enabled && M.cpus[2].online_capable);
    CHECK(M.cpus[3].enabled && !M.cpus[3].online_capable);
    CHECK_EQ(M.cpus[3].uid, 3);
    CHECK(M.cpus[4].x2apic && M.cpus[4].enabled);
    CHECK_EQ(M.cpus[4].apic_id, 0x100);
    CHECK_EQ(M.cpus[4].uid, 0x40);
    REQUIRE(M.nioapics == 2);
    CHECK_EQ(M.ioapics[1].id, 3);
    CHECK_EQ(M.ioapics[1].addr, 0xfec01000);
    CHECK_EQ(M.ioapics[1].gsi_base, 24);
    REQUIRE(M.noverrides == 2);
    CHECK_EQ(M.overrides[0].source, 0);
    CHECK_EQ(M.overrides[0].gsi, 2);
    CHECK_EQ(M.overrides[1].flags, 0xd);
    REQUIRE(M.nnmi_sources == 1);
    CHECK_EQ(M.nmi_sources[0].flags, 5);
    CHECK_EQ(M.nmi_sources[0].gsi, 23);
    REQUIRE(M.nlapic_nmis == 3);
    CHECK_EQ(M.lapic_nmis[0].uid, ACPI_UID_ALL);
    CHECK_EQ(M.lapic_nmis[0].flags, 5);
    CHECK_EQ(M.lapic_nmis[0].lint, 1);
    CHECK_EQ(M.lapic_nmis[1].uid, 2);
    CHECK_EQ(M.lapic_nmis[2].uid, ACPI_UID_ALL);
    CHECK_EQ(M.lapic_nmis[2].flags, 0xf);
    CHECK_EQ(M.other_entries, 2);
}

TEST(longer_entries_than_defined_are_fine)
{
    tbl_t t;
    madt_begin(&t, 0xfee00000, 0);
    t_u8(&t, 0), t_u8(&t, 12), t_u8(&t, 7), t_u8(&t, 9), t_u32(&t, 1), t_u32(&t, 0xffffffffu);
    sdt_seal(&t);
    REQUIRE(parse(&t) == OK);
    REQUIRE(M.ncpus == 1);
    CHECK_EQ(M.cpus[0].apic_id, 9);
    CHECK_EQ(M.cpus[0].uid, 7);
}

TEST(empty_madt_and_short_header)
{
    tbl_t t;
    madt_begin(&t, 0xfee00000, 0);
    sdt_seal(&t);
    REQUIRE(parse(&t) == OK);
    CHECK_EQ(M.ncpus, 0);
    CHECK_EQ(M.lapic_addr, 0xfee00000);
    t.len = 43;
    sdt_seal(&t);
    CHECK_EQ(parse(&t), ERR_CORRUPT);
    CHECK(has(E.msg, "43 bytes, the header alone is 44"));
    CHECK(is_zero(&M));
}

TEST(zero_and_one_length_entries_refuse_the_table)
{
    for (uint8_t len = 0; len < 2; len++) {
        tbl_t t;
        madt_begin(&t, 0xfee00000, 0);
        e_lapic(&t, 0, 0, 1);
        e_raw(&t, 0, len);
        t_zeros(&t, 6);
        sdt_seal(&t);
        CHECK_EQ(parse(&t), ERR_CORRUPT);
        CHECK(has(E.msg, "entry at offset 0x34 (type 0) has length"));
        CHECK(is_zero(&M)); /* not a partial list */
    }
}

TEST(entry_past_the_end_refuses_the_table)
{
    tbl_t t;
    madt_begin(&t, 0xfee00000, 0);
    e_lapic(&t, 0, 0, 1);
    e_ioapic(&t, 0, 0xfec00000, 0);
    t.len -= 1; /* the I/O APIC's last byte is outside */
    sdt_seal(&t);
    CHECK_EQ(parse(&t), ERR_CORRUPT);
    CHECK(has(E.msg, "runs past the table end"));

    madt_begin(&t, 0xfee00000, 0);
    t_u8(&t, 0); /* one byte: no room for {type, length} */
    sdt_seal(&t);
    CHECK_EQ(parse(&t), ERR_CORRUPT);
    CHECK(has(E.msg, "cut off by the table end"));
}

TEST(entries_shorter_than_their_type_refuse_the_table)
{
    static const struct { uint8_t type, min; const char *name; } kinds[] = {
        {0, 8, "local APIC"}, {1, 12, "I/O APIC"}, {2, 10, "interrupt source override"}, {3, 8, "NMI source"},
        {4, 6, "local APIC NMI"}, {5, 12, "local APIC address override"}, {9, 16, "local x2APIC"},
        {10, 12, "local x2APIC NMI"}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        tbl_t t;
        madt_begin(&t, 0xfee00000, 0);
        e_raw(&t, kinds[i].type, (uint8_t)(kinds[i].min - 1));
        sdt_seal(&t);
        CHECK_EQ(parse(&t), ERR_CORRUPT);
        CHECK(has(E.msg, kinds[i].name));
        CHECK(has(E.msg, "(< "));
    }
}

TEST(nmi_on_a_lint_that_does_not_exist)
{
    tbl_t t;
    madt_begin(&t, 0xfee00000, 0);
    e_lapic_nmi(&t, 0xff, 0, 2);
    sdt_seal(&t);
    CHECK_EQ(parse(&t), ERR_CORRUPT);
    CHECK(has(E.msg, "LINT2"));
    madt_begin(&t, 0xfee00000, 0);
    e_x2nmi(&t, 0, 1, 0xff);
    sdt_seal(&t);
    CHECK_EQ(parse(&t), ERR_CORRUPT);
    CHECK(has(E.msg, "LINT255"));
}

TEST(second_address_override)
{
    tbl_t t;
    madt_begin(&t, 0xfee00000, 0);
    e_lapic_addr(&t, 0x1000);
    e_lapic_addr(&t, 0x2000);
    sdt_seal(&t);
    CHECK_EQ(parse(&t), ERR_CORRUPT);
    CHECK(has(E.msg, "second local APIC address override"));
}

TEST(more_entries_than_kept_are_counted)
{
    static tbl_t t;
    madt_begin(&t, 0xfee00000, 0);
    for (uint32_t i = 0; i < ACPI_MAX_CPUS + 100; i++)
        e_x2apic(&t, i, i & 1, i);
    for (uint32_t i = 0; i < ACPI_MAX_IOAPICS + 3; i++)
        e_ioapic(&t, (uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
    for (uint32_t i = 0; i < ACPI_MAX_OVERRIDES + 1; i++)
        e_iso(&t, 0, (uint8_t)i, i, 0);
    for (uint32_t i = 0; i < ACPI_MAX_NMI_SOURCES + 1; i++)
        e_nmi_src(&t, 0, i);
    for (uint32_t i = 0; i < ACPI_MAX_LAPIC_NMIS + 7; i++)
        e_lapic_nmi(&t, (uint8_t)i, 0, 1);
    sdt_seal(&t);
    REQUIRE(parse(&t) == OK);
    CHECK_EQ(M.ncpus, ACPI_MAX_CPUS);
    CHECK_EQ(M.cpus_total, ACPI_MAX_CPUS + 100);
    CHECK_EQ(M.cpus_enabled, (ACPI_MAX_CPUS + 100) / 2);
    CHECK_EQ(M.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
    CHECK_EQ(M.nioapics, ACPI_MAX_IOAPICS);
    CHECK_EQ(M.ioapics_total, ACPI_MAX_IOAPICS + 3);
    CHECK_EQ(M.noverrides, ACPI_MAX_OVERRIDES);
    CHECK_EQ(M.overrides_total, ACPI_MAX_OVERRIDES + 1);
    CHECK_EQ(M.nnmi_sources, ACPI_MAX_NMI_SOURCES);
    CHECK_EQ(M.nmi_sources_total, ACPI_MAX_NMI_SOURCES + 1);
    CHECK_EQ(M.nlapic_nmis, ACPI_MAX_LAPIC_NMIS);
    CHECK_EQ(M.lapic_nmis_total, ACPI_MAX_LAPIC_NMIS + 7);
}

TEST(platform_build_keeps_the_first_valid_madt)
{
    build_q35();
    /* A second MADT in front that is broken, then the good one. */
    tbl_t bad;
    madt_begin(&bad, 0xfee00000, 0);
    e_raw(&bad, 0, 0);
    sdt_seal(&bad);
    uint64_t e[] = {SPARE_PA, MADT_PA, FACP_PA};
    set_rsdt(e, 3);
    load_machine(0);
    fp_add(SPARE_PA, bad.b, bad.len);
    REQUIRE(run_load() == OK);
    CHECK_EQ(R.p.state[ACPI_PART_MADT], ACPI_VALID);
    CHECK_EQ(R.p.madt.ncpus, 4);

    /* Only the broken one: refused, with the reason. */
    uint64_t e2[] = {SPARE_PA, FACP_PA};
    set_rsdt(e2, 2);
    load_machine(0);
    fp_add(SPARE_PA, bad.b, bad.len);
    REQUIRE(run_load() == OK);
    CHECK_EQ(R.p.state[ACPI_PART_MADT], ACPI_REFUSED);
    CHECK(has(R.p.why[ACPI_PART_MADT], "MADT: entry at offset 0x2c (type 0) has length 0"));
    CHECK_EQ(R.p.madt.ncpus, 0);
    acpi_tables_free(&R.t);
    fp_reset();
}

int main(void) { return RUN_TESTS(); }
