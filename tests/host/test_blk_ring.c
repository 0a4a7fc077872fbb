/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the block ring's checks (libsys/src/blk_ring.c,
 * cairn/blk_ring.h, docs/block.md): the ring layout, ring indices read from
 * the other side (bounded, wrapping, impossible), a driver's limits, and
 * every refusal of a request in its order, at its boundaries and without
 * overflow; then random requests, biased to the edges, each accepted one
 * checked to lie inside the device and the data vmo.
 */
#include <string.h>

#include "abi/errors.h"
#include "cairn/blk_ring.h"
#include "check.h"

static const blk_limits_t LIM = {.block_size = 512, .block_count = 1000, .max_transfer = 64 * 1024,
                                 .flags = BLK_INFO_DISCARD};
#define DATA (1024u * 1024) /* a 1 MiB data vmo */

static blk_sqe_t rq(uint16_t op, uint64_t lba, uint32_t count, uint64_t offset)
{
    return (blk_sqe_t){.tag = 7, .op = op, .flags = 0, .count = count, .lba = lba, .offset = offset};
}

static int check_rq(const blk_limits_t *lim, uint16_t op, uint64_t lba, uint32_t count, uint64_t offset)
{
    blk_sqe_t s = rq(op, lba, count, offset);
    return blk_req_check(lim, DATA, &s);
}

TEST(layout)
{
    static uint64_t mem[(128 + 48 * 64) / 8];
    blk_ring_t r = blk_ring_at(mem, 64);
    CHECK_EQ(blk_ring_bytes(1), 128 + 32 + 16);
    CHECK_EQ(blk_ring_bytes(64), 128 + 48 * 64);
    CHECK_EQ(blk_ring_bytes(BLK_RING_MAX), 128 + 48 * 1024);
    CHECK((void *)r.hdr == (void *)mem);
    CHECK_EQ((uint8_t *)r.sq - (uint8_t *)mem, 128);
    CHECK_EQ((uint8_t *)r.cq - (uint8_t *)mem, 128 + 32 * 64);
    CHECK_EQ((uint8_t *)(r.cq + 64) - (uint8_t *)mem, (long long)blk_ring_bytes(64));
    CHECK_EQ(r.entries, 64);
    /* Each side's indices on a cache line of their own. */
    CHECK_EQ(offsetof(blk_ring_hdr_t, sq_tail), 0);
    CHECK_EQ(offsetof(blk_ring_hdr_t, sq_head), 64);
    CHECK_EQ(offsetof(blk_ring_hdr_t, kicks_seen), 76);
}

TEST(entries)
{
    CHECK(!blk_ring_entries_valid(0));
    CHECK(blk_ring_entries_valid(1));
    CHECK(blk_ring_entries_valid(2));
    CHECK(!blk_ring_entries_valid(3));
    CHECK(blk_ring_entries_valid(64));
    CHECK(!blk_ring_entries_valid(96));
    CHECK(blk_ring_entries_valid(BLK_RING_MAX));
    CHECK(!blk_ring_entries_valid(BLK_RING_MAX * 2));
    CHECK(!blk_ring_entries_valid(0x80000000u));
    CHECK(!blk_ring_entries_valid(UINT32_MAX));
}

TEST(pending_bounds)
{
    uint32_t n = 99;
    CHECK_EQ(blk_ring_pending(5, 5, 64, &n), OK);
    CHECK_EQ(n, 0);
    CHECK_EQ(blk_ring_pending(5, 69, 64, &n), OK);
    CHECK_EQ(n, 64);
    n = 99;
    CHECK_EQ(blk_ring_pending(5, 70, 64, &n), ERR_CORRUPT);
    CHECK_EQ(n, 99); /* untouched on a refusal */
    CHECK_EQ(blk_ring_pending(5, 4, 64, &n), ERR_CORRUPT);  /* behind: the counters only grow */
    CHECK_EQ(blk_ring_pending(0, UINT32_MAX, 64, &n), ERR_CORRUPT);
    CHECK_EQ(blk_ring_pending(0, 0x80000000u, 64, &n), ERR_CORRUPT);
    CHECK_EQ(blk_ring_pending(0, 1, 1, &n), OK);
    CHECK_EQ(blk_ring_pending(0, 2, 1, &n), ERR_CORRUPT);
}

TEST(pending_wraps)
{
    uint32_t n;
    CHECK_EQ(blk_ring_pending(UINT32_MAX - 1, 2, 64, &n), OK);
    CHECK_EQ(n, 4);
    CHECK_EQ(blk_ring_pending(UINT32_MAX, UINT32_MAX + 64u, 64, &n), OK);
    CHECK_EQ(n, 64);
    CHECK_EQ(blk_ring_pending(UINT32_MAX, UINT32_MAX + 65u, 64, &n), ERR_CORRUPT);
}

