/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the ELF64 executable validator (kernel/init/elf.c): the
 * segments. Every PT_LOAD rule (sizes, file bounds, alignment, user space,
 * W^X, page overlap, order and count), where the entry point may be, and
 * the PT_TLS rules. The builder and harness are in elf_builder.h.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "elf_builder.h"

/* ---- PT_LOAD ------------------------------------------------------------------ */

TEST(load_file_size_above_memory_size)
{
    good_table();
    P[1].filesz = 0x2101;
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("program header 1: file size 0x2101 exceeds memory size 0x2100");
}

TEST(load_runs_past_end_of_file)
{
    good_table();
    build(P, N_GOOD, GOOD_ENTRY);
    run_len(0x2000 + 0x80);
    check_refused("program header 1: segment runs past the end of the file (offset 0x2010 + "
                  "0x80 > 0x2080)");

    good_table();
    P[1].offset = 0xfffffffffffff010ull; /* offset + filesz wraps to 0x90 */
    P[1].vaddr = 0x403010;
    build(P, N_GOOD, GOOD_ENTRY);
    B.len = 0x2090;
    run();
    check_refused("(offset 0xfffffffffffff010 + 0x80 > 0x2090)");

    good_table();
    P[0].filesz = P[0].memsz = ~0ull - 0xfff; /* size near 2^64 */
    build(P, N_GOOD, GOOD_ENTRY);
    B.len = 0x2090;
    run();
    check_refused("program header 0: segment runs past the end of the file");
}

TEST(load_ending_exactly_at_end_of_file)
{
    build_good();
    REQUIRE(run() == OK); /* the data segment's bytes end at the last byte */
    CHECK_EQ(R.im.seg[1].file_off + R.im.seg[1].filesz, R.len);
}

TEST(load_alignment_not_power_of_two)
{
    good_table();
    P[0].align = 0x1800;
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("program header 0: alignment 0x1800 is not a power of two");
    P[0].align = 3;
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("alignment 0x3 is not a power of two");
}

TEST(load_address_and_offset_not_congruent)
{
    good_table();
    P[1].vaddr = 0x403018; /* offset 0x2010 */
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("program header 1: address 0x403018 and file offset 0x2010 differ modulo "
                  "the alignment 0x1000");

    /* Congruent modulo the page but not modulo a 2 MiB p_align. */
    good_table();
    P[1].align = 0x200000;
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("differ modulo the alignment 0x200000");
}

TEST(load_small_alignment_has_no_congruence_rule)
{
    static const uint64_t aligns[] = { 0, 1, 16, 0x800 };
    for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
        good_table();
        P[1].vaddr = 0x403018;
        P[1].align = aligns[i];
        P[2].vaddr = 0x403018; /* TLS follows the data */
        build(P, N_GOOD, GOOD_ENTRY);
        REQUIRE(run() == OK);
        CHECK_EQ(R.im.seg[1].copy_to, 0x403018);
        CHECK_EQ(R.im.seg[1].file_off, 0x2010);
    }
}

TEST(load_address_range_wraps)
{
    good_table();
    P[1].vaddr = 0xfffffffffffff010ull;
    P[1].memsz = 0x2000;
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("program header 1: address 0xfffffffffffff010 + size 0x2000 wraps past "
                  "2^64");
}

/* Builds the good image with the data segment moved to `vaddr` (keeping it
 * congruent with its offset) and `memsz` bytes long, and no TLS. */
static int run_data_at(uint64_t vaddr, uint64_t memsz)
{
    good_table();
    P[1].vaddr = vaddr;
    P[1].offset = 0x2000 + (vaddr & 0xfff);
    P[1].memsz = memsz;
    P[1].filesz = memsz < 0x80 ? memsz : 0x80;
    P[2] = P[3];
    build(P, 3, GOOD_ENTRY);
    return run();
}

TEST(load_outside_user_space)
{
    run_data_at(0, 0x1000);
    check_refused("segment [0, 0x1000) is outside user space [0x10000, 0x800000000000)");
    run_data_at(0xf000, 0x1000);
    check_refused("segment [0xf000, 0x10000) is outside user space");
    run_data_at(0x7ffffffff000ull, 0x1001);
    check_refused("segment [0x7ffffffff000, 0x800000000001) is outside user space");
    run_data_at(0xffffffff80000000ull, 0x1000);
    check_refused("segment [0xffffffff80000000, 0xffffffff80001000) is outside user space");
    run_data_at(0x800000000000ull, 0x10);
    check_refused("is outside user space");
}

