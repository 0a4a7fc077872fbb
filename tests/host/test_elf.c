/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the ELF64 executable validator (kernel/init/elf.c).
 *
 * Model: a builder (eb_*) assembles an image from a list of program header
 * specs: ELF header at 0, program header table at 64, and each segment's
 * file bytes filled with a pattern, so each test states its input as the
 * table it changes. Header fields a test breaks are poked afterwards at
 * their ELF-spec offsets. The parse always runs on a malloc'd copy of
 * exactly the image's length, so ASan turns any read outside it into a
 * failure. Every refusal must come with exactly one report naming the
 * reason and an all-zero result. Closing tests: a real executable linked
 * by ld.lld, the host's own test binary, every truncation of the good
 * image, and random mutations checked against the result's invariants.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "init/elf.h"

/* ELF numbers and offsets, restated from the ELF-64 specification so the
 * tests do not share a possible mistake with the code under test. */
enum { ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4 };
enum {
    PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4,
    PT_SHLIB = 5, PT_PHDR = 6, PT_TLS = 7,
    PT_GNU_EH_FRAME = 0x6474e550, PT_GNU_STACK = 0x6474e551,
    PT_GNU_RELRO = 0x6474e552, PT_GNU_PROPERTY = 0x6474e553,
};
enum { PF_X = 1, PF_W = 2, PF_R = 4 };
enum {
    E_CLASS = 4, E_DATA = 5, E_IDVERSION = 6, E_OSABI = 7, E_ABIVERSION = 8,
    E_TYPE = 16, E_MACHINE = 18, E_VERSION = 20, E_ENTRY = 24, E_PHOFF = 32,
    E_SHOFF = 40, E_FLAGS = 48, E_EHSIZE = 52, E_PHENTSIZE = 54, E_PHNUM = 56,
    E_SHENTSIZE = 58, E_SHNUM = 60, E_SHSTRNDX = 62,
};
#define EHDR 64u
#define PHDR 56u
#define PAGE 0x1000ull

/* ---- builder ------------------------------------------------------------ */

typedef struct ph_spec {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz, align;
} ph_spec_t;

static struct {
    uint8_t buf[1 << 17];
    size_t len;
} B;

static void put(size_t off, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        B.buf[off + i] = (uint8_t)(v >> (8 * i));
}

static void put16(size_t off, uint64_t v) { put(off, v, 2); }
static void put32(size_t off, uint64_t v) { put(off, v, 4); }
static void put64(size_t off, uint64_t v) { put(off, v, 8); }

static size_t ph_off(unsigned i) { return EHDR + i * PHDR; }

/* The byte a segment's file bytes hold at image offset `off`. */
static uint8_t pattern(uint64_t off) { return (uint8_t)(off * 7 + 3); }

static void eb_header(uint64_t entry, unsigned phnum)
{
    static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
    memcpy(B.buf, ident, sizeof(ident));
    put16(E_TYPE, ET_EXEC);
    put16(E_MACHINE, 62);
    put32(E_VERSION, 1);
    put64(E_ENTRY, entry);
    put64(E_PHOFF, EHDR);
    put16(E_EHSIZE, EHDR);
    put16(E_PHENTSIZE, PHDR);
    put16(E_PHNUM, phnum);
    put16(E_SHENTSIZE, 64); /* no section headers; the values are ignored */
}

static void eb_phdr(unsigned i, const ph_spec_t *p)
{
    size_t o = ph_off(i);
    put32(o, p->type);
    put32(o + 4, p->flags);
    put64(o + 8, p->offset);
    put64(o + 16, p->vaddr);
    put64(o + 24, p->vaddr); /* p_paddr: ignored */
    put64(o + 32, p->filesz);
    put64(o + 40, p->memsz);
    put64(o + 48, p->align);
}

/* Fills the file bytes of a PT_LOAD that fits the buffer and extends the
 * image over them; ones that do not fit are left for the parser to refuse. */
static void eb_payload(const ph_spec_t *p)
{
    if (p->type != PT_LOAD || p->offset > sizeof(B.buf) ||
        p->filesz > sizeof(B.buf) - p->offset)
        return;
    for (uint64_t k = p->offset; k < p->offset + p->filesz; k++)
        B.buf[k] = pattern(k);
    if (p->filesz > 0 && p->offset + p->filesz > B.len)
        B.len = (size_t)(p->offset + p->filesz);
}

static void build(const ph_spec_t *ph, unsigned n, uint64_t entry)
{
    memset(&B, 0, sizeof(B));
    eb_header(entry, n);
    B.len = ph_off(n);
    for (unsigned i = 0; i < n; i++) {
        eb_phdr(i, &ph[i]);
        eb_payload(&ph[i]);
    }
}

