/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Everything the server answers, from a loaded table set: each kind of
 * table parsed from the first copy that parses (a second MADT is a spare,
 * not an addition), and \_S5_ from the DSDT or, failing that, an SSDT.
 * Each part ends up valid, absent or refused with the parser's reason.
 */
#include <stdio.h>
#include <string.h>

#include "tables.h"

static const char *const PART_NAMES[ACPI_NPARTS] = {"MADT", "FADT", "MCFG", "HPET", "DMAR", "\\_S5_"};
static const char PART_SIGS[ACPI_NPARTS][5] = {"APIC", "FACP", "MCFG", "HPET", "DMAR", ""};

const char *acpi_part_name(enum acpi_part part)
{
    return part < ACPI_NPARTS ? PART_NAMES[part] : "?";
}

static int parse_part(acpi_platform_t *out, enum acpi_part part, const acpi_table_t *tb, acpi_err_t *e)
{
    switch (part) {
    case ACPI_PART_MADT: return acpi_madt_parse(tb->bytes, tb->length, &out->madt, e);
    case ACPI_PART_FADT: return acpi_fadt_parse(tb->bytes, tb->length, &out->fadt, e);
    case ACPI_PART_MCFG: return acpi_mcfg_parse(tb->bytes, tb->length, &out->mcfg, e);
    case ACPI_PART_HPET: return acpi_hpet_parse(tb->bytes, tb->length, &out->hpet, e);
    case ACPI_PART_DMAR: return acpi_dmar_parse(tb->bytes, tb->length, &out->dmar, e);
    default: return ERR_INTERNAL;
    }
}

static void build_part(const acpi_tables_t *t, acpi_platform_t *out, enum acpi_part part)
{
    acpi_err_t e, first;
    const acpi_table_t *tb;
    for (size_t i = 0; (tb = acpi_find(t, PART_SIGS[part], i)) != NULL; i++) {
        if (parse_part(out, part, tb, &e) == OK) {
            out->state[part] = ACPI_VALID;
            return;
        }
        if (i == 0)
            first = e;
    }
    if (acpi_find(t, PART_SIGS[part], 0) == NULL) {
        snprintf(out->why[part], ACPI_ERR_MAX, "no %s table", PART_SIGS[part]);
        return;
    }
    out->state[part] = ACPI_REFUSED;
    memcpy(out->why[part], first.msg, ACPI_ERR_MAX);
}

/* \_S5_: the DSDT first; an SSDT only when the DSDT has no such name. */
static void build_s5(const acpi_tables_t *t, acpi_platform_t *out)
{
    const char *const sigs[] = {"DSDT", "SSDT"};
    acpi_err_t e;
    for (size_t s = 0; s < 2; s++) {
        const acpi_table_t *tb;
        for (size_t i = 0; (tb = acpi_find(t, sigs[s], i)) != NULL; i++) {
            int err = acpi_s5_find(tb->bytes, tb->length, &out->s5, &e);
            if (err == ERR_NOT_FOUND)
                continue;
            memcpy(out->s5_table, sigs[s], 5);
            if (err == OK) {
                out->state[ACPI_PART_S5] = ACPI_VALID;
            } else {
                out->state[ACPI_PART_S5] = ACPI_REFUSED;
                snprintf(out->why[ACPI_PART_S5], ACPI_ERR_MAX, "%s: %s", sigs[s], e.msg);
            }
            return;
        }
    }
    snprintf(out->why[ACPI_PART_S5], ACPI_ERR_MAX, "%s",
             acpi_find(t, "DSDT", 0) ? "no \\_S5_ in the DSDT or an SSDT" : "no DSDT");
}

void acpi_platform_build(const acpi_tables_t *t, acpi_platform_t *out)
{
    memset(out, 0, sizeof *out);
    for (int part = 0; part < ACPI_PART_S5; part++)
        build_part(t, out, (enum acpi_part)part);
    build_s5(t, out);
}
