/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the Multiboot2 boot-information parser (kernel/init/multiboot2.c).
 *
 * Model: a small builder (mb_*) assembles an info block tag by tag in an
 * 8-aligned buffer, so each test states its input as a list of tags. The
 * parse itself always runs on a malloc'd copy of exactly the bytes the
 * parser may read (max_size), so ASan turns any read outside the block into
 * a test failure. Reports are captured and checked: every rejection must
 * be reported with the right subject, and on success the number of reports
 * must equal `rejected`. Closing tests truncate a good block at every
 * length and mutate it at random, checking the invariants of the result.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "init/multiboot2.h"

/* ---- builder ------------------------------------------------------------ */

typedef struct mb_builder {
    _Alignas(8) uint8_t buf[16384];
    size_t len;
} mb_builder_t;

typedef struct mm_ent {
    uint64_t base, len;
    uint32_t type;
} mm_ent_t;

static mb_builder_t B;

static void put32(size_t off, uint32_t v) { memcpy(B.buf + off, &v, 4); }

static void mb_begin(void)
{
    memset(&B, 0, sizeof(B));
    B.len = 8;
}

/* A tag whose size field says `size`, with `plen` payload bytes actually
 * written; lying about size is how the malformed tests are built. Returns
 * the tag's offset. */
static size_t mb_tag_raw(uint32_t type, uint32_t size, const void *payload, size_t plen)
{
    size_t off = B.len;
    if (off + 8 + plen + 8 > sizeof(B.buf))
        abort();
    put32(off, type);
    put32(off + 4, size);
    if (plen > 0)
        memcpy(B.buf + off + 8, payload, plen);
    B.len = (off + 8 + plen + 7) & ~(size_t)7; /* padding is already zero */
    return off;
}

static size_t mb_tag(uint32_t type, const void *payload, size_t plen)
{
    return mb_tag_raw(type, (uint32_t)(8 + plen), payload, plen);
}

static size_t mb_string(uint32_t type, const char *s) { return mb_tag(type, s, strlen(s) + 1); }
static size_t mb_cmdline(const char *s) { return mb_string(1, s); }
static size_t mb_loader(const char *s) { return mb_string(2, s); }

static size_t mb_module(uint32_t start, uint32_t end, const char *s)
{
    uint8_t p[256];
    size_t n = strlen(s) + 1;
    memcpy(p, &start, 4);
    memcpy(p + 4, &end, 4);
    memcpy(p + 8, s, n);
    return mb_tag(3, p, 8 + n);
}

/* Memory map with a chosen entry_size (>= 24 writes the standard fields
 * and zero-fills the rest). */
static size_t mb_mmap_sized(uint32_t esize, uint32_t version, const mm_ent_t *e, size_t n)
{
    static uint8_t p[8 + 200 * 40];
    memset(p, 0, sizeof(p));
    memcpy(p, &esize, 4);
    memcpy(p + 4, &version, 4);
    for (size_t i = 0; i < n; i++) {
        uint8_t *q = p + 8 + i * esize;
        memcpy(q, &e[i].base, 8);
        memcpy(q + 8, &e[i].len, 8);
        memcpy(q + 16, &e[i].type, 4);
    }
    return mb_tag(6, p, 8 + n * esize);
}

static size_t mb_mmap(const mm_ent_t *e, size_t n) { return mb_mmap_sized(24, 0, e, n); }

static size_t mb_usable_mmap(void)
{
    static const mm_ent_t e[] = { { 0x100000, 0x1000000, BOOT_MEM_AVAILABLE } };
    return mb_mmap(e, 1);
}

/* An RSDP tag with n payload bytes starting with the RSDP signature. */
static size_t mb_rsdp(uint32_t type, size_t n)
{
    uint8_t p[64];
    for (size_t i = 0; i < sizeof(p); i++)
        p[i] = (uint8_t)(0x40 + i);
    memcpy(p, "RSD PTR ", 8);
    return mb_tag(type, p, n);
}

static void mb_end(void)
{
    mb_tag(0, NULL, 0);
    put32(0, (uint32_t)B.len);
}

/* ---- running the parser ------------------------------------------------- */

typedef struct reports {
    int n;
    char msg[64][256];
} reports_t;