/* ---- running the parser ------------------------------------------------- */

typedef struct reports {
    int n;
    char msg[4][256];
} reports_t;

static void capture(void *ctx, const char *m)
{
    reports_t *r = ctx;
    if (strncmp(m, "elf: ", 5) != 0 || strlen(m) >= 255) {
        printf("  report without prefix or cut off: %s\n", m);
        check_failed_now = 1;
    }
    if (r->n < 4)
        snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", m);
    r->n++;
}

static struct {
    elf_image_t im;
    reports_t rep;
    int rc;
    size_t len;
} R;

/* Parses `len` bytes of `src` from an exact-size heap copy at `shift`
 * bytes into the allocation (shift 1 makes every field unaligned). */
static int run_bytes(const uint8_t *src, size_t len, size_t shift)
{
    memset(&R, 0, sizeof(R));
    uint8_t *copy = malloc(len + shift > 0 ? len + shift : 1);
    if (copy == NULL)
        abort();
    memcpy(copy + shift, src, len);
    R.len = len;
    R.rc = elf_parse(copy + shift, len, &R.im, capture, &R.rep);
    free(copy);
    return R.rc;
}

static int run_len(size_t len) { return run_bytes(B.buf, len, 0); }
static int run(void) { return run_len(B.len); }

static bool is_zero(const elf_image_t *im)
{
    static const elf_image_t zero;
    return memcmp(im, &zero, sizeof(zero)) == 0;
}

/* A refusal: ERR_CORRUPT, one report containing `needle`, nothing kept. */
static void check_refused(const char *needle)
{
    CHECK_EQ(R.rc, ERR_CORRUPT);
    CHECK_EQ(R.rep.n, 1);
    if (R.rep.n >= 1 && strstr(R.rep.msg[0], needle) == NULL) {
        printf("  report \"%s\" lacks \"%s\"\n", R.rep.msg[0], needle);
        check_failed_now = 1;
    }
    CHECK(is_zero(&R.im));
}

static void check_accepted(void)
{
    CHECK_EQ(R.rc, OK);
    CHECK_EQ(R.rep.n, 0);
    for (int i = 0; i < R.rep.n && i < 4; i++)
        printf("  unexpected report: %s\n", R.rep.msg[i]);
}

/* ---- the good image ----------------------------------------------------- */

#define GOOD_ENTRY 0x401010ull
#define N_GOOD 4

/* Text RX at 0x401000; data RW at 0x403010 with 0x80 file bytes and bss up
 * to 0x405110; TLS inside the data; a non-executable stack. */
static const ph_spec_t GOOD[N_GOOD] = {
    { PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x123, 0x123, 0x1000 },
    { PT_LOAD, PF_R | PF_W, 0x2010, 0x403010, 0x80, 0x2100, 0x1000 },
    { PT_TLS, PF_R, 0x2010, 0x403010, 0x10, 0x28, 8 },
    { PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16 },
};

static ph_spec_t P[ELF_MAX_SEGMENTS + 8];

/* Starts from the good table in P[], for a test to change and build. */
static void good_table(void) { memcpy(P, GOOD, sizeof(GOOD)); }

static void build_good(void)
{
    good_table();
    build(P, N_GOOD, GOOD_ENTRY);
}

static void check_seg(size_t i, uint64_t vaddr, uint64_t memsz, uint64_t file_off,
                      uint64_t filesz, uint64_t copy_to, bool r, bool w, bool x)
{
    const elf_segment_t *s = &R.im.seg[i];
    CHECK_EQ(s->vaddr, vaddr);
    CHECK_EQ(s->memsz, memsz);
    CHECK_EQ(s->file_off, file_off);
    CHECK_EQ(s->filesz, filesz);
    CHECK_EQ(s->copy_to, copy_to);
    CHECK_EQ(s->read, r);
    CHECK_EQ(s->write, w);
    CHECK_EQ(s->exec, x);
}

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

/* ---- real executables ----------------------------------------------------------- */

/*
 * Linked by ld.lld 14 from this program:
 *     _Thread_local int tls_init = 5;
 *     _Thread_local int tls_zero;
 *     int data = 7;
 *     int bss[100];
 *     void _start(void)
 *     {
 *         tls_zero = tls_init + data + bss[3];
 *         for (;;)
 *             __asm__ volatile("pause");
 *     }
 * with
 *     clang --target=x86_64-unknown-none-elf -ffreestanding -fno-pic -O2 -c t.c
 *     ld.lld -static -z max-page-size=4096 -z norelro --build-id=none -s t.o -o t.elf
 *     llvm-objcopy --strip-sections t.elf
 * Segments: PHDR; LOAD R (the headers, offset 0); LOAD RX; LOAD RW
 * (.tdata .data .bss); TLS; GNU_STACK RW. Offsets are not page-aligned.
 */
