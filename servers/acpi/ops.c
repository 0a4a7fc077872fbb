/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The queries of proto/acpi.proto, answered from what main.c parsed at
 * start (nothing here reads the hardware). Every op first asks whether its
 * part is there: ERR_NOT_FOUND when the firmware has no such table (or
 * nothing was loaded at all), ERR_CORRUPT when it has one the parser
 * refused; list ops then bound the index by what was kept.
 */
#include <stdio.h>
#include <string.h>

#include "acpi.h"
#include "acpid.h"
#include "cairn/errors.h"

static acpid_t *server_of(void *ctx) { return ((srv_client_t *)ctx)->srv->ctx; }

/* OK when part is valid; otherwise the error a query about it gets. */
static int part_ok(const acpid_t *d, enum acpi_part part)
{
    if (d->load_status != OK)
        return d->load_status == ERR_CORRUPT ? ERR_CORRUPT : ERR_NOT_FOUND;
    switch (d->plat.state[part]) {
    case ACPI_VALID: return OK;
    case ACPI_REFUSED: return ERR_CORRUPT;
    default: return ERR_NOT_FOUND;
    }
}

/* part_ok, then index < n. */
static int item_ok(const acpid_t *d, enum acpi_part part, uint32_t index, uint32_t n)
{
    int err = part_ok(d, part);
    return err != OK ? err : index < n ? OK : ERR_NOT_FOUND;
}

static int info_op(void *ctx, const proto_txn_t *txn, acpi_info_result_t *out)
{
    (void)txn;
    const acpid_t *d = server_of(ctx);
    const acpi_tables_t *t = &d->tables;
    const acpi_platform_t *p = &d->plat;
    if (d->load_status != OK)
        return d->load_status;
    *out = (acpi_info_result_t){
        .rsdp_address = t->rsdp_pa, .rsdp_revision = t->rsdp.revision, .xsdt = t->xsdt,
        .root_address = t->root_pa, .tables = (uint32_t)t->n, .skipped = t->skipped,
        .problems = (uint32_t)t->nproblems,
        .madt = p->state[ACPI_PART_MADT], .fadt = p->state[ACPI_PART_FADT], .mcfg = p->state[ACPI_PART_MCFG],
        .hpet = p->state[ACPI_PART_HPET], .dmar = p->state[ACPI_PART_DMAR], .s5 = p->state[ACPI_PART_S5],
        .lapic_address = p->madt.lapic_addr, .pcat_compat = p->madt.flags & 1,
        .cpus = p->madt.ncpus, .cpus_listed = p->madt.cpus_total, .cpus_enabled = p->madt.cpus_enabled,
        .ioapics = p->madt.nioapics, .overrides = p->madt.noverrides, .nmi_sources = p->madt.nnmi_sources,
        .lapic_nmis = p->madt.nlapic_nmis, .ecam_ranges = p->mcfg.n, .dmar_units = p->dmar.nunits,
    };
    memcpy(out->oem_id, t->rsdp.oem_id, sizeof out->oem_id);
    return OK;
}

static int status_op(void *ctx, const proto_txn_t *txn, uint32_t part, acpi_status_result_t *out)
{
    (void)txn;
    const acpid_t *d = server_of(ctx);
    if (part >= ACPI_NPARTS)
        return ERR_NOT_FOUND;
    snprintf(out->name, sizeof out->name, "%s", acpi_part_name((enum acpi_part)part));
    if (d->load_status != OK) {
        out->state = ACPI_ABSENT;
        snprintf(out->why, sizeof out->why, "%s", d->load_err.msg);
        return OK;
    }
    out->state = d->plat.state[part];
    snprintf(out->why, sizeof out->why, "%s", out->state == ACPI_VALID ? "" : d->plat.why[part]);
    return OK;
}

/* Problem 0 of a failed load is its reason; otherwise the loader's lines. */
static int problem_op(void *ctx, const proto_txn_t *txn, uint32_t index, acpi_problem_result_t *out)
{
    (void)txn;
    const acpid_t *d = server_of(ctx);
    const char *text = NULL;
    if (d->load_status != OK)
        text = index == 0 ? d->load_err.msg : NULL;
    else if (index < d->tables.nproblems)
        text = d->tables.problems[index];
    if (text == NULL)
        return ERR_NOT_FOUND;
    snprintf(out->text, sizeof out->text, "%s", text);
    return OK;
}

