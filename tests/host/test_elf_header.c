/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the ELF64 executable validator (kernel/init/elf.c): the
 * file as a whole and its header. The good image and what may vary in it
 * without harm, every ELF header and identification field, and the
 * program header types that are refused outright. The builder and harness
 * are in elf_builder.h.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "elf_builder.h"

/* ---- the good image ----------------------------------------------------- */

TEST(good_image_is_parsed_exactly)
{
    build_good();
    CHECK_EQ(B.len, 0x2090);
    REQUIRE(run() == OK);
    check_accepted();
    const elf_image_t *im = &R.im;
    CHECK_EQ(im->entry, GOOD_ENTRY);
    REQUIRE(im->nseg == 2);
    check_seg(0, 0x401000, 0x1000, 0x1000, 0x123, 0x401000, true, false, true);
    check_seg(1, 0x403000, 0x3000, 0x2010, 0x80, 0x403010, true, true, false);
    CHECK_EQ(im->lowest, 0x401000);
    CHECK_EQ(im->highest, 0x406000);
    CHECK(im->has_tls);
    CHECK_EQ(im->tls_vaddr, 0x403010);
    CHECK_EQ(im->tls_filesz, 0x10);
    CHECK_EQ(im->tls_memsz, 0x28);
    CHECK_EQ(im->tls_align, 8);
    static const elf_segment_t zero;
    for (size_t i = 2; i < ELF_MAX_SEGMENTS; i++)
        CHECK(memcmp(&im->seg[i], &zero, sizeof(zero)) == 0);
}

TEST(unaligned_image_is_read_correctly)
{
    build_good();
    REQUIRE(run_bytes(B.buf, B.len, 1) == OK);
    CHECK_EQ(R.im.entry, GOOD_ENTRY);
    CHECK_EQ(R.im.nseg, 2);
    CHECK_EQ(R.im.seg[1].memsz, 0x3000);
}

TEST(without_tls_or_stack_header)
{
    good_table();
    build(P, 2, GOOD_ENTRY);
    REQUIRE(run() == OK);
    CHECK(!R.im.has_tls);
    CHECK_EQ(R.im.tls_vaddr, 0);
    CHECK_EQ(R.im.tls_align, 0);
    CHECK_EQ(R.im.nseg, 2);
}

TEST(null_report_function_and_null_image)
{
    build_good();
    elf_image_t im;
    CHECK_EQ(elf_parse(B.buf, B.len, &im, NULL, NULL), OK);
    CHECK_EQ(im.nseg, 2);
    CHECK_EQ(elf_parse(B.buf, B.len - 1, &im, NULL, NULL), ERR_CORRUPT);
    CHECK(is_zero(&im));

    reports_t rep = { 0 };
    CHECK_EQ(elf_parse(NULL, 4096, &im, capture, &rep), ERR_CORRUPT);
    CHECK(rep.n == 1 && strstr(rep.msg[0], "NULL") != NULL);
}

TEST(ignored_program_header_types)
{
    good_table();
    /* Garbage sizes and offsets: none of these is looked at. */
    const ph_spec_t extra[] = {
        { PT_NULL, 0, ~0ull, ~0ull, ~0ull, 1, 3 },
        { PT_NOTE, PF_R, 0x200, 0x400200, 0x40, 0x40, 4 },
        { PT_PHDR, PF_R, 0x40, 0x400040, 0x150, 0x150, 8 },
        { PT_GNU_EH_FRAME, PF_R, 0x1100, 0x401100, 0x20, 0x20, 4 },
        { PT_GNU_RELRO, PF_R, 0x2010, 0x403010, 0x10, 0xff0, 1 },
        { PT_GNU_PROPERTY, PF_R, ~0ull, 0, ~0ull, 0, 0 },
        { 0x70000001, PF_X | PF_W, 0, 0, 0, 0, 0 }, /* processor-specific */
        { 0x12345678, 0, 0, 0, 0, 0, 0 },           /* unknown */
    };
    memcpy(P + N_GOOD, extra, sizeof(extra));
    build(P, N_GOOD + 8, GOOD_ENTRY);
    REQUIRE(run() == OK);
    check_accepted();
    CHECK_EQ(R.im.nseg, 2);
    CHECK_EQ(R.im.seg[1].vaddr, 0x403000);
}

TEST(section_header_fields_and_flags_are_ignored)
{
    build_good();
    put64(E_SHOFF, ~0ull);
    put16(E_SHENTSIZE, 7);
    put16(E_SHNUM, 0xffff);
    put16(E_SHSTRNDX, 0xfffe);
    put32(E_FLAGS, 0xdeadbeef);
    B.buf[9] = 0xaa; /* EI_PAD */
    REQUIRE(run() == OK);
    CHECK_EQ(R.im.nseg, 2);
}

/* ---- identification and header ------------------------------------------ */

TEST(image_shorter_than_header)
{
    build_good();
    for (size_t len = 0; len < EHDR; len++) {
        run_len(len);
        check_refused("shorter than the 64-byte ELF header");
    }
    run_len(10);
    check_refused("image is 10 bytes");
}

TEST(bad_magic)
{
    build_good();
    B.buf[1] = 'e';
    run();
    check_refused("bad magic 7f 65 4c 46");
    build_good();
    B.buf[0] = 0;
    run();
    check_refused("not an ELF file");
}

TEST(not_elfclass64)
{
    build_good();
    B.buf[E_CLASS] = 1;
    run();
    check_refused("class 1 is not ELFCLASS64");
    B.buf[E_CLASS] = 0;
    run();
    check_refused("class 0 is not ELFCLASS64");
}