static const char LLD_EXE_HEX[] =
    "7f454c46 02010100 00000000 00000000 02003e00 01000000 90112000 00000000"
    "40000000 00000000 00000000 00000000 00000000 40003800 06000000 00000000"
    "06000000 04000000 40000000 00000000 40002000 00000000 40002000 00000000"
    "50010000 00000000 50010000 00000000 08000000 00000000 01000000 04000000"
    "00000000 00000000 00002000 00000000 00002000 00000000 90010000 00000000"
    "90010000 00000000 00100000 00000000 01000000 05000000 90010000 00000000"
    "90112000 00000000 90112000 00000000 34000000 00000000 34000000 00000000"
    "00100000 00000000 01000000 06000000 c4010000 00000000 c4212000 00000000"
    "c4212000 00000000 08000000 00000000 9c010000 00000000 00100000 00000000"
    "07000000 04000000 c4010000 00000000 c4212000 00000000 c4212000 00000000"
    "04000000 00000000 08000000 00000000 04000000 00000000 51e57464 06000000"
    "00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000"
    "00000000 00000000 00000000 00000000 554889e5 8b052e10 00006448 8b0c2500"
    "00000003 81f8ffff ff03052d 10000089 81fcffff ff662e0f 1f840000 00000090"
    "f390ebfc 05000000 07000000";

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
    size_t n = 0;
    for (; s[0] != '\0'; s++) {
        if (s[0] == ' ')
            continue;
        unsigned v;
        if (n == max || sscanf(s, "%2x", &v) != 1)
            abort();
        out[n++] = (uint8_t)v;
        s++;
    }
    return n;
}

TEST(real_lld_static_executable)
{
    uint8_t img[512];
    size_t len = unhex(LLD_EXE_HEX, img, sizeof(img));
    CHECK_EQ(len, 460);
    REQUIRE(run_bytes(img, len, 0) == OK);
    check_accepted();
    const elf_image_t *im = &R.im;
    CHECK_EQ(im->entry, 0x201190);
    REQUIRE(im->nseg == 3);
    check_seg(0, 0x200000, 0x1000, 0, 0x190, 0x200000, true, false, false);
    check_seg(1, 0x201000, 0x1000, 0x190, 0x34, 0x201190, true, false, true);
    check_seg(2, 0x202000, 0x1000, 0x1c4, 0x8, 0x2021c4, true, true, false);
    CHECK_EQ(im->lowest, 0x200000);
    CHECK_EQ(im->highest, 0x203000);
    CHECK(im->has_tls);
    CHECK_EQ(im->tls_vaddr, 0x2021c4);
    CHECK_EQ(im->tls_filesz, 4);
    CHECK_EQ(im->tls_memsz, 8);
    CHECK_EQ(im->tls_align, 4);
    /* The code bytes really are where file_off says: push %rbp first. */
    CHECK_EQ(img[im->seg[1].file_off], 0x55);
    /* ...and the TLS initializer (5) and data (7) follow. */
    CHECK_EQ(img[im->seg[2].file_off], 5);
    CHECK_EQ(img[im->seg[2].file_off + 4], 7);
}

/* The test binary itself: a dynamically linked host program, which the
 * loader must refuse (on its type, OS ABI or interpreter). */
TEST(host_test_binary_is_refused)
{
    FILE *f = fopen("/proc/self/exe", "rb");
    if (f == NULL) {
        printf("  (no /proc/self/exe; skipped)\n");
        return;
    }
    static uint8_t img[64 << 20];
    size_t len = fread(img, 1, sizeof(img), f);
    fclose(f);
    run_bytes(img, len, 0);
    CHECK_EQ(R.rc, ERR_CORRUPT);
    CHECK_EQ(R.rep.n, 1);
    CHECK(strstr(R.rep.msg[0], "ET_DYN") != NULL || strstr(R.rep.msg[0], "PT_INTERP") != NULL ||
          strstr(R.rep.msg[0], "OS ABI") != NULL);
    printf("  host binary: %s\n", R.rep.msg[0]);
}

/* ---- robustness ----------------------------------------------------------------- */

static bool seg_has_file_byte(const elf_segment_t *s, uint64_t va)
{
    return va >= s->copy_to && va - s->copy_to < s->filesz;
}

static void check_segment_invariants(const elf_segment_t *s)
{
    CHECK(s->vaddr % PAGE == 0 && s->memsz % PAGE == 0 && s->memsz > 0);
    CHECK(s->vaddr >= USER_SPACE_MIN && s->memsz <= USER_SPACE_TOP - s->vaddr);
    CHECK(s->copy_to >= s->vaddr && s->copy_to - s->vaddr < PAGE);
    CHECK(s->filesz <= s->vaddr + s->memsz - s->copy_to);
    CHECK(s->filesz <= R.len && s->file_off <= R.len - s->filesz);
    CHECK(s->filesz > 0 || s->file_off == 0);
    CHECK(!(s->write && s->exec));
}

