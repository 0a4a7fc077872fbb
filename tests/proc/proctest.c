/* SPDX-License-Identifier: BSD-2-Clause
 *
 * proctest: the proc server's system test (tests/qemu/proc.test). A
 * manifest component that may connect to "proc"; it has proc start argprog
 * (tests/proc/argprog.c) in every way the protocol allows and checks what
 * comes back: arguments, environment and a handle reaching the child, exit
 * statuses, kills and faults through wait, every refusal with its error,
 * the process and handle lists, the boot modules, malformed messages, and
 * what happens when a client leaves. Each test prints one line,
 *     proctest: PASS name    or    proctest: FAIL name: file:line: check (got N)
 * and the run ends with "proctest: done, N passed, M failed".
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "cairn/sys.h"
#include "proc.h"

#define SEC 1000000000ull
#define UNKNOWN_PID 0x7fffffffffffff00ull

static handle_t proc_ch;
static const char *current;
static bool failed_once;

static void fail(int line, const char *what, long long got)
{
    printf("proctest: FAIL %s: proctest.c:%d: %s (got %lld)\n", current, line, what, got);
    failed_once = true;
}

#define CHECK(c)                                                                \
    do {                                                                        \
        if (!(c)) {                                                             \
            fail(__LINE__, #c, 0);                                              \
            return -1;                                                          \
        }                                                                       \
    } while (0)
#define EQ(expr, want)                                                          \
    do {                                                                        \
        long long got_ = (long long)(expr);                                     \
        if (got_ != (long long)(want)) {                                        \
            fail(__LINE__, #expr " == " #want, got_);                           \
            return -1;                                                          \
        }                                                                       \
    } while (0)

static uint64_t deadline(void)
{
    return libsys_now_ns() + 5 * SEC;
}

/* ---- helpers ----------------------------------------------------------------- */

/* Creates argprog with `args` and `env`, gives it a "report" channel (our
 * end in *report) and starts it. */
static int run_argprog(handle_t ch, const char *args, const char *env, uint64_t *pid, handle_t *report)
{
    proc_create_result_t cr;
    handle_t theirs;
    int err = proc_create(ch, "argprog", args, env, &cr, deadline());
    if (err != OK)
        return err;
    *pid = cr.pid;
    if ((err = (int)sys_chan_create(report, &theirs)) != OK)
        return err;
    if ((err = proc_add_handle(ch, cr.pid, "report", theirs, deadline())) != OK)
        return err;
    return proc_start(ch, cr.pid, deadline());
}

/* argprog's report line, NUL-terminated, or an error. */
static int read_report(handle_t report, char *buf, uint32_t cap)
{
    uint32_t seen;
    int64_t err = sys_object_wait(report, SIG_READABLE | SIG_PEER_CLOSED, deadline(), &seen);
    chan_sizes_t sz = {cap - 1, 0};
    if (err == OK)
        err = sys_chan_read(report, buf, NULL, &sz);
    if (err != OK)
        return (int)err;
    buf[sz.bytes] = '\0';
    return OK;
}

/* The list entry of `pid`, or ERR_NOT_FOUND. */
static int list_find(uint64_t pid, proc_list_result_t *out)
{
    uint64_t after = 0;
    int err;
    while ((err = proc_list(proc_ch, after, out, deadline())) == OK) {
        if (out->pid == pid)
            return OK;
        after = out->pid;
    }
    return err;
}

static int list_find_name(const char *name, proc_list_result_t *out)
{
    uint64_t after = 0;
    int err;
    while ((err = proc_list(proc_ch, after, out, deadline())) == OK) {
        if (strcmp(out->name, name) == 0)
            return OK;
        after = out->pid;
    }
    return err;
}

/* Sends a request without waiting for its reply (chan_write). */
static int send_raw(handle_t ch, const void *msg, uint32_t n)
{
    return (int)sys_chan_write(ch, msg, n, NULL, 0);
}

