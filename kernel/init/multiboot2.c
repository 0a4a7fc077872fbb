/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Multiboot2 boot-information parser (see init/multiboot2.h).
 *
 * Model: the block is an 8-byte fixed part {u32 total_size, u32 reserved}
 * followed by tags {u32 type, u32 size, payload}, each starting 8-aligned,
 * `size` counting the header but not the padding, ended by {0, 8}.
 *   mb2_parse()      checks the fixed part, then mb2_walk() steps from tag to
 *                    tag, checking each header against total_size (fatal on
 *                    failure) before a per-type handler looks at the payload;
 *   mb2_tag_*()      validate one tag's payload completely, then record it,
 *                    or report, count and drop it (never fatal);
 *   mb2_finish()     requires an available memory range.
 * All reads go through rd32()/rd64() on offsets already checked against the
 * tag's size, which is already checked against total_size <= max_size; the
 * byte-wise reads also keep the code free of alignment and aliasing traps.
 */
#include "init/multiboot2.h"
#include "lib/kassert.h"
#include "lib/kprintf.h"
#include "lib/kstring.h"

enum {
    MB2_TAG_END = 0,
    MB2_TAG_CMDLINE = 1,
    MB2_TAG_LOADER_NAME = 2,
    MB2_TAG_MODULE = 3,
    MB2_TAG_BASIC_MEMINFO = 4,
    MB2_TAG_MMAP = 6,
    MB2_TAG_ACPI_OLD = 14,
    MB2_TAG_ACPI_NEW = 15,
};

#define MB2_FIXED_SIZE 8u      /* total_size + reserved */
#define MB2_TAG_HDR_SIZE 8u    /* type + size */
#define MB2_MIN_TOTAL 16u      /* fixed part + end tag */
#define MB2_MODULE_HDR 16u     /* tag header + mod_start + mod_end */
#define MB2_MMAP_HDR 16u       /* tag header + entry_size + entry_version */
#define MB2_MMAP_ENTRY_MIN 24u /* base + length + type + reserved */
#define MB2_RSDP_V1_LEN 20u
#define MB2_RSDP_V2_LEN 36u

#define MB2_MSG_MAX 256

typedef struct mb2_parser {
    const uint8_t *base;
    size_t total;
    boot_info_t *out;
    mb2_report_fn report;
    void *ctx;
    bool have_cmdline;
    bool have_loader_name;
    bool have_mmap;
} mb2_parser_t;

/* A tag whose header has been checked: p[0, size) lies inside the block. */
typedef struct mb2_tag {
    const uint8_t *p;
    size_t off;
    uint32_t type;
    uint32_t size;
} mb2_tag_t;

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void mb2_vsay(const mb2_parser_t *ps, const char *fmt, va_list ap)
{
    if (ps->report == NULL)
        return;
    char msg[MB2_MSG_MAX];
    int n = ksnprintf(msg, sizeof(msg), "multiboot2: ");
    kvsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
    ps->report(ps->ctx, msg);
}

/* Fatal problem: the caller returns ERR_CORRUPT after this. */
static PRINTF_LIKE(2, 3) int mb2_fatal(const mb2_parser_t *ps, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mb2_vsay(ps, fmt, ap);
    va_end(ap);
    return ERR_CORRUPT;
}

/* Non-fatal: one tag or entry is dropped; parsing continues. */
static PRINTF_LIKE(2, 3) void mb2_reject(mb2_parser_t *ps, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mb2_vsay(ps, fmt, ap);
    va_end(ap);
    ps->out->rejected++;
}

static void boot_info_reset(boot_info_t *out)
{
    memset(out, 0, sizeof(*out));
    out->cmdline = "";
    out->loader_name = "";
}

/* The NUL-terminated string at tag offset `from`, or NULL when no NUL lies
 * inside the tag (the string would run into whatever follows). */
static const char *tag_string(const mb2_tag_t *t, size_t from)
{
    for (size_t i = from; i < t->size; i++) {
        if (t->p[i] == '\0')
            return (const char *)t->p + from;
    }
    return NULL;
}