TEST(load_at_the_edges_of_user_space)
{
    /* Data at the very top, text at the very bottom. */
    REQUIRE(run_data_at(0x7ffffffff000ull, 0x1000) == OK);
    CHECK_EQ(R.im.highest, USER_SPACE_TOP);
    CHECK_EQ(R.im.seg[1].vaddr + R.im.seg[1].memsz, USER_SPACE_TOP);

    good_table();
    P[0].vaddr = USER_SPACE_MIN;
    build(P, N_GOOD, USER_SPACE_MIN);
    REQUIRE(run() == OK);
    CHECK_EQ(R.im.lowest, USER_SPACE_MIN);
    CHECK_EQ(R.im.entry, USER_SPACE_MIN);
}

TEST(writable_and_executable_is_refused)
{
    good_table();
    P[1].flags = PF_R | PF_W | PF_X;
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("program header 1: segment at 0x403010 is both writable and executable "
                  "(W^X)");
    P[1].flags = PF_W | PF_X;
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("(W^X)");
}

TEST(permission_bits_are_passed_through)
{
    good_table();
    P[0].flags = PF_X;         /* execute-only */
    P[1].flags = PF_W | 0xf0;  /* write-only plus unknown bits */
    build(P, N_GOOD, GOOD_ENTRY);
    REQUIRE(run() == OK);
    check_seg(0, 0x401000, 0x1000, 0x1000, 0x123, 0x401000, false, false, true);
    CHECK(!R.im.seg[1].read && R.im.seg[1].write && !R.im.seg[1].exec);
}

TEST(segments_sharing_a_page_are_refused)
{
    good_table();
    P[1].vaddr = 0x401810; /* the text ends at 0x401123, same page */
    P[1].offset = 0x2810;
    P[2].vaddr = 0x401810;
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("program header 1: pages [0x401000, 0x404000) overlap those of program "
                  "header 0 [0x401000, 0x402000)");

    good_table();
    P[0].memsz = 0x2001; /* text's bss reaches into the data's first page */
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("overlap those of program header 0 [0x401000, 0x404000)");
}

TEST(adjacent_pages_are_accepted)
{
    good_table();
    P[0].memsz = 0x2000; /* text up to 0x403000, data from 0x403010 */
    build(P, N_GOOD, GOOD_ENTRY);
    REQUIRE(run() == OK);
    CHECK_EQ(R.im.seg[0].memsz, 0x2000);
    CHECK_EQ(R.im.seg[0].vaddr + R.im.seg[0].memsz, R.im.seg[1].vaddr);
}

TEST(descending_segments_are_refused)
{
    good_table();
    ph_spec_t t = P[0];
    P[0] = P[1];
    P[1] = t;
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("program header 1: segment at 0x401000 is below the one of program header 0 "
                  "at 0x403010 (PT_LOAD must ascend)");
}

/* n PT_LOADs, one page apart, the first executable. */
static void build_many(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        P[i] = (ph_spec_t){ PT_LOAD, i == 0 ? PF_R | PF_X : PF_R, 0x1000 * (i + 1),
                            0x400000 + 0x1000 * i, 0x10, 0x10, 0x1000 };
    build(P, n, 0x400000);
}

TEST(segment_count_limits)
{
    build_many(ELF_MAX_SEGMENTS);
    REQUIRE(run() == OK);
    CHECK_EQ(R.im.nseg, ELF_MAX_SEGMENTS);
    CHECK_EQ(R.im.highest, 0x400000 + 0x1000 * ELF_MAX_SEGMENTS);
    build_many(ELF_MAX_SEGMENTS + 1);
    run();
    check_refused("program header 16: more than 16 PT_LOAD segments");
}

TEST(no_load_segment)
{
    good_table();
    P[0] = P[3];
    build(P, 1, GOOD_ENTRY);
    run();
    check_refused("no non-empty PT_LOAD segment");

    good_table();
    P[0].filesz = P[0].memsz = 0;
    build(P, 1, GOOD_ENTRY);
    run();
    check_refused("no non-empty PT_LOAD segment");
}

TEST(empty_load_is_skipped)
{
    good_table();
    P[3] = (ph_spec_t){ PT_LOAD, PF_R | PF_W | PF_X, 0xd000000, 0, 0, 0, 0x1000 };
    P[4] = GOOD[3];
    build(P, 5, GOOD_ENTRY);
    REQUIRE(run() == OK); /* not placed, so neither its address nor W^X matters */
    CHECK_EQ(R.im.nseg, 2);

    /* ...but its other fields must still make sense. */
    P[3].filesz = 1;
    build(P, 5, GOOD_ENTRY);
    run();
    check_refused("program header 3: file size 0x1 exceeds memory size 0");
    P[3].filesz = 0;
    P[3].align = 5;
    build(P, 5, GOOD_ENTRY);
    run();
    check_refused("program header 3: alignment 0x5");
}

