/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the ELF64 executable validator (kernel/init/elf.c) on
 * whole images: a real executable linked by ld.lld, the host's own test
 * binary, every truncation of the good image, and random mutations checked
 * against the result's invariants. The builder and harness are in
 * elf_builder.h.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "elf_builder.h"

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
