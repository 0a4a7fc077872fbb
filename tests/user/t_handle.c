/* SPDX-License-Identifier: BSD-2-Clause
 *
 * System tests of the handle calls (close, dup, info, revoke) and of what
 * every call does with a handle: generations catch stale and forged
 * values, the type and the rights are checked, rights only shrink,
 * revocation reaches every descendant (in this process, in another one,
 * in flight in a channel queue; closing a handle moves its children up),
 * the handle quota holds, and bad out pointers change nothing.
 */
#define EDGE_VA 0x6a0000000ull /* a page mapped only while a test needs it (uhandle.h) */

#include <stdbool.h>

#include "lib/kstring.h"
#include "uhandle.h"
#include "utest.h"

static const uint64_t ro_words[4] = {1, 2, 3, 4}; /* read-only data */

/* Pointers no call may write through: below user space, unmapped, kernel
 * text, above user space, straddling its top, straddling into an unmapped
 * page, read-only. */
static const uint64_t bad_out_ptrs[] = {
    0x1000, 0x50000000, 0xffffffff80100000ull, 0x00007ffffffffffeull, 0x00007fffffffeffeull,
    EDGE_VA + 4094, (uint64_t)(uintptr_t)ro_words,
};
#define NBAD (sizeof bad_out_ptrs / sizeof bad_out_ptrs[0])

/* ---- child processes (stepped with uhandle.h's step protocol) -------- */

/* The handles a process holds, 0 when its info cannot be read. */
static uint32_t handles_of(handle_t proc)
{
    process_info_t info;
    return sys_process_info(proc, &info) == OK ? info.handles : 0;
}

/* ---- close, dup, info -------------------------------------------------- */

UTEST(handle_dup_info_close)
{
    handle_t v, d, v2;
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    handle_info_t iv, id;
    UT_EQ(sys_handle_info(v, &iv), OK);
    UT_EQ(iv.kind, KIND_VMO);
    UT_EQ(iv.rights, VMO_RIGHTS);
    UT_CHECK(iv.object_id != 0);

    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_DUPLICATE, &d), OK);
    UT_CHECK(d != v && d != HANDLE_INVALID);
    UT_EQ(sys_handle_info(d, &id), OK);
    UT_EQ(id.kind, KIND_VMO);
    UT_EQ(id.rights, RIGHT_READ | RIGHT_DUPLICATE);
    UT_EQ(id.object_id, iv.object_id);

    UT_EQ(sys_vmo_create(4096, 0, &v2), OK);
    UT_CHECK(object_of(v2) != iv.object_id);

    handle_t a, b;
    UT_EQ(sys_chan_create(&a, &b), OK);
    handle_info_t ia;
    UT_EQ(sys_handle_info(a, &ia), OK);
    UT_EQ(ia.kind, KIND_CHANNEL);
    UT_EQ(ia.rights, CHAN_RIGHTS);

    UT_EQ(sys_handle_close(d), OK);
    UT_EQ(sys_handle_close(d), ERR_BAD_HANDLE);
    UT_EQ(sys_handle_info(d, &id), ERR_BAD_HANDLE);
    UT_CHECK(alive(v)); /* closing a dup leaves the original */
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(sys_handle_close(v2), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

/* HANDLE_INVALID, values out of the table, bit 31, and a live handle's
 * slot with another generation (a forgery) all fail the same way. */
UTEST(handle_invalid_values)
{
    handle_t v, out;
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    const handle_t bad[] = {HANDLE_INVALID, 0xffffffffu, 0x7fffffffu, 0x8000ffffu, 0x0001ffffu, 0xdeadbeefu,
                            v | 0x80000000u, v ^ (1u << 16), v ^ (0x7fffu << 16), v & 0xffffu};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        handle_info_t info;
        uint8_t byte;
        UT_EQ(sys_handle_close(bad[i]), ERR_BAD_HANDLE);
        UT_EQ(sys_handle_dup(bad[i], RIGHT_READ, &out), ERR_BAD_HANDLE);
        UT_EQ(sys_handle_info(bad[i], &info), ERR_BAD_HANDLE);
        UT_EQ(sys_handle_revoke(bad[i]), ERR_BAD_HANDLE);
        UT_EQ(sys_vmo_read(bad[i], &byte, 0, 1), ERR_BAD_HANDLE);
        UT_EQ(sys_chan_write(bad[i], "x", 1, NULL, 0), ERR_BAD_HANDLE);
    }
    UT_CHECK(alive(v));
    UT_EQ(sys_handle_close(v), OK);
    return 0;
}

