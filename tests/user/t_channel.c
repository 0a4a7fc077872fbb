/* SPDX-License-Identifier: BSD-2-Clause
 *
 * System tests of channels: chan_write/chan_read with bytes and handles up
 * to the limits and one past them, the transfer right, all-or-nothing
 * writes (a failed write leaves every handle where it was, under the same
 * value), the bounded queue, short buffers, a closed peer and the handles
 * a closed endpoint drops, object_wait deadlines, chan_call against
 * servers in child processes (echo, silent, exiting), and bad user
 * pointers for every pointer argument, each leaving the message or the
 * handles untouched.
 */
#define EDGE_VA 0x6b0000000ull /* a page mapped only while a test needs it (uhandle.h) */

#include <stdbool.h>

#include "lib/kstring.h"
#include "uhandle.h"
#include "uhelp.h"
#include "utest.h"

#include "uchan.h"

static uint8_t big[CHAN_MAX_BYTES + 1];
static uint8_t big_in[CHAN_MAX_BYTES + 1];

/* ---- child processes --------------------------------------------------- */

/* Next request on chan; ERR_PEER_CLOSED once the client is gone. */
static int64_t next_request(handle_t chan, uint8_t *buf, handle_t *hs, chan_sizes_t *sz)
{
    uint32_t seen;
    int64_t err = sys_object_wait(chan, SIG_READABLE | SIG_PEER_CLOSED, ut_now() + LONG_WAIT, &seen);
    *sz = (chan_sizes_t){CHAN_MAX_BYTES, CHAN_MAX_HANDLES};
    return err == OK ? sys_chan_read(chan, buf, hs, sz) : err;
}

/* Replies to each request with its transaction id, the rest of its bytes
 * with the case flipped, and its handles. */
UCHILD(chan_echo_server)
{
    static uint8_t buf[CHAN_MAX_BYTES];
    handle_t hs[CHAN_MAX_HANDLES];
    chan_sizes_t sz;
    int64_t err;
    while ((err = next_request(chan, buf, hs, &sz)) == OK) {
        for (uint32_t i = CHAN_TXID_SIZE; i < sz.bytes; i++)
            buf[i] ^= 0x20;
        UT_EQ(sys_chan_write(chan, buf, sz.bytes, hs, sz.handles), OK);
    }
    UT_EQ(err, ERR_PEER_CLOSED);
    return 0;
}

/* The same with the waiting done by chan_read itself (sys_chan_recv). */
UCHILD(chan_recv_server)
{
    static uint8_t buf[CHAN_MAX_BYTES];
    handle_t hs[CHAN_MAX_HANDLES];
    int64_t err;
    for (;;) {
        chan_sizes_t sz = {CHAN_MAX_BYTES, CHAN_MAX_HANDLES};
        if ((err = sys_chan_recv(chan, buf, hs, &sz, ut_now() + LONG_WAIT)) != OK)
            break;
        for (uint32_t i = CHAN_TXID_SIZE; i < sz.bytes; i++)
            buf[i] ^= 0x20;
        UT_EQ(sys_chan_write(chan, buf, sz.bytes, hs, sz.handles), OK);
    }
    UT_EQ(err, ERR_PEER_CLOSED);
    return 0;
}

/* Takes requests and never answers. */
UCHILD(chan_silent_server)
{
    static uint8_t buf[CHAN_MAX_BYTES];
    handle_t hs[CHAN_MAX_HANDLES];
    chan_sizes_t sz;
    int64_t err;
    while ((err = next_request(chan, buf, hs, &sz)) == OK)
        for (uint32_t i = 0; i < sz.handles; i++)
            sys_handle_close(hs[i]);
    UT_EQ(err, ERR_PEER_CLOSED);
    return 0;
}

/* Takes one request and exits without answering. */
UCHILD(chan_exiting_server)
{
    static uint8_t buf[CHAN_MAX_BYTES];
    handle_t hs[CHAN_MAX_HANDLES];
    chan_sizes_t sz;
    UT_EQ(next_request(chan, buf, hs, &sz), OK);
    return 0;
}

/* ---- write and read ---------------------------------------------------- */

