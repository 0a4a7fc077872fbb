/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Fake physical memory, the table builder, the q35-like machine and the
 * run harness of acpi_srv_fixture.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_srv_fixture.h"
#include "check.h"

/* ---- fake physical memory ------------------------------------------------ */

fake_phys_t FP;

void fp_reset(void)
{
    for (size_t i = 0; i < FP.n; i++)
        free(FP.r[i].buf);
    memset(&FP, 0, sizeof FP);
}

void fp_add(uint64_t pa, const void *data, size_t len)
{
    if (FP.n == FAKE_REGIONS || len == 0)
        abort();
    for (size_t i = 0; i < FP.n; i++) {
        if (pa < FP.r[i].pa + FP.r[i].len && FP.r[i].pa < pa + len)
            abort(); /* the test's layout is broken, not the parser */
    }
    uint8_t *b = malloc(len);
    if (b == NULL)
        abort();
    memcpy(b, data, len);
    FP.r[FP.n++] = (fake_region_t){pa, len, b};
}

static int fp_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
    (void)ctx;
    FP.reads++;
    if (len == 0 || pa > UINT64_MAX - (len - 1))
        abort(); /* the loader promises never to ask for these */
    for (size_t i = 0; i < FP.n; i++) {
        const fake_region_t *r = &FP.r[i];
        if (pa < r->pa || pa - r->pa > r->len || len > r->len - (pa - r->pa))
            continue;
        memcpy(buf, r->buf + (pa - r->pa), len);
        return OK;
    }
    FP.misses++;
    return ERR_NOT_FOUND;
}

static void fp_report(void *ctx, const char *msg)
{
    (void)ctx;
    if (strlen(msg) >= ACPI_ERR_MAX)
        abort();
    if (FP.nreports < 32)
        snprintf(FP.reports[FP.nreports++], ACPI_ERR_MAX, "%s", msg);
}

const acpi_phys_t PHYS = {NULL, fp_read, fp_report};

/* ---- table builder ------------------------------------------------------- */

void t_bytes(tbl_t *t, const void *p, size_t n)
{
    if (t->len + n > sizeof t->b)
        abort();
    memcpy(t->b + t->len, p, n);
    t->len += n;
}

void t_zeros(tbl_t *t, size_t n)
{
    if (t->len + n > sizeof t->b)
        abort();
    memset(t->b + t->len, 0, n);
    t->len += n;
}

void t_u8(tbl_t *t, uint8_t v) { t_bytes(t, &v, 1); }

void t_u16(tbl_t *t, uint16_t v)
{
    t_u8(t, (uint8_t)v);
    t_u8(t, (uint8_t)(v >> 8));
}

void t_u32(tbl_t *t, uint32_t v)
{
    t_u16(t, (uint16_t)v);
    t_u16(t, (uint16_t)(v >> 16));
}

void t_u64(tbl_t *t, uint64_t v)
{
    t_u32(t, (uint32_t)v);
    t_u32(t, (uint32_t)(v >> 32));
}

void t_put32(tbl_t *t, size_t off, uint32_t v)
{
    if (off + 4 > t->len)
        abort();
    for (int i = 0; i < 4; i++)
        t->b[off + i] = (uint8_t)(v >> (8 * i));
}

void t_put64(tbl_t *t, size_t off, uint64_t v)
{
    t_put32(t, off, (uint32_t)v);
    t_put32(t, off + 4, (uint32_t)(v >> 32));
}

void sdt_begin(tbl_t *t, const char *sig, uint8_t rev)
{
    t->len = 0;
    t_bytes(t, sig, 4);
    t_u32(t, 0);   /* length, by sdt_seal */
    t_u8(t, rev);
    t_u8(t, 0);    /* checksum */
    t_bytes(t, "CAIRN ", 6);
    t_bytes(t, "TESTTBL ", 8);
    t_u32(t, 1);   /* OEM revision */
    t_bytes(t, "CRN ", 4);
    t_u32(t, 1);   /* creator revision */
}

void sdt_resum(tbl_t *t)
{
    uint8_t s = 0;
    t->b[9] = 0;
    for (size_t i = 0; i < t->len; i++)
        s = (uint8_t)(s + t->b[i]);
    t->b[9] = (uint8_t)-s;
}

void sdt_set_len(tbl_t *t, uint32_t len)
{
    t_put32(t, 4, len);
    sdt_resum(t);
}