/* A closed value stays dead even when its slot holds a new handle: the
 * generation differs. */
UTEST(handle_stale_after_slot_reuse)
{
    handle_t v, old, n = HANDLE_INVALID;
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_handle_dup(v, RIGHT_READ, &old), OK);
    UT_EQ(sys_handle_close(old), OK);
    bool reused = false;
    for (int i = 0; i < 70000 && !reused; i++) {
        UT_EQ(sys_handle_dup(v, RIGHT_READ, &n), OK);
        reused = (n & 0xffffu) == (old & 0xffffu);
        if (!reused)
            UT_EQ(sys_handle_close(n), OK);
    }
    UT_CHECK(reused);
    UT_CHECK(n != old);
    handle_info_t info;
    UT_EQ(sys_handle_info(old, &info), ERR_BAD_HANDLE);
    UT_EQ(sys_handle_close(old), ERR_BAD_HANDLE);
    UT_EQ(sys_handle_revoke(old), ERR_BAD_HANDLE);
    UT_EQ(sys_handle_info(n, &info), OK); /* the new one is untouched */
    UT_EQ(info.rights, RIGHT_READ);
    UT_EQ(sys_handle_close(n), OK);
    UT_EQ(sys_handle_close(v), OK);
    return 0;
}

UTEST(handle_dup_rights_only_shrink)
{
    handle_t v, r, rd, out;
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_handle_dup(v, RIGHTS_ALL, &out), ERR_ACCESS_DENIED); /* a vmo has no MANAGE, SIGNAL, DMA */
    UT_EQ(sys_handle_dup(v, VMO_RIGHTS | RIGHT_DMA, &out), ERR_ACCESS_DENIED);
    UT_EQ(sys_handle_dup(v, 1u << 10, &out), ERR_INVALID_ARGS); /* not a right at all */
    UT_EQ(sys_handle_dup(v, 0xffffffffu, &out), ERR_INVALID_ARGS);
    UT_EQ(sys_handle_dup(HANDLE_INVALID, 1u << 10, &out), ERR_INVALID_ARGS); /* checked before h */

    UT_EQ(sys_handle_dup(v, RIGHT_READ, &r), OK); /* no DUPLICATE */
    UT_EQ(sys_handle_dup(r, RIGHT_READ, &out), ERR_ACCESS_DENIED);
    UT_EQ(sys_handle_dup(r, 0, &out), ERR_ACCESS_DENIED);

    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_DUPLICATE, &rd), OK);
    UT_EQ(sys_handle_dup(rd, RIGHT_READ | RIGHT_WRITE, &out), ERR_ACCESS_DENIED);
    UT_EQ(sys_handle_dup(rd, RIGHT_READ, &out), OK);
    handle_info_t info;
    UT_EQ(sys_handle_info(out, &info), OK);
    UT_EQ(info.rights, RIGHT_READ);
    UT_EQ(sys_handle_close(out), OK);
    UT_EQ(sys_handle_close(rd), OK);
    UT_EQ(sys_handle_close(r), OK);
    UT_EQ(sys_handle_close(v), OK);
    return 0;
}

