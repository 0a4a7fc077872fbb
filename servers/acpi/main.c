/* SPDX-License-Identifier: BSD-2-Clause
 *
 * acpi: the ACPI server (docs/acpi.md, proto/acpi.proto). At start it finds
 * the RSDP the way a PC's operating system does - a scan of the BIOS area
 * 0xe0000-0xfffff for "RSD PTR " on 16-byte boundaries with a valid
 * checksum - loads every table through the MMIO resources of its manifest
 * entry (phys.c), parses them (tables.h), logs a summary and every problem,
 * and then serves two services from one loop: "acpi" answers queries from
 * what was parsed; "acpi-power" switches the machine off or resets it
 * through the ioport resources of its manifest entry (power.c).
 *
 * A machine without usable tables still gets a server: its answers say
 * why (info returns the load's error, problem 0 its reason).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "acpid.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"

static acpid_t acpid;

static int find_rsdp(acpid_t *d, uint64_t *pa)
{
    uint8_t *area = malloc(ACPID_BIOS_AREA_LEN);
    if (area == NULL)
        return acpi_fail(&d->load_err, ERR_NO_MEMORY, "no memory to scan the BIOS area");
    int err = acpid_read(d, ACPID_BIOS_AREA, area, ACPID_BIOS_AREA_LEN, VMO_CACHE_UC);
    if (err != OK) {
        free(area);
        return acpi_fail(&d->load_err, err, "BIOS area %#x-%#x not readable: %s", ACPID_BIOS_AREA,
                         ACPID_BIOS_AREA + ACPID_BIOS_AREA_LEN - 1, cairn_error_name(err));
    }
    err = acpi_rsdp_scan(area, ACPID_BIOS_AREA_LEN, ACPID_BIOS_AREA, pa);
    free(area);
    if (err != OK)
        return acpi_fail(&d->load_err, err, "no RSDP in the BIOS area %#x-%#x", ACPID_BIOS_AREA,
                         ACPID_BIOS_AREA + ACPID_BIOS_AREA_LEN - 1);
    return OK;
}

static void log_summary(const acpid_t *d)
{
    const acpi_tables_t *t = &d->tables;
    const acpi_platform_t *p = &d->plat;
    printf("acpi: RSDP revision %u at %#llx (%s), %s at %#llx: %zu tables, %u skipped\n", t->rsdp.revision,
           (unsigned long long)t->rsdp_pa, t->rsdp.oem_id, t->xsdt ? "XSDT" : "RSDT",
           (unsigned long long)t->root_pa, t->n, t->skipped);
    for (int part = 0; part < ACPI_NPARTS; part++) {
        if (p->state[part] == ACPI_REFUSED)
            printf("acpi: %s refused: %s\n", acpi_part_name((enum acpi_part)part), p->why[part]);
    }
    printf("acpi: %u CPUs (%u enabled), %u I/O APICs, %u overrides, %u ECAM ranges, HPET %s, S5 %s\n",
           p->madt.cpus_total, p->madt.cpus_enabled, p->madt.ioapics_total, p->madt.overrides_total,
           p->mcfg.total, p->state[ACPI_PART_HPET] == ACPI_VALID ? "yes" : "no",
           p->state[ACPI_PART_S5] == ACPI_VALID ? "yes" : "no");
}

static void load(acpid_t *d)
{
    uint64_t rsdp;
    d->load_status = find_rsdp(d, &rsdp);
    if (d->load_status == OK) {
        acpi_phys_t phys = acpid_phys(d);
        d->load_status = acpi_load(&phys, rsdp, &d->tables, &d->load_err);
    }
    if (d->load_status != OK) {
        printf("acpi: no ACPI tables: %s\n", d->load_err.msg);
        return;
    }
    acpi_platform_build(&d->tables, &d->plat);
    log_summary(d);
}

static int query_dispatch(srv_client_t *c, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh)
{
    return acpi_dispatch(&acpid_query_ops, c, c->ch, msg, n, hs, nh);
}

static int power_dispatch(srv_client_t *c, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh)
{
    return acpi_dispatch(&acpid_power_ops, c, c->ch, msg, n, hs, nh);
}

int main(void)
{
    acpid_t *d = &acpid;
    int err = loop_init(&d->loop);
    if (err == OK)
        err = srv_init(&d->srv, &d->loop, "acpi", query_dispatch, d);
    if (err == OK)
        err = srv_init(&d->power_srv, &d->loop, "acpi-power", power_dispatch, d);
    if (err != OK) {
        fprintf(stderr, "acpi: cannot set up the loop: %s\n", cairn_error_name(err));
        return 1;
    }
    acpid_take_resources(d);
    load(d);
    handle_t ns = libsys_handle("ns");
    if ((err = srv_publish(&d->srv, ns, "acpi")) != OK) {
        fprintf(stderr, "acpi: cannot publish 'acpi': %s\n", cairn_error_name(err));
        return 1;
    }
    /* Without it the machine still answers queries; nobody can switch it off. */
    if ((err = srv_publish(&d->power_srv, ns, "acpi-power")) != OK)
        fprintf(stderr, "acpi: not serving 'acpi-power': %s\n", cairn_error_name(err));
    return loop_run(&d->loop);
}
