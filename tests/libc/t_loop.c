/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The event loop and the server loop of libsys (cairn/loop.h,
 * cairn/server.h), driven one turn at a time from a single thread: the
 * tests write to channels, run loop_run_once with a zero deadline and look
 * at what was called, in which order, and what came back. The server tests
 * speak proto/echo.proto with hand-built bytes where a test needs a
 * malformed message, and with the generated structs otherwise.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/loop.h"
#include "cairn/runtime.h"
#include "cairn/server.h"
#include "cairn/sys.h"
#include "echo.h"
#include "ltest.h"

static char order[16];
static size_t norder;

static void note(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    (void)loop;
    (void)signals;
    if (norder < sizeof order - 1)
        order[norder++] = *(const char *)src->ctx;
    order[norder] = '\0';
}

static int turn(loop_t *loop)
{
    return loop_run_once(loop, 0);
}

static void poke(handle_t ch)
{
    uint8_t b = 1;
    sys_chan_write(ch, &b, 1, NULL, 0);
}

/* Urgent sources run before normal ones queued earlier in the same turn. */
int t_loop_order(void)
{
    loop_t loop;
    loop_source_t a, b;
    handle_t a0, a1, b0, b1;

    LT_INT(loop_init(&loop), OK);
    LT_INT(sys_chan_create(&a0, &a1), OK);
    LT_INT(sys_chan_create(&b0, &b1), OK);
    LT_INT(loop_add(&loop, &a, a0, SIG_READABLE, LOOP_NORMAL, note, "a"), OK);
    LT_INT(loop_add(&loop, &b, b0, SIG_READABLE, LOOP_URGENT, note, "b"), OK);
    norder = 0;
    poke(a1);
    poke(b1);
    LT_INT(turn(&loop), OK);
    LT_STR(order, "ba");
    LT_INT(turn(&loop), ERR_TIMED_OUT); /* edge-triggered: nothing new */
    LT_INT(loop_add(&loop, &a, a0, 0, LOOP_NORMAL, note, "a"), ERR_INVALID_ARGS);
    LT_INT(loop_add(&loop, &a, a0, SIG_READABLE, LOOP_NORMAL, NULL, "a"), ERR_INVALID_ARGS);
    loop_remove(&loop, &a);
    loop_remove(&loop, &b);
    loop_remove(&loop, &b); /* twice is harmless */
    sys_handle_close(a0), sys_handle_close(a1), sys_handle_close(b0), sys_handle_close(b1);
    loop_fini(&loop);
    return 0;
}

static loop_source_t *victim;

static void remover(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    note(loop, src, signals);
    loop_remove(loop, victim);
}

/* A source removed by an earlier callback of the same turn is not called,
 * and a removed source whose binding the kernel kept (its handle was closed
 * before loop_remove, another handle keeps the object) is never called. */
int t_loop_remove(void)
{
    loop_t loop;
    loop_source_t a, b, c;
    handle_t a0, a1, b0, b1, c0, c1, c0dup;

    LT_INT(loop_init(&loop), OK);
    LT_INT(sys_chan_create(&a0, &a1), OK);
    LT_INT(sys_chan_create(&b0, &b1), OK);
    LT_INT(loop_add(&loop, &a, a0, SIG_READABLE, LOOP_URGENT, remover, "a"), OK);
    LT_INT(loop_add(&loop, &b, b0, SIG_READABLE, LOOP_NORMAL, note, "b"), OK);
    victim = &b;
    norder = 0;
    poke(b1);
    poke(a1);
    LT_INT(turn(&loop), OK);
    LT_STR(order, "a");

    LT_INT(sys_chan_create(&c0, &c1), OK);
    handle_info_t info;
    LT_INT(sys_handle_info(c0, &info), OK);
    LT_INT(sys_handle_dup(c0, info.rights, &c0dup), OK);
    LT_INT(loop_add(&loop, &c, c0, SIG_READABLE, LOOP_NORMAL, note, "c"), OK);
    sys_handle_close(c0);
    loop_remove(&loop, &c); /* cannot unbind: the handle is gone */
    norder = 0;
    order[0] = '\0';
    poke(c1);
    int err = turn(&loop);
    LT_CHECK(err == OK || err == ERR_TIMED_OUT);
    LT_STR(order, "");
    loop_remove(&loop, &a);
    sys_handle_close(a0), sys_handle_close(a1), sys_handle_close(b0), sys_handle_close(b1);
    sys_handle_close(c0dup), sys_handle_close(c1);
    loop_fini(&loop);
    return 0;
}

