/* SPDX-License-Identifier: BSD-2-Clause
 *
 * FPU state management. XCR0 enables x87, SSE and (when present) AVX; the
 * save area size comes from CPUID leaf 0xD for that XCR0. A template taken
 * right after FNINIT with the default MXCSR is copied into every new
 * thread, so threads never see each other's registers.
 */
#include "arch/fpu.h"
#include "arch/cpu.h"
#include "lib/kstring.h"
#include "lib/panic.h"
#include "mm/kheap.h"

#define CR0_MP (1ul << 1)
#define CR0_EM (1ul << 2)
#define CR0_TS (1ul << 3)
#define CR4_OSFXSR (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)
#define CR4_OSXSAVE (1ul << 18)
#define XCR0_X87 1u
#define XCR0_SSE 2u
#define XCR0_AVX 4u

static size_t area_size = 512;
static uint64_t xcr0;
static void *template_state;

static void xsetbv(uint32_t reg, uint64_t v)
{
    __asm__ volatile("xsetbv" ::"c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_init_cpu(void)
{
    write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
    uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (cpu_features.xsave)
        cr4 |= CR4_OSXSAVE;
    write_cr4(cr4);
    if (cpu_features.xsave) {
        xcr0 = XCR0_X87 | XCR0_SSE | (cpu_features.avx ? XCR0_AVX : 0);
        xsetbv(0, xcr0);
    }
}

void fpu_init_template(void)
{
    if (cpu_features.xsave) {
        uint32_t a, b, c, d;
        cpuid(0xd, 0, &a, &b, &c, &d);
        area_size = ALIGN_UP((size_t)b, 64); /* EBX: size for the XCR0 just set */
    }
    template_state = kzalloc(area_size);
    if (!template_state)
        panic("fpu: no memory for the initial FPU state");
    uint32_t mxcsr = 0x1f80; /* all exceptions masked, round to nearest */
    __asm__ volatile("fninit; ldmxcsr %0" ::"m"(mxcsr));
    fpu_save(template_state);
}

size_t fpu_area_size(void)
{
    return area_size;
}

void *fpu_alloc_state(void)
{
    void *a = kmalloc(area_size); /* >= 64-byte aligned (heap classes >= 64) */
    if (a)
        memcpy(a, template_state, area_size);
    return a;
}

void fpu_free_state(void *area)
{
    kfree(area);
}

void fpu_save(void *area)
{
    if (cpu_features.xsave)
        __asm__ volatile("xsave64 (%0)" ::"r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)) : "memory");
    else
        __asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

void fpu_restore(const void *area)
{
    if (cpu_features.xsave)
        __asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)) : "memory");
    else
        __asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}