static void capture(void *ctx, const char *m)
{
    reports_t *r = ctx;
    if (strncmp(m, "multiboot2: ", 12) != 0) {
        printf("  report without prefix: %s\n", m);
        check_failed_now = 1;
    }
    if (r->n < 64)
        snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", m);
    r->n++;
}

/* Result of the last run: the parse output refers into `copy`. */
static struct {
    boot_info_t bi;
    reports_t rep;
    uint8_t *copy;
    int rc;
} R;

/* Parses the first `max` bytes of the builder from an exact-size heap copy. */
static int run_max(size_t max)
{
    free(R.copy);
    memset(&R, 0, sizeof(R));
    R.copy = malloc(max > 0 ? max : 1);
    if (R.copy == NULL)
        abort();
    memcpy(R.copy, B.buf, max);
    R.rc = mb2_parse(R.copy, max, &R.bi, capture, &R.rep);
    return R.rc;
}

static int run(void) { return run_max(B.len); }

static bool saw(const char *needle)
{
    for (int i = 0; i < R.rep.n && i < 64; i++)
        if (strstr(R.rep.msg[i], needle) != NULL)
            return true;
    printf("  no report contains \"%s\"; reports:\n", needle);
    for (int i = 0; i < R.rep.n && i < 64; i++)
        printf("    %s\n", R.rep.msg[i]);
    return false;
}

static const uint8_t *at(size_t off) { return R.copy + off; }

/* A failed parse leaves an empty, safe boot_info_t behind. */
static bool is_empty(const boot_info_t *bi)
{
    return bi->mmap_count == 0 && bi->module_count == 0 && bi->rsdp == NULL &&
           bi->rsdp_len == 0 && bi->rsdp_tag == 0 && bi->total_size == 0 &&
           strcmp(bi->cmdline, "") == 0 && strcmp(bi->loader_name, "") == 0;
}

static void check_fatal(const char *needle)
{
    CHECK_EQ(R.rc, ERR_CORRUPT);
    CHECK(saw(needle));
    CHECK(saw("boot information rejected"));
    CHECK(is_empty(&R.bi));
}

/* ---- a good block ------------------------------------------------------- */

static const mm_ent_t GOOD_MMAP[] = {
    { 0x0, 0x9fc00, BOOT_MEM_AVAILABLE },
    { 0x9fc00, 0x400, BOOT_MEM_RESERVED },
    { 0xf0000, 0x10000, BOOT_MEM_RESERVED },
    { 0x100000, 0x7ee0000, BOOT_MEM_AVAILABLE },
    { 0x7fe0000, 0x0, BOOT_MEM_AVAILABLE }, /* empty: dropped silently */
    { 0x7fe0000, 0x10000, BOOT_MEM_ACPI_RECLAIMABLE },
    { 0x7ff0000, 0x10000, BOOT_MEM_NVS },
    { 0xfffc0000, 0x40000, BOOT_MEM_RESERVED },
    { 0x100000000ull, 0x40000000ull, BOOT_MEM_AVAILABLE },
};

struct good_offsets {
    size_t cmdline, loader, mod[3], mmap, rsdp_old, rsdp_new;
};

static struct good_offsets build_good(bool new_rsdp_first)
{
    struct good_offsets o;
    mb_begin();
    o.cmdline = mb_cmdline("console=serial loglevel=7");
    o.loader = mb_loader("GRUB 2.06-test");
    uint32_t meminfo[2] = { 639, 130048 };
    mb_tag(4, meminfo, sizeof(meminfo));
    o.mod[0] = mb_module(0x200000, 0x210000, "init");
    uint8_t fb[13] = { 1, 2, 3 };
    mb_tag(8, fb, sizeof(fb)); /* framebuffer, odd size: padding follows */
    o.mmap = mb_mmap(GOOD_MMAP, sizeof(GOOD_MMAP) / sizeof(GOOD_MMAP[0]));
    o.mod[1] = mb_module(0x210000, 0x2a1234, "/boot/fs.img ro");
    mb_tag(0x7777, "unknown", 7); /* unknown type: skipped */
    o.mod[2] = mb_module(0x300000, 0x301000, "");
    if (new_rsdp_first) {
        o.rsdp_new = mb_rsdp(15, 36);
        o.rsdp_old = mb_rsdp(14, 20);
    } else {
        o.rsdp_old = mb_rsdp(14, 20);
        o.rsdp_new = mb_rsdp(15, 36);
    }
    mb_end();
    return o;
}