/* Reads one reply; its status, or a transport error. */
static int read_status(handle_t ch, void *buf, uint32_t cap, uint32_t *n)
{
    uint32_t seen;
    int64_t err = sys_object_wait(ch, SIG_READABLE | SIG_PEER_CLOSED, deadline(), &seen);
    chan_sizes_t sz = {cap, 0};
    if (err == OK)
        err = sys_chan_read(ch, buf, NULL, &sz);
    if (err != OK)
        return (int)err;
    if (sz.bytes < sizeof(proto_hdr_t))
        return ERR_CORRUPT;
    *n = sz.bytes;
    proto_hdr_t hdr;
    memcpy(&hdr, buf, sizeof hdr);
    return hdr.status;
}

/* ---- tests ------------------------------------------------------------------- */

static int t_modules(void)
{
    proc_module_result_t m;
    bool argprog = false, manifest = false, self = false;
    uint32_t i = 0;
    int err;
    while ((err = proc_module(proc_ch, i, &m, deadline())) == OK) {
        CHECK(m.size > 0);
        argprog |= strcmp(m.name, "argprog") == 0;
        manifest |= strcmp(m.name, "manifest") == 0;
        self |= strcmp(m.name, "proctest") == 0;
        i++;
    }
    EQ(err, ERR_NOT_FOUND);
    CHECK(i >= 5); /* init, manifest, ns, proc, proctest, argprog */
    CHECK(argprog && manifest && self);
    EQ(proc_module(proc_ch, UINT32_MAX, &m, deadline()), ERR_NOT_FOUND);
    return 0;
}

static int t_args_env_handle(void)
{
    uint64_t pid;
    handle_t report;
    char line[256];
    EQ(run_argprog(proc_ch, "exit 7 hello world", "GREETING=hi there\nOTHER=1", &pid, &report), OK);
    EQ(read_report(report, line, sizeof line), OK);
    printf("proctest: argprog said '%s'\n", line);
    EQ(strcmp(line, "argc=5 argv=argprog,exit,7,hello,world GREETING=hi there"), 0);
    proc_wait_result_t w;
    EQ(proc_wait(proc_ch, pid, &w, deadline()), OK);
    EQ(w.reason, PROCESS_EXITED);
    EQ(w.code, 7);
    EQ(proc_wait(proc_ch, pid, &w, deadline()), ERR_NOT_FOUND); /* forgotten once waited for */
    sys_handle_close(report);

    /* No arguments, no environment. */
    proc_create_result_t cr;
    EQ(proc_create(proc_ch, "argprog", "", "", &cr, deadline()), OK);
    EQ(proc_start(proc_ch, cr.pid, deadline()), OK);
    EQ(proc_wait(proc_ch, cr.pid, &w, deadline()), OK);
    EQ(w.reason, PROCESS_EXITED);
    EQ(w.code, 0);
    return 0;
}

static int t_exit_codes(void)
{
    static const struct {
        const char *args;
        int code;
    } cases[] = {{"exit 0", 0}, {"exit 1", 1}, {"exit 255", 255}, {"exit -3", -3}, {"bogus", 99}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t pid;
        handle_t report;
        proc_wait_result_t w;
        EQ(run_argprog(proc_ch, cases[i].args, "", &pid, &report), OK);
        EQ(proc_wait(proc_ch, pid, &w, deadline()), OK);
        EQ(w.reason, PROCESS_EXITED);
        EQ(w.code, cases[i].code);
        sys_handle_close(report);
    }
    return 0;
}

static int t_kill_sleeping(void)
{
    uint64_t pid;
    handle_t report;
    char line[256];
    EQ(run_argprog(proc_ch, "sleep", "", &pid, &report), OK);
    EQ(read_report(report, line, sizeof line), OK); /* it runs */
    EQ(proc_kill(proc_ch, pid, deadline()), OK);
    proc_wait_result_t w;
    EQ(proc_wait(proc_ch, pid, &w, deadline()), OK);
    EQ(w.reason, PROCESS_KILLED);
    EQ(w.code, -1);
    EQ(proc_kill(proc_ch, pid, deadline()), ERR_NOT_FOUND);
    sys_handle_close(report);
    return 0;
}

static int t_fault(void)
{
    uint64_t pid;
    handle_t report;
    proc_wait_result_t w;
    EQ(run_argprog(proc_ch, "fault", "", &pid, &report), OK);
    EQ(proc_wait(proc_ch, pid, &w, deadline()), OK);
    EQ(w.reason, PROCESS_FAULTED);
    EQ(w.code, -15); /* -(vector) - 1: a page fault */
    sys_handle_close(report);
    return 0;
}

