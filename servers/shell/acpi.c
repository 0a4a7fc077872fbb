/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The shell's commands that go through the acpi server (docs/acpi.md,
 * proto/acpi.proto): acpi prints what the firmware's tables say (the
 * tables with their OEM ids, CPUs, I/O APICs, interrupt overrides, NMIs,
 * ECAM ranges, HPET, FADT registers, S5, DMAR, and any problems), asking
 * the "acpi" service; poweroff and reboot ask "acpi-power". Each command
 * connects when it runs, so a restarted acpi server is found again, and
 * says so plainly when there is none.
 */
#include <stdio.h>
#include <string.h>

#include "acpi.h"
#include "acpi_abi.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "cairn/sys.h"
#include "sh.h"

#define ACPI_WAIT_NS (2ull * 1000 * 1000 * 1000)  /* for the server to be there */
#define POWER_CALL_NS (10ull * 1000 * 1000 * 1000) /* it answers a second after a write that did nothing */
#define FLUSH_WAIT_NS (200ull * 1000 * 1000)
#define LIST_MAX 1024 /* entries of one list shown, at most */

static uint64_t deadline(void) { return libsys_now_ns() + SH_CALL_NS; }

static bool connect_to(sh_t *sh, const char *cmd, const char *service, handle_t *ch)
{
    int err = libsys_connect(service, ACPI_WAIT_NS, ch);
    if (err == OK)
        return true;
    if (err == ERR_TIMED_OUT)
        sh_printf(sh, "%s: no '%s' service: the acpi server is not running\n", cmd, service);
    else
        sh_error(sh, cmd, service, err);
    return false;
}

static const char *space_name(uint32_t space)
{
    return space == 0 ? "memory" : space == 1 ? "port" : "space?";
}

/* MPS INTI flags: polarity in bits 0-1, trigger mode in bits 2-3. */
static void print_inti(sh_t *sh, uint32_t flags)
{
    static const char *const polarity[] = {"bus polarity", "active high", "polarity?", "active low"};
    static const char *const trigger[] = {"bus trigger", "edge", "trigger?", "level"};
    sh_printf(sh, "%s, %s", polarity[flags & 3], trigger[flags >> 2 & 3]);
}

/* A part's state line when it is not valid; true when it is. */
static bool part_valid(sh_t *sh, handle_t ch, enum acpi_part part, const char *title)
{
    acpi_status_result_t st;
    int err = acpi_status(ch, part, &st, deadline());
    if (err != OK) {
        sh_error(sh, "acpi", title, err);
        return false;
    }
    if (st.state == ACPI_VALID)
        return true;
    sh_printf(sh, "%s: %s (%s)\n", title, st.state == ACPI_REFUSED ? "refused" : "none", st.why);
    return false;
}

static void print_tables(sh_t *sh, handle_t ch, const acpi_info_result_t *in)
{
    sh_printf(sh, "RSDP revision %u at %#llx (OEM %s), %s at %#llx\n", in->rsdp_revision,
              (unsigned long long)in->rsdp_address, in->oem_id, in->xsdt ? "XSDT" : "RSDT",
              (unsigned long long)in->root_address);
    sh_printf(sh, "tables: %u", in->tables);
    if (in->skipped)
        sh_printf(sh, " (%u skipped)", in->skipped);
    sh_printf(sh, "\n  SIG   OEM     OEM TABLE  REV    LENGTH  ADDRESS\n");
    for (uint32_t i = 0; i < in->tables && i < LIST_MAX; i++) {
        acpi_table_result_t t;
        int err = acpi_table(ch, i, &t, deadline());
        if (err != OK) {
            sh_error(sh, "acpi", "table", err);
            return;
        }
        sh_printf(sh, "  %-4s  %-6s  %-8s  %4u  %8u  %#llx\n", t.signature, t.oem_id, t.oem_table_id, t.revision,
                  t.length, (unsigned long long)t.address);
    }
}

