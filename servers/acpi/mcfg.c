/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The MCFG: PCI Express enhanced configuration (ECAM) ranges. After the
 * 36-byte header and 8 reserved bytes come 16-byte entries: u64 base
 * address (of bus 0 of the segment), u16 segment group, u8 first bus, u8
 * last bus, 4 reserved bytes. The entries must fill the table exactly.
 */
#include <string.h>

#include "bytes.h"
#include "tables.h"

#define MCFG_HDR_LEN 44u
#define MCFG_ENTRY_LEN 16u
#define ECAM_BUS_BYTES (1ull << 20) /* 32 devices x 8 functions x 4 KiB */

static int parse(const uint8_t *p, size_t len, acpi_mcfg_t *out, acpi_err_t *e)
{
    if (len < MCFG_HDR_LEN)
        return acpi_fail(e, ERR_CORRUPT, "MCFG: %zu bytes, the header alone is %u", len, MCFG_HDR_LEN);
    size_t body = len - MCFG_HDR_LEN;
    if (body % MCFG_ENTRY_LEN != 0)
        return acpi_fail(e, ERR_CORRUPT, "MCFG: %zu bytes of entries are not a whole number of %u-byte entries",
                         body, MCFG_ENTRY_LEN);
    for (size_t i = 0; i < body / MCFG_ENTRY_LEN; i++) {
        const uint8_t *r = p + MCFG_HDR_LEN + i * MCFG_ENTRY_LEN;
        acpi_ecam_t c = {.base = rd64(r), .segment = rd16(r + 8), .bus_start = r[10], .bus_end = r[11]};
        if (c.bus_start > c.bus_end)
            return acpi_fail(e, ERR_CORRUPT, "MCFG: entry %zu has buses %u..%u", i, c.bus_start, c.bus_end);
        if (c.base == 0 || c.base % ECAM_BUS_BYTES != 0)
            return acpi_fail(e, ERR_CORRUPT, "MCFG: entry %zu has base %#llx (not a non-zero multiple of 1 MiB)", i,
                             (unsigned long long)c.base);
        /* The last bus's window must not wrap past 2^64. */
        if ((uint64_t)(c.bus_end + 1) * ECAM_BUS_BYTES - 1 > UINT64_MAX - c.base)
            return acpi_fail(e, ERR_CORRUPT, "MCFG: entry %zu (base %#llx, last bus %u) wraps past 2^64", i,
                             (unsigned long long)c.base, c.bus_end);
        if (out->n < ACPI_MAX_ECAM)
            out->ranges[out->n++] = c;
        out->total++;
    }
    return OK;
}

int acpi_mcfg_parse(const uint8_t *p, size_t len, acpi_mcfg_t *out, acpi_err_t *e)
{
    memset(out, 0, sizeof *out);
    int err = parse(p, len, out, e);
    if (err != OK)
        memset(out, 0, sizeof *out);
    return err;
}
