/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The server loop of STYLE.md item 3, on top of cairn/loop.h: a server has
 * clients, one channel each; a message from a client is read, handed to the
 * server's dispatch function (which calls the generated NAME_dispatch: the
 * generated validator runs before any op sees the message) and answered by
 * it. A client whose peer closes is removed. A registered server (srv_publish)
 * gets its clients from ns: each svc.open event becomes a client.
 *
 *     static int dispatch(srv_client_t *c, const void *msg, uint32_t n,
 *                         const handle_t *hs, uint32_t nh)
 *     {
 *         return echo_dispatch(&echo_ops, c, c->ch, msg, n, hs, nh);
 *     }
 *     ...
 *     srv_init(&srv, &loop, "echo", dispatch, &state);
 *     srv_publish(&srv, libsys_handle("ns"), "echo");
 *     return loop_run(&loop);
 *
 * An op gets the client as its ctx (c->srv->ctx is the server's state,
 * c->ctx the client's own, set in on_open). A message the dispatch function
 * refuses (malformed, unknown ordinal: its error return) is logged once per
 * client with its ordinal and error, and the client stays connected: the
 * generated code has already answered a request with the error.
 *
 * Clients live in memory the server allocates (malloc); at most max_clients
 * (SRV_DEFAULT_MAX_CLIENTS unless changed before the first client) - a
 * connection beyond is closed at once and logged.
 */
#ifndef CAIRN_SERVER_H
#define CAIRN_SERVER_H

#include <stdint.h>

#include "abi/handle.h"
#include "cairn/loop.h"

#define SRV_DEFAULT_MAX_CLIENTS 64u

typedef struct srv srv_t;
typedef struct srv_client srv_client_t;

/* Handles one received message; returns what NAME_dispatch returned. The
 * handles are the dispatch function's. */
typedef int (*srv_dispatch_fn)(srv_client_t *c, const void *msg, uint32_t nbytes, const handle_t *hs,
                               uint32_t nh);

struct srv_client {
    srv_t *srv;
    handle_t ch;          /* the server's end; the library closes it */
    uint64_t id;          /* 1, 2, ... in connection order */
    char label[32];       /* who connected (svc.open's client), or "" */
    uint64_t pid;         /* its process (svc.open's pid), 0 if unknown */
    void *ctx;            /* the server's, per client */
    loop_source_t src;
    uint32_t rejected;    /* malformed messages so far */
    srv_client_t *next;
};

struct srv {
    loop_t *loop;
    const char *name;     /* in log lines: "NAME: ..." */
    srv_dispatch_fn dispatch;
    void *ctx;
    /* Optional: a client arrived / is going (its channel still open). */
    void (*on_open)(srv_client_t *c);
    void (*on_close)(srv_client_t *c);
    uint32_t max_clients;
    uint32_t nclients;
    uint64_t next_id;
    srv_client_t *clients;
    /* The publish opener (svc.open events), once published. */
    handle_t opener;
    loop_source_t opener_src;
    void *buf;            /* one CHAN_MAX_BYTES receive buffer */
};

int srv_init(srv_t *s, loop_t *loop, const char *name, srv_dispatch_fn dispatch, void *ctx);

/* Makes `ch` (a channel end, now the server's) a client; *out (may be NULL)
 * is the new client. On failure ch is closed. */
int srv_add_client(srv_t *s, handle_t ch, const char *label, srv_client_t **out);

/* Removes and closes a client (on_close runs first). */
void srv_close_client(srv_t *s, srv_client_t *c);

/* Registers `service` with ns over the session `ns` and takes clients from
 * it. Returns ns's answer (ERR_ALREADY_EXISTS, ERR_ACCESS_DENIED...). */
int srv_publish(srv_t *s, handle_t ns, const char *service);

/* Withdraws what srv_publish registered: closes the opener, and ns forgets
 * the name when it sees that (docs/ns.md). Clients already connected stay.
 * Nothing to do when not published. */
void srv_unpublish(srv_t *s);

/* A client's message rejected by the dispatch function: logs
 * "NAME: client ID (LABEL): bad message ordinal N: ERROR" (first 8 per
 * client, then a count). Called by the library; public for servers that
 * read their own channels. */
void srv_log_reject(srv_t *s, srv_client_t *c, const void *msg, uint32_t nbytes, int err);

#endif
