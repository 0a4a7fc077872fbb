/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The numbers proto/acpi.proto's messages carry, for the server and its
 * clients alike (the protocol language has no enums): which part of the
 * platform a status call is about, the state of a part, address spaces of
 * registers, and the processor UID meaning "every processor".
 */
#ifndef ACPI_ABI_H
#define ACPI_ABI_H

enum acpi_state {
    ACPI_ABSENT = 0,      /* the firmware has no such table (or name) */
    ACPI_VALID = 1,
    ACPI_REFUSED = 2,     /* present but malformed: status says why */
};

enum acpi_part {
    ACPI_PART_MADT = 0,
    ACPI_PART_FADT = 1,
    ACPI_PART_MCFG = 2,
    ACPI_PART_HPET = 3,
    ACPI_PART_DMAR = 4,
    ACPI_PART_S5 = 5,     /* \_S5_ in the DSDT (or an SSDT) */
    ACPI_NPARTS
};

/* Generic Address Structure address spaces. */
enum acpi_space {
    ACPI_SPACE_MEMORY = 0,
    ACPI_SPACE_IO = 1,
    ACPI_SPACE_PCI_CONFIG = 2,
};

#define ACPI_UID_ALL 0xffffffffu /* a local APIC NMI for every processor */

#endif
