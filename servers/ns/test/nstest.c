/* SPDX-License-Identifier: BSD-2-Clause
 *
 * nstest: ns's behaviour seen from a client (tests/qemu/ns.test). Started
 * by init as the manifest component "nstest" (tests/qemu/data/ns/manifest),
 * which provides "nstest-svc" and connects to "tmpsvc", "nstest-svc" and
 * "dyn*"; "nspub" provides "tmpsvc" and "secret".
 *
 * It checks, in order: publishing what it provides, and the refusals
 * (someone else's name, a name of nobody's, a duplicate); connecting to its
 * own service and carrying bytes both ways over the channel ns made, with
 * the svc.open label; the refusals of connect (not listed, not published);
 * waiting for "tmpsvc", an echo round trip with nspub, the name going when
 * nspub exits and coming back when init restarts it; list; derived
 * sessions (policy, labels, deferred connects answered by a publish,
 * dropped with their session, the per-session limit); derive narrowing
 * (lists wider than the parent's refused, a derived session held to its
 * lists where its parent may do more); the limit on
 * names; attach refused outside init's session; malformed messages
 * answered with errors while ns keeps serving; a full opener queue
 * answered with an error, not a hang.
 * In this manifest nstest also has `module *` and provides "proc", so it
 * checks what init sends those (initside.c).
 *
 * One line per check, "nstest: ok NAME" or "nstest: FAIL NAME: why", and
 * the verdict "nstest: PASS (N checks)" or "nstest: FAIL (M of N checks)".
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "echo.h"
#include "ns.h"
#include "nstest.h"
#include "svc.h"

static int checks, failures;
handle_t ns;

uint64_t soon(uint64_t ms)
{
    return libsys_now_ns() + ms * MS;
}

void verdict(const char *what, bool ok, const char *fmt, ...)
{
    checks++;
    if (ok) {
        printf("nstest: ok %s\n", what);
        return;
    }
    failures++;
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    printf("nstest: FAIL %s: %s\n", what, why);
}

void expect(const char *what, int got, int want)
{
    verdict(what, got == want, "got %s, want %s", cairn_error_name(got), cairn_error_name(want));
}

/* ---- helpers ---------------------------------------------------------------- */

/* Publishes `name` on session s; *opener (may be NULL) is our end. */
static int publish(handle_t s, const char *name, handle_t *opener)
{
    handle_t mine, theirs;
    int err = (int)sys_chan_create(&mine, &theirs);
    if (err != OK)
        return err;
    err = ns_publish(s, name, theirs, soon(2000));
    if (err == OK && opener)
        *opener = mine;
    else
        sys_handle_close(mine);
    return err;
}

static int connect(handle_t s, const char *name, bool wait, uint64_t ms, handle_t *conn)
{
    ns_connect_result_t r;
    int err = ns_connect(s, name, wait, &r, soon(ms));
    if (err == OK) {
        if (conn)
            *conn = r.conn;
        else
            sys_handle_close(r.conn);
    }
    return err;
}

/* Whether `name` is registered (by list), with its provider and pid. */
bool listed(handle_t s, const char *name, ns_list_result_t *out)
{
    for (uint32_t i = 0;; i++) {
        if (ns_list(s, i, out, soon(2000)) != OK)
            return false;
        if (strcmp(out->name, name) == 0)
            return true;
    }
}

/* Polls list until `name` is (or is no longer) registered. */
bool wait_listed(const char *name, bool want, uint64_t ms)
{
    uint64_t end = soon(ms);
    ns_list_result_t r;
    while (listed(ns, name, &r) != want) {
        if (libsys_now_ns() > end)
            return false;
        sys_thread_sleep(soon(2));
    }
    return true;
}

/* One message of `len` bytes from a to b: OK when it arrives intact. */
static int carry(handle_t a, handle_t b, const char *text)
{
    char buf[64];
    chan_sizes_t sz = {sizeof buf, 0};
    int err = (int)sys_chan_write(a, text, (uint32_t)strlen(text) + 1, NULL, 0);
    if (err == OK)
        err = (int)sys_object_wait(b, SIG_READABLE, soon(2000), NULL);
    if (err == OK)
        err = (int)sys_chan_read(b, buf, NULL, &sz);
    if (err == OK && (sz.bytes != strlen(text) + 1 || memcmp(buf, text, sz.bytes) != 0))
        err = ERR_CORRUPT;
    return err;
}

static handle_t opened_conn;
static char opened_client[32];
static uint64_t opened_pid;

