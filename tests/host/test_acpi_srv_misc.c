/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Host tests for the acpi server's small tables: MCFG (servers/acpi/
 * mcfg.c), HPET (hpet.c) and DMAR (dmar.c). Good tables decoded field by
 * field, then the refusals: lengths that are not whole entries, bus ranges
 * backwards, bases that are zero, misaligned or wrap, structures and device
 * scopes that do not fit their container, too many entries counted.
 */
#include <stdlib.h>
#include <string.h>

#include "acpi_srv_fixture.h"
#include "check.h"

static acpi_err_t E;

/* Runs parser fn on an exact-size copy of t. */
#define PARSE(fn, t, out)                                                                                \
    ({                                                                                                   \
        uint8_t *copy_ = malloc((t)->len);                                                               \
        if (copy_ == NULL)                                                                               \
            abort();                                                                                     \
        memcpy(copy_, (t)->b, (t)->len);                                                                 \
        memset(&E, 0, sizeof E);                                                                         \
        int rc_ = fn(copy_, (t)->len, (out), &E);                                                        \
        free(copy_);                                                                                     \
        rc_;                                                                                             \
    })

/* ---- MCFG ------------------------------------------------------------------ */

TEST(mcfg_ranges)
{
    tbl_t t;
    acpi_mcfg_t m;
    mcfg_begin(&t);
    mcfg_entry(&t, 0xb0000000, 0, 0, 255);
    mcfg_entry(&t, 0x4000000000ull, 1, 16, 31);
    sdt_seal(&t);
    REQUIRE(PARSE(acpi_mcfg_parse, &t, &m) == OK);
    REQUIRE(m.n == 2);
    CHECK_EQ(m.total, 2);
    CHECK_EQ(m.ranges[0].base, 0xb0000000);
    CHECK_EQ(m.ranges[0].bus_end, 255);
    CHECK_EQ(m.ranges[1].base, 0x4000000000ull);
    CHECK_EQ(m.ranges[1].segment, 1);
    CHECK_EQ(m.ranges[1].bus_start, 16);
    CHECK_EQ(m.ranges[1].bus_end, 31);

    mcfg_begin(&t); /* no entries at all is a valid (useless) MCFG */
    sdt_seal(&t);
    REQUIRE(PARSE(acpi_mcfg_parse, &t, &m) == OK);
    CHECK_EQ(m.n, 0);
}

