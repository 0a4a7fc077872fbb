/* SPDX-License-Identifier: BSD-2-Clause
 *
 * blktest (tests/qemu/blk.test, docs/block.md): the block layer's system
 * test, one program in several roles. As the manifest component it runs
 * the tests (blktest.c, raw.c) against the RAM disks of
 * tests/qemu/data/blk/manifest; the same image started through proc with
 * a role as its first argument is one of its helper processes (roles.c):
 *
 *     blktest worker DEV INDEX ROUNDS   verified random I/O in region INDEX
 *     blktest hammer DEV                I/O without end, until killed
 *     blktest fakedrv MODE              a block "driver" that breaks the
 *                                       protocol, for the client library
 *     blktest unitdrv MODE              a block driver of several units on
 *                                       the library, for its refusals
 *
 * units.c has the tests of several devices in one driver process (the
 * RAM disk "mu" and unitdrv).
 */
#ifndef BLKTEST_H
#define BLKTEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "abi/handle.h"
#include "cairn/blk.h"

#define SEC 1000000000ull
#define MSEC 1000000ull

/* The checks: on failure, say where and return -1 from the test. */
void blktest_fail(int line, const char *what, long long got);
#define CHECK(c)                                                                \
    do {                                                                        \
        if (!(c)) {                                                             \
            blktest_fail(__LINE__, #c, 0);                                      \
            return -1;                                                          \
        }                                                                       \
    } while (0)
#define EQ(expr, want)                                                          \
    do {                                                                        \
        long long got_ = (long long)(expr);                                     \
        if (got_ != (long long)(want)) {                                        \
            blktest_fail(__LINE__, #expr " == " #want, got_);                   \
            return -1;                                                          \
        }                                                                       \
    } while (0)

uint64_t blktest_deadline(uint64_t ns); /* now + ns */

/* The byte at `i` of a block written with `seed`. */
static inline uint8_t blktest_byte(uint64_t seed, uint64_t i)
{
    uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ull + i * 0xbf58476d1ce4e5b9ull;
    x ^= x >> 29;
    return (uint8_t)(x ^ (x >> 17));
}
void blktest_fill(uint8_t *p, uint64_t n, uint64_t seed);
bool blktest_same(const uint8_t *p, uint64_t n, uint64_t seed);

/* Helper processes, through proc: started with `args` ("worker ram0 1
 * 20"), a session derived from ours as "ns", and optionally a "report"
 * channel (our end in *report). */
int blktest_spawn(const char *args, handle_t *report, uint64_t *pid);
/* How it ended: reason (enum process_exit_reason) and code. */
int blktest_wait(uint64_t pid, uint32_t *reason, int32_t *code, uint64_t timeout_ns);
int blktest_kill(uint64_t pid);

/* Writes `count` blocks at lba from seed, reads them back, compares. */
int blktest_roundtrip(blk_t *b, uint64_t lba, uint32_t count, uint64_t seed);
/* One asynchronous request, waited for: its status. */
int blktest_one(blk_t *b, uint16_t op, uint64_t lba, uint32_t count, uint64_t offset);

/* roles.c */
int blktest_role(int argc, char **argv);

/* unitdrv.c: the role, and the geometry of its unit i. */
int blktest_unitdrv(const char *mode);
uint32_t blktest_unitdrv_bs(uint32_t unit);
uint64_t blktest_unitdrv_blocks(uint32_t unit);

/* units.c */
int t_units_info(void);
int t_units_own_data(void);
int t_units_bad_requests(void);
int t_units_share(void);
int t_units_reset(void);
int t_units_api(void);
int t_units_publish_refused(void);

/* raw.c: a connection without the client library, writing the ring by hand. */
typedef struct raw {
    handle_t ch;
    handle_t data, ring;
    uint8_t *data_mem;
    uint64_t data_size;
    void *ring_mem;
    uint64_t ring_size;
    blk_ring_t r;
} raw_t;
int raw_connect(const char *dev, raw_t *out);
int raw_attach(raw_t *raw, uint32_t entries, uint64_t data_bytes);
void raw_close(raw_t *raw);
int t_raw_attach(void);
int t_raw_bad_fields(void);
int t_raw_garbage_indices(void);
int t_raw_suppression(void);

#endif