void sdt_seal(tbl_t *t) { sdt_set_len(t, (uint32_t)t->len); }

void madt_begin(tbl_t *t, uint32_t lapic, uint32_t flags)
{
    sdt_begin(t, "APIC", 3);
    t_u32(t, lapic);
    t_u32(t, flags);
}

void e_lapic(tbl_t *t, uint8_t uid, uint8_t id, uint32_t flags)
{
    t_u8(t, 0), t_u8(t, 8), t_u8(t, uid), t_u8(t, id), t_u32(t, flags);
}

void e_ioapic(tbl_t *t, uint8_t id, uint32_t addr, uint32_t gsi)
{
    t_u8(t, 1), t_u8(t, 12), t_u8(t, id), t_u8(t, 0), t_u32(t, addr), t_u32(t, gsi);
}

void e_iso(tbl_t *t, uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    t_u8(t, 2), t_u8(t, 10), t_u8(t, bus), t_u8(t, irq), t_u32(t, gsi), t_u16(t, flags);
}

void e_nmi_src(tbl_t *t, uint16_t flags, uint32_t gsi)
{
    t_u8(t, 3), t_u8(t, 8), t_u16(t, flags), t_u32(t, gsi);
}

void e_lapic_nmi(tbl_t *t, uint8_t uid, uint16_t flags, uint8_t lint)
{
    t_u8(t, 4), t_u8(t, 6), t_u8(t, uid), t_u16(t, flags), t_u8(t, lint);
}

void e_lapic_addr(tbl_t *t, uint64_t addr)
{
    t_u8(t, 5), t_u8(t, 12), t_u16(t, 0), t_u64(t, addr);
}

void e_x2apic(tbl_t *t, uint32_t id, uint32_t flags, uint32_t uid)
{
    t_u8(t, 9), t_u8(t, 16), t_u16(t, 0), t_u32(t, id), t_u32(t, flags), t_u32(t, uid);
}

void e_x2nmi(tbl_t *t, uint16_t flags, uint32_t uid, uint8_t lint)
{
    t_u8(t, 10), t_u8(t, 12), t_u16(t, flags), t_u32(t, uid), t_u8(t, lint), t_zeros(t, 3);
}

void e_raw(tbl_t *t, uint8_t type, uint8_t len)
{
    t_u8(t, type), t_u8(t, len);
    if (len > 2)
        t_zeros(t, len - 2u);
}

void t_gas(tbl_t *t, uint8_t space, uint8_t width, uint8_t offset, uint8_t access, uint64_t addr)
{
    t_u8(t, space), t_u8(t, width), t_u8(t, offset), t_u8(t, access), t_u64(t, addr);
}

