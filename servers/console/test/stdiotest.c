/* SPDX-License-Identifier: BSD-2-Clause
 *
 * stdiotest: the console service seen by a program (tests/qemu/
 * console-stdio.test). It connects to "console" through ns, points its
 * standard streams at the session (libsys_stdio_set) and checks, in order:
 * output through printf, puts, stderr and write (the runner sees it
 * without the log's "[stdiotest]" prefix), raw reads, cooked reads with editing, reads
 * smaller than a line, Ctrl-D (pushed line and end of file), typed-ahead
 * input, reads of several sessions served in order, a closed session's
 * read dropped, the per-session read limit, and malformed messages, each
 * answered with its error while the console keeps serving.
 *
 * Each step that needs typing prints "stdiotest: type ... now" and the
 * runner types (the test file's `input` lines, in this order). Verdicts:
 * "stdiotest: PASS name" or "stdiotest: FAIL name: why", then
 * "stdiotest: done, N passed, M failed"; the exit status is M.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "cairn/streams.h"
#include "cairn/sys.h"
#include "console.h"

#define SEC 1000000000ull
#define MS 1000000ull

static int passed, failed;
static handle_t session;

static void verdict(const char *name, bool ok, const char *why)
{
    if (ok) {
        printf("stdiotest: PASS %s\n", name);
        passed++;
    } else {
        printf("stdiotest: FAIL %s: %s\n", name, why);
        failed++;
    }
    fflush(stdout);
}

static uint64_t soon(uint64_t ns)
{
    return libsys_now_ns() + ns;
}

/* The session still answers: a round trip that changes nothing. */
static bool still_serving(void)
{
    return console_set_mode(session, false, soon(2 * SEC)) == OK;
}

static void prompt(const char *what)
{
    printf("stdiotest: type %s now\n", what);
    fflush(stdout);
}

/* ---- output -------------------------------------------------------------- */

static void test_output(void)
{
    printf("stdiotest: printf through the session %d\n", 42);
    puts("stdiotest: puts through the session");
    fflush(stdout);
    verdict("printf", !ferror(stdout), "stdout has its error flag set");
    /* stderr is unbuffered: each byte is a write of its own. */
    fprintf(stderr, "stdiotest: stderr through the session\n");
    verdict("stderr", !ferror(stderr), "stderr has its error flag set");

    /* One write() larger than a console write: sent in pieces, in order. */
    static char big[4 + 9990 + 5];
    memcpy(big, "big:", 4);
    for (int i = 0; i < 9990; i++)
        big[4 + i] = (char)('0' + i % 10);
    memcpy(big + 4 + 9990, ":end\n", 5);
    ssize_t n = write(STDOUT_FILENO, big, sizeof big);
    verdict("write_large", n == (ssize_t)sizeof big, "write() did not take everything");
}

/* ---- input --------------------------------------------------------------- */