static uint64_t posted[2];

static void on_post(loop_t *loop, uint64_t d0, uint64_t d1)
{
    posted[0] = d0;
    posted[1] = d1;
    loop_quit(loop, 7);
}

/* loop_post reaches loop->post; loop_quit ends loop_run with its status. */
int t_loop_post_quit(void)
{
    loop_t loop;

    LT_INT(loop_init(&loop), OK);
    loop.post = on_post;
    LT_INT(loop_post(&loop, 11, 22), OK);
    LT_INT(loop_run(&loop), 7);
    LT_INT(posted[0], 11);
    LT_INT(posted[1], 22);
    loop_fini(&loop);
    return 0;
}

/* ---- the server loop, with echo ------------------------------------------- */

static unsigned opened, closed;

static int op_echo(void *ctx, const proto_txn_t *txn, const char *text, echo_echo_result_t *out)
{
    (void)ctx;
    (void)txn;
    strcpy(out->text, text);
    return OK;
}

static const echo_ops_t ops = {.echo = op_echo}; /* stats left out: not supported */

static int dispatch(srv_client_t *c, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh)
{
    return echo_dispatch(&ops, c, c->ch, msg, n, hs, nh);
}

static void on_open(srv_client_t *c)
{
    (void)c;
    opened++;
}

static void on_close(srv_client_t *c)
{
    (void)c;
    closed++;
}

static void send_echo(handle_t ch, uint64_t txid, const char *text)
{
    uint8_t buf[ECHO_ECHO_REQUEST_MAX_SIZE];
    echo_echo_request_t req;
    size_t len = strlen(text);

    memset(&req, 0, sizeof req);
    proto_hdr_init(&req.hdr, txid, ECHO_PROTOCOL_ID, ECHO_PROTOCOL_VERSION, ECHO_ECHO_ORDINAL, 0, OK);
    req.text_len = (uint32_t)len;
    memcpy(buf, &req, sizeof req);
    memcpy(buf + sizeof req, text, len + 1);
    sys_chan_write(ch, buf, (uint32_t)(sizeof req + len + 1), NULL, 0);
}

/* The status of the next reply on ch (its text in text, if any), or the
 * read error. */
static int read_reply(handle_t ch, char *text, uint64_t *txid)
{
    uint8_t buf[ECHO_ECHO_REPLY_MAX_SIZE];
    handle_t hs[CHAN_MAX_HANDLES];
    chan_sizes_t sz = {sizeof buf, CHAN_MAX_HANDLES};
    int64_t err = sys_chan_read(ch, buf, hs, &sz);
    proto_hdr_t hdr;

    if (err != OK)
        return (int)err;
    memcpy(&hdr, buf, sizeof hdr);
    *txid = hdr.txid;
    if (hdr.status == OK && text != NULL) {
        if (echo_echo_reply_validate(buf, sz.bytes, hs, sz.handles) != OK)
            return ERR_CORRUPT;
        strcpy(text, (const char *)buf + sizeof(echo_echo_reply_t));
    }
    return hdr.status;
}

/* A valid request is answered; malformed ones (short, unknown ordinal, an
 * op left NULL) get error replies and the client stays; a client whose
 * peer closes is removed with on_close. */
