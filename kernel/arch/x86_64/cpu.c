/* SPDX-License-Identifier: BSD-2-Clause
 *
 * CPU feature detection (CPUID) and the protections that depend on it.
 * cpu_detect() runs once on the boot CPU before anything consults
 * cpu_features; the kernel never assumes a feature, it asks here and falls
 * back (TCG, for one, has no x2APIC, TSC-deadline or PCID).
 */
#include "arch/cpu.h"
#include "lib/kstring.h"
#include "lib/log.h"

cpu_features_t cpu_features;
extern bool smap_enabled;

static void read_brand(char *out)
{
    uint32_t max_ext, r[4];
    cpuid(0x80000000, 0, &max_ext, &r[1], &r[2], &r[3]);
    if (max_ext < 0x80000004) {
        memcpy(out, "unknown", 8);
        return;
    }
    for (uint32_t i = 0; i < 3; i++) {
        cpuid(0x80000002 + i, 0, &r[0], &r[1], &r[2], &r[3]);
        memcpy(out + i * 16, r, 16);
    }
    out[48] = '\0';
    /* Brand strings are often padded with leading spaces. */
    size_t skip = 0;
    while (out[skip] == ' ')
        skip++;
    memmove(out, out + skip, 49 - skip);
}

void cpu_detect(void)
{
    cpu_features_t *f = &cpu_features;
    uint32_t max, a, b, c, d;

    cpuid(0, 0, &max, &b, &c, &d);
    memcpy(f->vendor, &b, 4);
    memcpy(f->vendor + 4, &d, 4);
    memcpy(f->vendor + 8, &c, 4);
    f->vendor[12] = '\0';

    cpuid(1, 0, &a, &b, &c, &d);
    f->stepping = a & 0xf;
    f->model_id = (a >> 4) & 0xf;
    f->family = (a >> 8) & 0xf;
    if (f->family == 0xf)
        f->family += (a >> 20) & 0xff;
    if (f->family >= 6)
        f->model_id |= ((a >> 16) & 0xf) << 4;
    f->pge = d & (1u << 13);
    f->apic = d & (1u << 9);
    f->pat = d & (1u << 16);
    f->pcid = c & (1u << 17);
    f->x2apic = c & (1u << 21);
    f->tsc_deadline = c & (1u << 24);
    f->xsave = c & (1u << 26);
    f->avx = c & (1u << 28);

    if (max >= 7) {
        cpuid(7, 0, &a, &b, &c, &d);
        f->fsgsbase = b & (1u << 0);
        f->avx2 = b & (1u << 5);
        f->smep = b & (1u << 7);
        f->invpcid = b & (1u << 10);
        f->smap = b & (1u << 20);
        f->umip = c & (1u << 2);
    }

    uint32_t max_ext;
    cpuid(0x80000000, 0, &max_ext, &b, &c, &d);
    if (max_ext >= 0x80000001) {
        cpuid(0x80000001, 0, &a, &b, &c, &d);
        f->nx = d & (1u << 20);
        f->page1gb = d & (1u << 26);
        f->rdtscp = d & (1u << 27);
    }
    f->phys_bits = 36; /* the architectural default without leaf 0x80000008 */
    if (max_ext >= 0x80000008) {
        cpuid(0x80000008, 0, &a, &b, &c, &d);
        if ((a & 0xff) >= 32 && (a & 0xff) <= 52)
            f->phys_bits = a & 0xff;
    }
    if (max_ext >= 0x80000007) {
        cpuid(0x80000007, 0, &a, &b, &c, &d);
        f->invariant_tsc = d & (1u << 8);
    }
    read_brand(f->model);
}

void cpu_print_features(void)
{
    const cpu_features_t *f = &cpu_features;
#define YN(x) ((x) ? "yes" : "no")
    klog(LOG_INFO, "cpu: %s (%s family %u model %u stepping %u)", f->model, f->vendor, f->family,
         f->model_id, f->stepping);
    klog(LOG_INFO,
         "cpu: xsave %s avx %s avx2 %s fsgsbase %s pcid %s x2apic %s tsc-deadline %s "
         "invariant-tsc %s smep %s smap %s umip %s nx %s 1g-pages %s pat %s",
         YN(f->xsave), YN(f->avx), YN(f->avx2), YN(f->fsgsbase), YN(f->pcid), YN(f->x2apic),
         YN(f->tsc_deadline), YN(f->invariant_tsc), YN(f->smep), YN(f->smap), YN(f->umip),
         YN(f->nx), YN(f->page1gb), YN(f->pat));
#undef YN
}

/*
 * SMEP stops the kernel from executing user pages, SMAP from touching them
 * outside the fault-safe copy routines (which will use stac/clac), UMIP
 * hides descriptor-table addresses from user mode. WP makes read-only pages
 * read-only for the kernel too. Turned on per CPU.
 */
void cpu_enable_protections(void)
{
    uint64_t cr4 = read_cr4();
    if (cpu_features.pge)
        cr4 |= CR4_PGE;
    if (cpu_features.smep)
        cr4 |= CR4_SMEP;
    if (cpu_features.smap) {
        cr4 |= CR4_SMAP;
        smap_enabled = true; /* usercopy.S brackets user accesses with stac/clac */
    }
    if (cpu_features.umip)
        cr4 |= CR4_UMIP;
    write_cr4(cr4);
    write_cr0(read_cr0() | CR0_WP);
}

/*
 * Every CPU must hold the same PAT (SDM: "the PAT must be the same on all
 * processors"). Only entry 4 changes, and no mapping uses it yet (nothing
 * has set the PAT bit), so no cache flush is needed; the TLB flush drops
 * any translation cached with the old table all the same. Without PAT the
 * CPU still honours PCD/PWT: write-combining is then refused.
 */
void cpu_init_pat(void)
{
    if (!cpu_features.pat)
        return;
    wrmsr(MSR_PAT, PAT_VALUE);
    write_cr3(read_cr3());
}