void fadt_build(tbl_t *t, uint32_t len, uint32_t dsdt, uint64_t x_dsdt, bool x_pm)
{
    sdt_begin(t, "FACP", len >= 244 ? 3 : 1);
    t_u32(t, 0x7fdf000);          /* 36 FIRMWARE_CTRL */
    t_u32(t, dsdt);               /* 40 DSDT */
    t_u8(t, 0), t_u8(t, 0);       /* 44 reserved, preferred PM profile */
    t_u16(t, 9);                  /* 46 SCI_INT */
    t_u32(t, 0xb2);               /* 48 SMI_CMD */
    t_u8(t, 0xf1), t_u8(t, 0xf0); /* 52 ACPI_ENABLE, ACPI_DISABLE */
    t_u8(t, 0), t_u8(t, 0);       /* 54 S4BIOS_REQ, PSTATE_CNT */
    t_u32(t, 0x600);              /* 56 PM1a_EVT_BLK */
    t_u32(t, 0);                  /* 60 PM1b_EVT_BLK */
    t_u32(t, 0x604);              /* 64 PM1a_CNT_BLK */
    t_u32(t, 0);                  /* 68 PM1b_CNT_BLK */
    t_u32(t, 0);                  /* 72 PM2_CNT_BLK */
    t_u32(t, 0x608);              /* 76 PM_TMR_BLK */
    t_u32(t, 0x620), t_u32(t, 0); /* 80 GPE0_BLK, GPE1_BLK */
    t_u8(t, 4), t_u8(t, 2), t_u8(t, 0), t_u8(t, 4); /* 88 PM1_EVT_LEN, PM1_CNT_LEN, PM2, PM_TMR_LEN */
    t_u8(t, 16), t_u8(t, 0), t_u8(t, 0), t_u8(t, 0); /* 92 GPE0/1 lengths, GPE1_BASE, CST_CNT */
    t_u16(t, 0xfff), t_u16(t, 0xfff);               /* 96 P_LVL2/3_LAT */
    t_zeros(t, 4 + 2 + 3);        /* 100 FLUSH_*, DUTY_*, alarms; 109 below */
    t_u16(t, 0);                  /* 109 IAPC_BOOT_ARCH */
    t_u8(t, 0);                   /* 111 reserved */
    t_u32(t, len > 116 ? 0xa5 | ACPI_FADT_RESET_REG_SUP : 0xa5); /* 112 flags */
    if (len <= 116) {
        sdt_seal(t);
        return;
    }
    t_gas(t, ACPI_SPACE_IO, 8, 0, 0, 0xcf9); /* 116 RESET_REG */
    t_u8(t, 0xf);                 /* 128 RESET_VALUE */
    t_zeros(t, 3);                /* 129 ARM_BOOT_ARCH, minor version */
    t_u64(t, 0);                  /* 132 X_FIRMWARE_CTRL */
    t_u64(t, x_dsdt);             /* 140 X_DSDT */
    if (x_pm) {
        t_gas(t, ACPI_SPACE_IO, 32, 0, 0, 0x600); /* 148 X_PM1a_EVT_BLK */
        t_gas(t, 0, 0, 0, 0, 0);                  /* 160 X_PM1b_EVT_BLK */
        t_gas(t, ACPI_SPACE_IO, 16, 0, 0, 0x604); /* 172 X_PM1a_CNT_BLK */
        t_gas(t, 0, 0, 0, 0, 0);                  /* 184 X_PM1b_CNT_BLK */
        t_gas(t, 0, 0, 0, 0, 0);                  /* 196 X_PM2_CNT_BLK */
        t_gas(t, ACPI_SPACE_IO, 32, 0, 0, 0x608); /* 208 X_PM_TMR_BLK */
    } else {
        t_zeros(t, 6 * 12);
    }
    t_zeros(t, 2 * 12);           /* 220 X_GPE0/1_BLK */
    while (t->len < len)
        t_u8(t, 0);
    sdt_seal(t);
}

const uint8_t AML_S5_QEMU[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
const size_t AML_S5_QEMU_LEN = sizeof AML_S5_QEMU;

void dsdt_build(tbl_t *t, const char *sig, const uint8_t *aml, size_t n)
{
    /* Scope(\_SB) { Name(_S4_, ...) lookalikes } around it, so the scan
     * has to skip near misses. */
    static const uint8_t before[] = {0x10, 0x0a, '\\', '_', 'S', 'B', '_', 0x08, '_', 'S', '4', '_', 0x0a, 0x04,
                                     0x70, '_', 'S', '5', '_', 0x60};
    static const uint8_t after[] = {0x14, 0x08, '_', 'P', 'T', 'S', 0x01, 0x70, 0x68, 0x60};
    sdt_begin(t, sig, 1);
    t_bytes(t, before, sizeof before);
    t_bytes(t, aml, n);
    t_bytes(t, after, sizeof after);
    sdt_seal(t);
}

void hpet_build(tbl_t *t, uint8_t space, uint64_t base, uint32_t id)
{
    sdt_begin(t, "HPET", 1);
    t_u32(t, id);
    t_gas(t, space, 0, 0, 0, base);
    t_u8(t, 0);      /* HPET number */
    t_u16(t, 0x80);  /* minimum tick */
    t_u8(t, 0);      /* page protection */
    sdt_seal(t);
}

void mcfg_begin(tbl_t *t)
{
    sdt_begin(t, "MCFG", 1);
    t_u64(t, 0);
}

void mcfg_entry(tbl_t *t, uint64_t base, uint16_t seg, uint8_t start, uint8_t end)
{
    t_u64(t, base), t_u16(t, seg), t_u8(t, start), t_u8(t, end), t_u32(t, 0);
}

size_t rsdp_build(uint8_t *r, unsigned rev, uint32_t rsdt, uint64_t xsdt)
{
    size_t n = rev >= 2 ? 36 : 20;
    memset(r, 0, 36);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "BOCHS ", 6);
    r[15] = (uint8_t)rev;
    for (int i = 0; i < 4; i++)
        r[16 + i] = (uint8_t)(rsdt >> (8 * i));
    if (rev >= 2) {
        r[20] = 36;
        for (int i = 0; i < 8; i++)
            r[24 + i] = (uint8_t)(xsdt >> (8 * i));
    }
    uint8_t s = 0;
    for (int i = 0; i < 20; i++)
        s = (uint8_t)(s + r[i]);
    r[8] = (uint8_t)-s;
    if (rev >= 2) {
        s = 0;
        for (int i = 0; i < 36; i++)
            s = (uint8_t)(s + r[i]);
        r[32] = (uint8_t)-s;
    }
    return n;
}

