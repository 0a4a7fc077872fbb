/*
 * Thin wrappers over x86_64 instructions the kernel needs (port I/O, MSRs,
 * control registers, CPUID, TSC). Nothing here has policy; it exists so that
 * inline assembly lives in one place.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include "types.h"

#define MSR_EFER 0xc0000080
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_PAT 0x277

#define EFER_NXE (1u << 11)

/*
 * The page attribute table as cpu_init_pat programs it on every CPU. A
 * leaf's memory type is entry PAT << 2 | PCD << 1 | PWT (SDM vol. 3,
 * "Page Attribute Table"). Entries 0-3 keep their power-on types, so PCD
 * and PWT alone mean what they always meant (PCD|PWT = UC for the kernel's
 * device registers); entry 4 (power-on WB, used by no mapping before this
 * is written) becomes write-combining:
 *     0 WB  1 WT  2 UC-  3 UC  4 WC  5 WT  6 UC-  7 UC
 */
#define PAT_VALUE 0x0007040100070406ull

#define CR0_WP (1ul << 16)
#define CR4_PGE (1ul << 7)
#define CR4_UMIP (1ul << 11)
#define CR4_FSGSBASE (1ul << 16)
#define CR4_SMEP (1ul << 20)
#define CR4_SMAP (1ul << 21)

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n)                                                           \
    static inline uint64_t read_cr##n(void)                                    \
    {                                                                          \
        uint64_t v;                                                            \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                      \
        return v;                                                              \
    }                                                                          \
    static inline void write_cr##n(uint64_t v) { __asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void invlpg(vaddr_t va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause"); }
static inline void cpu_cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void cpu_halt(void) { __asm__ volatile("hlt" ::: "memory"); }

static inline uint64_t read_rflags(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f;
}

NORETURN static inline void cpu_halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* CPU features the kernel cares about, detected once by cpu_detect(). */
typedef struct cpu_features {
    char vendor[13];
    char model[49];
    uint32_t family, model_id, stepping;
    uint32_t phys_bits; /* MAXPHYADDR */
    bool nx, pge, xsave, avx, avx2, fsgsbase, pcid, invpcid, x2apic;
    bool tsc_deadline, invariant_tsc, smep, smap, umip, page1gb, rdtscp, apic, pat;
} cpu_features_t;

extern cpu_features_t cpu_features;

void cpu_detect(void);
void cpu_print_features(void);
void cpu_enable_protections(void);
/* Program IA32_PAT with PAT_VALUE (every CPU, before any user mapping). */
void cpu_init_pat(void);

#endif