static void print_madt(sh_t *sh, handle_t ch, const acpi_info_result_t *in)
{
    if (!part_valid(sh, ch, ACPI_PART_MADT, "MADT"))
        return;
    sh_printf(sh, "CPUs: %u (%u enabled)", in->cpus_listed, in->cpus_enabled);
    if (in->cpus < in->cpus_listed)
        sh_printf(sh, ", the first %u shown", in->cpus);
    sh_printf(sh, "\n  APIC ID    UID  STATE\n");
    for (uint32_t i = 0; i < in->cpus && i < LIST_MAX; i++) {
        acpi_cpu_result_t c;
        if (acpi_cpu(ch, i, &c, deadline()) != OK)
            break;
        sh_printf(sh, "  %7u  %5u  %s%s\n", c.apic_id, c.uid,
                  c.enabled ? "enabled" : c.online_capable ? "online-capable" : "disabled", c.x2apic ? " (x2APIC)" : "");
    }
    sh_printf(sh, "local APIC at %#llx%s\n", (unsigned long long)in->lapic_address,
              in->pcat_compat ? ", dual 8259 PICs" : "");
    sh_printf(sh, "I/O APICs: %u\n", in->ioapics);
    for (uint32_t i = 0; i < in->ioapics; i++) {
        acpi_ioapic_result_t a;
        if (acpi_ioapic(ch, i, &a, deadline()) != OK)
            break;
        sh_printf(sh, "  id %u at %#llx, GSIs from %u\n", a.id, (unsigned long long)a.address, a.gsi_base);
    }
    sh_printf(sh, "interrupt source overrides: %u\n", in->overrides);
    for (uint32_t i = 0; i < in->overrides; i++) {
        acpi_override_result_t o;
        if (acpi_override(ch, i, &o, deadline()) != OK)
            break;
        sh_printf(sh, "  %s IRQ %u -> GSI %u, ", o.bus == 0 ? "ISA" : "bus", o.source, o.gsi);
        print_inti(sh, o.flags);
        sh_printf(sh, "\n");
    }
    sh_printf(sh, "NMIs: %u sources, %u local APIC NMIs\n", in->nmi_sources, in->lapic_nmis);
    for (uint32_t i = 0; i < in->nmi_sources; i++) {
        acpi_nmi_source_result_t n;
        if (acpi_nmi_source(ch, i, &n, deadline()) != OK)
            break;
        sh_printf(sh, "  GSI %u, ", n.gsi);
        print_inti(sh, n.flags);
        sh_printf(sh, "\n");
    }
    for (uint32_t i = 0; i < in->lapic_nmis && i < LIST_MAX; i++) {
        acpi_lapic_nmi_result_t n;
        if (acpi_lapic_nmi(ch, i, &n, deadline()) != OK)
            break;
        if (n.uid == ACPI_UID_ALL)
            sh_printf(sh, "  LINT%u of every CPU, ", n.lint);
        else
            sh_printf(sh, "  LINT%u of CPU UID %u, ", n.lint, n.uid);
        print_inti(sh, n.flags);
        sh_printf(sh, "\n");
    }
}

static void print_ecam(sh_t *sh, handle_t ch, const acpi_info_result_t *in)
{
    if (!part_valid(sh, ch, ACPI_PART_MCFG, "ECAM"))
        return;
    sh_printf(sh, "ECAM: %u range%s\n", in->ecam_ranges, in->ecam_ranges == 1 ? "" : "s");
    for (uint32_t i = 0; i < in->ecam_ranges; i++) {
        acpi_ecam_result_t e;
        if (acpi_ecam(ch, i, &e, deadline()) != OK)
            break;
        sh_printf(sh, "  segment %u, buses %u-%u at %#llx\n", e.segment, e.bus_start, e.bus_end,
                  (unsigned long long)e.base);
    }
}

static void print_hpet(sh_t *sh, handle_t ch)
{
    acpi_hpet_result_t h;
    if (!part_valid(sh, ch, ACPI_PART_HPET, "HPET") || acpi_hpet(ch, &h, deadline()) != OK)
        return;
    sh_printf(sh, "HPET: at %#llx, %u comparators, %s counter, vendor %#06x, minimum tick %u%s\n",
              (unsigned long long)h.address, h.comparators, h.counter_64 ? "64-bit" : "32-bit", h.vendor, h.min_tick,
              h.legacy_capable ? ", legacy routing" : "");
}

