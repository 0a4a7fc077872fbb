/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ELF image builder and parser harness of elf_builder.h: writes images
 * byte by byte at their ELF-spec offsets (so unaligned and out-of-spec
 * values are as easy as good ones) and runs elf_parse on exact-size copies.
 */
#include <string.h>

#include "check.h"
#include "elf_builder.h"

/* ---- builder ------------------------------------------------------------ */

elf_buf_t B;

static void put(size_t off, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        B.buf[off + i] = (uint8_t)(v >> (8 * i));
}

void put16(size_t off, uint64_t v) { put(off, v, 2); }
void put32(size_t off, uint64_t v) { put(off, v, 4); }
void put64(size_t off, uint64_t v) { put(off, v, 8); }

size_t ph_off(unsigned i) { return EHDR + i * PHDR; }

/* The byte a segment's file bytes hold at image offset `off`. */
static uint8_t pattern(uint64_t off) { return (uint8_t)(off * 7 + 3); }

static void eb_header(uint64_t entry, unsigned phnum)
{
    static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
    memcpy(B.buf, ident, sizeof(ident));
    put16(E_TYPE, ET_EXEC);
    put16(E_MACHINE, 62);
    put32(E_VERSION, 1);
    put64(E_ENTRY, entry);
    put64(E_PHOFF, EHDR);
    put16(E_EHSIZE, EHDR);
    put16(E_PHENTSIZE, PHDR);
    put16(E_PHNUM, phnum);
    put16(E_SHENTSIZE, 64); /* no section headers; the values are ignored */
}

static void eb_phdr(unsigned i, const ph_spec_t *p)
{
    size_t o = ph_off(i);
    put32(o, p->type);
    put32(o + 4, p->flags);
    put64(o + 8, p->offset);
    put64(o + 16, p->vaddr);
    put64(o + 24, p->vaddr); /* p_paddr: ignored */
    put64(o + 32, p->filesz);
    put64(o + 40, p->memsz);
    put64(o + 48, p->align);
}

/* Fills the file bytes of a PT_LOAD that fits the buffer and extends the
 * image over them; ones that do not fit are left for the parser to refuse. */
static void eb_payload(const ph_spec_t *p)
{
    if (p->type != PT_LOAD || p->offset > sizeof(B.buf) ||
        p->filesz > sizeof(B.buf) - p->offset)
        return;
    for (uint64_t k = p->offset; k < p->offset + p->filesz; k++)
        B.buf[k] = pattern(k);
    if (p->filesz > 0 && p->offset + p->filesz > B.len)
        B.len = (size_t)(p->offset + p->filesz);
}

void build(const ph_spec_t *ph, unsigned n, uint64_t entry)
{
    memset(&B, 0, sizeof(B));
    eb_header(entry, n);
    B.len = ph_off(n);
    for (unsigned i = 0; i < n; i++) {
        eb_phdr(i, &ph[i]);
        eb_payload(&ph[i]);
    }
}

/* ---- running the parser ------------------------------------------------- */

void capture(void *ctx, const char *m)
{
    reports_t *r = ctx;
    if (strncmp(m, "elf: ", 5) != 0 || strlen(m) >= 255) {
        printf("  report without prefix or cut off: %s\n", m);
        check_failed_now = 1;
    }
    if (r->n < 4)
        snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", m);
    r->n++;
}

elf_run_t R;

int run_bytes(const uint8_t *src, size_t len, size_t shift)
{
    memset(&R, 0, sizeof(R));
    uint8_t *copy = malloc(len + shift > 0 ? len + shift : 1);
    if (copy == NULL)
        abort();
    memcpy(copy + shift, src, len);
    R.len = len;
    R.rc = elf_parse(copy + shift, len, &R.im, capture, &R.rep);
    free(copy);
    return R.rc;
}

int run_len(size_t len) { return run_bytes(B.buf, len, 0); }
int run(void) { return run_len(B.len); }

bool is_zero(const elf_image_t *im)
{
    static const elf_image_t zero;
    return memcmp(im, &zero, sizeof(zero)) == 0;
}

void check_refused(const char *needle)
{
    CHECK_EQ(R.rc, ERR_CORRUPT);
    CHECK_EQ(R.rep.n, 1);
    if (R.rep.n >= 1 && strstr(R.rep.msg[0], needle) == NULL) {
        printf("  report \"%s\" lacks \"%s\"\n", R.rep.msg[0], needle);
        check_failed_now = 1;
    }
    CHECK(is_zero(&R.im));
}

void check_accepted(void)
{
    CHECK_EQ(R.rc, OK);
    CHECK_EQ(R.rep.n, 0);
    for (int i = 0; i < R.rep.n && i < 4; i++)
        printf("  unexpected report: %s\n", R.rep.msg[i]);
}

/* ---- the good image ----------------------------------------------------- */

const ph_spec_t GOOD[N_GOOD] = {
    { PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x123, 0x123, 0x1000 },
    { PT_LOAD, PF_R | PF_W, 0x2010, 0x403010, 0x80, 0x2100, 0x1000 },
    { PT_TLS, PF_R, 0x2010, 0x403010, 0x10, 0x28, 8 },
    { PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16 },
};

ph_spec_t P[ELF_MAX_SEGMENTS + 8];

void good_table(void) { memcpy(P, GOOD, sizeof(GOOD)); }

void build_good(void)
{
    good_table();
    build(P, N_GOOD, GOOD_ENTRY);
}

void check_seg(size_t i, uint64_t vaddr, uint64_t memsz, uint64_t file_off,
               uint64_t filesz, uint64_t copy_to, bool r, bool w, bool x)
{
    const elf_segment_t *s = &R.im.seg[i];
    CHECK_EQ(s->vaddr, vaddr);
    CHECK_EQ(s->memsz, memsz);
    CHECK_EQ(s->file_off, file_off);
    CHECK_EQ(s->filesz, filesz);
    CHECK_EQ(s->copy_to, copy_to);
    CHECK_EQ(s->read, r);
    CHECK_EQ(s->write, w);
    CHECK_EQ(s->exec, x);
}