TEST(bss_only_segment_needs_no_file_bytes)
{
    good_table();
    P[2] = (ph_spec_t){ PT_LOAD, PF_R | PF_W, 0x123456789ull, 0x406789, 0, 0x10000, 0x1000 };
    build(P, N_GOOD, GOOD_ENTRY);
    REQUIRE(run() == OK);
    REQUIRE(R.im.nseg == 3);
    check_seg(2, 0x406000, 0x11000, 0, 0, 0x406789, true, true, false);
}

/* ---- entry point -------------------------------------------------------------- */

TEST(entry_point_placement)
{
    static const struct {
        uint64_t entry;
        bool ok;
    } cases[] = {
        { 0x401000, true },  { 0x401122, true },  /* first and last text byte */
        { 0x401123, false }, { 0x400fff, false }, /* just outside */
        { 0x403010, false }, { 0x403100, false }, /* data, bss */
        { 0, false },        { 0xffffffff80000000ull, false },
        { 0x100401010ull, false }, /* the good entry plus 4 GiB */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        good_table();
        build(P, N_GOOD, cases[i].entry);
        run();
        if (cases[i].ok) {
            CHECK_EQ(R.rc, OK);
            CHECK_EQ(R.im.entry, cases[i].entry);
        } else {
            check_refused("is not in the file bytes of an executable segment");
        }
    }
    good_table();
    build(P, N_GOOD, 0x403010);
    run();
    check_refused("entry point 0x403010 is not");
}

TEST(entry_point_in_bss_of_executable_segment)
{
    good_table();
    P[0].memsz = 0x800;
    build(P, N_GOOD, 0x401200); /* mapped, executable, but only zeroes */
    run();
    check_refused("entry point 0x401200 is not in the file bytes");
}

/* ---- PT_TLS ------------------------------------------------------------------- */

TEST(tls_file_size_above_memory_size)
{
    good_table();
    P[2].filesz = 0x30;
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("program header 2: PT_TLS file size 0x30 exceeds memory size 0x28");
}

TEST(tls_bad_alignment)
{
    static const uint64_t bad[] = { 3, 24, 0x2000, 1ull << 63 };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        good_table();
        P[2].align = bad[i];
        build(P, N_GOOD, GOOD_ENTRY);
        run();
        check_refused("PT_TLS alignment");
    }
    CHECK(strstr(R.rep.msg[0], "0x8000000000000000 is not a power of two <= 0x1000") != NULL);

    good_table();
    P[2].align = 0; /* no constraint: reported as 1 */
    build(P, N_GOOD, GOOD_ENTRY);
    REQUIRE(run() == OK);
    CHECK_EQ(R.im.tls_align, 1);
    P[2].align = 0x1000;
    build(P, N_GOOD, GOOD_ENTRY);
    REQUIRE(run() == OK);
    CHECK_EQ(R.im.tls_align, 0x1000);
}

TEST(tls_too_large)
{
    good_table();
    P[2].memsz = ELF_TLS_MAX_SIZE + 1;
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("PT_TLS memory size 0x100001 is above the limit 0x100000");
    P[2].memsz = ELF_TLS_MAX_SIZE;
    build(P, N_GOOD, GOOD_ENTRY);
    CHECK_EQ(run(), OK);
}

TEST(tls_image_outside_loaded_file_bytes)
{
    static const uint64_t bad[] = {
        0x403081,               /* runs one byte past the data's file bytes */
        0x403100,               /* in the bss */
        0x401000,               /* in the text: fine for the rule, see below */
        0x500000,               /* nowhere */
        0xfffffffffffffff8ull,  /* wraps */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        good_table();
        P[2].vaddr = bad[i];
        build(P, N_GOOD, GOOD_ENTRY);
        run();
        if (bad[i] == 0x401000) {
            CHECK_EQ(R.rc, OK); /* read-only initializers are legitimate */
            continue;
        }
        check_refused("PT_TLS image");
    }
    CHECK(strstr(R.rep.msg[0], "[0xfffffffffffffff8, +0x10) is not inside the file bytes of "
                               "a PT_LOAD segment") != NULL);
}

TEST(tls_without_initializer_needs_no_placement)
{
    good_table();
    P[2] = (ph_spec_t){ PT_TLS, PF_R, 0, 0x9999999, 0, 0x40, 16 };
    build(P, N_GOOD, GOOD_ENTRY);
    REQUIRE(run() == OK);
    CHECK(R.im.has_tls);
    CHECK_EQ(R.im.tls_filesz, 0);
    CHECK_EQ(R.im.tls_memsz, 0x40);
}

TEST(second_tls_is_refused)
{
    good_table();
    P[4] = P[2];
    build(P, 5, GOOD_ENTRY);
    run();
    check_refused("program header 4: second PT_TLS (the first is program header 2)");
}

int main(void) { return RUN_TESTS(); }