TEST(mcfg_refusals)
{
    tbl_t t;
    acpi_mcfg_t m;
    mcfg_begin(&t);
    mcfg_entry(&t, 0xb0000000, 0, 0, 255);
    t.len -= 4;
    sdt_seal(&t);
    CHECK_EQ(PARSE(acpi_mcfg_parse, &t, &m), ERR_CORRUPT);
    CHECK(has(E.msg, "12 bytes of entries"));
    CHECK_EQ(m.n, 0);

    t.len = 40;
    sdt_seal(&t);
    CHECK_EQ(PARSE(acpi_mcfg_parse, &t, &m), ERR_CORRUPT);
    CHECK(has(E.msg, "header alone"));

    static const struct { uint64_t base; uint8_t start, end; const char *why; } bad[] = {
        {0xb0000000, 5, 4, "buses 5..4"},
        {0, 0, 255, "not a non-zero multiple"},
        {0xb0080000, 0, 255, "not a non-zero multiple"},
        {0xfffffffff0100000ull, 0, 255, "wraps past 2^64"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mcfg_begin(&t);
        mcfg_entry(&t, 0xc0000000, 0, 0, 0);
        mcfg_entry(&t, bad[i].base, 0, bad[i].start, bad[i].end);
        sdt_seal(&t);
        CHECK_EQ(PARSE(acpi_mcfg_parse, &t, &m), ERR_CORRUPT);
        CHECK(has(E.msg, "entry 1"));
        CHECK(has(E.msg, bad[i].why));
        CHECK_EQ(m.n, 0);
    }
    /* The very top of the address space, exactly: fine. */
    mcfg_begin(&t);
    mcfg_entry(&t, 0xfffffffff0000000ull, 0, 0, 255);
    sdt_seal(&t);
    CHECK_EQ(PARSE(acpi_mcfg_parse, &t, &m), OK);
}

TEST(mcfg_more_ranges_than_kept)
{
    tbl_t t;
    acpi_mcfg_t m;
    mcfg_begin(&t);
    for (uint16_t i = 0; i < ACPI_MAX_ECAM + 4; i++)
        mcfg_entry(&t, 0x100000000ull * (i + 1), i, 0, 255);
    sdt_seal(&t);
    REQUIRE(PARSE(acpi_mcfg_parse, &t, &m) == OK);
    CHECK_EQ(m.n, ACPI_MAX_ECAM);
    CHECK_EQ(m.total, ACPI_MAX_ECAM + 4);
}

/* ---- HPET ------------------------------------------------------------------ */

TEST(hpet_fields)
{
    tbl_t t;
    acpi_hpet_t h;
    hpet_build(&t, ACPI_SPACE_MEMORY, 0xfed00000, 0x8086a201);
    REQUIRE(PARSE(acpi_hpet_parse, &t, &h) == OK);
    CHECK_EQ(h.addr, 0xfed00000);
    CHECK_EQ(h.block_id, 0x8086a201);
    CHECK_EQ(h.comparators, 3);
    CHECK(h.counter_64);
    CHECK(h.legacy_capable);
    CHECK_EQ(h.vendor, 0x8086);
    CHECK_EQ(h.min_tick, 0x80);
    CHECK_EQ(h.number, 0);
}

TEST(hpet_refusals)
{
    tbl_t t;
    acpi_hpet_t h;
    hpet_build(&t, ACPI_SPACE_IO, 0xfed00000, 0);
    CHECK_EQ(PARSE(acpi_hpet_parse, &t, &h), ERR_CORRUPT);
    CHECK(has(E.msg, "address space 1"));
    hpet_build(&t, ACPI_SPACE_MEMORY, 0, 0);
    CHECK_EQ(PARSE(acpi_hpet_parse, &t, &h), ERR_CORRUPT);
    CHECK(has(E.msg, "base address 0"));
    hpet_build(&t, ACPI_SPACE_MEMORY, 0xfed00000, 0);
    t.len = 55;
    sdt_seal(&t);
    CHECK_EQ(PARSE(acpi_hpet_parse, &t, &h), ERR_CORRUPT);
    CHECK(has(E.msg, "55 bytes"));
    CHECK_EQ(h.addr, 0);
}

/* ---- DMAR ------------------------------------------------------------------ */

static void dmar_begin(tbl_t *t)
{
    sdt_begin(t, "DMAR", 1);
    t_u8(t, 38); /* 39-bit DMA addresses */
    t_u8(t, 1);  /* INTR_REMAP */
    t_zeros(t, 10);
}

static void drhd(tbl_t *t, uint8_t flags, uint16_t seg, uint64_t base, unsigned nscopes)
{
    t_u16(t, 0), t_u16(t, (uint16_t)(16 + nscopes * 8));
    t_u8(t, flags), t_u8(t, 0), t_u16(t, seg), t_u64(t, base);
    for (unsigned i = 0; i < nscopes; i++) {
        t_u8(t, 1), t_u8(t, 8), t_u16(t, 0), t_u8(t, 0), t_u8(t, 0); /* PCI endpoint on bus 0 */
        t_u8(t, (uint8_t)(i + 1)), t_u8(t, 0);                       /* device i+1, function 0 */
    }
}

static void rmrr(tbl_t *t, uint64_t base, uint64_t limit)
{
    t_u16(t, 1), t_u16(t, 24), t_u16(t, 0), t_u16(t, 0), t_u64(t, base), t_u64(t, limit);
}

TEST(dmar_units)
{
    tbl_t t;
    acpi_dmar_t d;
    dmar_begin(&t);
    drhd(&t, 0, 0, 0xfed90000, 2);
    rmrr(&t, 0x7c000000, 0x7fffffff);
    t_u16(&t, 2), t_u16(&t, 8), t_u32(&t, 0); /* an ATSR-like structure: counted */
    drhd(&t, 1, 0, 0xfed91000, 0);
    sdt_seal(&t);
    REQUIRE(PARSE(acpi_dmar_parse, &t, &d) == OK);
    CHECK_EQ(d.host_addr_width, 38);
    CHECK_EQ(d.flags, 1);
    REQUIRE(d.nunits == 2);
    CHECK_EQ(d.units_total, 2);
    CHECK_EQ(d.units[0].base, 0xfed90000);
    CHECK_EQ(d.units[0].scopes, 2);
    CHECK_EQ(d.units[0].flags, 0);
    CHECK_EQ(d.units[1].flags, 1);
    CHECK_EQ(d.units[1].scopes, 0);
    CHECK_EQ(d.rmrrs, 1);
    CHECK_EQ(d.other, 1);
}

TEST(dmar_refusals)
{
    tbl_t t;
    acpi_dmar_t d;
    dmar_begin(&t);
    t.len = 47;
    sdt_seal(&t);
    CHECK_EQ(PARSE(acpi_dmar_parse, &t, &d), ERR_CORRUPT);
    CHECK(has(E.msg, "header alone"));

    dmar_begin(&t);
    t_u16(&t, 0); /* 2 bytes: no room for type and length */
    sdt_seal(&t);
    CHECK_EQ(PARSE(acpi_dmar_parse, &t, &d), ERR_CORRUPT);
    CHECK(has(E.msg, "cut off by the table end"));

    static const uint16_t lens[] = {0, 3, 17 + 16};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        dmar_begin(&t);
        t_u16(&t, 0), t_u16(&t, lens[i]);
        t_zeros(&t, 13);
        sdt_seal(&t);
        CHECK_EQ(PARSE(acpi_dmar_parse, &t, &d), ERR_CORRUPT);
        CHECK(has(E.msg, "has length"));
    }

    dmar_begin(&t);
    t_u16(&t, 0), t_u16(&t, 12), t_zeros(&t, 8); /* a DRHD of 12 bytes */
    sdt_seal(&t);
    CHECK_EQ(PARSE(acpi_dmar_parse, &t, &d), ERR_CORRUPT);
    CHECK(has(E.msg, "DRHD at 0x30 has length 12 (< 16)"));

    dmar_begin(&t);
    drhd(&t, 0, 0, 0, 0);
    sdt_seal(&t);
    CHECK_EQ(PARSE(acpi_dmar_parse, &t, &d), ERR_CORRUPT);
    CHECK(has(E.msg, "register base 0"));

    dmar_begin(&t);
    rmrr(&t, 0x2000, 0x1fff);
    sdt_seal(&t);
    CHECK_EQ(PARSE(acpi_dmar_parse, &t, &d), ERR_CORRUPT);
    CHECK(has(E.msg, "above its limit"));
    CHECK_EQ(d.rmrrs, 0);
}

