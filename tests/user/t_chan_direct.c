/* SPDX-License-Identifier: BSD-2-Clause
 *
 * System tests of the channels' direct path and chan_reply_read (docs/
 * syscalls.md, chan_call): calls of every size across the 128-byte limit
 * and with handles, to a server in a child process that serves with
 * chan_reply_read; replies that do not fit or cannot be written queued
 * back, not lost; two callers at once; a reader handed a message it cannot
 * take; and every check of chan_reply_read.
 */
#define EDGE_VA 0x6b0000000ull /* a page mapped only while a test needs it (uhandle.h) */

#include <stdbool.h>

#include "lib/kstring.h"
#include "uchan.h"
#include "uhandle.h"
#include "uhelp.h"
#include "utest.h"

static uint8_t big[CHAN_MAX_BYTES + 1];

/* ---- child processes --------------------------------------------------- */

/* The echo server of chan_echo_server, written the way a server with a
 * channel per client works: one chan_reply_read per request, no deadline
 * (the direct path takes only those). */
UCHILD(chan_reply_read_server)
{
    static uint8_t buf[CHAN_MAX_BYTES];
    handle_t hs[CHAN_MAX_HANDLES];
    chan_sizes_t sz = {CHAN_MAX_BYTES, CHAN_MAX_HANDLES};
    int64_t err = sys_chan_recv(chan, buf, hs, &sz, DEADLINE_INFINITE);
    while (err == OK) {
        for (uint32_t i = CHAN_TXID_SIZE; i < sz.bytes; i++)
            buf[i] ^= 0x20;
        chan_call_args_t a = {.wr_bytes = U(buf), .wr_handles = U(hs), .wr_num_bytes = sz.bytes,
                              .wr_num_handles = sz.handles, .rd_bytes = U(buf), .rd_handles = U(hs),
                              .rd_num_bytes = CHAN_MAX_BYTES, .rd_num_handles = CHAN_MAX_HANDLES};
        err = sys_chan_reply_read(chan, &a, DEADLINE_INFINITE);
        sz = (chan_sizes_t){a.rd_num_bytes, a.rd_num_handles};
    }
    UT_EQ(err, ERR_PEER_CLOSED);
    return 0;
}

/* Blocks in chan_read with a buffer it cannot write: a message handed to
 * it directly must go back to the queue, and the next read gets it. */
UCHILD(chan_bad_buffer_reader)
{
    uint8_t buf[16];
    chan_sizes_t sz = {sizeof buf, 0};
    UT_EQ(sys_chan_recv(chan, (void *)0x1000, NULL, &sz, DEADLINE_INFINITE), ERR_BAD_ADDRESS);
    sz = (chan_sizes_t){sizeof buf, 0};
    UT_EQ(sys_chan_recv(chan, buf, NULL, &sz, DEADLINE_INFINITE), OK);
    UT_EQ(sz.bytes, 6);
    UT_EQ(memcmp(buf, "direct", 6), 0);
    UT_EQ(sys_chan_write(chan, "got it", 6, NULL, 0), OK);
    sz = (chan_sizes_t){sizeof buf, 0};
    UT_EQ(sys_chan_recv(chan, buf, NULL, &sz, DEADLINE_INFINITE), ERR_PEER_CLOSED);
    return 0;
}

/* ---- the direct path and chan_reply_read -------------------------------- */

/* Calls without a deadline to a server in chan_reply_read take the direct
 * path when small and handle-free, the queue otherwise: the same results
 * either way, for every size across the 128-byte limit, with handles, and
 * replies that do not fit or cannot be written stay queued. */
