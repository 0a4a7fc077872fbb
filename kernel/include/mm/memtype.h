/*
 * Memory types of the physical ranges user space may map (physical vmos).
 *
 * The kernel hands out device memory, never its own RAM, and never lets a
 * physical page be mapped with two memory types at once (the SDM calls
 * aliased types undefined, up to a machine check). What it knows:
 *   - the boot memory map: RAM (available and bad entries) is never given
 *     out; firmware memory (reserved, ACPI, NVS entries) may be mapped
 *     write-back, and only write-back where the kernel's direct map already
 *     covers it (ACPI reclaimable and NVS);
 *   - its own permanent mappings (vm_map_phys): device registers it drives
 *     itself (LAPIC, IOAPICs, HPET) are never given out, firmware tables it
 *     read are write-back only;
 *   - the claims of live physical vmos: one memory type per page at a time.
 * Write-back is only for firmware memory: over a hole of the memory map
 * (device registers, BARs) a user chooses uncached or write-combining.
 *
 * memtype_lock protects the kernel tables and the claim list.
 */
#ifndef MM_MEMTYPE_H
#define MM_MEMTYPE_H

#include "types.h"
#include "init/multiboot2.h"
#include "lib/list.h"

/* A live physical vmo's claim: [start, end) with one VMO_CACHE_* type. */
typedef struct memtype_claim {
    list_node_t link; /* in the claim list while claimed */
    paddr_t start, end;
    uint32_t cache;
} memtype_claim_t;

/* Record the memory map's RAM and firmware ranges (boot, once). */
void memtype_init(const boot_info_t *bi);
/* A permanent kernel mapping of [start, end): device registers (uncached)
 * or firmware tables (write-back). */
void memtype_note_kernel(paddr_t start, paddr_t end, bool device);

/*
 * May a user map [start, end) (page aligned, non-empty) with `cache`?
 * OK, or ERR_ACCESS_DENIED with a log line naming `who`: RAM, registers
 * the kernel drives, write-back outside firmware memory, uncached or
 * write-combining over memory the kernel maps write-back.
 */
int memtype_check(paddr_t start, paddr_t end, uint32_t cache, const char *who);
/* Claim [start, end) for `cache`: ERR_ALREADY_EXISTS when a live claim
 * with another type overlaps it (nothing claimed), else OK. */
int memtype_claim(memtype_claim_t *c, paddr_t start, paddr_t end, uint32_t cache);
void memtype_release(memtype_claim_t *c);

/* The PTE bits (PCD, PWT, PAT in the 4 KiB encoding of mm/pt.h) selecting
 * `cache` under the PAT layout of arch/cpu.h. */
uint64_t memtype_pte_bits(uint32_t cache);

#endif