static void on_open(void *ctx, handle_t conn, const char *client, uint64_t pid)
{
    (void)ctx;
    opened_conn = conn;
    opened_pid = pid;
    snprintf(opened_client, sizeof opened_client, "%s", client);
}

static const svc_ops_t svc_ops = {.open = on_open};

/* Reads one svc.open from our end of an opener. */
static int read_open(handle_t opener)
{
    static uint8_t buf[256];
    handle_t hs[CHAN_MAX_HANDLES];
    chan_sizes_t sz = {sizeof buf, CHAN_MAX_HANDLES};
    opened_conn = HANDLE_INVALID;
    int err = (int)sys_object_wait(opener, SIG_READABLE, soon(2000), NULL);
    if (err == OK)
        err = (int)sys_chan_read(opener, buf, hs, &sz);
    if (err == OK)
        err = svc_dispatch(&svc_ops, NULL, opener, buf, sz.bytes, hs, sz.handles);
    return err == OK && opened_conn == HANDLE_INVALID ? ERR_CORRUPT : err;
}

/* A connect request written by hand, answered later (read_connect_reply). */
static int send_connect(handle_t s, uint64_t txid, const char *name, bool wait)
{
    struct {
        ns_connect_request_t req;
        char name[32];
    } m;
    size_t len = strlen(name);
    memset(&m, 0, sizeof m);
    proto_hdr_init(&m.req.hdr, txid, NS_PROTOCOL_ID, NS_PROTOCOL_VERSION, NS_CONNECT_ORDINAL, 0, 0);
    m.req.name_len = (uint32_t)len;
    m.req.wait = wait;
    memcpy(m.name, name, len + 1);
    return (int)sys_chan_write(s, &m, (uint32_t)(sizeof m.req + len + 1), NULL, 0);
}

/* The reply to send_connect's txid: its status (the channel closed). */
static int read_connect_reply(handle_t s, uint64_t txid, uint64_t ms)
{
    uint8_t buf[64];
    handle_t hs[CHAN_MAX_HANDLES];
    chan_sizes_t sz = {sizeof buf, CHAN_MAX_HANDLES};
    proto_hdr_t hdr;
    int err = (int)sys_object_wait(s, SIG_READABLE, soon(ms), NULL);
    if (err == OK)
        err = (int)sys_chan_read(s, buf, hs, &sz);
    if (err != OK)
        return err;
    err = ns_connect_reply_validate(buf, sz.bytes, hs, sz.handles);
    memcpy(&hdr, buf, sizeof hdr);
    proto_close_handles(hs, sz.handles);
    if (err != OK)
        return err;
    return hdr.txid == txid ? hdr.status : ERR_CORRUPT;
}

/* Raw bytes as a call: the reply's status, or the transport error. */
static int raw_call(const void *msg, uint32_t n, handle_t h)
{
    uint8_t rep[256];
    handle_t rhs[CHAN_MAX_HANDLES];
    uint32_t rnh;
    int rc = proto_call(ns, msg, n, &h, h != HANDLE_INVALID, rep, sizeof rep, rhs, &rnh, soon(2000));
    if (rc < 0)
        return rc;
    proto_close_handles(rhs, rnh);
    return rc < (int)PROTO_HDR_SIZE ? ERR_CORRUPT : proto_msg_status(rep);
}

/* ---- the checks -------------------------------------------------------------- */

static handle_t own_opener;

static void test_publish(void)
{
    expect("publish its own name", publish(ns, "nstest-svc", &own_opener), OK);
    ns_list_result_t r;
    verdict("list: the pid attach gave is the process", listed(ns, "nstest-svc", &r) && r.pid == own_pid && own_pid,
            "pid %llu, adopted %llu", (unsigned long long)r.pid, (unsigned long long)own_pid);
    expect("publish a duplicate", publish(ns, "nstest-svc", NULL), ERR_ALREADY_EXISTS);
    expect("publish another's name", publish(ns, "tmpsvc", NULL), ERR_ACCESS_DENIED);
    expect("publish nobody's name", publish(ns, "unlisted", NULL), ERR_ACCESS_DENIED);
    expect("publish a bad name", publish(ns, "bad name", NULL), ERR_INVALID_ARGS);
}