TEST(dmar_device_scopes_must_fit)
{
    static const struct { uint8_t len; size_t pad; } bad[] = {
        {0, 8}, {5, 8}, {7, 8}, {16, 8}, /* too short, odd path, past the DRHD */
        {8, 4},                           /* only 4 bytes left for a scope */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tbl_t t;
        acpi_dmar_t d;
        dmar_begin(&t);
        t_u16(&t, 0), t_u16(&t, (uint16_t)(16 + bad[i].pad));
        t_u8(&t, 0), t_u8(&t, 0), t_u16(&t, 0), t_u64(&t, 0xfed90000);
        t_u8(&t, 1), t_u8(&t, bad[i].len);
        t_zeros(&t, bad[i].pad - 2);
        sdt_seal(&t);
        CHECK_EQ(PARSE(acpi_dmar_parse, &t, &d), ERR_CORRUPT);
        CHECK(has(E.msg, "device scope at 0x40"));
        CHECK_EQ(d.nunits, 0);
    }
}

TEST(dmar_more_units_than_kept)
{
    tbl_t t;
    acpi_dmar_t d;
    dmar_begin(&t);
    for (unsigned i = 0; i < ACPI_MAX_DRHD + 2; i++)
        drhd(&t, 0, (uint16_t)i, 0xfed90000 + i * 0x1000, 1);
    sdt_seal(&t);
    REQUIRE(PARSE(acpi_dmar_parse, &t, &d) == OK);
    CHECK_EQ(d.nunits, ACPI_MAX_DRHD);
    CHECK_EQ(d.units_total, ACPI_MAX_DRHD + 2);
}

TEST(platform_reports_dmar_and_refused_tables)
{
    tbl_t dm;
    build_q35();
    dmar_begin(&dm);
    drhd(&dm, 1, 0, 0xfed90000, 0);
    sdt_seal(&dm);
    G.mcfg.len = 40;
    sdt_seal(&G.mcfg);
    uint64_t e[] = {FACP_PA, MADT_PA, MCFG_PA, SPARE_PA};
    set_rsdt(e, 4);
    load_machine(0);
    fp_add(SPARE_PA, dm.b, dm.len);
    REQUIRE(run_load() == OK);
    CHECK_EQ(R.p.state[ACPI_PART_DMAR], ACPI_VALID);
    CHECK_EQ(R.p.dmar.units[0].base, 0xfed90000);
    CHECK_EQ(R.p.state[ACPI_PART_MCFG], ACPI_REFUSED);
    CHECK(has(R.p.why[ACPI_PART_MCFG], "MCFG: 40 bytes"));
    CHECK(strcmp(acpi_part_name(ACPI_PART_S5), "\\_S5_") == 0);
    CHECK(strcmp(acpi_part_name(ACPI_NPARTS), "?") == 0);
    acpi_tables_free(&R.t);
    fp_reset();
}

int main(void) { return RUN_TESTS(); }
