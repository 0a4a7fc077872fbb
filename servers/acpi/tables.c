/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Finding and loading the ACPI tables (tables.h): the RSDP, the root table
 * it names and every table the root lists, each copied out of physical
 * memory through acpi_phys_t.
 *
 * Each layer checks its container before looking inside: the RSDP's
 * checksums and length; a table's 36-byte header is read first, its length
 * bounded (36 bytes .. ACPI_MAX_TABLE_LEN, and ACPI_MAX_TOTAL_LEN for all of
 * them), then the whole table is read into a buffer of exactly that length
 * and checked again (length field and checksum) on the copy, which is what
 * the parsers read. The list starts with the root itself. A bad entry of
 * the root is skipped with a problem line; a bad RSDP or root fails the
 * load.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "tables.h"

int acpi_fail(acpi_err_t *e, int code, const char *fmt, ...)
{
    if (e != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

static unsigned long long ull(uint64_t v) { return (unsigned long long)v; }

/* ---- RSDP ------------------------------------------------------------- */

int acpi_rsdp_parse(const uint8_t *r, size_t n, acpi_rsdp_t *out, acpi_err_t *e)
{
    memset(out, 0, sizeof *out);
    if (n < ACPI_RSDP_V1_LEN)
        return acpi_fail(e, ERR_CORRUPT, "RSDP: %zu bytes readable, an RSDP has at least %u", n,
                         ACPI_RSDP_V1_LEN);
    if (memcmp(r, "RSD PTR ", 8) != 0)
        return acpi_fail(e, ERR_CORRUPT, "RSDP: the signature is not \"RSD PTR \"");
    if (acpi_sum(r, ACPI_RSDP_V1_LEN) != 0)
        return acpi_fail(e, ERR_CORRUPT, "RSDP: the checksum of its first 20 bytes is wrong");
    /* ACPI 1.0 wrote revision 0 and 2.0 jumped to 2; 1 was never used. */
    unsigned rev = r[15];
    uint32_t length = ACPI_RSDP_V1_LEN;
    uint64_t xsdt = 0;
    if (rev >= 2) {
        if (n < ACPI_RSDP_V2_LEN)
            return acpi_fail(e, ERR_CORRUPT, "RSDP: revision %u but only %zu bytes readable (< %u)", rev, n,
                             ACPI_RSDP_V2_LEN);
        length = rd32(r + 20);
        if (length < ACPI_RSDP_V2_LEN || length > n)
            return acpi_fail(e, ERR_CORRUPT, "RSDP: length %u is outside %u..%zu", length, ACPI_RSDP_V2_LEN, n);
        if (acpi_sum(r, length) != 0)
            return acpi_fail(e, ERR_CORRUPT, "RSDP: the extended checksum is wrong");
        xsdt = rd64(r + 24);
    }
    out->revision = rev;
    acpi_text(r + 9, 6, out->oem_id);
    out->rsdt = rd32(r + 16);
    out->xsdt = xsdt;
    out->length = length;
    return OK;
}

int acpi_rsdp_scan(const uint8_t *area, size_t len, uint64_t area_pa, uint64_t *rsdp_pa)
{
    size_t off = (size_t)((16 - (area_pa & 15)) & 15);
    for (; off < len && len - off >= ACPI_RSDP_V1_LEN; off += 16) {
        acpi_rsdp_t r;
        if (area[off] == 'R' && acpi_rsdp_parse(area + off, len - off, &r, NULL) == OK) {
            *rsdp_pa = area_pa + off;
            return OK;
        }
    }
    return ERR_NOT_FOUND;
}

/* ---- tables ------------------------------------------------------------- */

int acpi_sdt_check(const uint8_t *p, size_t len, acpi_err_t *e)
{
    char sig[5];
    if (len < ACPI_SDT_HDR_LEN)
        return acpi_fail(e, ERR_CORRUPT, "table of %zu bytes is shorter than its %u-byte header", len,
                         ACPI_SDT_HDR_LEN);
    acpi_sig_text(p, sig);
    if (rd32(p + 4) != len)
        return acpi_fail(e, ERR_CORRUPT, "%s: length field %u, but %zu bytes were read", sig, rd32(p + 4), len);
    if (acpi_sum(p, len) != 0)
        return acpi_fail(e, ERR_CORRUPT, "%s: bad checksum", sig);
    return OK;
}

typedef struct loader {
    const acpi_phys_t *phys;
    acpi_tables_t *out;
} loader_t;

static void problem(loader_t *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(loader_t *ld, const char *fmt, ...)
{
    char msg[ACPI_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    acpi_tables_t *t = ld->out;
    if (t->nproblems < ACPI_MAX_PROBLEMS)
        memcpy(t->problems[t->nproblems++], msg, sizeof msg);
    else
        t->problems_dropped++;
    if (ld->phys->report != NULL)
        ld->phys->report(ld->phys->ctx, msg);
}

/* The callback need not guard against ranges wrapping past 2^64; we do. */
static int read_phys(loader_t *ld, uint64_t pa, void *buf, size_t len)
{
    if (len == 0 || pa > UINT64_MAX - (len - 1))
        return ERR_OUT_OF_RANGE;
    return ld->phys->read(ld->phys->ctx, pa, buf, len);
}

/* Reads the table at pa (with signature want, unless NULL) into a fresh
 * buffer of its exact length and checks it. */
static int load_sdt(loader_t *ld, uint64_t pa, const char *want, acpi_table_t *tb, acpi_err_t *e)
{
    uint8_t h[ACPI_SDT_HDR_LEN];
    char sig[5];
    memset(tb, 0, sizeof *tb);
    if (read_phys(ld, pa, h, sizeof h) != OK)
        return acpi_fail(e, ERR_CORRUPT, "table at %#llx: header not readable", ull(pa));
    acpi_sig_text(h, sig);
    if (want != NULL && memcmp(h, want, 4) != 0)
        return acpi_fail(e, ERR_CORRUPT, "%s at %#llx has signature \"%s\"", want, ull(pa), sig);
    uint32_t len = rd32(h + 4);
    if (len < ACPI_SDT_HDR_LEN || len > ACPI_MAX_TABLE_LEN)
        return acpi_fail(e, ERR_CORRUPT, "%s at %#llx: length %#x is outside %#x..%#x", sig, ull(pa), len,
                         ACPI_SDT_HDR_LEN, ACPI_MAX_TABLE_LEN);
    if (len > ACPI_MAX_TOTAL_LEN - ld->out->total_len)
        return acpi_fail(e, ERR_NO_RESOURCES, "%s at %#llx: %#x bytes more than the %#x kept in all", sig,
                         ull(pa), len, ACPI_MAX_TOTAL_LEN);
    uint8_t *b = malloc(len);
    if (b == NULL)
        return acpi_fail(e, ERR_NO_MEMORY, "%s at %#llx: no memory for %#x bytes", sig, ull(pa), len);
    int err;
    if (read_phys(ld, pa, b, len) != OK) {
        err = acpi_fail(e, ERR_CORRUPT, "%s at %#llx: %#x bytes not readable", sig, ull(pa), len);
        goto fail;
    }
    /* Checked on the copy: memory may have changed since the header read. */
    if ((err = acpi_sdt_check(b, len, e)) != OK)
        goto fail;
    memcpy(tb->sig, sig, sizeof sig);
    acpi_text(b + 10, 6, tb->oem_id);
    acpi_text(b + 16, 8, tb->oem_table_id);
    tb->revision = b[8];
    tb->length = len;
    tb->pa = pa;
    tb->bytes = b;
    ld->out->total_len += len;
    return OK;
fail:
    free(b);
    return err;
}

static int add_table(loader_t *ld, const acpi_table_t *tb)
{
    acpi_tables_t *t = ld->out;
    if (t->n == ACPI_MAX_TABLES)
        return ERR_NO_RESOURCES;
    t->t[t->n++] = *tb;
    return OK;
}

/* The DSDT is not in the root: the first FADT names it. */
static void load_dsdt(loader_t *ld, const acpi_table_t *facp)
{
    acpi_fadt_t f;
    acpi_err_t e;
    acpi_table_t tb;
    if (acpi_find(ld->out, "DSDT", 0) != NULL || acpi_fadt_parse(facp->bytes, facp->length, &f, &e) != OK)
        return; /* acpi_platform_build reports a refused FADT */
    if (f.dsdt == 0) {
        problem(ld, "FADT names no DSDT");
        return;
    }
    if (load_sdt(ld, f.dsdt, "DSDT", &tb, &e) != OK) {
        problem(ld, "DSDT skipped: %s", e.msg);
        ld->out->skipped++;
        return;
    }
    if (add_table(ld, &tb) != OK) {
        problem(ld, "DSDT skipped: more than %d tables", ACPI_MAX_TABLES);
        ld->out->skipped++;
        free(tb.bytes);
    }
}

static void walk_root(loader_t *ld, const acpi_table_t *root)
{
    acpi_tables_t *t = ld->out;
    const char *name = t->xsdt ? "XSDT" : "RSDT";
    size_t esize = t->xsdt ? 8 : 4;
    for (uint32_t i = 0; i < t->root_entries; i++) {
        const uint8_t *ent = root->bytes + ACPI_SDT_HDR_LEN + i * esize;
        uint64_t pa = esize == 8 ? rd64(ent) : rd32(ent);
        acpi_table_t tb;
        acpi_err_t e;
        if (pa == 0) {
            problem(ld, "%s entry %u is null: skipped", name, i);
            t->skipped++;
            continue;
        }
        if (t->n == ACPI_MAX_TABLES) {
            problem(ld, "%s entries %u..%u skipped: %d tables at most", name, i, t->root_entries - 1,
                    ACPI_MAX_TABLES);
            t->skipped += t->root_entries - i;
            return;
        }
        if (load_sdt(ld, pa, NULL, &tb, &e) != OK) {
            problem(ld, "%s entry %u skipped: %s", name, i, e.msg);
            t->skipped++;
            continue;
        }
        add_table(ld, &tb); /* room was checked above */
        if (memcmp(tb.sig, "FACP", 4) == 0)
            load_dsdt(ld, &t->t[t->n - 1]);
    }
}

/* The root: its entries must fill its body exactly. */
static int load_root(loader_t *ld, uint64_t pa, bool xsdt, acpi_table_t *root, acpi_err_t *e)
{
    const char *name = xsdt ? "XSDT" : "RSDT";
    int err = load_sdt(ld, pa, name, root, e);
    if (err != OK)
        return err;
    size_t esize = xsdt ? 8 : 4, body = root->length - ACPI_SDT_HDR_LEN;
    if (body % esize != 0) {
        ld->out->total_len -= root->length;
        free(root->bytes);
        root->bytes = NULL;
        return acpi_fail(e, ERR_CORRUPT, "%s at %#llx: length %u leaves %zu bytes that are not a whole entry",
                         name, ull(pa), root->length, body % esize);
    }
    ld->out->xsdt = xsdt;
    ld->out->root_pa = pa;
    ld->out->root_len = root->length;
    ld->out->root_entries = (uint32_t)(body / esize);
    return OK;
}

/* Revision >= 2 with an XSDT: the XSDT; if it fails, the RSDT, with the
 * XSDT's problem on record. Otherwise the RSDT. */
static int pick_root(loader_t *ld, acpi_table_t *root, acpi_err_t *e)
{
    const acpi_rsdp_t *r = &ld->out->rsdp;
    if (r->revision >= 2 && r->xsdt != 0) {
        acpi_err_t xe;
        if (load_root(ld, r->xsdt, true, root, &xe) == OK)
            return OK;
        if (r->rsdt == 0)
            return acpi_fail(e, ERR_CORRUPT, "%s (and the RSDP names no RSDT)", xe.msg);
        problem(ld, "%s; using the RSDT", xe.msg);
    }
    if (r->rsdt == 0)
        return acpi_fail(e, ERR_NOT_FOUND, "RSDP names no root table");
    return load_root(ld, r->rsdt, false, root, e);
}

static int read_rsdp(loader_t *ld, uint64_t pa, acpi_err_t *e)
{
    uint8_t r[ACPI_RSDP_MAX_LEN];
    size_t n = ACPI_RSDP_V1_LEN;
    if (read_phys(ld, pa, r, n) != OK)
        return acpi_fail(e, ERR_NOT_FOUND, "RSDP at %#llx: not readable", ull(pa));
    if (r[15] >= 2 && read_phys(ld, pa, r, ACPI_RSDP_V2_LEN) == OK) {
        n = ACPI_RSDP_V2_LEN;
        uint32_t len = rd32(r + 20);
        if (len > n && len <= sizeof r && read_phys(ld, pa, r, len) == OK)
            n = len;
    }
    return acpi_rsdp_parse(r, n, &ld->out->rsdp, e);
}

int acpi_load(const acpi_phys_t *phys, uint64_t rsdp_pa, acpi_tables_t *out, acpi_err_t *e)
{
    loader_t ld = {phys, out};
    acpi_table_t root;
    memset(out, 0, sizeof *out);
    out->rsdp_pa = rsdp_pa;
    int err = read_rsdp(&ld, rsdp_pa, e);
    if (err == OK)
        err = pick_root(&ld, &root, e);
    if (err != OK) {
        acpi_tables_free(out);
        return err;
    }
    add_table(&ld, &root); /* the first: the list is empty */
    walk_root(&ld, &out->t[0]);
    return OK;
}

void acpi_tables_free(acpi_tables_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->t[i].bytes);
    memset(t, 0, sizeof *t);
}

const acpi_table_t *acpi_find(const acpi_tables_t *t, const char *sig, size_t i)
{
    for (size_t k = 0; k < t->n; k++) {
        if (memcmp(t->t[k].sig, sig, 4) == 0 && i-- == 0)
            return &t->t[k];
    }
    return NULL;
}
