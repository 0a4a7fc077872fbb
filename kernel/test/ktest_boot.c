/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Self-tests of the early kernel: log ring, symbol table, per-CPU data,
 * command line, boot modules, CPU state.
 */
#include "arch/cpu.h"
#include "arch/percpu.h"
#include "init/cmdline.h"
#include "init/multiboot2.h"
#include "lib/backtrace.h"
#include "lib/kstring.h"
#include "lib/log.h"
#include "mm/layout.h"
#include "test/ktest.h"

extern boot_info_t boot_info;

/* A line logged now can be read back from the ring, and a reader that
 * fell behind the ring is moved to the oldest byte still held. */
KTEST(log_ring)
{
    uint64_t start = log_head_seq();
    klog(LOG_INFO, "ktest: log ring marker 7f3a");
    char buf[256];
    uint64_t seq = start;
    size_t n = log_read(&seq, buf, sizeof buf - 1);
    buf[n] = '\0';
    KT_CHECK(n > 0);
    KT_CHECK(seq == start + n);
    bool found = false;
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(buf + i, "7f3a", 4) == 0)
            found = true;
    KT_CHECK(found);

    /* Fill the ring past its size, then read from 0. */
    for (int i = 0; i < (LOG_RING_SIZE / 64) + 8; i++)
        klog(LOG_DEBUG, "ktest: filling the log ring, line %04d ............................", i);
    uint64_t old = 0;
    n = log_read(&old, buf, 16);
    KT_CHECK(n == 16);
    /* It jumped forward past the overwritten bytes to the oldest one held. */
    KT_CHECK(old - 16 > 0);
    KT_CHECK(log_head_seq() - (old - 16) <= LOG_RING_SIZE);
    return OK;
}

KTEST(ksyms_lookup)
{
    uintptr_t off = 99;
    const char *name = ksym_lookup((uintptr_t)ksym_lookup + 3, &off);
    KT_CHECK(name != NULL);
    KT_CHECK(strcmp(name, "ksym_lookup") == 0);
    KT_CHECK(off == 3);
    KT_CHECK(ksym_address("kmain") != 0);
    KT_CHECK(ksym_lookup(0x1000, &off) == NULL);   /* not kernel text */
    KT_CHECK(ksym_lookup(DIRECT_MAP_BASE, &off) == NULL);
    return OK;
}

KTEST(percpu_gs)
{
    percpu_t *p = this_cpu();
    KT_CHECK(p == &percpu_area[0]);
    KT_CHECK(p->self == p);
    KT_CHECK(rdmsr(MSR_GS_BASE) == (uint64_t)p);
    KT_CHECK(p->kstack_top != 0 && p->tss.rsp[0] == p->kstack_top);
    for (int i = 1; i <= IST_COUNT; i++)
        KT_CHECK(p->tss.ist[i - 1] == p->ist_top[i] && p->ist_top[i] != 0);
    return OK;
}

KTEST(cmdline_parse)
{
    const char *spec = cmdline_get("ktest");
    KT_CHECK(spec != NULL);
    KT_CHECK(cmdline_list_contains("a,bb,c", "bb"));
    KT_CHECK(!cmdline_list_contains("a,bb,c", "b"));
    KT_CHECK(!cmdline_list_contains("", "a"));
    KT_CHECK(cmdline_get("no-such-option") == NULL);
    return OK;
}

/*
 * The test runner boots this test with a module named ktest-module.txt whose
 * first line is known: proof that module2 modules arrive intact and are
 * reachable through the direct map.
 */
KTEST(boot_modules)
{
    static const char expect[] = "Cairn boot module test data\n";
    KT_CHECK(boot_info.module_count >= 1);
    const boot_module_t *m = NULL;
    for (size_t i = 0; i < boot_info.module_count; i++)
        if (strncmp(boot_info.modules[i].cmdline, "ktest-module.txt", 16) == 0)
            m = &boot_info.modules[i];
    KT_CHECK(m != NULL);
    KT_CHECK(m->end - m->start >= sizeof expect - 1);
    KT_CHECK(memcmp(phys_to_virt(m->start), expect, sizeof expect - 1) == 0);
    KT_CHECK(strcmp(m->cmdline, "ktest-module.txt arg1 arg2") == 0);
    return OK;
}

KTEST(cpu_state)
{
    KT_CHECK(read_cr0() & CR0_WP);
    if (cpu_features.smep)
        KT_CHECK(read_cr4() & CR4_SMEP);
    if (cpu_features.smap)
        KT_CHECK(read_cr4() & CR4_SMAP);
    if (cpu_features.umip)
        KT_CHECK(read_cr4() & CR4_UMIP);
    if (cpu_features.nx)
        KT_CHECK(rdmsr(MSR_EFER) & EFER_NXE);
    KT_CHECK(read_rflags() & (1u << 9)); /* threads run with interrupts on */
    return OK;
}

/*
 * Manual: the runner sends an NMI through QEMU's monitor once it sees the
 * "waiting" line. The NMI must be reported and the kernel must carry on.
 * If no NMI comes, the run times out (a failure).
 */
KTEST_MANUAL(nmi)
{
    percpu_t *p = this_cpu();
    uint64_t before = p->nmi_count;
    klog(LOG_INFO, "ktest: waiting for an NMI");
    while (__atomic_load_n(&p->nmi_count, __ATOMIC_RELAXED) == before)
        cpu_halt(); /* interrupts are off: only an NMI wakes us */
    KT_CHECK(p->nmi_count == before + 1 || p->nmi_count > before);
    return OK;
}