TEST(good_info_is_parsed_completely)
{
    struct good_offsets o = build_good(false);
    REQUIRE(run() == OK);
    const boot_info_t *bi = &R.bi;
    CHECK(strcmp(bi->cmdline, "console=serial loglevel=7") == 0);
    CHECK((const uint8_t *)bi->cmdline == at(o.cmdline + 8));
    CHECK(strcmp(bi->loader_name, "GRUB 2.06-test") == 0);
    CHECK_EQ(bi->total_size, B.len);
    CHECK_EQ(bi->rejected, 0);
    CHECK_EQ(R.rep.n, 0);

    REQUIRE(bi->mmap_count == 8);
    size_t k = 0;
    for (size_t i = 0; i < sizeof(GOOD_MMAP) / sizeof(GOOD_MMAP[0]); i++) {
        if (GOOD_MMAP[i].len == 0)
            continue;
        CHECK_EQ(bi->mmap[k].base, GOOD_MMAP[i].base);
        CHECK_EQ(bi->mmap[k].len, GOOD_MMAP[i].len);
        CHECK_EQ(bi->mmap[k].type, GOOD_MMAP[i].type);
        k++;
    }

    REQUIRE(bi->module_count == 3);
    CHECK_EQ(bi->modules[0].start, 0x200000);
    CHECK_EQ(bi->modules[0].end, 0x210000);
    CHECK(strcmp(bi->modules[0].cmdline, "init") == 0);
    CHECK_EQ(bi->modules[1].start, 0x210000); /* adjacent, not overlapping */
    CHECK_EQ(bi->modules[1].end, 0x2a1234);
    CHECK(strcmp(bi->modules[1].cmdline, "/boot/fs.img ro") == 0);
    CHECK((const uint8_t *)bi->modules[1].cmdline == at(o.mod[1] + 16));
    CHECK(strcmp(bi->modules[2].cmdline, "") == 0);

    CHECK_EQ(bi->rsdp_tag, 15);
    CHECK(bi->rsdp == at(o.rsdp_new + 8));
    CHECK_EQ(bi->rsdp_len, 36);
    CHECK(memcmp(bi->rsdp, "RSD PTR ", 8) == 0);
}

TEST(new_rsdp_preferred_in_either_order)
{
    struct good_offsets o = build_good(true);
    REQUIRE(run() == OK);
    CHECK_EQ(R.bi.rsdp_tag, 15);
    CHECK(R.bi.rsdp == at(o.rsdp_new + 8));
    CHECK_EQ(R.bi.rsdp_len, 36);
    CHECK_EQ(R.bi.rejected, 0);
}

TEST(old_rsdp_alone_and_longer_new_rsdp)
{
    mb_begin();
    mb_usable_mmap();
    size_t old = mb_rsdp(14, 24); /* padding bytes in the tag are allowed */
    mb_end();
    REQUIRE(run() == OK);
    CHECK_EQ(R.bi.rsdp_tag, 14);
    CHECK(R.bi.rsdp == at(old + 8));
    CHECK_EQ(R.bi.rsdp_len, 24);

    mb_begin();
    mb_usable_mmap();
    mb_rsdp(15, 44);
    mb_end();
    REQUIRE(run() == OK);
    CHECK_EQ(R.bi.rsdp_tag, 15);
    CHECK_EQ(R.bi.rsdp_len, 44);
}

TEST(minimal_info_without_optional_tags)
{
    mb_begin();
    mb_usable_mmap();
    mb_end();
    REQUIRE(run() == OK);
    CHECK(R.bi.cmdline != NULL && strcmp(R.bi.cmdline, "") == 0);
    CHECK(R.bi.loader_name != NULL && strcmp(R.bi.loader_name, "") == 0);
    CHECK_EQ(R.bi.module_count, 0);
    CHECK(R.bi.rsdp == NULL);
    CHECK_EQ(R.bi.rsdp_len, 0);
    CHECK_EQ(R.bi.rsdp_tag, 0);
    CHECK_EQ(R.bi.mmap_count, 1);
}