static int table_op(void *ctx, const proto_txn_t *txn, uint32_t index, acpi_table_result_t *out)
{
    (void)txn;
    const acpid_t *d = server_of(ctx);
    if (d->load_status != OK)
        return d->load_status;
    if (index >= d->tables.n)
        return ERR_NOT_FOUND;
    const acpi_table_t *tb = &d->tables.t[index];
    memcpy(out->signature, tb->sig, sizeof tb->sig);
    memcpy(out->oem_id, tb->oem_id, sizeof tb->oem_id);
    memcpy(out->oem_table_id, tb->oem_table_id, sizeof tb->oem_table_id);
    out->revision = tb->revision;
    out->length = tb->length;
    out->address = tb->pa;
    return OK;
}

static int cpu_op(void *ctx, const proto_txn_t *txn, uint32_t index, acpi_cpu_result_t *out)
{
    (void)txn;
    const acpi_madt_t *m = &server_of(ctx)->plat.madt;
    int err = item_ok(server_of(ctx), ACPI_PART_MADT, index, m->ncpus);
    if (err != OK)
        return err;
    const acpi_cpu_t *c = &m->cpus[index];
    *out = (acpi_cpu_result_t){.apic_id = c->apic_id, .uid = c->uid, .enabled = c->enabled,
                                .online_capable = c->online_capable, .x2apic = c->x2apic};
    return OK;
}

static int ioapic_op(void *ctx, const proto_txn_t *txn, uint32_t index, acpi_ioapic_result_t *out)
{
    (void)txn;
    const acpi_madt_t *m = &server_of(ctx)->plat.madt;
    int err = item_ok(server_of(ctx), ACPI_PART_MADT, index, m->nioapics);
    if (err != OK)
        return err;
    const acpi_ioapic_t *a = &m->ioapics[index];
    *out = (acpi_ioapic_result_t){.id = a->id, .address = a->addr, .gsi_base = a->gsi_base};
    return OK;
}

static int override_op(void *ctx, const proto_txn_t *txn, uint32_t index, acpi_override_result_t *out)
{
    (void)txn;
    const acpi_madt_t *m = &server_of(ctx)->plat.madt;
    int err = item_ok(server_of(ctx), ACPI_PART_MADT, index, m->noverrides);
    if (err != OK)
        return err;
    const acpi_override_t *o = &m->overrides[index];
    *out = (acpi_override_result_t){.bus = o->bus, .source = o->source, .gsi = o->gsi, .flags = o->flags};
    return OK;
}

static int nmi_source_op(void *ctx, const proto_txn_t *txn, uint32_t index, acpi_nmi_source_result_t *out)
{
    (void)txn;
    const acpi_madt_t *m = &server_of(ctx)->plat.madt;
    int err = item_ok(server_of(ctx), ACPI_PART_MADT, index, m->nnmi_sources);
    if (err != OK)
        return err;
    *out = (acpi_nmi_source_result_t){.gsi = m->nmi_sources[index].gsi, .flags = m->nmi_sources[index].flags};
    return OK;
}

static int lapic_nmi_op(void *ctx, const proto_txn_t *txn, uint32_t index, acpi_lapic_nmi_result_t *out)
{
    (void)txn;
    const acpi_madt_t *m = &server_of(ctx)->plat.madt;
    int err = item_ok(server_of(ctx), ACPI_PART_MADT, index, m->nlapic_nmis);
    if (err != OK)
        return err;
    const acpi_lapic_nmi_t *n = &m->lapic_nmis[index];
    *out = (acpi_lapic_nmi_result_t){.uid = n->uid, .lint = n->lint, .flags = n->flags};
    return OK;
}

static int ecam_op(void *ctx, const proto_txn_t *txn, uint32_t index, acpi_ecam_result_t *out)
{
    (void)txn;
    const acpi_mcfg_t *m = &server_of(ctx)->plat.mcfg;
    int err = item_ok(server_of(ctx), ACPI_PART_MCFG, index, m->n);
    if (err != OK)
        return err;
    const acpi_ecam_t *c = &m->ranges[index];
    *out = (acpi_ecam_result_t){.base = c->base, .segment = c->segment, .bus_start = c->bus_start,
                                 .bus_end = c->bus_end};
    return OK;
}

