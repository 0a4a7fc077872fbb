/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The acpi server (docs/acpi.md): what its parts share. main.c finds the
 * RSDP, loads and parses the tables once and serves; phys.c reads physical
 * memory through the MMIO resources the manifest grants; ops.c answers the
 * queries of proto/acpi.proto; power.c does poweroff and reboot through
 * the ioport resources the manifest grants.
 *
 * Single-threaded: one loop, two services on it ("acpi" for the queries,
 * "acpi-power" for poweroff and reboot).
 */
#ifndef ACPID_H
#define ACPID_H

#include <stdint.h>

#include "abi/resource.h"
#include "cairn/loop.h"
#include "cairn/server.h"
#include "tables.h"

#define ACPID_MAX_RESOURCES 8   /* a component gets at most 8 handles */
#define ACPID_BIOS_AREA 0xe0000u /* where a PC's RSDP lives: 0xe0000-0xfffff */
#define ACPID_BIOS_AREA_LEN 0x20000u

typedef struct acpid_res {
    handle_t h;
    resource_info_t info;
} acpid_res_t;

typedef struct acpid {
    loop_t loop;
    srv_t srv;         /* "acpi": queries */
    srv_t power_srv;   /* "acpi-power": poweroff, reboot */

    /* The resources from the bootstrap message, by kind. */
    acpid_res_t mmio[ACPID_MAX_RESOURCES];
    size_t nmmio;
    acpid_res_t ioport[ACPID_MAX_RESOURCES];
    size_t nioport;

    int load_status;   /* acpi_load's result: OK, or why nothing was loaded */
    acpi_err_t load_err;
    acpi_tables_t tables;
    acpi_platform_t plat;
} acpid_t;

/* ---- physical memory (phys.c) ---- */
/* Collects the MMIO and ioport resources of the bootstrap message. */
void acpid_take_resources(acpid_t *d);
/* The acpi_phys_t over d's MMIO resources. */
acpi_phys_t acpid_phys(acpid_t *d);
/* Copies physical [pa, pa + len) into buf, mapping it uncached first
 * (for the BIOS area) or write-back first (for firmware tables). */
int acpid_read(acpid_t *d, uint64_t pa, void *buf, size_t len, uint32_t first_cache);
/* An ioport resource covering [port, port + len), or HANDLE_INVALID. */
handle_t acpid_ioport_res(const acpid_t *d, uint32_t port, uint32_t len);
/* An MMIO resource covering [pa, pa + len), or HANDLE_INVALID. */
handle_t acpid_mmio_res(const acpid_t *d, uint64_t pa, uint64_t len);

/* ---- the protocol (ops.c, power.c) ---- */
extern const struct acpi_ops acpid_query_ops;
extern const struct acpi_ops acpid_power_ops;

#endif