static void check_tls_invariants(const elf_image_t *im)
{
    if (!im->has_tls) {
        CHECK(im->tls_vaddr == 0 && im->tls_filesz == 0 && im->tls_memsz == 0 &&
              im->tls_align == 0);
        return;
    }
    CHECK(im->tls_filesz <= im->tls_memsz && im->tls_memsz <= ELF_TLS_MAX_SIZE);
    CHECK(im->tls_align >= 1 && im->tls_align <= PAGE &&
          (im->tls_align & (im->tls_align - 1)) == 0);
    if (im->tls_filesz == 0)
        return;
    bool inside = false;
    for (size_t i = 0; i < im->nseg; i++) {
        const elf_segment_t *s = &im->seg[i];
        inside |= seg_has_file_byte(s, im->tls_vaddr) &&
                  seg_has_file_byte(s, im->tls_vaddr + im->tls_filesz - 1);
    }
    CHECK(inside);
}

/* What a result promises, whatever the input was. */
static void check_invariants(void)
{
    const elf_image_t *im = &R.im;
    if (R.rc != OK) {
        CHECK_EQ(R.rc, ERR_CORRUPT);
        CHECK_EQ(R.rep.n, 1);
        CHECK(is_zero(im));
        return;
    }
    CHECK_EQ(R.rep.n, 0);
    REQUIRE(im->nseg >= 1 && im->nseg <= ELF_MAX_SEGMENTS);
    bool entry_ok = false;
    for (size_t i = 0; i < im->nseg; i++) {
        const elf_segment_t *s = &im->seg[i];
        check_segment_invariants(s);
        if (i > 0)
            CHECK(s->vaddr >= im->seg[i - 1].vaddr + im->seg[i - 1].memsz);
        entry_ok |= s->exec && seg_has_file_byte(s, im->entry);
    }
    CHECK(entry_ok);
    CHECK_EQ(im->lowest, im->seg[0].vaddr);
    CHECK_EQ(im->highest, im->seg[im->nseg - 1].vaddr + im->seg[im->nseg - 1].memsz);
    check_tls_invariants(im);
}

TEST(every_truncation_is_refused_cleanly)
{
    build_good();
    size_t len = B.len;
    for (size_t n = 0; n <= len && !check_failed_now; n++) {
        run_len(n);
        check_invariants();
        if (n == len)
            CHECK_EQ(R.rc, OK);
        else
            CHECK_EQ(R.rc, ERR_CORRUPT); /* the data segment's bytes end the file */
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

/* One random edit, mostly in the headers where the decisions are made:
 * a random byte, a small value, or a boundary value in a 64-bit field. */
static void mutate(uint8_t *img, size_t len, size_t hdr_len)
{
    size_t off = rng() % 4 ? rng() % hdr_len : rng() % len;
    switch (rng() % 4) {
    case 0: img[off] = (uint8_t)rng(); break;
    case 1: img[off] ^= (uint8_t)(1u << (rng() % 8)); break;
    case 2: img[off] = (uint8_t)(rng() % 8); break;
    default: {
        static const uint64_t edge[] = { 0, 1, 0xfff, 0x1000, 0x10000, 0x7ffffffff000ull,
                                         0x800000000000ull, ~0ull, 1ull << 63 };
        uint64_t v = edge[rng() % (sizeof(edge) / sizeof(edge[0]))];
        off &= ~(size_t)7;
        for (unsigned i = 0; i < 8 && off + i < len; i++)
            img[off + i] = (uint8_t)(v >> (8 * i));
    }
    }
}

TEST(random_mutations_are_safe)
{
    static uint8_t good[sizeof(B.buf)], img[sizeof(B.buf)];
    build_good();
    size_t len = B.len, hdr_len = ph_off(N_GOOD);
    memcpy(good, B.buf, len);
    int ok = 0, refused = 0;
    for (int iter = 0; iter < 5000 && !check_failed_now; iter++) {
        memcpy(img, good, len);
        int edits = 1 + (int)(rng() % 3);
        for (int k = 0; k < edits; k++)
            mutate(img, len, hdr_len);
        run_bytes(img, len, 0);
        check_invariants();
        ok += R.rc == OK;
        refused += R.rc != OK;
    }
    printf("  %d accepted, %d refused\n", ok, refused);
    CHECK(ok > 0 && refused > 0);
}

int main(void) { return RUN_TESTS(); }