static int hpet_op(void *ctx, const proto_txn_t *txn, acpi_hpet_result_t *out)
{
    (void)txn;
    const acpi_hpet_t *h = &server_of(ctx)->plat.hpet;
    int err = part_ok(server_of(ctx), ACPI_PART_HPET);
    if (err != OK)
        return err;
    *out = (acpi_hpet_result_t){.address = h->addr, .block_id = h->block_id, .number = h->number,
                                .comparators = h->comparators, .counter_64 = h->counter_64,
                                .legacy_capable = h->legacy_capable, .vendor = h->vendor, .min_tick = h->min_tick};
    return OK;
}

static int fadt_op(void *ctx, const proto_txn_t *txn, acpi_fadt_result_t *out)
{
    (void)txn;
    const acpi_fadt_t *f = &server_of(ctx)->plat.fadt;
    int err = part_ok(server_of(ctx), ACPI_PART_FADT);
    if (err != OK)
        return err;
    *out = (acpi_fadt_result_t){
        .revision = f->revision, .length = f->length, .flags = f->flags, .sci_irq = f->sci_irq,
        .iapc_boot_arch = f->iapc_boot_arch, .dsdt = f->dsdt, .facs = f->facs,
        .pm1a_cnt_space = f->pm1a_cnt.space, .pm1a_cnt = f->pm1a_cnt.addr, .pm1a_cnt_bits = f->pm1a_cnt.bit_width,
        .pm1b_cnt_space = f->pm1b_cnt.space, .pm1b_cnt = f->pm1b_cnt.addr, .pm1b_cnt_bits = f->pm1b_cnt.bit_width,
        .pm1a_evt_space = f->pm1a_evt.space, .pm1a_evt = f->pm1a_evt.addr,
        .pm_tmr_space = f->pm_tmr.space, .pm_tmr = f->pm_tmr.addr,
        .reset_supported = f->reset_supported,
    };
    if (f->reset_supported) {
        out->reset_space = f->reset_reg.space;
        out->reset_address = f->reset_reg.addr;
        out->reset_value = f->reset_value;
    }
    return OK;
}

static int s5_op(void *ctx, const proto_txn_t *txn, acpi_s5_result_t *out)
{
    (void)txn;
    const acpi_platform_t *p = &server_of(ctx)->plat;
    int err = part_ok(server_of(ctx), ACPI_PART_S5);
    if (err != OK)
        return err;
    out->typ_a = p->s5.typ_a;
    out->typ_b = p->s5.typ_b;
    memcpy(out->table, p->s5_table, sizeof p->s5_table);
    return OK;
}

static int dmar_op(void *ctx, const proto_txn_t *txn, acpi_dmar_result_t *out)
{
    (void)txn;
    const acpi_dmar_t *m = &server_of(ctx)->plat.dmar;
    int err = part_ok(server_of(ctx), ACPI_PART_DMAR);
    if (err != OK)
        return err;
    *out = (acpi_dmar_result_t){.dma_address_bits = m->host_addr_width + 1u, .flags = m->flags,
                                 .units = m->units_total, .rmrrs = m->rmrrs};
    return OK;
}

static int dmar_unit_op(void *ctx, const proto_txn_t *txn, uint32_t index, acpi_dmar_unit_result_t *out)
{
    (void)txn;
    const acpi_dmar_t *m = &server_of(ctx)->plat.dmar;
    int err = item_ok(server_of(ctx), ACPI_PART_DMAR, index, m->nunits);
    if (err != OK)
        return err;
    const acpi_drhd_t *u = &m->units[index];
    *out = (acpi_dmar_unit_result_t){.base = u->base, .segment = u->segment, .flags = u->flags, .scopes = u->scopes};
    return OK;
}

const acpi_ops_t acpid_query_ops = {
    .info = info_op,
    .status = status_op,
    .problem = problem_op,
    .table = table_op,
    .cpu = cpu_op,
    .ioapic = ioapic_op,
    .override = override_op,
    .nmi_source = nmi_source_op,
    .lapic_nmi = lapic_nmi_op,
    .ecam = ecam_op,
    .hpet = hpet_op,
    .fadt = fadt_op,
    .s5 = s5_op,
    .dmar = dmar_op,
    .dmar_unit = dmar_unit_op,
};
