/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the Multiboot2 boot-information parser (kernel/init/multiboot2.c):
 * one tag at a time. Bad command line, module, memory map and RSDP tags
 * are rejected and reported while the rest of the block is kept; limits
 * and duplicates are handled, and a block without usable memory is fatal.
 * The builder and harness are in mb2_builder.h.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "mb2_builder.h"

/* ---- per-tag rejections ------------------------------------------------ */

/* Runs a block of a usable map plus `tags` built by the caller; expects
 * success with exactly `rejected` rejections, each reported. */
static void expect_ok_with_rejections(unsigned rejected)
{
    CHECK_EQ(R.rc, OK);
    CHECK_EQ(R.bi.rejected, rejected);
    CHECK_EQ(R.rep.n, (int)rejected);
}

TEST(unterminated_cmdline_is_rejected)
{
    mb_begin();
    mb_usable_mmap();
    mb_tag(1, "console=serial", 14); /* no NUL in the tag; padding has one */
    mb_loader("loader");
    mb_end();
    run();
    expect_ok_with_rejections(1);
    CHECK(saw("command line tag at offset 0x30 is not NUL-terminated"));
    CHECK(strcmp(R.bi.cmdline, "") == 0);
    CHECK(strcmp(R.bi.loader_name, "loader") == 0);

    mb_begin();
    mb_usable_mmap();
    mb_tag(1, NULL, 0); /* empty payload: no room for a NUL */
    mb_tag(2, "grub", 4);
    mb_end();
    run();
    expect_ok_with_rejections(2);
    CHECK(saw("boot loader name tag at offset 0x38 is not NUL-terminated"));
    CHECK(strcmp(R.bi.cmdline, "") == 0 && strcmp(R.bi.loader_name, "") == 0);
}

TEST(second_cmdline_is_rejected)
{
    mb_begin();
    mb_usable_mmap();
    mb_cmdline("first");
    mb_cmdline("second");
    mb_end();
    run();
    expect_ok_with_rejections(1);
    CHECK(saw("second command line tag"));
    CHECK(strcmp(R.bi.cmdline, "first") == 0);
}

TEST(unterminated_or_short_module)
{
    mb_begin();
    mb_usable_mmap();
    uint8_t p[12] = { 0 };
    uint32_t s = 0x200000, e = 0x201000;
    memcpy(p, &s, 4);
    memcpy(p + 4, &e, 4);
    memcpy(p + 8, "init", 4);
    mb_tag(3, p, 12);  /* string without NUL */
    mb_tag(3, p, 8);   /* no string byte at all: size 16 */
    mb_module(0x400000, 0x401000, "ok");
    mb_end();
    run();
    expect_ok_with_rejections(2);
    CHECK(saw("module tag at offset 0x30: string is not NUL-terminated"));
    CHECK(saw("module tag at offset 0x48 has size 16 (< 17)"));
    REQUIRE(R.bi.module_count == 1);
    CHECK(strcmp(R.bi.modules[0].cmdline, "ok") == 0);
}

TEST(module_ending_before_start)
{
    mb_begin();
    mb_usable_mmap();
    mb_module(0x300000, 0x2ff000, "backwards");
    mb_module(0x300000, 0x300000, "empty");
    mb_end();
    run();
    expect_ok_with_rejections(1);
    CHECK(saw("module \"backwards\" at offset 0x30 ends (0x2ff000) before it starts (0x300000)"));
    REQUIRE(R.bi.module_count == 1);
    CHECK_EQ(R.bi.modules[0].start, R.bi.modules[0].end);
}

