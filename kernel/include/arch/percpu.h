/*
 * Per-CPU data, reached through the GS base: GS:0 holds a pointer to the
 * structure itself, so this_cpu() is one load and works in any context
 * (interrupts, exceptions) without knowing the CPU number. Each CPU owns its
 * GDT (its TSS descriptor differs), its TSS and its interrupt stacks.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#define MAX_CPUS 64

/* GDT selectors. The order user data, user code follows SYSRET's rules
 * (SS = STAR[63:48] + 8, CS = STAR[63:48] + 16). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE32 0x18
#define SEL_UDATA 0x20
#define SEL_UCODE 0x28
#define SEL_TSS 0x30
#define GDT_ENTRIES 8

/* Interrupt stack table slots (1-based in the IDT). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_COUNT 3

/* Offsets used by assembly (syscall entry); checked below. */
#define PERCPU_KSTACK_TOP 16
#define PERCPU_USER_RSP 24

#ifndef __ASSEMBLER__
#include "types.h"

#define IOMAP_BYTES 8192
#define IOMAP_DENY 0xffff /* iomap_base past the TSS limit: no port allowed */

typedef struct PACKED tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} tss_t;

typedef struct percpu {
    struct percpu *self; /* must stay first: this_cpu() reads %gs:0 */
    uint32_t cpu_id;
    uint32_t apic_id;
    vaddr_t kstack_top;    /* stack of the code running now (boot or thread) */
    uint64_t user_rsp;     /* scratch for the syscall entry */
    int trap_depth;        /* nested exception reports, to stop recursion */
    uint64_t nmi_count;
    struct thread *current; /* the thread running on this CPU */
    struct aspace *cur_as;  /* user address space loaded, NULL: kernel's */
    bool sync_wake;         /* the running thread is about to block: wake onto this CPU */
    struct thread *handoff; /* run this one next if it is still ready here */
    volatile bool need_resched;
    uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
    tss_t tss __attribute__((aligned(16)));
    /* The I/O permission bitmap must follow the TSS (its offset is
     * tss.iomap_base); one bit per port, 0 = allowed, plus the 0xff byte
     * the CPU may read past the end. Holds the ports of io_owner/io_gen. */
    uint8_t iomap[IOMAP_BYTES + 1];
    uint64_t io_owner;      /* process id whose ports iomap holds, 0 none */
    uint64_t io_gen;
    vaddr_t ist_top[IST_COUNT + 1];
} percpu_t;

_Static_assert(__builtin_offsetof(percpu_t, kstack_top) == PERCPU_KSTACK_TOP, "percpu layout");
_Static_assert(__builtin_offsetof(percpu_t, user_rsp) == PERCPU_USER_RSP, "percpu layout");
_Static_assert(__builtin_offsetof(percpu_t, iomap) == __builtin_offsetof(percpu_t, tss) + sizeof(tss_t),
               "the I/O bitmap must follow the TSS");

/*
 * Read one per-CPU field with a single %gs-relative load. Threads can be
 * preempted and moved to another CPU between two instructions, so
 * this_cpu()->field (two loads) may read another CPU's field when
 * interrupts are on; fields that preemptible code reads use this.
 */
#define PERCPU_READ64(field)                                                   \
    ({                                                                         \
        uint64_t v_;                                                           \
        __asm__ volatile("movq %%gs:%c1, %0" : "=r"(v_) : "i"(__builtin_offsetof(percpu_t, field))); \
        v_;                                                                    \
    })

static inline percpu_t *this_cpu(void)
{
    percpu_t *p;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(p));
    return p;
}

extern percpu_t percpu_area[MAX_CPUS];

/* Set up CPU number `id` (its GDT, TSS and GS base) on the calling CPU. */
void percpu_init(uint32_t id);
/* First thing in kmain: a GS base under which the boot CPU's locks work
 * before percpu_init (lib/spinlock.h reads the CPU id through GS). */
void percpu_early_gs(void);
bool percpu_ready(void);
/* Give the CPU its guarded interrupt stacks (needs the kernel page tables). */
void percpu_init_ist(void);
static inline void percpu_set_kernel_stack(vaddr_t top)
{
    percpu_t *p = this_cpu();
    p->kstack_top = top;
    p->tss.rsp[0] = top;
}

#endif /* __ASSEMBLER__ */
#endif
