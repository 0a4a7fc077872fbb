/*
 * Virtual memory objects: physical pages that processes map. Three kinds:
 *   anonymous   zeroed pages allocated at creation (eagerly: no demand
 *               paging yet, so a mapping never faults for want of memory),
 *               charged to the creator's memory quota, freed with the vmo;
 *   contiguous  one physically contiguous, naturally aligned block (for
 *               DMA; a holder of RIGHT_DMA may read its physical address),
 *               charged and freed the same way;
 *   physical    a range of device or firmware memory outside the RAM the
 *               kernel manages (vmo_create_physical, from an MMIO resource),
 *               with a cache policy set through the PAT; never charged,
 *               never freed by the vmo, not readable with vmo_read/write.
 *
 * A vmo made from a resource (contiguous, physical) has an anchor in the
 * handle derivation tree (obj/handle.h): revoking the resource's handle
 * unmaps it from every address space and refuses new mappings, so access
 * ends even where the handles were closed after mapping. Closing handles
 * does not unmap (a mapping holds its own reference).
 *
 * vmo->lock protects `mappings` and `revoked`; aspace.c links each mapping
 * here under it, nested inside the address space's lock.
 */
#ifndef OBJ_VMO_H
#define OBJ_VMO_H

#include "types.h"
#include "lib/list.h"
#include "lib/spinlock.h"
#include "mm/memtype.h"
#include "obj/handle.h"
#include "obj/object.h"

struct process;

#define VMO_MAX_SIZE (1ull << 32) /* 4 GiB per vmo */
#define VMO_CONTIGUOUS 1u         /* vmo_create flag */

typedef enum vmo_kind {
    VMO_ANONYMOUS,
    VMO_CONTIG,
    VMO_PHYSICAL,
} vmo_kind_t;

typedef struct vmo {
    kobject_t obj;
    vmo_kind_t kind;
    uint64_t size;              /* bytes, page multiple */
    uint64_t charge;            /* bytes charged to the quota */
    size_t npages;
    paddr_t *pages;             /* anonymous: npages entries */
    paddr_t base;               /* contiguous, physical: the first byte */
    unsigned order;             /* contiguous: block order */
    paddr_t phys_limit;         /* contiguous: end its block below this (0: anywhere) */
    uint32_t cache;             /* VMO_CACHE_* (write-back but for physical vmos) */
    struct process *charged;    /* quota owner (a reference) */
    spinlock_t lock;            /* protects mappings, revoked */
    list_t mappings;            /* mapping_t.vmo_link, in every address space */
    bool revoked;               /* the anchor was revoked: no new mappings */
    handle_node_t anchor;       /* contiguous, physical: in the derivation tree */
    memtype_claim_t claim;      /* physical: its memory type */
} vmo_t;

int vmo_create(struct process *charge_to, uint64_t size, uint32_t flags, vmo_t **out);
/* A contiguous vmo whose block ends at or below phys_limit (0: anywhere). */
int vmo_create_contiguous_below(struct process *charge_to, uint64_t size, paddr_t phys_limit, vmo_t **out);
/* A physical vmo over [base, base + size) (page aligned; memtype_check
 * passed). ERR_NO_MEMORY, or ERR_ALREADY_EXISTS when a live physical vmo
 * maps part of the range with another cache policy. */
int vmo_create_physical(paddr_t base, uint64_t size, uint32_t cache, vmo_t **out);
paddr_t vmo_page(const vmo_t *v, size_t index);
/* Physically contiguous (contiguous and physical vmos)? */
bool vmo_is_contiguous(const vmo_t *v);
/* The PTE cache bits its mappings need. */
uint64_t vmo_pte_cache(const vmo_t *v);
/* Copy between the vmo and kernel memory (bounds checked: ERR_OUT_OF_RANGE;
 * a physical vmo: ERR_NOT_SUPPORTED). */
int vmo_read_kernel(vmo_t *v, uint64_t offset, void *dst, size_t len);
int vmo_write_kernel(vmo_t *v, uint64_t offset, const void *src, size_t len);

void vmo_init_type(void);

#endif
