/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The name service's private declarations (docs/ns.md): its state, its
 * sessions (session.c) and its registry of names (registry.c).
 *
 * ns is one event loop (cairn/loop.h) with one srv_t (cairn/server.h)
 * whose clients are the sessions: init's own (its bootstrap handle
 * "init"), the components' (attached by init) and the derived ones. A
 * session's srv_client_t carries its ns_session_t as ctx. The registry is
 * the published names, each with the server's opener channel bound to the
 * loop for SIG_PEER_CLOSED, and the connects waiting for a name.
 */
#ifndef NS_NSD_H
#define NS_NSD_H

#include <stdint.h>

#include "cairn/loop.h"
#include "cairn/server.h"
#include "manifest.h"
#include "ns.h"
#include "policy.h"

#define NS_MAX_SESSIONS 256u   /* sessions at once, init's included */
#define NS_MAX_NAMES 128u      /* registered names at once */
#define NS_MAX_WAITS 128u      /* connects waiting for a name, in all */
#define NS_MAX_WAITS_SESSION 8u /* ... and per session */

typedef struct ns_reg ns_reg_t;
typedef struct ns_waiter ns_waiter_t;

typedef struct nsd {
    const manifest_t *m;
    loop_t loop;
    srv_t srv;
    ns_reg_t *regs[NS_MAX_NAMES]; /* in registration order */
    uint32_t nregs;
    ns_waiter_t *waiters;         /* oldest first */
    uint32_t nwaiters;
} nsd_t;

/* A session: the ctx of its srv_client_t. Its label (a component's name,
 * a derived session's label, "init") is the client's label. */
typedef struct ns_session {
    ns_identity_t id;
    uint64_t pid;     /* the component's process (attach); 0 otherwise */
    uint32_t waiting; /* its connects in nsd_t.waiters */
} ns_session_t;

/* ---- session.c ---------------------------------------------------------- */

/* Makes channel end `ch` a session with this identity (ch is consumed). */
int session_add(nsd_t *ns, handle_t ch, const char *label, const ns_identity_t *id, uint64_t pid);

/* The srv_t hooks: dispatch of one message, and a session going. */
int session_dispatch(srv_client_t *c, const void *msg, uint32_t nbytes, const handle_t *hs, uint32_t nh);
void session_closed(srv_client_t *c);

/* ---- registry.c ---------------------------------------------------------- */

/* The ops of ns.proto that act on names; ctx is the session's client. */
int reg_publish(void *ctx, const proto_txn_t *txn, const char *name, handle_t opener);
int reg_connect(void *ctx, const proto_txn_t *txn, const char *name, bool wait, ns_connect_result_t *out);
int reg_list(void *ctx, const proto_txn_t *txn, uint32_t index, ns_list_result_t *out);

/* Forgets the waiting connects of a session that is going (unanswered:
 * its channel closes). */
void reg_drop_waiters(nsd_t *ns, srv_client_t *c);

#endif
