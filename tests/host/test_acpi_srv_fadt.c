/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Host tests for the acpi server's FADT parser (servers/acpi/fadt.c): the
 * ACPI 1.0 table with I/O-port blocks, the 2.0+ table with Generic Address
 * Structures, which form wins, the reset register and when it counts, and
 * the refusals (too short, a register block shorter than its register, a
 * register in an address space poweroff cannot use).
 */
#include <stdlib.h>
#include <string.h>

#include "acpi_srv_fixture.h"
#include "check.h"

static acpi_fadt_t F;
static acpi_err_t E;

static int parse(const tbl_t *t)
{
    uint8_t *copy = malloc(t->len);
    if (copy == NULL)
        abort();
    memcpy(copy, t->b, t->len);
    memset(&E, 0, sizeof E);
    int rc = acpi_fadt_parse(copy, t->len, &F, &E);
    free(copy);
    return rc;
}

static bool is_io(const acpi_gas_t *g, uint64_t port, uint8_t bits)
{
    return g->space == ACPI_SPACE_IO && g->addr == port && g->bit_width == bits;
}

TEST(acpi_1_fadt_gives_io_port_blocks)
{
    tbl_t t;
    fadt_build(&t, 116, 0x7fe1000, 0, false);
    REQUIRE(parse(&t) == OK);
    CHECK_EQ(F.revision, 1);
    CHECK_EQ(F.length, 116);
    CHECK_EQ(F.sci_irq, 9);
    CHECK_EQ(F.smi_cmd, 0xb2);
    CHECK_EQ(F.acpi_enable, 0xf1);
    CHECK_EQ(F.acpi_disable, 0xf0);
    CHECK_EQ(F.dsdt, 0x7fe1000);
    CHECK(!F.dsdt_from_x);
    CHECK_EQ(F.facs, 0x7fdf000);
    CHECK(is_io(&F.pm1a_evt, 0x600, 32));
    CHECK(is_io(&F.pm1a_cnt, 0x604, 16));
    CHECK(is_io(&F.pm_tmr, 0x608, 32));
    CHECK_EQ(F.pm1b_cnt.addr, 0);
    CHECK_EQ(F.pm1b_evt.addr, 0);
    CHECK(!F.reset_supported); /* no room for the reset register in 1.0 */
    CHECK(!F.reset_refused);
}

TEST(acpi_2_fadt_prefers_the_generic_address_structures)
{
    tbl_t t;
    fadt_build(&t, 244, 0, 0x7fe1000, true);
    t_put64(&t, 172 + 4, 0x704); /* X_PM1a_CNT_BLK elsewhere than PM1a_CNT_BLK */
    sdt_resum(&t);
    REQUIRE(parse(&t) == OK);
    CHECK_EQ(F.dsdt, 0x7fe1000);
    CHECK(F.dsdt_from_x);
    CHECK(is_io(&F.pm1a_cnt, 0x704, 16));
    CHECK(is_io(&F.pm1a_evt, 0x600, 32));
    CHECK(F.reset_supported);
    CHECK(is_io(&F.reset_reg, 0xcf9, 8));
    CHECK_EQ(F.reset_value, 0xf);
}

TEST(x_block_in_memory_with_width_from_the_legacy_length)
{
    tbl_t t;
    fadt_build(&t, 276, 0x7fe1000, 0, true);
    for (int i = 0; i < 12; i++)
        t.b[172 + i] = 0;
    t.b[172] = ACPI_SPACE_MEMORY; /* width 0: taken from PM1_CNT_LEN */
    t_put64(&t, 172 + 4, 0xfe000004ull);
    sdt_resum(&t);
    REQUIRE(parse(&t) == OK);
    CHECK_EQ(F.pm1a_cnt.space, ACPI_SPACE_MEMORY);
    CHECK_EQ(F.pm1a_cnt.addr, 0xfe000004ull);
    CHECK_EQ(F.pm1a_cnt.bit_width, 16);
    CHECK_EQ(F.length, 276);
}

TEST(pm1b_blocks_when_present)
{
    tbl_t t;
    fadt_build(&t, 116, 0x7fe1000, 0, false);
    t_put32(&t, 68, 0x800); /* PM1b_CNT_BLK */
    t_put32(&t, 60, 0x810); /* PM1b_EVT_BLK */
    sdt_resum(&t);
    REQUIRE(parse(&t) == OK);
    CHECK(is_io(&F.pm1b_cnt, 0x800, 16));
    CHECK(is_io(&F.pm1b_evt, 0x810, 32));
}

TEST(too_short_fadt_refused)
{
    tbl_t t;
    fadt_build(&t, 116, 0x7fe1000, 0, false);
    t.len = 115;
    sdt_seal(&t);
    CHECK_EQ(parse(&t), ERR_CORRUPT);
    CHECK(has(E.msg, "115 bytes"));
    CHECK_EQ(F.dsdt, 0);
}

