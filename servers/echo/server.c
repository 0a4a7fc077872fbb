/* SPDX-License-Identifier: BSD-2-Clause
 *
 * echo-server: the smallest complete server, and the example of
 * docs/protocols.md. It publishes "echo" (proto/echo.proto) through its ns
 * session and serves every client that connects:
 *   echo   answers with the same text (and counts the call);
 *   stats  answers how many echo calls it has served;
 *   ping   (an event) is counted, never answered.
 * Everything else - reading, validating, refusing malformed messages,
 * dropping clients that go away - is libsys's server loop (cairn/server.h)
 * and the generated echo_dispatch. It runs until it is killed.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/loop.h"
#include "cairn/runtime.h"
#include "cairn/server.h"
#include "echo.h"

typedef struct echo_server {
    uint64_t calls; /* echo calls answered */
    uint64_t pings; /* ping events received */
} echo_server_t;

/* Ops get the client (cairn/server.h); the server's state is its srv's. */
static echo_server_t *server_of(void *ctx) { return ((srv_client_t *)ctx)->srv->ctx; }

static int echo_op(void *ctx, const proto_txn_t *txn, const char *text, echo_echo_result_t *out)
{
    (void)txn;
    server_of(ctx)->calls++;
    memcpy(out->text, text, strlen(text) + 1); /* both are string<256> */
    return OK;
}

static int stats_op(void *ctx, const proto_txn_t *txn, echo_stats_result_t *out)
{
    (void)txn;
    out->calls = server_of(ctx)->calls;
    return OK;
}

static void ping_op(void *ctx, uint64_t seq)
{
    (void)seq;
    server_of(ctx)->pings++;
}

static const echo_ops_t echo_ops = {.echo = echo_op, .stats = stats_op, .ping = ping_op};

static int echo_srv_dispatch(srv_client_t *c, const void *msg, uint32_t nbytes, const handle_t *hs, uint32_t nh)
{
    return echo_dispatch(&echo_ops, c, c->ch, msg, nbytes, hs, nh);
}

int main(void)
{
    static echo_server_t state;
    static loop_t loop;
    static srv_t srv;
    int err;

    if ((err = loop_init(&loop)) != OK ||
        (err = srv_init(&srv, &loop, "echo-server", echo_srv_dispatch, &state)) != OK) {
        fprintf(stderr, "echo-server: cannot start: %s\n", cairn_strerror(err));
        return 1;
    }
    err = srv_publish(&srv, libsys_handle("ns"), "echo");
    if (err != OK) {
        fprintf(stderr, "echo-server: cannot publish 'echo': %s\n", cairn_strerror(err));
        return 1;
    }
    return loop_run(&loop);
}