static void test_connect(void)
{
    handle_t conn = HANDLE_INVALID;
    expect("connect to its own service", connect(ns, "nstest-svc", false, 2000, &conn), OK);
    int err = read_open(own_opener);
    expect("svc.open reaches the server", err, OK);
    if (err == OK) {
        verdict("svc.open names the client", strcmp(opened_client, "nstest") == 0, "label '%s'", opened_client);
        verdict("svc.open gives the client's pid", opened_pid == own_pid && own_pid != 0, "pid %llu, want %llu",
                (unsigned long long)opened_pid, (unsigned long long)own_pid);
        expect("client to server", carry(conn, opened_conn, "ping"), OK);
        expect("server to client", carry(opened_conn, conn, "pong"), OK);
        sys_handle_close(opened_conn);
    }
    sys_handle_close(conn);
    expect("connect to an unlisted service", connect(ns, "secret", false, 2000, NULL), ERR_ACCESS_DENIED);
    expect("connect to a missing name", connect(ns, "dyn-missing", false, 2000, NULL), ERR_NOT_FOUND);
}

static int echo_through(handle_t conn, const char *text)
{
    echo_echo_result_t r;
    int err = echo_echo(conn, text, &r, soon(2000));
    return err == OK && strcmp(r.text, text) != 0 ? ERR_CORRUPT : err;
}

static void test_restart(void)
{
    handle_t conn = HANDLE_INVALID;
    expect("wait for tmpsvc", connect(ns, "tmpsvc", true, 20000, &conn), OK);
    ns_list_result_t r;
    verdict("list names its provider", listed(ns, "tmpsvc", &r) && strcmp(r.provider, "nspub") == 0 && r.pid != 0,
            "provider '%s' pid %llu", r.provider, (unsigned long long)r.pid);
    expect("echo through tmpsvc", echo_through(conn, "hello"), OK);
    sys_handle_close(conn);
    /* nspub exits after one call; init restarts it after 500 ms. */
    verdict("tmpsvc is freed when nspub exits", wait_listed("tmpsvc", false, 5000), "still listed");
    expect("tmpsvc comes back", connect(ns, "tmpsvc", true, 20000, &conn), OK);
    expect("echo through the restarted tmpsvc", echo_through(conn, "again"), OK);
    sys_handle_close(conn);
}

static void test_derive(void)
{
    ns_derive_result_t d;
    expect("derive with a bad label", ns_derive(ns, "no good", "", "", &d, soon(2000)), ERR_INVALID_ARGS);
    int err = ns_derive(ns, "nstest-child", "dyn-1 dyn-2 dyn-never", "dyn*", &d, soon(2000));
    expect("derive a session", err, OK);
    if (err != OK)
        return;
    handle_t child = d.session, dyn_opener = HANDLE_INVALID;
    expect("derived: publish a manifest name", publish(child, "tmpsvc", NULL), ERR_ACCESS_DENIED);
    expect("derived: publish its parent's name", publish(child, "nstest-svc", NULL), ERR_ACCESS_DENIED);
    expect("derived: publish a free name", publish(child, "dyn-1", &dyn_opener), OK);
    expect("derived: connect as its parent may not", connect(child, "secret", false, 2000, NULL), ERR_ACCESS_DENIED);
    expect("derived: connect as its parent may", connect(child, "dyn-1", false, 2000, NULL), OK);
    ns_list_result_t r;
    verdict("list: a derived provider", listed(ns, "dyn-1", &r) && strcmp(r.provider, "nstest-child") == 0 && r.pid == 0,
            "provider '%s' pid %llu", r.provider, (unsigned long long)r.pid);

    /* A deferred connect, answered when the name is published. */
    ns_derive_result_t w;
    err = ns_derive(child, "nstest-waiter", "", "dyn-2 dyn-never", &w, soon(2000));
    expect("derive from a derived session", err, OK);
    if (err == OK) {
        expect("wait for dyn-2", send_connect(w.session, 0x42, "dyn-2", true), OK);
        expect("no answer before the publish", read_connect_reply(w.session, 0x42, 100), ERR_TIMED_OUT);
        handle_t o2 = HANDLE_INVALID;
        expect("publish dyn-2", publish(child, "dyn-2", &o2), OK);
        expect("the waiting connect is answered", read_connect_reply(w.session, 0x42, 2000), OK);
        expect("its svc.open arrives", read_open(o2), OK);
        sys_handle_close(opened_conn);
        sys_handle_close(o2);

        /* The per-session limit, then the session goes with its waiters. */
        for (uint64_t i = 0; i < 9; i++)
            send_connect(w.session, 0x100 + i, "dyn-never", true);
        expect("the ninth waiting connect", read_connect_reply(w.session, 0x108, 2000), ERR_NO_RESOURCES);
        sys_handle_close(w.session);
        handle_t o3 = HANDLE_INVALID;
        expect("publish after its waiters left", publish(child, "dyn-never", &o3), OK);
        uint32_t seen = 0;
        sys_object_wait(o3, SIG_READABLE, soon(100), &seen);
        verdict("no svc.open for a gone waiter", !(seen & SIG_READABLE), "signals %#x", seen);
        sys_handle_close(o3);
    }
    sys_handle_close(dyn_opener);
    sys_handle_close(child);
    verdict("dyn-1 is freed with its opener", wait_listed("dyn-1", false, 2000), "still listed");
}

