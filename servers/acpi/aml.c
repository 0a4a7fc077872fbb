/* SPDX-License-Identifier: BSD-2-Clause
 *
 * \_S5_ (soft off) from a definition block's AML, without an interpreter.
 *
 * The firmware writes `Name (\_S5, Package () {SLP_TYPa, SLP_TYPb, ...})`,
 * which is the bytes
 *     NameOp 0x08, ['\' 0x5c], "_S5_", PackageOp 0x12, PkgLength,
 *     NumElements, then each element: ZeroOp 0x00, OneOp 0x01, OnesOp
 *     0xff, or BytePrefix 0x0a / WordPrefix 0x0b / DWordPrefix 0x0c /
 *     QWordPrefix 0x0e and the value, little-endian.
 * PkgLength is 1 to 4 bytes: the first byte's bits 7-6 say how many follow;
 * alone, its bits 5-0 are the length; otherwise bits 3-0 are the low
 * nibble (bits 5-4 must be 0) and each following byte adds 8 higher bits.
 * The length counts from the PkgLength's own first byte.
 *
 * The scan looks for "_S5_" right after a NameOp (and the optional root
 * prefix) in the table's body; the first such name decides: a package that
 * is cut off by its own length or the table's, an element that is not an
 * integer constant or a value that does not fit SLP_TYP's 3 bits is an
 * error, not a reason to keep looking. A package of one element holds
 * SLP_TYPa in its low byte and SLP_TYPb in the next (as some old firmware
 * writes it).
 */
#include <string.h>

#include "bytes.h"
#include "tables.h"

#define AML_NAME_OP 0x08
#define AML_ROOT_CHAR 0x5c
#define AML_PACKAGE_OP 0x12
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_ONES_OP 0xff
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_QWORD_PREFIX 0x0e
#define SLP_TYP_MAX 7u

/* Offset of the first "_S5_" that follows a NameOp, or 0. */
static size_t find_name(const uint8_t *p, size_t len)
{
    for (size_t i = ACPI_SDT_HDR_LEN + 1; i < len && len - i >= 4; i++) {
        if (memcmp(p + i, "_S5_", 4) != 0)
            continue;
        if (p[i - 1] == AML_NAME_OP)
            return i;
        if (p[i - 1] == AML_ROOT_CHAR && i >= ACPI_SDT_HDR_LEN + 2 && p[i - 2] == AML_NAME_OP)
            return i;
    }
    return 0;
}

/* One integer constant at *q, below end. */
static int read_int(const uint8_t *p, size_t *q, size_t end, unsigned k, uint64_t *v, acpi_err_t *e)
{
    static const struct { uint8_t op, size; } prefixes[] = {
        {AML_BYTE_PREFIX, 1}, {AML_WORD_PREFIX, 2}, {AML_DWORD_PREFIX, 4}, {AML_QWORD_PREFIX, 8}};
    if (*q >= end)
        return acpi_fail(e, ERR_CORRUPT, "\\_S5_: the package ends before element %u", k);
    uint8_t op = p[(*q)++];
    if (op == AML_ZERO_OP || op == AML_ONE_OP || op == AML_ONES_OP) {
        *v = op == AML_ONES_OP ? UINT64_MAX : op;
        return OK;
    }
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        if (prefixes[i].op != op)
            continue;
        if (end - *q < prefixes[i].size)
            return acpi_fail(e, ERR_CORRUPT, "\\_S5_: element %u is cut off by the package end", k);
        *v = 0;
        for (unsigned b = 0; b < prefixes[i].size; b++)
            *v |= (uint64_t)p[*q + b] << (8 * b);
        *q += prefixes[i].size;
        return OK;
    }
    return acpi_fail(e, ERR_CORRUPT, "\\_S5_: element %u is not an integer constant (opcode %#x)", k, op);
}

/* PkgLength at pk: sets *end (exclusive) and *body (after it). */
static int pkg_length(const uint8_t *p, size_t len, size_t pk, size_t *body, size_t *end, acpi_err_t *e)
{
    if (pk >= len)
        return acpi_fail(e, ERR_CORRUPT, "\\_S5_: the table ends before the package length");
    uint8_t lead = p[pk];
    size_t follow = lead >> 6, n;
    if (follow > len - pk - 1)
        return acpi_fail(e, ERR_CORRUPT, "\\_S5_: the package length is cut off by the table end");
    if (follow == 0) {
        n = lead & 0x3f;
    } else {
        if (lead & 0x30)
            return acpi_fail(e, ERR_CORRUPT, "\\_S5_: package length byte %#x has reserved bits set", lead);
        n = lead & 0x0f;
        for (size_t k = 0; k < follow; k++)
            n |= (size_t)p[pk + 1 + k] << (4 + 8 * k);
    }
    if (n < follow + 2) /* itself and NumElements */
        return acpi_fail(e, ERR_CORRUPT, "\\_S5_: package length %zu is too small to hold a package", n);
    if (n > len - pk)
        return acpi_fail(e, ERR_CORRUPT, "\\_S5_: package of %zu bytes at offset %#zx runs past the table end %#zx",
                         n, pk, len);
    *body = pk + 1 + follow;
    *end = pk + n;
    return OK;
}

static int decode(const uint8_t *p, size_t len, size_t name, acpi_sleep_t *out, acpi_err_t *e)
{
    size_t op = name + 4, body, end;
    if (op >= len)
        return acpi_fail(e, ERR_CORRUPT, "\\_S5_ at offset %#zx: the table ends after the name", name);
    if (p[op] != AML_PACKAGE_OP)
        return acpi_fail(e, ERR_CORRUPT, "\\_S5_ at offset %#zx is not a package (opcode %#x)", name, p[op]);
    int err = pkg_length(p, len, op + 1, &body, &end, e);
    if (err != OK)
        return err;
    unsigned count = p[body++];
    if (count == 0)
        return acpi_fail(e, ERR_CORRUPT, "\\_S5_: the package has no elements");
    uint64_t v[2] = {0, 0};
    for (unsigned k = 0; k < count && k < 2; k++) {
        if ((err = read_int(p, &body, end, k, &v[k], e)) != OK)
            return err;
    }
    if (count == 1) {
        v[1] = v[0] >> 8 & 0xff;
        v[0] &= 0xff;
    }
    for (unsigned k = 0; k < 2; k++) {
        if (v[k] > SLP_TYP_MAX)
            return acpi_fail(e, ERR_CORRUPT, "\\_S5_: SLP_TYP%c %#llx does not fit in 3 bits", k ? 'b' : 'a',
                             (unsigned long long)v[k]);
    }
    out->typ_a = (uint8_t)v[0];
    out->typ_b = (uint8_t)v[1];
    out->offset = (uint32_t)(p[name - 1] == AML_NAME_OP ? name - 1 : name - 2);
    return OK;
}

int acpi_s5_find(const uint8_t *p, size_t len, acpi_sleep_t *out, acpi_err_t *e)
{
    memset(out, 0, sizeof *out);
    if (len < ACPI_SDT_HDR_LEN)
        return acpi_fail(e, ERR_CORRUPT, "definition block of %zu bytes is shorter than its header", len);
    size_t name = find_name(p, len);
    if (name == 0)
        return acpi_fail(e, ERR_NOT_FOUND, "no Name(\\_S5_, ...) in the AML");
    int err = decode(p, len, name, out, e);
    if (err != OK)
        memset(out, 0, sizeof *out);
    return err;
}