/* Command line (1) and boot loader name (2): a NUL-terminated string. */
static void mb2_tag_string(mb2_parser_t *ps, const mb2_tag_t *t, const char *what,
                           const char **dst, bool *seen)
{
    const char *s = tag_string(t, MB2_TAG_HDR_SIZE);
    if (s == NULL) {
        mb2_reject(ps, "%s tag at offset %#zx is not NUL-terminated; tag ignored", what, t->off);
        return;
    }
    if (*seen) {
        mb2_reject(ps, "second %s tag at offset %#zx; tag ignored", what, t->off);
        return;
    }
    *dst = s;
    *seen = true;
}

/* Half-open ranges; an empty range overlaps nothing. */
static bool boot_range_overlaps(paddr_t a0, paddr_t a1, paddr_t b0, paddr_t b1)
{
    return a0 < a1 && b0 < b1 && a0 < b1 && b0 < a1;
}

/* Index of an accepted module overlapping [start, end), or -1. */
static long module_overlap(const boot_info_t *bi, paddr_t start, paddr_t end)
{
    for (size_t i = 0; i < bi->module_count; i++) {
        const boot_module_t *m = &bi->modules[i];
        if (boot_range_overlaps(start, end, m->start, m->end))
            return (long)i;
    }
    return -1;
}

/* Module (3): u32 mod_start, u32 mod_end (exclusive), string. */
static void mb2_tag_module(mb2_parser_t *ps, const mb2_tag_t *t)
{
    boot_info_t *bi = ps->out;
    if (t->size < MB2_MODULE_HDR + 1) {
        mb2_reject(ps, "module tag at offset %#zx has size %u (< %u); module ignored",
                   t->off, t->size, MB2_MODULE_HDR + 1);
        return;
    }
    paddr_t start = rd32(t->p + 8), end = rd32(t->p + 12);
    const char *cmd = tag_string(t, MB2_MODULE_HDR);
    if (cmd == NULL) {
        mb2_reject(ps, "module tag at offset %#zx: string is not NUL-terminated; module ignored",
                   t->off);
        return;
    }
    if (end < start) {
        mb2_reject(ps, "module \"%.40s\" at offset %#zx ends (%#llx) before it starts (%#llx); "
                   "module ignored", cmd, t->off, (unsigned long long)end,
                   (unsigned long long)start);
        return;
    }
    long other = module_overlap(bi, start, end);
    if (other >= 0) {
        const boot_module_t *m = &bi->modules[other];
        mb2_reject(ps, "module \"%.40s\" [%#llx, %#llx) overlaps module %ld \"%.40s\" "
                   "[%#llx, %#llx); module ignored", cmd, (unsigned long long)start,
                   (unsigned long long)end, other, m->cmdline,
                   (unsigned long long)m->start, (unsigned long long)m->end);
        return;
    }
    if (bi->module_count == BOOT_MAX_MODULES) {
        mb2_reject(ps, "more than %d modules; module \"%.40s\" at offset %#zx ignored",
                   BOOT_MAX_MODULES, cmd, t->off);
        return;
    }
    bi->modules[bi->module_count++] = (boot_module_t){ .start = start, .end = end, .cmdline = cmd };
}

/* Layout checks for a memory-map tag, before any entry is taken. */
static bool mmap_layout_ok(mb2_parser_t *ps, const mb2_tag_t *t)
{
    if (ps->have_mmap) {
        mb2_reject(ps, "second memory map tag at offset %#zx; tag ignored", t->off);
        return false;
    }
    if (t->size < MB2_MMAP_HDR) {
        mb2_reject(ps, "memory map tag at offset %#zx has size %u (< %u); tag ignored",
                   t->off, t->size, MB2_MMAP_HDR);
        return false;
    }
    uint32_t esize = rd32(t->p + 8);
    if (esize < MB2_MMAP_ENTRY_MIN || esize % 8 != 0) {
        mb2_reject(ps, "memory map tag at offset %#zx has entry_size %u (need >= %u and a "
                   "multiple of 8); tag ignored", t->off, esize, MB2_MMAP_ENTRY_MIN);
        return false;
    }
    if ((t->size - MB2_MMAP_HDR) % esize != 0) {
        mb2_reject(ps, "memory map tag at offset %#zx: %u bytes of entries are not a whole "
                   "number of %u-byte entries; tag ignored", t->off,
                   t->size - MB2_MMAP_HDR, esize);
        return false;
    }
    return true;
}