/* derive only narrows: lists wider than the parent's are refused, and a
 * derived session does only what its lists say, even where its parent
 * may do more. */
static void test_derive_narrows(void)
{
    ns_derive_result_t d;
    expect("derive: a bad list entry", ns_derive(ns, "nstest-x", "bad!", "", &d, soon(2000)), ERR_INVALID_ARGS);
    expect("derive: a pattern in the middle", ns_derive(ns, "nstest-x", "", "a*b", &d, soon(2000)), ERR_INVALID_ARGS);
    expect("derive: nine entries", ns_derive(ns, "nstest-x", "a b c d e f g h i", "", &d, soon(2000)),
           ERR_INVALID_ARGS);
    expect("derive: connect where its parent may not", ns_derive(ns, "nstest-wide", "", "secret", &d, soon(2000)),
           ERR_ACCESS_DENIED);
    expect("derive: connect to all", ns_derive(ns, "nstest-wide", "", "dyn* *", &d, soon(2000)), ERR_ACCESS_DENIED);
    expect("derive: a wider pattern", ns_derive(ns, "nstest-wide", "", "dy*", &d, soon(2000)), ERR_ACCESS_DENIED);
    expect("derive: provide a manifest name", ns_derive(ns, "nstest-wide", "tmpsvc", "", &d, soon(2000)),
           ERR_ACCESS_DENIED);
    int err = ns_derive(ns, "nstest-all", "*", "dyn* tmpsvc", &d, soon(2000));
    expect("derive: all its parent may", err, OK);
    if (err == OK)
        sys_handle_close(d.session);

    err = ns_derive(ns, "nstest-narrow", "dyn-a", "dyn-a", &d, soon(2000));
    expect("derive: a narrow session", err, OK);
    if (err != OK)
        return;
    handle_t narrow = d.session, opener = HANDLE_INVALID;
    expect("narrow: publish its name", publish(narrow, "dyn-a", &opener), OK);
    expect("narrow: publish a free name not listed", publish(narrow, "dyn-b", NULL), ERR_ACCESS_DENIED);
    expect("narrow: connect to its name", connect(narrow, "dyn-a", false, 2000, NULL), OK);
    expect("narrow: connect where its parent may, not listed", connect(narrow, "dyn-b", false, 2000, NULL),
           ERR_ACCESS_DENIED);
    expect("narrow: connect to its parent's service", connect(narrow, "nstest-svc", false, 2000, NULL),
           ERR_ACCESS_DENIED);
    expect("narrow: derive wider connects", ns_derive(narrow, "nstest-g1", "", "dyn*", &d, soon(2000)),
           ERR_ACCESS_DENIED);
    expect("narrow: derive another name to provide", ns_derive(narrow, "nstest-g2", "dyn-b", "", &d, soon(2000)),
           ERR_ACCESS_DENIED);
    err = ns_derive(narrow, "nstest-g3", "", "dyn-a", &d, soon(2000));
    expect("narrow: derive the same or less", err, OK);
    if (err == OK) {
        expect("grandchild: connect as listed", connect(d.session, "dyn-a", false, 2000, NULL), OK);
        expect("grandchild: publish nothing", publish(d.session, "dyn-a2", NULL), ERR_ACCESS_DENIED);
        sys_handle_close(d.session);
    }
    sys_handle_close(opener);
    sys_handle_close(narrow);
    verdict("dyn-a is freed with its opener", wait_listed("dyn-a", false, 2000), "still listed");
}

/* ns holds at most 128 names: the next publish is refused, and closing
 * the openers frees them all. */
