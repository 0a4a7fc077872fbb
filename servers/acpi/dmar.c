/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The DMAR (Intel VT-d): the DMA remapping hardware units. After the
 * 36-byte header: u8 host address width - 1, u8 flags, 10 reserved bytes;
 * then remapping structures, each u16 type, u16 length. Kept: DRHD units
 * (type 0: u8 flags, u8 size, u16 segment, u64 register base, then device
 * scopes); counted: RMRRs (type 1: u16 reserved, u16 segment, u64 base,
 * u64 limit, then device scopes) and everything else. Device scopes are
 * {u8 type, u8 length, u16 reserved, u8 enumeration id, u8 start bus, then
 * 2-byte (device, function) path entries}; each must fit its structure.
 */
#include <string.h>

#include "bytes.h"
#include "tables.h"

#define DMAR_HDR_LEN 48u
#define DRHD_LEN 16u
#define RMRR_LEN 24u
#define SCOPE_LEN 6u

/* The device scopes in [off, end) of structure `what` at `at`: counted. */
static int scopes(const uint8_t *p, size_t off, size_t end, const char *what, size_t at, uint32_t *n, acpi_err_t *e)
{
    *n = 0;
    while (off < end) {
        size_t room = end - off;
        if (room < SCOPE_LEN)
            return acpi_fail(e, ERR_CORRUPT, "DMAR: %s at %#zx: device scope at %#zx is cut off", what, at, off);
        uint8_t slen = p[off + 1];
        if (slen < SCOPE_LEN || slen > room || (slen - SCOPE_LEN) % 2 != 0)
            return acpi_fail(e, ERR_CORRUPT, "DMAR: %s at %#zx: device scope at %#zx has length %u", what, at, off,
                             slen);
        off += slen;
        (*n)++;
    }
    return OK;
}

static int drhd(const uint8_t *p, size_t off, size_t slen, acpi_dmar_t *out, acpi_err_t *e)
{
    uint32_t n;
    if (slen < DRHD_LEN)
        return acpi_fail(e, ERR_CORRUPT, "DMAR: DRHD at %#zx has length %zu (< %u)", off, slen, DRHD_LEN);
    int err = scopes(p, off + DRHD_LEN, off + slen, "DRHD", off, &n, e);
    if (err != OK)
        return err;
    acpi_drhd_t u = {.base = rd64(p + off + 8), .segment = rd16(p + off + 6), .flags = p[off + 4], .scopes = n};
    if (u.base == 0)
        return acpi_fail(e, ERR_CORRUPT, "DMAR: DRHD at %#zx has register base 0", off);
    if (out->nunits < ACPI_MAX_DRHD)
        out->units[out->nunits++] = u;
    out->units_total++;
    return OK;
}

static int rmrr(const uint8_t *p, size_t off, size_t slen, acpi_dmar_t *out, acpi_err_t *e)
{
    uint32_t n;
    if (slen < RMRR_LEN)
        return acpi_fail(e, ERR_CORRUPT, "DMAR: RMRR at %#zx has length %zu (< %u)", off, slen, RMRR_LEN);
    uint64_t base = rd64(p + off + 8), limit = rd64(p + off + 16);
    if (base > limit)
        return acpi_fail(e, ERR_CORRUPT, "DMAR: RMRR at %#zx has base %#llx above its limit %#llx", off,
                         (unsigned long long)base, (unsigned long long)limit);
    out->rmrrs++;
    return scopes(p, off + RMRR_LEN, off + slen, "RMRR", off, &n, e);
}

static int parse(const uint8_t *p, size_t len, acpi_dmar_t *out, acpi_err_t *e)
{
    if (len < DMAR_HDR_LEN)
        return acpi_fail(e, ERR_CORRUPT, "DMAR: %zu bytes, the header alone is %u", len, DMAR_HDR_LEN);
    out->host_addr_width = p[36];
    out->flags = p[37];
    for (size_t off = DMAR_HDR_LEN; off < len;) {
        size_t room = len - off;
        if (room < 4)
            return acpi_fail(e, ERR_CORRUPT, "DMAR: structure header at %#zx is cut off by the table end", off);
        uint16_t type = rd16(p + off), slen = rd16(p + off + 2);
        if (slen < 4 || slen > room)
            return acpi_fail(e, ERR_CORRUPT, "DMAR: structure at %#zx (type %u) has length %u (room %zu)", off, type,
                             slen, room);
        int err = OK;
        if (type == 0)
            err = drhd(p, off, slen, out, e);
        else if (type == 1)
            err = rmrr(p, off, slen, out, e);
        else
            out->other++;
        if (err != OK)
            return err;
        off += slen;
    }
    return OK;
}

int acpi_dmar_parse(const uint8_t *p, size_t len, acpi_dmar_t *out, acpi_err_t *e)
{
    memset(out, 0, sizeof *out);
    int err = parse(p, len, out, e);
    if (err != OK)
        memset(out, 0, sizeof *out);
    return err;
}
