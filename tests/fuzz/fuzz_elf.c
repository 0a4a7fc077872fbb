/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the ELF64 executable validator (kernel/init/elf.c).
 *
 * Model: each input is an image of exactly its own length (libFuzzer hands
 * over a heap copy of that size, so ASan catches any read past it). The
 * target checks the contract of elf_parse(): a refusal is ERR_CORRUPT with
 * exactly one "elf: " report and an all-zero result; an acceptance has no
 * report and a result whose every promise holds (segments page-aligned,
 * ascending, disjoint, inside user space, never W+X, file bytes inside the
 * image; entry in an executable segment's file bytes; sane TLS). A broken
 * promise calls __builtin_trap(), which libFuzzer records as a crash.
 *
 * Not part of the CMake build. By hand, from the repository root:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DHOST_TEST \
 *       -Ikernel/include -Ilibsys/include \
 *       tests/fuzz/fuzz_elf.c kernel/init/elf.c kernel/lib/printf.c -o /tmp/fuzz_elf
 *   mkdir -p /tmp/elf-corpus && cp SOME_STATIC_ELF /tmp/elf-corpus/
 *   /tmp/fuzz_elf -max_total_time=60 -max_len=8192 /tmp/elf-corpus
 * Seeding with a real static executable (for instance one linked with
 * `ld.lld -static -z max-page-size=4096`, see tests/host/test_elf_images.c) lets
 * the fuzzer reach the program-header checks at once.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "init/elf.h"

#define PAGE 4096ull

#define ENSURE(cond)                                                           \
    do {                                                                       \
        if (!(cond))                                                           \
            __builtin_trap();                                                  \
    } while (0)

typedef struct fuzz_reports {
    int n;
} fuzz_reports_t;

static void fuzz_report(void *ctx, const char *msg)
{
    fuzz_reports_t *r = ctx;
    ENSURE(strncmp(msg, "elf: ", 5) == 0);
    r->n++;
}

static bool holds_file_byte(const elf_segment_t *s, uint64_t va)
{
    return va >= s->copy_to && va - s->copy_to < s->filesz;
}

static void check_segment(const elf_segment_t *s, size_t len)
{
    ENSURE(s->vaddr % PAGE == 0 && s->memsz % PAGE == 0 && s->memsz > 0);
    ENSURE(s->vaddr >= USER_SPACE_MIN && s->memsz <= USER_SPACE_TOP - s->vaddr);
    ENSURE(s->copy_to >= s->vaddr && s->copy_to - s->vaddr < PAGE);
    ENSURE(s->filesz <= s->vaddr + s->memsz - s->copy_to);
    ENSURE(s->filesz <= len && s->file_off <= len - s->filesz);
    ENSURE(!(s->write && s->exec));
}

static void check_tls(const elf_image_t *im)
{
    if (!im->has_tls)
        return;
    ENSURE(im->tls_filesz <= im->tls_memsz && im->tls_memsz <= ELF_TLS_MAX_SIZE);
    ENSURE(im->tls_align >= 1 && im->tls_align <= ELF_TLS_MAX_ALIGN);
    ENSURE((im->tls_align & (im->tls_align - 1)) == 0);
    if (im->tls_filesz == 0)
        return;
    bool inside = false;
    for (size_t i = 0; i < im->nseg; i++)
        inside |= holds_file_byte(&im->seg[i], im->tls_vaddr) &&
                  holds_file_byte(&im->seg[i], im->tls_vaddr + im->tls_filesz - 1);
    ENSURE(inside);
}

static void check_accepted(const elf_image_t *im, size_t len)
{
    ENSURE(im->nseg >= 1 && im->nseg <= ELF_MAX_SEGMENTS);
    bool entry_ok = false;
    for (size_t i = 0; i < im->nseg; i++) {
        const elf_segment_t *s = &im->seg[i];
        check_segment(s, len);
        if (i > 0)
            ENSURE(s->vaddr >= im->seg[i - 1].vaddr + im->seg[i - 1].memsz);
        entry_ok |= s->exec && holds_file_byte(s, im->entry);
    }
    ENSURE(entry_ok);
    ENSURE(im->lowest == im->seg[0].vaddr);
    ENSURE(im->highest == im->seg[im->nseg - 1].vaddr + im->seg[im->nseg - 1].memsz);
    check_tls(im);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const elf_image_t zero;
    elf_image_t im;
    fuzz_reports_t rep = { 0 };
    int rc = elf_parse(data, size, &im, fuzz_report, &rep);
    if (rc == OK) {
        ENSURE(rep.n == 0);
        check_accepted(&im, size);
    } else {
        ENSURE(rc == ERR_CORRUPT && rep.n == 1);
        ENSURE(memcmp(&im, &zero, sizeof(im)) == 0);
    }
    return 0;
}