TEST(overlapping_module_rejected_first_kept)
{
    mb_begin();
    mb_usable_mmap();
    mb_module(0x200000, 0x300000, "a");
    mb_module(0x2ff000, 0x400000, "b");   /* overlaps a by one page */
    mb_module(0x300000, 0x400000, "c");   /* touches a only: accepted */
    mb_module(0x100000, 0x500000, "d");   /* covers both */
    mb_module(0x250000, 0x250000, "e");   /* empty: overlaps nothing */
    mb_module(0x1ff000, 0x200001, "f");   /* one byte into a */
    mb_module(0x1ff000, 0x200000, "g");   /* ends where a starts: accepted */
    mb_end();
    run();
    expect_ok_with_rejections(3);
    CHECK(saw("module \"f\" [0x1ff000, 0x200001) overlaps module 0 \"a\""));
    CHECK(saw("module \"b\" [0x2ff000, 0x400000) overlaps module 0 \"a\" [0x200000, 0x300000)"));
    CHECK(saw("module \"d\" [0x100000, 0x500000) overlaps module 0 \"a\""));
    REQUIRE(R.bi.module_count == 4);
    CHECK(strcmp(R.bi.modules[0].cmdline, "a") == 0);
    CHECK(strcmp(R.bi.modules[1].cmdline, "c") == 0);
    CHECK(strcmp(R.bi.modules[2].cmdline, "e") == 0);
    CHECK(strcmp(R.bi.modules[3].cmdline, "g") == 0);
}

TEST(too_many_modules)
{
    mb_begin();
    mb_usable_mmap();
    char name[16];
    for (uint32_t i = 0; i < BOOT_MAX_MODULES + 2; i++) {
        snprintf(name, sizeof(name), "m%u", i);
        mb_module(0x1000000 + i * 0x1000, 0x1000000 + (i + 1) * 0x1000, name);
    }
    mb_end();
    run();
    expect_ok_with_rejections(2);
    CHECK(saw("more than 32 modules; module \"m32\""));
    CHECK(saw("module \"m33\""));
    REQUIRE(R.bi.module_count == BOOT_MAX_MODULES);
    CHECK(strcmp(R.bi.modules[31].cmdline, "m31") == 0);
}

TEST(mmap_bad_entry_sizes_reject_the_tag)
{
    static const mm_ent_t e[] = { { 0x100000, 0x100000, BOOT_MEM_AVAILABLE } };
    static const struct {
        uint32_t esize;
        const char *msg;
    } bad[] = { { 16, "has entry_size 16" }, { 28, "has entry_size 28" }, { 0, "has entry_size 0" } };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mb_begin();
        uint8_t p[8 + 32] = { 0 };
        memcpy(p, &bad[i].esize, 4);
        memcpy(p + 8, &e[0].base, 8);
        memcpy(p + 16, &e[0].len, 8);
        memcpy(p + 24, &e[0].type, 4);
        mb_tag(6, p, 8 + (bad[i].esize >= 16 ? bad[i].esize : 24));
        mb_end();
        run();
        check_fatal("no usable memory map (no valid memory map tag)");
        CHECK(saw(bad[i].msg));
    }
}

TEST(mmap_partial_trailing_entry)
{
    static const mm_ent_t e[] = { { 0x100000, 0x100000, BOOT_MEM_AVAILABLE },
                                  { 0x200000, 0x100000, BOOT_MEM_AVAILABLE } };
    uint8_t p[8 + 48] = { 24 }; /* entry_size 24, entry_version 0 */
    memcpy(p + 8, e, 16);
    memcpy(p + 24, &e[0].type, 4);
    memcpy(p + 32, &e[1], 12);
    mb_begin();
    mb_tag(6, p, 8 + 24 + 12); /* the second entry is cut in half */
    mb_end();
    run();
    check_fatal("no usable memory map");
    CHECK(saw("memory map tag at offset 0x8: 36 bytes of entries are not a whole number "
              "of 24-byte entries"));
}

TEST(mmap_tag_too_short)
{
    mb_begin();
    mb_tag(6, "\x18\0\0\0", 4); /* entry_size only, no entry_version */
    mb_usable_mmap();
    mb_end();
    run();
    expect_ok_with_rejections(1);
    CHECK(saw("memory map tag at offset 0x8 has size 12 (< 16)"));
    CHECK_EQ(R.bi.mmap_count, 1);
}

