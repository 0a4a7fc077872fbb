/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The machine as a whole, for system monitors (system_info): memory, CPUs,
 * uptime, how many processes and threads are alive. Every field is a
 * snapshot taken without stopping anything, so two fields may disagree by
 * whatever changed while they were read.
 */
#ifndef ABI_SYSINFO_H
#define ABI_SYSINFO_H

#include <stdint.h>

typedef struct system_info {
    uint64_t mem_total;    /* bytes of RAM the kernel's page allocator manages */
    uint64_t mem_free;     /* of those, bytes not allocated */
    uint64_t kheap_bytes;  /* bytes of pages held by the kernel's general heap (kmalloc) */
    uint64_t uptime_ns;    /* the clock_get clock */
    uint32_t cpus;         /* CPUs running */
    uint32_t processes;    /* processes created and not yet finished */
    uint32_t threads;      /* threads of user processes not yet reaped */
    uint32_t reserved;     /* 0 */
} system_info_t;

#endif