int t_srv_dispatch(void)
{
    loop_t loop;
    srv_t srv;
    handle_t s0, c0;
    char text[300];
    uint64_t txid = 0;
    proto_hdr_t hdr;

    LT_INT(loop_init(&loop), OK);
    LT_INT(srv_init(&srv, &loop, "t_srv", dispatch, NULL), OK);
    srv.on_open = on_open;
    srv.on_close = on_close;
    opened = closed = 0;
    LT_INT(sys_chan_create(&s0, &c0), OK);
    LT_INT(srv_add_client(&srv, s0, "tester", NULL), OK);
    LT_INT(opened, 1);
    LT_INT(srv.nclients, 1);

    send_echo(c0, 0x1234, "hello");
    LT_INT(turn(&loop), OK);
    LT_INT(read_reply(c0, text, &txid), OK);
    LT_STR(text, "hello");
    LT_INT(txid, 0x1234);

    uint8_t junk[5] = {1, 2, 3, 4, 5};              /* shorter than a header */
    sys_chan_write(c0, junk, sizeof junk, NULL, 0);
    LT_INT(turn(&loop), OK);
    LT_INT(read_reply(c0, NULL, &txid), ERR_SHOULD_WAIT); /* no header: nothing to answer */

    memset(&hdr, 0, sizeof hdr);                     /* an ordinal echo does not have */
    proto_hdr_init(&hdr, 5, ECHO_PROTOCOL_ID, ECHO_PROTOCOL_VERSION, 99, 0, OK);
    sys_chan_write(c0, &hdr, sizeof hdr, NULL, 0);
    LT_INT(turn(&loop), OK);
    LT_INT(read_reply(c0, NULL, &txid), ERR_NOT_SUPPORTED);

    proto_hdr_init(&hdr, 6, ECHO_PROTOCOL_ID, ECHO_PROTOCOL_VERSION, ECHO_STATS_ORDINAL, 0, OK);
    sys_chan_write(c0, &hdr, sizeof hdr, NULL, 0);   /* a NULL op */
    LT_INT(turn(&loop), OK);
    LT_INT(read_reply(c0, NULL, &txid), ERR_NOT_SUPPORTED);
    LT_INT(srv.clients->rejected, 3);
    LT_INT(srv.nclients, 1);

    send_echo(c0, 7, "still here");
    LT_INT(turn(&loop), OK);
    LT_INT(read_reply(c0, text, &txid), OK);
    LT_STR(text, "still here");

    sys_handle_close(c0);
    LT_INT(turn(&loop), OK);
    LT_INT(closed, 1);
    LT_INT(srv.nclients, 0);
    loop_fini(&loop);
    return 0;
}

/* A client with many queued requests is served SRV_BUDGET (16) at a time,
 * behind the other clients; max_clients refuses (and closes) the extra. */
int t_srv_fairness(void)
{
    loop_t loop;
    srv_t srv;
    handle_t sa, ca, sb, cb, sc, cc;
    char text[300];
    uint64_t txid;
    unsigned answered = 0;

    LT_INT(loop_init(&loop), OK);
    LT_INT(srv_init(&srv, &loop, "t_srv", dispatch, NULL), OK);
    srv.max_clients = 2;
    LT_INT(sys_chan_create(&sa, &ca), OK);
    LT_INT(sys_chan_create(&sb, &cb), OK);
    LT_INT(srv_add_client(&srv, sa, "busy", NULL), OK);
    LT_INT(srv_add_client(&srv, sb, "quiet", NULL), OK);
    for (unsigned i = 0; i < 40; i++)
        send_echo(ca, i + 1, "x");
    send_echo(cb, 100, "b");
    LT_INT(turn(&loop), OK);
    while (read_reply(ca, text, &txid) == OK)
        answered++;
    LT_INT(answered, 16);
    LT_INT(read_reply(cb, text, &txid), OK);
    LT_STR(text, "b");
    for (unsigned t = 0; t < 4 && answered < 40; t++) {
        int err = turn(&loop);
        LT_CHECK(err == OK || err == ERR_TIMED_OUT);
        while (read_reply(ca, text, &txid) == OK)
            answered++;
    }
    LT_INT(answered, 40);

    LT_INT(sys_chan_create(&sc, &cc), OK);
    LT_INT(srv_add_client(&srv, sc, "third", NULL), ERR_NO_RESOURCES);
    uint32_t seen = 0;
    LT_INT(sys_object_wait(cc, SIG_PEER_CLOSED, 0, &seen), OK); /* closed at once */
    LT_INT(srv_publish(&srv, HANDLE_INVALID, "x"), ERR_BAD_HANDLE);
    sys_handle_close(ca), sys_handle_close(cb), sys_handle_close(cc);
    LT_INT(turn(&loop), OK);
    LT_INT(srv.nclients, 0);
    loop_fini(&loop);
    return 0;
}
