/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ELF64 executables: the validated view the kernel loads the first user
 * program (init) from.
 *
 * The image comes from a boot module and is untrusted. elf_parse() reads
 * only inside [image, image + len), checks the ELF header and every program
 * header, and either fills an elf_image_t whose every field can be used
 * without further checks, or refuses the image with ERR_CORRUPT and exactly
 * one report naming the problem. Nothing is mapped or copied here: the
 * loader maps each segment's pages, copies the file bytes and zeroes the
 * rest.
 *
 * Accepted: static, non-position-independent x86_64 executables (ET_EXEC,
 * little-endian, System V OS ABI) with no interpreter and no dynamic
 * section, since the kernel performs no relocation and runs no dynamic
 * linker. Each PT_LOAD must be non-overlapping after page rounding, listed
 * in ascending address order, inside [USER_SPACE_MIN, USER_SPACE_TOP), and
 * not writable and executable at once. The user stack is never executable,
 * so a PT_GNU_STACK asking for an executable stack is refused. Section
 * headers are not looked at: loading needs none.
 */
#ifndef INIT_ELF_H
#define INIT_ELF_H

#include "types.h"

/* PT_LOAD segments kept; more is refused (init needs three or four). */
#define ELF_MAX_SEGMENTS 16
/* Program headers accepted; real static programs have about ten. This
 * also refuses PN_XNUM (0xffff), the extended-count escape. */
#define ELF_MAX_PHDRS 64

/* User programs live in [USER_SPACE_MIN, USER_SPACE_TOP). The low 64 KiB
 * stay unmapped so that a null pointer, or a small offset from one, faults.
 * USER_SPACE_TOP is the first non-canonical lower-half address. */
#define USER_SPACE_MIN 0x0000000000010000ull
#define USER_SPACE_TOP 0x0000800000000000ull

/* Bounds for PT_TLS, so that whoever builds the TLS block later can add
 * sizes and alignments without overflow checks. */
#define ELF_TLS_MAX_SIZE (1ull << 20)
#define ELF_TLS_MAX_ALIGN PAGE_SIZE

/*
 * One PT_LOAD segment, ready to load:
 *   map  [vaddr, vaddr + memsz)            page-aligned, memsz > 0
 *   copy image[file_off, file_off + filesz) to copy_to
 *   zero everything else in the mapping.
 * Guaranteed: vaddr <= copy_to, copy_to + filesz <= vaddr + memsz,
 * file_off + filesz <= len (file_off is 0 when filesz is 0), and not both
 * write and exec.
 */
typedef struct elf_segment {
    uint64_t vaddr;
    uint64_t memsz;
    uint64_t file_off;
    uint64_t filesz;
    uint64_t copy_to;
    bool read, write, exec;
} elf_segment_t;

typedef struct elf_image {
    uint64_t entry;                  /* inside the file bytes of an exec segment */
    elf_segment_t seg[ELF_MAX_SEGMENTS];
    size_t nseg;                     /* >= 1; seg[] ascending, disjoint */
    uint64_t lowest, highest;        /* [lowest, highest): page-aligned span of seg[] */
    /* PT_TLS, when present: the initialization image [tls_vaddr,
     * tls_vaddr + tls_filesz) lies inside the file bytes of one segment;
     * tls_filesz <= tls_memsz <= ELF_TLS_MAX_SIZE; tls_align is a power
     * of two <= ELF_TLS_MAX_ALIGN (0 in the file is reported as 1). */
    bool has_tls;
    uint64_t tls_vaddr, tls_filesz, tls_memsz, tls_align;
} elf_image_t;

/* Receives one complete message, prefixed "elf: ". */
typedef void (*elf_report_fn)(void *ctx, const char *msg);

/*
 * Validates the ELF executable in [image, image + len). Returns OK with
 * *out filled, or ERR_CORRUPT after exactly one call of `report` (which may
 * be NULL) naming the reason; on error *out is all zeroes.
 */
int elf_parse(const void *image, size_t len, elf_image_t *out,
              elf_report_fn report, void *ctx);

#endif