static void print_fadt(sh_t *sh, handle_t ch)
{
    acpi_fadt_result_t f;
    acpi_s5_result_t s;
    if (part_valid(sh, ch, ACPI_PART_FADT, "FADT") && acpi_fadt(ch, &f, deadline()) == OK) {
        sh_printf(sh, "FADT: revision %u, SCI IRQ %u, DSDT at %#llx\n", f.revision, f.sci_irq,
                  (unsigned long long)f.dsdt);
        sh_printf(sh, "  PM1a_CNT %s %#llx", space_name(f.pm1a_cnt_space), (unsigned long long)f.pm1a_cnt);
        if (f.pm1b_cnt)
            sh_printf(sh, ", PM1b_CNT %s %#llx", space_name(f.pm1b_cnt_space), (unsigned long long)f.pm1b_cnt);
        if (f.pm_tmr)
            sh_printf(sh, ", PM timer %s %#llx", space_name(f.pm_tmr_space), (unsigned long long)f.pm_tmr);
        if (f.reset_supported)
            sh_printf(sh, ", reset %s %#llx <- %#x", space_name(f.reset_space), (unsigned long long)f.reset_address,
                      f.reset_value);
        else
            sh_printf(sh, ", no reset register");
        sh_printf(sh, "\n");
    }
    if (part_valid(sh, ch, ACPI_PART_S5, "S5") && acpi_s5(ch, &s, deadline()) == OK)
        sh_printf(sh, "S5: SLP_TYPa %u, SLP_TYPb %u (from the %s)\n", s.typ_a, s.typ_b, s.table);
}

static void print_dmar(sh_t *sh, handle_t ch)
{
    acpi_dmar_result_t m;
    if (!part_valid(sh, ch, ACPI_PART_DMAR, "DMAR") || acpi_dmar(ch, &m, deadline()) != OK)
        return;
    sh_printf(sh, "DMAR: %u-bit DMA addresses, %u remapping units, %u reserved regions%s\n", m.dma_address_bits,
              m.units, m.rmrrs, m.flags & 1 ? ", interrupt remapping" : "");
    for (uint32_t i = 0; i < m.units && i < LIST_MAX; i++) {
        acpi_dmar_unit_result_t u;
        if (acpi_dmar_unit(ch, i, &u, deadline()) != OK)
            break;
        sh_printf(sh, "  unit at %#llx, segment %u, %s\n", (unsigned long long)u.base, u.segment,
                  u.flags & 1 ? "all devices" : "listed devices");
    }
}

static void print_problems(sh_t *sh, handle_t ch)
{
    for (uint32_t i = 0; i < LIST_MAX; i++) {
        acpi_problem_result_t p;
        if (acpi_problem(ch, i, &p, deadline()) != OK)
            break;
        sh_printf(sh, "%s%s\n", i == 0 ? "problems:\n  " : "  ", p.text);
    }
}

int sh_cmd_acpi(sh_t *sh, int argc, char **argv, bool bg)
{
    (void)argv, (void)bg;
    handle_t ch;
    acpi_info_result_t in;
    if (argc != 1) {
        sh_printf(sh, "usage: acpi\n");
        return SH_STATUS_USAGE;
    }
    if (!connect_to(sh, "acpi", "acpi", &ch))
        return 1;
    int err = acpi_info(ch, &in, deadline());
    if (err != OK) {
        sh_error(sh, "acpi", "no tables", err);
        print_problems(sh, ch);
        sys_handle_close(ch);
        return 1;
    }
    print_tables(sh, ch, &in);
    print_madt(sh, ch, &in);
    print_ecam(sh, ch, &in);
    print_hpet(sh, ch);
    print_fadt(sh, ch);
    print_dmar(sh, ch);
    print_problems(sh, ch);
    sys_handle_close(ch);
    return 0;
}

/* poweroff and reboot: the server answers only if the write did nothing. */
static int power(sh_t *sh, int argc, const char *cmd, const char *doing)
{
    handle_t ch;
    if (argc != 1) {
        sh_printf(sh, "usage: %s\n", cmd);
        return SH_STATUS_USAGE;
    }
    if (!connect_to(sh, cmd, "acpi-power", &ch))
        return 1;
    sh_printf(sh, "%s\n", doing);
    sh_flush(sh);
    /* The console queues what it is given: let it reach the wire first. */
    sys_thread_sleep(libsys_now_ns() + FLUSH_WAIT_NS);
    uint64_t until = libsys_now_ns() + POWER_CALL_NS;
    int err = strcmp(cmd, "poweroff") == 0 ? acpi_poweroff(ch, until) : acpi_reboot(ch, until);
    sys_handle_close(ch);
    if (err == ERR_IO)
        sh_printf(sh, "%s: the machine is still on (the acpi server's log line says what it wrote)\n", cmd);
    else
        sh_printf(sh, "%s: %s (the acpi server's log says why)\n", cmd, cairn_strerror(err));
    return 1;
}

int sh_cmd_poweroff(sh_t *sh, int argc, char **argv, bool bg)
{
    (void)argv, (void)bg;
    return power(sh, argc, "poweroff", "powering off");
}

int sh_cmd_reboot(sh_t *sh, int argc, char **argv, bool bg)
{
    (void)argv, (void)bg;
    return power(sh, argc, "reboot", "rebooting");
}