UTEST(handle_wrong_type)
{
    handle_t a, b, v;
    uint8_t buf[8];
    uint64_t size, addr = 0;
    process_info_t pinfo;
    chan_sizes_t sz = {sizeof buf, 0};
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_vmo_read(a, buf, 0, 1), ERR_WRONG_TYPE);
    UT_EQ(sys_vmo_write(a, buf, 0, 1), ERR_WRONG_TYPE);
    UT_EQ(sys_vmo_get_size(a, &size), ERR_WRONG_TYPE);
    UT_EQ(sys_vm_map(HANDLE_INVALID, a, 0, 4096, MAP_READ, &addr), ERR_WRONG_TYPE);
    UT_EQ(sys_vm_map(a, v, 0, 4096, MAP_READ, &addr), ERR_WRONG_TYPE);
    UT_EQ(sys_chan_write(v, buf, 1, NULL, 0), ERR_WRONG_TYPE);
    UT_EQ(sys_chan_read(v, buf, NULL, &sz), ERR_WRONG_TYPE);
    UT_EQ(sys_process_info(v, &pinfo), ERR_WRONG_TYPE);
    UT_EQ(sys_process_kill(a), ERR_WRONG_TYPE);
    UT_EQ(sys_process_start(v, 0x400000, 0x500000, HANDLE_INVALID), ERR_WRONG_TYPE);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    UT_EQ(sys_handle_close(v), OK);
    return 0;
}

/* Each call checks the one right it needs; a dup without it is refused. */
UTEST(handle_missing_right)
{
    handle_t a, b, v, noread, nowrite, nowait;
    uint8_t buf[8] = {0};
    uint32_t seen;
    uint64_t size;
    chan_sizes_t sz = {sizeof buf, 0};
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);

    UT_EQ(sys_handle_dup(a, CHAN_RIGHTS & ~RIGHT_WRITE, &nowrite), OK);
    UT_EQ(sys_chan_write(nowrite, buf, 1, NULL, 0), ERR_ACCESS_DENIED);
    UT_EQ(sys_handle_dup(b, CHAN_RIGHTS & ~RIGHT_READ, &noread), OK);
    UT_EQ(sys_chan_write(a, buf, 1, NULL, 0), OK);
    UT_EQ(sys_chan_read(noread, buf, NULL, &sz), ERR_ACCESS_DENIED);
    UT_EQ(sys_handle_dup(b, CHAN_RIGHTS & ~RIGHT_WAIT, &nowait), OK);
    UT_EQ(sys_object_wait(nowait, SIG_READABLE, 0, &seen), ERR_ACCESS_DENIED);
    UT_EQ(sys_object_wait(b, SIG_READABLE, 0, &seen), OK);
    UT_EQ(sys_handle_close(nowrite), OK);
    UT_EQ(sys_handle_close(noread), OK);
    UT_EQ(sys_handle_close(nowait), OK);

    UT_EQ(sys_handle_dup(v, VMO_RIGHTS & ~RIGHT_READ, &noread), OK);
    UT_EQ(sys_vmo_read(noread, buf, 0, 1), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_get_size(noread, &size), ERR_ACCESS_DENIED);
    UT_EQ(sys_handle_dup(v, VMO_RIGHTS & ~RIGHT_WRITE, &nowrite), OK);
    UT_EQ(sys_vmo_write(nowrite, buf, 0, 1), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_read(nowrite, buf, 0, 1), OK);
    UT_EQ(sys_handle_close(noread), OK);
    UT_EQ(sys_handle_close(nowrite), OK);

    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    UT_EQ(sys_handle_close(v), OK);
    return 0;
}

/* ---- revocation -------------------------------------------------------- */

