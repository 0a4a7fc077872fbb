/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Per-CPU structures, GDT and TSS. percpu_init() runs on each CPU as it
 * comes up (only the boot CPU in this issue): it fills in the CPU's own GDT
 * with its TSS descriptor, loads them, and points GS at its percpu_t.
 */
#include "arch/percpu.h"
#include "arch/cpu.h"
#include "lib/kassert.h"
#include "lib/kstring.h"
#include "mm/kstack.h"

percpu_t percpu_area[MAX_CPUS];
volatile bool percpu_bsp_ready; /* lib/spinlock.h reads it inline */

#define DESC_CODE64 0x00af9a000000ffffull  /* P, DPL0, code, L */
#define DESC_DATA 0x00cf92000000ffffull    /* P, DPL0, data, writable */
#define DPL3 (3ull << 45)

static void gdt_set_tss(uint64_t *gdt, const tss_t *tss)
{
    uint64_t base = (uint64_t)tss, limit = sizeof(tss_t) + IOMAP_BYTES; /* bitmap + terminator */
    gdt[SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
                       (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[SEL_TSS / 8 + 1] = base >> 32;
}

static void load_gdt(percpu_t *p)
{
    struct PACKED {
        uint16_t limit;
        uint64_t base;
    } ptr = {sizeof p->gdt - 1, (uint64_t)p->gdt};
    __asm__ volatile("lgdt %0\n"
                     "pushq %1\n"
                     "leaq 1f(%%rip), %%rax\n"
                     "pushq %%rax\n"
                     "lretq\n"
                     "1:\n"
                     "movw %w2, %%ds\n"
                     "movw %w2, %%es\n"
                     "movw %w2, %%ss\n"
                     :
                     : "m"(ptr), "i"(SEL_KCODE), "r"(SEL_KDATA)
                     : "rax", "memory");
    /* Loading FS/GS selectors would clear the bases: use null selectors
     * before the GS base is written. */
    __asm__ volatile("movw %w0, %%fs\nmovw %w0, %%gs" ::"r"(0));
    __asm__ volatile("ltr %w0" ::"r"(SEL_TSS));
}

void percpu_early_gs(void)
{
    /* percpu_area is zeroed (BSS): cpu_id reads 0 for spin_my_cpu. */
    wrmsr(MSR_GS_BASE, (uint64_t)&percpu_area[0]);
}

void percpu_init(uint32_t id)
{
    kassert(id < MAX_CPUS);
    percpu_t *p = &percpu_area[id];
    memset(p, 0, sizeof *p);
    p->self = p;
    p->cpu_id = id;
    p->gdt[SEL_KCODE / 8] = DESC_CODE64;
    p->gdt[SEL_KDATA / 8] = DESC_DATA;
    p->gdt[SEL_UDATA / 8] = DESC_DATA | DPL3;
    p->gdt[SEL_UCODE / 8] = DESC_CODE64 | DPL3;
    /* No process's ports yet: an iomap_base past the limit denies all. */
    p->tss.iomap_base = IOMAP_DENY;
    p->iomap[IOMAP_BYTES] = 0xff;
    gdt_set_tss(p->gdt, &p->tss);
    load_gdt(p);
    wrmsr(MSR_GS_BASE, (uint64_t)p);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    if (id == 0)
        percpu_bsp_ready = true;
}

bool percpu_ready(void)
{
    return percpu_bsp_ready;
}

void percpu_init_ist(void)
{
    percpu_t *p = this_cpu();
    for (int i = 1; i <= IST_COUNT; i++) {
        vaddr_t top = kstack_alloc();
        if (!top)
            panic("percpu: no memory for interrupt stacks of cpu %u", p->cpu_id);
        p->ist_top[i] = top;
        p->tss.ist[i - 1] = top;
    }
}

