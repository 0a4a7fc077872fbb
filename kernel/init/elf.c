/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ELF64 executable validation (see init/elf.h).
 *
 * Model: one pass, check before use, first problem wins.
 *   elf_check_ident()   the 16 identification bytes;
 *   elf_check_ehdr()    the rest of the ELF header, and that the program
 *                       header table lies inside the image;
 *   elf_phdr()          each program header in file order: PT_LOAD goes
 *                       through load_check_*() and load_add(), PT_TLS is
 *                       remembered, the dynamic-linking types and an
 *                       executable PT_GNU_STACK are refused, others ignored;
 *   elf_finish()        needs a segment, then checks PT_TLS and the entry
 *                       point against the accepted segments.
 * Every check that fails reports once through elf_fail() and returns
 * ERR_CORRUPT, which unwinds straight out. Fields are decoded byte-wise
 * (rd16/rd32/rd64) from offsets already checked against the image length,
 * so an unaligned image or a big-endian build changes nothing. Sizes are
 * compared as "size <= len && off <= len - size", which cannot wrap.
 */
#include "init/elf.h"
#include "lib/kassert.h"
#include "lib/kprintf.h"
#include "lib/kstring.h"

/* Layout and numbers from the ELF-64 object file format and the System V
 * x86-64 psABI. */
#define EHDR_SIZE 64u
#define PHDR_SIZE 56u

enum { EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6, EI_OSABI = 7, EI_ABIVERSION = 8 };
enum { ELFCLASS64 = 2, ELFDATA2LSB = 1, EV_CURRENT = 1, ELFOSABI_SYSV = 0 };
enum { ET_EXEC = 2, ET_DYN = 3, EM_X86_64 = 62 };
enum {
    PT_LOAD = 1,
    PT_DYNAMIC = 2,
    PT_INTERP = 3,
    PT_SHLIB = 5,
    PT_TLS = 7,
    PT_GNU_STACK = 0x6474e551,
};
enum { PF_X = 1, PF_W = 2, PF_R = 4 };

#define ELF_MSG_MAX 256

/* For printing 64-bit values with %llx on every host. */
#define ULL(v) ((unsigned long long)(v))

typedef struct ehdr {
    uint16_t type, machine, ehsize, phentsize, phnum;
    uint32_t version;
    uint64_t entry, phoff;
} ehdr_t;

typedef struct phdr {
    unsigned index;     /* position in the table, for messages */
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz, align;
} phdr_t;

typedef struct elf_parser {
    const uint8_t *img;
    size_t len;
    elf_image_t *out;
    elf_report_fn report;
    void *ctx;
    unsigned seg_phdr[ELF_MAX_SEGMENTS]; /* program header of each seg[] */
    bool have_tls;
    phdr_t tls;
} elf_parser_t;

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Reports the one reason the image is refused; the caller returns it. */
static PRINTF_LIKE(2, 3) int elf_fail(const elf_parser_t *ps, const char *fmt, ...)
{
    if (ps->report != NULL) {
        char msg[ELF_MSG_MAX];
        int n = ksnprintf(msg, sizeof(msg), "elf: ");
        va_list ap;
        va_start(ap, fmt);
        kvsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
        va_end(ap);
        ps->report(ps->ctx, msg);
    }
    return ERR_CORRUPT;
}

/* [off, off + size) inside [0, len), without wrapping. */
static bool fits(uint64_t off, uint64_t size, uint64_t len)
{
    return size <= len && off <= len - size;
}

static bool is_pow2_or_zero(uint64_t v)
{
    return (v & (v - 1)) == 0;
}

/* ---- ELF header ---------------------------------------------------------- */

static int elf_check_ident(const elf_parser_t *ps)
{
    const uint8_t *id = ps->img;
    if (id == NULL)
        return elf_fail(ps, "no image (NULL pointer)");
    if (ps->len < EHDR_SIZE)
        return elf_fail(ps, "image is %zu bytes, shorter than the %u-byte ELF header",
                        ps->len, EHDR_SIZE);
    if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
        return elf_fail(ps, "bad magic %02x %02x %02x %02x (not an ELF file)",
                        id[0], id[1], id[2], id[3]);
    if (id[EI_CLASS] != ELFCLASS64)
        return elf_fail(ps, "class %u is not ELFCLASS64 (2)", id[EI_CLASS]);
    if (id[EI_DATA] != ELFDATA2LSB)
        return elf_fail(ps, "data encoding %u is not little-endian (ELFDATA2LSB, 1)",
                        id[EI_DATA]);
    if (id[EI_VERSION] != EV_CURRENT)
        return elf_fail(ps, "identification version %u is not EV_CURRENT (1)",
                        id[EI_VERSION]);
    /* GNU/Linux (3) marks GNU extensions such as IFUNC, which need run-time
     * support Cairn does not provide; our toolchain emits System V. */
    if (id[EI_OSABI] != ELFOSABI_SYSV)
        return elf_fail(ps, "OS ABI %u is not System V (0)", id[EI_OSABI]);
    if (id[EI_ABIVERSION] != 0)
        return elf_fail(ps, "ABI version %u is not 0", id[EI_ABIVERSION]);
    return OK;
}

