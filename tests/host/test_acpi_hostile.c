/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the kernel's minimal ACPI reader (kernel/init/acpi_tables.c)
 * against hostile firmware: a flood of reports is capped, and the last
 * tests truncate and randomly mutate a rich MADT (checksum recomputed so the
 * parser reaches the entries) and the XSDT, checking the invariants of
 * every result. Fake memory, the table builder and the harness are in
 * acpi_builder.h.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "acpi_builder.h"

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
