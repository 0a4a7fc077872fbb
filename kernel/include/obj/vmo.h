/*
 * Virtual memory objects: a list of physical pages that processes map.
 * Anonymous vmos get zeroed pages at creation (eagerly: no demand paging
 * yet, so a mapping never faults for want of memory); contiguous vmos get
 * one physically contiguous, naturally aligned block (for DMA; a holder of
 * RIGHT_DMA may read its physical address). Pages are charged to the
 * creating process's memory quota and returned when the vmo dies.
 */
#ifndef OBJ_VMO_H
#define OBJ_VMO_H

#include "types.h"
#include "obj/object.h"

struct process;

#define VMO_MAX_SIZE (1ull << 32) /* 4 GiB per vmo */
#define VMO_CONTIGUOUS 1u         /* vmo_create flag */

typedef struct vmo {
    kobject_t obj;
    uint64_t size;              /* bytes, page multiple */
    uint64_t charge;            /* bytes charged to the quota */
    size_t npages;
    paddr_t *pages;             /* npages entries (contiguous: pages[0] is the block) */
    bool contiguous;
    unsigned order;             /* contiguous: block order */
    struct process *charged;    /* quota owner (a reference) */
} vmo_t;

int vmo_create(struct process *charge_to, uint64_t size, uint32_t flags, vmo_t **out);
paddr_t vmo_page(const vmo_t *v, size_t index);
/* Copy between the vmo and kernel memory (bounds checked: ERR_OUT_OF_RANGE). */
int vmo_read_kernel(vmo_t *v, uint64_t offset, void *dst, size_t len);
int vmo_write_kernel(vmo_t *v, uint64_t offset, const void *src, size_t len);

void vmo_init_type(void);

#endif