UTEST(chan_create_and_signals)
{
    handle_t a, b;
    uint32_t seen = 0;
    UT_EQ(sys_chan_create(&a, &b), OK);
    handle_info_t ia, ib;
    UT_EQ(sys_handle_info(a, &ia), OK);
    UT_EQ(sys_handle_info(b, &ib), OK);
    UT_EQ(ia.kind, KIND_CHANNEL);
    UT_EQ(ia.rights, CHAN_RIGHTS);
    UT_EQ(ib.rights, CHAN_RIGHTS);
    UT_CHECK(ia.object_id != ib.object_id);
    UT_EQ(sys_object_wait(a, SIG_WRITABLE, 0, &seen), OK);
    UT_EQ(seen, SIG_WRITABLE);
    UT_EQ(sys_object_wait(b, SIG_READABLE, 0, &seen), ERR_TIMED_OUT);
    UT_EQ(seen, SIG_WRITABLE);
    UT_EQ(sys_chan_write(a, "x", 1, NULL, 0), OK);
    UT_EQ(sys_object_wait(b, SIG_READABLE, 0, &seen), OK);
    UT_EQ(seen, SIG_READABLE | SIG_WRITABLE);
    UT_EQ(sys_object_wait(a, SIG_READABLE, 0, &seen), ERR_TIMED_OUT); /* a message goes one way */
    UT_EQ(drain(b), 1);
    UT_EQ(sys_object_wait(b, SIG_READABLE, 0, &seen), ERR_TIMED_OUT);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

/* Handles leave the writer and arrive usable, with their rights, in the
 * reader; a message may be empty. */
UTEST(chan_bytes_and_handles)
{
    handle_t a, b, v, r, got[2] = {0, 0};
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_vmo_write(v, "cairn", 0, 5), OK);
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_TRANSFER, &r), OK);
    uint64_t id = object_of(v);
    handle_t hs[2] = {v, r};
    UT_EQ(sys_chan_write(a, "hello", 5, hs, 2), OK);
    UT_CHECK(!alive(v));
    UT_CHECK(!alive(r));
    uint8_t byte;
    UT_EQ(sys_vmo_read(v, &byte, 0, 1), ERR_BAD_HANDLE);

    char buf[16] = {0};
    chan_sizes_t sz = {sizeof buf, 2};
    UT_EQ(sys_chan_read(b, buf, got, &sz), OK);
    UT_EQ(sz.bytes, 5);
    UT_EQ(sz.handles, 2);
    UT_CHECK(memcmp(buf, "hello", 5) == 0);
    handle_info_t i0, i1;
    UT_EQ(sys_handle_info(got[0], &i0), OK);
    UT_EQ(sys_handle_info(got[1], &i1), OK);
    UT_EQ(i0.object_id, id);
    UT_EQ(i1.object_id, id);
    UT_EQ(i0.rights, VMO_RIGHTS);
    UT_EQ(i1.rights, RIGHT_READ | RIGHT_TRANSFER);
    UT_EQ(sys_vmo_read(got[1], buf, 0, 5), OK);
    UT_CHECK(memcmp(buf, "cairn", 5) == 0);

    UT_EQ(sys_chan_write(b, NULL, 0, NULL, 0), OK); /* empty, the other way */
    sz = (chan_sizes_t){0, 0};
    UT_EQ(sys_chan_read(a, NULL, NULL, &sz), OK);
    UT_EQ(sz.bytes, 0);
    UT_EQ(sz.handles, 0);
    UT_EQ(sys_chan_read(a, NULL, NULL, &sz), ERR_SHOULD_WAIT);

    UT_EQ(sys_handle_close(got[0]), OK);
    UT_EQ(sys_handle_close(got[1]), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

UTEST(chan_max_bytes)
{
    handle_t a, b;
    UT_EQ(sys_chan_create(&a, &b), OK);
    for (uint32_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + (i >> 8));
    UT_EQ(sys_chan_write(a, big, CHAN_MAX_BYTES + 1, NULL, 0), ERR_OUT_OF_RANGE);
    UT_EQ(sys_chan_write(a, big, UINT32_MAX, NULL, 0), ERR_OUT_OF_RANGE);
    UT_EQ(syscall6(SYS_chan_write, a, U(big), 1ull << 32, 0, 0, 0), ERR_OUT_OF_RANGE); /* no truncation */
    UT_EQ(sys_chan_write(a, big, CHAN_MAX_BYTES, NULL, 0), OK);
    chan_sizes_t sz = {sizeof big_in, 0};
    UT_EQ(sys_chan_read(b, big_in, NULL, &sz), OK);
    UT_EQ(sz.bytes, CHAN_MAX_BYTES);
    UT_CHECK(memcmp(big, big_in, CHAN_MAX_BYTES) == 0);
    UT_EQ(sys_chan_read(b, big_in, NULL, &sz), ERR_SHOULD_WAIT); /* the refused ones left nothing */
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

UTEST(chan_max_handles)
{
    handle_t a, b, v, hs[CHAN_MAX_HANDLES + 1], got[CHAN_MAX_HANDLES + 1];
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    for (uint32_t i = 0; i < CHAN_MAX_HANDLES + 1; i++)
        UT_EQ(sys_handle_dup(v, VMO_RIGHTS, &hs[i]), OK);
    UT_EQ(sys_chan_write(a, "h", 1, hs, CHAN_MAX_HANDLES + 1), ERR_OUT_OF_RANGE);
    for (uint32_t i = 0; i < CHAN_MAX_HANDLES + 1; i++)
        UT_CHECK(alive(hs[i]));
    UT_EQ(sys_chan_write(a, "h", 1, hs, CHAN_MAX_HANDLES), OK);
    for (uint32_t i = 0; i < CHAN_MAX_HANDLES; i++)
        UT_CHECK(!alive(hs[i]));
    UT_CHECK(alive(hs[CHAN_MAX_HANDLES]));
    char byte;
    chan_sizes_t sz = {1, CHAN_MAX_HANDLES + 1};
    UT_EQ(sys_chan_read(b, &byte, got, &sz), OK);
    UT_EQ(sz.handles, CHAN_MAX_HANDLES);
    for (uint32_t i = 0; i < CHAN_MAX_HANDLES; i++) {
        UT_EQ(object_of(got[i]), object_of(v));
        for (uint32_t j = 0; j < i; j++)
            UT_CHECK(got[i] != got[j]);
        UT_EQ(sys_handle_close(got[i]), OK);
    }
    UT_EQ(sys_handle_close(hs[CHAN_MAX_HANDLES]), OK);
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

/* Every handle needs RIGHT_TRANSFER and must be valid; if one fails, none
 * moves and nothing is queued. */
UTEST(chan_transfer_needs_right)
{
    handle_t a, b, v, ok, stuck;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_handle_dup(v, VMO_RIGHTS, &ok), OK);
    UT_EQ(sys_handle_dup(v, VMO_RIGHTS & ~RIGHT_TRANSFER, &stuck), OK);
    handle_t hs[2] = {ok, stuck};
    UT_EQ(sys_chan_write(a, "t", 1, hs, 2), ERR_ACCESS_DENIED);
    UT_CHECK(alive(ok));
    UT_CHECK(alive(stuck));
    handle_t bad[3] = {ok, v ^ (1u << 16), v};
    UT_EQ(sys_chan_write(a, "t", 1, bad, 3), ERR_BAD_HANDLE);
    UT_CHECK(alive(ok));
    UT_CHECK(alive(v));
    UT_EQ(drain(b), 0);
    UT_EQ(sys_handle_close(ok), OK);
    UT_EQ(sys_handle_close(stuck), OK);
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

UTEST(chan_same_handle_twice)
{
    handle_t a, b, v, w;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_vmo_create(4096, 0, &w), OK);
    handle_t hs[3] = {v, w, v};
    UT_EQ(sys_chan_write(a, "2", 1, hs, 3), ERR_INVALID_ARGS);
    UT_CHECK(alive(v));
    UT_CHECK(alive(w));
    UT_EQ(drain(b), 0);
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(sys_handle_close(w), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

/* Neither endpoint can travel through its own channel; the refused write
 * leaves it and the other handles in the writer under the same values. */
UTEST(chan_endpoint_through_itself)
{
    handle_t a, b, v;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_chan_write(a, "self", 4, &a, 1), ERR_INVALID_ARGS);
    UT_CHECK(alive(a));
    handle_t dup;
    UT_EQ(sys_handle_dup(a, CHAN_RIGHTS, &dup), OK);
    UT_EQ(sys_chan_write(a, "self", 4, &dup, 1), ERR_INVALID_ARGS); /* any handle to it */
    UT_CHECK(alive(dup));
    UT_EQ(sys_handle_close(dup), OK);
    handle_t hs[2] = {v, a};
    UT_EQ(sys_chan_write(a, "self", 4, hs, 2), ERR_INVALID_ARGS);
    UT_CHECK(alive(a));
    UT_CHECK(alive(v));
    /* Nor can its peer: queued in its own queue it would keep itself alive. */
    UT_EQ(sys_chan_write(a, "peer", 4, &b, 1), ERR_INVALID_ARGS);
    UT_CHECK(alive(b));
    UT_EQ(drain(b), 0);
    UT_EQ(sys_chan_write(a, "ok", 2, NULL, 0), OK); /* and a still works */
    UT_EQ(drain(b), 1);
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

/* CHAN_QUEUE_MAX messages fit; the next is refused (its handles stay with
 * the writer) until the reader takes one. Messages come out in order. */
UTEST(chan_queue_full)
{
    handle_t a, b, v;
    uint32_t seen;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    for (uint32_t i = 0; i < CHAN_QUEUE_MAX; i++)
        UT_EQ(sys_chan_write(a, &i, sizeof i, NULL, 0), OK);
    uint32_t extra = 1000;
    UT_EQ(sys_chan_write(a, &extra, sizeof extra, NULL, 0), ERR_QUEUE_FULL);
    UT_EQ(sys_chan_write(a, &extra, sizeof extra, &v, 1), ERR_QUEUE_FULL);
    UT_CHECK(alive(v));
    UT_EQ(sys_object_wait(a, SIG_WRITABLE, 0, &seen), ERR_TIMED_OUT);

    uint32_t got;
    chan_sizes_t sz = {sizeof got, 0};
    UT_EQ(sys_chan_read(b, &got, NULL, &sz), OK);
    UT_EQ(got, 0);
    UT_EQ(sys_object_wait(a, SIG_WRITABLE, 0, &seen), OK);
    UT_EQ(sys_chan_write(a, &extra, sizeof extra, &v, 1), OK);
    UT_CHECK(!alive(v));
    UT_EQ(sys_chan_write(a, &extra, sizeof extra, NULL, 0), ERR_QUEUE_FULL);
    for (uint32_t i = 1; i < CHAN_QUEUE_MAX; i++) {
        sz = (chan_sizes_t){sizeof got, 0};
        UT_EQ(sys_chan_read(b, &got, NULL, &sz), OK);
        UT_EQ(got, i);
    }
    handle_t h;
    sz = (chan_sizes_t){sizeof got, 1};
    UT_EQ(sys_chan_read(b, &got, &h, &sz), OK);
    UT_EQ(got, 1000);
    UT_EQ(sys_chan_read(b, &got, &h, &sz), ERR_SHOULD_WAIT);
    UT_EQ(sys_handle_close(h), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

/* A short buffer gets ERR_BUFFER_TOO_SMALL with the sizes needed, and the
 * message stays queued, untouched. */
UTEST(chan_buffer_too_small)
{
    handle_t a, b, v, h = 0xdead;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    for (uint32_t i = 0; i < 100; i++)
        big[i] = (uint8_t)i;
    UT_EQ(sys_chan_write(a, big, 100, &v, 1), OK);
    memset(big_in, 0xee, 100);
    chan_sizes_t sz = {99, 1};
    UT_EQ(sys_chan_read(b, big_in, &h, &sz), ERR_BUFFER_TOO_SMALL);
    UT_EQ(sz.bytes, 100);
    UT_EQ(sz.handles, 1);
    UT_EQ(big_in[0], 0xee);
    UT_EQ(h, 0xdead);
    sz = (chan_sizes_t){100, 0};
    UT_EQ(sys_chan_read(b, big_in, &h, &sz), ERR_BUFFER_TOO_SMALL);
    UT_EQ(sz.bytes, 100);
    UT_EQ(sz.handles, 1);
    sz = (chan_sizes_t){0, 0};
    UT_EQ(sys_chan_read(b, NULL, NULL, &sz), ERR_BUFFER_TOO_SMALL);
    UT_EQ(sz.bytes, 100);
    sz = (chan_sizes_t){100, 1};
    UT_EQ(sys_chan_read(b, big_in, &h, &sz), OK);
    UT_CHECK(memcmp(big, big_in, 100) == 0);
    UT_CHECK(alive(h));
    UT_EQ(sys_handle_close(h), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

/* ---- closed peer ------------------------------------------------------- */

/* Closing one end: the other sees PEER_CLOSED (and not WRITABLE), its
 * writes fail and keep their handles, and its reads drain what was queued
 * before they fail too. */
UTEST(chan_peer_closed)
{
    handle_t a, b, v;
    uint32_t seen;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_chan_write(a, "one", 3, NULL, 0), OK);
    UT_EQ(sys_chan_write(a, "two", 3, NULL, 0), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_object_wait(b, SIG_PEER_CLOSED, 0, &seen), OK);
    UT_EQ(seen, SIG_READABLE | SIG_PEER_CLOSED);
    UT_EQ(sys_chan_write(b, "x", 1, NULL, 0), ERR_PEER_CLOSED);
    UT_EQ(sys_chan_write(b, "x", 1, &v, 1), ERR_PEER_CLOSED);
    UT_CHECK(alive(v));

    char buf[4];
    chan_sizes_t sz = {sizeof buf, 0};
    UT_EQ(sys_chan_read(b, buf, NULL, &sz), OK);
    UT_CHECK(memcmp(buf, "one", 3) == 0);
    UT_EQ(sys_chan_read(b, buf, NULL, &sz), OK);
    UT_CHECK(memcmp(buf, "two", 3) == 0);
    UT_EQ(sys_chan_read(b, buf, NULL, &sz), ERR_PEER_CLOSED);
    UT_EQ(sys_object_wait(b, SIG_PEER_CLOSED, 0, &seen), OK);
    UT_EQ(seen, SIG_PEER_CLOSED);
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

/* Handles in messages queued on an endpoint that goes away are closed
 * with it: here a channel end, whose peer then sees PEER_CLOSED. */
UTEST(chan_close_drops_queued_handles)
{
    handle_t a, b, c, d;
    uint32_t seen;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_chan_create(&c, &d), OK);
    UT_EQ(sys_chan_write(a, "c", 1, &c, 1), OK);
    UT_EQ(sys_object_wait(d, SIG_PEER_CLOSED, 0, &seen), ERR_TIMED_OUT); /* c lives in the queue */
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_object_wait(d, SIG_PEER_CLOSED, 0, &seen), ERR_TIMED_OUT); /* still queued on b */
    UT_EQ(sys_handle_close(b), OK);
    UT_EQ(sys_object_wait(d, SIG_PEER_CLOSED, 0, &seen), OK);
    UT_EQ(sys_chan_write(d, "x", 1, NULL, 0), ERR_PEER_CLOSED);
    UT_EQ(sys_handle_close(d), OK);
    return 0;
}

/* The same, counted: a 1 MiB vmo queued on an endpoint is freed (memory
 * quota back) when the endpoint is closed; handle counts return. */
UCHILD(chan_queued_vmo_owner)
{
    handle_t a, b, v;
    UT_EQ(child_step(chan), OK);
    UT_EQ(sys_vmo_create(1 << 20, 0, &v), OK);
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_chan_write(a, "v", 1, &v, 1), OK);
    UT_EQ(child_step(chan), OK);
    UT_EQ(sys_handle_close(b), OK);
    UT_EQ(child_step(chan), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(child_step(chan), OK);
    return 0;
}

UTEST(chan_close_frees_queued_memory)
{
    handle_t p, c;
    process_info_t i0, i1, i2, i3;
    UT_EQ(utest_spawn("chan_queued_vmo_owner", &p, &c, NULL, 0), OK);
    UT_EQ(parent_await(c), OK);
    UT_EQ(sys_process_info(p, &i0), OK);
    UT_EQ(parent_go(c), OK);
    UT_EQ(parent_await(c), OK); /* vmo queued on b */
    UT_EQ(sys_process_info(p, &i1), OK);
    UT_EQ(i1.memory_bytes, i0.memory_bytes + (1 << 20));
    UT_EQ(i1.handles, i0.handles + 2);
    UT_EQ(parent_go(c), OK);
    UT_EQ(parent_await(c), OK); /* b closed */
    UT_EQ(sys_process_info(p, &i2), OK);
    UT_EQ(i2.memory_bytes, i0.memory_bytes);
    UT_EQ(i2.handles, i0.handles + 1);
    UT_EQ(parent_go(c), OK);
    UT_EQ(parent_await(c), OK); /* a closed */
    UT_EQ(sys_process_info(p, &i3), OK);
    UT_EQ(i3.handles, i0.handles);
    UT_EQ(parent_go(c), OK);
    UT_EQ(child_result(p, c), 0);
    return 0;
}

/* ---- object_wait ------------------------------------------------------- */

UTEST(object_wait_deadlines)
{
    handle_t a, b;
    uint32_t seen = 0;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_object_wait(b, SIG_READABLE, 0, &seen), ERR_TIMED_OUT);
    UT_EQ(seen, SIG_WRITABLE);
    uint64_t t0 = ut_now();
    UT_EQ(sys_object_wait(b, SIG_READABLE, t0 - 1, &seen), ERR_TIMED_OUT); /* in the past */
    UT_EQ(sys_object_wait(b, SIG_READABLE | SIG_PEER_CLOSED, t0 + 30 * UT_MS, &seen), ERR_TIMED_OUT);
    uint64_t waited = ut_now() - t0;
    UT_CHECK(waited >= 30 * UT_MS);
    UT_CHECK(waited < 5000 * UT_MS);
    UT_EQ(sys_chan_write(a, "r", 1, NULL, 0), OK);
    UT_EQ(sys_object_wait(b, SIG_READABLE, 0, &seen), OK); /* ready: no deadline matters */
    UT_EQ(sys_object_wait(b, SIG_READABLE, DEADLINE_INFINITE, NULL), OK);
    UT_EQ(drain(b), 1);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

UTEST(object_wait_errors)
{
    handle_t a, b;
    uint32_t seen;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_object_wait(a, 0, 0, &seen), ERR_INVALID_ARGS);
    UT_EQ(sys_object_wait(a, SIG_TIMER, 0, &seen), ERR_TIMED_OUT); /* never raised, but allowed */
    UT_EQ(syscall6(SYS_object_wait, a, 1ull << 32, 0, U(&seen), 0, 0), ERR_INVALID_ARGS);
    UT_EQ(sys_object_wait(HANDLE_INVALID, SIG_WRITABLE, 0, &seen), ERR_BAD_HANDLE);
    UT_EQ(sys_object_wait(a ^ (1u << 16), SIG_WRITABLE, 0, &seen), ERR_BAD_HANDLE);
    UT_EQ(edge_map(), OK);
    for (size_t i = 0; i < NBAD_OUT; i++)
        UT_EQ(sys_object_wait(a, SIG_WRITABLE, 0, (uint32_t *)(uintptr_t)bad_ptrs[i]), ERR_BAD_ADDRESS);
    edge_unmap();
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

/* A blocked wait ends when the other end goes away in another process. */
UCHILD(chan_exit_at_once)
{
    (void)chan;
    return 0;
}

UTEST(object_wait_wakes_on_peer_exit)
{
    handle_t p, c;
    uint32_t seen;
    UT_EQ(utest_spawn("chan_exit_at_once", &p, &c, NULL, 0), OK);
    UT_EQ(sys_object_wait(c, SIG_PEER_CLOSED, ut_now() + LONG_WAIT, &seen), OK);
    UT_CHECK(seen & SIG_PEER_CLOSED);
    UT_EQ(child_result(p, c), 0);
    return 0;
}

/* chan_read with a deadline waits in the kernel: for a message, until the
 * deadline, or until the peer goes; 0 keeps the non-blocking read. */
UTEST(chan_recv_waits_and_times_out)
{
    handle_t a, b, x;
    uint8_t buf[16];
    chan_sizes_t sz = {sizeof buf, 0};
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_chan_recv(b, buf, NULL, &sz, 0), ERR_SHOULD_WAIT);
    uint64_t t0 = ut_now();
    UT_EQ(sys_chan_recv(b, buf, NULL, &sz, t0 + 20 * UT_MS), ERR_TIMED_OUT);
    UT_CHECK(ut_now() >= t0 + 20 * UT_MS);
    UT_EQ(sys_chan_recv(b, buf, NULL, &sz, ut_now() - 1), ERR_TIMED_OUT); /* already past */
    UT_EQ(sys_chan_write(a, "hi", 3, NULL, 0), OK);
    UT_EQ(sys_chan_recv(b, buf, NULL, &sz, DEADLINE_INFINITE), OK);
    UT_EQ(sz.bytes, 3);
    UT_EQ(memcmp(buf, "hi", 3), 0);
    UT_EQ(sys_chan_recv(b, buf, NULL, (chan_sizes_t *)1, DEADLINE_INFINITE), ERR_BAD_ADDRESS);
    UT_EQ(sys_vmo_create(4096, 0, &x), OK);
    sz = (chan_sizes_t){sizeof buf, 0};
    UT_EQ(sys_chan_recv(x, buf, NULL, &sz, DEADLINE_INFINITE), ERR_WRONG_TYPE);
    UT_EQ(sys_chan_recv(0x7777, buf, NULL, &sz, DEADLINE_INFINITE), ERR_BAD_HANDLE);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_chan_recv(b, buf, NULL, &sz, DEADLINE_INFINITE), ERR_PEER_CLOSED); /* at once */
    UT_EQ(sys_handle_close(b), OK);
    UT_EQ(sys_handle_close(x), OK);
    return 0;
}

/* A server blocked in chan_recv in another process answers calls, and
 * its wait ends with PEER_CLOSED when the client closes. */
UTEST(chan_recv_server_answers)
{
    handle_t p, c;
    UT_EQ(utest_spawn("chan_recv_server", &p, &c, NULL, 0), OK);
    uint8_t req[12] = {0, 0, 0, 0, 0, 0, 0, 0, 'p', 'i', 'n', 'g'}, rep[32];
    for (int i = 0; i < 50; i++) {
        chan_call_args_t args = {.wr_bytes = U(req), .wr_num_bytes = sizeof req, .rd_bytes = U(rep),
                                 .rd_num_bytes = sizeof rep};
        UT_EQ(sys_chan_call(c, &args, ut_now() + LONG_WAIT), 12);
        UT_EQ(memcmp(rep + 8, "PING", 4), 0);
    }
    UT_EQ(child_result(p, c), 0);
    return 0;
}

/* ---- chan_call --------------------------------------------------------- */

UTEST(chan_call_echo)
{
    handle_t p, c, v;
    UT_EQ(utest_spawn("chan_echo_server", &p, &c, NULL, 0), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    uint64_t id = object_of(v);
    uint8_t req[12] = {0, 0, 0, 0, 0, 0, 0, 0, 'p', 'i', 'n', 'g'}, rep[32];
    handle_t rh[2] = {0, 0};
    uint64_t last = 0;
    for (int i = 0; i < 20; i++) {
        memset(rep, 0, sizeof rep);
        chan_call_args_t args = call_args(req, sizeof req, &v, 1, rep, sizeof rep, rh, 2);
        UT_EQ(sys_chan_call(c, &args, ut_now() + LONG_WAIT), 12);
        UT_CHECK(memcmp(rep + 8, "PING", 4) == 0);
        uint64_t txid;
        memcpy(&txid, rep, sizeof txid);
        UT_CHECK(txid != 0 && txid != last); /* the kernel's id, new each call */
        last = txid;
        UT_EQ(object_of(rh[0]), id); /* the handle went there and back */
        v = rh[0];
    }
    UT_EQ(drain(c), 0); /* every reply was taken by its call */
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(child_result(p, c), 0);
    return 0;
}

UTEST(chan_call_deadline)
{
    handle_t p, c;
    UT_EQ(utest_spawn("chan_silent_server", &p, &c, NULL, 0), OK);
    uint8_t req[8] = {0}, rep[8];
    chan_call_args_t args = call_args(req, sizeof req, NULL, 0, rep, sizeof rep, NULL, 0);
    uint64_t t0 = ut_now();
    UT_EQ(sys_chan_call(c, &args, t0 + 50 * UT_MS), ERR_TIMED_OUT);
    uint64_t waited = ut_now() - t0;
    UT_CHECK(waited >= 50 * UT_MS);
    UT_CHECK(waited < 5000 * UT_MS);
    UT_EQ(sys_chan_call(c, &args, 0), ERR_TIMED_OUT); /* a deadline in the past */
    UT_EQ(child_result(p, c), 0);
    return 0;
}

UTEST(chan_call_server_exits)
{
    handle_t p, c;
    UT_EQ(utest_spawn("chan_exiting_server", &p, &c, NULL, 0), OK);
    uint8_t req[8] = {0}, rep[8];
    chan_call_args_t args = call_args(req, sizeof req, NULL, 0, rep, sizeof rep, NULL, 0);
    UT_EQ(sys_chan_call(c, &args, ut_now() + LONG_WAIT), ERR_PEER_CLOSED);
    UT_EQ(sys_chan_call(c, &args, ut_now() + LONG_WAIT), ERR_PEER_CLOSED); /* and after it is gone */
    handle_t v;
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    args = call_args(req, sizeof req, &v, 1, rep, sizeof rep, NULL, 0);
    UT_EQ(sys_chan_call(c, &args, ut_now() + LONG_WAIT), ERR_PEER_CLOSED);
    UT_CHECK(alive(v)); /* the refused request left its handle here */
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(child_result(p, c), 0);
    return 0;
}

/* Checks before anything is sent: sizes, the handle, rights, pointers. */
UTEST(chan_call_refused)
{
    handle_t a, b, noread, v;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    uint8_t req[8] = {0}, rep[8];
    chan_call_args_t args = call_args(req, 7, NULL, 0, rep, sizeof rep, NULL, 0);
    UT_EQ(sys_chan_call(a, &args, 0), ERR_INVALID_ARGS);
    args = call_args(req, 8, NULL, 0, rep, 7, NULL, 0);
    UT_EQ(sys_chan_call(a, &args, 0), ERR_INVALID_ARGS);
    args = call_args(big, CHAN_MAX_BYTES + 1, NULL, 0, rep, sizeof rep, NULL, 0);
    UT_EQ(sys_chan_call(a, &args, 0), ERR_OUT_OF_RANGE);
    handle_t hs[CHAN_MAX_HANDLES + 1] = {0};
    args = call_args(req, 8, hs, CHAN_MAX_HANDLES + 1, rep, sizeof rep, NULL, 0);
    UT_EQ(sys_chan_call(a, &args, 0), ERR_OUT_OF_RANGE);
    args = call_args(req, 8, NULL, 0, rep, sizeof rep, NULL, 0);
    UT_EQ(sys_chan_call(HANDLE_INVALID, &args, 0), ERR_BAD_HANDLE);
    UT_EQ(sys_chan_call(v, &args, 0), ERR_WRONG_TYPE);
    UT_EQ(sys_handle_dup(a, CHAN_RIGHTS & ~RIGHT_READ, &noread), OK);
    UT_EQ(sys_chan_call(noread, &args, 0), ERR_ACCESS_DENIED);
    UT_EQ(sys_handle_close(noread), OK);
    UT_EQ(sys_handle_dup(a, CHAN_RIGHTS & ~RIGHT_WRITE, &noread), OK);
    UT_EQ(sys_chan_call(noread, &args, 0), ERR_ACCESS_DENIED);
    UT_EQ(sys_handle_close(noread), OK);
    args = call_args(req, 8, &a, 1, rep, sizeof rep, NULL, 0);
    UT_EQ(sys_chan_call(a, &args, 0), ERR_INVALID_ARGS); /* itself */
    UT_CHECK(alive(a));
    for (uint32_t i = 0; i < CHAN_QUEUE_MAX; i++)
        UT_EQ(sys_chan_write(a, "f", 1, NULL, 0), OK);
    args = call_args(req, 8, &v, 1, rep, sizeof rep, NULL, 0);
    UT_EQ(sys_chan_call(a, &args, ut_now() + LONG_WAIT), ERR_QUEUE_FULL);
    UT_CHECK(alive(v));
    UT_EQ(drain(b), CHAN_QUEUE_MAX);

    UT_EQ(edge_map(), OK);
    for (size_t i = 0; i < NBAD_IN; i++) {
        UT_EQ(sys_chan_call(a, (const chan_call_args_t *)(uintptr_t)bad_ptrs[i], 0), ERR_BAD_ADDRESS);
        args = call_args((const void *)(uintptr_t)bad_ptrs[i], 8, NULL, 0, rep, sizeof rep, NULL, 0);
        UT_EQ(sys_chan_call(a, &args, 0), ERR_BAD_ADDRESS);
        args = call_args(req, 8, (const handle_t *)(uintptr_t)bad_ptrs[i], 1, rep, sizeof rep, NULL, 0);
        UT_EQ(sys_chan_call(a, &args, 0), ERR_BAD_ADDRESS);
    }
    edge_unmap();
    UT_EQ(drain(b), 0); /* nothing was sent */
    UT_CHECK(alive(v));
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

/* A reply that cannot be delivered (short buffer, bad pointer) stays
 * queued, handles and all; chan_read then gets it. */
UTEST(chan_call_reply_kept)
{
    handle_t p, c, v;
    UT_EQ(utest_spawn("chan_echo_server", &p, &c, NULL, 0), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    uint64_t id = object_of(v);
    uint8_t req[12] = {0, 0, 0, 0, 0, 0, 0, 0, 'k', 'e', 'e', 'p'}, rep[16];
    handle_t rh = 0xdead;
    chan_sizes_t sz;
    UT_EQ(edge_map(), OK);

    chan_call_args_t args = call_args(req, sizeof req, &v, 1, rep, 8, &rh, 1);
    UT_EQ(sys_chan_call(c, &args, ut_now() + LONG_WAIT), ERR_BUFFER_TOO_SMALL);
    sz = (chan_sizes_t){sizeof rep, 1};
    UT_EQ(sys_chan_read(c, rep, &rh, &sz), OK);
    UT_EQ(sz.bytes, 12);
    UT_CHECK(memcmp(rep + 8, "KEEP", 4) == 0);
    UT_EQ(object_of(rh), id);
    v = rh;

    for (size_t i = 0; i < NBAD_OUT; i++) {
        args = call_args(req, sizeof req, &v, 1, (void *)(uintptr_t)bad_ptrs[i], sizeof rep, &rh, 1);
        UT_EQ(sys_chan_call(c, &args, ut_now() + LONG_WAIT), ERR_BAD_ADDRESS);
        rh = 0xdead;
        sz = (chan_sizes_t){sizeof rep, 1};
        UT_EQ(sys_chan_read(c, rep, &rh, &sz), OK);
        UT_CHECK(memcmp(rep + 8, "KEEP", 4) == 0);
        UT_EQ(object_of(rh), id);
        v = rh;

        args = call_args(req, sizeof req, &v, 1, rep, sizeof rep, (handle_t *)(uintptr_t)bad_ptrs[i], 1);
        UT_EQ(sys_chan_call(c, &args, ut_now() + LONG_WAIT), ERR_BAD_ADDRESS);
        rh = 0xdead;
        sz = (chan_sizes_t){sizeof rep, 1};
        UT_EQ(sys_chan_read(c, rep, &rh, &sz), OK);
        UT_EQ(object_of(rh), id);
        v = rh;
    }
    edge_unmap();
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(child_result(p, c), 0);
    return 0;
}

/* ---- bad pointers in write and read ------------------------------------ */

UTEST(chan_write_bad_pointers)
{
    handle_t a, b, v;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(edge_map(), OK);
    for (size_t i = 0; i < NBAD_IN; i++) {
        const void *bad = (const void *)(uintptr_t)bad_ptrs[i];
        UT_EQ(sys_chan_write(a, bad, 8, NULL, 0), ERR_BAD_ADDRESS);
        UT_EQ(sys_chan_write(a, bad, 8, &v, 1), ERR_BAD_ADDRESS);
        UT_EQ(sys_chan_write(a, "h", 1, bad, 1), ERR_BAD_ADDRESS);
        UT_CHECK(alive(v));
    }
    edge_unmap();
    UT_EQ(drain(b), 0);
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

/* A read that cannot deliver (bytes, handles or sizes unwritable) leaves
 * the message queued with its handle; a good read then gets it all. */
UTEST(chan_read_bad_pointers)
{
    handle_t a, b, v, h;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    uint64_t id = object_of(v);
    UT_EQ(sys_chan_write(a, "message!", 8, &v, 1), OK);
    UT_EQ(edge_map(), OK);
    char buf[8];
    for (size_t i = 0; i < NBAD_OUT; i++) {
        void *bad = (void *)(uintptr_t)bad_ptrs[i];
        chan_sizes_t sz = {8, 1};
        UT_EQ(sys_chan_read(b, bad, &h, &sz), ERR_BAD_ADDRESS);
        sz = (chan_sizes_t){8, 1};
        UT_EQ(sys_chan_read(b, buf, bad, &sz), ERR_BAD_ADDRESS);
        if (i < NBAD_IN)
            UT_EQ(sys_chan_read(b, buf, &h, bad), ERR_BAD_ADDRESS);
    }
    edge_unmap();
    UT_EQ(sys_chan_read(HANDLE_INVALID, buf, &h, (chan_sizes_t *)0x1000), ERR_BAD_ADDRESS); /* sizes first */
    UT_EQ(sys_chan_read(b, buf, &h, (chan_sizes_t *)ro_words), ERR_BUFFER_TOO_SMALL); /* {1, 0} */
    h = 0xdead;
    chan_sizes_t sz = {8, 1};
    UT_EQ(sys_chan_read(b, buf, &h, &sz), OK);
    UT_CHECK(memcmp(buf, "message!", 8) == 0);
    UT_EQ(object_of(h), id);
    UT_EQ(drain(b), 0);

    /* The one exception: sizes unwritable after delivery. The message is
     * the caller's, and the call says the pointer was bad. */
    static const chan_sizes_t ro_sizes = {8, 1};
    UT_EQ(sys_chan_write(a, "taken...", 8, NULL, 0), OK);
    UT_EQ(sys_chan_read(b, buf, NULL, (chan_sizes_t *)&ro_sizes), ERR_BAD_ADDRESS);
    UT_CHECK(memcmp(buf, "taken...", 8) == 0);
    UT_EQ(drain(b), 0);
    UT_EQ(sys_handle_close(h), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}