TEST(bad_mmap_then_good_mmap)
{
    static const mm_ent_t e[] = { { 0x100000, 0x100000, BOOT_MEM_AVAILABLE } };
    mb_begin();
    mb_mmap_sized(20, 0, e, 1);
    mb_usable_mmap(); /* the first map was not accepted, so this is not a second one */
    mb_end();
    run();
    expect_ok_with_rejections(1);
    CHECK_EQ(R.bi.mmap_count, 1);
    CHECK_EQ(R.bi.mmap[0].len, 0x1000000);
}

TEST(second_mmap_rejected)
{
    static const mm_ent_t e[] = { { 0x5000000, 0x1000, BOOT_MEM_AVAILABLE } };
    mb_begin();
    mb_usable_mmap();
    mb_mmap(e, 1);
    mb_end();
    run();
    expect_ok_with_rejections(1);
    CHECK(saw("second memory map tag at offset 0x30"));
    REQUIRE(R.bi.mmap_count == 1);
    CHECK_EQ(R.bi.mmap[0].base, 0x100000);
}

TEST(mmap_entry_wrapping_past_2_64)
{
    static const mm_ent_t e[] = {
        { 0x100000, 0x100000, BOOT_MEM_AVAILABLE },
        { 0xfffffffffffff000ull, 0x2000, BOOT_MEM_RESERVED },
        { 0xfffffffffffff000ull, 0x1000, BOOT_MEM_RESERVED }, /* end would be 2^64 */
        { 0xffffffffffffe000ull, 0x1000, BOOT_MEM_RESERVED }, /* fits */
        { 0x1, UINT64_MAX, BOOT_MEM_AVAILABLE },
    };
    mb_begin();
    mb_mmap(e, 5);
    mb_end();
    run();
    expect_ok_with_rejections(3);
    CHECK(saw("memory map entry 1 (base 0xfffffffffffff000, length 0x2000) wraps past 2^64"));
    CHECK(saw("memory map entry 2"));
    CHECK(saw("memory map entry 4"));
    REQUIRE(R.bi.mmap_count == 2);
    CHECK_EQ(R.bi.mmap[1].base, 0xffffffffffffe000ull);
}

TEST(mmap_newer_entry_version_with_larger_entries)
{
    static const mm_ent_t e[] = { { 0x100000, 0x100000, BOOT_MEM_AVAILABLE },
                                  { 0x300000, 0x2000, BOOT_MEM_BADRAM } };
    mb_begin();
    mb_mmap_sized(32, 1, e, 2);
    mb_end();
    REQUIRE(run() == OK);
    CHECK_EQ(R.bi.rejected, 0);
    REQUIRE(R.bi.mmap_count == 2);
    CHECK_EQ(R.bi.mmap[1].base, 0x300000);
    CHECK_EQ(R.bi.mmap[1].len, 0x2000);
    CHECK_EQ(R.bi.mmap[1].type, BOOT_MEM_BADRAM);
}

TEST(mmap_more_entries_than_kept)
{
    static mm_ent_t e[BOOT_MAX_MMAP + 3];
    for (size_t i = 0; i < BOOT_MAX_MMAP + 3; i++)
        e[i] = (mm_ent_t){ 0x100000 + i * 0x10000, 0x10000, BOOT_MEM_AVAILABLE };
    e[5].len = 0; /* an empty entry does not take a slot */
    mb_begin();
    mb_mmap(e, BOOT_MAX_MMAP + 3);
    mb_end();
    run();
    expect_ok_with_rejections(1);
    CHECK(saw("memory map has 2 more entries than the 128 kept"));
    REQUIRE(R.bi.mmap_count == BOOT_MAX_MMAP);
    CHECK_EQ(R.bi.mmap[BOOT_MAX_MMAP - 1].base, e[BOOT_MAX_MMAP].base);
}

