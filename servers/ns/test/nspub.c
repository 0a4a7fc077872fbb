/* SPDX-License-Identifier: BSD-2-Clause
 *
 * nspub: a short-lived echo server for tests/qemu/ns.test. It publishes
 * "tmpsvc" through ns with the library's server loop (cairn/server.h),
 * answers one echo call from whoever connects, and exits with status 1,
 * so that its registration ends with it and init restarts it (the test's
 * manifest says on-failure): the test sees the name go and come back.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/server.h"
#include "echo.h"

static loop_t loop;
static srv_t srv;

static int echo_op(void *ctx, const proto_txn_t *txn, const char *text, echo_echo_result_t *out)
{
    (void)ctx;
    (void)txn;
    memcpy(out->text, text, strlen(text) + 1); /* both are string<256> */
    loop_quit(&loop, 1); /* after this callback, so the reply goes first */
    return OK;
}

static const echo_ops_t ops = {.echo = echo_op};

static int dispatch(srv_client_t *c, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh)
{
    return echo_dispatch(&ops, c, c->ch, msg, n, hs, nh);
}

int main(void)
{
    int err = loop_init(&loop);
    if (err == OK)
        err = srv_init(&srv, &loop, "nspub", dispatch, NULL);
    if (err == OK)
        err = srv_publish(&srv, libsys_handle("ns"), "tmpsvc");
    if (err != OK) {
        fprintf(stderr, "nspub: cannot publish 'tmpsvc': %s\n", cairn_error_name(err));
        return 2;
    }
    printf("nspub: serving 'tmpsvc'\n");
    return loop_run(&loop);
}
