/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Host tests for the \_S5_ decoder (servers/acpi/aml.c): QEMU's package
 * and the other integer encodings, the root prefix, one-element packages,
 * multi-byte package lengths; then a DSDT without \_S5_, near misses the
 * scan must step over, and every way the package can be broken (cut off
 * by the table or by its own length, not integers, values out of range,
 * reserved length bits, no elements). Each run is on an exact-size copy.
 */
#include <stdlib.h>
#include <string.h>

#include "acpi_srv_fixture.h"
#include "check.h"

static acpi_sleep_t S;
static acpi_err_t E;

/* \_S5_ lookup in a DSDT whose AML is aml[0..n) (between filler), or in a
 * table that ends right after it (at_end). */
static int find(const uint8_t *aml, size_t n, bool at_end)
{
    static tbl_t t;
    if (at_end) {
        sdt_begin(&t, "DSDT", 2);
        t_bytes(&t, aml, n);
        sdt_seal(&t);
    } else {
        dsdt_build(&t, "DSDT", aml, n);
    }
    uint8_t *copy = malloc(t.len);
    if (copy == NULL)
        abort();
    memcpy(copy, t.b, t.len);
    memset(&E, 0, sizeof E);
    int rc = acpi_s5_find(copy, t.len, &S, &E);
    free(copy);
    return rc;
}

#define FIND(...) find((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), false)
#define FIND_AT_END(...) find((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), true)

TEST(qemu_s5_package)
{
    REQUIRE(find(AML_S5_QEMU, AML_S5_QEMU_LEN, false) == OK);
    CHECK_EQ(S.typ_a, 0);
    CHECK_EQ(S.typ_b, 0);
    CHECK_EQ(S.offset, ACPI_SDT_HDR_LEN + 20); /* after dsdt_build's filler */
}

TEST(integer_encodings)
{
    REQUIRE(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00) == OK);
    CHECK_EQ(S.typ_a, 5);
    CHECK_EQ(S.typ_b, 7);
    REQUIRE(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x02, 0x0b, 0x06, 0x00, 0x0c, 0x03, 0, 0, 0) == OK);
    CHECK_EQ(S.typ_a, 6);
    CHECK_EQ(S.typ_b, 3);
    REQUIRE(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x0c, 0x02, 0x0e, 0x07, 0, 0, 0, 0, 0, 0, 0, 0x01) == OK);
    CHECK_EQ(S.typ_a, 7);
    CHECK_EQ(S.typ_b, 1);
}

TEST(root_prefixed_name)
{
    REQUIRE(FIND(0x08, '\\', '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0x01) == OK);
    CHECK_EQ(S.typ_a, 1);
    CHECK_EQ(S.typ_b, 1);
    CHECK_EQ(S.offset, ACPI_SDT_HDR_LEN + 20);
}

TEST(one_element_package_holds_both_values)
{
    REQUIRE(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x01, 0x0b, 0x05, 0x07) == OK);
    CHECK_EQ(S.typ_a, 5);
    CHECK_EQ(S.typ_b, 7);
}

TEST(multi_byte_package_length)
{
    /* Two length bytes: lead 0x46 (one more byte, low nibble 6), then 0x00
     * as bits 4-11 -> 6. */
    REQUIRE(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x02, 0x0a, 0x02, 0x00) == OK);
    CHECK_EQ(S.typ_a, 2);
    /* Three length bytes: 0x87 0x00 0x00 -> 7. */
    REQUIRE(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x87, 0x00, 0x00, 0x02, 0x0a, 0x03, 0x00) == OK);
    CHECK_EQ(S.typ_a, 3);
}

TEST(dsdt_without_s5)
{
    CHECK_EQ(FIND(0x08, '_', 'S', '3', '_', 0x12, 0x04, 0x02, 0x01, 0x01), ERR_NOT_FOUND);
    CHECK(has(E.msg, "no Name(\\_S5_"));
    /* "_S5_" used but not defined by a Name: not ours. */
    CHECK_EQ(FIND(0x70, '_', 'S', '5', '_', 0x60), ERR_NOT_FOUND);
    /* Only a header. */
    tbl_t t;
    sdt_begin(&t, "DSDT", 2);
    sdt_seal(&t);
    CHECK_EQ(acpi_s5_find(t.b, t.len, &S, &E), ERR_NOT_FOUND);
    CHECK_EQ(acpi_s5_find(t.b, 20, &S, &E), ERR_CORRUPT);
}

TEST(name_in_the_header_is_not_aml)
{
    tbl_t t;
    sdt_begin(&t, "DSDT", 2);
    memcpy(t.b + 15, "\x08_S5_", 5); /* OEM fields */
    t_u8(&t, 0x12);
    sdt_seal(&t);
    CHECK_EQ(acpi_s5_find(t.b, t.len, &S, &E), ERR_NOT_FOUND);
}

