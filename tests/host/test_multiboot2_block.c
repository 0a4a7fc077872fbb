/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the Multiboot2 boot-information parser (kernel/init/multiboot2.c):
 * the block as a whole. A good block parsed completely, the structural
 * faults that reject the whole block (sizes, alignment, tag framing, the
 * end tag), and closing tests that truncate a good block at every length
 * and mutate it at random, checking the invariants of the result. The
 * builder and harness are in mb2_builder.h.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "mb2_builder.h"

/* ---- a good block ------------------------------------------------------- */

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