/* v -> d1 -> d2 and v -> s: revoking v ends all three, not v itself. */
UTEST(handle_revoke_chain)
{
    handle_t v, d1, d2, s;
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_handle_dup(v, VMO_RIGHTS, &d1), OK);
    UT_EQ(sys_handle_dup(d1, VMO_RIGHTS, &d2), OK);
    UT_EQ(sys_handle_dup(v, RIGHT_READ, &s), OK);
    UT_EQ(sys_handle_revoke(v), OK);
    UT_CHECK(!alive(d1));
    UT_CHECK(!alive(d2));
    UT_CHECK(!alive(s));
    UT_EQ(sys_handle_close(d1), ERR_BAD_HANDLE);
    UT_EQ(sys_handle_revoke(d2), ERR_BAD_HANDLE);
    uint8_t byte;
    UT_EQ(sys_vmo_read(d2, &byte, 0, 1), ERR_BAD_HANDLE);
    UT_EQ(sys_vmo_read(v, &byte, 0, 1), OK);
    UT_EQ(sys_handle_revoke(v), OK); /* nothing left below: still fine */
    UT_EQ(sys_handle_close(v), OK);
    return 0;
}

/* Revoking a middle node ends only its subtree. */
UTEST(handle_revoke_subtree_only)
{
    handle_t v, d1, d2, d3, s;
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_handle_dup(v, VMO_RIGHTS, &d1), OK);
    UT_EQ(sys_handle_dup(d1, VMO_RIGHTS, &d2), OK);
    UT_EQ(sys_handle_dup(d2, VMO_RIGHTS, &d3), OK);
    UT_EQ(sys_handle_dup(v, VMO_RIGHTS, &s), OK);
    UT_EQ(sys_handle_revoke(d1), OK);
    UT_CHECK(alive(v));
    UT_CHECK(alive(d1));
    UT_CHECK(alive(s));
    UT_CHECK(!alive(d2));
    UT_CHECK(!alive(d3));
    UT_EQ(sys_handle_close(s), OK);
    UT_EQ(sys_handle_close(d1), OK);
    UT_EQ(sys_handle_close(v), OK);
    return 0;
}

/* Closing a handle is not revoking it: its children move up to its
 * parent, so revoking the grandparent still reaches them. */
UTEST(handle_close_moves_children_up)
{
    handle_t v, d1, d2, d3;
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_handle_dup(v, VMO_RIGHTS, &d1), OK);
    UT_EQ(sys_handle_dup(d1, VMO_RIGHTS, &d2), OK);
    UT_EQ(sys_handle_dup(d2, VMO_RIGHTS, &d3), OK);
    UT_EQ(sys_handle_close(d1), OK);
    UT_CHECK(alive(d2));
    UT_EQ(sys_handle_close(d2), OK);
    UT_CHECK(alive(d3));
    UT_EQ(sys_handle_revoke(v), OK);
    UT_CHECK(!alive(d3));
    UT_CHECK(alive(v));
    UT_EQ(sys_handle_close(v), OK);
    return 0;
}

/* A handle revoked while it sits in a channel queue arrives as
 * HANDLE_INVALID; the bytes and the other handles arrive intact. So does
 * one whose ancestor (not itself) was sent, and its descendants left
 * behind die too. */
UTEST(handle_revoke_in_flight)
{
    handle_t a, b, v, w, d, e, keep;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_vmo_create(4096, 0, &w), OK);
    UT_EQ(sys_handle_dup(v, VMO_RIGHTS, &d), OK);
    UT_EQ(sys_handle_dup(d, VMO_RIGHTS, &e), OK); /* stays here, below d */
    UT_EQ(sys_handle_dup(w, VMO_RIGHTS, &keep), OK);
    uint64_t wid = object_of(w);
    handle_t hs[2] = {d, keep};
    UT_EQ(sys_chan_write(a, "in flight", 9, hs, 2), OK);
    UT_EQ(sys_handle_revoke(v), OK);
    UT_CHECK(!alive(e));

    char buf[16];
    handle_t got[2] = {0xdead, 0xdead};
    chan_sizes_t sz = {sizeof buf, 2};
    UT_EQ(sys_chan_read(b, buf, got, &sz), OK);
    UT_EQ(sz.bytes, 9);
    UT_EQ(sz.handles, 2);
    UT_CHECK(memcmp(buf, "in flight", 9) == 0);
    UT_EQ(got[0], HANDLE_INVALID);
    UT_EQ(object_of(got[1]), wid);
    UT_CHECK(alive(v));
    UT_EQ(sys_handle_close(got[1]), OK);
    UT_EQ(sys_handle_close(w), OK);
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