TEST(truncated_package_refused)
{
    /* Table ends after the name / the PackageOp / inside the length bytes. */
    CHECK_EQ(FIND_AT_END(0x08, '_', 'S', '5', '_'), ERR_CORRUPT);
    CHECK(has(E.msg, "ends after the name"));
    CHECK_EQ(FIND_AT_END(0x08, '_', 'S', '5', '_', 0x12), ERR_CORRUPT);
    CHECK(has(E.msg, "before the package length"));
    CHECK_EQ(FIND_AT_END(0x08, '_', 'S', '5', '_', 0x12, 0xc4, 0x00), ERR_CORRUPT);
    CHECK(has(E.msg, "cut off by the table end"));
    /* The length claims more than the table holds. */
    CHECK_EQ(FIND_AT_END(0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00), ERR_CORRUPT);
    CHECK(has(E.msg, "runs past the table end"));
    /* The package (by its own length) ends before its elements. */
    CHECK_EQ(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x04, 0x00, 0x00), ERR_CORRUPT);
    CHECK(has(E.msg, "ends before element 0"));
    CHECK_EQ(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x04, 0x00, 0x00), ERR_CORRUPT);
    CHECK(has(E.msg, "ends before element 1"));
    /* A prefixed integer cut off by the package end. */
    CHECK_EQ(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x00, 0x0b, 0x01, 0x00), ERR_CORRUPT);
    CHECK(has(E.msg, "element 1 is cut off"));
    CHECK_EQ(FIND_AT_END(0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x0c), ERR_CORRUPT);
    CHECK(has(E.msg, "element 1 is cut off"));
    CHECK_EQ(S.typ_a, 0);
}

TEST(malformed_package_refused)
{
    CHECK_EQ(FIND(0x08, '_', 'S', '5', '_', 0x0a, 0x05), ERR_CORRUPT);
    CHECK(has(E.msg, "is not a package (opcode 0xa)"));
    CHECK_EQ(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00), ERR_CORRUPT);
    CHECK(has(E.msg, "no elements"));
    CHECK_EQ(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x01, 0x00), ERR_CORRUPT);
    CHECK(has(E.msg, "too small"));
    CHECK_EQ(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x00), ERR_CORRUPT);
    CHECK_EQ(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x76, 0x00, 0x02, 0x00, 0x00), ERR_CORRUPT);
    CHECK(has(E.msg, "reserved bits"));
    CHECK_EQ(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x00, 0x5c, 0x41), ERR_CORRUPT);
    CHECK(has(E.msg, "element 1 is not an integer constant (opcode 0x5c)"));
}

TEST(values_out_of_range_refused)
{
    CHECK_EQ(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x08, 0x00), ERR_CORRUPT);
    CHECK(has(E.msg, "SLP_TYPa 0x8 does not fit in 3 bits"));
    CHECK_EQ(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0xff), ERR_CORRUPT);
    CHECK(has(E.msg, "SLP_TYPb 0xffffffffffffffff"));
    CHECK_EQ(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x01, 0x0b, 0x05, 0x08), ERR_CORRUPT);
    CHECK(has(E.msg, "SLP_TYPb 0x8"));
}

TEST(first_name_decides)
{
    /* A broken \_S5_ followed by a good one: the broken one is the answer. */
    CHECK_EQ(FIND(0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00, 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x00),
             ERR_CORRUPT);
}

TEST(platform_takes_s5_from_an_ssdt_when_the_dsdt_has_none)
{
    static const uint8_t none[] = {0x08, '_', 'S', '3', '_', 0x00};
    static const uint8_t s5[] = {0x08, '\\', '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x05, 0x00};
    tbl_t ssdt;
    build_q35();
    dsdt_build(&G.dsdt, "DSDT", none, sizeof none);
    dsdt_build(&ssdt, "SSDT", s5, sizeof s5);
    uint64_t e[] = {FACP_PA, SPARE_PA};
    set_rsdt(e, 2);
    load_machine(0);
    fp_add(SPARE_PA, ssdt.b, ssdt.len);
    REQUIRE(run_load() == OK);
    CHECK_EQ(R.p.state[ACPI_PART_S5], ACPI_VALID);
    CHECK(strcmp(R.p.s5_table, "SSDT") == 0);
    CHECK_EQ(R.p.s5.typ_a, 5);

    /* Neither: absent, and said so. */
    dsdt_build(&ssdt, "SSDT", none, sizeof none);
    load_machine(0);
    fp_add(SPARE_PA, ssdt.b, ssdt.len);
    REQUIRE(run_load() == OK);
    CHECK_EQ(R.p.state[ACPI_PART_S5], ACPI_ABSENT);
    CHECK(has(R.p.why[ACPI_PART_S5], "no \\_S5_ in the DSDT or an SSDT"));

    /* A broken one in the DSDT: refused, the SSDT is not consulted. */
    static const uint8_t broken[] = {0x08, '_', 'S', '5', '_', 0x12, 0x09, 0x02, 0x00};
    dsdt_build(&G.dsdt, "DSDT", broken, sizeof broken);
    dsdt_build(&ssdt, "SSDT", s5, sizeof s5);
    load_machine(0);
    fp_add(SPARE_PA, ssdt.b, ssdt.len);
    REQUIRE(run_load() == OK);
    CHECK_EQ(R.p.state[ACPI_PART_S5], ACPI_REFUSED);
    CHECK(has(R.p.why[ACPI_PART_S5], "DSDT: \\_S5_: element 1 is not an integer constant (opcode 0x14)"));
    acpi_tables_free(&R.t);
    fp_reset();
}

int main(void) { return RUN_TESTS(); }