/* With the table full, reserved ranges beyond it still count: each takes
 * the place of an available entry (losing RAM is safe, losing a reserved
 * range is not). */
TEST(mmap_full_keeps_reserved_entries)
{
    static mm_ent_t e[BOOT_MAX_MMAP + 2];
    for (size_t i = 0; i < BOOT_MAX_MMAP; i++)
        e[i] = (mm_ent_t){ 0x100000 + i * 0x10000, 0x10000, BOOT_MEM_AVAILABLE };
    e[BOOT_MAX_MMAP] = (mm_ent_t){ 0xfec00000, 0x1000, BOOT_MEM_RESERVED };
    e[BOOT_MAX_MMAP + 1] = (mm_ent_t){ 0x120000, 0x1000, BOOT_MEM_NVS };
    mb_begin();
    mb_mmap(e, BOOT_MAX_MMAP + 2);
    mb_end();
    run();
    REQUIRE(R.bi.mmap_count == BOOT_MAX_MMAP);
    size_t reserved = 0, nvs = 0, avail = 0;
    for (size_t i = 0; i < R.bi.mmap_count; i++) {
        reserved += R.bi.mmap[i].type == BOOT_MEM_RESERVED && R.bi.mmap[i].base == 0xfec00000;
        nvs += R.bi.mmap[i].type == BOOT_MEM_NVS && R.bi.mmap[i].base == 0x120000;
        avail += R.bi.mmap[i].type == BOOT_MEM_AVAILABLE;
    }
    CHECK_EQ(reserved, 1);
    CHECK_EQ(nvs, 1);
    CHECK_EQ(avail, BOOT_MAX_MMAP - 2);
}

TEST(no_available_memory_is_fatal)
{
    static const mm_ent_t e[] = { { 0x0, 0x100000, BOOT_MEM_RESERVED },
                                  { 0x100000, 0x0, BOOT_MEM_AVAILABLE },
                                  { 0x200000, 0x100000, BOOT_MEM_ACPI_RECLAIMABLE } };
    mb_begin();
    mb_cmdline("kept until failure");
    mb_module(0x200000, 0x201000, "m");
    mb_mmap(e, 3);
    mb_end();
    run();
    check_fatal("no usable memory map (no available range)");

    mb_begin();
    mb_cmdline("no map at all");
    mb_tag(4, "\0\0\0\0\0\0\0\0", 8); /* basic meminfo does not count */
    mb_end();
    run();
    check_fatal("no usable memory map (no valid memory map tag)");
}

TEST(short_rsdp_tags_rejected)
{
    mb_begin();
    mb_usable_mmap();
    mb_rsdp(14, 19);
    mb_rsdp(15, 35);
    mb_end();
    run();
    expect_ok_with_rejections(2);
    CHECK(saw("ACPI 1.0 RSDP tag at offset 0x30 holds 19 bytes (< 20)"));
    CHECK(saw("ACPI 2.0+ RSDP tag at offset 0x50 holds 35 bytes (< 36)"));
    CHECK(R.bi.rsdp == NULL);
    CHECK_EQ(R.bi.rsdp_tag, 0);

    /* A short new RSDP does not displace a valid old one. */
    mb_begin();
    mb_usable_mmap();
    size_t old = mb_rsdp(14, 20);
    mb_rsdp(15, 20);
    mb_tag(15, NULL, 0);
    mb_end();
    run();
    expect_ok_with_rejections(2);
    CHECK_EQ(R.bi.rsdp_tag, 14);
    CHECK(R.bi.rsdp == at(old + 8));
}

TEST(duplicate_rsdp_tag_rejected)
{
    mb_begin();
    mb_usable_mmap();
    size_t first = mb_rsdp(15, 36);
    mb_rsdp(15, 36);
    mb_end();
    run();
    expect_ok_with_rejections(1);
    CHECK(saw("second ACPI 2.0+ RSDP tag"));
    CHECK(R.bi.rsdp == at(first + 8));
}

int main(void) { return RUN_TESTS(); }