/* Every distance around a few heads: OK exactly for 0..entries. */
TEST(pending_every_distance_near_the_edges)
{
    const uint32_t heads[] = {0, 1, 63, 64, 0x7fffffffu, 0x80000000u, UINT32_MAX - 64, UINT32_MAX};
    for (unsigned h = 0; h < sizeof heads / sizeof heads[0]; h++) {
        for (uint32_t entries = 1; entries <= BLK_RING_MAX; entries *= 2) {
            for (uint64_t d = 0; d < 4096; d++) {
                uint32_t n, dist = (uint32_t)d;
                CHECK_EQ(blk_ring_pending(heads[h], heads[h] + dist, entries, &n) == OK, dist <= entries);
                dist = UINT32_MAX - (uint32_t)d; /* far ahead = just behind */
                CHECK_EQ(blk_ring_pending(heads[h], heads[h] + dist, entries, &n), ERR_CORRUPT);
            }
        }
    }
}

TEST(limits)
{
    blk_limits_t l = LIM;
    CHECK_EQ(blk_limits_check(&l), OK);
    const uint32_t bad_bs[] = {0, 1, 256, 511, 513, 768, 4095, 131072, UINT32_MAX};
    for (unsigned i = 0; i < sizeof bad_bs / sizeof bad_bs[0]; i++) {
        l = LIM;
        l.block_size = bad_bs[i];
        CHECK_EQ(blk_limits_check(&l), ERR_INVALID_ARGS);
    }
    l = LIM;
    l.block_size = 65536;
    l.max_transfer = 65536;
    CHECK_EQ(blk_limits_check(&l), OK);
    l = LIM;
    l.block_count = 0;
    CHECK_EQ(blk_limits_check(&l), ERR_INVALID_ARGS);
    l.block_count = UINT64_MAX / 512 + 1; /* bytes would not fit in 64 bits */
    CHECK_EQ(blk_limits_check(&l), ERR_INVALID_ARGS);
    l.block_count = UINT64_MAX / 512;
    CHECK_EQ(blk_limits_check(&l), OK);
    l = LIM;
    l.max_transfer = 256;
    CHECK_EQ(blk_limits_check(&l), ERR_INVALID_ARGS);
    l.max_transfer = 1000;
    CHECK_EQ(blk_limits_check(&l), ERR_INVALID_ARGS);
    l.max_transfer = (uint32_t)BLK_DATA_MAX + 512;
    CHECK_EQ(blk_limits_check(&l), ERR_INVALID_ARGS);
    l = LIM;
    l.flags = 0x8;
    CHECK_EQ(blk_limits_check(&l), ERR_INVALID_ARGS);
}

TEST(good_requests)
{
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 0, 1, 0), OK);
    CHECK_EQ(check_rq(&LIM, BLK_OP_WRITE, 999, 1, 0), OK);              /* the last block */
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 872, 128, 0), OK);             /* to the end, max transfer */
    CHECK_EQ(check_rq(&LIM, BLK_OP_WRITE, 0, 128, DATA - 65536), OK);   /* to the end of the vmo */
    CHECK_EQ(check_rq(&LIM, BLK_OP_FLUSH, 0, 0, 0), OK);
    CHECK_EQ(check_rq(&LIM, BLK_OP_DISCARD, 0, 1000, 0), OK);           /* not bounded by max transfer */
}

TEST(unknown_op_and_flags)
{
    CHECK_EQ(check_rq(&LIM, 0, 0, 1, 0), ERR_NOT_SUPPORTED);
    CHECK_EQ(check_rq(&LIM, 5, 0, 1, 0), ERR_NOT_SUPPORTED);
    CHECK_EQ(check_rq(&LIM, UINT16_MAX, 0, 1, 0), ERR_NOT_SUPPORTED);
    blk_sqe_t s = rq(BLK_OP_READ, 0, 1, 0);
    s.flags = 1;
    CHECK_EQ(blk_req_check(&LIM, DATA, &s), ERR_INVALID_ARGS);
    s.op = 9; /* the op is looked at first */
    CHECK_EQ(blk_req_check(&LIM, DATA, &s), ERR_NOT_SUPPORTED);
}