TEST(not_little_endian)
{
    build_good();
    B.buf[E_DATA] = 2;
    run();
    check_refused("data encoding 2 is not little-endian");
}

TEST(bad_ident_version)
{
    build_good();
    B.buf[E_IDVERSION] = 0;
    run();
    check_refused("identification version 0 is not EV_CURRENT");
}

TEST(os_abi_other_than_system_v)
{
    static const uint8_t abi[] = { 3 /* GNU */, 9 /* FreeBSD */, 255 /* standalone */ };
    char want[64];
    for (size_t i = 0; i < sizeof(abi); i++) {
        build_good();
        B.buf[E_OSABI] = abi[i];
        run();
        snprintf(want, sizeof(want), "OS ABI %u is not System V", abi[i]);
        check_refused(want);
    }
    build_good();
    B.buf[E_ABIVERSION] = 1;
    run();
    check_refused("ABI version 1 is not 0");
}

TEST(type_other_than_exec)
{
    build_good();
    put16(E_TYPE, ET_DYN);
    run();
    check_refused("type ET_DYN (position-independent");
    put16(E_TYPE, ET_REL);
    run();
    check_refused("type 1 is not ET_EXEC");
    put16(E_TYPE, ET_CORE);
    run();
    check_refused("type 4 is not ET_EXEC");
    put16(E_TYPE, 0xfe00); /* OS-specific */
    run();
    check_refused("type 65024 is not ET_EXEC");
}

TEST(machine_other_than_x86_64)
{
    build_good();
    put16(E_MACHINE, 3);
    run();
    check_refused("machine 3 is not EM_X86_64");
    put16(E_MACHINE, 183);
    run();
    check_refused("machine 183 is not EM_X86_64");
}

TEST(bad_version)
{
    build_good();
    put32(E_VERSION, 0);
    run();
    check_refused("version 0 is not EV_CURRENT");
    put32(E_VERSION, 0x101);
    run();
    check_refused("version 257 is not EV_CURRENT");
}

TEST(bad_header_size)
{
    build_good();
    put16(E_EHSIZE, 52);
    run();
    check_refused("header size 52 is not 64");
    put16(E_EHSIZE, 0);
    run();
    check_refused("header size 0 is not 64");
}

TEST(bad_program_header_size)
{
    build_good();
    put16(E_PHENTSIZE, 32); /* an ELF32 program header */
    run();
    check_refused("program header size 32 is not 56");
    put16(E_PHENTSIZE, 64);
    run();
    check_refused("program header size 64 is not 56");
}

TEST(program_header_count_limits)
{
    build_good();
    put16(E_PHNUM, 0);
    run();
    check_refused("no program headers");
    put16(E_PHNUM, ELF_MAX_PHDRS + 1);
    run();
    check_refused("65 program headers, more than the 64 accepted");
    put16(E_PHNUM, 0xffff); /* PN_XNUM: count in section header 0 */
    run();
    check_refused("65535 program headers");

    /* Exactly the limit is fine: entries 4..63 are zero bytes (PT_NULL)
     * before the text at 0x1000. */
    build_good();
    put16(E_PHNUM, ELF_MAX_PHDRS);
    REQUIRE(run() == OK);
    CHECK_EQ(R.im.nseg, 2);
}

TEST(program_header_table_outside_file)
{
    build_good();
    put64(E_PHOFF, B.len - PHDR); /* room for one of four */
    run();
    check_refused("program header table (offset 0x2058 + 0xe0) runs past the end of the "
                  "file (0x2090 bytes)");
    put64(E_PHOFF, B.len - 4 * PHDR + 1); /* one byte short */
    run();
    check_refused("runs past the end of the file");
    put64(E_PHOFF, 0xffffffffffffffc0ull); /* would wrap to the header */
    run();
    check_refused("program header table (offset 0xffffffffffffffc0 + 0xe0)");

    /* Anywhere inside is fine, also unaligned and at the very end. */
    build_good();
    memmove(B.buf + B.len + 1, B.buf + EHDR, 4 * PHDR);
    put64(E_PHOFF, B.len + 1);
    B.len += 1 + 4 * PHDR;
    REQUIRE(run() == OK);
    CHECK_EQ(R.im.nseg, 2);
}

/* ---- program header types that are refused -------------------------------- */

TEST(dynamic_linking_is_refused)
{
    good_table();
    P[3] = (ph_spec_t){ PT_INTERP, PF_R, 0x200, 0x400200, 0x1c, 0x1c, 1 };
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("program header 3: PT_INTERP asks for a dynamic linker");

    P[3] = (ph_spec_t){ PT_DYNAMIC, PF_R | PF_W, 0x2010, 0x403010, 0x10, 0x10, 8 };
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("program header 3: PT_DYNAMIC needs dynamic linking");

    P[3] = (ph_spec_t){ PT_SHLIB, 0, 0, 0, 0, 0, 0 };
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("program header 3: PT_SHLIB is reserved");
}

TEST(executable_stack_is_refused)
{
    good_table();
    P[3].flags = PF_R | PF_W | PF_X;
    build(P, N_GOOD, GOOD_ENTRY);
    run();
    check_refused("program header 3: PT_GNU_STACK asks for an executable stack");
    P[3].flags = 0;
    build(P, N_GOOD, GOOD_ENTRY);
    REQUIRE(run() == OK);
}

int main(void) { return RUN_TESTS(); }
