/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The HPET table: one event timer block. After the 36-byte header: u32
 * Event Timer Block ID (bits 0-7 hardware revision, 8-12 comparators - 1,
 * 13 64-bit counter, 15 LegacyReplacement capable, 16-31 PCI vendor id),
 * the base address as a Generic Address Structure (12 bytes, must be in
 * system memory), u8 HPET number, u16 minimum clock tick, u8 page
 * protection and OEM attributes: 56 bytes in all.
 */
#include <string.h>

#include "bytes.h"
#include "tables.h"

#define HPET_LEN 56u
#define HPET_GAS 40u

int acpi_hpet_parse(const uint8_t *p, size_t len, acpi_hpet_t *out, acpi_err_t *e)
{
    memset(out, 0, sizeof *out);
    if (len < HPET_LEN)
        return acpi_fail(e, ERR_CORRUPT, "HPET: %zu bytes (the table is %u)", len, HPET_LEN);
    const uint8_t *g = p + HPET_GAS;
    uint64_t base = rd64(g + 4);
    if (g[0] != ACPI_SPACE_MEMORY)
        return acpi_fail(e, ERR_CORRUPT, "HPET: base address in address space %u (not memory)", g[0]);
    if (base == 0)
        return acpi_fail(e, ERR_CORRUPT, "HPET: base address 0");
    uint32_t id = rd32(p + 36);
    *out = (acpi_hpet_t){
        .addr = base,
        .block_id = id,
        .number = p[52],
        .min_tick = rd16(p + 53),
        .comparators = (uint8_t)((id >> 8 & 0x1f) + 1),
        .counter_64 = id >> 13 & 1,
        .legacy_capable = id >> 15 & 1,
        .vendor = (uint16_t)(id >> 16),
        .page_protection = p[55],
    };
    return OK;
}
