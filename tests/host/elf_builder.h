/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The image builder and parser harness shared by the host tests of the
 * ELF64 executable validator (kernel/init/elf.c), test_elf_*.c.
 *
 * Model: a builder assembles an image in B from a list of program header
 * specs: ELF header at 0, program header table at 64, and each segment's
 * file bytes filled with a pattern, so each test states its input as the
 * table it changes. Header fields a test breaks are poked afterwards at
 * their ELF-spec offsets with put16/put32/put64. run() parses from a
 * malloc'd copy of exactly the image's length, so ASan turns any read
 * outside it into a failure; the outcome is left in R. Every refusal must
 * come with exactly one report naming the reason and an all-zero result
 * (check_refused). GOOD is a small valid executable that tests copy into P
 * (good_table) and change.
 */
#ifndef TESTS_HOST_ELF_BUILDER_H
#define TESTS_HOST_ELF_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* The image under construction: its first `len` bytes are the file. */
typedef struct elf_buf {
    uint8_t buf[1 << 17];
    size_t len;
} elf_buf_t;

extern elf_buf_t B;

void put16(size_t off, uint64_t v);
void put32(size_t off, uint64_t v);
void put64(size_t off, uint64_t v);

/* Image offset of program header i. */
size_t ph_off(unsigned i);

/* Starts a fresh image in B: header with `entry` and n program headers
 * from ph, and the file bytes of each PT_LOAD that fits the buffer. */
void build(const ph_spec_t *ph, unsigned n, uint64_t entry);

/* ---- running the parser ------------------------------------------------- */

typedef struct reports {
    int n;
    char msg[4][256];
} reports_t;

/* The report function given to elf_parse: keeps up to 4 reports in the
 * reports_t at ctx and fails the test on one without the "elf: " prefix. */
void capture(void *ctx, const char *m);

/* The outcome of the last run. */
typedef struct elf_run {
    elf_image_t im;
    reports_t rep;
    int rc;
    size_t len;
} elf_run_t;

extern elf_run_t R;

/* Parses `len` bytes of `src` from an exact-size heap copy at `shift`
 * bytes into the allocation (shift 1 makes every field unaligned). */
int run_bytes(const uint8_t *src, size_t len, size_t shift);

/* Parses the first `len` bytes of B, or all of it. */
int run_len(size_t len);
int run(void);

bool is_zero(const elf_image_t *im);

/* A refusal: ERR_CORRUPT, one report containing `needle`, nothing kept. */
void check_refused(const char *needle);

/* Success without any report. */
void check_accepted(void);

/* ---- the good image ----------------------------------------------------- */

#define GOOD_ENTRY 0x401010ull
#define N_GOOD 4

/* Text RX at 0x401000; data RW at 0x403010 with 0x80 file bytes and bss up
 * to 0x405110; TLS inside the data; a non-executable stack. */
extern const ph_spec_t GOOD[N_GOOD];

/* The table a test changes and builds. */
extern ph_spec_t P[ELF_MAX_SEGMENTS + 8];

/* Starts from the good table in P[], for a test to change and build. */
void good_table(void);

/* good_table() and build() of it with GOOD_ENTRY. */
void build_good(void);

/* Checks every field of R.im.seg[i]. */
void check_seg(size_t i, uint64_t vaddr, uint64_t memsz, uint64_t file_off,
               uint64_t filesz, uint64_t copy_to, bool r, bool w, bool x);

#endif
