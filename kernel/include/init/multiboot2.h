/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Multiboot2 boot information: the validated view the kernel boots from.
 *
 * The boot loader hands the kernel a block of tags. mb2_parse() treats it as
 * untrusted input: it walks the tags with every length checked against the
 * block's total_size and the caller's max_size, and fills a boot_info_t with
 * what passed validation. Two kinds of failure:
 *   - the tag structure itself is broken (sizes, missing end tag): the whole
 *     block is rejected with ERR_CORRUPT, since nothing after the break can
 *     be located reliably;
 *   - one tag's contents are wrong (unterminated string, overlapping module,
 *     bad memory-map layout): that tag (or memory-map entry) is dropped,
 *     reported and counted in `rejected`, and parsing continues.
 * A parse succeeds only with a memory map holding at least one available
 * range, since the kernel cannot run without one.
 *
 * The strings and the RSDP pointer in boot_info_t point into the info block,
 * so it must stay mapped and reserved (total_size bytes) while they are used.
 */
#ifndef INIT_MULTIBOOT2_H
#define INIT_MULTIBOOT2_H

#include "types.h"

/* Value in EAX when a Multiboot2 loader enters the kernel. */
#define MB2_BOOTLOADER_MAGIC 0x36d76289u

#define BOOT_MAX_MMAP 128
#define BOOT_MAX_MODULES 32

/* Memory-map types as the Multiboot2 specification numbers them; other
 * values are kept as given and must be treated as not usable. */
enum {
    BOOT_MEM_AVAILABLE = 1,
    BOOT_MEM_RESERVED = 2,
    BOOT_MEM_ACPI_RECLAIMABLE = 3,
    BOOT_MEM_NVS = 4,
    BOOT_MEM_BADRAM = 5,
};

/* One memory range; base + len never wraps past 2^64 and len is never 0. */
typedef struct boot_mmap_entry {
    paddr_t base;
    uint64_t len;
    uint32_t type;
} boot_mmap_entry_t;

/* A boot module; accepted modules never overlap one another. */
typedef struct boot_module {
    paddr_t start, end;  /* end exclusive, end >= start */
    const char *cmdline; /* NUL-terminated, inside the info block */
} boot_module_t;

typedef struct boot_info {
    const char *cmdline;     /* "" when absent, never NULL after a successful parse */
    const char *loader_name; /* "" when absent */
    boot_mmap_entry_t mmap[BOOT_MAX_MMAP];
    size_t mmap_count;       /* in the loader's order, unsorted */
    boot_module_t modules[BOOT_MAX_MODULES];
    size_t module_count;
    /* The RSDP copy inside the info: tag 14 (ACPI 1.0) or 15 (ACPI 2.0+),
     * the newer one when both exist; NULL/0/0 when absent. rsdp_len is the
     * number of bytes the tag holds (>= 20 for tag 14, >= 36 for tag 15);
     * checksums and signature are for the ACPI code to verify. */
    const void *rsdp;
    size_t rsdp_len;
    unsigned rsdp_tag;
    size_t total_size;       /* of the info block, to keep it reserved */
    unsigned rejected;       /* items dropped with a report (tags, memory-map
                                entries, excess entries); not fatal */
} boot_info_t;

/* Receives one complete message per call, prefixed "multiboot2: ". */
typedef void (*mb2_report_fn)(void *ctx, const char *msg);

/*
 * Parses the Multiboot2 information at `info`, reading only inside
 * [info, info + min(total_size, max_size)); max_size is how many bytes the
 * caller can safely read there. `report` (may be NULL) is told about every
 * rejected tag or entry and about a fatal error. Returns OK, or ERR_CORRUPT
 * when the block is unusable; on error *out holds an empty boot_info_t.
 */
int mb2_parse(const void *info, size_t max_size, boot_info_t *out,
              mb2_report_fn report, void *ctx);

#endif
