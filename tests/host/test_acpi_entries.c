/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the kernel's minimal ACPI reader (kernel/init/acpi_tables.c):
 * what is read out of the tables. The MADT entry walk (framing, short and
 * unknown entries, limits, duplicate and broadcast APIC ids, x2APIC, NMIs,
 * the local APIC address override) and the HPET table. Fake memory, the
 * table builder and the harness are in acpi_builder.h.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "acpi_builder.h"

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

int main(void) { return RUN_TESTS(); }