static void read_ehdr(const uint8_t *p, ehdr_t *eh)
{
    eh->type = rd16(p + 16);
    eh->machine = rd16(p + 18);
    eh->version = rd32(p + 20);
    eh->entry = rd64(p + 24);
    eh->phoff = rd64(p + 32);
    eh->ehsize = rd16(p + 52);
    eh->phentsize = rd16(p + 54);
    eh->phnum = rd16(p + 56);
}

static int elf_check_type(const elf_parser_t *ps, const ehdr_t *eh)
{
    if (eh->type == ET_DYN)
        return elf_fail(ps, "type ET_DYN (position-independent executable or shared "
                        "object): only static non-PIE ET_EXEC programs are loaded");
    if (eh->type != ET_EXEC)
        return elf_fail(ps, "type %u is not ET_EXEC (2): only static executables are "
                        "loaded", eh->type);
    if (eh->machine != EM_X86_64)
        return elf_fail(ps, "machine %u is not EM_X86_64 (62)", eh->machine);
    if (eh->version != EV_CURRENT)
        return elf_fail(ps, "version %u is not EV_CURRENT (1)", eh->version);
    return OK;
}

static int elf_check_ehdr(const elf_parser_t *ps, ehdr_t *eh)
{
    read_ehdr(ps->img, eh);
    int err = elf_check_type(ps, eh);
    if (err != OK)
        return err;
    if (eh->ehsize != EHDR_SIZE)
        return elf_fail(ps, "header size %u is not %u", eh->ehsize, EHDR_SIZE);
    if (eh->phentsize != PHDR_SIZE)
        return elf_fail(ps, "program header size %u is not %u", eh->phentsize, PHDR_SIZE);
    if (eh->phnum == 0)
        return elf_fail(ps, "no program headers");
    if (eh->phnum > ELF_MAX_PHDRS)
        return elf_fail(ps, "%u program headers, more than the %d accepted",
                        eh->phnum, ELF_MAX_PHDRS);
    uint64_t table = (uint64_t)eh->phnum * PHDR_SIZE;
    if (!fits(eh->phoff, table, ps->len))
        return elf_fail(ps, "program header table (offset %#llx + %#llx) runs past the "
                        "end of the file (%#zx bytes)", ULL(eh->phoff), ULL(table), ps->len);
    return OK;
}

/* ---- PT_LOAD --------------------------------------------------------------- */

/* The bytes to copy exist in the file. An empty copy needs no offset, so
 * its offset is not checked (a bss-only segment may point past the end). */
static int load_check_file(const elf_parser_t *ps, const phdr_t *ph)
{
    if (ph->filesz > ph->memsz)
        return elf_fail(ps, "program header %u: file size %#llx exceeds memory size %#llx",
                        ph->index, ULL(ph->filesz), ULL(ph->memsz));
    if (ph->filesz > 0 && !fits(ph->offset, ph->filesz, ps->len))
        return elf_fail(ps, "program header %u: segment runs past the end of the file "
                        "(offset %#llx + %#llx > %#zx)", ph->index, ULL(ph->offset),
                        ULL(ph->filesz), ps->len);
    return OK;
}

/* The psABI's p_vaddr == p_offset (mod p_align). Copying does not need it,
 * but a linker never breaks it, so a violation means a damaged header. */
static int load_check_align(const elf_parser_t *ps, const phdr_t *ph)
{
    if (!is_pow2_or_zero(ph->align))
        return elf_fail(ps, "program header %u: alignment %#llx is not a power of two",
                        ph->index, ULL(ph->align));
    if (ph->align >= PAGE_SIZE && ph->vaddr % ph->align != ph->offset % ph->align)
        return elf_fail(ps, "program header %u: address %#llx and file offset %#llx "
                        "differ modulo the alignment %#llx", ph->index, ULL(ph->vaddr),
                        ULL(ph->offset), ULL(ph->align));
    return OK;
}

