/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Little-endian loads for the table parsers, byte by byte: firmware fields
 * are often unaligned, and reading them this way can neither trap nor
 * break aliasing rules. Each caller has already checked that the bytes it
 * names lie inside its table.
 */
#ifndef ACPI_BYTES_H
#define ACPI_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static inline uint8_t acpi_sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

/* A firmware string of n bytes as a C string in out[n + 1]: bytes that
 * are not printable ASCII become '?', trailing blanks and NULs go. */
static inline void acpi_text(const uint8_t *p, size_t n, char *out)
{
    size_t end = n;
    while (end > 0 && (p[end - 1] == ' ' || p[end - 1] == '\0'))
        end--;
    for (size_t i = 0; i < end; i++)
        out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    out[end] = '\0';
}

/* The 4-byte signature, as acpi_text but keeping every position. */
static inline void acpi_sig_text(const uint8_t *p, char out[5])
{
    for (int i = 0; i < 4; i++)
        out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    out[4] = '\0';
}

#endif
