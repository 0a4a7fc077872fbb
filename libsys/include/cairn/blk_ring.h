/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The shared memory of proto/block.proto (docs/block.md): the ring a
 * client attaches, its entries, and the checks both sides make on what
 * they read from it. Shared by the client library (cairn/blk.h) and the
 * block driver library (cairn/blkdrv.h); the checks are pure C, host-tested
 * (tests/host/test_blk_ring.c).
 *
 * The ring vmo: a 128-byte header, then `entries` submission entries (32
 * bytes each), then `entries` completion entries (16 bytes each); entries is
 * a power of two. Indices are free-running u32 counters; entry i is at
 * i & (entries - 1).
 *
 *   client writes: sq_tail (after filling submissions), cq_head (after
 *                  taking completions), client_flags
 *   driver writes: sq_head (after copying submissions), cq_tail (after
 *                  filling completions), driver_flags, kicks_seen
 *
 * Each side keeps its own indices privately and only publishes them; what
 * it reads of the other side's is untrusted: a tail more than `entries`
 * ahead of the matching head is ERR_CORRUPT (blk_ring_pending), and every
 * submission is copied out of shared memory once and checked
 * (blk_req_check) before anything uses it.
 *
 * Notifications (virtio's suppression): the driver sets BLK_RING_NEED_KICK
 * when it stops reading the ring for want of work or of completion room,
 * and the client sends a kick event only when it sees that flag after
 * publishing sq_tail (or taking completions while submissions wait). The
 * client sets BLK_RING_WANT_EVENT before it sleeps, and the driver sends a
 * completed event only when it sees that flag after publishing cq_tail.
 * Each side stores, then fences (blk_ring_fence), then reads the other's
 * flag, and re-checks the ring after raising its own: no wake-up is lost.
 */
#ifndef CAIRN_BLK_RING_H
#define CAIRN_BLK_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLK_RING_MAX 1024u               /* entries of a ring, at most */
#define BLK_DATA_MAX (64ull << 20)       /* bytes of a data vmo, at most */
#define BLK_NAME_MAX 27u                 /* a device name; "blk." + name is an ns name */
#define BLK_SERVICE_PREFIX "blk."        /* device NAME is the ns service "blk.NAME" */
#define BLK_MODEL_MAX 40u
#define BLK_SERIAL_MAX 20u

/* Submission ops. */
enum blk_op {
    BLK_OP_READ = 1,    /* device -> data vmo */
    BLK_OP_WRITE = 2,   /* data vmo -> device */
    BLK_OP_FLUSH = 3,   /* earlier completed writes are on stable media; lba, count, offset 0 */
    BLK_OP_DISCARD = 4, /* the blocks' contents may be dropped; offset 0 */
};

/* block.info's flags. */
#define BLK_INFO_READ_ONLY 0x1u /* writes and discards: ERR_ACCESS_DENIED */
#define BLK_INFO_FLUSH 0x2u     /* a volatile write cache: flush reaches the device */
#define BLK_INFO_DISCARD 0x4u   /* discard is supported (else ERR_NOT_SUPPORTED) */

/* Header flags. */
#define BLK_RING_NEED_KICK 0x1u  /* driver_flags: the driver is not reading: kick it */
#define BLK_RING_WANT_EVENT 0x1u /* client_flags: the client sleeps: send completed */

typedef struct blk_sqe {
    uint64_t tag;    /* the client's, returned in the completion */
    uint16_t op;     /* enum blk_op */
    uint16_t flags;  /* 0 */
    uint32_t count;  /* blocks */
    uint64_t lba;
    uint64_t offset; /* bytes into the data vmo, a multiple of the block size */
} blk_sqe_t;

typedef struct blk_cqe {
    uint64_t tag;
    int32_t status; /* OK or a Cairn error code */
    uint32_t reserved;
} blk_cqe_t;

typedef struct blk_ring_hdr {
    /* written by the client */
    uint32_t sq_tail;
    uint32_t cq_head;
    uint32_t client_flags;
    uint32_t client_reserved[13];
    /* written by the driver */
    uint32_t sq_head;
    uint32_t cq_tail;
    uint32_t driver_flags;
    uint32_t kicks_seen; /* kick events the driver has taken from this client */
    uint32_t driver_reserved[12];
} blk_ring_hdr_t;

_Static_assert(sizeof(blk_sqe_t) == 32, "blk_sqe_t is 32 bytes");
_Static_assert(sizeof(blk_cqe_t) == 16, "blk_cqe_t is 16 bytes");
_Static_assert(sizeof(blk_ring_hdr_t) == 128, "blk_ring_hdr_t is 128 bytes");
_Static_assert(offsetof(blk_ring_hdr_t, sq_head) == 64, "the driver's half on its own cache line");

/* A ring in memory, with the size both sides agreed on. */
typedef struct blk_ring {
    blk_ring_hdr_t *hdr;
    blk_sqe_t *sq;
    blk_cqe_t *cq;
    uint32_t entries;
} blk_ring_t;

/* Bytes of a ring of `entries` entries. */
static inline uint64_t blk_ring_bytes(uint32_t entries)
{
    return sizeof(blk_ring_hdr_t) + (uint64_t)entries * (sizeof(blk_sqe_t) + sizeof(blk_cqe_t));
}

/* The ring at `mem` (blk_ring_bytes(entries) bytes). */
static inline blk_ring_t blk_ring_at(void *mem, uint32_t entries)
{
    blk_ring_t r;
    r.hdr = (blk_ring_hdr_t *)mem;
    r.sq = (blk_sqe_t *)((uint8_t *)mem + sizeof(blk_ring_hdr_t));
    r.cq = (blk_cqe_t *)(r.sq + entries);
    r.entries = entries;
    return r;
}

/* Shared-memory accesses: one load or store each, ordered. */
static inline uint32_t blk_ring_load(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void blk_ring_store(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
/* Orders a store before a later load (x86 lets those pass otherwise). */
static inline void blk_ring_fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

/* A power of two from 1 to BLK_RING_MAX. */
bool blk_ring_entries_valid(uint32_t entries);

/* How many entries lie between `head` (ours) and `tail` (read from the
 * other side) in *count: OK, or ERR_CORRUPT when tail is more than
 * `entries` ahead of head (or behind it: the counters only grow). */
int blk_ring_pending(uint32_t head, uint32_t tail, uint32_t entries, uint32_t *count);

/* What a request is checked against. */
typedef struct blk_limits {
    uint32_t block_size;   /* a power of two, 512 to 65536 */
    uint64_t block_count;  /* > 0 */
    uint32_t max_transfer; /* bytes, a multiple of block_size */
    uint32_t flags;        /* BLK_INFO_* */
} blk_limits_t;

/* OK when the limits make sense (a driver's geometry), else ERR_INVALID_ARGS. */
int blk_limits_check(const blk_limits_t *lim);

/* Checks a submission (already copied out of shared memory) against the
 * device and a data vmo of `data_size` bytes. In this order:
 *   ERR_NOT_SUPPORTED  unknown op
 *   ERR_INVALID_ARGS   flags set; a flush with lba, count or offset set
 *                      (a flush is OK from here on)
 *   ERR_ACCESS_DENIED  write or discard on a read-only device
 *   ERR_NOT_SUPPORTED  discard on a device without it
 *   ERR_INVALID_ARGS   zero count; a discard with an offset
 *   ERR_OUT_OF_RANGE   a read or write of more than max_transfer bytes;
 *                      blocks past the end of the device
 *   ERR_INVALID_ARGS   an offset that is not a multiple of the block size
 *   ERR_BAD_ADDRESS    the data does not lie inside the data vmo
 * or OK. */
int blk_req_check(const blk_limits_t *lim, uint64_t data_size, const blk_sqe_t *sqe);

/* "read", "write", "flush", "discard", or "op?". */
const char *blk_op_name(uint32_t op);

#endif
