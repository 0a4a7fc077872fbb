/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The info-block builder and parser harness shared by the host tests of
 * the Multiboot2 boot-information parser (kernel/init/multiboot2.c),
 * test_multiboot2_*.c.
 *
 * Model: a small builder (mb_*) assembles an info block tag by tag in an
 * 8-aligned buffer B, so each test states its input as a list of tags.
 * The parse itself always runs on a malloc'd copy of exactly the bytes the
 * parser may read (max_size), so ASan turns any read outside the block
 * into a test failure; the outcome is left in R. Reports are captured and
 * checked: every rejection must be reported with the right subject, and on
 * success the number of reports must equal `rejected`.
 */
#ifndef TESTS_HOST_MB2_BUILDER_H
#define TESTS_HOST_MB2_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

extern mb_builder_t B;

void put32(size_t off, uint32_t v);

/* Starts an empty block: room for the fixed part, total_size unset. */
void mb_begin(void);

/* A tag whose size field says `size`, with `plen` payload bytes actually
 * written; lying about size is how the malformed tests are built. Returns
 * the tag's offset. */
size_t mb_tag_raw(uint32_t type, uint32_t size, const void *payload, size_t plen);

/* A tag of exactly its payload; returns its offset, as do the others. */
size_t mb_tag(uint32_t type, const void *payload, size_t plen);
size_t mb_cmdline(const char *s);
size_t mb_loader(const char *s);
size_t mb_module(uint32_t start, uint32_t end, const char *s);

/* Memory map with a chosen entry_size (>= 24 writes the standard fields
 * and zero-fills the rest). */
size_t mb_mmap_sized(uint32_t esize, uint32_t version, const mm_ent_t *e, size_t n);
size_t mb_mmap(const mm_ent_t *e, size_t n);

/* A map of one available range, 16 MiB at 1 MiB. */
size_t mb_usable_mmap(void);

/* An RSDP tag with n payload bytes starting with the RSDP signature. */
size_t mb_rsdp(uint32_t type, size_t n);

/* Appends the end tag and sets total_size to the block's length. */
void mb_end(void);

/* ---- running the parser ------------------------------------------------- */

typedef struct reports {
    int n;
    char msg[64][256];
} reports_t;

/* The report function given to mb2_parse: keeps up to 64 reports in the
 * reports_t at ctx and fails the test on one without the prefix. */
void capture(void *ctx, const char *m);

/* Result of the last run: the parse output refers into `copy`. */
typedef struct mb_run {
    boot_info_t bi;
    reports_t rep;
    uint8_t *copy;
    int rc;
} mb_run_t;

extern mb_run_t R;

/* Parses the first `max` bytes of the builder from an exact-size heap copy. */
int run_max(size_t max);
int run(void);

/* Whether some report of the last run contains needle (lists them if not). */
bool saw(const char *needle);

/* Where offset `off` of the block is in the last run's copy. */
const uint8_t *at(size_t off);

/* A failed parse leaves an empty, safe boot_info_t behind. */
bool is_empty(const boot_info_t *bi);

/* A fatal refusal: ERR_CORRUPT, reported with `needle`, empty result. */
void check_fatal(const char *needle);

/* ---- a good block ------------------------------------------------------- */

/* A PC-like map: eight ranges of every type, and one empty range. */
#define GOOD_MMAP_N 9
extern const mm_ent_t GOOD_MMAP[GOOD_MMAP_N];

struct good_offsets {
    size_t cmdline, loader, mod[3], mmap, rsdp_old, rsdp_new;
};

/* A block with every tag the parser reads, plus ones it skips; returns
 * where the tags are. */
struct good_offsets build_good(bool new_rsdp_first);

#endif