/* A read that fails after meeting a revoked handle (bad handles pointer)
 * leaves the message as it was: read again, the revoked one is still
 * HANDLE_INVALID and the live one arrives. */
UTEST(handle_revoked_in_flight_failed_read)
{
    handle_t a, b, v, w, d;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_vmo_create(4096, 0, &w), OK);
    UT_EQ(sys_handle_dup(v, VMO_RIGHTS, &d), OK);
    uint64_t wid = object_of(w);
    handle_t hs[2] = {d, w};
    UT_EQ(sys_chan_write(a, "rv", 2, hs, 2), OK);
    UT_EQ(sys_handle_revoke(v), OK);
    char buf[4];
    handle_t got[2] = {0xdead, 0xdead};
    for (int i = 0; i < 3; i++) {
        chan_sizes_t sz = {sizeof buf, 2};
        UT_EQ(sys_chan_read(b, buf, (handle_t *)(uintptr_t)ro_words, &sz), ERR_BAD_ADDRESS);
    }
    chan_sizes_t sz = {sizeof buf, 2};
    UT_EQ(sys_chan_read(b, buf, got, &sz), OK);
    UT_EQ(sz.handles, 2);
    UT_EQ(got[0], HANDLE_INVALID);
    UT_EQ(object_of(got[1]), wid);
    UT_EQ(sys_handle_close(got[1]), OK);
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

/* A revoke racing a write that fails (full queue): the handle is out of
 * the table, in the kernel's hands, while the revoke runs; putting it back
 * afterwards must not resurrect it. A second thread writes; this one
 * revokes, stops the writer and looks. */
static struct {
    handle_t chan, h;
    volatile uint32_t run, round, acked, writes;
} race;

static void __attribute__((noreturn)) race_writer(uint64_t arg)
{
    (void)arg;
    while (race.run) {
        uint32_t r = race.round;
        if (race.acked != r) {
            sys_chan_write(race.chan, "r", 1, (const handle_t *)&race.h, 1);
            race.writes++;
        }
        sys_thread_yield(); /* one CPU: let the revoker in */
        if ((r & 1) == 0)
            race.acked = r; /* even rounds: stopped */
    }
    sys_thread_exit(0);
    __builtin_unreachable();
}

UTEST(handle_revoke_races_failed_transfer)
{
    enum { ROUNDS = 1000, STACK = 16384 };
    handle_t a, b, v, sv, th;
    uint64_t stack = 0;
    UT_EQ(sys_chan_create(&a, &b), OK);
    for (uint32_t i = 0; i < CHAN_QUEUE_MAX; i++)
        UT_EQ(sys_chan_write(a, "f", 1, NULL, 0), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_vmo_create(STACK, 0, &sv), OK);
    UT_EQ(sys_vm_map(HANDLE_INVALID, sv, 0, STACK, MAP_READ | MAP_WRITE, &stack), OK);
    UT_EQ(sys_handle_close(sv), OK);
    race.chan = a;
    race.round = 0;
    race.acked = 0;
    race.run = 1;
    UT_EQ(sys_thread_create(HANDLE_INVALID, (uint64_t)(uintptr_t)race_writer, stack + STACK - 8, 0, &th), OK);
    int escaped = 0;
    for (uint32_t r = 1; r <= 2 * ROUNDS; r += 2) {
        UT_EQ(sys_handle_dup(v, VMO_RIGHTS, (handle_t *)&race.h), OK);
        uint32_t w0 = race.writes;
        race.round = r; /* odd: write */
        while (race.writes - w0 < (r % 7) + 1)
            sys_thread_yield();
        UT_EQ(sys_handle_revoke(v), OK);
        race.round = r + 1;
        while (race.acked != r + 1)
            sys_thread_yield();
        escaped += alive(race.h);
        sys_handle_close(race.h);
    }
    race.run = 0;
    uint32_t seen;
    UT_EQ(sys_object_wait(th, SIG_TERMINATED, ut_now() + LONG_WAIT, &seen), OK);
    UT_EQ(sys_handle_close(th), OK);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, stack, STACK), OK);
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    UT_EQ(escaped, 0);
    return 0;
}