UTEST(chan_direct_call)
{
    handle_t p, c, v;
    UT_EQ(utest_spawn("chan_reply_read_server", &p, &c, NULL, 0), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    uint64_t id = object_of(v);
    static const uint32_t sizes[] = {8, 9, 64, 127, 128, 129, 200, 4096, 8};
    static uint8_t req[4096], rep[4096];
    for (int round = 0; round < 20; round++) {
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            uint32_t n = sizes[k];
            for (uint32_t i = 0; i < n; i++)
                req[i] = (uint8_t)('a' + (i + round) % 26);
            memset(rep, 0, n);
            chan_call_args_t a = call_args(req, n, NULL, 0, rep, sizeof rep, NULL, 0);
            UT_EQ(sys_chan_call(c, &a, DEADLINE_INFINITE), (int64_t)n);
            for (uint32_t i = CHAN_TXID_SIZE; i < n; i++)
                UT_EQ(rep[i], (uint8_t)(('a' + (i + round) % 26) ^ 0x20));
        }
        handle_t rh = 0xdead;
        chan_call_args_t a = call_args(req, 16, &v, 1, rep, sizeof rep, &rh, 1);
        UT_EQ(sys_chan_call(c, &a, DEADLINE_INFINITE), 16);
        UT_EQ(object_of(rh), id);
        v = rh;
    }
    /* A reply larger than the room: queued, ERR_BUFFER_TOO_SMALL, kept. */
    memcpy(req + 8, "roomroomroomroom", 16);
    chan_call_args_t a = call_args(req, 24, NULL, 0, rep, 16, NULL, 0);
    UT_EQ(sys_chan_call(c, &a, DEADLINE_INFINITE), ERR_BUFFER_TOO_SMALL);
    chan_sizes_t sz = {sizeof rep, 0};
    UT_EQ(sys_chan_read(c, rep, NULL, &sz), OK);
    UT_EQ(sz.bytes, 24);
    UT_EQ(memcmp(rep + 8, "ROOMROOMROOMROOM", 16), 0);
    /* A reply handed over directly to a caller whose buffer is bad: queued
     * back, not lost. */
    UT_EQ(edge_map(), OK);
    for (size_t i = 0; i < NBAD_OUT; i++) {
        memcpy(req + 8, "lostx", 5);
        a = call_args(req, 13, NULL, 0, (void *)(uintptr_t)bad_ptrs[i], 16, NULL, 0);
        UT_EQ(sys_chan_call(c, &a, DEADLINE_INFINITE), ERR_BAD_ADDRESS);
        sz = (chan_sizes_t){sizeof rep, 0};
        UT_EQ(sys_chan_read(c, rep, NULL, &sz), OK);
        UT_EQ(sz.bytes, 13);
        UT_EQ(memcmp(rep + 8, "LOSTX", 5), 0);
    }
    edge_unmap();
    UT_EQ(drain(c), 0);
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(child_result(p, c), 0); /* its chan_reply_read ends with PEER_CLOSED */
    return 0;
}

/* Two client threads calling the same server at once: each gets its own
 * replies, whichever path each call takes. */
static handle_t direct_chan;
static volatile int direct_bad;

static int direct_caller(void *arg)
{
    uint8_t tag = (uint8_t)(uintptr_t)arg;
    for (int i = 0; i < 300; i++) {
        uint8_t req[24], rep[24];
        memset(req, 0, sizeof req);
        req[8] = tag;
        req[9] = (uint8_t)i;
        chan_call_args_t a = call_args(req, sizeof req, NULL, 0, rep, sizeof rep, NULL, 0);
        if (sys_chan_call(direct_chan, &a, DEADLINE_INFINITE) != 24 || rep[8] != (tag ^ 0x20) ||
            rep[9] != ((uint8_t)i ^ 0x20))
            direct_bad++;
    }
    return 0;
}

UTEST(chan_direct_two_callers)
{
    handle_t p;
    ut_thread_t t1, t2;
    UT_EQ(utest_spawn("chan_reply_read_server", &p, &direct_chan, NULL, 0), OK);
    direct_bad = 0;
    UT_EQ(ut_thread_start(&t1, direct_caller, (void *)(uintptr_t)'A'), OK);
    UT_EQ(ut_thread_start(&t2, direct_caller, (void *)(uintptr_t)'B'), OK);
    UT_EQ(ut_thread_join(&t1), OK);
    UT_EQ(ut_thread_join(&t2), OK);
    UT_EQ(direct_bad, 0);
    UT_EQ(drain(direct_chan), 0);
    UT_EQ(child_result(p, direct_chan), 0);
    return 0;
}

/* A message handed straight to a reader that cannot take it is queued
 * back and read next time. */
UTEST(chan_direct_reader_bad_buffer)
{
    handle_t p, c;
    UT_EQ(utest_spawn("chan_bad_buffer_reader", &p, &c, NULL, 0), OK);
    sys_thread_sleep(ut_now() + 20 * UT_MS); /* most likely blocked in chan_read by now */
    UT_EQ(sys_chan_write(c, "direct", 6, NULL, 0), OK);
    uint8_t buf[16];
    chan_sizes_t sz = {sizeof buf, 0};
    UT_EQ(sys_chan_recv(c, buf, NULL, &sz, ut_now() + LONG_WAIT), OK);
    UT_EQ(memcmp(buf, "got it", 6), 0);
    UT_EQ(child_result(p, c), 0);
    return 0;
}