TEST(fields_past_the_length_do_not_count)
{
    tbl_t t;
    /* 140 bytes: X_FIRMWARE_CTRL is in, X_DSDT is not, however it is set. */
    fadt_build(&t, 244, 0x7fe1000, 0x99999000, true);
    t.len = 140;
    sdt_seal(&t);
    REQUIRE(parse(&t) == OK);
    CHECK_EQ(F.dsdt, 0x7fe1000);
    CHECK(is_io(&F.pm1a_cnt, 0x604, 16)); /* the X_ blocks are cut off */
    CHECK(F.reset_supported);
}

TEST(block_shorter_than_its_register_refused)
{
    tbl_t t;
    fadt_build(&t, 116, 0x7fe1000, 0, false);
    t.b[89] = 1; /* PM1_CNT_LEN */
    sdt_resum(&t);
    CHECK_EQ(parse(&t), ERR_CORRUPT);
    CHECK(has(E.msg, "PM1a_CNT_BLK at port 0x604 has length 1 (< 2)"));

    fadt_build(&t, 116, 0x7fe1000, 0, false);
    t.b[88] = 2; /* PM1_EVT_LEN: status and enable are 2 bytes each */
    sdt_resum(&t);
    CHECK_EQ(parse(&t), ERR_CORRUPT);
    CHECK(has(E.msg, "PM1a_EVT_BLK"));

    fadt_build(&t, 244, 0x7fe1000, 0, true);
    t.b[172 + 1] = 8; /* X_PM1a_CNT_BLK 8 bits wide */
    sdt_resum(&t);
    CHECK_EQ(parse(&t), ERR_CORRUPT);
    CHECK(has(E.msg, "X_PM1a_CNT_BLK is 8 bits wide (< 16)"));
}

TEST(register_in_another_address_space_refused)
{
    tbl_t t;
    fadt_build(&t, 244, 0x7fe1000, 0, true);
    t.b[172] = ACPI_SPACE_PCI_CONFIG;
    sdt_resum(&t);
    CHECK_EQ(parse(&t), ERR_CORRUPT);
    CHECK(has(E.msg, "X_PM1a_CNT_BLK is in address space 2"));
}

TEST(reset_register_counts_only_when_valid)
{
    tbl_t t;
    fadt_build(&t, 244, 0x7fe1000, 0, false);
    t_put32(&t, 112, 0xa5); /* RESET_REG_SUP clear */
    sdt_resum(&t);
    REQUIRE(parse(&t) == OK);
    CHECK(!F.reset_supported);
    CHECK(!F.reset_refused);

    static const struct { size_t off; uint8_t v; } breaks[] = {
        {116, 7},    /* address space 7 */
        {117, 16},   /* 16 bits wide */
        {118, 1},    /* bit offset 1 */
    };
    for (size_t i = 0; i < sizeof breaks / sizeof breaks[0]; i++) {
        fadt_build(&t, 244, 0x7fe1000, 0, false);
        t.b[breaks[i].off] = breaks[i].v;
        sdt_resum(&t);
        REQUIRE(parse(&t) == OK); /* the rest of the table is still good */
        CHECK(!F.reset_supported);
        CHECK(F.reset_refused);
        CHECK(is_io(&F.pm1a_cnt, 0x604, 16));
    }

    fadt_build(&t, 244, 0x7fe1000, 0, false);
    t_put64(&t, 120, 0);
    sdt_resum(&t);
    REQUIRE(parse(&t) == OK);
    CHECK(F.reset_refused);
}

TEST(reset_register_in_memory_or_pci_space_is_valid)
{
    tbl_t t;
    for (uint8_t space = 0; space <= 2; space++) {
        fadt_build(&t, 244, 0x7fe1000, 0, false);
        t.b[116] = space;
        sdt_resum(&t);
        REQUIRE(parse(&t) == OK);
        CHECK(F.reset_supported);
        CHECK_EQ(F.reset_reg.space, space);
    }
}

TEST(revision_1_has_no_boot_arch_flags)
{
    tbl_t t;
    fadt_build(&t, 116, 0x7fe1000, 0, false);
    t.b[109] = 0x3; /* reserved in ACPI 1.0 */
    sdt_resum(&t);
    REQUIRE(parse(&t) == OK);
    CHECK_EQ(F.iapc_boot_arch, 0);
    fadt_build(&t, 244, 0x7fe1000, 0, false);
    t.b[109] = 0x3;
    sdt_resum(&t);
    REQUIRE(parse(&t) == OK);
    CHECK_EQ(F.iapc_boot_arch, 3);
}

TEST(platform_reports_a_refused_fadt)
{
    build_q35();
    G.facp.b[89] = 0;
    sdt_resum(&G.facp);
    load_machine(0);
    REQUIRE(run_load() == OK);
    CHECK_EQ(R.p.state[ACPI_PART_FADT], ACPI_REFUSED);
    CHECK(has(R.p.why[ACPI_PART_FADT], "PM1a_CNT_BLK"));
    CHECK(acpi_find(&R.t, "DSDT", 0) == NULL); /* nothing to find it with */
    acpi_tables_free(&R.t);
    fp_reset();
}

int main(void) { return RUN_TESTS(); }
