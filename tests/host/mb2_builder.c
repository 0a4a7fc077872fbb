/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Multiboot2 info-block builder and parser harness of mb2_builder.h:
 * tags are written with the padding the specification asks for, and every
 * parse runs on an exact-size copy of the block.
 */
#include <string.h>

#include "check.h"
#include "mb2_builder.h"

/* ---- builder ------------------------------------------------------------ */

mb_builder_t B;

void put32(size_t off, uint32_t v) { memcpy(B.buf + off, &v, 4); }

void mb_begin(void)
{
    memset(&B, 0, sizeof(B));
    B.len = 8;
}

size_t mb_tag_raw(uint32_t type, uint32_t size, const void *payload, size_t plen)
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

size_t mb_tag(uint32_t type, const void *payload, size_t plen)
{
    return mb_tag_raw(type, (uint32_t)(8 + plen), payload, plen);
}

static size_t mb_string(uint32_t type, const char *s) { return mb_tag(type, s, strlen(s) + 1); }
size_t mb_cmdline(const char *s) { return mb_string(1, s); }
size_t mb_loader(const char *s) { return mb_string(2, s); }

size_t mb_module(uint32_t start, uint32_t end, const char *s)
{
    uint8_t p[256];
    size_t n = strlen(s) + 1;
    memcpy(p, &start, 4);
    memcpy(p + 4, &end, 4);
    memcpy(p + 8, s, n);
    return mb_tag(3, p, 8 + n);
}

size_t mb_mmap_sized(uint32_t esize, uint32_t version, const mm_ent_t *e, size_t n)
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

size_t mb_mmap(const mm_ent_t *e, size_t n) { return mb_mmap_sized(24, 0, e, n); }

size_t mb_usable_mmap(void)
{
    static const mm_ent_t e[] = { { 0x100000, 0x1000000, BOOT_MEM_AVAILABLE } };
    return mb_mmap(e, 1);
}

size_t mb_rsdp(uint32_t type, size_t n)
{
    uint8_t p[64];
    for (size_t i = 0; i < sizeof(p); i++)
        p[i] = (uint8_t)(0x40 + i);
    memcpy(p, "RSD PTR ", 8);
    return mb_tag(type, p, n);
}

void mb_end(void)
{
    mb_tag(0, NULL, 0);
    put32(0, (uint32_t)B.len);
}

/* ---- running the parser ------------------------------------------------- */

void capture(void *ctx, const char *m)
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

mb_run_t R;

int run_max(size_t max)
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

int run(void) { return run_max(B.len); }

bool saw(const char *needle)
{
    for (int i = 0; i < R.rep.n && i < 64; i++)
        if (strstr(R.rep.msg[i], needle) != NULL)
            return true;
    printf("  no report contains \"%s\"; reports:\n", needle);
    for (int i = 0; i < R.rep.n && i < 64; i++)
        printf("    %s\n", R.rep.msg[i]);
    return false;
}

const uint8_t *at(size_t off) { return R.copy + off; }

bool is_empty(const boot_info_t *bi)
{
    return bi->mmap_count == 0 && bi->module_count == 0 && bi->rsdp == NULL &&
           bi->rsdp_len == 0 && bi->rsdp_tag == 0 && bi->total_size == 0 &&
           strcmp(bi->cmdline, "") == 0 && strcmp(bi->loader_name, "") == 0;
}

void check_fatal(const char *needle)
{
    CHECK_EQ(R.rc, ERR_CORRUPT);
    CHECK(saw(needle));
    CHECK(saw("boot information rejected"));
    CHECK(is_empty(&R.bi));
}

/* ---- a good block ------------------------------------------------------- */

const mm_ent_t GOOD_MMAP[GOOD_MMAP_N] = {
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

struct good_offsets build_good(bool new_rsdp_first)
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