static int t_create_refused(void)
{
    proc_create_result_t cr;
    EQ(proc_create(proc_ch, "no-such-program", "", "", &cr, deadline()), ERR_NOT_FOUND);
    EQ(proc_create(proc_ch, "manifest", "", "", &cr, deadline()), ERR_CORRUPT); /* text, not ELF */
    EQ(proc_create(proc_ch, "", "", "", &cr, deadline()), ERR_NOT_FOUND);
    return 0;
}

static int t_add_handle_rules(void)
{
    proc_create_result_t cr;
    handle_t v, mine, theirs;
    EQ(proc_create(proc_ch, "argprog", "sleep", "", &cr, deadline()), OK);
    for (uint32_t i = 0; i < 14; i++) {
        char name[16];
        snprintf(name, sizeof name, "h%u", (unsigned)i);
        EQ(sys_vmo_create(4096, 0, &v), OK);
        EQ(proc_add_handle(proc_ch, cr.pid, name, v, deadline()), OK);
    }
    EQ(sys_chan_create(&mine, &theirs), OK);
    EQ(proc_add_handle(proc_ch, cr.pid, "report", theirs, deadline()), OK); /* the 15th */
    EQ(sys_vmo_create(4096, 0, &v), OK);
    EQ(proc_add_handle(proc_ch, cr.pid, "h15", v, deadline()), ERR_NO_RESOURCES);
    EQ(sys_handle_info(v, &(handle_info_t){0}), ERR_BAD_HANDLE); /* sent, so no longer ours */
    EQ(sys_vmo_create(4096, 0, &v), OK);
    EQ(proc_add_handle(proc_ch, cr.pid, "h3", v, deadline()), ERR_ALREADY_EXISTS);
    EQ(sys_vmo_create(4096, 0, &v), OK);
    EQ(proc_add_handle(proc_ch, cr.pid, "", v, deadline()), ERR_INVALID_ARGS);
    EQ(proc_start(proc_ch, cr.pid, deadline()), OK);
    EQ(proc_start(proc_ch, cr.pid, deadline()), ERR_BAD_STATE);
    EQ(sys_vmo_create(4096, 0, &v), OK);
    EQ(proc_add_handle(proc_ch, cr.pid, "late", v, deadline()), ERR_BAD_STATE);
    /* Once it has reported, it holds its bootstrap channel, the 14 vmos
     * and "report". */
    char line[256];
    EQ(read_report(mine, line, sizeof line), OK);
    proc_list_result_t l;
    EQ(list_find(cr.pid, &l), OK);
    CHECK(l.handles >= 16);
    EQ(proc_kill(proc_ch, cr.pid, deadline()), OK);
    proc_wait_result_t w;
    EQ(proc_wait(proc_ch, cr.pid, &w, deadline()), OK);
    EQ(w.reason, PROCESS_KILLED);
    sys_handle_close(mine);
    return 0;
}

static int t_unknown_pid(void)
{
    proc_wait_result_t w;
    proc_handles_result_t h;
    handle_t v;
    EQ(proc_wait(proc_ch, UNKNOWN_PID, &w, deadline()), ERR_NOT_FOUND);
    EQ(proc_kill(proc_ch, UNKNOWN_PID, deadline()), ERR_NOT_FOUND);
    EQ(proc_start(proc_ch, UNKNOWN_PID, deadline()), ERR_NOT_FOUND);
    EQ(proc_handles(proc_ch, UNKNOWN_PID, 0, &h, deadline()), ERR_NOT_FOUND);
    EQ(sys_vmo_create(4096, 0, &v), OK);
    EQ(proc_add_handle(proc_ch, UNKNOWN_PID, "x", v, deadline()), ERR_NOT_FOUND);
    EQ(proc_wait(proc_ch, 0, &w, deadline()), ERR_NOT_FOUND);
    return 0;
}

