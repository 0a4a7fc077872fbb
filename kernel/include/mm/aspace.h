/*
 * User address spaces. Each has its own PML4 whose upper half is shared
 * with the kernel (every kernel-half PML4 entry is populated at boot, so
 * all address spaces see every later kernel mapping). The lower half holds
 * mappings of vmos, at most one per address range, W^X enforced.
 *
 * aspace->lock protects the mapping list and the lower-half page tables;
 * a vmo's lock (its list of mappings) nests inside it. Unmapping sends a
 * TLB shootdown to every other CPU that has this address space loaded
 * before the mapping's pages can be reused. An address space is counted:
 * its process holds one reference, a revocation unmapping a vmo from it
 * holds another while it works.
 */
#ifndef MM_ASPACE_H
#define MM_ASPACE_H

#include "types.h"
#include "lib/list.h"
#include "lib/spinlock.h"
#include "obj/vmo.h"

#define USER_BASE 0x10000ull             /* the lowest pages stay unmapped: null pointers fault */
#define USER_TOP 0x00007ffffffff000ull    /* exclusive; the last page stays unmapped (sysret) */

#define MAP_READ (1u << 0)
#define MAP_WRITE (1u << 1)
#define MAP_EXEC (1u << 2)
#define MAP_FIXED (1u << 3)              /* at exactly the given address */

struct aspace;

typedef struct mapping {
    list_node_t link;  /* in aspace->mappings, sorted by va */
    list_node_t vmo_link; /* in vmo->mappings (under vmo->lock) */
    struct aspace *as; /* the address space it is in */
    vaddr_t va;
    uint64_t len;
    vmo_t *vmo;        /* a reference */
    uint64_t offset;
    uint32_t perms;
    uint32_t max_perms; /* perms at map time: protect stays within them */
    bool dying;         /* unmapped, waiting for the TLB shootdown (aspace.c) */
    const void *reaper; /* dying: the unmap that marked it, and will free it */
} mapping_t;

typedef struct aspace {
    spinlock_t lock;
    uint32_t refs;     /* atomic: its process, and revocations at work on it */
    paddr_t root;
    list_t mappings;
    uint64_t active_cpus; /* bit per CPU that has this root loaded (atomic) */
    paddr_t deferred_tables; /* emptied page tables awaiting a shootdown */
} aspace_t;

int aspace_create(aspace_t **out);
/* Unmap everything (the process is dead); the tables' root stays. */
void aspace_clear(aspace_t *as);
/* Clear, and drop the process's reference (the last one frees it). */
void aspace_destroy(aspace_t *as);

int aspace_map(aspace_t *as, vaddr_t va, vmo_t *vmo, uint64_t offset, uint64_t len, uint32_t flags,
               vaddr_t *out);
int aspace_unmap(aspace_t *as, vaddr_t va, uint64_t len);
int aspace_protect(aspace_t *as, vaddr_t va, uint64_t len, uint32_t perms);

/* Unmap v from every address space, with the TLB shootdowns, once
 * v->revoked refuses new mappings; returns how many mappings went. */
size_t aspace_revoke_vmo(vmo_t *v);

/* The translation of va: physical address and PTE flags in the 4 KiB
 * encoding of mm/pt.h (for self-tests). ERR_NOT_FOUND when unmapped. */
int aspace_query(aspace_t *as, vaddr_t va, paddr_t *pa, uint64_t *flags);

/* Bytes of the live mappings (a vmo mapped twice counts twice). */
uint64_t aspace_mapped_bytes(aspace_t *as);

/* Load as (or the kernel's tables when NULL) on this CPU. */
void aspace_switch(aspace_t *from, aspace_t *to);
/* Is [va, va+len) inside user space (no overflow)? */
static inline bool user_range_ok(vaddr_t va, size_t len)
{
    return va >= USER_BASE && va <= USER_TOP && len <= USER_TOP - va;
}

void aspace_init(void);

#endif
