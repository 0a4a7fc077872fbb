/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Block devices, for their clients (docs/block.md): open a device by name,
 * read and write it synchronously, or keep many requests in flight.
 *
 *     blk_t *b;
 *     if (blk_open("ram0", NULL, &b) == OK) {      // ns service "blk.ram0"
 *         blk_info_t info;
 *         blk_info(b, &info);
 *         blk_write(b, 0, 1, sector);              // one block at LBA 0
 *         blk_flush(b);
 *         blk_close(b);
 *     }
 *
 * Asynchronously, the data lives in the connection's data area
 * (blk_data): fill it, blk_submit requests naming offsets in it, then
 * blk_poll (never blocks) or blk_wait (sleeps until at least one is done).
 * At most `entries` (blk_config_t) requests are outstanding; blk_submit
 * says ERR_SHOULD_WAIT beyond. The synchronous calls use the whole data
 * area and need no request outstanding (ERR_BAD_STATE otherwise).
 *
 * A connection is single-threaded: one thread at a time per blk_t. What the
 * driver writes into the ring is checked (indices bounded, each completion
 * must name a request outstanding); a driver that breaks the ring, or a
 * ring_error event, makes the connection fail with ERR_CORRUPT from then
 * on; a driver that went away gives ERR_PEER_CLOSED. Open it again.
 */
#ifndef CAIRN_BLK_H
#define CAIRN_BLK_H

#include <stdint.h>

#include "abi/handle.h"
#include "cairn/blk_ring.h"

#define BLK_DEFAULT_DATA (1u << 20)           /* bytes of the data area */
#define BLK_DEFAULT_ENTRIES 64u               /* ring entries */
#define BLK_DEFAULT_WAIT_NS (5ull * 1000000000) /* for the device to be published */
#define BLK_DEFAULT_TIMEOUT_NS (60ull * 1000000000) /* a synchronous request */

typedef struct blk blk_t;

typedef struct blk_config {
    uint64_t data_bytes; /* the data area (0: BLK_DEFAULT_DATA), at most BLK_DATA_MAX */
    uint32_t entries;    /* ring entries, a power of two (0: BLK_DEFAULT_ENTRIES) */
    uint64_t wait_ns;    /* how long blk_open waits for the device (0: BLK_DEFAULT_WAIT_NS) */
    uint64_t timeout_ns; /* each synchronous request (0: BLK_DEFAULT_TIMEOUT_NS) */
} blk_config_t;

typedef struct blk_info {
    char name[BLK_NAME_MAX + 1];
    char model[BLK_MODEL_MAX + 1];
    char serial[BLK_SERIAL_MAX + 1];
    uint32_t block_size;
    uint64_t block_count;
    uint32_t max_transfer; /* bytes per request */
    uint32_t queues;
    uint32_t queue_depth;
    uint32_t flags;        /* BLK_INFO_* */
} blk_info_t;

/* An asynchronous request: `count` blocks at `lba`, data at `offset` in the
 * data area. The tag is yours; it comes back in the completion. */
typedef struct blk_req {
    uint64_t tag;
    uint16_t op;     /* BLK_OP_READ, BLK_OP_WRITE, BLK_OP_FLUSH, BLK_OP_DISCARD */
    uint16_t reserved;
    uint32_t count;
    uint64_t lba;
    uint64_t offset;
} blk_req_t;

typedef struct blk_done {
    uint64_t tag;
    int status;      /* OK, or what the driver or its library said */
} blk_done_t;

/* Connects to device `name` (the service "blk.NAME"), asks what it is and
 * attaches a data area and a ring. `cfg` may be NULL. ERR_TIMED_OUT: no
 * such device published within wait_ns; ERR_INVALID_ARGS: a bad name or
 * configuration; or the error of ns, the vmos or the driver's attach. */
int blk_open(const char *name, const blk_config_t *cfg, blk_t **out);

/* Closes the connection; requests outstanding are dropped (the driver
 * finishes what it started of them). */
void blk_close(blk_t *b);

/* What the device said when it was opened. */
int blk_info(blk_t *b, blk_info_t *out);

/* The data area (mapped read/write) and its size in bytes. */
void *blk_data(blk_t *b, uint64_t *size);

/* Synchronous: `count` blocks at `lba`, split into requests of at most
 * max_transfer bytes, through the data area. OK, the first request's
 * error, ERR_TIMED_OUT (timeout_ns), ERR_INVALID_ARGS (count 0),
 * ERR_BAD_STATE (requests outstanding). */
int blk_read(blk_t *b, uint64_t lba, uint32_t count, void *buf);
int blk_write(blk_t *b, uint64_t lba, uint32_t count, const void *buf);
int blk_flush(blk_t *b);
int blk_discard(blk_t *b, uint64_t lba, uint32_t count);

/* Queues one request (nothing is checked here: the driver checks it and
 * completes a bad one with its error). OK; ERR_SHOULD_WAIT when `entries`
 * requests are outstanding (reap some first); ERR_CORRUPT,
 * ERR_PEER_CLOSED: the connection is broken. Kicks the driver only when it
 * asked for it. */
int blk_submit(blk_t *b, const blk_req_t *r);

/* Up to `max` completions into out, without waiting: how many (0 when none
 * is there), ERR_INVALID_ARGS (max 0), or ERR_CORRUPT / ERR_PEER_CLOSED
 * once the connection is broken and nothing is left to take. */
int blk_poll(blk_t *b, blk_done_t *out, uint32_t max);

/* As blk_poll, but waits until `deadline` (absolute ns, DEADLINE_INFINITE)
 * for at least one: how many, ERR_TIMED_OUT, ERR_BAD_STATE (nothing
 * outstanding to wait for), or the connection's error. */
int blk_wait(blk_t *b, blk_done_t *out, uint32_t max, uint64_t deadline);

/* Requests submitted and not yet reaped. */
uint32_t blk_outstanding(const blk_t *b);

/* The connection's channel (proto/block.proto), for tests and tools. */
handle_t blk_channel(const blk_t *b);

/* Block devices published with ns, one per call: the next device name
 * from *cursor on (start at 0) into name, *cursor advanced. OK, or
 * ERR_NOT_FOUND past the last; ERR_BAD_STATE without an "ns" handle. */
int blk_list(uint32_t *cursor, char name[BLK_NAME_MAX + 1]);

#endif