static int t_list(void)
{
    uint64_t pid;
    handle_t report;
    char line[256];
    EQ(run_argprog(proc_ch, "sleep", "GREETING=listed", &pid, &report), OK);
    EQ(read_report(report, line, sizeof line), OK);
    proc_list_result_t l;
    uint64_t after = 0, init_pid = 0, child_parent = 0;
    uint32_t n = 0;
    bool seen_child = false, seen_proc = false, seen_ns = false, seen_self = false;
    int err;
    while ((err = proc_list(proc_ch, after, &l, deadline())) == OK) {
        CHECK(l.pid > after); /* pid order */
        CHECK(l.name[0] != '\0');
        if (strcmp(l.name, "init") == 0)
            init_pid = l.pid;
        if (l.pid == pid) {
            EQ(strcmp(l.name, "argprog"), 0);
            EQ(l.state, 0);
            EQ(l.threads, 1);
            CHECK(l.handles >= 2); /* its bootstrap channel and "report" */
            CHECK(l.memory >= 4096 * 3); /* image, stack, TLS and heap are mapped */
            CHECK(l.charged > 0);       /* its TLS area and heap are its own */
            child_parent = l.parent;
            seen_child = true;
        }
        seen_proc |= strcmp(l.name, "proc") == 0 && l.state == 0 && l.threads >= 1;
        seen_ns |= strcmp(l.name, "ns") == 0;
        seen_self |= strcmp(l.name, "proctest") == 0 && l.handles >= 2;
        after = l.pid;
        n++;
    }
    EQ(err, ERR_NOT_FOUND);
    CHECK(seen_child && seen_proc && seen_ns && seen_self);
    CHECK(init_pid != 0);
    CHECK(n >= 5);
    EQ(list_find_name("proctest", &l), OK);
    EQ(l.parent, init_pid); /* adopted: init started it */
    EQ(child_parent, l.pid); /* what proctest created: its pid, as ns told proc */
    EQ(proc_list(proc_ch, UINT64_MAX, &l, deadline()), ERR_NOT_FOUND);
    EQ(proc_kill(proc_ch, pid, deadline()), OK);
    proc_wait_result_t w;
    EQ(proc_wait(proc_ch, pid, &w, deadline()), OK);
    EQ(list_find(pid, &l), ERR_NOT_FOUND);
    sys_handle_close(report);
    return 0;
}

static int t_handles(void)
{
    proc_create_result_t cr;
    handle_t mine, theirs;
    handle_info_t hi;
    EQ(proc_create(proc_ch, "argprog", "sleep", "", &cr, deadline()), OK);
    proc_handles_result_t h;
    EQ(proc_handles(proc_ch, cr.pid, 0, &h, deadline()), ERR_NOT_FOUND); /* nothing before start */
    EQ(sys_chan_create(&mine, &theirs), OK);
    EQ(sys_handle_info(theirs, &hi), OK);
    EQ(proc_add_handle(proc_ch, cr.pid, "report", theirs, deadline()), OK);
    EQ(proc_start(proc_ch, cr.pid, deadline()), OK);
    char line[256];
    EQ(read_report(mine, line, sizeof line), OK);
    uint32_t cursor = 0, n = 0, channels = 0;
    bool found = false;
    int err;
    while ((err = proc_handles(proc_ch, cr.pid, cursor, &h, deadline())) == OK) {
        CHECK(h.next > cursor);
        CHECK(h.value != HANDLE_INVALID);
        channels += h.kind == KIND_CHANNEL;
        if (h.object_id == hi.object_id) {
            EQ(h.kind, KIND_CHANNEL);
            EQ(h.rights, hi.rights);
            found = true;
        }
        cursor = h.next;
        n++;
    }
    EQ(err, ERR_NOT_FOUND);
    CHECK(found);
    CHECK(channels >= 2); /* the bootstrap channel and "report" */
    proc_list_result_t l;
    EQ(list_find(cr.pid, &l), OK);
    EQ(n, l.handles);
    EQ(proc_handles(proc_ch, cr.pid, 65537, &h, deadline()), ERR_OUT_OF_RANGE);
    EQ(proc_kill(proc_ch, cr.pid, deadline()), OK);
    proc_wait_result_t w;
    EQ(proc_wait(proc_ch, cr.pid, &w, deadline()), OK);
    sys_handle_close(mine);
    return 0;
}

