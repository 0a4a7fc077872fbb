/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The checks of cairn/blk_ring.h: ring indices and block requests as they
 * come out of shared memory, which the other side may have written
 * anything into. Pure C (no system calls), so the host tests run it as is
 * (tests/host/test_blk_ring.c).
 */
#include "cairn/blk_ring.h"

#include "abi/errors.h"

bool blk_ring_entries_valid(uint32_t entries)
{
    return entries != 0 && entries <= BLK_RING_MAX && (entries & (entries - 1)) == 0;
}

int blk_ring_pending(uint32_t head, uint32_t tail, uint32_t entries, uint32_t *count)
{
    uint32_t n = tail - head; /* wraps: the counters are free-running */
    if (n > entries)
        return ERR_CORRUPT;
    *count = n;
    return OK;
}

int blk_limits_check(const blk_limits_t *lim)
{
    uint32_t bs = lim->block_size;
    if (bs < 512 || bs > 65536 || (bs & (bs - 1)) != 0)
        return ERR_INVALID_ARGS;
    if (lim->block_count == 0 || lim->block_count > UINT64_MAX / bs)
        return ERR_INVALID_ARGS;
    if (lim->max_transfer < bs || lim->max_transfer % bs != 0 || lim->max_transfer > BLK_DATA_MAX)
        return ERR_INVALID_ARGS;
    if (lim->flags & ~(BLK_INFO_READ_ONLY | BLK_INFO_FLUSH | BLK_INFO_DISCARD))
        return ERR_INVALID_ARGS;
    return OK;
}

/* [lba, lba + count) inside the device; count > 0. */
static bool on_device(const blk_limits_t *lim, uint64_t lba, uint32_t count)
{
    return lba < lim->block_count && count <= lim->block_count - lba;
}

int blk_req_check(const blk_limits_t *lim, uint64_t data_size, const blk_sqe_t *sqe)
{
    uint32_t op = sqe->op;
    if (op != BLK_OP_READ && op != BLK_OP_WRITE && op != BLK_OP_FLUSH && op != BLK_OP_DISCARD)
        return ERR_NOT_SUPPORTED;
    if (sqe->flags != 0)
        return ERR_INVALID_ARGS;
    if (op == BLK_OP_FLUSH)
        return sqe->lba == 0 && sqe->count == 0 && sqe->offset == 0 ? OK : ERR_INVALID_ARGS;
    if (op != BLK_OP_READ && (lim->flags & BLK_INFO_READ_ONLY))
        return ERR_ACCESS_DENIED;
    if (op == BLK_OP_DISCARD && !(lim->flags & BLK_INFO_DISCARD))
        return ERR_NOT_SUPPORTED;
    if (sqe->count == 0)
        return ERR_INVALID_ARGS;
    if (op == BLK_OP_DISCARD) {
        if (sqe->offset != 0)
            return ERR_INVALID_ARGS;
        return on_device(lim, sqe->lba, sqe->count) ? OK : ERR_OUT_OF_RANGE;
    }
    /* Read or write: count <= max_transfer / block_size keeps bytes small. */
    if (sqe->count > lim->max_transfer / lim->block_size)
        return ERR_OUT_OF_RANGE;
    if (!on_device(lim, sqe->lba, sqe->count))
        return ERR_OUT_OF_RANGE;
    if (sqe->offset % lim->block_size != 0)
        return ERR_INVALID_ARGS;
    uint64_t bytes = (uint64_t)sqe->count * lim->block_size;
    if (sqe->offset > data_size || bytes > data_size - sqe->offset)
        return ERR_BAD_ADDRESS;
    return OK;
}

const char *blk_op_name(uint32_t op)
{
    switch (op) {
    case BLK_OP_READ:
        return "read";
    case BLK_OP_WRITE:
        return "write";
    case BLK_OP_FLUSH:
        return "flush";
    case BLK_OP_DISCARD:
        return "discard";
    default:
        return "op?";
    }
}