TEST(bytes_after_end_tag_are_ignored)
{
    mb_begin();
    mb_usable_mmap();
    mb_tag(0, NULL, 0);
    B.len += 16;
    put32(0, (uint32_t)B.len);
    REQUIRE(run() == OK);
    CHECK_EQ(R.bi.total_size, B.len);
}

TEST(null_report_function_is_allowed)
{
    mb_begin();
    mb_usable_mmap();
    mb_tag(1, "abc", 3);
    mb_end();
    boot_info_t bi;
    CHECK_EQ(mb2_parse(B.buf, B.len, &bi, NULL, NULL), OK);
    CHECK_EQ(bi.rejected, 1);
    B.len = 8;
    put32(0, 8);
    CHECK_EQ(mb2_parse(B.buf, 8, &bi, NULL, NULL), ERR_CORRUPT);
}

/* ---- fatal: the structure --------------------------------------------- */

TEST(total_size_below_minimum)
{
    mb_begin();
    put32(0, 8); /* room for no end tag */
    B.len = 8;
    run();
    check_fatal("total_size 8 is below the minimum of 16");

    mb_begin();
    mb_end();
    put32(0, 12);
    run();
    check_fatal("total_size 12 is below the minimum");
}

TEST(total_size_beyond_max_size)
{
    build_good(false);
    run_max(B.len - 8); /* the mapping ends before the block does */
    check_fatal("exceeds the");

    mb_begin();
    mb_usable_mmap();
    mb_end();
    put32(0, 0xfffffff8u);
    run();
    check_fatal("total_size 4294967288 exceeds");
}

TEST(fewer_than_eight_readable_bytes)
{
    build_good(false);
    for (size_t max = 0; max < 8; max++) {
        run_max(max);
        check_fatal("bytes readable");
    }
}

TEST(null_and_misaligned_info)
{
    reports_t rep = { 0 };
    boot_info_t bi;
    CHECK_EQ(mb2_parse(NULL, 4096, &bi, capture, &rep), ERR_CORRUPT);
    CHECK(rep.n == 1 && strstr(rep.msg[0], "NULL") != NULL);
    CHECK(is_empty(&bi));

    build_good(false);
    memmove(B.buf + 4, B.buf, B.len);
    rep.n = 0;
    CHECK_EQ(mb2_parse(B.buf + 4, B.len, &bi, capture, &rep), ERR_CORRUPT);
    CHECK(rep.n == 1 && strstr(rep.msg[0], "not 8-byte aligned") != NULL);
}

TEST(tag_size_zero_and_below_header)
{
    mb_begin();
    mb_tag_raw(1, 0, "abcdefgh", 8);
    mb_end();
    run();
    check_fatal("tag at offset 0x8 has size 0 (< 8)");

    mb_begin();
    mb_usable_mmap();
    mb_tag_raw(5, 4, "abcdefgh", 8);
    mb_end();
    run();
    CHECK_EQ(R.rc, ERR_CORRUPT);
    CHECK(R.rep.n == 1 &&
          strcmp(R.rep.msg[0], "multiboot2: tag at offset 0x30 has size 4 (< 8); "
                               "boot information rejected") == 0);
}

TEST(tag_running_past_total_size)
{
    mb_begin();
    mb_usable_mmap();
    mb_tag_raw(0x99, 0x100, "xy", 2);
    mb_end();
    run();
    check_fatal("type 153 at offset 0x30 has size 0x100, running past total_size");

    /* total_size cutting through the memory map: the map's tag now runs past. */
    struct good_offsets o = build_good(false);
    put32(0, (uint32_t)(o.mmap + 40));
    run_max(o.mmap + 40);
    check_fatal("running past total_size");
}

TEST(tag_header_cut_off_by_total_size)
{
    mb_begin();
    mb_usable_mmap();
    mb_end();
    put32(0, (uint32_t)(B.len - 4)); /* the end tag loses its size field */
    run_max(B.len - 4);
    check_fatal("tag header at offset 0x30 is cut off by total_size 0x34");
}