/* Two other connections wait for the same process; both are answered. */
static int t_many_waiters(void)
{
    handle_t a, b;
    uint64_t pid;
    handle_t report;
    char line[256];
    EQ(libsys_connect("proc", 5 * SEC, &a), OK);
    EQ(libsys_connect("proc", 5 * SEC, &b), OK);
    EQ(run_argprog(proc_ch, "sleep", "", &pid, &report), OK);
    EQ(read_report(report, line, sizeof line), OK);
    proc_wait_request_t req;
    memset(&req, 0, sizeof req);
    proto_hdr_init(&req.hdr, 0x8000000000000001ull, PROC_PROTOCOL_ID, PROC_PROTOCOL_VERSION, PROC_WAIT_ORDINAL, 0, 0);
    req.pid = pid;
    EQ(send_raw(a, &req, sizeof req), OK);
    EQ(send_raw(b, &req, sizeof req), OK);
    /* Both waits are queued at proc before this call is answered. */
    proc_list_result_t l;
    EQ(list_find(pid, &l), OK);
    EQ(proc_kill(proc_ch, pid, deadline()), OK);
    handle_t chans[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        uint8_t buf[64];
        uint32_t n = 0;
        EQ(read_status(chans[i], buf, sizeof buf, &n), OK);
        EQ(proc_wait_reply_validate(buf, n, NULL, 0), OK);
        proc_wait_reply_t r;
        memcpy(&r, buf, sizeof r);
        EQ(r.hdr.txid, 0x8000000000000001ull);
        EQ(r.reason, PROCESS_KILLED);
        EQ(r.code, -1);
        sys_handle_close(chans[i]);
    }
    proc_wait_result_t w;
    EQ(proc_wait(proc_ch, pid, &w, deadline()), ERR_NOT_FOUND); /* answered, so forgotten */
    sys_handle_close(report);
    return 0;
}

/* Ended and not waited for: listed with its status until a wait. */
static int t_ended_listed(void)
{
    uint64_t pid;
    handle_t report;
    EQ(run_argprog(proc_ch, "exit 5", "", &pid, &report), OK);
    proc_list_result_t l;
    uint64_t until = libsys_now_ns() + 5 * SEC;
    /* The exit reason shows as soon as it exits; its thread may still be
     * leaving on another CPU for a moment, and its handles go just after
     * (process_info), so wait for those too. */
    do {
        EQ(list_find(pid, &l), OK);
    } while ((l.state == PROCESS_RUNNING || l.threads != 0 || l.handles != 0) && libsys_now_ns() < until);
    EQ(l.state, PROCESS_EXITED);
    EQ(l.code, 5);
    EQ(l.threads, 0);
    EQ(l.handles, 0);
    EQ(strcmp(l.name, "argprog"), 0);
    proc_wait_result_t w;
    EQ(proc_wait(proc_ch, pid, &w, deadline()), OK);
    EQ(w.reason, PROCESS_EXITED);
    EQ(w.code, 5);
    EQ(list_find(pid, &l), ERR_NOT_FOUND);
    sys_handle_close(report);
    return 0;
}

/* Another client's process is not ours to fill or start; when that client
 * leaves, what it created and never started goes with it. */
static int t_creator_leaves(void)
{
    handle_t other, v;
    proc_create_result_t cr;
    EQ(libsys_connect("proc", 5 * SEC, &other), OK);
    EQ(proc_create(other, "argprog", "sleep", "", &cr, deadline()), OK);
    EQ(sys_vmo_create(4096, 0, &v), OK);
    EQ(proc_add_handle(proc_ch, cr.pid, "x", v, deadline()), ERR_ACCESS_DENIED);
    EQ(proc_start(proc_ch, cr.pid, deadline()), ERR_ACCESS_DENIED);
    proc_list_result_t l;
    EQ(list_find(cr.pid, &l), OK);
    EQ(l.state, PROCESS_RUNNING); /* created: no thread yet */
    EQ(l.threads, 0);
    sys_handle_close(other);
    uint64_t until = libsys_now_ns() + 5 * SEC;
    int err;
    while ((err = list_find(cr.pid, &l)) == OK && libsys_now_ns() < until)
        sys_thread_sleep(libsys_now_ns() + 10000000ull);
    EQ(err, ERR_NOT_FOUND);
    return 0;
}