TEST(flush_takes_no_range)
{
    CHECK_EQ(check_rq(&LIM, BLK_OP_FLUSH, 1, 0, 0), ERR_INVALID_ARGS);
    CHECK_EQ(check_rq(&LIM, BLK_OP_FLUSH, 0, 1, 0), ERR_INVALID_ARGS);
    CHECK_EQ(check_rq(&LIM, BLK_OP_FLUSH, 0, 0, 512), ERR_INVALID_ARGS);
    blk_limits_t ro = LIM;
    ro.flags |= BLK_INFO_READ_ONLY;
    CHECK_EQ(check_rq(&ro, BLK_OP_FLUSH, 0, 0, 0), OK);
}

TEST(read_only)
{
    blk_limits_t ro = LIM;
    ro.flags |= BLK_INFO_READ_ONLY;
    CHECK_EQ(check_rq(&ro, BLK_OP_READ, 0, 1, 0), OK);
    CHECK_EQ(check_rq(&ro, BLK_OP_WRITE, 0, 1, 0), ERR_ACCESS_DENIED);
    CHECK_EQ(check_rq(&ro, BLK_OP_DISCARD, 0, 1, 0), ERR_ACCESS_DENIED);
    CHECK_EQ(check_rq(&ro, BLK_OP_WRITE, 5000, 0, 3), ERR_ACCESS_DENIED); /* before the range */
}

TEST(discard)
{
    blk_limits_t nod = LIM;
    nod.flags = 0;
    CHECK_EQ(check_rq(&nod, BLK_OP_DISCARD, 0, 1, 0), ERR_NOT_SUPPORTED);
    CHECK_EQ(check_rq(&LIM, BLK_OP_DISCARD, 0, 0, 0), ERR_INVALID_ARGS);
    CHECK_EQ(check_rq(&LIM, BLK_OP_DISCARD, 0, 1, 512), ERR_INVALID_ARGS);
    CHECK_EQ(check_rq(&LIM, BLK_OP_DISCARD, 999, 2, 0), ERR_OUT_OF_RANGE);
    CHECK_EQ(check_rq(&LIM, BLK_OP_DISCARD, 1000, 1, 0), ERR_OUT_OF_RANGE);
    CHECK_EQ(check_rq(&LIM, BLK_OP_DISCARD, UINT64_MAX, UINT32_MAX, 0), ERR_OUT_OF_RANGE);
}

TEST(zero_count)
{
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 0, 0, 0), ERR_INVALID_ARGS);
    CHECK_EQ(check_rq(&LIM, BLK_OP_WRITE, 0, 0, 0), ERR_INVALID_ARGS);
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 5000, 0, 3), ERR_INVALID_ARGS); /* before the range */
}

TEST(huge_count)
{
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 0, 129, 0), ERR_OUT_OF_RANGE); /* max transfer + 1 block */
    CHECK_EQ(check_rq(&LIM, BLK_OP_WRITE, 0, UINT32_MAX, 0), ERR_OUT_OF_RANGE);
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 0, 0x80000000u, 0), ERR_OUT_OF_RANGE);
}

TEST(past_the_end)
{
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 1000, 1, 0), ERR_OUT_OF_RANGE);
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 999, 2, 0), ERR_OUT_OF_RANGE);
    CHECK_EQ(check_rq(&LIM, BLK_OP_WRITE, 873, 128, 0), ERR_OUT_OF_RANGE);
    /* lba + count overflows 64 bits: still refused, not wrapped to 0. */
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, UINT64_MAX, 1, 0), ERR_OUT_OF_RANGE);
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, UINT64_MAX - 10, 100, 0), ERR_OUT_OF_RANGE);
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 1ull << 63, 1, 0), ERR_OUT_OF_RANGE);
}

TEST(misaligned_offset)
{
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 0, 1, 1), ERR_INVALID_ARGS);
    CHECK_EQ(check_rq(&LIM, BLK_OP_WRITE, 0, 1, 511), ERR_INVALID_ARGS);
    CHECK_EQ(check_rq(&LIM, BLK_OP_WRITE, 0, 1, 513), ERR_INVALID_ARGS);
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 0, 1, UINT64_MAX), ERR_INVALID_ARGS);
    blk_limits_t big = LIM;
    big.block_size = 4096;
    big.max_transfer = 65536;
    CHECK_EQ(check_rq(&big, BLK_OP_READ, 0, 1, 512), ERR_INVALID_ARGS);
    CHECK_EQ(check_rq(&big, BLK_OP_READ, 0, 1, 8192), OK);
}