static void test_raw(void)
{
    int err = console_set_mode(session, true, soon(2 * SEC));
    verdict("set_raw", err == OK, cairn_error_name(err));
    prompt("raw bytes");
    char buf[16];
    size_t got = 0;
    while (got < 4) {
        ssize_t n = read(STDIN_FILENO, buf + got, sizeof buf - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    verdict("raw_read", got == 4 && memcmp(buf, "q\x7fw\r", 4) == 0, "not the bytes as typed");
    err = console_set_mode(session, false, soon(2 * SEC));
    verdict("set_cooked", err == OK, cairn_error_name(err));
}

static void test_cooked(void)
{
    char line[256];
    prompt("a cooked line");
    bool ok = fgets(line, sizeof line, stdin) != NULL;
    verdict("cooked_fgets", ok && strcmp(line, "hello cooked\n") == 0, "not the edited line");

    /* A read smaller than the line gets its start; the rest comes next. */
    prompt("a long line");
    char a[8] = {0}, b[32] = {0};
    ssize_t na = read(STDIN_FILENO, a, 3);
    ssize_t nb = read(STDIN_FILENO, b, sizeof b);
    verdict("cooked_pieces", na == 3 && memcmp(a, "abc", 3) == 0 && nb == 6 && memcmp(b, "defgh\n", 6) == 0,
            "the line was not split at the read size");

    prompt("a pushed line");
    nb = read(STDIN_FILENO, b, sizeof b);
    verdict("ctrl_d_push", nb == 4 && memcmp(b, "tail", 4) == 0, "Ctrl-D after text did not hand it over");

    prompt("end of file");
    ok = fgets(line, sizeof line, stdin) == NULL && feof(stdin);
    verdict("ctrl_d_eof", ok, "no end of file");
    clearerr(stdin);

    /* Typed while nobody reads: kept until the read comes. */
    prompt("ahead");
    sys_thread_sleep(soon(500 * MS));
    ok = fgets(line, sizeof line, stdin) != NULL;
    verdict("typeahead", ok && strcmp(line, "ahead\n") == 0, "typed-ahead line lost");
}

/* ---- several sessions ------------------------------------------------------- */

static int raw_read_request(handle_t ch, uint64_t txid, uint32_t max)
{
    console_read_request_t req = {
        .hdr = {.txid = txid, .protocol = CONSOLE_PROTOCOL_ID, .version = CONSOLE_PROTOCOL_VERSION,
                .ordinal = CONSOLE_READ_ORDINAL},
        .max = max,
    };
    return (int)sys_chan_write(ch, &req, sizeof req, NULL, 0);
}

/* The next message on ch, validated as a read reply: its status, data in
 * *out. */
static int raw_read_reply(handle_t ch, console_read_result_t *out, uint64_t *txid)
{
    static uint8_t msg[CONSOLE_READ_REPLY_MAX_SIZE];
    chan_sizes_t sz = {sizeof msg, 0};
    uint32_t seen;
    int64_t err = sys_object_wait(ch, SIG_READABLE, soon(5 * SEC), &seen);
    if (err == OK)
        err = sys_chan_read(ch, msg, NULL, &sz);
    if (err != OK)
        return (int)err;
    if ((err = console_read_reply_validate(msg, sz.bytes, NULL, 0)) != OK)
        return (int)err;
    const console_read_reply_t *r = (const void *)msg;
    *txid = r->hdr.txid;
    if (r->hdr.status != OK)
        return r->hdr.status;
    out->data_len = r->data_len;
    memcpy(out->data, msg + sizeof *r, r->data_len);
    return OK;
}

static void test_sessions(void)
{
    static console_read_result_t res;
    handle_t s2, s3, s4;
    uint64_t txid = 0;
    char line[64];

    /* s2's read comes first, so it gets the first line; ours the second.
     * The set_mode round trip proves the console has queued s2's read. */
    int err = libsys_connect("console", 5 * SEC, &s2);
    if (err == OK && (err = raw_read_request(s2, 1, 64)) == OK)
        err = console_set_mode(s2, false, soon(2 * SEC));
    verdict("second_session", err == OK, cairn_error_name(err));
    prompt("two lines");
    bool ok = fgets(line, sizeof line, stdin) != NULL && strcmp(line, "second\n") == 0;
    err = raw_read_reply(s2, &res, &txid);
    ok = ok && err == OK && txid == 1 && res.data_len == 6 && memcmp(res.data, "first\n", 6) == 0;
    verdict("reads_in_order", ok, "lines not handed out in the order the reads came");
    sys_handle_close(s2);

    /* A closed session's pending read is dropped, not handed a line. */
    err = libsys_connect("console", 5 * SEC, &s3);
    if (err == OK && (err = raw_read_request(s3, 1, 64)) == OK)
        err = console_set_mode(s3, false, soon(2 * SEC));
    sys_handle_close(s3);
    sys_thread_sleep(soon(50 * MS));
    prompt("after close");
    ok = err == OK && fgets(line, sizeof line, stdin) != NULL && strcmp(line, "kept\n") == 0;
    verdict("closed_read_dropped", ok, "the line went to the closed session");

    /* At most 8 reads wait per session: the ninth is refused at once. */
    err = libsys_connect("console", 5 * SEC, &s4);
    for (uint64_t i = 1; err == OK && i <= 9; i++)
        err = raw_read_request(s4, i, 16);
    int status = err == OK ? raw_read_reply(s4, &res, &txid) : err;
    verdict("read_limit", status == ERR_NO_RESOURCES && txid == 9, cairn_error_name(status));
    sys_handle_close(s4);
}

/* ---- malformed messages -------------------------------------------------------- */

/* chan_call with a hand-made message; the reply's status (chan_call
 * itself returns the reply's size). */
static int raw_call(const void *msg, uint32_t n, const handle_t *hs, uint32_t nh)
{
    uint8_t reply[CONSOLE_READ_REPLY_MAX_SIZE];
    chan_call_args_t a = {.wr_bytes = (uintptr_t)msg, .wr_handles = (uintptr_t)hs, .wr_num_bytes = n,
                          .wr_num_handles = nh, .rd_bytes = (uintptr_t)reply, .rd_num_bytes = sizeof reply};
    int64_t got = sys_chan_call(session, &a, soon(2 * SEC));
    if (got < 0)
        return (int)got;
    if ((uint64_t)got < sizeof(proto_hdr_t))
        return ERR_INTERNAL;
    const proto_hdr_t *h = (const void *)reply;
    return h->flags == PROTO_FLAG_REPLY ? h->status : ERR_INTERNAL;
}

static void expect_refused(const char *name, int got, int want)
{
    char why[96];
    snprintf(why, sizeof why, "got %s, want %s", cairn_error_name(got), cairn_error_name(want));
    verdict(name, got == want && still_serving(), got == want ? "the console stopped serving" : why);
}

static void test_malformed(void)
{
    static console_read_result_t res;
    proto_hdr_t hdr = {.protocol = CONSOLE_PROTOCOL_ID, .version = CONSOLE_PROTOCOL_VERSION,
                       .ordinal = CONSOLE_WRITE_ORDINAL};

    /* Shorter than a header: no reply is possible, the console goes on. */
    int64_t err = sys_chan_write(session, "short", 5, NULL, 0);
    verdict("too_short", err == OK && still_serving(), "the console stopped serving");

    proto_hdr_t bad = hdr;
    bad.ordinal = 99;
    expect_refused("unknown_ordinal", raw_call(&bad, sizeof bad, NULL, 0), ERR_NOT_SUPPORTED);
    bad = hdr;
    bad.version = 7;
    expect_refused("wrong_version", raw_call(&bad, sizeof bad, NULL, 0), ERR_NOT_SUPPORTED);

    expect_refused("read_max_0", console_read(session, 0, &res, soon(2 * SEC)), ERR_INVALID_ARGS);
    expect_refused("read_max_huge", console_read(session, 1u << 20, &res, soon(2 * SEC)), ERR_INVALID_ARGS);
    expect_refused("read_max_4097", console_read(session, 4097, &res, soon(2 * SEC)), ERR_INVALID_ARGS);

    /* A write whose length says more than the message holds (the struct's
     * tail padding is not sent: the message is exactly header and data). */
    struct {
        console_write_request_t req;
        char data[10];
    } w = {.req = {.hdr = hdr, .data_len = 100}};
    const uint32_t wsize = sizeof w.req + sizeof w.data;
    expect_refused("write_length_lies", raw_call(&w, wsize, NULL, 0), ERR_CORRUPT);

    /* set_mode with a bool that is neither 0 nor 1. */
    console_set_mode_request_t m = {.hdr = hdr, .raw = 2};
    m.hdr.ordinal = CONSOLE_SET_MODE_ORDINAL;
    expect_refused("set_mode_bad_bool", raw_call(&m, sizeof m, NULL, 0), ERR_CORRUPT);

    /* A handle where none belongs: refused, and the console closes it. */
    handle_t mine, theirs;
    uint32_t seen = 0;
    w.req.data_len = 10;
    if (sys_chan_create(&mine, &theirs) == OK) {
        int got = raw_call(&w, wsize, &theirs, 1);
        sys_object_wait(mine, SIG_PEER_CLOSED, soon(2 * SEC), &seen);
        sys_handle_close(mine);
        expect_refused("write_with_handle", got, ERR_INVALID_ARGS);
        verdict("refused_handle_closed", seen & SIG_PEER_CLOSED, "the console kept the handle");
    } else {
        verdict("write_with_handle", false, "chan_create failed");
    }
}

int main(void)
{
    printf("stdiotest: connecting to the console\n"); /* still the log */
    int err = libsys_connect("console", 10 * SEC, &session);
    if (err != OK) {
        printf("stdiotest: FAIL connect: %s\n", cairn_error_name(err));
        return 1;
    }
    libsys_stdio_set(session);
    verdict("connect", libsys_stdio() == session, "streams not set");
    test_output();
    test_raw();
    test_cooked();
    test_sessions();
    test_malformed();
    printf("stdiotest: done, %d passed, %d failed\n", passed, failed);
    return failed;
}
