/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The units' shares of a block driver's queue depth (blkdrv_share.h has
 * the rule). Pure: no system calls, host-tested.
 */
#include "blkdrv_share.h"

bool blkdrv_share_may_start(const blkdrv_share_t *units, uint32_t n, uint32_t unit, uint32_t total,
                            uint32_t depth)
{
    if (unit >= n || total >= depth)
        return false;
    const blkdrv_share_t *me = &units[unit];
    for (uint32_t i = 0; i < n; i++) {
        const blkdrv_share_t *w = &units[i];
        if (i == unit || w->waiting == 0)
            continue;
        if (w->at_driver < me->at_driver || (w->at_driver == me->at_driver && w->last < me->last))
            return false;
    }
    return true;
}