TEST(outside_the_data_vmo)
{
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 0, 1, DATA), ERR_BAD_ADDRESS);
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 0, 2, DATA - 512), ERR_BAD_ADDRESS);
    CHECK_EQ(check_rq(&LIM, BLK_OP_WRITE, 0, 128, DATA - 65536 + 512), ERR_BAD_ADDRESS);
    /* offset + bytes overflows 64 bits: refused, not wrapped into the vmo. */
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 0, 1, UINT64_MAX - 511), ERR_BAD_ADDRESS);
    CHECK_EQ(check_rq(&LIM, BLK_OP_READ, 0, 128, 0ull - 65536), ERR_BAD_ADDRESS);
    blk_sqe_t s = rq(BLK_OP_READ, 0, 1, 0);
    CHECK_EQ(blk_req_check(&LIM, 0, &s), ERR_BAD_ADDRESS);   /* no data vmo */
    CHECK_EQ(blk_req_check(&LIM, 511, &s), ERR_BAD_ADDRESS); /* smaller than a block */
    CHECK_EQ(blk_req_check(&LIM, 512, &s), OK);
}

/* xorshift: deterministic, so a failure reproduces. */
static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A value near one of the edges that matter, or anything. */
static uint64_t edgy(uint64_t edge)
{
    switch (rnd() % 4) {
    case 0:
        return edge + rnd() % 5 - 2;
    case 1:
        return edge == UINT64_MAX ? rnd() : rnd() % (edge + 1);
    case 2:
        return UINT64_MAX - rnd() % 1024;
    default:
        return rnd();
    }
}

TEST(random_requests_accepted_only_inside)
{
    uint64_t accepted = 0;
    for (int i = 0; i < 2000000; i++) {
        blk_limits_t l = LIM;
        l.block_size = 512u << (rnd() % 4);
        l.max_transfer = l.block_size * (uint32_t)(1 + rnd() % 256);
        l.block_count = 1 + rnd() % 5000;
        l.flags = (uint32_t)(rnd() % 8);
        uint64_t data = rnd() % 4 == 0 ? rnd() % (1u << 22) : 1u << 20;
        blk_sqe_t s = {.tag = rnd(), .op = (uint16_t)(rnd() % 6), .flags = rnd() % 16 == 0,
                       .count = (uint32_t)edgy(l.max_transfer / l.block_size),
                       .lba = edgy(l.block_count), .offset = edgy(data)};
        if (rnd() % 2 == 0) { /* mostly plausible, one field at an edge */
            s.op = (uint16_t)(1 + rnd() % 4);
            s.flags = 0;
            s.count = (uint32_t)(1 + rnd() % (l.max_transfer / l.block_size));
            s.lba = rnd() % l.block_count;
            s.offset = data ? rnd() % data : 0;
            switch (rnd() % 4) {
            case 0:
                s.count = (uint32_t)edgy(l.max_transfer / l.block_size);
                break;
            case 1:
                s.lba = edgy(l.block_count - s.count);
                break;
            case 2:
                s.offset = edgy(data - (uint64_t)s.count * l.block_size);
                break;
            default:
                break;
            }
        }
        if (rnd() % 3 != 0)
            s.offset = s.offset / l.block_size * l.block_size;
        if (blk_req_check(&l, data, &s) != OK)
            continue;
        accepted++;
        CHECK(s.op >= BLK_OP_READ && s.op <= BLK_OP_DISCARD && s.flags == 0);
        if (s.op == BLK_OP_FLUSH) {
            CHECK(s.count == 0 && s.lba == 0 && s.offset == 0);
            continue;
        }
        CHECK(s.count > 0 && s.lba < l.block_count && s.lba + s.count <= l.block_count);
        CHECK(s.op == BLK_OP_READ || !(l.flags & BLK_INFO_READ_ONLY));
        if (s.op == BLK_OP_DISCARD) {
            CHECK((l.flags & BLK_INFO_DISCARD) && s.offset == 0);
            continue;
        }
        uint64_t bytes = (uint64_t)s.count * l.block_size;
        CHECK(bytes <= l.max_transfer);
        CHECK(s.offset % l.block_size == 0 && s.offset < data && s.offset + bytes <= data);
        if (check_failed_now)
            return;
    }
    printf("  %llu of 2000000 accepted\n", (unsigned long long)accepted);
    CHECK(accepted > 100000); /* the generator reaches the accepting side too */
}

TEST(op_names)
{
    CHECK(strcmp(blk_op_name(BLK_OP_READ), "read") == 0);
    CHECK(strcmp(blk_op_name(BLK_OP_WRITE), "write") == 0);
    CHECK(strcmp(blk_op_name(BLK_OP_FLUSH), "flush") == 0);
    CHECK(strcmp(blk_op_name(BLK_OP_DISCARD), "discard") == 0);
    CHECK(strcmp(blk_op_name(0), "op?") == 0);
    CHECK(strcmp(blk_op_name(77), "op?") == 0);
}

int main(void)
{
    return RUN_TESTS();
}
