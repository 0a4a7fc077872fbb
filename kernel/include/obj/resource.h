/*
 * Resources: authority over a range of hardware. The kernel creates the
 * root resources (the physical address space for MMIO, of which the RAM it
 * manages is refused when physical vmos are made; every GSI; every I/O
 * port; DMA; every MSI number; the log) and gives them to init.
 * resource_derive narrows a range into a child resource (a child in the
 * derivation tree, so revoking the parent's handle takes every derived
 * resource and every object made from them back). Hardware objects (irq
 * objects for GSIs and MSIs, ioport objects, physical and contiguous vmos)
 * are created only from a resource covering the request.
 */
#ifndef OBJ_RESOURCE_H
#define OBJ_RESOURCE_H

#include "types.h"
#include "abi/resource.h"
#include "obj/object.h"

typedef struct resource {
    kobject_t obj;
    uint32_t kind;
    uint64_t base, len;
} resource_t;

int resource_create(uint32_t kind, uint64_t base, uint64_t len, resource_t **out);
/* Does r cover [base, base+len) of kind? */
bool resource_covers(const resource_t *r, uint32_t kind, uint64_t base, uint64_t len);

void resource_init_type(void);

#endif