static int load_check_place(const elf_parser_t *ps, const phdr_t *ph)
{
    if (ph->memsz > UINT64_MAX - ph->vaddr)
        return elf_fail(ps, "program header %u: address %#llx + size %#llx wraps past 2^64",
                        ph->index, ULL(ph->vaddr), ULL(ph->memsz));
    uint64_t end = ph->vaddr + ph->memsz;
    if (ph->vaddr < USER_SPACE_MIN || end > USER_SPACE_TOP)
        return elf_fail(ps, "program header %u: segment [%#llx, %#llx) is outside user "
                        "space [%#llx, %#llx)", ph->index, ULL(ph->vaddr), ULL(end),
                        ULL(USER_SPACE_MIN), ULL(USER_SPACE_TOP));
    if ((ph->flags & PF_W) && (ph->flags & PF_X))
        return elf_fail(ps, "program header %u: segment at %#llx is both writable and "
                        "executable (W^X)", ph->index, ULL(ph->vaddr));
    return OK;
}

/* Appends a checked segment. Requiring ascending order (as the ELF spec
 * does) means only the previous segment can collide with this one. */
static int load_add(elf_parser_t *ps, const phdr_t *ph)
{
    elf_image_t *im = ps->out;
    if (im->nseg == ELF_MAX_SEGMENTS)
        return elf_fail(ps, "program header %u: more than %d PT_LOAD segments",
                        ph->index, ELF_MAX_SEGMENTS);
    /* Cannot overflow: the segment ends at or below USER_SPACE_TOP. */
    uint64_t start = ALIGN_DOWN(ph->vaddr, (uint64_t)PAGE_SIZE);
    uint64_t end = ALIGN_UP(ph->vaddr + ph->memsz, (uint64_t)PAGE_SIZE);
    if (im->nseg > 0) {
        const elf_segment_t *prev = &im->seg[im->nseg - 1];
        unsigned pi = ps->seg_phdr[im->nseg - 1];
        if (start < prev->vaddr)
            return elf_fail(ps, "program header %u: segment at %#llx is below the one of "
                            "program header %u at %#llx (PT_LOAD must ascend)",
                            ph->index, ULL(ph->vaddr), pi, ULL(prev->copy_to));
        if (start < prev->vaddr + prev->memsz)
            return elf_fail(ps, "program header %u: pages [%#llx, %#llx) overlap those of "
                            "program header %u [%#llx, %#llx)", ph->index, ULL(start),
                            ULL(end), pi, ULL(prev->vaddr), ULL(prev->vaddr + prev->memsz));
    }
    ps->seg_phdr[im->nseg] = ph->index;
    im->seg[im->nseg++] = (elf_segment_t){
        .vaddr = start,
        .memsz = end - start,
        .file_off = ph->filesz > 0 ? ph->offset : 0,
        .filesz = ph->filesz,
        .copy_to = ph->vaddr,
        .read = (ph->flags & PF_R) != 0,
        .write = (ph->flags & PF_W) != 0,
        .exec = (ph->flags & PF_X) != 0,
    };
    return OK;
}

static int elf_load(elf_parser_t *ps, const phdr_t *ph)
{
    int err = load_check_file(ps, ph);
    if (err == OK)
        err = load_check_align(ps, ph);
    if (err != OK || ph->memsz == 0)
        return err; /* an empty segment maps nothing: nothing more to check */
    err = load_check_place(ps, ph);
    if (err == OK)
        err = load_add(ps, ph);
    return err;
}

/* ---- other program headers ------------------------------------------------ */

static void read_phdr(const uint8_t *p, unsigned index, phdr_t *ph)
{
    ph->index = index;
    ph->type = rd32(p);
    ph->flags = rd32(p + 4);
    ph->offset = rd64(p + 8);
    ph->vaddr = rd64(p + 16);
    ph->filesz = rd64(p + 32);
    ph->memsz = rd64(p + 40);
    ph->align = rd64(p + 48);
}

static int elf_phdr(elf_parser_t *ps, const phdr_t *ph)
{
    switch (ph->type) {
    case PT_LOAD:
        return elf_load(ps, ph);
    case PT_INTERP:
        return elf_fail(ps, "program header %u: PT_INTERP asks for a dynamic linker; only "
                        "static programs are loaded", ph->index);
    case PT_DYNAMIC:
        return elf_fail(ps, "program header %u: PT_DYNAMIC needs dynamic linking; only "
                        "static programs are loaded", ph->index);
    case PT_SHLIB:
        return elf_fail(ps, "program header %u: PT_SHLIB is reserved (not ABI-conformant)",
                        ph->index);
    case PT_TLS:
        if (ps->have_tls)
            return elf_fail(ps, "program header %u: second PT_TLS (the first is program "
                            "header %u)", ph->index, ps->tls.index);
        ps->have_tls = true;
        ps->tls = *ph;
        return OK;
    case PT_GNU_STACK:
        if (ph->flags & PF_X)
            return elf_fail(ps, "program header %u: PT_GNU_STACK asks for an executable "
                            "stack; user stacks are never executable", ph->index);
        return OK;
    default:
        /* PT_NOTE, PT_PHDR, PT_GNU_EH_FRAME, PT_GNU_RELRO, PT_GNU_PROPERTY
         * and the like describe parts of the loaded segments; nothing to do. */
        return OK;
    }
}