static int t_kill_init_denied(void)
{
    proc_list_result_t l;
    EQ(list_find_name("init", &l), OK);
    EQ(proc_kill(proc_ch, l.pid, deadline()), ERR_ACCESS_DENIED); /* init gave proc no MANAGE on itself */
    EQ(list_find(l.pid, &l), OK);
    EQ(l.state, PROCESS_RUNNING);
    return 0;
}

/* Malformed messages get an error reply (when they are requests) and proc
 * goes on serving. */
static int t_malformed(void)
{
    uint8_t buf[64];
    uint32_t n = 0;
    proto_hdr_t hdr;
    proto_hdr_init(&hdr, 0x8000000000000002ull, PROC_PROTOCOL_ID, PROC_PROTOCOL_VERSION, 99, 0, 0);
    EQ(send_raw(proc_ch, &hdr, sizeof hdr), OK);
    EQ(read_status(proc_ch, buf, sizeof buf, &n), ERR_NOT_SUPPORTED); /* unknown ordinal */
    proto_hdr_init(&hdr, 0x8000000000000003ull, PROC_PROTOCOL_ID, PROC_PROTOCOL_VERSION, PROC_CREATE_ORDINAL, 0, 0);
    EQ(send_raw(proc_ch, &hdr, sizeof hdr), OK);
    EQ(read_status(proc_ch, buf, sizeof buf, &n), ERR_CORRUPT); /* no arguments at all */
    proto_hdr_init(&hdr, 0x8000000000000004ull, PROC_PROTOCOL_ID, PROC_PROTOCOL_VERSION + 1, PROC_LIST_ORDINAL, 0,
                   0);
    EQ(send_raw(proc_ch, &hdr, sizeof hdr), OK);
    EQ(read_status(proc_ch, buf, sizeof buf, &n), ERR_NOT_SUPPORTED); /* another version */
    /* Too short to answer, and an adopt event from a client: no reply. */
    EQ(send_raw(proc_ch, "garbage", 7), OK);
    proto_hdr_init(&hdr, 0, PROC_PROTOCOL_ID, PROC_PROTOCOL_VERSION, PROC_ADOPT_ORDINAL, PROTO_FLAG_EVENT, 0);
    EQ(send_raw(proc_ch, &hdr, sizeof hdr), OK);
    /* Still serving, and nothing stray left on the channel. */
    proc_module_result_t m;
    EQ(proc_module(proc_ch, 0, &m, deadline()), OK);
    chan_sizes_t sz = {sizeof buf, 0};
    EQ(sys_chan_read(proc_ch, buf, NULL, &sz), ERR_SHOULD_WAIT);
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(void);
} tests[] = {
    {"modules", t_modules},
    {"args_env_handle", t_args_env_handle},
    {"exit_codes", t_exit_codes},
    {"kill_sleeping", t_kill_sleeping},
    {"fault", t_fault},
    {"create_refused", t_create_refused},
    {"add_handle_rules", t_add_handle_rules},
    {"unknown_pid", t_unknown_pid},
    {"list", t_list},
    {"handles", t_handles},
    {"many_waiters", t_many_waiters},
    {"ended_listed", t_ended_listed},
    {"creator_leaves", t_creator_leaves},
    {"kill_init_denied", t_kill_init_denied},
    {"malformed", t_malformed},
};

int main(void)
{
    int err = libsys_connect("proc", 10 * SEC, &proc_ch);
    if (err != OK) {
        printf("proctest: FAIL connect: %s\n", cairn_error_name(err));
        return 1;
    }
    int n = (int)(sizeof tests / sizeof tests[0]), passed = 0, failed = 0;
    printf("proctest: running %d tests\n", n);
    for (int i = 0; i < n; i++) {
        current = tests[i].name;
        failed_once = false;
        int r = tests[i].fn();
        if (r == 0 && !failed_once) {
            printf("proctest: PASS %s\n", current);
            passed++;
        } else {
            if (!failed_once)
                printf("proctest: FAIL %s: returned %d\n", current, r);
            failed++;
        }
    }
    printf("proctest: done, %d passed, %d failed\n", passed, failed);
    return failed;
}
