/* Physical address ranges [start, end) and the sort-and-merge step that both
 * the frame allocator and the direct map need on firmware memory maps. */
#ifndef MM_RANGE_H
#define MM_RANGE_H

#include "types.h"

typedef struct range {
    paddr_t start, end;
} range_t;

/* Sort by start and merge overlapping or touching ranges in place; returns
 * the new count. Empty ranges are dropped. */
size_t range_merge(range_t *r, size_t n);

#endif