/* Moving a handle through a channel keeps its place in the tree. */
UTEST(handle_moved_keeps_tree_place)
{
    handle_t a, b, v, d, got;
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_TRANSFER, &d), OK);
    UT_EQ(sys_chan_write(a, NULL, 0, &d, 1), OK);
    chan_sizes_t sz = {0, 1};
    UT_EQ(sys_chan_read(b, NULL, &got, &sz), OK);
    handle_info_t info;
    UT_EQ(sys_handle_info(got, &info), OK);
    UT_EQ(info.rights, RIGHT_READ | RIGHT_TRANSFER);
    UT_EQ(info.object_id, object_of(v));
    UT_EQ(sys_handle_revoke(v), OK);
    UT_CHECK(!alive(got));
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

/* The victim: uses the vmo it was given, waits for the parent's revoke,
 * then finds its handle dead. */
UCHILD(handle_revoke_victim)
{
    UT_EQ(ut_nextra, 1);
    handle_t d = ut_extra[0];
    char buf[8] = {0};
    UT_EQ(sys_vmo_read(d, buf, 0, 5), OK);
    UT_CHECK(memcmp(buf, "cairn", 5) == 0);
    UT_EQ(child_step(chan), OK); /* the parent revokes now */
    handle_info_t info;
    UT_EQ(sys_handle_info(d, &info), ERR_BAD_HANDLE);
    UT_EQ(sys_vmo_read(d, buf, 0, 5), ERR_BAD_HANDLE);
    UT_EQ(sys_handle_close(d), ERR_BAD_HANDLE);
    return 0;
}

UTEST(handle_revoke_reaches_other_process)
{
    handle_t v, d, p, c;
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_vmo_write(v, "cairn", 0, 5), OK);
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_TRANSFER, &d), OK);
    UT_EQ(utest_spawn("handle_revoke_victim", &p, &c, &d, 1), OK);
    UT_CHECK(!alive(d)); /* moved to the child */
    UT_EQ(parent_await(c), OK);
    uint32_t before = handles_of(p);
    UT_EQ(sys_handle_revoke(v), OK);
    UT_EQ(handles_of(p), before - 1); /* gone from the child's table at once */
    UT_EQ(parent_go(c), OK);
    UT_EQ(child_result(p, c), 0);
    UT_CHECK(alive(v));
    UT_EQ(sys_handle_close(v), OK);
    return 0;
}

/* ---- quota ------------------------------------------------------------- */

/* With a full table (quota 256 from utest_spawn) everything that makes a
 * handle fails with ERR_NO_RESOURCES and changes nothing; a read that
 * would bring a handle leaves the message queued. One free slot later
 * each works again. */