/* ---- a QEMU q35-like machine ------------------------------------------- */

machine_t G;

static void root_build(tbl_t *t, const char *sig, const uint64_t *e, size_t n)
{
    sdt_begin(t, sig, 1);
    for (size_t i = 0; i < n; i++) {
        if (sig[0] == 'X')
            t_u64(t, e[i]);
        else
            t_u32(t, (uint32_t)e[i]);
    }
    sdt_seal(t);
}

void set_rsdt(const uint64_t *e, size_t n) { root_build(&G.rsdt, "RSDT", e, n); }
void set_xsdt(const uint64_t *e, size_t n) { root_build(&G.xsdt, "XSDT", e, n); }

void build_q35(void)
{
    memset(&G, 0, sizeof G);
    fadt_build(&G.facp, 244, DSDT_PA, 0, false);
    dsdt_build(&G.dsdt, "DSDT", AML_S5_QEMU, AML_S5_QEMU_LEN);
    madt_begin(&G.madt, 0xfee00000, 1);
    for (uint8_t i = 0; i < 4; i++)
        e_lapic(&G.madt, i, i, 1);
    e_ioapic(&G.madt, 0, 0xfec00000, 0);
    e_iso(&G.madt, 0, 0, 2, 0);
    e_iso(&G.madt, 0, 5, 5, 0xd);
    e_iso(&G.madt, 0, 9, 9, 0xd);
    e_iso(&G.madt, 0, 10, 10, 0xd);
    e_iso(&G.madt, 0, 11, 11, 0xd);
    e_lapic_nmi(&G.madt, 0xff, 0, 1);
    sdt_seal(&G.madt);
    hpet_build(&G.hpet, ACPI_SPACE_MEMORY, 0xfed00000, 0x8086a201);
    mcfg_begin(&G.mcfg);
    mcfg_entry(&G.mcfg, 0xb0000000, 0, 0, 255);
    sdt_seal(&G.mcfg);
    uint64_t e[] = {FACP_PA, MADT_PA, HPET_PA, MCFG_PA};
    set_rsdt(e, 4);
}

void load_machine(unsigned rev)
{
    uint8_t r[36];
    fp_reset();
    const struct { uint64_t pa; const tbl_t *t; } all[] = {
        {FACP_PA, &G.facp}, {DSDT_PA, &G.dsdt}, {MADT_PA, &G.madt}, {HPET_PA, &G.hpet},
        {MCFG_PA, &G.mcfg}, {RSDT_PA, &G.rsdt}, {XSDT_PA, &G.xsdt}};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (all[i].t->len > 0)
            fp_add(all[i].pa, all[i].t->b, all[i].t->len);
    }
    size_t n = rsdp_build(r, rev, G.rsdt.len ? RSDT_PA : 0, G.xsdt.len ? XSDT_PA : 0);
    fp_add(RSDP_PA, r, n);
}

/* ---- running ---------------------------------------------------------------- */

run_t R;

int run_load(void)
{
    acpi_tables_free(&R.t);
    memset(&R.e, 0, sizeof R.e);
    memset(&R.p, 0, sizeof R.p);
    R.rc = acpi_load(&PHYS, RSDP_PA, &R.t, &R.e);
    if (R.rc == OK)
        acpi_platform_build(&R.t, &R.p);
    return R.rc;
}

bool saw_problem(const char *needle)
{
    for (size_t i = 0; i < R.t.nproblems; i++) {
        if (strstr(R.t.problems[i], needle))
            return true;
    }
    printf("  no problem line contains \"%s\"; there are:\n", needle);
    for (size_t i = 0; i < R.t.nproblems; i++)
        printf("    %s\n", R.t.problems[i]);
    return false;
}

bool has(const char *text, const char *needle)
{
    if (strstr(text, needle))
        return true;
    printf("  \"%s\" does not contain \"%s\"\n", text, needle);
    return false;
}
