/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the block ring's checks (libsys/src/blk_ring.c,
 * cairn/blk_ring.h): what a block driver accepts from a client's ring.
 *
 * Model: the input is a driver's limits, a data vmo size, a submission and
 * a pair of ring indices, all as the other side could have written them.
 * The target checks the contracts: blk_ring_pending accepts exactly the
 * tails at most `entries` ahead of the head; blk_req_check accepts only
 * requests that lie inside the device and inside the data vmo, with a
 * known op, no flags, at most max_transfer bytes and a block-aligned
 * offset (for limits blk_limits_check accepts). A broken promise calls
 * __builtin_trap(), which libFuzzer records as a crash.
 *
 * Not part of the CMake build. By hand, from the repository root:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilibsys/include \
 *       tests/fuzz/fuzz_blk_ring.c libsys/src/blk_ring.c -o /tmp/fuzz_blk_ring
 *   /tmp/fuzz_blk_ring -max_total_time=60
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "abi/errors.h"
#include "cairn/blk_ring.h"

typedef struct input {
    blk_limits_t lim;
    uint64_t data_size;
    blk_sqe_t sqe;
    uint32_t head, tail, entries;
} input_t;

#define PROMISE(c)                                                             \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

static void check_pending(uint32_t head, uint32_t tail, uint32_t entries)
{
    uint32_t n = 0xdeadbeef;
    int err = blk_ring_pending(head, tail, entries, &n);
    PROMISE(err == OK || err == ERR_CORRUPT);
    if (err == OK)
        PROMISE(n == tail - head && n <= entries);
    else
        PROMISE(n == 0xdeadbeef && (uint32_t)(tail - head) > entries);
}

static void check_request(const blk_limits_t *lim, uint64_t data_size, const blk_sqe_t *s)
{
    if (blk_limits_check(lim) != OK)
        return; /* the library never serves such a geometry */
    int err = blk_req_check(lim, data_size, s);
    PROMISE(err <= OK);
    if (err != OK)
        return;
    PROMISE(s->op >= BLK_OP_READ && s->op <= BLK_OP_DISCARD && s->flags == 0);
    if (s->op == BLK_OP_FLUSH) {
        PROMISE(s->lba == 0 && s->count == 0 && s->offset == 0);
        return;
    }
    PROMISE(s->count > 0 && s->lba < lim->block_count && s->count <= lim->block_count - s->lba);
    PROMISE(s->op == BLK_OP_READ || !(lim->flags & BLK_INFO_READ_ONLY));
    if (s->op == BLK_OP_DISCARD) {
        PROMISE((lim->flags & BLK_INFO_DISCARD) && s->offset == 0);
        return;
    }
    uint64_t bytes = (uint64_t)s->count * lim->block_size;
    PROMISE(bytes <= lim->max_transfer && s->offset % lim->block_size == 0);
    PROMISE(s->offset <= data_size && bytes <= data_size - s->offset);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input_t in;
    if (size < sizeof in)
        return 0;
    memcpy(&in, data, sizeof in);
    check_pending(in.head, in.tail, in.entries);
    if (blk_ring_entries_valid(in.entries))
        PROMISE(in.entries <= BLK_RING_MAX && (in.entries & (in.entries - 1)) == 0);
    /* Small devices and vmos too, so acceptance is reachable. */
    blk_limits_t small = in.lim;
    small.block_size = 512u << (in.lim.block_size % 8);
    small.block_count = in.lim.block_count % 100000;
    small.max_transfer = small.block_size * (in.lim.max_transfer % 300);
    check_request(&in.lim, in.data_size, &in.sqe);
    check_request(&small, in.data_size % (1u << 24), &in.sqe);
    return 0;
}