/* Takes one entry; returns false when it was dropped for lack of room. */
static bool mmap_add(mb2_parser_t *ps, size_t idx, const uint8_t *e)
{
    boot_info_t *bi = ps->out;
    uint64_t base = rd64(e), len = rd64(e + 8);
    if (len == 0)
        return true; /* harmless: some firmware emits empty ranges */
    if (len > UINT64_MAX - base) {
        mb2_reject(ps, "memory map entry %zu (base %#llx, length %#llx) wraps past 2^64; "
                   "entry ignored", idx, (unsigned long long)base, (unsigned long long)len);
        return true;
    }
    boot_mmap_entry_t entry = { .base = base, .len = len, .type = rd32(e + 16) };
    if (bi->mmap_count < BOOT_MAX_MMAP) {
        bi->mmap[bi->mmap_count++] = entry;
        return true;
    }
    /* Full. Dropping RAM is safe, dropping a reserved range is not (the
     * kernel could hand it out): a non-available entry takes the place of
     * the last available one. */
    if (entry.type == BOOT_MEM_AVAILABLE)
        return false;
    for (size_t i = bi->mmap_count; i-- > 0;) {
        if (bi->mmap[i].type == BOOT_MEM_AVAILABLE) {
            bi->mmap[i] = entry;
            return false; /* an available entry was dropped */
        }
    }
    return false;
}

/* Memory map (6): u32 entry_size, u32 entry_version, entries. A newer
 * entry_version only appends fields, so entry_size alone governs layout. */
static void mb2_tag_mmap(mb2_parser_t *ps, const mb2_tag_t *t)
{
    if (!mmap_layout_ok(ps, t))
        return;
    ps->have_mmap = true;
    uint32_t esize = rd32(t->p + 8);
    size_t n = (t->size - MB2_MMAP_HDR) / esize, dropped = 0;
    for (size_t i = 0; i < n; i++) {
        if (!mmap_add(ps, i, t->p + MB2_MMAP_HDR + i * esize))
            dropped++;
    }
    if (dropped > 0)
        mb2_reject(ps, "memory map has %zu more entries than the %d kept; extra entries ignored",
                   dropped, BOOT_MAX_MMAP);
}

/* ACPI RSDP copies: 14 holds the 20-byte ACPI 1.0 RSDP, 15 the 36-byte
 * (or longer) ACPI 2.0+ one. The newer wins regardless of order. */
static void mb2_tag_rsdp(mb2_parser_t *ps, const mb2_tag_t *t)
{
    boot_info_t *bi = ps->out;
    bool is_new = t->type == MB2_TAG_ACPI_NEW;
    size_t need = is_new ? MB2_RSDP_V2_LEN : MB2_RSDP_V1_LEN;
    size_t have = t->size - MB2_TAG_HDR_SIZE;
    const char *what = is_new ? "ACPI 2.0+ RSDP" : "ACPI 1.0 RSDP";
    if (have < need) {
        mb2_reject(ps, "%s tag at offset %#zx holds %zu bytes (< %zu); tag ignored",
                   what, t->off, have, need);
        return;
    }
    if (bi->rsdp_tag == t->type) {
        mb2_reject(ps, "second %s tag at offset %#zx; tag ignored", what, t->off);
        return;
    }
    if (bi->rsdp_tag == MB2_TAG_ACPI_NEW)
        return; /* an old RSDP after a new one adds nothing */
    bi->rsdp = t->p + MB2_TAG_HDR_SIZE;
    bi->rsdp_len = have;
    bi->rsdp_tag = t->type;
}

static void mb2_dispatch(mb2_parser_t *ps, const mb2_tag_t *t)
{
    boot_info_t *bi = ps->out;
    switch (t->type) {
    case MB2_TAG_CMDLINE:
        mb2_tag_string(ps, t, "command line", &bi->cmdline, &ps->have_cmdline);
        break;
    case MB2_TAG_LOADER_NAME:
        mb2_tag_string(ps, t, "boot loader name", &bi->loader_name, &ps->have_loader_name);
        break;
    case MB2_TAG_MODULE: mb2_tag_module(ps, t); break;
    case MB2_TAG_MMAP: mb2_tag_mmap(ps, t); break;
    case MB2_TAG_ACPI_OLD:
    case MB2_TAG_ACPI_NEW: mb2_tag_rsdp(ps, t); break;
    default:
        /* Basic meminfo (4) is superseded by the memory map; framebuffer,
         * ELF sections, EFI and future tags are legitimate but unused. */
        break;
    }
}

