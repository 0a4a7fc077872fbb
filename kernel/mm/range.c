/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Sort-and-merge for small arrays of physical ranges (tens of entries: an
 * insertion sort is the simplest correct choice).
 */
#include "mm/range.h"

size_t range_merge(range_t *r, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) /* drop empty ranges first */
        if (r[i].start < r[i].end)
            r[kept++] = r[i];
    n = kept;
    for (size_t i = 1; i < n; i++) {
        range_t x = r[i];
        size_t j = i;
        for (; j > 0 && r[j - 1].start > x.start; j--)
            r[j] = r[j - 1];
        r[j] = x;
    }
    if (n == 0)
        return 0;
    size_t out = 0;
    for (size_t i = 1; i < n; i++) {
        if (r[i].start <= r[out].end)
            r[out].end = MAX(r[out].end, r[i].end);
        else
            r[++out] = r[i];
    }
    return out + 1;
}