/* ---- after the table: TLS and entry ---------------------------------------- */

/* The segment whose file bytes hold [va, va + size), size > 0, or NULL. */
static const elf_segment_t *seg_holding(const elf_image_t *im, uint64_t va, uint64_t size)
{
    for (size_t i = 0; i < im->nseg; i++) {
        const elf_segment_t *s = &im->seg[i];
        if (va >= s->copy_to && fits(va - s->copy_to, size, s->filesz))
            return s;
    }
    return NULL;
}

/* The TLS initialization image is copied from the loaded segments, so only
 * its address matters, not its p_offset. */
static int elf_check_tls(const elf_parser_t *ps)
{
    const phdr_t *t = &ps->tls;
    if (t->filesz > t->memsz)
        return elf_fail(ps, "program header %u: PT_TLS file size %#llx exceeds memory size "
                        "%#llx", t->index, ULL(t->filesz), ULL(t->memsz));
    if (t->memsz > ELF_TLS_MAX_SIZE)
        return elf_fail(ps, "program header %u: PT_TLS memory size %#llx is above the "
                        "limit %#llx", t->index, ULL(t->memsz), ULL(ELF_TLS_MAX_SIZE));
    if (!is_pow2_or_zero(t->align) || t->align > ELF_TLS_MAX_ALIGN)
        return elf_fail(ps, "program header %u: PT_TLS alignment %#llx is not a power of "
                        "two <= %#llx", t->index, ULL(t->align), ULL(ELF_TLS_MAX_ALIGN));
    if (t->filesz > 0 && seg_holding(ps->out, t->vaddr, t->filesz) == NULL)
        return elf_fail(ps, "program header %u: PT_TLS image [%#llx, +%#llx) is not inside "
                        "the file bytes of a PT_LOAD segment", t->index, ULL(t->vaddr),
                        ULL(t->filesz));
    return OK;
}

static int elf_finish(elf_parser_t *ps, const ehdr_t *eh)
{
    elf_image_t *im = ps->out;
    if (im->nseg == 0)
        return elf_fail(ps, "no non-empty PT_LOAD segment");
    if (ps->have_tls) {
        int err = elf_check_tls(ps);
        if (err != OK)
            return err;
        im->has_tls = true;
        im->tls_vaddr = ps->tls.vaddr;
        im->tls_filesz = ps->tls.filesz;
        im->tls_memsz = ps->tls.memsz;
        im->tls_align = ps->tls.align > 0 ? ps->tls.align : 1;
    }
    /* In the file bytes, not just the mapping: a jump into bss runs zeroes. */
    const elf_segment_t *s = seg_holding(im, eh->entry, 1);
    if (s == NULL || !s->exec)
        return elf_fail(ps, "entry point %#llx is not in the file bytes of an executable "
                        "segment", ULL(eh->entry));
    im->entry = eh->entry;
    im->lowest = im->seg[0].vaddr;
    im->highest = im->seg[im->nseg - 1].vaddr + im->seg[im->nseg - 1].memsz;
    return OK;
}

static int elf_walk(elf_parser_t *ps)
{
    ehdr_t eh = { 0 };
    int err = elf_check_ident(ps);
    if (err == OK)
        err = elf_check_ehdr(ps, &eh);
    for (unsigned i = 0; err == OK && i < eh.phnum; i++) {
        phdr_t ph;
        read_phdr(ps->img + eh.phoff + (uint64_t)i * PHDR_SIZE, i, &ph);
        err = elf_phdr(ps, &ph);
    }
    if (err == OK)
        err = elf_finish(ps, &eh);
    return err;
}

int elf_parse(const void *image, size_t len, elf_image_t *out,
              elf_report_fn report, void *ctx)
{
    kassert(out != NULL);
    memset(out, 0, sizeof(*out));
    elf_parser_t ps = { .img = image, .len = len, .out = out, .report = report, .ctx = ctx };
    int err = elf_walk(&ps);
    if (err != OK)
        memset(out, 0, sizeof(*out));
    return err;
}