TEST(missing_end_tag)
{
    mb_begin();
    mb_usable_mmap();
    mb_cmdline("x");
    put32(0, (uint32_t)B.len);
    run();
    check_fatal("no end tag before total_size 0x40");

    /* The last tag ends in an unaligned tail: its padding would pass
     * total_size, leaving no room for an end tag. */
    mb_begin();
    mb_usable_mmap();
    size_t off = mb_tag(0x42, "abcd", 4);
    put32(0, (uint32_t)(off + 12));
    run_max(off + 12);
    check_fatal("no end tag");
}

TEST(end_tag_with_wrong_size)
{
    mb_begin();
    mb_usable_mmap();
    mb_tag_raw(0, 16, "\0\0\0\0\0\0\0\0", 8);
    put32(0, (uint32_t)B.len);
    run();
    check_fatal("end tag at offset 0x30 has size 16 (!= 8)");
}

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

/* ---- robustness -------------------------------------------------------- */

static bool inside(const void *p, size_t n)
{
    const uint8_t *q = p;
    return q >= R.copy && n <= R.bi.total_size && (size_t)(q - R.copy) <= R.bi.total_size - n;
}

/* What a successful parse promises, whatever the input was. */
static void check_invariants(void)
{
    const boot_info_t *bi = &R.bi;
    if (R.rc != OK) {
        CHECK_EQ(R.rc, ERR_CORRUPT);
        CHECK(is_empty(bi));
        return;
    }
    CHECK_EQ(R.rep.n, (int)bi->rejected);
    CHECK(bi->cmdline[0] == '\0' || inside(bi->cmdline, strlen(bi->cmdline) + 1));
    CHECK(bi->loader_name[0] == '\0' || inside(bi->loader_name, strlen(bi->loader_name) + 1));
    bool avail = false;
    CHECK(bi->mmap_count <= BOOT_MAX_MMAP);
    for (size_t i = 0; i < bi->mmap_count; i++) {
        CHECK(bi->mmap[i].len != 0 && bi->mmap[i].len - 1 <= UINT64_MAX - bi->mmap[i].base);
        avail |= bi->mmap[i].type == BOOT_MEM_AVAILABLE;
    }
    CHECK(avail);
    CHECK(bi->module_count <= BOOT_MAX_MODULES);
    for (size_t i = 0; i < bi->module_count; i++) {
        const boot_module_t *m = &bi->modules[i];
        CHECK(m->start <= m->end);
        CHECK(inside(m->cmdline, strlen(m->cmdline) + 1));
        for (size_t j = 0; j < i; j++) {
            const boot_module_t *n = &bi->modules[j];
            CHECK(m->start == m->end || n->start == n->end || m->end <= n->start ||
                  n->end <= m->start);
        }
    }
    if (bi->rsdp != NULL)
        CHECK(inside(bi->rsdp, bi->rsdp_len) && bi->rsdp_len >= (bi->rsdp_tag == 15 ? 36u : 20u));
}

TEST(every_truncation_is_safe)
{
    build_good(false);
    size_t len = B.len;
    for (size_t n = 0; n <= len && !check_failed_now; n++) {
        put32(0, (uint32_t)n);
        run_max(n);
        check_invariants();
        if (n == len)
            CHECK_EQ(R.rc, OK);
        else
            CHECK_EQ(R.rc, ERR_CORRUPT); /* the end tag is last, so any cut loses it */
    }
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random corruptions of a good block; the copy is exact-size, so ASan
 * checks the parser never leaves it. Sizes are the juiciest targets. */
TEST(random_mutations_are_safe)
{
    static uint8_t good[sizeof(B.buf)];
    build_good(false);
    size_t len = B.len;
    memcpy(good, B.buf, len);
    int ok = 0;
    for (int iter = 0; iter < 20000 && !check_failed_now; iter++) {
        memcpy(B.buf, good, len);
        int edits = 1 + (int)(rng() % 4);
        for (int k = 0; k < edits; k++) {
            size_t off = rng() % len;
            if (rng() % 2)
                B.buf[off] = (uint8_t)rng();
            else
                B.buf[off & ~(size_t)3] = (uint8_t)(rng() % 64); /* small sizes/types */
        }
        run_max(len);
        check_invariants();
        ok += R.rc == OK;
    }
    CHECK(ok > 0); /* some mutations hit only payload bytes */
}

int main(void) { return RUN_TESTS(); }