UCHILD(handle_fill_table)
{
    handle_t a, b, v, hs[300];
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_chan_write(a, "v", 1, &v, 1), OK);
    uint32_t n = 0;
    int64_t err;
    while (n < 300 && (err = sys_handle_dup(chan, RIGHT_READ, &hs[n])) == OK)
        n++;
    UT_EQ(err, ERR_NO_RESOURCES);
    UT_CHECK(n > 200 && n < 256);
    UT_EQ(child_step(chan), OK); /* the parent counts 256 */

    handle_t x, y;
    UT_EQ(sys_chan_create(&x, &y), ERR_NO_RESOURCES);
    UT_EQ(sys_vmo_create(4096, 0, &x), ERR_NO_RESOURCES);
    char byte;
    handle_t got = 0xdead;
    chan_sizes_t sz = {1, 1};
    UT_EQ(sys_chan_read(b, &byte, &got, &sz), ERR_NO_RESOURCES);
    UT_EQ(got, 0xdead);

    UT_EQ(sys_handle_close(hs[--n]), OK);
    sz = (chan_sizes_t){1, 1};
    UT_EQ(sys_chan_read(b, &byte, &got, &sz), OK); /* it was still there */
    UT_EQ(byte, 'v');
    UT_EQ(sys_handle_dup(chan, RIGHT_READ, &x), ERR_NO_RESOURCES);
    UT_EQ(sys_handle_close(got), OK);
    UT_EQ(sys_chan_create(&x, &y), ERR_NO_RESOURCES); /* one slot is not two */
    UT_EQ(sys_handle_dup(chan, RIGHT_READ, &x), OK);
    UT_EQ(sys_handle_dup(chan, RIGHT_READ, &y), ERR_NO_RESOURCES);
    UT_EQ(sys_handle_close(x), OK);
    UT_EQ(sys_handle_close(hs[--n]), OK);
    UT_EQ(sys_chan_create(&x, &y), OK);
    UT_EQ(child_step(chan), OK); /* the parent counts 256 again */
    return 0;
}

UTEST(handle_quota_exhaustion)
{
    handle_t p, c;
    UT_EQ(utest_spawn("handle_fill_table", &p, &c, NULL, 0), OK);
    UT_EQ(parent_await(c), OK);
    UT_EQ(handles_of(p), 256);
    UT_EQ(parent_go(c), OK);
    UT_EQ(parent_await(c), OK);
    UT_EQ(handles_of(p), 256);
    UT_EQ(parent_go(c), OK);
    UT_EQ(child_result(p, c), 0);
    return 0;
}

/* ---- bad user pointers ------------------------------------------------- */

/* dup and info with an out pointer that cannot be written: ERR_BAD_ADDRESS,
 * no new handle, the old one unchanged. Counted in a child, since only a
 * process handle shows the count. */
UCHILD(handle_bad_out_child)
{
    handle_t v, other = 0xdead;
    UT_EQ(edge_map(), OK);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(child_step(chan), OK); /* the parent counts */
    for (size_t i = 0; i < NBAD; i++) {
        handle_t *bad = (handle_t *)(uintptr_t)bad_out_ptrs[i];
        UT_EQ(sys_handle_dup(v, RIGHT_READ, bad), ERR_BAD_ADDRESS);
        UT_EQ(sys_handle_info(v, (handle_info_t *)bad), ERR_BAD_ADDRESS);
        UT_EQ(sys_vmo_create(4096, 0, bad), ERR_BAD_ADDRESS);
        UT_EQ(sys_chan_create(bad, &other), ERR_BAD_ADDRESS);
        UT_EQ(other, 0xdead); /* the second handle was never written */
        UT_EQ(sys_chan_create(&other, bad), ERR_BAD_ADDRESS);
        UT_CHECK(!alive(other)); /* written, then closed again */
        other = 0xdead;
    }
    UT_CHECK(ro_words[0] == 1 && ro_words[1] == 2);
    UT_CHECK(alive(v));
    UT_EQ(child_step(chan), OK); /* the parent counts again */
    UT_EQ(sys_handle_close(v), OK);
    edge_unmap();
    return 0;
}

UTEST(handle_bad_out_pointers)
{
    handle_t p, c;
    UT_EQ(utest_spawn("handle_bad_out_child", &p, &c, NULL, 0), OK);
    UT_EQ(parent_await(c), OK);
    process_info_t before, after;
    UT_EQ(sys_process_info(p, &before), OK);
    UT_EQ(parent_go(c), OK);
    UT_EQ(parent_await(c), OK);
    UT_EQ(sys_process_info(p, &after), OK);
    UT_EQ(after.handles, before.handles);
    UT_EQ(after.memory_bytes, before.memory_bytes);
    UT_EQ(parent_go(c), OK);
    UT_EQ(child_result(p, c), 0);
    return 0;
}