static void test_name_limit(void)
{
    static handle_t openers[128];
    ns_derive_result_t d;
    ns_list_result_t r;
    if (ns_derive(ns, "nstest-many", "dyn-many-*", "", &d, soon(2000)) != OK)
        return;
    uint32_t before = 0, n = 0;
    while (ns_list(ns, before, &r, soon(2000)) == OK)
        before++;
    int err = OK;
    while (n < 128 && err == OK) {
        char name[32];
        snprintf(name, sizeof name, "dyn-many-%u", (unsigned)n);
        if ((err = publish(d.session, name, &openers[n])) == OK)
            n++;
    }
    verdict("the 129th name is refused", err == ERR_NO_RESOURCES && before + n == 128, "%u + %u names, then %s",
            (unsigned)before, (unsigned)n, cairn_error_name(err));
    for (uint32_t i = 0; i < n; i++)
        sys_handle_close(openers[i]);
    sys_handle_close(d.session);
    verdict("closing the openers frees them", wait_listed("dyn-many-0", false, 2000) &&
                                                  wait_listed("dyn-many-126", false, 2000), "still listed");
}

static void test_attach(void)
{
    handle_t a, b;
    if (sys_chan_create(&a, &b) != OK)
        return;
    expect("attach outside init's session", ns_attach(ns, "nstest", 1, a, soon(2000)), ERR_ACCESS_DENIED);
    expect("the refused session is closed", (int)sys_object_wait(b, SIG_PEER_CLOSED, soon(2000), NULL), OK);
    sys_handle_close(b);
}

static void test_malformed(void)
{
    struct {
        proto_hdr_t hdr;
        uint8_t rest[40];
    } m;
    memset(&m, 0xa5, sizeof m);
    proto_hdr_init(&m.hdr, 0, 0x12345678, 7, 3, 0, 0);
    expect("garbage: another protocol", raw_call(&m, sizeof m, HANDLE_INVALID), ERR_NOT_SUPPORTED);
    proto_hdr_init(&m.hdr, 0, NS_PROTOCOL_ID, NS_PROTOCOL_VERSION, 99, 0, 0);
    expect("garbage: wrong ordinal", raw_call(&m, sizeof m, HANDLE_INVALID), ERR_NOT_SUPPORTED);
    proto_hdr_init(&m.hdr, 0, NS_PROTOCOL_ID, NS_PROTOCOL_VERSION, NS_CONNECT_ORDINAL, 0, 0);
    expect("garbage: too short", raw_call(&m, PROTO_HDR_SIZE, HANDLE_INVALID), ERR_CORRUPT);
    expect("garbage: bad lengths", raw_call(&m, sizeof m, HANDLE_INVALID), ERR_CORRUPT);
    struct {
        ns_publish_request_t req;
        char name[8];
    } p;
    memset(&p, 0, sizeof p);
    proto_hdr_init(&p.req.hdr, 0, NS_PROTOCOL_ID, NS_PROTOCOL_VERSION, NS_PUBLISH_ORDINAL, 0, 0);
    p.req.name_len = 3;
    memcpy(p.name, "abc", 4);
    handle_t v = HANDLE_INVALID;
    sys_vmo_create(4096, 0, &v);
    expect("garbage: a vmo for the opener", raw_call(&p, sizeof p.req + 4, v), ERR_WRONG_TYPE);
    uint8_t tiny[12] = {1, 2, 3};
    expect("garbage: shorter than a header", (int)sys_chan_write(ns, tiny, sizeof tiny, NULL, 0), OK);
    ns_list_result_t r;
    expect("ns still serves", ns_list(ns, 0, &r, soon(2000)), OK);
}

static void test_queue_full(void)
{
    /* Nobody reads own_opener: ns may queue CHAN_QUEUE_MAX svc.opens on it. */
    int err = OK;
    uint32_t n = 0;
    while (n <= CHAN_QUEUE_MAX && (err = connect(ns, "nstest-svc", false, 2000, NULL)) == OK)
        n++;
    verdict("a full opener is an error, not a hang", n == CHAN_QUEUE_MAX && err == ERR_QUEUE_FULL,
            "%u connections, then %s", n, cairn_error_name(err));
    sys_handle_close(own_opener);
    verdict("nstest-svc is freed with its opener", wait_listed("nstest-svc", false, 2000), "still listed");
    expect("and published again", publish(ns, "nstest-svc", &own_opener), OK);
}

int main(void)
{
    ns = libsys_handle("ns");
    if (ns == HANDLE_INVALID) {
        printf("nstest: FAIL no 'ns' handle\n");
        return 1;
    }
    test_modules();
    test_adopt_start();
    test_publish();
    test_connect();
    test_restart();
    test_adopt_restart();
    test_derive();
    test_derive_narrows();
    test_name_limit();
    test_attach();
    test_malformed();
    test_queue_full();
    if (failures)
        printf("nstest: FAIL (%d of %d checks)\n", failures, checks);
    else
        printf("nstest: PASS (%d checks)\n", checks);
    return failures != 0;
}