/* chan_reply_read's checks, in one process: nothing is sent when they fail;
 * once the reply is written, the read's results and sizes come back. */
UTEST(chan_reply_read_checks)
{
    handle_t a, b, v, nowrite;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    uint8_t rep[16] = "12345678reply", in[16];
    chan_call_args_t args = call_args(rep, 13, NULL, 0, in, sizeof in, NULL, 0);
    UT_EQ(sys_chan_reply_read(b, &args, 0), ERR_INVALID_ARGS);
    UT_EQ(sys_chan_reply_read(b, (chan_call_args_t *)0x1000, DEADLINE_INFINITE), ERR_BAD_ADDRESS);
    UT_EQ(sys_chan_reply_read(HANDLE_INVALID, &args, DEADLINE_INFINITE), ERR_BAD_HANDLE);
    UT_EQ(sys_chan_reply_read(v, &args, DEADLINE_INFINITE), ERR_WRONG_TYPE);
    UT_EQ(sys_handle_dup(b, CHAN_RIGHTS & ~RIGHT_WRITE, &nowrite), OK);
    UT_EQ(sys_chan_reply_read(nowrite, &args, DEADLINE_INFINITE), ERR_ACCESS_DENIED);
    UT_EQ(sys_handle_close(nowrite), OK);
    chan_call_args_t big_args = call_args(big, CHAN_MAX_BYTES + 1, NULL, 0, in, sizeof in, NULL, 0);
    UT_EQ(sys_chan_reply_read(b, &big_args, DEADLINE_INFINITE), ERR_OUT_OF_RANGE);
    chan_call_args_t bad_args = call_args((void *)0x1000, 13, NULL, 0, in, sizeof in, NULL, 0);
    UT_EQ(sys_chan_reply_read(b, &bad_args, DEADLINE_INFINITE), ERR_BAD_ADDRESS);
    UT_EQ(drain(a), 0); /* nothing sent */

    /* The reply goes out; the read finds a queued message at once. */
    UT_EQ(sys_chan_write(a, "request!", 8, NULL, 0), OK);
    args = call_args(rep, 13, NULL, 0, in, sizeof in, NULL, 0);
    UT_EQ(sys_chan_reply_read(b, &args, DEADLINE_INFINITE), OK);
    UT_EQ(args.rd_num_bytes, 8);
    UT_EQ(args.rd_num_handles, 0);
    UT_EQ(memcmp(in, "request!", 8), 0);
    chan_sizes_t sz = {sizeof in, 0};
    UT_EQ(sys_chan_read(a, in, NULL, &sz), OK);
    UT_EQ(sz.bytes, 13);
    UT_EQ(memcmp(in, "12345678reply", 13), 0);

    /* Too small for the next message: sizes reported, message kept. */
    handle_t vd;
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_TRANSFER, &vd), OK);
    UT_EQ(sys_chan_write(a, "0123456789", 10, &vd, 1), OK);
    args = call_args(rep, 8, NULL, 0, in, 4, NULL, 0);
    UT_EQ(sys_chan_reply_read(b, &args, DEADLINE_INFINITE), ERR_BUFFER_TOO_SMALL);
    UT_EQ(args.rd_num_bytes, 10);
    UT_EQ(args.rd_num_handles, 1);
    UT_EQ(drain(a), 1); /* the reply went out all the same */
    UT_EQ(drain(b), 1); /* and the message stayed */

    /* Nothing to read by the deadline: the reply is still sent. */
    uint64_t t0 = ut_now();
    args = call_args(rep, 8, NULL, 0, in, sizeof in, NULL, 0);
    UT_EQ(sys_chan_reply_read(b, &args, t0 + 20 * UT_MS), ERR_TIMED_OUT);
    UT_CHECK(ut_now() >= t0 + 20 * UT_MS);
    UT_EQ(drain(a), 1);

    /* The peer gone: the reply cannot be written, nothing is read. */
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_chan_reply_read(b, &args, DEADLINE_INFINITE), ERR_PEER_CLOSED);
    UT_EQ(sys_handle_close(b), OK);
    UT_EQ(sys_handle_close(v), OK);
    return 0;
}