/* Reads and checks the tag header at `off`; fatal errors return ERR_CORRUPT. */
static int mb2_tag_at(const mb2_parser_t *ps, size_t off, mb2_tag_t *t)
{
    /* off may pass total when the last tag ended in the unaligned tail. */
    if (off >= ps->total)
        return mb2_fatal(ps, "no end tag before total_size %#zx; boot information rejected",
                         ps->total);
    if (ps->total - off < MB2_TAG_HDR_SIZE)
        return mb2_fatal(ps, "tag header at offset %#zx is cut off by total_size %#zx; "
                         "boot information rejected", off, ps->total);
    *t = (mb2_tag_t){ .p = ps->base + off, .off = off };
    t->type = rd32(t->p);
    t->size = rd32(t->p + 4);
    if (t->size < MB2_TAG_HDR_SIZE)
        return mb2_fatal(ps, "tag at offset %#zx has size %u (< 8); boot information rejected",
                         off, t->size);
    if (t->size > ps->total - off)
        return mb2_fatal(ps, "tag type %u at offset %#zx has size %#x, running past total_size "
                         "%#zx; boot information rejected", t->type, off, t->size, ps->total);
    if (t->type == MB2_TAG_END && t->size != MB2_TAG_HDR_SIZE)
        return mb2_fatal(ps, "end tag at offset %#zx has size %u (!= 8); boot information "
                         "rejected", off, t->size);
    return OK;
}

static int mb2_walk(mb2_parser_t *ps)
{
    size_t off = MB2_FIXED_SIZE;
    for (;;) {
        mb2_tag_t t;
        int err = mb2_tag_at(ps, off, &t);
        if (err != OK)
            return err;
        if (t.type == MB2_TAG_END)
            return OK; /* bytes after the end tag, if any, are ignored */
        mb2_dispatch(ps, &t);
        /* Cannot overflow: size <= total - off and total fits in 32 bits. */
        off += ALIGN_UP((size_t)t.size, (size_t)8);
    }
}

static int mb2_check_fixed(mb2_parser_t *ps, const void *info, size_t max_size)
{
    if (info == NULL)
        return mb2_fatal(ps, "no boot information (NULL pointer); boot information rejected");
    if (((uintptr_t)info & 7) != 0)
        return mb2_fatal(ps, "boot information at %p is not 8-byte aligned; boot information "
                         "rejected", info);
    if (max_size < MB2_FIXED_SIZE)
        return mb2_fatal(ps, "only %zu bytes readable, the fixed part needs 8; boot "
                         "information rejected", max_size);
    uint32_t total = rd32(info);
    if (total < MB2_MIN_TOTAL)
        return mb2_fatal(ps, "total_size %u is below the minimum of %u; boot information "
                         "rejected", total, MB2_MIN_TOTAL);
    if (total > max_size)
        return mb2_fatal(ps, "total_size %u exceeds the %zu readable bytes; boot information "
                         "rejected", total, max_size);
    ps->base = info;
    ps->total = total;
    return OK;
}

static int mb2_finish(const mb2_parser_t *ps)
{
    const boot_info_t *bi = ps->out;
    for (size_t i = 0; i < bi->mmap_count; i++) {
        if (bi->mmap[i].type == BOOT_MEM_AVAILABLE)
            return OK;
    }
    return mb2_fatal(ps, "no usable memory map (%s); boot information rejected",
                     ps->have_mmap ? "no available range" : "no valid memory map tag");
}

int mb2_parse(const void *info, size_t max_size, boot_info_t *out,
              mb2_report_fn report, void *ctx)
{
    kassert(out != NULL);
    boot_info_reset(out);
    mb2_parser_t ps = { .out = out, .report = report, .ctx = ctx };
    int err = mb2_check_fixed(&ps, info, max_size);
    if (err == OK)
        err = mb2_walk(&ps);
    if (err == OK)
        err = mb2_finish(&ps);
    if (err != OK) {
        boot_info_reset(out);
        return err;
    }
    out->total_size = ps.total;
    return OK;
}
